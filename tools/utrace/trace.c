/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The strace-style engine: one utrace engine per traced thread, printing syscalls, signals and
 * exits in strace's format.
 *
 * A syscall line is built in two halves: the entry half (name and input arguments) waits in the
 * thread's buffer until the exit half completes it.  If any other line has to be printed in
 * between, the waiting half is printed first with " <unfinished ...>" and the exit later starts
 * with "<... name resumed>", exactly as strace does with -f.  Lines carry a "[pid N] " prefix
 * while more than one thread is traced.
 *
 * Following (-f) is an engine decision: report_clone attaches a new engine to the child, which
 * the engine layer keeps stopped until that is done, so the child's first instruction is already
 * traced.  Without -f children are left alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "probes.h"
#include "trace.h"
#include "utrace/utrace.h"

struct tstate {
	pid_t tid;
	struct strbuf line; /* the entry half of the call in progress */
	long nr;
	uint64_t args[6];
	bool in_syscall;
	bool unfinished; /* its entry half was printed with <unfinished ...> */
	struct timespec start;
	struct timespec stamp;
	bool always_pid; /* function-probe lines always name their thread */
};

static const struct trace_opts *opts;
static struct tstate *partial; /* the thread whose entry half is waiting, if any */
static int live;
static struct fmt_summary summary;
static const struct utrace_engine_ops trace_ops;

static long read_tracee(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return utrace_read_memory((pid_t)(intptr_t)ctx, addr, buf, len);
}

static bool printing_lines(void)
{
	return !opts->count || opts->count_too;
}

static void stamp(struct strbuf *sb, const struct timespec *ts)
{
	struct timespec rt;
	struct tm tm;

	if (!opts->timestamps)
		return;
	rt = *ts;
	localtime_r(&rt.tv_sec, &tm);
	sb_printf(sb, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (opts->timestamps > 1)
		sb_printf(sb, ".%06ld", rt.tv_nsec / 1000);
	sb_putc(sb, ' ');
}

/*
 * strace's prefixes: into a file (-o) with -f, or with several tracees, every line starts with
 * the pid; on stderr, "[pid N] " while more than one thread is traced.
 */
static void leader(struct strbuf *sb, const struct tstate *ts, const struct timespec *when)
{
	if (opts->out != stderr && (opts->follow || live > 1))
		sb_printf(sb, "%-5d ", ts->tid);
	else if (live > 1 || ts->always_pid)
		sb_printf(sb, "[pid %5d] ", ts->tid);
	stamp(sb, when);
}

static void emit(const struct strbuf *sb)
{
	fputs(sb_str(sb), opts->out);
	fputc('\n', opts->out);
}

/* Print the waiting entry half of another thread before a line of ours. */
static void flush_partial(const struct tstate *self)
{
	struct strbuf sb = {0};

	if (!partial || partial == self)
		return;
	sb_append(&sb, sb_str(&partial->line), partial->line.len);
	fmt_syscall_unfinished(&sb);
	emit(&sb);
	sb_release(&sb);
	partial->unfinished = true;
	partial = NULL;
}

static void print_line(struct tstate *ts, const char *text)
{
	struct strbuf sb = {0};
	struct timespec now;

	if (!printing_lines())
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	flush_partial(ts);
	leader(&sb, ts, &now);
	sb_printf(&sb, "%s", text);
	emit(&sb);
	sb_release(&sb);
}

void trace_print_tid_line(pid_t tid, const char *text)
{
	struct tstate ts = {.tid = tid, .always_pid = true};

	print_line(&ts, text);
}

static struct fmt_ctx make_ctx(const struct tstate *ts, int column)
{
	struct fmt_ctx ctx = {
		.string_limit = opts->string_limit,
		.read = read_tracee,
		.read_ctx = (void *)(intptr_t)ts->tid,
		.column = column,
	};

	return ctx;
}

static bool traced_nr(long nr)
{
	return opts->trace_all || fmt_traceset_has(opts->trace, nr);
}

static uint32_t on_syscall_entry(uint32_t action, struct utrace_engine *engine,
				 struct user_regs_struct *regs)
{
	struct tstate *ts = engine->data;
	struct fmt_ctx ctx;

	ts->nr = (long)regs->orig_rax;
	ts->args[0] = regs->rdi;
	ts->args[1] = regs->rsi;
	ts->args[2] = regs->rdx;
	ts->args[3] = regs->r10;
	ts->args[4] = regs->r8;
	ts->args[5] = regs->r9;
	if (!traced_nr(ts->nr))
		return UTRACE_RESUME | (action & ~UTRACE_RESUME_MASK);
	ts->in_syscall = true;
	ts->unfinished = false;
	clock_gettime(CLOCK_MONOTONIC, &ts->start);
	clock_gettime(CLOCK_REALTIME, &ts->stamp);
	if (printing_lines()) {
		flush_partial(ts);
		sb_reset(&ts->line);
		leader(&ts->line, ts, &ts->stamp);
		ctx = make_ctx(ts, 0);
		ctx.sp = regs->rsp;
		fmt_syscall_entry(&ts->line, &ctx, ts->nr, ts->args);
		partial = ts;
	}
	return UTRACE_RESUME | (action & ~UTRACE_RESUME_MASK);
}

static uint64_t elapsed_ns(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - start->tv_sec) * 1000000000ULL +
	       (uint64_t)(now.tv_nsec - start->tv_nsec);
}

static uint32_t on_syscall_exit(uint32_t action, struct utrace_engine *engine,
				struct user_regs_struct *regs)
{
	struct tstate *ts = engine->data;
	int64_t ret = (int64_t)regs->rax;
	uint64_t ns;
	struct strbuf sb = {0};
	struct fmt_ctx ctx;

	if (!ts->in_syscall)
		return UTRACE_RESUME;
	ts->in_syscall = false;
	ns = elapsed_ns(&ts->start);
	fmt_summary_add(&summary, ts->nr, ns, ret < 0 && ret >= -4095);
	if (!printing_lines())
		return UTRACE_RESUME;
	if (ts->unfinished || partial != ts) {
		struct timespec now;

		flush_partial(ts);
		clock_gettime(CLOCK_REALTIME, &now);
		leader(&sb, ts, &now);
		fmt_syscall_resumed(&sb, ts->nr);
	} else {
		sb_append(&sb, sb_str(&ts->line), ts->line.len);
	}
	partial = NULL;
	ctx = make_ctx(ts, 0);
	fmt_syscall_exit(&sb, &ctx, ts->nr, ts->args, ret);
	if (opts->show_time)
		sb_printf(&sb, " <%lu.%06lu>", (unsigned long)(ns / 1000000000ULL),
			  (unsigned long)(ns % 1000000000ULL / 1000));
	emit(&sb);
	sb_release(&sb);
	return UTRACE_RESUME;
}

/* A call that never returns (exit_group, or the thread died inside it): "= ?". */
static void finish_noreturn(struct tstate *ts)
{
	struct strbuf sb = {0};
	struct fmt_ctx ctx = make_ctx(ts, 0);

	if (!ts->in_syscall)
		return;
	ts->in_syscall = false;
	if (!printing_lines())
		return;
	if (partial == ts && !ts->unfinished) {
		sb_append(&sb, sb_str(&ts->line), ts->line.len);
	} else {
		struct timespec now;

		flush_partial(ts);
		clock_gettime(CLOCK_REALTIME, &now);
		leader(&sb, ts, &now);
		fmt_syscall_resumed(&sb, ts->nr);
	}
	if (partial == ts)
		partial = NULL;
	fmt_syscall_noreturn(&sb, &ctx);
	emit(&sb);
	sb_release(&sb);
}

static uint32_t on_signal(uint32_t action, struct utrace_engine *engine,
			  struct user_regs_struct *regs, siginfo_t *info,
			  const struct utrace_sigaction *orig_ka,
			  struct utrace_sigaction *return_ka)
{
	struct tstate *ts = engine->data;
	enum utrace_signal_action sa = utrace_signal_action(action);
	struct strbuf sb = {0};

	if (sa == UTRACE_SIGNAL_REPORT || sa == UTRACE_SIGNAL_HANDLER || !orig_ka)
		return (action & ~UTRACE_RESUME_MASK) | UTRACE_RESUME;
	/* An engine before us consumed it (a uprobes trap): not the program's signal. */
	if (sa == UTRACE_SIGNAL_IGN && orig_ka->disposition != UTRACE_SIGNAL_IGN)
		return (action & ~UTRACE_RESUME_MASK) | UTRACE_RESUME;
	if (info->si_signo > 0 && info->si_signo <= 64 &&
	    (opts->signals & (1ULL << (info->si_signo - 1)))) {
		fmt_signal_line(&sb, info);
		print_line(ts, sb_str(&sb));
		sb_release(&sb);
	}
	return (action & ~UTRACE_RESUME_MASK) | UTRACE_RESUME;
}

static uint32_t on_clone(uint32_t action, struct utrace_engine *engine, unsigned long flags,
			 pid_t child)
{
	if (!opts->follow)
		return UTRACE_RESUME;
	/* As strace: said only when the trace itself goes to stderr. */
	if (trace_attach(child, opts) == 0 && !opts->quiet && opts->out == stderr) {
		flush_partial(NULL);
		fprintf(stderr, "utrace: Process %d attached\n", child);
	}
	return UTRACE_RESUME;
}

static uint32_t on_exec(uint32_t action, struct utrace_engine *engine, const char *filename,
			struct user_regs_struct *regs)
{
	struct tstate *ts = engine->data;

	/* A non-leader thread that exec'd now has the leader's tid. */
	ts->tid = utrace_engine_tid(engine);
	return UTRACE_RESUME;
}

static uint32_t on_death(struct utrace_engine *engine, bool group_dead, int signal)
{
	struct tstate *ts = engine->data;
	int status = utrace_engine_exit_status(engine);
	struct strbuf sb = {0};

	finish_noreturn(ts);
	if (utrace_engine_superseder(engine) > 0) {
		pid_t by = utrace_engine_superseder(engine);

		if (partial && partial->tid == by && printing_lines()) {
			sb_printf(&sb, "%s <pid changed to %d ...>", sb_str(&partial->line),
				  ts->tid);
			emit(&sb);
			sb_reset(&sb);
			partial->unfinished = true;
			partial = NULL;
		}
		live--; /* the line is the last of a thread already gone */
		sb_printf(&sb, "+++ superseded by execve in pid %d +++", by);
		print_line(ts, sb_str(&sb));
		sb_release(&sb);
		live++;
	} else if (status >= 0 && (WIFEXITED(status) || WIFSIGNALED(status))) {
		int exec_err = utrace_exec_error(ts->tid);

		if (exec_err < 0)
			fprintf(stderr, "utrace: exec: %s\n", strerror(-exec_err));
		fmt_exit_line(&sb, status);
		print_line(ts, sb_str(&sb));
		sb_release(&sb);
	}
	return UTRACE_RESUME;
}

static void on_reap(struct utrace_engine *engine)
{
	struct tstate *ts = engine->data;

	if (partial == ts)
		partial = NULL;
	live--;
}

static void release_tstate(void *data)
{
	struct tstate *ts = data;

	if (partial == ts)
		partial = NULL;
	sb_release(&ts->line);
	free(ts);
}

static const struct utrace_engine_ops trace_ops = {
	.report_syscall_entry = on_syscall_entry,
	.report_syscall_exit = on_syscall_exit,
	.report_signal = on_signal,
	.report_clone = on_clone,
	.report_exec = on_exec,
	.report_death = on_death,
	.report_reap = on_reap,
	.release = release_tstate,
};

static bool traces_syscalls(const struct trace_opts *o)
{
	int w;

	for (w = 0; w < FMT_NR_SYSCALLS / 64; w++)
		if (o->trace[w])
			return true;
	return o->trace_all;
}

int trace_attach(pid_t tid, const struct trace_opts *o)
{
	unsigned long events = UTRACE_EVENT_SIGNAL_ALL | UTRACE_EVENT(CLONE) | UTRACE_EVENT(EXEC) |
			       UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP);
	struct utrace_engine *engine;
	struct tstate *ts;
	int r;

	if (!opts) {
		opts = o;
		fmt_summary_init(&summary);
	}
	ts = calloc(1, sizeof(*ts));
	if (!ts)
		return -ENOMEM;
	ts->tid = tid;
	ts->nr = -1;
	engine = utrace_attach(
		tid, UTRACE_ATTACH_CREATE | UTRACE_ATTACH_EXCLUSIVE | UTRACE_ATTACH_MATCH_OPS,
		&trace_ops, ts);
	if (!engine) {
		r = -errno;
		free(ts);
		return r;
	}
	if (traces_syscalls(o))
		events |= UTRACE_EVENT_SYSCALL;
	r = utrace_set_syscalls(tid, engine, o->trace_all ? NULL : o->trace);
	if (r == 0)
		r = utrace_set_syscall_regs_only(tid, engine, true);
	if (r == 0)
		r = utrace_set_events(tid, engine, events);
	live++;
	utrace_engine_put(engine);
	return r == -EINPROGRESS ? 0 : r;
}

int trace_start(pid_t pid)
{
	struct utrace_engine *engine =
		utrace_attach(pid, UTRACE_ATTACH_MATCH_OPS, &trace_ops, NULL);
	int r;

	if (!engine)
		return -errno;
	r = utrace_control(pid, engine, UTRACE_RESUME);
	utrace_engine_put(engine);
	return r;
}

int trace_live_threads(void)
{
	return live;
}

void trace_finish(void)
{
	if (partial)
		flush_partial(NULL);
	if (opts && (opts->count || opts->count_too)) {
		if (traces_syscalls(opts))
			fmt_summary_print(&summary, opts->out);
		probes_summary(opts->out);
	}
	if (opts)
		fflush(opts->out);
}
