/*
 * api.c - the pfinet_* C API: errors come back as values, never as an exit.
 * Expected values follow from Postfix's rules (the same texts are checked
 * against stock Postfix by driver.c) and from first principles.
 * Prints "N passed, M failed" and exits non-zero on any failure.
 */
#include <pfinet.h>

#include <stdio.h>
#include <sys/socket.h>
#include <string.h>

static int passed;
static int failed;

#define CHECK(cond) do { \
	if (cond) passed++; \
	else { failed++; printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
    } while (0)

static void test_syntax(void)
{
    char    err[256];

    CHECK(pfinet_valid_hostaddr("192.0.2.1", err, sizeof(err)) == PFINET_OK);
    CHECK(pfinet_valid_hostaddr("0.1.2.3", err, sizeof(err)) == PFINET_ERR_SYNTAX);
    CHECK(strcmp(err, "valid_ipv4_hostaddr: bad initial octet value: 0.1.2.3") == 0);
    CHECK(pfinet_valid_hostaddr("2001:db8::1", err, sizeof(err)) == PFINET_OK);
    CHECK(pfinet_valid_mailhost_literal("[IPv6:2001:db8::1]", err, sizeof(err)) == PFINET_OK);
    CHECK(pfinet_valid_mailhost_literal("[1.2.3.4]x", err, sizeof(err)) == PFINET_ERR_SYNTAX);
    CHECK(strcmp(err, "valid_mailhost_literal: unexpected text after ']': [1.2.3.4]x") == 0);
    /* A short buffer gets a cut, terminated text. */
    CHECK(pfinet_valid_hostaddr("0.1.2.3", err, 6) == PFINET_ERR_SYNTAX);
    CHECK(strcmp(err, "valid") == 0);
    CHECK(pfinet_valid_hostaddr("0.1.2.3", 0, 0) == PFINET_ERR_SYNTAX);
    CHECK(pfinet_valid_hostaddr(0, err, sizeof(err)) == PFINET_ERR_NULL);
}

static void test_cidr(void)
{
    char    err[256];
    pfinet_cidr *c = 0;

    CHECK(pfinet_cidr_parse("[2001:db8::]/32", &c, err, sizeof(err)) == PFINET_OK);
    CHECK(c != 0);
    CHECK(pfinet_cidr_match(c, "2001:db8:ffff::1") == PFINET_OK);
    CHECK(pfinet_cidr_match(c, "2001:db9::1") == PFINET_NO_MATCH);
    CHECK(pfinet_cidr_match(c, "192.0.2.1") == PFINET_NO_MATCH);
    CHECK(pfinet_cidr_match(c, "not an address") == PFINET_NO_MATCH);
    CHECK(pfinet_cidr_match(0, "192.0.2.1") == PFINET_ERR_NULL);
    pfinet_cidr_free(c);
    pfinet_cidr_free(0);

    c = 0;
    CHECK(pfinet_cidr_parse("192.0.2.1/24", &c, err, sizeof(err)) == PFINET_ERR_SYNTAX);
    CHECK(c == 0);
    CHECK(strcmp(err, "non-null host address bits in \"192.0.2.1/24\", "
		 "perhaps you should use \"192.0.2.0/24\" instead") == 0);
    CHECK(pfinet_cidr_parse("[192.0.2.0", &c, err, sizeof(err)) == PFINET_ERR_SYNTAX);
    CHECK(strcmp(err, "missing ']' character after \"[192.0.2.0\"") == 0);
    CHECK(pfinet_cidr_parse(0, &c, err, sizeof(err)) == PFINET_ERR_NULL);
}

static void test_match(void)
{
    char    err[256];

    CHECK(pfinet_match_hostaddr("192.0.2.7", "192.0.2.0/24", err, sizeof(err)) == PFINET_OK);
    CHECK(pfinet_match_hostaddr("192.0.3.7", "192.0.2.0/24", err, sizeof(err)) == PFINET_NO_MATCH);
    CHECK(pfinet_match_hostaddr("192.0.2.7", "[192.0.2.7]", err, sizeof(err)) == PFINET_OK);
    CHECK(pfinet_match_hostaddr("192.0.2.7", "192.0.2.0/33", err, sizeof(err)) == PFINET_ERR_SYNTAX);
    CHECK(strcmp(err, "bad mask length in \"192.0.2.0/33\"") == 0);
    CHECK(pfinet_match_hostaddr("::1", "hash:/etc/postfix/x", err, sizeof(err)) == PFINET_ERR_SYNTAX);
}

static void test_protocols(void)
{
    char    warn[256];
    char    err[256];
    unsigned mask = 99;

    CHECK(pfinet_inet_protocols("ipv4", &mask, warn, sizeof(warn), err, sizeof(err)) == PFINET_OK);
    CHECK(mask == PFINET_PROTO_IPV4);
    CHECK(warn[0] == 0);
    /* An unknown name is Postfix's fatal text, returned, and we go on. */
    CHECK(pfinet_inet_protocols("ipv4, bogus", &mask, warn, sizeof(warn), err, sizeof(err))
	  == PFINET_ERR_SYNTAX);
    CHECK(strcmp(err, "unknown inet_protocols value \"bogus\" in \"ipv4, bogus\"") == 0);
    CHECK(pfinet_inet_protocols("", &mask, warn, sizeof(warn), err, sizeof(err)) == PFINET_OK);
    CHECK(mask == 0);
    CHECK(pfinet_inet_protocols("all", 0, warn, sizeof(warn), err, sizeof(err)) == PFINET_ERR_NULL);
}

static void test_mynetworks(void)
{
    char    out[256];
    char    warn[256];
    char    err[256];

    /* Every host has 127.0.0.1/8 on its loopback interface. */
    CHECK(pfinet_mynetworks("ipv4", "host", "loopback-only", out, sizeof(out),
			    warn, sizeof(warn), err, sizeof(err)) == PFINET_OK);
    CHECK(strcmp(out, "127.0.0.1/32") == 0);
    CHECK(pfinet_mynetworks("ipv4", "class", "127.0.0.1", out, sizeof(out),
			    warn, sizeof(warn), err, sizeof(err)) == PFINET_OK);
    CHECK(strcmp(out, "127.0.0.0/8") == 0);
    CHECK(pfinet_mynetworks("ipv4", "host", "loopback-only", out, 4,
			    warn, sizeof(warn), err, sizeof(err)) == PFINET_ERR_SPACE);
    CHECK(strcmp(out, "127") == 0);
    CHECK(pfinet_mynetworks("ipv4", "host,subnet", "all", out, sizeof(out),
			    warn, sizeof(warn), err, sizeof(err)) == PFINET_ERR_SYNTAX);
    CHECK(strcmp(err, "bad mynetworks_style value: host,subnet; specify exactly one value") == 0);
    /* 203.0.113.0/24 is TEST-NET-3, documentation only: not on this host. */
    CHECK(pfinet_mynetworks("ipv4", "host", "203.0.113.199", out, sizeof(out),
			    warn, sizeof(warn), err, sizeof(err)) == PFINET_ERR_SYSTEM);
    CHECK(strcmp(err, "parameter inet_interfaces: no local interface found for 203.0.113.199") == 0);
    CHECK(pfinet_mynetworks("", "host", "all", out, sizeof(out),
			    warn, sizeof(warn), err, sizeof(err)) == PFINET_OK);
    CHECK(out[0] == 0);
    CHECK(pfinet_mynetworks(0, "host", "all", out, sizeof(out),
			    warn, sizeof(warn), err, sizeof(err)) == PFINET_ERR_NULL);
}

static void test_compiled(void)
{
    static const char *const patterns[] = {
	"192.0.2.1", "!198.51.100.0/24", "198.51.0.0/16", "hash:/etc/x",
	"10.0.0.0/33", "[2001:db8::]/32",
    };
    static const char *const rules[] = {
	"if 10.0.0.0/8", "!10.1.0.0/16", "endif", "0.0.0.0/0",
    };
    static const unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const unsigned char v4[4] = {10, 1, 2, 3};
    pfinet_match_list *list = 0;
    pfinet_cidr_table *table = 0;
    size_t  from, entry, bad = 0;
    char    err[256];

    CHECK(pfinet_match_list_new(patterns, 6, &list) == PFINET_OK);
    from = 0;
    CHECK(pfinet_match_list_lookup(list, "192.0.2.1", &from, &entry, err, sizeof(err)) == PFINET_OK);
    CHECK(entry == 0);
    /* A negated pattern decides: the list says no, and names it. */
    from = 0;
    CHECK(pfinet_match_list_lookup(list, "198.51.100.7", &from, &entry, err, sizeof(err)) == PFINET_NO_MATCH);
    CHECK(entry == 1);
    from = 0;
    CHECK(pfinet_match_list_lookup(list, "198.51.7.7", &from, &entry, err, sizeof(err)) == PFINET_OK);
    CHECK(entry == 2);
    /* The table pattern is the caller's; then the malformed one errs. */
    from = 0;
    CHECK(pfinet_match_list_lookup(list, "10.9.9.9", &from, &entry, err, sizeof(err)) == PFINET_DICTIONARY);
    CHECK(entry == 3 && from > 0);
    CHECK(pfinet_match_list_lookup(list, "10.9.9.9", &from, &entry, err, sizeof(err)) == PFINET_ERR_SYNTAX);
    CHECK(entry == 4);
    CHECK(strcmp(err, "bad mask length in \"10.0.0.0/33\"") == 0);
    /* IPv6 addresses pass the IPv4 error by (Postfix skips IPv4 patterns). */
    from = 0;
    CHECK(pfinet_match_list_lookup_binary(list, AF_INET6, v6, &from, &entry, err, sizeof(err)) == PFINET_DICTIONARY);
    CHECK(pfinet_match_list_lookup_binary(list, AF_INET6, v6, &from, &entry, err, sizeof(err)) == PFINET_OK);
    CHECK(entry == 5);
    CHECK(pfinet_match_list_lookup(list, 0, &from, &entry, err, sizeof(err)) == PFINET_ERR_NULL);
    CHECK(pfinet_match_list_lookup_binary(list, 12345, v6, &from, &entry, err, sizeof(err)) == PFINET_ERR_SYNTAX);
    pfinet_match_list_free(list);
    pfinet_match_list_free(0);

    CHECK(pfinet_cidr_table_new(rules, 4, &table, &bad, err, sizeof(err)) == PFINET_OK);
    CHECK(pfinet_cidr_table_lookup(table, "10.2.0.1", &entry) == PFINET_OK && entry == 1);
    CHECK(pfinet_cidr_table_lookup_binary(table, AF_INET, v4, &entry) == PFINET_OK && entry == 3);
    CHECK(pfinet_cidr_table_lookup(table, "2001:db8::1", &entry) == PFINET_NO_MATCH);
    CHECK(entry == (size_t) -1);
    pfinet_cidr_table_free(table);
    CHECK(pfinet_cidr_table_new(rules + 2, 2, &table, &bad, err, sizeof(err)) == PFINET_ERR_SYNTAX);
    CHECK(bad == 0 && strcmp(err, "ENDIF without IF") == 0);
}

/* Host names and addresses: namadr lists. */
static void test_namadr(void)
{
    static const char *const patterns[] = {
	"!bad.example.com", "example.com", ".example.org", "hash:/etc/x",
	"10.0.0.0/33", "192.0.2.0/24",
    };
    pfinet_namadr_list *list = 0;
    size_t  from, entry;
    char    err[256];

    CHECK(pfinet_namadr_list_new(patterns, 6, PFINET_MATCH_FLAG_PARENT | PFINET_MATCH_FLAG_RETURN,
				 &list) == PFINET_OK);
    from = 0;
    CHECK(pfinet_namadr_list_lookup(list, "mx.example.com", "10.9.9.9", &from, &entry, err,
				    sizeof(err)) == PFINET_OK);
    CHECK(entry == 1);
    from = 0;
    CHECK(pfinet_namadr_list_lookup(list, "a.bad.example.com", "192.0.2.1", &from, &entry, err,
				    sizeof(err)) == PFINET_NO_MATCH);
    CHECK(entry == 0);
    /* The parent style: ".example.org" needs a name with a '.' before it. */
    from = 0;
    CHECK(pfinet_namadr_list_lookup(list, "mx.example.org", "192.0.2.1", &from, &entry, err,
				    sizeof(err)) == PFINET_DICTIONARY);
    CHECK(entry == 3 && from > 0);
    CHECK(pfinet_namadr_list_lookup(list, "mx.example.org", "192.0.2.1", &from, &entry, err,
				    sizeof(err)) == PFINET_ERR_SYNTAX);
    CHECK(entry == 4);
    /* The malformed pattern's text as the name: a match, not an error. */
    CHECK(pfinet_namadr_list_lookup(list, "10.0.0.0/33", "192.0.2.1", &from, &entry, err,
				    sizeof(err)) == PFINET_OK);
    CHECK(entry == 4);
    pfinet_namadr_list_free(list);
    /* Without the parent style, ".example.org" matches below it. */
    CHECK(pfinet_namadr_list_new(patterns, 6, 0, &list) == PFINET_OK);
    from = 0;
    CHECK(pfinet_namadr_list_lookup(list, "mx.example.org", "192.0.2.1", &from, &entry, err,
				    sizeof(err)) == PFINET_OK);
    CHECK(entry == 2);
    from = 0;
    CHECK(pfinet_namadr_list_lookup(list, 0, "192.0.2.1", &from, &entry, err, sizeof(err)) == PFINET_ERR_NULL);
    CHECK(pfinet_namadr_list_lookup(list, "x", 0, &from, &entry, err, sizeof(err)) == PFINET_ERR_NULL);
    CHECK(pfinet_namadr_list_lookup(list, "x", "192.0.2.1", 0, &entry, err, sizeof(err)) == PFINET_ERR_NULL);
    CHECK(pfinet_namadr_list_lookup(0, "x", "192.0.2.1", &from, &entry, err, sizeof(err)) == PFINET_ERR_NULL);
    pfinet_namadr_list_free(list);
    pfinet_namadr_list_free(0);
    CHECK(pfinet_namadr_list_new(patterns, 6, 4, &list) == PFINET_ERR_SYNTAX);
    CHECK(pfinet_namadr_list_new(0, 6, 0, &list) == PFINET_ERR_NULL);
    CHECK(pfinet_namadr_list_new(patterns, 6, 0, 0) == PFINET_ERR_NULL);
}

int     main(void)
{
    CHECK(strlen(pfinet_version()) > 0);
    test_syntax();
    test_cidr();
    test_match();
    test_protocols();
    test_mynetworks();
    test_compiled();
    test_namadr();
    printf("%d passed, %d failed\n", passed, failed);
    return (failed != 0);
}
