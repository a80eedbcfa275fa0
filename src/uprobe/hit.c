/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The uprobes engine: what happens when a thread traps, clones, execs, maps memory or dies.
 *
 * A hit is a SIGTRAP with si_code SI_KERNEL whose rip-1 is one of our breakpoints.  rip goes
 * back to the probe address, the consumers run in registration order, return probes hijack
 * the return address, and then the displaced instruction continues on the tier chosen when the
 * breakpoint was installed:
 *
 *   emulated  arch_uprobe_emulate() on the registers: one stop per hit;
 *   boosted   rip = the thread's XOL slot, whose copy jumps back by itself: one stop per hit;
 *   stepped   rip = the slot, UTRACE_SINGLESTEP, and arch_uprobe_post_xol() at the TRAP_TRACE
 *             SIGTRAP that follows: two stops per hit.
 *
 * The SIGTRAP is ours and is consumed (UTRACE_SIGNAL_IGN), so engines attached after us never
 * see it.  A trap at an int3 that is not ours goes to the program.  A trap at an address whose
 * probe was removed meanwhile (the byte is no longer an int3) restarts the instruction.
 *
 * While a thread steps, other signals are held and re-sent after the step: delivering them
 * would run a handler with rip inside the slot.  A fault raised by the stepped copy itself is
 * delivered with rip back at the probe address (arch_uprobe_abort_xol), so the handler sees the
 * original instruction; a signal that catches a thread inside a boosted slot moves it out of
 * the slot first (arch_uprobe_leave_slot).  QUIESCE is on so that report_quiesce(0) re-asserts
 * the step if another engine asks for a report in between (utrace's last-round rule).
 *
 * Clone, exec and the program's own mmap, munmap and mremap keep the process's journal in
 * step with its memory: a fork child shares, copies or is cleaned of the parent's changes
 * (journal.c), a new image or a mapping that went away takes our changes there with it.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inject/inject.h"
#include "os/os.h"
#include "uprobe/uprobe-priv.h"
#include "util/log.h"

struct uprobe_stats up_stats;

void uprobe_get_stats(struct uprobe_stats *ret)
{
	*ret = up_stats;
}

static struct arch_mem thread_mem(pid_t tid)
{
	struct arch_mem m = {mem_pid_read, mem_pid_write, MEM_PID(tid)};

	return m;
}

static uint32_t pass_on(uint32_t action)
{
	return (action & ~UTRACE_RESUME_MASK) | UTRACE_RESUME;
}

static void run_consumers(struct utask *t, struct ubp *bp, struct user_regs_struct *regs)
{
	struct uprobe_consumer *uc, *next;
	struct uprobe_hit hit = {
		.pid = t->proc->pid,
		.tid = t->tid,
		.vaddr = bp->vaddr,
		.regs = regs,
	};

	for (uc = bp->probe->consumers; uc; uc = next) {
		next = uc->next;
		if (uc->handler)
			uc->handler(uc, &hit);
	}
}

/* Continue the displaced instruction on its tier.  Returns the resume action. */
static uint32_t continue_insn(struct utask *t, struct ubp *bp, struct user_regs_struct *regs)
{
	struct arch_mem mem = thread_mem(t->tid);
	enum arch_uprobe_class cls = arch_uprobe_class(&bp->arch);
	uint64_t slot;
	int r;

	if (cls == ARCH_UPROBE_EMULATE) {
		r = arch_uprobe_emulate(&bp->arch, regs, &mem);
		if (r >= 0) {
			up_stats.emulated++;
			return UTRACE_SIGNAL_IGN | UTRACE_RESUME;
		}
	}
	r = up_xol_slot(t, bp, &slot);
	if (r == -EBUSY) {
		/* Every slot is taken: hold the thread and retry the hit when one is free. */
		pr_info("tid %d: XOL slots exhausted; waiting", t->tid);
		arch_set_ip(regs, bp->vaddr);
		return UTRACE_SIGNAL_IGN | UTRACE_RESUME;
	}
	if (r < 0) {
		pr_warn("tid %d: probe at 0x%lx: no XOL slot (%s); killing the thread", t->tid,
			(unsigned long)bp->vaddr, strerror(-r));
		return UTRACE_SIGNAL_TERM | UTRACE_RESUME;
	}
	if (cls == ARCH_UPROBE_BOOST) {
		up_stats.boosted++;
		arch_set_ip(regs, slot);
		return UTRACE_SIGNAL_IGN | UTRACE_RESUME;
	}
	up_stats.stepped++;
	arch_uprobe_pre_xol(&bp->arch, regs, slot, &t->autask);
	t->state = UT_STEP;
	t->step_arch = bp->arch;
	return UTRACE_SIGNAL_IGN | UTRACE_SINGLESTEP;
}

static uint32_t on_breakpoint(struct utask *t, struct user_regs_struct *regs)
{
	uint64_t addr = arch_swbp_addr(regs);
	struct ubp *bp = up_bp_find(t->proc, addr);
	uint8_t now;

	if (!bp) {
		if (up_recently_removed(t->proc, addr) &&
		    mem_read_all(t->tid, addr, &now, 1) == 0 && !arch_is_swbp(now)) {
			arch_set_ip(regs, addr); /* removed while this trap was on its way */
			return UTRACE_SIGNAL_IGN | UTRACE_RESUME;
		}
		pr_info("tid %d: trap at 0x%lx is not ours: the program gets its SIGTRAP", t->tid,
			(unsigned long)addr);
		return 0;
	}
	up_stats.hits++;
	arch_set_ip(regs, addr);
	up_safety_rewind(t, regs, addr);
	run_consumers(t, bp, regs);
	if (arch_ip(regs) != addr)
		return UTRACE_SIGNAL_IGN | UTRACE_RESUME; /* a handler moved rip: skip the insn */
	bp = up_bp_find(t->proc, addr);
	if (!bp)
		return UTRACE_SIGNAL_IGN | UTRACE_RESUME; /* unregistered by its handler: rerun */
	if (bp->probe->ret_consumers)
		up_ret_hijack(t, bp, regs);
	return continue_insn(t, bp, regs);
}

/*
 * Queue held signals from @first on again.  rt_tgsigqueueinfo keeps a siginfo whose si_code
 * is negative; the kernel refuses the others from another process, so those go by tgkill and
 * their siginfo is put back when that copy reaches its delivery stop (restore_resent).
 */
void up_requeue_held(struct utask *t, int first)
{
	int i;

	for (i = first; i < t->nheld; i++) {
		siginfo_t *si = &t->held[i];

		if (si->si_code < 0 &&
		    syscall(SYS_rt_tgsigqueueinfo, t->proc->pid, t->tid, si->si_signo, si) == 0)
			continue;
		if (t->nresend < (int)(sizeof(t->resend) / sizeof(t->resend[0])))
			t->resend[t->nresend++] = *si;
		(void)syscall(SYS_tgkill, t->proc->pid, t->tid, si->si_signo);
	}
	t->nheld = 0;
}

/* A copy we re-sent with tgkill: give it its original siginfo back. */
static bool restore_resent(struct utask *t, siginfo_t *info)
{
	int i;

	if (!t->nresend || info->si_code != SI_TKILL || info->si_pid != getpid())
		return false;
	for (i = 0; i < t->nresend; i++) {
		if (t->resend[i].si_signo != info->si_signo)
			continue;
		*info = t->resend[i];
		memmove(&t->resend[i], &t->resend[i + 1],
			(size_t)(t->nresend - i - 1) * sizeof(t->resend[0]));
		t->nresend--;
		return true;
	}
	return false;
}

/*
 * The step trapped: fix the registers up, and hand over the signals held meanwhile.  The first
 * one replaces our SIGTRAP at this very stop, with its own siginfo, so the program gets it
 * exactly as sent; the others (rare: a step is one instruction) are queued again.
 */
static uint32_t finish_step(struct utask *t, struct user_regs_struct *regs, siginfo_t *info)
{
	struct arch_mem mem = thread_mem(t->tid);
	int r;

	t->state = UT_RUNNING;
	r = arch_uprobe_post_xol(&t->step_arch, regs, up_xol_slot_addr(t), &t->autask, &mem);
	if (r < 0) {
		pr_warn("tid %d: cannot fix the return address after a step; SIGSEGV", t->tid);
		(void)syscall(SYS_tgkill, t->proc->pid, t->tid, SIGSEGV);
	}
	if (t->nheld) {
		*info = t->held[0];
		up_requeue_held(t, 1);
		return UTRACE_SIGNAL_DELIVER | UTRACE_RESUME;
	}
	return UTRACE_SIGNAL_IGN | UTRACE_RESUME;
}

static uint32_t up_signal(uint32_t action, struct utrace_engine *engine,
			  struct user_regs_struct *regs, siginfo_t *info,
			  const struct utrace_sigaction *orig_ka,
			  struct utrace_sigaction *return_ka)
{
	struct utask *t = engine->data;
	uint32_t r;

	if (!t)
		return pass_on(action);
	if (utrace_signal_action(action) == UTRACE_SIGNAL_REPORT || !orig_ka)
		return t->state == UT_STEP ? (action & ~UTRACE_RESUME_MASK) | UTRACE_SINGLESTEP
					   : pass_on(action);
	if (info->si_signo == SIGTRAP && t->state == UT_STEP && info->si_code == TRAP_TRACE)
		return finish_step(t, regs, info);
	if (info->si_signo == SIGTRAP && info->si_code == SI_KERNEL) {
		if (t->proc->tramp && arch_swbp_addr(regs) == t->proc->tramp) {
			up_stats.returns++;
			up_safety_rewind(t, regs, t->proc->tramp);
			if (up_ret_trampoline(t, regs) == 0)
				return up_safety_resume(t, regs, UTRACE_SIGNAL_IGN | UTRACE_RESUME);
			arch_set_ip(regs, t->proc->tramp + ARCH_SWBP_LEN);
			return UTRACE_SIGNAL_DELIVER | UTRACE_RESUME; /* no instance: like SIGILL */
		}
		r = on_breakpoint(t, regs);
		if (r)
			return up_safety_resume(t, regs, r);
		return pass_on(action);
	}
	if (t->state != UT_STEP && restore_resent(t, info))
		return UTRACE_SIGNAL_DELIVER | UTRACE_RESUME;
	if (t->state == UT_STEP) {
		bool fault = info->si_signo == SIGSEGV || info->si_signo == SIGBUS ||
			     info->si_signo == SIGFPE || info->si_signo == SIGILL;

		if (fault && up_xol_contains(t->proc, arch_ip(regs))) {
			/* The copy faulted: deliver with rip at the original instruction. */
			arch_uprobe_abort_xol(&t->step_arch, regs, &t->autask);
			t->state = UT_RUNNING;
			return pass_on(action);
		}
		if (t->nheld < (int)(sizeof(t->held) / sizeof(t->held[0])))
			t->held[t->nheld++] = *info;
		else
			pr_warn("tid %d: more than %d signals during one step; one dropped", t->tid,
				(int)(sizeof(t->held) / sizeof(t->held[0])));
		return UTRACE_SIGNAL_IGN | UTRACE_SINGLESTEP;
	}
	if (t->slot > 0 && t->slot_valid && up_xol_contains(t->proc, arch_ip(regs))) {
		struct arch_mem mem = thread_mem(t->tid);

		(void)arch_uprobe_leave_slot(&t->slot_arch, regs, up_xol_slot_addr(t), &mem);
	}
	return pass_on(action);
}

static uint32_t up_quiesce(uint32_t action, struct utrace_engine *engine, unsigned long event)
{
	struct utask *t = engine->data;

	if (t && t->state == UT_STEP && event == 0)
		return UTRACE_SINGLESTEP;
	return UTRACE_RESUME;
}

static uint32_t up_clone(uint32_t action, struct utrace_engine *engine, unsigned long flags,
			 pid_t child)
{
	struct utask *t = engine->data, *ct;
	struct uproc *cp;

	if (!t)
		return UTRACE_RESUME;
	if (flags & CLONE_THREAD) {
		/* Same process: the new thread shares every breakpoint. */
		up_attach_task(t->proc, child);
		return UTRACE_RESUME;
	}
	if (flags & CLONE_VM) {
		/*
		 * vfork and its kind: another process in our memory until it execs or exits.  Its
		 * hits are handled like a thread's, its changes go in the same journal; it is a
		 * process of its own for exec and exit, and is let go at its exec unless forks are
		 * followed.
		 */
		cp = up_proc_new(child, t->proc->follow, cure_ref(t->proc->cure));
		if (!cp)
			return UTRACE_RESUME;
		cp->shared_mm = true;
		cp->xol = t->proc->xol;
		cp->tramp = t->proc->tramp;
		up_copy_bps(cp, t->proc);
		up_inproc_inherit(cp, t->proc);
		up_attach_task(cp, child);
		return UTRACE_RESUME;
	}
	if (t->proc->follow) {
		/*
		 * The child has our breakpoints, XOL area and return frames, at the same addresses,
		 * and a copy of the journal that holds them.
		 */
		struct cure *copy = cure_fork(t->proc->cure, child);

		cp = copy ? up_proc_new(child, true, copy) : NULL;
		if (!cp) {
			pr_warn("pid %d: cannot follow fork child %d: %s", t->proc->pid, child,
				strerror(ENOMEM));
			return UTRACE_RESUME;
		}
		up_attach_task(cp, child);
		ct = up_task_find(cp, child);
		cp->xol = t->proc->xol;
		cp->tramp = t->proc->tramp;
		up_copy_bps(cp, t->proc);
		up_inproc_inherit(cp, t->proc);
		if (ct) {
			memcpy(ct->ret, t->ret, sizeof(t->ret));
			ct->depth = t->depth;
		}
		return UTRACE_RESUME;
	}
	/* Not followed: clean our changes out of the child before it runs. */
	up_journal_clean_child(t->proc, child);
	return UTRACE_RESUME;
}

static uint32_t up_exec(uint32_t action, struct utrace_engine *engine, const char *filename,
			struct user_regs_struct *regs)
{
	struct utask *t = engine->data, *it;
	struct cure *fresh = NULL;
	struct uproc *p;

	if (!t)
		return UTRACE_RESUME;
	p = t->proc;
	/*
	 * A new image: the old breakpoints, XOL area and return frames are gone with it.  A vfork
	 * child leaves the memory whose journal it shared, and what it wrote there (frames on the
	 * parent's stack) stays in that journal, the parent's.
	 */
	up_forget_all(p);
	up_safety_forget(p);
	up_inproc_forget(p);
	for (it = p->tasks; it; it = it->next)
		it->depth = 0;
	if (p->shared_mm && p->follow)
		fresh = cure_new(utrace_engine_tid(engine));
	if (p->shared_mm && !fresh) {
		/* Not followed (or no memory for a journal): it leaves our watch too. */
		up_proc_free(p);
		return UTRACE_DETACH;
	}
	if (fresh) {
		cure_unref(p->cure);
		p->cure = fresh;
	}
	cure_forget_all(p->cure);
	p->shared_mm = false;
	memset(p->slot_owner, 0, sizeof(p->slot_owner));
	p->xol = p->tramp = 0;
	t->tid = utrace_engine_tid(engine);
	for (t = p->tasks; t; t = t->next) {
		t->slot = -1;
		t->slot_valid = false;
		t->depth = 0;
		t->state = UT_RUNNING;
	}
	inj_forget(p->pid); /* its syscall instruction went with the old image */
	p->pid = utrace_engine_tid(engine);
	cure_set_pid(p->cure, p->pid);
	up_install_all(p, p->pid);
	return UTRACE_RESUME;
}

static uint64_t page_up(uint64_t len)
{
	return (len + 4095) & ~(uint64_t)4095;
}

/* What the program unmapped or mapped over takes our changes there with it. */
static void forget_replaced(struct uproc *p, const struct user_regs_struct *regs, long ret)
{
	uint64_t addr = arch_syscall_arg(regs, 0), len = page_up(arch_syscall_arg(regs, 1));
	uint64_t new_len = page_up(arch_syscall_arg(regs, 2));

	switch (arch_syscall_nr(regs)) {
	case SYS_mmap:
		cure_forget_range(p->cure, (uint64_t)ret, (uint64_t)ret + len);
		break;
	case SYS_munmap:
		cure_forget_range(p->cure, addr, addr + len);
		break;
	case SYS_mremap:
		if ((uint64_t)ret != addr)
			cure_forget_range(p->cure, addr, addr + len);
		else if (new_len < len)
			cure_forget_range(p->cure, addr + new_len, addr + len);
		break;
	default:
		break;
	}
}

static uint32_t up_syscall_exit(uint32_t action, struct utrace_engine *engine,
				struct user_regs_struct *regs)
{
	struct utask *t = engine->data;
	long ret = arch_syscall_ret(regs);

	if (!t || (ret < 0 && ret > -4096))
		return UTRACE_RESUME;
	forget_replaced(t->proc, regs, ret);
	switch (arch_syscall_nr(regs)) {
	case SYS_mmap:
	case SYS_mprotect:
		if (!(arch_syscall_arg(regs, 2) & PROT_EXEC))
			break;
		/* fall through */
	case SYS_munmap:
	case SYS_mremap:
		up_install_all(t->proc, t->tid);
		break;
	default:
		break;
	}
	return UTRACE_RESUME;
}

static uint32_t up_death(struct utrace_engine *engine, bool group_dead, int signal)
{
	struct utask *t = engine->data;
	struct uproc *p;

	if (!t)
		return UTRACE_DETACH;
	p = t->proc;
	up_task_remove(p, t);
	if (!p->tasks)
		up_proc_free(p);
	return UTRACE_DETACH;
}

const struct utrace_engine_ops up_engine_ops = {
	.report_signal = up_signal,
	.report_quiesce = up_quiesce,
	.report_clone = up_clone,
	.report_exec = up_exec,
	.report_syscall_exit = up_syscall_exit,
	.report_death = up_death,
};
