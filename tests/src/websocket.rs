//! WebSocket with `permessage-deflate` (RFC 7692), as browsers and most libraries negotiate it:
//! an echo server and a client on Debian's `python3-websockets`, whose default compresses every
//! message, in clear text (`ws://`).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::Result;
use crate::netns::NsRef;
use crate::process::{Proc, run_ok};
use crate::servers::wait_listening;

/// Debian's own interpreter, which has the packaged library (another `python3` on `PATH`, such
/// as a pyenv one, may not).
const PYTHON: &str = "/usr/bin/python3";

/// How long the client may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The programs the server and the client need.
pub const TOOLS: &[&str] = &[PYTHON];

/// Sends each message it receives back.
const SERVER: &str = r#"
import asyncio, sys, websockets
async def echo(ws, path=None):
    async for message in ws:
        await ws.send(message)
async def main():
    async with websockets.serve(echo, "0.0.0.0", int(sys.argv[1])):
        await asyncio.Future()
asyncio.run(main())
"#;

/// Sends each argument after the URI as a message and prints each answer.
const CLIENT: &str = r"
import asyncio, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1], open_timeout=10) as ws:
        for message in sys.argv[2:]:
            await ws.send(message)
            print(await asyncio.wait_for(ws.recv(), 10))
asyncio.run(main())
";

/// An echo server in `ns` on `port`. Stopped (by PID) when dropped.
///
/// # Errors
/// When the server cannot start (the library missing among them) or does not listen in time.
pub fn start_echo(ns: &NsRef, port: u16, log_dir: &Path) -> Result<Proc> {
    let mut cmd = ns.exec(PYTHON)?;
    cmd.args(["-c", SERVER, &port.to_string()]);
    let mut proc = Proc::spawn(&format!("websocket-echo-{port}"), &mut cmd, log_dir)?;
    wait_listening(ns, port, Some(&mut proc))?;
    Ok(proc)
}

/// Sends `messages` from `ns` to the echo server at `server`; returns its answers, one a line.
///
/// # Errors
/// When the client fails.
pub fn exchange(ns: &NsRef, server: SocketAddr, messages: &[&str]) -> Result<String> {
    let mut cmd = ns.exec(PYTHON)?;
    cmd.args(["-c", CLIENT, &format!("ws://{server}/")])
        .args(messages);
    run_ok(&mut cmd, COMMAND_TIMEOUT)
}
