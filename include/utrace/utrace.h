/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libutrace: the 2009 utrace engine API (UTRACE_API_VERSION 20091216), rebuilt in user space
 * over ptrace.
 *
 * One tracer process owns the ptrace attachment of every thread it traces and multiplexes it to
 * any number of engines.  Callbacks run in the tracer, from utrace_wait(), while the thread they
 * report about sits in a ptrace-stop; "current" in the kernel's wording is the engine's thread
 * (utrace_engine_tid()).  Where ptrace cannot express a kernel semantic, the comment next to the
 * call says what we do instead.
 *
 * The library is single-threaded and never prints: it logs through utrace_set_print().
 */
#ifndef UTRACE_UTRACE_H
#define UTRACE_UTRACE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UTRACE_API_VERSION 20091216

/* Event bits, in the kernel's order (the order is the bit number). */
#define UTRACE_EVENTS(X) \
	X(QUIESCE)       \
	X(REAP)          \
	X(CLONE)         \
	X(EXEC)          \
	X(EXIT)          \
	X(DEATH)         \
	X(SYSCALL_ENTRY) \
	X(SYSCALL_EXIT)  \
	X(SIGNAL)        \
	X(SIGNAL_IGN)    \
	X(SIGNAL_STOP)   \
	X(SIGNAL_TERM)   \
	X(SIGNAL_CORE)   \
	X(JCTL)

enum utrace_events {
#define UTRACE_EVENT_ENUM(name) _UTRACE_EVENT_##name,
	UTRACE_EVENTS(UTRACE_EVENT_ENUM)
#undef UTRACE_EVENT_ENUM
	_UTRACE_NEVENTS
};

#define UTRACE_EVENT(type) (1UL << _UTRACE_EVENT_##type)
#define UTRACE_EVENT_SIGNAL_ALL                                                        \
	(UTRACE_EVENT(SIGNAL) | UTRACE_EVENT(SIGNAL_IGN) | UTRACE_EVENT(SIGNAL_STOP) | \
	 UTRACE_EVENT(SIGNAL_TERM) | UTRACE_EVENT(SIGNAL_CORE))
#define UTRACE_EVENT_SYSCALL (UTRACE_EVENT(SYSCALL_ENTRY) | UTRACE_EVENT(SYSCALL_EXIT))
#define _UTRACE_DEATH_EVENTS (UTRACE_EVENT(DEATH) | UTRACE_EVENT(QUIESCE))

/* Resume actions.  The order matters: over all engines of a thread, the smallest one wins. */
enum utrace_resume_action {
	UTRACE_STOP,
	UTRACE_INTERRUPT,
	UTRACE_REPORT,
	UTRACE_SINGLESTEP,
	UTRACE_BLOCKSTEP,
	UTRACE_RESUME,
	UTRACE_DETACH,
	UTRACE_RESUME_MAX
};
#define UTRACE_RESUME_BITS 3
#define UTRACE_RESUME_MASK ((1U << UTRACE_RESUME_BITS) - 1)

static inline enum utrace_resume_action utrace_resume_action(uint32_t action)
{
	return (enum utrace_resume_action)(action & UTRACE_RESUME_MASK);
}

/* The signal part of report_signal's action argument and return value. */
enum utrace_signal_action {
	UTRACE_SIGNAL_DELIVER = 0x00,
	UTRACE_SIGNAL_IGN = 0x10,
	UTRACE_SIGNAL_TERM = 0x20,
	UTRACE_SIGNAL_CORE = 0x30,
	UTRACE_SIGNAL_STOP = 0x40,
	UTRACE_SIGNAL_TSTP = 0x50,
	UTRACE_SIGNAL_REPORT = 0x60,
	UTRACE_SIGNAL_HANDLER = 0x70,
};
#define UTRACE_SIGNAL_MASK 0xf0
#define UTRACE_SIGNAL_HOLD 0x100

static inline enum utrace_signal_action utrace_signal_action(uint32_t action)
{
	return (enum utrace_signal_action)(action & UTRACE_SIGNAL_MASK);
}

/* The syscall part of report_syscall_entry's action argument and return value. */
enum utrace_syscall_action {
	UTRACE_SYSCALL_RUN = 0x00,
	UTRACE_SYSCALL_ABORT = 0x10,
};
#define UTRACE_SYSCALL_MASK    0xf0
#define UTRACE_SYSCALL_RESUMED 0x100

static inline enum utrace_syscall_action utrace_syscall_action(uint32_t action)
{
	return (enum utrace_syscall_action)(action & UTRACE_SYSCALL_MASK);
}

/* utrace_attach() flags. */
#define UTRACE_ATTACH_MATCH_OPS	 0x0001
#define UTRACE_ATTACH_MATCH_DATA 0x0002
#define UTRACE_ATTACH_MATCH_MASK 0x000f
#define UTRACE_ATTACH_CREATE	 0x0010
#define UTRACE_ATTACH_EXCLUSIVE	 0x0020

/* What report_signal sees of a disposition: the kernel passes k_sigaction pointers. */
struct utrace_sigaction {
	int disposition; /* UTRACE_SIGNAL_DELIVER (handler), _IGN, _TERM, _CORE, _STOP, _TSTP */
	bool blocked;	 /* the signal is in the thread's blocked mask */
};

struct utrace_engine;

/*
 * Callbacks.  All but report_death and report_reap get the action chosen so far by the engines
 * before this one (resume action in the low bits, event-specific bits above) and return the same
 * layout.  regs point at the thread's registers, fetched once per stop; writes to them are
 * written back before the thread resumes.
 */
struct utrace_engine_ops {
	uint32_t (*report_quiesce)(uint32_t action, struct utrace_engine *engine,
				   unsigned long event);
	uint32_t (*report_signal)(uint32_t action, struct utrace_engine *engine,
				  struct user_regs_struct *regs, siginfo_t *info,
				  const struct utrace_sigaction *orig_ka,
				  struct utrace_sigaction *return_ka);
	uint32_t (*report_clone)(uint32_t action, struct utrace_engine *engine,
				 unsigned long clone_flags, pid_t child);
	uint32_t (*report_jctl)(uint32_t action, struct utrace_engine *engine, int type,
				int notify);
	uint32_t (*report_exec)(uint32_t action, struct utrace_engine *engine, const char *filename,
				struct user_regs_struct *regs);
	uint32_t (*report_syscall_entry)(uint32_t action, struct utrace_engine *engine,
					 struct user_regs_struct *regs);
	uint32_t (*report_syscall_exit)(uint32_t action, struct utrace_engine *engine,
					struct user_regs_struct *regs);
	uint32_t (*report_exit)(uint32_t action, struct utrace_engine *engine, long orig_code,
				long *code);
	uint32_t (*report_death)(struct utrace_engine *engine, bool group_dead, int signal);
	void (*report_reap)(struct utrace_engine *engine);
	void (*release)(void *data);
};

/* The public part of an engine; the rest is private to the library. */
struct utrace_engine {
	const struct utrace_engine_ops *ops;
	void *data;
	unsigned long flags; /* event mask, as set by utrace_set_events() */
};

/*
 * Attach an engine to thread @pid, or look one up (see the reference, 1.5).  A thread we do not
 * trace yet is seized (PTRACE_SEIZE) and interrupted; its first report comes from utrace_wait().
 * Returns the engine with a reference for the caller, or NULL with errno: ENOENT (no match
 * without CREATE), EEXIST (EXCLUSIVE and a match), EINVAL (NULL ops), ESRCH (no such thread, or
 * it is dead), EPERM (ptrace refused; another tracer, or not ours), ENOMEM.  An engine attached
 * during a report misses the event in progress.
 */
struct utrace_engine *utrace_attach(pid_t pid, int flags, const struct utrace_engine_ops *ops,
				    void *data);
void utrace_engine_get(struct utrace_engine *engine);
void utrace_engine_put(struct utrace_engine *engine);
/* The thread the engine is attached to (its tid changes when a non-leader thread execs). */
pid_t utrace_engine_tid(const struct utrace_engine *engine);
/*
 * Extension: the thread's wait status (as from waitpid) once it is dead, e.g. inside
 * report_death, where the kernel API passes only the exit signal; -ESRCH before.
 */
int utrace_engine_exit_status(const struct utrace_engine *engine);
/*
 * Extension: inside report_death of a group leader that did not exit but was replaced by an
 * execve in another thread of its group, that thread's former tid; 0 otherwise.
 */
pid_t utrace_engine_superseder(const struct utrace_engine *engine);

/*
 * Replace the engine's event mask.  Returns 0, -ESRCH (detached or reaped), -EALREADY (changing
 * DEATH/QUIESCE on a dying thread), -EINPROGRESS (clearing bits while the thread runs: a
 * callback may still come once).  QUIESCE added while the thread is stopped brings a
 * report_quiesce(0) when it resumes.
 */
int utrace_set_events(pid_t pid, struct utrace_engine *engine, unsigned long events);

/*
 * Extension: the syscalls the engine wants SYSCALL_ENTRY/EXIT reports for (a bitmap indexed by
 * x86-64 syscall number, UTRACE_NR_SYSCALLS bits), or NULL for all.  For a command started with
 * utrace_spawn() the union over engines becomes a seccomp filter (SECCOMP_RET_TRACE), so other
 * syscalls run at full speed; a set that grows past the filter later falls back to
 * PTRACE_SYSCALL for that process.  Threads we attach to use PTRACE_SYSCALL while any engine
 * wants syscall events: a filter would outlive the tracer.
 */
#define UTRACE_NR_SYSCALLS 512
int utrace_set_syscalls(pid_t pid, struct utrace_engine *engine, const uint64_t *bitmap);
/*
 * Extension: the engine's syscall reports read only rip, rsp, orig_rax, rax and the argument
 * registers (rdi, rsi, rdx, r10, r8, r9).  Those come from PTRACE_GET_SYSCALL_INFO, which is
 * read at every syscall stop anyway, so when every engine of a report says so the stop costs
 * no PTRACE_GETREGS.  Other fields read as zero; writes to any field are still honoured.
 */
int utrace_set_syscall_regs_only(pid_t pid, struct utrace_engine *engine, bool only);

/*
 * Ask for a resume action (1.7).  STOP returns 0 only if the thread is already stopped,
 * otherwise -EINPROGRESS: the thread is interrupted (PTRACE_INTERRUPT; a blocking syscall
 * restarts, as under utrace's INTERRUPT) and the engine must return UTRACE_STOP from the report
 * that follows.  REPORT, SINGLESTEP and BLOCKSTEP need EVENT(QUIESCE) (-EINVAL).  DETACH returns
 * 0, -EALREADY (death reports are still coming) or -ESRCH.  On a dead thread everything but
 * DETACH is -ESRCH.  Callbacks never run inside utrace_control(): a report it causes comes from
 * utrace_wait().
 */
int utrace_control(pid_t pid, struct utrace_engine *engine, enum utrace_resume_action action);

/*
 * Wait until no callback to @engine is running.  The library calls engines from one thread
 * only, so this returns at once: 0 for an attached engine (or one still getting death reports),
 * -ESRCH once it is fully detached.
 */
int utrace_barrier(pid_t pid, struct utrace_engine *engine);

/*
 * Register snapshots of a thread held stopped by @engine (the examiner bracket of 1.7): prepare
 * records the thread's stop generation, finish returns -EAGAIN if it ran (or died) meanwhile.
 */
struct utrace_examiner {
	unsigned long generation;
};
int utrace_prepare_examine(pid_t pid, struct utrace_engine *engine, struct utrace_examiner *exam);
int utrace_finish_examine(pid_t pid, struct utrace_engine *engine, struct utrace_examiner *exam);
/* Registers of a thread that is stopped (inside a report, or held by STOP). */
int utrace_get_regs(pid_t pid, struct user_regs_struct *ret_regs);
int utrace_set_regs(pid_t pid, const struct user_regs_struct *regs);
/*
 * Extension: write the registers of a stopped thread, as changed so far in this report, to
 * the kernel now rather than when it resumes: the state it would go on from if the tracer
 * died now (the kernel drops the signal of a signal-delivery-stop when its tracer exits).
 */
int utrace_flush_regs(pid_t pid);
/*
 * Extension: the signal a thread stopped at a signal-delivery stop will get when it resumes
 * (0 at any other stop), and changing it (0 cancels it).  -ESRCH if not stopped.
 */
int utrace_stop_signal(pid_t pid);
int utrace_set_stop_signal(pid_t pid, int sig);

/* --- The tracer's side: starting, waiting, ending --- */

/*
 * Start @argv (searched in PATH) as a traced child, stopped before it executes anything of the
 * new program; attach engines to it, then let it go with utrace_control(..., UTRACE_RESUME).
 * The child installs the seccomp filter for the engines' syscall sets and calls execve.
 * Returns 0 and the pid, -ENOENT/-EACCES if the program cannot be executed.
 */
int utrace_spawn(char *const argv[], pid_t *ret_pid);
/*
 * Extension: for a command utrace_spawn() started, before its first resume: install no
 * seccomp filter, so that it can outlive the tracer (utrace_set_outlive).  A filter cannot:
 * without a tracer its SECCOMP_RET_TRACE syscalls fail with ENOSYS.  The engines' syscall
 * reports then cost PTRACE_SYSCALL stops, as for a process we attached to.  -EBUSY once it
 * was resumed, -ESRCH if @pid is not such a command.
 */
int utrace_spawn_unfiltered(pid_t pid);
/*
 * Extension: whether process @pid lives on when the tracer dies.  A command utrace_spawn()
 * started is killed with the tracer (PTRACE_O_EXITKILL); @outlive true takes that off, false
 * puts it back; a process we attached to is never killed with us.  Only a process that can
 * run without us should outlive us: nothing of ours left in its memory that needs the tracer
 * (uprobe_survive() makes sure), no seccomp filter (-EPERM).  The options go on every stopped
 * thread now and on the others at their next stop; returns how many threads are still to
 * stop (0: done), or -ESRCH.
 */
int utrace_set_outlive(pid_t pid, bool outlive);
/* The file utrace_spawn() would run for @name (PATH search): 0, -ENOENT or -EACCES. */
int utrace_find_program(const char *name, char *buf, size_t len);
/* Whether @pid is stopped at a syscall entry (a seccomp stop included). */
bool utrace_at_syscall_entry(pid_t pid);
/* Whether @pid is a utrace_spawn() child that has not exec'd the command yet. */
bool utrace_pre_exec(pid_t pid);
/*
 * Extension: for a command started by utrace_spawn() whose execve failed (it then exits 1),
 * the -errno of that execve; 0 otherwise.  Ask from its exit or death report.
 */
int utrace_exec_error(pid_t pid);

/*
 * Seize every thread of process @pid, including threads created while we attach; @ret_tids gets
 * a malloc'ed array of them.  Engines are attached per thread afterwards.  -ESRCH: no such
 * process; -EPERM: not ours, or traced by another tracer (utrace_tracer_of() tells which).
 */
int utrace_seize_process(pid_t pid, pid_t **ret_tids, int *ret_count);
pid_t utrace_tracer_of(pid_t pid);

/*
 * Extension: @len bytes of process @pid's memory at @addr (process_vm_readv, /proc/PID/mem for
 * pages it cannot read): the bytes read, short at a page that is not mapped, or -errno if not
 * one was (-EFAULT, -ESRCH, -EPERM).  Kernel utrace engines had access_process_vm() for this.
 */
long utrace_read_memory(pid_t pid, uint64_t addr, void *buf, size_t len);
/* Extension: the executable process @pid runs (/proc/PID/exe) into @buf: 0 or -errno. */
int utrace_exe_path(pid_t pid, char *buf, size_t len);

/*
 * Run reports: wait for ptrace stops and dispatch them to engines.  With @block false, only
 * what is already pending.  Returns the number of stops handled, 0 if none (non-blocking),
 * -EINTR if a signal interrupted the wait, -ECHILD when nothing is traced any more.
 */
int utrace_wait(bool block);

/*
 * For code that runs a stopped thread under its own waitpid (a remote syscall, say): a status
 * that wait returned and that is not for the caller (the thread exited or was killed meanwhile)
 * goes back to the engine, which handles it in the next utrace_wait() as if it had waited for
 * it itself.  -ENOMEM if it cannot be kept.
 */
int utrace_forward_status(pid_t tid, int status);

/*
 * Detach every engine from every thread: each thread is stopped, its pending signal kept,
 * and released with PTRACE_DETACH.  A process that was stopped stays stopped.  Used on
 * SIGINT/SIGTERM/SIGHUP; callbacks are not called (engines are told by report_reap-less
 * release).
 */
int utrace_detach_all(void);
/*
 * Extension: bring every traced thread to a ptrace-stop without reporting anything, so that
 * a layer above can undo its changes (uprobe_cleanup_all()) before utrace_detach_all().
 * Returns the number of threads that would not stop.
 */
int utrace_stop_all(void);

/* The exit status of a spawned child once reaped (as from waitpid), -ECHILD before. */
int utrace_child_status(pid_t pid, int *ret_status);

/* Logging: the library never prints. */
enum utrace_log_level {
	UTRACE_LOG_WARN,
	UTRACE_LOG_INFO,
	UTRACE_LOG_DEBUG
};
typedef void (*utrace_print_fn)(enum utrace_log_level level, const char *msg);
void utrace_set_print(utrace_print_fn fn, enum utrace_log_level max_level);

#ifdef __cplusplus
}
#endif
#endif
