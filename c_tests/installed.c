/*
 * installed.c - a program built against an installed pfinet with
 * "pkg-config --cflags --libs pfinet" (tests/install.rs): the pfinet_* API
 * and a Postfix-named function, with values that follow from first
 * principles.
 */
#include <pfinet.h>

#include <stdio.h>
#include <string.h>

int     main(void)
{
    pfinet_cidr *cidr = 0;
    char    err[256];
    int     ok = 1;

    if (pfinet_cidr_parse("[2001:db8::]/32", &cidr, err, sizeof(err)) != PFINET_OK) {
	printf("parse: %s\n", err);
	return (1);
    }
    ok &= pfinet_cidr_match(cidr, "2001:db8::5") == PFINET_OK;
    ok &= pfinet_cidr_match(cidr, "2001:db9::5") == PFINET_NO_MATCH;
    pfinet_cidr_free(cidr);
    ok &= pfinet_cidr_parse("1.2.3.4/24", &cidr, err, sizeof(err)) == PFINET_ERR_SYNTAX;
    ok &= strstr(err, "perhaps you should use \"1.2.3.0/24\" instead") != 0;
    ok &= valid_hostaddr("192.0.2.1", 0) == 1;
    ok &= valid_hostaddr("192.0.2.256", 0) == 0;
    printf("pfinet %s: %s\n", pfinet_version(), ok ? "ok" : "FAILED");
    return (ok ? 0 : 1);
}
