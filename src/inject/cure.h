/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cure: the undo journal of one traced process's memory and state (design.md section 4; the
 * name is CRIU's).  Every change the tracer makes in a tracee goes through here as it is made,
 * and comes out again in reverse at detach (cure.c says what each entry promises).
 */
#ifndef INJECT_CURE_H
#define INJECT_CURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "arch/arch.h"

/* Names one entry of a journal (and the same entry in a fork's copy); 0 names none. */
typedef uint64_t cure_id;

/* What an undo needs of the backend besides read and write (bits). */
enum {
	CURE_NEED_SYSCALL = 1 << 0,
	CURE_NEED_SIGACTION = 1 << 1,
	CURE_NEED_REGS = 1 << 2,
};

/* The kinds of entry: name, what its undo needs, whether a fork child has it in its copy. */
#define CURE_KIND_LIST(X)                                                                        \
	X(BYTES, 0, true)   /* bytes written: the old ones back, where ours are still there */   \
	X(COUNTER, 0, true) /* a 16-bit counter raised: lowered by as much, never below 0 */     \
	X(MAPPING, CURE_NEED_SYSCALL, true)	/* a mapping we made: munmap */                  \
	X(SIGACTION, CURE_NEED_SIGACTION, true) /* a disposition we changed: the old one back */ \
	X(REGS, CURE_NEED_REGS, false) /* a thread's registers before we changed them: back */   \
	X(CUSTOM, 0, false) /* open-ended: the recorder's own undo (struct cure_custom) */

enum cure_kind {
#define CURE_KIND_ENUM(name, needs, inherited) CURE_##name,
	CURE_KIND_LIST(CURE_KIND_ENUM)
#undef CURE_KIND_ENUM
};

/*
 * The tracee, as the journal reaches it; given with each call, since who can run a syscall
 * changes (the thread stopped in a report, any stopped thread at detach, a fork child).
 * read and write are required, the others may be NULL: an entry whose undo needs a missing
 * one waits in the journal for a backend that has it.  All return 0 or -errno.
 */
struct cure_backend {
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t addr, const void *buf, size_t len);
	/* In stopped thread @tid, or in any stopped thread of the process for 0. */
	int (*syscall)(void *ctx, pid_t tid, long nr, const uint64_t args[6], long *ret_value);
	int (*sigaction)(void *ctx, pid_t tid, int sig, const struct arch_ksigaction *act,
			 struct arch_ksigaction *ret_old);
	int (*set_regs)(void *ctx, pid_t tid, const struct user_regs_struct *regs);
	void *ctx;
};

/* A kind the journal does not know: an agent's memfd, say.  @data is the journal's copy. */
struct cure_custom {
	const char *name;
	unsigned int needs; /* CURE_NEED_* */
	bool inherited;	    /* a fork child has it too */
	int (*undo)(const struct cure_backend *be, const void *data, size_t len);
};

struct cure;

/* A journal for process @pid (for messages); NULL without memory. */
struct cure *cure_new(pid_t pid);
/* A process sharing the memory (vfork) shares the journal. */
struct cure *cure_ref(struct cure *j);
/* The last reference frees it, undoing nothing; NULL is fine. */
void cure_unref(struct cure *j);
void cure_set_pid(struct cure *j, pid_t pid);
size_t cure_count(const struct cure *j);

/*
 * Making changes: each makes its change through @be and records it, or fails with -errno and
 * records nothing.  *ret_id (may be NULL) names the entry, 0 when there is none to make.
 */

/* Write @buf at @addr.  Inside a mapping of ours only written: the mapping's undo covers it. */
int cure_write(struct cure *j, const struct cure_backend *be, uint64_t addr, const void *buf,
	       size_t len, const char *what, cure_id *ret_id);
/* Add @delta (> 0) to the 16-bit counter at @addr. */
int cure_counter_add(struct cure *j, const struct cure_backend *be, uint64_t addr, int delta,
		     const char *what, cure_id *ret_id);
/*
 * mmap(2) with @args, run by thread @tid.  As inj_syscall: < 0 when it could not be run, else
 * 0 with *ret_value the syscall's result; recorded when that is an address.
 */
int cure_mmap(struct cure *j, const struct cure_backend *be, pid_t tid, const uint64_t args[6],
	      const char *what, long *ret_value, cure_id *ret_id);
/* Set the disposition of @sig, from thread @tid; the old one is what undo puts back. */
int cure_sigaction(struct cure *j, const struct cure_backend *be, pid_t tid, int sig,
		   const struct arch_ksigaction *act, const char *what, cure_id *ret_id);
/* Record thread @tid's registers before the caller changes them (an injected call, say). */
int cure_save_regs(struct cure *j, pid_t tid, const struct user_regs_struct *regs, const char *what,
		   cure_id *ret_id);
/* Record a change the caller made, undone by @ops->undo(@data). */
int cure_record(struct cure *j, const struct cure_custom *ops, const void *data, size_t len,
		const char *what, cure_id *ret_id);

/*
 * Undoing.  cure_revert undoes one entry now (a breakpoint removed while the process runs on)
 * and forgets it: 0, 1 when it was left alone (see cure.c), -ENOENT for an unknown id, or
 * -errno.  cure_forget drops an entry whose change is gone by itself (a frame returned through
 * the hijacked slot); cure_forget_range drops the memory entries in [start, end) (the program
 * unmapped it); cure_forget_all drops every entry (exec: the memory is gone).
 */
int cure_revert(struct cure *j, const struct cure_backend *be, cure_id id);
void cure_forget(struct cure *j, cure_id id);
void cure_forget_range(struct cure *j, uint64_t start, uint64_t end);
void cure_forget_all(struct cure *j);
/*
 * Replay the journal in reverse through @be.  Entries @be cannot undo (a missing backend op)
 * stay; every other one is undone or reported, and gone.  Returns how many were not undone.
 */
int cure_undo(struct cure *j, const struct cure_backend *be);
/* The entries a fork child @child has in its copy of the memory, ids kept; NULL: no memory. */
struct cure *cure_fork(const struct cure *j, pid_t child);

#endif
