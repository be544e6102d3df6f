//! Unit tests of the compiled lists: each against stock Postfix's walk.

use super::list::canonical;
use super::painter::Painter;
use super::*;
use crate::cidr_match::parse_str;
use crate::inet_pton::{ntop4, ntop6, ntop6_text, pton4};
use crate::match_ops::{is_dictionary, match_hostaddr};
use crate::test_rng::Rng;

#[test]
fn canonical_is_the_inet_ntop_round_trip() {
    // The definition: inet_pton() accepts the text, and inet_ntop()
    // prints exactly it again (glibc's, through the ported pair).
    let definition = |t: &[u8]| -> Option<(Family, [u8; 16])> {
        let mut b = [0u8; 16];
        if t.contains(&b':') {
            b = crate::inet_pton::pton6(t)?;
            (ntop6_text(&b).as_bytes() == t).then_some((Family::V6, b))
        } else {
            b[..4].copy_from_slice(&pton4(t)?);
            Some((Family::V4, b))
        }
    };
    let mut r = crate::test_rng::Rng(0xca11_ab1e);
    let mut canonical_seen = 0;
    for n in 0..300_000 {
        let mut b = [0u8; 16];
        for w in 0..8 {
            if r.below(3) != 0 {
                let v = [0x1u16, 0xa, 0x10, 0xab0, 0xffff, 0x0f0f][r.below(6)];
                b[2 * w..2 * w + 2].copy_from_slice(&v.to_be_bytes());
            }
        }
        let mut t = ntop6(&b).into_bytes();
        match n % 5 {
            0 => {}
            1 => t.make_ascii_uppercase(),
            2 => {
                // Every group written out, in full or short.
                let full = r.below(2) == 0;
                t = (0..8)
                    .map(|w| {
                        let v = u16::from_be_bytes([b[2 * w], b[2 * w + 1]]);
                        if full {
                            format!("{v:04x}")
                        } else {
                            format!("{v:x}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(":")
                    .into_bytes();
            }
            3 => {
                let at = r.below(t.len() + 1);
                t.insert(at, b"0:."[r.below(3)]);
            }
            _ => {
                if !t.is_empty() {
                    t.remove(r.below(t.len()));
                }
            }
        }
        let want = definition(&t);
        canonical_seen += usize::from(want.is_some());
        assert_eq!(canonical(&t), want, "{:?}", String::from_utf8_lossy(&t));
    }
    assert!(canonical_seen > 60_000, "{canonical_seen}");
}

/// Stock Postfix's match_list_match() walk over address patterns
/// (match_hostaddr() per pattern, first match or error wins).
fn walk(patterns: &[&str], addr: &str) -> Step {
    for (i, p) in patterns.iter().enumerate() {
        let bangs = p.bytes().take_while(|&c| c == b'!').count();
        let text = &p.as_bytes()[bangs..];
        match match_hostaddr(addr.as_bytes(), text, true) {
            Ok(true) => {
                return Step::Match {
                    entry: i,
                    negated: bangs % 2 == 1,
                };
            }
            Ok(false) => {}
            Err(text) => return Step::Error { entry: i, text },
        }
    }
    Step::NoMatch
}

#[test]
fn painter_keeps_the_first_painter() {
    let mut p = Painter::default();
    p.paint(10, 20, Hit::Match(0));
    p.paint(0, 30, Hit::Match(1));
    p.paint(15, Key::MAX, Hit::Match(2));
    p.paint(0, Key::MAX, Hit::Match(3));
    let t: Table<u128> = p.finish();
    let at = |k| decode(t.parts().lookup_code(k));
    assert_eq!(at(0), Some(Hit::Match(1)));
    assert_eq!(at(9), Some(Hit::Match(1)));
    assert_eq!(at(10), Some(Hit::Match(0)));
    assert_eq!(at(20), Some(Hit::Match(0)));
    assert_eq!(at(21), Some(Hit::Match(1)));
    assert_eq!(at(30), Some(Hit::Match(1)));
    assert_eq!(at(31), Some(Hit::Match(2)));
    assert_eq!(at(Key::MAX), Some(Hit::Match(2)));
    assert_eq!(t.ranges().map(|r| r.0).collect::<Vec<_>>(), [0, 10, 21, 31]);

    // Ranges that touch painted ones at one end.
    let mut p = Painter::default();
    p.paint(10, 20, Hit::Match(0));
    p.paint(20, 25, Hit::Match(1));
    p.paint(5, 10, Hit::Error(2));
    p.paint(26, 26, Hit::Match(3));
    let t: Table<u128> = p.finish();
    let got: Vec<_> = [4, 5, 9, 10, 20, 21, 25, 26, 27]
        .map(|k| decode(t.parts().lookup_code(k)))
        .to_vec();
    assert_eq!(
        got,
        [
            None,
            Some(Hit::Error(2)),
            Some(Hit::Error(2)),
            Some(Hit::Match(0)),
            Some(Hit::Match(0)),
            Some(Hit::Match(1)),
            Some(Hit::Match(1)),
            Some(Hit::Match(3)),
            None
        ]
    );
}

#[test]
fn match_list_equals_the_walk() {
    let patterns = [
        "192.0.2.1",
        "!198.51.100.0/24",
        "198.51.0.0/16",
        "[2001:db8::1]",
        "[2001:db8::]/32",
        "10.0.0.0/33",
        "10.1.2.3",
        "![::]/0",
        "[::1]/64x",
    ];
    let list = MatchList::new(&patterns, true).unwrap();
    for addr in [
        "192.0.2.1",
        "198.51.100.7",
        "198.51.7.7",
        "2001:db8::1",
        "2001:db8::2",
        "2001:db9::1",
        "10.1.2.3",
        "127.0.0.1",
        "::1",
        "2001:DB8::1",
        "0192.0.2.1",
    ] {
        assert_eq!(
            list.lookup(addr.as_bytes(), 0),
            walk(&patterns, addr),
            "{addr}"
        );
    }
}

#[test]
fn dictionaries_split_the_runs() {
    let list = MatchList::new(&["10.0.0.0/8", "hash:/etc/x", "0.0.0.0/0"], true).unwrap();
    assert_eq!(
        list.lookup(b"10.1.1.1", 0),
        Step::Match {
            entry: 0,
            negated: false
        }
    );
    assert_eq!(
        list.lookup(b"11.1.1.1", 0),
        Step::Dictionary { entry: 1, next: 2 }
    );
    assert_eq!(
        list.lookup(b"11.1.1.1", 2),
        Step::Match {
            entry: 2,
            negated: false
        }
    );
}

fn rule(text: &str) -> CidrRule {
    let (neg, rest) = match text.strip_prefix('!') {
        Some(r) => (true, r),
        None => (false, text),
    };
    if let Some(p) = rest.strip_prefix("if ") {
        let (neg, p) = match p.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, p),
        };
        CidrRule::If(parse_str(p.as_bytes(), true).unwrap(), !neg)
    } else if rest == "endif" {
        CidrRule::Endif
    } else {
        CidrRule::Match(parse_str(rest.as_bytes(), true).unwrap(), !neg)
    }
}

/// cidr_match_execute()'s walk on the same rules.
fn execute(rules: &[CidrRule], addr: &str) -> Option<usize> {
    let family = Family::of(addr.as_bytes(), true);
    let bytes = family.pton(addr.as_bytes(), true)?;
    let entry = |p: &CidrPattern, m: bool| p.family == family && p.contains(&bytes) == m;
    let mut i = 0;
    while i < rules.len() {
        match rules[i] {
            CidrRule::Match(p, m) if entry(&p, m) => return Some(i),
            CidrRule::If(p, m) if !entry(&p, m) => {
                let mut depth = 0;
                loop {
                    i += 1;
                    match rules.get(i) {
                        None => return None,
                        Some(CidrRule::If(..)) => depth += 1,
                        Some(CidrRule::Endif) if depth == 0 => break,
                        Some(CidrRule::Endif) => depth -= 1,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[test]
fn cidr_table_equals_the_walk() {
    let rules: Vec<CidrRule> = [
        "if 10.0.0.0/8",
        "10.1.0.0/16",
        "if !10.2.0.0/16",
        "!10.3.0.0/16",
        "endif",
        "10.2.3.0/24",
        "endif",
        "if 2001:db8::/32",
        "10.0.0.0/8",
        "2001:db8:1::/48",
        "endif",
        "0.0.0.0/0",
        "if ::/0",
        "::1",
    ]
    .iter()
    .map(|r| rule(r))
    .collect();
    let table = CidrTable::new(&rules, true).unwrap();
    for addr in [
        "10.1.2.3",
        "10.2.3.4",
        "10.3.0.1",
        "10.4.0.1",
        "11.0.0.1",
        "2001:db8:1::5",
        "2001:db8:2::5",
        "::1",
        "::2",
        "bogus",
    ] {
        assert_eq!(
            table.lookup(addr.as_bytes()),
            execute(&rules, addr),
            "{addr}"
        );
    }
}

/// An address near others: few distinct high bits, so prefixes nest.
fn address(r: &mut Rng, v6: bool) -> [u8; 16] {
    let mut b = [0u8; 16];
    if v6 {
        b[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        for x in b.iter_mut().skip(4) {
            *x = [0, 1, 0x80, 0xff][r.below(4)];
        }
    } else {
        b[0] = 10;
        for x in b.iter_mut().take(4).skip(1) {
            *x = [0, 1, 2, 0x80, 0xff][r.below(5)];
        }
    }
    b
}

fn text(b: &[u8; 16], v6: bool) -> String {
    if v6 {
        ntop6(b)
    } else {
        ntop4(&[b[0], b[1], b[2], b[3]])
    }
}

/// A network of `len` bits around `b`, host bits cleared unless `dirty`.
fn network(b: &[u8; 16], len: u32, bits: u32, dirty: bool) -> [u8; 16] {
    let mut n = *b;
    if !dirty {
        for (i, x) in n.iter_mut().enumerate().take((bits / 8) as usize) {
            let keep = len.saturating_sub(8 * i as u32).min(8);
            *x &= if keep == 0 { 0 } else { 0xffu8 << (8 - keep) };
        }
    }
    n
}

fn random_pattern(r: &mut Rng) -> String {
    let v6 = r.below(2) == 0;
    let bits = if v6 { 128 } else { 32 };
    let b = address(r, v6);
    let len = r.below(bits as usize + 2) as u32;
    let dirty = r.below(20) == 0;
    let net = text(&network(&b, len.min(bits), bits, dirty), v6);
    let bang = ["", "", "", "!", "!!"][r.below(5)];
    let body = match (r.below(12), v6) {
        (0, _) => text(&b, v6),
        (1, _) => format!("[{}]", text(&b, v6)),
        (2, false) => format!("0{}", text(&b, v6)),
        (2, true) => text(&b, v6).to_uppercase(),
        (3, _) => ["junk", "1.2.3.4/x", "[1.2.3.4", "[::1]/64x", "hash:/x"][r.below(5)].to_string(),
        (4, true) => format!("[{net}/{len}]"),
        (_, true) => format!("[{net}]/{len}"),
        (_, false) => format!("{net}/{len}"),
    };
    format!("{bang}{body}")
}

/// The walk, with dictionary patterns not deciding.
fn walk_skipping_dictionaries(patterns: &[String], addr: &str) -> Step {
    let plain: Vec<&str> = patterns
        .iter()
        .map(|p| {
            if is_dictionary(p.trim_start_matches('!').as_bytes()) {
                "no-such-address"
            } else {
                p.as_str()
            }
        })
        .collect();
    walk(&plain, addr)
}

fn lookup_skipping_dictionaries(list: &MatchList, addr: &str) -> Step {
    let mut from = 0;
    loop {
        match list.lookup(addr.as_bytes(), from) {
            Step::Dictionary { next, .. } => from = next,
            step => return step,
        }
    }
}

#[test]
fn ipv4_text_that_pton_takes_is_ntop_form() {
    let mut r = Rng(0x1357_9bdf_2468_ace0);
    let mut taken = 0;
    for _ in 0..200_000 {
        let len = 7 + r.below(9);
        let t: Vec<u8> = (0..len).map(|_| b"0123456789.."[r.below(12)]).collect();
        if let Some(a) = pton4(&t) {
            taken += 1;
            assert_eq!(
                ntop4(&a).as_bytes(),
                &t[..],
                "{}",
                String::from_utf8_lossy(&t)
            );
        }
    }
    assert!(taken > 100, "only {taken} texts parsed");
}

#[test]
fn bucketed_lookup_equals_binary_search() {
    let mut r = Rng(0xdead_beef_1234_5678);
    for round in 0..200 {
        let n = 1 + r.below(300);
        let wide = round % 2 == 0;
        let mut starts: Vec<Key> = (0..n)
            .map(|_| {
                let k = (Key::from(r.next()) << 64) | Key::from(r.next());
                if wide { k } else { k >> 100 }
            })
            .collect();
        starts.push(0);
        starts.sort_unstable();
        starts.dedup();
        let hits: Vec<u32> = (0..starts.len() as u32).collect();
        let t = Table::new(starts.clone(), hits);
        let mut probes: Vec<Key> = vec![0, 1, Key::MAX, Key::MAX - 1];
        for &s in &starts {
            probes.extend([s, s.wrapping_sub(1), s.wrapping_add(1)]);
        }
        for _ in 0..200 {
            let k = (Key::from(r.next()) << 64) | Key::from(r.next());
            probes.push(if wide { k } else { k >> 100 });
        }
        for k in probes {
            let want = starts.partition_point(|&s| s <= k) as u32 - 1;
            assert_eq!(
                decode(t.parts().lookup_code(k)),
                Some(Hit::Match(want)),
                "key {k:#x}"
            );
        }
    }
}

#[test]
fn random_match_lists_equal_the_walk() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut lookups = 0;
    for _ in 0..300 {
        let n = 1 + r.below(40);
        let patterns: Vec<String> = (0..n).map(|_| random_pattern(&mut r)).collect();
        let list = MatchList::new(&patterns, true).unwrap();
        for _ in 0..60 {
            let v6 = r.below(2) == 0;
            let b = address(&mut r, v6);
            let addr = match r.below(10) {
                0 if !v6 => format!("0{}", text(&b, v6)),
                0 => text(&b, v6).to_uppercase(),
                _ => text(&b, v6),
            };
            assert_eq!(
                lookup_skipping_dictionaries(&list, &addr),
                walk_skipping_dictionaries(&patterns, &addr),
                "{addr} in {patterns:?}"
            );
            lookups += 1;
        }
    }
    assert_eq!(lookups, 18_000);
}

#[test]
fn random_cidr_tables_equal_the_walk() {
    // Even rounds: positive patterns only (compiled by the sweep);
    // odd rounds: `!`, `if` and `endif` too (painted).
    let mut r = Rng(0x2545_f491_4f6c_dd1d);
    for round in 0..600 {
        let plain = round % 2 == 0;
        let mut rules = Vec::new();
        let mut probes = Vec::new();
        let mut depth = 0;
        for _ in 0..1 + r.below(40) {
            let v6 = r.below(4) == 0;
            let bits = if v6 { 128 } else { 32 };
            let b = address(&mut r, v6);
            probes.push(text(&b, v6));
            let len = r.below(bits as usize + 1) as u32;
            let net = network(&b, len, bits, false);
            let mut p = parse_str(format!("{}/{len}", text(&net, v6)).as_bytes(), true)
                .unwrap_or_else(|e| panic!("{}", String::from_utf8_lossy(&e)));
            if r.below(3) == 0 {
                p = parse_str(text(&b, v6).as_bytes(), true).unwrap();
            }
            let m = plain || r.below(4) != 0;
            rules.push(match r.below(6) {
                _ if plain => CidrRule::Match(p, m),
                0 => {
                    depth += 1;
                    CidrRule::If(p, m)
                }
                1 if depth > 0 => {
                    depth -= 1;
                    CidrRule::Endif
                }
                _ => CidrRule::Match(p, m),
            });
        }
        let table = CidrTable::new(&rules, true).unwrap();
        for _ in 0..60 {
            let v6 = r.below(4) == 0;
            probes.push(text(&address(&mut r, v6), v6));
        }
        for addr in probes {
            assert_eq!(
                table.lookup(addr.as_bytes()),
                execute(&rules, &addr),
                "{addr} in {rules:?}"
            );
        }
    }
}

#[test]
fn spans_keep_their_prefix() {
    // A prefix kept as its start and host bits gives its last address
    // back, from one address to a whole family, in both widths.
    let v6 = [
        (0, u128::MAX),
        (5, 5),
        (1 << 64, (2 << 64) - 1),
        (u128::MAX, u128::MAX),
    ];
    for (lo, hi) in v6 {
        let s = Span::of(lo, hi, 7);
        assert_eq!((s.lo, s.hi(), s.code), (lo, hi, 7));
    }
    assert_eq!(Span::of(0u128, u128::MAX, 0).host_bits, 128);
    assert_eq!(Span::of(0x0a00_0000u128, 0x0aff_ffff, 0).host_bits, 24);
    for (lo, hi, bits) in [
        (0u32, u32::MAX, 32),
        (0x0a00_0000, 0x0a00_00ff, 8),
        (9, 9, 0),
    ] {
        let s = Span::of(lo, hi, 1);
        assert_eq!((s.hi(), s.host_bits), (hi, bits));
    }
}

#[test]
fn sweep_equals_the_first_match() {
    // Random nested or disjoint ranges (aligned blocks of a small key
    // space), each an entry in list order; every key against the
    // definition: the first entry whose range holds it.
    let mut r = Rng(0x51ee_b00c);
    for _ in 0..2000 {
        let n = 1 + r.below(30);
        let ranges: Vec<(u32, u32, u32)> = (0..n as u32)
            .map(|i| {
                let len = r.below(9) as u32; // block of 2^(8 - len) keys
                let size = 1u32 << (8 - len);
                let lo = (r.below(256) as u32) & !(size - 1);
                (lo, lo + size - 1, i)
            })
            .collect();
        let t = sweep(
            ranges
                .iter()
                .map(|&(lo, hi, i)| Span::of(lo, hi, i))
                .collect(),
        );
        for k in 0..=300u32 {
            let want = ranges
                .iter()
                .find(|&&(lo, hi, _)| lo <= k && k <= hi)
                .map(|&(_, _, i)| Hit::Match(i));
            assert_eq!(decode(t.parts().lookup_code(k)), want, "{k} in {ranges:?}");
        }
        // No two neighbours alike: the partition is as small as it can be.
        let codes: Vec<u32> = t.ranges().map(|r| r.1).collect();
        assert!(codes.windows(2).all(|w| w[0] != w[1]), "{codes:?}");
    }
}
