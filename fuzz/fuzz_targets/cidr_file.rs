//! The compiled cidr table loader (pfinet::internal::cidr_file::parse): bytes of a
//! valid compiled file, mutated, must never crash it, and a file it
//! accepts must answer every lookup as the text table does.
//!
//! Input: byte 0 picks one of the tables below (bits 0-1) and whether the
//! checksum is rewritten after the flips (bit 7); then triples (offset low,
//! offset high, xor) each flip bits of one byte of that table's compiled
//! file (offsets past the end cut the file there instead). The file is
//! checked against the table's own identity. With the checksum as the
//! file has it, the lookups of ADDRESSES in an accepted file are compared
//! with the text table's; with a rewritten checksum (a file made to pass
//! it, whose arrays only the structure check stands between), lookups must
//! not crash.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pfinet::internal::cidr_file::{Source, compile, parse, reseal};
use pfinet::internal::dict_cidr::Table;
use pfinet::internal::postfix_release::Release;

const TABLES: [&str; 4] = [
    "10.0.0.0/8 A\n10.1.0.0/16 B\n192.0.2.0/24 C\n[2001:db8::]/32 D\n",
    "!11.0.0.0/8 not-eleven\nif 12.0.0.0/8\n12.1.0.0/16 twelve-one\nendif\n1.2.3.4/24 bad\n0.0.0.0/0 any\n",
    " orphan\n10.0.0.0/8 A\n  continued\nif ::/0\n[2001:db8::]/48 v6\nif 13.0.0.0/8\n",
    "1.1.1.1 a\n1.1.1.2 b\n1.1.1.3 a\n1.1.1.4 c\n1.1.1.5 a\n1.1.1.6 b\n1.1.1.7 a\n1.1.1.8 d\n1.1.1.9 e\n1.1.1.10 f\n",
];

const ADDRESSES: [&str; 16] = [
    "10.1.2.3",
    "10.2.0.1",
    "11.1.1.1",
    "12.1.1.1",
    "12.2.2.2",
    "1.2.3.4",
    "13.1.1.1",
    "192.0.2.9",
    "2001:db8::1",
    "2001:db8:1::1",
    "2001:db9::1",
    "junk",
    "::1",
    "1.1.1.5",
    "1.1.1.9",
    "0.0.0.0",
];

const SOURCE: Source = Source {
    dev: 1,
    ino: 2,
    size: 3,
    mtime: 4,
    mtime_nsec: 5,
    uid: 6,
};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, flips)) = data.split_first() else {
        return;
    };
    let text = TABLES[usize::from(pick & 3)];
    let resealed = pick & 0x80 != 0;
    let (mut file, _) = compile(text.as_bytes(), b"/m", &SOURCE, true).expect("compiles");
    for f in flips.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([f[0], f[1]]));
        if at < file.len() {
            file[at] ^= f[2];
        } else if f[2] & 1 == 1 {
            file.truncate(at % (file.len() + 1));
        }
    }
    if resealed {
        reseal(&mut file);
    }
    // In 16-byte aligned memory, as mmap() gives it.
    let mut mem = vec![0u128; file.len().div_ceil(16)];
    // SAFETY: u8 has no alignment or validity requirement; mem covers it.
    let bytes =
        unsafe { std::slice::from_raw_parts_mut(mem.as_mut_ptr().cast::<u8>(), file.len()) };
    bytes.copy_from_slice(&file);
    let Ok(accepted) = parse(bytes, &SOURCE, true) else {
        return;
    };
    if resealed {
        for a in ADDRESSES {
            let _ = accepted.view.lookup(a.as_bytes());
        }
        return;
    }
    let table = Table::parse(Release::V3_7, b"/m", text.as_bytes(), true);
    for a in ADDRESSES {
        let want = table
            .lookup(a.as_bytes())
            .unwrap()
            .map(|i| table.rules[i].value.clone());
        let have = accepted
            .view
            .lookup(a.as_bytes())
            .map(|v| v[..v.len() - 1].to_vec());
        assert_eq!(have, want, "{a}");
    }
});
