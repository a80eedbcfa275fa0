/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * regs: hardware register numbers (as in ModRM, REX and opcode+reg encodings) mapped onto the
 * fields of the kernel's user_regs_struct, whose order is the kernel's stack frame and
 * unrelated to the encoding.  Out-of-range numbers give NULL.
 */
#include <stddef.h>

#include "arch/x86_64/x86.h"

/* Indexed by hardware number: rax rcx rdx rbx rsp rbp rsi rdi, then r8-r15. */
static const size_t gpr_offset[16] = {
	offsetof(struct user_regs_struct, rax), offsetof(struct user_regs_struct, rcx),
	offsetof(struct user_regs_struct, rdx), offsetof(struct user_regs_struct, rbx),
	offsetof(struct user_regs_struct, rsp), offsetof(struct user_regs_struct, rbp),
	offsetof(struct user_regs_struct, rsi), offsetof(struct user_regs_struct, rdi),
	offsetof(struct user_regs_struct, r8),	offsetof(struct user_regs_struct, r9),
	offsetof(struct user_regs_struct, r10), offsetof(struct user_regs_struct, r11),
	offsetof(struct user_regs_struct, r12), offsetof(struct user_regs_struct, r13),
	offsetof(struct user_regs_struct, r14), offsetof(struct user_regs_struct, r15),
};

unsigned long long *x86_reg(struct user_regs_struct *regs, unsigned int num)
{
	if (num >= 16)
		return NULL;
	return (unsigned long long *)((char *)regs + gpr_offset[num]);
}
