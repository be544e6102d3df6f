//! Shared by the C and differential tests: stock Postfix from Debian's
//! source package (scripts/stock-postfix.sh), pfinet library variants built
//! by a nested cargo, and c_tests/driver.c compiled against either.
#![allow(dead_code)]
pub mod driver_cases;
pub mod ial;
pub mod netns;
pub mod postfix_trees;
pub mod symbols;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// The Postfix symbols pfinet replaces (ARCHITECTURE.md section 1), from
/// symbols.txt: every one is defined by libpfinet.a, and by no object of a
/// patched Postfix tree.
pub fn replaced_symbols() -> Vec<String> {
    symbols::names(&symbols::read(repo()), &[symbols::Group::Replaced])
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Postfix releases to check: POSTFIX_VERSIONS in
/// scripts/postfix-versions.sh, the one list of the supported ones; or
/// those of them that PFINET_POSTFIX_RELEASES names (scripts/test.sh sets
/// it when a release's source cannot be had here, and says so).
pub fn postfix_versions() -> Vec<String> {
    let supported = supported_postfix_versions();
    match std::env::var("PFINET_POSTFIX_RELEASES") {
        Ok(only) => {
            let v: Vec<String> = only.split_whitespace().map(String::from).collect();
            for r in &v {
                assert!(
                    supported.contains(r),
                    "PFINET_POSTFIX_RELEASES: {r} is not supported ({supported:?})"
                );
            }
            v
        }
        Err(_) => supported,
    }
}

/// `<cache>/VERSION` (stock Postfix VERSION), built on first use.
pub fn stock_cache_of(version: &str) -> PathBuf {
    static CACHES: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    let mut caches = CACHES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, p)) = caches.iter().find(|(v, _)| v == version) {
        return p.clone();
    }
    let p = script_result("stock-postfix.sh", &["--version", version]);
    caches.push((version.to_string(), p.clone()));
    p
}

/// POSTFIX_VERSIONS in scripts/postfix-versions.sh.
pub fn supported_postfix_versions() -> Vec<String> {
    let file = repo().join("scripts/postfix-versions.sh");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("POSTFIX_VERSIONS=\""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("POSTFIX_VERSIONS=\"...\" in scripts/postfix-versions.sh");
    let v: Vec<String> = line.split_whitespace().map(String::from).collect();
    assert!(v.len() >= 2, "POSTFIX_VERSIONS: {v:?}");
    v
}

/// `<cache>/3.7.11`, built on first use (needs Debian's deb-src).
pub fn stock_cache() -> &'static Path {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    CACHE.get_or_init(|| script_result("stock-postfix.sh", &[]))
}

/// Runs `scripts/<script> <args>` (its progress on stderr) and returns the
/// path it prints last; a failed script fails the test.
pub fn script_result(script: &str, args: &[&str]) -> PathBuf {
    let out = Command::new("bash")
        .arg(repo().join("scripts").join(script))
        .args(args)
        // cargo sets it for test processes; Postfix's makedefs refuses to
        // build under it.
        .env_remove("LD_LIBRARY_PATH")
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("run scripts/{script}: {e}"));
    assert!(out.status.success(), "scripts/{script} {args:?} failed");
    let text = String::from_utf8(out.stdout).unwrap();
    PathBuf::from(text.lines().last().expect("a path").trim())
}

/// A stock Postfix tree: with or without IPv6.
pub fn stock_tree(ipv6: bool) -> PathBuf {
    stock_cache().join(if ipv6 { "stock" } else { "stock-noipv6" })
}

pub fn words(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// A pfinet build with a feature set, its libraries and pfinet_config.h
/// copied to target/variants/out/<name>.
pub struct Variant {
    pub name: &'static str,
    pub dir: PathBuf,
    pub ipv6: bool,
    pub postfix: bool,
}

impl Variant {
    pub fn include_args(&self) -> Vec<String> {
        vec![
            format!("-I{}", repo().join("include").display()),
            format!("-I{}", self.dir.join("include").display()),
        ]
    }
}

/// The link line cargo reports for a static pfinet: the file
/// `native-static-libs`, which also gives pfinet.pc its Libs.private
/// (tests/c_tests.rs checks it against cargo's report).
pub fn native_static_libs() -> Vec<String> {
    std::fs::read_to_string(repo().join("native-static-libs"))
        .expect("native-static-libs")
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// Build (once per test process) the pfinet variant with these features.
pub fn variant(name: &'static str, features: &[&str]) -> &'static Variant {
    static BUILT: Mutex<Vec<&'static Variant>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = built.iter().find(|v| v.name == name) {
        return v;
    }
    let target = repo().join("target/variants");
    let status = Command::new(env!("CARGO"))
        .current_dir(repo())
        .args(["build", "--lib", "--quiet", "--no-default-features"])
        .args(["--features", &features.join(",")])
        .arg("--target-dir")
        .arg(&target)
        .status()
        .expect("run cargo");
    assert!(status.success(), "cargo build of variant {name} failed");
    let dir = target.join("out").join(name);
    std::fs::create_dir_all(dir.join("include")).unwrap();
    for f in ["libpfinet.a", "libpfinet.so"] {
        std::fs::copy(target.join("debug").join(f), dir.join(f)).unwrap();
    }
    // What programs linked with -lpfinet load: the soname (build.rs), as
    // `make install` sets it up.
    let soname = dir.join("libpfinet.so.0");
    if std::fs::symlink_metadata(&soname).is_err() {
        std::os::unix::fs::symlink("libpfinet.so", &soname).unwrap();
    }
    std::fs::copy(
        target.join("debug/include/pfinet_config.h"),
        dir.join("include/pfinet_config.h"),
    )
    .unwrap();
    let v: &'static Variant = Box::leak(Box::new(Variant {
        name,
        dir,
        ipv6: features.contains(&"has_ipv6"),
        postfix: features.contains(&"postfix"),
    }));
    built.push(v);
    v
}

pub fn default_variant() -> &'static Variant {
    variant("default", &["has_ipv6", "have_getifaddrs"])
}

pub fn noipv6_variant() -> &'static Variant {
    variant("noipv6", &["have_getifaddrs"])
}

pub fn postfix_variant() -> &'static Variant {
    variant("postfix", &["has_ipv6", "have_getifaddrs", "postfix"])
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Static,
    Shared,
}

/// Compile and link `out`, once per test process: tests running in
/// parallel share programs, so a program is written under a temporary name
/// and renamed into place (never run half-written).
fn cc(args: &[String], out: &Path) {
    static BUILT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    static TMP: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let built = || BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if built().iter().any(|p| p == out) {
        return;
    }
    let n = TMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = out.with_extension(format!("tmp{}-{n}", std::process::id()));
    let o = Command::new("cc")
        .args(args)
        .arg("-o")
        .arg(&tmp)
        .output()
        .expect("run cc");
    assert!(
        o.status.success(),
        "cc {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::rename(&tmp, out).unwrap();
    built().push(out.to_path_buf());
}

/// c_tests/<src> as a shared object (an LD_PRELOAD shim).
pub fn c_shim(src: &str) -> PathBuf {
    let out = exe_dir().join(src.replace(".c", ".so"));
    let mut args: Vec<String> = CFLAGS.map(String::from).to_vec();
    args.extend(["-shared", "-fPIC"].map(String::from));
    args.push(repo().join("c_tests").join(src).display().to_string());
    args.push("-ldl".into());
    cc(&args, &out);
    out
}

const CFLAGS: [&str; 4] = ["-Wall", "-Wextra", "-Werror", "-g"];

fn exe_dir() -> PathBuf {
    let d = repo().join("target/variants/exe");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// c_tests/<src> built against stock Postfix's libraries.
pub fn stock_program(src: &str, ipv6: bool) -> PathBuf {
    let tree = stock_tree(ipv6);
    let out = exe_dir().join(format!(
        "{}-stock{}",
        src.trim_end_matches(".c"),
        if ipv6 { "" } else { "-noipv6" }
    ));
    stock_program_in(src, &tree, &out)
}

/// c_tests/<src> built against the libraries of stock Postfix `version`
/// (with IPv6).
pub fn stock_program_of(src: &str, version: &str) -> PathBuf {
    let tree = stock_cache_of(version).join("stock");
    let out = exe_dir().join(format!("{}-stock-{version}", src.trim_end_matches(".c")));
    stock_program_in(src, &tree, &out)
}

fn stock_program_in(src: &str, tree: &Path, out: &Path) -> PathBuf {
    let out = out.to_path_buf();
    let mut args: Vec<String> = CFLAGS.map(String::from).to_vec();
    args.push("-DPFINET_STOCK".into());
    args.extend(words(&tree.join("driver.cflags")));
    args.push(repo().join("c_tests").join(src).display().to_string());
    args.extend(words(&tree.join("driver.libs")));
    cc(&args, &out);
    out
}

/// One of stock Postfix's own test drivers: `src` (e.g. "global/own_inet_addr.c")
/// of the stock tree compiled with -DTEST and `defines`, linked with the
/// stock libraries.
pub fn stock_postfix_driver(src: &str, name: &str, defines: &[&str], ipv6: bool) -> PathBuf {
    let tree = stock_tree(ipv6);
    let out = exe_dir().join(format!("stock-{name}{}", if ipv6 { "" } else { "-noipv6" }));
    let file = tree.join("src").join(src);
    let mut args: Vec<String> = vec!["-w".into(), "-DTEST".into()];
    args.extend(defines.iter().map(|d| d.to_string()));
    args.extend(words(&tree.join("driver.cflags")));
    args.push(format!("-I{}", file.parent().unwrap().display()));
    args.push(file.display().to_string());
    args.extend(words(&tree.join("driver.libs")));
    cc(&args, &out);
    out
}

/// A pipe (close-on-exec): its read end, and its write end for a child's
/// stdout/stderr. std::io::pipe() needs Rust 1.87; pfinet's tests build
/// with 1.85 (Cargo.toml's rust-version).
pub fn pipe() -> (std::fs::File, std::os::fd::OwnedFd) {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe2() writes.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert!(rc == 0, "pipe: {}", std::io::Error::last_os_error());
    // SAFETY: pipe2() succeeded: both are new descriptors owned here alone.
    unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            OwnedFd::from_raw_fd(fds[1]),
        )
    }
}

/// Run `exe args` with argv[0] set to `argv0` (Postfix's messages start
/// with it); stdout and stderr merged in order, and the exit code.
pub fn run_as(argv0: &str, exe: &Path, args: &[&str], cwd: Option<&Path>) -> (String, i32) {
    run_as_env(argv0, exe, args, cwd, &[])
}

/// [`run_as`] with variables added to the environment.
pub fn run_as_env(
    argv0: &str,
    exe: &Path,
    args: &[&str],
    cwd: Option<&Path>,
    env: &[(&str, &Path)],
) -> (String, i32) {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    // One pipe for both streams keeps their order (`exec -a` is not in
    // every /bin/sh, so argv[0] is set here).
    let (mut reader, writer) = pipe();
    let mut cmd = Command::new(exe);
    cmd.arg0(argv0)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stderr(writer.try_clone().expect("dup"))
        .stdout(writer);
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    let mut child = cmd.spawn().expect("spawn");
    drop(cmd); // our write ends: EOF when the child exits
    let mut out = Vec::new();
    reader.read_to_end(&mut out).expect("read child output");
    let status = child.wait().expect("wait");
    (
        String::from_utf8_lossy(&out).into_owned(),
        status.code().unwrap_or(-1),
    )
}

/// How a C program is built for checking: plainly, or with one of gcc's
/// sanitizers (the C side is instrumented; libpfinet.a is linked as it is,
/// and the sanitizer runtime still sees every malloc/free, pfinet's too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sanitizer {
    None,
    /// -fsanitize=address,undefined, every finding fatal.
    AddressUndefined,
    /// -fsanitize=thread.
    Thread,
}

impl Sanitizer {
    fn cflags(self) -> &'static [&'static str] {
        match self {
            Sanitizer::None => &[],
            Sanitizer::AddressUndefined => &[
                "-fsanitize=address,undefined",
                "-fno-sanitize-recover=all",
                "-fno-omit-frame-pointer",
            ],
            Sanitizer::Thread => &["-fsanitize=thread"],
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Sanitizer::None => "",
            Sanitizer::AddressUndefined => "-asan",
            Sanitizer::Thread => "-tsan",
        }
    }
}

/// c_tests/<src> built against a pfinet variant, statically or shared.
/// The `postfix` variant also links stock Postfix's libutil.a (msg_*,
/// vstring_*), after libpfinet.a (ARCHITECTURE.md).
pub fn pfinet_program(src: &str, v: &Variant, link: Link) -> PathBuf {
    pfinet_program_sanitized(src, v, link, Sanitizer::None)
}

/// pfinet_program(), compiled with a sanitizer.
pub fn pfinet_program_sanitized(src: &str, v: &Variant, link: Link, san: Sanitizer) -> PathBuf {
    let out = exe_dir().join(
        format!(
            "{}-{}-{:?}{}",
            src.trim_end_matches(".c"),
            v.name,
            link,
            san.suffix()
        )
        .to_lowercase(),
    );
    let mut args: Vec<String> = CFLAGS.map(String::from).to_vec();
    args.extend(san.cflags().iter().map(|f| f.to_string()));
    args.extend(v.include_args());
    if v.postfix {
        let tree = stock_tree(v.ipv6);
        args.push("-DPFINET_POSTFIX_BINDING".into());
        args.extend(words(&tree.join("driver.cflags")));
    }
    args.push(repo().join("c_tests").join(src).display().to_string());
    match link {
        Link::Static => args.push(v.dir.join("libpfinet.a").display().to_string()),
        Link::Shared => {
            args.push(format!("-L{}", v.dir.display()));
            args.push(format!("-Wl,-rpath,{}", v.dir.display()));
            args.push("-lpfinet".into());
        }
    }
    if v.postfix {
        args.extend(words(&stock_tree(v.ipv6).join("driver.libs")));
    }
    args.extend(native_static_libs());
    cc(&args, &out);
    if src != "driver.c" {
        return out;
    }
    let (info, _) = run(&out, &["info"], b"", None);
    let want = format!(
        "ipv6={} abytes={}",
        u8::from(v.ipv6),
        if v.ipv6 { 16 } else { 4 }
    );
    assert_eq!(
        info.trim(),
        want,
        "{} was built with another configuration",
        out.display()
    );
    out
}

/// Run `exe args` with `input` on stdin; stdout and stderr merged in
/// order (both go to one pipe), plus the exit code.
pub fn run(exe: &Path, args: &[&str], input: &[u8], cwd: Option<&Path>) -> (String, i32) {
    run_under(&[], exe, args, input, cwd)
}

/// run() with the program started by `wrapper` (e.g. valgrind and its
/// options; empty: directly).
pub fn run_under(
    wrapper: &[String],
    exe: &Path,
    args: &[&str],
    input: &[u8],
    cwd: Option<&Path>,
) -> (String, i32) {
    use std::ffi::OsString;
    use std::io::Write;
    let mut argv: Vec<OsString> = wrapper.iter().map(OsString::from).collect();
    argv.push(exe.into());
    argv.extend(args.iter().map(OsString::from));
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg("exec \"$0\" \"$@\" 2>&1").args(&argv);
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// First differing lines of two outputs, for a readable failure.
pub fn first_differences(a: &str, b: &str, max: usize) -> String {
    let (al, bl): (Vec<_>, Vec<_>) = (a.lines().collect(), b.lines().collect());
    let mut out = String::new();
    let mut shown = 0;
    for i in 0..al.len().max(bl.len()) {
        let (x, y) = (
            al.get(i).copied().unwrap_or("<none>"),
            bl.get(i).copied().unwrap_or("<none>"),
        );
        if x != y {
            out += &format!("line {}:\n  stock:  {x}\n  pfinet: {y}\n", i + 1);
            shown += 1;
            if shown == max {
                break;
            }
        }
    }
    out
}
