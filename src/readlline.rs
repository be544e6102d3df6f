//! readlline - read logical lines of a table file
//!
//! Postfix's `readllines(buf, fp, lineno, first_line)` (src/util/readlline.c)
//! joins a line and the lines after it that start with whitespace into one
//! logical line (the newlines are dropped, the continuation's whitespace is
//! kept); comment lines (`#` after optional whitespace), empty lines and
//! all-whitespace lines are skipped, also between continuation lines.
//! [`logical_lines`] does the same for a whole file's text.
//!
//! DIAGNOSTICS: `PATH: logical line must not start with whitespace:
//! "TEXT"` (the first 30 bytes, then `...` when longer) for text that
//! continues nothing; that text is skipped, as in Postfix.

use crate::postfix_release::Release;

/// One logical line and the number of the physical line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalLine {
    /// Number (from 1) of the first physical line.
    pub first_line: usize,
    /// The joined text, without newlines.
    pub text: Vec<u8>,
}

/// Postfix's ISSPACE(): ASCII white space.
pub fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The logical lines of `data`, read from `path` (for the warning texts),
/// and the warnings Postfix would log while reading them.
pub fn logical_lines(data: &[u8], path: &[u8]) -> (Vec<LogicalLine>, Vec<Vec<u8>>) {
    let (mut lines, mut warnings) = (Vec::new(), Vec::new());
    for_each_logical_line(data, path, |event| match event {
        Event::Line(first_line, text) => lines.push(LogicalLine {
            first_line,
            text: text.to_vec(),
        }),
        Event::Warning(w) => warnings.push(w),
    });
    (lines, warnings)
}

/// What reading a table finds, in order.
#[derive(Debug)]
pub enum Event<'a> {
    /// A logical line and the number of the physical line it starts on.
    Line(usize, &'a [u8]),
    /// A warning Postfix logs at this point.
    Warning(Vec<u8>),
}

/// How a Postfix release's readllines() reads, where releases differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Postfix 3.9 and later: warn `PATH, line N: text after null byte may
    /// be ignored` (or `line N-M`) for a logical line that held a NUL byte
    /// (also in a comment line it skipped).
    pub nul_warning: bool,
    /// The caller passes no line counter (Postfix's `readlline(buf, fp,
    /// 0)`, as match_list.c reads a `/file`): the NUL warning's numbers
    /// count from the start of each logical line's read (a stock quirk,
    /// kept). Lines reported by [`Event::Line`] are numbered from the
    /// start of the file either way.
    pub per_call_numbers: bool,
}

impl Options {
    /// How `release` reads; `per_call_numbers` when the caller passes no
    /// line counter.
    pub fn of(release: Release, per_call_numbers: bool) -> Options {
        Options {
            nul_warning: release >= Release::V3_9,
            per_call_numbers,
        }
    }
}

/// Postfix's readllines() loop over the whole of `data`, read from `path`
/// (for the warning texts): each logical line and each warning, in the
/// order Postfix meets them, without keeping them (Postfix 3.7 and 3.8:
/// no NUL warning).
pub fn for_each_logical_line(data: &[u8], path: &[u8], event: impl FnMut(Event<'_>)) {
    read_logical_lines(data, path, Options::default(), event)
}

/// [`for_each_logical_line`] as the release described by `opts` reads.
pub fn read_logical_lines(
    data: &[u8],
    path: &[u8],
    opts: Options,
    mut event: impl FnMut(Event<'_>),
) {
    let (mut pos, mut lineno) = (0, 0);
    // The line count when the current readllines() call began.
    let mut base = 0;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let mut first = 0;
        let mut got_null = false;
        loop {
            let start = buf.len();
            let rest = &data[pos..];
            let (line, newline) = match rest.iter().position(|&c| c == b'\n') {
                Some(i) => (&rest[..i], true),
                None => (rest, false),
            };
            pos += line.len() + usize::from(newline);
            got_null |= line.contains(&0);
            buf.extend_from_slice(line);
            if newline || buf.len() > start {
                lineno += 1;
            }
            if buf[start..]
                .iter()
                .find(|&&c| !is_space(c))
                .is_none_or(|&c| c == b'#')
            {
                buf.truncate(start);
            }
            // 3.9's readllines() also sets this for a skipped line; 3.7's
            // does not, which shows only in the NUL warning 3.7 lacks.
            if start == 0 {
                first = lineno;
            }
            if !newline {
                break;
            }
            if !buf.is_empty() && data.get(pos).is_none_or(|&c| c != b'#' && !is_space(c)) {
                break;
            }
        }
        if got_null && opts.nul_warning {
            event(Event::Warning(nul_warning(path, first, lineno, base, opts)));
        }
        if buf.first().is_some_and(|&c| is_space(c)) {
            let shown = &buf[..buf.iter().position(|&c| c == 0).unwrap_or(buf.len())];
            let more: &[u8] = if buf.len() > 30 { b"..." } else { b"" };
            event(Event::Warning(
                [
                    path,
                    b": logical line must not start with whitespace: \"",
                    &shown[..shown.len().min(30)],
                    more,
                    b"\"",
                ]
                .concat(),
            ));
            // readllines() calls itself: the same count goes on.
            continue;
        }
        if buf.is_empty() {
            return;
        }
        event(Event::Line(first, &buf));
        base = lineno;
    }
}

/// readllines()'s `PATH, line N[-M]: text after null byte may be ignored`.
fn nul_warning(path: &[u8], first: usize, last: usize, base: usize, opts: Options) -> Vec<u8> {
    let base = if opts.per_call_numbers { base } else { 0 };
    let (first, last) = (first - base, last - base);
    let lines = if first == last {
        format!("line {first}")
    } else {
        format!("line {first}-{last}")
    };
    [
        path,
        b", ",
        lines.as_bytes(),
        b": text after null byte may be ignored",
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(data: &str) -> Vec<(usize, String)> {
        logical_lines(data.as_bytes(), b"f")
            .0
            .into_iter()
            .map(|l| (l.first_line, String::from_utf8(l.text).unwrap()))
            .collect()
    }

    #[test]
    fn joins_continuations_and_skips_comments() {
        // From readlline.c's rules: continuation keeps its whitespace,
        // comments and blank lines inside a logical line vanish.
        assert_eq!(
            texts("a 1\n  b\n# c\n\n\tc\nd 2"),
            vec![(1, "a 1  b\tc".into()), (6, "d 2".into())]
        );
        assert_eq!(texts("# only\n\n   \n"), vec![]);
    }

    #[test]
    fn leading_whitespace_is_warned_and_skipped() {
        let (lines, warnings) = logical_lines(b"  x\ny 1\n", b"/t/map");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].first_line, 2);
        assert_eq!(
            warnings,
            vec![b"/t/map: logical line must not start with whitespace: \"  x\"".to_vec()]
        );
        let long = format!(" {}\n", "z".repeat(40));
        let (_, w) = logical_lines(long.as_bytes(), b"p");
        assert!(w[0].ends_with(b"zzzz...\""));
    }
}
