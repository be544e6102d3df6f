//! symbols.txt, the one list of the C symbols pfinet defines for Postfix
//! and exports (its own comments give the format). Also compiled into
//! fuzz/build.rs (`#[path]`), so this file uses std only.

use std::path::Path;

/// What a symbol is to Postfix (symbols.txt's second field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// A Postfix function or global that pfinet defines instead.
    Replaced,
    /// A function a patched Postfix calls in addition.
    Added,
    /// The rest of the pfinet_* C API.
    Api,
    /// C API only without the `postfix` feature.
    Standalone,
}

/// One line of symbols.txt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub group: Group,
    /// For [`Group::Added`]: the object of a patched tree that calls it.
    pub caller: Option<String>,
}

/// The symbols of `text` (symbols.txt's content), in file order; an error
/// names the line.
pub fn parse(text: &str) -> Result<Vec<Symbol>, String> {
    let mut out: Vec<Symbol> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        let bad = |why: &str| format!("symbols.txt, line {}: {why}: {line:?}", i + 1);
        let group = match f.get(1).copied() {
            Some("replaced") => Group::Replaced,
            Some("added") => Group::Added,
            Some("api") => Group::Api,
            Some("standalone") => Group::Standalone,
            _ => return Err(bad("group is not replaced, added, api or standalone")),
        };
        let caller = f.get(2).map(|s| s.to_string());
        if (group == Group::Added) != (caller.is_some()) || f.len() > 3 {
            return Err(bad(
                "an added symbol names its calling object, no other one does",
            ));
        }
        let name = f[0];
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(bad("not a C identifier"));
        }
        if out.iter().any(|s| s.name == name) {
            return Err(bad("listed twice"));
        }
        out.push(Symbol {
            name: name.to_string(),
            group,
            caller,
        });
    }
    Ok(out)
}

/// `<repo>/symbols.txt`, parsed; a missing or malformed file panics.
pub fn read(repo: &Path) -> Vec<Symbol> {
    let file = repo.join("symbols.txt");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    parse(&text).unwrap_or_else(|e| panic!("{e}"))
}

/// The names of the symbols in `groups`, in file order.
pub fn names(symbols: &[Symbol], groups: &[Group]) -> Vec<String> {
    symbols
        .iter()
        .filter(|s| groups.contains(&s.group))
        .map(|s| s.name.clone())
        .collect()
}

/// libpfinet.map's text: every exported symbol, sorted, the standalone-only
/// ones last after their marker comment (tests/install.rs splits on it).
pub fn version_script(symbols: &[Symbol]) -> String {
    let sorted = |groups: &[Group]| {
        let mut v = names(symbols, groups);
        v.sort();
        v.iter().map(|n| format!("    {n};\n")).collect::<String>()
    };
    format!(
        "/*\n\
         \x20* libpfinet.map - the symbols libpfinet.so exports: the C API of\n\
         \x20* include/pfinet.h (Postfix-named functions and globals, pfinet_*).\n\
         \x20* Generated from symbols.txt by tests/symbols.rs, which fails when this\n\
         \x20* file is stale (PFINET_BLESS=1 cargo test --test symbols rewrites it).\n\
         \x20* rustc's own version script limits a cdylib to its #[no_mangle] items;\n\
         \x20* this list pins them down: tests/install.rs checks that `nm -D` of the\n\
         \x20* library, this list and the header name the same symbols. Written as a\n\
         \x20* version script (an anonymous node, like rustc's) but not given to the\n\
         \x20* linker: GNU ld refuses a second anonymous version node (build.rs).\n\
         \x20*/\n\
         {{\n  global:\n{}\
         \x20   /* standalone only: not in a build with the postfix feature (pfinet.h:\n\
         \x20      #if !defined(PFINET_HOST_POSTFIX)) */\n\
         {}  local:\n    *;\n}};\n",
        sorted(&[Group::Replaced, Group::Added, Group::Api]),
        sorted(&[Group::Standalone]),
    )
}
