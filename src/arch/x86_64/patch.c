/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * patch: may a 5-byte "jmp rel32" replace the instructions at a probe site, and which ones.
 *
 * The jump covers whole instructions from the probe address until at least 5 bytes are
 * covered (the range).  Once written, every byte of the range after the first is gone: a
 * thread arriving there executes the middle of the jump.  So the site is refused when anything
 * may arrive strictly inside the range, as far as the function's bytes can tell:
 *
 *   - a relative branch anywhere in the function (jcc, jmp, call, loop, jrcxz, found by a
 *     linear disassembly from the function's start) targets it;
 *   - an indirect jump whose targets are not known: a jump table is read when the caller can
 *     read the image (jumptab.c); anything else is refused, unless the caller takes jumps
 *     that show no sign of a table for tail calls (X86_PATCH_TAIL_CALLS);
 *   - an address inside it is taken (lea or a rip-relative operand, mov/push of an immediate
 *     address): a computed goto or a hand-made return address;
 *   - an endbr64 sits inside it: the compiler marks indirect-branch targets (setjmp returns,
 *     address-taken labels) that way;
 *   - the caller lists an entry point inside it (another symbol, a landing pad);
 *   - a call is not its last instruction: the return address would be inside.
 *
 * The range itself must end within the function (or in padding after a final ret or jmp,
 * when the caller vouches for the padding), decode, and hold only instructions relocate.c can
 * move: x86_refusal_insn's list (traps, privileged and kernel-entry instructions, far and
 * 16-bit branches, xbegin) is refused, prefixes are not, and every instruction is relocated
 * once here at distance zero so that x86_relocate can later fail only on distance.  A
 * function that does not decode to its end is refused: its branches are unknown.
 *
 * endbr64 at the probe address: with X86_PATCH_AFTER_ENDBR the jump goes after it.  Linux does
 * not enforce user-space IBT today, so covering it would work, but keeping it in place keeps
 * every indirect call's landing valid should IBT ever be enabled, and costs nothing: the
 * endbr64 is a NOP, so the probe still fires before the function has done anything.
 *
 * What this cannot see, and the caller must pass as entries if it knows them: branches from
 * other functions into the middle of this one (split-off .cold parts, hand-written assembly),
 * exception landing pads, and label addresses stored in data.  At a function's entry none of
 * these is usual.  A refusal is a successful analysis; the verdict says which rule fired and
 * the reason where.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/internal.h"
#include "arch/x86_64/patch.h"

static const char *const verdict_text[] = {
#define X86_PATCH_TEXT(name, text) text,
	X86_PATCH_VERDICTS(X86_PATCH_TEXT)
#undef X86_PATCH_TEXT
};

const char *x86_patch_verdict_text(enum x86_patch_verdict v)
{
	if ((unsigned int)v >= X86_PATCH_NVERDICTS)
		return "?";
	return verdict_text[v];
}

__attribute__((format(printf, 3, 4))) static bool
refuse(struct x86_patch *p, enum x86_patch_verdict v, const char *fmt, ...)
{
	char detail[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	p->verdict = v;
	snprintf(p->reason, sizeof(p->reason), "refused: %s: %s", verdict_text[v], detail);
	return false;
}

static bool is_endbr64(const struct x86_decoded *d)
{
	return d->in.mnemonic == ZYDIS_MNEMONIC_ENDBR64;
}

static bool is_relative_branch(const struct x86_decoded *d)
{
	return (d->in.attributes & ZYDIS_ATTRIB_IS_RELATIVE) &&
	       d->ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE;
}

/* One instruction of the range at pos: may it be covered? */
static bool range_insn(const struct x86_func *fn, size_t pos, const struct x86_decoded *d,
		       struct x86_patch *p)
{
	uint8_t buf[X86_RELOC_MAX];
	const char *why;
	char text[64];
	size_t n;

	x86_format(d, fn->vaddr + pos, text, sizeof(text));
	if (pos > p->offset && is_endbr64(d))
		return refuse(p, X86_PATCH_ENDBR, "at +0x%zx", pos);
	if ((why = x86_refusal_insn(d)))
		return refuse(p, X86_PATCH_INSN, "%s at +0x%zx", why, pos);
	if (d->in.meta.category == ZYDIS_CATEGORY_CALL &&
	    pos + d->in.length < p->offset + X86_JMP_LEN)
		return refuse(p, X86_PATCH_CALL, "%s at +0x%zx", text, pos);
	if (x86_reloc_insn(d, fn->code + pos, fn->vaddr + pos, fn->vaddr + pos, buf, sizeof(buf),
			   &n) < 0)
		return refuse(p, X86_PATCH_INSN, "cannot be re-encoded: %s at +0x%zx", text, pos);

	if (x86_riprel_find(d) >= 0)
		p->flags |= X86_PATCH_F_RIPREL;
	if (d->in.meta.category == ZYDIS_CATEGORY_CALL)
		p->flags |= X86_PATCH_F_CALL;
	else if (is_relative_branch(d))
		p->flags |= X86_PATCH_F_BRANCH;
	return true;
}

static bool is_nop_or_int3(const struct x86_decoded *d)
{
	return d->in.mnemonic == ZYDIS_MNEMONIC_NOP || d->in.mnemonic == ZYDIS_MNEMONIC_INT3;
}

/* The range reached the function's end after last: may it end in the padding? */
static bool end_in_pad(const struct x86_func *fn, const struct x86_decoded *last,
		       struct x86_patch *p)
{
	size_t need = p->offset + X86_JMP_LEN - fn->size, pos = fn->size;
	struct x86_decoded d;

	if (!p->ninsn || need > fn->pad ||
	    (last->in.mnemonic != ZYDIS_MNEMONIC_RET && last->in.mnemonic != ZYDIS_MNEMONIC_JMP))
		return refuse(p, X86_PATCH_FUNC_END, "%zu bytes left at +0x%zx",
			      fn->size - p->offset, p->offset);
	while (pos < fn->size + need) {
		if (x86_decode(fn->code + pos, fn->size + fn->pad - pos, &d) < 0 ||
		    !is_nop_or_int3(&d))
			return refuse(p, X86_PATCH_FUNC_END, "no padding at +0x%zx", pos);
		pos += d.in.length;
	}
	memcpy(p->bytes + p->len, fn->code + fn->size, need);
	p->len = (uint8_t)(p->len + need);
	p->flags |= X86_PATCH_F_PAD;
	return true;
}

/* Decode up to the probe address, then the range; fills p's range fields. */
static bool find_range(const struct x86_func *fn, size_t offset, unsigned int flags,
		       struct x86_patch *p)
{
	struct x86_decoded d;
	size_t pos = 0, prev = 0;

	while (pos < offset) {
		if (x86_decode(fn->code + pos, fn->size - pos, &d) < 0)
			return refuse(p, X86_PATCH_DECODE, "at +0x%zx", pos);
		prev = pos;
		pos += d.in.length;
	}
	if (pos != offset)
		return refuse(p, X86_PATCH_BOUNDARY, "+0x%zx is inside the instruction at +0x%zx",
			      offset, prev);
	if ((flags & X86_PATCH_AFTER_ENDBR) &&
	    x86_decode(fn->code + pos, fn->size - pos, &d) == 0 && is_endbr64(&d)) {
		pos += d.in.length;
		p->flags |= X86_PATCH_F_ENDBR;
	}
	p->offset = pos;
	p->vaddr = fn->vaddr + pos;
	while (pos < p->offset + X86_JMP_LEN) {
		if (pos >= fn->size)
			return end_in_pad(fn, &d, p);
		if (x86_decode(fn->code + pos, fn->size - pos, &d) < 0)
			return refuse(p, X86_PATCH_DECODE, "at +0x%zx", pos);
		if (!range_insn(fn, pos, &d, p))
			return false;
		memcpy(p->bytes + p->len, fn->code + pos, d.in.length);
		p->insn_len[p->ninsn++] = d.in.length;
		p->len = (uint8_t)(p->len + d.in.length);
		pos += d.in.length;
	}
	if (p->ninsn == 1 && d.in.mnemonic == ZYDIS_MNEMONIC_NOP)
		p->flags |= X86_PATCH_F_NOP;
	return true;
}

static bool inside(const struct x86_patch *p, uint64_t addr)
{
	return addr > p->vaddr && addr < p->vaddr + p->len;
}

/* Does this instruction, anywhere in the function, lead or point into the range? */
static bool check_insn(const struct x86_func *fn, size_t pos, const struct x86_decoded *d,
		       struct x86_patch *p)
{
	uint64_t at = fn->vaddr + pos;
	char text[64];

	for (unsigned int i = 0; i < d->in.operand_count_visible; i++) {
		const ZydisDecodedOperand *op = &d->ops[i];
		uint64_t t;

		if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && op->imm.is_relative) {
			t = x86_abs_addr(d, op, at);
			if (inside(p, t))
				goto branch;
		} else if (op->type == ZYDIS_OPERAND_TYPE_MEMORY &&
			   (op->mem.base == ZYDIS_REGISTER_RIP ||
			    op->mem.base == ZYDIS_REGISTER_EIP)) {
			t = x86_abs_addr(d, op, at);
			if (inside(p, t))
				goto addr;
		} else if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
			   (d->in.mnemonic == ZYDIS_MNEMONIC_MOV ||
			    d->in.mnemonic == ZYDIS_MNEMONIC_PUSH) &&
			   op->size >= 32 && inside(p, op->imm.value.u)) {
			goto addr;
		}
	}
	return true;
branch:
	x86_format(d, at, text, sizeof(text));
	return refuse(p, X86_PATCH_BRANCH, "%s at +0x%zx", text, pos);
addr:
	x86_format(d, at, text, sizeof(text));
	return refuse(p, X86_PATCH_ADDR, "%s at +0x%zx", text, pos);
}

static bool is_indirect_jmp(const struct x86_decoded *d)
{
	return d->in.mnemonic == ZYDIS_MNEMONIC_JMP && !is_relative_branch(d);
}

#define MAX_TABLES 64

struct tables {
	struct x86_jtab t[MAX_TABLES];
	size_t n;
};

/* An indirect jmp at pos, the newest instruction of w: a jump table, or a refusal. */
static bool indirect_jmp(const struct x86_func *fn, unsigned int flags, const struct x86_window *w,
			 size_t pos, struct tables *tabs, struct x86_patch *p)
{
	const struct x86_decoded *d = &w->d[(w->n - 1) % X86_WINDOW];
	char text[64];

	if (fn->read && tabs->n < MAX_TABLES && x86_jtab_match(w, &tabs->t[tabs->n]) == 0) {
		tabs->n++;
		return true;
	}
	if ((flags & X86_PATCH_TAIL_CALLS) && x86_jtab_tail_call(w)) {
		p->flags |= X86_PATCH_F_TAIL;
		return true;
	}
	x86_format(d, fn->vaddr + pos, text, sizeof(text));
	return refuse(p, X86_PATCH_INDIRECT, "%s at +0x%zx", text, pos);
}

static bool check_tables(const struct x86_func *fn, const struct tables *tabs, struct x86_patch *p)
{
	struct x86_decoded d;
	uint32_t index;
	int rc;

	for (size_t i = 0; i < tabs->n; i++) {
		const struct x86_jtab *t = &tabs->t[i];

		rc = x86_jtab_find(fn, t, p->vaddr, p->vaddr + p->len, &index);
		if (rc < 0)
			return refuse(p, X86_PATCH_INDIRECT,
				      "table of the jmp at +0x%zx unreadable", t->jmp);
		if (rc > 0)
			return refuse(p, X86_PATCH_BRANCH, "entry %u of the jump table at +0x%zx",
				      index, t->jmp);
		for (size_t j = 0; j < tabs->n; j++) {
			const struct x86_jtab *u = &tabs->t[j];

			rc = x86_jtab_find(fn, t, fn->vaddr + u->guard - 1, fn->vaddr + u->jmp + 1,
					   &index);
			if (rc > 0)
				return refuse(p, X86_PATCH_INDIRECT,
					      "bound of the jmp at +0x%zx bypassed by entry %u of "
					      "the jump table at +0x%zx",
					      u->jmp, index, t->jmp);
		}
	}
	/* Second pass: nothing may enter a dispatch after its bound check. */
	for (size_t pos = 0; pos < fn->size; pos += d.in.length) {
		uint64_t target;

		if (x86_decode(fn->code + pos, fn->size - pos, &d) < 0)
			return refuse(p, X86_PATCH_DECODE, "at +0x%zx", pos);
		if (!is_relative_branch(&d))
			continue;
		target = x86_abs_addr(&d, &d.ops[0], fn->vaddr + pos) - fn->vaddr;
		for (size_t i = 0; i < tabs->n; i++)
			if (target >= tabs->t[i].guard && target <= tabs->t[i].jmp)
				return refuse(p, X86_PATCH_INDIRECT,
					      "bound of the jmp at +0x%zx bypassed by a branch at "
					      "+0x%zx",
					      tabs->t[i].jmp, pos);
	}
	if (tabs->n)
		p->flags |= X86_PATCH_F_TABLE;
	return true;
}

static bool scan_function(const struct x86_func *fn, unsigned int flags, struct x86_patch *p)
{
	struct x86_window w;
	struct tables tabs;
	struct x86_decoded *d;

	w.n = 0;
	w.vaddr = fn->vaddr;
	tabs.n = 0;
	for (size_t pos = 0; pos < fn->size; pos += d->in.length) {
		size_t slot = w.n % X86_WINDOW;

		d = &w.d[slot];
		if (x86_decode(fn->code + pos, fn->size - pos, d) < 0)
			return refuse(p, X86_PATCH_DECODE, "at +0x%zx", pos);
		w.pos[slot] = pos;
		w.n++;
		if (!check_insn(fn, pos, d, p))
			return false;
		if (is_indirect_jmp(d) && !indirect_jmp(fn, flags, &w, pos, &tabs, p))
			return false;
	}
	return tabs.n ? check_tables(fn, &tabs, p) : true;
}

static void accept(const struct x86_func *fn, struct x86_patch *p)
{
	char text[64];
	size_t at, pos = p->offset;
	int n;

	n = snprintf(p->reason, sizeof(p->reason), "patchable%s: %u bytes:",
		     (p->flags & X86_PATCH_F_ENDBR) ? " after endbr64" : "", p->len);
	for (unsigned int i = 0; i < p->ninsn && n > 0; i++) {
		struct x86_decoded d;

		at = (size_t)n;
		if (at >= sizeof(p->reason) || x86_decode(fn->code + pos, p->insn_len[i], &d) < 0)
			break;
		x86_format(&d, fn->vaddr + pos, text, sizeof(text));
		n += snprintf(p->reason + at, sizeof(p->reason) - at, "%s %s", i ? ";" : "", text);
		pos += p->insn_len[i];
	}
	p->verdict = X86_PATCH_OK;
}

int x86_patch_analyze(const struct x86_func *fn, size_t offset, unsigned int flags,
		      struct x86_patch *ret)
{
	struct x86_patch p;

	if (!fn || !fn->code || !ret || offset >= fn->size ||
	    (flags & ~(X86_PATCH_AFTER_ENDBR | X86_PATCH_TAIL_CALLS)))
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.offset = offset;
	p.vaddr = fn->vaddr + offset;
	if (!find_range(fn, offset, flags, &p))
		goto out;
	for (size_t i = 0; i < fn->nentries; i++) {
		if (inside(&p, fn->vaddr + fn->entries[i])) {
			refuse(&p, X86_PATCH_ENTRY, "+0x%zx", fn->entries[i]);
			goto out;
		}
	}
	if (scan_function(fn, flags, &p))
		accept(fn, &p);
out:
	*ret = p;
	return 0;
}
