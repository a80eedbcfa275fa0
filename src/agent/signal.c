/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The agent's SIGTRAP handler: what keeps a program alive when its tracer dies with int3s of
 * the trap tier in its text, a thread in the middle of an out-of-line step or a return address
 * hijacked to the uretprobe trampoline.  The tracer installs it through the undo journal (so a
 * detach puts the program's own disposition back) with the program's own sa_mask and
 * SA_ONSTACK/SA_NODEFER, and keeps struct agent_traps (agent_abi.h) up to date as it writes
 * and takes away breakpoints, hijacks returns and lets threads go on from its stops.
 *
 * When it runs.  While the tracer lives, every SIGTRAP stops in it first, and those of ours
 * never go on to the program; so this handler sees our traps only once the tracer is gone, and
 * the program's own SIGTRAPs always.  Those go on to the program's disposition as the kernel
 * would have delivered them: its handler (same stack, same mask, as ours was installed with
 * them; SA_RESETHAND honoured), its default action (the disposition back to SIG_DFL and the
 * signal sent again: the process dies of SIGTRAP with a core, as before), or nothing when it
 * ignores a SIGTRAP that the kernel would not have forced on it.
 *
 * What is ours, in the order it is checked (si_code SI_KERNEL is an int3, TRAP_TRACE a step):
 *   1. a thread whose registers the tracer had set to go on from a hit (rip and rsp are what
 *      the tracer wrote down before setting them), but that it never resumed: the SIGTRAP of
 *      that hit was delivered instead.  The registers are right; only a step that was to
 *      start is given up (back to the probe address, scratch register restored), since no
 *      one will single-step it now;
 *   2. the end of a step: the trap after the copy ran under TF (its fix-ups maybe made by
 *      the tracer already), or the int3 guard after the copy when it ran without (a signal
 *      handler ran between): the tracer's fix-ups, here;
 *   3. the return trampoline (any of its int3s): the real return address of the innermost
 *      frame of this thread hijacked at this stack slot;
 *   4. an int3 of ours in the text, or its guard: the original bytes go back (a write to
 *      /proc/self/mem, which the kernel allows on r-x text and makes atomic for the other
 *      threads; the guard's first), and the instruction restarts.  Nothing else is put back:
 *      only an int3 that just trapped is known to be still there; the program may have
 *      unmapped the others since.
 * The guards and the trampoline's int3s are for the kernel (6.x here), which drops the SIGTRAP
 * of a thread held at its signal-delivery-stop when the tracer exits: the thread runs on from
 * the registers it has.  Those are the trap's own (rip after the int3: a guard, or the
 * trampoline's next int3, catches it), or the ones the tracer wrote back at once to rewind it
 * (hit.c), or those it resumes it with (all places to go on from).  Case 1 is for a kernel
 * that delivers that SIGTRAP instead.  A thread let go just past an int3 must meet the guard
 * still there: the first guard is taken away only AGENT_TRAP_GRACE_MS after the first
 * restore, which all such threads, woken when the tracer died, are given to get there.  That
 * is a bet on the scheduler, not a proof: one that gets no CPU for that long runs on into the
 * restored instruction's second byte.
 *
 * Nothing here allocates or locks: threads trapping at once each do the same idempotent
 * write.  A trap of ours the table does not cover (a return whose frame is gone) goes to the
 * program's disposition like any other.
 */
#include <asm/sigcontext.h>
#include <asm/siginfo.h>
#include <asm/signal.h>
#include <asm/ucontext.h>
#include <linux/fcntl.h>
#include <linux/time.h>
#include <stddef.h>

#include "agent/agent_abi.h"
#include "agent/agent_syscall.h"
#include "agent/dispatch.h"

#define INT3		    0xcc
#define TF		    0x100ull
#define SIG_DFL_	    0ull
#define SIG_IGN_	    1ull
#define AGENT_TRAP_GRACE_MS 50

HIDDEN struct agent_traps agent_traps;
HIDDEN void agent_sigtrap(int sig, siginfo_t *si, void *ucv);
HIDDEN uint64_t agent_traps_table(void);

uint64_t agent_traps_table(void)
{
	return (uint64_t)&agent_traps;
}

static struct agent_trap_thread *thread_find(int32_t tid)
{
	uint32_t i, n = agent_traps.nthreads;

	for (i = 0; i < n && i < AGENT_TRAP_THREADS; i++)
		if (agent_traps.thread[i].tid == tid)
			return &agent_traps.thread[i];
	return NULL;
}

static const struct agent_trap_bp *bp_find(uint64_t addr)
{
	uint32_t i, n = agent_traps.nbps;

	for (i = 0; i < n && i < AGENT_TRAP_BPS; i++)
		if (agent_traps.bp[i].addr == addr)
			return &agent_traps.bp[i];
	return NULL;
}

static void put_byte(uint64_t addr, uint8_t byte)
{
	static const char path[] = "/proc/self/mem";
	long fd = agent_syscall4(__NR_openat, AT_FDCWD, (long)path, O_RDWR | O_CLOEXEC, 0);

	if (fd < 0)
		return;
	(void)agent_syscall4(__NR_pwrite64, fd, (long)&byte, 1, (long)addr);
	(void)agent_syscall1(__NR_close, fd);
}

static int in_xol(uint64_t addr)
{
	return addr - agent_traps.xol < agent_traps.xol_size;
}

/*
 * The step's fix-ups, from rip just after the copy; @ran_alone: no TF, it may have returned.
 * The tracer may have made them already, and died before it let the thread go: those that
 * move rip are made only while rip is still in the XOL area, the others twice do no harm.
 */
static void finish_step(const struct agent_trap_thread *th, uint64_t *g, int ran_alone)
{
	uint64_t *sp;

	if (th->fixups & AGENT_FIX_SCRATCH && th->scratch < AGENT_REG_RSP)
		g[th->scratch] = th->saved_scratch;
	if (th->fixups & AGENT_FIX_IP && in_xol(g[AGENT_REG_RIP]))
		g[AGENT_REG_RIP] += th->vaddr - th->slot;
	if (th->fixups & AGENT_FIX_UNDO_CALL && in_xol(g[AGENT_REG_RIP])) {
		g[AGENT_REG_RSP] += 8;
		g[AGENT_REG_RIP] = th->vaddr;
	}
	sp = (uint64_t *)g[AGENT_REG_RSP];
	if (th->fixups & AGENT_FIX_CALL) {
		if (ran_alone)
			g[AGENT_REG_RIP] =
				th->vaddr + th->len; /* the callee returned into the slot */
		else
			*sp = th->vaddr + th->len;
	}
	if (th->fixups & AGENT_FIX_PUSHF && !th->saved_tf)
		*sp &= ~TF;
	if (!(th->fixups & AGENT_FIX_SETF) && !th->saved_tf)
		g[AGENT_REG_EFLAGS] &= ~TF;
}

static int64_t now_ns(void)
{
	struct timespec ts = {0, 0};

	(void)agent_syscall2(__NR_clock_gettime, CLOCK_MONOTONIC, (long)&ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Before the first guard goes: AGENT_TRAP_GRACE_MS from the first restore on, so that the
 * threads the tracer's death let go just past an int3 (all at that moment) run into their
 * guards while those are still there.  Every thread that restores meanwhile waits as well.
 */
static void grace(void)
{
	static int64_t end;
	int64_t e = __atomic_load_n(&end, __ATOMIC_ACQUIRE), t = now_ns(), none = 0;

	if (!e) {
		e = t + AGENT_TRAP_GRACE_MS * 1000000ll;
		if (!__atomic_compare_exchange_n(&end, &none, e, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			e = none;
	}
	while ((t = now_ns()) < e) {
		struct timespec ts = {0, e - t};

		(void)agent_syscall2(__NR_nanosleep, (long)&ts, 0);
	}
}

/* The breakpoint at @addr: its guard's byte first, so that no thread runs a torn instruction. */
static void restore(uint64_t addr)
{
	const struct agent_trap_bp *bp = bp_find(addr + 1);

	if (bp && bp->orig & AGENT_TRAP_GUARD && *(volatile uint8_t *)(addr + 1) == INT3) {
		grace();
		put_byte(addr + 1, (uint8_t)bp->orig);
	}
	bp = bp_find(addr);
	if (bp && !(bp->orig & AGENT_TRAP_GUARD) && *(volatile uint8_t *)addr == INT3)
		put_byte(addr, (uint8_t)bp->orig);
}

static int return_trampoline(struct agent_trap_thread *th, uint64_t *g)
{
	uint64_t slot = g[AGENT_REG_RSP] - 8;
	uint32_t i;

	if (!th)
		return 0;
	for (i = th->depth < AGENT_TRAP_DEPTH ? th->depth : AGENT_TRAP_DEPTH; i-- > 0;) {
		if (th->frame[i].slot != slot)
			continue;
		g[AGENT_REG_RIP] = th->frame[i].ret_addr;
		th->depth = i;
		return 1;
	}
	return 0;
}

/* 1 when the trap was ours and the registers at @g now go on without it. */
static int undo_trap(int code, uint64_t *g)
{
	struct agent_trap_thread *th = thread_find((int32_t)agent_syscall0(__NR_gettid));
	uint64_t rip = g[AGENT_REG_RIP], addr = rip - 1;
	const struct agent_trap_bp *bp;

	if (th && th->rip && rip == th->rip && g[AGENT_REG_RSP] == th->rsp) {
		th->rip = 0;
		if (th->slot && rip == th->slot) {
			if (th->fixups & AGENT_FIX_SCRATCH && th->scratch < AGENT_REG_RSP)
				g[th->scratch] = th->saved_scratch;
			g[AGENT_REG_RIP] = th->vaddr; /* its int3 restores it, next */
			th->slot = 0;
		}
		return 1;
	}
	if (th && th->slot && (code == TRAP_TRACE || addr == th->slot + th->len)) {
		if (code != TRAP_TRACE)
			g[AGENT_REG_RIP] = addr;
		finish_step(th, g, code != TRAP_TRACE);
		th->slot = 0;
		th->rip = 0;
		return 1;
	}
	if (code != SI_KERNEL)
		return 0;
	if (agent_traps.xol && addr - agent_traps.xol < AGENT_TRAP_TRAMP)
		return return_trampoline(th, g);
	bp = bp_find(addr);
	if (!bp)
		return 0;
	if (bp->orig & AGENT_TRAP_GUARD)
		addr--;
	restore(addr);
	g[AGENT_REG_RIP] = addr;
	return 1;
}

static void __attribute__((noreturn)) default_action(int sig)
{
	uint64_t dfl[4] = {SIG_DFL_, 0, 0, 0}, mask = 1ull << (sig - 1);
	long pid = agent_syscall0(__NR_getpid), tid = agent_syscall0(__NR_gettid);

	(void)agent_syscall4(__NR_rt_sigaction, sig, (long)dfl, 0, 8);
	(void)agent_syscall4(__NR_rt_sigprocmask, SIG_UNBLOCK, (long)&mask, 0, 8);
	(void)agent_syscall3(__NR_tgkill, pid, tid, sig);
	for (;;)
		(void)agent_syscall3(__NR_tgkill, pid, tid, SIGKILL);
}

static void chain(int sig, siginfo_t *si, void *uc)
{
	uint64_t handler = __atomic_load_n(&agent_traps.chain[0], __ATOMIC_RELAXED);
	uint64_t flags = agent_traps.chain[1];
	int forced = si->si_code == SI_KERNEL || (si->si_code > 0 && si->si_code < 0x80);

	if (handler == SIG_IGN_ && !forced)
		return;
	if (handler == SIG_IGN_ || handler == SIG_DFL_)
		default_action(sig);
	if (flags & SA_RESETHAND)
		__atomic_store_n(&agent_traps.chain[0], SIG_DFL_, __ATOMIC_RELAXED);
	if (flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))handler)(sig, si, uc);
	else
		((void (*)(int))handler)(sig);
}

void agent_sigtrap(int sig, siginfo_t *si, void *ucv)
{
	struct ucontext *uc = ucv;

	if ((si->si_code == SI_KERNEL || si->si_code == TRAP_TRACE) &&
	    undo_trap(si->si_code, (uint64_t *)&uc->uc_mcontext))
		return;
	chain(sig, si, ucv);
}
