/*
 * bench_index - match lists and cidr tables, stock Postfix or pfinet
 *
 * usage: bench_index list|cidr|namadr 4|6 N
 *
 * Builds a list (or a cidr table file) of N patterns, a.b.c.0/24 or
 * [2001:db8:x:y::]/64, then times lookups of addresses inside random
 * entries (hits) and outside all of them (misses). Compiled with
 * -DPFINET_STOCK it uses stock Postfix (addr_match_list_init/_match,
 * dict_cidr_open/dict_get), otherwise pfinet's compiled lists
 * (pfinet_match_list_*, pfinet_cidr_table_*). Both read the cidr table from
 * the same file. "namadr" is a namadr list (namadr_list_init() with
 * MATCH_FLAG_PARENT, or pfinet_namadr_list_*) of N patterns, every other
 * one a host name hNNN.dNNN.example instead of a network; its hits are
 * half subdomains of a name pattern (with an address outside all),
 * half addresses inside a network (with a name outside all), its misses
 * both outside. Prints one line:
 *
 *   KIND FAMILY N build_ms bytes_per_entry hit_ns miss_ns verify
 *
 * where verify is the list's answers for a fixed set of 20 addresses, so
 * the two builds can be checked to agree.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#ifdef PFINET_STOCK
#include <sys_defs.h>
#include <dict.h>
#include <dict_cidr.h>
#include <addr_match_list.h>
#include <namadr_list.h>
#else
#include <pfinet.h>
#endif

#include "bench_patterns.h"

static double now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static size_t heap_bytes(void)
{
    struct mallinfo2 m = mallinfo2();

    return m.uordblks + m.hblkhd;
}

/* An address inside pattern i or (miss) outside every pattern. */
static void address(char *buf, size_t len, int v6, long i, int hit)
{
    unsigned char bytes[16];

    if (v6 && hit)
	snprintf(buf, len, "2001:db8:%lx:%lx::%lx", i >> 16, i & 0xffff, 1 + (i & 0xfff));
    else if (v6)
	snprintf(buf, len, "2001:db9:%lx::1", i & 0xffff);
    else if (hit)
	snprintf(buf, len, "%ld.%ld.%ld.%ld", 10 + (i >> 16), (i >> 8) & 255, i & 255, 1 + (i & 127));
    else
	snprintf(buf, len, "192.0.%ld.%ld", (i >> 8) & 255, i & 255);
    /* The inet_ntop() form, as Postfix passes a client address. */
    if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, bytes) == 1)
	inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, buf, (socklen_t) len);
}

enum {
    KIND_LIST, KIND_CIDR, KIND_NAMADR,
};

/* A lookup's name and address: a hit of entry i, or a miss. */
static void namadr_query(char *name, char *addr, size_t len, int v6, long i, int hit)
{
    if (hit && i % 2)
	snprintf(name, len, "mail.h%lx.d%lx.example", i, i % 97);
    else
	snprintf(name, len, "client-%lx.isp.example", i);
    address(addr, len, v6, i / 2, hit && i % 2 == 0);
}

#ifdef PFINET_STOCK
static ADDR_MATCH_LIST *list;
static DICT *dict;

static void build(int kind, int v6, long n, const char *file)
{
    if (kind == KIND_CIDR) {
	dict = dict_cidr_open(file, O_RDONLY, 0);
    } else {
	char    pat[64];
	size_t  cap = (size_t) n * 32 + 1, used = 0;
	char   *all = malloc(cap);

	all[0] = 0;
	for (long i = 0; i < n; i++) {
	    if (kind == KIND_NAMADR)
		namadr_pattern(pat, sizeof(pat), v6, i);
	    else
		pattern(pat, sizeof(pat), v6, i);
	    used += (size_t) snprintf(all + used, cap - used, "%s ", pat);
	}
	list = kind == KIND_NAMADR ?
	    namadr_list_init("bench", MATCH_FLAG_RETURN | MATCH_FLAG_PARENT, all)
	    : addr_match_list_init("bench", MATCH_FLAG_RETURN, all);
	free(all);
    }
}

static int lookup(int kind, const char *name, const char *addr)
{
    return kind == KIND_CIDR ? dict_get(dict, addr) != 0
	: kind == KIND_NAMADR ? namadr_list_match(list, name, addr)
	: addr_match_list_match(list, addr);
}

#else
static pfinet_match_list *list;
static pfinet_cidr_table *table;
static pfinet_namadr_list *namadr;

static void build(int kind, int v6, long n, const char *file)
{
    int     cidr = kind == KIND_CIDR;

    char  **texts = malloc(sizeof(char *) * (size_t) n);
    char    line[128];
    long    count = 0;

    if (cidr) {
	FILE   *fp = fopen(file, "r");

	while (fp && count < n && fgets(line, sizeof(line), fp)) {
	    line[strcspn(line, " \t\n")] = 0;	/* the pattern; not the value */
	    texts[count++] = strdup(line);
	}
	if (fp)
	    fclose(fp);
    } else {
	for (; count < n; count++) {
	    if (kind == KIND_NAMADR)
		namadr_pattern(line, sizeof(line), v6, count);
	    else
		pattern(line, sizeof(line), v6, count);
	    texts[count] = strdup(line);
	}
    }
    if ((cidr ? pfinet_cidr_table_new((const char *const *) texts, (size_t) count,
				       &table, 0, 0, 0)
	 : kind == KIND_NAMADR ?
	 pfinet_namadr_list_new((const char *const *) texts, (size_t) count,
				PFINET_MATCH_FLAG_PARENT, &namadr)
	 : pfinet_match_list_new((const char *const *) texts, (size_t) count,
				 &list)) != PFINET_OK) {
	fprintf(stderr, "bench_index: build failed\n");
	exit(1);
    }
    for (long i = 0; i < count; i++)
	free(texts[i]);
    free(texts);
}

static int lookup(int kind, const char *name, const char *addr)
{
    size_t  from = 0;

    return kind == KIND_CIDR ? pfinet_cidr_table_lookup(table, addr, 0) == PFINET_OK
	: kind == KIND_NAMADR ?
	pfinet_namadr_list_lookup(namadr, name, addr, &from, 0, 0, 0) == PFINET_OK
	: pfinet_match_list_lookup(list, addr, &from, 0, 0, 0) == PFINET_OK;
}

#endif

/* ns per lookup of addresses made by address(hit), over about 0.2 s
 * (batches grow while they are short, so slow lookups are not overrun). */
static double time_lookups(int kind, int v6, long n, int hit)
{
    enum {
    ADDRS = 1024};
    static char addrs[ADDRS][64], names[ADDRS][64];
    long    done = 0, batch = 1;
    double  start, spent;
    volatile int sink = 0;

    for (int i = 0; i < ADDRS; i++) {
	if (kind == KIND_NAMADR)
	    namadr_query(names[i], addrs[i], sizeof(addrs[i]), v6, pick(n), hit);
	else
	    address(addrs[i], sizeof(addrs[i]), v6, pick(n), hit);
    }
    start = now_ns();
    do {
	for (long i = 0; i < batch; i++, done++)
	    sink += lookup(kind, names[done % ADDRS], addrs[done % ADDRS]);
	spent = now_ns() - start;
	if (spent < 2e7)
	    batch *= 2;
    } while (spent < 2e8);
    (void) sink;
    return spent / (double) done;
}

int     main(int argc, char **argv)
{
    int     cidr, kind, v6;
    long    n;
    char    file[64], pat[64], name[64] = "", verify[21];
    double  t0, build_ms;
    size_t  heap0;

    if (argc != 4 || (strcmp(argv[1], "list") && strcmp(argv[1], "cidr")
		      && strcmp(argv[1], "namadr"))) {
	fprintf(stderr, "usage: bench_index list|cidr|namadr 4|6 N\n");
	return 2;
    }
    cidr = strcmp(argv[1], "cidr") == 0;
    kind = cidr ? KIND_CIDR : strcmp(argv[1], "namadr") == 0 ? KIND_NAMADR : KIND_LIST;
    v6 = strcmp(argv[2], "6") == 0;
    n = atol(argv[3]);
    snprintf(file, sizeof(file), "/tmp/bench_index.%d.cidr", v6 ? 6 : 4);
    if (cidr) {
	FILE   *fp = fopen(file, "w");

	for (long i = 0; fp && i < n; i++) {
	    pattern(pat, sizeof(pat), v6, i);
	    fprintf(fp, "%s %ld\n", pat, i);
	}
	if (fp == 0 || fclose(fp) != 0) {
	    perror(file);
	    return 1;
	}
    }
    heap0 = heap_bytes();
    t0 = now_ns();
    build(kind, v6, n, file);
    build_ms = (now_ns() - t0) / 1e6;
    for (int i = 0; i < 20; i++) {
	if (kind == KIND_NAMADR)
	    namadr_query(name, pat, sizeof(pat), v6, i * 7919 % n, i % 2);
	else
	    address(pat, sizeof(pat), v6, i * 7919 % n, i % 2);
	verify[i] = lookup(kind, name, pat) ? 'y' : 'n';
    }
    verify[20] = 0;
    printf("%s %d %ld %.1f %.1f %.1f %.1f %s\n", argv[1], v6 ? 6 : 4, n, build_ms,
	   (double) (heap_bytes() - heap0) / (double) n,
	   time_lookups(kind, v6, n, 1), time_lookups(kind, v6, n, 0), verify);
    if (cidr)
	remove(file);
    return 0;
}
