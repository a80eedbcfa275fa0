/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * target: the traced process of a session (-c CMD or -x PID) and the engine that turns its
 * process events into probe hits.
 *
 * -c CMD splits CMD into words as a shell would (wordexp, no command substitution) and starts
 * it with utrace_spawn(), stopped before its execve; -x PID seizes every thread.  Either way
 * the uprobes are registered first, the process is watched by uprobes (forks followed, so the
 * whole hierarchy is probed, as stap restricts process probes to the target's hierarchy), and
 * one engine of ours is attached per thread.  The command is let go only after the begin
 * probes ran (target_go), so no hit is missed.
 *
 * The engine asks for EXEC, CLONE, DEATH and REAP, plus SYSCALL_ENTRY/EXIT (all syscalls)
 * when the script has syscall probes.  process.begin fires after an exec (for the command of
 * -c, that is when it starts) and for a fork child; with -x it fires once for the running
 * target.  thread.begin fires for a new thread (in its context), thread.end at a non-leader
 * thread's death, process.end at the leader's, when the whole group is gone.  A fork child
 * gets its own engines from report_clone, before it runs.
 *
 * At the end (target_finish) whatever still runs is cleaned: uprobe_cleanup_all() restores
 * every byte written, then utrace_detach_all(); a command of -c that still runs is killed
 * (stap does the same), a process of -x goes on.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

#include "modbias.h"
#include "os/os.h"
#include "procs.h"
#include "target.h"
#include "uprobes.h"
#include "utrace/uprobe.h"
#include "utrace/utrace.h"

struct thread {
	pid_t tid, pid;
};

static const struct vm_program *prog;
static pid_t target;
static bool spawned, exited, any_uprobes, want_syscalls;
static unsigned long want_events;
static const struct utrace_engine_ops ops;

bool target_needed(const struct vm_program *p)
{
	for (uint32_t i = 0; i < p->nprobes; i++)
		if (p->probes[i].kind == VM_PROBE_PROCESS)
			return true;
	return false;
}

bool ustap_probe_matches(const struct vm_probe *p, pid_t pid)
{
	if (p->proc_pid && p->proc_pid != pid)
		return false;
	if (!p->proc_path)
		return true;
	/* A file's own probes: uprobes only hit where it is mapped (it may be a library). */
	if (p->module && !strcmp(p->module, p->proc_path))
		return true;
	return !strcmp(procs_get(pid)->exe, p->proc_path);
}

static bool fire_event(enum vm_proc_event ev, pid_t pid, pid_t tid, struct user_regs_struct *regs)
{
	struct ustap_hit hit = {.pid = pid, .tid = tid, .regs = regs};

	for (uint32_t i = 0; i < prog->nprobes; i++) {
		const struct vm_probe *p = &prog->probes[i];

		if (p->kind != VM_PROBE_PROCESS || p->event != ev || !ustap_probe_matches(p, pid))
			continue;
		if (!ustap_fire(p, &hit))
			return false;
	}
	return true;
}

static int engine_attach(pid_t tid, pid_t pid)
{
	struct thread *t = calloc(1, sizeof(*t));
	struct utrace_engine *e;
	int r;

	if (!t)
		return -ENOMEM;
	t->tid = tid;
	t->pid = pid;
	e = utrace_attach(tid,
			  UTRACE_ATTACH_CREATE | UTRACE_ATTACH_EXCLUSIVE | UTRACE_ATTACH_MATCH_OPS,
			  &ops, t);
	if (!e) {
		r = -errno;
		free(t);
		return r;
	}
	r = 0;
	if (want_syscalls)
		r = utrace_set_syscalls(tid, e, NULL);
	if (r == 0)
		r = utrace_set_events(tid, e, want_events);
	utrace_engine_put(e);
	return r == -EINPROGRESS ? 0 : r;
}

static uint32_t keep(uint32_t action)
{
	return UTRACE_RESUME | (action & ~UTRACE_RESUME_MASK);
}

static uint32_t on_exec(uint32_t action, struct utrace_engine *engine, const char *filename,
			struct user_regs_struct *regs)
{
	struct thread *t = engine->data;

	t->tid = utrace_engine_tid(engine);
	procs_refresh(t->pid);
	modbias_forget(t->pid);
	fire_event(VM_PROC_BEGIN, t->pid, t->tid, NULL);
	return keep(action);
}

static uint32_t on_clone(uint32_t action, struct utrace_engine *engine, unsigned long flags,
			 pid_t child)
{
	struct thread *t = engine->data;

	if (flags & CLONE_THREAD) {
		if (engine_attach(child, t->pid) == 0)
			fire_event(VM_PROC_THREAD_BEGIN, t->pid, child, NULL);
		return keep(action);
	}
	if (engine_attach(child, child) == 0)
		fire_event(VM_PROC_BEGIN, child, child, NULL);
	return keep(action);
}

static uint32_t on_syscall_entry(uint32_t action, struct utrace_engine *engine,
				 struct user_regs_struct *regs)
{
	struct thread *t = engine->data;

	fire_event(VM_PROC_SYSCALL, t->pid, t->tid, regs);
	return keep(action);
}

static uint32_t on_syscall_exit(uint32_t action, struct utrace_engine *engine,
				struct user_regs_struct *regs)
{
	struct thread *t = engine->data;

	fire_event(VM_PROC_SYSCALL_RETURN, t->pid, t->tid, regs);
	return keep(action);
}

static uint32_t on_death(struct utrace_engine *engine, bool group_dead, int signal)
{
	struct thread *t = engine->data;

	if (t->tid != t->pid) {
		fire_event(VM_PROC_THREAD_END, t->pid, t->tid, NULL);
		return UTRACE_RESUME;
	}
	modbias_forget(t->pid);
	fire_event(VM_PROC_END, t->pid, t->tid, NULL);
	if (t->pid == target)
		exited = true;
	return UTRACE_RESUME;
}

static void on_release(void *data)
{
	free(data);
}

static const struct utrace_engine_ops ops = {
	.report_exec = on_exec,
	.report_clone = on_clone,
	.report_syscall_entry = on_syscall_entry,
	.report_syscall_exit = on_syscall_exit,
	.report_death = on_death,
	.release = on_release,
};

static int split(const char *cmd, wordexp_t *we)
{
	int r = wordexp(cmd, we, WRDE_NOCMD | WRDE_SHOWERR);

	if (r == 0 && we->we_wordc == 0) {
		wordfree(we);
		return -EINVAL;
	}
	return r == 0 ? 0 : -EINVAL;
}

int target_path(const char *cmd, long pid, char *buf, size_t len)
{
	wordexp_t we;
	int r;

	if (cmd) {
		char canon[PATH_MAX];

		r = split(cmd, &we);
		if (r < 0)
			return r;
		r = utrace_find_program(we.we_wordv[0], buf, len);
		wordfree(&we);
		if (r == 0 && realpath(buf, canon))
			snprintf(buf, len, "%s", canon);
		return r;
	}
	return proc_exe((pid_t)pid, buf, len) < 0 ? -ESRCH : 0;
}

int target_spawn(const char *cmd, pid_t *ret_pid)
{
	wordexp_t we;
	int r = split(cmd, &we);

	if (r < 0) {
		fprintf(stderr, "ERROR: cannot parse the command '%s'\n", cmd);
		return r;
	}
	r = utrace_spawn(we.we_wordv, ret_pid);
	if (r < 0)
		fprintf(stderr, "ERROR: cannot run '%s': %s\n", we.we_wordv[0], strerror(-r));
	wordfree(&we);
	if (r == 0)
		spawned = true;
	return r;
}

int target_setup(const struct vm_program *p, pid_t pid, bool was_spawned, int verbose)
{
	pid_t *tids = NULL;
	int n = 0, r;

	prog = p;
	target = pid;
	want_events = UTRACE_EVENT(EXEC) | UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH);
	for (uint32_t i = 0; i < p->nprobes; i++)
		if (p->probes[i].kind == VM_PROBE_PROCESS &&
		    (p->probes[i].event == VM_PROC_SYSCALL ||
		     p->probes[i].event == VM_PROC_SYSCALL_RETURN))
			want_syscalls = true;
	if (want_syscalls)
		want_events |= UTRACE_EVENT_SYSCALL;
	r = uprobes_register_all(p, verbose);
	if (r < 0)
		return r;
	any_uprobes = r > 0;
	if (any_uprobes) {
		r = uprobe_watch(pid, true);
		if (r < 0) {
			fprintf(stderr, "ERROR: cannot watch process %d: %s\n", pid, strerror(-r));
			return r;
		}
	}
	if (was_spawned) {
		tids = malloc(sizeof(*tids));
		if (!tids)
			return -ENOMEM;
		tids[0] = pid;
		n = 1;
	} else {
		r = utrace_seize_process(pid, &tids, &n);
		if (r < 0) {
			pid_t tracer = utrace_tracer_of(pid);

			if (r == -EPERM && tracer > 0)
				fprintf(stderr,
					"ERROR: cannot attach to process %d: already traced by "
					"process %d\n",
					pid, tracer);
			else
				fprintf(stderr, "ERROR: cannot attach to process %d: %s\n", pid,
					strerror(-r));
			return r;
		}
	}
	for (int i = 0; i < n; i++) {
		r = engine_attach(tids[i], pid);
		if (r < 0 && r != -ESRCH) {
			fprintf(stderr, "ERROR: cannot trace thread %d: %s\n", tids[i],
				strerror(-r));
			free(tids);
			return r;
		}
	}
	free(tids);
	return 0;
}

int target_go(void)
{
	struct utrace_engine *e;
	int r;

	if (!spawned) {
		fire_event(VM_PROC_BEGIN, target, target, NULL);
		return 0;
	}
	e = utrace_attach(target, UTRACE_ATTACH_MATCH_OPS, &ops, NULL);
	if (!e)
		return -errno;
	r = utrace_control(target, e, UTRACE_RESUME);
	utrace_engine_put(e);
	return r;
}

bool target_exited(void)
{
	return exited;
}

bool target_poll(void)
{
	int r;

	do
		r = utrace_wait(false);
	while (r > 0 && !exited);
	return r != -ECHILD;
}

void target_finish(void)
{
	int status;

	if (utrace_wait(false) != -ECHILD) {
		if (any_uprobes)
			uprobe_cleanup_all();
		utrace_detach_all();
	}
	if (spawned && !exited && utrace_child_status(target, &status) < 0) {
		kill(target, SIGKILL);
		waitpid(target, &status, 0);
	}
	uprobes_unregister_all();
}
