/*
 * inet_addr_local.c - the test driver of Postfix's inet_addr_local module
 * (its TEST main in src/util/inet_addr_local.c), built against pfinet:
 * same arguments, same output ("addr/mask" lines on stdout, Postfix's
 * messages on stderr with msg_verbose on).
 *
 * usage: inet_addr_local [-m getifaddrs|siocgif|procnet|siocglif] [protocols]
 *
 * Without -m the library's compiled-in lookup method is used (Postfix's
 * inet_addr_local()); with -m, pfinet_inet_addr_local_method().
 */
#include <pfinet.h>

#include <stdio.h>
#include <string.h>
#include <netdb.h>

/* Postfix's SOCKADDR_TO_HOSTADDR(): numeric getnameinfo(), no scope. */

static const char *hostaddr(struct sockaddr_storage *ss, char *buf, size_t len)
{
    socklen_t salen = ss->ss_family == AF_INET6 ?
	sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    char   *cp;

    if (getnameinfo((struct sockaddr *) ss, salen, buf, len, 0, 0,
		    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
	buf[0] = 0;
    if (ss->ss_family == AF_INET6 && (cp = strchr(buf, '%')) != 0)
	*cp = 0;
    return (buf);
}

int     main(int argc, char **argv)
{
    INET_ADDR_LIST addr_list;
    INET_ADDR_LIST mask_list;
    char    hostaddr_buf[NI_MAXHOST];
    char    hostmask_buf[NI_MAXHOST];
    const INET_PROTO_INFO *proto_info;
    const char *method = 0;
    const char *protocols;
    int     i;

    pfinet_msg_tag(argv[0]);
    pfinet_set_msg_verbose(1);
    if (argc > 2 && strcmp(argv[1], "-m") == 0) {
	method = argv[2];
	argv[2] = argv[0];
	argv += 2;
	argc -= 2;
    }
    protocols = argc > 1 ? argv[1] : "all";
    proto_info = inet_proto_init(argv[0], protocols);
    inet_addr_list_init(&addr_list);
    inet_addr_list_init(&mask_list);
    if (method)
	pfinet_inet_addr_local_method(&addr_list, &mask_list,
				      proto_info->ai_family_list, method);
    else
	inet_addr_local(&addr_list, &mask_list, proto_info->ai_family_list);
    if (addr_list.used == 0) {
	fprintf(stderr, "%s: fatal: cannot find any active network interfaces\n", argv[0]);
	return (1);
    }
    if (addr_list.used == 1)
	fprintf(stderr, "%s: warning: found only one active network interface\n", argv[0]);
    for (i = 0; i < addr_list.used; i++) {
	printf("%s/%s\n", hostaddr(addr_list.addrs + i, hostaddr_buf, sizeof(hostaddr_buf)),
	       hostaddr(mask_list.addrs + i, hostmask_buf, sizeof(hostmask_buf)));
	fflush(stdout);
    }
    inet_addr_list_free(&addr_list);
    inet_addr_list_free(&mask_list);
    return (0);
}
