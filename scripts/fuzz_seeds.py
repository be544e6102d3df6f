#!/usr/bin/env python3
"""Write the seed corpus of each fuzz target (fuzz/fuzz_targets/*.rs).

    scripts/fuzz_seeds.py STOCK_TREE OUT_DIR

Sources: the hand-picked seeds in fuzz/seeds/<target>.txt (one per line, C
escapes), our driver inputs in c_tests/inputs/, and Postfix's own test
inputs read from the stock tree (src/util/valid_hostname.in, dict_cidr.map
and .in, dict_cidr_file.map, miss_endif_cidr.map, src/global/namadr_list.in),
which are never copied into the repository. Each seed becomes one file
OUT_DIR/<target>/<sha1 of its bytes>; files already there are kept.
"""
import hashlib
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ["cidr_match", "match_hostaddr", "valid_hostaddr", "valid_mailhost",
           "inet_proto", "procnet_ifinet6", "cidr_file"]
MAX_RULES = 16          # fuzz_targets/cidr_match.rs
OP_PARSE, OP_IF, OP_ENDIF, OP_NEGATE = 0, 1, 2, 4


def unescape(line):
    out = bytearray()
    i = 0
    simple = {"0": 0, "t": 9, "n": 10, "r": 13, "\\": 92}
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            n = line[i + 1]
            if n == "x":
                out.append(int(line[i + 2:i + 4], 16))
                i += 4
                continue
            if n in simple:
                out.append(simple[n])
                i += 2
                continue
        out += c.encode("latin-1")
        i += 1
    return bytes(out)


def read_lines(path):
    with open(path, "rb") as f:
        return [l.rstrip(b"\n") for l in f.read().split(b"\n") if l.rstrip(b"\n")]


def hand_picked(target):
    path = os.path.join(REPO, "fuzz/seeds", target + ".txt")
    with open(path, encoding="latin-1") as f:
        return [unescape(l.rstrip("\n")) for l in f
                if l.strip() and not l.startswith("#")]


def cidr_rules(map_path):
    """A dict_cidr map as fuzz rules (op byte + pattern), in file order."""
    rules = []
    for line in read_lines(map_path):
        text = line.decode("latin-1").strip()
        if not text or text.startswith("#"):
            continue
        low = text.lower()
        if re.match(r"endif\b", low):
            rules.append(bytes([OP_ENDIF]))
            continue
        op = OP_PARSE
        if re.match(r"if\b|if!", low):
            op, text = OP_IF, text[2:]
        text = text.lstrip()
        while text.startswith("!"):
            op ^= OP_NEGATE
            text = text[1:].lstrip()
        pattern = text.split()[0] if text.split() else ""
        rules.append(bytes([op]) + pattern.encode("latin-1"))
    return rules


def cidr_seeds(map_path, in_path):
    rules = cidr_rules(map_path)
    addrs = [l.split()[1] for l in read_lines(in_path) if len(l.split()) > 1] \
        if in_path else [b"1.2.3.5"]
    chunks = [rules[i:i + MAX_RULES] for i in range(0, len(rules), MAX_RULES)]
    return [b"\0".join([a] + chunk) for a in addrs for chunk in chunks]


def namadr_seeds(path):
    """namadr_list.in: each address pattern with the line's address."""
    out = []
    for line in read_lines(path):
        text = line.decode("latin-1")
        if not text.startswith("./namadr_list "):
            continue
        rest = text[len("./namadr_list "):]
        if rest.startswith("'"):
            patterns, tail = rest[1:].split("'", 1)
        else:
            patterns, tail = rest.split(" ", 1)
        words = tail.split()
        if len(words) < 2:
            continue
        for p in re.split("[ ,]", patterns):
            p = p.lstrip("!")
            if p and not p.startswith("/"):
                out.append(b"\x01" + words[1].encode() + b"\0" + p.encode())
    return out


def batch_seeds(path):
    """c_tests/inputs/batch-edge.txt lines, by tag, as target inputs."""
    out = {t: [] for t in TARGETS}
    for line in read_lines(path):
        tag, rest = line[:1], line[2:]
        first, _, second = rest.partition(b"\t")
        if tag == b"P":
            out["cidr_match"].append(b"1.2.3.4\0" + bytes([OP_PARSE]) + rest)
        elif tag == b"F":
            out["cidr_match"].append(b"1.2.3.4\0" + bytes([OP_IF]) + rest)
        elif tag in (b"E", b"N"):
            op = OP_PARSE if tag == b"E" else OP_NEGATE
            out["cidr_match"].append(second + b"\0" + bytes([op]) + first)
        elif tag == b"V":
            out["valid_hostaddr"].append(b"\x01" + rest)
        elif tag == b"M":
            out["valid_mailhost"].append(b"\x01" + rest)
        elif tag == b"H":
            out["match_hostaddr"].append(b"\x01" + first + b"\0" + second)
        elif tag == b"R":
            out["inet_proto"].append(rest)
    return out


def main():
    stock, out_dir = sys.argv[1], sys.argv[2]
    util = os.path.join(stock, "src/util")
    inputs = os.path.join(REPO, "c_tests/inputs")
    seeds = {t: hand_picked(t) for t in TARGETS}
    for t, v in batch_seeds(os.path.join(inputs, "batch-edge.txt")).items():
        seeds[t] += v
    for f in [os.path.join(util, "valid_hostname.in"), os.path.join(inputs, "valid.in")]:
        for l in read_lines(f):
            seeds["valid_hostaddr"].append(b"\x01" + l)
            seeds["valid_mailhost"].append(b"\x01" + l)
    for l in read_lines(os.path.join(inputs, "mailhost.in")):
        seeds["valid_mailhost"].append(b"\x01" + l)
    for l in read_lines(os.path.join(inputs, "proto.args")):
        seeds["inet_proto"].append(l)
    seeds["cidr_match"] += cidr_seeds(os.path.join(util, "dict_cidr.map"),
                                      os.path.join(util, "dict_cidr.in"))
    seeds["cidr_match"] += cidr_seeds(os.path.join(util, "dict_cidr_file.map"),
                                      os.path.join(util, "dict_cidr_file.in"))
    seeds["cidr_match"] += cidr_seeds(os.path.join(util, "miss_endif_cidr.map"), None)
    seeds["cidr_match"] += cidr_seeds(os.path.join(inputs, "cidr-edge.map"),
                                      os.path.join(inputs, "cidr-edge.in"))
    seeds["match_hostaddr"] += namadr_seeds(
        os.path.join(stock, "src/global/namadr_list.in"))
    for t, items in seeds.items():
        d = os.path.join(out_dir, t)
        os.makedirs(d, exist_ok=True)
        for s in items:
            with open(os.path.join(d, hashlib.sha1(s).hexdigest()), "wb") as f:
                f.write(s)
        print(f"{t}: {len(set(items))} seeds", file=sys.stderr)


if __name__ == "__main__":
    main()
