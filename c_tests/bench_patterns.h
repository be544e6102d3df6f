/*
 * bench_patterns.h - the patterns the benchmarks (bench_index.c,
 * bench_open.c) build their lists and tables of, and their random picks:
 * pattern i is a.b.c.0/24 or [2001:db8:x:y::]/64; namadr pattern i is a
 * network (even i) or a host name hNNN.dNNN.example (odd i).
 */
#ifndef BENCH_PATTERNS_H
#define BENCH_PATTERNS_H

#include <stdio.h>

static void pattern(char *buf, size_t len, int v6, long i)
{
    if (v6)
	snprintf(buf, len, "[2001:db8:%lx:%lx::]/64", i >> 16, i & 0xffff);
    else
	snprintf(buf, len, "%ld.%ld.%ld.0/24", 10 + (i >> 16), (i >> 8) & 255, i & 255);
}

static void namadr_pattern(char *buf, size_t len, int v6, long i)
{
    if (i % 2)
	snprintf(buf, len, "h%lx.d%lx.example", i, i % 97);
    else
	pattern(buf, len, v6, i / 2);
}

static unsigned long seed = 12345;

static long pick(long n)
{
    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
    return (long) ((seed >> 17) % (unsigned long) n);
}

#endif
