/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * target: the traced process of a session (-c argv or -x pid) and the engine that turns its
 * process events into probe hits.
 *
 * A target is traced when the session has a command to start, or a pid and process probes.  A
 * command is started with utrace_spawn(), stopped before its execve; a pid has every thread
 * seized.  Either way the uprobes are registered first (consumers.c), the process is watched by
 * uprobes (forks followed, so the whole hierarchy is probed, as stap restricts process probes to
 * the target's hierarchy), and one engine of ours is attached per thread, its data naming the
 * session.  The command is let go only after the begin probes ran (script_target_go), so no hit
 * is missed.
 *
 * The engine asks for EXEC, CLONE, DEATH and REAP, plus SYSCALL_ENTRY/EXIT (all syscalls) when
 * the script has syscall probes.  process.begin fires after an exec (for the command, that is
 * when it starts) and for a fork child; with a pid it fires once for the running target.
 * thread.begin fires for a new thread (in its context), thread.end at a non-leader thread's
 * death, process.end at the leader's, when the whole group is gone.  A fork child gets its own
 * engines from report_clone, before it runs.
 *
 * At the end (script_target_finish) whatever still runs is cleaned: uprobe_cleanup_all()
 * restores every byte written, then utrace_detach_all(); a command that still runs is killed
 * (stap's -c does the same), an attached process goes on.  Both calls act on the whole tracer
 * (libutrace and uprobes are process-wide), which is why one session traces at a time.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "os/os.h"
#include "script-priv.h"
#include "utrace/uprobe.h"
#include "utrace/utrace.h"

struct script_thread {
	struct script_session *s;
	pid_t tid, pid;
};

static const struct utrace_engine_ops ops;

static bool fire_event(struct script_session *s, enum vm_proc_event ev, pid_t pid, pid_t tid,
		       struct user_regs_struct *regs)
{
	struct script_hit hit = {.pid = pid, .tid = tid, .regs = regs};

	for (uint32_t i = 0; i < s->prog->nprobes; i++) {
		const struct vm_probe *p = &s->prog->probes[i];

		if (p->kind != VM_PROBE_PROCESS || p->event != ev || !script_matches(s, p, pid))
			continue;
		if (!script_fire(s, p, &hit))
			return false;
	}
	return true;
}

static int engine_attach(struct script_session *s, pid_t tid, pid_t pid)
{
	struct script_thread *t = calloc(1, sizeof(*t));
	struct utrace_engine *e;
	int r;

	if (!t)
		return -ENOMEM;
	t->s = s;
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
	if (s->target.want_syscalls)
		r = utrace_set_syscalls(tid, e, NULL);
	if (r == 0)
		r = utrace_set_events(tid, e, s->target.want_events);
	utrace_engine_put(e);
	return r == -EINPROGRESS ? 0 : r;
}

static uint32_t keep(uint32_t action)
{
	return UTRACE_RESUME | (action & ~UTRACE_RESUME_MASK);
}

/*
 * The target's first exec with probes kept for the in-process tier: the loop places them
 * (script_target_poll) with the target stopped at the exit of its execve, a stop where remote
 * syscalls work (not in this report, nor the exec event's stop: the syscall is not over).
 */
static uint32_t on_exec(uint32_t action, struct utrace_engine *engine, const char *filename,
			struct user_regs_struct *regs)
{
	struct script_thread *t = engine->data;
	struct script_session *s = t->s;

	t->tid = utrace_engine_tid(engine);
	script_proc_exec(s, t->pid);
	fire_event(s, VM_PROC_BEGIN, t->pid, t->tid, NULL);
	if (t->pid == s->target.pid && script_consumers_pending(s) && !s->target.place_due) {
		s->target.place_due = true;
		utrace_set_events(t->tid, engine,
				  s->target.want_events | UTRACE_EVENT(SYSCALL_EXIT));
	}
	return keep(action);
}

static uint32_t on_clone(uint32_t action, struct utrace_engine *engine, unsigned long flags,
			 pid_t child)
{
	struct script_thread *t = engine->data;

	if (flags & CLONE_THREAD) {
		if (engine_attach(t->s, child, t->pid) == 0)
			fire_event(t->s, VM_PROC_THREAD_BEGIN, t->pid, child, NULL);
		return keep(action);
	}
	if (engine_attach(t->s, child, child) == 0)
		fire_event(t->s, VM_PROC_BEGIN, child, child, NULL);
	return keep(action);
}

static uint32_t on_syscall_entry(uint32_t action, struct utrace_engine *engine,
				 struct user_regs_struct *regs)
{
	struct script_thread *t = engine->data;

	fire_event(t->s, VM_PROC_SYSCALL, t->pid, t->tid, regs);
	return keep(action);
}

static uint32_t on_syscall_exit(uint32_t action, struct utrace_engine *engine,
				struct user_regs_struct *regs)
{
	struct script_thread *t = engine->data;
	struct script_session *s = t->s;

	if (s->target.place_due && !s->target.place_stopped && t->tid == s->target.pid) {
		s->target.place_stopped = true;
		utrace_set_events(t->tid, engine, s->target.want_events);
		if (!s->target.want_syscalls)
			return UTRACE_STOP | (action & ~UTRACE_RESUME_MASK);
		fire_event(s, VM_PROC_SYSCALL_RETURN, t->pid, t->tid, regs);
		return UTRACE_STOP | (action & ~UTRACE_RESUME_MASK);
	}
	fire_event(s, VM_PROC_SYSCALL_RETURN, t->pid, t->tid, regs);
	return keep(action);
}

static uint32_t on_death(struct utrace_engine *engine, bool group_dead, int signal)
{
	struct script_thread *t = engine->data;
	struct script_session *s = t->s;

	if (t->tid != t->pid) {
		fire_event(s, VM_PROC_THREAD_END, t->pid, t->tid, NULL);
		return UTRACE_RESUME;
	}
	if (t->pid == s->target.pid && s->target.spawned) {
		int exec_err = utrace_exec_error(t->pid);

		if (exec_err < 0) {
			script_say(s, SCRIPT_MSG_ERROR, "cannot run '%s': %s",
				   s->opts.target_argv[0], strerror(-exec_err));
			s->errors++;
		}
	}
	script_proc_exit(s, t->pid);
	fire_event(s, VM_PROC_END, t->pid, t->tid, NULL);
	if (t->pid == s->target.pid)
		s->target.exited = true;
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

int script_target_path(const char *program, pid_t pid, char *buf, size_t len)
{
	char canon[PATH_MAX];
	int r;

	if (!program)
		return proc_exe(pid, buf, len) < 0 ? -ESRCH : 0;
	r = utrace_find_program(program, buf, len);
	if (r == 0 && realpath(buf, canon))
		snprintf(buf, len, "%s", canon);
	return r;
}

static int spawn(struct script_session *s, pid_t *ret_pid)
{
	char *const *argv = s->opts.target_argv;
	int r = utrace_spawn(argv, ret_pid);

	if (r < 0) {
		script_say(s, SCRIPT_MSG_ERROR, "cannot run '%s': %s", argv[0], strerror(-r));
		return r;
	}
	s->target.spawned = true;
	return 0;
}

static int seize(struct script_session *s, pid_t pid, pid_t **ret_tids, int *ret_n)
{
	int r = utrace_seize_process(pid, ret_tids, ret_n);
	pid_t tracer;

	if (r == 0)
		return 0;
	tracer = utrace_tracer_of(pid);
	if (r == -EPERM && tracer > 0)
		script_say(s, SCRIPT_MSG_ERROR,
			   "cannot attach to process %d: already traced by process %d", pid,
			   tracer);
	else
		script_say(s, SCRIPT_MSG_ERROR, "cannot attach to process %d: %s", pid,
			   strerror(-r));
	return r;
}

/* The kept probes in the target, in-process where they can be, else on the trap tier. */
static void place(struct script_session *s)
{
	pid_t pid = s->target.pid;
	int r = script_inproc_start(s, pid);

	if (r < 0)
		script_say(s, SCRIPT_MSG_INFO, "process %d: no in-process tier: %s", pid,
			   strerror(-r));
	script_consumers_place(s, r < 0 ? 0 : pid);
}

/* Our engine on the target's leader lets it go. */
static int resume_target(struct script_session *s)
{
	struct utrace_engine *e = utrace_attach(s->target.pid, UTRACE_ATTACH_MATCH_OPS, &ops, NULL);
	int r;

	if (!e)
		return -errno;
	r = utrace_control(s->target.pid, e, UTRACE_RESUME);
	utrace_engine_put(e);
	return r;
}

/*
 * With the agent in, a SIGKILLed tracer need not take an attached program with it: the agent
 * undoes the trap tier's int3s and hijacked returns.  A command of ours stays EXITKILL: it
 * carries our seccomp filter, and its filtered syscalls would fail without us.
 */
static void survive(struct script_session *s)
{
	int r = uprobe_survive(s->target.pid);

	if (r < 0)
		script_say(s, SCRIPT_MSG_INFO, "process %d does not outlive the tracer: %s",
			   s->target.pid, strerror(-r));
}

/* The target stopped at its execve's exit (on_syscall_exit) goes on, its probes placed. */
static int place_and_resume(struct script_session *s)
{
	s->target.place_due = false;
	s->target.place_stopped = false;
	place(s);
	return resume_target(s);
}

/* The probes installed on pid and an engine on each of its threads; -errno (said). */
static int setup(struct script_session *s, pid_t pid)
{
	struct script_target *t = &s->target;
	pid_t *tids = NULL;
	int n = 0, r;

	t->want_events = UTRACE_EVENT(EXEC) | UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH);
	t->want_syscalls = script_wants_syscalls(s->prog);
	if (t->want_syscalls)
		t->want_events |= UTRACE_EVENT_SYSCALL;
	r = script_consumers_add(s);
	if (r < 0)
		return r;
	t->any_uprobes = r > 0;
	if (t->any_uprobes) {
		r = uprobe_watch(pid, true);
		if (r < 0) {
			script_say(s, SCRIPT_MSG_ERROR, "cannot watch process %d: %s", pid,
				   strerror(-r));
			return r;
		}
	}
	if (t->spawned) {
		tids = malloc(sizeof(*tids));
		if (!tids)
			return -ENOMEM;
		tids[0] = pid;
		n = 1;
	} else {
		r = seize(s, pid, &tids, &n);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < n; i++) {
		r = engine_attach(s, tids[i], pid);
		if (r < 0 && r != -ESRCH) {
			script_say(s, SCRIPT_MSG_ERROR, "cannot trace thread %d: %s", tids[i],
				   strerror(-r));
			free(tids);
			return r;
		}
	}
	free(tids);
	return 0;
}

int script_target_start(struct script_session *s)
{
	pid_t pid = s->opts.target_pid;
	int r;

	if (!s->opts.target_argv && !script_needs_target(s->prog))
		return 0;
	if (!s->opts.target_argv && !pid) {
		script_say(s, SCRIPT_MSG_ERROR,
			   "process probes need a target process: use -c CMD or -x PID");
		return -EINVAL;
	}
	if (s->opts.target_argv && spawn(s, &pid) < 0)
		return -ENOENT;
	s->target.traced = true;
	s->target.pid = pid;
	s->ctx.target = pid;
	r = setup(s, pid);
	if (r < 0) {
		script_target_finish(s);
		s->target.traced = false;
	}
	return r;
}

int script_target_go(struct script_session *s)
{
	if (!s->target.spawned) {
		/* After the begin probes, as a command's are placed after them at its exec. */
		if (script_consumers_pending(s))
			place(s);
		if (s->target.any_uprobes)
			survive(s);
		fire_event(s, VM_PROC_BEGIN, s->target.pid, s->target.pid, NULL);
		return 0;
	}
	return resume_target(s);
}

bool script_target_poll(struct script_session *s)
{
	int r;

	do
		r = utrace_wait(false);
	while (r > 0 && !s->target.exited);
	if (r != -ECHILD && s->target.place_stopped && place_and_resume(s) < 0)
		script_say(s, SCRIPT_MSG_ERROR, "cannot resume process %d", s->target.pid);
	return r != -ECHILD;
}

void script_target_finish(struct script_session *s)
{
	int status;

	script_inproc_detach(s);
	if (utrace_wait(false) != -ECHILD) {
		if (s->target.any_uprobes)
			uprobe_cleanup_all();
		utrace_detach_all();
	}
	if (s->target.spawned && !s->target.exited &&
	    utrace_child_status(s->target.pid, &status) < 0) {
		kill(s->target.pid, SIGKILL);
		waitpid(s->target.pid, &status, 0);
	}
	script_consumers_remove(s);
}
