/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A remote rt_sigaction: reading or changing a signal disposition of a stopped tracee, for
 * the journal's SIGACTION entries (and the agent's handlers to come).
 *
 * rt_sigaction takes its structs by pointer, so they have to be in the tracee's memory.  They
 * go on the thread's stack, below the red zone (arch_rsyscall_scratch), where no code of the
 * thread looks, and the bytes that were there are put back afterwards, so that nothing of ours
 * is left in the process even there.
 *
 * Not yet done: the engine caches the dispositions of a process whose rt_sigaction calls it
 * traps, to classify its signals; a change made here bypasses that trap, so the engine's
 * classification is stale until the program's own next rt_sigaction or exec.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>

#include "arch/arch.h"
#include "inject/inject.h"
#include "os/os.h"
#include "utrace/utrace.h"

int inj_sigaction(pid_t tid, int sig, const struct arch_ksigaction *act,
		  struct arch_ksigaction *ret_old)
{
	struct arch_ksigaction io[2] = {{0}, {0}}; /* act, old */
	uint8_t saved[sizeof(io)];
	struct user_regs_struct regs;
	uint64_t at, args[6];
	long ret = -1;
	int r;

	r = utrace_get_regs(tid, &regs);
	if (r < 0)
		return r;
	at = arch_rsyscall_scratch(&regs, sizeof(io));
	r = mem_read_all(tid, at, saved, sizeof(saved));
	if (r < 0)
		return r;
	if (act)
		io[0] = *act;
	r = mem_write_all(tid, at, io, sizeof(io));
	if (r == 0) {
		args[0] = (uint64_t)sig;
		args[1] = act ? at : 0;
		args[2] = at + sizeof(io[0]);
		args[3] = sizeof(io[0].mask);
		args[4] = args[5] = 0;
		r = inj_syscall(tid, SYS_rt_sigaction, args, &ret);
	}
	if (r == 0 && ret < 0)
		r = (int)ret;
	if (r == 0 && ret_old)
		r = mem_read_all(tid, at + sizeof(io[0]), ret_old, sizeof(*ret_old));
	(void)mem_write_all(tid, at, saved, sizeof(saved));
	return r;
}
