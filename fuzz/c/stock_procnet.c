/*
 * stock_procnet.c - stock Postfix's inet_addr_local() with the
 * /proc/net/if_inet6 method for IPv6 (HAS_PROCNET_IFINET6), as on Linux
 * before getifaddrs(); built by fuzz/build.rs with the stock tree's
 * src/util on the include path (Postfix's source is used from the build
 * cache, never copied here; it is included with <>). Compare
 * c_tests/stock_ial_method.c.
 *
 * The one change: inet_addr_local.c's fopen() is
 * pfinet_fuzz_procnet_fopen(), which the fuzz target defines: for
 * "/proc/net/if_inet6" it opens the fuzz input (fmemopen) or fails with an
 * errno the input picks. The path in Postfix's messages stays the real one.
 * stdio.h is included first, so the macro reaches only the call.
 */
#include <sys_defs.h>
#include <stdio.h>

#undef HAVE_GETIFADDRS
#undef HAS_SIOCGLIF
#undef HAS_PROCNET_IFINET6
#undef _PATH_PROCNET_IFINET6

#define HAS_PROCNET_IFINET6
#define _PATH_PROCNET_IFINET6 "/proc/net/if_inet6"

extern FILE *pfinet_fuzz_procnet_fopen(const char *, const char *);

#define fopen pfinet_fuzz_procnet_fopen

#include <inet_addr_local.c>
