/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The execute-out-of-line area: one mapping per process, made lazily by the first hit that
 * needs it (a remote mmap run by the hitting thread, which is stopped at our int3, a clean
 * point for it).  It is RWX anonymous memory named "[uprobes-xol]" where the kernel allows
 * naming, XOL_PAGES pages of ARCH_XOL_SLOT_BYTES-byte slots.
 *
 * Slot 0 holds the uretprobe trampoline: a single int3.  Every other slot belongs to one
 * thread at a time (mainline's per-thread-per-hit policy): a boosted copy keeps its scratch
 * register in a cell of its own slot, so two threads must never share one.  A thread keeps its
 * slot until it dies; the code in it is rewritten when the thread hits another probe.  When
 * every slot is taken, the hit falls back to a wait (the thread is held until a slot is
 * free), never to sharing.  The mapping is an entry of the process's journal, and what is
 * written into it afterwards is covered by that entry: the journal's replay unmaps it at
 * cleanup.  The area survives fork (children inherit it at the same address, so inherited
 * trampoline frames work); a fork child we do not follow has its copy unmapped by the replay
 * of the parent's journal in it (journal.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "inject/inject.h"
#include "os/os.h"
#include "uprobe/uprobe-priv.h"
#include "util/log.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA	     0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

#define XOL_NAME "uprobes-xol"

bool up_xol_contains(const struct uproc *p, uint64_t addr)
{
	return p->xol && addr >= p->xol && addr < p->xol + XOL_PAGES * 4096;
}

uint64_t up_xol_slot_addr(const struct utask *t)
{
	return t->proc->xol + (uint64_t)t->slot * ARCH_XOL_SLOT_BYTES;
}

int up_xol_ensure(struct uproc *p, pid_t tid)
{
	uint64_t args[6] = {0,
			    XOL_PAGES * 4096,
			    PROT_READ | PROT_WRITE | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS,
			    (uint64_t)-1,
			    0};
	uint8_t swbp = ARCH_SWBP_INSN;
	long addr;
	int r;

	if (p->xol)
		return 0;
	r = cure_mmap(p->cure, &p->be, tid, args, "XOL area", &addr, NULL);
	if (r < 0)
		return r;
	if (addr < 0 && addr > -4096) {
		pr_warn("pid %d: cannot map the XOL area: %s", p->pid, strerror((int)-addr));
		return (int)addr;
	}
	p->xol = (uint64_t)addr;
	p->tramp = p->xol;
	up_stats.xol_maps++;
	if (cure_write(p->cure, &p->be, p->tramp, &swbp, ARCH_SWBP_LEN, "trampoline", NULL) < 0)
		return -EFAULT;
	/* Name it, where the kernel can: the name lives at the end of slot 0. */
	if (cure_write(p->cure, &p->be, p->xol + 64, XOL_NAME, sizeof(XOL_NAME), "XOL name",
		       NULL) == 0) {
		uint64_t name_args[6] = {PR_SET_VMA,	   PR_SET_VMA_ANON_NAME, p->xol,
					 XOL_PAGES * 4096, p->xol + 64,		 0};
		long ignored;

		(void)inj_syscall(tid, SYS_prctl, name_args, &ignored);
	}
	pr_debug("pid %d: XOL area at 0x%lx", p->pid, (unsigned long)p->xol);
	return 0;
}

static int slot_take(struct utask *t)
{
	struct uproc *p = t->proc;
	int i;

	if (t->slot > 0)
		return t->slot;
	for (i = 1; i < XOL_SLOTS; i++) {
		if (!p->slot_owner[i]) {
			p->slot_owner[i] = t->tid;
			t->slot = i;
			t->slot_valid = false;
			return i;
		}
	}
	return -EBUSY;
}

void up_xol_release(struct utask *t)
{
	if (t->slot > 0 && t->proc)
		t->proc->slot_owner[t->slot] = 0;
	t->slot = -1;
	t->slot_valid = false;
}

/* The thread's slot, holding @bp's copy; -EBUSY when every slot is taken. */
int up_xol_slot(struct utask *t, struct ubp *bp, uint64_t *ret_addr)
{
	uint8_t code[ARCH_XOL_SLOT_BYTES];
	uint64_t addr;
	int slot, r;

	r = up_xol_ensure(t->proc, t->tid);
	if (r < 0)
		return r;
	slot = slot_take(t);
	if (slot < 0)
		return slot;
	addr = up_xol_slot_addr(t);
	/* Compared by content: a breakpoint freed and another allocated at its place is no match. */
	if (!t->slot_valid || !arch_uprobe_same(&t->slot_arch, &bp->arch)) {
		r = arch_uprobe_prepare_xol(&bp->arch, addr, code);
		if (r < 0)
			return r;
		if (cure_write(t->proc->cure, &t->proc->be, addr, code, sizeof(code), "XOL slot",
			       NULL) < 0)
			return -EFAULT;
		t->slot_arch = bp->arch;
		t->slot_valid = true;
	}
	*ret_addr = addr;
	return 0;
}
