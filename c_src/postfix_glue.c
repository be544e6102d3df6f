/*
 * postfix_glue.c - compiled into libpfinet only with its Postfix host
 * binding (cargo feature "postfix").
 *
 * Postfix's parameter globals (var_inet_interfaces etc.) live in
 * libglobal.a's mail_params.o. Programs that use own_inet_addr() or
 * mynetworks() link it anyway; others (src/util test drivers) do not, and
 * a strong reference from libpfinet would then pull mail_params.o and
 * half of libglobal into them, or fail to link. Weak references resolve to
 * null when the program has no such global, and pfinet then uses
 * Postfix's default value.
 */
#include <stddef.h>

extern char *var_inet_interfaces __attribute__((weak));
extern char *var_proxy_interfaces __attribute__((weak));
extern char *var_mynetworks_style __attribute__((weak));

const char *pfinet_postfix_param(int which);

const char *pfinet_postfix_param(int which)
{
    char  **p;

    switch (which) {
    case 0:
	p = &var_inet_interfaces;
	break;
    case 1:
	p = &var_proxy_interfaces;
	break;
    default:
	p = &var_mynetworks_style;
	break;
    }
    return (p != NULL ? *p : NULL);
}
