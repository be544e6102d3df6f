#!/usr/bin/env python3
"""Generate cidr: tables and lookup keys for a stock-vs-patched postmap run.

    python3 scripts/gen_cidr_tables.py --seed N --count N DIR

Writes DIR/tN.cidr and DIR/tN.keys for N = 0..count-1: tables of random
rules (gen_cases.py's patterns, valid or not, with and without '!'; `if`,
`if !`, `endif`, `endif` with garbage, upper case keywords, missing
results, comments, blank lines, continuation lines, text that continues
nothing), results from a few repeated texts or distinct ones, and keys:
addresses inside the rules' networks, gen_cases.py's address texts (valid
or not). Every tenth table (N % 10 == 9) has a NUL byte in one line, which
a patched Postfix hands to stock's own parser (Postfix releases warn about
NULs differently) and "pfinet compile" refuses. A pure function of --seed
and --count. No newline inside a line.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_cases import Gen  # noqa: E402

RESULTS = ["REJECT", "OK", "DUNNO", "554 5.7.1 go away", "PREPEND X-Net: listed"]


def rule_line(g, distinct, n):
    """One logical line of a table (may span physical lines)."""
    kind = g.r.randrange(100)
    bangs = "!" * g.weighted([(70, lambda: 0), (20, lambda: 1), (10, lambda: 2)])()
    value = "result %d" % n if distinct else g.pick(RESULTS)
    if kind < 60:
        return "%s%s %s" % (bangs, g.pattern(), value)
    if kind < 68:
        return "%s %s" % (g.pick(["if", "IF", "If", "if ", "if\t"]), bangs + g.pattern())
    if kind < 76:
        return g.pick(["endif", "ENDIF", "endif ", "Endif\t"])
    if kind < 78:
        return g.pick(["endif x", "endif#", "endifx 1.2.3.4", "if", "if !", "ifx 1.2.3.4 x"])
    if kind < 81:
        return bangs + g.pattern()  # no result
    if kind < 84:
        return "# comment %s" % g.pattern()
    if kind < 86:
        return g.pick(["", " ", "\t"])
    if kind < 89:
        return " orphan %s" % g.pattern()  # continues nothing
    if kind < 93:  # a result continued on the next line
        return "%s%s %s\n %s" % (bangs, g.pattern(), value, g.pick(["more", "# not a comment", ""]))
    n_net, m, bits, text = g.network()
    return "%s%s/%d %s" % (bangs, text, m, value)


def keys(g, lines):
    out = []
    for _ in range(40):
        n, m, bits, text = g.network()
        host = g.addr_in(n, m, bits)
        out.append(g.v6_text(host) if bits == 128 else g.v4_str(host))
    for _ in range(20):
        out.append(g.address_text())
    # Addresses written in the table itself.
    for line in lines[:20]:
        word = line.lstrip("!").split(" ")[0].strip("[]").split("/")[0]
        out.append(word)
    return [k for k in out if "\n" not in k and "\0" not in k and k.strip() == k and k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("dir")
    a = ap.parse_args()
    for t in range(a.count):
        g = Gen(a.seed * 100003 + t)
        distinct = g.chance(0.3)
        lines = [rule_line(g, distinct, n) for n in range(1 + g.r.randrange(60))]
        if t % 10 == 9:
            i = g.r.randrange(len(lines))
            at = g.r.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:at] + "\0" + lines[i][at:]
        with open(os.path.join(a.dir, "t%d.cidr" % t), "w", encoding="latin-1") as f:
            f.write("\n".join(lines) + ("\n" if g.chance(0.9) else ""))
        with open(os.path.join(a.dir, "t%d.keys" % t), "w", encoding="latin-1") as f:
            f.write("".join(k + "\n" for k in keys(g, lines)))


if __name__ == "__main__":
    main()
