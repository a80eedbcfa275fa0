/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unwind: user-space backtraces by DWARF CFI through libdwfl, for a thread the tracer already
 * holds stopped (design.md section 2, src/sym/: "unwinding").
 *
 * libdwfl can attach to a process itself (dwfl_linux_proc_attach), but that would ptrace it,
 * and here the tracer is the one ptracer and already has the hit's registers.  So the Dwfl is
 * built by hand: the process's modules come from /proc/PID/maps (dwfl_linux_proc_report, ELF
 * files found by dwfl_linux_proc_find_elf, separate debug files by the standard search), and
 * the thread state from our own Dwfl_Thread_Callbacks: one thread (the hit's), its initial
 * registers from the caller's struct user_regs_struct in DWARF order (rax, rdx, rcx, rbx, rsi,
 * rdi, rbp, rsp, r8..r15, rip), memory through the caller's reader (process_vm_readv).
 * libdwfl then walks with .eh_frame/.debug_frame, and only falls back to frame pointers where
 * a module has no CFI at all, so code built with -fomit-frame-pointer unwinds.
 *
 * The Dwfl lives as long as the process's mappings do: the caller invalidates it at exec, and
 * a walk that stops at a pc outside every module (a library dlopen'ed since) rebuilds it once
 * and walks again; the same missing pc does not rebuild twice in a row, so a stack ending in
 * anonymous code (a JIT, the uprobes trampoline) costs one rebuild, not one per hit.
 *
 * Return probes replace return addresses on the stack with their trampoline; the caller may
 * pass those slots with the real addresses, and memory reads of them see the real ones, so
 * the walk goes through hijacked frames instead of stopping at the trampoline.
 *
 * Failures: -ENOMEM, -ESRCH when the modules cannot be read (the process is gone); a walk
 * that cannot go past the first frame still gives that frame (the pc of the registers).
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sym/unwind.h"

struct sym_unwinder {
	pid_t pid;
	sym_unwind_read_fn read;
	void *read_data;
	Dwfl *dwfl; /* NULL until the next walk needs it */
	uint64_t last_miss;

	/* The walk in progress. */
	pid_t tid;
	const struct user_regs_struct *regs;
	const struct sym_unwind_fixup *fix;
	size_t nfix;
	uint64_t *pcs;
	int max, n;
};

static char *debuginfo_path;

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

static pid_t next_thread(Dwfl *dwfl, void *dwfl_arg, void **thread_argp)
{
	struct sym_unwinder *u = dwfl_arg;

	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = u;
	return u->tid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *dwfl_arg, void **thread_argp)
{
	struct sym_unwinder *u = dwfl_arg;

	(void)dwfl;
	if (tid != u->tid)
		return false;
	*thread_argp = u;
	return true;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *dwfl_arg)
{
	struct sym_unwinder *u = dwfl_arg;
	uint64_t v;

	(void)dwfl;
	for (size_t i = 0; i < u->nfix; i++) {
		if (u->fix[i].slot == addr) {
			*result = u->fix[i].ret_addr;
			return true;
		}
	}
	if (u->read(u->read_data, addr, &v, sizeof(v)) < 0)
		return false;
	*result = v;
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	const struct sym_unwinder *u = thread_arg;
	const struct user_regs_struct *r = u->regs;
	const Dwarf_Word v[17] = {
		r->rax, r->rdx, r->rcx, r->rbx, r->rsi, r->rdi, r->rbp, r->rsp, r->r8,
		r->r9,	r->r10, r->r11, r->r12, r->r13, r->r14, r->r15, r->rip,
	};

	return dwfl_thread_state_registers(thread, 0, 17, v);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static int open_dwfl(struct sym_unwinder *u)
{
	Dwfl *dwfl = dwfl_begin(&dwfl_callbacks);

	if (!dwfl)
		return -ENOMEM;
	dwfl_report_begin(dwfl);
	if (dwfl_linux_proc_report(dwfl, u->pid) != 0)
		goto fail;
	if (dwfl_report_end(dwfl, NULL, NULL) != 0)
		goto fail;
	if (!dwfl_attach_state(dwfl, NULL, u->pid, &thread_callbacks, u))
		goto fail;
	u->dwfl = dwfl;
	return 0;
fail:
	dwfl_end(dwfl);
	return -ESRCH;
}

int sym_unwinder_new(pid_t pid, sym_unwind_read_fn read, void *data,
		     struct sym_unwinder **ret_unwinder)
{
	struct sym_unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		return -ENOMEM;
	u->pid = pid;
	u->read = read;
	u->read_data = data;
	*ret_unwinder = u;
	return 0;
}

void sym_unwinder_invalidate(struct sym_unwinder *u)
{
	if (!u || !u->dwfl)
		return;
	dwfl_end(u->dwfl);
	u->dwfl = NULL;
}

void sym_unwinder_free(struct sym_unwinder *u)
{
	sym_unwinder_invalidate(u);
	free(u);
}

static int frame(Dwfl_Frame *state, void *arg)
{
	struct sym_unwinder *u = arg;
	Dwarf_Addr pc;

	if (!dwfl_frame_pc(state, &pc, NULL) || (u->n > 0 && pc == 0))
		return DWARF_CB_ABORT;
	u->pcs[u->n++] = pc;
	return u->n < u->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

static void walk(struct sym_unwinder *u)
{
	u->n = 0;
	(void)dwfl_getthread_frames(u->dwfl, u->tid, frame, u);
}

/* The walk stopped early at a pc that no module covers: the mappings may have grown. */
static bool stopped_outside(const struct sym_unwinder *u)
{
	uint64_t pc;

	if (u->n == 0 || u->n >= u->max)
		return false;
	pc = u->pcs[u->n - 1];
	return pc != u->last_miss && !dwfl_addrmodule(u->dwfl, u->n > 1 ? pc - 1 : pc);
}

int sym_unwind(struct sym_unwinder *u, pid_t tid, const struct user_regs_struct *regs,
	       const struct sym_unwind_fixup *fix, size_t nfix, uint64_t *pcs, int max, int *ret_n)
{
	int r;

	if (max < 1)
		return -EINVAL;
	if (!u->dwfl && (r = open_dwfl(u)) < 0)
		return r;
	u->tid = tid;
	u->regs = regs;
	u->fix = fix;
	u->nfix = fix ? nfix : 0;
	u->pcs = pcs;
	u->max = max;
	walk(u);
	if (stopped_outside(u)) {
		u->last_miss = u->pcs[u->n - 1];
		sym_unwinder_invalidate(u);
		if (open_dwfl(u) == 0)
			walk(u);
	}
	if (!u->dwfl || u->n == 0) {
		/* Nothing walked: the registers' pc is still a frame. */
		pcs[0] = regs->rip;
		u->n = 1;
	}
	*ret_n = u->n;
	u->regs = NULL;
	u->fix = NULL;
	u->pcs = NULL;
	return 0;
}
