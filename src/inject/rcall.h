/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef INJECT_RCALL_H
#define INJECT_RCALL_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

/* The stub a remote call runs through: `call *%rax; int3`, in the tracee's executable memory. */
#define INJ_CALL_STUB	   "\xff\xd0\xcc"
#define INJ_CALL_STUB_LEN  3
#define INJ_CALL_STUB_TRAP 2 /* offset of the int3 */

/*
 * Call the function at @fn in thread @tid, which the tracer holds in a ptrace-stop (inside a
 * report, or held by UTRACE_STOP), with up to six integer arguments, through @stub.  The
 * thread's registers, signal mask and siginfo are as before afterwards; *ret_value is the
 * function's rax.  Returns 0, -EBUSY when the thread's stop is one a call cannot start from (a
 * job-control stop, a ptrace event inside a syscall), -EFAULT when the function faulted (the
 * fault is not delivered to the program), -ESRCH when the thread died.
 */
int inj_call(pid_t tid, uint64_t stub, uint64_t fn, const uint64_t args[6], uint64_t *ret_value);

/*
 * After remote syscalls (rsyscall.c) in thread @tid, held where a signal was being delivered:
 * bring it back into a signal-delivery-stop whose siginfo is @si (read before the first remote
 * operation at that stop), so that the signal the engine injects leaves with its own siginfo
 * rather than one the kernel makes up.  Nothing runs in user mode meanwhile.  Returns 0,
 * -EBUSY (a SIGTRAP of the thread's own is pending: the thread is left as it is), -ESRCH.
 */
int inj_settle(pid_t tid, const siginfo_t *si);

#endif
