/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Several engines on the same threads (reference 6.A): each sees its own events, a STOP by one
 * holds the thread while the other resumes, detaching one leaves the other working, an engine
 * attached from a callback misses the event in progress, report_exit changes the exit code,
 * an aborted syscall does not run, and a signal rewritten by one engine is what the next sees.
 * Every case runs a real program from tests/progs and checks what the tracee did.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "harness.h"

struct counter {
	int entries, exits, execs, deaths, reaps, releases, signals;
	int getpids;
	long exit_code;
	int stop_at;   /* return STOP at this entry number */
	int detach_at; /* return DETACH at this entry number */
	int attach_at; /* attach `late` at this entry number */
	struct counter *late;
	long new_code;		      /* report_exit: replace the code */
	long abort_nr;		      /* report_syscall_entry: abort this syscall with 4242 */
	int replace_from, replace_to; /* report_signal */
	int seen_signo;
	uint32_t seen_action;
};

static const struct utrace_engine_ops counting_ops;

static uint32_t on_entry(uint32_t action, struct utrace_engine *engine,
			 struct user_regs_struct *regs)
{
	struct counter *c = engine->data;

	c->entries++;
	c->getpids += regs->orig_rax == SYS_getpid;
	if (c->abort_nr && (long)regs->orig_rax == c->abort_nr) {
		regs->rax = 4242;
		return UTRACE_SYSCALL_ABORT | UTRACE_RESUME;
	}
	if (c->attach_at && c->entries == c->attach_at) {
		struct utrace_engine *late = utrace_attach(
			utrace_engine_tid(engine), UTRACE_ATTACH_CREATE, &counting_ops, c->late);

		if (late) {
			utrace_set_events(utrace_engine_tid(engine), late,
					  UTRACE_EVENT(SYSCALL_ENTRY));
			utrace_engine_put(late);
		}
	}
	if (c->stop_at && c->entries == c->stop_at)
		return UTRACE_STOP | (action & ~UTRACE_RESUME_MASK);
	if (c->detach_at && c->entries == c->detach_at)
		return UTRACE_DETACH;
	return UTRACE_RESUME | (action & ~UTRACE_RESUME_MASK);
}

static uint32_t on_exit_call(uint32_t action, struct utrace_engine *engine,
			     struct user_regs_struct *regs)
{
	((struct counter *)engine->data)->exits++;
	return UTRACE_RESUME;
}

static uint32_t on_exec(uint32_t action, struct utrace_engine *engine, const char *filename,
			struct user_regs_struct *regs)
{
	((struct counter *)engine->data)->execs++;
	return UTRACE_RESUME;
}

static uint32_t on_exit_event(uint32_t action, struct utrace_engine *engine, long orig_code,
			      long *code)
{
	struct counter *c = engine->data;

	c->exit_code = orig_code;
	if (c->new_code)
		*code = c->new_code;
	return UTRACE_RESUME;
}

static uint32_t on_death(struct utrace_engine *engine, bool group_dead, int signal)
{
	((struct counter *)engine->data)->deaths++;
	return UTRACE_RESUME;
}

static void on_reap(struct utrace_engine *engine)
{
	((struct counter *)engine->data)->reaps++;
}

static uint32_t on_signal(uint32_t action, struct utrace_engine *engine,
			  struct user_regs_struct *regs, siginfo_t *info,
			  const struct utrace_sigaction *orig_ka,
			  struct utrace_sigaction *return_ka)
{
	struct counter *c = engine->data;

	if (!orig_ka)
		return (action & ~UTRACE_RESUME_MASK) | UTRACE_RESUME;
	c->signals++;
	c->seen_signo = info->si_signo;
	c->seen_action = action & UTRACE_SIGNAL_MASK;
	if (c->replace_from && info->si_signo == c->replace_from) {
		info->si_signo = c->replace_to;
		return UTRACE_SIGNAL_DELIVER | UTRACE_RESUME;
	}
	return (action & ~UTRACE_RESUME_MASK) | UTRACE_RESUME;
}

static void on_release(void *data)
{
	((struct counter *)data)->releases++;
}

static const struct utrace_engine_ops counting_ops = {
	.report_syscall_entry = on_entry,
	.report_syscall_exit = on_exit_call,
	.report_exec = on_exec,
	.report_exit = on_exit_event,
	.report_death = on_death,
	.report_reap = on_reap,
	.report_signal = on_signal,
	.release = on_release,
};

static uint64_t only[UTRACE_NR_SYSCALLS / 64];

static struct utrace_engine *attach(pid_t pid, struct counter *c, unsigned long events,
				    long syscall_nr)
{
	struct utrace_engine *e = attach_or_bail(pid, &counting_ops, c);

	if (syscall_nr >= 0) {
		memset(only, 0, sizeof(only));
		only[syscall_nr / 64] |= 1ULL << (syscall_nr % 64);
		setup_ok(utrace_set_syscalls(pid, e, only));
	}
	setup_ok(utrace_set_events(pid, e, events));
	return e;
}

static void test_masks(void)
{
	struct counter a = {0}, b = {0};
	pid_t pid = spawn("sysloop", "10", "3");
	struct utrace_engine *ea, *eb;
	int status;

	ea = attach(pid, &a, UTRACE_EVENT_SYSCALL, SYS_getpid);
	eb = attach(pid, &b, UTRACE_EVENT(EXEC) | UTRACE_EVENT(EXIT) | UTRACE_EVENT(DEATH), -1);
	utrace_control(pid, ea, UTRACE_RESUME);
	status = run_to_exit(pid, 10000);
	tap_exited(status, 3, "masks: tracee exit status");
	tap_is(a.entries, 10, "masks: engine A saw 10 getpid entries");
	tap_is(a.exits, 10, "masks: engine A saw 10 getpid exits");
	tap_is(a.execs + a.deaths, 0, "masks: engine A saw no exec or death");
	tap_is(b.entries, 0, "masks: engine B saw no syscalls");
	tap_is(b.execs, 1, "masks: engine B saw one exec");
	tap_is(b.exit_code, 3 << 8, "masks: engine B saw exit code 3");
	tap_is(b.deaths, 1, "masks: engine B saw one death");
	utrace_engine_put(ea);
	utrace_engine_put(eb);
	tap_ok(a.releases == 1 && b.releases == 1,
	       "masks: both engines released after reap (%d and %d times)", a.releases, b.releases);
}

static bool entries_reach_3(void *arg)
{
	return ((struct counter *)arg)->entries >= 3;
}

static void test_execve_exit_through_exec(void)
{
	struct counter a = {0};
	pid_t pid = spawn("sysloop", "1", "0");
	struct utrace_engine *ea = attach(pid, &a, UTRACE_EVENT_SYSCALL, SYS_execve);

	utrace_control(pid, ea, UTRACE_RESUME);
	run_to_exit(pid, 10000);
	tap_is(a.entries, 1, "filtered execve: entry reported");
	tap_is(a.exits, 1, "filtered execve: exit reported after the exec event");
	utrace_engine_put(ea);
}

static void test_stop_holds(void)
{
	struct counter a = {.stop_at = 3}, b = {0};
	pid_t pid = spawn("sysloop", "10", "0");
	struct utrace_engine *ea, *eb;
	int status;

	ea = attach(pid, &a, UTRACE_EVENT_SYSCALL, SYS_getpid);
	eb = attach(pid, &b, UTRACE_EVENT_SYSCALL, SYS_getpid);
	utrace_control(pid, ea, UTRACE_RESUME);
	run_until(entries_reach_3, &a, 10000);
	run_for(200); /* time to go past the third entry, if the stop did not hold */
	tap_is(a.entries, 3, "stop: A stopped the thread at its third entry");
	tap_is(b.entries, 3, "stop: B, which resumed, saw no more than A");
	tap_ok(proc_state(pid) == 't', "stop: thread is in a tracing stop (state %c)",
	       proc_state(pid));
	tap_is(utrace_control(pid, eb, UTRACE_RESUME), 0, "stop: B's RESUME is accepted");
	run_for(100);
	tap_is(b.entries, 3, "stop: B's RESUME does not release A's stop");
	tap_is(utrace_control(pid, ea, UTRACE_STOP), 0, "stop: STOP on a stopped thread returns 0");
	tap_is(utrace_control(pid, ea, UTRACE_RESUME), 0, "stop: A's RESUME is accepted");
	status = run_to_exit(pid, 10000);
	tap_exited(status, 0, "stop: tracee finished");
	tap_is(b.entries, 10, "stop: B saw all 10 entries after the release");
	tap_is(utrace_control(pid, ea, UTRACE_RESUME), -ESRCH, "stop: control after reap: -ESRCH");
	utrace_engine_put(ea);
	utrace_engine_put(eb);
}

static void test_detach_one(void)
{
	struct counter a = {.detach_at = 2}, b = {0};
	pid_t pid = spawn("sysloop", "10", "0");
	struct utrace_engine *ea, *eb;
	int status;

	ea = attach(pid, &a, UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH), SYS_getpid);
	eb = attach(pid, &b, UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH), SYS_getpid);
	utrace_control(pid, eb, UTRACE_RESUME);
	status = run_to_exit(pid, 10000);
	tap_exited(status, 0, "detach: tracee finished");
	tap_is(a.entries, 2, "detach: A got nothing after its DETACH");
	tap_is(a.deaths, 0, "detach: A got no death report");
	tap_is(b.entries, 10, "detach: B kept getting every entry");
	tap_is(b.deaths, 1, "detach: B got the death report");
	tap_is(utrace_control(pid, ea, UTRACE_RESUME), -ESRCH, "detach: A's control is -ESRCH");
	utrace_engine_put(ea);
	tap_is(a.releases, 1, "detach: A released once its last reference went");
	utrace_engine_put(eb);
}

static void test_attach_in_callback(void)
{
	struct counter late = {0}, a = {.attach_at = 4, .late = &late};
	pid_t pid = spawn("sysloop", "10", "0");
	struct utrace_engine *ea;

	ea = attach(pid, &a, UTRACE_EVENT(SYSCALL_ENTRY), SYS_getpid);
	utrace_control(pid, ea, UTRACE_RESUME);
	run_to_exit(pid, 10000);
	tap_is(a.entries, 10, "attach in callback: first engine saw 10 entries");
	/* Attached during getpid #4, the late engine misses it and sees #5..#10. */
	tap_is(late.getpids, 6, "attach in callback: late engine missed the event in progress");
	utrace_engine_put(ea);
}

static void test_exit_code(void)
{
	struct counter a = {.new_code = 42 << 8};
	pid_t pid = spawn("sysloop", "1", "3");
	struct utrace_engine *ea = attach(pid, &a, UTRACE_EVENT(EXIT), -1);
	int status;

	utrace_control(pid, ea, UTRACE_RESUME);
	status = run_to_exit(pid, 10000);
	tap_is(a.exit_code, 3 << 8, "exit: report_exit saw the original code");
	tap_exited(status, 42, "exit: the code set in report_exit is the process's status");
	utrace_engine_put(ea);
}

static void test_abort(void)
{
	struct counter a = {.abort_nr = SYS_getppid};
	pid_t pid = spawn("sysloop", "abort", NULL);
	struct utrace_engine *ea = attach(pid, &a, UTRACE_EVENT_SYSCALL, SYS_getppid);
	int status;

	utrace_control(pid, ea, UTRACE_RESUME);
	status = run_to_exit(pid, 10000);
	tap_exited(status, 9, "abort: getppid was skipped and returned 4242");
	tap_is(a.exits, 1, "abort: the aborted call still has its exit report");
	utrace_engine_put(ea);
}

static void test_signal_chain(void)
{
	struct counter a = {.replace_from = SIGUSR1, .replace_to = SIGUSR2}, b = {0};
	pid_t pid = spawn("sigprog", "replace", NULL);
	struct utrace_engine *ea, *eb;
	int status;

	ea = attach(pid, &a, UTRACE_EVENT_SIGNAL_ALL, -1);
	eb = attach(pid, &b, UTRACE_EVENT_SIGNAL_ALL, -1);
	utrace_control(pid, ea, UTRACE_RESUME);
	status = run_to_exit(pid, 10000);
	tap_is(a.seen_signo, SIGUSR1, "signal chain: first engine saw SIGUSR1");
	tap_is(a.seen_action, UTRACE_SIGNAL_DELIVER, "signal chain: classified as DELIVER");
	tap_is(b.seen_signo, SIGUSR2, "signal chain: second engine saw the replacement");
	tap_exited(status, 2, "signal chain: the program's SIGUSR2 handler ran");
	utrace_engine_put(ea);
	utrace_engine_put(eb);
}

static void test_attach_flags(void)
{
	struct counter a = {0}, b = {0};
	pid_t pid = spawn("sysloop", "1", "0");
	struct utrace_engine *ea, *found, *eb;
	static const struct utrace_engine_ops other_ops = {0};

	ea = utrace_attach(pid, UTRACE_ATTACH_CREATE, &counting_ops, &a);
	tap_ok(ea != NULL, "attach: CREATE");
	found = utrace_attach(pid, UTRACE_ATTACH_MATCH_OPS, &counting_ops, NULL);
	tap_ok(found == ea, "attach: MATCH_OPS finds it");
	utrace_engine_put(found);
	found = utrace_attach(pid, UTRACE_ATTACH_MATCH_DATA, NULL, &b);
	tap_ok(!found && errno == ENOENT, "attach: MATCH_DATA with other data is ENOENT");
	eb = utrace_attach(pid,
			   UTRACE_ATTACH_CREATE | UTRACE_ATTACH_EXCLUSIVE | UTRACE_ATTACH_MATCH_OPS,
			   &counting_ops, &b);
	tap_ok(!eb && errno == EEXIST, "attach: EXCLUSIVE|MATCH_OPS with a match is EEXIST");
	eb = utrace_attach(pid,
			   UTRACE_ATTACH_CREATE | UTRACE_ATTACH_EXCLUSIVE | UTRACE_ATTACH_MATCH_OPS,
			   &other_ops, &b);
	tap_ok(eb != NULL, "attach: EXCLUSIVE with other ops succeeds");
	found = utrace_attach(pid, UTRACE_ATTACH_CREATE, NULL, NULL);
	tap_ok(!found && errno == EINVAL, "attach: NULL ops is EINVAL");
	tap_is(utrace_control(pid, ea, UTRACE_REPORT), -EINVAL,
	       "control: REPORT without QUIESCE is EINVAL");
	found = utrace_attach(999999, UTRACE_ATTACH_CREATE, &counting_ops, NULL);
	tap_ok(!found && errno == ESRCH, "attach: a pid that does not exist is ESRCH");
	utrace_control(pid, ea, UTRACE_RESUME);
	utrace_control(pid, eb, UTRACE_DETACH);
	run_to_exit(pid, 10000);
	utrace_engine_put(eb);
	utrace_engine_put(ea);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_masks();
	test_execve_exit_through_exec();
	test_stop_holds();
	test_detach_one();
	test_attach_in_callback();
	test_exit_code();
	test_abort();
	test_signal_chain();
	test_attach_flags();
	return tap_done();
}
