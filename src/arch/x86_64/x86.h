/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86-64 probe-site analysis: what to do with the instruction under a breakpoint.
 *
 * Pure functions over bytes and register sets; no ptrace.  One call of x86_analyze() per probe
 * site decides, once, how each hit continues the displaced instruction:
 *
 *   X86_EMULATE  apply it to the registers (x86_emulate), no second stop;
 *   X86_BOOST    run a copy in an XOL slot that jumps back by itself (x86_xol_prepare, then
 *                RIP = slot); no single-step;
 *   X86_STEP     single-step a fixed-up copy in a slot (x86_xol_prepare, x86_xol_pre_step,
 *                PTRACE_SINGLESTEP, x86_xol_post_step);
 *   X86_REFUSE   the probe cannot be placed there (insn->reason says why).
 */
#ifndef ARCH_X86_64_X86_H
#define ARCH_X86_64_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

#define X86_INT3	 0xcc
#define X86_MAX_INSN	 15
#define X86_SLOT_SIZE	 128 /* mainline UPROBE_XOL_SLOT_BYTES */
#define X86_REASON_MAX	 96
#define X86_EFLAGS_TF	 0x100UL
#define X86_EFLAGS_ARITH 0x8d5UL /* CF PF AF ZF SF OF */

enum x86_class {
	X86_REFUSE,
	X86_EMULATE,
	X86_BOOST,
	X86_STEP,
};

/* Post-step fix-ups, after mainline's UPROBE_FIX_*. */
enum {
	X86_FIX_IP = 1 << 0,	    /* rip += vaddr - slot */
	X86_FIX_CALL = 1 << 1,	    /* pushed return address becomes vaddr + len */
	X86_FIX_SETF = 1 << 2,	    /* popf: TF afterwards is the application's */
	X86_FIX_RIP = 1 << 3,	    /* rip-relative operand goes through insn->scratch */
	X86_FIX_UNDO_CALL = 1 << 4, /* mangled "call +0" fallback: pop it, restart at vaddr */
	X86_FIX_PUSHF = 1 << 5,	    /* stepped pushf: drop our TF from the pushed image */
};

/* Scratch register standing in for RIP in a rewritten memory operand. */
enum x86_scratch {
	X86_SCRATCH_NONE,
	X86_SCRATCH_RSI,
	X86_SCRATCH_RDI,
	X86_SCRATCH_RBX,
};

enum x86_emu_kind {
	X86_EMU_NONE,
	X86_EMU_NOP,	 /* every NOP form, endbr64/endbr32: rip += len */
	X86_EMU_PUSH,	 /* push %reg */
	X86_EMU_MOV,	 /* mov %src,%dst between GPRs, 32 or 64 bits */
	X86_EMU_RSP_ADD, /* add/sub $imm,%rsp, arithmetic flags included */
	X86_EMU_JMP,	 /* jmp rel8/rel32 */
	X86_EMU_CALL,	 /* call rel32 */
	X86_EMU_JCC,	 /* jcc rel8/rel32 */
	X86_EMU_RET,	 /* ret, rep ret, ret $imm16 */
};

/* Register numbers are the hardware ones: 0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, ... 15 r15. */
struct x86_emu {
	enum x86_emu_kind kind;
	uint8_t reg;  /* push source, mov destination */
	uint8_t src;  /* mov source */
	uint8_t bits; /* mov width: 32 (zero-extends) or 64 */
	uint8_t cc;   /* jcc condition, low nibble of the opcode */
	bool sub;     /* RSP_ADD: the instruction subtracts imm */
	int64_t imm;  /* branch displacement, rsp immediate, ret pop count */
};

struct x86_insn {
	uint64_t vaddr;
	uint8_t len;
	uint8_t bytes[X86_MAX_INSN]; /* as in the file */
	uint8_t xol[X86_MAX_INSN];   /* the copy run out of line; same length */
	enum x86_class cls;
	unsigned int fixups;
	enum x86_scratch scratch;
	struct x86_emu emu;
	char reason[X86_REASON_MAX]; /* "emulated: push %rbp", "refused: syscall", ... */
};

/* Stack access of the traced thread; both return 0 or -errno. */
struct x86_mem {
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t addr, const void *buf, size_t len);
	void *ctx;
};

/* Per-thread state of one single-step, kept by the tracer between pre and post. */
struct x86_step {
	uint64_t saved_scratch;
	bool saved_tf;
};

/* Positive results of x86_emulate and x86_xol_post_step. */
enum {
	X86_RES_SIGTRAP = 1 << 0, /* the application had TF set: owe it a SIGTRAP */
	X86_RES_RESTART = 1 << 1, /* rip is back at vaddr: the probe fires again */
};

/*
 * Decode one instruction at vaddr (64-bit mode) and classify it.  Returns 0 with *ret filled
 * (refusals included: cls X86_REFUSE and a reason), -ENOEXEC if it does not decode, -EINVAL
 * for bad arguments.
 */
int x86_analyze(const uint8_t *bytes, size_t len, uint64_t vaddr, struct x86_insn *ret);

/* Turn a boosted instruction into a stepped one (app with TF set, XOL page not writable). */
int x86_insn_force_step(struct x86_insn *insn);

const char *x86_class_name(enum x86_class cls);

static inline bool x86_is_int3(uint8_t byte)
{
	return byte == X86_INT3;
}

/* 0 if offset starts an instruction when decoding code from its start, else -EINVAL/-ENOEXEC. */
int x86_boundary_check(const uint8_t *code, size_t len, size_t offset);

/*
 * Fill an XOL slot for insn.  Boosted: the copy (with its scratch-register prologue and
 * epilogue if rip-relative) followed by an absolute jump to vaddr + len; the slot then needs
 * no help from the tracer beyond RIP = slot_addr, but a rip-relative one keeps the scratch
 * register in a data cell inside the slot, so the slot must be writable by the thread and
 * private to it for the duration of the hit.  Stepped and emulated (the fallback when
 * x86_emulate returns -EFAULT): the fixed-up copy alone.  *ret_len is the bytes used.
 */
int x86_xol_prepare(const struct x86_insn *insn, uint64_t slot_addr, uint8_t *slot,
		    size_t slot_size, size_t *ret_len);

/* Before PTRACE_SINGLESTEP: rip = slot, scratch saved in *st and loaded with vaddr + len. */
int x86_xol_pre_step(const struct x86_insn *insn, struct user_regs_struct *regs, uint64_t slot_addr,
		     struct x86_step *st);

/*
 * After the step trap: restore the scratch register, correct rip / the pushed return address.
 * Returns X86_RES_* flags, or -EFAULT (return address not fixable: rip is back at vaddr, the
 * tracer must kill the thread with SIGSEGV as mainline does).
 */
int x86_xol_post_step(const struct x86_insn *insn, struct user_regs_struct *regs,
		      uint64_t slot_addr, const struct x86_step *st, const struct x86_mem *mem);

/* The stepped copy trapped (fault, fatal signal): back to vaddr with the scratch restored. */
void x86_xol_abort(const struct x86_insn *insn, struct user_regs_struct *regs,
		   const struct x86_step *st);

/* Address of the data cell holding the saved scratch register of a boosted slot, or 0. */
uint64_t x86_xol_cell_addr(const struct x86_insn *insn, uint64_t slot_addr);

/*
 * Move a thread stopped inside a boosted slot (fault, signal) out of it: before the copy ran,
 * back to vaddr (returns 0, the probe fires again on resume); after, on to vaddr + len
 * (returns 1).  cell is the value read from x86_xol_cell_addr().  -EINVAL if rip is not in
 * the slot's code.
 */
int x86_xol_boost_fixup(const struct x86_insn *insn, struct user_regs_struct *regs,
			uint64_t slot_addr, uint64_t cell);

/*
 * Apply an X86_EMULATE instruction.  Returns 0 or X86_RES_SIGTRAP; -EFAULT if the stack access
 * failed (regs untouched: run the x86_xol_prepare copy instead, as mainline does), -EINVAL if
 * insn is not emulated.
 */
int x86_emulate(const struct x86_insn *insn, struct user_regs_struct *regs,
		const struct x86_mem *mem);

/* Condition code cc (0-15, as in jcc) against eflags. */
bool x86_cond(uint8_t cc, uint64_t eflags);

/* Register by hardware number (0 rax .. 15 r15) inside a user_regs_struct. */
unsigned long long *x86_reg(struct user_regs_struct *regs, unsigned int num);

#endif
