/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * relocate: the instructions a jump patch covers, re-encoded to run in a trampoline, followed
 * by the jump back to the first instruction after the range.  The copy must behave exactly as
 * the original did at its own address:
 *
 *   rip-relative operand  re-encoded by Zydis's encoder with the same absolute target;
 *                         beyond +-2 GiB of the copy is -ERANGE (no scratch-register trick:
 *                         the trampoline is placed near the site, so this only happens when
 *                         the site's data is far from its code);
 *   jcc rel8/rel32        jcc rel32 to the same target; out of reach, the inverted jcc rel8
 *                         over "jmp *0(%rip); .quad target";
 *   jmp rel8/rel32        jmp rel32, or the absolute form;
 *   loop/jrcxz            "op +2; jmp +N; jmp target", as they have no rel32 form;
 *   call                  "push $return; jmp target", the return address being the original
 *                         one (the end of the range: analysis keeps calls last).  Not a call
 *                         from the trampoline: the callee's frame would then return into it,
 *                         so unwinders (C++ exceptions, backtraces) would meet an address with
 *                         no CFI, and the trampoline could never be freed while a thread sat
 *                         in a callee that does not return.  The push is "push $imm32", plus
 *                         "movl $hi32,4(%rsp)" when the address does not sign-extend; neither
 *                         touches flags or registers.  The one cost: a process running with a
 *                         CET shadow stack would fault on the callee's ret, so the lifecycle
 *                         must not patch calls in such a process.  Indirect calls become the
 *                         push and an indirect jmp through the same operand; an operand that
 *                         uses %rsp would see the push and is refused;
 *   anything else         copied byte for byte.
 *
 * Every re-encoded instruction is decoded back and compared with the original (mnemonic,
 * prefixes, operands, absolute targets); a mismatch is -EOPNOTSUPP.  x86_patch_analyze runs
 * the same relocation at distance zero, so an accepted patch fails here only with -ERANGE.
 */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/internal.h"
#include "arch/x86_64/patch.h"

#define ABS_JMP_LEN 14 /* ff 25 00000000, then the 8-byte target */
#define REL32_MAX   0x7fffffffLL

struct out {
	uint8_t *p;
	size_t len, room;
	uint64_t at; /* address of p[0] */
};

static bool fits_rel32(uint64_t from, uint64_t target)
{
	int64_t d = (int64_t)(target - from);

	return d >= -REL32_MAX - 1 && d <= REL32_MAX;
}

static int put(struct out *o, const void *b, size_t n)
{
	if (o->len + n > o->room)
		return -ENOSPC;
	memcpy(o->p + o->len, b, n);
	o->len += n;
	return 0;
}

static int put_u8(struct out *o, uint8_t v)
{
	return put(o, &v, 1);
}

static int put_u32(struct out *o, uint32_t v)
{
	return put(o, &v, sizeof(v));
}

static int put_abs_jmp(struct out *o, uint64_t target)
{
	static const uint8_t jmp[] = {0xff, 0x25, 0, 0, 0, 0};
	int rc = put(o, jmp, sizeof(jmp));

	return rc < 0 ? rc : put(o, &target, sizeof(target));
}

static size_t jmp_len(uint64_t at, uint64_t target)
{
	return fits_rel32(at + X86_JMP_LEN, target) ? X86_JMP_LEN : ABS_JMP_LEN;
}

/* jmp rel32 when it reaches, the absolute form otherwise. */
static int put_jmp(struct out *o, uint64_t target)
{
	uint64_t next = o->at + o->len + X86_JMP_LEN;
	int rc;

	if (jmp_len(o->at + o->len, target) != X86_JMP_LEN)
		return put_abs_jmp(o, target);
	rc = put_u8(o, 0xe9);
	return rc < 0 ? rc : put_u32(o, (uint32_t)(target - next));
}

static int encode(struct out *o, ZydisEncoderRequest *req)
{
	ZyanUSize n = o->room - o->len;

	if (ZYAN_FAILED(
		    ZydisEncoderEncodeInstructionAbsolute(req, o->p + o->len, &n, o->at + o->len)))
		return -EOPNOTSUPP;
	o->len += n;
	return 0;
}

static bool is_rip(ZydisRegister r)
{
	return r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP;
}

static bool same_operand(const struct x86_decoded *a, unsigned int i, uint64_t a_at,
			 const struct x86_decoded *b, uint64_t b_at)
{
	const ZydisDecodedOperand *x = &a->ops[i], *y = &b->ops[i];

	if (x->type != y->type || x->size != y->size || x->element_size != y->element_size)
		return false;
	switch (x->type) {
	case ZYDIS_OPERAND_TYPE_REGISTER:
		return x->reg.value == y->reg.value;
	case ZYDIS_OPERAND_TYPE_MEMORY:
		if (x->mem.type != y->mem.type || x->mem.segment != y->mem.segment ||
		    x->mem.base != y->mem.base || x->mem.index != y->mem.index ||
		    x->mem.scale != y->mem.scale)
			return false;
		if (is_rip(x->mem.base))
			return x86_abs_addr(a, x, a_at) == x86_abs_addr(b, y, b_at);
		return x->mem.disp.value == y->mem.disp.value;
	case ZYDIS_OPERAND_TYPE_IMMEDIATE:
		if (x->imm.is_relative != y->imm.is_relative)
			return false;
		if (x->imm.is_relative)
			return x86_abs_addr(a, x, a_at) == x86_abs_addr(b, y, b_at);
		return x->imm.value.u == y->imm.value.u;
	case ZYDIS_OPERAND_TYPE_POINTER:
		return x->ptr.segment == y->ptr.segment && x->ptr.offset == y->ptr.offset;
	default:
		return true;
	}
}

/* The re-encoded bytes at o->p + start mean what d meant at from. */
static int check_same(const struct x86_decoded *d, uint64_t from, const struct out *o, size_t start)
{
	const ZydisDecodedInstruction *x = &d->in;
	const ZydisDecodedInstruction *y;
	struct x86_decoded e;

	if (x86_decode(o->p + start, o->len - start, &e) < 0 || e.in.length != o->len - start)
		return -EOPNOTSUPP;
	y = &e.in;
	if (x->mnemonic != y->mnemonic || x->operand_width != y->operand_width ||
	    x->address_width != y->address_width ||
	    x->operand_count_visible != y->operand_count_visible ||
	    (x->attributes & ZYDIS_ENCODABLE_PREFIXES) !=
		    (y->attributes & ZYDIS_ENCODABLE_PREFIXES))
		return -EOPNOTSUPP;
	if (x->avx.vector_length != y->avx.vector_length || x->avx.mask.mode != y->avx.mask.mode ||
	    x->avx.mask.reg != y->avx.mask.reg || x->avx.broadcast.mode != y->avx.broadcast.mode ||
	    x->avx.rounding.mode != y->avx.rounding.mode || x->avx.has_sae != y->avx.has_sae)
		return -EOPNOTSUPP;
	for (unsigned int i = 0; i < x->operand_count_visible; i++)
		if (!same_operand(d, i, from, &e, o->at + start))
			return -EOPNOTSUPP;
	return 0;
}

/* Encoding failed: was it the distance? (a rip-relative disp32 keeps the instruction's length) */
static int why_failed(const struct x86_decoded *d, const struct out *o, uint64_t target)
{
	return fits_rel32(o->at + o->len + d->in.length, target) ? -EOPNOTSUPP : -ERANGE;
}

/* The instruction with its rip-relative operand re-aimed at the same absolute address. */
static int reloc_riprel(const struct x86_decoded *d, uint64_t from, struct out *o)
{
	ZydisEncoderRequest req;
	size_t start = o->len;
	int i = x86_riprel_find(d);
	uint64_t target = x86_abs_addr(d, &d->ops[i], from);

	if (ZYAN_FAILED(ZydisEncoderDecodedInstructionToEncoderRequest(
		    &d->in, d->ops, d->in.operand_count_visible, &req)))
		return -EOPNOTSUPP;
	req.operands[i].mem.displacement = (ZyanI64)target;
	if (encode(o, &req) < 0)
		return why_failed(d, o, target);
	return check_same(d, from, o, start);
}

/* The branch encoded at o->p + start is mnemonic m to target. */
static int check_branch(const struct out *o, size_t start, ZydisMnemonic m, uint64_t target)
{
	struct x86_decoded e;

	if (x86_decode(o->p + start, o->len - start, &e) < 0 || e.in.length != o->len - start ||
	    e.in.mnemonic != m || e.ops[0].type != ZYDIS_OPERAND_TYPE_IMMEDIATE ||
	    x86_abs_addr(&e, &e.ops[0], o->at + start) != target)
		return -EOPNOTSUPP;
	return 0;
}

/* jcc rel32 to the same target, or the inverted jcc rel8 over an absolute jump. */
static int reloc_jcc(const struct x86_decoded *d, uint64_t target, struct out *o)
{
	ZydisEncoderRequest req;
	size_t start = o->len;
	int rc;

	if (ZYAN_FAILED(ZydisEncoderDecodedInstructionToEncoderRequest(
		    &d->in, d->ops, d->in.operand_count_visible, &req)))
		return -EOPNOTSUPP;
	req.operands[0].imm.u = target;
	req.branch_type = ZYDIS_BRANCH_TYPE_NEAR;
	req.branch_width = ZYDIS_BRANCH_WIDTH_32;
	if (encode(o, &req) == 0)
		return check_branch(o, start, d->in.mnemonic, target);
	if ((rc = put_u8(o, (uint8_t)(0x70 | ((d->in.opcode & 0x0f) ^ 1)))) < 0 ||
	    (rc = put_u8(o, ABS_JMP_LEN)) < 0)
		return rc;
	return put_abs_jmp(o, target);
}

/* loop, loope, loopne, jrcxz, jecxz: "op +2; jmp +N; jmp target". */
static int reloc_loop(const struct x86_decoded *d, const uint8_t *bytes, uint64_t target,
		      struct out *o)
{
	size_t at = o->len;
	int rc;

	if ((rc = put(o, bytes, d->in.length)) < 0)
		return rc;
	o->p[at + d->in.raw.imm[0].offset] = 2;
	if ((rc = put_u8(o, 0xeb)) < 0 ||
	    (rc = put_u8(o, (uint8_t)jmp_len(o->at + o->len + 1, target))) < 0)
		return rc;
	return put_jmp(o, target);
}

/* push $ret: push imm32 (sign-extended), then the high half if that was not it. */
static int put_push64(struct out *o, uint64_t v)
{
	static const uint8_t movl_hi[] = {0xc7, 0x44, 0x24, 0x04}; /* movl $imm32,4(%rsp) */
	int rc;

	if ((rc = put_u8(o, 0x68)) < 0 || (rc = put_u32(o, (uint32_t)v)) < 0)
		return rc;
	if ((uint64_t)(int64_t)(int32_t)(uint32_t)v == v)
		return 0;
	if ((rc = put(o, movl_hi, sizeof(movl_hi))) < 0)
		return rc;
	return put_u32(o, (uint32_t)(v >> 32));
}

static bool uses_rsp(const ZydisDecodedOperand *op)
{
	if (op->type == ZYDIS_OPERAND_TYPE_REGISTER)
		return x86_gpr_num(op->reg.value) == 4;
	return op->type == ZYDIS_OPERAND_TYPE_MEMORY &&
	       (x86_gpr_num(op->mem.base) == 4 || x86_gpr_num(op->mem.index) == 4);
}

/* An indirect call's operand, as an indirect jmp at o's position. */
static int put_indirect_jmp(const struct x86_decoded *d, uint64_t from, struct out *o)
{
	ZydisEncoderRequest req;
	const ZydisDecodedOperand *op = &d->ops[0];
	size_t start = o->len;
	uint64_t target = 0;
	struct x86_decoded e;
	int rc;

	if (ZYAN_FAILED(ZydisEncoderDecodedInstructionToEncoderRequest(
		    &d->in, d->ops, d->in.operand_count_visible, &req)))
		return -EOPNOTSUPP;
	req.mnemonic = ZYDIS_MNEMONIC_JMP;
	if (op->type == ZYDIS_OPERAND_TYPE_MEMORY && is_rip(op->mem.base)) {
		target = x86_abs_addr(d, op, from);
		req.operands[0].mem.displacement = (ZyanI64)target;
	}
	if ((rc = encode(o, &req)) < 0)
		return target ? why_failed(d, o, target) : rc;
	if (x86_decode(o->p + start, o->len - start, &e) < 0 ||
	    e.in.mnemonic != ZYDIS_MNEMONIC_JMP || e.in.length != o->len - start ||
	    (d->in.attributes & ZYDIS_ENCODABLE_PREFIXES) !=
		    (e.in.attributes & ZYDIS_ENCODABLE_PREFIXES))
		return -EOPNOTSUPP;
	if (!same_operand(d, 0, from, &e, o->at + start))
		return -EOPNOTSUPP;
	return 0;
}

static int reloc_call(const struct x86_decoded *d, uint64_t from, struct out *o)
{
	uint64_t ret = from + d->in.length;
	int rc;

	if (uses_rsp(&d->ops[0]))
		return -EOPNOTSUPP;
	if ((rc = put_push64(o, ret)) < 0)
		return rc;
	if (d->ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
		return put_jmp(o, x86_abs_addr(d, &d->ops[0], from));
	return put_indirect_jmp(d, from, o);
}

static bool is_loop(ZydisMnemonic m)
{
	return m == ZYDIS_MNEMONIC_LOOP || m == ZYDIS_MNEMONIC_LOOPE ||
	       m == ZYDIS_MNEMONIC_LOOPNE || m == ZYDIS_MNEMONIC_JRCXZ || m == ZYDIS_MNEMONIC_JECXZ;
}

static int reloc_one(const struct x86_decoded *d, const uint8_t *bytes, uint64_t from,
		     struct out *o)
{
	const ZydisDecodedInstruction *in = &d->in;
	bool rel = (in->attributes & ZYDIS_ATTRIB_IS_RELATIVE) &&
		   d->ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE;
	uint64_t target = rel ? x86_abs_addr(d, &d->ops[0], from) : 0;

	if (in->meta.category == ZYDIS_CATEGORY_CALL)
		return in->meta.branch_type == ZYDIS_BRANCH_TYPE_NEAR ? reloc_call(d, from, o)
								      : -EOPNOTSUPP;
	if (rel && in->mnemonic == ZYDIS_MNEMONIC_JMP)
		return put_jmp(o, target);
	if (rel && is_loop(in->mnemonic))
		return reloc_loop(d, bytes, target, o);
	if (rel && in->meta.category == ZYDIS_CATEGORY_COND_BR)
		return reloc_jcc(d, target, o);
	if (rel)
		return -EOPNOTSUPP; /* xbegin: refused by analysis */
	if (x86_riprel_find(d) >= 0)
		return reloc_riprel(d, from, o);
	return put(o, bytes, in->length);
}

int x86_reloc_insn(const struct x86_decoded *d, const uint8_t *bytes, uint64_t from, uint64_t to,
		   uint8_t *out, size_t room, size_t *ret_len)
{
	struct out o = {out, 0, room, to};
	int rc = reloc_one(d, bytes, from, &o);

	if (rc < 0)
		return rc;
	*ret_len = o.len;
	return 0;
}

int x86_relocate(const struct x86_patch *p, uint64_t to, struct x86_reloc *ret)
{
	struct x86_reloc r;
	struct out o;
	size_t pos = 0;
	int rc;

	if (!p || !ret || p->verdict != X86_PATCH_OK || !p->ninsn ||
	    p->ninsn > X86_PATCH_MAX_INSN || p->len > X86_PATCH_MAX_BYTES)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	memset(r.code, X86_INT3, sizeof(r.code));
	o = (struct out){r.code, 0, sizeof(r.code), to};
	for (unsigned int i = 0; i < p->ninsn; i++) {
		struct x86_decoded d;

		if (x86_decode(p->bytes + pos, p->len - pos, &d) < 0 ||
		    d.in.length != p->insn_len[i])
			return -EINVAL;
		r.insn_off[i] = (uint8_t)o.len;
		if ((rc = reloc_one(&d, p->bytes + pos, p->vaddr + pos, &o)) < 0)
			return rc;
		pos += d.in.length;
	}
	if (pos != p->len && !(p->flags & X86_PATCH_F_PAD))
		return -EINVAL;
	r.insn_off[p->ninsn] = (uint8_t)o.len;
	if ((rc = put_jmp(&o, p->vaddr + p->len)) < 0)
		return rc;
	r.len = o.len;
	*ret = r;
	return 0;
}

int x86_patch_jump(const struct x86_patch *p, uint64_t tramp, uint8_t *out, size_t size)
{
	uint64_t next;
	uint32_t rel;

	if (!p || !out || p->verdict != X86_PATCH_OK || p->len < X86_JMP_LEN || size < p->len)
		return -EINVAL;
	next = p->vaddr + X86_JMP_LEN;
	if (!fits_rel32(next, tramp))
		return -ERANGE;
	rel = (uint32_t)(tramp - next);
	out[0] = 0xe9;
	memcpy(out + 1, &rel, sizeof(rel));
	memset(out + X86_JMP_LEN, X86_INT3, p->len - X86_JMP_LEN);
	return 0;
}
