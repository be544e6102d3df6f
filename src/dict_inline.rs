//! dict_inline - the `inline:{ key=value, ... }` table's text
//!
//! Postfix's dict_inline_open() (src/util/dict_inline.c) reads its name as
//! `{` pairs `}`: pairs separated by commas or white space, each
//! `key=value` or, to hold either, `{ key = value }` (braces stripped,
//! white space around key and value trimmed). For match lists Postfix
//! opens it with DICT_FLAG_FOLD_FIX: keys are case-folded, and a lookup is
//! an exact string match. [`inline_pairs`] gives the pairs, for `pfinet
//! lint` (checked in place) and `pfinet match --config` (looked up in
//! place). No C function; a malformed pair is left out (Postfix refuses
//! the table at open: not pfinet's question here).

use crate::match_list::mystrtokq;

/// The `key=value` pairs of an `inline:` table's name (after `inline:`),
/// keys case-folded.
pub fn inline_pairs(name: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let inner = name
        .trim_ascii()
        .strip_prefix(b"{")
        .and_then(|b| b.strip_suffix(b"}"))
        .unwrap_or(name);
    let mut pairs = Vec::new();
    let mut rest = inner;
    while let Some(token) = mystrtokq(&mut rest) {
        let token = token
            .strip_prefix(b"{")
            .and_then(|t| t.strip_suffix(b"}"))
            .unwrap_or(token);
        if let Some(eq) = token.iter().position(|&c| c == b'=') {
            pairs.push((
                token[..eq].trim_ascii().to_ascii_lowercase(),
                token[eq + 1..].trim_ascii().to_vec(),
            ));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_with_and_without_braces() {
        let p = inline_pairs(b"{ 203.0.113.5=OK, { Mail.Example.com = OK x }, junk }");
        assert_eq!(
            p,
            vec![
                (b"203.0.113.5".to_vec(), b"OK".to_vec()),
                (b"mail.example.com".to_vec(), b"OK x".to_vec()),
            ]
        );
    }
}
