/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef USTAP_USTACK_H
#define USTAP_USTACK_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/*
 * The stack of thread tid of pid, stopped at a hit with regs: up to max pcs, innermost first.
 * Returns the count (>= 1) or -errno.
 */
int ustack_walk(pid_t pid, pid_t tid, const struct user_regs_struct *regs, uint64_t *pcs, int max);
/* The process exec'ed or died: its unwinder goes. */
void ustack_forget(pid_t pid);
void ustack_free_all(void);

#endif
