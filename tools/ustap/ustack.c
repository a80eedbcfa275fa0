/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ustack: the unwinding behind ubacktrace() and friends, on the tracer's side.
 *
 * The VM asks host->backtrace for the hit's stack; the thread is stopped at the hit and its
 * registers are in the hit, so the walk (src/sym/unwind.c, DWARF CFI through libdwfl) reads
 * the stack with process_vm_readv and never ptraces anything itself.  Each process keeps one
 * unwinder, whose libdwfl modules (the ELF files and their CFI) last until the process execs
 * (procs_refresh calls ustack_forget) or dies; a library loaded later is picked up by the
 * unwinder itself when a walk ends in unknown code.
 *
 * Return probes: a frame whose return address a uretprobe replaced would show the trampoline
 * in the XOL area, where the walk ends since it has no CFI.  uretprobe_pending() gives the
 * real addresses and the stack slots they belong in; sym_unwind reads those slots as the real
 * addresses, so the walk goes on through the caller.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "os/os.h"
#include "sym/unwind.h"
#include "utrace/uprobe.h"
#include "ustack.h"

struct unwinder_entry {
	pid_t pid;
	struct sym_unwinder *u;
	struct unwinder_entry *next;
};

static struct unwinder_entry *unwinders;

static int read_mem(void *data, uint64_t addr, void *buf, size_t len)
{
	long n = mem_read((pid_t)(intptr_t)data, addr, buf, len);

	return n == (long)len ? 0 : -EFAULT;
}

static struct sym_unwinder *unwinder(pid_t pid)
{
	struct unwinder_entry *e;

	for (e = unwinders; e; e = e->next)
		if (e->pid == pid)
			return e->u;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	if (sym_unwinder_new(pid, read_mem, (void *)(intptr_t)pid, &e->u) < 0) {
		free(e);
		return NULL;
	}
	e->pid = pid;
	e->next = unwinders;
	unwinders = e;
	return e->u;
}

/*
 * The return addresses uretprobes hijacked in tid (the slot holding the trampoline and the
 * real address), so that the walk goes through those frames instead of stopping at the
 * trampoline.
 */
static size_t fixups(pid_t tid, struct sym_unwind_fixup *fix, size_t max)
{
	struct uretprobe_pending pend[64];
	int n = uretprobe_pending(tid, pend, (int)(max < 64 ? max : 64)), i;

	for (i = 0; i < n; i++) {
		fix[i].slot = pend[i].slot;
		fix[i].ret_addr = pend[i].ret_addr;
	}
	return n > 0 ? (size_t)n : 0;
}

int ustack_walk(pid_t pid, pid_t tid, const struct user_regs_struct *regs, uint64_t *pcs, int max)
{
	struct sym_unwinder *u = unwinder(pid);
	struct sym_unwind_fixup fix[64];
	size_t nfix = fixups(tid, fix, sizeof(fix) / sizeof(fix[0]));
	int n, r;

	if (!u)
		return -ENOMEM;
	r = sym_unwind(u, tid, regs, fix, nfix, pcs, max, &n);
	return r < 0 ? r : n;
}

void ustack_forget(pid_t pid)
{
	for (struct unwinder_entry **pp = &unwinders; *pp; pp = &(*pp)->next) {
		struct unwinder_entry *e = *pp;

		if (e->pid != pid)
			continue;
		*pp = e->next;
		sym_unwinder_free(e->u);
		free(e);
		return;
	}
}

void ustack_free_all(void)
{
	while (unwinders)
		ustack_forget(unwinders->pid);
}
