/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86-64's types and constants behind src/arch/arch.h (mainline's asm/uprobes.h).  The code
 * above arch/ holds these structs by value and never looks inside; the accessors below are
 * the registers it may name.
 */
#ifndef ARCH_X86_64_ARCH_TYPES_H
#define ARCH_X86_64_ARCH_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/user.h>

#include "arch/x86_64/x86.h"

#define ARCH_SYSCALL_INSN_LEN 2 /* 0f 05 */

#define ARCH_SWBP_INSN	    X86_INT3
#define ARCH_SWBP_LEN	    1
#define ARCH_MAX_INSN	    X86_MAX_INSN
#define ARCH_XOL_SLOT_BYTES X86_SLOT_SIZE

/* The instruction under one breakpoint, analysed at its address. */
struct arch_uprobe {
	struct x86_insn insn;
};

/* A thread's state across one out-of-line single-step. */
struct arch_uprobe_task {
	struct x86_step step;
};

/* The kernel's struct sigaction, as rt_sigaction(2) takes it (not glibc's). */
struct arch_ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

static inline uint64_t arch_ip(const struct user_regs_struct *regs)
{
	return regs->rip;
}

static inline void arch_set_ip(struct user_regs_struct *regs, uint64_t ip)
{
	regs->rip = ip;
}

static inline uint64_t arch_sp(const struct user_regs_struct *regs)
{
	return regs->rsp;
}

/* At a syscall stop: its number, its argument @n (0-5) and, at the exit, its result. */
static inline long arch_syscall_nr(const struct user_regs_struct *regs)
{
	return (long)regs->orig_rax;
}

static inline uint64_t arch_syscall_arg(const struct user_regs_struct *regs, unsigned int n)
{
	const unsigned long long args[6] = {regs->rdi, regs->rsi, regs->rdx,
					    regs->r10, regs->r8,  regs->r9};

	return n < 6 ? args[n] : 0;
}

static inline long arch_syscall_ret(const struct user_regs_struct *regs)
{
	return (long)regs->rax;
}

#endif
