//! `pfinet compile TABLE...`: write TABLE.pfinet, the compiled cidr: table
//! that a Postfix built with pfinet maps instead of parsing TABLE (see
//! pfinet::internal::cidr_file). The table's warnings are printed as Postfix logs
//! them. The file is written beside the table under a temporary name and
//! renamed into place, so a reader sees the old file or the new one; run as
//! root, it gets the table's owner (Postfix uses it only then).

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::ExitCode;

use pfinet::internal::cidr_file::{self, Source};

const HELP: &str = "\
usage: pfinet compile TABLE...
  Compile each cidr: TABLE into TABLE.pfinet (see pfinet(1)); run it again
  after every change of TABLE: Postfix ignores a compiled file that does
  not match its table, with a warning.";

fn source(meta: &std::fs::Metadata) -> Source {
    Source::from(meta)
}

/// Compile one table; Err: the fatal error's text.
fn compile_one(table: &[u8]) -> Result<(), Vec<u8>> {
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(table));
    let io = |what: &str, e: std::io::Error| {
        let why = pfinet::internal::host::strerror(e.raw_os_error().unwrap_or(libc::EIO));
        [what.as_bytes(), b" ", table, b": ", &why].concat()
    };
    let before = std::fs::metadata(path).map_err(|e| io("open", e))?;
    let data = std::fs::read(path).map_err(|e| io("read", e))?;
    let after = std::fs::metadata(path).map_err(|e| io("stat", e))?;
    let src = source(&after);
    if source(&before) != src || data.len() as u64 != src.size {
        return Err([table, b": changed while it was read; try again"].concat());
    }
    let (file, warnings) = cidr_file::compile(&data, table, &src, crate::IPV6)
        .map_err(|why| [table, b": ", why.text().as_bytes()].concat())?;
    for w in warnings {
        crate::warn(&w);
    }
    let out = [table, cidr_file::SUFFIX.as_bytes()].concat();
    let tmp = [&out[..], format!(".tmp{}", std::process::id()).as_bytes()].concat();
    let tmp_path = std::path::Path::new(std::ffi::OsStr::from_bytes(&tmp));
    let write = || -> std::io::Result<()> {
        std::fs::write(tmp_path, &file)?;
        std::fs::set_permissions(tmp_path, std::fs::Permissions::from_mode(0o644))?;
        if is_root() {
            std::os::unix::fs::chown(tmp_path, Some(after.uid()), Some(after.gid()))?;
        }
        std::fs::rename(tmp_path, std::ffi::OsStr::from_bytes(&out))
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(tmp_path);
        io("write", e)
    })
}

/// Whether this process runs as root.
fn is_root() -> bool {
    // SAFETY: geteuid() has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

pub fn run(args: &[Vec<u8>]) -> ExitCode {
    if args.is_empty() || args.iter().any(|a| a == b"--help" || a == b"-h") {
        let empty = args.is_empty();
        if empty {
            eprintln!("{HELP}");
            return ExitCode::from(2);
        }
        println!("{HELP}");
        return ExitCode::SUCCESS;
    }
    for table in args {
        if let Err(text) = compile_one(table) {
            return crate::fatal(&text);
        }
    }
    ExitCode::SUCCESS
}
