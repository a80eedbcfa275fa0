/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Letting go of everything: the tracer's exit path (Ctrl-C, SIGTERM, SIGHUP).
 *
 * PTRACE_DETACH needs a thread in a ptrace-stop, so every running thread is interrupted and
 * the stops are collected.  A signal-delivery-stop hands its signal to PTRACE_DETACH, so
 * pending signals are kept; a group-stop stays a group-stop after detach (the kernel re-arms
 * it), so a stopped process stays stopped.  Children that appear meanwhile (a clone event
 * under way) are collected and detached as well.  A process that carries our seccomp filter
 * cannot outlive us: its filtered syscalls would fail with ENOSYS, so it is killed, with a
 * warning.  Engines are dropped without further callbacks.
 *
 * PTRACE_INTERRUPT can win the race against a fault: a thread that has just executed an int3
 * (or faulted) has its SIGTRAP queued, but the interrupt stop comes first, since the kernel
 * handles job-control traps before it dequeues signals.  Whoever cleans up then sees a thread
 * past the breakpoint with no trap reported, and after the detach the queued SIGTRAP would
 * kill the untraced process.  So a thread interrupted with a fault signal queued for it is let
 * run once more: it dequeues the signal at once and stops in its signal-delivery-stop, where
 * the signal is visible (utrace_stop_signal) and can be cancelled.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine-priv.h"
#include "util/log.h"

static void stop_one(struct eng_thread *th, void *arg)
{
	int *running = arg;

	if (th->stop != ENG_RUNNING || th->dead)
		return;
	(*running)++;
	if (!th->new_child && !th->interrupt_sent && pt_interrupt(th->tid) == 0)
		th->interrupt_sent = true;
}

static void note_stop(pid_t tid, int status)
{
	struct eng_thread *th = eng_thread_find(tid);
	int sig = WSTOPSIG(status), event = status >> 16;
	unsigned long msg = 0;

	if (!th) {
		eng_handle_status(tid, status); /* adopts an early child, or records an exit */
		th = eng_thread_find(tid);
		if (th)
			th->early_stop = false;
		return;
	}
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		eng_thread_free(th);
		return;
	}
	th->new_child = false;
	th->interrupt_sent = false;
	if (event == 0 && sig != (SIGTRAP | 0x80)) {
		th->stop = ENG_STOP_SIGNAL;
		th->inject_sig = sig;
	} else if (event == PTRACE_EVENT_STOP && sig != SIGTRAP) {
		th->stop = ENG_STOP_GROUP;
	} else if (event == PTRACE_EVENT_STOP) {
		th->stop = ENG_STOP_INTERRUPT;
	} else if (event == PTRACE_EVENT_SECCOMP) {
		th->stop = ENG_STOP_SYSCALL_ENTRY;
	} else if (sig == (SIGTRAP | 0x80)) {
		struct __ptrace_syscall_info info;

		th->stop = pt_syscall_info(tid, &info) == 0 && info.op == PTRACE_SYSCALL_INFO_ENTRY
				   ? ENG_STOP_SYSCALL_ENTRY
				   : ENG_STOP_SYSCALL_EXIT;
	} else {
		th->stop = ENG_STOP_EVENT;
	}
	th->regs_valid = false;
	if ((event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
	     event == PTRACE_EVENT_VFORK) &&
	    pt_geteventmsg(tid, &msg) == 0 && msg && !eng_thread_find((pid_t)msg)) {
		struct eng_proc *proc = eng_proc_get(th->proc->tgid);
		struct eng_thread *child = proc ? eng_thread_new((pid_t)msg, proc) : NULL;

		if (child)
			child->new_child = true;
		else
			eng_proc_put(proc);
	}
}

#define FAULT_SIGNALS                                                           \
	(1ull << (SIGTRAP - 1) | 1ull << (SIGSEGV - 1) | 1ull << (SIGBUS - 1) | \
	 1ull << (SIGILL - 1) | 1ull << (SIGFPE - 1))

static void settle_one(struct eng_thread *th, void *arg)
{
	struct proc_status st;
	int *settling = arg;

	if (th->stop != ENG_STOP_INTERRUPT || th->dead || th->settled || th->listening ||
	    proc_status(th->tid, &st) < 0 || !(st.sig_pnd & ~st.sig_blk & FAULT_SIGNALS))
		return;
	th->settled = true;
	eng_write_regs(th);
	if (pt_resume(PTRACE_CONT, th->tid, 0) < 0)
		return;
	pr_debug("tid %d: interrupted with a fault signal queued: run to its stop", th->tid);
	th->stop = ENG_RUNNING;
	th->interrupt_sent = true;
	(*settling)++;
}

static void release_one(struct eng_thread *th, void *arg)
{
	if (th->proc->filtered) {
		pr_info("pid %d: killed: it carries a seccomp filter that needs the tracer",
			th->proc->tgid);
		kill(th->proc->tgid, SIGKILL);
		eng_thread_free(th);
		return;
	}
	if (th->spawn_fd >= 0)
		eng_spawn_release(th);
	eng_detach_thread(th);
}

int utrace_stop_all(void)
{
	struct timespec start, now;
	int running, status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		running = 0;
		eng_thread_foreach(stop_one, &running);
		if (!running)
			eng_thread_foreach(settle_one, &running);
		if (!running)
			break;
		pid = waitpid(-1, &status, __WALL | WNOHANG);
		if (pid > 0) {
			note_stop(pid, status);
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 5) {
			pr_warn("%d threads did not stop", running);
			return running;
		}
		usleep(1000);
	}
	return 0;
}

int utrace_detach_all(void)
{
	utrace_stop_all();
	eng_thread_foreach(release_one, NULL);
	return 0;
}
