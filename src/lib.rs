//! pfinet - Postfix's IPv6-era address code in Rust, with Postfix's C ABI
//!
//! pfinet reimplements, under Postfix's own names, types and struct
//! layouts, the code that decides which IP protocols are on
//! ([`inet_proto`]), keeps address lists ([`inet_addr_list`]), masks
//! addresses ([`mask_addr`]), parses and matches CIDR patterns
//! ([`cidr_match`], [`match_ops`]) and checks address syntax
//! ([`valid_hostaddr`], [`valid_mailhost_addr`]). Behaviour is stock
//! Postfix 3.7.11/3.10.13's, down to the text of every diagnostic.
//!
//! Layers (see the project's design): each module has a safe core that
//! knows nothing of C, and an `abi` part with the Postfix-named `extern
//! "C"` functions; [`api`] is the `pfinet_*` C API that never ends the
//! process; [`host`] decides where diagnostics go (Postfix's msg_* with the
//! `postfix` feature, stderr otherwise); [`ffi`] holds the panic boundary.
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod addr_index;
pub mod api;
pub mod api_index;
pub mod cidr_file;
pub mod cidr_match;
pub mod diag;
pub mod dict_cidr;
pub mod fast_hash;
pub mod ffi;
pub mod host;
pub mod inet_addr_list;
pub mod inet_addr_local;
pub mod inet_proto;
pub mod inet_pton;
#[doc(hidden)]
pub mod layout;
pub mod mask_addr;
pub mod match_list;
pub mod match_ops;
pub mod mynetworks;
pub mod name_index;
pub mod name_mask;
#[cfg(target_os = "linux")]
pub mod netlink;
pub mod own_inet_addr;
pub mod readlline;
pub mod sys;
#[cfg(test)]
mod test_rng;
pub mod valid_hostaddr;
pub mod valid_mailhost_addr;
