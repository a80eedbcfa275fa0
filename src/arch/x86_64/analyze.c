/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * analyze: the decision taken once per probe site.  The instruction is decoded, then tried in
 * this order: NOP forms (emulated even with prefixes mainline would refuse, since a NOP does
 * nothing they could affect), the refusal list (refuse.c), the emulated set (branches with a
 * relative target, push, mov between registers, add/sub on %rsp, ret), and finally out-of-line
 * execution: boosted unless the instruction moves RIP or TF (branches, calls, loops, popf),
 * which are single-stepped with mainline's fix-up flags.  A rip-relative operand is rewritten
 * for either kind of copy (riprel.c).  pushf is boosted on purpose: run without TF it pushes
 * the application's real flags, where a single-step would push ours (mainline's known wart);
 * if it must be stepped anyway, FIX_PUSHF cleans the pushed image as gdb does.
 *
 * The result is a self-contained value: struct x86_insn holds no pointers and can be copied
 * freely.  Emulated instructions also get a steppable copy and fix-ups, the fallback when the
 * emulated stack access faults; for call rel32 that copy is mainline's mangled "call +0",
 * whose only purpose is to fault the same way.  Errors: -ENOEXEC for bytes that do not decode,
 * -EINVAL for bad arguments; a refusal is a successful analysis with cls X86_REFUSE.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/internal.h"

const char *x86_class_name(enum x86_class cls)
{
	switch (cls) {
	case X86_EMULATE:
		return "emulated";
	case X86_BOOST:
		return "boosted";
	case X86_STEP:
		return "stepped";
	case X86_REFUSE:
		break;
	}
	return "refused";
}

static bool gpr_of_width(const ZydisDecodedOperand *op, ZydisRegisterClass cls)
{
	return op->type == ZYDIS_OPERAND_TYPE_REGISTER &&
	       ZydisRegisterGetClass(op->reg.value) == cls;
}

static bool legacy_op(const ZydisDecodedInstruction *in, ZydisOpcodeMap map, uint8_t lo, uint8_t hi)
{
	return in->encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY && in->opcode_map == map &&
	       in->opcode >= lo && in->opcode <= hi;
}

static bool is_nop(const ZydisDecodedInstruction *in)
{
	if (in->mnemonic == ZYDIS_MNEMONIC_ENDBR64 || in->mnemonic == ZYDIS_MNEMONIC_ENDBR32)
		return true;
	if (in->mnemonic != ZYDIS_MNEMONIC_NOP)
		return false;
	return legacy_op(in, ZYDIS_OPCODE_MAP_DEFAULT, 0x90, 0x90) ||
	       (legacy_op(in, ZYDIS_OPCODE_MAP_0F, 0x1f, 0x1f) && in->raw.modrm.reg == 0);
}

static bool setup_branch(const struct x86_decoded *d, struct x86_emu *emu)
{
	const ZydisDecodedInstruction *in = &d->in;
	const ZydisDecodedOperand *op = &d->ops[0];

	if (!(in->attributes & ZYDIS_ATTRIB_IS_RELATIVE) ||
	    op->type != ZYDIS_OPERAND_TYPE_IMMEDIATE)
		return false;
	if (legacy_op(in, ZYDIS_OPCODE_MAP_DEFAULT, 0xe9, 0xe9) ||
	    legacy_op(in, ZYDIS_OPCODE_MAP_DEFAULT, 0xeb, 0xeb))
		emu->kind = X86_EMU_JMP;
	else if (legacy_op(in, ZYDIS_OPCODE_MAP_DEFAULT, 0xe8, 0xe8))
		emu->kind = X86_EMU_CALL;
	else if (legacy_op(in, ZYDIS_OPCODE_MAP_DEFAULT, 0x70, 0x7f) ||
		 legacy_op(in, ZYDIS_OPCODE_MAP_0F, 0x80, 0x8f))
		emu->kind = X86_EMU_JCC;
	else
		return false;
	emu->cc = in->opcode & 0x0f;
	emu->imm = op->imm.value.s;
	return true;
}

static bool setup_emulate(const struct x86_decoded *d, struct x86_emu *emu)
{
	const ZydisDecodedInstruction *in = &d->in;
	const ZydisDecodedOperand *op = d->ops;

	if (setup_branch(d, emu))
		return true;
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_RET:
		if (!legacy_op(in, ZYDIS_OPCODE_MAP_DEFAULT, 0xc2, 0xc3))
			return false;
		emu->kind = X86_EMU_RET;
		emu->imm = in->opcode == 0xc2 ? (int64_t)op[0].imm.value.u : 0;
		return true;
	case ZYDIS_MNEMONIC_PUSH:
		if (in->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY ||
		    !gpr_of_width(&op[0], ZYDIS_REGCLASS_GPR64))
			return false;
		emu->kind = X86_EMU_PUSH;
		emu->reg = (uint8_t)x86_gpr_num(op[0].reg.value);
		return true;
	case ZYDIS_MNEMONIC_MOV:
		if (!legacy_op(in, ZYDIS_OPCODE_MAP_DEFAULT, 0x89, 0x89) &&
		    !legacy_op(in, ZYDIS_OPCODE_MAP_DEFAULT, 0x8b, 0x8b))
			return false;
		if (gpr_of_width(&op[0], ZYDIS_REGCLASS_GPR64) &&
		    gpr_of_width(&op[1], ZYDIS_REGCLASS_GPR64))
			emu->bits = 64;
		else if (gpr_of_width(&op[0], ZYDIS_REGCLASS_GPR32) &&
			 gpr_of_width(&op[1], ZYDIS_REGCLASS_GPR32))
			emu->bits = 32;
		else
			return false;
		emu->kind = X86_EMU_MOV;
		emu->reg = (uint8_t)x86_gpr_num(op[0].reg.value);
		emu->src = (uint8_t)x86_gpr_num(op[1].reg.value);
		return true;
	case ZYDIS_MNEMONIC_ADD:
	case ZYDIS_MNEMONIC_SUB:
		if (!legacy_op(in, ZYDIS_OPCODE_MAP_DEFAULT, 0x81, 0x81) &&
		    !legacy_op(in, ZYDIS_OPCODE_MAP_DEFAULT, 0x83, 0x83))
			return false;
		if (op[0].type != ZYDIS_OPERAND_TYPE_REGISTER ||
		    op[0].reg.value != ZYDIS_REGISTER_RSP ||
		    op[1].type != ZYDIS_OPERAND_TYPE_IMMEDIATE)
			return false;
		emu->kind = X86_EMU_RSP_ADD;
		emu->sub = in->mnemonic == ZYDIS_MNEMONIC_SUB;
		emu->imm = op[1].imm.value.s;
		return true;
	default:
		return false;
	}
}

/* Fix-ups for stepping the copy of an emulated instruction (x86_emulate's -EFAULT fallback). */
static void setup_fallback(const struct x86_decoded *d, struct x86_insn *insn)
{
	switch (insn->emu.kind) {
	case X86_EMU_CALL:
		memset(insn->xol + d->in.raw.imm[0].offset, 0, d->in.raw.imm[0].size / 8);
		insn->fixups = X86_FIX_UNDO_CALL;
		break;
	case X86_EMU_RET:
		insn->fixups = 0;
		break;
	default:
		insn->fixups = X86_FIX_IP;
		break;
	}
}

/* Out-of-line kinds: returns a short description, sets cls and fixups. */
static const char *classify_xol(const struct x86_decoded *d, struct x86_insn *insn)
{
	const ZydisDecodedInstruction *in = &d->in;

	insn->cls = X86_STEP;
	switch (in->meta.category) {
	case ZYDIS_CATEGORY_RET:
		insn->fixups = 0;
		return "return";
	case ZYDIS_CATEGORY_CALL:
		insn->fixups = X86_FIX_CALL;
		return "indirect call";
	case ZYDIS_CATEGORY_UNCOND_BR:
		insn->fixups = 0;
		return "indirect jump";
	case ZYDIS_CATEGORY_COND_BR:
		insn->fixups = X86_FIX_IP;
		return "loop/jrcxz";
	default:
		break;
	}
	insn->fixups = X86_FIX_IP;
	if (in->mnemonic == ZYDIS_MNEMONIC_POPFQ || in->mnemonic == ZYDIS_MNEMONIC_POPF) {
		insn->fixups |= X86_FIX_SETF;
		return "popf";
	}
	if (in->mnemonic == ZYDIS_MNEMONIC_PUSHFQ || in->mnemonic == ZYDIS_MNEMONIC_PUSHF)
		insn->fixups |= X86_FIX_PUSHF;
	for (unsigned int i = 0; i < in->operand_count; i++) {
		const ZydisDecodedOperand *op = &d->ops[i];

		if (op->type == ZYDIS_OPERAND_TYPE_REGISTER && op->reg.value == ZYDIS_REGISTER_RIP)
			return "writes rip";
	}
	insn->cls = X86_BOOST;
	return NULL;
}

static void set_reason(struct x86_insn *insn, const char *what, const char *text)
{
	char extra[32] = "";

	if (insn->fixups & X86_FIX_RIP)
		snprintf(extra, sizeof(extra), " [rip-relative via %s]",
			 x86_scratch_name(insn->scratch));
	snprintf(insn->reason, sizeof(insn->reason), "%s: %s%s%s%s", x86_class_name(insn->cls),
		 what ? what : "", what ? ": " : "", text, extra);
}

int x86_analyze(const uint8_t *bytes, size_t len, uint64_t vaddr, struct x86_insn *ret)
{
	struct x86_insn insn = {0};
	struct x86_decoded d;
	char text[64];
	const char *why;
	int rc;

	if (!bytes || !ret)
		return -EINVAL;
	rc = x86_decode(bytes, len, &d);
	if (rc < 0)
		return rc;
	insn.vaddr = vaddr;
	insn.len = d.in.length;
	memcpy(insn.bytes, bytes, insn.len);
	memcpy(insn.xol, bytes, insn.len);
	x86_format(&d, vaddr, text, sizeof(text));

	if (is_nop(&d.in)) {
		insn.cls = X86_EMULATE;
		insn.emu.kind = X86_EMU_NOP;
		insn.fixups = X86_FIX_IP;
		set_reason(&insn, NULL, text);
	} else if ((why = x86_refusal(&d))) {
		insn.cls = X86_REFUSE;
		snprintf(insn.reason, sizeof(insn.reason), "refused: %s", why);
	} else if (setup_emulate(&d, &insn.emu)) {
		insn.cls = X86_EMULATE;
		setup_fallback(&d, &insn);
		set_reason(&insn, NULL, text);
	} else {
		why = classify_xol(&d, &insn);
		if (x86_riprel_find(&d) >= 0) {
			if (x86_riprel_rewrite(&d, insn.xol, &insn.scratch) < 0) {
				memset(&insn.emu, 0, sizeof(insn.emu));
				insn.cls = X86_REFUSE;
				insn.fixups = 0;
				snprintf(insn.reason, sizeof(insn.reason),
					 "refused: rip-relative, no free scratch register");
				goto out;
			}
			insn.fixups |= X86_FIX_RIP;
		}
		set_reason(&insn, why, text);
	}
out:
	*ret = insn;
	return 0;
}

int x86_insn_force_step(struct x86_insn *insn)
{
	if (!insn || (insn->cls != X86_BOOST && insn->cls != X86_STEP))
		return -EINVAL;
	insn->cls = X86_STEP;
	return 0;
}

int x86_boundary_check(const uint8_t *code, size_t len, size_t offset)
{
	struct x86_decoded d;
	size_t pos = 0;
	int rc;

	if (!code || offset >= len)
		return -EINVAL;
	while (pos < offset) {
		rc = x86_decode(code + pos, len - pos, &d);
		if (rc < 0)
			return rc;
		pos += d.in.length;
	}
	return pos == offset ? 0 : -EINVAL;
}
