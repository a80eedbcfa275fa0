/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UTRACE_FMT_PRIV_H
#define UTRACE_FMT_PRIV_H

#include "utrace/fmt.h"

#define FMT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* One call being printed: the arguments, and at exit the result. */
struct fmt_call {
	struct strbuf *out;
	const struct fmt_ctx *ctx;
	const uint64_t *args;
	bool exiting;
	bool failed;
	int64_t ret;
	/* At exit: text a decoder adds after the result, " (Timeout)" or " (in [3])". */
	struct strbuf *suffix;
};

/* A call with code of its own, strace's SYS_FUNC: at entry it prints the arguments the kernel
 * reads, ending with ", " when more follow, and returns true if it wants the exit half; at exit
 * (c->exiting) it prints the rest and may fill c->suffix. */
typedef bool (*fmt_decode_fn)(struct fmt_call *c);

/* --- values to names (fmt_xlat.c) --- */

struct fmt_xlat {
	uint64_t val;
	const char *name;
};
#define XLAT(x)                   \
	{                         \
		(uint64_t)(x), #x \
	}
#define XLAT_PAIR(v, s)          \
	{                        \
		(uint64_t)(v), s \
	}
#define XLAT_END        \
	{               \
		0, NULL \
	}

extern const struct fmt_xlat fmt_open_access[], fmt_open_flags[], fmt_at_flags[],
	fmt_faccessat_flags[], fmt_access_modes[], fmt_whence[], fmt_prot[], fmt_map_type[],
	fmt_map_flags[], fmt_fcntl_cmds[], fmt_fd_flags[], fmt_wait_options[], fmt_clone_flags[],
	fmt_sigact_flags[], fmt_sigprocmask_how[], fmt_rename_flags[];

const char *fmt_xlookup(const struct fmt_xlat *tab, uint64_t val);
/* NAME|NAME|0x.., "0" for zero, hex and DFLT in a comment when nothing matches. */
void fmt_print_flags(struct strbuf *out, const struct fmt_xlat *tab, uint64_t val,
		     const char *dflt);
/* NAME, or hex and DFLT in a comment. */
void fmt_print_xval(struct strbuf *out, const struct fmt_xlat *tab, uint64_t val, const char *dflt);
void fmt_print_open_flags(struct strbuf *out, uint64_t flags);
void fmt_print_mmap_flags(struct strbuf *out, uint64_t flags);
void fmt_print_signal(struct strbuf *out, int sig);
/* AT_FDCWD or the number. */
void fmt_print_dirfd(struct strbuf *out, uint64_t fd);
/* "[INT RT_8]" or "~[KILL STOP]" from a kernel sigset of bytes bytes. */
void fmt_print_sigmask(struct strbuf *out, const void *mask, size_t bytes);

/* --- tracee memory (fmt_str.c) --- */

/* 0 when all len bytes were read, else -errno. */
int fmt_read_all(const struct fmt_ctx *ctx, uint64_t addr, void *buf, size_t len);
void fmt_print_addr(struct strbuf *out, uint64_t addr);
/* A file name, in full: "...", NULL, or the address if unreadable. */
void fmt_print_path(struct fmt_call *c, uint64_t addr);
/* len < 0: a NUL-terminated string; else a buffer of len bytes.  Cut at string_limit. */
void fmt_print_str(struct fmt_call *c, uint64_t addr, int64_t len);
/* execve's argv as ["a", "b"], and envp as its address and a "N vars" comment. */
void fmt_print_argv(struct fmt_call *c, uint64_t addr);
void fmt_print_envc(struct fmt_call *c, uint64_t addr);
/* A buffer of len bytes with every byte as \xNN (strace's QUOTE_FORCE_HEX), cut at -s. */
void fmt_print_hex_str(struct fmt_call *c, uint64_t addr, int64_t len);
/* strace's quoting of n bytes; asciz stops at NUL.  Returns false when a NUL ended it. */
bool fmt_quote(struct strbuf *out, const unsigned char *s, size_t n, bool asciz);

/* --- structures (fmt_struct.c) --- */

/* Reads len bytes at addr into buf.  Output arguments are worth reading only after success: a
 * null or unreadable pointer, or any pointer at the exit of a failed call, prints as its address
 * and returns false. */
bool fmt_fetch(struct fmt_call *c, uint64_t addr, void *buf, size_t len);
void fmt_print_stat(struct fmt_call *c, uint64_t addr);
/* S_IFREG|0644 */
void fmt_print_mode(struct strbuf *out, unsigned int mode);
/* TCGETS's struct termios (fmt_termios.c). */
void fmt_print_termios(struct fmt_call *c, uint64_t addr);
void fmt_print_sigaction(struct fmt_call *c, uint64_t addr);
void fmt_print_sigset_at(struct fmt_call *c, uint64_t addr, uint64_t size);
void fmt_print_rusage(struct fmt_call *c, uint64_t addr);
void fmt_print_status_at(struct fmt_call *c, uint64_t addr);
void fmt_print_int_pair(struct fmt_call *c, uint64_t addr);
void fmt_print_timespec(struct fmt_call *c, uint64_t addr);

/* --- clocks and timers (fmt_time.c) --- */

/* The result is one of the kernel's ERESTART* codes: the call was interrupted by a signal. */
bool fmt_is_erestart(const struct fmt_call *c);
void fmt_print_clockid(struct strbuf *out, uint64_t id);
void fmt_timespec_str(struct strbuf *out, const int64_t ts[2]);
void fmt_timeval_str(struct strbuf *out, const int64_t tv[2]);
void fmt_print_timeval(struct fmt_call *c, uint64_t addr);

/* --- sockets (fmt_sockaddr.c) --- */

void fmt_print_family(struct strbuf *out, uint64_t family);
void fmt_print_sock_type(struct strbuf *out, uint64_t type);
void fmt_print_sock_type_flags(struct strbuf *out, uint64_t flags);
/* A struct sockaddr of len bytes the kernel reads or (at exit) wrote. */
void fmt_print_sockaddr(struct fmt_call *c, uint64_t addr, int64_t len);

/* --- decoders of calls with code of their own (one fmt_decode_fn each) --- */

/* fmt_time.c */
bool fmt_sys_nanosleep(struct fmt_call *c);
bool fmt_sys_clock_nanosleep(struct fmt_call *c);
bool fmt_sys_clock_gettime(struct fmt_call *c);
bool fmt_sys_gettimeofday(struct fmt_call *c);
bool fmt_sys_time(struct fmt_call *c);
bool fmt_sys_setitimer(struct fmt_call *c);
bool fmt_sys_getitimer(struct fmt_call *c);
/* fmt_sigframe.c */
bool fmt_sys_rt_sigreturn(struct fmt_call *c);
/* fmt_futex.c */
bool fmt_sys_futex(struct fmt_call *c);
/* fmt_poll.c */
bool fmt_sys_poll(struct fmt_call *c);
bool fmt_sys_ppoll(struct fmt_call *c);
bool fmt_sys_select(struct fmt_call *c);
bool fmt_sys_pselect6(struct fmt_call *c);
bool fmt_sys_epoll_create1(struct fmt_call *c);
bool fmt_sys_epoll_ctl(struct fmt_call *c);
bool fmt_sys_epoll_wait(struct fmt_call *c);
bool fmt_sys_epoll_pwait(struct fmt_call *c);
/* fmt_net.c */
bool fmt_sys_socket(struct fmt_call *c);
bool fmt_sys_socketpair(struct fmt_call *c);
bool fmt_sys_bind(struct fmt_call *c);
bool fmt_sys_accept(struct fmt_call *c);
bool fmt_sys_accept4(struct fmt_call *c);
bool fmt_sys_sendto(struct fmt_call *c);
bool fmt_sys_recvfrom(struct fmt_call *c);
bool fmt_sys_shutdown(struct fmt_call *c);
bool fmt_sys_setsockopt(struct fmt_call *c);
bool fmt_sys_getsockopt(struct fmt_call *c);
/* fmt_res.c */
bool fmt_sys_prlimit64(struct fmt_call *c);
bool fmt_sys_getrandom(struct fmt_call *c);
bool fmt_sys_sched_getaffinity(struct fmt_call *c);
bool fmt_sys_arch_prctl(struct fmt_call *c);
bool fmt_sys_madvise(struct fmt_call *c);
/* fmt_io.c */
bool fmt_sys_ioctl(struct fmt_call *c);
bool fmt_sys_readv(struct fmt_call *c);
bool fmt_sys_writev(struct fmt_call *c);
bool fmt_sys_getdents64(struct fmt_call *c);
bool fmt_sys_statx(struct fmt_call *c);

/* --- the syscall table (fmt_sysent.c) --- */

enum fmt_class {
	FMT_TD = 1 << 0,    /* %desc */
	FMT_TF = 1 << 1,    /* %file */
	FMT_TI = 1 << 2,    /* %ipc */
	FMT_TN = 1 << 3,    /* %network */
	FMT_TP = 1 << 4,    /* %process */
	FMT_TS = 1 << 5,    /* %signal */
	FMT_TM = 1 << 6,    /* %memory */
	FMT_TST = 1 << 7,   /* %stat */
	FMT_TLST = 1 << 8,  /* %lstat */
	FMT_TFST = 1 << 9,  /* %fstat */
	FMT_TSTA = 1 << 10, /* %%stat */
	FMT_TSF = 1 << 11,  /* %statfs */
	FMT_TFSF = 1 << 12, /* %fstatfs */
	FMT_TSFA = 1 << 13, /* %%statfs */
	FMT_PU = 1 << 14,   /* %pure */
	FMT_TC = 1 << 15,   /* %creds */
	FMT_TCL = 1 << 16,  /* %clock */
};

struct fmt_sysent {
	const char *name;
	unsigned char nargs;
	unsigned int classes;
};

extern const struct fmt_sysent fmt_sysent[];
extern const size_t fmt_sysent_count;
/* The row for nr, or NULL when strace's table has no such x86-64 call. */
const struct fmt_sysent *fmt_sysent_find(long nr);

/* --- -e qualifier lists (fmt_qualify.c) --- */

/* Adds token to set: 1 if added, 0 if unknown, or -EINVAL having written err itself. */
typedef int (*fmt_token_fn)(const char *token, void *set, char *err, size_t errlen);
/* strace's qualify_tokens: leading '!'s, "all", "none", then comma-separated tokens, each given
 * to add.  Returns 0 and *ret_invert, or -EINVAL with "invalid WHAT 'token'" in err. */
int fmt_qualify(const char *spec, const char *what, fmt_token_fn add, void *set, bool *ret_invert,
		char *err, size_t errlen);

#endif
