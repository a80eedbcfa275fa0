/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UTRACE_TOOL_TRACE_H
#define UTRACE_TOOL_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "utrace/fmt.h"

/* What the command line asked for. */
struct trace_opts {
	bool follow;	/* -f */
	bool quiet;	/* -q: no attach and detach messages */
	bool count;	/* -c: the summary only */
	bool count_too; /* -C: lines and the summary */
	int timestamps; /* -t: 1, -tt: 2 */
	bool show_time; /* -T */
	bool trace_all; /* no -e trace=, or trace=all */
	uint64_t trace[FMT_NR_SYSCALLS / 64];
	uint64_t signals; /* -e signal=: bit sig-1 */
	int string_limit; /* -s */
	FILE *out;
	int verbose; /* -v */ /* -o, or stderr */
};

/* Print a line for thread @tid, with the prefix and interleaving rules of syscall lines. */
void trace_print_tid_line(pid_t tid, const char *text);

/* Attach the tracing engine to thread @tid.  Returns 0 or -errno. */
int trace_attach(pid_t tid, const struct trace_opts *opts);
/* Let a spawned command go once the engine is attached. */
int trace_start(pid_t pid);
/* Number of threads the engine is attached to. */
int trace_live_threads(void);
/* Finish output: pending lines, and the -c/-C summary. */
void trace_finish(void);

#endif
