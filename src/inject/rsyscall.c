/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Remote syscalls: making a stopped tracee run one syscall for us (mmap of the XOL area,
 * munmap at detach), the way CRIU's compel and gdb's inferior calls do.
 *
 * The thread's registers are saved, rip is pointed at a `syscall` instruction that already
 * exists in the process (the vDSO has several; other executable mappings are searched if not),
 * so no code is written; rax and the argument registers are set, and PTRACE_SYSCALL runs it
 * from its entry stop to its exit stop.  Then the saved registers go back.
 *
 * The subtle part is the state the thread was stopped in.  If the stop had interrupted a
 * syscall that the kernel was about to restart (rax holding -ERESTARTSYS and friends), the
 * restart would normally happen on the way back to user mode; after our syscall that path is
 * gone, so the restart is done here, as the kernel does it when no handler runs: rax =
 * orig_rax (restart_syscall for ERESTART_RESTARTBLOCK) and rip back over the syscall
 * instruction.  A thread stopped at a syscall entry runs our syscall in place of its own (the
 * kernel takes the number from orig_rax at that stop), and is then set to run its own again
 * from the syscall instruction.  The thread ends in a syscall-exit stop with its own
 * registers.
 *
 * Signals: a thread resumed from an interrupt stop dequeues its pending signals before it
 * returns to user mode, and one arriving meanwhile would stop it in a signal-delivery-stop
 * whose signal we could only drop.  So every signal is blocked (PTRACE_SETSIGMASK) for the
 * length of our syscall and the thread's own mask comes back with its registers: what was
 * pending stays pending, with its siginfo, for the thread's real resumption.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inject/inject.h"
#include "os/os.h"
#include "utrace/utrace.h"
#include "util/log.h"

#define ERESTARTSYS	      512
#define ERESTARTNOINTR	      513
#define ERESTARTNOHAND	      514
#define ERESTART_RESTARTBLOCK 516

struct gadget {
	pid_t pid;
	uint64_t addr;
};

static struct gadget *gadgets;
static int ngadgets;

void inj_forget(pid_t pid)
{
	int i;

	for (i = 0; i < ngadgets; i++)
		if (gadgets[i].pid == pid)
			gadgets[i] = gadgets[--ngadgets];
}

static uint64_t scan_for_syscall(pid_t pid, uint64_t start, uint64_t end)
{
	uint8_t buf[4096 + 1];
	uint64_t at;

	for (at = start; at < end; at += 4096) {
		size_t len = end - at > 4096 ? 4096 + 1 : end - at;
		long n = mem_read(pid, at, buf, len);
		long i;

		for (i = 0; i + 1 < n; i++)
			if (buf[i] == 0x0f && buf[i + 1] == 0x05)
				return at + (uint64_t)i;
	}
	return 0;
}

/* An address holding the bytes 0f 05 in an executable mapping; the vDSO first. */
static uint64_t find_gadget(pid_t tgid)
{
	char path[64], line[512];
	uint64_t found = 0, start, end;
	int pass, i;
	FILE *f;

	for (i = 0; i < ngadgets; i++)
		if (gadgets[i].pid == tgid)
			return gadgets[i].addr;
	snprintf(path, sizeof(path), "/proc/%d/maps", tgid);
	for (pass = 0; pass < 2 && !found; pass++) {
		f = fopen(path, "re");
		if (!f)
			return 0;
		while (!found && fgets(line, sizeof(line), f)) {
			char perms[5];

			if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) != 3 ||
			    perms[2] != 'x')
				continue;
			if ((pass == 0) != (strstr(line, "[vdso]") != NULL))
				continue;
			found = scan_for_syscall(tgid, start, end);
		}
		fclose(f);
	}
	if (found) {
		struct gadget *grown = realloc(gadgets, (size_t)(ngadgets + 1) * sizeof(*grown));

		if (grown) {
			gadgets = grown;
			gadgets[ngadgets].pid = tgid;
			gadgets[ngadgets++].addr = found;
		}
	}
	return found;
}

/*
 * Run the thread until its syscall-exit stop.  On the way come the entry stop and, when the
 * process carries our seccomp filter, a seccomp stop.  SIGSTOP cannot be blocked: one that
 * arrives is kept in *held and sent again afterwards.  A thread that exits meanwhile (SIGKILL)
 * is the engine's news: its status goes back to it.
 */
static int run_to_syscall_exit(pid_t tid, int *held)
{
	struct __ptrace_syscall_info info;
	int status;
	pid_t got;

	for (;;) {
		if (pt_resume(PTRACE_SYSCALL, tid, 0) < 0)
			return -ESRCH;
		while ((got = waitpid(tid, &status, __WALL)) < 0 && errno == EINTR)
			;
		if (got != tid)
			return -ESRCH;
		if (!WIFSTOPPED(status) || status >> 16 == PTRACE_EVENT_EXIT) {
			utrace_forward_status(tid, status);
			return -ESRCH;
		}
		if (status >> 16 == 0 && WSTOPSIG(status) == SIGSTOP)
			*held = SIGSTOP;
		if (WSTOPSIG(status) != (SIGTRAP | 0x80))
			continue;
		if (pt_syscall_info(tid, &info) == 0 && info.op == PTRACE_SYSCALL_INFO_EXIT)
			return 0;
	}
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
		regs->rip -= 2;
		break;
	case ERESTART_RESTARTBLOCK:
		regs->rax = SYS_restart_syscall;
		regs->rip -= 2;
		break;
	default:
		break;
	}
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
	/* Not after an earlier remote syscall at this stop: that one set it to run its own again. */
	at_entry = utrace_at_syscall_entry(tid) && (long)saved.orig_rax >= 0;
	regs = saved;
	if (at_entry) {
		/* The kernel is about to run orig_rax: it runs ours instead, then its own again. */
		regs.orig_rax = (unsigned long long)nr;
	} else {
		regs.rip = gadget;
		regs.rax = (unsigned long long)nr;
		regs.orig_rax = (unsigned long long)-1;
	}
	regs.rdi = args[0];
	regs.rsi = args[1];
	regs.rdx = args[2];
	regs.r10 = args[3];
	regs.r8 = args[4];
	regs.r9 = args[5];
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
	*ret_value = (long)after.rax;
	if (at_entry) {
		saved.rip -= 2;
		saved.rax = saved.orig_rax;
		saved.orig_rax = (unsigned long long)-1;
	} else {
		restart_interrupted(&saved);
	}
	r = pt_setregs(tid, &saved);
	if (r == 0)
		r = utrace_set_regs(tid, &saved);
	pr_debug("tid %d: remote syscall %ld = %ld", tid, nr, *ret_value);
	return r;
}
