//! Builds the stock side of the fuzz targets from a stock Postfix tree
//! (scripts/stock-postfix.sh; scripts/fuzz.sh --postfix-version chooses the
//! release, 3.7.11 by default):
//!
//! * the files under test (cidr_match.c, valid_hostname.c, ...) compiled
//!   again with clang, AddressSanitizer and libFuzzer's coverage, so that
//!   stock's branches guide the fuzzer and its memory errors are caught;
//!   inet_addr_local.c through c/stock_procnet.c (the /proc/net/if_inet6
//!   method, reading the fuzz input);
//! * src/util/match_ops.c patched with patches/postfix-pfinet.patch and
//!   built with -DUSE_PFINET: the match_hostaddr() a Postfix built with
//!   pfinet runs, renamed patched_match_hostaddr();
//! * copies of libglobal.a and libutil.a without those members, for the rest
//!   of Postfix (msg_*, vstring_*, ...), which both sides share.
//!
//! In every stock object the symbols pfinet replaces (the "replaced" group of
//! symbols.txt) are renamed stock_X with objcopy, references
//! included, so stock calls stock and pfinet's exports stay pfinet's.
//!
//! Environment: PFINET_STOCK_TREE (default <repo>/.cache/postfix/3.7.11/stock),
//! PFINET_FUZZ_CC (default clang).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Stock sources compiled here, relative to the tree's src/, and the
/// archive each one's object is deleted from.
const UNDER_TEST: &[(&str, &str)] = &[
    ("util/cidr_match.c", "libutil.a"),
    ("util/mask_addr.c", "libutil.a"),
    ("util/valid_hostname.c", "libutil.a"),
    ("util/inet_proto.c", "libutil.a"),
    ("util/name_mask.c", "libutil.a"),
    ("util/inet_addr_list.c", "libutil.a"),
    ("util/match_ops.c", "libutil.a"),
    ("util/hex_code.c", "libutil.a"),
    ("global/valid_mailhost_addr.c", "libglobal.a"),
];

/// The patched match_ops.c's globals, renamed so both copies can coexist.
const PATCHED_MATCH_OPS: &[&str] = &["match_string", "match_hostname", "match_hostaddr"];

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn words(file: &Path) -> Vec<String> {
    fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/stock-postfix.sh)", file.display()))
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// The symbols pfinet replaces: symbols.txt's "replaced" group, read with
/// the tests' own parser.
#[path = "../tests/common/symbols.rs"]
#[allow(dead_code)]
mod symbols;

fn replaced_symbols(repo: &Path) -> Vec<String> {
    let names = symbols::names(&symbols::read(repo), &[symbols::Group::Replaced]);
    assert!(names.len() > 10, "symbols.txt: replaced symbols {names:?}");
    names
}

/// The patch's section for one file, as a patch of its own.
fn patch_section(patch: &str, file: &str) -> String {
    let header = format!("diff -ru a/{file} b/{file}\n");
    let start = patch.find(&header).expect("file in the patch");
    let rest = &patch[start + header.len()..];
    let end = rest.find("\ndiff -ru ").map_or(rest.len(), |i| i + 1);
    rest[..end].to_string()
}

struct Build {
    out: PathBuf,
    cc: String,
    cflags: Vec<String>,
}

impl Build {
    /// clang with ASan and libFuzzer's coverage; Postfix's own flags.
    fn compile(&self, src: &Path, name: &str, extra: &[&str]) -> PathBuf {
        let obj = self.out.join(format!("{name}.o"));
        let mut cmd = Command::new(&self.cc);
        cmd.args(["-c", "-g", "-O1", "-w", "-fno-omit-frame-pointer"])
            .arg("-fsanitize=address")
            .arg("-fsanitize-coverage=inline-8bit-counters,pc-table,trace-cmp")
            .args(&self.cflags)
            .args(extra)
            .arg(src)
            .arg("-o")
            .arg(&obj);
        run(&mut cmd);
        obj
    }
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let repo = manifest.parent().unwrap().to_path_buf();
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let tree = env::var_os("PFINET_STOCK_TREE")
        .map_or_else(|| repo.join(".cache/postfix/3.7.11/stock"), PathBuf::from);
    for f in [
        "c",
        "build.rs",
        "../symbols.txt",
        "../tests/common/symbols.rs",
        "../patches",
    ] {
        println!("cargo:rerun-if-changed={f}");
    }
    println!("cargo:rerun-if-env-changed=PFINET_STOCK_TREE");
    println!("cargo:rerun-if-env-changed=PFINET_FUZZ_CC");

    let b = Build {
        out: out.clone(),
        cc: env::var("PFINET_FUZZ_CC").unwrap_or_else(|_| "clang".into()),
        cflags: words(&tree.join("driver.cflags")),
    };

    // Renames for every stock object: X -> stock_X.
    let renames = out.join("stock-renames.txt");
    let list: String = replaced_symbols(&repo)
        .iter()
        .map(|s| format!("{s} stock_{s}\n"))
        .collect();
    fs::write(&renames, list).unwrap();
    let rename = |file: &Path, map: &Path| {
        run(Command::new("objcopy")
            .arg(format!("--redefine-syms={}", map.display()))
            .arg(file));
    };

    let src = tree.join("src");
    let mut objects = Vec::new();
    for (file, _) in UNDER_TEST {
        let path = src.join(file);
        let dir = format!("-I{}", path.parent().unwrap().display());
        let name = path.file_stem().unwrap().to_string_lossy();
        objects.push(b.compile(&path, &name, &[&dir]));
    }
    let util = format!("-I{}", src.join("util").display());
    objects.push(b.compile(
        &manifest.join("c/stock_procnet.c"),
        "stock_procnet",
        &[&util],
    ));
    objects.push(b.compile(&manifest.join("c/helpers.c"), "helpers", &[]));
    for obj in &objects {
        rename(obj, &renames);
    }

    // match_ops.c as a Postfix built with pfinet has it.
    let patched_dir = out.join("patched");
    let _ = fs::remove_dir_all(&patched_dir);
    fs::create_dir_all(patched_dir.join("src/util")).unwrap();
    let match_ops = patched_dir.join("src/util/match_ops.c");
    fs::copy(src.join("util/match_ops.c"), &match_ops).unwrap();
    let patch = fs::read_to_string(repo.join("patches/postfix-pfinet.patch")).unwrap();
    let section = patched_dir.join("match_ops.patch");
    fs::write(&section, patch_section(&patch, "src/util/match_ops.c")).unwrap();
    run(Command::new("patch")
        .args(["-s", "-p1", "-i"])
        .arg(&section)
        .current_dir(&patched_dir));
    let patched = b.compile(&match_ops, "patched_match_ops", &[&util, "-DUSE_PFINET"]);
    let pf_renames = out.join("patched-renames.txt");
    let list: String = PATCHED_MATCH_OPS
        .iter()
        .map(|s| format!("{s} patched_{s}\n"))
        .collect();
    fs::write(&pf_renames, list).unwrap();
    rename(&patched, &pf_renames);
    objects.push(patched);

    let side = out.join("libpfinet_fuzz_stock.a");
    let _ = fs::remove_file(&side);
    run(Command::new("ar").arg("rcs").arg(&side).args(&objects));

    // Copies of the stock archives, minus the objects built above.
    let mut link = vec![
        "-Wl,--whole-archive".to_string(),
        side.display().to_string(),
        "-Wl,--no-whole-archive".to_string(),
    ];
    for lib in ["libglobal.a", "libutil.a"] {
        let copy = out.join(format!("stock-{lib}"));
        fs::copy(tree.join("lib").join(lib), &copy).unwrap();
        let members: Vec<String> = UNDER_TEST
            .iter()
            .filter(|(_, a)| *a == lib)
            .map(|(f, _)| Path::new(f).with_extension("o"))
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .chain((lib == "libutil.a").then(|| "inet_addr_local.o".to_string()))
            .collect();
        run(Command::new("ar").arg("d").arg(&copy).args(&members));
        rename(&copy, &renames);
        link.push(copy.display().to_string());
    }
    // The system libraries Postfix's makedefs chose (after the archives).
    link.extend(
        words(&tree.join("driver.libs"))
            .into_iter()
            .filter(|w| w.starts_with("-l")),
    );
    for arg in link {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
}
