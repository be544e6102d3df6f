/*
 * cli_check.c - what "pfinet check ARG..." prints, computed by stock
 * Postfix (built against its libraries, -DPFINET_STOCK): for each
 * argument, valid_hostaddr() and then valid_mailhost_literal(), both with
 * gripe on (their warnings go to stderr as "PROG: warning: ..."), one line
 * each. Exit status as pfinet's: 0 when each argument is accepted by at
 * least one, else 1.
 *
 * usage: cli_check ARG...
 */
#include <sys_defs.h>
#include <stdio.h>
#include <msg_vstream.h>
#include <valid_hostname.h>
#include <valid_mailhost_addr.h>

int     main(int argc, char **argv)
{
    int     i;
    int     host;
    int     literal;
    int     status = 0;

    msg_vstream_init(argv[0], VSTREAM_ERR);
    for (i = 1; i < argc; i++) {
	host = valid_hostaddr(argv[i], DO_GRIPE);
	printf("%s: valid_hostaddr: %s\n", argv[i], host ? "accepted" : "rejected");
	fflush(stdout);
	literal = valid_mailhost_literal(argv[i], DO_GRIPE);
	printf("%s: valid_mailhost_literal: %s\n", argv[i],
	       literal ? "accepted" : "rejected");
	fflush(stdout);
	if (!host && !literal)
	    status = 1;
    }
    return (status);
}
