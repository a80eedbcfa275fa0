/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The undo journal (inject/cure.c) as uprobes keeps it: one per watched process, holding
 * every change uprobes makes in it, and the backends through which the journal reaches the
 * process.
 *
 * What goes in: breakpoint bytes (proc.c), raised SDT semaphores (refctr.c), the XOL mapping
 * (xol.c; the slots and the trampoline written into it are covered by the mapping and not
 * recorded), hijacked return addresses (uretprobe.c).  What leaves it while the process runs:
 * a change taken back (a probe unregistered: cure_revert), or gone by itself (a frame returned
 * through the trampoline or left by longjmp, a thread died, the program unmapped the memory,
 * exec: cure_forget*).  Detach replays what is left (cleanup.c).  Thread state that is not a
 * write of ours (a thread inside a slot, a trap not yet handled) is set right from live state
 * by cleanup.c before the replay.
 *
 * A watched process's backend reaches its memory through its pid, or through any of its
 * threads when the leader is a zombie (a leader that called pthread_exit has no memory of its
 * own any more), and runs remote syscalls in the thread it is told to, or else in the first
 * of its threads that can.
 *
 * A fork child we do not follow has a copy of the parent's memory, and with it of every
 * change of ours, at the same addresses; it must run without them.  The parent's journal is
 * copied at the clone report (cure_fork) and replayed in the child in two steps: the memory
 * entries at once, while the child has not run yet; the ones that need a syscall in the
 * child (the XOL mapping) from the child's first report, which comes before any instruction
 * of it runs, by an engine of its own that detaches afterwards.  The two steps do not depend
 * on each other's order: what we write into a mapping of ours is not in the journal.
 */
#include <errno.h>
#include <string.h>

#include "inject/inject.h"
#include "os/os.h"
#include "uprobe/uprobe-priv.h"
#include "util/log.h"

static int proc_mem(struct uproc *p, uint64_t addr, void *buf, size_t len, bool write)
{
	const struct utask *t;
	int r;

	r = write ? mem_write_all(p->pid, addr, buf, len) : mem_read_all(p->pid, addr, buf, len);
	for (t = p->tasks; r == -ESRCH && t; t = t->next) {
		if (t->tid == p->pid)
			continue;
		r = write ? mem_write_all(t->tid, addr, buf, len)
			  : mem_read_all(t->tid, addr, buf, len);
	}
	return r;
}

static int proc_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return proc_mem(ctx, addr, buf, len, false);
}

static int proc_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	return proc_mem(ctx, addr, (void *)buf, len, true);
}

static int proc_syscall(void *ctx, pid_t tid, long nr, const uint64_t args[6], long *ret_value)
{
	const struct uproc *p = ctx;
	const struct utask *t;
	int r = -ESRCH;

	if (tid)
		return inj_syscall(tid, nr, args, ret_value);
	for (t = p->tasks; t; t = t->next) {
		r = inj_syscall(t->tid, nr, args, ret_value);
		if (r == 0)
			break;
	}
	return r;
}

static int proc_sigaction(void *ctx, pid_t tid, int sig, const struct arch_ksigaction *act,
			  struct arch_ksigaction *ret_old)
{
	const struct uproc *p = ctx;
	const struct utask *t;
	int r = -ESRCH;

	if (tid)
		return inj_sigaction(tid, sig, act, ret_old);
	for (t = p->tasks; t; t = t->next) {
		r = inj_sigaction(t->tid, sig, act, ret_old);
		if (r == 0)
			break;
	}
	return r;
}

static int proc_set_regs(void *ctx, pid_t tid, const struct user_regs_struct *regs)
{
	return utrace_set_regs(tid, regs);
}

void up_backend_init(struct uproc *p)
{
	p->be = (struct cure_backend){
		.read = proc_read,
		.write = proc_write,
		.syscall = proc_syscall,
		.sigaction = proc_sigaction,
		.set_regs = proc_set_regs,
		.ctx = p,
	};
}

/* ---- a fork child we do not follow: its one thread, stopped before its first instruction */

static int child_syscall(void *ctx, pid_t tid, long nr, const uint64_t args[6], long *ret_value)
{
	return inj_syscall(MEM_PID_OF(ctx), nr, args, ret_value);
}

static int child_sigaction(void *ctx, pid_t tid, int sig, const struct arch_ksigaction *act,
			   struct arch_ksigaction *ret_old)
{
	return inj_sigaction(MEM_PID_OF(ctx), sig, act, ret_old);
}

static uint32_t child_quiesce(uint32_t action, struct utrace_engine *engine, unsigned long event)
{
	pid_t child = utrace_engine_tid(engine);
	const struct cure_backend be = {mem_pid_read,	 mem_pid_write, child_syscall,
					child_sigaction, NULL,		MEM_PID(child)};
	struct cure *copy = engine->data;

	if (copy) {
		(void)cure_undo(copy, &be);
		cure_unref(copy);
		engine->data = NULL;
	}
	return UTRACE_DETACH;
}

static uint32_t child_death(struct utrace_engine *engine, bool group_dead, int signal)
{
	cure_unref(engine->data);
	engine->data = NULL;
	return UTRACE_DETACH;
}

static const struct utrace_engine_ops child_ops = {
	.report_quiesce = child_quiesce,
	.report_death = child_death,
};

void up_journal_clean_child(struct uproc *parent, pid_t child)
{
	const struct cure_backend mem = {mem_pid_read, mem_pid_write, .ctx = MEM_PID(child)};
	struct cure *copy = cure_fork(parent->cure, child);
	struct utrace_engine *e;
	int r;

	if (!copy) {
		pr_warn("pid %d: fork child %d keeps our changes: %s", parent->pid, child,
			strerror(ENOMEM));
		return;
	}
	(void)cure_undo(copy, &mem);
	if (!cure_count(copy)) {
		cure_unref(copy);
		return;
	}
	e = utrace_attach(child, UTRACE_ATTACH_CREATE, &child_ops, copy);
	if (!e) {
		pr_warn("pid %d: fork child %d keeps our mappings: %s", parent->pid, child,
			strerror(errno));
		cure_unref(copy);
		return;
	}
	r = utrace_set_events(child, e, UTRACE_EVENT(QUIESCE) | UTRACE_EVENT(DEATH));
	if (r == 0 || r == -EINPROGRESS)
		utrace_control(child, e, UTRACE_REPORT);
	utrace_engine_put(e);
}
