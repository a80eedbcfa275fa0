/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riprel: rewriting a RIP-relative memory operand so that the copy can run anywhere.
 *
 * The copy of an instruction runs in an XOL slot that may lie more than 2 GB from the probe
 * site, so "disp32(%rip)" cannot simply be re-aimed.  As in mainline (riprel_analyze), the
 * ModRM byte "00 reg 101" becomes "10 reg SCR", i.e. disp32(%SCR): the same length, the
 * displacement and any immediate after it untouched.  Whoever runs the copy loads SCR with
 * vaddr + len, the value RIP would have had, and restores it afterwards.  REX.B is cleared and
 * the inverted VEX3/XOP/EVEX B and X bits are set so that SCR is the low-numbered register.
 *
 * SCR is the first of rsi, rdi, rbx that the instruction does not use.  Mainline looks only
 * at ModRM.reg and VEX.vvvv; with Zydis we see every operand, implicit ones included
 * (cmpxchg16b's rbx:rcx, maskmovq's rdi), so the choice is exact.  An instruction using all
 * three is refused (-EOPNOTSUPP); none is known.
 */
#include <errno.h>

#include "arch/x86_64/internal.h"

/* Candidates in mainline's order of preference; rax/rcx/rdx have too many implicit users. */
static const struct {
	enum x86_scratch id;
	int num;
	const char *name;
} scratch_regs[] = {
	{X86_SCRATCH_RSI, 6, "%rsi"},
	{X86_SCRATCH_RDI, 7, "%rdi"},
	{X86_SCRATCH_RBX, 3, "%rbx"},
};

int x86_scratch_num(enum x86_scratch s)
{
	for (size_t i = 0; i < sizeof(scratch_regs) / sizeof(scratch_regs[0]); i++)
		if (scratch_regs[i].id == s)
			return scratch_regs[i].num;
	return -1;
}

const char *x86_scratch_name(enum x86_scratch s)
{
	for (size_t i = 0; i < sizeof(scratch_regs) / sizeof(scratch_regs[0]); i++)
		if (scratch_regs[i].id == s)
			return scratch_regs[i].name;
	return "none";
}

static bool is_rip(ZydisRegister reg)
{
	return reg == ZYDIS_REGISTER_RIP || reg == ZYDIS_REGISTER_EIP;
}

int x86_riprel_find(const struct x86_decoded *d)
{
	for (unsigned int i = 0; i < d->in.operand_count; i++)
		if (d->ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY && is_rip(d->ops[i].mem.base))
			return (int)i;
	return -1;
}

static uint32_t used_gprs(const struct x86_decoded *d)
{
	uint32_t mask = 0;
	int n;

	for (unsigned int i = 0; i < d->in.operand_count; i++) {
		const ZydisDecodedOperand *op = &d->ops[i];

		if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			if ((n = x86_gpr_num(op->reg.value)) >= 0)
				mask |= 1u << n;
		} else if (op->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			if ((n = x86_gpr_num(op->mem.base)) >= 0)
				mask |= 1u << n;
			if ((n = x86_gpr_num(op->mem.index)) >= 0)
				mask |= 1u << n;
		}
	}
	return mask;
}

int x86_riprel_rewrite(const struct x86_decoded *d, uint8_t *xol, enum x86_scratch *ret)
{
	const ZydisDecodedInstruction *in = &d->in;
	uint32_t used = used_gprs(d);
	size_t pick = sizeof(scratch_regs) / sizeof(scratch_regs[0]);
	uint8_t vexb;

	if (!(in->attributes & ZYDIS_ATTRIB_HAS_MODRM) || in->raw.modrm.mod != 0 ||
	    in->raw.modrm.rm != 5 || in->raw.disp.size != 32)
		return -EOPNOTSUPP;
	for (size_t i = 0; i < sizeof(scratch_regs) / sizeof(scratch_regs[0]); i++) {
		if (!(used & (1u << scratch_regs[i].num))) {
			pick = i;
			break;
		}
	}
	if (pick == sizeof(scratch_regs) / sizeof(scratch_regs[0]))
		return -EOPNOTSUPP;

	if (in->attributes & ZYDIS_ATTRIB_HAS_REX)
		xol[in->raw.rex.offset] &= (uint8_t)~0x01;
	vexb = 0;
	if (in->encoding == ZYDIS_INSTRUCTION_ENCODING_VEX && in->raw.vex.size == 3)
		vexb = in->raw.vex.offset + 1;
	else if (in->encoding == ZYDIS_INSTRUCTION_ENCODING_XOP)
		vexb = in->raw.xop.offset + 1;
	else if (in->encoding == ZYDIS_INSTRUCTION_ENCODING_EVEX)
		vexb = in->raw.evex.offset + 1;
	if (vexb)
		xol[vexb] |= 0x60;
	xol[in->raw.modrm.offset] =
		(uint8_t)(0x80 | (in->raw.modrm.reg << 3) | scratch_regs[pick].num);
	*ret = scratch_regs[pick].id;
	return 0;
}
