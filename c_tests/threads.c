/*
 * threads.c - a stress test of the functions README.md lists as safe to
 * call from several threads at once: every one of them is first called by
 * the main thread alone, on a fixed set of inputs, and its results are
 * recorded (one line each); then THREADS threads run the same calls
 * ROUNDS times each, all at the same time, and every result must equal
 * the recorded one. Shared objects (a CIDR_MATCH list, a pfinet_cidr, a
 * compiled match list, namadr list and cidr table) are built once and only
 * read by the threads, as the README allows.
 *
 * usage: threads [THREADS [ROUNDS]]   (default 8 and 200)
 *
 * Prints "N results, T threads x R rounds: all equal" and exits 0, or
 * prints the first difference and exits 1. tests/threads.rs runs it plain
 * and built with -fsanitize=thread.
 */
#include <pfinet.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#define MAX_RESULTS	1000
#define RESULT_LEN	1200

typedef struct {
    char    text[MAX_RESULTS][RESULT_LEN];
    int     count;
} RESULTS;

static const char *addrs[] = {
    "192.0.2.1", "0.1.2.3", "256.1.1.1", "2001:db8::1", "::ffff:1.2.3.4",
    "2001:db8::1:2:3:4:5:6", "fe80::1%eth0", "", "1.2.3", "[::1]",
};

static const char *literals[] = {
    "[192.0.2.1]", "[IPv6:2001:db8::1]", "[IPv6:1.2.3.4]", "[1.2.3.4]x",
    "IPv6:::1", "[ipv6:::1]",
};

static const char *patterns[] = {
    "192.0.2.0/24", "192.0.2.1/24", "[2001:db8::]/32", "[2001:db8::1]",
    "0.0.0.0/0", "1.2.3.4/33", "[::]/0", "!192.0.2.0/25", "garbage",
};

static CIDR_MATCH *shared_list;		/* built by main, read by threads */
static pfinet_cidr *shared_cidr;
static pfinet_match_list *shared_match;
static pfinet_namadr_list *shared_namadr;
static pfinet_cidr_table *shared_table;

/* Compiled lists: a match list, a namadr list, a cidr table's rules. */
static const char *list_patterns[] = {
    "192.0.2.0/24", "!192.0.2.128/25", "[2001:db8::]/32", "1.2.3.4/33",
    "hash:/no/such/table", "0.0.0.0/0", "[::1]",
};
static const char *namadr_patterns[] = {
    "example.com", ".example.net", "!mail.example.org", "192.0.2.0/24",
    "[2001:db8::]/32", "example.org",
};
static const char *table_rules[] = {
    "192.0.2.0/25", "if !10.0.0.0/8", "[2001:db8::]/48", "0.0.0.0/1",
    "endif", "0.0.0.0/0",
};
static const char *names[] = {
    "mail.example.com", "x.example.net", "mail.example.org", "unknown",
};

#define LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* add - one result: fmt has a %s for a, then (if any) a %ld for v */

static void __attribute__((format(printf, 2, 0))) add(RESULTS *r, const char *fmt, const char *a, long v)
{
    if (r->count >= MAX_RESULTS) {
	printf("more than %d results\n", MAX_RESULTS);
	exit(1);
    }
    snprintf(r->text[r->count++], RESULT_LEN, fmt, a, v);
}

static void syntax_checks(RESULTS *r)
{
    char    err[256];
    size_t  i;

    for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
	err[0] = 0;
	add(r, "valid_hostaddr %s %ld", addrs[i], valid_hostaddr(addrs[i], DONT_GRIPE));
	add(r, "valid_ipv4_hostaddr %s %ld", addrs[i], valid_ipv4_hostaddr(addrs[i], DONT_GRIPE));
	add(r, "valid_ipv6_hostaddr %s %ld", addrs[i], valid_ipv6_hostaddr(addrs[i], DONT_GRIPE));
	add(r, "pfinet_valid_hostaddr %s %ld", addrs[i],
	    pfinet_valid_hostaddr(addrs[i], err, sizeof(err)));
	add(r, "pfinet_valid_hostaddr err %s", err, 0);
    }
    for (i = 0; i < sizeof(literals) / sizeof(literals[0]); i++) {
	const char *a = valid_mailhost_addr(literals[i], DONT_GRIPE);

	add(r, "valid_mailhost_addr %s %ld", literals[i], a ? (long) (a - literals[i]) : -1L);
	add(r, "valid_mailhost_literal %s %ld", literals[i],
	    valid_mailhost_literal(literals[i], DONT_GRIPE));
	add(r, "pfinet_valid_mailhost_literal %s %ld", literals[i],
	    pfinet_valid_mailhost_literal(literals[i], err, sizeof(err)));
    }
}

static void matching(RESULTS *r)
{
    char    err[256];
    char    copy[64];
    size_t  i, j;
    CIDR_MATCH m;
    VSTRING *why;
    pfinet_cidr *c;
    unsigned char bytes[16];

    for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
	memset(&m, 0, sizeof(m));
	snprintf(copy, sizeof(copy), "%s", patterns[i]);
	why = cidr_match_parse(&m, copy, CIDR_MATCH_TRUE, 0);
	add(r, "cidr_match_parse %s %ld", patterns[i], (long) (why != 0));
	if (why) {
	    add(r, "  why %s", pfinet_vstring_str(why), 0);
	    pfinet_vstring_free(why);
	}
	snprintf(copy, sizeof(copy), "%s", patterns[i]);
	why = cidr_match_parse_if(&m, copy, CIDR_MATCH_FALSE, 0);
	add(r, "cidr_match_parse_if %s %ld", patterns[i], (long) (why ? -1 : m.op));
	if (why)
	    pfinet_vstring_free(why);
	cidr_match_endif(&m);
	add(r, "cidr_match_endif %s %ld", "", (long) m.op);
	c = 0;
	add(r, "pfinet_cidr_parse %s %ld", patterns[i],
	    pfinet_cidr_parse(patterns[i], &c, err, sizeof(err)));
	for (j = 0; j < sizeof(addrs) / sizeof(addrs[0]); j++) {
	    why = 0;
	    add(r, "match_hostaddr_literal %s %ld", addrs[j],
		match_hostaddr_literal(addrs[j], patterns[i], &why));
	    if (why)
		pfinet_vstring_free(why);
	    add(r, "pfinet_match_hostaddr %s %ld", addrs[j],
		pfinet_match_hostaddr(addrs[j], patterns[i], err, sizeof(err)));
	    if (c)
		add(r, "pfinet_cidr_match %s %ld", addrs[j], pfinet_cidr_match(c, addrs[j]));
	}
	pfinet_cidr_free(c);
    }
    for (j = 0; j < sizeof(addrs) / sizeof(addrs[0]); j++) {
	add(r, "cidr_match_execute %s %ld", addrs[j],
	    (long) (cidr_match_execute(shared_list, addrs[j]) != 0));
	add(r, "pfinet_cidr_match shared %s %ld", addrs[j],
	    pfinet_cidr_match(shared_cidr, addrs[j]));
    }
    for (i = 0; i <= 128; i += 7) {
	memset(bytes, 0xff, sizeof(bytes));
	mask_addr(bytes, sizeof(bytes), (unsigned) i);
	add(r, "mask_addr %s %ld", "", (long) bytes[i / 8 < 16 ? i / 8 : 15]);
    }
}

static void lists(RESULTS *r)
{
    INET_ADDR_LIST list;
    INET_ADDR_LIST addrs_list;
    INET_ADDR_LIST masks;
    unsigned families[] = {AF_INET, AF_INET6, 0};
    struct sockaddr_in sin;
    char    out[1024], warn[1024], err[256];
    unsigned mask = 0;
    int     i;

    out[0] = 0;

    inet_addr_list_init(&list);
    for (i = 0; i < 50; i++) {
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0xc0000200U | (unsigned) ((i * 37) % 20));
	inet_addr_list_append(&list, (struct sockaddr *) &sin);
    }
    inet_addr_list_uniq(&list);
    add(r, "inet_addr_list_uniq %s %ld", "", (long) list.used);
    for (i = 0; i < list.used; i++)
	add(r, "  %s %ld", "", (long) ntohl(((struct sockaddr_in *) (list.addrs + i))->sin_addr.s_addr));
    inet_addr_list_free(&list);

    inet_addr_list_init(&addrs_list);
    inet_addr_list_init(&masks);
    add(r, "inet_addr_local %s %ld", "", (long) inet_addr_local(&addrs_list, &masks, families));
    add(r, "pfinet_inet_addr_local_method %s %ld", "siocgif",
	(long) pfinet_inet_addr_local_method(&addrs_list, &masks, families, "siocgif"));
    for (i = 0; i < addrs_list.used; i++)
	add(r, "  family %s %ld", "", (long) addrs_list.addrs[i].ss_family);
    inet_addr_list_free(&addrs_list);
    inet_addr_list_free(&masks);

    add(r, "pfinet_inet_protocols %s %ld", "all",
	pfinet_inet_protocols("all", &mask, warn, sizeof(warn), err, sizeof(err)));
    add(r, "  mask %s %ld", "", (long) mask);
    add(r, "pfinet_mynetworks %s %ld", "subnet",
	pfinet_mynetworks("all", "subnet", "all", out, sizeof(out), warn, sizeof(warn),
			  err, sizeof(err)));
    add(r, "  %s %ld", out, 0);
}

/* compiled - lookups in the shared compiled lists (read by every thread),
 * and a match list of the thread's own, built and freed. */

static void compiled(RESULTS *r)
{
    pfinet_match_list *own = 0;
    char    err[256];
    size_t  i, j, from, entry;
    int     status;

    for (i = 0; i < LEN(addrs); i++) {
	for (from = 0, entry = 0;;) {
	    err[0] = 0;
	    status = pfinet_match_list_lookup(shared_match, addrs[i], &from, &entry,
					      err, sizeof(err));
	    add(r, "pfinet_match_list_lookup %s %ld", addrs[i], status * 1000L + (long) entry);
	    add(r, "  err %s", err, 0);
	    if (status != PFINET_DICTIONARY)
		break;
	}
	for (j = 0; j < LEN(names); j++) {
	    from = 0;
	    status = pfinet_namadr_list_lookup(shared_namadr, names[j], addrs[i], &from,
					       &entry, err, sizeof(err));
	    add(r, "pfinet_namadr_list_lookup %s %ld", names[j], status * 1000L + (long) entry);
	}
	status = pfinet_cidr_table_lookup(shared_table, addrs[i], &entry);
	add(r, "pfinet_cidr_table_lookup %s %ld", addrs[i], status * 1000L + (long) entry);
    }
    status = pfinet_match_list_new(list_patterns, LEN(list_patterns), &own);
    add(r, "pfinet_match_list_new %s %ld", "own", status);
    from = 0;
    add(r, "pfinet_match_list_lookup own %s %ld", "192.0.2.200",
	pfinet_match_list_lookup(own, "192.0.2.200", &from, &entry, err, sizeof(err)));
    pfinet_match_list_free(own);
}

static void all_calls(RESULTS *r)
{
    r->count = 0;
    syntax_checks(r);
    matching(r);
    lists(r);
    compiled(r);
}

static RESULTS reference;
static int rounds;

static void *worker(void *arg)
{
    RESULTS *r = malloc(sizeof(*r));
    int     i, j;
    long    bad = 0;

    (void) arg;
    for (i = 0; i < rounds && !bad; i++) {
	all_calls(r);
	for (j = 0; j < reference.count; j++) {
	    if (r->count != reference.count || strcmp(r->text[j], reference.text[j]) != 0) {
		printf("difference in round %d, result %d:\n  alone: %s\n  now:   %s\n",
		       i, j, reference.text[j], j < r->count ? r->text[j] : "(none)");
		bad = 1;
		break;
	    }
	}
    }
    free(r);
    return ((void *) bad);
}

int     main(int argc, char **argv)
{
    int     threads = argc > 1 ? atoi(argv[1]) : 8;
    pthread_t tid[64];
    char    list_pattern[] = "192.0.2.0/25";
    char    err[256];
    void   *bad;
    int     failed = 0;
    int     i;

    rounds = argc > 2 ? atoi(argv[2]) : 200;
    if (threads < 1 || threads > 64 || rounds < 1) {
	fprintf(stderr, "usage: %s [THREADS [ROUNDS]]\n", argv[0]);
	return (2);
    }
    shared_list = calloc(1, sizeof(*shared_list));
    if (cidr_match_parse(shared_list, list_pattern, CIDR_MATCH_TRUE, 0) != 0
	|| pfinet_cidr_parse("[2001:db8::]/48", &shared_cidr, err, sizeof(err)) != PFINET_OK
	|| pfinet_match_list_new(list_patterns, LEN(list_patterns), &shared_match) != PFINET_OK
	|| pfinet_namadr_list_new(namadr_patterns, LEN(namadr_patterns),
				  PFINET_MATCH_FLAG_PARENT, &shared_namadr) != PFINET_OK
	|| pfinet_cidr_table_new(table_rules, LEN(table_rules), &shared_table, 0,
				 err, sizeof(err)) != PFINET_OK) {
	printf("setup failed\n");
	return (1);
    }
    all_calls(&reference);
    for (i = 0; i < threads; i++)
	pthread_create(&tid[i], 0, worker, 0);
    for (i = 0; i < threads; i++) {
	pthread_join(tid[i], &bad);
	failed |= bad != 0;
    }
    pfinet_cidr_free(shared_cidr);
    pfinet_match_list_free(shared_match);
    pfinet_namadr_list_free(shared_namadr);
    pfinet_cidr_table_free(shared_table);
    free(shared_list);
    if (failed)
	return (1);
    printf("%d results, %d threads x %d rounds: all equal\n", reference.count, threads, rounds);
    return (0);
}
