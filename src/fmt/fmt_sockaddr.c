/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_sockaddr: socket addresses as strace prints them, in the form a C programmer would write
 * to build them: {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, the
 * IPv6 variant with inet_pton() and if_nametoindex() for a link-local scope, AF_UNIX paths with
 * '@' marking the abstract namespace, AF_NETLINK's pid and groups, and sa_data bytes for the
 * rest.  The address length decides how much is read; anything shorter than the family field,
 * or unreadable, prints as the pointer.  Also the address family and socket type names, which
 * socket() and socketpair() share.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fmt_priv.h"

static const struct fmt_xlat fmt_families[] = {
	XLAT_PAIR(0, "AF_UNSPEC"), XLAT_PAIR(1, "AF_UNIX"),	  XLAT_PAIR(2, "AF_INET"),
	XLAT_PAIR(4, "AF_IPX"),	   XLAT_PAIR(5, "AF_APPLETALK"),  XLAT_PAIR(10, "AF_INET6"),
	XLAT_PAIR(15, "AF_KEY"),   XLAT_PAIR(16, "AF_NETLINK"),	  XLAT_PAIR(17, "AF_PACKET"),
	XLAT_PAIR(29, "AF_CAN"),   XLAT_PAIR(31, "AF_BLUETOOTH"), XLAT_PAIR(38, "AF_ALG"),
	XLAT_PAIR(40, "AF_VSOCK"), XLAT_PAIR(44, "AF_XDP"),	  XLAT_END,
};

static const struct fmt_xlat sock_types[] = {
	XLAT_PAIR(1, "SOCK_STREAM"),	XLAT_PAIR(2, "SOCK_DGRAM"),
	XLAT_PAIR(3, "SOCK_RAW"),	XLAT_PAIR(4, "SOCK_RDM"),
	XLAT_PAIR(5, "SOCK_SEQPACKET"), XLAT_PAIR(6, "SOCK_DCCP"),
	XLAT_PAIR(10, "SOCK_PACKET"),	XLAT_END,
};

static const struct fmt_xlat sock_type_flags[] = {
	XLAT_PAIR(02000000, "SOCK_CLOEXEC"),
	XLAT_PAIR(04000, "SOCK_NONBLOCK"),
	XLAT_END,
};

void fmt_print_family(struct strbuf *out, uint64_t family)
{
	fmt_print_xval(out, fmt_families, (uint32_t)family, "AF_???");
}

void fmt_print_sock_type_flags(struct strbuf *out, uint64_t flags)
{
	fmt_print_flags(out, sock_type_flags, (uint32_t)flags, "SOCK_???");
}

/* SOCK_STREAM|SOCK_CLOEXEC */
void fmt_print_sock_type(struct strbuf *out, uint64_t type)
{
	uint32_t flags = (uint32_t)type & ~0xfu;

	fmt_print_xval(out, sock_types, (uint32_t)type & 0xf, "SOCK_???");
	if (flags) {
		sb_putc(out, '|');
		fmt_print_flags(out, sock_type_flags, flags, "SOCK_???");
	}
}

static void print_in(struct strbuf *out, const struct sockaddr_in *sin)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	sb_printf(out, ", sin_port=htons(%u), sin_addr=inet_addr(\"%s\")", ntohs(sin->sin_port),
		  ip);
}

static void print_in6(struct strbuf *out, const struct sockaddr_in6 *sin6)
{
	char ip[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
	const struct in6_addr *a = &sin6->sin6_addr;

	inet_ntop(AF_INET6, a, ip, sizeof(ip));
	sb_printf(out,
		  ", sin6_port=htons(%u), sin6_flowinfo=htonl(%u), inet_pton(AF_INET6, \"%s\", "
		  "&sin6_addr), sin6_scope_id=",
		  ntohs(sin6->sin6_port), ntohl(sin6->sin6_flowinfo), ip);
	if ((IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MC_LINKLOCAL(a)) &&
	    if_indextoname(sin6->sin6_scope_id, ifname))
		sb_printf(out, "if_nametoindex(\"%s\")", ifname);
	else
		sb_printf(out, "%u", sin6->sin6_scope_id);
}

static void print_un(struct strbuf *out, const struct sockaddr_un *sun, size_t len)
{
	size_t n = len - offsetof(struct sockaddr_un, sun_path);

	if (!n)
		return;
	sb_printf(out, ", sun_path=");
	if (sun->sun_path[0]) {
		fmt_quote(out, (const unsigned char *)sun->sun_path, strnlen(sun->sun_path, n),
			  false);
	} else {
		sb_putc(out, '@');
		fmt_quote(out, (const unsigned char *)sun->sun_path + 1, n - 1, false);
	}
}

struct k_sockaddr_nl {
	uint16_t family;
	uint16_t pad;
	uint32_t pid;
	uint32_t groups;
};

void fmt_print_sockaddr(struct fmt_call *c, uint64_t addr, int64_t len)
{
	struct sockaddr_storage ss;
	size_t n = len > (int64_t)sizeof(ss) ? sizeof(ss) : (size_t)len;
	const struct k_sockaddr_nl *nl = (const void *)&ss;

	if (len < (int64_t)sizeof(sa_family_t) || !fmt_fetch(c, addr, &ss, n)) {
		if (len < (int64_t)sizeof(sa_family_t))
			fmt_print_addr(c->out, addr);
		return;
	}
	memset((char *)&ss + n, 0, sizeof(ss) - n);
	sb_printf(c->out, "{sa_family=");
	fmt_print_family(c->out, ss.ss_family);
	switch (ss.ss_family) {
	case AF_INET:
		print_in(c->out, (const struct sockaddr_in *)&ss);
		break;
	case AF_INET6:
		print_in6(c->out, (const struct sockaddr_in6 *)&ss);
		break;
	case AF_UNIX:
		print_un(c->out, (const struct sockaddr_un *)&ss, n);
		break;
	case AF_NETLINK:
		sb_printf(c->out, ", nl_pid=%u, nl_groups=%08x", nl->pid, nl->groups);
		break;
	default:
		sb_printf(c->out, ", sa_data=");
		fmt_quote(c->out, (const unsigned char *)&ss + 2, n - 2, false);
	}
	sb_putc(c->out, '}');
}
