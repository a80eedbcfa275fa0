/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Remote syscalls in a real tracee: several in a row from one stop, at a syscall entry (where
 * the kernel runs ours in place of the thread's own) and at a syscall exit, and the thread's
 * own syscalls still run and return their own values afterwards.
 */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "inject/inject.h"

struct run {
	pid_t pid;
	int entries, exits, wrong_own;
	long got[2][3]; /* [entry, exit] x three remote getppid/getpid/getppid */
	int errs;
};

static void three(pid_t tid, long *got, int *errs)
{
	static const uint64_t none[6];
	static const long nrs[3] = {SYS_getppid, SYS_getpid, SYS_getppid};

	for (int i = 0; i < 3; i++)
		if (inj_syscall(tid, nrs[i], none, &got[i]) < 0)
			(*errs)++;
}

static uint32_t on_entry(uint32_t action, struct utrace_engine *engine,
			 struct user_regs_struct *regs)
{
	struct run *r = engine->data;

	if (r->entries++ == 0)
		three(utrace_engine_tid(engine), r->got[0], &r->errs);
	return UTRACE_RESUME;
}

static uint32_t on_exit_call(uint32_t action, struct utrace_engine *engine,
			     struct user_regs_struct *regs)
{
	struct run *r = engine->data;

	if ((long)regs->rax != r->pid)
		r->wrong_own++;
	if (r->exits++ == 1)
		three(utrace_engine_tid(engine), r->got[1], &r->errs);
	return UTRACE_RESUME;
}

static const struct utrace_engine_ops ops = {
	.report_syscall_entry = on_entry,
	.report_syscall_exit = on_exit_call,
};

int main(int argc, char **argv)
{
	static uint64_t getpid_only[UTRACE_NR_SYSCALLS / 64];
	struct run r = {0};
	struct utrace_engine *e;
	int status, i;

	harness_init(argc, argv);
	r.pid = spawn("sysloop", "5", "3");
	e = utrace_attach(r.pid, UTRACE_ATTACH_CREATE, &ops, &r);
	tap_ok(e != NULL, "attached");
	if (!e)
		return tap_done();
	getpid_only[SYS_getpid / 64] |= 1ULL << (SYS_getpid % 64);
	utrace_set_syscalls(r.pid, e, getpid_only);
	utrace_set_events(r.pid, e, UTRACE_EVENT_SYSCALL);
	utrace_control(r.pid, e, UTRACE_RESUME);
	utrace_engine_put(e);
	status = run_to_exit(r.pid, 20000);
	tap_exited(status, 3, "the program ran to its end");
	tap_is(r.errs, 0, "every remote syscall was run");
	for (i = 0; i < 2; i++) {
		const char *at = i ? "at an exit" : "at an entry";

		tap_ok(r.got[i][0] == getpid() && r.got[i][1] == r.pid && r.got[i][2] == getpid(),
		       "three in a row %s: getppid %ld, getpid %ld, getppid %ld", at, r.got[i][0],
		       r.got[i][1], r.got[i][2]);
	}
	tap_ok(r.exits >= 5 && !r.wrong_own, "the program's own getpid calls: %d, %d wrong",
	       r.exits, r.wrong_own);
	return tap_done();
}
