//! cidr_file - a cidr: table compiled once, mapped by every process
//!
//! `pfinet compile TABLE` parses a `cidr:` table as dict_cidr_open() does
//! and writes `TABLE.pfinet`: the compiled table ([`crate::dict_cidr`]'s
//! arrays, as they are in memory), the warnings the parse logs, and the
//! identity of the table it was made from (device, inode, size, mtime to
//! the nanosecond, owner). In a Postfix built with pfinet, dict_cidr_open()
//! maps that file read-only instead of parsing the table when it matches
//! the table it opened (cidr_table_open_compiled()), replays the warnings,
//! and answers from the mapping: every process shares one copy in the page
//! cache, and the open costs a check of the file, not a parse.
//!
//! The check (see [`parse`]): the file is a regular file owned by the
//! table's owner and writable by no one else; its magic, byte order and
//! format version are pfinet's; its length is the one it records; a
//! checksum over all its bytes matches; the identity matches the table's
//! `stat()`; and every array is consistent ([`View::check`]: sorted
//! partitions, bucket indexes exactly as computed, every number in range).
//! A file that fails is refused with one warning naming it and the reason,
//! and the table is parsed as without it. With `msg_verbose` (which logs
//! every rule as it is parsed) or `DICT_FLAG_SRC_RHS_IS_FILE` the table is
//! always parsed. Tables holding a NUL byte are not compiled: Postfix
//! releases differ in what they log about one.
//!
//! Format (native byte order, refused elsewhere): a header of
//! [`HEADER`] bytes, then the arrays, each at a multiple of 16 bytes.

use std::hash::Hasher;

use crate::addr_index::{CidrView, Parts};
use crate::dict_cidr::View;
use crate::fast_hash::FastHasher;
use crate::sys::mmap::{Mapping, Plain, array_of, bytes_of};

/// The compiled file's name: the table's, and this.
pub const SUFFIX: &str = ".pfinet";

const MAGIC: &[u8; 8] = b"PFNTCIDR";
const BYTE_ORDER: u32 = 0x0102_0304;
/// The format version; a file of another version is refused.
pub const VERSION: u32 = 1;
/// Header bytes.
pub const HEADER: usize = 320;
/// Where the checksum is (the sum is over the file with these 8 bytes 0).
const CHECKSUM_AT: usize = 16;
const SECTIONS_AT: usize = 128;
const N_SECTIONS: usize = 10;

/// The table a compiled file was made from, as `stat()` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Source {
    /// st_dev
    pub dev: u64,
    /// st_ino
    pub ino: u64,
    /// st_size
    pub size: u64,
    /// st_mtime
    pub mtime: i64,
    /// st_mtime's nanoseconds
    pub mtime_nsec: i64,
    /// st_uid
    pub uid: u32,
}

impl From<&std::fs::Metadata> for Source {
    fn from(meta: &std::fs::Metadata) -> Source {
        use std::os::unix::fs::MetadataExt;
        Source {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: meta.mtime(),
            mtime_nsec: meta.mtime_nsec(),
            uid: meta.uid(),
        }
    }
}

/// Why a compiled file is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a compiled cidr table at all.
    NotCompiled,
    /// Written on a machine of the other byte order.
    ByteOrder,
    /// Written by a pfinet with another format.
    Version,
    /// Shorter or longer than it says.
    Truncated,
    /// The checksum or the arrays are wrong.
    Corrupt,
    /// Compiled with or without IPv6 support, unlike this program.
    Ipv6,
    /// Made from another table, or from this one before it changed.
    Stale,
}

impl Refusal {
    /// The reason, as the warning gives it.
    pub fn text(self) -> &'static str {
        match self {
            Refusal::NotCompiled => "not a compiled cidr table",
            Refusal::ByteOrder => "compiled on a machine of another byte order",
            Refusal::Version => "compiled by another version of pfinet",
            Refusal::Truncated => "truncated",
            Refusal::Corrupt => "corrupt (checksum or structure)",
            Refusal::Ipv6 => "compiled with other IPv6 support",
            Refusal::Stale => "does not match the table (changed since it was compiled?)",
        }
    }
}

/// The compiled file's bytes for table `view`, made from `source`, whose
/// parse logged `warnings` (with the map name as a NUL byte).
pub fn write(view: &View<'_>, source: &Source, warnings: &[Vec<u8>]) -> Vec<u8> {
    let warnings = warnings.join(&b'\n');
    let t = &view.table;
    let sections: [&[u8]; N_SECTIONS] = [
        bytes_of(t.v4.starts),
        bytes_of(t.v4.hits),
        bytes_of(t.v4.buckets),
        bytes_of(t.v6.starts),
        bytes_of(t.v6.hits),
        bytes_of(t.v6.buckets),
        bytes_of(view.rule_values),
        bytes_of(view.value_starts),
        view.value_text,
        &warnings,
    ];
    let counts = [
        t.v4.starts.len(),
        t.v4.hits.len(),
        t.v4.buckets.len(),
        t.v6.starts.len(),
        t.v6.hits.len(),
        t.v6.buckets.len(),
        view.rule_values.len(),
        view.value_starts.len(),
        view.value_text.len(),
        warnings.len(),
    ];
    let mut out = vec![0u8; HEADER];
    let mut table = Vec::with_capacity(N_SECTIONS);
    for (bytes, count) in sections.iter().zip(counts) {
        out.resize(out.len().next_multiple_of(16), 0);
        table.push((out.len() as u64, count as u64));
        out.extend_from_slice(bytes);
    }
    out.resize(out.len().next_multiple_of(16), 0);
    let len = out.len() as u64;
    let mut h = Header(&mut out[..HEADER]);
    h.put(0, MAGIC);
    h.put(8, &BYTE_ORDER.to_ne_bytes());
    h.put(12, &VERSION.to_ne_bytes());
    h.put(24, &len.to_ne_bytes());
    h.put(32, &source.dev.to_ne_bytes());
    h.put(40, &source.ino.to_ne_bytes());
    h.put(48, &source.size.to_ne_bytes());
    h.put(56, &source.mtime.to_ne_bytes());
    h.put(64, &source.mtime_nsec.to_ne_bytes());
    h.put(72, &source.uid.to_ne_bytes());
    h.put(76, &u32::from(t.ipv6).to_ne_bytes());
    h.put(80, &t.v4.base.to_ne_bytes());
    h.put(96, &t.v6.base.to_ne_bytes());
    h.put(112, &t.v4.shift.to_ne_bytes());
    h.put(116, &t.v6.shift.to_ne_bytes());
    for (i, (at, count)) in table.into_iter().enumerate() {
        h.put(SECTIONS_AT + 16 * i, &at.to_ne_bytes());
        h.put(SECTIONS_AT + 16 * i + 8, &count.to_ne_bytes());
    }
    reseal(&mut out);
    out
}

struct Header<'a>(&'a mut [u8]);

impl Header<'_> {
    fn put(&mut self, at: usize, b: &[u8]) {
        self.0[at..at + b.len()].copy_from_slice(b);
    }
}

/// An array of `count` items of T at byte `at` of `file`, or None when it
/// does not fit or is not aligned for T.
fn array_at<T: Plain>(file: &[u8], at: u64, count: u64) -> Option<&[T]> {
    let at = usize::try_from(at).ok()?;
    let len = usize::try_from(count)
        .ok()?
        .checked_mul(std::mem::size_of::<T>())?;
    array_of(file.get(at..at.checked_add(len)?)?)
}

/// Write the checksum of a changed file (tests and fuzzing: a file whose
/// arrays are wrong but whose checksum is right must still be refused).
pub fn reseal(file: &mut [u8]) {
    if file.len() >= HEADER {
        let sum = checksum(file);
        file[CHECKSUM_AT..CHECKSUM_AT + 8].copy_from_slice(&sum.to_ne_bytes());
    }
}

/// A fast checksum of the file, its checksum field taken as 0: four
/// multiply-rotate lanes over 8-byte words (FastHasher's mix), folded.
pub fn checksum(file: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut lanes = [1u64, 2, 3, 4];
    let word =
        |i: usize, c: &[u8]| u64::from_le_bytes(c[8 * i..8 * i + 8].try_into().expect("8 bytes"));
    let mut chunks = file.chunks_exact(32);
    for (n, c) in chunks.by_ref().enumerate() {
        for (i, lane) in lanes.iter_mut().enumerate() {
            let mut w = word(i, c);
            if n == 0 && i == CHECKSUM_AT / 8 {
                w = 0;
            }
            *lane = (lane.rotate_left(5) ^ w).wrapping_mul(K);
        }
    }
    let mut h = FastHasher::default();
    for lane in lanes {
        h.write_u64(lane);
    }
    h.write(chunks.remainder());
    h.write_u64(file.len() as u64);
    h.finish()
}

/// What a compiled file holds, once [`parse`] accepted it.
#[derive(Debug, Clone, Copy)]
pub struct Accepted<'a> {
    /// The table.
    pub view: View<'a>,
    /// The warnings to replay, joined by newlines, the map name a NUL.
    pub warnings: &'a [u8],
}

fn u32_at(f: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(f[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(f: &[u8], at: usize) -> u64 {
    u64::from_ne_bytes(f[at..at + 8].try_into().expect("8 bytes"))
}

fn u128_at(f: &[u8], at: usize) -> u128 {
    u128::from_ne_bytes(f[at..at + 16].try_into().expect("16 bytes"))
}

/// Check `file` (its bytes, 16-byte aligned) against the table it must
/// have been made from and this build's HAS_IPV6; the table it holds, or
/// why it is refused.
pub fn parse<'a>(file: &'a [u8], source: &Source, ipv6: bool) -> Result<Accepted<'a>, Refusal> {
    if file.len() < HEADER || &file[..8] != MAGIC {
        return Err(Refusal::NotCompiled);
    }
    if u32_at(file, 8) != BYTE_ORDER {
        return Err(Refusal::ByteOrder);
    }
    if u32_at(file, 12) != VERSION {
        return Err(Refusal::Version);
    }
    if u64_at(file, 24) != file.len() as u64 {
        return Err(Refusal::Truncated);
    }
    if u64_at(file, CHECKSUM_AT) != checksum(file) {
        return Err(Refusal::Corrupt);
    }
    let recorded = Source {
        dev: u64_at(file, 32),
        ino: u64_at(file, 40),
        size: u64_at(file, 48),
        mtime: u64_at(file, 56) as i64,
        mtime_nsec: u64_at(file, 64) as i64,
        uid: u32_at(file, 72),
    };
    if recorded != *source {
        return Err(Refusal::Stale);
    }
    if u32_at(file, 76) != u32::from(ipv6) {
        return Err(Refusal::Ipv6);
    }
    let Some((view, warnings)) = layout(file, ipv6) else {
        return Err(Refusal::Corrupt);
    };
    if !view.check() {
        return Err(Refusal::Corrupt);
    }
    Ok(Accepted { view, warnings })
}

/// The arrays of a file whose header [`parse`] checked: the table and the
/// stored warnings, or None when a section does not fit or is misaligned.
fn layout(file: &[u8], ipv6: bool) -> Option<(View<'_>, &[u8])> {
    let section = |i: usize| {
        (
            u64_at(file, SECTIONS_AT + 16 * i),
            u64_at(file, SECTIONS_AT + 16 * i + 8),
        )
    };
    let a32 = |i: usize| {
        let (at, n) = section(i);
        array_at::<u32>(file, at, n)
    };
    let (at, n) = section(3);
    let v6_starts = array_at::<u128>(file, at, n);
    let (at, n) = section(8);
    let value_text = array_at::<u8>(file, at, n);
    let (at, n) = section(9);
    let warnings = array_at::<u8>(file, at, n);
    let parts = (
        a32(0),
        a32(1),
        a32(2),
        v6_starts,
        a32(4),
        a32(5),
        a32(6),
        a32(7),
        value_text,
        warnings,
    );
    let (
        Some(s4),
        Some(h4),
        Some(b4),
        Some(s6),
        Some(h6),
        Some(b6),
        Some(rule_values),
        Some(value_starts),
        Some(value_text),
        Some(warnings),
    ) = parts
    else {
        return None;
    };
    let view = View {
        table: CidrView {
            v4: Parts {
                starts: s4,
                hits: h4,
                buckets: b4,
                base: u128_at(file, 80),
                shift: u32_at(file, 112),
            },
            v6: Parts {
                starts: s6,
                hits: h6,
                buckets: b6,
                base: u128_at(file, 96),
                shift: u32_at(file, 116),
            },
            ipv6,
        },
        rule_values,
        value_starts,
        value_text,
    };
    Some((view, warnings))
}

/// The warnings of an accepted file for map `mapname`, in order.
pub fn warnings(stored: &[u8], mapname: &[u8]) -> Vec<Vec<u8>> {
    if stored.is_empty() {
        return Vec::new();
    }
    stored
        .split(|&c| c == b'\n')
        .map(|w| {
            let mut out = Vec::with_capacity(w.len() + mapname.len());
            for (i, part) in w.split(|&c| c == 0).enumerate() {
                if i > 0 {
                    out.extend_from_slice(mapname);
                }
                out.extend_from_slice(part);
            }
            out
        })
        .collect()
}

/// An error's text as Postfix's %m prints it.
fn os_error(e: &std::io::Error) -> String {
    String::from_utf8_lossy(&crate::host::strerror(
        e.raw_os_error().unwrap_or(libc::EIO),
    ))
    .into_owned()
}

/// A compiled table answering from its mapped file.
pub struct MappedTable {
    /// The file, which [`parse`] accepted.
    map: Mapping,
    ipv6: bool,
}

impl std::fmt::Debug for MappedTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedTable")
            .field("bytes", &self.map.len())
            .finish()
    }
}

impl MappedTable {
    /// The table, borrowed for as long as the mapping lives.
    pub fn view(&self) -> View<'_> {
        // The mapping is read-only and parse() accepted these bytes, so
        // their layout is the one it found.
        layout(self.map.bytes(), self.ipv6)
            .expect("an accepted file keeps its layout")
            .0
    }
}

/// Why a compiled file that exists is not used: its name and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotUsed {
    /// The compiled file.
    pub path: Vec<u8>,
    /// Why.
    pub reason: String,
}

impl NotUsed {
    /// The warning: `cidr map MAP: not using FILE: REASON`.
    pub fn warning(&self, mapname: &[u8]) -> Vec<u8> {
        [
            b"cidr map ",
            mapname,
            b": not using ",
            &self.path,
            b": ",
            self.reason.as_bytes(),
        ]
        .concat()
    }
}

/// A mapped compiled table and the warnings to replay.
pub type Opened = (MappedTable, Vec<Vec<u8>>);

/// The compiled file of table `mapname` (as dict_cidr_open() got it),
/// whose `stat()` is `source`: mapped, with the warnings to replay, when
/// it exists and passes every check; `Ok(None)` when there is none.
pub fn open(mapname: &[u8], source: &Source, ipv6: bool) -> Result<Option<Opened>, NotUsed> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};

    let path = [mapname, SUFFIX.as_bytes()].concat();
    let refuse = |reason: String| NotUsed {
        path: path.clone(),
        reason,
    };
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(std::ffi::OsStr::from_bytes(&path))
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(refuse(format!("open: {}", os_error(&e)))),
    };
    let meta = file
        .metadata()
        .map_err(|e| refuse(format!("fstat: {}", os_error(&e))))?;
    if !meta.file_type().is_file() {
        return Err(refuse("not a regular file".into()));
    }
    if meta.uid() != source.uid {
        return Err(refuse(format!(
            "owned by uid {}, the table by uid {}",
            meta.uid(),
            source.uid
        )));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(refuse("writable by group or others".into()));
    }
    let len = usize::try_from(meta.len()).map_err(|_| refuse(Refusal::Truncated.text().into()))?;
    if len < HEADER {
        return Err(refuse(Refusal::NotCompiled.text().into()));
    }
    let map = Mapping::map(&file, len).map_err(|e| refuse(format!("mmap: {}", os_error(&e))))?;
    let accepted = parse(map.bytes(), source, ipv6).map_err(|r| refuse(r.text().into()))?;
    let replay = warnings(accepted.warnings, mapname);
    Ok(Some((MappedTable { map, ipv6 }, replay)))
}

/// Why a table is not compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCompiled {
    /// The table holds a NUL byte.
    Nul,
    /// More rules or result text than a compiled table holds.
    TooLarge,
}

impl NotCompiled {
    /// The reason, as `pfinet compile` gives it.
    pub fn text(self) -> &'static str {
        match self {
            NotCompiled::Nul => {
                "holds a NUL byte (Postfix releases log that differently): not compiled; Postfix parses it"
            }
            NotCompiled::TooLarge => "too many rules or too much result text",
        }
    }
}

/// `pfinet compile`: the compiled file for the table text `data`, whose
/// `stat()` is `source`, and the warnings Postfix logs when it parses the
/// table as `mapname`.
pub fn compile(
    data: &[u8],
    mapname: &[u8],
    source: &Source,
    ipv6: bool,
) -> Result<(Vec<u8>, Vec<Vec<u8>>), NotCompiled> {
    if data.contains(&0) {
        return Err(NotCompiled::Nul);
    }
    // The map name as a NUL: the warnings are kept for any name.
    let mut diag = crate::diag::Collect::default();
    let compiled =
        crate::dict_cidr::load(b"\0", data, ipv6, &mut diag).map_err(|_| NotCompiled::TooLarge)?;
    let stored: Vec<Vec<u8>> = diag.messages.into_iter().map(|(_, w)| w).collect();
    let file = write(&compiled.view(), source, &stored);
    Ok((file, warnings(&stored.join(&b'\n'), mapname)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = " 10.1.0.0/16 orphan\n10.0.0.0/8 A\n!11.0.0.0/8 B\nif 12.0.0.0/8\n12.1.0.0/16 C\n\
                         endif\n1.2.3.4/24 broken\n[2001:db8::]/32 D\n192.0.2.0/24 A\n  continued\nif 13.0.0.0/8\n";

    fn source() -> Source {
        Source {
            dev: 8,
            ino: 1234,
            size: TABLE.len() as u64,
            mtime: 1_700_000_000,
            mtime_nsec: 5,
            uid: 0,
        }
    }

    /// The file's bytes in 16-byte aligned memory, as mmap() gives them.
    fn aligned(bytes: &[u8]) -> Vec<u128> {
        bytes
            .chunks(16)
            .map(|c| {
                let mut b = [0u8; 16];
                b[..c.len()].copy_from_slice(c);
                u128::from_ne_bytes(b)
            })
            .collect()
    }

    const PROBES: [&str; 12] = [
        "10.1.2.3",
        "11.1.1.1",
        "12.1.1.1",
        "12.2.2.2",
        "1.2.3.4",
        "13.1.1.1",
        "2001:db8::1",
        "2001:db9::1",
        "192.0.2.9",
        "junk",
        "::1",
        "0.0.0.0",
    ];

    #[test]
    fn a_compiled_file_answers_and_warns_as_the_parse() {
        let parsed = crate::dict_cidr::Table::parse(
            crate::postfix_release::Release::V3_7,
            b"/m",
            TABLE.as_bytes(),
            true,
        );
        let (file, warnings) = compile(TABLE.as_bytes(), b"/m", &source(), true).unwrap();
        assert_eq!(warnings, parsed.warnings);
        // The warnings in Postfix's order: readllines() first.
        assert!(warnings[0].starts_with(b"/m: logical line must not start with whitespace"));
        assert!(
            warnings
                .last()
                .unwrap()
                .ends_with(b"line 11: IF has no matching ENDIF")
        );
        let mem = aligned(&file);
        let f = &as_bytes(&mem)[..file.len()];
        let got = parse(f, &source(), true).unwrap();
        assert_eq!(super::warnings(got.warnings, b"/m"), parsed.warnings);
        assert_answers_as(&got.view, &parsed, "");
        assert_eq!(got.view.lookup(b"10.1.2.3"), Some(&b"A\0"[..]));
    }

    /// Every probe gets the text table's result from `view`.
    fn assert_answers_as(view: &View<'_>, parsed: &crate::dict_cidr::Table, what: &str) {
        for a in PROBES {
            let want = parsed
                .lookup(a.as_bytes())
                .unwrap()
                .map(|i| parsed.rules[i].value.clone());
            let have = view.lookup(a.as_bytes()).map(|v| v[..v.len() - 1].to_vec());
            assert_eq!(have, want, "{what}: {a}");
        }
    }

    fn as_bytes(v: &[u128]) -> &[u8] {
        bytes_of(v)
    }

    #[test]
    fn a_file_for_another_table_or_machine_is_refused() {
        let (file, _) = compile(TABLE.as_bytes(), b"/m", &source(), true).unwrap();
        let mem = aligned(&file);
        let f = &as_bytes(&mem)[..file.len()];
        for change in [
            |s: &mut Source| s.size += 1,
            |s: &mut Source| s.mtime += 1,
            |s: &mut Source| s.mtime_nsec += 1,
            |s: &mut Source| s.ino += 1,
            |s: &mut Source| s.dev += 1,
            |s: &mut Source| s.uid += 1,
        ] {
            let mut other = source();
            change(&mut other);
            assert_eq!(parse(f, &other, true).unwrap_err(), Refusal::Stale);
        }
        assert_eq!(parse(f, &source(), false).unwrap_err(), Refusal::Ipv6);
        assert_eq!(
            parse(&f[..f.len() - 16], &source(), true).unwrap_err(),
            Refusal::Truncated
        );
        assert_eq!(
            parse(&f[..100], &source(), true).unwrap_err(),
            Refusal::NotCompiled
        );
        let mut swapped = f.to_vec();
        swapped[8..12].reverse();
        let m = aligned(&swapped);
        assert_eq!(
            parse(&as_bytes(&m)[..f.len()], &source(), true).unwrap_err(),
            Refusal::ByteOrder
        );
        let mut newer = f.to_vec();
        newer[12] ^= 2;
        let m = aligned(&newer);
        assert_eq!(
            parse(&as_bytes(&m)[..f.len()], &source(), true).unwrap_err(),
            Refusal::Version
        );
        assert_eq!(
            compile(b"1.2.3.4 A\0\n", b"/m", &source(), true).unwrap_err(),
            NotCompiled::Nul
        );
    }

    #[test]
    fn every_flipped_byte_is_refused_or_harmless() {
        // Each byte of a valid file flipped in turn (and each bit of the
        // header): the file is refused, never accepted with other answers.
        let parsed = crate::dict_cidr::Table::parse(
            crate::postfix_release::Release::V3_7,
            b"/m",
            TABLE.as_bytes(),
            true,
        );
        let (file, _) = compile(TABLE.as_bytes(), b"/m", &source(), true).unwrap();
        let mut refused = 0;
        for i in 0..file.len() {
            for bit in if i < HEADER { 0..8 } else { 0..1 } {
                let mut f = file.clone();
                f[i] ^= 1 << bit;
                let m = aligned(&f);
                match parse(&as_bytes(&m)[..f.len()], &source(), true) {
                    Err(_) => refused += 1,
                    Ok(got) => {
                        assert_answers_as(&got.view, &parsed, &format!("byte {i} bit {bit}"))
                    }
                }
            }
        }
        assert!(refused > file.len(), "{refused}");
    }

    #[test]
    fn resealed_files_with_wrong_arrays_are_refused_or_safe() {
        // A file made to pass the checksum: only the structure check stands
        // between its arrays and the lookups, which must not go out of
        // bounds (found by fuzz/fuzz_targets/cidr_file.rs: a hit code with
        // both flag bits set).
        let (file, _) = compile(TABLE.as_bytes(), b"/m", &source(), true).unwrap();
        let (mut accepted_changed, mut refused) = (0, 0);
        for i in HEADER..file.len() {
            for x in [0x80u8, 0x40, 0xc0, 0x01, 0xff] {
                let mut f = file.clone();
                f[i] ^= x;
                reseal(&mut f);
                let m = aligned(&f);
                match parse(&as_bytes(&m)[..f.len()], &source(), true) {
                    Ok(got) => {
                        accepted_changed += 1;
                        for a in PROBES {
                            let _ = got.view.lookup(a.as_bytes());
                        }
                    }
                    Err(_) => refused += 1,
                }
            }
        }
        // Both kinds happen: results and rule numbers can be changed into
        // other valid ones; broken partitions and indexes are refused.
        assert!(
            accepted_changed > 0 && refused > 0,
            "{accepted_changed} {refused}"
        );
    }
}
