/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SCRIPT_SCRIPT_PRIV_H
#define SCRIPT_SCRIPT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "dispatch.h"
#include "vm/program.h"
#include "vm/vm.h"
#include "utrace/script.h"

struct script_site;
struct script_proc;
struct script_file;
struct sym_file;
struct sym_dwarf;
struct sym_mapping;

/* The traced process of a session (-c or -x) and how it is traced. */
struct script_target {
	pid_t pid;
	bool traced;  /* started or attached, engines on its threads */
	bool spawned; /* -c: ours, killed at the end if it still runs */
	bool exited;  /* its leader died */
	bool any_uprobes;
	bool place_due;	    /* exec'd: the kept probes are placed at its execve's exit */
	bool place_stopped; /* stopped there until they are */
	bool want_syscalls;
	unsigned long want_events;
};

/* The in-process tier of the session's target (inproc.c). */
struct agent_vm_shared;
struct agent_ring;
struct script_inproc {
	bool started; /* the agent runs the script in pid */
	bool live;    /* its sites are in: the VM lock is taken around tracer-side handlers */
	pid_t pid;
	void *map; /* our mapping of the region shared with the agent */
	size_t map_size;
	struct agent_vm_shared *vsh; /* the VM's part of it */
	struct agent_ring *ring;
	uint64_t skipped; /* tracer-side handlers skipped for want of the lock */
};

struct script_session {
	const struct vm_program *prog; /* borrowed */
	struct script_opts opts;
	void *region; /* the VM's memory, region_size bytes */
	size_t region_size;
	struct vm vm;
	struct vm_regexes *regexes; /* the program's, compiled for host_regex */
	bool ran;
	bool live; /* from the begin probes to the target's teardown: hits run */
	bool exit_requested;
	bool aborted;
	unsigned errors;
	uint64_t skipped; /* hits whose handler did not run (stap's skipped probes) */
	char execname[64];
	struct vm_hit_ctx ctx; /* of begin, end, error and timer probes: the tracer's own */
	struct script_target target;
	struct script_inproc inproc;
	struct script_site *sites;    /* consumers.c */
	struct script_proc *procs;    /* proc.c */
	struct script_file *files;    /* filecache.c */
	struct script_proc_info none; /* what a process that cannot be known looks like */
};

/* session.c */
void script_say(struct script_session *s, enum script_msg kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void script_flush(struct script_session *s);
/* Runs process probe p for a hit; false once the session must end. */
bool script_fire(struct script_session *s, const struct vm_probe *p, const struct script_hit *hit);
/* Whether p is for process pid (dispatch.c's rule, with the executable from proc.c). */
bool script_matches(struct script_session *s, const struct vm_probe *p, pid_t pid);

/* host_tracer.c: the VM's host on the tracer's side; data is the session. */
extern const struct vm_host script_tracer_host;
uint64_t script_random(struct script_session *s);
/* Memory of process (pid_t)(intptr_t)data: 0 or -EFAULT. */
int script_read_tracee(void *data, uint64_t addr, void *buf, size_t len);
int script_write_tracee(void *data, uint64_t addr, const void *buf, size_t len);

/* target.c: -c/-x, the engine of process events, teardown. */
/* Starts or attaches the target when there is one to trace; 0 or -errno (said). */
int script_target_start(struct script_session *s);
/* After the begin probes: -c lets the command run; -x fires process.begin once. */
int script_target_go(struct script_session *s);
/* Runs the reports that are pending; false when nothing is traced any more. */
bool script_target_poll(struct script_session *s);
/* Probes out of whatever still runs, every thread detached, a -c command still running killed. */
void script_target_finish(struct script_session *s);

/* consumers.c: function, PLT and mark probes as uprobes consumers. */
/* Registers them all; the number registered, or -errno (said). */
int script_consumers_add(struct script_session *s);
void script_consumers_remove(struct script_session *s);

/*
 * Places the probes kept for the in-process tier in process @pid (the target, stopped, its
 * image mapped): patched where uprobes can, on the trap tier where not.  Also the fallback
 * when they cannot be placed in-process at all (@pid 0): every kept probe on the trap tier.
 */
void script_consumers_place(struct script_session *s, pid_t pid);
/* Whether some probe waits for script_consumers_place. */
bool script_consumers_pending(const struct script_session *s);

/* inproc.c: the target's in-process tier. */
/* The script started in @pid's agent and the globals moved to the shared region: 0 or -errno. */
int script_inproc_start(struct script_session *s, pid_t pid);
/* The agent's output records, to the session's host. */
void script_inproc_drain(struct script_session *s);
/* Around a tracer-side handler while in-process sites are in: false when skipped (counted). */
bool script_inproc_lock(struct script_session *s);
void script_inproc_unlock(struct script_session *s);
/* exit(), abort() or an error in the tracer: the agent runs no more handlers. */
void script_inproc_stop(struct script_session *s);
/* The sites out of the target (the globals stay, in our mapping), the last records drained. */
void script_inproc_detach(struct script_session *s);
/* Handlers not run (agent and tracer) for want of the lock; ring records dropped. */
void script_inproc_report(struct script_session *s, uint64_t *ret_skipped, uint64_t *ret_dropped);
void script_inproc_free(struct script_session *s);

/* proc.c: one struct script_proc per traced process, found or made on first use. */
/* The process's facts, read from /proc on first use; never NULL. */
const struct script_proc_info *script_proc_info(struct script_session *s, pid_t pid);
/* After an exec: facts read again; mappings, load biases and unwinder dropped. */
void script_proc_exec(struct script_session *s, pid_t pid);
/* The process ended: its load biases go (its mappings stay, for stacks kept from its hits). */
void script_proc_exit(struct script_session *s, pid_t pid);
void script_procs_free(struct script_session *s);
/* The file-backed mapping of addr, reading /proc/PID/maps again once if it is not there. */
const struct sym_mapping *script_proc_mapping(struct script_session *s, pid_t pid, uint64_t addr);
/* The mappings of addrs are read now, so that they symbolize after the process is gone. */
void script_proc_note_addrs(struct script_session *s, pid_t pid, const uint64_t *addrs, int n);
/*
 * The load bias of file path in process pid.  0, or -errno: -ESRCH when the process is gone
 * (or has no mappings left), -ENOENT when it does not map the file, the error opening the file.
 */
int script_proc_bias(struct script_session *s, pid_t pid, const char *path, uint64_t *ret_bias);
/* The stack of thread tid stopped at a hit with regs, innermost first: the count or -errno. */
int script_proc_backtrace(struct script_session *s, pid_t pid, pid_t tid,
			  const struct user_regs_struct *regs, uint64_t *pcs, int max);
/* arg < 0: every argument, separated by spaces.  The length or -errno (-ENOENT: no such). */
long script_proc_cmdline(pid_t pid, long arg, char *buf, size_t len);
long script_proc_env(pid_t pid, const char *name, char *buf, size_t len);

/* filecache.c: each ELF file (and its DWARF, on first use) opened once per session. */
/* NULL with *ret_err (may be NULL) set. */
const struct sym_file *script_file_elf(struct script_session *s, const char *path, int *ret_err);
/* NULL: no DWARF (or the file cannot be read). */
struct sym_dwarf *script_file_dwarf(struct script_session *s, const char *path);
void script_files_free(struct script_session *s);

/*
 * symbolize.c: the probe context strings of an address in process pid, NUL-terminated in buf
 * (at most len - 1 bytes); the length or -errno (-ENOENT: nothing there).
 */
long script_usymname(struct script_session *s, pid_t pid, uint64_t addr, char *buf, size_t len);
long script_umodname(struct script_session *s, pid_t pid, uint64_t addr, char *buf, size_t len);
/* "file:line" from the DWARF of the file mapped there ("??:line" without a file name). */
long script_usymfileline(struct script_session *s, pid_t pid, uint64_t addr, char *buf, size_t len);
/*
 * "name+0xoff/0xsize [path]", "[path]" without a symbol; a return address (ret_addr) is looked
 * up at addr - 1 and its offset still counted from addr.
 */
long script_usymdata(struct script_session *s, pid_t pid, uint64_t addr, bool ret_addr, char *buf,
		     size_t len);
/* buf gets s, cut to len - 1 bytes; the length or -ENOSPC. */
long script_copy_out(const char *str, size_t n, char *buf, size_t len);

#endif
