/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attaching to running processes and letting them go: every thread is found (including threads
 * created while we attach), detaching leaves the process running and untraced so that another
 * tracer can attach, a stopped process stays stopped, and a signal pending at detach is
 * delivered afterwards.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

struct seen {
	int entries, clones, deaths, attached;
	pid_t tids[128];
	int ntids;
	bool hold;
};

static const struct utrace_engine_ops seen_ops;

static void note_tid(struct seen *s, pid_t tid)
{
	int i;

	for (i = 0; i < s->ntids; i++)
		if (s->tids[i] == tid)
			return;
	if (s->ntids < 128)
		s->tids[s->ntids++] = tid;
}

static uint32_t s_entry(uint32_t action, struct utrace_engine *engine,
			struct user_regs_struct *regs)
{
	struct seen *s = engine->data;

	s->entries++;
	note_tid(s, utrace_engine_tid(engine));
	return s->hold ? UTRACE_STOP : UTRACE_RESUME;
}

static struct utrace_engine *attach_seen(pid_t tid, struct seen *s, unsigned long events)
{
	struct utrace_engine *e = utrace_attach(tid, UTRACE_ATTACH_CREATE, &seen_ops, s);

	if (e) {
		s->attached++;
		setup_ok(utrace_set_events(tid, e, events));
	}
	return e;
}

static uint32_t s_clone(uint32_t action, struct utrace_engine *engine, unsigned long flags,
			pid_t child)
{
	struct seen *s = engine->data;
	struct utrace_engine *e = attach_seen(child, s, engine->flags);

	s->clones++;
	utrace_engine_put(e);
	return UTRACE_RESUME;
}

static uint32_t s_death(struct utrace_engine *engine, bool group_dead, int signal)
{
	((struct seen *)engine->data)->deaths++;
	return UTRACE_RESUME;
}

static const struct utrace_engine_ops seen_ops = {
	.report_syscall_entry = s_entry,
	.report_clone = s_clone,
	.report_death = s_death,
};

/*
 * Seize @pid and attach an engine to each of its threads; returns how many threads were
 * seized.  A failure to seize or to attach is a failed check.
 */
static int attach_all(pid_t pid, struct seen *s, unsigned long events)
{
	struct utrace_engine *e;
	pid_t *tids = NULL;
	int n = 0, i;

	if (!setup_ok(utrace_seize_process(pid, &tids, &n)))
		return 0;
	for (i = 0; i < n; i++) {
		e = attach_seen(tids[i], s, events);
		if (!e)
			tap_ok(0, "set-up: attach to thread %d of %d: %s", tids[i], pid,
			       strerror(errno));
		utrace_engine_put(e);
	}
	free(tids);
	return n;
}

static void detach_all_engines(pid_t pid)
{
	struct utrace_engine *e;
	pid_t *tids = NULL;
	int n = 0, i;

	utrace_seize_process(pid, &tids, &n);
	for (i = 0; i < n; i++) {
		while ((e = utrace_attach(tids[i], UTRACE_ATTACH_MATCH_OPS, &seen_ops, NULL))) {
			utrace_control(tids[i], e, UTRACE_DETACH);
			utrace_engine_put(e);
		}
	}
	free(tids);
}

/* Another tracer can attach: PTRACE_SEIZE from a separate process succeeds. */
static bool other_tracer_can_attach(pid_t pid)
{
	int status;
	pid_t helper = fork();

	if (helper == 0) {
		if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
			_exit(1);
		ptrace(PTRACE_DETACH, pid, 0, 0);
		_exit(0);
	}
	return waitpid(helper, &status, 0) == helper && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static bool all_nine_seen(void *arg)
{
	return ((struct seen *)arg)->ntids >= 9 && ((struct seen *)arg)->entries > 9;
}

static void test_attach_detach_running(void)
{
	struct seen s = {0};
	pid_t pid = start_untraced("spin", "8", true);
	int n, first_entries;
	char state;

	n = attach_all(pid, &s, UTRACE_EVENT(SYSCALL_ENTRY) | UTRACE_EVENT(CLONE));
	tap_is(n, 9, "attach: all 9 threads of a running process seized");
	run_until(all_nine_seen, &s, 10000);
	tap_is(s.ntids, 9, "attach: syscalls seen from every thread");
	first_entries = s.entries;
	tap_ok(first_entries > 9, "attach: %d syscall reports", first_entries);
	detach_all_engines(pid);
	run_until_untraced(pid, 10000);
	tap_ok(untraced(pid), "detach: every thread shows TracerPid 0");
	state = proc_state(pid);
	tap_ok(state == 'S' || state == 'R', "detach: process runs on (%c)", state);
	tap_ok(other_tracer_can_attach(pid), "detach: another tracer can attach afterwards");
	kill_and_reap(pid);
}

static void test_threads_while_attaching(void)
{
	char *argv[] = {(char *)prog("threads"), "64", "3", NULL};
	struct seen s = {0};
	int status = -1, i;
	pid_t pid = fork();

	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	for (i = 0; i < 10000 && proc_threads(pid) < 2; i++)
		usleep(1000);
	attach_all(pid, &s, UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH));
	tap_ok(s.attached > 1 && s.attached < 65,
	       "attach while creating: %d threads found by the scan", s.attached);
	status = run_to_exit(pid, 20000);
	tap_exited(status, 0, "attach while creating: exit 0");
	tap_is(s.attached, 65, "attach while creating: every one of 64 threads + leader traced");
	tap_is(s.deaths, 65, "attach while creating: 65 deaths reported");
}

static void test_stopped_stays_stopped(void)
{
	char state;
	struct seen s = {0};
	pid_t pid = start_untraced("spin", NULL, true);
	int i;

	kill(pid, SIGSTOP);
	for (i = 0; i < 1000 && proc_state(pid) != 'T'; i++)
		usleep(10000);
	attach_all(pid, &s, UTRACE_EVENT(SYSCALL_ENTRY));
	run_for(200);
	tap_is(s.entries, 0, "stopped: no syscalls while group-stopped");
	detach_all_engines(pid);
	run_until_untraced(pid, 10000);
	/* The kernel re-arms the group-stop as the thread leaves its ptrace-stop. */
	run_until_state(pid, 'T', 2000);
	tap_ok(proc_state(pid) == 'T', "stopped: still stopped after detach (%c)", proc_state(pid));
	tap_is(proc_tracer(pid), 0, "stopped: untraced after detach");
	kill(pid, SIGCONT);
	/* One read of the state per look: it moves between R and S while the program runs. */
	for (i = 0, state = proc_state(pid); i < 1000 && state != 'S' && state != 'R'; i++) {
		usleep(10000);
		state = proc_state(pid);
	}
	tap_ok(state == 'S' || state == 'R', "stopped: SIGCONT resumes it (%c)", state);
	kill_and_reap(pid);
}

static bool has_entry(void *arg)
{
	return ((struct seen *)arg)->entries > 0;
}

static void test_detach_keeps_pending_signal(void)
{
	struct seen s = {.hold = true};
	pid_t pid = start_untraced("spin", NULL, true);
	int status = 0;

	attach_all(pid, &s, UTRACE_EVENT(SYSCALL_ENTRY));
	run_until(has_entry, &s, 10000);
	tap_ok(proc_state(pid) == 't', "pending: thread held by the engine");
	kill(pid, SIGUSR1);
	run_for(50);
	utrace_detach_all();
	if (waitpid(pid, &status, 0) != pid)
		status = -1;
	tap_killed(status, SIGUSR1,
		   "pending: SIGUSR1 sent while held is delivered after detach_all");
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_attach_detach_running();
	test_threads_while_attaching();
	test_stopped_stays_stopped();
	test_detach_keeps_pending_signal();
	return tap_done();
}
