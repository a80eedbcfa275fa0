/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * refuse: which instructions never get a probe, and why.  The lists are mainline's
 * (arch/x86/kernel/uprobes.c: good_insns_64, good_2byte_insns, is_prefix_bad,
 * insn_masking_exception, the 0x66 branch check) plus what our own tiers cannot honour:
 * ud0/ud1 next to ud2, far branches and 16-bit branches of every kind, and xbegin, whose
 * abort target is relative to wherever the copy runs.  Opcodes that are invalid in 64-bit
 * mode (push/pop of segment registers, daa, pusha, far immediates...) never get here: Zydis
 * does not decode them, and the caller reports -ENOEXEC.  Every refusal carries a short
 * reason that ends up in "refused: <reason>".  x86_refusal_insn is the instruction list
 * alone, without the prefix rules, for jump patching (patch.c).
 */
#include "arch/x86_64/internal.h"

struct bad_op {
	uint8_t lo, hi;
	const char *why;
};

/* One-byte map, legacy encoding. */
static const struct bad_op bad_1byte[] = {
	{0x6c, 0x6f, "ins/outs"}, /* SIGSEGV in user space */
	{0xcc, 0xcc, "int3"},	  /* SIGTRAP, and our own breakpoint byte */
	{0xcd, 0xcd, "int $N"},	  /* int $0x80 system calls; others #GP */
	{0xce, 0xce, "into"},	  /* invalid in 64-bit mode, kept for completeness */
	{0xcf, 0xcf, "iret"},	  /* reloads cs/ss/rflags from the stack */
	{0xe4, 0xe7, "in/out"},	  /* port I/O with an immediate port */
	{0xec, 0xef, "in/out"},	  /* port I/O through %dx */
	{0xf1, 0xf1, "int1"},	  /* SIGTRAP */
	{0xf4, 0xf4, "hlt"},	  /* privileged */
	{0xfa, 0xfa, "cli"},	  /* privileged */
	{0xfb, 0xfb, "sti"},	  /* privileged */
};

/* Two-byte map (0f xx), legacy encoding. */
static const struct bad_op bad_0f[] = {
	{0x00, 0x00, "0f 00 group"},			       /* sldt/str/lldt/ltr/verr/verw */
	{0x01, 0x01, "0f 01 group"},			       /* sgdt...invlpg, xend, rdtscp... */
	{0x05, 0x05, "syscall"},			       /* enters the kernel */
	{0x06, 0x06, "clts"},				       /* privileged */
	{0x07, 0x07, "sysret"},				       /* privileged */
	{0x08, 0x09, "invd/wbinvd"},			       /* privileged */
	{0x0b, 0x0b, "ud2"},				       /* raises #UD on purpose */
	{0x30, 0x30, "wrmsr"},				       /* privileged */
	{0x34, 0x34, "sysenter"},			       /* enters the kernel */
	{0x35, 0x35, "sysexit"},			       /* privileged */
	{0x37, 0x37, "getsec"},				       /* SMX */
	{0x78, 0x79, "vmread/vmwrite"},			       /* VMX (and extrq/insertq) */
	{0xae, 0xae, "0f ae group (fences, xsave, fsgsbase)"}, /* mainline refuses group 15 */
	{0xb9, 0xb9, "ud1"},				       /* raises #UD on purpose */
	{0xff, 0xff, "ud0"},				       /* raises #UD on purpose */
};

/* Prefixes mainline refuses on any instruction. */
static const struct {
	uint8_t value;
	const char *why;
} bad_prefix[] = {
	{0xf0, "lock prefix"}, /* atomic read-modify-write */
	{0x26, "es prefix"},   /* segment override; only fs/gs mean something in 64-bit */
	{0x2e, "cs prefix"},   /* also the "not taken" branch hint */
	{0x36, "ss prefix"},   /* segment override */
	{0x3e, "ds prefix"},   /* also the "taken" hint and CET notrack */
};

static const char *lookup(const struct bad_op *t, size_t n, uint8_t op)
{
	for (size_t i = 0; i < n; i++)
		if (op >= t[i].lo && op <= t[i].hi)
			return t[i].why;
	return NULL;
}

static bool is_branch(const ZydisDecodedInstruction *in)
{
	switch (in->meta.category) {
	case ZYDIS_CATEGORY_COND_BR:
	case ZYDIS_CATEGORY_UNCOND_BR:
	case ZYDIS_CATEGORY_CALL:
	case ZYDIS_CATEGORY_RET:
		return true;
	default:
		return false;
	}
}

static bool writes_ss(const struct x86_decoded *d)
{
	for (unsigned int i = 0; i < d->in.operand_count; i++) {
		const ZydisDecodedOperand *op = &d->ops[i];

		if (op->type == ZYDIS_OPERAND_TYPE_REGISTER && op->reg.value == ZYDIS_REGISTER_SS &&
		    (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
			return true;
	}
	return false;
}

const char *x86_refusal(const struct x86_decoded *d)
{
	for (size_t i = 0; i < sizeof(bad_prefix) / sizeof(bad_prefix[0]); i++)
		if (x86_has_prefix(d, bad_prefix[i].value))
			return bad_prefix[i].why;
	return x86_refusal_insn(d);
}

const char *x86_refusal_insn(const struct x86_decoded *d)
{
	const ZydisDecodedInstruction *in = &d->in;
	const char *why = NULL;

	if (in->encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY) {
		if (in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT)
			why = lookup(bad_1byte, sizeof(bad_1byte) / sizeof(bad_1byte[0]),
				     in->opcode);
		else if (in->opcode_map == ZYDIS_OPCODE_MAP_0F)
			why = lookup(bad_0f, sizeof(bad_0f) / sizeof(bad_0f[0]), in->opcode);
		if (why)
			return why;
	}

	if (writes_ss(d))
		return "mov/pop %ss (masks exceptions)";
	if (in->mnemonic == ZYDIS_MNEMONIC_XBEGIN)
		return "xbegin (relative abort address)";
	if (is_branch(in) && in->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
		return "far branch";
	if (is_branch(in) && x86_has_prefix(d, 0x66))
		return "16-bit branch (0x66 prefix)";
	return NULL;
}
