/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SYM_UNWIND_H
#define SYM_UNWIND_H

/*
 * User-space stack unwinding by DWARF CFI (.eh_frame, .debug_frame) for a thread the caller
 * holds stopped under ptrace, from registers the caller already has.  One struct sym_unwinder
 * per process keeps libdwfl's modules between hits; it never ptraces anything itself.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

struct sym_unwinder;

/* Reads len bytes of the process at addr; 0, or -errno (-EFAULT). */
typedef int (*sym_unwind_read_fn)(void *data, uint64_t addr, void *buf, size_t len);

/*
 * A stack slot whose content the unwinder must read as ret_addr instead: a return address that
 * a return probe replaced with its trampoline.
 */
struct sym_unwind_fixup {
	uint64_t slot;
	uint64_t ret_addr;
};

/* -ENOMEM, or -ESRCH when the process's modules cannot be read. */
int sym_unwinder_new(pid_t pid, sym_unwind_read_fn read, void *data,
		     struct sym_unwinder **ret_unwinder);
void sym_unwinder_free(struct sym_unwinder *u);
/* The process's mappings changed (exec, dlopen): the modules are read again at the next walk. */
void sym_unwinder_invalidate(struct sym_unwinder *u);

/*
 * Walks thread tid's stack from regs: pcs[0] is regs->rip, each next one a return address
 * (look a caller's function up at pc - 1).  At most max frames; *ret_n gets the count, which is
 * at least 1 when this returns 0.  fix (nfix entries, may be NULL) patches hijacked return
 * addresses.  -EINVAL for max < 1, -ESRCH when the process's modules cannot be read.
 */
int sym_unwind(struct sym_unwinder *u, pid_t tid, const struct user_regs_struct *regs,
	       const struct sym_unwind_fixup *fix, size_t nfix, uint64_t *pcs, int max, int *ret_n);

#endif
