/*
 * bench_open - what one Postfix process pays for a table or a match list:
 * open (or init) time, resident memory after it, peak memory during it,
 * and K lookups. Written against Postfix's own API only, so the same
 * source is linked with stock Postfix's libraries or with a patched
 * (pfinet) Postfix's: scripts/bench-open.sh runs both side by side.
 *
 * usage: bench_open cidr|list|namadr 4|6 N K same|distinct
 *
 * cidr: a cidr: table of N rules a.b.c.0/24 or [2001:db8:x:y::]/64, written
 * to a file first, opened with dict_cidr_open(); the value of every rule is
 * "REJECT" (same) or "REJECT listed as entry I" (distinct). list: an
 * addr_match_list_init() of the same N patterns; namadr: namadr_list_init()
 * (MATCH_FLAG_PARENT) where every other pattern is a host name. Then K
 * lookups of random addresses (half inside a random entry, half outside).
 * With PFINET_COMPILE set to a pfinet command, a cidr table is compiled
 * ("pfinet compile FILE", before anything is measured), so a patched
 * Postfix maps FILE.pfinet (stock ignores it).
 *
 * Prints one line:
 *
 *   KIND FAMILY N K open_us anon_kb peak_kb lookups_us answers
 *
 * anon_kb: the process's private resident memory (RssAnon: heap and other
 * anonymous pages, not the program's code, which the page cache shares)
 * after the open minus before it; peak_kb: the peak resident memory during
 * the open (VmHWM, reset just before it; code pages included) minus the
 * resident memory before it; answers: how many of the K lookups matched (the
 * stock and patched runs must agree).
 */
#include <sys_defs.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dict.h>
#include <dict_cidr.h>
#include <addr_match_list.h>
#include <namadr_list.h>

#include "bench_patterns.h"

static double now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* A field of /proc/self/status in kB (VmRSS, VmHWM). */
static long status_kb(const char *field)
{
    FILE   *fp = fopen("/proc/self/status", "r");
    char    line[256];
    long    kb = -1;
    size_t  len = strlen(field);

    while (fp && fgets(line, sizeof(line), fp))
	if (strncmp(line, field, len) == 0 && line[len] == ':')
	    kb = atol(line + len + 1);
    if (fp)
	fclose(fp);
    return kb;
}

/* Reset VmHWM to the current resident size (Linux: clear_refs 5). */
static void reset_peak(void)
{
    FILE   *fp = fopen("/proc/self/clear_refs", "w");

    if (fp == 0 || fputs("5", fp) == EOF || fclose(fp) == EOF) {
	fprintf(stderr, "bench_open: cannot reset the peak (clear_refs)\n");
	exit(1);
    }
}

/* An address inside pattern i, or outside every pattern. */
static void address(char *buf, size_t len, int v6, long i, int hit)
{
    if (v6 && hit)
	snprintf(buf, len, "2001:db8:%lx:%lx::%lx", i >> 16, i & 0xffff, 1 + (i & 0xfff));
    else if (v6)
	snprintf(buf, len, "2001:db9:%lx::1", i & 0xffff);
    else if (hit)
	snprintf(buf, len, "%ld.%ld.%ld.%ld", 10 + (i >> 16), (i >> 8) & 255, i & 255, 1 + (i & 127));
    else
	snprintf(buf, len, "192.0.%ld.%ld", (i >> 8) & 255, i & 255);
}

int     main(int argc, char **argv)
{
    const char *kind;
    int     v6, distinct;
    long    n, k, answers = 0;
    char    file[80], pat[64], addr[64], name[64];
    char   *all = 0;
    DICT   *dict = 0;
    ADDR_MATCH_LIST *list = 0;
    long    anon0, anon1, rss0, peak;
    double  t0, open_us, lookups_us;

    if (argc != 6) {
	fprintf(stderr, "usage: bench_open cidr|list|namadr 4|6 N K same|distinct\n");
	return 2;
    }
    kind = argv[1];
    v6 = strcmp(argv[2], "6") == 0;
    n = atol(argv[3]);
    k = atol(argv[4]);
    distinct = strcmp(argv[5], "distinct") == 0;

    /* The input, prepared before anything is measured. */
    if (strcmp(kind, "cidr") == 0) {
	FILE   *fp;

	snprintf(file, sizeof(file), "/tmp/bench_open.%ld.cidr", (long) getpid());
	if ((fp = fopen(file, "w")) == 0)
	    return 1;
	for (long i = 0; i < n; i++) {
	    pattern(pat, sizeof(pat), v6, i);
	    if (distinct)
		fprintf(fp, "%s REJECT listed as entry %ld\n", pat, i);
	    else
		fprintf(fp, "%s REJECT\n", pat);
	}
	if (fclose(fp) != 0)
	    return 1;
	if (getenv("PFINET_COMPILE") != 0) {
	    char    cmd[256];

	    snprintf(cmd, sizeof(cmd), "%s compile %s", getenv("PFINET_COMPILE"), file);
	    if (system(cmd) != 0)
		return 1;
	}
    } else {
	size_t  cap = (size_t) n * 32 + 1, used = 0;

	all = malloc(cap);
	all[0] = 0;
	for (long i = 0; i < n; i++) {
	    if (strcmp(kind, "namadr") == 0)
		namadr_pattern(pat, sizeof(pat), v6, i);
	    else
		pattern(pat, sizeof(pat), v6, i);
	    used += (size_t) snprintf(all + used, cap - used, "%s ", pat);
	}
    }

    anon0 = status_kb("RssAnon");
    rss0 = status_kb("VmRSS");
    reset_peak();
    t0 = now_us();
    if (strcmp(kind, "cidr") == 0)
	dict = dict_cidr_open(file, O_RDONLY, DICT_FLAG_LOCK);
    else if (strcmp(kind, "namadr") == 0)
	list = namadr_list_init("bench", MATCH_FLAG_RETURN | MATCH_FLAG_PARENT, all);
    else
	list = addr_match_list_init("bench", MATCH_FLAG_RETURN, all);
    open_us = now_us() - t0;
    anon1 = status_kb("RssAnon");
    peak = status_kb("VmHWM");
    if (dict) {
	unlink(file);
	strcat(file, ".pfinet");
	unlink(file);
    }

    t0 = now_us();
    for (long i = 0; i < k; i++) {
	long    e = pick(n);

	address(addr, sizeof(addr), v6, strcmp(kind, "namadr") == 0 ? e / 2 : e, i % 2 == 0);
	snprintf(name, sizeof(name), "client-%lx.isp.example", e);
	if (dict)
	    answers += dict_get(dict, addr) != 0;
	else if (strcmp(kind, "namadr") == 0)
	    answers += namadr_list_match(list, name, addr) != 0;
	else
	    answers += addr_match_list_match(list, addr) != 0;
    }
    lookups_us = now_us() - t0;

    printf("%s %s %ld %ld %.1f %ld %ld %.1f %ld\n", kind, argv[2], n, k,
	   open_us, anon1 - anon0, peak - rss0, lookups_us, answers);
    return 0;
}
