/*
 * own_inet_addr.c - the test driver of Postfix's own_inet_addr module (its
 * TEST main in src/global/own_inet_addr.c), built against pfinet: same
 * arguments, same output (msg_verbose = 10, so every list append is
 * logged; the list is printed as info lines).
 *
 * usage: own_inet_addr protocols interface_list (e.g. "all all")
 */
#include <pfinet.h>

#include <stdio.h>
#include <string.h>
#include <netdb.h>

int     main(int argc, char **argv)
{
    INET_ADDR_LIST *list;
    char    host[NI_MAXHOST];
    char   *cp;
    int     i;

    /* Postfix's driver never calls msg_vstream_init(): its tag is "unknown". */
    pfinet_msg_tag("unknown");
    if (argc != 3) {
	fprintf(stderr, "%s: fatal: usage: %s protocols interface_list (e.g. \"all all\")\n",
		argv[0], argv[0]);
	return (1);
    }
    pfinet_set_msg_verbose(10);
    inet_proto_init(argv[0], argv[1]);
    pfinet_set_param("inet_interfaces", argv[2]);
    list = own_inet_addr_list();
    for (i = 0; i < list->used; i++) {
	struct sockaddr_storage *ss = list->addrs + i;
	socklen_t len = ss->ss_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

	if (getnameinfo((struct sockaddr *) ss, len, host, sizeof(host), 0, 0,
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
	    host[0] = 0;
	if (ss->ss_family == AF_INET6 && (cp = strchr(host, '%')) != 0)
	    *cp = 0;
	fprintf(stderr, "unknown: %s\n", host);
    }
    return (0);
}
