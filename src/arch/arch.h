/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The arch hook boundary: everything src/inject and src/uprobe ask of the architecture, as
 * mainline's arch_uprobe_*() and compel's arch/ hooks.  The code above this header is
 * generic; the one implementation today is src/arch/x86_64/ (arch_types.h gives the types
 * and constants, *_x86.c the hooks).  All hooks are pure: registers and bytes in and out, no
 * ptrace, no I/O.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

#include "arch/x86_64/arch_types.h"

/* ---- remote syscalls (src/inject/rsyscall.c) ---------------------------------------------- */

/* Offset of the first syscall instruction (ARCH_SYSCALL_INSN_LEN bytes) in code, or -ENOENT. */
long arch_rsyscall_find_insn(const uint8_t *code, size_t len);
/*
 * Turn the registers of a stopped thread into those that run syscall @nr(@args): at a
 * syscall-entry stop the kernel runs ours in place of the thread's own; anywhere else the
 * thread is sent to the syscall instruction at @insn.
 */
void arch_rsyscall_setup(struct user_regs_struct *regs, bool at_entry, uint64_t insn, long nr,
			 const uint64_t args[6]);
/* The syscall's return value (-errno on failure) in the registers of its exit stop. */
long arch_rsyscall_result(const struct user_regs_struct *regs);
/*
 * The thread's own registers, made ready to go back after our syscall: a syscall its stop had
 * interrupted restarts as the kernel would have restarted it, and at a syscall-entry stop its
 * own syscall runs again.
 */
void arch_rsyscall_restore(struct user_regs_struct *saved, bool at_entry);
/* An aligned address of @len bytes on the stopped thread's stack that no code of it uses. */
uint64_t arch_rsyscall_scratch(const struct user_regs_struct *regs, size_t len);

#endif
