/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Remote function calls: making a stopped tracee run a function of ours and come back, the
 * way gdb's inferior calls and CRIU's parasite do.  rsyscall.c runs one syscall; this runs
 * code (the agent's entries), with the same care for the state the thread was stopped in.
 *
 * The call.  The thread's registers, signal mask and siginfo are saved.  rip goes to a stub in
 * the tracee, `call *%rax; int3`, with rax the function and the arguments in rdi, rsi, rdx,
 * rcx, r8, r9; rsp goes 16-aligned below the thread's red zone (the 128 bytes under rsp that
 * leaf code may use), so the `call` itself pushes the return address and the tracer writes
 * nothing on the stack; DF and TF are cleared as the ABI and a quiet run want.  orig_rax is
 * -1 so that the kernel neither runs nor restarts a syscall on these registers.  PTRACE_CONT
 * runs it; the function returns onto the int3, and the SIGTRAP stop at its address ends the
 * call with the result in rax.
 *
 * Where the thread ends.  In a signal-delivery-stop (the SIGTRAP), whatever stop it started
 * in.  That is what makes the restore exact: back go the registers, mask and siginfo, and when
 * the engine resumes the thread, the kernel is in get_signal() again with the thread's own
 * state.  A signal the engine injects is delivered with its original siginfo; a syscall that
 * the first stop had interrupted (rax = -ERESTART*) is restarted, or fails with EINTR, by the
 * kernel's own rules, which run after that stop.  The one stop that is not on that path is a
 * syscall entry (or seccomp) stop: the syscall would be skipped, so the thread is set to run
 * it again from its syscall instruction, as rsyscall.c does (engines see its entry twice);
 * once: after the first call or remote syscall at that stop, orig_rax is -1 and the thread is
 * no longer at an entry.
 * Refused with -EBUSY: a job-control stop (the engine resumes it with PTRACE_LISTEN, which
 * only works from a group-stop) and ptrace events in the middle of a syscall (clone, exec,
 * exit: the syscall would finish under our registers and lose its result).
 *
 * Signals during the call.  Everything is blocked except the synchronous signals (SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS): the kernel forces those through a block by
 * resetting the program's handler to SIG_DFL, which must never happen to the program because
 * of us; unblocked, they stop the thread in a signal-delivery-stop like any other.  One the
 * kernel raised in our code is a fault in the function: the call fails with -EFAULT and the
 * signal is never delivered.  One sent by someone (si_code <= 0), and SIGSTOP, which cannot
 * be blocked, are held and sent again (tgkill) once the thread's state is back: it gets them
 * as pending signals, without their original sender's siginfo.  The agent's own syscalls can
 * hit the program's seccomp filter: those stops are resumed, never reported.
 *
 * Settling.  A remote syscall ends in a syscall-exit stop, and a signal injected from there is
 * sent again by the kernel with a siginfo of its own (SI_KERNEL).  inj_settle() brings such a
 * thread back to a signal-delivery-stop before it runs anything: with every signal blocked but
 * SIGTRAP, a SIGTRAP sent with tgkill is dequeued on the way to user mode, and at its stop the
 * saved siginfo and mask go back.  Not when a SIGTRAP of the thread's own is pending: it would
 * be the one dequeued, and be lost.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inject/inject.h"
#include "inject/rcall.h"
#include "os/os.h"
#include "utrace/utrace.h"
#include "util/log.h"

#define RED_ZONE  128
#define X86_DF	  0x400
#define X86_TF	  0x100
#define SIGBIT(s) (1ull << ((s)-1))
#define SYNC_SIGNALS                                                                            \
	(SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | SIGBIT(SIGFPE) | SIGBIT(SIGTRAP) | \
	 SIGBIT(SIGSYS))

/* Whether the stop with this siginfo is a ptrace event inside a syscall (clone, exec, ...). */
static bool in_syscall_event(const siginfo_t *si)
{
	int event = si->si_code >> 8;

	return si->si_signo == SIGTRAP && (si->si_code & 0xff) == SIGTRAP && event > 0 &&
	       event != PTRACE_EVENT_STOP && event != PTRACE_EVENT_SECCOMP;
}

/*
 * Resume until the stub's int3.  *held collects signals to send again afterwards.  Returns 0,
 * -EFAULT for a fault in the called code (logged), -ESRCH if the thread died (its status goes
 * back to the engine).
 */
static int run_to_trap(pid_t tid, uint64_t trap, uint64_t *held)
{
	struct user_regs_struct regs;
	siginfo_t si;
	int status, sig;

	for (;;) {
		if (inj_resume_wait(tid, PTRACE_CONT, &status) < 0)
			return -ESRCH;
		if (status >> 16)
			continue; /* seccomp, or a group-stop or interrupt arriving meanwhile */
		sig = WSTOPSIG(status);
		if (pt_getsiginfo(tid, &si) < 0 || pt_getregs(tid, &regs) < 0)
			return -ESRCH;
		if (sig == SIGTRAP && si.si_code == SI_KERNEL && regs.rip == trap + 1)
			return 0;
		if (sig == SIGSTOP || si.si_code <= 0 || !(SYNC_SIGNALS & SIGBIT(sig))) {
			*held |= SIGBIT(sig);
			continue;
		}
		pr_warn("tid %d: remote call faulted: signal %d (code %d) at 0x%llx, address %p",
			tid, sig, si.si_code, regs.rip, si.si_addr);
		return -EFAULT;
	}
}

/* Resume until the SIGTRAP stop; other stops as in run_to_trap (no code runs, so no faults). */
static int run_to_sigtrap(pid_t tid, uint64_t *held)
{
	int status, sig;

	for (;;) {
		if (inj_resume_wait(tid, PTRACE_CONT, &status) < 0)
			return -ESRCH;
		if (status >> 16)
			continue;
		sig = WSTOPSIG(status);
		if (sig == SIGTRAP)
			return 0;
		*held |= SIGBIT(sig);
	}
}

static void send_held(pid_t tid, uint64_t held)
{
	struct proc_status st;
	int sig;

	if (!held || proc_status(tid, &st) < 0)
		return;
	for (sig = 1; sig <= 64; sig++)
		if (held & SIGBIT(sig))
			(void)syscall(SYS_tgkill, st.tgid, tid, sig);
}

int inj_settle(pid_t tid, const siginfo_t *si)
{
	struct proc_status st;
	uint64_t mask, held = 0;
	int r;

	r = proc_status(tid, &st);
	if (r < 0)
		return r;
	if (st.sig_pnd & SIGBIT(SIGTRAP)) {
		pr_debug("tid %d: a SIGTRAP is pending: not settled", tid);
		return -EBUSY;
	}
	r = pt_getsigmask(tid, &mask);
	if (r == 0)
		r = pt_setsigmask(tid, ~SIGBIT(SIGTRAP));
	if (r == 0 && syscall(SYS_tgkill, st.tgid, tid, SIGTRAP) < 0)
		r = -errno;
	if (r == 0)
		r = run_to_sigtrap(tid, &held);
	if (r == -ESRCH)
		return r;
	(void)pt_setsigmask(tid, mask);
	if (r == 0)
		r = pt_setsiginfo(tid, si);
	send_held(tid, held);
	return r;
}

int inj_call(pid_t tid, uint64_t stub, uint64_t fn, const uint64_t args[6], uint64_t *ret_value)
{
	struct user_regs_struct saved, regs, after;
	uint64_t mask, held = 0;
	bool have_si, at_entry;
	siginfo_t si;
	int r;

	r = utrace_get_regs(tid, &saved);
	if (r < 0)
		return r;
	r = pt_getsiginfo(tid, &si);
	if (r == -EINVAL) {
		pr_warn("tid %d: in a job-control stop: no remote call", tid);
		return -EBUSY;
	}
	have_si = r == 0;
	at_entry = utrace_at_syscall_entry(tid) && (long)saved.orig_rax >= 0;
	if (have_si && in_syscall_event(&si) && !at_entry) {
		pr_warn("tid %d: stopped in ptrace event %d: no remote call", tid, si.si_code >> 8);
		return -EBUSY;
	}
	r = pt_getsigmask(tid, &mask);
	if (r < 0)
		return r;
	regs = saved;
	regs.rip = stub;
	regs.rax = fn;
	regs.rdi = args[0];
	regs.rsi = args[1];
	regs.rdx = args[2];
	regs.rcx = args[3];
	regs.r8 = args[4];
	regs.r9 = args[5];
	regs.rsp = (saved.rsp - RED_ZONE) & ~15ull;
	regs.orig_rax = (unsigned long long)-1;
	regs.eflags &= ~(unsigned long long)(X86_DF | X86_TF);
	r = pt_setregs(tid, &regs);
	if (r == 0)
		r = pt_setsigmask(tid, ~SYNC_SIGNALS);
	if (r == 0)
		r = run_to_trap(tid, stub + INJ_CALL_STUB_TRAP, &held);
	if (r == 0)
		r = pt_getregs(tid, &after);
	if (r == -ESRCH)
		return r;
	if (at_entry) {
		saved.rip -= 2;
		saved.rax = saved.orig_rax;
		saved.orig_rax = (unsigned long long)-1;
	}
	(void)pt_setsigmask(tid, mask);
	if (have_si)
		(void)pt_setsiginfo(tid, &si);
	if (pt_setregs(tid, &saved) < 0 || utrace_set_regs(tid, &saved) < 0)
		r = r < 0 ? r : -ESRCH;
	send_held(tid, held);
	if (r == 0)
		*ret_value = after.rax;
	pr_debug("tid %d: remote call 0x%lx = %d", tid, (unsigned long)fn, r);
	return r;
}
