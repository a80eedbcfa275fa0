/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The undo journal of one traced process: every change we make in it is recorded as it is
 * made, and detach, error paths, Ctrl-C and tracer shutdown replay the journal in reverse, so
 * that the process is left as it was (design.md section 4).  The journal does the change
 * itself, through the caller's backend, and records it only once it is made: an entry is a
 * change that is in the process now, nothing else.
 *
 * What an entry promises at undo, by kind:
 *
 *   BYTES      the bytes that were there before come back, provided the range still holds
 *              the bytes we wrote.  If it does not, the program (or the kernel) changed them
 *              after us: it wrote there, it unmapped and mapped the page again, it let a
 *              frame whose return address we hijacked go.  Its bytes win: the entry is left
 *              alone and reported.  Writes into a mapping of ours (the XOL slots, the
 *              trampoline) are made but not recorded: the mapping's undo takes them away.
 *   COUNTER    lowered by what we added, never below 0, and not put back byte for byte: the
 *              program may move an SDT semaphore too (its own enabling, another tracer), and
 *              restoring the old bytes would undo that.  A counter already below what we added
 *              is left alone.
 *   MAPPING    munmap of exactly what we mapped.  One the program unmapped itself is
 *              forgotten when it does (cure_forget_range), not unmapped again.
 *   SIGACTION  the old disposition back, if the signal still has the one we set; a program
 *              that set its own after us keeps it.
 *   REGS       the thread's saved registers back, if the thread is still there.
 *   CUSTOM     the recorder's undo, for the kinds to come (the agent's memfds).
 *
 * Order.  Entries are kept in the order they were made, and undone newest first, so that
 * writes over writes compose: a later entry's "before" bytes are the earlier one's "after",
 * and the reverse replay ends with the first entry's "before", the original.  Reverting one
 * entry out of order (a breakpoint removed while others stay) must not break that: where a
 * later entry covers some of its bytes, the memory is not touched and that later entry
 * inherits the original bytes instead, so that its own undo puts them back.
 *
 * Failure.  An undo that fails (the page went away, a syscall failed, the thread died) is
 * reported and the replay goes on with the next entry; one bad entry never keeps the rest
 * from being undone, and cure_undo says how many were not.  "Left alone" cases are reported
 * at info level, failures of ours as warnings.  An entry whose undo needs something the
 * backend cannot do now (a remote syscall before a fork child first stops) stays for a later
 * replay.
 *
 * Fork.  A fork child has a copy of the memory, so it has a copy of every memory change of
 * ours and of the dispositions; not of another thread's registers.  cure_fork copies those
 * entries with their ids, so that the handles the caller copied along (breakpoints, return
 * frames) name the same entries in the copy.  A vfork child shares the memory and the
 * journal itself (cure_ref).  Ids never repeat within a journal and its copies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "inject/cure.h"
#include "util/log.h"
#include "util/vec.h"

struct cure_entry {
	cure_id id;
	enum cure_kind kind;
	const char *what;
	uint64_t addr, len; /* BYTES, COUNTER, MAPPING */
	pid_t tid;	    /* REGS */
	union {
		uint8_t *bytes; /* BYTES: len old bytes, then len new ones */
		int delta;	/* COUNTER */
		struct {
			int sig;
			struct arch_ksigaction old, set;
		} sa;
		struct user_regs_struct regs;
		struct {
			const struct cure_custom *ops;
			void *data;
			size_t len;
		} custom;
	} u;
};

struct cure {
	pid_t pid;
	int refs;
	cure_id last_id;
	struct cure_entry *v; /* oldest first; ids increase */
	size_t n, cap;
};

static const unsigned int kind_needs[] = {
#define CURE_KIND_NEEDS(name, needs, inherited) needs,
	CURE_KIND_LIST(CURE_KIND_NEEDS)
#undef CURE_KIND_NEEDS
};

static const bool kind_inherited[] = {
#define CURE_KIND_INHERITED(name, needs, inherited) inherited,
	CURE_KIND_LIST(CURE_KIND_INHERITED)
#undef CURE_KIND_INHERITED
};

enum outcome {
	UNDONE,
	LEFT_ALONE, /* the change is no longer ours */
	FAILED,
};

struct cure *cure_new(pid_t pid)
{
	struct cure *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->pid = pid;
	j->refs = 1;
	return j;
}

struct cure *cure_ref(struct cure *j)
{
	j->refs++;
	return j;
}

static void entry_release(struct cure_entry *e)
{
	if (e->kind == CURE_BYTES)
		free(e->u.bytes);
	else if (e->kind == CURE_CUSTOM)
		free(e->u.custom.data);
}

void cure_forget_all(struct cure *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		entry_release(&j->v[i]);
	j->n = 0;
}

void cure_unref(struct cure *j)
{
	if (!j || --j->refs > 0)
		return;
	cure_forget_all(j);
	free(j->v);
	free(j);
}

void cure_set_pid(struct cure *j, pid_t pid)
{
	j->pid = pid;
}

size_t cure_count(const struct cure *j)
{
	return j->n;
}

static unsigned int entry_needs(const struct cure_entry *e)
{
	return e->kind == CURE_CUSTOM ? e->u.custom.ops->needs : kind_needs[e->kind];
}

static bool entry_inherited(const struct cure_entry *e)
{
	return e->kind == CURE_CUSTOM ? e->u.custom.ops->inherited : kind_inherited[e->kind];
}

static bool in_memory(const struct cure_entry *e)
{
	return e->kind == CURE_BYTES || e->kind == CURE_COUNTER || e->kind == CURE_MAPPING;
}

/* A new entry at the end, its id given; NULL without memory. */
static struct cure_entry *append(struct cure *j, enum cure_kind kind, const char *what)
{
	struct cure_entry *e;

	if (VEC_GROW(j->v, j->cap, j->n) < 0)
		return NULL;
	e = &j->v[j->n++];
	memset(e, 0, sizeof(*e));
	e->id = ++j->last_id;
	e->kind = kind;
	e->what = what;
	return e;
}

static void set_id(cure_id *ret_id, cure_id id)
{
	if (ret_id)
		*ret_id = id;
}

static struct cure_entry *find(const struct cure *j, cure_id id, size_t *ret_index)
{
	size_t lo = 0, hi = j->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (j->v[mid].id < id) {
			lo = mid + 1;
		} else if (j->v[mid].id > id) {
			hi = mid;
		} else {
			*ret_index = mid;
			return &j->v[mid];
		}
	}
	return NULL;
}

static void remove_at(struct cure *j, size_t i)
{
	entry_release(&j->v[i]);
	memmove(&j->v[i], &j->v[i + 1], (j->n - i - 1) * sizeof(j->v[0]));
	j->n--;
}

static bool covered_by_mapping(const struct cure *j, uint64_t addr, size_t len)
{
	size_t i;

	for (i = 0; i < j->n; i++) {
		const struct cure_entry *m = &j->v[i];

		if (m->kind == CURE_MAPPING && addr >= m->addr && addr + len <= m->addr + m->len)
			return true;
	}
	return false;
}

int cure_write(struct cure *j, const struct cure_backend *be, uint64_t addr, const void *buf,
	       size_t len, const char *what, cure_id *ret_id)
{
	struct cure_entry *e;
	uint8_t *bytes;
	int r;

	if (!len)
		return -EINVAL;
	if (covered_by_mapping(j, addr, len)) {
		set_id(ret_id, 0);
		return be->write(be->ctx, addr, buf, len);
	}
	bytes = malloc(2 * len);
	e = bytes ? append(j, CURE_BYTES, what) : NULL;
	if (!e) {
		free(bytes);
		return -ENOMEM;
	}
	r = be->read(be->ctx, addr, bytes, len);
	if (r == 0)
		r = be->write(be->ctx, addr, buf, len);
	if (r < 0) {
		j->n--;
		free(bytes);
		return r;
	}
	memcpy(bytes + len, buf, len);
	e->addr = addr;
	e->len = len;
	e->u.bytes = bytes;
	set_id(ret_id, e->id);
	return 0;
}

int cure_counter_add(struct cure *j, const struct cure_backend *be, uint64_t addr, int delta,
		     const char *what, cure_id *ret_id)
{
	struct cure_entry *e;
	uint16_t v;
	int r;

	if (delta <= 0 || delta > UINT16_MAX)
		return -EINVAL;
	r = be->read(be->ctx, addr, &v, sizeof(v));
	if (r < 0)
		return r;
	if (v > UINT16_MAX - delta)
		return -EOVERFLOW;
	e = append(j, CURE_COUNTER, what);
	if (!e)
		return -ENOMEM;
	v = (uint16_t)(v + delta);
	r = be->write(be->ctx, addr, &v, sizeof(v));
	if (r < 0) {
		j->n--;
		return r;
	}
	e->addr = addr;
	e->len = sizeof(v);
	e->u.delta = delta;
	set_id(ret_id, e->id);
	return 0;
}

static bool is_error(long value)
{
	return value < 0 && value > -4096;
}

int cure_mmap(struct cure *j, const struct cure_backend *be, pid_t tid, const uint64_t args[6],
	      const char *what, long *ret_value, cure_id *ret_id)
{
	struct cure_entry *e;
	uint64_t unmap[6] = {0, args[1], 0, 0, 0, 0};
	long addr, ignored;
	int r;

	if (!be->syscall)
		return -ENOSYS;
	r = be->syscall(be->ctx, tid, SYS_mmap, args, &addr);
	if (r < 0)
		return r;
	*ret_value = addr;
	set_id(ret_id, 0);
	if (is_error(addr))
		return 0;
	e = append(j, CURE_MAPPING, what);
	if (!e) {
		unmap[0] = (uint64_t)addr;
		(void)be->syscall(be->ctx, tid, SYS_munmap, unmap, &ignored);
		return -ENOMEM;
	}
	e->addr = (uint64_t)addr;
	e->len = args[1];
	set_id(ret_id, e->id);
	return 0;
}

int cure_sigaction(struct cure *j, const struct cure_backend *be, pid_t tid, int sig,
		   const struct arch_ksigaction *act, const char *what, cure_id *ret_id)
{
	struct arch_ksigaction old;
	struct cure_entry *e;
	int r;

	if (!be->sigaction)
		return -ENOSYS;
	e = append(j, CURE_SIGACTION, what);
	if (!e)
		return -ENOMEM;
	r = be->sigaction(be->ctx, tid, sig, act, &old);
	if (r < 0) {
		j->n--;
		return r;
	}
	e->u.sa.sig = sig;
	e->u.sa.old = old;
	e->u.sa.set = *act;
	set_id(ret_id, e->id);
	return 0;
}

int cure_save_regs(struct cure *j, pid_t tid, const struct user_regs_struct *regs, const char *what,
		   cure_id *ret_id)
{
	struct cure_entry *e = append(j, CURE_REGS, what);

	if (!e)
		return -ENOMEM;
	e->tid = tid;
	e->u.regs = *regs;
	set_id(ret_id, e->id);
	return 0;
}

int cure_record(struct cure *j, const struct cure_custom *ops, const void *data, size_t len,
		const char *what, cure_id *ret_id)
{
	void *copy = len ? malloc(len) : NULL;
	struct cure_entry *e;

	if (len && !copy)
		return -ENOMEM;
	e = append(j, CURE_CUSTOM, what);
	if (!e) {
		free(copy);
		return -ENOMEM;
	}
	if (len)
		memcpy(copy, data, len);
	e->u.custom.ops = ops;
	e->u.custom.data = copy;
	e->u.custom.len = len;
	set_id(ret_id, e->id);
	return 0;
}

/* ---- undo --------------------------------------------------------------------------------- */

static enum outcome report(const struct cure *j, const struct cure_entry *e, enum outcome o,
			   const char *why)
{
	char where[48];

	if (e->kind == CURE_SIGACTION)
		snprintf(where, sizeof(where), "of signal %d", e->u.sa.sig);
	else if (e->kind == CURE_REGS)
		snprintf(where, sizeof(where), "of thread %d", e->tid);
	else
		snprintf(where, sizeof(where), "at 0x%lx", (unsigned long)e->addr);
	if (o == FAILED)
		pr_warn("pid %d: cannot undo the %s %s: %s", j->pid, e->what, where, why);
	else if (o == LEFT_ALONE)
		pr_info("pid %d: the %s %s is left alone: %s", j->pid, e->what, where, why);
	return o;
}

static enum outcome gone_or_failed(const struct cure *j, const struct cure_entry *e, int r)
{
	if (r == -EFAULT || r == -ESRCH)
		return report(j, e, LEFT_ALONE, "its memory is gone");
	return report(j, e, FAILED, strerror(-r));
}

/*
 * Put e's old bytes back, except under the entries after it (from index @later on), which
 * inherit them instead.  Only where the rest of the range still holds our bytes.
 */
static enum outcome undo_bytes(struct cure *j, const struct cure_backend *be,
			       const struct cure_entry *e, size_t later)
{
	uint8_t *old = e->u.bytes, *ours = e->u.bytes + e->len, *now, *under;
	enum outcome o = UNDONE;
	size_t i, k;
	int r;

	now = malloc(2 * e->len);
	if (!now)
		return report(j, e, FAILED, strerror(ENOMEM));
	under = now + e->len;
	memset(under, 0, e->len);
	for (k = later; k < j->n; k++) {
		const struct cure_entry *l = &j->v[k];

		if (l->kind != CURE_BYTES || l->addr >= e->addr + e->len ||
		    e->addr >= l->addr + l->len)
			continue;
		for (i = 0; i < e->len; i++) {
			uint64_t at = e->addr + i;

			if (at >= l->addr && at < l->addr + l->len) {
				l->u.bytes[at - l->addr] = old[i];
				under[i] = 1;
			}
		}
	}
	r = be->read(be->ctx, e->addr, now, e->len);
	if (r < 0) {
		o = gone_or_failed(j, e, r);
		goto out;
	}
	for (i = 0; i < e->len; i++) {
		if (!under[i] && now[i] != ours[i]) {
			o = report(j, e, LEFT_ALONE, "the program changed it since");
			goto out;
		}
		if (!under[i])
			now[i] = old[i];
	}
	r = be->write(be->ctx, e->addr, now, e->len);
	if (r < 0)
		o = gone_or_failed(j, e, r);
out:
	free(now);
	return o;
}

static enum outcome undo_counter(const struct cure *j, const struct cure_backend *be,
				 const struct cure_entry *e)
{
	uint16_t v;
	int r = be->read(be->ctx, e->addr, &v, sizeof(v));

	if (r < 0)
		return gone_or_failed(j, e, r);
	if (v < e->u.delta)
		return report(j, e, LEFT_ALONE, "already lowered");
	v = (uint16_t)(v - e->u.delta);
	r = be->write(be->ctx, e->addr, &v, sizeof(v));
	return r < 0 ? gone_or_failed(j, e, r) : UNDONE;
}

static enum outcome undo_mapping(const struct cure *j, const struct cure_backend *be,
				 const struct cure_entry *e)
{
	uint64_t args[6] = {e->addr, e->len, 0, 0, 0, 0};
	long ret = -1;
	int r = be->syscall(be->ctx, 0, SYS_munmap, args, &ret);

	if (r < 0)
		return report(j, e, FAILED, strerror(-r));
	if (ret != 0)
		return report(j, e, FAILED, strerror(is_error(ret) ? (int)-ret : EINVAL));
	return UNDONE;
}

static enum outcome undo_sigaction(const struct cure *j, const struct cure_backend *be,
				   const struct cure_entry *e)
{
	struct arch_ksigaction now;
	int r = be->sigaction(be->ctx, 0, e->u.sa.sig, NULL, &now);

	if (r == 0 && memcmp(&now, &e->u.sa.set, sizeof(now)))
		return report(j, e, LEFT_ALONE, "the program set its own since");
	if (r == 0)
		r = be->sigaction(be->ctx, 0, e->u.sa.sig, &e->u.sa.old, NULL);
	return r < 0 ? report(j, e, FAILED, strerror(-r)) : UNDONE;
}

static enum outcome undo_regs(const struct cure *j, const struct cure_backend *be,
			      const struct cure_entry *e)
{
	int r = be->set_regs(be->ctx, e->tid, &e->u.regs);

	if (r == -ESRCH)
		return report(j, e, LEFT_ALONE, "the thread is gone");
	return r < 0 ? report(j, e, FAILED, strerror(-r)) : UNDONE;
}

static bool backend_can(const struct cure_backend *be, unsigned int needs)
{
	return (!(needs & CURE_NEED_SYSCALL) || be->syscall) &&
	       (!(needs & CURE_NEED_SIGACTION) || be->sigaction) &&
	       (!(needs & CURE_NEED_REGS) || be->set_regs);
}

static enum outcome undo_entry(struct cure *j, const struct cure_backend *be, size_t i)
{
	const struct cure_entry *e = &j->v[i];
	int r;

	switch (e->kind) {
	case CURE_BYTES:
		return undo_bytes(j, be, e, i + 1);
	case CURE_COUNTER:
		return undo_counter(j, be, e);
	case CURE_MAPPING:
		return undo_mapping(j, be, e);
	case CURE_SIGACTION:
		return undo_sigaction(j, be, e);
	case CURE_REGS:
		return undo_regs(j, be, e);
	case CURE_CUSTOM:
		r = e->u.custom.ops->undo(be, e->u.custom.data, e->u.custom.len);
		return r < 0 ? report(j, e, FAILED, strerror(-r)) : UNDONE;
	}
	return FAILED;
}

int cure_revert(struct cure *j, const struct cure_backend *be, cure_id id)
{
	enum outcome o;
	size_t i;

	if (!id || !find(j, id, &i))
		return -ENOENT;
	if (!backend_can(be, entry_needs(&j->v[i])))
		return -ENOSYS;
	o = undo_entry(j, be, i);
	remove_at(j, i);
	return o == UNDONE ? 0 : o == LEFT_ALONE ? 1 : -EIO;
}

int cure_undo(struct cure *j, const struct cure_backend *be)
{
	int not_undone = 0;
	size_t i = j->n;

	while (i-- > 0) {
		if (!backend_can(be, entry_needs(&j->v[i])))
			continue;
		if (undo_entry(j, be, i) != UNDONE)
			not_undone++;
		remove_at(j, i);
	}
	return not_undone;
}

void cure_forget(struct cure *j, cure_id id)
{
	size_t i;

	if (id && find(j, id, &i))
		remove_at(j, i);
}

void cure_forget_range(struct cure *j, uint64_t start, uint64_t end)
{
	size_t i = j->n;

	while (i-- > 0) {
		const struct cure_entry *e = &j->v[i];

		if (in_memory(e) && e->addr < end && start < e->addr + e->len)
			remove_at(j, i);
	}
}

/* ---- fork ---------------------------------------------------------------------------------- */

static int copy_entry(struct cure_entry *to, const struct cure_entry *from)
{
	*to = *from;
	if (from->kind == CURE_BYTES) {
		to->u.bytes = malloc(2 * from->len);
		if (!to->u.bytes)
			return -ENOMEM;
		memcpy(to->u.bytes, from->u.bytes, 2 * from->len);
	} else if (from->kind == CURE_CUSTOM && from->u.custom.len) {
		to->u.custom.data = malloc(from->u.custom.len);
		if (!to->u.custom.data)
			return -ENOMEM;
		memcpy(to->u.custom.data, from->u.custom.data, from->u.custom.len);
	}
	return 0;
}

struct cure *cure_fork(const struct cure *j, pid_t child)
{
	struct cure *c = cure_new(child);
	size_t i;

	if (!c)
		return NULL;
	c->last_id = j->last_id;
	c->v = j->n ? malloc(j->n * sizeof(c->v[0])) : NULL;
	if (j->n && !c->v) {
		cure_unref(c);
		return NULL;
	}
	c->cap = j->n;
	for (i = 0; i < j->n; i++) {
		if (!entry_inherited(&j->v[i]))
			continue;
		if (copy_entry(&c->v[c->n], &j->v[i]) < 0) {
			cure_unref(c);
			return NULL;
		}
		c->n++;
	}
	return c;
}
