//! inet_proto_init()'s parser: the inet_protocols value (names such as
//! "all", "ipv4", "ipv6" between commas and white space, any case).
//!
//! Input: the value (up to a NUL). An unknown name is fatal in Postfix
//! (msg_fatal() ends the process), so an input that pfinet's own core
//! (inet_proto::inet_proto(), which returns the fatal text instead of
//! exiting) says is fatal runs on each side in a child process, compared by
//! messages, results and exit status; every other input runs in process,
//! where a fatal message from either side is a failure. Compared: the
//! INET_PROTO_INFO vectors, that the result is inet_proto_table, every
//! message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pfinet::internal::inet_proto::abi as pf;
use pfinet_fuzz::{INET_PROTO_INFO, Side, c_text, check, in_child, side, stock::*};

const CONTEXT: &std::ffi::CStr = c"inet_protocols";

/// A zero-terminated vector as text.
///
/// # Safety
/// `p` points to a zero-terminated array.
unsafe fn vector<T: Copy + Default + PartialEq + std::fmt::Display>(mut p: *const T) -> String {
    let mut out = Vec::new();
    // SAFETY: the caller vouches for the terminating zero.
    unsafe {
        while *p != T::default() {
            out.push((*p).to_string());
            p = p.add(1);
        }
    }
    out.join(" ")
}

/// What inet_proto_init() returned, as text.
///
/// # Safety
/// `pf` is the result of an inet_proto_init(), `table` its global.
unsafe fn describe(pf: *const INET_PROTO_INFO, table: *const INET_PROTO_INFO) -> String {
    // SAFETY: a live table with zero-terminated vectors.
    unsafe {
        let t = &*pf;
        format!(
            "ai_family={} ai_family_list=[{}] dns_atype_list=[{}] sa_family_list=[{}] is_table={}",
            t.ai_family,
            vector(t.ai_family_list),
            vector(t.dns_atype_list),
            vector(t.sa_family_list),
            std::ptr::eq(pf, table)
        )
    }
}

fn stock(protocols: &std::ffi::CStr) -> String {
    // SAFETY: C strings; then the table it made.
    unsafe {
        let pf = stock_inet_proto_init(CONTEXT.as_ptr(), protocols.as_ptr());
        describe(pf, stock_inet_proto_table)
    }
}

fn pfinet(protocols: &std::ffi::CStr) -> String {
    // SAFETY: as in stock(); inet_proto_table is only read, single thread.
    unsafe {
        let pf = pf::inet_proto_init(CONTEXT.as_ptr(), protocols.as_ptr());
        describe(pf, *std::ptr::addr_of!(pf::inet_proto_table))
    }
}

fuzz_target!(|data: &[u8]| {
    let protocols = c_text(data);
    let fatal = pfinet::internal::inet_proto::inet_proto(
        CONTEXT.to_bytes(),
        protocols.to_bytes(),
        true,
        &pfinet::internal::inet_proto::socket_probe,
    )
    .fatal
    .is_some();
    let (s, p) = if fatal {
        let child = |result| Side {
            result,
            messages: Vec::new(),
        };
        (
            child(in_child(|| stock(&protocols))),
            child(in_child(|| pfinet(&protocols))),
        )
    } else {
        (side(|| stock(&protocols)), side(|| pfinet(&protocols)))
    };
    check("inet_proto", data, &s, &p);
});
