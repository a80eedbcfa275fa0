/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every event on real programs: clone with the child attached and held from inside
 * report_clone, vfork + exec, exec from a non-leader thread, threads, each class of signal,
 * job control (SIGSTOP/SIGCONT) while traced, and a tracee SIGKILLed while an engine holds it.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

struct watch {
	int clones, execs, deaths, reaps, entries, jctl_stopped, jctl_continued;
	unsigned long clone_flags;
	pid_t child;
	bool follow;		     /* attach to clone children */
	bool hold_child;	     /* ...and STOP them from report_clone */
	unsigned long signal_events; /* UTRACE_EVENT bits of the signals seen */
	int last_signo;
	pid_t exec_tid, parent;
	int threads_attached;
	struct utrace_engine *child_engine;
};

static const struct utrace_engine_ops watch_ops;

static uint32_t w_clone(uint32_t action, struct utrace_engine *engine, unsigned long flags,
			pid_t child)
{
	struct watch *w = engine->data;
	struct utrace_engine *ce;

	w->clones++;
	w->clone_flags = flags;
	w->child = child;
	if (!w->follow)
		return UTRACE_RESUME;
	ce = utrace_attach(child, UTRACE_ATTACH_CREATE, &watch_ops, w);
	if (!ce)
		return UTRACE_RESUME;
	w->threads_attached++;
	utrace_set_events(child, ce, engine->flags);
	if (w->hold_child) {
		utrace_control(child, ce, UTRACE_STOP);
		w->child_engine = ce;
	} else {
		utrace_engine_put(ce);
	}
	return UTRACE_RESUME;
}

static uint32_t w_exec(uint32_t action, struct utrace_engine *engine, const char *filename,
		       struct user_regs_struct *regs)
{
	struct watch *w = engine->data;

	w->execs++;
	w->exec_tid = utrace_engine_tid(engine);
	return UTRACE_RESUME;
}

static uint32_t w_entry(uint32_t action, struct utrace_engine *engine,
			struct user_regs_struct *regs)
{
	((struct watch *)engine->data)->entries++;
	return UTRACE_RESUME;
}

static uint32_t w_death(struct utrace_engine *engine, bool group_dead, int signal)
{
	((struct watch *)engine->data)->deaths++;
	return UTRACE_RESUME;
}

static void w_reap(struct utrace_engine *engine)
{
	((struct watch *)engine->data)->reaps++;
}

static uint32_t w_signal(uint32_t action, struct utrace_engine *engine,
			 struct user_regs_struct *regs, siginfo_t *info,
			 const struct utrace_sigaction *orig_ka, struct utrace_sigaction *return_ka)
{
	struct watch *w = engine->data;

	if (orig_ka) {
		switch (orig_ka->disposition) {
		case UTRACE_SIGNAL_DELIVER:
			w->signal_events |= UTRACE_EVENT(SIGNAL);
			break;
		case UTRACE_SIGNAL_IGN:
			w->signal_events |= UTRACE_EVENT(SIGNAL_IGN);
			break;
		case UTRACE_SIGNAL_CORE:
			w->signal_events |= UTRACE_EVENT(SIGNAL_CORE);
			break;
		case UTRACE_SIGNAL_TERM:
			w->signal_events |= UTRACE_EVENT(SIGNAL_TERM);
			break;
		default:
			w->signal_events |= UTRACE_EVENT(SIGNAL_STOP);
			break;
		}
		w->last_signo = info->si_signo;
	}
	return (action & ~UTRACE_RESUME_MASK) | UTRACE_RESUME;
}

static uint32_t w_jctl(uint32_t action, struct utrace_engine *engine, int type, int notify)
{
	struct watch *w = engine->data;

	if (type == CLD_STOPPED)
		w->jctl_stopped++;
	else
		w->jctl_continued++;
	return UTRACE_RESUME;
}

static const struct utrace_engine_ops watch_ops = {
	.report_clone = w_clone,
	.report_exec = w_exec,
	.report_syscall_entry = w_entry,
	.report_death = w_death,
	.report_reap = w_reap,
	.report_signal = w_signal,
	.report_jctl = w_jctl,
};

static struct utrace_engine *watch(pid_t pid, struct watch *w, unsigned long events)
{
	struct utrace_engine *e = attach_or_bail(pid, &watch_ops, w);

	setup_ok(utrace_set_events(pid, e, events));
	return e;
}

/* The fork child held, and the parent asleep in its wait4. */
static bool child_held(void *arg)
{
	struct watch *w = arg;

	return w->child > 0 && proc_state(w->child) == 't' && proc_state(w->parent) == 'S';
}

static void test_clone_hold(void)
{
	struct watch w = {.follow = true, .hold_child = true};
	pid_t pid = w.parent = spawn("forker", "fork", NULL);
	struct utrace_engine *e;
	int status, entries_before;

	e = watch(pid, &w,
		  UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP) |
			  UTRACE_EVENT(SYSCALL_ENTRY));
	utrace_control(pid, e, UTRACE_RESUME);
	run_until(child_held, &w, 10000);
	tap_is(w.clones, 1, "clone: one report_clone for fork()");
	tap_is(w.clone_flags & 0xff, SIGCHLD, "clone: fork's flags carry SIGCHLD");
	tap_ok(w.child > 0 && proc_state(w.child) == 't',
	       "clone: child held stopped from report_clone (state %c)", proc_state(w.child));
	entries_before = w.entries;
	run_for(100);
	tap_is(w.deaths, 0, "clone: nothing died while the child is held");
	tap_is(w.entries, entries_before, "clone: held child ran no syscall");
	tap_is(utrace_control(w.child, w.child_engine, UTRACE_RESUME), 0, "clone: release child");
	status = run_to_exit(pid, 10000);
	tap_exited(status, 4, "clone: parent exits with the child's code 4");
	tap_is(w.deaths, 2, "clone: death of child and parent");
	tap_is(w.reaps, 2, "clone: reap of child and parent");
	utrace_engine_put(w.child_engine);
	utrace_engine_put(e);
}

static void test_vfork_exec(void)
{
	struct watch w = {.follow = true};
	pid_t pid = spawn("forker", "vfork", "/bin/true");
	struct utrace_engine *e;
	int status;

	e = watch(pid, &w, UTRACE_EVENT(CLONE) | UTRACE_EVENT(EXEC) | UTRACE_EVENT(DEATH));
	utrace_control(pid, e, UTRACE_RESUME);
	status = run_to_exit(pid, 10000);
	tap_exited(status, 0, "vfork: parent got /bin/true's status");
	tap_is(w.clones, 1, "vfork: one clone report");
	tap_ok(w.clone_flags & CLONE_VFORK, "vfork: CLONE_VFORK in the flags");
	tap_is(w.execs, 2, "vfork: exec of forker and of /bin/true");
	tap_is(w.deaths, 2, "vfork: two deaths");
	utrace_engine_put(e);
}

static void test_nonleader_exec(void)
{
	struct watch w = {.follow = true};
	pid_t pid = spawn("exec_thread", NULL, NULL);
	struct utrace_engine *e;
	int status;

	e = watch(pid, &w, UTRACE_EVENT(CLONE) | UTRACE_EVENT(EXEC) | UTRACE_EVENT(DEATH));
	utrace_control(pid, e, UTRACE_RESUME);
	status = run_to_exit(pid, 10000);
	tap_exited(status, 5, "non-leader exec: new image exited 5");
	tap_is(w.execs, 2, "non-leader exec: two execs reported");
	tap_is(w.exec_tid, pid, "non-leader exec: the exec'ing thread now has the leader's tid");
	tap_is(w.deaths, 2, "non-leader exec: old leader and final process died");
	utrace_engine_put(e);
}

static void test_threads(void)
{
	struct watch w = {.follow = true};
	pid_t pid = spawn("threads", "16", "0");
	struct utrace_engine *e;
	int status;

	e = watch(pid, &w, UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH));
	utrace_control(pid, e, UTRACE_RESUME);
	status = run_to_exit(pid, 20000);
	tap_exited(status, 0, "threads: program finished");
	tap_is(w.clones, 16, "threads: 16 clone reports");
	tap_ok(w.clone_flags & CLONE_THREAD, "threads: CLONE_THREAD in the flags");
	tap_is(w.deaths, 17, "threads: 16 thread deaths and the leader's");
	utrace_engine_put(e);
}

static void test_signal_classes(void)
{
	static const struct {
		const char *mode;
		unsigned long event;
		int signo, exit_sig, exit_code;
	} cases[] = {
		{"replace", UTRACE_EVENT(SIGNAL), SIGUSR1, 0, 1},
		{"ignore", UTRACE_EVENT(SIGNAL_IGN), SIGUSR1, 0, 0},
		{"term", UTRACE_EVENT(SIGNAL_TERM), SIGTERM, SIGTERM, 0},
		{"core", UTRACE_EVENT(SIGNAL_CORE), SIGABRT, SIGABRT, 0},
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct watch w = {0};
		pid_t pid = spawn("sigprog", cases[i].mode, NULL);
		struct utrace_engine *e = watch(pid, &w, UTRACE_EVENT_SIGNAL_ALL);
		int status;

		utrace_control(pid, e, UTRACE_RESUME);
		status = run_to_exit(pid, 10000);
		tap_ok(w.signal_events == cases[i].event && w.last_signo == cases[i].signo,
		       "signals: %s classified (events %#lx, signo %d)", cases[i].mode,
		       w.signal_events, w.last_signo);
		if (cases[i].exit_sig)
			tap_killed(status, cases[i].exit_sig,
				   "signals: %s killed the program by signal %d", cases[i].mode,
				   cases[i].exit_sig);
		else
			tap_exited(status, cases[i].exit_code, "signals: %s program exit code %d",
				   cases[i].mode, cases[i].exit_code);
		utrace_engine_put(e);
	}
}

static bool is_stopped(void *arg)
{
	struct watch *w = arg;

	return w->jctl_stopped > 0;
}

static bool is_continued(void *arg)
{
	struct watch *w = arg;

	return w->jctl_continued > 0;
}

static void test_job_control(void)
{
	struct watch w = {0};
	pid_t pid = spawn("sigprog", "sleep", NULL);
	struct utrace_engine *e = watch(pid, &w, UTRACE_EVENT(JCTL) | UTRACE_EVENT_SIGNAL_ALL);
	int status;

	utrace_control(pid, e, UTRACE_RESUME);
	run_for(50);
	kill(pid, SIGSTOP);
	run_until(is_stopped, &w, 10000);
	tap_is(w.jctl_stopped, 1, "jctl: report_jctl(CLD_STOPPED) after SIGSTOP");
	run_for(100);
	tap_ok(proc_state(pid) == 't' || proc_state(pid) == 'T',
	       "jctl: process stays stopped while traced (state %c)", proc_state(pid));
	kill(pid, SIGCONT);
	run_until(is_continued, &w, 10000);
	tap_is(w.jctl_continued, 1, "jctl: report_jctl(CLD_CONTINUED) after SIGCONT");
	status = run_to_exit(pid, 20000);
	tap_exited(status, 0, "jctl: program ran to its end after SIGCONT");
	utrace_engine_put(e);
}

static bool has_entry(void *arg)
{
	return ((struct watch *)arg)->entries > 0;
}

static uint32_t stop_entry(uint32_t action, struct utrace_engine *engine,
			   struct user_regs_struct *regs)
{
	((struct watch *)engine->data)->entries++;
	return UTRACE_STOP;
}

static void test_sigkill_while_held(void)
{
	static const struct utrace_engine_ops stop_ops = {
		.report_syscall_entry = stop_entry,
		.report_death = w_death,
		.report_reap = w_reap,
	};
	struct watch w = {0};
	pid_t pid = spawn("sysloop", "10", "0");
	struct utrace_engine *e = attach_or_bail(pid, &stop_ops, &w);
	int status;

	setup_ok(utrace_set_events(pid, e, UTRACE_EVENT(SYSCALL_ENTRY) | UTRACE_EVENT(DEATH)));
	utrace_control(pid, e, UTRACE_RESUME);
	run_until(has_entry, &w, 10000);
	tap_is(w.entries, 1, "sigkill: thread held at its first syscall");
	kill(pid, SIGKILL);
	status = run_to_exit(pid, 5000);
	tap_killed(status, SIGKILL, "sigkill: breaks the stop");
	tap_is(w.deaths, 1, "sigkill: death reported");
	tap_is(w.reaps, 1, "sigkill: reap reported after death");
	tap_is(utrace_control(pid, e, UTRACE_RESUME), -ESRCH, "sigkill: control is -ESRCH");
	utrace_engine_put(e);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_clone_hold();
	test_vfork_exec();
	test_nonleader_exec();
	test_threads();
	test_signal_classes();
	test_job_control();
	test_sigkill_while_held();
	return tap_done();
}
