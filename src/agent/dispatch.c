/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dispatcher: the entry every jump-patch trampoline calls, on the probed thread, with the
 * registers it saved (struct agent_regs) and its site number.  It counts the hit in the shared
 * region, then runs agent_site_handler (the probe's handler, defined by the VM's part of the
 * agent; here a weak no-op).
 *
 * Reentrancy.  A signal can interrupt a thread inside the agent, and its handler can hit a
 * probe; that hit must not run the agent again on the same thread (the handler code is not
 * reentrant), so it is counted in site[].skipped and returns at once, as stap's MAXSKIPPED
 * does.  A thread inside the agent holds a slot of shared->guard with its id; a hit looks at
 * the AGENT_GUARD_WAYS slots its id hashes to (one cache line) and is nested exactly when one of
 * them holds its id: the outer hit claimed one of those very slots and keeps it until it
 * returns.  Otherwise it claims a free one with a compare-and-swap, and frees it on the way
 * out.  When all of them are held by other threads (AGENT_GUARD_WAYS threads inside at once with
 * colliding hashes), the hit runs unguarded rather than be lost.
 *
 * The id needs no TLS of the agent's and no syscall where the program lets us: the tracer
 * chooses (shared->thread_id).  The word at %fs:0 is the thread pointer's self-reference that
 * the x86-64 TLS ABI requires of every thread (glibc and musl both), so it is one load; the
 * tracer picks it only when it has seen that word equal the fs base in every thread.
 * rdfsbase is as cheap where the CPU and kernel allow it; gettid through a raw syscall is the
 * fallback that is always right and costs ~100 ns more per hit.
 *
 * Counting uses locked adds: exact across threads, a few nanoseconds uncontended.  A site
 * number beyond the region's sites is counted in unknown_site.  Nothing here can fail or
 * block.
 */
#include <stddef.h>

#include "agent/agent_syscall.h"
#include "agent/dispatch.h"

struct agent_shared *agent_shared_region;

__attribute__((weak)) void agent_site_handler(uint32_t site, struct agent_regs *regs)
{
	(void)site;
	(void)regs;
}

static uint64_t thread_id(uint32_t how)
{
	uint64_t id;

	switch (how) {
	case AGENT_ID_FS0:
		__asm__ volatile("mov %%fs:0, %0" : "=r"(id));
		if (id)
			return id;
		break;
	case AGENT_ID_RDFSBASE:
		__asm__ volatile("rdfsbase %0" : "=r"(id));
		if (id)
			return id;
		break;
	default:
		break;
	}
	return (uint64_t)agent_syscall0(__NR_gettid) | 1ull << 63;
}

/* The claimed slot, NULL when the thread is inside already (*nested) or no way is free. */
static uint64_t *guard_enter(struct agent_shared *sh, uint64_t id, int *nested)
{
	uint64_t *way = &sh->guard[agent_guard_first(id)];
	int i;

	for (i = 0; i < AGENT_GUARD_WAYS; i++)
		if (__atomic_load_n(&way[i], __ATOMIC_RELAXED) == id) {
			*nested = 1;
			return NULL;
		}
	for (i = 0; i < AGENT_GUARD_WAYS; i++) {
		uint64_t free_slot = 0;

		if (__atomic_compare_exchange_n(&way[i], &free_slot, id, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return &way[i];
	}
	return NULL;
}

void agent_dispatch(struct agent_regs *regs, uint32_t site)
{
	struct agent_shared *sh = agent_shared_region;
	uint64_t *slot;
	int nested = 0;

	if (!sh)
		return;
	if (site >= sh->nsites) {
		__atomic_add_fetch(&sh->unknown_site, 1, __ATOMIC_RELAXED);
		return;
	}
	slot = guard_enter(sh, thread_id(sh->thread_id), &nested);
	if (nested) {
		__atomic_add_fetch(&sh->site[site].skipped, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_add_fetch(&sh->site[site].hits, 1, __ATOMIC_RELAXED);
	agent_site_handler(site, regs);
	if (slot)
		__atomic_store_n(slot, 0, __ATOMIC_RELEASE);
}
