/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running a compiled SystemTap-language program against processes: stap's pass 5, as a library.
 *
 * A session is made from a program (pass 3's output, borrowed for the session's life) and
 * options: where the script's output and the messages go, the target (a command to start, or a
 * process to attach to), a time limit, guru mode.  It owns everything the run needs: the VM and
 * its memory, the traced processes and the engine on each thread, the uprobes consumers, and
 * what it learns about each process (its /proc facts, mappings, load biases, unwinder) and each
 * file (symbols, DWARF).  Running it is blocking: begin probes, then timers and process probes
 * until exit(), the time limit, SIGINT/SIGTERM/SIGHUP or the target's end, then the end probes
 * (or the error probes after a runtime error) and the globals stap prints at the end.
 *
 * Sessions are independent: any number may exist at once, each run any time, one after the
 * other.  Only one may trace processes at a time, as libutrace and uprobes are process-wide
 * (one ptrace tracer per process); sessions without a target share nothing.
 *
 * The library never prints: the script's output goes to opts.output, and every message (stap's
 * "ERROR: ..." and "WARNING: ..." lines, the tracer's own failures, what -v shows) to
 * opts.message, one line each, without the prefix and the newline.
 */
#ifndef UTRACE_SCRIPT_H
#define UTRACE_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "utrace/strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vm_program;
struct script_session;

/* ---- Compiling: stap's passes 1 to 3 (src/lang) ---------------------------------------- */

/* stap -D limits that the program enforces at run time. */
struct script_limits {
	int64_t maxaction;     /* MAXACTION: statements one handler may run */
	int64_t maxstringlen;  /* MAXSTRINGLEN: bytes of a string */
	int64_t maxmapentries; /* MAXMAPENTRIES: entries of one global array */
	int64_t maxnesting;    /* MAXNESTING: depth of function calls */
};

struct script_compile_opts {
	const char *name; /* in diagnostics: the file, or stap's "<input>" */
	const char *text; /* the script, len bytes (borrowed for the call) */
	size_t len;
	const char *const *args; /* $1..$N and @1..@N */
	unsigned nargs;
	int last_pass;		/* stap -p N, 1 to 5; 4 and 5 both give the program */
	bool list;		/* -l/-L: elaborate, then list the probe points instead */
	bool list_vars;		/* -L */
	int verbose;		/* -v: a "Pass N: ..." line after each pass; -vv: -p2 has bodies */
	bool suppress_warnings; /* -w */
	bool guru;		/* -g: embedded C and $var writes allowed */
	bool skip_badvars;	/* --skip-badvars: an unresolvable $variable is 0 */
	struct script_limits limits;
	/* The -c/-x target's executable (script_target_path), for a bare process.function. */
	const char *target_path;
	struct timespec start; /* CLOCK_MONOTONIC when the tool started, for -v's timings */
	/* Diagnostics and -v lines, in order, each ending in a newline. */
	void (*report)(void *data, const char *text);
	void *data;
};

struct script_compiled {
	int failed_pass;	 /* 0, or the pass that failed: 1 parse, 2 elaborate, 3 translate */
	struct strbuf dump;	 /* -p 1 to 3: that pass's dump; -l/-L: the listing */
	struct vm_program *prog; /* last_pass 4 or 5: the program, for script_session_new() */
};

/*
 * The passes up to o->last_pass.  Returns 0, or the -errno of the pass that failed (-EINVAL:
 * the script has errors, reported through o->report; -ENOMEM), failed_pass naming it.  *ret is
 * released with script_compiled_release() either way.
 */
int script_compile(const struct script_compile_opts *o, struct script_compiled *ret);
/* The dump and the program. */
void script_compiled_release(struct script_compiled *c);

/* ---- Running: stap's pass 5 ------------------------------------------------------------ */

enum script_msg {
	SCRIPT_MSG_ERROR,   /* stap's "ERROR: text": a runtime error, or a target that cannot run */
	SCRIPT_MSG_WARNING, /* stap's "WARNING: text": the script's warn() */
	SCRIPT_MSG_FAILURE, /* the tracer itself failed: memory, a timer, signalfd */
	SCRIPT_MSG_INFO,    /* how each probe site will run (emulated, boosted, stepped): stap -v */
};

/* Where process probes run (ustap --tier). */
enum script_tier {
	/*
	 * In the target's own process, jump-patched, where the site and the handler allow it
	 * (the target's executable, and libraries mapped when it is attached); on the trap tier
	 * everywhere else.
	 */
	SCRIPT_TIER_AUTO,
	SCRIPT_TIER_TRAP, /* every hit stops its thread and runs in the tracer */
};

struct script_opts {
	/* The script's output (printf, print, the globals printed at the end), in order. */
	void (*output)(void *data, const char *buf, size_t len);
	/* After each handler and before each message: the output so far should appear. */
	void (*flush)(void *data);
	void (*message)(void *data, enum script_msg kind, const char *text);
	void *data;
	/* -c: the command (argv[0] found in PATH), started stopped and let go after the begin probes. */
	char *const *target_argv;
	/* -x: target() of the script; attached to when the script has process probes.  0: none. */
	pid_t target_pid;
	/* -T: the session ends after this long.  0: no limit. */
	uint64_t timeout_ns;
	/* -g: handlers may write to the traced process's memory ($var = v). */
	bool guru;
	enum script_tier tier;
	/* randint() and randomized timers from this seed instead of getrandom (tests). */
	bool fixed_seed;
	uint64_t seed;
};

/*
 * A session for prog with opts (copied; target_argv is borrowed).  Returns 0, or -ENOMEM when
 * the VM's memory cannot be had (said through opts->message).
 */
int script_session_new(const struct vm_program *prog, const struct script_opts *opts,
		       struct script_session **ret_session);
/* Accepts NULL.  A session that was run has already let its target go. */
void script_session_free(struct script_session *s);
/* stap -G NAME=VALUE, before the run: 0, -ENOENT (no scalar global name), -EINVAL (not a number). */
int script_session_set_global(struct script_session *s, const char *name, const char *value);
/*
 * Runs the session, once.  Returns the number of runtime errors (stap's "Number of errors"; 0
 * is a clean run), or -errno when it could not start: the target cannot be started or traced,
 * a process probe has no target (-EINVAL), the session already ran (-EALREADY).  Either way the
 * reason went to opts.message.
 */
int script_session_run(struct script_session *s);

/* After the run: probe hits whose handler did not run (stap's "skipped probes"). */
uint64_t script_session_skipped(const struct script_session *s);

/*
 * The executable that program (looked up in PATH like -c does, symlinks resolved) or, when
 * program is NULL, process pid runs: what pass 2 takes for a process probe without a path.
 * 0, or -errno (-ENOENT, -ESRCH).
 */
int script_target_path(const char *program, pid_t pid, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
