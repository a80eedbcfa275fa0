/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The in-process agent in real programs (src/inject/agent_load.c, rcall.c): loaded into
 * tests/progs/agentee, its agent_ping answers with the cookie agent_init got, /proc/PID/maps
 * shows it r-x then rw- (never both) where jump patches reach, and after the unload nothing of
 * it is left.  The loads are made from each kind of stop a thread can be held in (an
 * interrupt, a syscall entry and exit, a signal about to be delivered), from the main thread
 * while other threads run, and from each thread of a held process.  Each program must then
 * finish as it would have: agentee exits 42 only if its checksums, its nanosleeps (no lost
 * restart), its signal handlers (none reset, none run by a fault of ours) and its SIGUSR1
 * deliveries (with their siginfo) are all right.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "inject/agent_load.h"
#include "inject/rcall.h"
#include "sym/sym.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA	     0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

#define MAXT	8
#define NAMED	"[anon:" AGENT_NAME "]"
#define EXIT_OK 42
#define HOLD_MS 5000
#define PING_XS 5
#define TIMINGS 20

static const uint64_t ping_xs[PING_XS] = {0, 1, 42, 0xdeadbeef, UINT64_MAX};

struct tracee {
	pid_t pid;
	int n; /* threads known; [0] is the main thread */
	pid_t tid[MAXT];
	struct utrace_engine *eng[MAXT];
	bool hold[MAXT];
	unsigned long events;
	/* Hold the first thread that reaches this syscall's entry or exit, or gets SIGUSR1. */
	long catch_nr;
	bool catch_exit, catch_usr1;
	int caught; /* index of the thread held so, -1 */
	int want_threads;
};

static char last_warning[512];

static void keep_warning(enum utrace_log_level level, const char *msg)
{
	if (level == UTRACE_LOG_WARN)
		snprintf(last_warning, sizeof(last_warning), "%s", msg);
	fprintf(stderr, "utrace: %s\n", msg);
}

/* tap_is() that says whether it passed. */
static bool is(long long got, long long want, const char *name)
{
	if (!tap_ok(got == want, "%s", name))
		printf("#   got %lld, want %lld\n", got, want);
	return got == want;
}

static int index_of(struct tracee *t, pid_t tid)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (t->tid[i] == tid)
			return i;
	return -1;
}

static uint32_t resume_or_hold(struct utrace_engine *engine)
{
	struct tracee *t = engine->data;
	int i = index_of(t, utrace_engine_tid(engine));

	return i >= 0 && t->hold[i] ? UTRACE_STOP : UTRACE_RESUME;
}

static uint32_t catch_here(struct utrace_engine *engine)
{
	struct tracee *t = engine->data;
	int i = index_of(t, utrace_engine_tid(engine));

	if (i >= 0 && t->caught < 0) {
		t->caught = i;
		t->hold[i] = true;
	}
	return resume_or_hold(engine);
}

static const struct utrace_engine_ops agent_ops;

static void follow(struct tracee *t, pid_t tid)
{
	struct utrace_engine *e;

	if (t->n == MAXT)
		return;
	e = utrace_attach(tid, UTRACE_ATTACH_CREATE, &agent_ops, t);
	if (!e)
		return;
	utrace_set_events(tid, e, t->events);
	if (t->catch_nr >= 0) {
		uint64_t set[UTRACE_NR_SYSCALLS / 64] = {0};

		set[t->catch_nr / 64] |= 1ull << (t->catch_nr % 64);
		utrace_set_syscalls(tid, e, set);
	}
	t->tid[t->n] = tid;
	t->eng[t->n++] = e;
}

static uint32_t a_clone(uint32_t action, struct utrace_engine *engine, unsigned long flags,
			pid_t child)
{
	follow(engine->data, child);
	return resume_or_hold(engine);
}

static uint32_t a_entry(uint32_t action, struct utrace_engine *engine,
			struct user_regs_struct *regs)
{
	struct tracee *t = engine->data;

	if ((long)regs->orig_rax == t->catch_nr && !t->catch_exit)
		return catch_here(engine);
	return resume_or_hold(engine);
}

static uint32_t a_exit(uint32_t action, struct utrace_engine *engine, struct user_regs_struct *regs)
{
	struct tracee *t = engine->data;

	if ((long)regs->orig_rax == t->catch_nr && t->catch_exit)
		return catch_here(engine);
	return resume_or_hold(engine);
}

static uint32_t a_signal(uint32_t action, struct utrace_engine *engine,
			 struct user_regs_struct *regs, siginfo_t *info,
			 const struct utrace_sigaction *orig_ka, struct utrace_sigaction *return_ka)
{
	struct tracee *t = engine->data;

	if (orig_ka && info->si_signo == SIGUSR1 && t->catch_usr1)
		return (action & ~UTRACE_RESUME_MASK) | catch_here(engine);
	return (action & ~UTRACE_RESUME_MASK) | resume_or_hold(engine);
}

static const struct utrace_engine_ops agent_ops = {
	.report_clone = a_clone,
	.report_syscall_entry = a_entry,
	.report_syscall_exit = a_exit,
	.report_signal = a_signal,
};

/* agentee THREADS MS [USR1], traced from its exec, every thread followed. */
static bool start(struct tracee *t, const char *threads, const char *ms, const char *usr1)
{
	char *argv[] = {(char *)prog("agentee"), (char *)threads, (char *)ms, (char *)usr1, NULL};
	pid_t pid = -1;

	t->caught = -1;
	t->events |= UTRACE_EVENT(CLONE);
	if (utrace_spawn(argv, &pid) < 0)
		return false;
	t->pid = pid;
	follow(t, pid);
	if (t->n != 1)
		return false;
	utrace_control(pid, t->eng[0], UTRACE_RESUME);
	return true;
}

static bool held(struct tracee *t, int i)
{
	struct utrace_examiner exam;

	return utrace_prepare_examine(t->tid[i], t->eng[i], &exam) == 0;
}

static bool hold(struct tracee *t, int i)
{
	long waited;

	t->hold[i] = true;
	utrace_control(t->tid[i], t->eng[i], UTRACE_STOP);
	for (waited = 0; waited < HOLD_MS && !held(t, i); waited += 5)
		run_for(5);
	return held(t, i);
}

static void release(struct tracee *t, int i)
{
	t->hold[i] = false;
	utrace_control(t->tid[i], t->eng[i], UTRACE_RESUME);
}

static bool caught_cond(void *arg)
{
	struct tracee *t = arg;

	return t->caught >= 0 && held(t, t->caught);
}

static bool threads_cond(void *arg)
{
	struct tracee *t = arg;

	return t->n >= t->want_threads;
}

static void finish(struct tracee *t, const char *what)
{
	int status = run_to_exit(t->pid, 30000), i;

	tap_exited(status, EXIT_OK, "%s: the program exited %d", what, EXIT_OK);
	for (i = 0; i < t->n; i++)
		utrace_engine_put(t->eng[i]);
}

static bool can_name_memory(void)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok = prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, 4096, "t") == 0;

	munmap(p, 4096);
	return ok;
}

static const struct sym_mapping *mapping_at(const struct sym_maps *m, uint64_t addr)
{
	const struct sym_mapping *mp = sym_maps_find_addr(m, addr);

	return mp && mp->start == addr ? mp : NULL;
}

/* /proc/PID/maps: text r-xp, then data rw-p, both named where the kernel names memory. */
static void check_mapped(const char *what, const struct inj_agent *a)
{
	const struct sym_mapping *text, *data;
	uint64_t end = a->base + a->hdr.text_size;
	struct sym_maps *m = NULL;
	bool named = can_name_memory();

	if (!tap_ok(sym_maps_read(a->pid, &m) == 0, "%s: maps read", what))
		return;
	text = mapping_at(m, a->base);
	data = mapping_at(m, end);
	if (tap_ok(text && data, "%s: two mappings at 0x%lx and 0x%lx", what,
		   (unsigned long)a->base, (unsigned long)end)) {
		tap_ok(!strcmp(text->perms, "r-xp") && text->end == end,
		       "%s: the text is r-x (%s, %lu bytes)", what, text->perms,
		       (unsigned long)(text->end - text->start));
		tap_ok(!strcmp(data->perms, "rw-p") && data->end == a->base + a->size,
		       "%s: the data is rw- (%s, %lu bytes)", what, data->perms,
		       (unsigned long)(data->end - data->start));
		if (named)
			tap_ok(!strcmp(text->path, NAMED) && !strcmp(data->path, NAMED),
			       "%s: named %s (%s, %s)", what, NAMED, text->path, data->path);
		else
			printf("# %s: this kernel does not name anonymous memory\n", what);
	}
	sym_maps_free(m);
}

static void check_unmapped(const char *what, pid_t pid, uint64_t base, uint64_t size)
{
	struct sym_maps *m = NULL;
	size_t i, overlapping = 0;

	if (!tap_ok(sym_maps_read(pid, &m) == 0, "%s: maps read", what))
		return;
	for (i = 0; i < m->count; i++)
		overlapping += m->v[i].start < base + size && m->v[i].end > base;
	tap_is(overlapping, 0, "unload: nothing mapped where the agent was");
	sym_maps_free(m);
}

/* Every ping answers agent_ping_value(x, cookie) in thread @tid. */
static bool pings_right(struct inj_agent *a, pid_t tid)
{
	uint64_t got;
	int i;

	for (i = 0; i < PING_XS; i++) {
		if (inj_agent_ping(a, tid, ping_xs[i], &got) < 0 ||
		    got != agent_ping_value(ping_xs[i], a->cookie)) {
			printf("#   tid %d: ping(%#llx) = %#llx\n", tid,
			       (unsigned long long)ping_xs[i], (unsigned long long)got);
			return false;
		}
	}
	return true;
}

static bool regs_same(const struct user_regs_struct *a, const struct user_regs_struct *b)
{
	if (!memcmp(a, b, sizeof(*a)))
		return true;
	printf("#   rip %#llx/%#llx rax %#llx/%#llx orig_rax %#llx/%#llx rsp %#llx/%#llx\n", a->rip,
	       b->rip, a->rax, b->rax, a->orig_rax, b->orig_rax, a->rsp, b->rsp);
	return false;
}

/*
 * A held thread's registers after remote syscalls (rsyscall.c): its own, except that a syscall
 * its stop had interrupted (-ERESTART*) is set to be restarted, as the kernel would have done on
 * the way back to user mode.
 */
static struct user_regs_struct restarted(struct user_regs_struct r)
{
	long rax = (long)r.rax;

	if ((long)r.orig_rax < 0)
		return r;
	if (rax == -512 || rax == -513 || rax == -514) {
		r.rax = r.orig_rax;
		r.rip -= 2;
	} else if (rax == -516) {
		r.rax = SYS_restart_syscall;
		r.rip -= 2;
	}
	return r;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print_timing(const char *what, double took[TIMINGS])
{
	qsort(took, TIMINGS, sizeof(took[0]), cmp_double);
	printf("# %s: median %.0f us, min %.0f us, max %.0f us\n", what, took[TIMINGS / 2], took[0],
	       took[TIMINGS - 1]);
}

/* Held by STOP (an interrupt stop): the whole cycle, a fault, and the time it takes. */
static void test_interrupt_stop(void)
{
	struct tracee t = {.catch_nr = -1};
	struct user_regs_struct before, after;
	struct inj_agent *a = NULL, *b = NULL;
	uint64_t args[6] = {0}, word = 0, got = 0, base = 0, size = 0;
	double took[TIMINGS];
	char want[64];
	int i, r, ok = 0;
	pid_t tid;

	if (!tap_ok(start(&t, "0", "3000", NULL), "interrupt: agentee started"))
		return;
	run_for(50);
	tid = t.tid[0];
	if (!tap_ok(hold(&t, 0), "interrupt: main thread held"))
		goto out;
	utrace_get_regs(tid, &before);
	r = inj_agent_load(tid, &a);
	if (!is(r, 0, "interrupt: agent loaded"))
		goto out;
	tap_is(a->version, AGENT_ABI_VERSION, "interrupt: agent_init answered our version");
	tap_is(a->agent_pid, t.pid, "interrupt: the agent runs in the traced process");
	tap_ok(a->near_exe, "interrupt: within a rel32 jump of the executable (0x%lx)",
	       (unsigned long)a->base);
	check_mapped("interrupt", a);
	tap_ok(pings_right(a, tid), "interrupt: agent_ping(x) mixes x with the cookie");
	args[0] = a->base + a->hdr.boot;
	r = inj_agent_call(a, tid, AGENT_ENTRY_INIT, args, &word);
	tap_ok(r == 0 && AGENT_STATUS_ERROR(word) == -EALREADY,
	       "interrupt: a second agent_init says EALREADY (status 0x%llx)",
	       (unsigned long long)word);

	/* A call into the data page (not executable) faults; the program must not see it. */
	last_warning[0] = '\0';
	r = inj_call(tid, a->base + a->hdr.call_stub, a->base + a->hdr.text_size, args, &got);
	tap_is(r, -EFAULT, "fault: a call into the data page fails with EFAULT");
	snprintf(want, sizeof(want), "tid %d: remote call faulted: signal %d", tid, SIGSEGV);
	tap_ok(strstr(last_warning, want) != NULL, "fault: the message names the thread (%s)",
	       last_warning);
	tap_ok(pings_right(a, tid), "fault: the agent still answers afterwards");

	for (i = 0; i < TIMINGS; i++) {
		double t0 = now_us();

		if (inj_agent_ping(a, tid, (uint64_t)i, &got) < 0)
			break;
		took[i] = now_us() - t0;
	}
	if (is(i, TIMINGS, "timing: 20 more pings"))
		print_timing("agent_ping (one remote call)", took);

	/* More agents beside it, loaded and unloaded: the cost of the cycle. */
	for (i = 0; i < TIMINGS; i++) {
		double t0 = now_us();

		r = inj_agent_load(tid, &b);
		if (r < 0)
			break;
		base = b->base, size = b->size;
		r = inj_agent_unload(b, tid);
		took[i] = now_us() - t0;
		if (r < 0)
			break;
		ok++;
	}
	if (is(ok, TIMINGS, "timing: a second agent loaded and unloaded 20 times")) {
		print_timing("load+init+unload", took);
		check_unmapped("timing", t.pid, base, size);
	}

	base = a->base, size = a->size;
	tap_is(inj_agent_unload(a, tid), 0, "unload: munmap in the tracee");
	a = NULL;
	check_unmapped("unload", t.pid, base, size);
	utrace_get_regs(tid, &after);
	before = restarted(before);
	tap_ok(regs_same(&after, &before), "interrupt: the thread's registers are as they were");
out:
	inj_agent_free(a);
	release(&t, 0);
	finish(&t, "interrupt");
}

/* Held at a syscall entry, or exit: the syscall still runs once, as the program asked. */
static void test_syscall_stop(bool at_exit)
{
	const char *what = at_exit ? "syscall exit" : "syscall entry";
	struct tracee t = {.catch_nr = SYS_clock_nanosleep,
			   .catch_exit = at_exit,
			   .events = at_exit ? UTRACE_EVENT(SYSCALL_EXIT)
					     : UTRACE_EVENT(SYSCALL_ENTRY)};
	struct user_regs_struct before, after, want;
	struct inj_agent *a = NULL;
	pid_t tid;
	int i;

	if (!tap_ok(start(&t, "0", "1500", NULL), "%s: agentee started", what))
		return;
	if (!tap_ok(run_until(caught_cond, &t, HOLD_MS), "%s: held at clock_nanosleep", what))
		goto out;
	tid = t.tid[t.caught];
	utrace_get_regs(tid, &before);
	if (is(inj_agent_load(tid, &a), 0, "syscall stop: agent loaded")) {
		tap_ok(pings_right(a, tid), "%s: agent_ping answers", what);
		tap_is(inj_agent_unload(a, tid), 0, "syscall stop: agent unloaded");
	}
	utrace_get_regs(tid, &after);
	want = before;
	if (!at_exit) {
		/* Set to run its syscall again: rip on the syscall instruction, rax its number. */
		want.rip -= 2;
		want.rax = before.orig_rax;
		want.orig_rax = (unsigned long long)-1;
	}
	tap_ok(regs_same(&after, &want), "%s: registers %s", what,
	       at_exit ? "as they were" : "set to run the syscall again");
out:
	for (i = 0; i < t.n; i++)
		utrace_set_events(t.tid[i], t.eng[i], UTRACE_EVENT(CLONE));
	t.catch_nr = -1;
	if (t.caught >= 0)
		release(&t, t.caught);
	finish(&t, what);
}

/* Held at the delivery of a SIGUSR1: delivered afterwards, with its siginfo. */
static void test_signal_stop(void)
{
	struct tracee t = {.catch_nr = -1, .catch_usr1 = true, .events = UTRACE_EVENT(SIGNAL)};
	struct user_regs_struct before, after;
	struct inj_agent *a = NULL;
	pid_t tid;

	if (!tap_ok(start(&t, "0", "1500", "1"), "signal: agentee started"))
		return;
	run_for(50);
	syscall(SYS_tgkill, t.pid, t.pid, SIGUSR1);
	if (!tap_ok(run_until(caught_cond, &t, HOLD_MS), "signal: held at SIGUSR1's delivery"))
		goto out;
	tid = t.tid[t.caught];
	utrace_get_regs(tid, &before);
	if (is(inj_agent_load(tid, &a), 0, "signal: agent loaded")) {
		tap_ok(pings_right(a, tid), "signal: agent_ping answers");
		tap_is(inj_agent_unload(a, tid), 0, "signal: agent unloaded");
	}
	tap_is(utrace_stop_signal(tid), SIGUSR1, "signal: SIGUSR1 is still the one to deliver");
	utrace_get_regs(tid, &after);
	before = restarted(before);
	tap_ok(regs_same(&after, &before), "signal: the thread's registers are as they were");
out:
	t.catch_usr1 = false;
	if (t.caught >= 0)
		release(&t, t.caught);
	finish(&t, "signal (handler ran once, siginfo SI_TKILL from us)");
}

/* Four more threads: calls from the main thread while they run, then from each, all held. */
static void test_threads(void)
{
	struct tracee t = {.catch_nr = -1, .want_threads = 5};
	struct inj_agent *a = NULL;
	int i, right = 0, holding = 0;
	uint64_t base = 0, size = 0;

	if (!tap_ok(start(&t, "4", "3000", NULL), "threads: agentee started"))
		return;
	if (!tap_ok(run_until(threads_cond, &t, HOLD_MS), "threads: 5 threads followed (%d)", t.n))
		goto out;
	if (!tap_ok(hold(&t, 0), "threads: main thread held"))
		goto out;
	if (!is(inj_agent_load(t.tid[0], &a), 0, "threads: agent loaded by the main thread"))
		goto out;
	tap_ok(pings_right(a, t.tid[0]), "threads: pings in the main thread while 4 others run");
	for (i = 1; i < t.n; i++)
		holding += hold(&t, i);
	tap_is(holding, t.n - 1, "threads: every other thread held too");
	for (i = 0; i < t.n; i++)
		right += pings_right(a, t.tid[i]);
	tap_is(right, t.n, "threads: pings right in each of the 5 threads");
	base = a->base, size = a->size;
	tap_is(inj_agent_unload(a, t.tid[2]), 0, "threads: unloaded by another thread");
	a = NULL;
	check_unmapped("threads", t.pid, base, size);
out:
	inj_agent_free(a);
	for (i = 0; i < t.n; i++)
		release(&t, i);
	finish(&t, "threads");
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	utrace_set_print(keep_warning, getenv("UTRACE_DEBUG") ? UTRACE_LOG_DEBUG : UTRACE_LOG_WARN);
	test_interrupt_stop();
	test_syscall_stop(false);
	test_syscall_stop(true);
	test_signal_stop();
	test_threads();
	return tap_done();
}
