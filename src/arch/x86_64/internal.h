/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the files of src/arch/x86_64; Zydis types stay out of x86.h. */
#ifndef ARCH_X86_64_INTERNAL_H
#define ARCH_X86_64_INTERNAL_H

#include <Zydis/Zydis.h>

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

#endif
