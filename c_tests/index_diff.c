/*
 * index_diff - pfinet's compiled match lists and cidr tables against stock
 * Postfix's walk, on random lists and addresses
 *
 * usage: index_diff LIBPFINET.so SEED LISTS LOOKUPS MAXLEN [namadr]
 *
 * Linked with stock Postfix (addr_match_list_*, dict_cidr); pfinet's
 * shared library is loaded with dlopen() so both can run in one process
 * (pfinet's internal calls stay inside it). For LISTS random lists of 1 to
 * MAXLEN entries (IPv4 and IPv6, negation, exact and bracketed forms,
 * malformed patterns in match lists, if/if !/endif blocks in cidr tables)
 * it looks up LOOKUPS random addresses (many at or next to the entries'
 * boundaries) in both and compares: for match lists the answer and whether
 * a pattern error was reported; for cidr tables the entry found (stock:
 * the value, which is the rule's number). Prints the counts; exits 1 on
 * the first difference, after printing the list and the address.
 *
 * With "namadr": namadr lists instead (stock namadr_list_init() and
 * namadr_list_match(), with and without MATCH_FLAG_PARENT) against
 * pfinet_namadr_list_*: the address patterns above mixed with host-name
 * patterns (names, .domain forms, upper case, names that are address
 * texts, inline: tables), looked up with (name, address) pairs whose
 * names are often the patterns, their subdomains or near misses. pfinet
 * gets the patterns as Postfix keeps them (the stock list's own argv) and
 * hands table patterns and pattern errors back; they are evaluated here
 * with stock's match_hostname() and match_hostaddr(), as the Postfix
 * patch does. Compared: the answer and whether an error was reported.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <sys_defs.h>
#include <ctype.h>

#include <dict.h>
#include <dict_cidr.h>
#include <addr_match_list.h>
#include <namadr_list.h>

/* pfinet's API, declared here: pfinet.h repeats Postfix's declarations. */
typedef int (*list_new_fn) (const char *const *, size_t, void **);
typedef int (*list_lookup_fn) (const void *, const char *, size_t *, size_t *, char *, size_t);
typedef void (*free_fn) (void *);
typedef int (*table_new_fn) (const char *const *, size_t, void **, size_t *, char *, size_t);
typedef int (*table_lookup_fn) (const void *, const char *, size_t *);
typedef int (*namadr_new_fn) (const char *const *, size_t, int, void **);
typedef int (*namadr_lookup_fn) (const void *, const char *, const char *, size_t *,
				         size_t *, char *, size_t);

#define PF_OK		0
#define PF_NO_MATCH	1
#define PF_ERR_SYNTAX	2
#define PF_DICTIONARY	7

static list_new_fn list_new;
static list_lookup_fn list_lookup;
static free_fn list_free, table_free;
static table_new_fn table_new;
static table_lookup_fn table_lookup;
static namadr_new_fn namadr_new;
static namadr_lookup_fn namadr_lookup;
static free_fn namadr_free;

static unsigned long long seed;

static unsigned long below(unsigned long n)
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned long) ((seed >> 33) % n);
}

/* An address near others: few distinct values per byte, so entries nest. */
static void random_bytes(unsigned char *b, int v6)
{
    static const unsigned char pool[] = {0, 1, 2, 0x7f, 0x80, 0xfe, 0xff};

    memset(b, 0, 16);
    if (v6) {
	b[0] = 0x20, b[1] = 0x01, b[2] = 0x0d, b[3] = 0xb8;
	for (int i = 4; i < 16; i++)
	    b[i] = pool[below(sizeof(pool))];
    } else {
	b[0] = 10;
	for (int i = 1; i < 4; i++)
	    b[i] = pool[below(sizeof(pool))];
    }
}

static void text(char *buf, const unsigned char *b, int v6)
{
    inet_ntop(v6 ? AF_INET6 : AF_INET, b, buf, 48);
}

/* Clear the host bits of a len-bit network (unless dirty). */
static void network(unsigned char *b, int len, int bits, int dirty)
{
    for (int i = 0; i < bits / 8 && !dirty; i++) {
	int     keep = len - 8 * i;

	b[i] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char) (0xff << (8 - keep));
    }
}

/* A match-list pattern (lower case, IPv6 in brackets, as Postfix keeps it). */
static void list_pattern(char *out, size_t len)
{
    static const char *junk[] = {"junk", "1.2.3.4/x", "[1.2.3.4", "[::1]/64x",
    "10.0.0.0/33", "[2001:db8::]/129", "10.0.0.1/24", "0.0.0.0/0", "[::]/0"};
    unsigned char b[16];
    char    net[48], addr[48];
    int     v6 = below(2), bits = v6 ? 128 : 32, plen = (int) below(bits + 1);
    const char *bang = below(4) == 0 ? "!" : "";

    random_bytes(b, v6);
    text(addr, b, v6);
    network(b, plen, bits, below(20) == 0);
    text(net, b, v6);
    switch (below(12)) {
    case 0:
	snprintf(out, len, v6 ? "%s[%s]" : "%s%s", bang, addr);
	break;
    case 1:
	snprintf(out, len, "%s[%s]", bang, addr);
	break;
    case 2:
	snprintf(out, len, "%s%s", bang, junk[below(sizeof(junk) / sizeof(junk[0]))]);
	break;
    case 3:
	snprintf(out, len, v6 ? "%s[%s/%d]" : "%s%s/%d", bang, net, plen);
	break;
    default:
	snprintf(out, len, v6 ? "%s[%s]/%d" : "%s%s/%d", bang, net, plen);
	break;
    }
}

/* A cidr-table rule: if/endif, or a valid [!]pattern. */
static void cidr_rule(char *out, size_t len, int *depth)
{
    unsigned char b[16];
    char    net[48];
    int     v6 = below(4) == 0, bits = v6 ? 128 : 32, plen = (int) below(bits + 1);
    const char *bang = below(4) == 0 ? "!" : "";
    unsigned long kind = below(6);

    random_bytes(b, v6);
    network(b, plen, bits, 0);
    text(net, b, v6);
    if (kind == 1 && *depth > 0) {
	snprintf(out, len, "endif");
	*depth -= 1;
    } else if (kind == 0) {
	snprintf(out, len, "if %s%s/%d", bang, net, plen);
	*depth += 1;
    } else {
	snprintf(out, len, "%s%s/%d", bang, net, plen);
    }
}

static void address(char *out)
{
    unsigned char b[16];
    int     v6 = below(3) == 0;

    random_bytes(b, v6);
    text(out, b, v6);
}

static void fail(const char *what, char **items, long n, const char *addr)
{
    printf("index_diff: difference (%s) for address %s in list:\n", what, addr);
    for (long i = 0; i < n; i++)
	printf("  %ld: %s\n", i, items[i]);
    exit(1);
}

/* A host name of 1 to 4 labels from a small pool (so names nest). */
static void labels(char *out, size_t len)
{
    static const char *pool[] = {"a", "b", "mail", "example", "com", "org",
    "Example", "COM", "10", "1", "ff", "x-y"};
    size_t  used = 0;
    int     n = 1 + (int) below(4);

    out[0] = 0;
    for (int i = 0; i < n && used < len; i++)
	used += (size_t) snprintf(out + used, len - used, "%s%s", i ? "." : "",
				  pool[below(sizeof(pool) / sizeof(pool[0]))]);
}

/* The same, upper-cased. */
static void upper(char *s)
{
    for (; *s; s++)
	*s = (char) toupper((unsigned char) *s);
}

/* A namadr-list pattern: an address pattern, or a host name form. */
static void namadr_pattern(char *out, size_t len)
{
    static const char *tables[] = {
	"inline:{mail.example.com=1, 10.1.2.2=1, example.org=1}",
	"inline:{a.b=1, [2001:db8::1]=1, 2001:db8::1=1}",
	"inline:{com=1, 10.0.0.1=1}",
    };
    char    name[64];
    const char *bang = below(4) == 0 ? "!" : "";

    switch (below(10)) {
    case 0:
    case 1:
    case 2:
	labels(name, sizeof(name));
	snprintf(out, len, "%s%s", bang, name);
	break;
    case 3:
    case 4:
	labels(name, sizeof(name));
	snprintf(out, len, "%s.%s", bang, name);
	break;
    case 5:
	labels(name, sizeof(name));
	upper(name);
	snprintf(out, len, "%s%s%s", bang, below(2) ? "." : "", name);
	break;
    case 6:
	if (below(4) == 0) {
	    snprintf(out, len, "%s%s", bang, tables[below(sizeof(tables) / sizeof(tables[0]))]);
	    break;
	}
	/* FALLTHROUGH */
    default:
	list_pattern(out, len);
	break;
    }
}

/* A name for a lookup: often a pattern, a subdomain of one, or near one. */
static void namadr_name(char *out, size_t len, char **items, long n)
{
    const char *p = items[below((unsigned long) n)];
    char    name[64];

    while (*p == '!')
	p++;
    labels(name, sizeof(name));
    switch (below(10)) {
    case 0:
    case 1:
	snprintf(out, len, "%s", p);
	break;
    case 2:
    case 3:
	snprintf(out, len, "%s%s%s", name, *p == '.' ? "" : ".", p);
	break;
    case 4:
	snprintf(out, len, "%s%s", name, p);
	break;
    case 5:
	snprintf(out, len, "%s", *p ? p + 1 : p);
	break;
    case 6:
	snprintf(out, len, "%s", p);
	upper(out);
	break;
    case 7:
	snprintf(out, len, below(2) ? "unknown" : "%s.", p);
	break;
    case 8:
	address(out);
	break;
    default:
	snprintf(out, len, "%s", name);
	break;
    }
}

/* A lower-case copy, as Postfix's casefold() makes it (ASCII mode). */
static void fold(char *out, size_t len, const char *in)
{
    size_t  i;

    for (i = 0; in[i] && i + 1 < len; i++)
	out[i] = (char) tolower((unsigned char) in[i]);
    out[i] = 0;
}

/*
 * pfinet's answer, the way the Postfix patch gets it: table patterns and
 * pattern errors handed back are evaluated with stock's match functions.
 * Returns the answer; *err = whether an error was reported; -1 when pfinet
 * reported an error the stock functions do not see.
 */
static int namadr_pfinet(void *compiled, MATCH_LIST *list, const char *name,
			         const char *addr, int *err, long *steps)
{
    char    fname[256], faddr[256];
    size_t  from = 0, entry;
    int     st, match;
    const char *pat;

    fold(fname, sizeof(fname), name);
    fold(faddr, sizeof(faddr), addr);
    *err = 0;
    list->error = 0;
    for (;;) {
	st = namadr_lookup(compiled, fname, faddr, &from, &entry, 0, 0);
	if (st == PF_OK || st == PF_NO_MATCH)
	    return (st == PF_OK);
	if (st != PF_ERR_SYNTAX && st != PF_DICTIONARY)
	    return (-1);
	*steps += 1;
	for (match = 1, pat = list->patterns->argv[entry]; *pat == '!'; pat++)
	    match = !match;
	if (match_hostname(list, fname, pat))
	    return (match);
	if (list->error == 0 && match_hostaddr(list, faddr, pat))
	    return (match);
	if (list->error != 0)
	    return (*err = 1, 0);
	if (st == PF_ERR_SYNTAX)
	    return (-1);
    }
}

/* One random namadr list, LOOKUPS lookups; returns the lookups done. */
static long namadr_round(long n, long lookups, long *matches, long *errors, long *steps)
{
    char  **items = malloc(sizeof(char *) * (size_t) n);
    size_t  cap = (size_t) n * 80 + 1, used = 0;
    char   *all = malloc(cap);
    int     flags = MATCH_FLAG_RETURN | (below(2) ? MATCH_FLAG_PARENT : 0);
    NAMADR_LIST *list;
    void   *compiled;
    char    name[160], addr[160];

    all[0] = 0;
    for (long i = 0; i < n; i++) {
	items[i] = malloc(80);
	namadr_pattern(items[i], 80);
	used += (size_t) snprintf(all + used, cap - used, "%s ", items[i]);
    }
    list = namadr_list_init("index_diff", flags, all);
    if (namadr_new((const char *const *) list->patterns->argv, (size_t) list->patterns->argc,
		   flags, &compiled) != PF_OK)
	fail("pfinet refused the namadr list", items, n, "-");
    for (long k = 0; k < lookups; k++) {
	int     hit, err, got, got_err;

	namadr_name(name, sizeof(name), items, n);
	if (below(6) == 0)
	    snprintf(addr, sizeof(addr), below(2) ? "unknown" : "%s", name);
	else
	    address(addr);
	hit = namadr_list_match(list, name, addr);
	err = list->error != 0;
	got = namadr_pfinet(compiled, list, name, addr, &got_err, steps);
	if (got != hit || got_err != err) {
	    printf("index_diff: flags %s, name %s: stock %s, pfinet %s\n",
		   flags & MATCH_FLAG_PARENT ? "PARENT" : "none", name,
		   hit ? "match" : err ? "error" : "no match",
		   got < 0 ? "bad step" : got ? "match" : got_err ? "error" : "no match");
	    fail("namadr", items, n, addr);
	}
	*errors += err;
	*matches += hit;
    }
    namadr_free(compiled);
    namadr_list_free(list);
    for (long i = 0; i < n; i++)
	free(items[i]);
    free(items);
    free(all);
    return (lookups);
}

static int namadr_main(long lists, long lookups, long maxlen)
{
    long    compared = 0, matches = 0, errors = 0, steps = 0;

    for (long l = 0; l < lists; l++) {
	long    n = 1 + (long) below((unsigned long) (below(10) == 0 ? maxlen : 40));

	compared += namadr_round(n, lookups, &matches, &errors, &steps);
    }
    printf("index_diff: namadr: %ld lists, %ld lookups compared (%ld matches, %ld errors, %ld steps handed back), 0 differences\n",
	   lists, compared, matches, errors, steps);
    return (0);
}

int     main(int argc, char **argv)
{
    void   *so;
    long    lists, lookups, maxlen, compared = 0, errors = 0, matches = 0;
    char    path[64], addr[64];

    if (argc != 6 && !(argc == 7 && strcmp(argv[6], "namadr") == 0)) {
	fprintf(stderr, "usage: index_diff LIBPFINET.so SEED LISTS LOOKUPS MAXLEN [namadr]\n");
	return 2;
    }
    if ((so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) == 0) {
	fprintf(stderr, "index_diff: %s\n", dlerror());
	return 2;
    }
    list_new = (list_new_fn) dlsym(so, "pfinet_match_list_new");
    list_lookup = (list_lookup_fn) dlsym(so, "pfinet_match_list_lookup");
    list_free = (free_fn) dlsym(so, "pfinet_match_list_free");
    table_new = (table_new_fn) dlsym(so, "pfinet_cidr_table_new");
    table_lookup = (table_lookup_fn) dlsym(so, "pfinet_cidr_table_lookup");
    table_free = (free_fn) dlsym(so, "pfinet_cidr_table_free");
    namadr_new = (namadr_new_fn) dlsym(so, "pfinet_namadr_list_new");
    namadr_lookup = (namadr_lookup_fn) dlsym(so, "pfinet_namadr_list_lookup");
    namadr_free = (free_fn) dlsym(so, "pfinet_namadr_list_free");
    if (!list_new || !list_lookup || !list_free || !table_new || !table_lookup || !table_free
	|| !namadr_new || !namadr_lookup || !namadr_free) {
	fprintf(stderr, "index_diff: missing pfinet functions\n");
	return 2;
    }
    /* Stock Postfix reports pattern errors on stderr: not wanted here. */
    if (freopen("/dev/null", "w", stderr) == 0)
	return 2;
    seed = strtoull(argv[2], 0, 10);
    lists = atol(argv[3]);
    lookups = atol(argv[4]);
    maxlen = atol(argv[5]);
    if (argc == 7)
	return (namadr_main(lists, lookups, maxlen));
    snprintf(path, sizeof(path), "/tmp/index_diff.%ld.cidr", (long) getpid());

    for (long l = 0; l < lists; l++) {
	long    n = 1 + (long) below((unsigned long) (below(10) == 0 ? maxlen : 40));
	char  **items = malloc(sizeof(char *) * (size_t) n);
	int     cidr = l % 2, depth = 0;
	size_t  cap = (size_t) n * 64 + 1, used = 0;
	char   *all = malloc(cap);
	void   *compiled;

	all[0] = 0;
	for (long i = 0; i < n; i++) {
	    items[i] = malloc(64);
	    if (cidr)
		cidr_rule(items[i], 64, &depth);
	    else
		list_pattern(items[i], 64);
	    used += (size_t) snprintf(all + used, cap - used, "%s ", items[i]);
	}
	if (cidr) {
	    FILE   *fp = fopen(path, "w");
	    DICT   *dict;

	    for (long i = 0; fp && i < n; i++)
		fprintf(fp, strncmp(items[i], "if ", 3) && strcmp(items[i], "endif") ?
			"%s %ld\n" : "%s\n", items[i], i);
	    if (fp == 0 || fclose(fp) != 0) {
		perror(path);
		return 2;
	    }
	    dict = dict_cidr_open(path, O_RDONLY, 0);
	    if (table_new((const char *const *) items, (size_t) n, &compiled, 0, 0, 0) != PF_OK)
		fail("pfinet refused the table", items, n, "-");
	    for (long k = 0; k < lookups; k++, compared++) {
		const char *value;
		size_t  entry;
		int     st;

		address(addr);
		value = dict_get(dict, addr);
		st = table_lookup(compiled, addr, &entry);
		if ((value != 0) != (st == PF_OK) || (value && (size_t) atol(value) != entry))
		    fail(value ? value : "stock: no match", items, n, addr);
		matches += value != 0;
	    }
	    table_free(compiled);
	    dict_close(dict);
	} else {
	    ADDR_MATCH_LIST *list = addr_match_list_init("index_diff", MATCH_FLAG_RETURN, all);

	    if (list_new((const char *const *) items, (size_t) n, &compiled) != PF_OK)
		fail("pfinet refused the list", items, n, "-");
	    for (long k = 0; k < lookups; k++, compared++) {
		size_t  from = 0;
		int     hit, err, st;

		address(addr);
		hit = addr_match_list_match(list, addr);
		err = list->error != 0;
		st = list_lookup(compiled, addr, &from, 0, 0, 0);
		if (hit != (st == PF_OK) || err != (st == PF_ERR_SYNTAX))
		    fail(hit ? "stock: match" : err ? "stock: error" : "stock: no match",
			 items, n, addr);
		errors += err;
		matches += hit;
	    }
	    list_free(compiled);
	    addr_match_list_free(list);
	}
	for (long i = 0; i < n; i++)
	    free(items[i]);
	free(items);
	free(all);
    }
    unlink(path);
    printf("index_diff: %ld lists, %ld lookups compared (%ld matches, %ld pattern errors), 0 differences\n",
	   lists, compared, matches, errors);
    return 0;
}
