//! name_mask - map names to bit mask, as Postfix parses `inet_protocols`
//!
//! The part of src/util/name_mask.c that `inet_proto_init()` uses:
//! `name_mask(context, table, names)` with NAME_MASK_FATAL and the default
//! delimiters ", \t\r\n". Names are compared case-sensitively.
//!
//! DIAGNOSTICS: with msg_verbose, "name_mask: NAME" for each known name;
//! an unknown name is fatal: `unknown CONTEXT value "NAME" in "NAMES"`.

/// Postfix's NAME_MASK_DEFAULT_DELIM.
pub const DEFAULT_DELIM: &[u8] = b", \t\r\n";

/// What name_mask() did: the mask, the verbose lines it logs in order, and
/// the fatal text that ends it early, if any.
#[derive(Debug, PartialEq, Eq)]
pub struct NameMask {
    /// The bits of the names found.
    pub mask: u32,
    /// msg_verbose messages.
    pub verbose: Vec<Vec<u8>>,
    /// The fatal error text, for an unknown name.
    pub fatal: Option<Vec<u8>>,
}

/// Split `s` into tokens as Postfix's mystrtok(): runs of delimiters
/// separate tokens; empty tokens do not exist.
pub fn mystrtok<'a>(s: &'a [u8], delim: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    s.split(move |c| delim.contains(c))
        .filter(|t| !t.is_empty())
}

/// name_mask(context, table, names) with NAME_MASK_FATAL.
pub fn name_mask(context: &[u8], table: &[(&[u8], u32)], names: &[u8]) -> NameMask {
    let mut out = NameMask {
        mask: 0,
        verbose: Vec::new(),
        fatal: None,
    };
    for name in mystrtok(names, DEFAULT_DELIM) {
        match table.iter().find(|(n, _)| *n == name) {
            Some((_, bits)) => {
                out.verbose.push([b"name_mask: ", name].concat());
                out.mask |= bits;
            }
            None => {
                out.fatal = Some(
                    [
                        b"unknown ",
                        context,
                        b" value \"",
                        name,
                        b"\" in \"",
                        names,
                        b"\"",
                    ]
                    .concat(),
                );
                return out;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &[(&[u8], u32)] = &[(b"all", 3), (b"ipv6", 2), (b"ipv4", 1)];

    #[test]
    fn tokens_and_case() {
        let r = name_mask(b"ctx", T, b" ipv4,,\tipv6\r");
        assert_eq!(r.mask, 3);
        assert_eq!(
            r.verbose,
            vec![b"name_mask: ipv4".to_vec(), b"name_mask: ipv6".to_vec()]
        );
        let r = name_mask(b"ctx", T, b"ipv4 IPv6");
        assert_eq!(
            r.fatal.unwrap(),
            b"unknown ctx value \"IPv6\" in \"ipv4 IPv6\""
        );
        assert_eq!(name_mask(b"ctx", T, b"").mask, 0);
    }
}
