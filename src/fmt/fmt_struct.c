/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_struct: the structures a decoded call points at, in strace's abbreviated form (without -v):
 * struct stat as {st_mode=..., st_size=..., ...}, the kernel's struct sigaction, sigset_t, struct
 * rusage, a wait status and pipe's int[2].  Layouts are the x86-64 kernel ABI, which for stat and
 * rusage is also glibc's.  Output arguments are only fetched after a successful call; after a
 * failure, or when the fetch fails, the pointer prints as an address.
 */
#include <inttypes.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "fmt_priv.h"

bool fmt_fetch(struct fmt_call *c, uint64_t addr, void *buf, size_t len)
{
	if (!addr || (c->exiting && c->failed) || fmt_read_all(c->ctx, addr, buf, len)) {
		fmt_print_addr(c->out, addr);
		return false;
	}
	return true;
}

static const struct fmt_xlat file_types[] = {
	XLAT(S_IFREG), XLAT(S_IFSOCK), XLAT(S_IFIFO), XLAT(S_IFLNK),
	XLAT(S_IFDIR), XLAT(S_IFBLK),  XLAT(S_IFCHR), XLAT_END,
};

void fmt_print_mode(struct strbuf *out, unsigned int mode)
{
	const char *type = fmt_xlookup(file_types, mode & S_IFMT);

	if (type)
		sb_printf(out, "%s|", type);
	else
		mode &= ~(unsigned int)S_IFMT;
	sb_printf(out, "%s%s%s%#03o", mode & S_ISUID ? "S_ISUID|" : "",
		  mode & S_ISGID ? "S_ISGID|" : "", mode & S_ISVTX ? "S_ISVTX|" : "",
		  mode & ~(unsigned int)(S_IFMT | S_ISUID | S_ISGID | S_ISVTX));
}

void fmt_print_stat(struct fmt_call *c, uint64_t addr)
{
	struct stat st;

	if (!fmt_fetch(c, addr, &st, sizeof(st)))
		return;
	sb_printf(c->out, "{st_mode=");
	fmt_print_mode(c->out, st.st_mode);
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		sb_printf(c->out, ", st_rdev=makedev(%#x, %#x)", major(st.st_rdev),
			  minor(st.st_rdev));
	else
		sb_printf(c->out, ", st_size=%" PRId64, (int64_t)st.st_size);
	sb_printf(c->out, ", ...}");
}

/* The kernel's struct sigaction on x86-64, not glibc's. */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

void fmt_print_sigaction(struct fmt_call *c, uint64_t addr)
{
	struct k_sigaction sa;

	if (!fmt_fetch(c, addr, &sa, sizeof(sa)))
		return;
	sb_printf(c->out, "{sa_handler=");
	if (sa.handler == 0)
		sb_printf(c->out, "SIG_DFL");
	else if (sa.handler == 1)
		sb_printf(c->out, "SIG_IGN");
	else if (sa.handler == (uint64_t)-1)
		sb_printf(c->out, "SIG_ERR");
	else
		sb_printf(c->out, "%#" PRIx64, sa.handler);
	sb_printf(c->out, ", sa_mask=");
	fmt_print_sigmask(c->out, &sa.mask, sizeof(sa.mask));
	sb_printf(c->out, ", sa_flags=");
	fmt_print_flags(c->out, fmt_sigact_flags, sa.flags, "SA_???");
	if (sa.flags & 0x04000000)
		sb_printf(c->out, ", sa_restorer=%#" PRIx64, sa.restorer);
	sb_putc(c->out, '}');
}

void fmt_print_sigset_at(struct fmt_call *c, uint64_t addr, uint64_t size)
{
	uint64_t mask;

	if (size != sizeof(mask)) {
		fmt_print_addr(c->out, addr);
		return;
	}
	if (fmt_fetch(c, addr, &mask, sizeof(mask)))
		fmt_print_sigmask(c->out, &mask, sizeof(mask));
}

void fmt_print_rusage(struct fmt_call *c, uint64_t addr)
{
	struct rusage ru;

	if (!fmt_fetch(c, addr, &ru, sizeof(ru)))
		return;
	sb_printf(c->out,
		  "{ru_utime={tv_sec=%" PRId64 ", tv_usec=%" PRId64 "}, ru_stime={tv_sec=%" PRId64
		  ", tv_usec=%" PRId64 "}, ...}",
		  (int64_t)ru.ru_utime.tv_sec, (int64_t)ru.ru_utime.tv_usec,
		  (int64_t)ru.ru_stime.tv_sec, (int64_t)ru.ru_stime.tv_usec);
}

static const struct fmt_xlat ptrace_events[] = {
	XLAT_PAIR(1, "PTRACE_EVENT_FORK"),
	XLAT_PAIR(2, "PTRACE_EVENT_VFORK"),
	XLAT_PAIR(3, "PTRACE_EVENT_CLONE"),
	XLAT_PAIR(4, "PTRACE_EVENT_EXEC"),
	XLAT_PAIR(5, "PTRACE_EVENT_VFORK_DONE"),
	XLAT_PAIR(6, "PTRACE_EVENT_EXIT"),
	XLAT_PAIR(7, "PTRACE_EVENT_SECCOMP"),
	XLAT_PAIR(128, "PTRACE_EVENT_STOP"),
	XLAT_END,
};

void fmt_wait_status(struct strbuf *out, int wstatus)
{
	unsigned int rest = (unsigned int)wstatus;

	if (WIFSTOPPED(wstatus)) {
		int sig = WSTOPSIG(wstatus);

		sb_printf(out, "{WIFSTOPPED(s) && WSTOPSIG(s) == ");
		fmt_print_signal(out, sig & 0x7f);
		sb_printf(out, "%s}", sig & 0x80 ? " | 0x80" : "");
		rest &= ~(unsigned int)((sig << 8) | 0x7f);
	} else if (WIFSIGNALED(wstatus)) {
		sb_printf(out, "{WIFSIGNALED(s) && WTERMSIG(s) == ");
		fmt_print_signal(out, WTERMSIG(wstatus));
		sb_printf(out, "%s}", WCOREDUMP(wstatus) ? " && WCOREDUMP(s)" : "");
		rest &= ~(unsigned int)(WTERMSIG(wstatus) | 0x80);
	} else if (WIFEXITED(wstatus)) {
		sb_printf(out, "{WIFEXITED(s) && WEXITSTATUS(s) == %d}", WEXITSTATUS(wstatus));
		rest &= ~(unsigned int)(WEXITSTATUS(wstatus) << 8);
	} else if (WIFCONTINUED(wstatus)) {
		sb_printf(out, "{WIFCONTINUED(s)}");
		rest &= ~0xffffu;
	} else {
		sb_printf(out, "%#x", rest);
		return;
	}
	if (rest >> 16) {
		sb_printf(out, " | ");
		fmt_print_xval(out, ptrace_events, rest >> 16, "PTRACE_EVENT_???");
		sb_printf(out, " << 16");
		rest &= 0xffff;
	}
	if (rest)
		sb_printf(out, " | %#x", rest);
}

void fmt_print_status_at(struct fmt_call *c, uint64_t addr)
{
	int status;

	if (c->ret == 0) {
		fmt_print_addr(c->out, addr);
		return;
	}
	if (!fmt_fetch(c, addr, &status, sizeof(status)))
		return;
	sb_putc(c->out, '[');
	fmt_wait_status(c->out, status);
	sb_putc(c->out, ']');
}

void fmt_print_timespec(struct fmt_call *c, uint64_t addr)
{
	int64_t ts[2];

	if (fmt_fetch(c, addr, ts, sizeof(ts)))
		sb_printf(c->out, "{tv_sec=%" PRId64 ", tv_nsec=%" PRId64 "}", ts[0], ts[1]);
}

void fmt_print_int_pair(struct fmt_call *c, uint64_t addr)
{
	int fds[2];

	if (fmt_fetch(c, addr, fds, sizeof(fds)))
		sb_printf(c->out, "[%d, %d]", fds[0], fds[1]);
}
