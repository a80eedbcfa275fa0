/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Remote syscalls: making a stopped tracee run one syscall for us (mmap of the XOL area,
 * munmap at detach), the way CRIU's compel and gdb's inferior calls do.
 *
 * The thread's registers are saved, its instruction pointer is sent to a syscall instruction
 * that already exists in the process (the vDSO has several; other executable mappings are
 * searched if not), so no code is written; the number and arguments go in their registers,
 * and PTRACE_SYSCALL runs it from its entry stop to its exit stop.  Then the saved registers
 * go back.  Which instruction, which registers, and how an interrupted syscall restarts are
 * the architecture's (arch_rsyscall_*, src/arch/x86_64/rsyscall_x86.c).
 *
 * The subtle part is the state the thread was stopped in.  If the stop had interrupted a
 * syscall that the kernel was about to restart, the restart would normally happen on the way
 * back to user mode; after our syscall that path is gone, so the restart is done here, as the
 * kernel does it when no handler runs.  A thread stopped at a syscall entry runs our syscall
 * in place of its own, and is then set to run its own again from the syscall instruction.
 * The thread ends in a syscall-exit stop with its own registers.
 *
 * Signals: a thread resumed from an interrupt stop dequeues its pending signals before it
 * returns to user mode, and one arriving meanwhile would stop it in a signal-delivery-stop
 * whose signal we could only drop.  So every signal is blocked (PTRACE_SETSIGMASK) for the
 * length of our syscall and the thread's own mask comes back with its registers: what was
 * pending stays pending, with its siginfo, for the thread's real resumption.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/arch.h"
#include "inject/inject.h"
#include "os/os.h"
#include "sym/sym.h"
#include "utrace/utrace.h"
#include "util/log.h"
#include "util/vec.h"

struct gadget {
	pid_t pid;
	uint64_t addr;
};

static struct gadget *gadgets;
static int ngadgets, capgadgets;

void inj_forget(pid_t pid)
{
	int i;

	for (i = 0; i < ngadgets; i++)
		if (gadgets[i].pid == pid)
			gadgets[i] = gadgets[--ngadgets];
}

static uint64_t scan_for_syscall(pid_t pid, uint64_t start, uint64_t end)
{
	uint8_t buf[4096 + ARCH_SYSCALL_INSN_LEN - 1];
	uint64_t at;

	for (at = start; at < end; at += 4096) {
		size_t len = end - at > 4096 ? sizeof(buf) : end - at;
		long n = mem_read(pid, at, buf, len), i;

		if (n > 0 && (i = arch_rsyscall_find_insn(buf, (size_t)n)) >= 0)
			return at + (uint64_t)i;
	}
	return 0;
}

/* An address holding a syscall instruction in an executable mapping; the vDSO first. */
static uint64_t find_gadget(pid_t tgid)
{
	struct sym_maps *maps;
	uint64_t found = 0;
	int pass, i;
	size_t k;

	for (i = 0; i < ngadgets; i++)
		if (gadgets[i].pid == tgid)
			return gadgets[i].addr;
	if (sym_maps_read(tgid, &maps) < 0)
		return 0;
	for (pass = 0; pass < 2 && !found; pass++) {
		for (k = 0; k < maps->count && !found; k++) {
			const struct sym_mapping *m = &maps->v[k];

			if (m->perms[2] != 'x' || (pass == 0) != !strcmp(m->path, "[vdso]"))
				continue;
			found = scan_for_syscall(tgid, m->start, m->end);
		}
	}
	sym_maps_free(maps);
	if (found && VEC_GROW(gadgets, capgadgets, ngadgets) == 0) {
		gadgets[ngadgets].pid = tgid;
		gadgets[ngadgets++].addr = found;
	}
	return found;
}

/*
 * Run the thread until its syscall-exit stop.  On the way come the entry stop and, when the
 * process carries our seccomp filter, a seccomp stop.  SIGSTOP cannot be blocked: one that
 * arrives is kept in *held and sent again afterwards.  A thread that exits meanwhile (SIGKILL)
 * is the engine's news: its status goes back to it.
 */
int inj_resume_wait(pid_t tid, int request, int *ret_status)
{
	int status;
	pid_t got;

	if (pt_resume(request, tid, 0) < 0)
		return -ESRCH;
	while ((got = waitpid(tid, &status, __WALL)) < 0 && errno == EINTR)
		;
	if (got != tid)
		return -ESRCH;
	if (!WIFSTOPPED(status) || status >> 16 == PTRACE_EVENT_EXIT) {
		utrace_forward_status(tid, status);
		return -ESRCH;
	}
	*ret_status = status;
	return 0;
}

static int run_to_syscall_exit(pid_t tid, int *held)
{
	struct __ptrace_syscall_info info;
	int status;

	for (;;) {
		if (inj_resume_wait(tid, PTRACE_SYSCALL, &status) < 0)
			return -ESRCH;
		if (status >> 16 == 0 && WSTOPSIG(status) == SIGSTOP)
			*held = SIGSTOP;
		if (WSTOPSIG(status) != (SIGTRAP | 0x80))
			continue;
		if (pt_syscall_info(tid, &info) == 0 && info.op == PTRACE_SYSCALL_INFO_EXIT)
			return 0;
	}
}

/*
 * The kernel's view of the stop, not the engine's: after one remote syscall the thread is in
 * that syscall's exit stop, whatever stop the engine saw it in, and a second one must go
 * through the syscall instruction.
 */
static bool at_syscall_entry(pid_t tid)
{
	struct __ptrace_syscall_info info;

	if (pt_syscall_info(tid, &info) < 0)
		return utrace_at_syscall_entry(tid);
	return info.op == PTRACE_SYSCALL_INFO_ENTRY || info.op == PTRACE_SYSCALL_INFO_SECCOMP;
}

int inj_syscall(pid_t tid, long nr, const uint64_t args[6], long *ret_value)
{
	struct user_regs_struct saved, regs, after;
	struct proc_status st;
	uint64_t gadget, mask;
	bool at_entry;
	int r, held = 0;

	r = utrace_get_regs(tid, &saved);
	if (r < 0)
		return r;
	r = proc_status(tid, &st);
	if (r < 0)
		return r;
	gadget = find_gadget(st.tgid);
	if (!gadget)
		return -ENOEXEC;
	at_entry = at_syscall_entry(tid);
	regs = saved;
	arch_rsyscall_setup(&regs, at_entry, gadget, nr, args);
	r = pt_getsigmask(tid, &mask);
	if (r < 0)
		return r;
	r = pt_setregs(tid, &regs);
	if (r == 0)
		r = pt_setsigmask(tid, ~0ull);
	if (r == 0)
		r = run_to_syscall_exit(tid, &held);
	if (r == 0)
		r = pt_getregs(tid, &after);
	(void)pt_setsigmask(tid, mask);
	if (held)
		syscall(SYS_tgkill, st.tgid, tid, held);
	if (r < 0) {
		(void)pt_setregs(tid, &saved);
		return r;
	}
	*ret_value = arch_rsyscall_result(&after);
	arch_rsyscall_restore(&saved, at_entry);
	r = pt_setregs(tid, &saved);
	if (r == 0)
		r = utrace_set_regs(tid, &saved);
	pr_debug("tid %d: remote syscall %ld = %ld", tid, nr, *ret_value);
	return r;
}
