/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Watched processes and their breakpoints.
 *
 * A breakpoint is installed where a probed file is mapped executable: the address comes from
 * /proc/PID/maps (device, inode and file offset of the mapping), the int3 goes in through
 * /proc/PID/mem, which makes the kernel's private copy of the page, as mainline does with
 * FOLL_FORCE.  One byte is written, so threads that keep running see either the old or the new
 * instruction, never a torn one.  Before writing, the byte in memory must still be the file's:
 * an int3 that is not ours is refused.  The write goes through the process's journal, and
 * removal is the journal's revert: the saved byte back, and only if our int3 is still there.
 * A mapping that went away (munmap, dlclose, exec) is forgotten without writing anything.
 *
 * Every thread of a watched process carries the uprobes engine, attached before any other
 * engine of the tool so that our SIGTRAPs are consumed before anyone else sees them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "inject/inject.h"
#include "os/os.h"
#include "sym/sym.h"
#include "uprobe/uprobe-priv.h"
#include "util/log.h"

static struct uproc *procs;

struct uproc *up_proc_all(void)
{
	return procs;
}

bool up_recently_removed(const struct uproc *p, uint64_t vaddr)
{
	unsigned int i;

	for (i = 0; i < 16 && i < p->nremoved; i++)
		if (p->removed[i] == vaddr)
			return true;
	return false;
}

void up_copy_bps(struct uproc *to, const struct uproc *from)
{
	const struct ubp *bp;

	for (bp = from->bps; bp; bp = bp->next) {
		struct ubp *copy = malloc(sizeof(*copy));

		if (!copy)
			return;
		*copy = *bp;
		copy->next = to->bps;
		to->bps = copy;
	}
}

struct uproc *up_proc_find(pid_t pid)
{
	struct uproc *p;

	for (p = procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

struct uproc *up_proc_new(pid_t pid, bool follow, struct cure *cure)
{
	struct uproc *p = calloc(1, sizeof(*p));

	if (!cure)
		cure = cure_new(pid);
	if (!p || !cure) {
		free(p);
		cure_unref(cure);
		return NULL;
	}
	p->pid = pid;
	p->follow = follow;
	p->cure = cure;
	up_backend_init(p);
	p->next = procs;
	procs = p;
	return p;
}

void up_forget_all(struct uproc *p)
{
	struct ubp *bp, *next;

	for (bp = p->bps; bp; bp = next) {
		next = bp->next;
		free(bp);
	}
	p->bps = NULL;
}

void up_proc_free(struct uproc *p)
{
	struct uproc **link;

	if (!p)
		return;
	for (link = &procs; *link; link = &(*link)->next) {
		if (*link == p) {
			*link = p->next;
			break;
		}
	}
	while (p->tasks)
		up_task_remove(p, p->tasks);
	up_forget_all(p);
	up_safety_forget(p);
	up_inproc_forget(p);
	cure_unref(p->cure);
	inj_forget(p->pid);
	free(p);
}

struct utask *up_task_find(struct uproc *p, pid_t tid)
{
	struct utask *t;

	for (t = p->tasks; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

struct utask *up_task_add(struct uproc *p, pid_t tid)
{
	struct utask *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->tid = tid;
	t->proc = p;
	t->slot = -1;
	t->next = p->tasks;
	p->tasks = t;
	return t;
}

void up_task_remove(struct uproc *p, struct utask *t)
{
	struct utask **link;

	for (link = &p->tasks; *link; link = &(*link)->next) {
		if (*link == t) {
			*link = t->next;
			break;
		}
	}
	up_xol_release(t);
	up_ret_forget(t);
	up_safety_task_gone(t);
	if (t->engine) {
		t->engine->data = NULL;
		utrace_engine_put(t->engine);
	}
	free(t);
}

struct ubp *up_bp_find(struct uproc *p, uint64_t vaddr)
{
	struct ubp *bp;

	for (bp = p->bps; bp; bp = bp->next)
		if (bp->vaddr == vaddr)
			return bp;
	return NULL;
}

bool up_mapping_holds(const struct sym_mapping *m, const struct uprobe *probe, uint64_t offset,
		      uint64_t len)
{
	return m->inode == probe->ino && makedev(m->dev_major, m->dev_minor) == probe->dev &&
	       offset >= m->offset && offset + len <= m->offset + (m->end - m->start);
}

static bool mapping_is(const struct sym_mapping *m, const struct uprobe *probe)
{
	return m->perms[2] == 'x' && up_mapping_holds(m, probe, probe->offset, 1);
}

static int install_at(struct uproc *p, struct uprobe *probe, uint64_t vaddr)
{
	uint8_t now, swbp = ARCH_SWBP_INSN;
	struct ubp *bp;
	int r;

	if (up_bp_find(p, vaddr) || up_inproc_claims(p, vaddr))
		return 0;
	r = p->be.read(p->be.ctx, vaddr, &now, 1);
	if (r < 0)
		return r;
	if (now != probe->bytes[0]) {
		pr_warn("pid %d: probe %s:0x%lx: %s at 0x%lx, not ours: refused", p->pid,
			probe->path, (unsigned long)probe->offset,
			arch_is_swbp(now) ? "an int3 is already" : "different code is",
			(unsigned long)vaddr);
		return -EEXIST;
	}
	bp = calloc(1, sizeof(*bp));
	if (!bp)
		return -ENOMEM;
	bp->probe = probe;
	bp->vaddr = vaddr;
	if (arch_uprobe_analyze(&bp->arch, probe->bytes, probe->nbytes, vaddr) < 0 ||
	    arch_uprobe_class(&bp->arch) == ARCH_UPROBE_REFUSE) {
		free(bp);
		return -EOPNOTSUPP;
	}
	up_safety_bp(p, vaddr, probe->bytes[0], true);
	r = cure_write(p->cure, &p->be, vaddr, &swbp, ARCH_SWBP_LEN, "breakpoint", &bp->bp_id);
	if (r < 0) {
		up_safety_bp(p, vaddr, 0, false);
		free(bp);
		return r;
	}
	up_safety_guard(p, bp);
	bp->next = p->bps;
	p->bps = bp;
	pr_debug("pid %d: probe %s:0x%lx installed at 0x%lx (%s)", p->pid, probe->path,
		 (unsigned long)probe->offset, (unsigned long)vaddr, arch_uprobe_reason(&bp->arch));
	return 1;
}

static int install_in_maps(struct uproc *p, struct uprobe *probe, const struct sym_maps *maps)
{
	size_t i;
	int n = 0, r;

	for (i = 0; i < maps->count; i++) {
		const struct sym_mapping *m = &maps->v[i];

		if (!mapping_is(m, probe))
			continue;
		r = install_at(p, probe, m->start + (probe->offset - m->offset));
		if (r > 0)
			n++;
	}
	return n;
}

static void update_refctrs(struct uproc *p, const struct sym_maps *maps)
{
	for (struct ubp *bp = p->bps; bp; bp = bp->next)
		up_refctr_update(p, bp, maps);
}

int up_install_probe(struct uproc *p, struct uprobe *probe)
{
	struct sym_maps *maps;
	int n;

	/*
	 * A command we spawned runs our code until its exec, which installs every probe.  Its
	 * maps show the new image a moment before the exec is reported: an int3 written then
	 * would be forgotten with the old image's breakpoints and refused as not ours.
	 */
	if (utrace_pre_exec(p->pid))
		return 0;
	if (sym_maps_read(p->pid, &maps) < 0)
		return -ESRCH;
	n = install_in_maps(p, probe, maps);
	update_refctrs(p, maps);
	sym_maps_free(maps);
	return n;
}

/*
 * Bring the process in line with its maps: breakpoints for probed files mapped now, and
 * forget breakpoints whose mapping is gone.
 */
int up_install_all(struct uproc *p, pid_t tid)
{
	struct ubp *bp, **link;
	struct sym_maps *maps;
	struct uprobe *probe;
	int n = 0;

	if (sym_maps_read(p->pid, &maps) < 0)
		return -ESRCH;
	for (link = &p->bps; (bp = *link);) {
		const struct sym_mapping *m = sym_maps_find_addr(maps, bp->vaddr);

		if (m && mapping_is(m, bp->probe) &&
		    m->start + (bp->probe->offset - m->offset) == bp->vaddr) {
			link = &bp->next;
			continue;
		}
		up_safety_unguard(p, bp, false);
		cure_forget(p->cure, bp->bp_id);
		up_safety_bp(p, bp->vaddr, 0, false);
		(void)cure_revert(p->cure, &p->be, bp->ref_id);
		*link = bp->next;
		free(bp);
	}
	for (probe = up_probes(); probe; probe = probe->next)
		n += install_in_maps(p, probe, maps);
	update_refctrs(p, maps);
	sym_maps_free(maps);
	return n;
}

void up_remove_probe(struct uproc *p, struct uprobe *probe)
{
	struct ubp *bp, **link;
	struct utask *t;
	int i;

	for (link = &p->bps; (bp = *link);) {
		if (bp->probe != probe) {
			link = &bp->next;
			continue;
		}
		up_safety_unguard(p, bp, true);
		(void)cure_revert(p->cure, &p->be, bp->bp_id);
		up_safety_bp(p, bp->vaddr, 0, false);
		(void)cure_revert(p->cure, &p->be, bp->ref_id);
		p->removed[p->nremoved++ % 16] = bp->vaddr;
		*link = bp->next;
		free(bp);
	}
	for (t = p->tasks; t; t = t->next)
		for (i = 0; i < t->depth; i++)
			if (t->ret[i].probe == probe)
				t->ret[i].probe = NULL;
}

int up_attach_task(struct uproc *p, pid_t tid)
{
	static uint64_t syscalls[UTRACE_NR_SYSCALLS / 64];
	struct utask *t = up_task_find(p, tid);
	int r;

	if (t)
		return 0;
	t = up_task_add(p, tid);
	if (!t)
		return -ENOMEM;
	t->engine = utrace_attach(
		tid, UTRACE_ATTACH_CREATE | UTRACE_ATTACH_EXCLUSIVE | UTRACE_ATTACH_MATCH_OPS,
		&up_engine_ops, t);
	if (!t->engine) {
		r = -errno;
		up_task_remove(p, t);
		return r;
	}
	syscalls[SYS_mmap / 64] |= 1ULL << (SYS_mmap % 64);
	syscalls[SYS_mprotect / 64] |= 1ULL << (SYS_mprotect % 64);
	syscalls[SYS_munmap / 64] |= 1ULL << (SYS_munmap % 64);
	syscalls[SYS_mremap / 64] |= 1ULL << (SYS_mremap % 64);
	utrace_set_syscalls(tid, t->engine, syscalls);
	r = utrace_set_events(tid, t->engine,
			      UTRACE_EVENT(QUIESCE) | UTRACE_EVENT_SIGNAL_ALL |
				      UTRACE_EVENT(CLONE) | UTRACE_EVENT(EXEC) |
				      UTRACE_EVENT(DEATH) | UTRACE_EVENT(SYSCALL_EXIT));
	return r == -EINPROGRESS ? 0 : r;
}

int uprobe_watch(pid_t pid, bool follow_forks)
{
	pid_t *tids = NULL;
	int n = 0, i, r;
	struct uproc *p = up_proc_find(pid);

	if (p)
		return -EBUSY;
	r = utrace_seize_process(pid, &tids, &n);
	if (r < 0)
		return r;
	p = up_proc_new(pid, follow_forks, NULL);
	if (!p) {
		free(tids);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		r = up_attach_task(p, tids[i]);
		if (r < 0 && r != -ESRCH)
			break;
		r = 0;
	}
	free(tids);
	/* A command we spawned still runs our code until its execve: install at the exec. */
	if (r == 0 && !utrace_pre_exec(pid))
		up_install_all(p, pid);
	return r;
}
