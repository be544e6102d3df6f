//! The three settings `pfinet mynetworks --config DIR` reads from
//! DIR/main.cf.
//!
//! For `pfinet lint --config` and `pfinet match --config`, [`parameter`]
//! asks the installed Postfix's `postconf -x -h` (PFINET_POSTCONF names
//! another postconf), which expands as Postfix does; without one it falls
//! back on the reading below.
//!
//! Limits (documented in pfinet(1)): main.cf is read as Postfix reads it
//! (logical lines: continuation lines start with white space, `#` comment
//! lines; `name = value`, white space around both trimmed), then `$name`,
//! `${name}` and `$(name)` in a value are replaced, recursively, by the
//! value of another parameter *set in the same file*; a reference to
//! anything else (Postfix's built-in defaults, such as `$myhostname`), and
//! Postfix's `${name?text}` / `${name:text}` forms, are errors. Parameters
//! that are not set get stock Postfix's defaults, see [`Settings::read`].

use pfinet::internal::readlline::{is_space, logical_lines};
use std::collections::HashMap;

/// What mynetworks depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// inet_protocols.
    pub protocols: Vec<u8>,
    /// inet_interfaces.
    pub interfaces: Vec<u8>,
    /// mynetworks_style.
    pub style: Vec<u8>,
    /// Whether main.cf sets mynetworks itself (Postfix then uses that).
    pub sets_mynetworks: bool,
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| !is_space(c)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&c| !is_space(c))
        .map_or(start, |i| i + 1);
    &s[start..end]
}

/// `name = value` pairs of a main.cf text; `Err` for a line without `=`.
fn parameters(data: &[u8], path: &[u8]) -> Result<HashMap<Vec<u8>, Vec<u8>>, Vec<u8>> {
    let (lines, warnings) = logical_lines(data, path);
    if let Some(w) = warnings.first() {
        return Err(w.clone());
    }
    let mut map = HashMap::new();
    for l in lines {
        let Some(eq) = l.text.iter().position(|&c| c == b'=') else {
            return Err([
                path,
                format!(", line {}: missing '=' after parameter name", l.first_line).as_bytes(),
            ]
            .concat());
        };
        map.insert(
            trim(&l.text[..eq]).to_vec(),
            trim(&l.text[eq + 1..]).to_vec(),
        );
    }
    Ok(map)
}

/// `value` with `$name`, `${name}` and `$(name)` replaced from `map`.
fn expand(value: &[u8], map: &HashMap<Vec<u8>, Vec<u8>>, depth: usize) -> Result<Vec<u8>, Vec<u8>> {
    if depth > 100 {
        return Err(b"main.cf: parameter expansion loops".to_vec());
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < value.len() {
        if value[i] != b'$' {
            out.push(value[i]);
            i += 1;
            continue;
        }
        let close = match value.get(i + 1) {
            Some(b'{') => Some(b'}'),
            Some(b'(') => Some(b')'),
            _ => None,
        };
        let (start, end, next) = match close {
            Some(c) => {
                let start = i + 2;
                let Some(len) = value[start..].iter().position(|&x| x == c) else {
                    return Err(b"main.cf: missing closing bracket in a $ reference".to_vec());
                };
                (start, start + len, start + len + 1)
            }
            None => {
                let start = i + 1;
                let len = value[start..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
                (start, start + len, start + len)
            }
        };
        let name = &value[start..end];
        let Some(v) = map.get(name) else {
            return Err([
                b"main.cf: $",
                name,
                b": only parameters set in main.cf are expanded",
            ]
            .concat());
        };
        out.extend(expand(v, map, depth + 1)?);
        i = next;
    }
    Ok(out)
}

/// Postfix 3.7's default mynetworks_style: `subnet` below
/// compatibility_level 2, else `host`.
fn default_style(compatibility_level: Option<&[u8]>) -> &'static [u8] {
    let major: u32 = compatibility_level
        .map(|l| {
            l.iter()
                .take_while(|c| c.is_ascii_digit())
                .fold(0u32, |n, &d| {
                    n.saturating_mul(10).saturating_add(u32::from(d - b'0'))
                })
        })
        .unwrap_or(0);
    if major < 2 { b"subnet" } else { b"host" }
}

impl Settings {
    /// The settings in `dir`/main.cf, with stock Postfix's defaults for
    /// those not set (inet_protocols: `all`, or `ipv4` without IPv6
    /// support; inet_interfaces: `all`; mynetworks_style: by
    /// compatibility_level). `Err` holds the error text.
    pub fn read(dir: &std::path::Path, ipv6: bool) -> Result<Settings, Vec<u8>> {
        use std::os::unix::ffi::OsStrExt;
        let path = dir.join("main.cf");
        let data = std::fs::read(&path)
            .map_err(|e| format!("open {}: {e}", path.display()).into_bytes())?;
        let map = parameters(&data, path.as_os_str().as_bytes())?;
        let get = |name: &str, default: &[u8]| match map.get(name.as_bytes()) {
            Some(v) => expand(v, &map, 0),
            None => Ok(default.to_vec()),
        };
        let level = get("compatibility_level", b"0")?;
        Ok(Settings {
            protocols: get(
                "inet_protocols",
                pfinet::internal::inet_proto::default_protocols(ipv6),
            )?,
            interfaces: get("inet_interfaces", b"all")?,
            style: get("mynetworks_style", default_style(Some(&level)))?,
            sets_mynetworks: map.contains_key(b"mynetworks".as_slice()),
        })
    }
}

/// The postconf to ask: $PFINET_POSTCONF, else `postconf` on the PATH,
/// else /usr/sbin/postconf; None when none runs.
pub fn postconf() -> Option<std::ffi::OsString> {
    let candidates: Vec<std::ffi::OsString> = match std::env::var_os("PFINET_POSTCONF") {
        Some(p) => vec![p],
        None => vec!["postconf".into(), "/usr/sbin/postconf".into()],
    };
    candidates.into_iter().find(|c| {
        std::process::Command::new(c)
            .args(["-d", "-h", "mail_version"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// The value Postfix gives parameter `name` with DIR/main.cf, `$name`s
/// expanded: `postconf -c DIR -x -h NAME` when Postfix is installed (its
/// defaults included, mynetworks computed for this host); else a value
/// set in main.cf, or the computed mynetworks. `Err` holds the error
/// text.
pub fn parameter(dir: &std::path::Path, name: &[u8], ipv6: bool) -> Result<Vec<u8>, Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let name_os = std::ffi::OsStr::from_bytes(name);
    if let Some(pc) = postconf() {
        let out = std::process::Command::new(&pc)
            .arg("-c")
            .arg(dir)
            .args(["-x", "-h"])
            .arg(name_os)
            .output()
            .map_err(|e| format!("run {}: {e}", pc.to_string_lossy()).into_bytes())?;
        // postconf warns about an unknown parameter and prints nothing;
        // its other warnings (no master.cf, unused parameters) do not
        // change the value.
        let said = String::from_utf8_lossy(&out.stderr);
        let unknown = said.lines().find(|l| l.ends_with(": unknown parameter"));
        if !out.status.success() || unknown.is_some() {
            let why = unknown.or(said.lines().next());
            return Err(match why {
                None => [b"postconf -x -h ", name, b" failed"].concat(),
                Some(p) => p.as_bytes().to_vec(),
            });
        }
        return Ok(out.stdout.trim_ascii().to_vec());
    }
    let path = dir.join("main.cf");
    let data =
        std::fs::read(&path).map_err(|e| format!("open {}: {e}", path.display()).into_bytes())?;
    let map = parameters(&data, path.as_os_str().as_bytes())?;
    if let Some(v) = map.get(name) {
        return expand(v, &map, 0);
    }
    if name == b"mynetworks" {
        let s = Settings::read(dir, ipv6)?;
        let mut diag = pfinet::internal::diag::Collect::default();
        return pfinet::internal::mynetworks::compute(
            &s.protocols,
            &s.style,
            &s.interfaces,
            &mut diag,
        );
    }
    Err([
        name,
        b" is not set in ",
        path.as_os_str().as_bytes(),
        b", and no postconf is installed to give its default",
    ]
    .concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_parameters_set_in_the_file() {
        let map = parameters(b"# c\na = 1 \nb = ${a}, $(a)\n  x\nc = $b $a\n", b"m").unwrap();
        assert_eq!(
            expand(&map[b"c".as_slice()], &map, 0).unwrap(),
            b"1, 1  x 1"
        );
        assert!(expand(b"$myhostname", &map, 0).is_err());
        assert!(parameters(b"novalue\n", b"m").is_err());
    }

    #[test]
    fn style_default_follows_compatibility_level() {
        assert_eq!(default_style(None), b"subnet");
        assert_eq!(default_style(Some(b"1")), b"subnet");
        assert_eq!(default_style(Some(b"3.6")), b"host");
    }
}
