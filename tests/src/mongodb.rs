//! MongoDB with a real client, Debian's `python3-pymongo` (3.11), talking to a minimal server of
//! the harness's own on `python3-bson`: no MongoDB server is packaged. The server speaks the
//! wire protocol a driver needs for a handshake, an insert and a find: `isMaster`/`hello` over
//! `OP_QUERY` or `OP_MSG` (the primary of a one-member replica set, named by its address, of wire
//! version 9, MongoDB 4.4), `insert` (its
//! documents in the body or in a document sequence), `find` (the collection's documents, in
//! one batch) and `ok` to anything else. The bytes on the wire are pymongo's, and the server's
//! as MongoDB lays them out.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::Result;
use crate::netns::NsRef;
use crate::process::{Proc, run_ok};
use crate::servers::wait_listening;

/// Debian's own interpreter, which has the packaged libraries.
const PYTHON: &str = "/usr/bin/python3";

/// How long the client may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The programs the server and the client need.
pub const TOOLS: &[&str] = &[PYTHON];

/// The server: one thread per connection, documents kept per collection in memory.
const SERVER: &str = r#"
import datetime, socketserver, struct, sys, threading, zlib
import bson
OP_REPLY, OP_QUERY, OP_COMPRESSED, OP_MSG = 1, 2004, 2012, 2013
ZLIB = 2
stored, lock = {}, threading.Lock()
ME = sys.argv[2]

def answer(command, documents):
    name = next(iter(command), "")
    if name.lower() in ("ismaster", "hello"):
        compression = [c for c in command.get("compression", []) if c == "zlib"]
        return {"compression": compression, "ismaster": True, "secondary": False, "setName": "rs0", "hosts": [ME],
                "primary": ME, "me": ME, "maxBsonObjectSize": 16777216,
                "maxMessageSizeBytes": 48000000, "maxWriteBatchSize": 100000,
                "localTime": datetime.datetime.utcnow(), "minWireVersion": 0,
                "maxWireVersion": 9, "readOnly": False, "ok": 1.0}
    key = (command.get("$db", ""), command.get(name, ""))
    if name == "insert":
        documents = documents or command.get("documents", [])
        with lock:
            stored.setdefault(key, []).extend(documents)
        return {"n": len(documents), "ok": 1.0}
    if name == "find":
        with lock:
            batch = list(stored.get(key, []))
        return {"cursor": {"firstBatch": batch, "id": 0, "ns": "%s.%s" % key}, "ok": 1.0}
    return {"ok": 1.0}

class Connection(socketserver.BaseRequestHandler):
    def read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.request.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def handle(self):
        try:
            while True:
                length, request_id, _, op = struct.unpack("<iiii", self.read(16))
                body = self.read(length - 16)
                compressed = op == OP_COMPRESSED
                if compressed:
                    op, _, compressor = struct.unpack("<iiB", body[:9])
                    if compressor != ZLIB:
                        return
                    body = zlib.decompress(body[9:])
                if op == OP_QUERY:
                    collection_end = body.index(b"\0", 4)
                    query = bson.decode_all(body[collection_end + 9:])[0]
                    reply = bson.encode(answer(query, []))
                    message = struct.pack("<iqii", 0, 0, 0, 1) + reply
                    header = struct.pack("<iiii", 16 + len(message), 1, request_id, OP_REPLY)
                    op = OP_REPLY
                elif op == OP_MSG:
                    flags, at, end = struct.unpack("<I", body[:4])[0], 4, len(body)
                    if flags & 1:
                        end -= 4
                    command, documents = {}, []
                    while at < end:
                        kind, at = body[at], at + 1
                        size = struct.unpack("<i", body[at:at + 4])[0]
                        if kind == 0:
                            command = bson.decode_all(body[at:at + size])[0]
                        else:
                            name_end = body.index(b"\0", at + 4)
                            documents += bson.decode_all(body[name_end + 1:at + size])
                        at += size
                    message = struct.pack("<I", 0) + b"\0" + bson.encode(answer(command, documents))
                    header = struct.pack("<iiii", 16 + len(message), 1, request_id, OP_MSG)
                else:
                    return
                if compressed:
                    # Answered as asked: compressed too.
                    packed = struct.pack("<iiB", op, len(message), ZLIB) + zlib.compress(message)
                    header = struct.pack("<iiii", 16 + len(packed), 1, request_id, OP_COMPRESSED)
                    message = packed
                self.request.sendall(header + message)
        except (EOFError, ConnectionError):
            return

socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.daemon_threads = True
socketserver.ThreadingTCPServer(("0.0.0.0", int(sys.argv[1])), Connection).serve_forever()
"#;

/// Inserts the document (JSON) into `app.customers`, then prints what `find` returns, as JSON
/// without `_id`; compresses its messages with the compressors listed (`zlib`), if any.
const CLIENT: &str = r#"
import json, sys, pymongo
compression = {"compressors": sys.argv[4]} if sys.argv[4] else {}
client = pymongo.MongoClient(sys.argv[1], int(sys.argv[2]), serverSelectionTimeoutMS=10000,
                             connectTimeoutMS=10000, socketTimeoutMS=10000, **compression)
customers = client.app.customers
customers.insert_one(json.loads(sys.argv[3]))
print(json.dumps([{k: v for k, v in d.items() if k != "_id"} for d in customers.find()]))
client.close()
"#;

/// The server in `ns` on `port`, which names itself by `advertised` to its replica set. Stopped
/// (by PID) when dropped.
///
/// # Errors
/// When it cannot start (the library missing among them) or does not listen in time.
pub fn start_server(ns: &NsRef, port: u16, advertised: SocketAddr, log_dir: &Path) -> Result<Proc> {
    let mut cmd = ns.exec(PYTHON)?;
    cmd.args([
        "-u",
        "-c",
        SERVER,
        &port.to_string(),
        &advertised.to_string(),
    ]);
    let mut proc = Proc::spawn(&format!("mongodb-{port}"), &mut cmd, log_dir)?;
    wait_listening(ns, port, Some(&mut proc))?;
    Ok(proc)
}

/// From `ns`, inserts `document` (JSON) into the server at `server` and reads the collection
/// back, its messages compressed with `compressors` (`"zlib"`, or `""` for none); returns the
/// documents found, as JSON.
///
/// # Errors
/// When the client fails.
pub fn insert_and_find(
    ns: &NsRef,
    server: SocketAddr,
    document: &str,
    compressors: &str,
) -> Result<String> {
    let mut cmd = ns.exec(PYTHON)?;
    cmd.args([
        "-c",
        CLIENT,
        &server.ip().to_string(),
        &server.port().to_string(),
        document,
        compressors,
    ]);
    run_ok(&mut cmd, COMMAND_TIMEOUT)
}
