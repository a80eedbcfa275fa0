/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The event loop: waitpid(__WALL) statuses turned into reports.
 *
 * Each ptrace-stop is classified (reference, section 5): PTRACE_EVENT_STOP is a group-stop when
 * its signal is a stop signal, otherwise an interrupt stop (ours, SEIZE's, or the wake-up of a
 * listening thread after SIGCONT, which is reported as JCTL CLD_CONTINUED); SIGTRAP|0x80 is a
 * syscall stop told apart by PTRACE_GET_SYSCALL_INFO; PTRACE_EVENT_SECCOMP is a syscall entry
 * trapped by our filter; other events are clone, exec and exit; anything else is a
 * signal-delivery-stop.  Exit statuses become DEATH and REAP.
 *
 * Orderings ptrace does not guarantee are absorbed here:
 *   - an auto-attached child may report its first stop before its parent's clone event: it is
 *     parked until report_clone has run, so engines can attach to it before it runs;
 *   - after a non-leader thread execs, the kernel gives it the leader's tid: the old leader's
 *     engines get death and reap, and the exec'ing thread's record takes the tid.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>

#include "engine/engine-priv.h"
#include "util/log.h"
#include "util/vec.h"

struct child_status {
	pid_t pid;
	int status;
};

static struct child_status *statuses;
static int nstatuses, capstatuses;

static void remember_status(pid_t pid, int status)
{
	if (VEC_GROW(statuses, capstatuses, nstatuses) < 0)
		return;
	statuses[nstatuses].pid = pid;
	statuses[nstatuses].status = status;
	nstatuses++;
}

int utrace_child_status(pid_t pid, int *ret_status)
{
	int i;

	for (i = 0; i < nstatuses; i++) {
		if (statuses[i].pid == pid) {
			*ret_status = statuses[i].status;
			return 0;
		}
	}
	return -ECHILD;
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static unsigned long clone_flags(struct eng_thread *th, int event)
{
	struct user_regs_struct *regs;
	uint64_t flags;

	if (event == PTRACE_EVENT_FORK)
		return SIGCHLD;
	if (event == PTRACE_EVENT_VFORK)
		return CLONE_VFORK | CLONE_VM | SIGCHLD;
	regs = eng_regs(th);
	if (regs->orig_rax == SYS_clone3 &&
	    mem_read_all(th->tid, regs->rdi, &flags, sizeof(flags)) == 0)
		return flags;
	return regs->rdi;
}

static void handle_clone(struct eng_thread *th, int event)
{
	unsigned long msg = 0, flags;
	struct eng_thread *child;
	struct eng_proc *proc;

	th->stop = ENG_STOP_EVENT;
	if (pt_geteventmsg(th->tid, &msg) < 0 || !msg) {
		eng_proceed(th);
		return;
	}
	flags = clone_flags(th, event);
	child = eng_thread_find((pid_t)msg);
	if (!child) {
		proc = (flags & CLONE_THREAD) ? eng_proc_get(th->proc->tgid)
					      : eng_proc_get((pid_t)msg);
		child = proc ? eng_thread_new((pid_t)msg, proc) : NULL;
		if (!child) {
			eng_proc_put(proc);
			pr_warn("tid %d: out of memory for new child %lu", th->tid, msg);
			eng_proceed(th);
			return;
		}
		child->new_child = true;
	}
	if (!(flags & CLONE_THREAD) && th->proc->filtered) {
		child->proc->filtered = true;
		memcpy(child->proc->filter, th->proc->filter, sizeof(child->proc->filter));
		child->proc->sig_cached = false;
	}
	eng_report_clone(th, flags, child->tid);
	child->parent_seen = true;
	if (child->early_stop) {
		child->early_stop = false;
		eng_queue(child);
	}
	eng_proceed(th);
}

/* Returns the record of the thread that exec'd, under its new tid. */
static struct eng_thread *handle_exec_rename(pid_t tid)
{
	struct eng_thread *leader = eng_thread_find(tid), *execer;
	unsigned long former = 0;

	if (pt_geteventmsg(tid, &former) < 0 || (pid_t)former == tid)
		return leader;
	execer = eng_thread_find((pid_t)former);
	if (!execer)
		return leader;
	if (leader && leader != execer) {
		leader->superseder = (pid_t)former;
		eng_report_death(leader, 0);
		eng_thread_free(leader);
	}
	eng_thread_rename(execer, tid);
	return execer;
}

static bool is_execve(long nr)
{
	return nr == SYS_execve || nr == SYS_execveat;
}

static void handle_syscall(struct eng_thread *th, bool seccomp)
{
	struct __ptrace_syscall_info info;
	bool entry;
	int i;

	memset(&info, 0, sizeof(info));
	if (pt_syscall_info(th->tid, &info) < 0) {
		eng_proceed(th);
		return;
	}
	entry = info.op == PTRACE_SYSCALL_INFO_ENTRY || info.op == PTRACE_SYSCALL_INFO_SECCOMP;
	th->sc_ip = info.instruction_pointer;
	th->sc_sp = info.stack_pointer;
	th->sc_info_valid = true;
	if (!entry) {
		th->sc_rval = info.exit.rval;
		if (th->sc_nr == SYS_rt_sigaction)
			th->proc->sig_cached = false;
		th->sc_awaiting_seccomp = false;
		th->sc_awaiting_exit = false;
		th->stop = ENG_STOP_SYSCALL_EXIT;
		if (th->sc_nr >= 0 && (!th->pre_exec || is_execve(th->sc_nr)))
			eng_report_syscall_exit(th);
		th->sc_nr = -1;
		eng_proceed(th);
		return;
	}
	/* Under PTRACE_SYSCALL a filtered syscall stops twice: report only the first. */
	if (seccomp && th->sc_awaiting_seccomp && th->sc_nr == (long)info.seccomp.nr) {
		th->sc_awaiting_seccomp = false;
		th->stop = ENG_STOP_SYSCALL_ENTRY;
		eng_proceed(th);
		return;
	}
	th->sc_awaiting_seccomp = !seccomp;
	th->stop = ENG_STOP_SYSCALL_ENTRY;
	if ((seccomp ? info.seccomp.nr : info.entry.nr) == SYS_rt_sigaction)
		th->proc->sig_cached = false;
	th->sc_nr = (long)(seccomp ? info.seccomp.nr : info.entry.nr);
	for (i = 0; i < 6; i++)
		th->sc_args[i] = seccomp ? info.seccomp.args[i] : info.entry.args[i];
	/* Before the command's execve succeeds, only execve itself is the command's. */
	if (th->pre_exec && !is_execve(th->sc_nr)) {
		th->sc_nr = -1;
		th->sc_want_exit = false;
		eng_proceed(th);
		return;
	}
	th->sc_want_exit = false;
	for (i = 0; i < th->nengines; i++)
		th->sc_want_exit |=
			eng_wants_syscall(th->engines[i], th->sc_nr, UTRACE_EVENT(SYSCALL_EXIT));
	eng_report_syscall_entry(th, false);
	if ((th->sc_nr == SYS_exit_group || th->sc_nr == SYS_exit) && !th->sc_abort &&
	    !th->exit_reported && (eng_thread_events(th) & UTRACE_EVENT(EXIT))) {
		long orig = (long)((th->sc_args[0] & 0xff) << 8), code = orig;

		eng_report_exit(th, orig, &code);
		if (code != orig && WIFEXITED(code)) {
			eng_regs(th)->rdi = (unsigned long long)WEXITSTATUS(code);
			th->regs_dirty = true;
		}
	}
	eng_proceed(th);
}

static void handle_event_stop(struct eng_thread *th, int sig)
{
	th->interrupt_sent = false;
	if (is_stop_signal(sig)) {
		th->stop = ENG_STOP_GROUP;
		th->listening = false;
		eng_report_jctl(th, CLD_STOPPED);
	} else {
		th->stop = ENG_STOP_INTERRUPT;
		if (th->listening) {
			th->listening = false;
			eng_report_jctl(th, CLD_CONTINUED);
		}
	}
	eng_proceed(th);
}

/* SIGKILL breaks every stop: the thread never runs user code again (reference 1.9). */
static void break_stops(struct eng_thread *th)
{
	int i;

	for (i = 0; i < th->nengines; i++)
		th->engines[i]->stop = false;
}

static void handle_stopped(struct eng_thread *th, int status)
{
	int sig = WSTOPSIG(status), event = status >> 16;
	unsigned long msg = 0;

	th->stop_sig = sig;
	if (event != PTRACE_EVENT_SECCOMP)
		th->sc_awaiting_seccomp = false;
	th->regs_valid = false;
	th->regs_partial = false;
	th->siginfo_dirty = false;
	if (th->new_child) {
		th->new_child = false;
		th->stop = ENG_STOP_INTERRUPT;
		if (!th->parent_seen) {
			th->early_stop = true;
			return;
		}
		eng_proceed(th);
		return;
	}
	switch (event) {
	case PTRACE_EVENT_STOP:
		handle_event_stop(th, sig);
		return;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		handle_clone(th, event);
		return;
	case PTRACE_EVENT_EXEC:
		th->stop = ENG_STOP_EVENT;
		th->proc->sig_cached = false;
		th->pre_exec = false;
		if (th->proc->exec_fd >= 0) {
			close(th->proc->exec_fd);
			th->proc->exec_fd = -1;
		}
		eng_report_exec(th);
		eng_proceed(th);
		return;
	case PTRACE_EVENT_EXIT:
		th->stop = ENG_STOP_EVENT;
		if (pt_geteventmsg(th->tid, &msg) < 0) {
			eng_proceed(th);
			return;
		}
		if (WIFSIGNALED(msg) && WTERMSIG(msg) == SIGKILL)
			break_stops(th);
		if (!th->exit_reported) {
			long code = (long)msg;

			eng_report_exit(th, (long)msg, &code);
		}
		eng_proceed(th);
		return;
	case PTRACE_EVENT_SECCOMP:
		handle_syscall(th, true);
		return;
	case 0:
		if (sig == (SIGTRAP | 0x80)) {
			handle_syscall(th, false);
			return;
		}
		th->stop = ENG_STOP_SIGNAL;
		th->inject_sig = sig;
		if (th->nengines)
			eng_report_signal(th);
		eng_proceed(th);
		return;
	default:
		th->stop = ENG_STOP_EVENT;
		eng_proceed(th);
		return;
	}
}

/* A stop from a thread we have no record of: an auto-attached child ahead of its parent. */
static void adopt_early_child(pid_t tid)
{
	struct proc_status st;
	struct eng_proc *proc;
	struct eng_thread *th;

	if (proc_status(tid, &st) < 0)
		return;
	proc = eng_proc_get(st.tgid);
	th = proc ? eng_thread_new(tid, proc) : NULL;
	if (!th) {
		eng_proc_put(proc);
		(void)pt_detach(tid, 0);
		return;
	}
	th->stop = ENG_STOP_INTERRUPT;
	th->early_stop = true;
}

void eng_handle_status(pid_t tid, int status)
{
	struct eng_thread *th;

	if (WIFSTOPPED(status) && (status >> 16) == PTRACE_EVENT_EXEC)
		th = handle_exec_rename(tid);
	else
		th = eng_thread_find(tid);
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		remember_status(tid, status);
		if (th) {
			eng_report_death(th, status);
			eng_thread_free(th);
		}
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (!th) {
		adopt_early_child(tid);
		return;
	}
	handle_stopped(th, status);
}

struct forwarded {
	pid_t tid;
	int status;
};

static struct forwarded *forwarded;
static size_t nforwarded, capforwarded;

int utrace_forward_status(pid_t tid, int status)
{
	if (VEC_GROW(forwarded, capforwarded, nforwarded) < 0)
		return -ENOMEM;
	forwarded[nforwarded++] = (struct forwarded){tid, status};
	return 0;
}

static int handle_forwarded(void)
{
	size_t n = nforwarded;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		eng_handle_status(forwarded[i].tid, forwarded[i].status);
		eng_run_deferred();
	}
	memmove(forwarded, forwarded + n, (nforwarded - n) * sizeof(*forwarded));
	nforwarded -= n;
	return (int)n;
}

int utrace_wait(bool block)
{
	int n, status;
	pid_t pid;

	eng_run_deferred();
	n = handle_forwarded();
	for (;;) {
		if (eng_thread_count() == 0)
			return n ? n : -ECHILD;
		pid = waitpid(-1, &status, __WALL | ((block && n == 0) ? 0 : WNOHANG));
		if (pid < 0) {
			int err = errno;

			if (n)
				return n;
			return err == EINTR ? -EINTR : -err;
		}
		if (pid == 0)
			return n;
		eng_handle_status(pid, status);
		eng_run_deferred();
		/* One stop per blocking call: draining would cost a WNOHANG wait per stop. */
		if (++n >= 64 || block)
			return n;
	}
}
