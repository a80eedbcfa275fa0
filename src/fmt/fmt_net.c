/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_net: the socket calls.  socket() names its family, type with flags, and a protocol whose
 * table depends on the family (IPPROTO_* for IP, NETLINK_* for netlink, htons(ETH_P_*) for packet
 * sockets, a bare number otherwise).  Addresses the kernel reads print at entry; addresses it
 * writes (accept, getsockname, recvfrom) print at exit with their length as "[16]", read back from
 * the length word.  strace also shows "[110 => 16]" when the kernel shortened the length; that
 * needs the value from entry, which this stateless formatter does not keep, so only the final
 * length is shown.  setsockopt/getsockopt name the level and option for the common levels and
 * show an int-sized value as "[1]", anything else as a buffer.
 */
#include <inttypes.h>

#include "fmt_priv.h"

static const struct fmt_xlat inet_protos[] = {
	XLAT_PAIR(0, "IPPROTO_IP"),	   XLAT_PAIR(1, "IPPROTO_ICMP"),
	XLAT_PAIR(2, "IPPROTO_IGMP"),	   XLAT_PAIR(4, "IPPROTO_IPIP"),
	XLAT_PAIR(6, "IPPROTO_TCP"),	   XLAT_PAIR(17, "IPPROTO_UDP"),
	XLAT_PAIR(41, "IPPROTO_IPV6"),	   XLAT_PAIR(47, "IPPROTO_GRE"),
	XLAT_PAIR(58, "IPPROTO_ICMPV6"),   XLAT_PAIR(132, "IPPROTO_SCTP"),
	XLAT_PAIR(136, "IPPROTO_UDPLITE"), XLAT_PAIR(255, "IPPROTO_RAW"),
	XLAT_PAIR(262, "IPPROTO_MPTCP"),   XLAT_END,
};

static const struct fmt_xlat netlink_protos[] = {
	XLAT_PAIR(0, "NETLINK_ROUTE"),
	XLAT_PAIR(2, "NETLINK_USERSOCK"),
	XLAT_PAIR(4, "NETLINK_SOCK_DIAG"),
	XLAT_PAIR(5, "NETLINK_NFLOG"),
	XLAT_PAIR(6, "NETLINK_XFRM"),
	XLAT_PAIR(7, "NETLINK_SELINUX"),
	XLAT_PAIR(9, "NETLINK_AUDIT"),
	XLAT_PAIR(11, "NETLINK_CONNECTOR"),
	XLAT_PAIR(12, "NETLINK_NETFILTER"),
	XLAT_PAIR(15, "NETLINK_KOBJECT_UEVENT"),
	XLAT_PAIR(16, "NETLINK_GENERIC"),
	XLAT_PAIR(21, "NETLINK_CRYPTO"),
	XLAT_END,
};

static const struct fmt_xlat eth_protos[] = {
	XLAT_PAIR(0x0003, "ETH_P_ALL"),
	XLAT_PAIR(0x0800, "ETH_P_IP"),
	XLAT_PAIR(0x0806, "ETH_P_ARP"),
	XLAT_PAIR(0x86DD, "ETH_P_IPV6"),
	XLAT_END,
};

static const struct fmt_xlat msg_flags[] = {
	XLAT_PAIR(0x1, "MSG_OOB"),
	XLAT_PAIR(0x2, "MSG_PEEK"),
	XLAT_PAIR(0x4, "MSG_DONTROUTE"),
	XLAT_PAIR(0x8, "MSG_CTRUNC"),
	XLAT_PAIR(0x10, "MSG_PROBE"),
	XLAT_PAIR(0x20, "MSG_TRUNC"),
	XLAT_PAIR(0x40, "MSG_DONTWAIT"),
	XLAT_PAIR(0x80, "MSG_EOR"),
	XLAT_PAIR(0x100, "MSG_WAITALL"),
	XLAT_PAIR(0x200, "MSG_FIN"),
	XLAT_PAIR(0x400, "MSG_SYN"),
	XLAT_PAIR(0x800, "MSG_CONFIRM"),
	XLAT_PAIR(0x1000, "MSG_RST"),
	XLAT_PAIR(0x2000, "MSG_ERRQUEUE"),
	XLAT_PAIR(0x4000, "MSG_NOSIGNAL"),
	XLAT_PAIR(0x8000, "MSG_MORE"),
	XLAT_PAIR(0x10000, "MSG_WAITFORONE"),
	XLAT_PAIR(0x40000, "MSG_BATCH"),
	XLAT_PAIR(0x4000000, "MSG_ZEROCOPY"),
	XLAT_PAIR(0x20000000, "MSG_FASTOPEN"),
	XLAT_PAIR(0x40000000, "MSG_CMSG_CLOEXEC"),
	XLAT_END,
};

static const struct fmt_xlat shut_how[] = {
	XLAT_PAIR(0, "SHUT_RD"),
	XLAT_PAIR(1, "SHUT_WR"),
	XLAT_PAIR(2, "SHUT_RDWR"),
	XLAT_END,
};

static const struct fmt_xlat levels[] = {
	XLAT_PAIR(0, "SOL_IP"),	       XLAT_PAIR(1, "SOL_SOCKET"),
	XLAT_PAIR(6, "SOL_TCP"),       XLAT_PAIR(17, "SOL_UDP"),
	XLAT_PAIR(41, "SOL_IPV6"),     XLAT_PAIR(58, "SOL_ICMPV6"),
	XLAT_PAIR(255, "SOL_RAW"),     XLAT_PAIR(263, "SOL_PACKET"),
	XLAT_PAIR(270, "SOL_NETLINK"), XLAT_END,
};

static const struct fmt_xlat so_opts[] = {
	XLAT_PAIR(1, "SO_DEBUG"),
	XLAT_PAIR(2, "SO_REUSEADDR"),
	XLAT_PAIR(3, "SO_TYPE"),
	XLAT_PAIR(4, "SO_ERROR"),
	XLAT_PAIR(5, "SO_DONTROUTE"),
	XLAT_PAIR(6, "SO_BROADCAST"),
	XLAT_PAIR(7, "SO_SNDBUF"),
	XLAT_PAIR(8, "SO_RCVBUF"),
	XLAT_PAIR(9, "SO_KEEPALIVE"),
	XLAT_PAIR(10, "SO_OOBINLINE"),
	XLAT_PAIR(11, "SO_NO_CHECK"),
	XLAT_PAIR(12, "SO_PRIORITY"),
	XLAT_PAIR(13, "SO_LINGER"),
	XLAT_PAIR(14, "SO_BSDCOMPAT"),
	XLAT_PAIR(15, "SO_REUSEPORT"),
	XLAT_PAIR(16, "SO_PASSCRED"),
	XLAT_PAIR(17, "SO_PEERCRED"),
	XLAT_PAIR(18, "SO_RCVLOWAT"),
	XLAT_PAIR(19, "SO_SNDLOWAT"),
	XLAT_PAIR(20, "SO_RCVTIMEO_OLD"),
	XLAT_PAIR(21, "SO_SNDTIMEO_OLD"),
	XLAT_PAIR(25, "SO_BINDTODEVICE"),
	XLAT_PAIR(26, "SO_ATTACH_FILTER"),
	XLAT_PAIR(27, "SO_DETACH_FILTER"),
	XLAT_PAIR(28, "SO_PEERNAME"),
	XLAT_PAIR(29, "SO_TIMESTAMP_OLD"),
	XLAT_PAIR(30, "SO_ACCEPTCONN"),
	XLAT_PAIR(31, "SO_PEERSEC"),
	XLAT_PAIR(32, "SO_SNDBUFFORCE"),
	XLAT_PAIR(33, "SO_RCVBUFFORCE"),
	XLAT_PAIR(34, "SO_PASSSEC"),
	XLAT_PAIR(36, "SO_MARK"),
	XLAT_PAIR(38, "SO_PROTOCOL"),
	XLAT_PAIR(39, "SO_DOMAIN"),
	XLAT_PAIR(46, "SO_BUSY_POLL"),
	XLAT_PAIR(49, "SO_INCOMING_CPU"),
	XLAT_PAIR(60, "SO_ZEROCOPY"),
	XLAT_PAIR(62, "SO_BINDTOIFINDEX"),
	XLAT_PAIR(66, "SO_RCVTIMEO_NEW"),
	XLAT_PAIR(67, "SO_SNDTIMEO_NEW"),
	XLAT_END,
};

static const struct fmt_xlat tcp_opts[] = {
	XLAT_PAIR(1, "TCP_NODELAY"),
	XLAT_PAIR(2, "TCP_MAXSEG"),
	XLAT_PAIR(3, "TCP_CORK"),
	XLAT_PAIR(4, "TCP_KEEPIDLE"),
	XLAT_PAIR(5, "TCP_KEEPINTVL"),
	XLAT_PAIR(6, "TCP_KEEPCNT"),
	XLAT_PAIR(7, "TCP_SYNCNT"),
	XLAT_PAIR(8, "TCP_LINGER2"),
	XLAT_PAIR(9, "TCP_DEFER_ACCEPT"),
	XLAT_PAIR(10, "TCP_WINDOW_CLAMP"),
	XLAT_PAIR(11, "TCP_INFO"),
	XLAT_PAIR(12, "TCP_QUICKACK"),
	XLAT_PAIR(13, "TCP_CONGESTION"),
	XLAT_PAIR(18, "TCP_USER_TIMEOUT"),
	XLAT_PAIR(23, "TCP_FASTOPEN"),
	XLAT_PAIR(25, "TCP_NOTSENT_LOWAT"),
	XLAT_END,
};

static const struct fmt_xlat ip_opts[] = {
	XLAT_PAIR(1, "IP_TOS"),
	XLAT_PAIR(2, "IP_TTL"),
	XLAT_PAIR(3, "IP_HDRINCL"),
	XLAT_PAIR(4, "IP_OPTIONS"),
	XLAT_PAIR(8, "IP_PKTINFO"),
	XLAT_PAIR(10, "IP_MTU_DISCOVER"),
	XLAT_PAIR(11, "IP_RECVERR"),
	XLAT_PAIR(15, "IP_FREEBIND"),
	XLAT_PAIR(19, "IP_TRANSPARENT"),
	XLAT_PAIR(24, "IP_BIND_ADDRESS_NO_PORT"),
	XLAT_PAIR(32, "IP_MULTICAST_IF"),
	XLAT_PAIR(33, "IP_MULTICAST_TTL"),
	XLAT_PAIR(34, "IP_MULTICAST_LOOP"),
	XLAT_PAIR(35, "IP_ADD_MEMBERSHIP"),
	XLAT_PAIR(36, "IP_DROP_MEMBERSHIP"),
	XLAT_END,
};

static const struct fmt_xlat ipv6_opts[] = {
	XLAT_PAIR(16, "IPV6_UNICAST_HOPS"),   XLAT_PAIR(17, "IPV6_MULTICAST_IF"),
	XLAT_PAIR(18, "IPV6_MULTICAST_HOPS"), XLAT_PAIR(19, "IPV6_MULTICAST_LOOP"),
	XLAT_PAIR(23, "IPV6_MTU_DISCOVER"),   XLAT_PAIR(25, "IPV6_RECVERR"),
	XLAT_PAIR(26, "IPV6_V6ONLY"),	      XLAT_PAIR(49, "IPV6_RECVPKTINFO"),
	XLAT_PAIR(67, "IPV6_TCLASS"),	      XLAT_END,
};

bool fmt_sys_socket(struct fmt_call *c)
{
	uint32_t family = (uint32_t)c->args[0], proto = (uint32_t)c->args[2];

	if (c->exiting)
		return false;
	fmt_print_family(c->out, family);
	sb_printf(c->out, ", ");
	fmt_print_sock_type(c->out, c->args[1]);
	sb_printf(c->out, ", ");
	switch (family) {
	case 2:	 /* AF_INET */
	case 10: /* AF_INET6 */
		fmt_print_xval(c->out, inet_protos, proto, "IPPROTO_???");
		break;
	case 16: /* AF_NETLINK */
		fmt_print_xval(c->out, netlink_protos, proto, "NETLINK_???");
		break;
	case 17: /* AF_PACKET */
		sb_printf(c->out, "htons(");
		fmt_print_xval(c->out, eth_protos, (uint16_t)(proto >> 8 | proto << 8),
			       "ETH_P_???");
		sb_putc(c->out, ')');
		break;
	default:
		sb_printf(c->out, "%u", proto);
	}
	return false;
}

bool fmt_sys_socketpair(struct fmt_call *c)
{
	if (c->exiting) {
		fmt_print_int_pair(c, c->args[3]);
		return false;
	}
	fmt_print_family(c->out, c->args[0]);
	sb_printf(c->out, ", ");
	fmt_print_sock_type(c->out, c->args[1]);
	sb_printf(c->out, ", %u, ", (unsigned int)c->args[2]);
	return true;
}

/* bind, connect: fd, address, length, all read by the kernel. */
bool fmt_sys_bind(struct fmt_call *c)
{
	if (c->exiting)
		return false;
	sb_printf(c->out, "%d, ", (int)c->args[0]);
	fmt_print_sockaddr(c, c->args[1], (int)c->args[2]);
	sb_printf(c->out, ", %u", (unsigned int)c->args[2]);
	return false;
}

/* An address the kernel wrote and its length word: "{...}, [16]", "NULL, NULL". */
static void print_out_sockaddr(struct fmt_call *c, uint64_t addr, uint64_t lenp)
{
	int len;

	if (!addr || !lenp || fmt_read_all(c->ctx, lenp, &len, sizeof(len))) {
		fmt_print_addr(c->out, addr);
		sb_printf(c->out, ", ");
		fmt_print_addr(c->out, lenp);
		return;
	}
	if (c->failed)
		fmt_print_addr(c->out, addr);
	else
		fmt_print_sockaddr(c, addr, len);
	sb_printf(c->out, ", [%d]", len);
}

/* accept, accept4, getsockname, getpeername */
bool fmt_sys_accept(struct fmt_call *c)
{
	if (!c->exiting) {
		sb_printf(c->out, "%d, ", (int)c->args[0]);
		return true;
	}
	print_out_sockaddr(c, c->args[1], c->args[2]);
	return false;
}

bool fmt_sys_accept4(struct fmt_call *c)
{
	if (!fmt_sys_accept(c)) {
		sb_printf(c->out, ", ");
		fmt_print_sock_type_flags(c->out, c->args[3]);
	}
	return !c->exiting;
}

bool fmt_sys_sendto(struct fmt_call *c)
{
	if (c->exiting)
		return false;
	sb_printf(c->out, "%d, ", (int)c->args[0]);
	fmt_print_str(c, c->args[1], (int64_t)c->args[2]);
	sb_printf(c->out, ", %" PRIu64 ", ", c->args[2]);
	fmt_print_flags(c->out, msg_flags, (uint32_t)c->args[3], "MSG_???");
	sb_printf(c->out, ", ");
	fmt_print_sockaddr(c, c->args[4], (int)c->args[5]);
	sb_printf(c->out, ", %u", (unsigned int)c->args[5]);
	return false;
}

bool fmt_sys_recvfrom(struct fmt_call *c)
{
	if (!c->exiting) {
		sb_printf(c->out, "%d, ", (int)c->args[0]);
		return true;
	}
	if (c->failed)
		fmt_print_addr(c->out, c->args[1]);
	else
		fmt_print_str(c, c->args[1], c->ret);
	sb_printf(c->out, ", %" PRIu64 ", ", c->args[2]);
	fmt_print_flags(c->out, msg_flags, (uint32_t)c->args[3], "MSG_???");
	sb_printf(c->out, ", ");
	print_out_sockaddr(c, c->args[4], c->args[5]);
	return false;
}

bool fmt_sys_shutdown(struct fmt_call *c)
{
	if (!c->exiting) {
		sb_printf(c->out, "%d, ", (int)c->args[0]);
		fmt_print_xval(c->out, shut_how, (uint32_t)c->args[1], "SHUT_???");
	}
	return false;
}

static void print_level_name(struct strbuf *out, uint32_t level, uint32_t name)
{
	const struct fmt_xlat *tab = NULL;
	const char *dflt = NULL;

	fmt_print_xval(out, levels, level, "SOL_???");
	sb_printf(out, ", ");
	switch (level) {
	case 1:
		tab = so_opts, dflt = "SO_???";
		break;
	case 6:
		tab = tcp_opts, dflt = "TCP_???";
		break;
	case 0:
		tab = ip_opts, dflt = "IP_???";
		break;
	case 41:
		tab = ipv6_opts, dflt = "IPV6_???";
		break;
	}
	if (tab)
		fmt_print_xval(out, tab, name, dflt);
	else
		sb_printf(out, "%u", name);
}

/* An option value: "[1]" when int-sized, else len bytes as a string. */
static void print_optval(struct fmt_call *c, uint64_t addr, int len)
{
	int v;

	if (len == (int)sizeof(int)) {
		if (fmt_fetch(c, addr, &v, sizeof(v)))
			sb_printf(c->out, "[%d]", v);
		return;
	}
	if (len < 0 || (c->exiting && c->failed))
		fmt_print_addr(c->out, addr);
	else
		fmt_print_str(c, addr, len);
}

bool fmt_sys_setsockopt(struct fmt_call *c)
{
	if (c->exiting)
		return false;
	sb_printf(c->out, "%d, ", (int)c->args[0]);
	print_level_name(c->out, (uint32_t)c->args[1], (uint32_t)c->args[2]);
	sb_printf(c->out, ", ");
	print_optval(c, c->args[3], (int)c->args[4]);
	sb_printf(c->out, ", %d", (int)c->args[4]);
	return false;
}

bool fmt_sys_getsockopt(struct fmt_call *c)
{
	int len;

	if (!c->exiting) {
		sb_printf(c->out, "%d, ", (int)c->args[0]);
		print_level_name(c->out, (uint32_t)c->args[1], (uint32_t)c->args[2]);
		sb_printf(c->out, ", ");
		return true;
	}
	if (fmt_read_all(c->ctx, c->args[4], &len, sizeof(len))) {
		fmt_print_addr(c->out, c->args[3]);
		sb_printf(c->out, ", ");
		fmt_print_addr(c->out, c->args[4]);
		return false;
	}
	print_optval(c, c->args[3], len);
	sb_printf(c->out, ", [%d]", len);
	return false;
}
