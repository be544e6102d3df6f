/*
 * mynetworks.c - what Postfix's "postconf -h mynetworks" prints, computed
 * by pfinet (standalone build): inet_proto_init() with inet_protocols,
 * then mynetworks() with inet_interfaces and mynetworks_style set, the
 * result printed as postconf prints it (without the trailing space that
 * mynetworks() leaves after each pattern).
 *
 * usage: mynetworks INET_PROTOCOLS MYNETWORKS_STYLE INET_INTERFACES [-v]
 *
 * Diagnostics go to stderr as "PROG: warning: ..." with PROG = argv[0], so
 * run it with the same argv[0] as the stock program it is compared with.
 */
#include <pfinet.h>

#include <stdio.h>
#include <string.h>

int     main(int argc, char **argv)
{
    const char *value;
    size_t  len;

    if (argc < 4) {
	fprintf(stderr, "usage: %s inet_protocols mynetworks_style inet_interfaces [-v]\n", argv[0]);
	return (2);
    }
    pfinet_msg_tag(argv[0]);
    if (argc > 4 && strcmp(argv[4], "-v") == 0)
	pfinet_set_msg_verbose(1);
    if (pfinet_set_param("mynetworks_style", argv[2]) != 0
	|| pfinet_set_param("inet_interfaces", argv[3]) != 0) {
	fprintf(stderr, "%s: pfinet_set_param failed\n", argv[0]);
	return (2);
    }
    inet_proto_init("inet_protocols", argv[1]);
    value = mynetworks();
    len = strlen(value);
    while (len > 0 && value[len - 1] == ' ')
	len--;
    printf("%.*s\n", (int) len, value);
    return (0);
}
