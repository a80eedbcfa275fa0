/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one place that calls ptrace(2).  Each wrapper turns the libc convention (-1 and errno)
 * into -errno, so that callers can propagate errors without touching errno, and logs failed
 * requests at debug level with the thread they were about.  ESRCH from a request means the
 * thread is gone or not in a ptrace-stop; callers treat that as an event, not as a bug.
 */
#include <errno.h>
#include <sys/ptrace.h>

#include "os/os.h"
#include "util/log.h"

static long pt_call(int request, pid_t tid, void *addr, void *data)
{
	long r = ptrace((enum __ptrace_request)request, tid, addr, data);

	if (r < 0) {
		r = -errno;
		pr_debug("tid %d: ptrace(%s) failed: %d", tid, pt_request_name(request), (int)-r);
	}
	return r;
}

const char *pt_request_name(int request)
{
	switch (request) {
	case PTRACE_CONT:
		return "CONT";
	case PTRACE_SYSCALL:
		return "SYSCALL";
	case PTRACE_SINGLESTEP:
		return "SINGLESTEP";
	case PTRACE_SINGLEBLOCK:
		return "SINGLEBLOCK";
	case PTRACE_LISTEN:
		return "LISTEN";
	case PTRACE_DETACH:
		return "DETACH";
	case PTRACE_SETOPTIONS:
		return "SETOPTIONS";
	case PTRACE_SEIZE:
		return "SEIZE";
	case PTRACE_INTERRUPT:
		return "INTERRUPT";
	case PTRACE_GETREGS:
		return "GETREGS";
	case PTRACE_SETREGS:
		return "SETREGS";
	case PTRACE_GETSIGINFO:
		return "GETSIGINFO";
	case PTRACE_SETSIGINFO:
		return "SETSIGINFO";
	case PTRACE_GETSIGMASK:
		return "GETSIGMASK";
	case PTRACE_SETSIGMASK:
		return "SETSIGMASK";
	default:
		return "request";
	}
}

int pt_seize(pid_t tid, unsigned long options)
{
	return (int)pt_call(PTRACE_SEIZE, tid, NULL, (void *)options);
}

int pt_setoptions(pid_t tid, unsigned long options)
{
	return (int)pt_call(PTRACE_SETOPTIONS, tid, NULL, (void *)options);
}

int pt_interrupt(pid_t tid)
{
	return (int)pt_call(PTRACE_INTERRUPT, tid, NULL, NULL);
}

int pt_resume(int request, pid_t tid, int sig)
{
	return (int)pt_call(request, tid, NULL, (void *)(long)sig);
}

int pt_detach(pid_t tid, int sig)
{
	return (int)pt_call(PTRACE_DETACH, tid, NULL, (void *)(long)sig);
}

int pt_getregs(pid_t tid, struct user_regs_struct *ret_regs)
{
	return (int)pt_call(PTRACE_GETREGS, tid, NULL, ret_regs);
}

int pt_setregs(pid_t tid, const struct user_regs_struct *regs)
{
	return (int)pt_call(PTRACE_SETREGS, tid, NULL, (void *)regs);
}

int pt_geteventmsg(pid_t tid, unsigned long *ret_msg)
{
	return (int)pt_call(PTRACE_GETEVENTMSG, tid, NULL, ret_msg);
}

int pt_getsiginfo(pid_t tid, siginfo_t *ret_info)
{
	return (int)pt_call(PTRACE_GETSIGINFO, tid, NULL, ret_info);
}

int pt_setsiginfo(pid_t tid, const siginfo_t *info)
{
	return (int)pt_call(PTRACE_SETSIGINFO, tid, NULL, (void *)info);
}

int pt_getsigmask(pid_t tid, uint64_t *ret_mask)
{
	return (int)pt_call(PTRACE_GETSIGMASK, tid, (void *)sizeof(*ret_mask), ret_mask);
}

int pt_setsigmask(pid_t tid, uint64_t mask)
{
	return (int)pt_call(PTRACE_SETSIGMASK, tid, (void *)sizeof(mask), &mask);
}

int pt_syscall_info(pid_t tid, struct __ptrace_syscall_info *ret_info)
{
	long r = pt_call(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(*ret_info), ret_info);

	return r < 0 ? (int)r : 0;
}
