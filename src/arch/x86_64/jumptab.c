/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * jumptab: the switch jump tables gcc and clang emit, recognised from the instructions before
 * an indirect jmp, so that patch.c can check where they lead.  Two shapes:
 *
 *   PIC (every shared object and PIE):      non-PIC (ET_EXEC):
 *	cmp  $N,%idx                            cmp  $N,%idx
 *	ja   default                            ja   default
 *	lea  table(%rip),%base                  jmp  *table(,%idx,8)
 *	movslq (%base,%idx,4),%reg                  (or mov table(,%idx,8),%reg; jmp *%reg)
 *	add  %base,%reg
 *	jmp  *%reg
 *
 * table holds N+1 int32 offsets from table (PIC) or N+1 absolute addresses (non-PIC); jae
 * instead of ja means N entries.  The match walks back through the last X86_WINDOW
 * instructions in address order; anything in between may come and go (moves of the index
 * between registers, zero-extensions, unrelated arithmetic) as long as it does not write the
 * registers the shape depends on, and no branch sits between the bound check and the jmp.
 * The bound is trusted as the compiler's: a correct program never dispatches outside it.  A
 * jump from elsewhere into the stretch after the bound check would bypass it, so the match
 * also returns that stretch (guard..jmp) and the caller refuses any branch target in it.
 * Anything else (a hoisted lea, a bound checked in another block, a table of another shape)
 * does not match, and the caller refuses: unknown targets are never guessed.
 */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/internal.h"

#define JTAB_MAX_ENTRIES 65536
#define JTAB_CHUNK	 256

static const struct x86_decoded *back(const struct x86_window *w, size_t k, size_t *ret_pos)
{
	size_t i = (w->n - 1 - k) % X86_WINDOW;

	*ret_pos = w->pos[i];
	return &w->d[i];
}

static bool writes_gpr(const struct x86_decoded *d, int num)
{
	for (unsigned int i = 0; i < d->in.operand_count; i++) {
		const ZydisDecodedOperand *op = &d->ops[i];

		if (op->type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) &&
		    x86_gpr_num(op->reg.value) == num)
			return true;
	}
	return false;
}

static bool is_branch(const struct x86_decoded *d)
{
	switch (d->in.meta.category) {
	case ZYDIS_CATEGORY_COND_BR:
	case ZYDIS_CATEGORY_UNCOND_BR:
	case ZYDIS_CATEGORY_CALL:
	case ZYDIS_CATEGORY_RET:
	case ZYDIS_CATEGORY_SYSCALL:
	case ZYDIS_CATEGORY_INTERRUPT:
		return true;
	default:
		return false;
	}
}

static bool reg_op(const struct x86_decoded *d, unsigned int i, int *ret_num)
{
	const ZydisDecodedOperand *op = &d->ops[i];

	if (i >= d->in.operand_count_visible || op->type != ZYDIS_OPERAND_TYPE_REGISTER ||
	    (*ret_num = x86_gpr_num(op->reg.value)) < 0)
		return false;
	return true;
}

static bool is_reg64(const struct x86_decoded *d, unsigned int i, int num)
{
	int n;

	return reg_op(d, i, &n) && n == num &&
	       ZydisRegisterGetClass(d->ops[i].reg.value) == ZYDIS_REGCLASS_GPR64;
}

/*
 * Walk back from index k for the instruction writing register num: its index in *ret_k.
 * Fails on a branch, or when another register of avoid[] is written first.
 */
static bool find_writer(const struct x86_window *w, size_t k, int num, const int *avoid,
			size_t navoid, size_t *ret_k)
{
	size_t pos, depth = w->n < X86_WINDOW ? w->n : X86_WINDOW;

	for (; k < depth; k++) {
		const struct x86_decoded *d = back(w, k, &pos);

		if (is_branch(d))
			return false;
		if (writes_gpr(d, num)) {
			*ret_k = k;
			return true;
		}
		for (size_t i = 0; i < navoid; i++)
			if (writes_gpr(d, avoid[i]))
				return false;
	}
	return false;
}

/* A move that copies or zero-extends register from into its destination. */
static bool is_copy(const struct x86_decoded *d, int *ret_from)
{
	ZydisMnemonic m = d->in.mnemonic;

	return (m == ZYDIS_MNEMONIC_MOV || m == ZYDIS_MNEMONIC_MOVZX) &&
	       d->in.operand_count_visible == 2 && reg_op(d, 1, ret_from) &&
	       d->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER;
}

static bool writes_memory(const struct x86_decoded *d)
{
	for (unsigned int i = 0; i < d->in.operand_count; i++)
		if (d->ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    (d->ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
			return true;
	return false;
}

static bool same_memory(const ZydisDecodedOperand *a, const ZydisDecodedOperand *b)
{
	return a->type == ZYDIS_OPERAND_TYPE_MEMORY && b->type == ZYDIS_OPERAND_TYPE_MEMORY &&
	       a->mem.segment == b->mem.segment && a->mem.base == b->mem.base &&
	       a->mem.index == b->mem.index && a->mem.scale == b->mem.scale &&
	       a->mem.disp.value == b->mem.disp.value && a->mem.base != ZYDIS_REGISTER_RIP;
}

/* Where the index comes from, walking back: a register, or a memory cell loaded into it. */
struct index_src {
	int reg; /* -1 once the index was loaded from mem */
	const ZydisDecodedOperand *mem;
};

/* d lies between the bound check and the use: follow or reject what it does to the index. */
static bool follow_index(const struct x86_decoded *d, struct index_src *src)
{
	int from;

	if (src->mem)
		return !writes_memory(d) && !writes_gpr(d, x86_gpr_num(src->mem->mem.base)) &&
		       !writes_gpr(d, x86_gpr_num(src->mem->mem.index));
	if (!writes_gpr(d, src->reg))
		return true;
	if (is_copy(d, &from)) {
		src->reg = from;
		return true;
	}
	if ((d->in.mnemonic == ZYDIS_MNEMONIC_MOV || d->in.mnemonic == ZYDIS_MNEMONIC_MOVZX) &&
	    d->in.operand_count_visible == 2 && d->ops[1].type == ZYDIS_OPERAND_TYPE_MEMORY &&
	    d->ops[1].mem.base != ZYDIS_REGISTER_RIP) {
		src->reg = -1;
		src->mem = &d->ops[1];
		return true;
	}
	return false;
}

/*
 * From index k back: "cmp $N,idx; ja/jae", idx being the index register (possibly renamed by
 * copies on the way) or the memory cell it was loaded from, with no store in between.
 */
static bool find_bound(const struct x86_window *w, size_t k, int idx, struct x86_jtab *t)
{
	size_t pos, depth = w->n < X86_WINDOW ? w->n : X86_WINDOW;
	struct index_src src = {idx, NULL};
	int num;

	for (; k + 1 < depth; k++) {
		const struct x86_decoded *d = back(w, k, &pos);
		const struct x86_decoded *cmp;
		size_t cmp_pos;
		uint64_t n;

		if (d->in.mnemonic == ZYDIS_MNEMONIC_JNBE || d->in.mnemonic == ZYDIS_MNEMONIC_JNB) {
			cmp = back(w, k + 1, &cmp_pos);
			if (cmp->in.mnemonic != ZYDIS_MNEMONIC_CMP ||
			    cmp->ops[1].type != ZYDIS_OPERAND_TYPE_IMMEDIATE)
				return false;
			if (src.mem ? !same_memory(&cmp->ops[0], src.mem)
				    : !reg_op(cmp, 0, &num) || num != src.reg)
				return false;
			n = cmp->ops[1].imm.value.u;
			if (d->in.mnemonic == ZYDIS_MNEMONIC_JNBE)
				n++;
			if (n == 0 || n > JTAB_MAX_ENTRIES)
				return false;
			t->count = (uint32_t)n;
			t->guard = pos + d->in.length;
			return true;
		}
		if (is_branch(d) || !follow_index(d, &src))
			return false;
	}
	return false;
}

/* PIC: reg = base + movslq (base,idx,4), base = lea table(%rip); k is the add. */
static bool match_pic(const struct x86_window *w, size_t k, int reg, struct x86_jtab *t)
{
	const struct x86_decoded *add, *mov, *lea;
	const ZydisDecodedOperand *m;
	size_t km, kl, pos;
	int base, idx;

	add = back(w, k, &pos);
	if (add->in.mnemonic != ZYDIS_MNEMONIC_ADD || !is_reg64(add, 0, reg) ||
	    !reg_op(add, 1, &base) || !is_reg64(add, 1, base) || base == reg)
		return false;
	if (!find_writer(w, k + 1, reg, &base, 1, &km))
		return false;
	mov = back(w, km, &pos);
	m = &mov->ops[1];
	if (mov->in.mnemonic != ZYDIS_MNEMONIC_MOVSXD || !is_reg64(mov, 0, reg) ||
	    m->type != ZYDIS_OPERAND_TYPE_MEMORY || x86_gpr_num(m->mem.base) != base ||
	    m->mem.scale != 4 || m->mem.disp.value != 0 || (idx = x86_gpr_num(m->mem.index)) < 0)
		return false;
	if (!find_writer(w, km + 1, base, NULL, 0, &kl))
		return false;
	lea = back(w, kl, &pos);
	m = &lea->ops[1];
	if (lea->in.mnemonic != ZYDIS_MNEMONIC_LEA || !is_reg64(lea, 0, base) ||
	    m->type != ZYDIS_OPERAND_TYPE_MEMORY || m->mem.base != ZYDIS_REGISTER_RIP ||
	    m->mem.index != ZYDIS_REGISTER_NONE)
		return false;
	t->table = x86_abs_addr(lea, m, w->vaddr + pos);
	t->entsize = 4;
	return find_bound(w, km + 1, idx, t);
}

/* jmp *table(,%idx,8), or that load into reg at k and jmp *%reg: absolute entries. */
static bool match_abs(const struct x86_window *w, size_t k, const ZydisDecodedOperand *m,
		      struct x86_jtab *t)
{
	int idx;

	if (m->type != ZYDIS_OPERAND_TYPE_MEMORY || m->mem.base != ZYDIS_REGISTER_NONE ||
	    m->mem.scale != 8 || (idx = x86_gpr_num(m->mem.index)) < 0)
		return false;
	t->table = (uint64_t)m->mem.disp.value;
	t->entsize = 8;
	return find_bound(w, k + 1, idx, t);
}

int x86_jtab_match(const struct x86_window *w, struct x86_jtab *ret)
{
	struct x86_jtab t = {0};
	const struct x86_decoded *jmp, *def;
	size_t pos, kd;
	int reg;

	if (!w->n)
		return -ENOENT;
	jmp = back(w, 0, &pos);
	t.jmp = pos;
	if (match_abs(w, 0, &jmp->ops[0], &t))
		goto out;
	if (!reg_op(jmp, 0, &reg) || !find_writer(w, 1, reg, NULL, 0, &kd))
		return -ENOENT;
	def = back(w, kd, &pos);
	if (def->in.mnemonic == ZYDIS_MNEMONIC_MOV && is_reg64(def, 0, reg) &&
	    match_abs(w, kd, &def->ops[1], &t))
		goto out;
	if (!match_pic(w, kd, reg, &t))
		return -ENOENT;
out:
	*ret = t;
	return 0;
}

int x86_jtab_find(const struct x86_func *fn, const struct x86_jtab *t, uint64_t lo, uint64_t hi,
		  uint32_t *ret_index)
{
	uint8_t buf[JTAB_CHUNK * 8];
	int rc;

	for (uint32_t i = 0; i < t->count; i += JTAB_CHUNK) {
		uint32_t n = t->count - i < JTAB_CHUNK ? t->count - i : JTAB_CHUNK;

		rc = fn->read(fn->ctx, t->table + (uint64_t)i * t->entsize, buf,
			      (size_t)n * t->entsize);
		if (rc < 0)
			return rc;
		for (uint32_t j = 0; j < n; j++) {
			uint64_t target;

			if (t->entsize == 4) {
				int32_t rel;

				memcpy(&rel, buf + 4 * j, 4);
				target = t->table + (uint64_t)(int64_t)rel;
			} else {
				memcpy(&target, buf + 8 * j, 8);
			}
			if (target > lo && target < hi) {
				*ret_index = i + j;
				return 1;
			}
		}
	}
	return 0;
}

bool x86_jtab_tail_call(const struct x86_window *w)
{
	const struct x86_decoded *jmp, *d;
	const ZydisDecodedOperand *op;
	size_t pos, k = 0;
	int reg, from;

	if (!w->n)
		return false;
	jmp = back(w, 0, &pos);
	op = &jmp->ops[0];
	if (op->type == ZYDIS_OPERAND_TYPE_MEMORY)
		return op->mem.index == ZYDIS_REGISTER_NONE;
	if (!reg_op(jmp, 0, &reg))
		return false;
	while (find_writer(w, k + 1, reg, NULL, 0, &k)) {
		d = back(w, k, &pos);
		if (d->in.mnemonic != ZYDIS_MNEMONIC_MOV || d->in.operand_count_visible != 2 ||
		    !is_reg64(d, 0, reg))
			return false;
		if (d->ops[1].type == ZYDIS_OPERAND_TYPE_MEMORY)
			return d->ops[1].mem.index == ZYDIS_REGISTER_NONE;
		if (!reg_op(d, 1, &from) || !is_reg64(d, 1, from))
			return false;
		reg = from;
	}
	return true;
}
