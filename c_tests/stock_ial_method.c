/*
 * Stock Postfix's inet_addr_local test driver (its TEST main) built with
 * another interface lookup method than sys_defs.h picks for Linux with
 * glibc >= 2.4 (getifaddrs). Compiled by tests/netns.rs with -DTEST, with
 * the stock tree's src/util on the include path (the Postfix source is
 * used from the build cache, never copied here; it is included with <>,
 * because "" would find pfinet's own c_tests/inet_addr_local.c first),
 * and one of:
 *
 *   -DPFINET_IAL_SIOCGIF    SIOCGIFCONF + SIOCGIFNETMASK for both families
 *   -DPFINET_IAL_PROCNET    SIOCGIF* for IPv4, /proc/net/if_inet6 for IPv6
 *
 * sys_defs.h is included first so that its choice can be undone; its
 * include guard makes inet_addr_local.c's own #include a no-op. The
 * program's inet_addr_local() is the one compiled here: libutil.a's
 * inet_addr_local.o defines nothing else, so the linker never pulls it
 * (tests/netns.rs checks that with the link trace).
 */
#include <sys_defs.h>

#if defined(PFINET_IAL_SIOCGIF) == defined(PFINET_IAL_PROCNET)
#error "define exactly one of PFINET_IAL_SIOCGIF, PFINET_IAL_PROCNET"
#endif

#undef HAVE_GETIFADDRS
#undef HAS_SIOCGLIF
#undef HAS_PROCNET_IFINET6
#undef _PATH_PROCNET_IFINET6

#ifdef PFINET_IAL_PROCNET
#define HAS_PROCNET_IFINET6
#define _PATH_PROCNET_IFINET6 "/proc/net/if_inet6"
#endif

#include <inet_addr_local.c>
