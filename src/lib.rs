//! pfinet - Postfix's IPv6-era address code in Rust, with Postfix's C ABI
//!
//! pfinet reimplements, under Postfix's own names, types and struct
//! layouts, the code that decides which IP protocols are on
//! (`inet_proto`), keeps address lists (`inet_addr_list`), masks
//! addresses (`mask_addr`), parses and matches CIDR patterns
//! (`cidr_match`, `match_ops`) and checks address syntax
//! (`valid_hostaddr`, `valid_mailhost_addr`). Behaviour is stock
//! Postfix's (3.7.11, 3.8.6, 3.10.13 and 3.11.6), down to the text of
//! every diagnostic.
//!
//! Layers (see ARCHITECTURE.md): each module has a safe core that
//! knows nothing of C, and an `abi` part with the Postfix-named `extern
//! "C"` functions; [`api`] is the `pfinet_*` C API that never ends the
//! process; `host` decides where diagnostics go (Postfix's msg_* with the
//! `postfix` feature, stderr otherwise); `ffi` holds the panic boundary.
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]
// Unsafe code only where its job is the boundary: the `abi` modules and
// the C API modules, ffi, host and sys (each says so with
// `#[allow(unsafe_code)]`); every unsafe block says why it is sound, and
// does one unsafe thing.
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(clippy::missing_safety_doc)]
#![deny(clippy::multiple_unsafe_ops_per_block)]
#![warn(missing_docs)]

mod addr_index;
#[allow(unsafe_code)] // the C API / boundary
pub mod api;
#[allow(unsafe_code)] // the C API / boundary
pub mod api_index;
mod cidr_file;
mod cidr_match;
#[allow(unsafe_code)] // the C API / boundary
pub mod cidr_table;
mod diag;
mod dict_cidr;
mod dict_inline;
mod fast_hash;
#[allow(unsafe_code)] // the C API / boundary
mod ffi;
#[allow(unsafe_code)] // the C API / boundary
mod handle;
#[allow(unsafe_code)] // the C API / boundary
mod host;
mod inet_addr_list;
mod inet_addr_local;
mod inet_proto;
mod inet_pton;
#[doc(hidden)]
pub mod layout;
mod lint;
mod mask_addr;
mod match_list;
mod match_ops;
mod mynetworks;
mod name_index;
mod name_mask;
mod own_inet_addr;
mod postfix_release;
mod readlline;
mod sockaddr;
#[allow(unsafe_code)] // the C API / boundary
mod sys;
#[cfg(test)]
mod test_rng;
mod valid_hostaddr;
mod valid_mailhost_addr;

/// What the integration tests (tests/), the fuzz targets (fuzz/) and the
/// `pfinet` command (src/bin/pfinet/) use of the internal modules, which
/// are not the library's API (that is the C API: `api`, `api_index`,
/// `cidr_table` and each module's Postfix-named `abi` functions). One
/// re-export module per internal module they use, under its own name.
#[doc(hidden)]
pub mod internal {
    pub mod cidr_file {
        pub use crate::cidr_file::*;
    }
    pub mod cidr_match {
        pub use crate::cidr_match::*;
    }
    pub mod diag {
        pub use crate::diag::*;
    }
    pub mod dict_cidr {
        pub use crate::dict_cidr::*;
    }
    pub mod dict_inline {
        pub use crate::dict_inline::*;
    }
    pub mod host {
        pub use crate::host::*;
    }
    pub mod inet_addr_list {
        pub use crate::inet_addr_list::*;
    }
    pub mod inet_addr_local {
        pub use crate::inet_addr_local::*;
    }
    pub mod inet_proto {
        pub use crate::inet_proto::*;
    }
    pub mod inet_pton {
        pub use crate::inet_pton::*;
    }
    pub mod lint {
        pub use crate::lint::*;
    }
    pub mod match_list {
        pub use crate::match_list::*;
    }
    pub mod mynetworks {
        pub use crate::mynetworks::*;
    }
    pub mod postfix_release {
        pub use crate::postfix_release::*;
    }
    pub mod readlline {
        pub use crate::readlline::*;
    }
    pub mod sys {
        pub use crate::sys::*;
    }
    pub mod valid_hostaddr {
        pub use crate::valid_hostaddr::*;
    }
    pub mod valid_mailhost_addr {
        pub use crate::valid_mailhost_addr::*;
    }
}
