/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The script's VM (host_agent.c), as the dispatcher sees it. */
#ifndef AGENT_HOST_AGENT_H
#define AGENT_HOST_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/user.h>

#define HIDDEN __attribute__((visibility("hidden")))

/*
 * Runs the handler of probe (an index in the program's probes) on the hit's registers, under
 * the shared VM lock; the handler may change *regs (guru-mode register writes).  Returns 0,
 * -ECANCELED (a runtime error, recorded), -EBUSY (skipped: the lock stayed held, counted),
 * -EINVAL (no such probe), -ENOENT (no script).
 */
HIDDEN int agent_vm_run(uint32_t probe, struct user_regs_struct *regs);

/*
 * When every one of the @n probes is a counter handler (only adds to globals): makes their
 * adds, atomically and without the VM lock, and returns true; nothing is done otherwise.  A
 * session that is stopping adds nothing, as it runs nothing.
 */
HIDDEN bool agent_vm_count(const uint32_t *probe, uint32_t n);

#endif
