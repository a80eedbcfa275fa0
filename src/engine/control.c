/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How a stopped thread goes on: utrace_control() and the decision after every pass.
 *
 * A thread in a ptrace-stop stays there while any engine holds a sticky STOP.  Otherwise the
 * smallest pending action decides: REPORT runs a report_quiesce(0) pass first, INTERRUPT a
 * report_signal(UTRACE_SIGNAL_REPORT) pass (at a syscall-entry stop either one repeats the entry
 * report with UTRACE_SYSCALL_RESUMED instead), and in those passes REPORT and INTERRUPT count as
 * RESUME so the loop ends.  Then the thread is resumed with the ptrace request that matches:
 *
 *   SINGLESTEP -> PTRACE_SINGLESTEP, BLOCKSTEP -> PTRACE_SINGLEBLOCK,
 *   RESUME     -> PTRACE_LISTEN from a group-stop (job control keeps working),
 *                 PTRACE_SYSCALL when syscall stops are needed, PTRACE_CONT otherwise.
 *
 * utrace_control() never calls back into engines: it records the request and queues the
 * thread; the queue runs from utrace_wait() (and at the end of the pass it was called from).
 * A running thread is brought to a stop with PTRACE_INTERRUPT.
 *
 * A thread whose last engine is gone is detached with its pending signal, unless its process
 * carries our seccomp filter: after PTRACE_DETACH its filtered syscalls would fail with ENOSYS,
 * so such threads stay attached and run on without reports.
 */
#include <errno.h>
#include <string.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/engine-priv.h"
#include "util/log.h"

static bool filter_covers(const struct eng_thread *th)
{
	int i, w;

	if (!th->proc->filtered)
		return false;
	for (i = 0; i < th->nengines; i++) {
		const struct eng_engine *e = th->engines[i];

		if (e->detached || !(e->pub.flags & UTRACE_EVENT_SYSCALL))
			continue;
		if (!e->syscalls)
			return false;
		for (w = 0; w < UTRACE_NR_SYSCALLS / 64; w++)
			if (e->syscalls[w] & ~th->proc->filter[w])
				return false;
	}
	return true;
}

static bool wants_syscall_stops(const struct eng_thread *th)
{
	if ((th->stop == ENG_STOP_SYSCALL_ENTRY && th->sc_want_exit) || th->sc_awaiting_exit)
		return true;
	if (!(eng_thread_events(th) & UTRACE_EVENT_SYSCALL))
		return false;
	return !filter_covers(th);
}

static void interrupt(struct eng_thread *th)
{
	if (th->interrupt_sent || th->new_child || th->dead)
		return;
	if (pt_interrupt(th->tid) == 0)
		th->interrupt_sent = true;
}

/* Registers changed by a callback (or utrace_set_regs) go back before the thread runs. */
void eng_write_regs(struct eng_thread *th)
{
	if (th->regs_partial && memcmp(&th->regs, &th->regs_fetched, sizeof(th->regs)))
		eng_regs(th); /* the real set, with the changes laid over it */
	th->regs_partial = false;
	if (th->regs_valid &&
	    (th->regs_dirty || memcmp(&th->regs, &th->regs_fetched, sizeof(th->regs)))) {
		if (pt_setregs(th->tid, &th->regs) < 0)
			pr_warn("tid %d: cannot write registers back", th->tid);
		th->regs_fetched = th->regs;
	}
	th->regs_dirty = false;
}

static void do_resume(struct eng_thread *th, enum utrace_resume_action action)
{
	int request, sig = 0;

	if (th->spawn_fd >= 0)
		eng_spawn_release(th);
	eng_apply_outlive(th);
	eng_write_regs(th);
	th->sc_info_valid = false;
	if (th->stop == ENG_STOP_SIGNAL) {
		if (th->siginfo_dirty)
			(void)pt_setsiginfo(th->tid, &th->siginfo);
		sig = th->inject_sig;
	}
	if (th->stop == ENG_STOP_GROUP) {
		request = PTRACE_LISTEN;
		th->listening = true;
	} else if (action == UTRACE_SINGLESTEP) {
		request = PTRACE_SINGLESTEP;
	} else if (action == UTRACE_BLOCKSTEP) {
		request = PTRACE_SINGLEBLOCK;
	} else {
		request = wants_syscall_stops(th) ? PTRACE_SYSCALL : PTRACE_CONT;
	}
	if (request == PTRACE_SYSCALL && th->stop == ENG_STOP_SYSCALL_ENTRY)
		th->sc_awaiting_exit = true;
	(void)pt_resume(request, th->tid, sig);
	th->stop = ENG_RUNNING;
	th->regs_valid = false;
	th->siginfo_dirty = false;
	th->generation++;
	th->pending = UTRACE_RESUME;
	if (th->hold_sig) {
		(void)syscall(SYS_tgkill, th->proc->tgid, th->tid, th->hold_sig);
		th->hold_sig = 0;
	}
}

int eng_detach_thread(struct eng_thread *th)
{
	int sig = th->stop == ENG_STOP_SIGNAL ? th->inject_sig : 0;
	int r;

	eng_write_regs(th);
	if (th->stop == ENG_STOP_SIGNAL && th->siginfo_dirty)
		(void)pt_setsiginfo(th->tid, &th->siginfo);
	r = pt_detach(th->tid, sig);
	pr_debug("tid %d: detached (signal %d): %d", th->tid, sig, r);
	eng_thread_free(th);
	return r == -ESRCH ? 0 : r;
}

void eng_proceed(struct eng_thread *th)
{
	for (;;) {
		enum utrace_resume_action action;

		if (th->stop == ENG_RUNNING || th->in_report || th->dead || th->spawn_hold ||
		    (th->new_child && !th->parent_seen) || th->early_stop)
			return;
		eng_engine_unlink_detached(th);
		if (th->nengines == 0 && !th->proc->filtered && th->spawn_fd < 0) {
			eng_detach_thread(th);
			return;
		}
		if (eng_any_stop(th))
			return;
		action = th->pending;
		if (action == UTRACE_REPORT || action == UTRACE_INTERRUPT) {
			th->pending = UTRACE_RESUME;
			if (th->stop == ENG_STOP_SYSCALL_ENTRY)
				eng_report_syscall_entry(th, true);
			else if (action == UTRACE_INTERRUPT)
				eng_report_signal_check(th);
			else
				eng_report_quiesce0(th);
			continue;
		}
		if (th->stop == ENG_STOP_SYSCALL_ENTRY && th->sc_abort) {
			eng_regs(th)->orig_rax = (unsigned long long)-1;
			th->regs_dirty = true;
			th->sc_abort = false;
		}
		do_resume(th, action);
		return;
	}
}

void eng_run_deferred(void)
{
	struct eng_thread *th;

	while ((th = eng_dequeue()))
		eng_proceed(th);
}

int utrace_control(pid_t pid, struct utrace_engine *engine, enum utrace_resume_action action)
{
	struct eng_engine *e = (struct eng_engine *)engine;
	struct eng_thread *th = e->thread;
	bool stopped;

	if (!th || th->tid != pid || action >= UTRACE_RESUME_MAX)
		return th ? -EINVAL : -ESRCH;
	if (e->detached)
		return -ESRCH;
	if (th->dead) {
		if (action != UTRACE_DETACH)
			return -ESRCH;
		e->detached = true;
		return -EALREADY;
	}
	if ((action == UTRACE_REPORT || action == UTRACE_SINGLESTEP ||
	     action == UTRACE_BLOCKSTEP) &&
	    !(engine->flags & UTRACE_EVENT(QUIESCE)))
		return -EINVAL;
	stopped = th->stop != ENG_RUNNING;
	if (action != UTRACE_STOP)
		th->spawn_hold = false;
	switch (action) {
	case UTRACE_STOP:
		e->stop = true;
		if (stopped || th->new_child)
			return 0;
		interrupt(th);
		return -EINPROGRESS;
	case UTRACE_DETACH:
		e->detached = true;
		e->stop = false;
		break;
	case UTRACE_RESUME:
		e->stop = false;
		break;
	default:
		e->stop = false;
		if (action < th->pending)
			th->pending = action;
		break;
	}
	if (th->in_report)
		return 0;
	if (stopped) {
		eng_queue(th);
	} else if (action == UTRACE_INTERRUPT || action == UTRACE_REPORT) {
		interrupt(th);
	} else if (action == UTRACE_DETACH) {
		int i, live = 0;

		for (i = 0; i < th->nengines; i++)
			live += !th->engines[i]->detached;
		if (!live)
			interrupt(th);
	}
	return 0;
}
