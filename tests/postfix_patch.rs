//! patches/postfix-pfinet.patch: what it changes in Postfix, checked
//! without building Postfix (scripts/postfix-pfinet.sh builds the patched
//! Postfix; tests/postfix_unit_tests.rs, tests/postfix_cidr_tables.rs and
//! tests/postfix_pfinet.rs test it).
//!
//! - It touches exactly the files of ARCHITECTURE.md section 1 plus sys_defs.h,
//!   and only adds lines; and two build files, makedefs and
//!   src/util/Makefile.in, only to link `PFINET_OBJ` into the util library.
//! - In the replaced files it adds nothing but one `#ifndef USE_PFINET` …
//!   `#endif` pair (the TEST drivers stay outside it).
//! - In sys_defs.h it adds only a comment, which names every replaced
//!   function and says how to link.
//! - match_ops.c declares pfinet's match_hostaddr_literal() and handles its
//!   error exactly as stock handles cidr_match_parse()'s.
//! - It applies with `patch -p1 --fuzz=0` to the Postfix trees of every
//!   supported release (scripts/stock-postfix.sh builds them when missing).

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const WRAPPED: &[&str] = &[
    "src/util/inet_addr_list.c",
    "src/util/inet_addr_local.c",
    "src/util/inet_proto.c",
    "src/util/mask_addr.c",
    "src/util/cidr_match.c",
    "src/util/valid_hostname.c",
    "src/global/valid_mailhost_addr.c",
    "src/global/own_inet_addr.c",
    "src/global/mynetworks.c",
];
const MATCH_OPS: &str = "src/util/match_ops.c";
/// Files the patch extends, inside `#ifdef USE_PFINET`, so that cidr tables
/// and address match lists use pfinet's compiled lists.
const COMPILED: &[&str] = &[
    "src/util/dict_cidr.c",
    "src/util/match_list.c",
    "src/util/match_list.h",
];
const SYS_DEFS: &str = "src/util/sys_defs.h";
/// Build files: makedefs passes `PFINET_OBJ` on, src/util/Makefile.in links
/// it into the util library (libutil.a, or libpostfix-util.so).
const MAKEDEFS: &str = "makedefs";
const UTIL_MAKEFILE: &str = "src/util/Makefile.in";

use common::{replaced_symbols, repo};

fn patch_path() -> PathBuf {
    repo().join("patches/postfix-pfinet.patch")
}

/// File -> (added lines, removed lines), from the unified diff.
fn parse_patch() -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let text = std::fs::read_to_string(patch_path()).unwrap();
    let mut files: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("+++ ") {
            let name = name.split('\t').next().unwrap();
            let name = name.split_once('/').expect("+++ b/<path>").1.to_string();
            files.entry(name.clone()).or_default();
            current = Some(name);
        } else if line.starts_with("--- ") || line.starts_with("diff ") {
            continue;
        } else if let Some(cur) = &current {
            let entry = files.get_mut(cur).unwrap();
            if let Some(added) = line.strip_prefix('+') {
                entry.0.push(added.to_string());
            } else if let Some(removed) = line.strip_prefix('-') {
                entry.1.push(removed.to_string());
            }
        }
    }
    files
}

#[test]
fn touches_only_the_replaced_files_and_only_adds() {
    let files = parse_patch();
    let mut expected: Vec<&str> = WRAPPED.to_vec();
    expected.push(MATCH_OPS);
    expected.push(SYS_DEFS);
    expected.extend(COMPILED);
    expected.extend([MAKEDEFS, UTIL_MAKEFILE]);
    expected.sort();
    let got: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(got, expected);
    for (name, (_, removed)) in &files {
        if name == UTIL_MAKEFILE {
            continue; // util_makefile_links_pfinet_obj_and_nothing_else
        }
        assert!(
            removed.is_empty(),
            "{name}: the patch removes lines: {removed:?}"
        );
    }
}

/// Words of a make line, with `$(PFINET_OBJ)` left out: what the line does
/// when PFINET_OBJ is empty.
fn without_pfinet_obj(line: &str) -> Vec<&str> {
    line.split_whitespace()
        .filter(|w| *w != "$(PFINET_OBJ)")
        .collect()
}

#[test]
fn util_makefile_links_pfinet_obj_and_nothing_else() {
    let files = parse_patch();
    let (added, removed) = &files[UTIL_MAKEFILE];
    assert_eq!(added.len(), removed.len(), "{added:?} {removed:?}");
    for (a, r) in added.iter().zip(removed) {
        assert!(a.contains("$(PFINET_OBJ)"), "{a:?}");
        assert_eq!(without_pfinet_obj(a), without_pfinet_obj(r));
    }
    // The library depends on the object (so a new one relinks it) and the
    // shared library's link names it after Postfix's own objects.
    assert!(
        added
            .iter()
            .any(|l| l.starts_with("$(LIB):\t$(OBJS) $(PFINET_OBJ)"))
    );
    assert!(
        added
            .iter()
            .any(|l| l.contains("-o $(LIB) $(OBJS) $(PFINET_OBJ) $(SHLIB_SYSLIBS)"))
    );
}

#[test]
fn makedefs_passes_pfinet_obj_on() {
    let files = parse_patch();
    let added = &files[MAKEDEFS].0;
    let code: Vec<&str> = added
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(
        code,
        [
            "case \"$PFINET_OBJ\" in",
            "\"\"|/*) ;;",
            "*) error \"PFINET_OBJ must be an absolute pathname: $PFINET_OBJ\";;",
            "esac",
            "PFINET_OBJ = $PFINET_OBJ",
        ]
    );
}

#[test]
fn replaced_files_get_one_ifndef_use_pfinet_block() {
    let files = parse_patch();
    for name in WRAPPED {
        let code: Vec<&str> = files[*name]
            .0
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(code.len(), 2, "{name}: {code:?}");
        assert!(
            code[0].starts_with("#ifndef USE_PFINET"),
            "{name}: {}",
            code[0]
        );
        assert!(
            code[1].starts_with("#endif") && code[1].contains("USE_PFINET"),
            "{name}: {}",
            code[1]
        );
    }
}

#[test]
fn sys_defs_gets_a_comment_that_documents_use_pfinet() {
    let files = parse_patch();
    let added = &files[SYS_DEFS].0;
    for line in added {
        let t = line.trim_start();
        assert!(
            t.is_empty() || t.starts_with("/*") || t.starts_with('*'),
            "sys_defs.h: not a comment line: {line:?}"
        );
    }
    let text = added.join("\n");
    for needle in [
        "USE_PFINET",
        "cargo build --release --lib --features postfix",
        "make -C /path/to/pfinet postfix-object",
        "PFINET_OBJ=/path/to/pfinet/target/release/pfinet-postfix.o",
        "shared=yes",
        "make makefiles CCARGS=\"-DUSE_PFINET",
        "libpfinet.a",
        "libglobal.a",
        "libutil.a",
        "native-static-libs",
        "match_hostaddr_literal()",
    ] {
        assert!(text.contains(needle), "sys_defs.h comment lacks {needle:?}");
    }
    for sym in replaced_symbols() {
        let named = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| w == sym);
        assert!(named, "sys_defs.h comment does not name {sym}");
    }
    // No comment opener inside the comment (Postfix builds with -Wno-comment,
    // but a stray "/*" would end up nested).
    assert_eq!(text.matches("/*").count(), 1, "{text}");
}

#[test]
fn match_ops_calls_pfinet_and_reports_errors_as_stock() {
    let files = parse_patch();
    let added: Vec<String> = files[MATCH_OPS]
        .0
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for needle in [
        "extern int match_hostaddr_literal(const char *, const char *, VSTRING **);",
        "err = 0;",
        "rc = match_hostaddr_literal(addr, pattern, &err);",
        "list->error = DICT_ERR_RETRY;",
        "rc = match_error(list, \"%s\", vstring_str(err));",
        "vstring_free(err);",
        "return (rc);",
    ] {
        assert!(
            added.iter().any(|l| l == needle),
            "match_ops.c: no line {needle:?} in {added:#?}"
        );
    }
    // pfinet exports the same function: its header's declaration, without
    // the parameter names, is the prototype the patch declares.
    let header = std::fs::read_to_string(repo().join("include/pfinet.h")).unwrap();
    let start = header
        .find("\nint match_hostaddr_literal(")
        .expect("pfinet.h declares int match_hostaddr_literal(...)");
    let decl = &header[start + 1..];
    let decl = decl[..decl.find(';').unwrap()]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let (name, params) = decl.split_once('(').unwrap();
    let types: Vec<String> = params
        .trim_end_matches(')')
        .split(',')
        .map(|p| {
            let p = p.trim();
            let cut = p.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
            cut.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect();
    assert_eq!(
        format!("extern {name}({});", types.join(", ")),
        "extern int match_hostaddr_literal(const char *, const char *, VSTRING **);",
        "pfinet.h: {decl}"
    );
}

/// The `stock` trees of every supported Postfix release, from
/// scripts/stock-postfix.sh (built on first use; their sources are
/// Debian's, unchanged by the build). A release that cannot be had fails
/// the test: nothing here is skipped.
fn stock_trees() -> Vec<PathBuf> {
    common::postfix_versions()
        .iter()
        .map(|v| common::script_result("stock-postfix.sh", &["--version", v]).join("stock"))
        .inspect(|t| assert!(t.join("src/util/sys_defs.h").is_file(), "{}", t.display()))
        .collect()
}

#[test]
fn applies_to_the_debian_trees() {
    for tree in stock_trees() {
        let out = Command::new("patch")
            .args(["-p1", "--dry-run", "--fuzz=0", "--force", "-i"])
            .arg(patch_path())
            .current_dir(&tree)
            .stdin(Stdio::null())
            .output()
            .expect("patch(1)");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && !text.contains("FAILED") && !text.contains("fuzz"),
            "{}: {text}{}",
            tree.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!("patch applies to {}", tree.display());
    }
}

/// `file` (a path under `src/`) run through the C preprocessor as Postfix
/// compiles it, with `defines`: its own directory first on the include path.
fn preprocess(src: &std::path::Path, file: &str, defines: &[&str]) -> String {
    let path = src.join(file.trim_start_matches("src/"));
    let out = Command::new("cc")
        .args(["-E", "-P", "-x", "c", "-DLINUX6", "-DNO_NIS"])
        .args(defines)
        .arg(format!("-I{}", path.parent().unwrap().display()))
        .arg(format!("-I{}", src.join("util").display()))
        .arg(format!("-I{}", src.join("global").display()))
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .expect("cc -E");
    assert!(
        out.status.success(),
        "cc -E {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn without_use_pfinet_the_patched_files_compile_as_stock() {
    let tree = stock_trees().remove(0);
    let copy = tempdir();
    let status = Command::new("cp")
        .arg("-r")
        .arg(tree.join("src"))
        .arg(copy.join("src"))
        .status()
        .expect("cp");
    assert!(status.success());
    std::fs::copy(tree.join("makedefs"), copy.join("makedefs")).unwrap();
    let out = Command::new("patch")
        .args(["-p1", "-s", "-i"])
        .arg(patch_path())
        .current_dir(&copy)
        .output()
        .expect("patch(1)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let files = parse_patch();
    let sources = files
        .keys()
        .filter(|f| f.ends_with(".c") || f.ends_with(".h"));
    for file in sources {
        let stock = preprocess(&tree.join("src"), file, &[]);
        let patched = preprocess(&copy.join("src"), file, &[]);
        assert!(
            stock == patched,
            "{file}: differs from stock without -DUSE_PFINET"
        );
        let with = preprocess(&copy.join("src"), file, &["-DUSE_PFINET"]);
        assert!(
            with != stock || file.ends_with("sys_defs.h"),
            "{file}: -DUSE_PFINET changes nothing"
        );
    }
    let _ = std::fs::remove_dir_all(&copy);
}

fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("pfinet-patch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
