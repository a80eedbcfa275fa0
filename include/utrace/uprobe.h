/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * uprobes over libutrace: breakpoints keyed by file and offset, like mainline Linux.
 *
 * A probe is (file, offset) plus consumers.  It applies to every process uprobes watches
 * (uprobe_watch()) that maps the file, now or later: exec, followed fork children, dlopen after
 * registration (installed at the mmap's syscall exit, before the new code can run).  munmap and
 * dlclose forget the mapping without writing to it.  Breakpoints are written through
 * /proc/PID/mem (the kernel's private copy-on-write), original bytes come from the file, and
 * other threads always see the breakpoint: the displaced instruction is emulated, run as a
 * boosted copy in an out-of-line slot, or single-stepped there; never restore-step-reinsert.
 *
 * Handlers run in the tracer while the hitting thread is stopped, with the registers at the
 * probe address (rip = probe address).  A handler may change registers; if it changes rip, the
 * probed instruction is skipped and the thread goes on at the new rip (mainline's "unique"
 * consumers).
 *
 * Every write into a tracee (breakpoint bytes, SDT semaphores, the XOL mapping, hijacked
 * return addresses) is recorded, as it is made, in that process's undo journal.
 * uprobe_unwatch() and uprobe_cleanup_all() replay it newest first, after moving threads out
 * of our stops, and a fork child that is not followed has the parent's journal replayed in its
 * copy before it runs.  Where the program changed the same bytes after us, its bytes stay; an
 * entry that cannot be undone is logged and the others still are.
 */
#ifndef UTRACE_UPROBE_H
#define UTRACE_UPROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#ifdef __cplusplus
extern "C" {
#endif

struct uprobe_hit {
	pid_t pid, tid;
	uint64_t vaddr;		       /* the probed address in this process */
	struct user_regs_struct *regs; /* writable */
	/* Return probes only: */
	uint64_t func;	   /* address of the probed function */
	uint64_t ret_addr; /* the real return address */
	uint64_t slot;	   /* where it was on the stack: rsp at entry, naming the call */
};

struct uprobe_consumer {
	/* Entry hit.  The return value is ignored (mainline's UPROBE_HANDLER_REMOVE, which
	 * removes the consumer from the process, is not supported); return 0. */
	int (*handler)(struct uprobe_consumer *self, struct uprobe_hit *hit);
	/* Function return (uretprobe_register()).  The return value is ignored; return 0. */
	int (*ret_handler)(struct uprobe_consumer *self, struct uprobe_hit *hit);
	void *data;
	/* private */
	struct uprobe_consumer *next;
};

/* How the probed instruction is executed; -v prints it per site. */
enum uprobe_tier {
	UPROBE_EMULATED,
	UPROBE_BOOSTED,
	UPROBE_STEPPED,
	UPROBE_REFUSED,
};

/*
 * Register a consumer for @path at file @offset.  Returns 0, or -ENOENT (no such file),
 * -ENOEXEC (not ELF, or offset not in an executable segment / not decodable), -EOPNOTSUPP (an
 * instruction that cannot be probed; uprobe_describe() says why), -EEXIST (the file already has
 * an int3 there that is not ours), -EBUSY (this consumer is registered there already).
 * Registration and unregistration are safe while threads keep hitting the site.
 */
int uprobe_register(const char *path, uint64_t offset, struct uprobe_consumer *uc);
/*
 * The same for an SDT marker with a semaphore at file offset @ref_ctr_offset (mainline's
 * uprobe_register_refctr): while the breakpoint is in a process, the 16-bit counter there is
 * raised by one, so `if (..._ENABLED())` guards let the marker run; unregistering and detaching
 * lower it again.  -EINVAL if the site is registered with another counter.
 */
int uprobe_register_refctr(const char *path, uint64_t offset, uint64_t ref_ctr_offset,
			   struct uprobe_consumer *uc);
int uretprobe_register(const char *path, uint64_t offset, struct uprobe_consumer *uc);
int uprobe_unregister(const char *path, uint64_t offset, struct uprobe_consumer *uc);
int uretprobe_unregister(const char *path, uint64_t offset, struct uprobe_consumer *uc);

/* The decision for a site: tier and a reason such as "emulated: push %rbp". */
int uprobe_describe(const char *path, uint64_t offset, enum uprobe_tier *ret_tier, char *reason,
		    size_t len);

/*
 * Watch process @pid (whose threads the tracer already traces: spawned or seized): attach the
 * uprobes engine to its threads and install every registered probe that applies.  With
 * @follow_forks, fork children are watched too; otherwise a fork child's copy of our bytes is
 * cleaned before it runs.  For a spawned process, call this before letting it go.
 */
int uprobe_watch(pid_t pid, bool follow_forks);
/* Undo everything in one process and stop watching it.  Threads must be stopped. */
int uprobe_unwatch(pid_t pid);
/* Undo everything in every watched process (before utrace_detach_all()).  Stops every thread. */
int uprobe_cleanup_all(void);

/*
 * The return addresses uretprobes hijacked in thread @tid and not yet returned through,
 * innermost first: the stack slot that holds the trampoline now, the real return address and
 * the probed function.  For unwinders, which would otherwise stop at the trampoline.  Returns
 * how many were written (at most @max), or -ESRCH if the thread is not watched.
 */
struct uretprobe_pending {
	uint64_t slot;
	uint64_t ret_addr;
	uint64_t func;
};
int uretprobe_pending(pid_t tid, struct uretprobe_pending *v, int max);

/*
 * In-process sites (the fast tier): @path+@offset jump-patched in watched process @pid, whose
 * hits run in the process itself, in the agent, with no stop.  The agent, the trampolines and
 * a region shared with the tracer are set up at the first site, all through the undo journal.
 * Threads are held for each patch by uprobes itself: call from the tracer's loop, not from a
 * report.
 *
 * Without a script (uprobe_inproc_setup not called, or called with NULL) a hit is only
 * counted.  With one, a hit runs the site's probes (@probe: an index in the script's program)
 * in the agent's VM.  Returns 0 with *ret_site the site's number; a second probe at a site
 * already patched joins it.  With a consumer @uc, the site is the trap tier's in every other
 * process (uprobe_register: fork children that exec, other processes of the file), and the
 * trap tier keeps out of it in @pid, its followed fork children and vfork children; for a site
 * the jump patch refuses, @uc takes it on the trap tier in @pid too and 1 is returned, with
 * @reason saying why (without @uc: -EOPNOTSUPP).  Other errors -errno (-ENOENT: @pid not
 * watched; -EBUSY: a thread would not leave the range; -ENOSPC: no site left, or the site has
 * its AGENT_SITE_PROBES probes).
 */
#define UPROBE_INPROC_COUNT_ONLY UINT32_MAX /* @probe for a site that only counts */
struct uprobe_consumer;
int uprobe_inproc_add(pid_t pid, const char *path, uint64_t offset, uint32_t probe,
		      struct uprobe_consumer *uc, int *ret_site, char *reason, size_t len);

/*
 * The script the in-process sites of @pid run, given before its first site: the packed
 * program (vm_program_pack), the bytes vm_program_unpack needs for it, the agent VM's region
 * (vm_region_size: the globals at its start), and the globals' values now, copied in (the
 * tracer's VM ran the begin probes on them).  The region shared with the tracer then holds the
 * VM's part (struct agent_vm_shared, agent_abi.h) at *ret_vm_off; *ret_fd is a descriptor of
 * it for the caller to map (MAP_SHARED, *ret_size bytes) and close: the tracer's VM goes on
 * with the globals there, and the mapping stays the caller's when the process execs or exits.
 * Returns 0, -EALREADY (sites or a script already there), -ENOENT, or what setting up the
 * agent returns.
 */
struct uprobe_inproc_script {
	const void *image;
	size_t image_size;
	size_t unpack_size;
	size_t vm_size;
	const void *globals;
	size_t globals_size;
	size_t ring_size; /* the output ring: a power of two */
};
int uprobe_inproc_setup(pid_t pid, const struct uprobe_inproc_script *script, int *ret_fd,
			size_t *ret_size, size_t *ret_vm_off);

/* The site's hits, and hits skipped because the thread was inside the agent already. */
int uprobe_inproc_count(pid_t pid, int site, uint64_t *ret_hits, uint64_t *ret_skipped);
/* The tracer's view of the shared region (struct agent_shared), for tests; NULL if none. */
void *uprobe_inproc_region(pid_t pid);
/*
 * Take every in-process site out of @pid: threads held, jumps undone, threads let out of the
 * trampolines and the agent, then the agent, the trampolines and the region unmapped.
 * -ENOENT when it has none.
 */
int uprobe_inproc_detach(pid_t pid);

/*
 * Make watched process @pid able to outlive the tracer: the agent loaded (with no in-process
 * site yet, if it has none), its SIGTRAP handler installed through the undo journal and told,
 * from then on, of every breakpoint, hijacked return and resume from a trap (so a SIGKILLed
 * tracer leaves nothing that kills the program), the XOL area mapped now rather than at a
 * hit, and PTRACE_O_EXITKILL taken off a command we started (utrace_set_outlive).  Threads
 * are held meanwhile (call from the tracer's loop, not from a report).  Returns 0; -EPERM when
 * everything is in place but the command carries our seccomp filter and so cannot outlive us
 * (see utrace_spawn_unfiltered); -ENOENT if @pid is not watched, -EAGAIN before its exec.
 */
int uprobe_survive(pid_t pid);

/* Counters, for -c and tests. */
struct uprobe_stats {
	unsigned long hits, emulated, boosted, stepped, returns, xol_maps;
};
void uprobe_get_stats(struct uprobe_stats *ret);

#ifdef __cplusplus
}
#endif
#endif
