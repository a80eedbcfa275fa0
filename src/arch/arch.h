/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The arch hook boundary: everything src/inject and src/uprobe ask of the architecture, as
 * mainline's arch_uprobe_*() and compel's arch/ hooks.  The code above this header is
 * generic; the one implementation today is src/arch/x86_64/ (arch_types.h gives the types
 * and constants, *_x86.c the hooks).  All hooks are pure: registers and bytes in and out, no
 * ptrace, no I/O.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

#include "arch/x86_64/arch_types.h"

/* ---- remote syscalls (src/inject/rsyscall.c) ---------------------------------------------- */

/* Offset of the first syscall instruction (ARCH_SYSCALL_INSN_LEN bytes) in code, or -ENOENT. */
long arch_rsyscall_find_insn(const uint8_t *code, size_t len);
/*
 * Turn the registers of a stopped thread into those that run syscall @nr(@args): at a
 * syscall-entry stop the kernel runs ours in place of the thread's own; anywhere else the
 * thread is sent to the syscall instruction at @insn.
 */
void arch_rsyscall_setup(struct user_regs_struct *regs, bool at_entry, uint64_t insn, long nr,
			 const uint64_t args[6]);
/* The syscall's return value (-errno on failure) in the registers of its exit stop. */
long arch_rsyscall_result(const struct user_regs_struct *regs);
/*
 * The thread's own registers, made ready to go back after our syscall: a syscall its stop had
 * interrupted restarts as the kernel would have restarted it, and at a syscall-entry stop its
 * own syscall runs again.
 */
void arch_rsyscall_restore(struct user_regs_struct *saved, bool at_entry);
/* An aligned address of @len bytes on the stopped thread's stack that no code of it uses. */
uint64_t arch_rsyscall_scratch(const struct user_regs_struct *regs, size_t len);

/* ---- uprobes (src/uprobe/) ---------------------------------------------------------------- */

/* How a hit goes on past the displaced instruction (the order of mainline's preference). */
enum arch_uprobe_class {
	ARCH_UPROBE_REFUSE,  /* cannot be probed: arch_uprobe_reason() says why */
	ARCH_UPROBE_EMULATE, /* arch_uprobe_emulate() on the registers */
	ARCH_UPROBE_BOOST,   /* ip = the slot, whose copy jumps back by itself */
	ARCH_UPROBE_STEP,    /* arch_uprobe_pre_xol, one single-step, arch_uprobe_post_xol */
};

/* Memory of the traced thread, for emulation and fix-ups; both return 0 or -errno. */
struct arch_mem {
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t addr, const void *buf, size_t len);
	void *ctx;
};

static inline bool arch_is_swbp(uint8_t byte)
{
	return byte == ARCH_SWBP_INSN;
}

/* Where the breakpoint is whose trap left the thread with these registers. */
static inline uint64_t arch_swbp_addr(const struct user_regs_struct *regs)
{
	return arch_ip(regs) - ARCH_SWBP_LEN;
}

/*
 * Decide, once per site, how the instruction in @bytes (as in the file) at @vaddr continues:
 * 0 with @au filled (refusals included), -ENOEXEC if it does not decode.
 */
int arch_uprobe_analyze(struct arch_uprobe *au, const uint8_t *bytes, size_t len, uint64_t vaddr);
enum arch_uprobe_class arch_uprobe_class(const struct arch_uprobe *au);
/* "emulated: push %rbp", "refused: syscall", ... */
const char *arch_uprobe_reason(const struct arch_uprobe *au);
/* The length of the instruction under the breakpoint. */
size_t arch_uprobe_insn_len(const struct arch_uprobe *au);
/* Whether a slot prepared for @a serves @b as well. */
bool arch_uprobe_same(const struct arch_uprobe *a, const struct arch_uprobe *b);

/* >= 0: done, the thread goes on; < 0: run the instruction out of line instead. */
int arch_uprobe_emulate(const struct arch_uprobe *au, struct user_regs_struct *regs,
			const struct arch_mem *mem);
/* The ARCH_XOL_SLOT_BYTES of a slot at @slot_addr for @au (boosted or stepped copy). */
int arch_uprobe_prepare_xol(const struct arch_uprobe *au, uint64_t slot_addr, uint8_t *code);
/* Stepped: before the single-step of the copy in the slot. */
void arch_uprobe_pre_xol(const struct arch_uprobe *au, struct user_regs_struct *regs,
			 uint64_t slot_addr, struct arch_uprobe_task *aut);
/*
 * Stepped: after the step's trap, the registers as if the original had run.  -EFAULT if a
 * pushed return address could not be fixed (the thread must get SIGSEGV, as in mainline).
 */
int arch_uprobe_post_xol(const struct arch_uprobe *au, struct user_regs_struct *regs,
			 uint64_t slot_addr, const struct arch_uprobe_task *aut,
			 const struct arch_mem *mem);
/* Stepped: the step did not finish (fault, detach): back at the probe, nothing of ours left. */
void arch_uprobe_abort_xol(const struct arch_uprobe *au, struct user_regs_struct *regs,
			   const struct arch_uprobe_task *aut);
/*
 * Stepped: what finishing (or giving up) the step needs, for a finisher that is not the
 * tracer: the agent, when the tracer died while a thread stepped.  fixups are ARCH_STEP_FIX_*
 * (mainline's default_post_xol_op); scratch is the scratch register's index in the kernel's
 * struct sigcontext, saved_scratch and saved_tf what pre_xol saved.
 */
#define ARCH_STEP_FIX_IP	0x01 /* rip += vaddr - slot */
#define ARCH_STEP_FIX_CALL	0x02 /* the pushed return address becomes vaddr + len */
#define ARCH_STEP_FIX_SETF	0x04 /* popf: TF afterwards is the program's */
#define ARCH_STEP_FIX_SCRATCH	0x08 /* the scratch register gets saved_scratch back */
#define ARCH_STEP_FIX_UNDO_CALL 0x10 /* pop the pushed address, restart at vaddr */
#define ARCH_STEP_FIX_PUSHF	0x20 /* clear our TF in the pushed flags */

struct arch_step_desc {
	uint64_t vaddr, saved_scratch;
	uint8_t len, fixups, scratch;
	bool saved_tf;
};

void arch_uprobe_step_desc(const struct arch_uprobe *au, const struct arch_uprobe_task *aut,
			   struct arch_step_desc *ret);

/*
 * Boosted: a thread stopped with its ip inside its slot (a signal, detach) is moved out of it,
 * back to the probe (0: the probe fires again) or past the instruction (1).
 */
int arch_uprobe_leave_slot(const struct arch_uprobe *au, struct user_regs_struct *regs,
			   uint64_t slot_addr, const struct arch_mem *mem);

/* Return probes: where the return address is at the function's entry, */
static inline uint64_t arch_uretprobe_ret_slot(const struct user_regs_struct *regs)
{
	return arch_sp(regs);
}

/* and, at the trampoline's trap, where it was before the return popped it. */
static inline uint64_t arch_uretprobe_popped_slot(const struct user_regs_struct *regs)
{
	return arch_sp(regs) - sizeof(uint64_t);
}

#endif
