/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_xlat: the value-to-name tables of the decoded arguments and the two ways strace prints
 * them.  A flags value is the names of the table rows whose bits are all set, in table order,
 * joined by '|', then any leftover bits in hex; nothing matched prints the hex value and the
 * X_??? in a C comment.  An enumerated value is one name or the same fallback.  Row order follows
 * strace's xlat .in files because it decides the printed order.  Values are the
 * kernel's x86-64 ones, spelled out where glibc hides them (O_LARGEFILE is 0 in user space).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fmt_priv.h"

const struct fmt_xlat fmt_open_access[] = {
	XLAT(O_RDONLY), XLAT(O_WRONLY), XLAT(O_RDWR), XLAT_PAIR(3, "O_ACCMODE"), XLAT_END,
};

const struct fmt_xlat fmt_open_flags[] = {
	XLAT_PAIR(0100, "O_CREAT"),	     XLAT_PAIR(0200, "O_EXCL"),
	XLAT_PAIR(0400, "O_NOCTTY"),	     XLAT_PAIR(01000, "O_TRUNC"),
	XLAT_PAIR(02000, "O_APPEND"),	     XLAT_PAIR(04000, "O_NONBLOCK"),
	XLAT_PAIR(04010000, "O_SYNC"),	     XLAT_PAIR(04000000, "__O_SYNC"),
	XLAT_PAIR(010000, "O_DSYNC"),	     XLAT_PAIR(040000, "O_DIRECT"),
	XLAT_PAIR(0100000, "O_LARGEFILE"),   XLAT_PAIR(0400000, "O_NOFOLLOW"),
	XLAT_PAIR(01000000, "O_NOATIME"),    XLAT_PAIR(02000000, "O_CLOEXEC"),
	XLAT_PAIR(010000000, "O_PATH"),	     XLAT_PAIR(020200000, "O_TMPFILE"),
	XLAT_PAIR(020000000, "__O_TMPFILE"), XLAT_PAIR(0200000, "O_DIRECTORY"),
	XLAT_PAIR(020000, "O_ASYNC"),	     XLAT_END,
};

const struct fmt_xlat fmt_at_flags[] = {
	XLAT_PAIR(0x100, "AT_SYMLINK_NOFOLLOW"),
	XLAT_PAIR(0x200, "AT_REMOVEDIR"),
	XLAT_PAIR(0x400, "AT_SYMLINK_FOLLOW"),
	XLAT_PAIR(0x800, "AT_NO_AUTOMOUNT"),
	XLAT_PAIR(0x1000, "AT_EMPTY_PATH"),
	XLAT_PAIR(0x8000, "AT_RECURSIVE"),
	XLAT_END,
};

const struct fmt_xlat fmt_faccessat_flags[] = {
	XLAT_PAIR(0x100, "AT_SYMLINK_NOFOLLOW"),
	XLAT_PAIR(0x200, "AT_EACCESS"),
	XLAT_PAIR(0x1000, "AT_EMPTY_PATH"),
	XLAT_END,
};

const struct fmt_xlat fmt_access_modes[] = {
	XLAT(F_OK), XLAT(R_OK), XLAT(W_OK), XLAT(X_OK), XLAT_END,
};

const struct fmt_xlat fmt_whence[] = {
	XLAT(SEEK_SET), XLAT(SEEK_CUR), XLAT(SEEK_END), XLAT(SEEK_DATA), XLAT(SEEK_HOLE), XLAT_END,
};

const struct fmt_xlat fmt_prot[] = {
	XLAT(PROT_NONE),
	XLAT(PROT_READ),
	XLAT(PROT_WRITE),
	XLAT(PROT_EXEC),
	XLAT_PAIR(0x8, "PROT_SEM"),
	XLAT(PROT_GROWSDOWN),
	XLAT(PROT_GROWSUP),
	XLAT_END,
};

const struct fmt_xlat fmt_map_type[] = {
	XLAT_PAIR(1, "MAP_SHARED"),
	XLAT_PAIR(2, "MAP_PRIVATE"),
	XLAT_PAIR(3, "MAP_SHARED_VALIDATE"),
	XLAT_PAIR(8, "MAP_DROPPABLE"),
	XLAT_END,
};

const struct fmt_xlat fmt_map_flags[] = {
	XLAT_PAIR(0x10, "MAP_FIXED"),
	XLAT_PAIR(0x20, "MAP_ANONYMOUS"),
	XLAT_PAIR(0x40, "MAP_32BIT"),
	XLAT_PAIR(0x80, "MAP_ABOVE4G"),
	XLAT_PAIR(0x4000, "MAP_NORESERVE"),
	XLAT_PAIR(0x8000, "MAP_POPULATE"),
	XLAT_PAIR(0x10000, "MAP_NONBLOCK"),
	XLAT_PAIR(0x100, "MAP_GROWSDOWN"),
	XLAT_PAIR(0x800, "MAP_DENYWRITE"),
	XLAT_PAIR(0x1000, "MAP_EXECUTABLE"),
	XLAT_PAIR(0x2000, "MAP_LOCKED"),
	XLAT_PAIR(0x20000, "MAP_STACK"),
	XLAT_PAIR(0x40000, "MAP_HUGETLB"),
	XLAT_PAIR(0x80000, "MAP_SYNC"),
	XLAT_PAIR(0x4000000, "MAP_UNINITIALIZED"),
	XLAT_PAIR(0x100000, "MAP_FIXED_NOREPLACE"),
	XLAT_END,
};

const struct fmt_xlat fmt_fcntl_cmds[] = {
	XLAT_PAIR(0, "F_DUPFD"),
	XLAT_PAIR(1, "F_GETFD"),
	XLAT_PAIR(2, "F_SETFD"),
	XLAT_PAIR(3, "F_GETFL"),
	XLAT_PAIR(4, "F_SETFL"),
	XLAT_PAIR(5, "F_GETLK"),
	XLAT_PAIR(6, "F_SETLK"),
	XLAT_PAIR(7, "F_SETLKW"),
	XLAT_PAIR(8, "F_SETOWN"),
	XLAT_PAIR(9, "F_GETOWN"),
	XLAT_PAIR(10, "F_SETSIG"),
	XLAT_PAIR(11, "F_GETSIG"),
	XLAT_PAIR(15, "F_SETOWN_EX"),
	XLAT_PAIR(16, "F_GETOWN_EX"),
	XLAT_PAIR(17, "F_GETOWNER_UIDS"),
	XLAT_PAIR(36, "F_OFD_GETLK"),
	XLAT_PAIR(37, "F_OFD_SETLK"),
	XLAT_PAIR(38, "F_OFD_SETLKW"),
	XLAT_PAIR(1024, "F_SETLEASE"),
	XLAT_PAIR(1025, "F_GETLEASE"),
	XLAT_PAIR(1026, "F_NOTIFY"),
	XLAT_PAIR(1027, "F_DUPFD_QUERY"),
	XLAT_PAIR(1028, "F_CREATED_QUERY"),
	XLAT_PAIR(1029, "F_CANCELLK"),
	XLAT_PAIR(1030, "F_DUPFD_CLOEXEC"),
	XLAT_PAIR(1031, "F_SETPIPE_SZ"),
	XLAT_PAIR(1032, "F_GETPIPE_SZ"),
	XLAT_PAIR(1033, "F_ADD_SEALS"),
	XLAT_PAIR(1034, "F_GET_SEALS"),
	XLAT_END,
};

const struct fmt_xlat fmt_fd_flags[] = {
	XLAT(FD_CLOEXEC),
	XLAT_END,
};

const struct fmt_xlat fmt_wait_options[] = {
	XLAT(WNOHANG),
	XLAT_PAIR(2, "WSTOPPED"),
	XLAT(WEXITED),
	XLAT(WCONTINUED),
	XLAT(WNOWAIT),
	XLAT_PAIR(0x20000000, "__WNOTHREAD"),
	XLAT_PAIR(0x40000000, "__WALL"),
	XLAT_PAIR(0x80000000, "__WCLONE"),
	XLAT_END,
};

const struct fmt_xlat fmt_clone_flags[] = {
	XLAT_PAIR(0x00000100, "CLONE_VM"),
	XLAT_PAIR(0x00000200, "CLONE_FS"),
	XLAT_PAIR(0x00000400, "CLONE_FILES"),
	XLAT_PAIR(0x00000800, "CLONE_SIGHAND"),
	XLAT_PAIR(0x00001000, "CLONE_PIDFD"),
	XLAT_PAIR(0x00002000, "CLONE_PTRACE"),
	XLAT_PAIR(0x00004000, "CLONE_VFORK"),
	XLAT_PAIR(0x00008000, "CLONE_PARENT"),
	XLAT_PAIR(0x00010000, "CLONE_THREAD"),
	XLAT_PAIR(0x00020000, "CLONE_NEWNS"),
	XLAT_PAIR(0x00040000, "CLONE_SYSVSEM"),
	XLAT_PAIR(0x00080000, "CLONE_SETTLS"),
	XLAT_PAIR(0x00100000, "CLONE_PARENT_SETTID"),
	XLAT_PAIR(0x00200000, "CLONE_CHILD_CLEARTID"),
	XLAT_PAIR(0x00800000, "CLONE_UNTRACED"),
	XLAT_PAIR(0x01000000, "CLONE_CHILD_SETTID"),
	XLAT_PAIR(0x02000000, "CLONE_NEWCGROUP"),
	XLAT_PAIR(0x04000000, "CLONE_NEWUTS"),
	XLAT_PAIR(0x08000000, "CLONE_NEWIPC"),
	XLAT_PAIR(0x10000000, "CLONE_NEWUSER"),
	XLAT_PAIR(0x20000000, "CLONE_NEWPID"),
	XLAT_PAIR(0x40000000, "CLONE_NEWNET"),
	XLAT_PAIR(0x80000000, "CLONE_IO"),
	XLAT_END,
};

const struct fmt_xlat fmt_sigact_flags[] = {
	XLAT_PAIR(0x04000000, "SA_RESTORER"),
	XLAT(SA_ONSTACK),
	XLAT(SA_RESTART),
	XLAT(SA_NODEFER),
	XLAT(SA_RESETHAND),
	XLAT(SA_SIGINFO),
	XLAT(SA_NOCLDSTOP),
	XLAT(SA_NOCLDWAIT),
	XLAT_PAIR(0x400, "SA_UNSUPPORTED"),
	XLAT_PAIR(0x800, "SA_EXPOSE_TAGBITS"),
	XLAT_END,
};

const struct fmt_xlat fmt_sigprocmask_how[] = {
	XLAT(SIG_BLOCK),
	XLAT(SIG_UNBLOCK),
	XLAT(SIG_SETMASK),
	XLAT_END,
};

const struct fmt_xlat fmt_rename_flags[] = {
	XLAT_PAIR(1, "RENAME_NOREPLACE"),
	XLAT_PAIR(2, "RENAME_EXCHANGE"),
	XLAT_PAIR(4, "RENAME_WHITEOUT"),
	XLAT_END,
};

const char *fmt_xlookup(const struct fmt_xlat *tab, uint64_t val)
{
	for (; tab->name; tab++)
		if (tab->val == val)
			return tab->name;
	return NULL;
}

static void print_unknown(struct strbuf *out, uint64_t val, const char *dflt)
{
	sb_printf(out, "%#" PRIx64, val);
	if (dflt)
		sb_printf(out, " /* %s */", dflt);
}

void fmt_print_xval(struct strbuf *out, const struct fmt_xlat *tab, uint64_t val, const char *dflt)
{
	const char *name = fmt_xlookup(tab, val);

	if (name)
		sb_printf(out, "%s", name);
	else
		print_unknown(out, val, dflt);
}

/* Appends the names of tab's nonzero rows found in val; returns how many, clears them. */
static int print_flag_names(struct strbuf *out, const struct fmt_xlat *tab, uint64_t *val,
			    bool first)
{
	int n = 0;

	for (; tab->name && *val; tab++) {
		if (!tab->val || (*val & tab->val) != tab->val)
			continue;
		if (!first || n)
			sb_putc(out, '|');
		sb_printf(out, "%s", tab->name);
		*val &= ~tab->val;
		n++;
	}
	return n;
}

void fmt_print_flags(struct strbuf *out, const struct fmt_xlat *tab, uint64_t val, const char *dflt)
{
	const char *zero;

	if (!val) {
		zero = fmt_xlookup(tab, 0);
		sb_printf(out, "%s", zero ? zero : "0");
		return;
	}
	if (print_flag_names(out, tab, &val, true)) {
		if (val)
			sb_printf(out, "|%#" PRIx64, val);
		return;
	}
	print_unknown(out, val, dflt);
}

void fmt_print_open_flags(struct strbuf *out, uint64_t flags)
{
	const char *mode = fmt_xlookup(fmt_open_access, flags & 3);

	sb_printf(out, "%s", mode);
	flags &= ~(uint64_t)3;
	if (!flags)
		return;
	print_flag_names(out, fmt_open_flags, &flags, false);
	if (flags)
		sb_printf(out, "|%#" PRIx64, flags);
}

void fmt_print_mmap_flags(struct strbuf *out, uint64_t flags)
{
	const uint64_t huge_mask = (uint64_t)0x3f << 26;
	uint64_t huge = flags & huge_mask;

	fmt_print_xval(out, fmt_map_type, flags & 0xf, "MAP_???");
	flags &= ~(huge_mask | 0xf);
	if (flags) {
		print_flag_names(out, fmt_map_flags, &flags, false);
		if (flags)
			sb_printf(out, "|%#" PRIx64, flags);
	}
	if (huge)
		sb_printf(out, "|%" PRIu64 "<<MAP_HUGE_SHIFT", huge >> 26);
}

void fmt_print_dirfd(struct strbuf *out, uint64_t fd)
{
	if ((int)fd == AT_FDCWD)
		sb_printf(out, "AT_FDCWD");
	else
		sb_printf(out, "%d", (int)fd);
}

void fmt_print_signal(struct strbuf *out, int sig)
{
	const char *name = fmt_signal_name(sig);

	if (name)
		sb_printf(out, "%s", name);
	else
		sb_printf(out, "%d", sig);
}

void fmt_print_sigmask(struct strbuf *out, const void *mask, size_t bytes)
{
	uint32_t words[2] = {0, 0};
	size_t nwords = bytes >= 8 ? 2 : (bytes + 3) / 4;
	unsigned int set = 0;
	bool first = true;

	memcpy(words, mask, bytes < 8 ? bytes : 8);
	for (size_t i = 0; i < nwords; i++)
		set += (unsigned int)__builtin_popcount(words[i]);
	if (set >= nwords * 32 * 2 / 3) {
		for (size_t i = 0; i < nwords; i++)
			words[i] = ~words[i];
		sb_putc(out, '~');
	}
	sb_putc(out, '[');
	for (unsigned int bit = 0; bit < nwords * 32; bit++) {
		int sig = (int)bit + 1;
		const char *name;

		if (!(words[bit / 32] >> (bit % 32) & 1))
			continue;
		if (!first)
			sb_putc(out, ' ');
		first = false;
		name = fmt_signal_name(sig);
		if (name)
			sb_printf(out, "%s", name + 3);
		else
			sb_printf(out, "%d", sig);
	}
	sb_putc(out, ']');
}
