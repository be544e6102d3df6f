/*
 * checker_selftest.c - one deliberate fault per run, so that
 * tests/memcheck.rs and tests/threads.rs can show their checkers
 * (ASan+UBSan, valgrind, ThreadSanitizer) are set up to catch and fail on
 * each kind they rely on.
 *
 * usage: checker_selftest leak|overflow|undefined|race|none
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void leak(void)
{
    char   *volatile p = malloc(16);

    p[0] = 1;
}

static int shared;

static void *increment(void *arg)
{
    (void) arg;
    shared++;
    return (0);
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
    } else if (strcmp(argv[1], "race") == 0) {
	pthread_t t1, t2;

	pthread_create(&t1, 0, increment, 0);
	pthread_create(&t2, 0, increment, 0);
	pthread_join(t1, 0);
	pthread_join(t2, 0);
    } else if (strcmp(argv[1], "none") != 0) {
	return (2);
    }
    return (0);
}
