/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Raw x86-64 Linux syscalls for the agent, which has no libc (musl's syscall_arch.h does the
 * same).  They return the kernel's value: >= 0, or -errno in [-4095, -1]; there is no errno.
 * The kernel clobbers rcx and r11; "memory" because buffers are read and written behind the
 * compiler's back.  Syscall numbers come from the kernel's UAPI headers, which need no libc.
 */
#ifndef AGENT_AGENT_SYSCALL_H
#define AGENT_AGENT_SYSCALL_H

#include <asm/unistd.h>

static inline long agent_syscall0(long n)
{
	unsigned long ret;

	__asm__ __volatile__("syscall" : "=a"(ret) : "a"(n) : "rcx", "r11", "memory");
	return (long)ret;
}

static inline long agent_syscall1(long n, long a1)
{
	unsigned long ret;

	__asm__ __volatile__("syscall" : "=a"(ret) : "a"(n), "D"(a1) : "rcx", "r11", "memory");
	return (long)ret;
}

static inline long agent_syscall2(long n, long a1, long a2)
{
	unsigned long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(n), "D"(a1), "S"(a2)
			     : "rcx", "r11", "memory");
	return (long)ret;
}

static inline long agent_syscall3(long n, long a1, long a2, long a3)
{
	unsigned long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(n), "D"(a1), "S"(a2), "d"(a3)
			     : "rcx", "r11", "memory");
	return (long)ret;
}

static inline long agent_syscall4(long n, long a1, long a2, long a3, long a4)
{
	register long r10 __asm__("r10") = a4;
	unsigned long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
			     : "rcx", "r11", "memory");
	return (long)ret;
}

static inline long agent_syscall5(long n, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	unsigned long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
			     : "rcx", "r11", "memory");
	return (long)ret;
}

static inline long agent_syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	unsigned long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			     : "rcx", "r11", "memory");
	return (long)ret;
}

#endif
