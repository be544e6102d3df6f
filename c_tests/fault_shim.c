/*
 * fault_shim.c - an LD_PRELOAD library that simulates a broken or unusual
 * kernel for stock Postfix and pfinet alike (both call the C library's
 * socket(), which this shim interposes; stock reads interfaces with the C
 * library's getifaddrs(), also interposed here, while pfinet on Linux reads
 * the kernel's netlink tables itself through socket(AF_NETLINK), or
 * getifaddrs() when asked for the method "getifaddrs-libc"). The
 * environment variable PFINET_FAULT names the faults, separated by commas:
 *
 *   noipv6            socket(AF_INET6, ...) fails with EAFNOSUPPORT, as on
 *                     a kernel without IPv6
 *   getifaddrs=ENOMEM getifaddrs() fails with that errno (also EACCES,
 *                     EMFILE, ENOBUFS), and so does socket(AF_NETLINK, ...)
 *                     (glibc's getifaddrs() calls its own socket(), which
 *                     this shim does not see)
 *   null-netmask      getifaddrs() reports every address of the loopback
 *                     interface "lo" with a null ifa_netmask (netlink
 *                     cannot say that: only getifaddrs() users see it)
 *   extra-addresses=N getifaddrs() reports N more addresses after the real
 *                     ones, on an interface "fake0" that is up: N/2 IPv4
 *                     (10.0.0.1/8 ...) and N/2 IPv6 (2001:db8::/1 ...),
 *                     prefix lengths cycling through 8..32 and 1..128; the
 *                     last IPv6 one is 2001:db8::N-1 (hex) when N is even.
 *                     (Cheaper than as many kernel addresses, whose
 *                     creation takes minutes.)
 *
 * Without PFINET_FAULT the shim changes nothing.
 *
 * Build: gcc -Wall -Wextra -Werror -shared -fPIC -o fault_shim.so
 *        fault_shim.c -ldl
 * Used by tests/postfix_pfinet.rs (PFINET_FAULT=noipv6) and
 * tests/faults.rs.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>

/* fault - the value of fault NAME in PFINET_FAULT ("" if it has none), or 0 */

static const char *fault(const char *name)
{
    const char *list = getenv("PFINET_FAULT");
    const char *p;
    size_t  len = strlen(name);

    for (p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : 0) {
	if (strncmp(p, name, len) == 0 && (p[len] == 0 || p[len] == ','))
	    return ("");
	if (strncmp(p, name, len) == 0 && p[len] == '=')
	    return (p + len + 1);
    }
    return (0);
}

static int errno_named(const char *name)
{
    static const struct {
	const char *name;
	int     value;
    }       table[] = {
	{"ENOMEM", ENOMEM}, {"EACCES", EACCES}, {"EMFILE", EMFILE},
	{"ENOBUFS", ENOBUFS},
    };
    size_t  i;

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
	if (strncmp(name, table[i].name, strlen(table[i].name)) == 0)
	    return (table[i].value);
    return (EINVAL);
}

int     socket(int domain, int type, int protocol)
{
    static int (*real_socket) (int, int, int);

    const char *err;

    if (domain == AF_INET6 && fault("noipv6")) {
	errno = EAFNOSUPPORT;
	return (-1);
    }
    if (domain == AF_NETLINK && (err = fault("getifaddrs")) != 0) {
	errno = errno_named(err);
	return (-1);
    }
    if (real_socket == 0)
	real_socket = (int (*) (int, int, int)) dlsym(RTLD_NEXT, "socket");
    return (real_socket(domain, type, protocol));
}

/* extra_addresses - a list of n made-up interface addresses (never freed) */

static struct ifaddrs *extra_addresses(long n)
{
    struct extra {
	struct ifaddrs ifa;
	struct sockaddr_storage addr;
	struct sockaddr_storage mask;
    }      *e;
    long    i;
    unsigned j, bits, k;

    if (n <= 0 || (e = calloc((size_t) n, sizeof(*e))) == 0)
	return (0);
    for (i = 0; i < n; i++) {
	j = (unsigned) (i / 2) + 1;
	e[i].ifa.ifa_next = i + 1 < n ? &e[i + 1].ifa : 0;
	e[i].ifa.ifa_name = (char *) "fake0";
	e[i].ifa.ifa_flags = IFF_UP | IFF_RUNNING;
	e[i].ifa.ifa_addr = (struct sockaddr *) &e[i].addr;
	e[i].ifa.ifa_netmask = (struct sockaddr *) &e[i].mask;
	if (i % 2 == 0) {
	    struct sockaddr_in *a = (struct sockaddr_in *) &e[i].addr;
	    struct sockaddr_in *m = (struct sockaddr_in *) &e[i].mask;

	    bits = 8 + j % 25;
	    a->sin_family = m->sin_family = AF_INET;
	    a->sin_addr.s_addr = htonl((10U << 24) | j);
	    m->sin_addr.s_addr = htonl(bits ? ~0U << (32 - bits) : 0);
	} else {
	    struct sockaddr_in6 *a = (struct sockaddr_in6 *) &e[i].addr;
	    struct sockaddr_in6 *m = (struct sockaddr_in6 *) &e[i].mask;

	    bits = 1 + j % 128;
	    a->sin6_family = m->sin6_family = AF_INET6;
	    a->sin6_addr.s6_addr[0] = 0x20;
	    a->sin6_addr.s6_addr[1] = 0x01;
	    a->sin6_addr.s6_addr[2] = 0x0d;
	    a->sin6_addr.s6_addr[3] = 0xb8;
	    a->sin6_addr.s6_addr[13] = (unsigned char) (j >> 16);
	    a->sin6_addr.s6_addr[14] = (unsigned char) (j >> 8);
	    a->sin6_addr.s6_addr[15] = (unsigned char) j;
	    for (k = 0; k < 16; k++)
		m->sin6_addr.s6_addr[k] = (unsigned char)
		    (bits >= 8 * (k + 1) ? 0xff : bits <= 8 * k ? 0 :
		     0xff << (8 * (k + 1) - bits));
	}
    }
    return (&e[0].ifa);
}

int     getifaddrs(struct ifaddrs **ifap)
{
    static int (*real_getifaddrs) (struct ifaddrs **);
    const char *err = fault("getifaddrs");
    struct ifaddrs *ifa;
    int     ret;

    if (err) {
	errno = errno_named(err);
	return (-1);
    }
    if (real_getifaddrs == 0)
	real_getifaddrs = (int (*) (struct ifaddrs **)) dlsym(RTLD_NEXT, "getifaddrs");
    if ((ret = real_getifaddrs(ifap)) != 0)
	return (ret);
    for (ifa = *ifap; ifa; ifa = ifa->ifa_next) {
	if (ifa->ifa_addr && strcmp(ifa->ifa_name, "lo") == 0 && fault("null-netmask"))
	    ifa->ifa_netmask = 0;
	if (ifa->ifa_next == 0 && (err = fault("extra-addresses")) != 0) {
	    ifa->ifa_next = extra_addresses(atol(err));
	    break;
	}
    }
    return (ret);
}
