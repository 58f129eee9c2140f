# Loopback-only recording TCP proxy: forwards one connection 127.0.0.1:LISTEN -> 127.0.0.1:UPSTREAM
# and writes the first bytes of each direction to <prefix>_c2s.bin / <prefix>_s2c.bin.
import socket, sys, select, time
listen, upstream, prefix = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", listen)); ls.listen(1); ls.settimeout(20)
c, _ = ls.accept()
s = socket.create_connection(("127.0.0.1", upstream), timeout=5)
c2s, s2c = bytearray(), bytearray()
deadline = time.time() + 10
while time.time() < deadline:
    r, _, _ = select.select([c, s], [], [], 0.5)
    done = False
    for sock in r:
        data = sock.recv(65536)
        if not data:
            done = True; break
        if sock is c:
            c2s += data; s.sendall(data)
        else:
            s2c += data; c.sendall(data)
    if done: break
open(prefix + "_c2s.bin", "wb").write(bytes(c2s[:16384]))
open(prefix + "_s2c.bin", "wb").write(bytes(s2c[:16384]))
