/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Threads and engines: the bookkeeping half of the engine layer.
 *
 * Every thread we hold with ptrace has an eng_thread, found by tid in a small hash table.  Its
 * engines sit in an array in attach order.  An engine attached while a report is running for
 * its thread is marked `attaching` and skipped until the next pass starts (the kernel's
 * `attaching` list spliced by start_report()), so it misses the event in progress.
 *
 * Engines are reference-counted: the attachment holds one reference and utrace_attach() hands
 * another to the caller.  A detached engine stays in the array, invisible to callbacks, until
 * the thread reaches a point where no pass is running (eng_engine_unlink_detached()); only then
 * is the attachment's reference dropped, so an engine is never freed under a callback.  When
 * the last reference goes, ops->release(data) runs.
 *
 * Processes (eng_proc) group threads by tgid and carry what threads share: whether we spawned
 * it and which seccomp filter it carries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine-priv.h"
#include "util/log.h"
#include "util/vec.h"

#define THREAD_BUCKETS 256

static struct eng_thread *threads[THREAD_BUCKETS];
static int nthreads;
static struct eng_thread *queue_head, *queue_tail;
static struct eng_proc **procs;
static int nprocs, procs_cap;

static unsigned int bucket(pid_t tid)
{
	return (unsigned int)tid % THREAD_BUCKETS;
}

struct eng_thread *eng_thread_find(pid_t tid)
{
	struct eng_thread *th;

	for (th = threads[bucket(tid)]; th; th = th->hnext)
		if (th->tid == tid)
			return th;
	return NULL;
}

static void thread_link(struct eng_thread *th)
{
	unsigned int b = bucket(th->tid);

	th->hnext = threads[b];
	threads[b] = th;
}

static void thread_unlink(struct eng_thread *th)
{
	struct eng_thread **p;

	for (p = &threads[bucket(th->tid)]; *p; p = &(*p)->hnext) {
		if (*p == th) {
			*p = th->hnext;
			return;
		}
	}
}

struct eng_proc *eng_proc_get(pid_t tgid)
{
	struct eng_proc *proc;
	int i;

	for (i = 0; i < nprocs; i++) {
		if (procs[i]->tgid == tgid) {
			procs[i]->refs++;
			return procs[i];
		}
	}
	if (VEC_GROW(procs, procs_cap, nprocs) < 0)
		return NULL;
	proc = calloc(1, sizeof(*proc));
	if (!proc)
		return NULL;
	proc->exec_fd = -1;
	proc->tgid = tgid;
	proc->refs = 1;
	procs[nprocs++] = proc;
	return proc;
}

void eng_proc_put(struct eng_proc *proc)
{
	int i;

	if (!proc || --proc->refs > 0)
		return;
	for (i = 0; i < nprocs; i++) {
		if (procs[i] == proc) {
			procs[i] = procs[--nprocs];
			break;
		}
	}
	if (proc->exec_fd >= 0)
		close(proc->exec_fd);
	free(proc);
}

struct eng_thread *eng_thread_new(pid_t tid, struct eng_proc *proc)
{
	struct eng_thread *th = calloc(1, sizeof(*th));

	if (!th)
		return NULL;
	th->tid = tid;
	th->proc = proc;
	th->spawn_fd = -1;
	th->status_fd = -1;
	th->pending = UTRACE_RESUME;
	th->stop = ENG_RUNNING;
	th->sc_nr = -1;
	proc->nthreads++;
	thread_link(th);
	nthreads++;
	return th;
}

static void engine_unref(struct eng_engine *e)
{
	if (--e->refs > 0)
		return;
	if (e->pub.ops && e->pub.ops->release)
		e->pub.ops->release(e->pub.data);
	free(e->syscalls);
	free(e);
}

void eng_thread_free(struct eng_thread *th)
{
	struct eng_thread **p;
	int i;

	if (!th)
		return;
	for (i = 0; i < th->nengines; i++) {
		th->engines[i]->thread = NULL;
		th->engines[i]->detached = true;
		engine_unref(th->engines[i]);
	}
	free(th->engines);
	if (th->status_fd >= 0)
		close(th->status_fd);
	for (p = &queue_head; *p; p = &(*p)->qnext) {
		if (*p == th) {
			*p = th->qnext;
			break;
		}
	}
	queue_tail = NULL;
	for (p = &queue_head; *p; p = &(*p)->qnext)
		queue_tail = *p;
	thread_unlink(th);
	nthreads--;
	th->proc->nthreads--;
	eng_proc_put(th->proc);
	free(th);
}

void eng_thread_rename(struct eng_thread *th, pid_t tid)
{
	thread_unlink(th);
	th->tid = tid;
	thread_link(th);
}

int eng_thread_count(void)
{
	return nthreads;
}

void eng_thread_foreach(void (*fn)(struct eng_thread *th, void *arg), void *arg)
{
	struct eng_thread **all, *th;
	int i, n = 0;
	unsigned int b;

	/* Snapshot first: fn may free threads. */
	all = malloc((size_t)(nthreads ? nthreads : 1) * sizeof(*all));
	if (!all)
		return;
	for (b = 0; b < THREAD_BUCKETS; b++)
		for (th = threads[b]; th; th = th->hnext)
			all[n++] = th;
	for (i = 0; i < n; i++)
		fn(all[i], arg);
	free(all);
}

void eng_queue(struct eng_thread *th)
{
	if (th->queued)
		return;
	th->queued = true;
	th->qnext = NULL;
	if (queue_tail)
		queue_tail->qnext = th;
	else
		queue_head = th;
	queue_tail = th;
}

struct eng_thread *eng_dequeue(void)
{
	struct eng_thread *th = queue_head;

	if (!th)
		return NULL;
	queue_head = th->qnext;
	if (!queue_head)
		queue_tail = NULL;
	th->queued = false;
	th->qnext = NULL;
	return th;
}

void eng_engine_unlink_detached(struct eng_thread *th)
{
	int i, j = 0;

	for (i = 0; i < th->nengines; i++) {
		struct eng_engine *e = th->engines[i];

		e->attaching = false;
		if (e->detached) {
			e->thread = NULL;
			engine_unref(e);
			continue;
		}
		th->engines[j++] = e;
	}
	th->nengines = j;
}

bool eng_any_stop(const struct eng_thread *th)
{
	int i;

	for (i = 0; i < th->nengines; i++)
		if (th->engines[i]->stop && !th->engines[i]->detached)
			return true;
	return false;
}

unsigned long eng_thread_events(const struct eng_thread *th)
{
	unsigned long events = 0;
	int i;

	for (i = 0; i < th->nengines; i++)
		if (!th->engines[i]->detached)
			events |= th->engines[i]->pub.flags;
	return events;
}

bool eng_wants_syscall(const struct eng_engine *e, long nr, unsigned long bit)
{
	if (e->detached || !(e->pub.flags & bit))
		return false;
	if (!e->syscalls)
		return true;
	if (nr < 0 || nr >= UTRACE_NR_SYSCALLS)
		return false;
	return e->syscalls[nr / 64] & (1ULL << (nr % 64));
}

/*
 * Registers of a stopped thread.  At a syscall stop they may have been built from
 * PTRACE_GET_SYSCALL_INFO alone (eng_syscall_regs): then the real ones are fetched now and
 * whatever a callback already changed is laid over them.
 */
struct user_regs_struct *eng_regs(struct eng_thread *th)
{
	if (th->regs_valid && th->regs_partial) {
		unsigned long long *now = (unsigned long long *)&th->regs;
		unsigned long long *was = (unsigned long long *)&th->regs_fetched;
		struct user_regs_struct real;
		unsigned long long *r = (unsigned long long *)&real;
		size_t i;

		if (pt_getregs(th->tid, &real) == 0) {
			th->regs_fetched = real;
			for (i = 0; i < sizeof(real) / sizeof(*r); i++)
				if (now[i] != was[i])
					r[i] = now[i];
			th->regs = real;
		}
		th->regs_partial = false;
	}
	if (!th->regs_valid) {
		if (pt_getregs(th->tid, &th->regs) < 0)
			memset(&th->regs, 0, sizeof(th->regs));
		th->regs_fetched = th->regs;
		th->regs_valid = true;
	}
	return &th->regs;
}

/*
 * For syscall reports to engines that asked for syscall registers only
 * (utrace_set_syscall_regs_only): rip, rsp, orig_rax, rax and the six argument registers
 * from the PTRACE_GET_SYSCALL_INFO already read at this stop, saving a PTRACE_GETREGS per
 * stop.  The rest reads as zero until someone needs the real set (eng_regs).
 */
struct user_regs_struct *eng_syscall_regs(struct eng_thread *th)
{
	struct user_regs_struct *r = &th->regs;

	if (th->regs_valid || !th->sc_info_valid)
		return eng_regs(th);
	memset(r, 0, sizeof(*r));
	r->rip = th->sc_ip;
	r->rsp = th->sc_sp;
	r->orig_rax = (unsigned long long)th->sc_nr;
	r->rax = th->stop == ENG_STOP_SYSCALL_EXIT ? (unsigned long long)th->sc_rval
						   : (unsigned long long)-ENOSYS;
	r->rdi = th->sc_args[0];
	r->rsi = th->sc_args[1];
	r->rdx = th->sc_args[2];
	r->r10 = th->sc_args[3];
	r->r8 = th->sc_args[4];
	r->r9 = th->sc_args[5];
	th->regs_fetched = *r;
	th->regs_valid = true;
	th->regs_partial = true;
	return r;
}

int utrace_set_syscall_regs_only(pid_t pid, struct utrace_engine *engine, bool only)
{
	struct eng_engine *e = (struct eng_engine *)engine;

	if (!e->thread || e->detached || e->thread->tid != pid)
		return -ESRCH;
	e->syscall_regs_only = only;
	return 0;
}

unsigned long eng_options(bool spawned)
{
	unsigned long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
			     PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
			     PTRACE_O_TRACESECCOMP;

	return spawned ? opts | PTRACE_O_EXITKILL : opts;
}

/*
 * EXITKILL per process.  The kernel keeps the options per thread, copies them to the threads
 * a traced thread creates, and takes them only from a thread in a ptrace-stop; so they are
 * set now on the threads that are stopped, and by do_resume on the others at their next stop.
 * EXITKILL on any one thread is enough to kill the whole process, so a thread that has not
 * stopped yet keeps the process from outliving us: utrace_set_outlive says how many there are.
 */
void eng_apply_outlive(struct eng_thread *th)
{
	bool want = th->proc->outlive;

	if (!th->proc->spawned || th->outlive == want || th->dead || th->stop == ENG_RUNNING)
		return;
	if (pt_setoptions(th->tid, eng_options(!want)) == 0)
		th->outlive = want;
}

struct outlive_walk {
	struct eng_proc *proc;
	int pending;
};

static void outlive_one(struct eng_thread *th, void *arg)
{
	struct outlive_walk *w = arg;

	if (th->proc != w->proc || th->dead)
		return;
	eng_apply_outlive(th);
	if (th->proc->spawned && th->outlive != th->proc->outlive)
		w->pending++;
}

int utrace_set_outlive(pid_t pid, bool outlive)
{
	struct eng_thread *th = eng_thread_find(pid);
	struct outlive_walk w;

	if (!th)
		return -ESRCH;
	if (outlive && th->proc->filtered)
		return -EPERM;
	th->proc->outlive = outlive;
	w.proc = th->proc;
	w.pending = 0;
	eng_thread_foreach(outlive_one, &w);
	return w.pending;
}

int utrace_spawn_unfiltered(pid_t pid)
{
	struct eng_thread *th = eng_thread_find(pid);

	if (!th || !th->proc->spawned)
		return -ESRCH;
	if (th->spawn_fd < 0)
		return -EBUSY;
	th->proc->unfiltered = true;
	return 0;
}

static bool engine_matches(const struct eng_engine *e, int flags,
			   const struct utrace_engine_ops *ops, void *data)
{
	if (e->detached)
		return false;
	if ((flags & UTRACE_ATTACH_MATCH_OPS) && e->pub.ops != ops)
		return false;
	if ((flags & UTRACE_ATTACH_MATCH_DATA) && e->pub.data != data)
		return false;
	return true;
}

/* Seize a thread we do not trace yet; its interrupt stop comes through utrace_wait(). */
static struct eng_thread *thread_seize(pid_t tid)
{
	struct proc_status st;
	struct eng_proc *proc;
	struct eng_thread *th;
	int r;

	r = proc_status(tid, &st);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	if (st.state == 'Z' || st.state == 'X') {
		errno = ESRCH;
		return NULL;
	}
	r = pt_seize(tid, eng_options(false));
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	proc = eng_proc_get(st.tgid);
	th = proc ? eng_thread_new(tid, proc) : NULL;
	if (!th) {
		pt_detach(tid, 0);
		eng_proc_put(proc);
		errno = ENOMEM;
		return NULL;
	}
	if (pt_interrupt(tid) == 0)
		th->interrupt_sent = true;
	return th;
}

struct eng_thread *eng_thread_seize(pid_t tid)
{
	struct eng_thread *th = eng_thread_find(tid);

	return th ? th : thread_seize(tid);
}

struct utrace_engine *utrace_attach(pid_t pid, int flags, const struct utrace_engine_ops *ops,
				    void *data)
{
	struct eng_thread *th = eng_thread_find(pid);
	struct eng_engine *e;
	int i;

	if (th && (th->dead || th->death_reported)) {
		errno = ESRCH;
		return NULL;
	}
	if (!(flags & UTRACE_ATTACH_CREATE) || (flags & UTRACE_ATTACH_EXCLUSIVE)) {
		for (i = 0; th && i < th->nengines; i++) {
			e = th->engines[i];
			if (!engine_matches(e, flags, ops, data))
				continue;
			if (flags & UTRACE_ATTACH_CREATE) {
				errno = EEXIST;
				return NULL;
			}
			e->refs++;
			return &e->pub;
		}
		if (!(flags & UTRACE_ATTACH_CREATE)) {
			errno = ENOENT;
			return NULL;
		}
	}
	if (!ops) {
		errno = EINVAL;
		return NULL;
	}
	if (!th) {
		th = thread_seize(pid);
		if (!th)
			return NULL;
	}
	if (VEC_GROW(th->engines, th->cap, th->nengines) < 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	e->pub.ops = ops;
	e->pub.data = data;
	e->refs = 2;
	e->thread = th;
	e->attaching = th->in_report;
	th->engines[th->nengines++] = e;
	return &e->pub;
}

void utrace_engine_get(struct utrace_engine *engine)
{
	((struct eng_engine *)engine)->refs++;
}

void utrace_engine_put(struct utrace_engine *engine)
{
	if (engine)
		engine_unref((struct eng_engine *)engine);
}

pid_t utrace_engine_tid(const struct utrace_engine *engine)
{
	const struct eng_engine *e = (const struct eng_engine *)engine;

	return e->thread ? e->thread->tid : -ESRCH;
}

int utrace_engine_exit_status(const struct utrace_engine *engine)
{
	const struct eng_engine *e = (const struct eng_engine *)engine;

	return e->thread && e->thread->dead ? e->thread->wait_status : -ESRCH;
}

pid_t utrace_engine_superseder(const struct utrace_engine *engine)
{
	const struct eng_engine *e = (const struct eng_engine *)engine;

	return e->thread ? e->thread->superseder : 0;
}

int utrace_set_events(pid_t pid, struct utrace_engine *engine, unsigned long events)
{
	struct eng_engine *e = (struct eng_engine *)engine;
	struct eng_thread *th = e->thread;
	unsigned long old = engine->flags;

	if (!th || e->detached || th->tid != pid)
		return -ESRCH;
	if (th->dead || e->dying) {
		unsigned long death = _UTRACE_DEATH_EVENTS;

		if ((old & death) != (events & death))
			return -EALREADY;
	}
	engine->flags = events;
	/* QUIESCE added while the thread is stopped: a report_quiesce comes as it resumes. */
	if (!(old & UTRACE_EVENT(QUIESCE)) && (events & UTRACE_EVENT(QUIESCE)) &&
	    th->stop != ENG_RUNNING && !th->in_report && th->pending > UTRACE_REPORT)
		th->pending = UTRACE_REPORT;
	if ((old & ~events) && th->stop == ENG_RUNNING)
		return -EINPROGRESS;
	return 0;
}

int utrace_set_syscalls(pid_t pid, struct utrace_engine *engine, const uint64_t *bitmap)
{
	struct eng_engine *e = (struct eng_engine *)engine;
	uint64_t *copy = NULL;

	if (!e->thread || e->detached || e->thread->tid != pid)
		return -ESRCH;
	if (bitmap) {
		copy = malloc(UTRACE_NR_SYSCALLS / 8);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, bitmap, UTRACE_NR_SYSCALLS / 8);
	}
	free(e->syscalls);
	e->syscalls = copy;
	return 0;
}

int utrace_barrier(pid_t pid, struct utrace_engine *engine)
{
	struct eng_engine *e = (struct eng_engine *)engine;

	if (!e->thread)
		return -ESRCH;
	return 0;
}

int utrace_prepare_examine(pid_t pid, struct utrace_engine *engine, struct utrace_examiner *exam)
{
	struct eng_engine *e = (struct eng_engine *)engine;
	struct eng_thread *th = e->thread;

	if (!th || th->dead)
		return -ESRCH;
	if (th->stop == ENG_RUNNING)
		return -EAGAIN;
	if (!e->stop && !th->in_report)
		return -EINVAL;
	exam->generation = th->generation;
	return 0;
}

int utrace_finish_examine(pid_t pid, struct utrace_engine *engine, struct utrace_examiner *exam)
{
	struct eng_engine *e = (struct eng_engine *)engine;
	struct eng_thread *th = e->thread;

	if (!th || th->dead)
		return -ESRCH;
	if (th->stop == ENG_RUNNING || th->generation != exam->generation)
		return -EAGAIN;
	return 0;
}

int utrace_get_regs(pid_t pid, struct user_regs_struct *ret_regs)
{
	struct eng_thread *th = eng_thread_find(pid);

	if (!th || th->dead || th->stop == ENG_RUNNING)
		return -ESRCH;
	*ret_regs = *eng_regs(th);
	return 0;
}

int utrace_set_regs(pid_t pid, const struct user_regs_struct *regs)
{
	struct eng_thread *th = eng_thread_find(pid);

	if (!th || th->dead || th->stop == ENG_RUNNING)
		return -ESRCH;
	if (!th->regs_valid)
		eng_regs(th);
	th->regs = *regs;
	return 0;
}

int utrace_flush_regs(pid_t pid)
{
	struct eng_thread *th = eng_thread_find(pid);

	if (!th || th->dead || th->stop == ENG_RUNNING)
		return -ESRCH;
	if (!th->regs_valid || th->regs_partial ||
	    !memcmp(&th->regs, &th->regs_fetched, sizeof(th->regs)))
		return 0;
	if (pt_setregs(th->tid, &th->regs) < 0)
		return -ESRCH;
	th->regs_fetched = th->regs;
	return 0;
}

bool utrace_at_syscall_entry(pid_t pid)
{
	struct eng_thread *th = eng_thread_find(pid);

	return th && th->stop == ENG_STOP_SYSCALL_ENTRY;
}

bool utrace_pre_exec(pid_t pid)
{
	struct eng_thread *th = eng_thread_find(pid);

	return th && (th->pre_exec || th->spawn_fd >= 0);
}

int utrace_exec_error(pid_t pid)
{
	struct eng_thread *th = eng_thread_find(pid);
	struct eng_proc *proc = th ? th->proc : NULL;
	int err;

	if (!proc)
		return 0;
	if (proc->exec_fd >= 0 &&
	    recv(proc->exec_fd, &err, sizeof(err), MSG_DONTWAIT) == (ssize_t)sizeof(err)) {
		proc->exec_err = -err;
		close(proc->exec_fd);
		proc->exec_fd = -1;
	}
	return proc->exec_err;
}

int utrace_stop_signal(pid_t pid)
{
	struct eng_thread *th = eng_thread_find(pid);

	if (!th || th->dead || th->stop == ENG_RUNNING)
		return -ESRCH;
	return th->stop == ENG_STOP_SIGNAL ? th->inject_sig : 0;
}

int utrace_set_stop_signal(pid_t pid, int sig)
{
	struct eng_thread *th = eng_thread_find(pid);

	if (!th || th->dead || th->stop != ENG_STOP_SIGNAL)
		return -ESRCH;
	th->inject_sig = sig;
	th->siginfo_dirty = false;
	return 0;
}
