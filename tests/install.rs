//! The install step and the library's packaging (no root needed):
//!
//! - `make install-files PREFIX=<temporary> PROFILE=debug` (the install
//!   step without its cargo build: cargo test built the library and the
//!   command) puts libpfinet.a, libpfinet.so.VERSION with its soname link
//!   libpfinet.so.0 and libpfinet.so, pfinet.h and pfinet_config.h,
//!   pfinet.pc, the pfinet command and the manual pages in place;
//! - c_tests/installed.c builds with `pkg-config --cflags --libs pfinet`
//!   against that prefix and runs (shared: it needs libpfinet.so.0), and
//!   again statically with `pkg-config --static` (Libs.private);
//! - the shared library exports exactly the C API: `nm -D` = the list
//!   libpfinet.map = the functions and globals of include/pfinet.h (with
//!   the postfix feature: the list without its standalone-only names);
//! - every manual page renders without a warning (`groff -man -ww -z`),
//!   has Postfix's sections, and the section 3 pages name every function
//!   of the header.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn sh(cmd: &str, env: &[(&str, &Path)]) -> String {
    let mut c = Command::new("sh");
    c.arg("-c").arg(cmd).current_dir(repo());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run sh");
    assert!(
        out.status.success(),
        "{cmd}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `cargo test` builds the crate as an rlib only: build the C libraries
/// (`target/debug/libpfinet.{a,so}`) that `make install` takes, once.
fn c_libraries() {
    static BUILT: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--lib", "--quiet"])
            .current_dir(repo())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build --lib failed");
    });
}

fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// A temporary prefix, removed when dropped.
struct Prefix(PathBuf);

impl Drop for Prefix {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn install() -> Prefix {
    c_libraries();
    let p = Prefix(repo().join(format!("target/install-test-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&p.0);
    // The install target without its cargo build: c_libraries() built the
    // libraries, cargo test the command.
    assert!(Path::new(env!("CARGO_BIN_EXE_pfinet")).exists());
    sh(
        &format!(
            "make -s install-files PROFILE=debug PREFIX={}",
            p.0.display()
        ),
        &[],
    );
    p
}

#[test]
fn installs_and_builds_with_pkg_config() {
    let p = install();
    let lib = p.0.join("lib");
    let v = version();
    let major = v.split('.').next().unwrap();
    for f in [
        "lib/libpfinet.a".to_string(),
        format!("lib/libpfinet.so.{v}"),
        "include/pfinet.h".into(),
        "include/pfinet_config.h".into(),
        "lib/pkgconfig/pfinet.pc".into(),
        "bin/pfinet".into(),
        "share/man/man1/pfinet.1".into(),
        "share/man/man3/pfinet.3".into(),
        "share/man/man3/cidr_match.3".into(),
    ] {
        assert!(p.0.join(&f).is_file(), "{f} is not installed");
    }
    assert_eq!(
        std::fs::read_link(lib.join(format!("libpfinet.so.{major}"))).unwrap(),
        PathBuf::from(format!("libpfinet.so.{v}"))
    );
    assert_eq!(
        std::fs::read_link(lib.join("libpfinet.so")).unwrap(),
        PathBuf::from(format!("libpfinet.so.{major}"))
    );
    let dynamic = sh(
        &format!("readelf -d {}/libpfinet.so.{v}", lib.display()),
        &[],
    );
    assert!(
        dynamic.contains(&format!("Library soname: [libpfinet.so.{major}]")),
        "{dynamic}"
    );

    // pfinet.pc: its Libs.private is the native-static-libs list.
    let pc = lib.join("pkgconfig");
    let env = [("PKG_CONFIG_PATH", pc.as_path())];
    let libs = sh("pkg-config --static --libs pfinet", &env);
    assert!(libs.contains(&native_static_libs().join(" ")), "{libs}");
    assert_eq!(sh("pkg-config --modversion pfinet", &env).trim(), v);

    let src = repo().join("c_tests/installed.c").display().to_string();
    let shared = p.0.join("installed-shared");
    sh(
        &format!(
            "cc -Wall -Wextra -Werror {src} $(pkg-config --cflags --libs pfinet) \
             -Wl,-rpath,{} -o {}",
            lib.display(),
            shared.display()
        ),
        &env,
    );
    let needed = sh(&format!("readelf -d {}", shared.display()), &[]);
    assert!(
        needed.contains(&format!("[libpfinet.so.{major}]")),
        "{needed}"
    );
    assert_eq!(
        sh(&shared.display().to_string(), &[]),
        format!("pfinet {v}: ok\n")
    );

    // Static: libpfinet.a and the private libraries, from pkg-config.
    let fixed = p.0.join("installed-static");
    sh(
        &format!(
            "cc -Wall -Wextra -Werror {src} $(pkg-config --cflags pfinet) \
             $(pkg-config --static --libs pfinet | sed 's/-lpfinet/-Wl,-Bstatic -lpfinet -Wl,-Bdynamic/') \
             -o {}",
            fixed.display()
        ),
        &env,
    );
    let needed = sh(&format!("readelf -d {}", fixed.display()), &[]);
    assert!(!needed.contains("libpfinet"), "{needed}");
    assert_eq!(
        sh(&fixed.display().to_string(), &[]),
        format!("pfinet {v}: ok\n")
    );
}

/// The functions and globals include/pfinet.h declares (the Postfix
/// binding's glue, pfinet_postfix_param, lives in c_src and is not
/// exported by the standalone library).
fn header_api() -> BTreeSet<String> {
    let h = std::fs::read_to_string(repo().join("include/pfinet.h")).unwrap();
    let mut names = BTreeSet::new();
    for line in h.lines() {
        let first = line.chars().next().unwrap_or(' ');
        if !first.is_ascii_alphabetic() || line.starts_with("typedef") {
            continue;
        }
        let ident = |s: &str| {
            s.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap()
                .to_string()
        };
        if let Some((head, _)) = line.split_once('(') {
            names.insert(ident(head));
        } else if line.starts_with("extern ") && line.ends_with(';') {
            names.insert(ident(line.trim_end_matches(';')));
        }
    }
    names.remove("pfinet_postfix_param");
    names
}

#[test]
fn exports_exactly_the_documented_c_api() {
    c_libraries();
    let exported = |so: &Path| -> BTreeSet<String> {
        sh(&format!("nm -D --defined-only {}", so.display()), &[])
            .lines()
            .filter_map(|l| l.split_whitespace().nth(2))
            .map(String::from)
            .collect()
    };
    let listed = |text: &str| -> BTreeSet<String> {
        text.lines()
            .map(str::trim)
            .filter_map(|l| l.strip_suffix(';'))
            .map(String::from)
            .collect()
    };
    let map = std::fs::read_to_string(repo().join("libpfinet.map")).unwrap();
    let global = map
        .split("global:")
        .nth(1)
        .unwrap()
        .split("local:")
        .next()
        .unwrap();
    let header = header_api();
    assert!(header.len() > 30, "{header:?}");
    let so = repo().join("target/debug/libpfinet.so");
    assert_eq!(exported(&so), listed(global), "nm -D vs libpfinet.map");
    assert_eq!(listed(global), header, "libpfinet.map vs include/pfinet.h");
    // With the postfix feature: the list without its standalone-only names.
    let (common, _) = global
        .split_once("/* standalone only")
        .expect("libpfinet.map: standalone only");
    let so = postfix_variant().dir.join("libpfinet.so");
    assert_eq!(
        exported(&so),
        listed(common),
        "nm -D (feature postfix) vs libpfinet.map"
    );
}

#[test]
fn manual_pages_render_and_cover_the_api() {
    let man3 = repo().join("man/man3");
    let mut synopses = String::new();
    let pages: Vec<PathBuf> = std::fs::read_dir(&man3)
        .unwrap()
        .map(|e| e.unwrap().path())
        .chain([repo().join("man/man1/pfinet.1")])
        .collect();
    assert!(pages.len() >= 12, "{pages:?}");
    for page in &pages {
        let out = Command::new("groff")
            .args(["-man", "-ww", "-z"])
            .arg(page)
            .output()
            .expect("groff (apt: groff-base)");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && said.is_empty(),
            "{}: {said}",
            page.display()
        );
        let text = std::fs::read_to_string(page).unwrap();
        for section in [
            ".SH NAME",
            "SYNOPSIS",
            ".SH DESCRIPTION",
            ".SH DIAGNOSTICS",
            "SEE ALSO",
            "LICENSE",
        ] {
            assert!(text.contains(section), "{}: no {section}", page.display());
        }
        if page.extension().is_some_and(|e| e == "3") {
            let start = text.find("SYNOPSIS").unwrap();
            let end = text.find(".SH DESCRIPTION").unwrap();
            synopses += &text[start..end];
        }
    }
    for name in header_api() {
        assert!(
            synopses.contains(&format!("{name}(")) || synopses.contains(&format!("*{name};")),
            "no section 3 page shows {name} in its SYNOPSIS"
        );
    }
}
