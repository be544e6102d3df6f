#!/usr/bin/env python3
"""One SMTP session, for scripts/debian-serve.sh (run inside a client
network namespace with `ip netns exec`):

  smtp_session.py SERVER_ADDRESS RCPT...

Connects to SERVER_ADDRESS port 25 (retrying for up to 30 s while the
server starts), then sends EHLO, MAIL FROM, one RCPT TO per argument and
QUIT, and prints the session: `# from ADDRESS` (the client's address as
the server sees it), then `C: command` and every line of the reply as
`S: line`. No message is sent (no DATA). Exit status 1 when the session
could not be completed.
"""
import socket
import sys
import time


def reply(f) -> list:
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise SystemExit(f"connection closed after {lines!r}")
        line = line.decode("utf-8", "replace").rstrip("\r\n")
        lines.append(line)
        if line[3:4] != "-":
            return lines


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    server, rcpts = sys.argv[1], sys.argv[2:]
    deadline = time.monotonic() + 30
    while True:
        try:
            s = socket.create_connection((server, 25), timeout=10)
            break
        except OSError as e:
            if time.monotonic() > deadline:
                raise SystemExit(f"connect to {server} port 25: {e}")
            time.sleep(0.1)
    s.settimeout(30)
    f = s.makefile("rb")
    print(f"# from {s.getsockname()[0]}")
    for line in reply(f):
        print(f"S: {line}")
    cmds = ["EHLO client.example", "MAIL FROM:<a@client.example>"]
    cmds += [f"RCPT TO:<{r}>" for r in rcpts] + ["QUIT"]
    for c in cmds:
        print(f"C: {c}")
        s.sendall(c.encode() + b"\r\n")
        for line in reply(f):
            print(f"S: {line}")
    s.close()


if __name__ == "__main__":
    main()
