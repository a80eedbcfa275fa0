/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * utrace: a strace-compatible tracer, the first user of libutrace.
 *
 * This file is the thin main: options (strace's spelling), starting or attaching, the event
 * loop, the tracer's own signals, and the exit status.  `utrace -- CMD` exits with CMD's
 * status, or 128+N if a signal N killed it.  Bad input (unknown syscall or signal name, a
 * command that cannot be run, a pid that is gone, not ours or already traced) is a one-line
 * error and exit status 1.
 *
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT: processes attached with -p are detached cleanly and go
 * on running; a command we started gets the same signal, as under strace, and we wait for it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probes.h"
#include "trace.h"
#include "utrace/uprobe.h"
#include "utrace/utrace.h"

static volatile sig_atomic_t fatal_signal;

static void usage(FILE *fp)
{
	fprintf(fp, "usage: utrace [-f] [-q] [-c] [-C] [-o FILE] [-e trace=SET] [-e signal=SET] "
		    "[-s N]\n"
		    "              [-T] [-t|-tt] [-v] [-U SPEC]... [-p PID[,PID...] | [--] CMD "
		    "[ARGS...]]\n");
}

static void __attribute__((noreturn)) die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("utrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void on_fatal(int sig)
{
	fatal_signal = sig;
}

static void log_to_stderr(enum utrace_log_level level, const char *msg)
{
	fprintf(stderr, "utrace: %s\n", msg);
}

static void parse_expr(struct trace_opts *o, const char *arg)
{
	char err[256];
	const char *eq = strchr(arg, '=');
	const char *what = "trace", *spec = arg;
	size_t n;

	if (eq) {
		n = (size_t)(eq - arg);
		spec = eq + 1;
		if (n == 5 && !strncmp(arg, "trace", 5))
			what = "trace";
		else if (n == 6 && !strncmp(arg, "signal", 6))
			what = "signal";
		else if (n == 1 && !strncmp(arg, "t", 1))
			what = "trace";
		else
			die("invalid -e argument: '%s'", arg);
	}
	if (!strcmp(what, "signal")) {
		if (fmt_sigset_parse(spec, &o->signals, err, sizeof(err)) < 0)
			die("%s", err);
		return;
	}
	if (!strcmp(spec, "all")) {
		o->trace_all = true;
		return;
	}
	if (fmt_traceset_parse(spec, o->trace, err, sizeof(err)) < 0)
		die("%s", err);
	o->trace_all = false;
}

static int parse_pids(const char *arg, pid_t **pids, int *npids)
{
	char *copy = strdup(arg), *tok, *save = NULL, *end;

	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		long pid = strtol(tok, &end, 10);

		if (*end || pid <= 0 || pid > 4194304)
			die("Invalid process id: '%s'", tok);
		*pids = realloc(*pids, (size_t)(*npids + 1) * sizeof(**pids));
		(*pids)[(*npids)++] = (pid_t)pid;
	}
	free(copy);
	return 0;
}

static void attach_pid(pid_t pid, const struct trace_opts *o)
{
	pid_t *tids = NULL;
	int n = 0, i, r;

	if (pid == getpid())
		die("I'm sorry, I can't let you do that, Dave.");
	r = utrace_seize_process(pid, &tids, &n);
	if (r == -EPERM) {
		pid_t tracer = utrace_tracer_of(pid);

		if (tracer > 0)
			die("attach: ptrace(PTRACE_SEIZE, %d): Operation not permitted "
			    "(already traced by process %d)",
			    pid, tracer);
	}
	if (r < 0)
		die("attach: ptrace(PTRACE_SEIZE, %d): %s", pid, strerror(-r));
	for (i = 0; i < n; i++) {
		r = trace_attach(tids[i], o);
		if (r < 0 && r != -ESRCH)
			die("attach: thread %d: %s", tids[i], strerror(-r));
	}
	if (!o->quiet)
		fprintf(stderr, "utrace: Process %d attached\n", pid);
	free(tids);
}

static void add_probes(const char **specs, int n, const char *exe, const struct trace_opts *o)
{
	int i;

	for (i = 0; i < n; i++)
		if (probes_add(specs[i], exe, o) < 0)
			exit(1);
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"output", required_argument, NULL, 'o'},
		{"follow-forks", no_argument, NULL, 'f'},
		{"summary-only", no_argument, NULL, 'c'},
		{"summary", no_argument, NULL, 'C'},
		{"attach", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	struct trace_opts o = {.trace_all = true, .signals = ~0ULL, .string_limit = 32};
	struct sigaction sa;
	pid_t *pids = NULL, child = 0;
	int npids = 0, c, r, verbose = 0, status = 0, i;
	const char *outfile = NULL, **specs = NULL;
	int nspecs = 0;
	bool forwarded = false, explicit_trace = false;

	while ((c = getopt_long(argc, argv, "+hfqcCo:e:s:Ttp:U:v", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'f':
			o.follow = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'c':
			o.count = true;
			break;
		case 'C':
			o.count_too = true;
			break;
		case 'o':
			outfile = optarg;
			break;
		case 'e':
			explicit_trace |= strncmp(optarg, "signal=", 7) != 0;
			parse_expr(&o, optarg);
			break;
		case 's': {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end || n < 0 || n > 1 << 20)
				die("invalid -s argument: '%s'", optarg);
			o.string_limit = (int)n;
			break;
		}
		case 'T':
			o.show_time = true;
			break;
		case 't':
			o.timestamps++;
			break;
		case 'p':
			parse_pids(optarg, &pids, &npids);
			break;
		case 'v':
			verbose++;
			break;
		case 'U':
			specs = realloc(specs, (size_t)(nspecs + 1) * sizeof(*specs));
			specs[nspecs++] = optarg;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!npids && optind >= argc) {
		fprintf(stderr, "utrace: must have PROG [ARGS] or -p PID\n");
		usage(stderr);
		return 1;
	}
	if (npids && optind < argc)
		die("-p and a command are mutually exclusive");
	o.verbose = verbose;
	if (nspecs && !explicit_trace)
		o.trace_all = false; /* -U alone: functions, no syscalls */
	utrace_set_print(log_to_stderr, verbose > 1 ? UTRACE_LOG_DEBUG
					: verbose   ? UTRACE_LOG_INFO
						    : UTRACE_LOG_WARN);
	o.out = stderr;
	if (outfile) {
		o.out = fopen(outfile, "we");
		if (!o.out)
			die("Can't fopen '%s': %s", outfile, strerror(errno));
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);

	if (npids) {
		char exe[4096];

		if (nspecs && (r = utrace_exe_path(pids[0], exe, sizeof(exe))) < 0) {
			if (kill(pids[0], 0) < 0 && errno == ESRCH)
				die("attach: ptrace(PTRACE_SEIZE, %d): %s", pids[0],
				    strerror(ESRCH));
			die("attach: pid %d: cannot read its executable (/proc/%d/exe): %s",
			    pids[0], pids[0], strerror(-r));
		}
		add_probes(specs, nspecs, exe, &o);
		for (i = 0; i < npids; i++) {
			if (nspecs && (r = uprobe_watch(pids[i], o.follow)) < 0)
				die("attach: ptrace(PTRACE_SEIZE, %d): %s", pids[i], strerror(-r));
			attach_pid(pids[i], &o);
		}
	} else {
		char exe[4096];

		r = utrace_find_program(argv[optind], exe, sizeof(exe));
		if (r < 0)
			die("Can't stat '%s': %s", argv[optind], strerror(-r));
		add_probes(specs, nspecs, exe, &o);
		r = utrace_spawn(&argv[optind], &child);
		if (r < 0)
			die("Can't stat '%s': %s", argv[optind], strerror(-r));
		if (nspecs && (r = uprobe_watch(child, o.follow)) < 0)
			die("cannot watch '%s': %s", argv[optind], strerror(-r));
		r = trace_attach(child, &o);
		if (r == 0)
			r = trace_start(child);
		if (r < 0)
			die("cannot trace '%s': %s", argv[optind], strerror(-r));
	}

	for (;;) {
		if (fatal_signal) {
			if (!child) {
				if (nspecs)
					uprobe_cleanup_all();
				utrace_detach_all();
				for (i = 0; i < npids && !o.quiet; i++)
					fprintf(stderr, "utrace: Process %d detached\n", pids[i]);
				break;
			}
			if (!forwarded) {
				kill(child, fatal_signal);
				forwarded = true;
			}
		}
		r = utrace_wait(true);
		if (r == -ECHILD)
			break;
	}
	trace_finish();
	free(pids);
	free(specs);
	if (child && utrace_child_status(child, &status) == 0)
		return exit_code_of(status);
	return 0;
}
