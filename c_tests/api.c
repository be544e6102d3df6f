/*
 * api.c - the pfinet_* C API: errors come back as values, never as an exit.
 * Expected values follow from Postfix's rules (the same texts are checked
 * against stock Postfix by driver.c) and from first principles.
 * Prints "N passed, M failed" and exits non-zero on any failure.
 */
#include <pfinet.h>

#include <stdio.h>
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

int     main(void)
{
    CHECK(strlen(pfinet_version()) > 0);
    test_syntax();
    test_cidr();
    test_match();
    test_protocols();
    test_mynetworks();
    printf("%d passed, %d failed\n", passed, failed);
    return (failed != 0);
}
