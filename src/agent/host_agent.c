/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The script in the agent: the VM (src/vm, compiled into the blob) running probe handlers in
 * the traced process, with this file as its struct vm_host.  It owns the agent's one struct
 * vm, the unpacked program and the entries VM_INIT and RUN (agent_abi.h).
 *
 * Where things live.  agent_vm_init unpacks the packed program into the tracer's private
 * work region and carves the VM's region (globals first) and the output ring out of the
 * shared region, at the offsets struct agent_vm_shared gives: offsets, not addresses, so the
 * tracer reads the same globals and records wherever it maps them.  The host ops table is
 * filled in code at init, not by an initializer: a static table of function pointers would be
 * absolute addresses, that is relocations, which the blob may not have.
 *
 * The host.  Output accumulates for the length of one handler in a buffer and goes to the ring
 * as one record (more when it exceeds the buffer); warnings, runtime errors and exit()/abort()
 * are records of their own.  A full ring drops the record and counts it (the ring's drops):
 * the program's thread never waits for the tracer.  Clocks are the raw clock_gettime syscall.
 * Reads of user memory are process_vm_readv on our own pid, which the kernel fails with EFAULT
 * on an unmapped or unreadable address instead of raising SIGSEGV: a bad pointer becomes the
 * VM's fault error, not the program's crash.  (A SIGSEGV/SIGBUS catcher with plain loads is
 * the faster way, still to come.)  Symbols, backtraces, module biases and regexes need the
 * tracer: -ENOTSUP.  Nor is there a writer of the program's memory: a guru-mode write to
 * memory is the VM's write fault, while one to a register goes to the hit's registers, which
 * agent_vm_run's caller puts back in the thread.  vm_probe_in_agent (src/vm) is the tracer's
 * judgement of which handlers these limits let run here.
 *
 * Globals that hold values.  With AGENT_VM_GLOBALS_SET the tracer's own VM has run the begin
 * probes on the globals and moved them into the shared region (vm_move_globals): the agent's
 * VM attaches to them as they are (vm_attach) instead of setting their initial values.
 *
 * Concurrency.  There is one VM here and one set of globals for both processes, so one
 * handler runs at a time across both: the lock of struct agent_vm_shared (agent_vm_trylock),
 * which the tracer takes too around its own runs on those globals, as stap locks the globals
 * a probe uses.  Taking it spins a little, then yields the cpu (the holder may be a thread
 * the scheduler preempted, with more threads than cpus), AGENT_LOCK_ROUNDS times: bounded,
 * so a hit that cannot get it, because a holder was stopped or killed and never lets go, is
 * counted in skipped and not run (stap's MAXSKIPPED accounting), never a deadlock.
 * Counter handlers ({ n++ }: adds of constants to globals nothing else writes, found at init
 * by src/vm/counters.c) need none of it: agent_vm_count makes their atomic adds itself, with
 * no lock and no VM, which is what makes such a hit cost nanoseconds.
 * A probe hit by the very thread inside a handler (a signal handler's) is the dispatcher's
 * guard's to catch before it gets here; a remote RUN of such a thread spins out and skips.
 */
#include <linux/errno.h>
#include <linux/prctl.h>
#include <linux/time.h>
#include <linux/uio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

#include "agent/agent_abi.h"
#include "agent/agent_syscall.h"
#include "agent/host_agent.h"
#include "agent/ring.h"
#include "vm/cstring.h"
#include "vm/vm.h"

#define AGENT_LOCK_SPINS   128
#define AGENT_LOCK_ROUNDS  4096
#define AGENT_OUT_MAX	   4096
#define AGENT_FAST_PROBES  256	/* probes that may be counters: the first ones */
#define AGENT_FAST_ADDS	   4	/* adds a counter handler may make */
#define AGENT_FAST_GLOBALS 4096 /* globals it may add to: the first ones */

HIDDEN uint64_t agent_vm_init(const struct agent_vm_boot *vb);
HIDDEN uint64_t agent_run(uint32_t probe, const struct user_regs_struct *regs);

struct agent_vm {
	struct vm vm;
	struct vm_host host;
	struct vm_program *prog;
	struct agent_vm_shared *shared;
	struct agent_ring *ring;
	int64_t pid, ppid, uid, euid, gid;
	char comm[16];
	int ready;
	uint32_t out_len;
	char out[AGENT_OUT_MAX];
};

static struct agent_vm avm;

/* Probes whose handler only adds to globals (src/vm/counters.c), as the addresses to add to. */
struct fast_probe {
	uint8_t counter;
	uint8_t nadds;
	struct {
		int64_t *at;
		int64_t delta;
	} add[AGENT_FAST_ADDS];
};

static struct fast_probe fast[AGENT_FAST_PROBES];
static uint64_t written[AGENT_FAST_GLOBALS / 64];

static void flush_output(void)
{
	if (avm.out_len)
		(void)agent_ring_write(avm.ring, AGENT_REC_OUTPUT, avm.out, avm.out_len);
	avm.out_len = 0;
}

static void h_output(void *data, const char *buf, size_t len)
{
	(void)data;
	while (len) {
		size_t n = AGENT_OUT_MAX - avm.out_len;

		if (!n) {
			flush_output();
			continue;
		}
		if (n > len)
			n = len;
		memcpy(avm.out + avm.out_len, buf, n);
		avm.out_len += (uint32_t)n;
		buf += n;
		len -= n;
	}
}

static void h_warn(void *data, const char *msg)
{
	(void)data;
	flush_output();
	(void)agent_ring_write(avm.ring, AGENT_REC_WARN, msg, (uint32_t)strlen(msg));
}

static int64_t h_clock_ns(void *data, bool monotonic)
{
	struct timespec ts = {0, 0};

	(void)data;
	if (agent_syscall2(__NR_clock_gettime, monotonic ? CLOCK_MONOTONIC : CLOCK_REALTIME,
			   (long)&ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void h_control(void *data, enum vm_control what)
{
	unsigned char c = (unsigned char)what;

	(void)data;
	flush_output();
	__atomic_store_n(&avm.shared->stopping, 1, __ATOMIC_RELAXED);
	(void)agent_ring_write(avm.ring, AGENT_REC_CONTROL, &c, 1);
}

static void h_error(void *data, const char *msg, const char *where)
{
	size_t m = strlen(msg), w = strlen(where);
	char *p;

	(void)data;
	flush_output();
	__atomic_store_n(&avm.shared->stopping, 1, __ATOMIC_RELAXED);
	p = agent_ring_reserve(avm.ring, AGENT_REC_ERROR, (uint32_t)(m + 1 + w));
	if (!p)
		return;
	memcpy(p, msg, m + 1);
	memcpy(p + m + 1, where, w);
	agent_ring_commit(avm.ring, p);
}

static int h_regex_match(void *data, uint32_t re, const char *s, struct vm_submatch *m, unsigned nm)
{
	(void)data, (void)re, (void)s, (void)m, (void)nm;
	return -EOPNOTSUPP; /* ENOTSUP in libc */
}

static uint64_t h_random(void *data)
{
	uint32_t lo, hi;

	(void)data;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32 | lo) * 0x9e3779b97f4a7c15ull;
}

static long h_context_str(void *data, const struct vm_hit_ctx *ctx, enum vm_ctx_query q,
			  uint64_t addr, const char *name, char *buf, size_t len)
{
	(void)data, (void)ctx, (void)q, (void)addr, (void)name, (void)buf, (void)len;
	return -EOPNOTSUPP; /* ENOTSUP in libc */
}

static int h_backtrace(void *data, const struct vm_hit_ctx *ctx, uint64_t *pcs, int max)
{
	(void)data, (void)ctx, (void)pcs, (void)max;
	return -EOPNOTSUPP; /* ENOTSUP in libc */
}

static int h_module_bias(void *data, const struct vm_hit_ctx *ctx, const char *module,
			 uint64_t *ret_bias)
{
	(void)data, (void)ctx, (void)module, (void)ret_bias;
	return -EOPNOTSUPP; /* ENOTSUP in libc */
}

static int read_self(void *data, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len}, remote = {(void *)addr, len};
	long n;

	(void)data;
	n = agent_syscall6(__NR_process_vm_readv, (long)avm.pid, (long)&local, 1, (long)&remote, 1,
			   0);
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EFAULT;
}

static int64_t h_tid(void *data)
{
	(void)data;
	return agent_syscall0(__NR_gettid);
}

static void fill_host(struct vm_host *h)
{
	h->tid = h_tid;
	h->output = h_output;
	h->warn = h_warn;
	h->clock_ns = h_clock_ns;
	h->control = h_control;
	h->error = h_error;
	h->regex_match = h_regex_match;
	h->random = h_random;
	h->context_str = h_context_str;
	h->backtrace = h_backtrace;
	h->module_bias = h_module_bias;
}

static bool inside(uint64_t off, uint64_t size, uint64_t total)
{
	return off <= total && size <= total - off && !(off & 15);
}

static void find_counters(void)
{
	const struct vm_program *prog = avm.prog;
	struct vm_add adds[AGENT_FAST_ADDS];

	vm_globals_written(prog, written, AGENT_FAST_GLOBALS);
	for (uint32_t i = 0; i < prog->nprobes && i < AGENT_FAST_PROBES; i++) {
		const struct vm_chunk *c = &prog->chunks[prog->probes[i].handler];
		int n = vm_handler_adds(prog, c, written, AGENT_FAST_GLOBALS, adds,
					AGENT_FAST_ADDS);

		if (n < 0)
			continue;
		for (int k = 0; k < n; k++) {
			fast[i].add[k].at = (int64_t *)vm_global_ptr(&avm.vm, adds[k].global);
			fast[i].add[k].delta = adds[k].delta;
		}
		fast[i].nadds = (uint8_t)n;
		fast[i].counter = 1;
	}
}

uint64_t agent_vm_init(const struct agent_vm_boot *vb)
{
	struct agent_vm_shared *sh = (struct agent_vm_shared *)vb->shared;
	int r;

	if (avm.ready)
		return (uint64_t)-EALREADY;
	if (vb->version != AGENT_ABI_VERSION || vb->size < sizeof(*vb))
		return (uint64_t)-EPROTO;
	if (!sh || vb->shared_size < sizeof(*sh) || sh->magic != AGENT_VM_SHARED_MAGIC ||
	    !inside(sh->vm_off, sh->vm_size, vb->shared_size) ||
	    !inside(sh->ring_off, sh->ring_size, vb->shared_size) || sh->vm_off < sizeof(*sh) ||
	    sh->ring_off < sizeof(*sh) ||
	    (sh->vm_off < sh->ring_off ? sh->vm_off + sh->vm_size > sh->ring_off
				       : sh->ring_off + sh->ring_size > sh->vm_off))
		return (uint64_t)-EINVAL;
	r = vm_program_unpack((const void *)vb->image, vb->image_size, (void *)vb->work,
			      vb->work_size, &avm.prog);
	if (r < 0)
		return (uint64_t)(int64_t)r;
	avm.shared = sh;
	avm.ring = (struct agent_ring *)((unsigned char *)sh + sh->ring_off);
	r = agent_ring_init(avm.ring, sh->ring_size);
	if (r < 0)
		return (uint64_t)(int64_t)r;
	fill_host(&avm.host);
	r = (vb->flags & AGENT_VM_GLOBALS_SET ? vm_attach : vm_init)(
		&avm.vm, avm.prog, (unsigned char *)sh + sh->vm_off, sh->vm_size, &avm.host, NULL);
	if (r < 0)
		return (uint64_t)(int64_t)r;
	find_counters();
	avm.pid = agent_syscall0(__NR_getpid);
	avm.ppid = agent_syscall0(__NR_getppid);
	avm.uid = agent_syscall0(__NR_getuid);
	avm.euid = agent_syscall0(__NR_geteuid);
	avm.gid = agent_syscall0(__NR_getgid);
	(void)agent_syscall2(__NR_prctl, PR_GET_NAME, (long)avm.comm);
	avm.comm[sizeof(avm.comm) - 1] = '\0';
	__atomic_store_n(&avm.ready, 1, __ATOMIC_RELEASE);
	return 0;
}

/* The cpu from the per-cpu GDT entry's limit, as the vDSO's getcpu reads it: no syscall. */
static int64_t this_cpu(void)
{
	unsigned long p = 0;

	__asm__ __volatile__("lsl %1, %0" : "=r"(p) : "r"(0x7bul));
	return (int64_t)(p & 0xfff);
}

static bool vm_lock(void)
{
	for (unsigned int i = 0; i < AGENT_LOCK_ROUNDS; i++) {
		if (agent_vm_trylock(&avm.shared->lock, AGENT_LOCK_SPINS))
			return true;
		(void)agent_syscall0(__NR_sched_yield);
	}
	return false;
}

bool agent_vm_count(const uint32_t *probe, uint32_t n)
{
	if (!__atomic_load_n(&avm.ready, __ATOMIC_ACQUIRE))
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (probe[i] >= AGENT_FAST_PROBES || !fast[probe[i]].counter)
			return false;
	if (__atomic_load_n(&avm.shared->stopping, __ATOMIC_RELAXED))
		return true;
	for (uint32_t i = 0; i < n; i++) {
		const struct fast_probe *f = &fast[probe[i]];

		for (uint32_t k = 0; k < f->nadds; k++)
			__atomic_add_fetch(f->add[k].at, f->add[k].delta, __ATOMIC_RELAXED);
	}
	return true;
}

int agent_vm_run(uint32_t probe, struct user_regs_struct *regs)
{
	struct vm_hit_ctx ctx;
	const struct vm_probe *p;
	int r;

	if (!__atomic_load_n(&avm.ready, __ATOMIC_ACQUIRE))
		return -ENOENT;
	if (probe >= avm.prog->nprobes)
		return -EINVAL;
	if (__atomic_load_n(&avm.shared->stopping, __ATOMIC_RELAXED))
		return -ECANCELED;
	if (!vm_lock()) {
		__atomic_fetch_add(&avm.shared->skipped, 1, __ATOMIC_RELAXED);
		return -EBUSY;
	}
	if (__atomic_load_n(&avm.shared->stopping, __ATOMIC_RELAXED)) {
		agent_vm_unlock(&avm.shared->lock);
		return -ECANCELED;
	}
	p = &avm.prog->probes[probe];
	memset(&ctx, 0, sizeof(ctx));
	ctx.probe = p;
	ctx.pid = avm.pid;
	ctx.ppid = avm.ppid;
	ctx.uid = avm.uid;
	ctx.euid = avm.euid;
	ctx.gid = avm.gid;
	ctx.cpu = this_cpu();
	ctx.target = avm.shared->target;
	ctx.execname = avm.comm;
	ctx.regs = regs;
	ctx.is_return = p->event == VM_PROC_RETURN || p->event == VM_PROC_PLT_RETURN;
	ctx.read_mem = read_self;
	r = vm_run(&avm.vm, &avm.prog->chunks[p->handler], &ctx);
	flush_output();
	__atomic_fetch_add(&avm.shared->runs, 1, __ATOMIC_RELAXED);
	if (r < 0)
		__atomic_fetch_add(&avm.shared->errors, 1, __ATOMIC_RELAXED);
	agent_vm_unlock(&avm.shared->lock);
	return r;
}

uint64_t agent_run(uint32_t probe, const struct user_regs_struct *regs)
{
	struct user_regs_struct copy;

	if (regs)
		copy = *regs;
	return (uint64_t)(int64_t)agent_vm_run(probe, regs ? &copy : NULL);
}
