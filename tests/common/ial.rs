//! Stock Postfix's inet_addr_local test driver, one build per interface
//! lookup method (tests/netns.rs, tests/faults.rs).

use super::*;
use std::path::PathBuf;
use std::process::Command;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Getifaddrs,
    Siocgif,
    Procnet,
}

pub const METHODS: [Method; 3] = [Method::Getifaddrs, Method::Siocgif, Method::Procnet];

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Getifaddrs => "getifaddrs",
            Method::Siocgif => "siocgif",
            Method::Procnet => "procnet",
        }
    }
}

/// Stock Postfix's inet_addr_local test driver for one lookup method:
/// getifaddrs is src/util/inet_addr_local.c itself with -DTEST, as the
/// `inet_addr_local:` target of src/util/Makefile builds it (sys_defs.h
/// picks getifaddrs for Linux with glibc >= 2.4); the others are
/// c_tests/stock_ial_method.c, which includes it after undoing that
/// choice. Built without optimisation so that every ial_* function stays
/// a symbol: the build checks which ones are in, and that the program's
/// inet_addr_local() is the one compiled here, not libutil.a's.
pub fn build_stock(method: Method) -> PathBuf {
    let tree = stock_tree(true);
    let util = tree.join("src/util");
    let dir = repo().join("target/variants/exe");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(format!("inet_addr_local-stock-{}", method.name()));
    let mut args: Vec<String> = vec!["-g".into(), "-O0".into(), "-w".into(), "-DTEST".into()];
    args.extend(words(&tree.join("driver.cflags")));
    match method {
        Method::Getifaddrs => args.push(util.join("inet_addr_local.c").display().to_string()),
        m => {
            args.push(format!("-I{}", util.display()));
            args.push(format!("-DPFINET_IAL_{}", m.name().to_uppercase()));
            args.push(
                repo()
                    .join("c_tests/stock_ial_method.c")
                    .display()
                    .to_string(),
            );
        }
    }
    args.extend(words(&tree.join("driver.libs")));
    args.push("-Wl,--trace-symbol=inet_addr_local".into());
    let o = Command::new("cc")
        .args(&args)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run cc");
    let trace =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "cc {}\n{trace}", args.join(" "));
    // ld: <object>: definition of inet_addr_local
    let defs: Vec<&str> = trace
        .lines()
        .filter(|l| l.ends_with("definition of inet_addr_local"))
        .collect();
    assert!(
        defs.len() == 1 && !defs[0].contains(".a("),
        "{}: inet_addr_local() must come from the driver's own object, not an \
         archive member; link trace:\n{trace}",
        out.display()
    );
    let nm = Command::new("nm").arg(&out).output().expect("run nm");
    let syms = String::from_utf8_lossy(&nm.stdout).into_owned();
    let has = |f: &str| syms.lines().any(|l| l.split_whitespace().last() == Some(f));
    let want: &[(&str, bool)] = match method {
        Method::Getifaddrs => &[
            ("ial_getifaddrs", true),
            ("ial_siocgif", false),
            ("ial_procnet_ifinet6", false),
        ],
        Method::Siocgif => &[
            ("ial_getifaddrs", false),
            ("ial_siocgif", true),
            ("ial_procnet_ifinet6", false),
        ],
        Method::Procnet => &[
            ("ial_getifaddrs", false),
            ("ial_siocgif", true),
            ("ial_procnet_ifinet6", true),
        ],
    };
    for (f, present) in want {
        assert_eq!(
            has(f),
            *present,
            "{}: {f} should{} be in it",
            out.display(),
            if *present { "" } else { " not" }
        );
    }
    out
}
