/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_poll: the I/O multiplexers.  poll and ppoll print their struct pollfd array at entry and,
 * like strace, the ready descriptors after the result: " ([{fd=3, revents=POLLIN}])", with
 * ", left {...}" for ppoll's remaining timeout and " (Timeout)" when nothing was ready.  select
 * and pselect6 print the fd_sets they were given as "[3 5]" and the ones the kernel returned as
 * " (in [3], out [4], left {...})".  epoll_ctl shows its struct epoll_event, epoll_wait the
 * events it received.  Arrays stop after string_limit elements with "..."; unreadable memory
 * prints as its address and never fails the line.
 */
#include <inttypes.h>

#include "fmt_priv.h"

static const struct fmt_xlat poll_events[] = {
	XLAT_PAIR(0x1, "POLLIN"),	XLAT_PAIR(0x2, "POLLPRI"),
	XLAT_PAIR(0x4, "POLLOUT"),	XLAT_PAIR(0x8, "POLLERR"),
	XLAT_PAIR(0x10, "POLLHUP"),	XLAT_PAIR(0x20, "POLLNVAL"),
	XLAT_PAIR(0x40, "POLLRDNORM"),	XLAT_PAIR(0x80, "POLLRDBAND"),
	XLAT_PAIR(0x100, "POLLWRNORM"), XLAT_PAIR(0x200, "POLLWRBAND"),
	XLAT_PAIR(0x400, "POLLMSG"),	XLAT_PAIR(0x1000, "POLLREMOVE"),
	XLAT_PAIR(0x2000, "POLLRDHUP"), XLAT_END,
};

static const struct fmt_xlat epoll_events[] = {
	XLAT_PAIR(0x1, "EPOLLIN"),
	XLAT_PAIR(0x2, "EPOLLPRI"),
	XLAT_PAIR(0x4, "EPOLLOUT"),
	XLAT_PAIR(0x8, "EPOLLERR"),
	XLAT_PAIR(0x10, "EPOLLHUP"),
	XLAT_PAIR(0x20, "EPOLLNVAL"),
	XLAT_PAIR(0x40, "EPOLLRDNORM"),
	XLAT_PAIR(0x80, "EPOLLRDBAND"),
	XLAT_PAIR(0x100, "EPOLLWRNORM"),
	XLAT_PAIR(0x200, "EPOLLWRBAND"),
	XLAT_PAIR(0x400, "EPOLLMSG"),
	XLAT_PAIR(0x2000, "EPOLLRDHUP"),
	XLAT_PAIR(1u << 27, "EPOLL_URING_WAKE"),
	XLAT_PAIR(1u << 28, "EPOLLEXCLUSIVE"),
	XLAT_PAIR(1u << 29, "EPOLLWAKEUP"),
	XLAT_PAIR(1u << 30, "EPOLLONESHOT"),
	XLAT_PAIR(1u << 31, "EPOLLET"),
	XLAT_END,
};

static const struct fmt_xlat epoll_ops[] = {
	XLAT_PAIR(1, "EPOLL_CTL_ADD"),
	XLAT_PAIR(2, "EPOLL_CTL_DEL"),
	XLAT_PAIR(3, "EPOLL_CTL_MOD"),
	XLAT_END,
};

static const struct fmt_xlat epoll_flags[] = {
	XLAT_PAIR(02000000, "EPOLL_CLOEXEC"),
	XLAT_END,
};

struct k_pollfd {
	int32_t fd;
	int16_t events;
	int16_t revents;
};

static size_t max_elems(const struct fmt_call *c)
{
	return c->ctx->string_limit < 0 ? FMT_STRING_LIMIT_DEFAULT : (size_t)c->ctx->string_limit;
}

/* Entry: [{fd=3, events=POLLIN}, {fd=-1}] */
static void print_pollfds(struct fmt_call *c, uint64_t addr, uint64_t n)
{
	struct k_pollfd p;

	if (!n) {
		sb_printf(c->out, "[]");
		return;
	}
	if (fmt_read_all(c->ctx, addr, &p, sizeof(p))) {
		fmt_print_addr(c->out, addr);
		return;
	}
	sb_putc(c->out, '[');
	for (uint64_t i = 0; i < n; i++, addr += sizeof(p)) {
		if (i)
			sb_printf(c->out, ", ");
		if (i >= max_elems(c)) {
			sb_printf(c->out, "...");
			break;
		}
		if (i && fmt_read_all(c->ctx, addr, &p, sizeof(p))) {
			sb_printf(c->out, "... /* %#" PRIx64 " */", addr);
			break;
		}
		sb_printf(c->out, "{fd=%d", p.fd);
		if (p.fd >= 0) {
			sb_printf(c->out, ", events=");
			fmt_print_flags(c->out, poll_events, (uint16_t)p.events, "POLL???");
		}
		sb_putc(c->out, '}');
	}
	sb_putc(c->out, ']');
}

/* Exit: " ([{fd=3, revents=POLLIN}], left {...})" or " (Timeout)". */
static void poll_suffix(struct fmt_call *c, uint64_t addr, uint64_t n, uint64_t ts_addr)
{
	struct strbuf *s = c->suffix;
	struct k_pollfd p;
	int64_t ts[2];
	size_t shown = 0;

	if (c->ret == 0) {
		sb_printf(s, " (Timeout)");
		return;
	}
	sb_printf(s, " ([");
	for (uint64_t i = 0; i < n; i++, addr += sizeof(p)) {
		if (fmt_read_all(c->ctx, addr, &p, sizeof(p)))
			break;
		if (!p.revents)
			continue;
		if (shown)
			sb_printf(s, ", ");
		if (shown++ >= max_elems(c)) {
			sb_printf(s, "...");
			break;
		}
		sb_printf(s, "{fd=%d, revents=", p.fd);
		fmt_print_flags(s, poll_events, (uint16_t)p.revents, "POLL???");
		sb_putc(s, '}');
	}
	sb_putc(s, ']');
	if (ts_addr && !fmt_read_all(c->ctx, ts_addr, ts, sizeof(ts))) {
		sb_printf(s, ", left ");
		fmt_timespec_str(s, ts);
	}
	sb_putc(s, ')');
}

bool fmt_sys_poll(struct fmt_call *c)
{
	if (c->exiting) {
		poll_suffix(c, c->args[0], (uint32_t)c->args[1], 0);
		return false;
	}
	print_pollfds(c, c->args[0], (uint32_t)c->args[1]);
	sb_printf(c->out, ", %u, %d", (unsigned int)c->args[1], (int)c->args[2]);
	return false;
}

bool fmt_sys_ppoll(struct fmt_call *c)
{
	if (c->exiting) {
		poll_suffix(c, c->args[0], (uint32_t)c->args[1], c->args[2]);
		return false;
	}
	print_pollfds(c, c->args[0], (uint32_t)c->args[1]);
	sb_printf(c->out, ", %u, ", (unsigned int)c->args[1]);
	fmt_print_timespec(c, c->args[2]);
	sb_printf(c->out, ", ");
	fmt_print_sigset_at(c, c->args[3], c->args[4]);
	sb_printf(c->out, ", %" PRIu64, c->args[4]);
	return false;
}

/* The fds of an fd_set of nfds bits, "[3 5]"; false if unreadable. */
static bool fdset_str(struct fmt_call *c, struct strbuf *out, uint64_t addr, int nfds)
{
	uint64_t words[1024 / 64];
	size_t nwords;
	bool first = true;

	if (nfds < 0)
		nfds = 0;
	if (nfds > 1024)
		nfds = 1024;
	nwords = ((size_t)nfds + 63) / 64;
	if (nwords && fmt_read_all(c->ctx, addr, words, nwords * 8))
		return false;
	sb_putc(out, '[');
	for (int fd = 0; fd < nfds; fd++) {
		if (!(words[fd / 64] >> (fd % 64) & 1))
			continue;
		sb_printf(out, first ? "%d" : " %d", fd);
		first = false;
	}
	sb_putc(out, ']');
	return true;
}

static void print_fdsets(struct fmt_call *c)
{
	int nfds = (int)c->args[0];

	sb_printf(c->out, "%d", nfds);
	for (int i = 1; i <= 3; i++) {
		sb_printf(c->out, ", ");
		if (!c->args[i] || !fdset_str(c, c->out, c->args[i], nfds))
			fmt_print_addr(c->out, c->args[i]);
	}
	sb_printf(c->out, ", ");
}

/* " (in [3], out [4], left {tv_sec=0, tv_usec=999997})" */
static void select_suffix(struct fmt_call *c, bool timespec)
{
	static const char *const names[] = {"in", "out", "except"};
	struct strbuf *s = c->suffix;
	bool sep = false;
	int64_t t[2];

	if (c->ret == 0) {
		sb_printf(s, " (Timeout)");
		return;
	}
	sb_printf(s, " (");
	for (int i = 1; i <= 3; i++) {
		struct strbuf set = {0};

		if (c->args[i] && fdset_str(c, &set, c->args[i], (int)c->args[0]) && set.len > 2) {
			sb_printf(s, "%s%s %s", sep ? ", " : "", names[i - 1], sb_str(&set));
			sep = true;
		}
		sb_release(&set);
	}
	if (c->args[4] && !fmt_read_all(c->ctx, c->args[4], t, sizeof(t))) {
		sb_printf(s, "%sleft ", sep ? ", " : "");
		if (timespec)
			fmt_timespec_str(s, t);
		else
			fmt_timeval_str(s, t);
	}
	sb_putc(s, ')');
}

bool fmt_sys_select(struct fmt_call *c)
{
	if (c->exiting) {
		select_suffix(c, false);
		return false;
	}
	print_fdsets(c);
	fmt_print_timeval(c, c->args[4]);
	return false;
}

bool fmt_sys_pselect6(struct fmt_call *c)
{
	uint64_t data[2];

	if (c->exiting) {
		select_suffix(c, true);
		return false;
	}
	print_fdsets(c);
	fmt_print_timespec(c, c->args[4]);
	sb_printf(c->out, ", ");
	if (!fmt_fetch(c, c->args[5], data, sizeof(data)))
		return false;
	sb_printf(c->out, "{sigmask=");
	if (data[0])
		fmt_print_sigset_at(c, data[0], data[1]);
	else
		sb_printf(c->out, "NULL");
	sb_printf(c->out, ", sigsetsize=%" PRIu64 "}", data[1]);
	return false;
}

bool fmt_sys_epoll_create1(struct fmt_call *c)
{
	if (!c->exiting)
		fmt_print_flags(c->out, epoll_flags, (uint32_t)c->args[0], "EPOLL_???");
	return false;
}

struct k_epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

static void epoll_event_str(struct strbuf *out, const struct k_epoll_event *ev)
{
	sb_printf(out, "{events=");
	fmt_print_flags(out, epoll_events, ev->events, "EPOLL???");
	sb_printf(out, ", data={u32=%u, u64=%" PRIu64 "}}", (uint32_t)ev->data, ev->data);
}

bool fmt_sys_epoll_ctl(struct fmt_call *c)
{
	struct k_epoll_event ev;

	if (c->exiting)
		return false;
	sb_printf(c->out, "%d, ", (int)c->args[0]);
	fmt_print_xval(c->out, epoll_ops, (uint32_t)c->args[1], "EPOLL_CTL_???");
	sb_printf(c->out, ", %d, ", (int)c->args[2]);
	if (fmt_fetch(c, c->args[3], &ev, sizeof(ev)))
		epoll_event_str(c->out, &ev);
	return false;
}

/* The events epoll_wait wrote, ret of them. */
static void print_events(struct fmt_call *c, uint64_t addr)
{
	struct k_epoll_event ev;

	if (c->failed) {
		fmt_print_addr(c->out, addr);
		return;
	}
	sb_putc(c->out, '[');
	for (int64_t i = 0; i < c->ret; i++, addr += sizeof(ev)) {
		if (i)
			sb_printf(c->out, ", ");
		if ((size_t)i >= max_elems(c)) {
			sb_printf(c->out, "...");
			break;
		}
		if (fmt_read_all(c->ctx, addr, &ev, sizeof(ev))) {
			sb_printf(c->out, "... /* %#" PRIx64 " */", addr);
			break;
		}
		epoll_event_str(c->out, &ev);
	}
	sb_putc(c->out, ']');
}

/* epoll_wait and epoll_pwait: the events at exit, then the rest. */
static bool epoll_wait_common(struct fmt_call *c, bool pwait)
{
	if (!c->exiting) {
		sb_printf(c->out, "%d, ", (int)c->args[0]);
		return true;
	}
	print_events(c, c->args[1]);
	sb_printf(c->out, ", %d, %d", (int)c->args[2], (int)c->args[3]);
	if (pwait) {
		sb_printf(c->out, ", ");
		fmt_print_sigset_at(c, c->args[4], c->args[5]);
		sb_printf(c->out, ", %" PRIu64, c->args[5]);
	}
	return false;
}

bool fmt_sys_epoll_wait(struct fmt_call *c)
{
	return epoll_wait_common(c, false);
}

bool fmt_sys_epoll_pwait(struct fmt_call *c)
{
	return epoll_wait_common(c, true);
}
