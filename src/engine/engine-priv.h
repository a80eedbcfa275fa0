/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef ENGINE_PRIV_H
#define ENGINE_PRIV_H

#include "utrace/utrace.h"
#include "os/os.h"

/* Where a thread is, as far as ptrace goes. */
enum eng_stop {
	ENG_RUNNING,
	ENG_STOP_SIGNAL,	/* signal-delivery-stop: the signal is injected on resume */
	ENG_STOP_GROUP,		/* group-stop (job control): resumed with PTRACE_LISTEN */
	ENG_STOP_INTERRUPT,	/* PTRACE_EVENT_STOP from INTERRUPT, SEIZE or a listening wake-up */
	ENG_STOP_SYSCALL_ENTRY, /* syscall-entry-stop or a seccomp stop */
	ENG_STOP_SYSCALL_EXIT,
	ENG_STOP_EVENT, /* clone, fork, vfork, exec, exit, vfork-done */
};

/* A thread group: what threads of one process share. */
struct eng_proc {
	pid_t tgid;
	int nthreads;
	int refs;
	bool spawned;	    /* started by utrace_spawn(): we are its parent */
	bool outlive;	    /* utrace_set_outlive(): its threads go without PTRACE_O_EXITKILL */
	bool unfiltered;    /* utrace_spawn_unfiltered(): no seccomp filter at its release */
	int exec_fd;	    /* spawned, until its execve: where the child says why it failed */
	int exec_err;	    /* -errno of that failed execve, once read; else 0 */
	bool filtered;	    /* carries our seccomp filter: ENOSYS without a tracer */
	uint64_t filter[8]; /* the syscalls that filter traps */
	bool sig_cached;    /* sig_ign/sig_cgt are current (see report.c, classify) */
	uint64_t sig_ign, sig_cgt;
};

/* Whether every rt_sigaction of the process stops: its filter traps it. */
static inline bool eng_proc_tracks_sigaction(const struct eng_proc *proc)
{
	return proc->filtered && (proc->filter[0] & (1ULL << 13 /* rt_sigaction */));
}

struct eng_engine {
	struct utrace_engine pub;  /* first: the public part */
	int refs;		   /* one for the attachment, one per utrace_engine_get() */
	struct eng_thread *thread; /* borrowed; NULL once detached and unlinked, or reaped */
	bool detached;		   /* DETACH asked: no more callbacks */
	bool stop;		   /* holds the thread stopped (sticky UTRACE_STOP) */
	bool attaching;		   /* attached during a report: not eligible until the next */
	bool dying;		   /* report_death has begun */
	uint64_t *syscalls;	   /* owned; NULL = every syscall */
	bool syscall_regs_only;	   /* reads only syscall registers in syscall reports */
};

struct eng_thread {
	pid_t tid;
	struct eng_proc *proc;	     /* reference */
	struct eng_engine **engines; /* attach order; owned array, engines referenced */
	int nengines, cap;

	enum eng_stop stop;
	int stop_sig;	    /* WSTOPSIG of the current stop */
	int inject_sig;	    /* for signal-delivery stops: what to deliver on resume */
	bool siginfo_dirty; /* an engine rewrote the siginfo: PTRACE_SETSIGINFO first */
	siginfo_t siginfo;
	int hold_sig;  /* UTRACE_SIGNAL_HOLD: re-queued after resuming */
	int status_fd; /* /proc/TID/status, opened at the first signal; -1 before */

	struct user_regs_struct regs;
	struct user_regs_struct regs_fetched; /* what the kernel has: changes are written back */
	bool regs_valid, regs_dirty;
	bool regs_partial;	  /* built from syscall info: only some fields are real */
	unsigned long generation; /* bumped at every resume: the examiner's check */

	enum utrace_resume_action pending; /* min of non-STOP requests since the last resume */
	bool in_report;			   /* callbacks for this thread are running */
	bool interrupt_sent;
	bool settled;	  /* utrace_stop_all() let it run to a queued fault signal */
	bool listening;	  /* resumed from a group-stop with PTRACE_LISTEN */
	bool new_child;	  /* auto-attached child before its first stop */
	bool parent_seen; /* its parent's clone event was reported */
	bool early_stop;  /* new child whose first stop came before the parent's event */
	bool spawn_hold;  /* utrace_spawn(): held until an engine lets it go */
	int spawn_fd;	  /* utrace_spawn(): where the child reads its filter; -1 after */
	bool pre_exec;	  /* spawned, before its execve: syscalls not reported */
	bool outlive;	  /* PTRACE_O_EXITKILL taken off this thread (spawned processes only) */
	bool exit_reported;
	bool death_reported;
	bool dead;
	int wait_status;  /* once dead */
	pid_t superseder; /* a leader replaced by an exec in this thread of its group */
	bool queued;	  /* on the deferred-work list */

	long sc_nr; /* syscall in progress, from the entry stop */
	uint64_t sc_args[6];
	uint64_t sc_ip, sc_sp; /* from PTRACE_GET_SYSCALL_INFO at this stop */
	int64_t sc_rval;
	bool sc_info_valid; /* sc_ip/sc_sp (and sc_rval at exit) belong to the current stop */
	bool sc_abort;	    /* the entry report said UTRACE_SYSCALL_ABORT */
	bool sc_want_exit;
	bool sc_awaiting_exit; /* resumed from an entry with PTRACE_SYSCALL: the exit stop is due */
	bool sc_awaiting_seccomp; /* PTRACE_SYSCALL entry seen; a seccomp stop may repeat it */

	struct eng_thread *hnext; /* hash chain */
	struct eng_thread *qnext; /* deferred-work list */
};

/* engine.c: threads, engines, references */
struct eng_thread *eng_thread_find(pid_t tid);
struct eng_thread *eng_thread_new(pid_t tid, struct eng_proc *proc);
struct eng_thread *eng_thread_seize(pid_t tid);
void eng_thread_free(struct eng_thread *th);
void eng_thread_rename(struct eng_thread *th, pid_t tid);
struct eng_proc *eng_proc_get(pid_t tgid);
void eng_proc_put(struct eng_proc *proc);
int eng_thread_count(void);
void eng_thread_foreach(void (*fn)(struct eng_thread *th, void *arg), void *arg);
void eng_engine_unlink_detached(struct eng_thread *th);
bool eng_any_stop(const struct eng_thread *th);
bool eng_wants_syscall(const struct eng_engine *e, long nr, unsigned long bit);
unsigned long eng_thread_events(const struct eng_thread *th);
void eng_queue(struct eng_thread *th);
struct eng_thread *eng_dequeue(void);
struct user_regs_struct *eng_regs(struct eng_thread *th);
struct user_regs_struct *eng_syscall_regs(struct eng_thread *th);
unsigned long eng_options(bool spawned);
void eng_apply_outlive(struct eng_thread *th);

/* report.c: reporting passes */
void eng_report_quiesce0(struct eng_thread *th);
void eng_report_signal_check(struct eng_thread *th);
void eng_report_signal(struct eng_thread *th);
void eng_report_syscall_entry(struct eng_thread *th, bool resumed);
void eng_report_syscall_exit(struct eng_thread *th);
void eng_report_clone(struct eng_thread *th, unsigned long flags, pid_t child);
void eng_report_exec(struct eng_thread *th);
void eng_report_exit(struct eng_thread *th, long orig_code, long *code);
void eng_report_jctl(struct eng_thread *th, int type);
void eng_report_death(struct eng_thread *th, int wstatus);

/* control.c: deciding how a stopped thread goes on */
void eng_proceed(struct eng_thread *th);
void eng_run_deferred(void);
int eng_detach_thread(struct eng_thread *th);
void eng_write_regs(struct eng_thread *th);

/* loop.c */
void eng_handle_status(pid_t tid, int status);

/* spawn.c */
int eng_spawn_release(struct eng_thread *th);

#endif
