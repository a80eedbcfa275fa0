/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dispatcher: the entry every jump-patch trampoline calls, on the probed thread, with the
 * registers it saved (struct agent_regs) and its site number.  It counts the hit in the shared
 * region, then runs the site's probes, in order, through the script's VM (host_agent.c).
 *
 * Running the probes.  site[].nprobes is read with acquire, pairing with the tracer's release
 * after it wrote probe[]; a counting site (nprobes 0) goes no further than the count.  The
 * handlers see a struct user_regs_struct made from the saved registers: rip is the probe
 * address, rsp and the flags as they were at the probe, orig_rax -1 (no syscall), fs_base
 * read by rdfsbase when the tracer found it allowed (thread_id AGENT_ID_RDFSBASE) and 0
 * otherwise, cs and ss as the thread has them, the other segment fields 0.  Every handler of
 * the site works on the same copy, so a register that one changes (a guru-mode write) is what
 * the next one sees; afterwards the general registers go back into struct agent_regs, from
 * which the trampoline pops them.  rip, rsp and the flags do not: the trampoline returns to
 * the relocated instructions on the stack it came with, and a change there is lost.
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
 * A site whose probes are all counter handlers ({ n++ }) makes their adds and is done
 * (agent_vm_count): no guard, as adds cannot be reentered wrongly, no VM, and no count in
 * site[].hits either, whose locked add would cost as much as the rest of the hit: the
 * handlers' own adds are its count.
 *
 * Counting uses locked adds: exact across threads, a few nanoseconds uncontended.  A site
 * number beyond the region's sites is counted in unknown_site.  Nothing here can fail or
 * block.
 */
#include <stddef.h>

#include "agent/agent_syscall.h"
#include "agent/dispatch.h"
#include "agent/host_agent.h"

struct agent_shared *agent_shared_region;

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

static void to_user(const struct agent_regs *a, uint32_t how, struct user_regs_struct *u)
{
	uint64_t seg;

	*u = (struct user_regs_struct){0};
	u->r15 = a->r15, u->r14 = a->r14, u->r13 = a->r13, u->r12 = a->r12, u->rbp = a->rbp;
	u->rbx = a->rbx, u->r11 = a->r11, u->r10 = a->r10, u->r9 = a->r9, u->r8 = a->r8;
	u->rax = a->rax, u->rcx = a->rcx, u->rdx = a->rdx, u->rsi = a->rsi, u->rdi = a->rdi;
	u->orig_rax = (unsigned long long)-1;
	u->rip = a->rip, u->eflags = a->flags, u->rsp = a->rsp;
	__asm__("mov %%cs, %k0" : "=r"(seg));
	u->cs = seg & 0xffff;
	__asm__("mov %%ss, %k0" : "=r"(seg));
	u->ss = seg & 0xffff;
	if (how == AGENT_ID_RDFSBASE)
		__asm__ volatile("rdfsbase %0" : "=r"(u->fs_base));
}

static void from_user(const struct user_regs_struct *u, struct agent_regs *a)
{
	a->r15 = u->r15, a->r14 = u->r14, a->r13 = u->r13, a->r12 = u->r12, a->rbp = u->rbp;
	a->rbx = u->rbx, a->r11 = u->r11, a->r10 = u->r10, a->r9 = u->r9, a->r8 = u->r8;
	a->rax = u->rax, a->rcx = u->rcx, a->rdx = u->rdx, a->rsi = u->rsi, a->rdi = u->rdi;
}

__attribute__((noinline)) static void run_probes(const struct agent_shared *sh,
						 const struct agent_site *s, uint32_t n,
						 struct agent_regs *regs)
{
	struct user_regs_struct u;

	if (n > AGENT_SITE_PROBES)
		n = AGENT_SITE_PROBES;
	to_user(regs, sh->thread_id, &u);
	for (uint32_t i = 0; i < n; i++)
		(void)agent_vm_run(s->probe[i], &u);
	from_user(&u, regs);
}

void agent_dispatch(struct agent_regs *regs, uint32_t site)
{
	struct agent_shared *sh = agent_shared_region;
	uint64_t *slot;
	uint32_t nprobes;
	int nested = 0;

	if (!sh)
		return;
	if (site >= sh->nsites) {
		__atomic_add_fetch(&sh->unknown_site, 1, __ATOMIC_RELAXED);
		return;
	}
	nprobes = __atomic_load_n(&sh->site[site].nprobes, __ATOMIC_ACQUIRE);
	if (nprobes && nprobes <= AGENT_SITE_PROBES &&
	    agent_vm_count(sh->site[site].probe, nprobes))
		return;
	slot = guard_enter(sh, thread_id(sh->thread_id), &nested);
	if (nested) {
		__atomic_add_fetch(&sh->site[site].skipped, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_add_fetch(&sh->site[site].hits, 1, __ATOMIC_RELAXED);
	if (nprobes)
		run_probes(sh, &sh->site[site], nprobes, regs);
	if (slot)
		__atomic_store_n(slot, 0, __ATOMIC_RELEASE);
}
