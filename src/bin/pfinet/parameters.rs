//! The match list parameters pfinet knows, with the list type Postfix
//! gives each (namadr_list_init() or addr_match_list_init(), Postfix 3.7
//! to 3.11), for `pfinet lint --config` and `pfinet match --config`.

use crate::fatal;
use pfinet::internal::lint::ListKind;
use std::process::ExitCode;

/// Parameter, list type.
const PARAMETERS: &[(&str, ListKind)] = &[
    ("mynetworks", ListKind::NameAddress),
    ("debug_peer_list", ListKind::NameAddress),
    ("permit_mx_backup_networks", ListKind::NameAddress),
    ("qmqpd_authorized_clients", ListKind::NameAddress),
    ("smtpd_authorized_verp_clients", ListKind::NameAddress),
    ("smtpd_authorized_xclient_hosts", ListKind::NameAddress),
    ("smtpd_authorized_xforward_hosts", ListKind::NameAddress),
    ("smtpd_client_event_limit_exceptions", ListKind::NameAddress),
    (
        "smtpd_forbid_bare_newline_exclusions",
        ListKind::NameAddress,
    ),
    ("smtpd_sasl_exceptions_networks", ListKind::NameAddress),
    ("postscreen_allowlist_interfaces", ListKind::Address),
    ("postscreen_whitelist_interfaces", ListKind::Address),
];

/// The list type of parameter `name`; `Err` (after the message) for one
/// that is not a match list pfinet knows.
pub fn kind_of(name: &[u8]) -> Result<ListKind, ExitCode> {
    PARAMETERS
        .iter()
        .find(|(n, _)| n.as_bytes() == name)
        .map(|&(_, k)| k)
        .ok_or_else(|| {
            let known: Vec<&str> = PARAMETERS.iter().map(|(n, _)| *n).collect();
            fatal(
                &[
                    name,
                    b": not a match list parameter pfinet knows (",
                    known.join(", ").as_bytes(),
                    b")",
                ]
                .concat(),
            )
        })
}

/// match_parent_style(): whether parent_domain_matches_subdomains (its
/// value from DIR/main.cf as Postfix expands it) names `name`.
pub fn parent_style(dir: &std::path::Path, name: &[u8], ipv6: bool) -> bool {
    let value = match crate::main_cf::parameter(dir, b"parent_domain_matches_subdomains", ipv6) {
        Ok(v) => v,
        // Postfix's default (without postconf and not set in main.cf).
        Err(_) => DEFAULT_PARENT_STYLE.as_bytes().to_vec(),
    };
    value.split(|c| b", \t\r\n".contains(c)).any(|w| w == name)
}

/// DEF_PAR_DOM_MATCH of Postfix 3.7 to 3.11.
const DEFAULT_PARENT_STYLE: &str = "debug_peer_list,fast_flush_domains,mynetworks,\
    permit_mx_backup_networks,qmqpd_authorized_clients,relay_domains,smtpd_access_maps";
