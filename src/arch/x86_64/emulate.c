/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * emulate: applying an X86_EMULATE instruction to a register set, so the hit needs no second
 * stop.  Semantics are the hardware's, not an approximation: push %rsp pushes the old value,
 * a 32-bit mov zero-extends, add/sub on %rsp set all six arithmetic flags, jcc reads the
 * flags as the CPU does (mainline's COND/XF table), call pushes vaddr + len.  Targets are
 * computed from insn->vaddr, not from regs->rip, so a handler that moved rip cannot skew them;
 * whether to emulate at all after such a move is the caller's decision.
 *
 * The work is done on a copy of the registers and committed only on success: a failed stack
 * access (-EFAULT) leaves regs untouched, and the caller falls back to stepping the slot copy
 * so the fault is delivered the way the application would have taken it.  If the application
 * runs with TF set, the result asks for the SIGTRAP a real step would have produced.
 */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/x86.h"

#define EFLAGS_CF 0x001ULL
#define EFLAGS_PF 0x004ULL
#define EFLAGS_AF 0x010ULL
#define EFLAGS_ZF 0x040ULL
#define EFLAGS_SF 0x080ULL
#define EFLAGS_OF 0x800ULL

#define XF(f) (!!(eflags & EFLAGS_##f))

bool x86_cond(uint8_t cc, uint64_t eflags)
{
	bool r;

	/* Even condition codes test a predicate, odd ones its negation. */
	switch ((cc & 0x0f) >> 1) {
	case 0: /* o */
		r = XF(OF);
		break;
	case 1: /* b, c */
		r = XF(CF);
		break;
	case 2: /* e, z */
		r = XF(ZF);
		break;
	case 3: /* be */
		r = XF(CF) || XF(ZF);
		break;
	case 4: /* s */
		r = XF(SF);
		break;
	case 5: /* p */
		r = XF(PF);
		break;
	case 6: /* l */
		r = XF(SF) != XF(OF);
		break;
	default: /* le */
		r = XF(ZF) || XF(SF) != XF(OF);
		break;
	}
	return (cc & 1) ? !r : r;
}

static uint64_t arith_flags(uint64_t eflags, uint64_t a, uint64_t b, bool sub)
{
	uint64_t r = sub ? a - b : a + b;
	bool cf = sub ? a < b : r < a;
	bool of = (sub ? ((a ^ b) & (a ^ r)) : ((a ^ r) & (b ^ r))) >> 63;

	eflags &= ~(EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_OF);
	if (cf)
		eflags |= EFLAGS_CF;
	if (!__builtin_parityll(r & 0xff))
		eflags |= EFLAGS_PF;
	if ((a ^ b ^ r) & 0x10)
		eflags |= EFLAGS_AF;
	if (!r)
		eflags |= EFLAGS_ZF;
	if (r >> 63)
		eflags |= EFLAGS_SF;
	if (of)
		eflags |= EFLAGS_OF;
	return eflags;
}

static int push(struct user_regs_struct *r, const struct x86_mem *mem, uint64_t val)
{
	uint64_t sp = r->rsp - 8;
	int rc;

	if (!mem || !mem->write)
		return -EFAULT;
	rc = mem->write(mem->ctx, sp, &val, sizeof(val));
	if (rc < 0)
		return -EFAULT;
	r->rsp = sp;
	return 0;
}

int x86_emulate(const struct x86_insn *insn, struct user_regs_struct *regs,
		const struct x86_mem *mem)
{
	const struct x86_emu *e = &insn->emu;
	struct user_regs_struct r = *regs;
	uint64_t next = insn->vaddr + insn->len;
	uint64_t val;
	int rc = 0;

	if (insn->cls != X86_EMULATE)
		return -EINVAL;
	r.rip = next;
	switch (e->kind) {
	case X86_EMU_NOP:
		break;
	case X86_EMU_PUSH:
		rc = push(&r, mem, *x86_reg(regs, e->reg));
		break;
	case X86_EMU_MOV:
		val = *x86_reg(regs, e->src);
		*x86_reg(&r, e->reg) = e->bits == 32 ? (uint32_t)val : val;
		break;
	case X86_EMU_RSP_ADD:
		r.eflags = arith_flags(r.eflags, r.rsp, (uint64_t)e->imm, e->sub);
		r.rsp = e->sub ? r.rsp - (uint64_t)e->imm : r.rsp + (uint64_t)e->imm;
		break;
	case X86_EMU_JMP:
		r.rip = next + (uint64_t)e->imm;
		break;
	case X86_EMU_CALL:
		rc = push(&r, mem, next);
		r.rip = next + (uint64_t)e->imm;
		break;
	case X86_EMU_JCC:
		if (x86_cond(e->cc, r.eflags))
			r.rip = next + (uint64_t)e->imm;
		break;
	case X86_EMU_RET:
		if (!mem || !mem->read || mem->read(mem->ctx, r.rsp, &val, sizeof(val)) < 0)
			return -EFAULT;
		r.rip = val;
		r.rsp += 8 + (uint64_t)e->imm;
		break;
	default:
		return -EINVAL;
	}
	if (rc < 0)
		return rc;
	*regs = r;
	return (regs->eflags & X86_EFLAGS_TF) ? X86_RES_SIGTRAP : 0;
}
