/*
 * layout_check.c - pfinet's #[repr(C)] twins of Postfix's structs have
 * Postfix's layout: compiled (never run) by tests/layout.rs against each
 * supported stock Postfix tree's own headers, with pfinet_layout.h
 * (pfinet::layout::c_header(), from a pfinet built with the features that
 * mirror the tree's sys_defs.h). Each _Static_assert compares Postfix's
 * sizeof, _Alignof, offsetof or constant with pfinet's; a field listed here
 * that pfinet lacks leaves its PFINET_ macro undefined, an error too.
 * tests/layout.rs checks that every field pfinet_layout.h names is listed
 * here, and that a changed offset makes this file fail to compile.
 */
#include <sys_defs.h>
#include <stddef.h>
#include <sys/socket.h>

#include <cidr_match.h>
#include <inet_addr_list.h>
#include <inet_proto.h>

#include "pfinet_layout.h"

#define SAME_TYPE(T) \
    _Static_assert(sizeof(T) == PFINET_SIZEOF_##T, \
		   "sizeof(" #T ") differs from pfinet's"); \
    _Static_assert(_Alignof(T) == PFINET_ALIGNOF_##T, \
		   "_Alignof(" #T ") differs from pfinet's")

#define SAME_FIELD(T, F) \
    _Static_assert(offsetof(T, F) == PFINET_OFFSETOF_##T##__##F, \
		   "offsetof(" #T ", " #F ") differs from pfinet's"); \
    _Static_assert(sizeof(((T *) 0)->F) == PFINET_SIZEOF_##T##__##F, \
		   "sizeof(" #T "." #F ") differs from pfinet's")

#define SAME_VALUE(C) \
    _Static_assert((C) == PFINET_VALUE_##C, #C " differs from pfinet's")

#ifdef HAS_IPV6
_Static_assert(PFINET_LAYOUT_HAS_IPV6 == 1, "pfinet built without has_ipv6, Postfix with HAS_IPV6");
#else
_Static_assert(PFINET_LAYOUT_HAS_IPV6 == 0, "pfinet built with has_ipv6, Postfix without HAS_IPV6");
#endif

/* src/util/cidr_match.h */
SAME_TYPE(CIDR_MATCH);
SAME_FIELD(CIDR_MATCH, op);
SAME_FIELD(CIDR_MATCH, match);
SAME_FIELD(CIDR_MATCH, net_bytes);
SAME_FIELD(CIDR_MATCH, mask_bytes);
SAME_FIELD(CIDR_MATCH, addr_family);
SAME_FIELD(CIDR_MATCH, addr_byte_count);
SAME_FIELD(CIDR_MATCH, addr_bit_count);
SAME_FIELD(CIDR_MATCH, mask_shift);
SAME_FIELD(CIDR_MATCH, next);
SAME_FIELD(CIDR_MATCH, block_end);
SAME_VALUE(CIDR_MATCH_ABYTES);
SAME_VALUE(CIDR_MATCH_OP_MATCH);
SAME_VALUE(CIDR_MATCH_OP_IF);
SAME_VALUE(CIDR_MATCH_OP_ENDIF);
SAME_VALUE(CIDR_MATCH_TRUE);
SAME_VALUE(CIDR_MATCH_FALSE);

/* src/util/inet_addr_list.h, and the elements of its addrs array */
SAME_TYPE(INET_ADDR_LIST);
SAME_FIELD(INET_ADDR_LIST, used);
SAME_FIELD(INET_ADDR_LIST, size);
SAME_FIELD(INET_ADDR_LIST, addrs);
_Static_assert(sizeof(*((INET_ADDR_LIST *) 0)->addrs) == PFINET_SIZEOF_sockaddr_storage,
	       "sizeof(struct sockaddr_storage) differs from pfinet's");

/* src/util/inet_proto.h */
SAME_TYPE(INET_PROTO_INFO);
SAME_FIELD(INET_PROTO_INFO, ai_family);
SAME_FIELD(INET_PROTO_INFO, ai_family_list);
SAME_FIELD(INET_PROTO_INFO, dns_atype_list);
SAME_FIELD(INET_PROTO_INFO, sa_family_list);
