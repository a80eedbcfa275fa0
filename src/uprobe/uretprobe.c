/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Return probes: the return address is hijacked at function entry and replaced with the
 * trampoline, an int3 in slot 0 of the XOL area.  Each thread keeps a stack of instances
 * (function, real return address, and the stack slot that was rewritten), at most
 * URET_MAX_DEPTH deep as in mainline; deeper calls are not hijacked.
 *
 * Several return probes on one function share one hijack (they are consumers of one probe).
 * A function entered with the trampoline already in its return slot (a tail call from another
 * probed function) does not hijack again: its instance is chained to the one below and both
 * handlers run at the one return, the latest first.  Instances whose stack slot lies below the
 * current stack pointer belong to frames that were left by longjmp or an exception; they are
 * dropped at every entry and every return, without handlers.  A trap at the trampoline with no
 * instance left is delivered to the program as mainline's SIGILL would be.
 *
 * Unregistering a return probe leaves pending instances redirecting, without handlers.  Each
 * hijack is a write in the process's journal, and leaves it when the frame is gone (returned
 * through, left, or its thread dead); detach (and a fork child we do not follow) replays what
 * is left, so every slot still holding the trampoline gets its real return address back.
 */
#include <errno.h>

#include "os/os.h"
#include "uprobe/uprobe-priv.h"
#include "util/log.h"

/* The innermost instance is gone: its hijack with it. */
static void pop(struct utask *t)
{
	cure_forget(t->proc->cure, t->ret[--t->depth].id);
}

static void drop_below(struct utask *t, uint64_t sp)
{
	while (t->depth > 0 && t->ret[t->depth - 1].slot < sp)
		pop(t);
}

void up_ret_forget(struct utask *t)
{
	while (t->depth > 0)
		pop(t);
}

void up_ret_hijack(struct utask *t, struct ubp *bp, struct user_regs_struct *regs)
{
	struct uret_instance *inst;
	uint64_t sp = arch_uretprobe_ret_slot(regs), ret;
	uint64_t tramp;

	if (up_xol_ensure(t->proc, t->tid) < 0)
		return;
	tramp = t->proc->tramp;
	drop_below(t, sp);
	if (mem_read_all(t->tid, sp, &ret, sizeof(ret)) < 0)
		return;
	if (t->depth > 0 && t->ret[t->depth - 1].slot == sp && ret != tramp)
		pop(t); /* the slot was reused: that frame is gone */
	if (t->depth >= URET_MAX_DEPTH) {
		pr_debug("tid %d: return probe depth %d reached; not hijacking", t->tid,
			 URET_MAX_DEPTH);
		return;
	}
	inst = &t->ret[t->depth];
	inst->probe = bp->probe;
	inst->func = bp->vaddr;
	inst->slot = sp;
	inst->id = 0;
	inst->chained = ret == tramp;
	if (inst->chained) {
		if (t->depth == 0)
			return;
		inst->ret_addr = t->ret[t->depth - 1].ret_addr;
		up_safety_hijack(t, t->depth, 0, inst->ret_addr);
	} else {
		inst->ret_addr = ret;
		up_safety_hijack(t, t->depth, sp, ret);
		if (cure_write(t->proc->cure, &t->proc->be, sp, &tramp, sizeof(tramp),
			       "return address", &inst->id) < 0)
			return;
	}
	t->depth++;
}

static void run_ret_consumers(struct utask *t, const struct uret_instance *inst,
			      struct user_regs_struct *regs)
{
	struct uprobe_consumer *uc, *next;
	struct uprobe_hit hit = {
		.pid = t->proc->pid,
		.tid = t->tid,
		.vaddr = inst->func,
		.regs = regs,
		.func = inst->func,
		.ret_addr = inst->ret_addr,
		.slot = inst->slot,
	};

	if (!inst->probe)
		return;
	for (uc = inst->probe->ret_consumers; uc; uc = next) {
		next = uc->next;
		if (uc->ret_handler)
			uc->ret_handler(uc, &hit);
	}
}

int up_ret_trampoline(struct utask *t, struct user_regs_struct *regs)
{
	struct uret_instance inst;
	uint64_t slot = arch_uretprobe_popped_slot(regs);

	drop_below(t, slot);
	if (t->depth == 0) {
		pr_warn("tid %d: return through the trampoline with no instance", t->tid);
		return -ENOENT;
	}
	do {
		inst = t->ret[t->depth - 1];
		pop(t);
		arch_set_ip(regs, inst.ret_addr);
		run_ret_consumers(t, &inst, regs);
	} while (inst.chained && t->depth > 0);
	arch_set_ip(regs, inst.ret_addr);
	return 0;
}

int uretprobe_pending(pid_t tid, struct uretprobe_pending *v, int max)
{
	struct uproc *p;
	struct utask *t = NULL;
	int i, n = 0;

	for (p = up_proc_all(); p && !t; p = p->next)
		t = up_task_find(p, tid);
	if (!t)
		return -ESRCH;
	for (i = t->depth - 1; i >= 0 && n < max; i--) {
		if (t->ret[i].chained)
			continue;
		v[n].slot = t->ret[i].slot;
		v[n].ret_addr = t->ret[i].ret_addr;
		v[n].func = t->ret[i].func;
		n++;
	}
	return n;
}
