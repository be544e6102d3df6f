/* Compiled by build.rs with -Wall -Wextra -Werror: pfinet.h must be valid C
 * on its own, with the configuration the library is being built with. */
#include <pfinet.h>

int     pfinet_header_check(void);

int     pfinet_header_check(void)
{
    CIDR_MATCH m;

    return (int) sizeof(m.net_bytes) + (int) sizeof(INET_ADDR_LIST) + (int) sizeof(INET_PROTO_INFO);
}
