//! `type:table` entries of a match list, looked up for `pfinet match
//! --config` as Postfix's match_hostname() and match_hostaddr() look them
//! up: the host name (and, for tables of fixed strings, its parent domains
//! as the list's style says), then the address.
//!
//! - `cidr:FILE`: read and compiled in place (pfinet's dict_cidr); the
//!   answer names the deciding rule's line. A host name is no address:
//!   dict_cidr finds nothing for it.
//! - `inline:{ key=value, ... }`: in place, keys compared as Postfix's
//!   inline table does (fixed strings, case-folded).
//! - any other type: `postmap -c DIR -q KEY TYPE:NAME` of the installed
//!   Postfix (the postmap beside the postconf pfinet uses), name then
//!   address (no parent-domain walk: pfinet cannot tell which tables hold
//!   fixed strings); without one, not looked up.

use crate::matching::read_file;
use crate::{IPV6, text, warn};
use pfinet::internal::dict_cidr::Table;
use pfinet::internal::match_list::TableAnswer;
use pfinet::internal::postfix_release::Release;
use std::path::Path;

/// Looks tables up for one client.
pub struct Tables<'a> {
    /// The release whose dict_cidr to follow.
    pub release: Release,
    /// The configuration directory (`postmap -c`).
    pub dir: &'a Path,
    /// The client's host name, case-folded, and MATCH_FLAG_PARENT.
    pub name: Option<(Vec<u8>, bool)>,
    /// The client's address.
    pub addr: Vec<u8>,
}

impl Tables<'_> {
    /// The answer of table `t` (`TYPE:NAME`).
    pub fn answer(&self, t: &[u8]) -> TableAnswer {
        if let Some(path) = t.strip_prefix(b"cidr:") {
            return self.cidr(path);
        }
        if let Some(body) = t.strip_prefix(b"inline:") {
            return self.inline(body);
        }
        self.postmap(t)
    }

    fn cidr(&self, path: &[u8]) -> TableAnswer {
        let data = match read_file(path) {
            Ok(d) => d,
            Err(errno) => {
                let why = pfinet::internal::host::strerror(errno);
                return TableAnswer::Failed([b"open ", path, b": ", &why].concat());
            }
        };
        let table = Table::parse(self.release, path, &data, IPV6);
        table.warnings.iter().for_each(|w| warn(w));
        match table.lookup(&self.addr) {
            Ok(Some(i)) => {
                let r = &table.rules[i];
                let detail = format!("{} line {}: {}", text(path), r.line, text(&r.text));
                TableAnswer::Found(Some(detail.into_bytes()))
            }
            Ok(None) => TableAnswer::NotFound,
            Err(why) => TableAnswer::Failed(why),
        }
    }

    /// The keys to try: the name, its parent domains as match_hostname()
    /// walks them for a table of fixed strings, then the address.
    fn keys(&self, fixed: bool) -> Vec<Vec<u8>> {
        let mut keys = Vec::new();
        if let Some((name, parent)) = &self.name {
            keys.push(name.clone());
            let mut at = 0;
            while let Some(dot) = name[at + 1..].iter().position(|&c| c == b'.') {
                at += 1 + dot;
                let from = if *parent { at + 1 } else { at };
                if !fixed || name[from..].is_empty() {
                    break;
                }
                keys.push(name[from..].to_vec());
            }
        }
        keys.push(self.addr.clone());
        keys
    }

    fn inline(&self, body: &[u8]) -> TableAnswer {
        let pairs = pfinet::internal::dict_inline::inline_pairs(body);
        for key in self.keys(true) {
            if let Some((k, v)) = pairs.iter().find(|(k, _)| *k == key) {
                let detail = format!("{}={}", text(k), text(v));
                return TableAnswer::Found(Some(detail.into_bytes()));
            }
        }
        TableAnswer::NotFound
    }

    fn postmap(&self, t: &[u8]) -> TableAnswer {
        let Some(postmap) = postmap() else {
            return TableAnswer::NotEvaluated;
        };
        for key in self.keys(false) {
            use std::os::unix::ffi::OsStrExt;
            let out = std::process::Command::new(&postmap)
                .arg("-c")
                .arg(self.dir)
                .arg("-q")
                .arg(std::ffi::OsStr::from_bytes(&key))
                .arg(std::ffi::OsStr::from_bytes(t))
                .output();
            let Ok(out) = out else {
                return TableAnswer::NotEvaluated;
            };
            match out.status.code() {
                Some(0) => {
                    let value = out.stdout.trim_ascii_end();
                    let detail = [key.as_slice(), b" -> ", value].concat();
                    return TableAnswer::Found(Some(detail));
                }
                Some(1) => {}
                _ => return TableAnswer::Failed(out.stderr.trim_ascii_end().to_vec()),
            }
        }
        TableAnswer::NotFound
    }
}

/// The postmap beside the postconf pfinet asks, if it runs.
fn postmap() -> Option<std::ffi::OsString> {
    let postconf = std::path::PathBuf::from(crate::main_cf::postconf()?);
    let beside = postconf.with_file_name("postmap");
    Some(
        if postconf.parent().is_some_and(|p| !p.as_os_str().is_empty()) {
            beside.into_os_string()
        } else {
            "postmap".into()
        },
    )
}
