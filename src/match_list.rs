//! match_list - an address match list, entry by entry
//!
//! Postfix's address match lists (`mynetworks`, `smtpd_client_restrictions`'s
//! lists, `debug_peer_list`...: addr_match_list(3), built on match_list(3)
//! with match_hostaddr()) are patterns separated by commas or white space,
//! each optionally negated by `!` (an odd count negates); the first pattern
//! that matches decides: a match for a positive pattern, no match for a
//! negated one; when none matches, the answer is no match. A `/file/name`
//! pattern stands for the patterns in that file (lines starting with `#`
//! skipped; `!/file` negates each of them); `type:table` patterns are
//! table lookups. Patterns and the address are case-folded.
//!
//! [`MatchList::parse`] keeps each pattern with where it came from (its
//! index, its text, the file and line), and [`MatchList::evaluate`] says
//! which one decided (through [`crate::addr_index::MatchList`]), which
//! Postfix does not report. pfinet does not open
//! tables: a `type:table` entry is listed in [`Evaluation::not_evaluated`]
//! and treated as not matching.
//!
//! DIAGNOSTICS: error `open file FILE: ERROR` for a `/file` that cannot
//! be opened; warnings `PNAME: comment at end of line is not supported:
//! TEXT REST` (the rest of the list is ignored), `PNAME: WHY` for a
//! malformed net/mask pattern (the evaluation stops with an error, as with
//! Postfix's MATCH_FLAG_RETURN), `non-existent:FILE is unavailable. open
//! file FILE: ERROR` and `PNAME: non-existent:FILE: table lookup problem`
//! for a `/file` that cannot be opened; fatal: `PNAME: no pattern after
//! '!'`, `open dictionary: expecting "type:name" form instead of "TEXT"`
//! (a bare IPv6 address such as `::1` is a table name to Postfix).

use crate::addr_index::{MatchList as AddrIndex, Step};
use crate::match_ops::{is_address_text, is_dictionary};
use crate::name_index::NamadrList;
use crate::postfix_release::Release;
use crate::readlline::{self, Event};
use std::borrow::Cow;

/// Postfix's CHARS_COMMA_SP: the list separators.
const SEPARATORS: &[u8] = b", \t\r\n";

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind<'a> {
    /// An address or net/mask pattern ([`Entry::pattern`], case-folded).
    Address,
    /// A `type:table` lookup ([`Entry::pattern`]; not evaluated by pfinet).
    Table,
    /// A `/file` ([`Entry::pattern`]) that could not be opened: every
    /// lookup fails, with the reason (`open file FILE: ERROR`).
    MissingFile {
        /// Why it could not be opened.
        reason: &'a [u8],
    },
}

/// One pattern of the list, as [`MatchList::entry`] shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The pattern with its `!`s as Postfix keeps it: an address pattern
    /// case-folded, anything else as written.
    pub text: &'a [u8],
    /// The pattern as written, when folding changed it.
    pub written: Option<&'a [u8]>,
    /// False when negated.
    pub positive: bool,
    /// What it is.
    pub kind: Kind<'a>,
    /// The file and line (from 1) it was read from, for `/file` patterns.
    pub source: Option<(&'a [u8], usize)>,
}

impl<'a> Entry<'a> {
    /// The pattern after its `!`s (a file or table name, or the address
    /// pattern, case-folded).
    pub fn pattern(&self) -> &'a [u8] {
        let bangs = self.text.iter().take_while(|&&c| c == b'!').count();
        &self.text[bangs..]
    }

    /// The pattern as written, with its `!`s.
    pub fn as_written(&self) -> &'a [u8] {
        self.written.unwrap_or(self.text)
    }
}

/// An entry as the list stores it (32 bytes: lists of a million entries
/// are linted): its text in [`MatchList`]'s one buffer, followed by the
/// text as written when folding changed it (folding keeps the length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stored {
    start: usize,
    len: usize,
    /// The index of its file's name, or [`NO_FILE`].
    file: u32,
    /// Its line in that file (from 1; saturated at u32::MAX).
    line: u32,
    kind: StoredKind,
    positive: bool,
    folded: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoredKind {
    Address,
    Table,
    /// Its reason is in [`MatchList`]'s `reasons`, under its index.
    MissingFile,
}

/// A [`Stored`] entry read from the list itself, not from a `/file`.
const NO_FILE: u32 = u32::MAX;

/// A parsed list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchList {
    /// Postfix's `pname`: the parameter name its messages start with.
    pub pname: Vec<u8>,
    /// Messages from parsing, in order.
    pub messages: Vec<(Severity, Vec<u8>)>,
    /// The release whose parsing this is.
    pub release: Release,
    /// The patterns, in order (files expanded in place).
    stored: Vec<Stored>,
    /// Their texts, one after the other.
    text: Vec<u8>,
    /// The `/file` names entries were read from.
    files: Vec<Box<[u8]>>,
    /// Why each missing `/file` could not be opened, by entry index (in
    /// entry order).
    reasons: Vec<(usize, Box<[u8]>)>,
}

/// How Postfix logs a message: msg_warn() or msg_error().
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// `warning:`
    Warning,
    /// `error:` (Postfix goes on, but counts it)
    Error,
}

/// What [`MatchList::evaluate`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evaluation {
    /// The index of the entry that decided, if one did (on an error: the
    /// entry that failed).
    pub decided_by: Option<usize>,
    /// Postfix's answer: true for a match.
    pub matched: bool,
    /// An error stopped the evaluation (Postfix: `list->error` set).
    pub error: bool,
    /// Warnings Postfix logs during the match.
    pub warnings: Vec<Vec<u8>>,
    /// `type:table` entries before the decision that pfinet took as not
    /// matching without looking them up.
    pub not_evaluated: Vec<usize>,
    /// When a table entry decided: what in the table did (`line 12: ...`).
    pub table_detail: Option<Vec<u8>>,
}

/// mystrtokq(): the next token not split inside balanced braces, and the
/// rest after its delimiter.
pub(crate) fn mystrtokq<'a>(s: &mut &'a [u8]) -> Option<&'a [u8]> {
    let Some(start) = s.iter().position(|c| !SEPARATORS.contains(c)) else {
        *s = &s[s.len()..];
        return None;
    };
    let t = &s[start..];
    let mut level = 0;
    for (i, &c) in t.iter().enumerate() {
        if c == b'{' {
            level += 1;
        } else if level > 0 && c == b'}' {
            level -= 1;
        } else if level == 0 && SEPARATORS.contains(&c) {
            *s = &t[i + 1..];
            return Some(&t[..i]);
        }
    }
    *s = &t[t.len()..];
    Some(t)
}

/// Reads a `/file` pattern's file: its bytes, or the errno.
pub type ReadFile<'a> = dyn FnMut(&[u8]) -> Result<Vec<u8>, i32> + 'a;

impl MatchList {
    /// match_list_init() of Postfix `release` for an address list named
    /// `pname` (Postfix's parameter name). `Err` holds the fatal text.
    pub fn parse(
        release: Release,
        pname: &[u8],
        list: &[u8],
        read_file: &mut ReadFile,
    ) -> Result<MatchList, Vec<u8>> {
        let mut l = MatchList {
            pname: pname.to_vec(),
            release,
            ..MatchList::default()
        };
        l.parse_into(list, true, (NO_FILE, 0), read_file)?;
        // Kept as long as the list: no room to grow.
        l.text.shrink_to_fit();
        l.stored.shrink_to_fit();
        Ok(l)
    }

    /// How many entries the list has.
    pub fn len(&self) -> usize {
        self.stored.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.stored.is_empty()
    }

    /// Entry `i` (panics when there is no such entry, as a slice does).
    pub fn entry(&self, i: usize) -> Entry<'_> {
        let s = &self.stored[i];
        let text = &self.text[s.start..s.start + s.len];
        let written = s
            .folded
            .then(|| &self.text[s.start + s.len..s.start + 2 * s.len]);
        let kind = match s.kind {
            StoredKind::Address => Kind::Address,
            StoredKind::Table => Kind::Table,
            StoredKind::MissingFile => {
                let at = self.reasons.partition_point(|r| r.0 < i);
                Kind::MissingFile {
                    reason: self.reasons.get(at).map_or(&[][..], |r| &r.1),
                }
            }
        };
        let source = (s.file != NO_FILE).then(|| (&*self.files[s.file as usize], s.line as usize));
        Entry {
            text,
            written,
            positive: s.positive,
            kind,
            source,
        }
    }

    /// Entry `i` as Postfix's list holds it: its pattern after one `!`
    /// when negated, or, for a `/file` that could not be opened, Postfix's
    /// surrogate table; borrowed where it can be.
    pub fn held(&self, i: usize) -> Cow<'_, [u8]> {
        let e = self.entry(i);
        match (e.kind, e.positive) {
            (Kind::Address | Kind::Table, true) => Cow::Borrowed(e.pattern()),
            // One `!`: the text is the pattern as the list holds it.
            (Kind::Address | Kind::Table, false) if e.text.len() == e.pattern().len() + 1 => {
                Cow::Borrowed(e.text)
            }
            (Kind::Address | Kind::Table, false) => Cow::Owned([b"!", e.pattern()].concat()),
            (Kind::MissingFile { .. }, _) => Cow::Owned([b"non-existent:", e.pattern()].concat()),
        }
    }

    /// The entries, in order.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = Entry<'_>> + Clone + '_ {
        (0..self.len()).map(|i| self.entry(i))
    }

    /// Stores a pattern as `written`, case-folded when `fold`.
    fn push(
        &mut self,
        written: &[u8],
        fold: bool,
        kind: StoredKind,
        positive: bool,
        at: (u32, u32),
    ) {
        let start = self.text.len();
        self.text.extend_from_slice(written);
        let mut folded = false;
        if fold {
            self.text[start..].make_ascii_lowercase();
            folded = self.text[start..] != *written;
            if folded {
                self.text.extend_from_slice(written);
            }
        }
        self.stored.push(Stored {
            start,
            len: written.len(),
            file: at.0,
            line: at.1,
            kind,
            positive,
            folded,
        });
    }

    fn parse_into(
        &mut self,
        text: &[u8],
        init_match: bool,
        source: (u32, u32),
        read_file: &mut ReadFile,
    ) -> Result<(), Vec<u8>> {
        let mut bp = &text[..text.iter().position(|&c| c == 0).unwrap_or(text.len())];
        while let Some(start) = mystrtokq(&mut bp) {
            if start[0] == b'#' {
                let warning = if self.release == Release::V3_7 {
                    [
                        &self.pname,
                        b": comment at end of line is not supported: ".as_slice(),
                        start,
                        b" ",
                        bp,
                    ]
                    .concat()
                } else {
                    [
                        &self.pname,
                        b": #comment after other text is not allowed: ".as_slice(),
                        start,
                        b" ",
                        &bp[..bp.len().min(20)],
                        b"...",
                    ]
                    .concat()
                };
                self.messages.push((Severity::Warning, warning));
                break;
            }
            let bangs = start.iter().take_while(|&&c| c == b'!').count();
            let positive = init_match == (bangs % 2 == 0);
            let item = &start[bangs..];
            if item.is_empty() {
                return Err([&self.pname, b": no pattern after '!'".as_slice()].concat());
            }
            if item[0] == b'/' {
                match read_file(item) {
                    Err(errno) => {
                        let reason =
                            [b"open file ", item, b": ", &crate::host::strerror(errno)].concat();
                        self.messages.push((Severity::Error, reason.clone()));
                        // Postfix's surrogate table replaces the pattern, negation and all.
                        self.reasons.push((self.len(), reason.into()));
                        self.push(start, false, StoredKind::MissingFile, true, source);
                    }
                    Ok(data) => self.parse_file(item, &data, positive, read_file)?,
                }
            } else if is_dictionary(item) {
                // dict_open()'s check, made when Postfix opens the table.
                let colon = item.iter().position(|&c| c == b':').unwrap_or(0);
                if colon == 0 || colon + 1 == item.len() {
                    return Err([
                        b"open dictionary: expecting \"type:name\" form instead of \"".as_slice(),
                        item,
                        b"\"",
                    ]
                    .concat());
                }
                self.push(start, false, StoredKind::Table, positive, source);
            } else {
                self.push(start, true, StoredKind::Address, positive, source);
            }
        }
        Ok(())
    }

    /// The patterns of `/file` `path`, whose text is `data`, read as the
    /// release reads them.
    fn parse_file(
        &mut self,
        path: &[u8],
        data: &[u8],
        positive: bool,
        read_file: &mut ReadFile,
    ) -> Result<(), Vec<u8>> {
        // More than u32::MAX - 1 files would take a list of more than
        // 8 GB: the index saturates rather than wraps.
        let file = u32::try_from(self.files.len()).unwrap_or(NO_FILE - 1);
        self.files.push(path.into());
        let at = |n: usize| (file, u32::try_from(n).unwrap_or(u32::MAX));
        if self.release == Release::V3_7 {
            for (n, line) in data.split_inclusive(|&c| c == b'\n').enumerate() {
                if line.first() != Some(&b'#') {
                    self.parse_into(line, positive, at(n + 1), read_file)?;
                }
            }
            return Ok(());
        }
        // Postfix reads a logical line, parses it, reads the next: a fatal
        // parse ends it all, so nothing after it counts (not even a
        // warning about a later line).
        let mut fatal = None;
        // match_list.c calls readlline(buf, fp, 0): no line counter.
        let opts = readlline::Options::of(self.release, true);
        readlline::read_logical_lines(data, path, opts, |e| {
            if fatal.is_some() {
                return;
            }
            match e {
                Event::Line(n, text) => {
                    if let Err(f) = self.parse_into(text, positive, at(n), read_file) {
                        fatal = Some(f);
                    }
                }
                Event::Warning(w) => self.messages.push((Severity::Warning, w)),
            }
        });
        fatal.map_or(Ok(()), Err)
    }

    /// match_list_match() with match_hostaddr() for `addr`: which entry
    /// decided, and Postfix's answer. `type:table` entries are not looked
    /// up (listed in [`Evaluation::not_evaluated`]).
    pub fn evaluate(&self, addr: &[u8], ipv6: bool) -> Evaluation {
        self.evaluate_with(None, addr, ipv6, &mut |_, _| TableAnswer::NotEvaluated)
    }

    /// The same, as a namadr list when `client` gives the host name and
    /// MATCH_FLAG_PARENT (match_hostname() before match_hostaddr() for each
    /// pattern), with `table(entry, TYPE:NAME)` answering for `type:table`
    /// entries.
    pub fn evaluate_with(
        &self,
        client: Option<(&[u8], bool)>,
        addr: &[u8],
        ipv6: bool,
        table: &mut dyn FnMut(usize, &[u8]) -> TableAnswer,
    ) -> Evaluation {
        let addr = addr.to_ascii_lowercase();
        let name = client.map(|(n, parent)| (n.to_ascii_lowercase(), parent));
        let mut ev = Evaluation::default();
        // match_hostaddr() looks at nothing for a non-address (a namadr
        // list still compares the name).
        if (name.is_none() && !is_address_text(&addr)) || self.is_empty() {
            return ev;
        }
        // The patterns as Postfix's list holds them; a missing /file is
        // Postfix's surrogate table.
        let patterns: Vec<Cow<'_, [u8]>> = (0..self.len()).map(|i| self.held(i)).collect();
        let index = match &name {
            None => AddrIndex::new(&patterns, ipv6).map(Index::Addr),
            Some((_, parent)) => NamadrList::new(&patterns, *parent, ipv6).map(Index::Namadr),
        };
        let Some(index) = index else {
            ev.error = true;
            ev.warnings
                .push([&self.pname, b": too many patterns".as_slice()].concat());
            return ev;
        };
        let mut from = 0;
        loop {
            let step = match (&index, &name) {
                (Index::Addr(a), _) => a.lookup(&addr, from),
                (Index::Namadr(n), Some((host, _))) => n.lookup(host, &addr, from),
                (Index::Namadr(_), None) => Step::NoMatch,
            };
            match step {
                Step::NoMatch => return ev,
                Step::Match { entry, negated } => {
                    ev.decided_by = Some(entry);
                    ev.matched = !negated;
                    return ev;
                }
                Step::Error { entry, text } => {
                    ev.warnings
                        .push([&self.pname, b": ".as_slice(), &text].concat());
                    ev.decided_by = Some(entry);
                    ev.error = true;
                    return ev;
                }
                Step::Dictionary { entry, next } => {
                    let e = self.entry(entry);
                    let answer = match e.kind {
                        Kind::MissingFile { reason } => {
                            let t = &*patterns[entry];
                            TableAnswer::Failed(
                                [t, b" is unavailable. ".as_slice(), reason].concat(),
                            )
                        }
                        Kind::Table => table(entry, e.pattern()),
                        Kind::Address => TableAnswer::NotEvaluated,
                    };
                    match answer {
                        TableAnswer::Found(detail) => {
                            ev.decided_by = Some(entry);
                            ev.matched = e.positive;
                            ev.table_detail = detail;
                            return ev;
                        }
                        TableAnswer::NotFound => {}
                        TableAnswer::NotEvaluated => ev.not_evaluated.push(entry),
                        TableAnswer::Failed(why) => {
                            let t = match e.kind {
                                Kind::Table => e.pattern().to_vec(),
                                _ => patterns[entry].to_vec(),
                            };
                            ev.warnings.push(why);
                            let problem = [&t, b": table lookup problem".as_slice()].concat();
                            ev.warnings
                                .push([&self.pname, b": ".as_slice(), &problem].concat());
                            ev.decided_by = Some(entry);
                            ev.error = true;
                            return ev;
                        }
                    }
                    from = next;
                }
            }
        }
    }
}

/// A compiled list: addresses only, or host names and addresses.
enum Index {
    Addr(AddrIndex),
    Namadr(NamadrList),
}

/// What a `type:table` entry answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableAnswer {
    /// The table has the name or address: the entry decides; what in the
    /// table did, if known.
    Found(Option<Vec<u8>>),
    /// Not in the table: the walk goes on.
    NotFound,
    /// The lookup failed: the walk stops with an error (the reason).
    Failed(Vec<u8>),
    /// Not looked up: taken as not found, and listed.
    NotEvaluated,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(text: &str) -> MatchList {
        let mut no_files = |_: &[u8]| Err(libc::ENOENT);
        MatchList::parse(Release::V3_7, b"mynetworks", text.as_bytes(), &mut no_files).unwrap()
    }

    #[test]
    fn first_match_decides_and_negation_flips() {
        // From match_list(3): first match wins; "!" negates.
        let l = list("127.0.0.0/8, !192.0.2.0/25 192.0.2.0/24 [2001:DB8::]/32");
        let ev = |a: &str| {
            let e = l.evaluate(a.as_bytes(), true);
            (e.decided_by, e.matched, e.error)
        };
        assert_eq!(ev("127.0.0.1"), (Some(0), true, false));
        assert_eq!(ev("192.0.2.1"), (Some(1), false, false));
        assert_eq!(ev("192.0.2.200"), (Some(2), true, false));
        assert_eq!(ev("2001:db8::1"), (Some(3), true, false));
        assert_eq!(ev("2001:DB8::1"), (Some(3), true, false));
        assert_eq!(ev("10.0.0.1"), (None, false, false));
        assert_eq!(l.entry(1).text, b"!192.0.2.0/25");
    }

    #[test]
    fn errors_stop_the_walk() {
        let l = list("10.0.0.0/33 127.0.0.1");
        let e = l.evaluate(b"127.0.0.1", true);
        assert!(e.error && !e.matched);
        assert_eq!(e.decided_by, Some(0));
        assert_eq!(
            e.warnings,
            vec![b"mynetworks: bad mask length in \"10.0.0.0/33\"".to_vec()]
        );
    }

    #[test]
    fn comments_tables_files_and_fatal() {
        let l = list("1.2.3.4 #x y, z");
        assert_eq!(l.len(), 1);
        assert_eq!(
            l.messages,
            vec![(
                Severity::Warning,
                b"mynetworks: comment at end of line is not supported: #x y, z".to_vec()
            )]
        );
        let l = list("hash:/etc/x !{ a, b } 10.0.0.1");
        assert_eq!(l.len(), 3);
        assert_eq!(l.entry(0).kind, Kind::Table);
        assert_eq!(l.entry(0).pattern(), b"hash:/etc/x");
        assert_eq!(l.entry(1).kind, Kind::Address);
        assert_eq!(l.entry(1).pattern(), b"{ a, b }");
        let e = l.evaluate(b"10.0.0.1", true);
        assert_eq!((e.decided_by, e.not_evaluated), (Some(2), vec![0]));
        let mut files = |p: &[u8]| {
            assert_eq!(p, b"/f");
            Ok(b"# c\n10.0.0.1 !10.0.0.2\n\n10.0.0.3\n".to_vec())
        };
        let l = MatchList::parse(Release::V3_7, b"p", b"!/f", &mut files).unwrap();
        let got: Vec<_> = l
            .entries()
            .map(|e| (e.positive, e.source.unwrap().1))
            .collect();
        assert_eq!(got, vec![(false, 2), (true, 2), (false, 4)]);
        let mut none = |_: &[u8]| Err(libc::ENOENT);
        assert_eq!(
            MatchList::parse(Release::V3_7, b"p", b"1.2.3.4 !!", &mut none).unwrap_err(),
            b"p: no pattern after '!'"
        );
        assert_eq!(
            MatchList::parse(Release::V3_7, b"p", b"::1", &mut none).unwrap_err(),
            b"open dictionary: expecting \"type:name\" form instead of \"::1\""
        );
    }

    #[test]
    fn entries_keep_their_written_form_reason_and_source() {
        // Postfix folds address patterns; the text as written is kept for
        // the findings. A /file that cannot be opened is Postfix's
        // surrogate table: positive, whatever its `!`s.
        let mut files = |p: &[u8]| match p {
            b"/f" => Ok(b"[2001:DB8::]/32\n".to_vec()),
            _ => Err(libc::ENOENT),
        };
        let text = b"!/missing 10.0.0.1 !Hash:/X /f";
        let l = MatchList::parse(Release::V3_9, b"p", text, &mut files).unwrap();
        assert_eq!(l.len(), 4);
        let e = l.entry(0);
        assert_eq!(
            (e.text, e.positive, e.written),
            (&b"!/missing"[..], true, None)
        );
        assert_eq!(
            e.kind,
            Kind::MissingFile {
                reason: b"open file /missing: No such file or directory"
            }
        );
        assert_eq!(
            (l.entry(1).text, l.entry(1).written),
            (&b"10.0.0.1"[..], None)
        );
        let t = l.entry(2);
        assert_eq!(
            (t.kind, t.text, t.positive),
            (Kind::Table, &b"!Hash:/X"[..], false)
        );
        let f = l.entry(3);
        assert_eq!(f.text, b"[2001:db8::]/32");
        assert_eq!(f.as_written(), b"[2001:DB8::]/32");
        assert_eq!(f.source, Some((&b"/f"[..], 1)));
        assert_eq!(l.entries().filter(|e| e.source.is_none()).count(), 3);
    }

    #[test]
    fn releases_of_versions() {
        let r = |v: &str| Release::of_version(v.as_bytes());
        assert_eq!(r("3.7.11"), Some(Release::V3_7));
        assert_eq!(r("3.6.4"), Some(Release::V3_7));
        assert_eq!(r("2.11.0"), Some(Release::V3_7));
        assert_eq!(r("3.8.6"), Some(Release::V3_8));
        assert_eq!(r("3.9.0"), Some(Release::V3_9));
        assert_eq!(r("3.10.13"), Some(Release::V3_9));
        assert_eq!(r("3.11-20260101"), Some(Release::V3_9));
        assert_eq!(r("4.0"), Some(Release::V3_9));
        assert_eq!(r("3"), None);
        assert_eq!(r("x.y"), None);
    }

    #[test]
    fn comment_texts_and_files_by_release() {
        // mystrtokq_cw() (3.8): "%s: #comment after other text is not
        // allowed: %s %.20s..."; 3.7: "%s: comment at end of line is not
        // supported: %s %s".
        let parse = |r, text: &[u8], data: &[u8]| {
            let data = data.to_vec();
            let mut files = move |_: &[u8]| Ok(data.clone());
            MatchList::parse(r, b"p", text, &mut files).unwrap()
        };
        let long = b"1.2.3.4 #c 0123456789abcdefghijklmnop";
        let msg = |l: MatchList| l.messages[0].1.clone();
        assert_eq!(
            msg(parse(Release::V3_8, long, b"")),
            b"p: #comment after other text is not allowed: #c 0123456789abcdefghij..."
        );
        assert_eq!(
            msg(parse(Release::V3_7, long, b"")),
            b"p: comment at end of line is not supported: #c 0123456789abcdefghijklmnop"
        );
        // A /file: 3.8 joins "  2.2.2.2" to the line before and skips the
        // indented comment; 3.7 reads "  # x" as a comment token.
        let data = b"1.1.1.1\n  2.2.2.2\n  # x\n3.3.3.3\n";
        let l = parse(Release::V3_8, b"/f", data);
        assert!(l.messages.is_empty(), "{:?}", l.messages);
        let lines: Vec<_> = l.entries().map(|e| e.source.unwrap().1).collect();
        assert_eq!(lines, vec![1, 1, 4]);
        let l = parse(Release::V3_7, b"/f", data);
        assert_eq!(l.len(), 3);
        assert_eq!(
            msg(l),
            b"p: comment at end of line is not supported: # x\n".to_vec()
        );
        // 3.9 warns about a NUL byte, counting lines from where each
        // logical line's read began (readlline() passes no counter): the
        // first read takes "1.1.1.1" and "# c"; the second, lines 1-2 of
        // its own count, "2.2.2.2\0x" and its continuation.
        let data = b"1.1.1.1\n# c\n2.2.2.2\x00x\n  3.3.3.3\n";
        assert!(parse(Release::V3_8, b"/f", data).messages.is_empty());
        assert_eq!(
            parse(Release::V3_9, b"/f", data).messages,
            vec![(
                Severity::Warning,
                b"/f, line 1-2: text after null byte may be ignored".to_vec()
            )]
        );
    }
}
