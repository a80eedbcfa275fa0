/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UPROBE_PRIV_H
#define UPROBE_PRIV_H

#include <signal.h>
#include <sys/types.h>

#include "arch/arch.h"
#include "inject/cure.h"
#include "utrace/uprobe.h"
#include "utrace/utrace.h"

#define URET_MAX_DEPTH 64 /* mainline MAX_URETPROBE_DEPTH */
#define XOL_PAGES      16
#define XOL_SLOTS      (XOL_PAGES * 4096 / ARCH_XOL_SLOT_BYTES)

/* A registered site: (file, offset) and its consumers.  Shared by every process. */
struct uprobe {
	char *path;
	dev_t dev;
	ino_t ino;
	uint64_t offset;
	uint64_t ref_ctr_offset;      /* file offset of its SDT semaphore, 0 for none (refctr.c) */
	uint8_t bytes[ARCH_MAX_INSN]; /* from the file */
	size_t nbytes;
	struct arch_uprobe arch; /* analysed at the file's vaddr: the class is what -v shows */
	struct uprobe_consumer *consumers;
	struct uprobe_consumer *ret_consumers;
	struct uprobe *next;
};

/* A breakpoint installed in one process. */
struct ubp {
	struct uprobe *probe;
	uint64_t vaddr;
	struct arch_uprobe arch; /* analysed at vaddr */
	cure_id bp_id;		 /* its breakpoint bytes in the journal */
	cure_id guard_id;	 /* its guard int3 on the second byte (safety.c), 0 if none */
	uint64_t ref_ctr_addr;	 /* where its semaphore was raised, 0 if not */
	cure_id ref_id;		 /* that raise in the journal */
	struct ubp *next;
};

struct uret_instance {
	struct uprobe *probe; /* NULL once unregistered: the return still redirects */
	uint64_t func;
	uint64_t ret_addr; /* the real one */
	uint64_t slot;	   /* stack address holding the hijacked return address */
	cure_id id;	   /* that hijack in the journal; 0 when chained */
	bool chained;	   /* slot already held the trampoline: shares the one below */
};

enum utask_state {
	UT_RUNNING,
	UT_STEP,
};

/* One traced thread, as uprobes sees it. */
struct utask {
	pid_t tid;
	struct uproc *proc;
	struct utrace_engine *engine;
	enum utask_state state;
	struct arch_uprobe step_arch; /* the instruction being stepped (a copy: its bp may go) */
	struct arch_uprobe_task autask;
	int slot;		      /* XOL slot owned by this thread, -1 if none */
	struct arch_uprobe slot_arch; /* what the slot holds, when slot_valid */
	bool slot_valid;
	struct uret_instance ret[URET_MAX_DEPTH];
	int depth;
	siginfo_t held[16]; /* signals that arrived during a step */
	int nheld;
	siginfo_t resend[16]; /* re-sent with tgkill: their siginfo is put back at delivery */
	int nresend;
	int trap_rec; /* 1 + its record in the agent's trap table (safety.c); 0: none yet */
	struct utask *next;
};

/* One watched process. */
struct uproc {
	pid_t pid;
	bool follow;
	struct cure *cure;	/* every change of ours in its memory; shared with a vfork child */
	struct cure_backend be; /* how the journal reaches this process (journal.c) */
	struct ubp *bps;
	struct utask *tasks;
	uint64_t xol; /* base of the XOL area, 0 until the first hit needs it */
	pid_t slot_owner[XOL_SLOTS];
	uint64_t tramp;	      /* uretprobe trampoline: an int3 at the start of the XOL area */
	bool shared_mm;	      /* a vfork child still in its parent's memory */
	uint64_t removed[16]; /* breakpoints removed lately: a trap there restarts */
	unsigned int nremoved;
	struct up_inproc *inproc; /* in-process sites (inproc.c), NULL until the first */
	struct up_safety *safety; /* the agent's SIGTRAP table (safety.c), NULL until asked */
	struct uproc *next;
};

/* refctr.c: SDT semaphores.  Raise bp's counter where the maps now put it (once per place). */
struct sym_maps;
void up_refctr_update(struct uproc *p, struct ubp *bp, const struct sym_maps *maps);

/* journal.c */
void up_backend_init(struct uproc *p);
/* Take the parent's changes out of fork child @child's copy of its memory, before it runs. */
void up_journal_clean_child(struct uproc *parent, pid_t child);

/* registry.c */
struct uprobe *up_probes(void);
struct uprobe *up_probe_find(dev_t dev, ino_t ino, uint64_t offset);

/* proc.c */
struct uproc *up_proc_find(pid_t pid);
/* Whether mapping m is of probe's file and holds its bytes [offset, offset + len). */
struct sym_mapping;
bool up_mapping_holds(const struct sym_mapping *m, const struct uprobe *probe, uint64_t offset,
		      uint64_t len);
struct uproc *up_proc_all(void);
/* @cure is taken; NULL for a new journal. */
struct uproc *up_proc_new(pid_t pid, bool follow, struct cure *cure);
void up_proc_free(struct uproc *p);
struct utask *up_task_find(struct uproc *p, pid_t tid);
struct utask *up_task_add(struct uproc *p, pid_t tid);
void up_task_remove(struct uproc *p, struct utask *t);
struct ubp *up_bp_find(struct uproc *p, uint64_t vaddr);
int up_install_all(struct uproc *p, pid_t tid);
int up_install_probe(struct uproc *p, struct uprobe *probe);
void up_remove_probe(struct uproc *p, struct uprobe *probe);
void up_forget_all(struct uproc *p);
void up_copy_bps(struct uproc *to, const struct uproc *from);
bool up_recently_removed(const struct uproc *p, uint64_t vaddr);
int up_attach_task(struct uproc *p, pid_t tid);

/* xol.c */
int up_xol_ensure(struct uproc *p, pid_t tid);
int up_xol_slot(struct utask *t, struct ubp *bp, uint64_t *ret_addr);
void up_xol_release(struct utask *t);
bool up_xol_contains(const struct uproc *p, uint64_t addr);
uint64_t up_xol_slot_addr(const struct utask *t);

/* hold.c: every thread of a process held by an engine of ours. */
#define UP_HOLD_MAX 256
struct up_hold {
	int n;
	pid_t tid[UP_HOLD_MAX];
	struct utrace_engine *e[UP_HOLD_MAX]; /* NULL: the thread was gone */
};
/* Whether a held thread at @rip is where the change must wait for it to leave. */
typedef bool (*up_hold_inside_fn)(const void *arg, uint64_t rip);
/* Hold every thread of @p, those it creates meanwhile too: 0 or -ETIMEDOUT. */
int up_hold_all(struct uproc *p, struct up_hold *h);
/* The same, with no thread where @inside says: 0, -ETIMEDOUT, or -EBUSY (they stay there). */
int up_hold_outside(struct uproc *p, struct up_hold *h, up_hold_inside_fn inside, const void *arg);
void up_hold_release(struct up_hold *h);
/* A held thread, to run remote calls on: 0 if none. */
pid_t up_hold_thread(const struct up_hold *h);

/* patchable.c: analyse @path+@offset where @pid maps it; *ret filled, refusals included. */
struct x86_patch;
int up_patch_analyse(pid_t pid, const char *path, uint64_t offset, struct x86_patch *ret);

/* inproc.c */
/* Drop the tracer's side of the in-process sites (the journal has the rest): exec, exit. */
void up_inproc_forget(struct uproc *p);
/* Fork or vfork child @child of @parent: it has the parent's sites, as far as claims go. */
void up_inproc_inherit(struct uproc *child, const struct uproc *parent);
/* Whether the in-process tier has @vaddr in @p: the trap tier stays out of it there. */
bool up_inproc_claims(const struct uproc *p, uint64_t vaddr);
/* Every thread held, the agent set up (with no site) if it is not: @fn with a held thread. */
struct inj_agent;
typedef int (*up_held_fn)(struct uproc *p, struct inj_agent *agent, pid_t tid, void *arg);
int up_inproc_with_agent(struct uproc *p, up_held_fn fn, void *arg);

/*
 * safety.c: the agent's SIGTRAP table kept in step (no-ops until uprobe_survive).  A
 * breakpoint is added before its int3 is written and removed after it is gone; a hijack is
 * noted before the trampoline goes into the stack; up_safety_resume goes at the end of the
 * reports of our hits and trampoline returns, with the registers the thread goes on with.
 */
void up_safety_bp(struct uproc *p, uint64_t vaddr, uint8_t orig, bool add);
/* After bp's int3: its guard; before taking bp away, the guard out (up_safety_unguard). */
void up_safety_guard(struct uproc *p, struct ubp *bp);
void up_safety_unguard(struct uproc *p, struct ubp *bp, bool revert);
/* At one of our traps, before anything else: the thread's rip at @ip in the kernel now. */
void up_safety_rewind(struct utask *t, struct user_regs_struct *regs, uint64_t ip);
void up_safety_hijack(struct utask *t, int index, uint64_t slot, uint64_t ret_addr);
uint32_t up_safety_resume(struct utask *t, const struct user_regs_struct *regs, uint32_t action);
void up_safety_task_gone(struct utask *t);
/* The agent is gone (exec, the process freed): back to being killed with the tracer. */
void up_safety_forget(struct uproc *p);

/* hit.c */
extern const struct utrace_engine_ops up_engine_ops;
extern struct uprobe_stats up_stats;
void up_requeue_held(struct utask *t, int first);

/* uretprobe.c */
void up_ret_hijack(struct utask *t, struct ubp *bp, struct user_regs_struct *regs);
int up_ret_trampoline(struct utask *t, struct user_regs_struct *regs);
/* The thread is gone: so are the frames it had hijacked. */
void up_ret_forget(struct utask *t);

#endif
