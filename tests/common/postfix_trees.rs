//! The Postfix trees scripts/postfix-pfinet.sh builds, for the tests that
//! check them (tests/postfix_pfinet.rs, tests/postfix_unit_tests.rs,
//! tests/postfix_cidr_tables.rs): `<cache>/<version>-pfinet/{stock,patched}`,
//! `<cache>` being $PFINET_CACHE or .cache/postfix. A missing tree, or one
//! built from another libpfinet.a than this checkout's
//! target/postfix-pfinet/release/libpfinet.a, fails the test: nothing is
//! skipped.

use super::repo;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One release's trees.
pub struct Trees {
    pub version: String,
    /// `<cache>`.
    pub base: PathBuf,
    /// `<cache>/<version>-pfinet`.
    pub work: PathBuf,
    pub stock: PathBuf,
    pub patched: PathBuf,
    pub libpfinet: PathBuf,
}

pub fn cache_base() -> PathBuf {
    std::env::var_os("PFINET_CACHE").map_or_else(|| repo().join(".cache/postfix"), PathBuf::from)
}

/// The output of `cmd` (stdout); it must succeed.
pub fn output(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The trees of `version`, which the script built with this checkout's
/// libpfinet.a; anything else fails.
pub fn trees(version: String) -> Trees {
    let base = cache_base();
    let work = base.join(format!("{version}-pfinet"));
    let (stock, patched) = (work.join("stock"), work.join("patched"));
    let run = format!(
        "run scripts/postfix-pfinet.sh --version {version} (scripts/test.sh does, before cargo test)"
    );
    for tree in [&stock, &patched] {
        assert!(
            tree.join(".pfinet-stamp").is_file(),
            "Postfix {version}: no built tree {}: {run}",
            tree.display()
        );
    }
    let libpfinet = repo().join("target/postfix-pfinet/release/libpfinet.a");
    assert!(libpfinet.is_file(), "no {}: {run}", libpfinet.display());
    let sha = output(Command::new("sha256sum").arg(&libpfinet));
    let sha = sha.split_whitespace().next().unwrap();
    let stamp = std::fs::read_to_string(patched.join(".pfinet-stamp")).unwrap();
    assert!(
        stamp.contains(sha) && stamp.contains(&format!(" {} ", libpfinet.display())),
        "Postfix {version}: {} was built from another libpfinet.a than {} \
         (stamp: {stamp}): {run}",
        patched.display(),
        libpfinet.display()
    );
    Trees {
        version,
        base,
        work,
        stock,
        patched,
        libpfinet,
    }
}

/// The lock scripts/postfix-pfinet.sh holds while it builds in
/// `<cache>/<version>-pfinet` (`flock` on its `.lock`): held until the
/// returned file is dropped, so a test never reads a tree being rebuilt.
pub fn lock(t: &Trees) -> std::fs::File {
    let path = t.work.join(".lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // SAFETY: flock on a descriptor this function owns.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
    assert!(
        rc == 0,
        "flock {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
    f
}

/// Sets the modification (and access) time of `path` to `secs` seconds
/// ago, as `touch -d '<secs> seconds ago'` does.
pub fn backdate(path: &Path, secs: u64) {
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
    let f = std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    f.set_times(
        std::fs::FileTimes::new()
            .set_accessed(when)
            .set_modified(when),
    )
    .unwrap_or_else(|e| panic!("backdate {}: {e}", path.display()));
}

/// A Command for a program that runs Postfix's make or Postfix's
/// programs: without what cargo and an outer make put in the environment
/// (Postfix's makedefs refuses to build under LD_LIBRARY_PATH, which cargo
/// sets for test processes; MAKEFLAGS and friends, which the former script
/// unset too).
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for v in [
        "LD_LIBRARY_PATH",
        "MAKEFLAGS",
        "MFLAGS",
        "MAKELEVEL",
        "CARGO_MAKEFLAGS",
    ] {
        cmd.env_remove(v);
    }
    cmd
}

/// `failures` as a test's closing assertion message.
pub fn assert_no_failures(fail: &[String]) {
    assert!(
        fail.is_empty(),
        "{} failure(s):\n  {}",
        fail.len(),
        fail.join("\n  ")
    );
}
