/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Leaving a process as we found it.  With every thread stopped, first what is not a write of
 * ours but a thread caught half-way through one of our stops, from live state:
 *
 *   - a thread in the middle of a step goes back to the probe address with its scratch
 *     register restored (the instruction runs again, from the original bytes), and the
 *     signals held during the step are queued again;
 *   - a thread inside a boosted slot is moved out of it (arch_uprobe_leave_slot);
 *   - a thread stopped by one of our int3s whose trap nobody handled yet has rip rewound and
 *     the SIGTRAP cancelled; a trap at the trampoline is completed (its frame leaves the
 *     journal: the return already popped it).
 *
 * Then the process's journal is replayed, newest first (journal.c, inject/cure.c): every
 * stack slot still holding the trampoline gets its real return address back, every SDT
 * semaphore is lowered by what we raised it, every breakpoint byte still ours gets the old
 * byte back, and the XOL area is unmapped by a remote munmap run by one of the threads.  An
 * entry that cannot be undone is reported and the others still are.
 *
 * Afterwards no thread has rip in the XOL area, no stack holds a trampoline address, and the
 * text is byte-identical to the file.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "os/os.h"
#include "uprobe/uprobe-priv.h"
#include "util/log.h"

static void clean_task(struct utask *t)
{
	struct uproc *p = t->proc;
	struct user_regs_struct regs, before;
	struct ubp *bp;

	if (utrace_get_regs(t->tid, &regs) < 0)
		return;
	before = regs;
	if (t->state == UT_STEP) {
		arch_uprobe_abort_xol(&t->step_arch, &regs, &t->autask);
		t->state = UT_RUNNING;
		up_requeue_held(t, 0);
	} else if (p->tramp && arch_swbp_addr(&regs) == p->tramp &&
		   utrace_stop_signal(t->tid) == SIGTRAP) {
		if (up_ret_trampoline(t, &regs) == 0)
			utrace_set_stop_signal(t->tid, 0);
	} else if (t->slot_valid && up_xol_contains(p, arch_ip(&regs))) {
		struct arch_mem mem = {mem_pid_read, mem_pid_write, MEM_PID(t->tid)};

		(void)arch_uprobe_leave_slot(&t->slot_arch, &regs, up_xol_slot_addr(t), &mem);
	} else if (utrace_stop_signal(t->tid) == SIGTRAP &&
		   (bp = up_bp_find(p, arch_swbp_addr(&regs)))) {
		arch_set_ip(&regs, bp->vaddr);
		utrace_set_stop_signal(t->tid, 0);
	}
	if (memcmp(&regs, &before, sizeof(regs)))
		utrace_set_regs(t->tid, &regs);
}

int uprobe_unwatch(pid_t pid)
{
	struct uproc *p = up_proc_find(pid);
	struct utask *t;

	if (!p)
		return -ENOENT;
	for (t = p->tasks; t; t = t->next)
		clean_task(t);
	(void)cure_undo(p->cure, &p->be);
	for (t = p->tasks; t; t = t->next)
		if (t->engine)
			utrace_control(t->tid, t->engine, UTRACE_DETACH);
	up_proc_free(p);
	return 0;
}

int uprobe_cleanup_all(void)
{
	utrace_stop_all();
	while (up_proc_all())
		uprobe_unwatch(up_proc_all()->pid);
	return 0;
}
