//! The committed include/pfinet.h is what cbindgen generates from the
//! sources (with cbindgen.toml), and it refuses a program whose HAS_IPV6
//! disagrees with the library's build.
//!
//! cbindgen is a dev-dependency: the library's build (build.rs) only
//! compiles a C file against the committed header.
//! `PFINET_BLESS=1 cargo test --test header` rewrites include/pfinet.h
//! from the sources.

use std::path::Path;
use std::process::Command;

#[test]
fn committed_header_is_generated_header() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate pfinet.h")
        .write(&mut generated);
    let committed_file = dir.join("include/pfinet.h");
    let committed = std::fs::read(&committed_file).unwrap_or_default();
    if std::env::var_os("PFINET_BLESS").is_some() {
        if generated != committed {
            std::fs::write(&committed_file, &generated).unwrap();
            eprintln!("PFINET_BLESS: rewrote {}", committed_file.display());
        }
        return;
    }
    assert!(
        generated == committed,
        "include/pfinet.h is stale: regenerate it with \
         PFINET_BLESS=1 cargo test --test header and commit it"
    );
}

/// Compile a one-line C program including pfinet.h with extra flags.
fn compile(defines: &[&str]) -> std::process::Output {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = std::env::temp_dir().join(format!("pfinet_hdr_{}.c", std::process::id()));
    std::fs::write(
        &src,
        "#include <pfinet.h>\nint main(void) { CIDR_MATCH m; return (int) sizeof(m); }\n",
    )
    .unwrap();
    let out = Command::new("cc")
        .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
        .args(defines)
        .arg("-I")
        .arg(dir.join("include"))
        .arg("-I")
        .arg(env!("PFINET_CONFIG_DIR"))
        .arg(&src)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&src);
    out
}

#[test]
fn mismatched_has_ipv6_stops_the_compile() {
    let (agree, disagree): (&[&str], &[&str]) = if cfg!(feature = "has_ipv6") {
        (&["-DHAS_IPV6"], &["-DNO_IPV6"])
    } else {
        (&[], &["-DHAS_IPV6"])
    };
    let ok = compile(agree);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        compile(&[]).status.success(),
        "a program that does not say gets the library's choice"
    );
    let bad = compile(disagree);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("libpfinet was built with"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
