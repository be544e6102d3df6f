//! symbols.txt, the one list of the symbols pfinet defines for Postfix and
//! exports: it parses, and libpfinet.map is generated from it (this test
//! fails when the committed map is stale; `PFINET_BLESS=1 cargo test --test
//! symbols` rewrites it). tests/install.rs checks the map against `nm -D`
//! and include/pfinet.h, tests/panic_boundary.rs against libpfinet.a's
//! functions; the scripts and fuzz/build.rs read symbols.txt themselves.

mod common;

use common::repo;
use common::symbols::{Group, parse, read, version_script};

#[test]
fn libpfinet_map_is_generated_from_symbols_txt() {
    let want = version_script(&read(repo()));
    let file = repo().join("libpfinet.map");
    if std::env::var_os("PFINET_BLESS").is_some() {
        std::fs::write(&file, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&file).unwrap();
    assert!(
        have == want,
        "libpfinet.map differs from what symbols.txt gives; \
         PFINET_BLESS=1 cargo test --test symbols rewrites it"
    );
}

#[test]
fn symbols_txt_groups() {
    let syms = read(repo());
    let count = |g: Group| syms.iter().filter(|s| s.group == g).count();
    println!(
        "symbols.txt: {} replaced, {} added, {} api, {} standalone",
        count(Group::Replaced),
        count(Group::Added),
        count(Group::Api),
        count(Group::Standalone)
    );
    assert!(count(Group::Replaced) >= 24 && count(Group::Added) >= 14);
    // Every added symbol is called from one of the patched files.
    for s in syms.iter().filter(|s| s.group == Group::Added) {
        let caller = s.caller.as_deref().unwrap();
        assert!(
            caller.starts_with("util/") || caller.starts_with("global/"),
            "{}: {caller}",
            s.name
        );
    }
}

#[test]
fn malformed_lines_are_refused() {
    for text in [
        "foo\n",
        "foo replaced util/x.o\n",
        "foo added\n",
        "foo api\nfoo api\n",
        "foo-bar api\n",
        "foo bogus\n",
    ] {
        assert!(parse(text).is_err(), "{text:?} was accepted");
    }
    let ok = parse("# c\n\nfoo api # trailing\nbar added util/x.o\n").unwrap();
    assert_eq!(ok.len(), 2);
}
