//! layers - the library's modules form no import cycle
//!
//! Reads every `src/**/*.rs` of the library (not `src/bin/`, a crate of its
//! own), finds each `crate::module` reference (in `use` lines, grouped
//! `use crate::{a, b::c}` lines and paths inline in code, test modules
//! included; comments and string literals are skipped), and builds the
//! graph of top-level modules, with `sys` split into its submodules
//! (`sys` itself is `src/sys/mod.rs`). Any cycle fails the test, printed as
//! `a -> b -> a`. The layers (each module above everything it uses) are
//! printed with `--nocapture`; README.md lists them.
//!
//! The self-tests feed the same parser and cycle search synthetic sources.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The folder whose submodules are nodes of their own.
const SPLIT: &str = "sys";

type Graph = BTreeMap<String, BTreeSet<String>>;

/// `text` without comments, string literals and char literals (each
/// replaced by a space), so that only code remains.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == b'r' && (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#')) && {
            let mut k = i + 1;
            while b.get(k) == Some(&b'#') {
                k += 1;
            }
            b.get(k) == Some(&b'"')
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        } {
            // A raw string: r"..." or r#"..."#.
            let mut k = i + 1;
            let mut hashes = 0;
            while b[k] == b'#' {
                hashes += 1;
                k += 1;
            }
            k += 1;
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            while k < b.len() && !b[k..].starts_with(&close) {
                k += 1;
            }
            i = k + close.len();
            out.push(' ');
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else if c == b'\'' {
            // A char literal ('x', '\n', '\u{..}'), else a lifetime.
            let end = if b.get(i + 1) == Some(&b'\\') {
                (i + 2..b.len().min(i + 12)).find(|&k| b[k] == b'\'')
            } else if b.get(i + 2) == Some(&b'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    i = e + 1;
                    out.push(' ');
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            out.push(c as char);
            i += 1;
        }
    }
    out
}

fn ident_at(s: &str, at: usize) -> &str {
    let rest = &s[at..];
    let n = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    &rest[..n]
}

fn skip_ws(s: &str, at: usize) -> usize {
    at + s[at..].len() - s[at..].trim_start().len()
}

/// The node a path below `crate::` starting at `at` names: `module`, or
/// `sys::sub` when `sub` is one of `split_subs`.
fn node_of_path(s: &str, at: usize, split_subs: &BTreeSet<String>) -> Option<String> {
    let at = skip_ws(s, at);
    let module = ident_at(s, at);
    if module.is_empty() {
        return None;
    }
    if module == SPLIT {
        let after = skip_ws(s, at + module.len());
        if s[after..].starts_with("::") {
            let sub_at = skip_ws(s, after + 2);
            let sub = ident_at(s, sub_at);
            if split_subs.contains(sub) {
                return Some(format!("{SPLIT}::{sub}"));
            }
        }
    }
    Some(module.to_string())
}

/// Every node that code `s` refers to through `crate::`.
fn crate_refs(s: &str, split_subs: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut from = 0;
    while let Some(k) = s[from..].find("crate") {
        let at = from + k;
        from = at + 5;
        let before = s[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let after = skip_ws(s, at + 5);
        if !s[after..].starts_with("::") {
            continue;
        }
        let path = skip_ws(s, after + 2);
        if s[path..].starts_with('{') {
            // use crate::{a, b::c, d::{e, f}}: the first segment of each
            // item at the top level of the group.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in s[path..].char_indices() {
                match c {
                    '{' => {
                        depth += 1;
                        if depth == 1 {
                            item_start = true;
                            continue;
                        }
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => {
                        item_start = true;
                        continue;
                    }
                    c if c.is_whitespace() => continue,
                    _ => {}
                }
                if item_start && depth == 1 {
                    item_start = false;
                    if let Some(n) = node_of_path(s, path + i, split_subs) {
                        if n != "self" {
                            out.insert(n);
                        }
                    }
                }
            }
        } else if let Some(n) = node_of_path(s, path, split_subs) {
            out.insert(n);
        }
    }
    out
}

/// `word::` at a word boundary in `s`.
fn mentions_path(s: &str, word: &str) -> bool {
    let pat = format!("{word}::");
    s.match_indices(&pat).any(|(at, _)| {
        !s[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    }) || s.contains(&format!("super::{word}::"))
        || s.contains(&format!("self::{word}::"))
}

/// The node a source file belongs to (`rel`: its path below src/), or
/// None for the crate root.
fn node_of_file(rel: &Path) -> Option<String> {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let stem = |s: &str| s.trim_end_matches(".rs").to_string();
    match parts.as_slice() {
        [f] if f == "lib.rs" => None,
        [f] => Some(stem(f)),
        [dir, f] if dir == SPLIT && f == "mod.rs" => Some(SPLIT.to_string()),
        [dir, rest @ ..] if dir == SPLIT => Some(format!("{SPLIT}::{}", stem(&rest[0]))),
        [dir, ..] => Some(dir.clone()),
        [] => None,
    }
}

/// The module graph of sources `files` (path below src/, text).
fn graph(files: &[(PathBuf, String)]) -> Graph {
    let split_subs: BTreeSet<String> = files
        .iter()
        .filter_map(|(p, _)| node_of_file(p))
        .filter_map(|n| n.strip_prefix(&format!("{SPLIT}::")).map(str::to_string))
        .collect();
    let mut g = Graph::new();
    for (path, text) in files {
        let Some(node) = node_of_file(path) else {
            continue;
        };
        let code = code_only(text);
        let mut refs = crate_refs(&code, &split_subs);
        // Inside the split folder, siblings are also reached as
        // `super::sub` (a submodule) or `sub::` (from mod.rs).
        if node == SPLIT || node.starts_with(&format!("{SPLIT}::")) {
            for sub in &split_subs {
                let direct = node == SPLIT && mentions_path(&code, sub);
                if direct || code.contains(&format!("super::{sub}")) {
                    refs.insert(format!("{SPLIT}::{sub}"));
                }
            }
        }
        let deps = g.entry(node.clone()).or_default();
        deps.extend(refs.into_iter().filter(|r| *r != node));
    }
    // Nodes referred to but not seen (e.g. a typo) still count.
    let all: Vec<String> = g.values().flatten().cloned().collect();
    for n in all {
        g.entry(n).or_default();
    }
    g
}

/// A cycle of `g` as `[a, b, ..., a]`, if there is one.
fn find_cycle(g: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit<'a>(
        g: &'a Graph,
        n: &'a str,
        mark: &mut BTreeMap<&'a str, Mark>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        mark.insert(n, Mark::Open);
        stack.push(n);
        for d in &g[n] {
            match mark.get(d.as_str()).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let from = stack.iter().position(|s| *s == d).unwrap();
                    let mut cycle: Vec<String> =
                        stack[from..].iter().map(|s| s.to_string()).collect();
                    cycle.push(d.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(g, d, mark, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        mark.insert(n, Mark::Done);
        None
    }
    let mut mark = BTreeMap::new();
    for n in g.keys() {
        if mark.get(n.as_str()).copied().unwrap_or(Mark::New) == Mark::New {
            if let Some(c) = visit(g, n, &mut mark, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

/// The layers of an acyclic graph, bottom first: each node one above the
/// highest node it uses.
fn layers(g: &Graph) -> Vec<Vec<String>> {
    fn level(g: &Graph, n: &str, memo: &mut BTreeMap<String, usize>) -> usize {
        if let Some(&l) = memo.get(n) {
            return l;
        }
        let l = g[n]
            .iter()
            .map(|d| level(g, d, memo) + 1)
            .max()
            .unwrap_or(0);
        memo.insert(n.to_string(), l);
        l
    }
    let mut memo = BTreeMap::new();
    let mut out: Vec<Vec<String>> = Vec::new();
    for n in g.keys() {
        let l = level(g, n, &mut memo);
        if out.len() <= l {
            out.resize(l + 1, Vec::new());
        }
        out[l].push(n.clone());
    }
    out
}

fn sources(dir: &Path, root: &Path, out: &mut Vec<(PathBuf, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let rel = p.strip_prefix(root).unwrap().to_path_buf();
        if p.is_dir() {
            if rel != Path::new("bin") {
                sources(&p, root, out);
            }
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push((rel, std::fs::read_to_string(&p).unwrap()));
        }
    }
}

#[test]
fn the_modules_have_no_import_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &src, &mut files);
    let g = graph(&files);
    assert!(g.len() > 20, "only {} modules found", g.len());
    assert!(g.contains_key("sys::netlink") && g.contains_key("sys"));
    if let Some(cycle) = find_cycle(&g) {
        panic!("import cycle: {}", cycle.join(" -> "));
    }
    for (i, layer) in layers(&g).iter().enumerate() {
        println!("layer {i}: {}", layer.join(", "));
    }
}

fn synthetic(files: &[(&str, &str)]) -> Graph {
    let files: Vec<(PathBuf, String)> = files
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect();
    graph(&files)
}

#[test]
fn self_test_finds_a_synthetic_cycle() {
    let g = synthetic(&[
        ("lib.rs", "pub mod a; pub mod b; pub mod c;"),
        ("a.rs", "use crate::b::thing;\n"),
        ("b.rs", "fn f() { crate::c::g() }\n"),
        ("c/mod.rs", "pub fn g() { let _ = crate::a::X; }\n"),
    ]);
    assert_eq!(
        find_cycle(&g),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

#[test]
fn self_test_reads_grouped_uses_and_skips_comments_and_strings() {
    let g = synthetic(&[
        (
            "a.rs",
            "use crate::{b, c::{X, Y}, self};\n\
             // crate::d::f\n/* crate::e */\nconst S: &str = \"crate::f::g\";\n\
             const R: &str = r#\"crate::f\"#; const Q: char = '\"'; fn h<'x>() {}\n\
             /// [`crate::g`]\n",
        ),
        ("b.rs", ""),
        ("c.rs", ""),
    ]);
    assert_eq!(
        g["a"].iter().map(String::as_str).collect::<Vec<_>>(),
        ["b", "c"]
    );
    assert_eq!(find_cycle(&g), None);
}

#[test]
fn self_test_splits_sys_into_its_submodules() {
    let g = synthetic(&[
        (
            "sys/mod.rs",
            "pub mod seam; pub mod netlink; pub use seam::Sys;\n",
        ),
        ("sys/seam.rs", "pub trait Sys {}\n"),
        ("sys/netlink.rs", "use crate::sys::Sys;\n"),
        ("user.rs", "use crate::sys::netlink::getifaddrs;\n"),
    ]);
    assert!(g["user"].contains("sys::netlink"));
    assert!(g["sys"].contains("sys::seam"));
    // netlink -> sys (for the re-export) -> seam is fine, but mod.rs
    // declaring netlink makes no edge; this graph is acyclic...
    assert_eq!(find_cycle(&g), None);
    // ...until mod.rs uses netlink.
    let g = synthetic(&[
        (
            "sys/mod.rs",
            "pub mod netlink; pub use netlink::getifaddrs;\n",
        ),
        ("sys/netlink.rs", "use crate::sys::Sys;\n"),
    ]);
    assert_eq!(
        find_cycle(&g),
        Some(vec!["sys".into(), "sys::netlink".into(), "sys".into()])
    );
}
