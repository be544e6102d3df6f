//! inet_addr_list - internet address list manager
//!
//! `INET_ADDR_LIST` holds `used` of `size` `struct sockaddr_storage`
//! entries. `inet_addr_list_init()` prepares an empty list (room for two),
//! `inet_addr_list_append()` copies an IPv4 or IPv6 socket address to the
//! end (doubling the room when full), `inet_addr_list_uniq()` sorts by
//! address and drops duplicates, `inet_addr_list_free()` releases the
//! storage (src/util/inet_addr_list.c).
//!
//! The order after uniq is the order stock Postfix produces: Postfix sorts
//! with qsort(3) and sock_addr_cmp_addr(), whose IPv4 comparison subtracts
//! the network-order 32-bit words as host integers with wrap-around. That
//! is not a total order, so the result depends on the sort algorithm; glibc
//! sorts with a top-down merge sort ([`glibc_msort`]), which this module
//! reproduces step by step. Kept deliberately: Postfix's behaviour.
//!
//! DIAGNOSTICS: with msg_verbose > 1, append logs
//! "inet_addr_list_append: ADDR". Comparing an address of another family
//! is a panic: "sock_addr_cmp_addr: unsupported address family N".
//! Out of memory is fatal, as Postfix's mymalloc.

pub use crate::sockaddr::SockAddr;

/// An address list as Postfix's code uses one: append, read, sort+uniq.
/// Implemented by `Vec<SockAddr>` (the pfinet_* API) and by Postfix's
/// INET_ADDR_LIST ([`abi::CList`]).
pub trait AddrList {
    /// inet_addr_list_append().
    fn append(&mut self, sa: &SockAddr);
    /// The number of addresses.
    fn len(&self) -> usize;
    /// Whether the list is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The address at index `i`.
    fn get(&self, i: usize) -> SockAddr;
    /// inet_addr_list_uniq().
    fn uniq(&mut self, diag: &mut dyn crate::diag::Diag) -> Result<(), crate::diag::Fatal>;
}

impl SockAddr {
    /// What sock_addr_cmp_addr() compares.
    pub fn key(&self) -> AddrKey<'_> {
        match self {
            SockAddr::V4(a) => AddrKey {
                family: self.family(),
                addr: a,
            },
            SockAddr::V6 { addr, .. } => AddrKey {
                family: self.family(),
                addr,
            },
            SockAddr::Other(f) => AddrKey {
                family: *f,
                addr: &[],
            },
        }
    }

    /// SOCK_ADDR_EQ_ADDR(): same family and address (scope ignored).
    pub fn eq_addr(&self, other: &SockAddr) -> bool {
        self.key() == other.key()
    }
}

impl AddrList for Vec<SockAddr> {
    fn append(&mut self, sa: &SockAddr) {
        self.push(*sa);
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn get(&self, i: usize) -> SockAddr {
        self[i]
    }
    fn uniq(&mut self, diag: &mut dyn crate::diag::Diag) -> Result<(), crate::diag::Fatal> {
        match sort_uniq(self, SockAddr::key, cfg!(feature = "has_ipv6")) {
            Ok(n) => {
                self.truncate(n);
                Ok(())
            }
            Err(family) => Err(diag.panic(
                format!("sock_addr_cmp_addr: unsupported address family {family}").as_bytes(),
            )),
        }
    }
}

/// The part of a socket address that sock_addr_cmp_addr() reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddrKey<'a> {
    /// The address family (AF_*).
    pub family: u16,
    /// sin_addr (4 bytes) or sin6_addr (16 bytes), as stored.
    pub addr: &'a [u8],
}

/// Postfix's sock_addr_cmp_addr(): `Err(family)` for an unsupported one.
pub fn sock_addr_cmp_addr(a: AddrKey, b: AddrKey, ipv6: bool) -> Result<i32, u16> {
    Standin::new(a).cmp(&Standin::new(b), ipv6)
}

/// glibc's qsort(): a stable top-down merge sort that takes from the left
/// run while `cmp(left, right) <= 0` (stdlib/msort.c). With a comparator
/// that is not a total order only this exact sequence gives glibc's result.
pub fn glibc_msort<T: Clone, E>(
    v: &mut [T],
    cmp: &mut impl FnMut(&T, &T) -> Result<i32, E>,
) -> Result<(), E> {
    let mut tmp = Vec::with_capacity(v.len());
    msort_with_tmp(v, &mut tmp, cmp)
}

fn msort_with_tmp<T: Clone, E>(
    b: &mut [T],
    tmp: &mut Vec<T>,
    cmp: &mut impl FnMut(&T, &T) -> Result<i32, E>,
) -> Result<(), E> {
    let n = b.len();
    if n <= 1 {
        return Ok(());
    }
    let n1 = n / 2;
    msort_with_tmp(&mut b[..n1], tmp, cmp)?;
    msort_with_tmp(&mut b[n1..], tmp, cmp)?;
    tmp.clear();
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(&b[i], &b[j])? <= 0 {
            tmp.push(b[i].clone());
            i += 1;
        } else {
            tmp.push(b[j].clone());
            j += 1;
        }
    }
    tmp.extend_from_slice(&b[i..n1]);
    let done = tmp.len();
    b[..done].clone_from_slice(tmp);
    Ok(())
}

/// Postfix's uniq step after sorting: keep the first of each run of equal
/// neighbours; returns the new length. The dropped entries end up after
/// the kept ones (Postfix leaves stale copies there; nothing reads past
/// the new length), so `v` stays a permutation of what it was.
pub fn uniq_sorted<T, E>(
    v: &mut [T],
    cmp: &mut impl FnMut(&T, &T) -> Result<i32, E>,
) -> Result<usize, E> {
    let mut n = 0;
    let mut m = 0;
    while m < v.len() {
        v.swap(n, m);
        while m + 1 < v.len() && cmp(&v[n], &v[m + 1])? == 0 {
            m += 1;
        }
        m += 1;
        n += 1;
    }
    Ok(n)
}

/// Sort and de-duplicate as inet_addr_list_uniq(); `key` reads an entry.
/// Like glibc's qsort() for elements this large, it sorts stand-ins for
/// the entries and moves each entry once at the end (the comparisons, and
/// so the order, are those of sorting the entries themselves). The
/// stand-ins carry what the comparator reads, so the sort stays in cache.
pub fn sort_uniq<T>(
    v: &mut [T],
    key: impl Fn(&T) -> AddrKey<'_>,
    ipv6: bool,
) -> Result<usize, u16> {
    let keys: Vec<Standin> = v.iter().map(|e| Standin::new(key(e))).collect();
    let mut order: Vec<u32> = (0..v.len() as u32).collect();
    let mut cmp = |a: &u32, b: &u32| keys[*a as usize].cmp(&keys[*b as usize], ipv6);
    glibc_msort(&mut order, &mut cmp)?;
    let kept = uniq_sorted(&mut order, &mut cmp)?;
    permute(v, &order);
    Ok(kept)
}

/// An entry's comparison key, by value (read as sock_addr_cmp_addr()
/// reads it).
#[derive(Clone, Copy)]
struct Standin {
    /// An IPv6 address's bytes as a big-endian number (memcmp order), in
    /// two halves (not a u128: its alignment would double the size).
    high: u64,
    /// The low half; for IPv4 the s_addr word, as the host's int.
    low: u64,
    family: u16,
}

impl Standin {
    fn new(k: AddrKey) -> Standin {
        let bytes = |n: usize| {
            let mut b = [0; 16];
            let len = k.addr.len().min(n);
            b[..len].copy_from_slice(&k.addr[..len]);
            b
        };
        let (v4, v6) = (bytes(4), bytes(16));
        let (high, low) = if k.family == libc::AF_INET as u16 {
            (
                0,
                u64::from(u32::from_ne_bytes([v4[0], v4[1], v4[2], v4[3]])),
            )
        } else {
            let wide = u128::from_be_bytes(v6);
            ((wide >> 64) as u64, wide as u64)
        };
        Standin {
            high,
            low,
            family: k.family,
        }
    }

    /// sock_addr_cmp_addr(): family difference first; IPv4 subtracts the
    /// s_addr words (a Postfix bug: not a total order, kept); IPv6
    /// compares bytes; another family is `Err(family)`.
    fn cmp(&self, b: &Standin, ipv6: bool) -> Result<i32, u16> {
        if self.family != b.family {
            return Ok(i32::from(self.family) - i32::from(b.family));
        }
        if self.family == libc::AF_INET as u16 {
            Ok((self.low as u32).wrapping_sub(b.low as u32) as i32)
        } else if ipv6 && self.family == libc::AF_INET6 as u16 {
            Ok((self.high, self.low).cmp(&(b.high, b.low)) as i32)
        } else {
            Err(self.family)
        }
    }
}

/// Put `v[order[j]]` at `v[j]` for every `j`, moving each entry once
/// (`order` is a permutation of `v`'s positions).
fn permute<T>(v: &mut [T], order: &[u32]) {
    let mut done = vec![false; v.len()];
    for start in 0..v.len() {
        if done[start] {
            continue;
        }
        let mut j = start;
        loop {
            done[j] = true;
            let from = order[j] as usize;
            if from == start {
                break;
            }
            v.swap(j, from);
            j = from;
        }
    }
}

/// The Postfix-named `extern "C"` functions and `#[repr(C)]` types of this module.
#[allow(unsafe_code)]
// the Postfix-named C functions
pub mod abi {
    use super::*;
    use crate::{ffi, host};
    use libc::{c_int, sockaddr, sockaddr_in, sockaddr_in6};

    /// What INET_ADDR_LIST.addrs holds: Postfix's `struct
    /// sockaddr_storage`, the system's with HAS_IPV6.
    #[cfg(feature = "has_ipv6")]
    pub type pfinet_sockaddr_storage = libc::sockaddr_storage;

    /// What INET_ADDR_LIST.addrs holds: Postfix's `struct
    /// sockaddr_storage`. Without HAS_IPV6 Postfix defines its own
    /// (myaddrinfo.h, EMULATE_IPV4_ADDRINFO): one `struct sockaddr_in`, 16
    /// bytes, the stride Postfix's code walks the list with (3.10 and
    /// before); from 3.11 on an `ss_family` comes first (feature
    /// emulated_ss_family). Postfix writes a socket address at its start
    /// either way.
    #[cfg(not(feature = "has_ipv6"))]
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct pfinet_sockaddr_storage {
        /// Postfix 3.11 and later: the family, overlapping sin_family.
        #[cfg(feature = "emulated_ss_family")]
        pub ss_family: libc::sa_family_t,
        /// alignment!! (Postfix's comment)
        pub dummy: sockaddr_in,
    }

    /// Postfix's INET_ADDR_LIST.
    #[repr(C)]
    pub struct INET_ADDR_LIST {
        /// nr of elements in use
        pub used: c_int,
        /// actual list size
        pub size: c_int,
        /// payload
        pub addrs: *mut pfinet_sockaddr_storage,
    }

    const IPV6: bool = cfg!(feature = "has_ipv6");

    /// SOCK_ADDR_LEN() on a system without sa_len.
    fn sock_addr_len(family: u16) -> usize {
        if IPV6 && family == libc::AF_INET6 as u16 {
            std::mem::size_of::<sockaddr_in6>()
        } else {
            std::mem::size_of::<sockaddr_in>()
        }
    }

    /// An all-zero pfinet_sockaddr_storage (family 0, no address).
    fn zeroed_storage() -> pfinet_sockaddr_storage {
        // SAFETY: pfinet_sockaddr_storage is integers and byte arrays only, for
        // which all-zero bytes are a valid value.
        unsafe { std::mem::zeroed() }
    }

    /// The bytes of a stored socket address.
    fn bytes_of(sa: &pfinet_sockaddr_storage) -> &[u8] {
        // SAFETY: `sa` is a live, initialised pfinet_sockaddr_storage of that
        // size, borrowed for the slice's lifetime; it has no padding (its
        // fields are integers and byte arrays that fill it), so every byte
        // is initialised.
        unsafe {
            std::slice::from_raw_parts(
                (sa as *const pfinet_sockaddr_storage).cast::<u8>(),
                std::mem::size_of::<pfinet_sockaddr_storage>(),
            )
        }
    }

    /// The first `len` bytes of the socket address at `addr`, the rest of
    /// the storage zero.
    ///
    /// # Safety
    /// `addr` is readable for `len` bytes, and `len` is at most the size of
    /// a pfinet_sockaddr_storage.
    pub unsafe fn copy_in(addr: *const sockaddr, len: usize) -> pfinet_sockaddr_storage {
        let mut ss = zeroed_storage();
        // SAFETY: the caller's contract: `len` readable bytes at `addr`, and
        // no more than `ss` holds; `ss` is a local, so the two do not
        // overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(addr.cast::<u8>(), (&raw mut ss).cast::<u8>(), len)
        };
        ss
    }

    #[cfg(not(feature = "postfix"))]
    fn key(sa: &pfinet_sockaddr_storage) -> AddrKey<'_> {
        let b = bytes_of(sa);
        let family = u16::from_ne_bytes([b[0], b[1]]);
        let (off, len) = if IPV6 && family == libc::AF_INET6 as u16 {
            (std::mem::offset_of!(sockaddr_in6, sin6_addr), 16)
        } else {
            (std::mem::offset_of!(sockaddr_in, sin_addr), 4)
        };
        // Both lie inside a pfinet_sockaddr_storage, which is larger than either.
        let addr = &bytes_of(sa)[off..off + len];
        AddrKey { family, addr }
    }

    /// A stored C socket address as a core address.
    pub fn core_addr(sa: &pfinet_sockaddr_storage) -> SockAddr {
        SockAddr::from_bytes(bytes_of(sa), None)
    }

    /// # Safety
    /// `list` points to an INET_ADDR_LIST.
    unsafe fn list_mut<'a>(list: *mut INET_ADDR_LIST, func: &str) -> &'a mut INET_ADDR_LIST {
        if list.is_null() {
            ffi::null_arg(func, "list");
        }
        // SAFETY: not null; the caller vouches for the rest.
        unsafe { &mut *list }
    }

    /// Postfix: `void inet_addr_list_init(INET_ADDR_LIST *list)`.
    ///
    /// # Safety
    /// `list` points to writable memory for an INET_ADDR_LIST.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn inet_addr_list_init(list: *mut INET_ADDR_LIST) {
        ffi::postfix_boundary("inet_addr_list_init", || {
            // SAFETY: see the function's contract.
            let list = unsafe { list_mut(list, "inet_addr_list_init") };
            list.used = 0;
            list.size = 0;
            list.addrs = ffi::xmalloc(2);
            list.size = 2;
        })
    }

    /// Postfix: `void inet_addr_list_append(INET_ADDR_LIST *list, struct
    /// sockaddr *addr)`.
    ///
    /// # Safety
    /// `list` was initialised by inet_addr_list_init(); `addr` points to a
    /// sockaddr_in or (IPv6 builds) sockaddr_in6 of its family.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn inet_addr_list_append(list: *mut INET_ADDR_LIST, addr: *mut sockaddr) {
        ffi::postfix_boundary("inet_addr_list_append", || {
            // SAFETY: see the function's contract.
            let list = unsafe { list_mut(list, "inet_addr_list_append") };
            if addr.is_null() {
                ffi::null_arg("inet_addr_list_append", "address");
            }
            // SAFETY: not null; the caller vouches that addr points to at
            // least a struct sockaddr.
            let family = unsafe { (*addr).sa_family };
            let len = sock_addr_len(family);
            // SAFETY: the caller vouches that addr holds a sockaddr_in or
            // sockaddr_in6 of its family, so `len` bytes, which a
            // pfinet_sockaddr_storage holds.
            let entry = unsafe { copy_in(addr, len) };
            push(list, entry);
        })
    }

    /// inet_addr_list_append()'s log line (msg_verbose > 1).
    fn log_append(sa: impl FnOnce() -> SockAddr) {
        if host::verbose() > 1 {
            let text = sa().hostaddr();
            host::info(&[b"inet_addr_list_append: ".as_slice(), text.as_bytes()].concat());
        }
    }

    /// The body of inet_addr_list_append() once the address is copied.
    fn push(list: &mut INET_ADDR_LIST, entry: pfinet_sockaddr_storage) {
        log_append(|| core_addr(&entry));
        if list.used >= list.size {
            let new_size = list.size.saturating_mul(2).max(1);
            // SAFETY: addrs came from xmalloc/xrealloc in this module.
            list.addrs = unsafe { ffi::xrealloc(list.addrs, new_size as usize) };
            list.size = new_size;
        }
        // SAFETY: addrs holds `size` entries and 0 <= used < size after the
        // growth above, so the slot is inside the allocation.
        let slot = unsafe { list.addrs.add(list.used as usize) };
        // SAFETY: slot is an entry of the malloc'ed array, aligned and
        // writable; pfinet_sockaddr_storage has no destructor to skip. Postfix
        // copies only SOCK_ADDR_LEN bytes; the rest of the slot is
        // unspecified there and zero here.
        unsafe { slot.write(entry) };
        list.used += 1;
    }

    /// inet_addr_list_append() of a core address (for pfinet's own callers).
    pub fn append(list: &mut INET_ADDR_LIST, sa: &SockAddr) {
        push(list, storage(sa));
    }

    /// Postfix's INET_ADDR_LIST as an [`AddrList`].
    pub struct CList<'a>(pub &'a mut INET_ADDR_LIST);

    impl CList<'_> {
        fn entries(&self) -> &[pfinet_sockaddr_storage] {
            if self.0.used <= 0 || self.0.addrs.is_null() {
                return &[];
            }
            // SAFETY: an initialised list holds `used` entries at addrs.
            unsafe { std::slice::from_raw_parts(self.0.addrs, self.0.used as usize) }
        }
    }

    impl AddrList for CList<'_> {
        fn append(&mut self, sa: &SockAddr) {
            append(self.0, sa)
        }
        fn len(&self) -> usize {
            self.entries().len()
        }
        fn get(&self, i: usize) -> SockAddr {
            core_addr(&self.entries()[i])
        }
        fn uniq(&mut self, _diag: &mut dyn crate::diag::Diag) -> Result<(), crate::diag::Fatal> {
            if self.0.used > 0 {
                // SAFETY: addrs holds `used` initialised entries.
                let entries =
                    unsafe { std::slice::from_raw_parts_mut(self.0.addrs, self.0.used as usize) };
                self.0.used = uniq(entries) as c_int;
            }
            Ok(())
        }
    }

    /// Postfix's temporary lists (inside own_inet_addr): the entries kept
    /// as core addresses, with inet_addr_list_append()'s verbose logging.
    #[derive(Default)]
    pub struct TempList(Vec<SockAddr>);

    impl AddrList for TempList {
        fn append(&mut self, sa: &SockAddr) {
            log_append(|| *sa);
            self.0.push(*sa);
        }
        fn len(&self) -> usize {
            self.0.len()
        }
        fn get(&self, i: usize) -> SockAddr {
            self.0[i]
        }
        fn uniq(&mut self, diag: &mut dyn crate::diag::Diag) -> Result<(), crate::diag::Fatal> {
            self.0.uniq(diag)
        }
    }

    /// A core address as the C structure Postfix stores (without HAS_IPV6
    /// an IPv6 address, which Postfix never holds then, keeps its family
    /// only).
    pub fn storage(sa: &SockAddr) -> pfinet_sockaddr_storage {
        let mut ss = zeroed_storage();
        match sa {
            SockAddr::V4(a) => {
                let sin = as_sin(&mut ss);
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_addr.s_addr = u32::from_ne_bytes(*a);
            }
            #[cfg(feature = "has_ipv6")]
            SockAddr::V6 { addr, scope_id } => {
                // SAFETY: the system's sockaddr_storage is larger than a
                // sockaddr_in6 and aligned for it, all-zero bytes are a
                // valid sockaddr_in6, and `ss` is reached only through
                // `sin6` while it lives.
                let sin6 = unsafe { &mut *(&raw mut ss).cast::<sockaddr_in6>() };
                sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sin6.sin6_addr.s6_addr = *addr;
                sin6.sin6_scope_id = *scope_id;
            }
            other => as_sin(&mut ss).sin_family = other.family() as libc::sa_family_t,
        }
        ss
    }

    /// The storage as a sockaddr_in (whose family field is every
    /// sockaddr's).
    fn as_sin(ss: &mut pfinet_sockaddr_storage) -> &mut sockaddr_in {
        // SAFETY: either storage is at least as large as a sockaddr_in and
        // aligned for it, every byte pattern of its integer fields is a
        // valid sockaddr_in, and the result borrows `ss` exclusively.
        unsafe { &mut *(ss as *mut pfinet_sockaddr_storage).cast::<sockaddr_in>() }
    }

    /// Postfix: `void inet_addr_list_uniq(INET_ADDR_LIST *list)`.
    ///
    /// # Safety
    /// `list` was initialised by inet_addr_list_init().
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn inet_addr_list_uniq(list: *mut INET_ADDR_LIST) {
        ffi::postfix_boundary("inet_addr_list_uniq", || {
            // SAFETY: see the function's contract.
            let list = unsafe { list_mut(list, "inet_addr_list_uniq") };
            if list.used <= 0 {
                return;
            }
            // SAFETY: addrs holds `used` initialised entries.
            let entries = unsafe { std::slice::from_raw_parts_mut(list.addrs, list.used as usize) };
            list.used = uniq(entries) as c_int;
        })
    }

    /// Standalone: Postfix 3.7.11's comparator and glibc's sort, in Rust.
    #[cfg(not(feature = "postfix"))]
    fn uniq(entries: &mut [pfinet_sockaddr_storage]) -> usize {
        sort_uniq(entries, key, IPV6).unwrap_or_else(|family| {
            host::panic(
                format!("sock_addr_cmp_addr: unsupported address family {family}").as_bytes(),
            )
        })
    }

    /// Inside Postfix: Postfix's own sock_addr_cmp_addr() (src/util/
    /// sock_addr.c, which differs between Postfix versions: 3.10.13 made
    /// the IPv4 comparison a total order) with the C library's qsort(), so
    /// the order is exactly that of the Postfix pfinet is linked into.
    #[cfg(feature = "postfix")]
    fn uniq(entries: &mut [pfinet_sockaddr_storage]) -> usize {
        use libc::c_void;
        unsafe extern "C" {
            fn sock_addr_cmp_addr(sa: *const sockaddr, sb: *const sockaddr) -> c_int;
        }
        /// qsort()'s comparator: Postfix's sock_addr_cmp_addr().
        ///
        /// # Safety
        /// `a` and `b` point to pfinet_sockaddr_storage list entries.
        unsafe extern "C" fn comp(a: *const c_void, b: *const c_void) -> c_int {
            // SAFETY: qsort and uniq_sorted pass pointers to list entries,
            // which are pfinet_sockaddr_storage holding an AF_INET/AF_INET6 address.
            unsafe { sock_addr_cmp_addr(a.cast(), b.cast()) }
        }
        // SAFETY: entries is a live, exclusive array of pfinet_sockaddr_storage.
        unsafe {
            libc::qsort(
                entries.as_mut_ptr().cast(),
                entries.len(),
                std::mem::size_of::<pfinet_sockaddr_storage>(),
                Some(comp),
            )
        };
        let mut cmp = |a: &pfinet_sockaddr_storage, b: &pfinet_sockaddr_storage| {
            // SAFETY: two list entries, by reference.
            Ok::<_, std::convert::Infallible>(unsafe {
                comp(
                    (a as *const pfinet_sockaddr_storage).cast(),
                    (b as *const pfinet_sockaddr_storage).cast(),
                )
            })
        };
        match uniq_sorted(entries, &mut cmp) {
            Ok(n) => n,
        }
    }

    /// Postfix: `void inet_addr_list_free(INET_ADDR_LIST *list)`.
    ///
    /// # Safety
    /// `list` was initialised by inet_addr_list_init() and is not used
    /// again without another init.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn inet_addr_list_free(list: *mut INET_ADDR_LIST) {
        ffi::postfix_boundary("inet_addr_list_free", || {
            // SAFETY: see the function's contract.
            let list = unsafe { list_mut(list, "inet_addr_list_free") };
            // SAFETY: addrs came from xmalloc/xrealloc (malloc).
            unsafe { libc::free(list.addrs.cast()) };
        })
    }
}

pub use abi::INET_ADDR_LIST;

#[cfg(test)]
#[allow(unsafe_code)] // the C library as the tests' oracle
mod tests {
    use super::*;

    fn v4(s: &str) -> (u16, Vec<u8>) {
        (
            libc::AF_INET as u16,
            s.parse::<std::net::Ipv4Addr>().unwrap().octets().to_vec(),
        )
    }

    #[test]
    fn ipv4_compare_wraps_like_postfix() {
        // 0.0.0.1 vs 128.0.0.2 on a little-endian host: s_addr words are
        // 0x01000000 and 0x02000080; 0x01000000 - 0x02000080 wraps to a
        // negative int, so 0.0.0.1 sorts first.
        let (f, a) = v4("0.0.0.1");
        let (_, b) = v4("128.0.0.2");
        let r = sock_addr_cmp_addr(
            AddrKey {
                family: f,
                addr: &a,
            },
            AddrKey {
                family: f,
                addr: &b,
            },
            true,
        )
        .unwrap();
        let wa = u32::from_ne_bytes(a[..].try_into().unwrap());
        let wb = u32::from_ne_bytes(b[..].try_into().unwrap());
        assert_eq!(r, wa.wrapping_sub(wb) as i32);
    }

    #[test]
    fn merge_sort_matches_libc_qsort_on_total_orders() {
        // With a total order, any correct sort gives the same result: check
        // against the C library's qsort through sort_unstable's answer.
        let mut v: Vec<u32> = (0..1000u32)
            .map(|i| i.wrapping_mul(2654435761) % 997)
            .collect();
        let mut want = v.clone();
        want.sort();
        glibc_msort(&mut v, &mut |a: &u32, b: &u32| {
            Ok::<i32, ()>(*a as i32 - *b as i32)
        })
        .unwrap();
        assert_eq!(v, want);
        let n = uniq_sorted(&mut v, &mut |a: &u32, b: &u32| {
            Ok::<i32, ()>(*a as i32 - *b as i32)
        })
        .unwrap();
        want.dedup();
        assert_eq!(&v[..n], &want[..]);
    }

    #[test]
    fn merge_sort_is_glibc_qsort_with_a_wrapping_comparator() {
        // The oracle is the C library's qsort itself, called with Postfix's
        // comparator on IPv4 words spread over the whole range.
        /// # Safety
        /// `a` and `b` point into the u32 array below.
        unsafe extern "C" fn cmp(a: *const libc::c_void, b: *const libc::c_void) -> libc::c_int {
            // SAFETY: qsort passes pointers to elements of the u32 array
            // below.
            let a = unsafe { *a.cast::<u32>() };
            // SAFETY: as for `a`: an element of the same array.
            let b = unsafe { *b.cast::<u32>() };
            a.wrapping_sub(b) as i32
        }
        let mut seed = 0x1234_5678_9abc_def0u64;
        for n in [2usize, 3, 7, 16, 100, 1000] {
            let mut words: Vec<u32> = (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u32
                })
                .collect();
            let mut ours = words.clone();
            // SAFETY: words is a live array of n u32 and cmp reads u32s.
            unsafe { libc::qsort(words.as_mut_ptr().cast(), n, 4, Some(cmp)) };
            glibc_msort(&mut ours, &mut |a: &u32, b: &u32| {
                Ok::<i32, ()>(a.wrapping_sub(*b) as i32)
            })
            .unwrap();
            assert_eq!(ours, words, "n={n}");
        }
    }

    #[test]
    fn sort_uniq_is_glibc_qsort_and_postfix_uniq() {
        // Oracle: the C library's qsort on (family, address, position)
        // records with Postfix's comparator written out here, then
        // inet_addr_list_uniq()'s loop; mixed families, duplicates, and
        // IPv4 words far apart (where the comparator wraps).
        #[repr(C)]
        #[derive(Clone, Copy)]
        struct Rec {
            family: u16,
            addr: [u8; 16],
            pos: u32,
        }
        /// # Safety
        /// `a` and `b` point into the Rec array below.
        unsafe extern "C" fn cmp(a: *const libc::c_void, b: *const libc::c_void) -> libc::c_int {
            // SAFETY: qsort passes pointers to elements of the Rec array
            // below, which it does not change while the comparator runs.
            let a = unsafe { &*a.cast::<Rec>() };
            // SAFETY: as for `a`: an element of the same array.
            let b = unsafe { &*b.cast::<Rec>() };
            if a.family != b.family {
                return i32::from(a.family) - i32::from(b.family);
            }
            if a.family == libc::AF_INET as u16 {
                let w = |r: &Rec| u32::from_ne_bytes([r.addr[0], r.addr[1], r.addr[2], r.addr[3]]);
                return w(a).wrapping_sub(w(b)) as i32;
            }
            // SAFETY: both point to 16 readable bytes.
            unsafe { libc::memcmp(a.addr.as_ptr().cast(), b.addr.as_ptr().cast(), 16) }
        }
        let mut seed = 0x0bad_cafe_1234_5678u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for n in [1usize, 2, 5, 33, 500, 3000] {
            let list: Vec<SockAddr> = (0..n)
                .map(|_| {
                    let r = next();
                    let pick = (r >> 40) % 8;
                    if r % 3 == 0 {
                        let mut addr = [0u8; 16];
                        addr[15] = pick as u8;
                        addr[0] = (r >> 8) as u8 & 0x81;
                        SockAddr::V6 { addr, scope_id: 0 }
                    } else {
                        let b = (r >> 16) as u8;
                        SockAddr::V4([b & 0x80 | 1, 0, (pick as u8) & 3, b & 0x81])
                    }
                })
                .collect();
            let mut recs: Vec<Rec> = list
                .iter()
                .enumerate()
                .map(|(i, sa)| {
                    let k = sa.key();
                    let mut addr = [0u8; 16];
                    addr[..k.addr.len()].copy_from_slice(k.addr);
                    Rec {
                        family: k.family,
                        addr,
                        pos: i as u32,
                    }
                })
                .collect();
            // SAFETY: recs is a live array of n Rec and cmp reads Recs.
            unsafe {
                libc::qsort(
                    recs.as_mut_ptr().cast(),
                    n,
                    std::mem::size_of::<Rec>(),
                    Some(cmp),
                )
            };
            let (mut m, mut want) = (0, Vec::new());
            while m < n {
                want.push(list[recs[m].pos as usize]);
                let first = recs[m];
                // SAFETY: two records of the array, by reference.
                let same = |a: &Rec, b: &Rec| unsafe {
                    cmp((a as *const Rec).cast(), (b as *const Rec).cast()) == 0
                };
                while m + 1 < n && same(&first, &recs[m + 1]) {
                    m += 1;
                }
                m += 1;
            }
            let mut ours = list.clone();
            let kept = sort_uniq(&mut ours, SockAddr::key, true).unwrap();
            assert_eq!(&ours[..kept], &want[..], "n={n}");
        }
    }
}
