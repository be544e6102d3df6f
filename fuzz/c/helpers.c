/*
 * helpers.c - the fuzz targets' view of Postfix's structures, through
 * Postfix's own headers (fuzz/build.rs compiles it with the stock tree's
 * flags), so Rust never repeats a Postfix struct layout.
 */
#include <sys_defs.h>
#include <string.h>
#include <vstring.h>
#include <match_list.h>

/* The patched match_ops.c's match_hostaddr(), renamed by build.rs. */
extern int patched_match_hostaddr(MATCH_LIST *, const char *, const char *);

/* vstring_str() of a VSTRING (a macro in Postfix). */
const char *pfinet_fuzz_vstring_str(VSTRING *vp)
{
    return (vstring_str(vp));
}

/*
 * match_hostaddr() of a list named "list" with MATCH_FLAG_RETURN (errors
 * are warnings, not fatal): stock's (patched == 0) or the one a Postfix
 * built with pfinet has. *error gets list->error.
 */
int     pfinet_fuzz_match_hostaddr(int patched, const char *addr,
				           const char *pattern, int *error)
{
    MATCH_LIST list;
    int     rc;

    memset(&list, 0, sizeof(list));
    list.pname = "list";
    list.flags = MATCH_FLAG_RETURN;
    rc = patched ? patched_match_hostaddr(&list, addr, pattern)
	: match_hostaddr(&list, addr, pattern);
    *error = list.error;
    return (rc);
}
