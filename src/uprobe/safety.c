/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Surviving the tracer: what makes a watched process live on, unharmed, when the tracer is
 * killed with SIGKILL and can clean nothing up (issue 8, section 4).
 *
 * uprobe_survive() sets it up, with every thread held: the agent (loaded by inproc.c, with no
 * site if the process has none), the XOL area mapped now (so that no later hit needs a remote
 * syscall, which the tracer's death would leave half done), the agent's SIGTRAP handler
 * installed through the journal with the program's own mask and flags, the program's
 * disposition handed to it to chain to, the breakpoints and hijacked returns there are so far
 * written into its table, and EXITKILL taken off a command we started.  From then on the
 * hooks here keep the table in step with uprobes (the order of every write, and why it makes
 * each moment safe, is in agent_abi.h at struct agent_traps; what the handler does with it, in
 * src/agent/signal.c):
 *   up_safety_bp      from proc.c, as breakpoints are installed and removed;
 *   up_safety_hijack  from uretprobe.c, as return addresses are hijacked;
 *   up_safety_resume  from hit.c, at every hit and trampoline return: the rip and rsp the
 *                     thread will get, and for a step what finishing it needs (not at the
 *                     step's end: the agent redoes what the tracer may have done by then);
 *   up_safety_task_gone, up_safety_forget  as threads die and the agent goes (exec).
 * Each is one process_vm_writev into the agent's data (a resume costs one per hit).
 *
 * A write that fails (the process is dying) is ignored: a table that lags only matters if the
 * tracer dies, and then the handler passes the trap it does not know to the program, which is
 * what would have happened without it.  A full table (AGENT_TRAP_BPS breakpoints,
 * AGENT_TRAP_THREADS threads) leaves the rest uncovered, and says so once.
 *
 * The kernel (6.x) drops the signal of a thread held at its signal-delivery-stop when the
 * tracer exits, and the thread runs on from the registers it has: at one of our traps, rip is
 * just past the int3, in the middle of the instruction.  So each breakpoint on an instruction
 * of two bytes or more gets a guard, an int3 on its second byte, which no thread executes
 * while we trace (every thread traps on the first); the trampoline is a row of int3s; and
 * hit.c rewinds rip to the int3 in the kernel as soon as the trap is known to be ours
 * (up_safety_rewind), so that from then on a death leaves the thread where it traps again.
 *
 * Not covered, exactly:
 *   - a breakpoint on a one-byte instruction (push %rbp, a one-byte nop, ret): the byte after
 *     it is the next instruction, which the thread's own continuation needs, so it gets no
 *     guard; a thread held at that trap before hit.c rewound it (queued behind other threads'
 *     stops, say) goes on past the instruction without running it.  Endbr64 entries, and
 *     probes after the prologue's push, are covered.  (The fix: boost such an instruction
 *     together with the next one, so that the byte after it is nobody's continuation.)
 *   - a stepped instruction held at its single-step trap when the tracer dies: the fix-ups
 *     the tracer had not written back are lost, that is, the scratch register of an indirect
 *     jump, call or ret through memory rip-relative keeps vaddr + len, and an indirect call's
 *     return address points into the slot (the slot's int3 guard catches that return).  The
 *     stress test saw an indirect call's result come out wrong once in ~40 rounds, and leaves
 *     that site out;
 *   - a thread in a remote syscall or call of ours when the tracer dies (setup and the XOL
 *     mapping; nothing at a hit once this is set up);
 *   - a fork child we follow (its table is the parent's copy, not kept up to date), and the
 *     program replacing our SIGTRAP handler with its own (its handler then gets our traps).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_abi.h"
#include "inject/agent_load.h"
#include "inject/inject.h"
#include "os/os.h"
#include "sym/sym.h"
#include "uprobe/uprobe-priv.h"
#include "util/log.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

_Static_assert(AGENT_FIX_IP == ARCH_STEP_FIX_IP && AGENT_FIX_CALL == ARCH_STEP_FIX_CALL &&
		       AGENT_FIX_SETF == ARCH_STEP_FIX_SETF &&
		       AGENT_FIX_SCRATCH == ARCH_STEP_FIX_SCRATCH &&
		       AGENT_FIX_UNDO_CALL == ARCH_STEP_FIX_UNDO_CALL &&
		       AGENT_FIX_PUSHF == ARCH_STEP_FIX_PUSHF,
	       "the agent's fix-ups are the arch layer's");
_Static_assert(AGENT_TRAP_DEPTH >= URET_MAX_DEPTH, "a frame record per return instance");

struct up_safety {
	uint64_t table; /* the agent's struct agent_traps, in the process */
	uint64_t bp[AGENT_TRAP_BPS];
	uint32_t nbps;
	pid_t thread[AGENT_TRAP_THREADS];
	uint32_t nthreads;
	bool full_said;
};

/* What the thread record holds from rip on, as one write. */
struct resume {
	uint64_t rip, rsp, slot, vaddr, saved_scratch;
	uint8_t len, fixups, scratch, saved_tf;
};

_Static_assert(offsetof(struct agent_trap_thread, reserved) -
			       offsetof(struct agent_trap_thread, rip) ==
		       offsetof(struct resume, saved_tf) + 1,
	       "struct resume is the record's middle");

#define BP_AT(i)     (offsetof(struct agent_traps, bp) + (i) * sizeof(struct agent_trap_bp))
#define THREAD_AT(i) (offsetof(struct agent_traps, thread) + (i) * sizeof(struct agent_trap_thread))

static void put(struct uproc *p, uint64_t off, const void *buf, size_t len)
{
	(void)p->be.write(p->be.ctx, p->safety->table + off, buf, len);
}

static void table_full(struct up_safety *s, pid_t pid, const char *what)
{
	if (!s->full_said)
		pr_warn("pid %d: the agent's trap table has no room for more %s: those are not "
			"covered if the tracer dies",
			pid, what);
	s->full_said = true;
}

/* A table entry: @orig's low byte, and AGENT_TRAP_GUARD or not. */
static void table_bp(struct uproc *p, uint64_t vaddr, uint64_t orig, bool add)
{
	struct up_safety *s = p->safety;
	struct agent_trap_bp e = {add ? vaddr : 0, orig};
	uint32_t i, n;

	if (!s)
		return;
	for (i = 0; i < s->nbps && s->bp[i] != (add ? 0 : vaddr); i++)
		;
	if (!add && i == s->nbps)
		return;
	if (i == AGENT_TRAP_BPS) {
		table_full(s, p->pid, "breakpoints");
		return;
	}
	s->bp[i] = e.addr;
	put(p, BP_AT(i), &e, add ? sizeof(e) : sizeof(e.addr));
	if (i == s->nbps) {
		n = ++s->nbps;
		put(p, offsetof(struct agent_traps, nbps), &n, sizeof(n));
	}
}

void up_safety_bp(struct uproc *p, uint64_t vaddr, uint8_t orig, bool add)
{
	table_bp(p, vaddr, orig, add);
}

void up_safety_guard(struct uproc *p, struct ubp *bp)
{
	uint8_t now, swbp = ARCH_SWBP_INSN;
	uint64_t at = bp->vaddr + 1;

	if (!p->safety || bp->guard_id || arch_uprobe_insn_len(&bp->arch) < 2 ||
	    bp->probe->nbytes < 2 || p->be.read(p->be.ctx, at, &now, 1) < 0 ||
	    now != bp->probe->bytes[1])
		return;
	table_bp(p, at, now | AGENT_TRAP_GUARD, true);
	if (cure_write(p->cure, &p->be, at, &swbp, ARCH_SWBP_LEN, "breakpoint guard",
		       &bp->guard_id) < 0)
		table_bp(p, at, 0, false);
}

void up_safety_unguard(struct uproc *p, struct ubp *bp, bool revert)
{
	if (!bp->guard_id)
		return;
	if (revert)
		(void)cure_revert(p->cure, &p->be, bp->guard_id);
	else
		cure_forget(p->cure, bp->guard_id);
	bp->guard_id = 0;
	table_bp(p, bp->vaddr + 1, 0, false);
}

void up_safety_rewind(struct utask *t, struct user_regs_struct *regs, uint64_t ip)
{
	if (!t->proc->safety)
		return;
	arch_set_ip(regs, ip);
	(void)utrace_flush_regs(t->tid);
}

/* The thread's record, allocated (and announced) at its first need: its index, or -1. */
static int thread_rec(struct utask *t)
{
	struct up_safety *s = t->proc->safety;
	struct agent_trap_thread head = {.tid = t->tid};
	uint32_t i, n;

	if (t->trap_rec)
		return t->trap_rec - 1;
	for (i = 0; i < s->nthreads && s->thread[i]; i++)
		;
	if (i == AGENT_TRAP_THREADS) {
		table_full(s, t->proc->pid, "threads");
		return -1;
	}
	s->thread[i] = t->tid;
	put(t->proc, THREAD_AT(i), &head, offsetof(struct agent_trap_thread, reserved));
	if (i == s->nthreads) {
		n = ++s->nthreads;
		put(t->proc, offsetof(struct agent_traps, nthreads), &n, sizeof(n));
	}
	t->trap_rec = (int)i + 1;
	return (int)i;
}

void up_safety_hijack(struct utask *t, int index, uint64_t slot, uint64_t ret_addr)
{
	struct agent_trap_frame f = {slot, ret_addr};
	uint32_t depth = (uint32_t)index + 1;
	int i;

	if (!t->proc->safety || index < 0 || index >= AGENT_TRAP_DEPTH)
		return;
	i = thread_rec(t);
	if (i < 0)
		return;
	put(t->proc,
	    THREAD_AT(i) + offsetof(struct agent_trap_thread, frame) + (uint64_t)index * sizeof(f),
	    &f, sizeof(f));
	put(t->proc, THREAD_AT(i) + offsetof(struct agent_trap_thread, depth), &depth,
	    sizeof(depth));
}

uint32_t up_safety_resume(struct utask *t, const struct user_regs_struct *regs, uint32_t action)
{
	struct resume r = {.rip = arch_ip(regs), .rsp = arch_sp(regs)};
	struct arch_step_desc d;
	int i;

	if (!t->proc->safety)
		return action;
	i = thread_rec(t);
	if (i < 0)
		return action;
	if (t->state == UT_STEP) {
		arch_uprobe_step_desc(&t->step_arch, &t->autask, &d);
		r.slot = up_xol_slot_addr(t);
		r.vaddr = d.vaddr;
		r.saved_scratch = d.saved_scratch;
		r.len = d.len;
		r.fixups = d.fixups;
		r.scratch = d.scratch;
		r.saved_tf = d.saved_tf;
	}
	put(t->proc, THREAD_AT(i) + offsetof(struct agent_trap_thread, rip), &r,
	    offsetof(struct resume, saved_tf) + 1);
	return action;
}

void up_safety_task_gone(struct utask *t)
{
	struct up_safety *s = t->proc ? t->proc->safety : NULL;
	int32_t none = 0;

	if (!s || !t->trap_rec)
		return;
	put(t->proc, THREAD_AT(t->trap_rec - 1), &none, sizeof(none));
	s->thread[t->trap_rec - 1] = 0;
	t->trap_rec = 0;
}

void up_safety_forget(struct uproc *p)
{
	struct utask *t;

	if (!p->safety)
		return;
	for (t = p->tasks; t; t = t->next)
		t->trap_rec = 0;
	free(p->safety);
	p->safety = NULL;
	(void)utrace_set_outlive(p->pid, false);
}

/* ---- setting it up ------------------------------------------------------------------------ */

/* What the table must hold before the handler goes in: everything of ours there is already. */
static void fill(struct uproc *p)
{
	struct ubp *bp;
	struct utask *t;
	int i;

	for (bp = p->bps; bp; bp = bp->next) {
		up_safety_bp(p, bp->vaddr, bp->probe->bytes[0], true);
		up_safety_guard(p, bp);
	}
	for (t = p->tasks; t; t = t->next)
		for (i = 0; i < t->depth; i++)
			up_safety_hijack(t, i, t->ret[i].chained ? 0 : t->ret[i].slot,
					 t->ret[i].ret_addr);
}

static int enable(struct uproc *p, struct inj_agent *agent, pid_t tid, void *arg)
{
	const uint64_t none[6] = {0};
	struct arch_ksigaction old, ours;
	struct up_safety *s;
	uint8_t tramp[AGENT_TRAP_TRAMP];
	uint64_t xol[2];
	cure_id id;
	int r;

	(void)arg;
	r = up_xol_ensure(p, tid);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = inj_agent_call(agent, tid, AGENT_ENTRY_TRAPS, none, &s->table);
	if (r == 0)
		r = p->be.sigaction(p->be.ctx, tid, SIGTRAP, NULL, &old);
	if (r < 0) {
		free(s);
		return r;
	}
	memset(tramp, ARCH_SWBP_INSN, sizeof(tramp));
	r = cure_write(p->cure, &p->be, p->xol, tramp, sizeof(tramp), "trampoline", NULL);
	if (r < 0) {
		free(s);
		return r;
	}
	p->safety = s;
	xol[0] = p->xol;
	xol[1] = XOL_PAGES * 4096;
	put(p, offsetof(struct agent_traps, chain), &old, sizeof(old));
	put(p, offsetof(struct agent_traps, xol), xol, sizeof(xol));
	fill(p);
	ours = (struct arch_ksigaction){
		.handler = agent->base + agent->hdr.entry[AGENT_ENTRY_SIGTRAP],
		.flags = SA_SIGINFO | SA_RESTORER | (old.flags & (SA_ONSTACK | SA_NODEFER)),
		.restorer = agent->base + agent->hdr.entry[AGENT_ENTRY_SIGRETURN],
		.mask = old.mask,
	};
	r = cure_sigaction(p->cure, &p->be, tid, SIGTRAP, &ours, "SIGTRAP handler", &id);
	if (r < 0) {
		pr_warn("pid %d: cannot install the agent's SIGTRAP handler: %s", p->pid,
			strerror(-r));
		free(s);
		p->safety = NULL;
		return r;
	}
	r = utrace_set_outlive(p->pid, true);
	if (r == -EPERM)
		pr_warn("pid %d: carries a seccomp filter that needs the tracer: it dies with it",
			p->pid);
	else if (r > 0)
		pr_debug("pid %d: %d threads lose EXITKILL at their next stop", p->pid, r);
	pr_debug("pid %d: the agent's SIGTRAP handler is in, table at 0x%lx", p->pid,
		 (unsigned long)s->table);
	return r < 0 ? r : 0;
}

int uprobe_survive(pid_t pid)
{
	struct uproc *p = up_proc_find(pid);

	if (!p)
		return -ENOENT;
	if (utrace_pre_exec(pid))
		return -EAGAIN;
	if (p->safety)
		return 0;
	return up_inproc_with_agent(p, enable, NULL);
}
