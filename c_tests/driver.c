/*
 * driver.c - one test driver, compiled against stock Postfix or against
 * pfinet, so that both can be fed the same input and their outputs compared
 * byte for byte (stdout and stderr merged with 2>&1; stdout is unbuffered so
 * the two stay in order).
 *
 * BUILD (tests/common/mod.rs does this; -DPFINET_POSTFIX_BINDING builds against
 * pfinet with its Postfix host binding plus stock libutil.a for msg and vstring)
 *
 * Stock Postfix (tree built by scripts/stock-postfix.sh; T is
 * <cache>/<version>/stock or <cache>/<version>/stock-noipv6). The tree's
 * driver.cflags and driver.libs files hold exactly the flags below, as
 * makedefs found them on this machine; prefer reading those files:
 *
 *   T=$(scripts/stock-postfix.sh)/stock
 *   gcc -Wall -Wextra -Werror -DPFINET_STOCK $(cat $T/driver.cflags) \
 *       -o driver-stock c_tests/driver.c $(cat $T/driver.libs)
 *
 * which on Debian bookworm (kernel 6.x, so SYSTYPE=LINUX6) is:
 *
 *   gcc -Wall -Wextra -Werror -DPFINET_STOCK \
 *       -Wno-comment -I$T/include -DLINUX6 -DNO_NIS \
 *       -o driver-stock c_tests/driver.c \
 *       $T/lib/libglobal.a $T/lib/libutil.a \
 *       -ldb -lnsl -lresolv -ldl -licui18n -licuuc -licudata
 *
 * and for the stock-noipv6 tree the same with -DNO_IPV6 after -DNO_NIS.
 * The -D flags matter: sys_defs.h needs the SYSTYPE (-DLINUX6) to compile
 * at all, and -DNO_IPV6 decides HAS_IPV6 and so the size of CIDR_MATCH.
 *
 * The one -Wno- flag, stock mode only: -Wno-comment, because every Postfix
 * header has comment openers inside its comments (Postfix builds with it).
 * Nothing else is needed for -Wall -Wextra -Werror.
 *
 * Note: in a -DNO_IPV6 tree libutil.a defines inet_pton() and inet_ntop()
 * (an inet_addr() wrapper, AF_INET only), and they replace glibc's for the
 * whole stock driver, its own calls included.
 *
 * pfinet:
 *
 *   gcc -Wall -Wextra -Werror -I/work/main/include \
 *       -I/work/main/target/release/include -o driver-pfinet \
 *       c_tests/driver.c /work/main/target/release/libpfinet.a \
 *       -lpthread -ldl -lm -lrt -lutil -lgcc_s -lc
 *
 * USAGE
 *
 *   driver [-v]... batch          <cases        (see gen_cases.py)
 *   driver [-v]... cidr MAPFILE   <"get ADDR" lines (ADDR=VALUE), or "line
 *                                 ADDR" (ADDR line=N: the deciding rule's line)
 *   driver [-v]... proto PROTOCOLS...
 *   driver [-v]... valid          <addresses
 *   driver [-v]... mailhost       <addresses
 *   driver info                   (build facts: ipv6=0|1 abytes=N)
 *
 * Each -v raises msg_verbose (pfinet_set_msg_verbose) by one. The program
 * tag in diagnostics is always "driver", never argv[0].
 *
 * batch reads one case per line (trailing newline stripped; the line may
 * hold any byte but NUL and newline), "<TAG> <rest>":
 *
 *   P <pattern>          cidr_match_parse(.., CIDR_MATCH_TRUE, 0)
 *                          -> "P err <why>" | "P ok op=.. match=.. family=..
 *                             bytes=.. bits=.. shift=.. net=<hex> mask=<hex>"
 *   F <pattern>          the same with cidr_match_parse_if(.., FALSE, 0)
 *   E <pattern>\t<addr>  parse (TRUE), then cidr_match_execute
 *                          -> "E err <why>" | "E 0" | "E 1"
 *   N <pattern>\t<addr>  parse with CIDR_MATCH_FALSE, then execute
 *                          -> "N err <why>" | "N 0" | "N 1"
 *   V <addr>             -> "V <valid_hostaddr> <valid_ipv4_hostaddr>
 *                             <valid_ipv6_hostaddr>" (all DO_GRIPE; their
 *                             warnings come first, on stderr)
 *   M <text>             -> "M addr <offset of valid_mailhost_addr's result
 *                             in text, or -1>" then "M lit <rc>"
 *   H <addr>\t<pattern>  match_hostaddr semantics without dictionaries
 *                          -> "H dict" | "H <rc> err=<0|1>"
 *   R <protocols>        inet_proto_init("inet_protocols", ..)
 *                          -> "R ai_family=N ai_family_list=[..]
 *                             dns_atype_list=[..] sa_family_list=[..]"
 *                          (unknown names are fatal: exit 1)
 *   K <hex> <count> <bits>  mask_addr on the bytes -> "K <hex>" (all the
 *                          given bytes, also those past count); cases
 *                          that stock would panic on print "K skip"
 *   L <addr> <addr>...   inet_addr_list init/append/uniq, then
 *                          -> "L <n> <addr>..." (inet_ntop, list order).
 *                          Tokens glibc's inet_pton rejects are ignored
 *                          (IPv4 must be a strict dotted quad, see
 *                          strict_dotted_quad()), and so are IPv6 tokens
 *                          in a build without IPv6.
 *
 * Anything else prints "? <line>". Lines with a missing tab print
 * "<TAG> usage".
 *
 * All diagnostics the driver prints itself (cidr map warnings, proto info,
 * match_error emulation) go through drv_msg(): Postfix's msg_info/msg_warn/
 * msg_fatal in stock mode, and in pfinet mode a re-implementation of the
 * same output format, including msg_vprintf's sanitising of the text
 * (printable(text, '?'): every byte that is not printable ASCII becomes
 * '?').
 */

#ifdef PFINET_STOCK

#include <sys_defs.h>
#include <msg.h>
#include <msg_vstream.h>
#include <vstream.h>
#include <vstring.h>
#include <inet_proto.h>
#include <inet_addr_list.h>
#include <mask_addr.h>
#include <cidr_match.h>
#include <valid_hostname.h>
#include <valid_mailhost_addr.h>
#include <match_list.h>

#elif defined(PFINET_POSTFIX_BINDING)

 /*
  * pfinet built with its Postfix host binding: pfinet.h for the functions
  * under test, Postfix's own msg(3) and vstring(3) from stock libutil.a.
  */
#include <sys_defs.h>
#include <msg.h>
#include <msg_vstream.h>
#include <vstream.h>
#include <vstring.h>
#include <pfinet.h>

#else

#include <pfinet.h>

#endif

 /*
  * Diagnostics and VSTRINGs are Postfix's in stock mode and with pfinet's
  * Postfix host binding.
  */
#if defined(PFINET_STOCK) || defined(PFINET_POSTFIX_BINDING)
#define POSTFIX_MSG
#endif


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdarg.h>
#include <ctype.h>
#include <errno.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define TAG "driver"

 /*
  * Differences between the two builds.
  */
#ifdef POSTFIX_MSG
#define WHY_STR(v)	vstring_str(v)
#define WHY_FREE(v)	((void) vstring_free(v))
#define MSG_INIT()	msg_vstream_init(TAG, VSTREAM_ERR)
#define SET_VERBOSE(n)	(msg_verbose = (n))
#else
#define WHY_STR(v)	pfinet_vstring_str(v)
#define WHY_FREE(v)	pfinet_vstring_free(v)
#define MSG_INIT()	pfinet_msg_tag(TAG)
#define SET_VERBOSE(n)	pfinet_set_msg_verbose(n)
#endif

static int verbose_level;

/* Does this build know IPv6? (CIDR_MATCH's byte arrays tell.) */

#define DRV_ABYTES	(sizeof(((CIDR_MATCH *) 0)->net_bytes))
#define DRV_HAS_IPV6	(DRV_ABYTES >= 16)

 /*
  * Diagnostics.
  */
#define DRV_INFO	0
#define DRV_WARN	1
#define DRV_FATAL	3

#ifdef __GNUC__
#define DRV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define DRV_NORETURN __attribute__((noreturn))
#else
#define DRV_PRINTF(a, b)
#define DRV_NORETURN
#endif

static void DRV_PRINTF(2, 0) drv_vmsg(int level, const char *fmt, va_list ap)
{
#ifdef POSTFIX_MSG
    switch (level) {
    case DRV_INFO:
	vmsg_info(fmt, ap);
	break;
    case DRV_WARN:
	vmsg_warn(fmt, ap);
	break;
    default:
	vmsg_fatal(fmt, ap);
    }
#else
    va_list ap2;
    int     len;
    char   *buf;
    unsigned char *cp;

    va_copy(ap2, ap);
    len = vsnprintf((char *) 0, 0, fmt, ap2);
    va_end(ap2);
    if (len < 0)
	len = 0;
    if ((buf = malloc((size_t) len + 1)) == 0) {
	fprintf(stderr, "%s: fatal: out of memory\n", TAG);
	exit(1);
    }
    vsnprintf(buf, (size_t) len + 1, fmt, ap);
    /* What Postfix's msg_vprintf() does: printable(text, '?'). */
    for (cp = (unsigned char *) buf; *cp; cp++)
	if (!(isascii(*cp) && isprint(*cp)))
	    *cp = '?';
    if (level == DRV_INFO)
	fprintf(stderr, "%s: %s\n", TAG, buf);
    else
	fprintf(stderr, "%s: %s: %s\n", TAG,
		level == DRV_WARN ? "warning" : "fatal", buf);
    fflush(stderr);
    free(buf);
    if (level >= DRV_FATAL)
	exit(1);
#endif
}

static void DRV_PRINTF(1, 2) drv_info(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    drv_vmsg(DRV_INFO, fmt, ap);
    va_end(ap);
}

static void DRV_PRINTF(1, 2) drv_warn(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    drv_vmsg(DRV_WARN, fmt, ap);
    va_end(ap);
}

static void DRV_PRINTF(1, 2) DRV_NORETURN drv_fatal(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    drv_vmsg(DRV_FATAL, fmt, ap);
    va_end(ap);
    exit(1);				/* not reached */
}

 /*
  * Small helpers.
  */
static void *xmalloc(size_t len)
{
    void   *p = malloc(len ? len : 1);

    if (p == 0)
	drv_fatal("out of memory");
    return (p);
}

static char *xstrdup(const char *s)
{
    size_t  len = strlen(s) + 1;

    return (memcpy(xmalloc(len), s, len));
}

/* read_line - one stdin line, newline stripped; 0 at EOF */

static char *read_line(char **buf, size_t *cap)
{
    ssize_t len;

    if ((len = getline(buf, cap, stdin)) < 0)
	return (0);
    if (len > 0 && (*buf)[len - 1] == '\n')
	(*buf)[len - 1] = 0;
    return (*buf);
}

static void print_hex(const unsigned char *p, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    size_t  i;

    for (i = 0; i < len; i++) {
	putchar(digits[p[i] >> 4]);
	putchar(digits[p[i] & 15]);
    }
}

static int parse_hex(const char *s, unsigned char *out, size_t max, size_t *len)
{
    size_t  n = 0;
    int     hi, lo;

#define HEXVAL(c) (isdigit((unsigned char) (c)) ? (c) - '0' : \
		   ((c) >= 'a' && (c) <= 'f') ? (c) - 'a' + 10 : \
		   ((c) >= 'A' && (c) <= 'F') ? (c) - 'A' + 10 : -1)

    while (s[0] && s[1]) {
	if (n >= max || (hi = HEXVAL(s[0])) < 0 || (lo = HEXVAL(s[1])) < 0)
	    return (0);
	out[n++] = (unsigned char) (hi << 4 | lo);
	s += 2;
    }
    if (*s)
	return (0);
    *len = n;
    return (1);
}

 /*
  * batch: one case per line.
  */
static void print_cidr(const char *tag, const CIDR_MATCH *m)
{
    printf("%s ok op=%d match=%d family=%u bytes=%u bits=%u shift=%u net=",
	   tag, m->op, m->match, (unsigned) m->addr_family,
	   (unsigned) m->addr_byte_count, (unsigned) m->addr_bit_count,
	   (unsigned) m->mask_shift);
    print_hex(m->net_bytes, m->addr_byte_count <= DRV_ABYTES ?
	      m->addr_byte_count : DRV_ABYTES);
    printf(" mask=");
    print_hex(m->mask_bytes, m->addr_byte_count <= DRV_ABYTES ?
	      m->addr_byte_count : DRV_ABYTES);
    printf("\n");
}

static void do_parse(const char *tag, const char *pattern, int is_if)
{
    CIDR_MATCH m;
    char   *copy = xstrdup(pattern);
    VSTRING *why;

    memset(&m, 0, sizeof(m));
    why = is_if ? cidr_match_parse_if(&m, copy, CIDR_MATCH_FALSE, (VSTRING *) 0)
	: cidr_match_parse(&m, copy, CIDR_MATCH_TRUE, (VSTRING *) 0);
    if (why) {
	printf("%s err %s\n", tag, WHY_STR(why));
	WHY_FREE(why);
    } else {
	print_cidr(tag, &m);
    }
    free(copy);
}

static void do_execute(const char *tag, char *rest, int match)
{
    CIDR_MATCH m;
    char   *addr;
    char   *copy;
    VSTRING *why;

    if ((addr = strchr(rest, '\t')) == 0) {
	printf("%s usage\n", tag);
	return;
    }
    *addr++ = 0;
    copy = xstrdup(rest);
    memset(&m, 0, sizeof(m));
    if ((why = cidr_match_parse(&m, copy, match, (VSTRING *) 0)) != 0) {
	printf("%s err %s\n", tag, WHY_STR(why));
	WHY_FREE(why);
    } else {
	printf("%s %d\n", tag, cidr_match_execute(&m, addr) != 0);
    }
    free(copy);
}

static void do_valid(const char *addr)
{
    int     a, b, c;

    a = valid_hostaddr(addr, DO_GRIPE);
    b = valid_ipv4_hostaddr(addr, DO_GRIPE);
    c = valid_ipv6_hostaddr(addr, DO_GRIPE);
    printf("V %d %d %d\n", a, b, c);
}

static void do_mailhost(const char *text)
{
    const char *r;

    r = valid_mailhost_addr(text, DO_GRIPE);
    printf("M addr %ld\n", r ? (long) (r - text) : -1L);
    printf("M lit %d\n", valid_mailhost_literal(text, DO_GRIPE));
}

static void do_hostaddr(char *rest)
{
    char   *addr = rest;
    char   *pattern;
    int     rc;
    int     err;

    if ((pattern = strchr(rest, '\t')) == 0) {
	printf("H usage\n");
	return;
    }
    *pattern++ = 0;
    /* Postfix's MATCH_DICTIONARY(): a dictionary name, not our business. */
    if (pattern[0] != '[' && strchr(pattern, ':') != 0) {
	printf("H dict\n");
	return;
    }
#ifdef PFINET_STOCK
    {
	MATCH_LIST list;

	memset(&list, 0, sizeof(list));
	list.pname = "list";
	list.flags = MATCH_FLAG_RETURN;
	list.error = 0;
	rc = match_hostaddr(&list, addr, pattern);
	err = list.error != 0;
    }
#else
    {
	VSTRING *why = 0;

	/* What match_hostaddr() logs first; the list name is ours. */
	if (verbose_level)
	    drv_info("match_hostaddr: %s: %s ~? %s", "list", addr, pattern);
	rc = match_hostaddr_literal(addr, pattern, &why);
	err = why != 0;
	if (why) {
	    /* What match_error() does with MATCH_FLAG_RETURN. */
	    drv_warn("%s: %s", "list", WHY_STR(why));
	    WHY_FREE(why);
	    rc = 0;
	}
    }
#endif
    printf("H %d err=%d\n", rc, err);
}

static void print_uvec(const char *name, const unsigned *v)
{
    printf(" %s=[", name);
    for (; *v; v++)
	printf(v[1] ? "%u " : "%u", *v);
    printf("]");
}

static void print_ucvec(const char *name, const unsigned char *v)
{
    printf(" %s=[", name);
    for (; *v; v++)
	printf(v[1] ? "%u " : "%u", (unsigned) *v);
    printf("]");
}

static void do_proto_batch(const char *protocols)
{
    const INET_PROTO_INFO *pf;

    pf = inet_proto_init("inet_protocols", protocols);
    if (pf != inet_proto_table)
	printf("R result differs from inet_proto_table\n");
    pf = inet_proto_table;
    printf("R ai_family=%u", pf->ai_family);
    print_uvec("ai_family_list", pf->ai_family_list);
    print_uvec("dns_atype_list", pf->dns_atype_list);
    print_ucvec("sa_family_list", pf->sa_family_list);
    printf("\n");
}

static void do_mask(char *rest)
{
    unsigned char bytes[256];
    size_t  nbytes;
    char   *hex, *cnt, *bits, *end;
    unsigned long count, nbits;

    hex = strtok(rest, " ");
    cnt = hex ? strtok((char *) 0, " ") : 0;
    bits = cnt ? strtok((char *) 0, " ") : 0;
    if (bits == 0 || !parse_hex(hex, bytes, sizeof(bytes), &nbytes)) {
	printf("K usage\n");
	return;
    }
    errno = 0;
    count = strtoul(cnt, &end, 10);
    if (*end || errno) {
	printf("K usage\n");
	return;
    }
    nbits = strtoul(bits, &end, 10);
    if (*end || errno) {
	printf("K usage\n");
	return;
    }
    /* Stock panics on these; never call it so. */
    if (count > nbytes || nbits > count * 8) {
	printf("K skip\n");
	return;
    }
    mask_addr(bytes, (unsigned) count, (unsigned) nbits);
    printf("K ");
    print_hex(bytes, nbytes);
    printf("\n");
}

/*
 * strict_dotted_quad - glibc inet_pton(AF_INET) syntax: four decimal parts
 * of 1-3 digits, no leading zero, each <= 255. Checked by the driver itself
 * because in a -DNO_IPV6 stock build Postfix's libutil.a replaces
 * inet_pton() for the whole program with an inet_addr() wrapper (octal,
 * hex, 1-3 part forms, text after white space), while pfinet's driver gets
 * glibc's: the L input must mean the same to both.
 */
static int strict_dotted_quad(const char *s)
{
    int     parts = 0;
    int     digits;
    int     val;

    for (;;) {
	for (digits = 0, val = 0; isdigit((unsigned char) *s); s++, digits++) {
	    if (digits > 0 && val == 0)
		return (0);		/* leading zero */
	    val = val * 10 + (*s - '0');
	    if (val > 255)
		return (0);
	}
	if (digits == 0)
	    return (0);
	parts++;
	if (*s == 0)
	    return (parts == 4);
	if (*s++ != '.' || parts == 4)
	    return (0);
    }
}

static void do_addr_list(char *rest)
{
    INET_ADDR_LIST list;
    char   *tok;
    int     i;
    char    buf[INET6_ADDRSTRLEN + 1];

    inet_addr_list_init(&list);
    for (tok = strtok(rest, " "); tok; tok = strtok((char *) 0, " ")) {
	if (strchr(tok, ':')) {
	    struct sockaddr_in6 sin6;

	    if (!DRV_HAS_IPV6)
		continue;
	    memset(&sin6, 0, sizeof(sin6));
	    sin6.sin6_family = AF_INET6;
	    if (inet_pton(AF_INET6, tok, &sin6.sin6_addr) != 1)
		continue;
	    inet_addr_list_append(&list, (struct sockaddr *) &sin6);
	} else {
	    struct sockaddr_in sin;

	    memset(&sin, 0, sizeof(sin));
	    sin.sin_family = AF_INET;
	    if (!strict_dotted_quad(tok)
		|| inet_pton(AF_INET, tok, &sin.sin_addr) != 1)
		continue;
	    inet_addr_list_append(&list, (struct sockaddr *) &sin);
	}
    }
    inet_addr_list_uniq(&list);
    printf("L %d", list.used);
    for (i = 0; i < list.used; i++) {
	struct sockaddr *sa = (struct sockaddr *) (list.addrs + i);
	const void *ap;

	if (sa->sa_family == AF_INET6)
	    ap = &((struct sockaddr_in6 *) sa)->sin6_addr;
	else
	    ap = &((struct sockaddr_in *) sa)->sin_addr;
	if (inet_ntop(sa->sa_family, ap, buf, sizeof(buf)) == 0)
	    printf(" ?");
	else
	    printf(" %s", buf);
    }
    printf("\n");
    inet_addr_list_free(&list);
}

static int cmd_batch(void)
{
    char   *buf = 0;
    size_t  cap = 0;
    char   *line;
    char   *rest;

    while ((line = read_line(&buf, &cap)) != 0) {
	if (line[0] == 0 || (line[1] != ' ' && line[1] != 0)) {
	    printf("? %s\n", line);
	    continue;
	}
	rest = line[1] ? line + 2 : line + 1;
	switch (line[0]) {
	case 'P':
	    do_parse("P", rest, 0);
	    break;
	case 'F':
	    do_parse("F", rest, 1);
	    break;
	case 'E':
	    do_execute("E", rest, CIDR_MATCH_TRUE);
	    break;
	case 'N':
	    do_execute("N", rest, CIDR_MATCH_FALSE);
	    break;
	case 'V':
	    do_valid(rest);
	    break;
	case 'M':
	    do_mailhost(rest);
	    break;
	case 'H':
	    do_hostaddr(rest);
	    break;
	case 'R':
	    do_proto_batch(rest);
	    break;
	case 'K':
	    do_mask(rest);
	    break;
	case 'L':
	    do_addr_list(rest);
	    break;
	default:
	    printf("? %s\n", line);
	    break;
	}
    }
    free(buf);
    return (0);
}

 /*
  * cidr: a small dict_cidr, written after Postfix's dict_cidr.c and
  * readlline.c (same line handling, same texts), using the library's
  * cidr_match_parse/parse_if/endif/execute.
  */
typedef struct CIDR_ENTRY {
    CIDR_MATCH cidr_info;		/* must be first */
    char   *value;
    int     lineno;
} CIDR_ENTRY;

#define C_ISSPACE(c)	(isascii((unsigned char) (c)) && isspace((unsigned char) (c)))
#define C_ISALNUM(c)	(isascii((unsigned char) (c)) && isalnum((unsigned char) (c)))

typedef struct {
    const char *data;			/* file contents */
    size_t  len;
    size_t  pos;			/* read position */
    int     lineno;			/* physical lines read so far */
} MAP_READER;

typedef struct {
    char   *buf;
    size_t  len;
    size_t  cap;
} TEXT;

static void text_add(TEXT *t, int ch)
{
    if (t->len + 2 > t->cap) {
	t->cap = t->cap ? t->cap * 2 : 128;
	if ((t->buf = realloc(t->buf, t->cap)) == 0)
	    drv_fatal("out of memory");
    }
    t->buf[t->len++] = (char) ch;
    t->buf[t->len] = 0;
}

/*
 * map_logical_line - the next logical line: a text line plus the lines that
 * follow it and start with white space; comment lines (first non-blank is
 * '#') and blank lines are dropped wherever they are. Newlines are dropped,
 * not replaced. *first gets the number of the first line that contributed.
 * A logical line that starts with white space is reported and skipped.
 * Returns 0 at the end of the file.
 */
static char *map_logical_line(MAP_READER *rd, TEXT *t, const char *path,
			              int *first)
{
    int     ch;
    size_t  start;
    size_t  i;

    for (;;) {
	t->len = 0;
	text_add(t, 0);
	t->len = 0;
	for (;;) {
	    start = t->len;
	    ch = EOF;
	    while (rd->pos < rd->len) {
		ch = (unsigned char) rd->data[rd->pos++];
		if (ch == '\n')
		    break;
		text_add(t, ch);
		ch = EOF;
	    }
	    if (ch == '\n' || t->len > start)
		rd->lineno += 1;
	    for (i = start; i < t->len && C_ISSPACE(t->buf[i]); i++)
		 /* void */ ;
	    if (i == t->len || t->buf[i] == '#') {
		t->len = start;
		t->buf[start] = 0;
	    } else if (start == 0) {
		*first = rd->lineno;
	    }
	    if (ch != '\n' && rd->pos >= rd->len)
		break;			/* end of file */
	    if (t->len > 0) {
		int     next = rd->pos < rd->len ?
		(unsigned char) rd->data[rd->pos] : EOF;

		if (next == EOF || (next != '#' && !C_ISSPACE(next)))
		    break;
	    }
	}
	if (t->len > 0 && C_ISSPACE(t->buf[0])) {
	    drv_warn("%s: logical line must not start with whitespace: \"%.30s%s\"",
		     path, t->buf, t->len > 30 ? "..." : "");
	    continue;
	}
	return (t->len > 0 ? t->buf : 0);
    }
}

static char *trim_trailing(char *s)
{
    char   *end = s + strlen(s);

    while (end > s && C_ISSPACE(end[-1]))
	end--;
    *end = 0;
    return (s);
}

/* cidr_rule - parse one rule; 0 and why text on error */

static CIDR_ENTRY *cidr_rule(char *p, int lineno, int nesting, char **why)
{
    CIDR_ENTRY *rule;
    CIDR_MATCH info;
    const char *value;
    char   *pattern;
    VSTRING *err;
    int     match = 1;

    *why = 0;
    memset(&info, 0, sizeof(info));
    if (strncasecmp(p, "IF", 2) == 0 && !C_ISALNUM(p[2])) {
	for (p += 2; *p == '!' || C_ISSPACE(*p); p++)
	    if (*p == '!')
		match = !match;
	if (*p == 0) {
	    *why = xstrdup("no address pattern");
	    return (0);
	}
	trim_trailing(p);
	if ((err = cidr_match_parse_if(&info, p, match, (VSTRING *) 0)) != 0) {
	    *why = xstrdup(WHY_STR(err));
	    WHY_FREE(err);
	    return (0);
	}
	value = "";
    } else if (strncasecmp(p, "ENDIF", 5) == 0 && !C_ISALNUM(p[5])) {
	for (p += 5; C_ISSPACE(*p); p++)
	     /* void */ ;
	if (*p != 0) {
	    *why = xstrdup("garbage after ENDIF");
	    return (0);
	}
	if (nesting == 0) {
	    *why = xstrdup("ENDIF without IF");
	    return (0);
	}
	cidr_match_endif(&info);
	value = "";
    } else {
	for (; *p == '!' || C_ISSPACE(*p); p++)
	    if (*p == '!')
		match = !match;
	pattern = p;
	while (*p && !C_ISSPACE(*p))
	    p++;
	if (*p)
	    *p++ = 0;
	while (C_ISSPACE(*p))
	    p++;
	value = trim_trailing(p);
	if (*pattern == 0) {
	    *why = xstrdup("no address pattern");
	    return (0);
	}
	if ((err = cidr_match_parse(&info, pattern, match, (VSTRING *) 0)) != 0) {
	    *why = xstrdup(WHY_STR(err));
	    WHY_FREE(err);
	    return (0);
	}
	if (*value == 0) {
	    *why = xstrdup("no lookup result");
	    return (0);
	}
    }
    rule = (CIDR_ENTRY *) xmalloc(sizeof(*rule));
    rule->cidr_info = info;
    rule->value = xstrdup(value);
    rule->lineno = lineno;
    /* Like Postfix 3.10 (3.7 dies in inet_ntop on an ENDIF here). */
    if (verbose_level && info.op != CIDR_MATCH_OP_ENDIF) {
	char    hostaddr[INET6_ADDRSTRLEN + 1];

	if (inet_ntop(info.addr_family, info.net_bytes, hostaddr,
		      sizeof(hostaddr)) == 0)
	    strcpy(hostaddr, "?");
	drv_info("dict_cidr_open: add %s/%d %s",
		 hostaddr, info.mask_shift, rule->value);
    }
    return (rule);
}

static char *slurp(const char *path, size_t *len)
{
    FILE   *fp;
    char   *data = 0;
    size_t  cap = 0, n = 0, got;

    if ((fp = fopen(path, "r")) == 0)
	drv_fatal("open %s: %s", path, strerror(errno));
    do {
	if (n + 4096 > cap) {
	    cap = cap ? cap * 2 : 8192;
	    if ((data = realloc(data, cap)) == 0)
		drv_fatal("out of memory");
	}
	got = fread(data + n, 1, cap - n, fp);
	n += got;
    } while (got > 0);
    if (ferror(fp))
	drv_fatal("read %s: %s", path, strerror(errno));
    fclose(fp);
    *len = n;
    return (data);
}

static int cmd_cidr(const char *path)
{
    MAP_READER rd;
    TEXT    t = {0, 0, 0};
    char   *line;
    int     first = 0;
    int     nesting = 0;
    CIDR_ENTRY **stack = 0;
    size_t  stack_cap = 0;
    CIDR_ENTRY *head = 0, *last = 0, *rule, *next;
    char   *why;
    char   *buf = 0;
    size_t  cap = 0;
    char   *data;

    memset(&rd, 0, sizeof(rd));
    rd.data = data = slurp(path, &rd.len);

    while ((line = map_logical_line(&rd, &t, path, &first)) != 0) {
	if ((rule = cidr_rule(line, first, nesting, &why)) == 0) {
	    drv_warn("cidr map %s, line %d: %s: skipping this rule",
		     path, first, why);
	    free(why);
	    continue;
	}
	if (rule->cidr_info.op == CIDR_MATCH_OP_IF) {
	    if ((size_t) nesting >= stack_cap) {
		stack_cap = stack_cap ? stack_cap * 2 : 8;
		if ((stack = realloc(stack, stack_cap * sizeof(*stack))) == 0)
		    drv_fatal("out of memory");
	    }
	    stack[nesting++] = rule;
	} else if (rule->cidr_info.op == CIDR_MATCH_OP_ENDIF) {
	    if (nesting <= 0)
		drv_fatal("ENDIF without IF");	/* cidr_rule() prevents this */
	    stack[--nesting]->cidr_info.block_end = &rule->cidr_info;
	}
	if (last == 0)
	    head = rule;
	else
	    last->cidr_info.next = &rule->cidr_info;
	last = rule;
    }
    while (nesting-- > 0)
	drv_warn("cidr map %s, line %d: IF has no matching ENDIF",
		 path, stack[nesting]->lineno);
    free(stack);
    free(t.buf);
    free(data);

    while ((line = read_line(&buf, &cap)) != 0) {
	char   *cmd, *key;

	printf("> %s\n", line);
	cmd = strtok(line, " \t");
	key = cmd ? strtok((char *) 0, " \t") : 0;
	if (cmd == 0 || (strcmp(cmd, "get") != 0 && strcmp(cmd, "line") != 0)
	    || key == 0) {
	    printf("usage: get <address> | line <address>\n");
	    continue;
	}
	rule = head ? (CIDR_ENTRY *) cidr_match_execute(&head->cidr_info, key) : 0;
	if (rule && strcmp(cmd, "line") == 0)
	    printf("%s line=%d\n", key, rule->lineno);
	else if (rule)
	    printf("%s=%s\n", key, rule->value);
	else
	    printf("%s: not found\n", key);
    }
    free(buf);
    for (rule = head; rule; rule = next) {
	next = (CIDR_ENTRY *) rule->cidr_info.next;
	free(rule->value);
	free(rule);
    }
    return (0);
}

 /*
  * proto: what Postfix's inet_proto.c test driver prints.
  */
static const char *join_uvec(char *buf, size_t len, const unsigned *v)
{
    size_t  n = 0;

    buf[0] = 0;
    for (; *v && n < len; v++)
	n += snprintf(buf + n, len - n, v[1] ? "%u " : "%u", *v);
    return (buf);
}

static const char *join_ucvec(char *buf, size_t len, const unsigned char *v)
{
    size_t  n = 0;

    buf[0] = 0;
    for (; *v && n < len; v++)
	n += snprintf(buf + n, len - n, v[1] ? "%u " : "%u", (unsigned) *v);
    return (buf);
}

static int cmd_proto(int argc, char **argv)
{
    const INET_PROTO_INFO *pf;
    char    buf[256];
    int     i;

    if (argc < 1)
	drv_fatal("usage: %s protocol(s)...", TAG);
    for (i = 0; i < argc; i++) {
	drv_info("=== %s ===", argv[i]);
	inet_proto_init(TAG, argv[i]);
	pf = inet_proto_table;
	drv_info("ai_family = %u", pf->ai_family);
	drv_info("ai_family_list = %s",
		 join_uvec(buf, sizeof(buf), pf->ai_family_list));
	drv_info("dns_atype_list = %s",
		 join_uvec(buf, sizeof(buf), pf->dns_atype_list));
	drv_info("sa_family_list = %s",
		 join_ucvec(buf, sizeof(buf), pf->sa_family_list));
    }
    return (0);
}

 /*
  * valid, mailhost: what the TEST mains of valid_hostname.c (only its
  * valid_hostaddr call) and valid_mailhost_addr.c do.
  */
static int cmd_valid(int mailhost)
{
    char   *buf = 0;
    size_t  cap = 0;
    char   *line;

    SET_VERBOSE(verbose_level > 1 ? verbose_level : 1);
    while ((line = read_line(&buf, &cap)) != 0) {
	drv_info("testing: \"%s\"", line);
	if (!mailhost)
	    valid_hostaddr(line, DO_GRIPE);
	else if (line[0] == '[')
	    valid_mailhost_literal(line, DO_GRIPE);
	else
	    valid_mailhost_addr(line, DO_GRIPE);
    }
    free(buf);
    return (0);
}

static void DRV_NORETURN usage(void)
{
    drv_fatal("usage: %s [-v]... batch | cidr MAPFILE | proto PROTOCOLS... "
	      "| valid | mailhost | info", TAG);
}

int     main(int argc, char **argv)
{
    const char *cmd;

    setvbuf(stdout, (char *) 0, _IONBF, 0);
    MSG_INIT();

    argv++, argc--;
    while (argc > 0 && strcmp(argv[0], "-v") == 0) {
	verbose_level++;
	argv++, argc--;
    }
    SET_VERBOSE(verbose_level);
    if (argc < 1)
	usage();
    cmd = argv[0];
    argv++, argc--;

    if (strcmp(cmd, "batch") == 0 && argc == 0)
	return (cmd_batch());
    if (strcmp(cmd, "cidr") == 0 && argc == 1)
	return (cmd_cidr(argv[0]));
    if (strcmp(cmd, "proto") == 0)
	return (cmd_proto(argc, argv));
    if (strcmp(cmd, "valid") == 0 && argc == 0)
	return (cmd_valid(0));
    if (strcmp(cmd, "mailhost") == 0 && argc == 0)
	return (cmd_valid(1));
    if (strcmp(cmd, "info") == 0 && argc == 0) {
	printf("ipv6=%d abytes=%u\n", DRV_HAS_IPV6 ? 1 : 0, (unsigned) DRV_ABYTES);
	return (0);
    }
    usage();
}
