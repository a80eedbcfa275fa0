/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Race-prone areas, repeated: thread storms followed from report_clone, fork and vfork+exec
 * chains, a signal flood while syscalls are traced, and detach at random moments from a
 * running multithreaded process.  Each round asserts exact counts or the exact state left
 * behind; a round that loses an event, leaves a thread traced or kills a tracee fails.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "sym/sym.h"
#include "utrace/uprobe.h"

struct tally {
	int clones, deaths, signals, entries;
};

static const struct utrace_engine_ops tally_ops;

static uint32_t t_clone(uint32_t action, struct utrace_engine *engine, unsigned long flags,
			pid_t child)
{
	struct tally *t = engine->data;
	struct utrace_engine *e = utrace_attach(child, UTRACE_ATTACH_CREATE, &tally_ops, t);

	t->clones++;
	if (e) {
		utrace_set_events(child, e, engine->flags);
		utrace_engine_put(e);
	}
	return UTRACE_RESUME;
}

static uint32_t t_death(struct utrace_engine *engine, bool group_dead, int signal)
{
	((struct tally *)engine->data)->deaths++;
	return UTRACE_RESUME;
}

static uint32_t t_signal(uint32_t action, struct utrace_engine *engine,
			 struct user_regs_struct *regs, siginfo_t *info,
			 const struct utrace_sigaction *orig_ka, struct utrace_sigaction *return_ka)
{
	struct tally *t = engine->data;

	if (orig_ka && info->si_signo == SIGUSR1)
		t->signals++;
	return (action & ~UTRACE_RESUME_MASK) | UTRACE_RESUME;
}

static uint32_t t_entry(uint32_t action, struct utrace_engine *engine,
			struct user_regs_struct *regs)
{
	((struct tally *)engine->data)->entries++;
	return UTRACE_RESUME;
}

static const struct utrace_engine_ops tally_ops = {
	.report_clone = t_clone,
	.report_death = t_death,
	.report_signal = t_signal,
	.report_syscall_entry = t_entry,
};

static int run_traced(struct tally *t, unsigned long events, const char *name, const char *a1,
		      const char *a2)
{
	pid_t pid = spawn(name, a1, a2);
	struct utrace_engine *e = attach_or_bail(pid, &tally_ops, t);

	setup_ok(utrace_set_events(pid, e, events));
	utrace_control(pid, e, UTRACE_RESUME);
	utrace_engine_put(e);
	return run_to_exit(pid, 30000);
}

static void round_threads(int round)
{
	struct tally t = {0};
	int status =
		run_traced(&t, UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH), "threads", "24", "0");

	tap_exited(status, 0, "round %d threads: exit 0", round);
	tap_ok(t.clones == 24 && t.deaths == 25, "round %d threads: %d clones, %d deaths", round,
	       t.clones, t.deaths);
}

static void round_forks(int round)
{
	struct tally t = {0};
	int s1 = run_traced(&t, UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH), "forker", "vfork",
			    "/bin/true");
	int s2 = run_traced(&t, UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH), "forker", "fork", NULL);

	tap_exited(s1, 0, "round %d forks: vfork + exec of /bin/true exits 0", round);
	tap_exited(s2, 4, "round %d forks: fork exits with the child's 4", round);
	tap_ok(t.clones == 2 && t.deaths == 4, "round %d forks: %d clones, %d deaths", round,
	       t.clones, t.deaths);
}

static void round_signals(int round)
{
	struct tally t = {0};
	int status = run_traced(&t, UTRACE_EVENT_SIGNAL_ALL | UTRACE_EVENT(SYSCALL_ENTRY),
				"sigflood", "300", NULL);

	tap_exited(
		status, t.signals % 256,
		"round %d signal flood: the handler ran as often as the tracer saw (%d, mod 256)",
		round, t.signals);
	tap_ok(t.signals > 0, "round %d signal flood: the tracer saw %d signals", round, t.signals);
}

static void round_detach(int round)
{
	struct tally t = {0};
	pid_t pid = start_untraced("spin", "4", true), *tids = NULL;
	int n = 0, i;
	struct utrace_engine *e;
	char state;

	setup_ok(utrace_seize_process(pid, &tids, &n));
	for (i = 0; i < n; i++) {
		e = attach_or_bail(tids[i], &tally_ops, &t);
		setup_ok(utrace_set_events(tids[i], e, UTRACE_EVENT(SYSCALL_ENTRY)));
		utrace_engine_put(e);
	}
	run_for(rand() % 50);
	for (i = 0; i < n; i++) {
		e = utrace_attach(tids[i], UTRACE_ATTACH_MATCH_OPS, &tally_ops, NULL);
		if (e) {
			utrace_control(tids[i], e, UTRACE_DETACH);
			utrace_engine_put(e);
		}
	}
	/* A running thread is detached at its next stop, which a loaded machine can delay. */
	run_until_untraced(pid, 10000);
	state = proc_state(pid);
	tap_ok(n == 5 && untraced(pid) && (state == 'S' || state == 'R'),
	       "round %d detach: %d threads untraced and running (%c)", round, n, state);
	kill_and_reap(pid);
	free(tids);
}

/*
 * Hits of the storm, and per thread the hits and the highest call number seen: f_push's
 * argument (rdi) counts the thread's calls, so a thread with more hits than calls made had
 * one counted twice.
 */
static long uprobe_hits;
static struct {
	pid_t tid;
	long hits, calls;
} storm_threads[16];

static int count_hit(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	int i;

	uprobe_hits++;
	for (i = 0; i < 16 && storm_threads[i].tid && storm_threads[i].tid != hit->tid; i++)
		;
	if (i == 16)
		return 0;
	storm_threads[i].tid = hit->tid;
	storm_threads[i].hits++;
	if ((long)hit->regs->rdi + 1 > storm_threads[i].calls)
		storm_threads[i].calls = (long)hit->regs->rdi + 1;
	return 0;
}

static bool storm_reaches(void *arg)
{
	return uprobe_hits >= *(long *)arg;
}

/*
 * 8 threads call f_push until told to stop while its probe is registered and unregistered in
 * a loop: 150 cycles, each keeping the probe until it has fired 1000 more times.  The threads
 * run on until the SIGUSR1, so how often they hit does not depend on how much of the CPU the
 * tracer gets, which a fixed amount of work did: on a loaded machine they finished it while
 * the probe was out.
 */
static void uprobe_register_storm(void)
{
	static const struct utrace_engine_ops plain = {0};
	struct uprobe_consumer uc = {.handler = count_hit};
	const char *path = prog("probed");
	uint64_t off = func_offset(path, "f_push");
	pid_t pid = spawn("probed", "storm", NULL);
	struct utrace_engine *e = attach_or_bail(pid, &plain, NULL);
	int status = -1, cycles, failed = 0, short_cycles = 0, threads = 0, twice = 0, i;
	long want;

	if (!setup_ok(uprobe_watch(pid, false)))
		kill(pid, SIGKILL);
	utrace_control(pid, e, UTRACE_RESUME);
	utrace_engine_put(e);
	for (cycles = 0; cycles < 150 && utrace_child_status(pid, &status) < 0; cycles++) {
		failed += uprobe_register(path, off, &uc) < 0;
		want = uprobe_hits + 1000;
		short_cycles += !run_until(storm_reaches, &want, 10000);
		failed += uprobe_unregister(path, off, &uc) < 0;
	}
	kill(pid, SIGUSR1);
	status = run_to_exit(pid, 30000);
	for (i = 0; i < 16 && storm_threads[i].tid; i++) {
		threads++;
		twice += storm_threads[i].hits > storm_threads[i].calls;
	}
	tap_is(failed, 0, "uprobe storm: every register and unregister succeeded");
	tap_exited(status, 0, "uprobe storm: program correct after %d register cycles", cycles);
	tap_is(short_cycles, 0, "uprobe storm: every cycle saw its 1000 hits");
	tap_ok(uprobe_hits > 100000 && threads == 8 && twice == 0,
	       "uprobe storm: %ld hits from %d threads, none counted twice", uprobe_hits, threads);
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 10, i;

	harness_init(argc, argv);
	alarm(280);
	srand((unsigned)getpid());
	for (i = 0; i < rounds; i++) {
		round_threads(i);
		round_forks(i);
		round_signals(i);
		round_detach(i);
	}
	uprobe_register_storm();
	return tap_done();
}
