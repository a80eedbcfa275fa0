/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Callback order and resume actions (reference 6.A items 3-8, 14): syscall entry in reverse
 * attach order and exit in attach order, report_quiesce(event) before each event,
 * report_quiesce(0) after REPORT, report_signal(UTRACE_SIGNAL_REPORT) after INTERRUPT on a
 * running thread, a real single-step after SINGLESTEP, and the return codes of
 * utrace_set_events, utrace_barrier and the examiner bracket.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "harness.h"

#define LOG_MAX 64

struct rec {
	char name;
	char *log; /* shared: who was called, in order */
	int *nlog;
	int quiesce_event, quiesce_zero, signal_reports, steps, entries, exits;
	unsigned long long step_rip_before, step_rip_after;
	bool ask_report, ask_step;
	int quiesce_after_report; /* report_quiesce(0) calls since ask_report was answered */
	bool reported;
};

static void log_call(struct rec *r, char what)
{
	if (*r->nlog < LOG_MAX - 2) {
		r->log[(*r->nlog)++] = r->name;
		r->log[(*r->nlog)++] = what;
		r->log[*r->nlog] = '\0';
	}
}

static uint32_t r_quiesce(uint32_t action, struct utrace_engine *engine, unsigned long event)
{
	struct rec *r = engine->data;

	if (event)
		r->quiesce_event++;
	else
		r->quiesce_zero++;
	if (!event && r->reported)
		r->quiesce_after_report++;
	return UTRACE_RESUME;
}

static uint32_t r_entry(uint32_t action, struct utrace_engine *engine,
			struct user_regs_struct *regs)
{
	struct rec *r = engine->data;

	if (regs->orig_rax == SYS_getppid)
		log_call(r, 'n');
	r->entries++;
	return UTRACE_RESUME;
}

static uint32_t r_exit(uint32_t action, struct utrace_engine *engine, struct user_regs_struct *regs)
{
	struct rec *r = engine->data;

	if (regs->orig_rax == SYS_getppid) {
		log_call(r, 'x');
		if (r->ask_report) {
			r->ask_report = false;
			r->reported = true;
			return UTRACE_REPORT;
		}
		if (r->ask_step) {
			r->ask_step = false;
			r->step_rip_before = regs->rip;
			return UTRACE_SINGLESTEP;
		}
	}
	r->exits++;
	return UTRACE_RESUME;
}

static uint32_t r_signal(uint32_t action, struct utrace_engine *engine,
			 struct user_regs_struct *regs, siginfo_t *info,
			 const struct utrace_sigaction *orig_ka, struct utrace_sigaction *return_ka)
{
	struct rec *r = engine->data;

	if (utrace_signal_action(action) == UTRACE_SIGNAL_REPORT) {
		r->signal_reports++;
		return UTRACE_SIGNAL_REPORT | UTRACE_RESUME;
	}
	if (info->si_signo == SIGTRAP && info->si_code == TRAP_TRACE && r->step_rip_before &&
	    !r->steps) {
		r->steps++;
		r->step_rip_after = regs->rip;
		return UTRACE_SIGNAL_IGN | UTRACE_RESUME;
	}
	return (action & ~UTRACE_RESUME_MASK) | UTRACE_RESUME;
}

static const struct utrace_engine_ops rec_ops = {
	.report_quiesce = r_quiesce,
	.report_syscall_entry = r_entry,
	.report_syscall_exit = r_exit,
	.report_signal = r_signal,
};

static struct utrace_engine *attach_rec(pid_t pid, struct rec *r, unsigned long events)
{
	struct utrace_engine *e = attach_or_bail(pid, &rec_ops, r);

	setup_ok(utrace_set_events(pid, e, events));
	return e;
}

static void test_order(void)
{
	char log[LOG_MAX] = "";
	int nlog = 0;
	struct rec a = {.name = 'A', .log = log, .nlog = &nlog};
	struct rec b = {.name = 'B', .log = log, .nlog = &nlog};
	pid_t pid = spawn("sysloop", "abort", NULL);
	struct utrace_engine *ea =
		attach_rec(pid, &a, UTRACE_EVENT_SYSCALL | UTRACE_EVENT(QUIESCE));
	struct utrace_engine *eb = attach_rec(pid, &b, UTRACE_EVENT_SYSCALL);
	int status;

	utrace_control(pid, ea, UTRACE_RESUME);
	status = run_to_exit(pid, 10000);
	tap_exited(status, 0, "order: program ran normally");
	tap_ok(!strcmp(log, "BnAnAxBx"), "order: entry reverse, exit forward (%s)", log);
	tap_ok(a.quiesce_event >= a.entries + a.exits && a.quiesce_event > 0,
	       "order: at least one report_quiesce(event) per event (%d for %d events)",
	       a.quiesce_event, a.entries + a.exits);
	utrace_engine_put(ea);
	utrace_engine_put(eb);
}

static void test_report_and_step(void)
{
	char log[LOG_MAX] = "";
	int nlog = 0;
	struct rec a = {.name = 'A', .log = log, .nlog = &nlog, .ask_report = true};
	pid_t pid = spawn("sysloop", "abort", NULL);
	struct utrace_engine *ea = attach_rec(
		pid, &a, UTRACE_EVENT_SYSCALL | UTRACE_EVENT(QUIESCE) | UTRACE_EVENT_SIGNAL_ALL);
	int status;

	utrace_control(pid, ea, UTRACE_RESUME);
	run_to_exit(pid, 10000);
	tap_is(a.quiesce_after_report, 1,
	       "REPORT: one report_quiesce(0) before the thread went on");
	utrace_engine_put(ea);

	memset(&a, 0, sizeof(a));
	a.name = 'A', a.log = log, a.nlog = &nlog, a.ask_step = true;
	pid = spawn("sysloop", "abort", NULL);
	ea = attach_rec(pid, &a,
			UTRACE_EVENT_SYSCALL | UTRACE_EVENT(QUIESCE) | UTRACE_EVENT_SIGNAL_ALL);
	utrace_control(pid, ea, UTRACE_RESUME);
	status = run_to_exit(pid, 10000);
	tap_is(a.steps, 1, "SINGLESTEP: one TRAP_TRACE SIGTRAP reported");
	tap_ok(a.step_rip_after > a.step_rip_before && a.step_rip_after < a.step_rip_before + 16,
	       "SINGLESTEP: rip advanced by one instruction (%#llx -> %#llx)", a.step_rip_before,
	       a.step_rip_after);
	tap_exited(status, 0, "SINGLESTEP: the swallowed trap did not hurt the program");
	utrace_engine_put(ea);
}

static bool quiesced(void *arg)
{
	return ((struct rec *)arg)->quiesce_zero > 0;
}

/* QUIESCE added to a held thread's engine: report_quiesce(0) as it resumes (reference 1.6). */
static void test_quiesce_added_while_stopped(void)
{
	char log[LOG_MAX] = "";
	int nlog = 0;
	struct rec a = {.name = 'A', .log = log, .nlog = &nlog};
	pid_t pid = spawn("sigprog", "sleep", NULL);
	struct utrace_engine *ea = attach_rec(pid, &a, 0);
	struct utrace_examiner exam;
	int i;

	utrace_control(pid, ea, UTRACE_RESUME);
	run_for(50);
	utrace_control(pid, ea, UTRACE_STOP);
	for (i = 0; i < 1000 && utrace_prepare_examine(pid, ea, &exam) != 0; i++)
		run_for(10);
	tap_ok(proc_state(pid) == 't' && utrace_prepare_examine(pid, ea, &exam) == 0,
	       "set_events: thread held by STOP");
	tap_is(utrace_set_events(pid, ea, UTRACE_EVENT(QUIESCE)), 0,
	       "set_events: QUIESCE added on the held thread");
	tap_is(a.quiesce_zero, 0, "set_events: no report while it stays held");
	utrace_control(pid, ea, UTRACE_RESUME);
	run_until(quiesced, &a, 10000);
	run_for(100);
	tap_is(a.quiesce_zero, 1, "set_events: one report_quiesce(0) as it resumed");
	kill_and_reap(pid);
	utrace_engine_put(ea);
}

static bool got_signal_report(void *arg)
{
	return ((struct rec *)arg)->signal_reports > 0;
}

static void test_interrupt_and_codes(void)
{
	char log[LOG_MAX] = "";
	int nlog = 0;
	struct rec a = {.name = 'A', .log = log, .nlog = &nlog};
	pid_t pid = spawn("sigprog", "sleep", NULL);
	struct utrace_engine *ea = attach_rec(pid, &a, UTRACE_EVENT(QUIESCE));
	struct utrace_examiner exam;
	int i;

	utrace_control(pid, ea, UTRACE_RESUME);
	run_for(50);
	tap_is(utrace_control(pid, ea, UTRACE_INTERRUPT), 0, "INTERRUPT on a running thread: 0");
	run_until(got_signal_report, &a, 10000);
	tap_is(a.signal_reports, 1, "INTERRUPT: report_signal(UTRACE_SIGNAL_REPORT) came");
	tap_is(utrace_control(pid, ea, UTRACE_STOP), -EINPROGRESS,
	       "STOP on a running thread: -EINPROGRESS");
	run_until_state(pid, 't', 10000);
	run_for(20); /* the report of that stop */
	tap_ok(proc_state(pid) == 't', "STOP: the thread stopped at the next report (%c)",
	       proc_state(pid));
	tap_is(utrace_prepare_examine(pid, ea, &exam), 0, "examine: prepare on a held thread");
	tap_is(utrace_finish_examine(pid, ea, &exam), 0, "examine: finish, thread did not run");
	tap_is(utrace_set_events(pid, ea, UTRACE_EVENT(QUIESCE) | UTRACE_EVENT(EXEC)), 0,
	       "set_events: adding bits on a stopped thread: 0");
	tap_is(utrace_barrier(pid, ea), 0, "barrier: attached engine: 0");
	utrace_control(pid, ea, UTRACE_RESUME);
	run_for(20);
	tap_is(utrace_finish_examine(pid, ea, &exam), -EAGAIN, "examine: after a resume: -EAGAIN");
	tap_is(utrace_set_events(pid, ea, UTRACE_EVENT(QUIESCE)), -EINPROGRESS,
	       "set_events: clearing bits on a running thread: -EINPROGRESS");
	tap_is(utrace_control(pid, ea, UTRACE_DETACH), 0, "DETACH: 0");
	tap_is(utrace_barrier(pid, ea), 0, "barrier: detach pending: 0");
	for (i = 0; i < 1000 && utrace_barrier(pid, ea) != -ESRCH; i++)
		run_for(10);
	tap_is(utrace_barrier(pid, ea), -ESRCH, "barrier: fully detached: -ESRCH");
	tap_is(proc_tracer(pid), 0, "DETACH of the last engine: untraced");
	kill_and_reap(pid);
	utrace_engine_put(ea);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_order();
	test_report_and_step();
	test_interrupt_and_codes();
	test_quiesce_added_while_stopped();
	return tap_done();
}
