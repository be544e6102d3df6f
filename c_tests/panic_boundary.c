/*
 * panic_boundary.c - call one exported pfinet function, by name, with valid
 * arguments; built against a pfinet made with the test-only cargo feature
 * test_panic_hook, where PFINET_TEST_PANIC=NAME makes the function NAME
 * panic inside its panic boundary (src/ffi.rs). tests/panic_boundary.rs
 * runs it once per exported function and checks what comes out.
 *
 * usage: panic_boundary NAME
 *
 * Prints "NAME returned VALUE" when the call returns, then exits 0.
 * "unknown function NAME" (exit 2) when NAME is not in the table below, so
 * that a new export without a case here fails the test.
 */
#include <pfinet.h>

#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#define RETURNED(fmt, val) printf("%s returned " fmt "\n", name, val)

static struct sockaddr_in loopback(void)
{
    struct sockaddr_in sin;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return (sin);
}

static int call_postfix_name(const char *name)
{
    INET_ADDR_LIST list;
    INET_ADDR_LIST masks;
    CIDR_MATCH m;
    struct sockaddr_in sin = loopback();
    unsigned families[] = {AF_INET, 0};
    unsigned char bytes[4] = {192, 0, 2, 1};
    char    pattern[] = "192.0.2.0/24";
    VSTRING *why = 0;

    memset(&m, 0, sizeof(m));
    inet_addr_list_init(&list);
    inet_addr_list_init(&masks);
    if (strcmp(name, "inet_addr_list_init") == 0)
	RETURNED("%d", (inet_addr_list_init(&list), 0));
    else if (strcmp(name, "inet_addr_list_append") == 0)
	RETURNED("%d", (inet_addr_list_append(&list, (struct sockaddr *) &sin), list.used));
    else if (strcmp(name, "inet_addr_list_uniq") == 0)
	RETURNED("%d", (inet_addr_list_uniq(&list), list.used));
    else if (strcmp(name, "inet_addr_list_free") == 0)
	RETURNED("%d", (inet_addr_list_free(&list), 0));
    else if (strcmp(name, "inet_addr_local") == 0)
	RETURNED("%d", inet_addr_local(&list, &masks, families) > 0);
    else if (strcmp(name, "pfinet_inet_addr_local_method") == 0)
	RETURNED("%d", pfinet_inet_addr_local_method(&list, &masks, families, "getifaddrs") > 0);
    else if (strcmp(name, "inet_proto_init") == 0)
	RETURNED("%u", inet_proto_init("inet_protocols", "ipv4")->ai_family);
    else if (strcmp(name, "mask_addr") == 0)
	RETURNED("%u", (mask_addr(bytes, 4, 24), (unsigned) bytes[3]));
    else if (strcmp(name, "cidr_match_parse") == 0)
	RETURNED("%d", cidr_match_parse(&m, pattern, CIDR_MATCH_TRUE, 0) == 0);
    else if (strcmp(name, "cidr_match_parse_if") == 0)
	RETURNED("%d", cidr_match_parse_if(&m, pattern, CIDR_MATCH_TRUE, 0) == 0);
    else if (strcmp(name, "cidr_match_endif") == 0)
	RETURNED("%d", (cidr_match_endif(&m), m.op));
    else if (strcmp(name, "cidr_match_execute") == 0)
	RETURNED("%d", (cidr_match_parse(&m, pattern, CIDR_MATCH_TRUE, 0),
			cidr_match_execute(&m, "192.0.2.7") == &m));
    else if (strcmp(name, "cidr_table_read") == 0) {
	/* Not a file (an inline table has no descriptor): none. */
	RETURNED("%d", cidr_table_read("{ 1.2.3.4 x }", -1) == 0);
    } else if (strcmp(name, "cidr_table_open_compiled") == 0) {
	struct stat st;

	/* A table without a compiled file: none. */
	RETURNED("%d", stat("/", &st) == 0
		 && cidr_table_open_compiled("/", &st) == 0);
    } else if (strncmp(name, "cidr_table_", 11) == 0) {
	CIDR_TABLE *table = cidr_table_create();
	const char *value;

	cidr_match_parse(&m, pattern, CIDR_MATCH_TRUE, 0);
	cidr_table_add(table, &m, "REJECT", 1);
	cidr_table_finish(table, "/etc/postfix/t.cidr");
	value = cidr_table_lookup(table, "192.0.2.7");
	cidr_table_free(table);
	RETURNED("%d", value != 0 && strcmp(value, "REJECT") == 0);
    } else if (strcmp(name, "match_hostaddr_literal") == 0)
	RETURNED("%d", match_hostaddr_literal("192.0.2.7", "192.0.2.0/24", &why));
    else if (strcmp(name, "valid_hostaddr") == 0)
	RETURNED("%d", valid_hostaddr("192.0.2.1", DO_GRIPE));
    else if (strcmp(name, "valid_ipv4_hostaddr") == 0)
	RETURNED("%d", valid_ipv4_hostaddr("192.0.2.1", DO_GRIPE));
    else if (strcmp(name, "valid_ipv6_hostaddr") == 0)
	RETURNED("%d", valid_ipv6_hostaddr("2001:db8::1", DO_GRIPE));
    else if (strcmp(name, "valid_mailhost_addr") == 0)
	RETURNED("%d", valid_mailhost_addr("IPv6:2001:db8::1", DO_GRIPE) != 0);
    else if (strcmp(name, "valid_mailhost_literal") == 0)
	RETURNED("%d", valid_mailhost_literal("[192.0.2.1]", DO_GRIPE));
    else if (strcmp(name, "own_inet_addr") == 0)
	RETURNED("%d", own_inet_addr((struct sockaddr *) &sin));
    else if (strcmp(name, "own_inet_addr_list") == 0)
	RETURNED("%d", own_inet_addr_list()->used > 0);
    else if (strcmp(name, "own_inet_mask_list") == 0)
	RETURNED("%d", own_inet_mask_list()->used > 0);
    else if (strcmp(name, "proxy_inet_addr") == 0)
	RETURNED("%d", proxy_inet_addr((struct sockaddr *) &sin));
    else if (strcmp(name, "proxy_inet_addr_list") == 0)
	RETURNED("%d", proxy_inet_addr_list()->used);
    else if (strcmp(name, "mynetworks") == 0)
	RETURNED("%s", mynetworks());
    else if (strcmp(name, "mynetworks_host") == 0)
	RETURNED("%s", mynetworks_host());
    else
	return (0);
    return (1);
}

static int call_api(const char *name)
{
    char    buf[256];
    char    warn[256];
    unsigned mask = 0;
    pfinet_cidr *c = 0;

    if (strcmp(name, "pfinet_inet_protocols") == 0)
	RETURNED("%d", pfinet_inet_protocols("ipv4", &mask, warn, sizeof(warn), buf, sizeof(buf)));
    else if (strcmp(name, "pfinet_valid_hostaddr") == 0)
	RETURNED("%d", pfinet_valid_hostaddr("192.0.2.1", buf, sizeof(buf)));
    else if (strcmp(name, "pfinet_valid_mailhost_literal") == 0)
	RETURNED("%d", pfinet_valid_mailhost_literal("[192.0.2.1]", buf, sizeof(buf)));
    else if (strcmp(name, "pfinet_cidr_parse") == 0)
	RETURNED("%d", pfinet_cidr_parse("192.0.2.0/24", &c, buf, sizeof(buf)));
    else if (strcmp(name, "pfinet_cidr_match") == 0)
	RETURNED("%d", (pfinet_cidr_parse("192.0.2.0/24", &c, buf, sizeof(buf)),
			pfinet_cidr_match(c, "192.0.2.7")));
    else if (strcmp(name, "pfinet_cidr_free") == 0)
	RETURNED("%d", (pfinet_cidr_parse("192.0.2.0/24", &c, buf, sizeof(buf)),
			pfinet_cidr_free(c), c = 0, 0));
    else if (strncmp(name, "pfinet_match_list_", 18) == 0) {
	static const char *const patterns[] = {"192.0.2.0/24"};
	static const unsigned char addr[4] = {192, 0, 2, 7};
	pfinet_match_list *list = 0;
	size_t  from = 0;
	int     got = pfinet_match_list_new(patterns, 1, &list);

	if (strcmp(name, "pfinet_match_list_lookup") == 0)
	    got = pfinet_match_list_lookup(list, "192.0.2.7", &from, 0, 0, 0);
	else if (strcmp(name, "pfinet_match_list_lookup_binary") == 0)
	    got = pfinet_match_list_lookup_binary(list, AF_INET, addr, &from, 0, 0, 0);
	else if (strcmp(name, "pfinet_match_list_free") == 0)
	    got = 0;
	pfinet_match_list_free(list);
	RETURNED("%d", got);
    } else if (strncmp(name, "pfinet_namadr_list_", 19) == 0) {
	static const char *const patterns[] = {"example.com", "192.0.2.0/24"};
	pfinet_namadr_list *list = 0;
	size_t  from = 0;
	int     got = pfinet_namadr_list_new(patterns, 2, PFINET_MATCH_FLAG_PARENT, &list);

	if (strcmp(name, "pfinet_namadr_list_lookup") == 0)
	    got = pfinet_namadr_list_lookup(list, "mail.example.com", "192.0.2.7", &from, 0, 0, 0);
	else if (strcmp(name, "pfinet_namadr_list_free") == 0)
	    got = 0;
	pfinet_namadr_list_free(list);
	RETURNED("%d", got);
    } else if (strncmp(name, "pfinet_cidr_table_", 18) == 0) {
	static const char *const rules[] = {"192.0.2.0/24"};
	static const unsigned char addr[4] = {192, 0, 2, 7};
	pfinet_cidr_table *table = 0;
	int     got = pfinet_cidr_table_new(rules, 1, &table, 0, buf, sizeof(buf));

	if (strcmp(name, "pfinet_cidr_table_lookup") == 0)
	    got = pfinet_cidr_table_lookup(table, "192.0.2.7", 0);
	else if (strcmp(name, "pfinet_cidr_table_lookup_binary") == 0)
	    got = pfinet_cidr_table_lookup_binary(table, AF_INET, addr, 0);
	else if (strcmp(name, "pfinet_cidr_table_free") == 0)
	    got = 0;
	pfinet_cidr_table_free(table);
	RETURNED("%d", got);
    } else if (strcmp(name, "pfinet_match_hostaddr") == 0)
	RETURNED("%d", pfinet_match_hostaddr("192.0.2.7", "192.0.2.0/24", buf, sizeof(buf)));
    else if (strcmp(name, "pfinet_mynetworks") == 0)
	RETURNED("%d", pfinet_mynetworks("ipv4", "host", "loopback-only", buf, sizeof(buf),
				      warn, sizeof(warn), buf, sizeof(buf)));
    else if (strcmp(name, "pfinet_vstring_str") == 0 || strcmp(name, "pfinet_vstring_free") == 0) {
	CIDR_MATCH m;
	char    bad[] = "192.0.2.1/24";
	VSTRING *why = cidr_match_parse(&m, bad, CIDR_MATCH_TRUE, 0);
	const char *text = pfinet_vstring_str(why);

	if (strcmp(name, "pfinet_vstring_str") == 0)
	    RETURNED("%s", text ? "text" : "null");
	pfinet_vstring_free(why);
	if (strcmp(name, "pfinet_vstring_free") == 0)
	    RETURNED("%d", 0);
    } else if (strcmp(name, "pfinet_msg_tag") == 0)
	RETURNED("%d", (pfinet_msg_tag("panic_boundary"), 0));
    else if (strcmp(name, "pfinet_set_param") == 0)
	RETURNED("%d", pfinet_set_param("inet_interfaces", "loopback-only"));
    else if (strcmp(name, "pfinet_set_msg_verbose") == 0)
	RETURNED("%d", (pfinet_set_msg_verbose(0), 0));
    else
	return (0);
    pfinet_cidr_free(c);
    return (1);
}

int     main(int argc, char **argv)
{
    setvbuf(stdout, (char *) 0, _IONBF, 0);
    if (argc != 2) {
	fprintf(stderr, "usage: %s NAME\n", argv[0]);
	return (2);
    }
    pfinet_msg_tag("panic_boundary");
    if (call_postfix_name(argv[1]) || call_api(argv[1]))
	return (0);
    printf("unknown function %s\n", argv[1]);
    return (2);
}
