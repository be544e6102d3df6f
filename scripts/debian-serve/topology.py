#!/usr/bin/env python3
"""Network namespace topologies for scripts/debian-serve.sh.

  topology.py list                 names, one a line, with the inet_interfaces
                                   list each one is also asked with
  topology.py batch NAME           its `ip -batch` text
  topology.py settle NETNS         wait until the kernel is done changing the
                                   namespace by itself; print its addresses

The batches are read from the Rust tests (tests/netns_mynetworks.rs,
tests/common/netns.rs), so the topologies cannot drift apart from the ones
the unit-level namespace tests use.
"""
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MYNET = REPO / "tests/netns_mynetworks.rs"
COMMON = REPO / "tests/common/netns.rs"

# name -> (where the batch is, an explicit inet_interfaces list)
TOPOLOGIES = {
    "loopback": (("const", COMMON, "LOOPBACK_ONLY"), "127.0.0.1, [::1]"),
    "ipv4-classes": (("const", MYNET, "IPV4_CLASSES"), "192.0.2.1, [::1]"),
    "class-e": (("const", MYNET, "CLASS_E"), "192.0.2.1 [2001:db8::1]"),
    "ipv6": (("const", MYNET, "IPV6"), "192.0.2.1, [2001:db8::1]"),
    "multi": (("const", MYNET, "MULTI"), "192.0.2.3, [2001:db8::3]"),
    "ipv6-only": (("const", MYNET, "IPV6_ONLY"), "[2001:db8:6::1], fd00:6::2"),
    "basic": (("const", COMMON, "BASIC"), "192.0.2.1, [2001:db8::1]"),
    "down": (("down", COMMON, "BASIC"), "192.0.2.1, [2001:db8::1]"),
    "duplicate": (("const", COMMON, "DUPLICATE"), "192.0.2.10, [2001:db8::10]"),
}


def rust_string(src: str, head: str) -> str:
    """The text of the string literal `"\\` that follows `head`."""
    start = src.index(head)
    start = src.index('"\\\n', start) + 3
    end = src.index('"', start)
    body = src[start:end]
    if "\\" in body:
        raise SystemExit(f"unexpected escape in the batch after {head!r}")
    return body


def batch(name: str) -> str:
    (kind, path, const), _ = TOPOLOGIES[name]
    src = path.read_text()
    one_line = re.search(rf'const {const}: &str = "([^"\\]*)\\n";', src)
    if one_line:  # LOOPBACK_ONLY: "link set lo up\n"
        return one_line.group(1) + "\n"
    text = rust_string(src, f"const {const}: &str = ")
    if kind == "down":  # down() = BASIC + a second literal
        text += rust_string(src, "pub fn down() -> String {")
    return text


def dump(ns: str, what: str) -> str:
    while True:
        p = subprocess.run(["ip", "-n", ns, "-o", what, "show"],
                           capture_output=True, text=True, check=True)
        if not p.stderr:  # "Dump was interrupted": take it again
            return p.stdout
        time.sleep(0.02)


def unsettled(links: str, addrs: str):
    """Why the kernel may still add or change addresses on its own: a link
    with carrier and no IPv6 link-local address yet, or a tentative
    address (DAD is off, so none should be)."""
    for line in links.splitlines():
        t = line.split()
        idx, name, flags = t[0].rstrip(":"), t[1].rstrip(":").split("@")[0], t[2]
        if "LOWER_UP" in flags and "LOOPBACK" not in flags:
            if not any(a.split()[0].rstrip(":") == idx and " inet6 fe80:" in a
                       for a in addrs.splitlines()):
                return f"{name} has no link-local address yet"
        if ",UP" in flags or "<UP" in flags:
            # ip shows NO-CARRIER beside LOWER_UP until the operational
            # state follows the carrier.
            carrier = "LOWER_UP" in flags and "NO-CARRIER" not in flags
            if not carrier and "LOOPBACK" not in flags and name != "ve":
                return f"{name} is up without carrier yet"
    if "tentative" in addrs:
        return "a tentative address"
    return None


def settle(ns: str) -> str:
    deadline = time.monotonic() + 20
    last = None
    while True:
        links, addrs = dump(ns, "link"), dump(ns, "addr")
        why = unsettled(links, addrs)
        snap = "".join(l.split("\\")[0].rstrip() + "\n" for l in addrs.splitlines())
        if why is None and snap == last:
            return snap
        if time.monotonic() > deadline:
            raise SystemExit(f"{ns} did not settle: {why or 'addresses still changing'}")
        last = snap if why is None else None
        time.sleep(0.1)


def main():
    cmd = sys.argv[1:]
    if cmd == ["list"]:
        for name, (_, two) in TOPOLOGIES.items():
            print(f"{name}\t{two}")
    elif len(cmd) == 2 and cmd[0] == "batch":
        sys.stdout.write(batch(cmd[1]))
    elif len(cmd) == 2 and cmd[0] == "settle":
        sys.stdout.write(settle(cmd[1]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
