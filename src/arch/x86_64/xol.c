/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xol: the out-of-line copy of a probed instruction, in a 128-byte slot, and the register
 * fix-ups around it.
 *
 * A stepped slot holds the fixed-up copy and an int3 guard.  The tracer runs it with
 * x86_xol_pre_step (rip = slot, scratch register saved and loaded with vaddr + len), one
 * PTRACE_SINGLESTEP, and x86_xol_post_step, which applies mainline's default_post_xol_op:
 * FIX_IP adds vaddr - slot to rip, FIX_CALL rewrites the pushed return address, ret and
 * indirect jumps keep their absolute rip, popf keeps the TF it loaded.
 *
 * A boosted slot runs to completion by itself and ends with "jmp *0(%rip); .quad vaddr+len",
 * which reaches any address and clobbers nothing.  When the copy is rip-relative the slot
 * also saves the scratch register in a data cell of its own, loads it with movabs, and
 * reloads it after the copy; no stack is touched, so the red zone below rsp is safe and
 * instructions that move rsp can be boosted.  The cell makes the slot per-thread and
 * writable.  Layout (scratch %rsi shown):
 *
 *	 0  48 89 35 rel32	mov %rsi,cell(%rip)
 *	 7  48 be imm64		movabs $vaddr+len,%rsi
 *	17  copy		the instruction, disp32(%rsi) instead of disp32(%rip)
 *	    48 8b 35 rel32	mov cell(%rip),%rsi
 *	    ff 25 00000000	jmp *0(%rip)
 *	    .quad vaddr+len
 *	    cell		8 bytes, 8-aligned in the address space
 *
 * Every register change happens on a copy that is committed at the end, so a failing call
 * leaves regs as they were, except where the comment of the function says otherwise.
 */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/internal.h"

struct layout {
	size_t copy;	/* the instruction */
	size_t restore; /* reload of the scratch register, == jmp without one */
	size_t jmp;	/* jmp *0(%rip) */
	size_t target;	/* its 8-byte target */
	size_t cell;	/* saved scratch register, 0 without one */
	size_t end;
};

static bool has_cell(const struct x86_insn *insn)
{
	return insn->cls == X86_BOOST && (insn->fixups & X86_FIX_RIP);
}

static void boost_layout(const struct x86_insn *insn, uint64_t slot_addr, struct layout *l)
{
	bool cell = has_cell(insn);

	l->copy = cell ? 17 : 0;
	l->restore = l->copy + insn->len;
	l->jmp = l->restore + (cell ? 7 : 0);
	l->target = l->jmp + 6;
	l->end = l->target + 8;
	l->cell = 0;
	if (cell) {
		l->cell = l->end + ((8 - ((slot_addr + l->end) & 7)) & 7);
		l->end = l->cell + 8;
	}
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* mov %reg,rel32(%rip) (store) or mov rel32(%rip),%reg (load); rel32 counted from the end. */
static void emit_cell_mov(uint8_t *p, bool load, int reg, size_t at, size_t cell)
{
	p[0] = 0x48;
	p[1] = load ? 0x8b : 0x89;
	p[2] = (uint8_t)((reg << 3) | 5);
	put32(p + 3, (uint32_t)(int32_t)((long)cell - (long)(at + 7)));
}

static int prepare_boost(const struct x86_insn *insn, uint64_t slot_addr, uint8_t *slot,
			 size_t slot_size, size_t *ret_len)
{
	uint64_t next = insn->vaddr + insn->len;
	int reg = x86_scratch_num(insn->scratch);
	struct layout l;

	boost_layout(insn, slot_addr, &l);
	if (l.end > slot_size)
		return -ENOSPC;
	memset(slot, X86_INT3, l.end);
	if (l.cell) {
		emit_cell_mov(slot, false, reg, 0, l.cell);
		slot[7] = 0x48;
		slot[8] = (uint8_t)(0xb8 + reg);
		put64(slot + 9, next);
		emit_cell_mov(slot + l.restore, true, reg, l.restore, l.cell);
		put64(slot + l.cell, 0);
	}
	memcpy(slot + l.copy, insn->xol, insn->len);
	slot[l.jmp] = 0xff;
	slot[l.jmp + 1] = 0x25;
	put32(slot + l.jmp + 2, 0);
	put64(slot + l.target, next);
	*ret_len = l.end;
	return 0;
}

int x86_xol_prepare(const struct x86_insn *insn, uint64_t slot_addr, uint8_t *slot,
		    size_t slot_size, size_t *ret_len)
{
	if (!insn || !slot || !ret_len || insn->cls == X86_REFUSE)
		return -EINVAL;
	if (insn->cls == X86_BOOST)
		return prepare_boost(insn, slot_addr, slot, slot_size, ret_len);
	if ((size_t)insn->len + 1 > slot_size)
		return -ENOSPC;
	memcpy(slot, insn->xol, insn->len);
	slot[insn->len] = X86_INT3;
	*ret_len = (size_t)insn->len + 1;
	return 0;
}

static unsigned long long *scratch_reg(const struct x86_insn *insn, struct user_regs_struct *regs)
{
	if (!(insn->fixups & X86_FIX_RIP))
		return NULL;
	return x86_reg(regs, (unsigned int)x86_scratch_num(insn->scratch));
}

int x86_xol_pre_step(const struct x86_insn *insn, struct user_regs_struct *regs, uint64_t slot_addr,
		     struct x86_step *st)
{
	unsigned long long *scr;

	if (!insn || !regs || !st || (insn->cls != X86_STEP && insn->cls != X86_EMULATE))
		return -EINVAL;
	st->saved_tf = !!(regs->eflags & X86_EFLAGS_TF);
	st->saved_scratch = 0;
	scr = scratch_reg(insn, regs);
	if (scr) {
		st->saved_scratch = *scr;
		*scr = insn->vaddr + insn->len;
	}
	regs->rip = slot_addr;
	return 0;
}

/* On -EFAULT regs are still updated: rip back at vaddr, scratch restored (mainline's abort). */
int x86_xol_post_step(const struct x86_insn *insn, struct user_regs_struct *regs,
		      uint64_t slot_addr, const struct x86_step *st, const struct x86_mem *mem)
{
	struct user_regs_struct r;
	uint64_t next, val;
	unsigned long long *scr;
	int res;

	if (!insn || !regs || !st || (insn->cls != X86_STEP && insn->cls != X86_EMULATE))
		return -EINVAL;
	r = *regs;
	next = insn->vaddr + insn->len;
	res = st->saved_tf ? X86_RES_SIGTRAP : 0;
	scr = scratch_reg(insn, &r);
	if (scr)
		*scr = st->saved_scratch;
	if (insn->fixups & X86_FIX_IP)
		r.rip += insn->vaddr - slot_addr;
	if (insn->fixups & X86_FIX_UNDO_CALL) {
		r.rsp += 8;
		r.rip = insn->vaddr;
		res = X86_RES_RESTART;
	}
	if (insn->fixups & X86_FIX_CALL) {
		if (!mem || !mem->write || mem->write(mem->ctx, r.rsp, &next, sizeof(next)) < 0)
			goto fault;
	}
	if ((insn->fixups & X86_FIX_PUSHF) && !st->saved_tf) {
		if (!mem || !mem->read || !mem->write ||
		    mem->read(mem->ctx, r.rsp, &val, sizeof(val)) < 0)
			goto fault;
		val &= ~(uint64_t)X86_EFLAGS_TF;
		if (mem->write(mem->ctx, r.rsp, &val, sizeof(val)) < 0)
			goto fault;
	}
	if (!(insn->fixups & X86_FIX_SETF) && !st->saved_tf)
		r.eflags &= ~X86_EFLAGS_TF;
	*regs = r;
	return res;
fault:
	x86_xol_abort(insn, regs, st);
	return -EFAULT;
}

void x86_xol_abort(const struct x86_insn *insn, struct user_regs_struct *regs,
		   const struct x86_step *st)
{
	unsigned long long *scr = scratch_reg(insn, regs);

	if (scr)
		*scr = st->saved_scratch;
	regs->rip = insn->vaddr;
	if (!st->saved_tf)
		regs->eflags &= ~X86_EFLAGS_TF;
}

uint64_t x86_xol_cell_addr(const struct x86_insn *insn, uint64_t slot_addr)
{
	struct layout l;

	if (!insn || !has_cell(insn))
		return 0;
	boost_layout(insn, slot_addr, &l);
	return slot_addr + l.cell;
}

int x86_xol_boost_fixup(const struct x86_insn *insn, struct user_regs_struct *regs,
			uint64_t slot_addr, uint64_t cell)
{
	unsigned long long *scr;
	struct layout l;
	uint64_t off;

	if (!insn || !regs || insn->cls != X86_BOOST || regs->rip < slot_addr)
		return -EINVAL;
	boost_layout(insn, slot_addr, &l);
	off = regs->rip - slot_addr;
	scr = l.cell ? scratch_reg(insn, regs) : NULL;

	/* Before the copy ran: the prologue offsets 0 and 7 leave the scratch value intact. */
	if (off == 0 || (l.cell && off == 7) || off == l.copy) {
		if (scr && off == l.copy)
			*scr = cell;
		regs->rip = insn->vaddr;
		return 0;
	}
	/* After it: the reload (if any) and the jump back. */
	if (off == l.restore || off == l.jmp) {
		if (scr && off == l.restore && l.restore != l.jmp)
			*scr = cell;
		regs->rip = insn->vaddr + insn->len;
		return 1;
	}
	return -EINVAL;
}
