//! postfix_release - which Postfix release to follow
//!
//! pfinet's library follows the Postfix it is linked into: where releases
//! differ (reading a match list, NUL bytes in a table), the patched Postfix
//! keeps its own C. The `pfinet` command reimplements those parts, and
//! reads lists and tables as the [`Release`] it is told (`--postfix-version`)
//! or finds installed.

/// The Postfix release whose behaviour to follow, where releases differ in
/// what pfinet's command reimplements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Release {
    /// Postfix 3.7 (and before): a `#` token ends the list with `PNAME:
    /// comment at end of line is not supported: TOKEN REST`; a `/file` is
    /// read line by line, lines starting with `#` skipped.
    V3_7,
    /// Postfix 3.8: `PNAME: #comment after other text is not allowed: TOKEN
    /// REST...` (mystrtokq_cw(), REST cut at 20 bytes); a `/file` is read
    /// in logical lines (readlline(): continuation lines, comments and
    /// blank lines skipped, text that continues nothing warned about).
    V3_8,
    /// Postfix 3.9 and later: as 3.8, and readlline() warns about a NUL
    /// byte (`PATH, line N: text after null byte may be ignored`).
    #[default]
    V3_9,
}

impl Release {
    /// The release of a Postfix version (`mail_version`: `3.10.13`,
    /// `3.11-20260101`...); `None` when it is not `MAJOR.MINOR...`.
    pub fn of_version(version: &[u8]) -> Option<Release> {
        let text = std::str::from_utf8(version).ok()?;
        let mut parts = text.split(['.', '-']);
        let major: u32 = parts.next()?.parse().ok()?;
        let minor: u32 = parts.next()?.parse().ok()?;
        Some(match (major, minor) {
            (..3, _) | (3, ..8) => Release::V3_7,
            (3, 8) => Release::V3_8,
            _ => Release::V3_9,
        })
    }
}
