/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_syscall: one strace line per system call, split where strace splits it.  Entry prints the
 * name and the arguments the kernel reads; exit prints the ones it writes (read's buffer, stat's
 * struct, wait4's status), ")", the padding to column 40 and the result.  Each decoded call has a
 * signature string, one letter per argument (the key is in the table's comment), with '|' where
 * entry stops; clone and fcntl have code of their own.  Calls without a signature print their
 * strace argument count with integers in decimal and pointer-sized values in hex; numbers no one
 * knows print as strace's "syscall_0x1f4(...)" with six hex arguments.  Results in -4095..-1 are
 * errors, printed as "-1 ENAME (text)" or strace's "? ERESTARTSYS (...)" for the restart codes.
 * Nothing here fails: unreadable memory degrades to addresses.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/syscall.h>

#include "fmt_priv.h"

/*
 * Argument letters.  Inputs: d int, l long, u unsigned long, x hex, p pointer, a dirfd, s path,
 * S string, b buffer of the next argument's length, o mode, N open's mode (only with O_CREAT or
 * O_TMPFILE), O open flags, F O_* flags without access mode, A AT_* flags, Y faccessat2 flags,
 * K access mode, W whence, P prot, M mmap flags, g signal, h sigprocmask how, m sigset,
 * c struct sigaction, t struct timespec, v argv, V envp, w wait options, R rename flags.  Outputs (addresses after a
 * failure): B buffer of the result's length, G path (getcwd), T struct stat, I int[2],
 * Z wait status, U struct rusage, q sigset, C struct sigaction.
 */
struct sysfmt {
	const char *sig;
	char ret;	      /* 'd' decimal (default), 'x' hex, 'o' octal */
	fmt_decode_fn decode; /* instead of sig */
};

static const struct sysfmt sysfmt[FMT_NR_SYSCALLS] = {
	[SYS_read] = {"d|Bu"},
	[SYS_write] = {"dbu"},
	[SYS_open] = {"sON"},
	[SYS_close] = {"d"},
	[SYS_stat] = {"s|T"},
	[SYS_fstat] = {"d|T"},
	[SYS_lstat] = {"s|T"},
	[SYS_lseek] = {"dlW"},
	[SYS_mmap] = {"puPMdx", 'x'},
	[SYS_mprotect] = {"puP"},
	[SYS_munmap] = {"pu"},
	[SYS_brk] = {"p", 'x'},
	[SYS_rt_sigaction] = {"gc|Cu"},
	[SYS_rt_sigprocmask] = {"hm|qu"},
	[SYS_pread64] = {"d|Bul"},
	[SYS_pwrite64] = {"dbul"},
	[SYS_access] = {"sK"},
	[SYS_pipe] = {"|I"},
	[SYS_mremap] = {"puuxp", 'x'},
	[SYS_dup] = {"d"},
	[SYS_dup2] = {"dd"},
	[SYS_pause] = {""},
	[SYS_nanosleep] = {.decode = fmt_sys_nanosleep},
	[SYS_getitimer] = {.decode = fmt_sys_getitimer},
	[SYS_alarm] = {"u"},
	[SYS_setitimer] = {.decode = fmt_sys_setitimer},
	[SYS_getpid] = {""},
	[SYS_clone] = {NULL},
	[SYS_fork] = {""},
	[SYS_vfork] = {""},
	[SYS_execve] = {"svV"},
	[SYS_exit] = {"d"},
	[SYS_wait4] = {"d|ZwU"},
	[SYS_kill] = {"dg"},
	[SYS_truncate] = {"sl"},
	[SYS_ftruncate] = {"dl"},
	[SYS_getcwd] = {"|Gu"},
	[SYS_chdir] = {"s"},
	[SYS_fchdir] = {"d"},
	[SYS_rename] = {"ss"},
	[SYS_mkdir] = {"so"},
	[SYS_rmdir] = {"s"},
	[SYS_creat] = {"so"},
	[SYS_link] = {"ss"},
	[SYS_unlink] = {"s"},
	[SYS_symlink] = {"ss"},
	[SYS_readlink] = {"s|Bu"},
	[SYS_chmod] = {"so"},
	[SYS_fchmod] = {"do"},
	[SYS_chown] = {"sdd"},
	[SYS_fchown] = {"ddd"},
	[SYS_lchown] = {"sdd"},
	[SYS_umask] = {"o", 'o'},
	[SYS_chroot] = {"s"},
	[SYS_tkill] = {"dg"},
	[SYS_exit_group] = {"d"},
	[SYS_tgkill] = {"ddg"},
	[SYS_openat] = {"asON"},
	[SYS_mkdirat] = {"aso"},
	[SYS_fchownat] = {"asddA"},
	[SYS_newfstatat] = {"as|TA"},
	[SYS_unlinkat] = {"asA"},
	[SYS_renameat] = {"asas"},
	[SYS_linkat] = {"asasA"},
	[SYS_symlinkat] = {"sas"},
	[SYS_readlinkat] = {"as|Bu"},
	[SYS_fchmodat] = {"aso"},
	[SYS_faccessat] = {"asK"},
	[SYS_dup3] = {"ddF"},
	[SYS_pipe2] = {"|IF"},
	[SYS_renameat2] = {"asasR"},
	[SYS_execveat] = {"asvVA"},
	[SYS_faccessat2] = {"asKY"},
	[SYS_set_tid_address] = {"p"},
	[SYS_set_robust_list] = {"pu"},
	[SYS_gettid] = {""},
	[SYS_rt_sigreturn] = {.decode = fmt_sys_rt_sigreturn},
	[SYS_clock_nanosleep] = {.decode = fmt_sys_clock_nanosleep},
	[SYS_clock_gettime] = {.decode = fmt_sys_clock_gettime},
	[SYS_clock_getres] = {.decode = fmt_sys_clock_gettime},
	[SYS_gettimeofday] = {.decode = fmt_sys_gettimeofday},
	[SYS_time] = {.decode = fmt_sys_time},
	[SYS_futex] = {.decode = fmt_sys_futex},
	[SYS_rseq] = {"xxxx"},
	[SYS_poll] = {.decode = fmt_sys_poll},
	[SYS_ppoll] = {.decode = fmt_sys_ppoll},
	[SYS_select] = {.decode = fmt_sys_select},
	[SYS_pselect6] = {.decode = fmt_sys_pselect6},
	[SYS_epoll_create] = {"d"},
	[SYS_epoll_create1] = {.decode = fmt_sys_epoll_create1},
	[SYS_epoll_ctl] = {.decode = fmt_sys_epoll_ctl},
	[SYS_epoll_wait] = {.decode = fmt_sys_epoll_wait},
	[SYS_epoll_pwait] = {.decode = fmt_sys_epoll_pwait},
	[SYS_socket] = {.decode = fmt_sys_socket},
	[SYS_socketpair] = {.decode = fmt_sys_socketpair},
	[SYS_bind] = {.decode = fmt_sys_bind},
	[SYS_connect] = {.decode = fmt_sys_bind},
	[SYS_listen] = {"dd"},
	[SYS_accept] = {.decode = fmt_sys_accept},
	[SYS_accept4] = {.decode = fmt_sys_accept4},
	[SYS_getsockname] = {.decode = fmt_sys_accept},
	[SYS_getpeername] = {.decode = fmt_sys_accept},
	[SYS_sendto] = {.decode = fmt_sys_sendto},
	[SYS_recvfrom] = {.decode = fmt_sys_recvfrom},
	[SYS_shutdown] = {.decode = fmt_sys_shutdown},
	[SYS_setsockopt] = {.decode = fmt_sys_setsockopt},
	[SYS_getsockopt] = {.decode = fmt_sys_getsockopt},
	[SYS_prlimit64] = {.decode = fmt_sys_prlimit64},
	[SYS_getrandom] = {.decode = fmt_sys_getrandom},
	[SYS_sched_getaffinity] = {.decode = fmt_sys_sched_getaffinity},
	[SYS_arch_prctl] = {.decode = fmt_sys_arch_prctl},
	[SYS_madvise] = {.decode = fmt_sys_madvise},
	[SYS_ioctl] = {.decode = fmt_sys_ioctl},
	[SYS_readv] = {.decode = fmt_sys_readv},
	[SYS_writev] = {.decode = fmt_sys_writev},
	[SYS_getdents64] = {.decode = fmt_sys_getdents64},
	[SYS_statx] = {.decode = fmt_sys_statx},
};

static bool is_error(int64_t ret)
{
	return ret < 0 && ret >= -4095;
}

static void print_generic(struct strbuf *out, uint64_t v)
{
	int64_t s = (int64_t)v;

	if (v <= 0xffff || (s < 0 && s >= -4096))
		sb_printf(out, "%" PRId64, s);
	else
		sb_printf(out, "%#" PRIx64, v);
}

static void print_arg(struct fmt_call *c, char kind, int i)
{
	struct strbuf *out = c->out;
	uint64_t v = c->args[i];

	switch (kind) {
	case 'd':
		sb_printf(out, "%d", (int)v);
		break;
	case 'l':
		sb_printf(out, "%" PRId64, (int64_t)v);
		break;
	case 'u':
		sb_printf(out, "%" PRIu64, v);
		break;
	case 'x':
		sb_printf(out, "%#" PRIx64, v);
		break;
	case 'p':
		fmt_print_addr(out, v);
		break;
	case 'a':
		if ((int)v == AT_FDCWD)
			sb_printf(out, "AT_FDCWD");
		else
			sb_printf(out, "%d", (int)v);
		break;
	case 's':
		fmt_print_path(c, v);
		break;
	case 'S':
		fmt_print_str(c, v, -1);
		break;
	case 'b':
		fmt_print_str(c, v, (int64_t)c->args[i + 1]);
		break;
	case 'o':
	case 'N':
		sb_printf(out, "%#03o", (unsigned int)v);
		break;
	case 'O':
		fmt_print_open_flags(out, v);
		break;
	case 'F':
		fmt_print_flags(out, fmt_open_flags, v, "O_???");
		break;
	case 'A':
		fmt_print_flags(out, fmt_at_flags, v, "AT_???");
		break;
	case 'Y':
		fmt_print_flags(out, fmt_faccessat_flags, v, "AT_???");
		break;
	case 'K':
		fmt_print_flags(out, fmt_access_modes, v, "?_OK");
		break;
	case 'W':
		fmt_print_xval(out, fmt_whence, v, "SEEK_???");
		break;
	case 'P':
		fmt_print_flags(out, fmt_prot, v, "PROT_???");
		break;
	case 'M':
		fmt_print_mmap_flags(out, v);
		break;
	case 'g':
		fmt_print_signal(out, (int)v);
		break;
	case 'h':
		fmt_print_xval(out, fmt_sigprocmask_how, v, "SIG_???");
		break;
	case 'm':
	case 'q':
		fmt_print_sigset_at(c, v, c->args[3]);
		break;
	case 'c':
	case 'C':
		fmt_print_sigaction(c, v);
		break;
	case 't':
		fmt_print_timespec(c, v);
		break;
	case 'v':
		fmt_print_argv(c, v);
		break;
	case 'V':
		fmt_print_envc(c, v);
		break;
	case 'w':
		fmt_print_flags(out, fmt_wait_options, v, "W???");
		break;
	case 'R':
		fmt_print_flags(out, fmt_rename_flags, v, "RENAME_???");
		break;
	case 'B':
		if (c->failed)
			fmt_print_addr(out, v);
		else
			fmt_print_str(c, v, c->ret);
		break;
	case 'G':
		if (c->failed)
			fmt_print_addr(out, v);
		else
			fmt_print_path(c, v);
		break;
	case 'T':
		fmt_print_stat(c, v);
		break;
	case 'I':
		fmt_print_int_pair(c, v);
		break;
	case 'Z':
		fmt_print_status_at(c, v);
		break;
	case 'U':
		fmt_print_rusage(c, v);
		break;
	default:
		print_generic(out, v);
	}
}

/* Prints the letters of sig from argument first on; returns the index after the last. */
static int print_args(struct fmt_call *c, const char *sig, int first, bool sep)
{
	int i = first;

	for (; *sig && *sig != '|'; sig++, i++) {
		if (*sig == 'N' && !(c->args[i - 1] & (O_CREAT | 020000000)))
			continue;
		if (sep)
			sb_printf(c->out, ", ");
		sep = true;
		print_arg(c, *sig, i);
	}
	return i;
}

#define CLONE_EXIT_ARGS (0x00100000 | 0x00001000 | 0x00080000 | 0x01000000 | 0x00200000)

static bool clone_entry(struct fmt_call *c)
{
	uint64_t flags = c->args[0] & ~(uint64_t)0xff;
	int sig = (int)(c->args[0] & 0xff);

	sb_printf(c->out, "child_stack=");
	fmt_print_addr(c->out, c->args[1]);
	sb_printf(c->out, ", flags=");
	if (flags) {
		fmt_print_flags(c->out, fmt_clone_flags, flags, "CLONE_???");
		if (sig) {
			sb_putc(c->out, '|');
			fmt_print_signal(c->out, sig);
		}
	} else if (sig) {
		fmt_print_signal(c->out, sig);
	} else {
		sb_printf(c->out, "0");
	}
	return flags & CLONE_EXIT_ARGS;
}

static void clone_exit(struct fmt_call *c)
{
	uint64_t flags = c->args[0];
	int tid;

	if (flags & (0x00100000 | 0x00001000)) {
		sb_printf(c->out, ", parent_tid=");
		if (c->failed || fmt_read_all(c->ctx, c->args[2], &tid, sizeof(tid)))
			fmt_print_addr(c->out, c->args[2]);
		else
			sb_printf(c->out, "[%u]", (unsigned int)tid);
	}
	if (flags & 0x00080000) {
		sb_printf(c->out, ", tls=");
		fmt_print_addr(c->out, c->args[4]);
	}
	if (flags & (0x01000000 | 0x00200000)) {
		sb_printf(c->out, ", child_tidptr=");
		fmt_print_addr(c->out, c->args[3]);
	}
}

static void fcntl_entry(struct fmt_call *c)
{
	uint64_t cmd = c->args[1];

	sb_printf(c->out, "%d, ", (int)c->args[0]);
	fmt_print_xval(c->out, fmt_fcntl_cmds, cmd, "F_???");
	switch (cmd) {
	case F_SETFD:
		sb_printf(c->out, ", ");
		fmt_print_flags(c->out, fmt_fd_flags, c->args[2], "FD_???");
		break;
	case F_SETFL:
		sb_printf(c->out, ", ");
		fmt_print_open_flags(c->out, c->args[2]);
		break;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
	case F_SETOWN:
	case F_SETPIPE_SZ:
	case F_SETLEASE:
	case F_NOTIFY:
	case F_SETSIG:
		sb_printf(c->out, ", %d", (int)c->args[2]);
		break;
	case F_GETFD:
	case F_GETFL:
	case F_GETOWN:
	case F_GETSIG:
	case F_GETLEASE:
	case F_GETPIPE_SZ:
	case F_GET_SEALS:
		break;
	default:
		sb_printf(c->out, ", ");
		fmt_print_addr(c->out, c->args[2]);
	}
}

static void print_name(struct strbuf *out, long nr)
{
	const char *name = fmt_syscall_name(nr);

	if (name)
		sb_printf(out, "%s(", name);
	else
		sb_printf(out, "syscall_%#lx(", (unsigned long)nr);
}

static bool in_range(long nr)
{
	return nr >= 0 && nr < FMT_NR_SYSCALLS;
}

bool fmt_syscall_entry(struct strbuf *out, const struct fmt_ctx *ctx, long nr,
		       const uint64_t args[6])
{
	struct fmt_call c = {.out = out, .ctx = ctx, .args = args};
	const struct sysfmt *f = in_range(nr) ? &sysfmt[nr] : NULL;
	const struct fmt_sysent *ent = fmt_sysent_find(nr);
	int i;

	print_name(out, nr);
	if (nr == SYS_clone)
		return clone_entry(&c);
	if (nr == SYS_fcntl) {
		fcntl_entry(&c);
		return false;
	}
	if (f && f->decode)
		return f->decode(&c);
	if (f && f->sig) {
		i = print_args(&c, f->sig, 0, false);
		if (f->sig[i] == '|' && f->sig[i + 1] && i > 0)
			sb_printf(out, ", ");
		return f->sig[i] == '|';
	}
	if (!ent && fmt_syscall_name(nr)) {
		for (i = 0; i < 6; i++) {
			if (i)
				sb_printf(out, ", ");
			print_generic(out, args[i]);
		}
		return false;
	}
	for (i = 0; i < (ent ? ent->nargs : 6); i++) {
		if (i)
			sb_printf(out, ", ");
		if (ent)
			print_generic(out, args[i]);
		else
			sb_printf(out, "%#" PRIx64, args[i]);
	}
	return false;
}

static int line_column(const struct strbuf *out, const struct fmt_ctx *ctx)
{
	const char *s = sb_str(out);
	const char *nl = strrchr(s, '\n');

	if (nl)
		return (int)(out->len - (size_t)(nl + 1 - s));
	return ctx->column + (int)out->len;
}

/* strace pads so that " = " starts at column 39 and '=' lands at column 40. */
static void pad_result(struct strbuf *out, const struct fmt_ctx *ctx)
{
	int col = line_column(out, ctx);

	while (col++ < FMT_RESULT_COLUMN - 1)
		sb_putc(out, ' ');
}

static void print_error(struct strbuf *out, int err)
{
	const char *name = fmt_errno_name(err);

	switch (err) {
	case 512:
	case 513:
	case 514:
	case 516:
		sb_printf(out, "? %s (%s)", name, fmt_errno_text(err));
		return;
	}
	if (name)
		sb_printf(out, "-1 %s (%s)", name, fmt_errno_text(err));
	else
		sb_printf(out, "-1 %d (%s)", err, fmt_errno_text(err));
}

static void print_value(struct strbuf *out, long nr, const uint64_t args[6], int64_t ret)
{
	char kind = in_range(nr) && sysfmt[nr].ret ? sysfmt[nr].ret : 'd';

	if (nr == SYS_fcntl && args[1] == F_GETFD && ret) {
		sb_printf(out, "%#" PRIx64 " (flags ", (uint64_t)ret);
		fmt_print_flags(out, fmt_fd_flags, (uint64_t)ret, "FD_???");
		sb_putc(out, ')');
		return;
	}
	if (nr == SYS_fcntl && args[1] == F_GETFL) {
		sb_printf(out, "%#" PRIx64 " (flags ", (uint64_t)ret);
		fmt_print_open_flags(out, (uint64_t)ret);
		sb_putc(out, ')');
		return;
	}
	if (kind == 'x')
		sb_printf(out, "%#" PRIx64, (uint64_t)ret);
	else if (kind == 'o')
		sb_printf(out, "%#" PRIo64, (uint64_t)ret);
	else
		sb_printf(out, "%" PRId64, ret);
}

void fmt_syscall_result(struct strbuf *out, long nr, const uint64_t args[6], int64_t ret)
{
	sb_printf(out, " = ");
	if (is_error(ret))
		print_error(out, (int)-ret);
	else
		print_value(out, nr, args, ret);
}

void fmt_syscall_exit(struct strbuf *out, const struct fmt_ctx *ctx, long nr,
		      const uint64_t args[6], int64_t ret)
{
	struct strbuf suffix = {0};
	struct fmt_call c = {.out = out,
			     .ctx = ctx,
			     .args = args,
			     .exiting = true,
			     .ret = ret,
			     .suffix = &suffix};
	const struct sysfmt *f = in_range(nr) ? &sysfmt[nr] : NULL;
	const char *sig = f ? f->sig : NULL;
	const char *bar = sig ? strchr(sig, '|') : NULL;

	c.failed = is_error(ret);
	if (nr == SYS_clone)
		clone_exit(&c);
	else if (f && f->decode)
		f->decode(&c);
	else if (bar)
		print_args(&c, bar + 1, (int)(bar - sig), false);
	sb_putc(out, ')');
	pad_result(out, ctx);
	fmt_syscall_result(out, nr, args, ret);
	if (!c.failed)
		sb_append(out, sb_str(&suffix), suffix.len);
	sb_release(&suffix);
}

void fmt_syscall_noreturn(struct strbuf *out, const struct fmt_ctx *ctx)
{
	sb_putc(out, ')');
	pad_result(out, ctx);
	sb_printf(out, " = ?");
}

void fmt_syscall_unfinished(struct strbuf *out)
{
	sb_printf(out, " <unfinished ...>");
}

void fmt_syscall_resumed(struct strbuf *out, long nr)
{
	const char *name = fmt_syscall_name(nr);

	if (name)
		sb_printf(out, "<... %s resumed>", name);
	else
		sb_printf(out, "<... syscall_%#lx resumed>", (unsigned long)nr);
}
