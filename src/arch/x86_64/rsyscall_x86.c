/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86-64 half of the remote syscall (src/inject/rsyscall.c): the `syscall` instruction
 * (0f 05) to borrow, the registers of the syscall ABI (number in rax, arguments in rdi, rsi,
 * rdx, r10, r8, r9, result in rax), and the kernel's restart convention.
 *
 * A thread stopped while the kernel was inside a syscall that it would restart on the way out
 * has rax = -ERESTARTSYS (or one of its kind) and orig_rax = the syscall.  The restart, done
 * by the kernel when no handler runs, is rax = orig_rax (restart_syscall for
 * ERESTART_RESTARTBLOCK) and rip back over the 2-byte instruction: what
 * arch_rsyscall_restore does to the saved registers, since our syscall's return to user mode
 * takes that path away.  At a syscall-entry stop the kernel takes the number from orig_rax,
 * so ours goes there, and the thread's own syscall is set to run again afterwards.
 *
 * The red zone: the 128 bytes below rsp belong to the thread's leaf function (System V
 * ABI), so scratch room starts below them.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>

#include "arch/arch.h"

/* include/linux/errno.h: never seen by user space. */
#define ERESTARTSYS	      512
#define ERESTARTNOINTR	      513
#define ERESTARTNOHAND	      514
#define ERESTART_RESTARTBLOCK 516

#define RED_ZONE 128

long arch_rsyscall_find_insn(const uint8_t *code, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (code[i] == 0x0f && code[i + 1] == 0x05)
			return (long)i;
	return -ENOENT;
}

void arch_rsyscall_setup(struct user_regs_struct *regs, bool at_entry, uint64_t insn, long nr,
			 const uint64_t args[6])
{
	if (at_entry) {
		regs->orig_rax = (unsigned long long)nr;
	} else {
		regs->rip = insn;
		regs->rax = (unsigned long long)nr;
		regs->orig_rax = (unsigned long long)-1;
	}
	regs->rdi = args[0];
	regs->rsi = args[1];
	regs->rdx = args[2];
	regs->r10 = args[3];
	regs->r8 = args[4];
	regs->r9 = args[5];
}

long arch_rsyscall_result(const struct user_regs_struct *regs)
{
	return (long)regs->rax;
}

static void restart_interrupted(struct user_regs_struct *regs)
{
	long rax = (long)regs->rax;

	if ((long)regs->orig_rax < 0)
		return;
	switch (-rax) {
	case ERESTARTSYS:
	case ERESTARTNOINTR:
	case ERESTARTNOHAND:
		regs->rax = regs->orig_rax;
		regs->rip -= ARCH_SYSCALL_INSN_LEN;
		break;
	case ERESTART_RESTARTBLOCK:
		regs->rax = SYS_restart_syscall;
		regs->rip -= ARCH_SYSCALL_INSN_LEN;
		break;
	default:
		break;
	}
}

void arch_rsyscall_restore(struct user_regs_struct *saved, bool at_entry)
{
	if (!at_entry) {
		restart_interrupted(saved);
		return;
	}
	saved->rip -= ARCH_SYSCALL_INSN_LEN;
	saved->rax = saved->orig_rax;
	saved->orig_rax = (unsigned long long)-1;
}

uint64_t arch_rsyscall_scratch(const struct user_regs_struct *regs, size_t len)
{
	return (regs->rsp - RED_ZONE - len) & ~(uint64_t)15;
}
