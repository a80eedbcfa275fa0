/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reporting passes: the reference's section 1.8, run in the tracer while the thread sits in a
 * ptrace-stop.
 *
 * A pass walks the thread's engines in attach order (reverse order for SYSCALL_ENTRY: the last
 * engine attached is closest to user mode).  Engines attached during the pass are skipped.  For
 * each engine: report_quiesce(event) first if it wants QUIESCE, then the event's callback if it
 * wants the event.  What a callback returns is folded in:
 *
 *   - the resume part: STOP sets the engine's sticky stop, anything else clears it; DETACH
 *     marks the engine detached; REPORT, INTERRUPT, SINGLESTEP and BLOCKSTEP are folded into
 *     the thread's `pending` (the minimum wins, consumed when the thread resumes);
 *   - the other bits (signal or syscall disposition) become the `action` the next engine sees,
 *     so engines chain their decisions.
 *
 * A pass never resumes the thread itself: eng_proceed() (control.c) looks at the stops and the
 * pending action afterwards.  Death and reap are the only passes after which the thread is gone.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "engine/engine-priv.h"
#include "util/log.h"

struct pass {
	struct eng_thread *th;
	unsigned long event;		  /* UTRACE_EVENT() bit reported, 0 at the resume point */
	uint32_t result;		  /* non-resume bits, chained from engine to engine */
	enum utrace_resume_action action; /* resume action so far */
	bool coerce_report; /* REPORT/INTERRUPT mean RESUME here (resume-point passes) */
};

typedef uint32_t (*invoke_fn)(struct pass *p, struct eng_engine *e, uint32_t action, void *arg);

static void fold(struct pass *p, struct eng_engine *e, uint32_t ret)
{
	enum utrace_resume_action resume = utrace_resume_action(ret);
	struct eng_thread *th = p->th;

	if (resume >= UTRACE_RESUME_MAX)
		resume = UTRACE_RESUME;
	if (p->coerce_report && (resume == UTRACE_REPORT || resume == UTRACE_INTERRUPT))
		resume = UTRACE_RESUME;
	p->result = ret & ~UTRACE_RESUME_MASK;
	if (resume == UTRACE_DETACH) {
		e->detached = true;
		e->stop = false;
		return;
	}
	e->stop = resume == UTRACE_STOP;
	if (resume < p->action)
		p->action = resume;
	if (resume != UTRACE_STOP && resume < th->pending)
		th->pending = resume;
}

static bool engine_eligible(const struct eng_engine *e)
{
	return !e->detached && !e->attaching;
}

/*
 * Run one pass.  @want says whether an engine's event callback is called, @invoke calls it.
 * report_quiesce(event) is called first for engines with QUIESCE.
 */
static void run_pass(struct pass *p, bool reverse, bool (*want)(struct eng_engine *e, void *arg),
		     invoke_fn invoke, void *arg)
{
	struct eng_thread *th = p->th;
	int n, i;

	for (i = 0; i < th->nengines; i++)
		th->engines[i]->attaching = false;
	n = th->nengines;
	th->in_report = true;
	for (i = 0; i < n; i++) {
		struct eng_engine *e = th->engines[reverse ? n - 1 - i : i];
		const struct utrace_engine_ops *ops = e->pub.ops;

		if (!engine_eligible(e))
			continue;
		if ((e->pub.flags & UTRACE_EVENT(QUIESCE)) && ops->report_quiesce) {
			utrace_engine_get(&e->pub);
			fold(p, e, ops->report_quiesce(p->result | p->action, &e->pub, p->event));
			utrace_engine_put(&e->pub);
		}
		if (e->detached || !invoke || !want(e, arg))
			continue;
		utrace_engine_get(&e->pub);
		fold(p, e, invoke(p, e, p->result | p->action, arg));
		utrace_engine_put(&e->pub);
	}
	th->in_report = false;
}

static void pass_init(struct pass *p, struct eng_thread *th, unsigned long event, uint32_t result)
{
	memset(p, 0, sizeof(*p));
	p->th = th;
	p->event = event;
	p->result = result;
	p->action = UTRACE_RESUME;
}

/* --- the resume point: report_quiesce(0), or report_signal(UTRACE_SIGNAL_REPORT) --- */

void eng_report_quiesce0(struct eng_thread *th)
{
	struct pass p;

	pass_init(&p, th, 0, 0);
	p.coerce_report = true;
	run_pass(&p, false, NULL, NULL, NULL);
}

static bool want_signal_check(struct eng_engine *e, void *arg)
{
	return e->pub.ops->report_signal &&
	       (e->pub.flags & (UTRACE_EVENT(QUIESCE) | UTRACE_EVENT_SIGNAL_ALL));
}

static uint32_t call_signal_check(struct pass *p, struct eng_engine *e, uint32_t action, void *arg)
{
	return e->pub.ops->report_signal(action, &e->pub, eng_regs(p->th), arg, NULL, NULL);
}

/*
 * After INTERRUPT: engines with report_signal get UTRACE_SIGNAL_REPORT instead of
 * report_quiesce(0).  An engine may answer DELIVER with a signal in *info: there is no signal
 * to replace at an interrupt stop, so it is queued with tgkill().
 */
void eng_report_signal_check(struct eng_thread *th)
{
	siginfo_t info;
	struct pass p;
	int i;

	memset(&info, 0, sizeof(info));
	pass_init(&p, th, 0, UTRACE_SIGNAL_REPORT);
	p.coerce_report = true;
	/* Engines without report_signal get report_quiesce(0), as on the kernel's path. */
	for (i = 0; i < th->nengines; i++)
		th->engines[i]->attaching = false;
	th->in_report = true;
	for (i = 0; i < th->nengines; i++) {
		struct eng_engine *e = th->engines[i];
		uint32_t ret;

		if (!engine_eligible(e))
			continue;
		utrace_engine_get(&e->pub);
		if (want_signal_check(e, NULL)) {
			ret = call_signal_check(&p, e, p.result | p.action, &info);
			fold(&p, e, ret);
		} else if ((e->pub.flags & UTRACE_EVENT(QUIESCE)) && e->pub.ops->report_quiesce) {
			ret = e->pub.ops->report_quiesce(p.action, &e->pub, 0);
			fold(&p, e, (ret & UTRACE_RESUME_MASK) | p.result);
		}
		utrace_engine_put(&e->pub);
	}
	th->in_report = false;
	if (utrace_signal_action(p.result) == UTRACE_SIGNAL_DELIVER && info.si_signo > 0)
		th->hold_sig = info.si_signo;
}

/* --- signals --- */

static int default_class(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
	case SIGURG:
	case SIGWINCH:
		return UTRACE_SIGNAL_IGN;
	case SIGSTOP:
		return UTRACE_SIGNAL_STOP;
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return UTRACE_SIGNAL_TSTP;
	case SIGQUIT:
	case SIGILL:
	case SIGTRAP:
	case SIGABRT:
	case SIGBUS:
	case SIGFPE:
	case SIGSEGV:
	case SIGXCPU:
	case SIGXFSZ:
	case SIGSYS:
		return UTRACE_SIGNAL_CORE;
	default:
		return UTRACE_SIGNAL_TERM;
	}
}

static unsigned long class_event(int class)
{
	switch (class) {
	case UTRACE_SIGNAL_DELIVER:
		return UTRACE_EVENT(SIGNAL);
	case UTRACE_SIGNAL_IGN:
		return UTRACE_EVENT(SIGNAL_IGN);
	case UTRACE_SIGNAL_CORE:
		return UTRACE_EVENT(SIGNAL_CORE);
	case UTRACE_SIGNAL_STOP:
	case UTRACE_SIGNAL_TSTP:
		return UTRACE_EVENT(SIGNAL_STOP);
	default:
		return UTRACE_EVENT(SIGNAL_TERM);
	}
}

/*
 * The program's disposition for @sig, from SigIgn/SigCgt of /proc/TID/status.  Reading that
 * file costs more than the rest of a breakpoint hit, so a process whose rt_sigaction calls we
 * see (eng_proc_tracks_sigaction) keeps the masks until one of those calls or an exec.  A
 * signal at its delivery stop has been dequeued, so it is never blocked there.
 */
static struct utrace_sigaction classify(struct eng_thread *th, int sig)
{
	struct utrace_sigaction ka = {.disposition = default_class(sig)};
	struct eng_proc *proc = th->proc;
	uint64_t bit = 1ULL << (sig - 1);

	if (sig == SIGSTOP || sig == SIGKILL)
		return ka;
	if (!proc->sig_cached || !eng_proc_tracks_sigaction(proc)) {
		struct proc_status st;

		if (th->status_fd < 0)
			th->status_fd = proc_status_open(th->tid);
		if (th->status_fd < 0 || proc_status_fd(th->status_fd, &st) < 0)
			return ka;
		proc->sig_ign = st.sig_ign;
		proc->sig_cgt = st.sig_cgt;
		proc->sig_cached = true;
	}
	if (proc->sig_ign & bit)
		ka.disposition = UTRACE_SIGNAL_IGN;
	else if (proc->sig_cgt & bit)
		ka.disposition = UTRACE_SIGNAL_DELIVER;
	return ka;
}

struct signal_arg {
	unsigned long event;
	const struct utrace_sigaction *orig_ka;
	struct utrace_sigaction return_ka;
};

static bool want_signal(struct eng_engine *e, void *arg)
{
	struct signal_arg *sa = arg;

	return e->pub.ops->report_signal && (e->pub.flags & sa->event);
}

static uint32_t call_signal(struct pass *p, struct eng_engine *e, uint32_t action, void *arg)
{
	struct signal_arg *sa = arg;

	return e->pub.ops->report_signal(action, &e->pub, eng_regs(p->th), &p->th->siginfo,
					 sa->orig_ka, &sa->return_ka);
}

/*
 * Which signal makes the thread do what the engines decided.  ptrace can only deliver a
 * signal, so TERM/CORE/STOP use the signal itself when its disposition already does that, or
 * a stand-in whose default does (SIGSTOP for stops, SIGKILL for the rest; a core dump cannot
 * be forced on a signal the program handles).
 */
static int representative(int action, int sig, const struct utrace_sigaction *ka)
{
	switch (action) {
	case UTRACE_SIGNAL_IGN:
		return 0;
	case UTRACE_SIGNAL_STOP:
	case UTRACE_SIGNAL_TSTP:
		return ka->disposition == action ? sig : SIGSTOP;
	case UTRACE_SIGNAL_TERM:
	case UTRACE_SIGNAL_CORE:
		return ka->disposition == action ? sig : SIGKILL;
	default:
		return sig;
	}
}

void eng_report_signal(struct eng_thread *th)
{
	int sig = th->stop_sig;
	struct utrace_sigaction ka = classify(th, sig);
	struct signal_arg sa = {.event = class_event(ka.disposition), .orig_ka = &ka};
	siginfo_t orig_info;
	struct pass p;
	int action;

	if (pt_getsiginfo(th->tid, &th->siginfo) < 0) {
		memset(&th->siginfo, 0, sizeof(th->siginfo));
		th->siginfo.si_signo = sig;
	}
	orig_info = th->siginfo;
	sa.return_ka = ka;
	pass_init(&p, th, sa.event, (uint32_t)ka.disposition);
	p.coerce_report = true;
	run_pass(&p, false, want_signal, call_signal, &sa);
	action = utrace_signal_action(p.result);
	if (th->siginfo.si_signo <= 0 || th->siginfo.si_signo >= 65) {
		pr_warn("tid %d: engine set a bogus si_signo %d; using SIGTRAP", th->tid,
			th->siginfo.si_signo);
		th->siginfo.si_signo = SIGTRAP;
	}
	if (memcmp(&orig_info, &th->siginfo, sizeof(orig_info)))
		th->siginfo_dirty = true;
	if (action == UTRACE_SIGNAL_REPORT || action == UTRACE_SIGNAL_HANDLER)
		action = ka.disposition;
	th->inject_sig = representative(action, th->siginfo.si_signo, &ka);
	if (th->inject_sig != th->siginfo.si_signo)
		th->siginfo_dirty = false;
	if (p.result & UTRACE_SIGNAL_HOLD)
		th->hold_sig = th->siginfo.si_signo;
}

/* --- syscalls --- */

static struct user_regs_struct *syscall_regs(struct eng_thread *th, struct eng_engine *e)
{
	return e->syscall_regs_only ? eng_syscall_regs(th) : eng_regs(th);
}

static bool want_entry(struct eng_engine *e, void *arg)
{
	return e->pub.ops->report_syscall_entry &&
	       eng_wants_syscall(e, *(long *)arg, UTRACE_EVENT(SYSCALL_ENTRY));
}

static uint32_t call_entry(struct pass *p, struct eng_engine *e, uint32_t action, void *arg)
{
	return e->pub.ops->report_syscall_entry(action, &e->pub, syscall_regs(p->th, e));
}

void eng_report_syscall_entry(struct eng_thread *th, bool resumed)
{
	struct pass p;

	pass_init(&p, th, UTRACE_EVENT(SYSCALL_ENTRY), resumed ? UTRACE_SYSCALL_RESUMED : 0);
	run_pass(&p, true, want_entry, call_entry, &th->sc_nr);
	th->sc_abort = utrace_syscall_action(p.result) == UTRACE_SYSCALL_ABORT;
}

static bool want_exit(struct eng_engine *e, void *arg)
{
	return e->pub.ops->report_syscall_exit &&
	       eng_wants_syscall(e, *(long *)arg, UTRACE_EVENT(SYSCALL_EXIT));
}

static uint32_t call_exit(struct pass *p, struct eng_engine *e, uint32_t action, void *arg)
{
	return e->pub.ops->report_syscall_exit(action, &e->pub, syscall_regs(p->th, e));
}

void eng_report_syscall_exit(struct eng_thread *th)
{
	struct pass p;

	pass_init(&p, th, UTRACE_EVENT(SYSCALL_EXIT), 0);
	run_pass(&p, false, want_exit, call_exit, &th->sc_nr);
}

/* --- clone, exec, exit, job control --- */

struct clone_arg {
	unsigned long flags;
	pid_t child;
};

static bool want_clone(struct eng_engine *e, void *arg)
{
	return e->pub.ops->report_clone && (e->pub.flags & UTRACE_EVENT(CLONE));
}

static uint32_t call_clone(struct pass *p, struct eng_engine *e, uint32_t action, void *arg)
{
	struct clone_arg *ca = arg;

	return e->pub.ops->report_clone(action, &e->pub, ca->flags, ca->child);
}

void eng_report_clone(struct eng_thread *th, unsigned long flags, pid_t child)
{
	struct clone_arg ca = {flags, child};
	struct pass p;

	pass_init(&p, th, UTRACE_EVENT(CLONE), 0);
	run_pass(&p, false, want_clone, call_clone, &ca);
}

static bool want_exec(struct eng_engine *e, void *arg)
{
	return e->pub.ops->report_exec && (e->pub.flags & UTRACE_EVENT(EXEC));
}

static uint32_t call_exec(struct pass *p, struct eng_engine *e, uint32_t action, void *arg)
{
	return e->pub.ops->report_exec(action, &e->pub, arg, eng_regs(p->th));
}

void eng_report_exec(struct eng_thread *th)
{
	char exe[4096];
	struct pass p;

	if (proc_exe(th->tid, exe, sizeof(exe)) < 0)
		exe[0] = '\0';
	pass_init(&p, th, UTRACE_EVENT(EXEC), 0);
	run_pass(&p, false, want_exec, call_exec, exe);
}

struct exit_arg {
	long orig_code;
	long *code;
};

static bool want_exit_event(struct eng_engine *e, void *arg)
{
	return e->pub.ops->report_exit && (e->pub.flags & UTRACE_EVENT(EXIT));
}

static uint32_t call_exit_event(struct pass *p, struct eng_engine *e, uint32_t action, void *arg)
{
	struct exit_arg *ea = arg;

	return e->pub.ops->report_exit(action, &e->pub, ea->orig_code, ea->code);
}

void eng_report_exit(struct eng_thread *th, long orig_code, long *code)
{
	struct exit_arg ea = {orig_code, code};
	struct pass p;

	th->exit_reported = true;
	pass_init(&p, th, UTRACE_EVENT(EXIT), 0);
	run_pass(&p, false, want_exit_event, call_exit_event, &ea);
}

static bool want_jctl(struct eng_engine *e, void *arg)
{
	return e->pub.ops->report_jctl && (e->pub.flags & UTRACE_EVENT(JCTL));
}

static uint32_t call_jctl(struct pass *p, struct eng_engine *e, uint32_t action, void *arg)
{
	int type = *(int *)arg;

	return e->pub.ops->report_jctl(action, &e->pub, type, p->th->tid == p->th->proc->tgid);
}

void eng_report_jctl(struct eng_thread *th, int type)
{
	struct pass p;

	pass_init(&p, th, UTRACE_EVENT(JCTL), 0);
	run_pass(&p, false, want_jctl, call_jctl, &type);
}

/* --- death and reap: the thread is gone, nothing resumes --- */

/*
 * report_death once, then report_reap, always last.  The real parent's reap is not visible to
 * a tracer that is not the parent, so REAP follows DEATH at once.  An engine that detaches in
 * report_death gets no report_reap.  Afterwards every engine is implicitly detached.
 */
void eng_report_death(struct eng_thread *th, int wstatus)
{
	bool group_dead = th->proc->nthreads <= 1;
	int exit_signal = th->tid == th->proc->tgid ? SIGCHLD : -1;
	int i, n = th->nengines;

	th->dead = true;
	th->wait_status = wstatus;
	th->death_reported = true;
	th->in_report = true;
	for (i = 0; i < n; i++) {
		struct eng_engine *e = th->engines[i];

		e->dying = true;
		if (e->detached || !(e->pub.flags & UTRACE_EVENT(DEATH)) ||
		    !e->pub.ops->report_death)
			continue;
		utrace_engine_get(&e->pub);
		if (utrace_resume_action(e->pub.ops->report_death(&e->pub, group_dead,
								  exit_signal)) == UTRACE_DETACH)
			e->detached = true;
		utrace_engine_put(&e->pub);
	}
	for (i = 0; i < n; i++) {
		struct eng_engine *e = th->engines[i];

		if (e->detached || !e->pub.ops->report_reap)
			continue;
		utrace_engine_get(&e->pub);
		e->pub.ops->report_reap(&e->pub);
		utrace_engine_put(&e->pub);
	}
	th->in_report = false;
}
