/*
 * misuse.c - the replaced Postfix functions called with impossible
 * arguments: out-of-range values (where Postfix has a msg_panic) and null
 * pointers (where Postfix dereferences without a check). Built, like
 * driver.c, against stock Postfix (-DPFINET_STOCK), against pfinet, and
 * against pfinet with its Postfix host binding (-DPFINET_POSTFIX_BINDING);
 * tests/misuse.rs runs each case in all of them and compares.
 *
 * usage: misuse CASE     (misuse list: the case names, one per line)
 *
 * A case that returns prints "done" (after "returned VALUE" for a call
 * with a result) and exits 0.
 */
#ifdef PFINET_STOCK
#include <sys_defs.h>
#include <msg.h>
#include <msg_vstream.h>
#include <vstream.h>
#include <inet_proto.h>
#include <inet_addr_list.h>
#include <inet_addr_local.h>
#include <mask_addr.h>
#include <cidr_match.h>
#include <valid_hostname.h>
#include <valid_mailhost_addr.h>
#include <own_inet_addr.h>
#include <mail_params.h>
#elif defined(PFINET_POSTFIX_BINDING)
#include <sys_defs.h>
#include <msg.h>
#include <msg_vstream.h>
#include <vstream.h>
#include <pfinet.h>

 /*
  * Postfix's main.cf parameter, which pfinet reads when it is defined (not
  * from libglobal.a's mail_params.o: that would pull in stock
  * valid_hostname.o, whose valid_hostaddr() pfinet replaces).
  */
char   *var_inet_interfaces;
#else
#include <pfinet.h>
#endif

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define TAG "misuse"

#if defined(PFINET_STOCK) || defined(PFINET_POSTFIX_BINDING)
#define MSG_INIT()	msg_vstream_init(TAG, VSTREAM_ERR)
#define SET_INTERFACES(v) (var_inet_interfaces = (v))
#else
#define MSG_INIT()	pfinet_msg_tag(TAG)
#define SET_INTERFACES(v) pfinet_set_param("inet_interfaces", (v))
#endif

static struct sockaddr_storage family_addr(int family)
{
    struct sockaddr_storage ss;

    memset(&ss, 0, sizeof(ss));
    ss.ss_family = family;
    if (family == AF_INET)
	((struct sockaddr_in *) &ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return (ss);
}

#define SA(ss)	((struct sockaddr *) &(ss))

static int run_case(const char *name)
{
    INET_ADDR_LIST list;
    CIDR_MATCH m;
    unsigned char bytes[16];
    char    pattern[] = "192.0.2.0/24";
    unsigned unix_family[] = {AF_UNIX, 0};
    unsigned inet_then_unix[] = {AF_INET, AF_UNIX, 0};
    unsigned inet_family[] = {AF_INET, 0};
    struct sockaddr_storage unix_sa = family_addr(AF_UNIX);
    struct sockaddr_storage inet_sa = family_addr(AF_INET);

    memset(bytes, 0xff, sizeof(bytes));
    memset(&m, 0, sizeof(m));
    inet_addr_list_init(&list);

#define CASE(n)	else if (strcmp(name, (n)) == 0)
#define RETURNED(fmt, val) printf("returned " fmt "\n", (val))

    if (0) {
    }
    /* Out of range: Postfix's msg_panic, or its plain result. */
    CASE("mask_addr_too_many_bits") mask_addr(bytes, 4, 33);
    CASE("mask_addr_too_many_bits_v6") mask_addr(bytes, 16, 129);
    CASE("mask_addr_null_no_bytes") RETURNED("%d", (mask_addr(0, 0, 0), 0));
    CASE("inet_addr_local_unknown_family")
	inet_addr_local(&list, 0, unix_family);
    CASE("inet_addr_local_inet_then_unknown")
	inet_addr_local(&list, 0, inet_then_unix);
    CASE("inet_addr_local_no_mask_list")
	RETURNED("%d", inet_addr_local(&list, 0, inet_family) > 0);
    CASE("inet_addr_list_uniq_unknown_family") {
	inet_addr_list_append(&list, SA(unix_sa));
	inet_addr_list_append(&list, SA(unix_sa));
	inet_addr_list_uniq(&list);
    }
    CASE("inet_addr_list_uniq_mixed_families") {
	inet_addr_list_append(&list, SA(unix_sa));
	inet_addr_list_append(&list, SA(inet_sa));
	inet_addr_list_uniq(&list);
	RETURNED("%d", list.used);
    }
    CASE("own_inet_addr_unknown_family") {
	inet_proto_init("inet_protocols", "ipv4");
	SET_INTERFACES("127.0.0.1");
	RETURNED("%d", own_inet_addr(SA(unix_sa)));
    }
    CASE("cidr_match_execute_null_list")
	RETURNED("%d", cidr_match_execute(0, "192.0.2.1") != 0);
    /* Null pointers: Postfix dereferences them. */
    CASE("valid_hostaddr_null") valid_hostaddr(0, DO_GRIPE);
    CASE("valid_ipv4_hostaddr_null") valid_ipv4_hostaddr(0, DO_GRIPE);
    CASE("valid_ipv6_hostaddr_null") valid_ipv6_hostaddr(0, DO_GRIPE);
    CASE("valid_mailhost_addr_null") valid_mailhost_addr(0, DO_GRIPE);
    CASE("valid_mailhost_literal_null") valid_mailhost_literal(0, DO_GRIPE);
    CASE("cidr_match_parse_null_pattern")
	cidr_match_parse(&m, 0, CIDR_MATCH_TRUE, 0);
    CASE("cidr_match_parse_null_match")
	cidr_match_parse(0, pattern, CIDR_MATCH_TRUE, 0);
    CASE("cidr_match_parse_if_null_match")
	cidr_match_parse_if(0, pattern, CIDR_MATCH_TRUE, 0);
    CASE("cidr_match_endif_null") cidr_match_endif(0);
    CASE("cidr_match_execute_null_address") cidr_match_execute(&m, 0);
    CASE("inet_addr_list_init_null") inet_addr_list_init(0);
    CASE("inet_addr_list_append_null_list") inet_addr_list_append(0, SA(inet_sa));
    CASE("inet_addr_list_append_null_address") inet_addr_list_append(&list, 0);
    CASE("inet_addr_list_uniq_null") inet_addr_list_uniq(0);
    CASE("inet_addr_list_free_null") inet_addr_list_free(0);
    CASE("inet_addr_local_null_list") inet_addr_local(0, 0, inet_family);
    CASE("inet_addr_local_null_families") inet_addr_local(&list, 0, 0);
    CASE("inet_proto_init_null_protocols") inet_proto_init("inet_protocols", 0);
    CASE("inet_proto_init_null_context")
	RETURNED("%u", inet_proto_init(0, "ipv4")->ai_family);
    CASE("inet_proto_init_null_context_bad_name") inet_proto_init(0, "bogus");
    CASE("mask_addr_null") mask_addr(0, 4, 8);
    CASE("own_inet_addr_null") {
	inet_proto_init("inet_protocols", "ipv4");
	SET_INTERFACES("127.0.0.1");
	own_inet_addr(0);
    }
    else
	return (0);
    printf("done\n");
    inet_addr_list_free(&list);
    return (1);
}

static const char *cases[] = {
    "mask_addr_too_many_bits", "mask_addr_too_many_bits_v6",
    "mask_addr_null_no_bytes", "inet_addr_local_unknown_family",
    "inet_addr_local_inet_then_unknown", "inet_addr_local_no_mask_list",
    "inet_addr_list_uniq_unknown_family", "inet_addr_list_uniq_mixed_families",
    "own_inet_addr_unknown_family", "cidr_match_execute_null_list",
    "valid_hostaddr_null", "valid_ipv4_hostaddr_null",
    "valid_ipv6_hostaddr_null", "valid_mailhost_addr_null",
    "valid_mailhost_literal_null", "cidr_match_parse_null_pattern",
    "cidr_match_parse_null_match", "cidr_match_parse_if_null_match",
    "cidr_match_endif_null", "cidr_match_execute_null_address",
    "inet_addr_list_init_null", "inet_addr_list_append_null_list",
    "inet_addr_list_append_null_address", "inet_addr_list_uniq_null",
    "inet_addr_list_free_null", "inet_addr_local_null_list",
    "inet_addr_local_null_families", "inet_proto_init_null_protocols",
    "inet_proto_init_null_context", "inet_proto_init_null_context_bad_name",
    "mask_addr_null", "own_inet_addr_null",
};

int     main(int argc, char **argv)
{
    size_t  i;

    setvbuf(stdout, (char *) 0, _IONBF, 0);
    MSG_INIT();
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	    printf("%s\n", cases[i]);
	return (0);
    }
    if (argc == 2 && run_case(argv[1]))
	return (0);
    fprintf(stderr, "usage: %s list|CASE\n", argv[0]);
    return (2);
}
