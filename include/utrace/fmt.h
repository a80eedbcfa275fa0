/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * strace's text for what a tracer sees of the x86-64 kernel ABI: syscall lines (arguments
 * decoded, structures read from the tracee through a callback), errno and signal names,
 * siginfo and wait statuses, strace's -e trace= and signal= sets, and the -c table.  Pure
 * functions: they append to a struct strbuf and never print, except fmt_summary_print.
 */
#ifndef UTRACE_FMT_H
#define UTRACE_FMT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "utrace/strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* x86-64 system call numbers are below this; trace-set bitmaps and the summary are this wide. */
#define FMT_NR_SYSCALLS		 512
#define FMT_STRING_LIMIT_DEFAULT 32
/* strace's -a default: " = " starts after this column. */
#define FMT_RESULT_COLUMN 40

/* Reads len bytes of the tracee at addr into buf: bytes read (may be short) or -errno. */
typedef long (*fmt_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len);

struct fmt_ctx {
	int string_limit; /* -s: bytes of a string or buffer shown before "..." */
	fmt_read_fn read; /* NULL: every pointer is unreadable and printed in hex */
	void *read_ctx;
	/* Width of text already written on the current line outside `out` (e.g. a "[pid N] " prefix
	 * printed separately).  Text in `out` after its last newline is counted as well. */
	int column;
	/* The stack pointer at syscall entry, for rt_sigreturn's {mask=...} read from the signal
	 * frame; 0 when unknown, and rt_sigreturn prints "rt_sigreturn()". */
	uint64_t sp;
};

/* --- syscall lines (fmt_syscall.c) --------------------------------------------------------- */

/* Entry: append "name(" and the input arguments, with the separator after the last one when
 * more follow ("read(3, ").  Returns true if arguments remain for fmt_syscall_exit. */
bool fmt_syscall_entry(struct strbuf *out, const struct fmt_ctx *ctx, long nr,
		       const uint64_t args[6]);
/* Exit: append the remaining arguments, ")", padding to FMT_RESULT_COLUMN and "= result".
 * ret is the raw return register: -4095..-1 is an error. */
void fmt_syscall_exit(struct strbuf *out, const struct fmt_ctx *ctx, long nr,
		      const uint64_t args[6], int64_t ret);
/* ") = ?" padded like strace, for exit_group, a successful execve seen from the old image, or a
 * thread that died inside the call. */
void fmt_syscall_noreturn(struct strbuf *out, const struct fmt_ctx *ctx);
/* " <unfinished ...>" after an entry that another thread's line interrupts. */
void fmt_syscall_unfinished(struct strbuf *out);
/* "<... name resumed>" to start the exit half on a new line; follow with fmt_syscall_exit. */
void fmt_syscall_resumed(struct strbuf *out, long nr);
/* The result alone, " = 3" or " = -1 ENOENT (No such file or directory)", unpadded. */
void fmt_syscall_result(struct strbuf *out, long nr, const uint64_t args[6], int64_t ret);

/* libseccomp's name for nr on x86-64, or NULL.  The string is owned by the library. */
const char *fmt_syscall_name(long nr);
/* x86-64 number for name, or -1. */
long fmt_syscall_number(const char *name);

/* --- names (fmt_names.c) ------------------------------------------------------------------- */

/* "ENOENT", also the kernel-internal ERESTARTSYS..ERECALLCONFLICT (512..530); NULL if unknown. */
const char *fmt_errno_name(int err);
/* strace's wording for err: strerror, or the ERESTART* explanations. */
const char *fmt_errno_text(int err);
/* "SIGCHLD", "SIGRTMIN" (32), "SIGRT_1".."SIGRT_32" (33..64); NULL otherwise. */
const char *fmt_signal_name(int sig);
/* "SIGINT", "INT", "int", "2", "RTMIN", "SIGRT_3", "RTMIN+3": 1..64, or -EINVAL. */
int fmt_signal_number(const char *name);

/* --- signals and process events (fmt_siginfo.c) --------------------------------------------- */

/* "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1234, ...}" */
void fmt_siginfo(struct strbuf *out, const siginfo_t *si);
/* "--- SIGCHLD {...} ---" */
void fmt_signal_line(struct strbuf *out, const siginfo_t *si);
/* "+++ exited with 0 +++", "+++ killed by SIGSEGV (core dumped) +++" from a wait status. */
void fmt_exit_line(struct strbuf *out, int wstatus);
/* "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]" without the brackets. */
void fmt_wait_status(struct strbuf *out, int wstatus);

/* --- trace and signal sets (fmt_traceset.c, fmt_sigset.c) ---------------------------------- */

/* -e trace=SPEC: names, numbers, %classes, /regex, ?name (ignored if unknown), all, none, and
 * leading '!' negating the whole set.  Fills bitmap (bit nr) and returns 0, or returns -EINVAL
 * with strace's message in err ("invalid system call 'foo'") and leaves bitmap untouched. */
int fmt_traceset_parse(const char *spec, uint64_t bitmap[FMT_NR_SYSCALLS / 64], char *err,
		       size_t errlen);
static inline bool fmt_traceset_has(const uint64_t bitmap[FMT_NR_SYSCALLS / 64], long nr)
{
	return nr >= 0 && nr < FMT_NR_SYSCALLS && (bitmap[nr / 64] >> (nr % 64) & 1);
}
/* -e signal=SPEC: bit (sig - 1) of *mask for signals 1..64; same rules and error convention
 * ("invalid signal 'FOO'"). */
int fmt_sigset_parse(const char *spec, uint64_t *mask, char *err, size_t errlen);

/* --- the -c summary (fmt_summary.c) -------------------------------------------------------- */

struct fmt_summary_row {
	uint64_t calls;
	uint64_t errors;
	uint64_t ns;
};

struct fmt_summary {
	struct fmt_summary_row row[FMT_NR_SYSCALLS];
};

void fmt_summary_init(struct fmt_summary *s);
/* One completed call of nr that took ns nanoseconds.  Numbers out of range are ignored. */
void fmt_summary_add(struct fmt_summary *s, long nr, uint64_t ns, bool is_error);
/* strace -c's table, sorted by time descending (ties by number), then the total row. */
void fmt_summary_format(const struct fmt_summary *s, struct strbuf *out);
void fmt_summary_print(const struct fmt_summary *s, FILE *fp);

#ifdef __cplusplus
}
#endif

#endif
