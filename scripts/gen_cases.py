#!/usr/bin/env python3
"""Generate `batch` cases for c_tests/driver.c (stock Postfix vs pfinet).

    python3 scripts/gen_cases.py [--seed N] [--count N] [--no-ipv6] > cases

Writes --count lines (default 100000) of "<TAG> <rest>" to stdout, a fixed
mix of the driver's batch tags (see the comment at the top of driver.c):

    P F   cidr_match_parse / cidr_match_parse_if on a pattern
    E N   parse + cidr_match_execute (positive / negative match), pattern\taddr
    V     valid_hostaddr / valid_ipv4_hostaddr / valid_ipv6_hostaddr
    M     valid_mailhost_addr / valid_mailhost_literal
    H     match_hostaddr without dictionaries, addr\tpattern
    R     inet_proto_init on a (valid) protocol list
    K     mask_addr
    L     inet_addr_list append + uniq

The output is a pure function of --seed, --count and --no-ipv6 (only Python's
random.Random with that seed is used). Lines never hold NUL or newline; a tab
only appears as the E/N/H field separator and as a separator inside R's
protocol list. Bytes 0x80-0xff are written as such (the output is binary;
read it as bytes, e.g. latin-1).

--no-ipv6 keeps what a -DNO_IPV6 build cannot take without a fatal error or
panic: no "ipv6" in R, no IPv6 addresses in L. Everything else is the same
kind of input (IPv6 patterns simply fail to parse there).
"""

import argparse
import ipaddress
import random
import sys

HEX = "0123456789abcdef"
# Near misses of the "IPv6:" address-literal tag.
IPV6_COL_WRONG = ["IPv6;", "IPv6", "IPv4:", "IP6:", "IPv6::", " IPv6:", "IPv 6:"]


class Gen:
    def __init__(self, seed, no_ipv6=False):
        self.r = random.Random(seed)
        self.no_ipv6 = no_ipv6

    # ------------------------------------------------------------------
    # small helpers

    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def weighted(self, table):
        total = sum(w for w, _ in table)
        x = self.r.random() * total
        for w, f in table:
            x -= w
            if x < 0:
                return f
        return table[-1][1]

    def ipv6_col(self):
        """"IPv6:" in a random letter case, sometimes a near miss."""
        if self.chance(0.1):
            return self.pick(IPV6_COL_WRONG)
        if self.chance(0.4):
            return "IPv6:"
        return "".join(c.upper() if self.chance(0.5) else c.lower() for c in "ipv6:")

    # ------------------------------------------------------------------
    # IPv4

    def v4_int(self):
        kind = self.r.randrange(10)
        if kind == 0:
            return 0
        if kind == 1:
            return 0xFFFFFFFF
        if kind == 2:  # first octet 0 (valid_ipv4_hostaddr rejects it)
            return self.r.randrange(0, 1 << 24)
        if kind == 3:  # private / loopback-ish
            return self.pick([0x7F000001, 0x0A000000, 0xAC100000, 0xC0A80000,
                              0x01020304, 0xFF000001, 0x80000000,
                              0x7FFFFFFF, 0x80000001]) | self.r.randrange(0, 256)
        return self.r.getrandbits(32)

    @staticmethod
    def v4_str(n):
        return ".".join(str((n >> s) & 255) for s in (24, 16, 8, 0))

    def v4_valid(self):
        return self.v4_str(self.v4_int())

    def octet_text(self):
        kind = self.r.randrange(14)
        if kind == 0:
            return ""
        if kind == 1:
            return "0" + str(self.r.randrange(256))  # leading zero
        if kind == 2:
            return "00" + str(self.r.randrange(10))
        if kind == 3:
            return str(self.r.choice([256, 300, 999, 1000, 65535, 4294967296]))
        if kind == 4:
            return self.pick(["a", "f", "x", "-1", "+1", " 1", "1 ", "0x1"])
        if kind == 5:
            return "9" * self.r.randrange(3, 30)
        return str(self.r.randrange(256))

    def v4_inet_aton(self):
        """Forms that inet_aton()/inet_addr() take but inet_pton() does not
        (Postfix's NO_IPV6 inet_pton() is built on inet_addr())."""
        n = self.v4_int()
        o = [(n >> s) & 255 for s in (24, 16, 8, 0)]
        kind = self.r.randrange(7)
        if kind == 0:
            return "%d.%d" % (o[0], n & 0xFFFFFF)  # a.b (24-bit tail)
        if kind == 1:
            return "%d.%d.%d" % (o[0], o[1], n & 0xFFFF)  # a.b.c
        if kind == 2:
            return ".".join(self.pick(["0x%x", "0X%X", "0%o", "%d"]) % x for x in o)
        if kind == 3:
            return "0x%x" % n if self.chance(0.5) else "0%o" % n
        if kind == 4:  # white space, then anything
            return self.v4_str(n) + self.pick([" ", "\r", "\x0b", "\x0c"]) + self.pick(["", "junk", "1", " 2.3.4.5"])
        if kind == 5:
            return self.v4_str(n) + " "
        return self.pick(["127.1", "0x7f.1", "0177.0.0.1", "0x7f000001", "2130706433", "4294967295",
                          "4294967296", "1.16777215", "1.16777216", "1.2.65535", "1.2.65536", "08.0.0.1",
                          "0x.0.0.1", "0xg.0.0.1", "1.2.3.4.", "1.2.3.4 ", " 1.2.3.4"])

    def v4_malformed(self):
        kind = self.r.randrange(11)
        if kind >= 9:
            return self.v4_inet_aton()
        if kind == 0:
            n = self.pick([1, 2, 3, 5, 6])
            return ".".join(self.octet_text() if self.chance(0.3) else
                            str(self.r.randrange(256)) for _ in range(n))
        if kind == 1:
            parts = [str(self.r.randrange(256)) for _ in range(4)]
            parts[self.r.randrange(4)] = self.octet_text()
            return ".".join(parts)
        if kind == 2:
            return self.v4_valid() + "."
        if kind == 3:
            return "." + self.v4_valid()
        if kind == 4:
            s = self.v4_valid()
            i = self.r.randrange(len(s) + 1)
            return s[:i] + "." + s[i:]
        if kind == 5:
            s = self.v4_valid()
            i = self.r.randrange(len(s))
            return s[:i] + self.pick(["a", "F", ":", "/", " ", "]", "[", "\x80", "\xff", "\r"]) + s[i + 1:]
        if kind == 6:
            return str(self.r.getrandbits(32))  # inet_aton-style single number
        if kind == 7:
            return "0" * self.r.randrange(1, 4) + self.v4_valid()
        return ".".join("0" * self.r.randrange(0, 4) + str(self.r.randrange(256)) for _ in range(4))

    def v4_any(self):
        return self.v4_valid() if self.chance(0.65) else self.v4_malformed()

    # ------------------------------------------------------------------
    # IPv6

    def v6_int(self):
        kind = self.r.randrange(10)
        if kind == 0:
            return 0
        if kind == 1:
            return 1
        if kind == 2:  # IPv4-mapped
            return (0xFFFF << 32) | self.v4_int()
        if kind == 3:  # IPv4-compatible
            return self.v4_int()
        if kind == 4:  # few non-zero groups: lots of compression
            v = 0
            for _ in range(self.r.randrange(1, 4)):
                v |= self.r.randrange(1, 0x10000) << (16 * self.r.randrange(8))
            return v
        if kind == 5:
            return (1 << 128) - 1
        if kind == 6:  # documentation / link-local prefixes
            return (self.pick([0x20010db8, 0xfe800000, 0xff020000, 0x20010240]) << 96) | self.r.getrandbits(64)
        return self.r.getrandbits(128)

    @staticmethod
    def v6_groups(n):
        return [(n >> (16 * (7 - i))) & 0xFFFF for i in range(8)]

    def group_text(self, g, style):
        if style == "pad":
            s = "%04x" % g
        else:
            s = "%x" % g
        if style == "upper" or (style == "mixed" and self.chance(0.5)):
            s = s.upper()
        return s

    def v6_text(self, n):
        """A valid textual form of the 128-bit value n."""
        kind = self.r.randrange(8)
        if kind == 0:
            return str(ipaddress.IPv6Address(n))  # canonical compressed
        if kind == 1:
            return ipaddress.IPv6Address(n).exploded
        if kind == 2:
            return ipaddress.IPv6Address(n).exploded.upper()
        groups = self.v6_groups(n)
        style = self.pick(["plain", "pad", "upper", "mixed"])
        if kind == 3:  # no compression
            return ":".join(self.group_text(g, style) for g in groups)
        if kind == 4:  # embedded dotted quad in the last 32 bits
            head = groups[:6]
            tail = self.v4_str(n & 0xFFFFFFFF)
            return self.compress(head, style, allow_end=True, tail=tail)
        # compression at a random run of zeros (not always the longest)
        return self.compress(groups, style)

    def compress(self, groups, style, allow_end=True, tail=None):
        runs = []
        i = 0
        while i < len(groups):
            if groups[i] == 0:
                j = i
                while j < len(groups) and groups[j] == 0:
                    j += 1
                runs.append((i, j))
                i = j
            else:
                i += 1
        texts = [self.group_text(g, style) for g in groups]
        if runs and self.chance(0.85):
            a, b = self.pick(runs)
            if b - a > 1 and self.chance(0.3):
                # compress only part of the run
                if self.chance(0.5):
                    a += 1
                else:
                    b -= 1
            left = ":".join(texts[:a])
            right = ":".join(texts[b:])
            if tail is not None:
                right = right + (":" if right else "") + tail
            return left + "::" + right
        s = ":".join(texts)
        if tail is not None:
            s = s + ":" + tail
        return s

    def v6_valid(self):
        return self.v6_text(self.v6_int())

    def v6_malformed(self):
        kind = self.r.randrange(16)
        if kind == 0:  # too many groups
            return ":".join(self.pick(["0", "1", "ffff", "a"]) for _ in range(9))
        if kind == 1:  # too few groups, no ::
            return ":".join("%x" % self.r.randrange(0x10000) for _ in range(self.r.randrange(2, 8)))
        if kind == 2:  # 5-hex-digit group
            g = ["%x" % self.r.randrange(0x10000) for _ in range(8)]
            g[self.r.randrange(8)] = "%05x" % self.r.randrange(0x100000)
            return ":".join(g)
        if kind == 3:  # two ::
            return "%x::%x::%x" % (self.r.randrange(0x10000), self.r.randrange(0x10000), self.r.randrange(0x10000))
        if kind == 4:
            return self.pick([":", ":::", "::::", ":1", "1:", ":1::", "::1:", "1:::2", ":::1", "1:2:3:4:5:6:7::8",
                              "::1:2:3:4:5:6:7:8", "1::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8::", "::ffff:", "::ffff:1.2.3",
                              "::1.2.3.4.5", "::ffff:256.1.1.1", "1:2:3:4:5:6:7:1.2.3.4", "::g", "fffff::",
                              "::ffff:01.2.3.4", "::ffff:1.2.3.04", "1.2.3.4::", "::1.2.3.4:1"])
        if kind == 5:  # bad character
            s = self.v6_valid()
            i = self.r.randrange(len(s))
            return s[:i] + self.pick(["g", "G", "z", ".", "/", " ", "%", "]", "[", "\x80", "\xe9", "\r", "-"]) + s[i + 1:]
        if kind == 6:  # zone id
            return self.v6_valid() + "%" + self.pick(["eth0", "1", "lo", ""])
        if kind == 7:  # dotted quad not at the end / in wrong place
            return "1.2.3.4:" + self.v6_valid()
        if kind == 8:  # embedded v4 malformed
            return "::ffff:" + self.v4_malformed()
        if kind == 9:  # leading / trailing single colon
            s = self.v6_valid()
            return (":" + s) if self.chance(0.5) else (s + ":")
        if kind == 10:  # too long group of zeros
            return "0" * self.r.randrange(5, 60) + "::1"
        if kind == 11:  # 7 groups + dotted quad
            return ":".join("%x" % self.r.randrange(0x10000) for _ in range(7)) + ":" + self.v4_valid()
        if kind == 12:  # drop a character
            s = self.v6_valid()
            i = self.r.randrange(len(s))
            return s[:i] + s[i + 1:]
        if kind == 13:  # duplicate a character
            s = self.v6_valid()
            i = self.r.randrange(len(s))
            return s[:i] + s[i] + s[i:]
        if kind == 14:  # IPv6: prefix (valid_hostaddr does not take it)
            return self.ipv6_col() + self.v6_valid()
        return "::" + self.v4_malformed()

    def v6_any(self):
        return self.v6_valid() if self.chance(0.65) else self.v6_malformed()

    # ------------------------------------------------------------------
    # long and random inputs

    def long_text(self):
        kind = self.r.randrange(8)
        if kind == 0:  # 45..48 bytes: around INET6_ADDRSTRLEN (46)
            base = "0000:0000:0000:0000:0000:ffff:" + self.v4_str(self.v4_int())
            while len(base) < 45:
                base = "0" + base
            return base[: self.r.randrange(44, 49)] if self.chance(0.3) else base
        if kind == 1:
            return "0000:0000:0000:0000:0000:ffff:255.255.255.255"  # 45
        if kind == 2:
            return "00000:0000:0000:0000:0000:ffff:255.255.255.255"  # 46
        if kind == 3:  # > 100 bytes
            return ":".join("0000" for _ in range(self.r.randrange(21, 40)))
        if kind == 4:
            return "1." * self.r.randrange(50, 120) + "1"
        if kind == 5:
            return "[" + "a" * self.r.randrange(40, 130) + "]"
        if kind == 6:
            return self.ipv6_col() + "0" * self.r.randrange(30, 120) + "::1"
        return "9" * self.r.randrange(47, 200)

    def random_bytes(self, lo=0, hi=40):
        n = self.r.randrange(lo, hi + 1)
        out = []
        for _ in range(n):
            k = self.r.randrange(10)
            if k < 4:
                c = self.pick("0123456789abcdefABCDEF:./[]")
            elif k < 6:
                c = chr(self.r.randrange(0x20, 0x7F))
            elif k < 8:
                c = chr(self.r.randrange(0x80, 0x100))
            else:
                c = chr(self.r.choice([b for b in range(1, 0x20) if b not in (9, 10)] + [0x7F]))
            out.append(c)
        return "".join(out)

    def address_text(self):
        """Anything an address-taking function might be handed."""
        return self.weighted([
            (25, self.v4_valid),
            (12, self.v4_malformed),
            (25, self.v6_valid),
            (18, self.v6_malformed),
            (5, self.long_text),
            (6, self.random_bytes),
            (3, lambda: self.pick(["", " ", "localhost", "example.com", "1", "0", ".", ":", "[", "]", "[]",
                                   "IPv6:", "[IPv6:]", "::", "0.0.0.0", "255.255.255.255"])),
            (6, lambda: self.ipv6_col() + self.v6_any()),
        ])()

    # ------------------------------------------------------------------
    # masks and patterns

    def mask_text(self, bits):
        kind = self.r.randrange(30)
        if kind < 14:
            return str(self.r.randrange(bits + 1))
        if kind == 14:
            return "0"
        if kind == 15:
            return str(bits)
        if kind == 16:
            return str(bits + 1)  # off by one
        if kind == 17:
            return self.pick(["32", "128", "33", "129", "64", "127", "31", "1"])
        if kind == 18:  # wrap around in an unsigned char (stock: atoi -> uchar)
            return str(256 * self.r.randrange(1, 5) + self.r.randrange(0, bits + 2))
        if kind == 19:
            return self.pick(["288", "256", "257", "384", "4294967296", "4294967328", "4294967424",
                              "2147483647", "2147483648", "2147483680", "9223372036854775807",
                              "9223372036854775808", "18446744073709551616", "99999999999999999999",
                              "18446744073709551648", "99999999999999999999999999999999999999"])
        if kind == 20:
            return ""  # empty mask
        if kind == 21:
            return self.pick(["x", "1x", "x1", "-1", "+8", " 8", "8 ", "0x10", "1.0", "255.0.0.0", "/8", "8/8",
                              "\xb2", "\xd9\xa3", "\xbd"])
        if kind == 22:
            return "0" * self.r.randrange(1, 25) + str(self.r.randrange(bits + 2))  # leading zeros
        if kind == 23:
            return str(self.r.randrange(bits + 1, 256))
        if kind == 24:
            return "0" * self.r.randrange(1, 5)
        return str(self.r.randrange(bits + 1))

    def network(self, v6=None):
        """(pattern address text, bits) for a network with a mask, masked or not."""
        if v6 is None:
            v6 = self.chance(0.5)
        if v6:
            n, bits = self.v6_int(), 128
        else:
            n, bits = self.v4_int(), 32
        m = self.r.randrange(bits + 1)
        if self.chance(0.6):  # proper network address
            n &= ((1 << bits) - 1) ^ ((1 << (bits - m)) - 1)
        text = self.v6_text(n) if v6 else self.v4_str(n)
        return n, m, bits, text

    def pattern(self):
        """A cidr_match_parse pattern, valid or not."""
        kind = self.r.randrange(100)
        if kind < 40:
            n, m, bits, text = self.network()
            mask = str(m) if self.chance(0.7) else self.mask_text(bits)
            return self.wrap(text, mask)
        if kind < 55:
            text = self.v4_valid() if self.chance(0.5) else self.v6_valid()
            return self.wrap(text, None)
        if kind < 70:
            text = self.address_text()
            mask = self.mask_text(128 if ":" in text else 32) if self.chance(0.5) else None
            return self.wrap(text, mask)
        if kind < 78:
            return self.pick([
                "0.0.0.0/0", "::/0", "1.0.0.0/0", "1::/0", "[::/0]", "[0.0.0.0/0]", "[::]/0", "0.0.0.0/32",
                "255.255.255.255/32", "::/128", "[::1]", "[::1]/128", "::1/128", "1.2.3.4/", "[1.2.3.4]/",
                "[1.2.3.4/]", "/24", "/", "[/]", "[]", "[", "]", "[]/0", "[[1.2.3.4]]", "[[::1]]", "[1.2.3.4",
                "[::1", "[1.2.3.4]x", "[::1]junk", "[1.2.3.4]]", "[1.2.3.4]/24/8", "1.2.3.4/24/8",
                "1.2.3.0/24]", "[1.2.3.0]/24]", "1.2.3.4/32x", "172.16.1.3/3x", "1.2.3.4//8", "::ffff:1.2.3.4/96",
                "::ffff:1.2.3.0/120", "::ffff:0:0/96", "::1.2.3.4/128", "[::ffff:1.2.3.4]/128",
                "1.2.3.4/99999999999999999999", "1.2.3.4/288", "::/99999999999999999999", "::/384",
                "[IPv6:::1]", "IPv6:::1", "[ipv6:::1]/128", "ipv6:::1/128", "1.2.3.4 ", " 1.2.3.4", "",
                "0.0.0.0", "::", "[::]", "[0.0.0.0]"])
        if kind < 84:  # bracket damage
            n, m, bits, text = self.network()
            return self.pick([
                "[[" + text + "]/" + str(m),
                "[" + text + "/" + str(m),
                "[" + text + "]" + self.random_bytes(1, 5),
                text + "]/" + str(m),
                "[" + text + "]]/" + str(m),
                "[" + text + "/" + str(m) + "]/" + str(m),
                "[" + text + "]/" + str(m) + "]",
                "[" + text + "][" + str(m) + "]",
            ])
        if kind < 88:  # long
            text = self.long_text()
            return self.wrap(text, self.mask_text(128) if self.chance(0.5) else None)
        if kind < 92:
            return self.random_bytes(0, 60)
        if kind < 96:  # IPv6: prefixes
            return self.wrap(self.ipv6_col() + self.v6_any(), str(self.r.randrange(129)) if self.chance(0.5) else None)
        n, m, bits, text = self.network()
        return self.wrap(text, self.mask_text(bits))

    def wrap(self, text, mask):
        form = self.r.randrange(10)
        if mask is None:
            if form < 6:
                return text
            return "[" + text + "]"
        if form < 5:
            return text + "/" + mask
        if form < 8:
            return "[" + text + "]/" + mask
        return "[" + text + "/" + mask + "]"

    def addr_in(self, n, m, bits):
        host = self.r.getrandbits(bits - m) if bits - m > 0 else 0
        net = n & (((1 << bits) - 1) ^ ((1 << (bits - m)) - 1))
        return net | host

    def exec_case(self):
        """(pattern, addr) with a fair share of matches."""
        if self.chance(0.7):
            v6 = self.chance(0.5)
            n, m, bits, text = self.network(v6)
            mask = str(m) if self.chance(0.9) else self.mask_text(bits)
            pat = self.wrap(text, mask)
            k = self.r.randrange(10)
            if k < 5:
                a = self.addr_in(n, m, bits)
            elif k < 8:
                a = (self.v6_int() if v6 else self.v4_int())
            else:
                a = None
            if a is None:
                addr = self.address_text()
            elif v6:
                addr = self.v6_text(a)
            else:
                addr = self.v4_str(a)
                if self.chance(0.1):  # same address as IPv4-mapped IPv6
                    addr = "::ffff:" + addr
            return pat, addr
        return self.pattern(), self.address_text()

    # ------------------------------------------------------------------
    # per-tag cases

    def case_P(self):
        return "P " + self.pattern()

    def case_F(self):
        return "F " + self.pattern()

    def case_E(self):
        p, a = self.exec_case()
        return "E " + p + "\t" + a

    def case_N(self):
        p, a = self.exec_case()
        return "N " + p + "\t" + a

    def case_V(self):
        return "V " + self.address_text()

    def case_M(self):
        k = self.r.randrange(12)
        if k < 3:
            t = self.address_text()
        elif k < 5:
            t = self.ipv6_col() + self.v6_any()
        elif k < 8:
            inner = self.weighted([(3, self.v4_any), (1, lambda: self.ipv6_col() + self.v6_any()),
                                   (1, self.v6_any), (1, self.long_text)])()
            t = "[" + inner + "]"
        elif k < 10:
            inner = self.v4_any() if self.chance(0.5) else self.ipv6_col() + self.v6_any()
            t = self.pick(["[" + inner, inner + "]", "[" + inner + "]x", "[" + inner + "]]", "[[" + inner + "]]",
                           "[" + inner + "] ", " [" + inner + "]", "[]", "[", "]"])
        elif k < 11:
            # around the 46-byte limit of the bracketed text
            body = "IPv6:" + "0" * self.r.randrange(30, 45) + "::1"
            t = "[" + body + "]"
        else:
            t = self.random_bytes(0, 50)
        return "M " + t

    def hostaddr_addr(self):
        k = self.r.randrange(10)
        if k < 4:
            return self.v4_valid()
        if k < 8:
            return self.v6_valid().lower() if self.chance(0.8) else self.v6_valid()
        return self.address_text()

    def case_H(self):
        addr = self.hostaddr_addr()
        k = self.r.randrange(20)
        if k < 3:
            pat = addr if ":" not in addr else "[" + addr + "]"
        elif k < 8:
            v6 = ":" in addr if self.chance(0.8) else self.chance(0.5)
            n, m, bits, text = self.network(v6)
            if self.chance(0.5):
                # a network around addr when addr parses
                try:
                    a = int(ipaddress.ip_address(addr))
                    v6 = ":" in addr
                    bits = 128 if v6 else 32
                    m = self.r.randrange(bits + 1)
                    n = self.addr_in(a, m, bits)
                    n &= ((1 << bits) - 1) ^ ((1 << (bits - m)) - 1)
                    text = self.v6_text(n) if v6 else self.v4_str(n)
                except ValueError:
                    pass
            mask = str(m) if self.chance(0.85) else self.mask_text(bits)
            if ":" in text:
                pat = self.pick(["[" + text + "]/" + mask, "[" + text + "/" + mask + "]", "[" + text + "]"])
            else:
                pat = self.pick([text + "/" + mask, "[" + text + "]/" + mask, "[" + text + "/" + mask + "]",
                                 text, "[" + text + "]"])
        elif k < 10:
            # other spellings of the same IPv6 address
            pat = "[" + self.v6_valid() + "]"
        elif k < 13:
            pat = self.pattern()
        elif k < 15:
            pat = self.pick(["example.com", ".example.com", "localhost", "hash:/etc/postfix/x", "cidr:/x",
                             "!1.2.3.4", "*", "1.2.3.", "1.2.3", "1.2.3.4.", "[1.2.3.4", "[1.2.3.4]x",
                             "[::1]junk", "[::1", "[[::1]]", "[::1]]", "[1.2.3.4/33]", "[::1/129]", "[::1]/",
                             "1.2.3.4/", "[::1]/x", "[1.2.3.4]/24/", "[ab::cd:1.2.3.4]", "[abcdef::]",
                             "[:::]", "[::]/0", "0.0.0.0/0", "[::ffff:1.2.3.4]", "[::ffff:1.2.3.0]/120",
                             "1.2.3.4/288", "[::1]/288"])
        elif k < 17:
            # only characters match_hostaddr lets through to cidr_match_parse
            n = self.r.randrange(1, 50)
            pat = "".join(self.pick("0123456789.abcdefABCDEF:[]/") for _ in range(n))
        elif k < 18:
            pat = self.random_bytes(0, 30)
        elif k < 19:
            pat = "[" + self.long_text() + "]"
        else:
            pat = self.pick(["", "[]", "[", "]", "/", ":", "[:]", "[IPv6:::1]", "IPv6:::1"])
        pat = pat.replace("\t", " ")
        addr = addr.replace("\t", " ")
        return "H " + addr + "\t" + pat

    def case_R(self):
        names = ["all", "ipv4"] if self.no_ipv6 else ["all", "ipv4", "ipv6"]
        n = self.weighted([(1, lambda: 0), (6, lambda: 1), (4, lambda: 2), (2, lambda: 3), (1, lambda: 5)])()
        toks = [self.pick(names) for _ in range(n)]

        def sep():
            return "".join(self.pick(", \t\r") for _ in range(self.r.randrange(1, 4)))
        out = sep() if self.chance(0.2) else ""
        for i, t in enumerate(toks):
            if i:
                out += sep()
            out += t
        if self.chance(0.2):
            out += sep()
        return "R " + out

    def case_K(self):
        k = self.r.randrange(10)
        if k < 4:
            count = 4
        elif k < 8:
            count = 16
        else:
            count = self.r.randrange(1, 33)
        extra = self.r.randrange(0, 4) if self.chance(0.2) else 0
        data = "".join(self.pick(HEX) + self.pick(HEX) for _ in range(count + extra))
        if self.chance(0.2):
            data = data.replace("0", "f")
        if self.chance(0.1):
            data = "ff" * (count + extra)
        bk = self.r.randrange(10)
        if bk < 2:
            bits = 0
        elif bk < 4:
            bits = count * 8
        elif bk < 5:
            bits = 8 * self.r.randrange(count + 1)
        else:
            bits = self.r.randrange(count * 8 + 1)
        return "K %s %d %d" % (data, count, bits)

    def case_L(self):
        pool_size = self.r.randrange(1, 8)
        pool = []
        for _ in range(pool_size):
            if not self.no_ipv6 and self.chance(0.4):
                pool.append(self.v6_text(self.v6_int()))
            else:
                pool.append(self.v4_str(self.v4_int()))
            if self.chance(0.3):  # same address, another spelling
                a = pool[-1]
                if ":" in a:
                    pool.append(ipaddress.IPv6Address(a).exploded)
                else:
                    pool.append("::ffff:" + a if not self.no_ipv6 and self.chance(0.3) else a)
        n = self.r.randrange(1, 13)
        return "L " + " ".join(self.pick(pool) for _ in range(n))

    def case(self):
        return self.weighted([
            (20, self.case_P),
            (4, self.case_F),
            (18, self.case_E),
            (4, self.case_N),
            (15, self.case_V),
            (11, self.case_M),
            (13, self.case_H),
            (3, self.case_R),
            (6, self.case_K),
            (6, self.case_L),
        ])()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--no-ipv6", action="store_true",
                    help="no 'ipv6' in R cases, no IPv6 addresses in L cases")
    args = ap.parse_args()

    g = Gen(args.seed, args.no_ipv6)
    out = sys.stdout.buffer
    try:
        write_cases(g, args.count, out)
    except BrokenPipeError:
        # e.g. piped into head: not an error; keep Python from complaining
        # again when it flushes stdout at exit.
        sys.stdout = None
        return


def write_cases(g, count, out):
    lines = []
    for _ in range(count):
        line = g.case()
        tag = line[0]
        if "\x00" in line or "\n" in line:
            raise SystemExit("gen_cases: generated a NUL or newline: %r" % line)
        if "\t" in line and tag not in "ENHR":
            raise SystemExit("gen_cases: stray tab: %r" % line)
        if tag in "ENH" and line.count("\t") != 1:
            raise SystemExit("gen_cases: bad field separators: %r" % line)
        lines.append(line.encode("latin-1"))
        if len(lines) >= 4096:
            out.write(b"\n".join(lines) + b"\n")
            lines = []
    if lines:
        out.write(b"\n".join(lines) + b"\n")
    out.flush()


if __name__ == "__main__":
    main()
