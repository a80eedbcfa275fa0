/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * uprobe_survive() with the tracer alive: the agent's SIGTRAP handler is in the program, and
 * the program's own SIGTRAPs still reach its own disposition exactly as before, int3s and
 * raise() alike, beside a probe of ours that keeps firing; an int3 of its own at SIGTRAP's
 * default action still kills it with SIGTRAP.  A command carrying our seccomp filter cannot
 * outlive the tracer: uprobe_survive says so (-EPERM), and the handler works all the same.
 * (The tracer killed for real is tests/stress/survive.c.)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "os/os.h"
#include "utrace/uprobe.h"

static long hits;

static int on_hit(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	(void)uc;
	(void)hit;
	hits++;
	return 0;
}

static const struct utrace_engine_ops plain_ops;

/* Whether @pid catches SIGTRAP, that is, it has installed its handler (or we ours). */
static bool catches_trap(void *arg)
{
	struct proc_status st;

	return proc_status(*(pid_t *)arg, &st) == 0 && (st.sig_cgt & (1ull << (SIGTRAP - 1)));
}

/* Past its exec, and waiting (in sigwait: sleeping in rt_sigtimedwait). */
static bool waiting(void *arg)
{
	pid_t pid = *(pid_t *)arg;
	char path[64], name[64] = "";
	FILE *f;

	if (utrace_pre_exec(pid) || proc_state(pid) != 'S')
		return false;
	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	f = fopen(path, "r");
	if (f && !fgets(name, sizeof(name), f))
		name[0] = '\0';
	if (f)
		fclose(f);
	return strstr(name, "sigtimedwait") != NULL;
}

/* survivor @mode @arg watched, resumed until it waits for SIGUSR2 (with its handler in). */
static pid_t start(const char *mode, const char *arg, bool unfiltered)
{
	pid_t pid = spawn("survivor", mode, arg);
	struct utrace_engine *e = attach_or_bail(pid, &plain_ops, NULL);

	setup_ok(uprobe_watch(pid, false));
	if (unfiltered)
		setup_ok(utrace_spawn_unfiltered(pid));
	utrace_control(pid, e, UTRACE_RESUME);
	utrace_engine_put(e);
	if (!run_until(waiting, &pid, 10000))
		tap_bail("survivor %s did not start", mode);
	return pid;
}

static void test_own_handler(bool unfiltered)
{
	const char *path = prog("survivor");
	struct uprobe_consumer uc = {.handler = on_hit};
	uint64_t off = func_offset(path, "sv_push");
	const char *how = unfiltered ? "unfiltered" : "filtered";
	pid_t pid = start("trap", "20", unfiltered);
	bool mine;
	int r;

	hits = 0;
	mine = catches_trap(&pid);
	r = uprobe_survive(pid);
	if (unfiltered)
		tap_is(r, 0, "own handler (unfiltered): uprobe_survive");
	else
		tap_is(r, -EPERM,
		       "own handler (filtered): uprobe_survive says it cannot outlive us");
	tap_ok(mine && catches_trap(&pid), "own handler (%s): installed before ours, kept", how);
	setup_ok(uprobe_register(path, off, &uc));
	kill(pid, SIGUSR2);
	tap_exited(run_to_exit(pid, 20000), 0,
		   "own handler (%s): it saw its 20 int3s and 20 raise(SIGTRAP)s with ours in",
		   how);
	tap_is(hits, 20, "own handler: our probe beside them fired 20 times");
	uprobe_unregister(path, off, &uc);
}

static void test_default_action(void)
{
	pid_t pid = start("dfl", NULL, true);

	tap_is(uprobe_survive(pid), 0, "default action: uprobe_survive");
	tap_ok(catches_trap(&pid), "default action: the agent's handler is in");
	kill(pid, SIGUSR2);
	tap_killed(run_to_exit(pid, 20000), SIGTRAP,
		   "default action: its own int3 still kills it with SIGTRAP");
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_own_handler(true);
	test_own_handler(false);
	test_default_action();
	return tap_done();
}
