/*
 * checker_selftest.c - one deliberate fault per run, so that
 * tests/memcheck.rs can show its checkers (ASan+UBSan, valgrind) are set up
 * to catch and fail on each kind it relies on.
 *
 * usage: checker_selftest leak|overflow|undefined|none
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void leak(void)
{
    char   *volatile p = malloc(16);

    p[0] = 1;
}

int     main(int argc, char **argv)
{
    char   *volatile p;
    volatile int big = INT_MAX;

    if (argc != 2)
	return (2);
    if (strcmp(argv[1], "leak") == 0) {
	leak();
    } else if (strcmp(argv[1], "overflow") == 0) {
	p = malloc(16);
	p[16] = 1;
	free(p);
    } else if (strcmp(argv[1], "undefined") == 0) {
	big += argc;
	return (big == 0);
    } else if (strcmp(argv[1], "none") != 0) {
	return (2);
    }
    return (0);
}
