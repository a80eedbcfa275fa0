/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef INJECT_INJECT_H
#define INJECT_INJECT_H

#include <stdint.h>
#include <sys/types.h>

/*
 * Run syscall @nr with @args in thread @tid, which the tracer holds in a ptrace-stop (inside a
 * report, or held by UTRACE_STOP).  The thread's registers are restored afterwards, including
 * the restart of a syscall the stop had interrupted.  *ret_value is the syscall's return value
 * (negative errno on failure); the function returns 0 or -errno when the injection itself
 * failed (no syscall instruction found, the thread died).
 */
int inj_syscall(pid_t tid, long nr, const uint64_t args[6], long *ret_value);

/*
 * rt_sigaction(@sig, @act, @ret_old) run by stopped thread @tid; @act NULL only reads.  0 or
 * -errno (the syscall's, or the injection's).
 */
struct arch_ksigaction;
int inj_sigaction(pid_t tid, int sig, const struct arch_ksigaction *act,
		  struct arch_ksigaction *ret_old);

/*
 * Resume stopped thread @tid with ptrace @request (PTRACE_CONT, PTRACE_SYSCALL) and wait for
 * its next stop, into *ret_status.  -ESRCH if it is gone or exiting instead: that status is
 * the engine's news and goes back to it (utrace_forward_status).
 */
int inj_resume_wait(pid_t tid, int request, int *ret_status);

/* Forget what is cached about process @pid (after exec). */
void inj_forget(pid_t pid);

#endif
