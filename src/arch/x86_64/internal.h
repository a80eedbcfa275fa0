/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the files of src/arch/x86_64; Zydis types stay out of x86.h. */
#ifndef ARCH_X86_64_INTERNAL_H
#define ARCH_X86_64_INTERNAL_H

#include <Zydis/Zydis.h>

#include "arch/x86_64/patch.h"
#include "arch/x86_64/x86.h"

struct x86_decoded {
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
};

int x86_decode(const uint8_t *bytes, size_t len, struct x86_decoded *ret);
void x86_format(const struct x86_decoded *d, uint64_t vaddr, char *buf, size_t size);
/* The address a relative branch or rip-relative operand of d, decoded at vaddr, refers to. */
uint64_t x86_abs_addr(const struct x86_decoded *d, const ZydisDecodedOperand *op, uint64_t vaddr);

/* Hardware number of a general-purpose register of any width, or -1. */
int x86_gpr_num(ZydisRegister reg);
bool x86_has_prefix(const struct x86_decoded *d, uint8_t value);

const char *x86_refusal(const struct x86_decoded *d);
const char *x86_refusal_insn(const struct x86_decoded *d);

int x86_riprel_find(const struct x86_decoded *d);
int x86_riprel_rewrite(const struct x86_decoded *d, uint8_t *xol, enum x86_scratch *ret);
int x86_scratch_num(enum x86_scratch s);
const char *x86_scratch_name(enum x86_scratch s);

/* One instruction of a patch range, decoded at from, re-encoded to run at to (relocate.c). */
int x86_reloc_insn(const struct x86_decoded *d, const uint8_t *bytes, uint64_t from, uint64_t to,
		   uint8_t *out, size_t room, size_t *ret_len);

/* The last X86_WINDOW instructions of a linear disassembly, newest at (n - 1) % X86_WINDOW. */
#define X86_WINDOW 16

struct x86_window {
	struct x86_decoded d[X86_WINDOW];
	size_t pos[X86_WINDOW]; /* offsets from vaddr */
	size_t n;		/* instructions seen so far */
	uint64_t vaddr;
};

/* A jump-table dispatch: nothing may jump into [guard, jmp] (offsets) but falling through. */
struct x86_jtab {
	size_t guard, jmp;
	uint64_t table;
	uint32_t count;
	uint8_t entsize; /* 4: int32 offsets from table; 8: absolute addresses */
};

/* The window's newest instruction is an indirect jmp: 0 for a jump table, -ENOENT. */
int x86_jtab_match(const struct x86_window *w, struct x86_jtab *ret);
/*
 * The window's newest instruction is an indirect jmp that shows no sign of a table: through a
 * memory cell without index, or through a register last written in its block by such a load
 * or a copy, or not written in its block as far as the window reaches.
 */
bool x86_jtab_tail_call(const struct x86_window *w);
/* 1 and the entry's index if an entry leads strictly inside (lo, hi), 0 if none, -errno. */
int x86_jtab_find(const struct x86_func *fn, const struct x86_jtab *t, uint64_t lo, uint64_t hi,
		  uint32_t *ret_index);

#endif
