/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * In-process sites: probes whose hits run in the traced process, through a 5-byte jmp to a
 * trampoline that calls the agent's dispatcher (design.md section 4, the in-process tier).
 *
 * What a watched process gets, at its first in-process site, all through its undo journal:
 *   - a trampoline area: an anonymous r-x mapping within a jmp's reach of the site, holding
 *     one X86_TRAMP_SLOT-byte trampoline per site, written through /proc/PID/mem (never
 *     writable in the process; inside a mapping of ours, so not recorded byte by byte);
 *   - the shared region: a memfd created in the process by a remote memfd_create, opened by
 *     us through /proc/PID/fd/N and mapped in both (MAP_SHARED), then its descriptor closed in
 *     the process, so what it keeps is the mapping alone; the counters are read here without
 *     stopping anyone;
 *   - the agent (inj_agent_load_opts), with boot.shared pointing at that region.
 * Each site then gets its trampoline and its jmp (cure_write of the jmp and int3 fill).
 *
 * Quiesce.  The jmp is 5 bytes (or more) and a store of them is not atomic for a running
 * thread, which could also be between two of the instructions it replaces.  So every write of
 * a jump happens with every thread of the process held, by an engine of our own that asks
 * UTRACE_STOP (sticky, so the uprobes engine's RESUME does not let them go), and a thread
 * whose rip is strictly inside the range being patched is let run a moment and held again
 * until it is out.  Detach does the reverse: hold, put the original bytes back (the journal's
 * revert), and let threads out of the trampolines and the agent the same way before the
 * mappings go.  No thread can enter a trampoline once its jmp is gone, so that wait ends.
 *
 * Refusals.  A site x86_patch_analyze refuses (or one out of reach of the trampoline area, or
 * whose bytes in memory are not the file's) is not patched; its reason is kept for -v, and
 * with a consumer given the site goes to the trap tier instead (uprobe_register).
 *
 * Not done yet.  At exec the state is dropped with the rest of the journal and no site comes
 * back in the new image.  A fork child that is not followed is cleaned by the journal's copy
 * (the jumps and mappings are inherited entries), but a followed one keeps the jumps, counted
 * in the parent's region, with no state of its own.  A thread in a signal frame that returns
 * into a trampoline is not waited for at detach.  There is one trampoline area, placed by
 * the first site: sites out of its reach are refused.  A thread inside the range is let run
 * until it leaves, not single-stepped out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_abi.h"
#include "arch/x86_64/trampoline.h"
#include "inject/agent_load.h"
#include "inject/inject.h"
#include "os/os.h"
#include "sym/sym.h"
#include "uprobe/uprobe-priv.h"
#include "util/log.h"

#define INPROC_SITES	   64
#define TRAMP_SIZE	   (INPROC_SITES * X86_TRAMP_SLOT + 4096)
#define TRAMP_SCRATCH	   (INPROC_SITES * X86_TRAMP_SLOT) /* the memfd's name, at setup */
#define SHARED_SIZE	   16384
#define MEMFD_NAME	   "utrace-shared"
#define QUIESCE_MS	   5000
#define STEP_OUT_TRIES	   200
#define HOLD_MAX	   256
#define HWCAP2_FSGSBASE_ID (1 << 1)

struct ip_site {
	uint64_t addr; /* the jmp's address in the process */
	uint8_t len;
	cure_id jmp_id;
};

struct up_inproc {
	struct inj_agent *agent;
	uint64_t tramp;
	cure_id tramp_id;
	uint64_t shared_addr; /* in the process */
	cure_id shared_id;
	struct agent_shared *shared; /* our view */
	int fd;
	uint32_t nsites;
	struct ip_site site[INPROC_SITES];
};

_Static_assert(sizeof(struct agent_shared) + INPROC_SITES * sizeof(struct agent_site) <=
		       SHARED_SIZE,
	       "shared region too small");

/* ---- holding every thread ---------------------------------------------------------------- */

struct hold {
	int n;
	pid_t tid[HOLD_MAX];
	struct utrace_engine *e[HOLD_MAX];
};

static uint32_t hold_quiesce(uint32_t action, struct utrace_engine *engine, unsigned long event)
{
	return UTRACE_STOP;
}

static const struct utrace_engine_ops hold_ops = {.report_quiesce = hold_quiesce};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool held_all(struct hold *h)
{
	struct utrace_examiner exam;
	int i;

	for (i = 0; i < h->n; i++) {
		int r = h->e[i] ? utrace_prepare_examine(h->tid[i], h->e[i], &exam) : 0;

		if (r < 0 && r != -ESRCH)
			return false;
	}
	return true;
}

static bool holding(const struct hold *h, pid_t tid)
{
	int i;

	for (i = 0; i < h->n; i++)
		if (h->tid[i] == tid)
			return true;
	return false;
}

/* Hold every thread of @p, including threads it creates meanwhile: 0 or -ETIMEDOUT. */
static int quiesce(struct uproc *p, struct hold *h)
{
	long end = now_ms() + QUIESCE_MS;
	const struct utask *t;
	bool added;

	do {
		added = false;
		for (t = p->tasks; t && h->n < HOLD_MAX; t = t->next) {
			struct utrace_engine *e;

			if (holding(h, t->tid))
				continue;
			e = utrace_attach(t->tid, UTRACE_ATTACH_CREATE, &hold_ops, NULL);
			h->tid[h->n] = t->tid;
			h->e[h->n++] = e;
			added = true;
			if (!e)
				continue;
			utrace_set_events(t->tid, e, UTRACE_EVENT(QUIESCE));
			utrace_control(t->tid, e, UTRACE_STOP);
		}
		while (!added && !held_all(h) && now_ms() < end) {
			utrace_wait(false);
			usleep(100);
		}
	} while ((added || !held_all(h)) && now_ms() < end);
	return held_all(h) ? 0 : -ETIMEDOUT;
}

static void release(struct hold *h)
{
	int i;

	for (i = 0; i < h->n; i++) {
		if (!h->e[i])
			continue;
		utrace_control(h->tid[i], h->e[i], UTRACE_DETACH);
		utrace_engine_put(h->e[i]);
	}
	h->n = 0;
}

/* A held thread that can run remote syscalls. */
static pid_t some_thread(const struct hold *h)
{
	int i;

	for (i = 0; i < h->n; i++)
		if (h->e[i])
			return h->tid[i];
	return 0;
}

typedef bool (*inside_fn)(const struct up_inproc *ip, uint64_t rip, const void *arg);

/* Hold @p with no thread's rip where @inside says; -EBUSY when they stay there. */
static int quiesce_outside(struct uproc *p, struct hold *h, inside_fn inside, const void *arg)
{
	int tries, i, r;

	for (tries = 0; tries < STEP_OUT_TRIES; tries++) {
		bool in = false;

		r = quiesce(p, h);
		if (r < 0)
			return r;
		for (i = 0; i < h->n && !in; i++) {
			struct user_regs_struct regs;

			in = h->e[i] && utrace_get_regs(h->tid[i], &regs) == 0 &&
			     inside(p->inproc, regs.rip, arg);
		}
		if (!in)
			return 0;
		release(h);
		usleep(1000);
		utrace_wait(false);
	}
	pr_warn("pid %d: a thread stays inside a range being patched", p->pid);
	return -EBUSY;
}

/* ---- setting up the process -------------------------------------------------------------- */

static int remote(pid_t tid, long nr, uint64_t a0, uint64_t a1, uint64_t a2, long *ret_value)
{
	uint64_t args[6] = {a0, a1, a2, 0, 0, 0};
	int r = inj_syscall(tid, nr, args, ret_value);

	if (r == 0 && *ret_value < 0 && *ret_value > -4096)
		r = (int)*ret_value;
	return r;
}

static bool is_err(long v)
{
	return v < 0 && v > -4096;
}

static int map_tramp(struct uproc *p, struct up_inproc *ip, pid_t tid, uint64_t site)
{
	uint64_t args[6] = {0,
			    TRAMP_SIZE,
			    PROT_READ | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			    (uint64_t)-1,
			    0};
	struct sym_maps *m;
	long addr;
	int r;

	r = sym_maps_read(p->pid, &m);
	if (r < 0)
		return r;
	r = inj_place_near(m, site, site + X86_PATCH_MAX_BYTES, TRAMP_SIZE, &args[0]);
	sym_maps_free(m);
	if (r < 0)
		return r;
	r = cure_mmap(p->cure, &p->be, tid, args, "trampolines", &addr, &ip->tramp_id);
	if (r < 0)
		return r;
	if (is_err(addr))
		return (int)addr;
	ip->tramp = (uint64_t)addr;
	if (ip->tramp != args[0]) {
		(void)cure_revert(p->cure, &p->be, ip->tramp_id);
		return -EEXIST;
	}
	return 0;
}

/* The memfd, in the process and here; its descriptor in the process is closed again. */
static int map_shared(struct uproc *p, struct up_inproc *ip, pid_t tid)
{
	uint64_t args[6] = {0, SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0, 0};
	char path[64];
	long fd, addr, ignored;
	int r;

	r = cure_write(p->cure, &p->be, ip->tramp + TRAMP_SCRATCH, MEMFD_NAME, sizeof(MEMFD_NAME),
		       "memfd name", NULL);
	if (r < 0)
		return r;
	r = remote(tid, SYS_memfd_create, ip->tramp + TRAMP_SCRATCH, MFD_CLOEXEC, 0, &fd);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/fd/%ld", p->pid, fd);
	ip->fd = open(path, O_RDWR | O_CLOEXEC);
	if (ip->fd < 0 || ftruncate(ip->fd, SHARED_SIZE) < 0) {
		r = -errno;
		goto out;
	}
	ip->shared = mmap(NULL, SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ip->fd, 0);
	if (ip->shared == MAP_FAILED) {
		ip->shared = NULL;
		r = -errno;
		goto out;
	}
	args[4] = (uint64_t)fd;
	r = cure_mmap(p->cure, &p->be, tid, args, "shared region", &addr, &ip->shared_id);
	if (r == 0 && is_err(addr))
		r = (int)addr;
	if (r == 0)
		ip->shared_addr = (uint64_t)addr;
out:
	(void)remote(tid, SYS_close, (uint64_t)fd, 0, 0, &ignored);
	return r;
}

/* The word at %fs:0 equal to the fs base in every thread: the TLS ABI's self-pointer. */
static uint32_t choose_thread_id(const struct hold *h)
{
	int i;

	if (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE_ID)
		return AGENT_ID_RDFSBASE;
	for (i = 0; i < h->n; i++) {
		struct user_regs_struct regs;
		uint64_t self;

		if (!h->e[i])
			continue;
		if (utrace_get_regs(h->tid[i], &regs) < 0 || !regs.fs_base ||
		    mem_read_all(h->tid[i], regs.fs_base, &self, sizeof(self)) < 0 ||
		    self != regs.fs_base)
			return AGENT_ID_GETTID;
	}
	return AGENT_ID_FS0;
}

static void inproc_free(struct up_inproc *ip)
{
	if (!ip)
		return;
	inj_agent_free(ip->agent);
	if (ip->shared)
		munmap(ip->shared, SHARED_SIZE);
	if (ip->fd > 0)
		close(ip->fd);
	free(ip);
}

/* Undo what setup made, newest first, through the journal; threads are held outside it. */
static void inproc_undo(struct uproc *p, struct up_inproc *ip, pid_t tid)
{
	if (ip->agent) {
		(void)inj_agent_unload(ip->agent, tid);
		ip->agent = NULL;
	}
	if (ip->shared_id)
		(void)cure_revert(p->cure, &p->be, ip->shared_id);
	if (ip->tramp_id)
		(void)cure_revert(p->cure, &p->be, ip->tramp_id);
	inproc_free(ip);
}

static int setup(struct uproc *p, const struct hold *h, uint64_t site)
{
	struct up_inproc *ip = calloc(1, sizeof(*ip));
	pid_t tid = some_thread(h);
	struct inj_agent_opts opts = {.cure = p->cure, .be = &p->be};
	int r;

	if (!ip)
		return -ENOMEM;
	ip->fd = -1;
	r = tid ? map_tramp(p, ip, tid, site) : -ESRCH;
	if (r == 0)
		r = map_shared(p, ip, tid);
	if (r == 0) {
		ip->shared->magic = AGENT_SHARED_MAGIC;
		ip->shared->nsites = INPROC_SITES;
		ip->shared->thread_id = choose_thread_id(h);
		opts.shared = ip->shared_addr;
		opts.shared_size = SHARED_SIZE;
		r = inj_agent_load_opts(tid, &opts, &ip->agent);
	}
	if (r < 0) {
		pr_warn("pid %d: cannot set up in-process probes: %s", p->pid, strerror(-r));
		inproc_undo(p, ip, tid);
		return r;
	}
	pr_debug("pid %d: trampolines at 0x%lx, shared region at 0x%lx, threads by %u", p->pid,
		 (unsigned long)ip->tramp, (unsigned long)ip->shared_addr, ip->shared->thread_id);
	p->inproc = ip;
	return 0;
}

/* ---- sites ------------------------------------------------------------------------------- */

struct image {
	const struct sym_file *f;
	uint64_t bias;
};

static int read_image(void *ctx, uint64_t vaddr, void *buf, size_t len)
{
	const struct image *im = ctx;
	uint64_t off;
	int r = sym_vaddr_to_offset(im->f, vaddr - im->bias, 0, &off);

	return r < 0 ? r : sym_file_read(im->f, off, buf, len);
}

/* Analyse @path+@offset where @pid maps it: *ret filled, refusals included (verdict). */
static int analyse(pid_t pid, const char *path, uint64_t offset, struct x86_patch *ret)
{
	const struct sym_symbol *s;
	struct sym_maps *m = NULL;
	struct sym_file *f;
	struct image im;
	size_t *entries = NULL, n = 0, i;
	uint8_t *code = NULL;
	uint64_t vaddr, in;
	int r;

	f = sym_file_open(path, &r);
	if (!f)
		return r < 0 ? r : -ENOENT;
	r = sym_offset_to_vaddr(f, offset, SYM_NEED_EXEC, &vaddr);
	if (r == 0)
		r = sym_addr_lookup(f, vaddr, &s, &in);
	if (r == 0 && !s->size)
		r = -ENOEXEC;
	if (r == 0)
		r = sym_maps_read(pid, &m);
	if (r == 0)
		r = sym_maps_load_bias(m, f, &im.bias);
	if (r < 0)
		goto out;
	im.f = f;
	code = malloc(s->size);
	entries = calloc(sym_count(f), sizeof(*entries));
	if (!code || !entries) {
		r = -ENOMEM;
		goto out;
	}
	r = sym_file_read(f, offset - in, code, s->size);
	if (r < 0)
		goto out;
	for (i = 0; i < sym_count(f); i++) {
		const struct sym_symbol *o = sym_at(f, i);

		if (o->addr > s->addr && o->addr < s->addr + s->size)
			entries[n++] = o->addr - s->addr;
	}
	r = x86_patch_analyze(&(struct x86_func){.code = code,
						 .size = s->size,
						 .vaddr = s->addr + im.bias,
						 .entries = entries,
						 .nentries = n,
						 .read = read_image,
						 .ctx = &im},
			      in, X86_PATCH_AFTER_ENDBR, ret);
out:
	free(code);
	free(entries);
	sym_maps_free(m);
	sym_file_free(f);
	return r;
}

static bool in_range(const struct up_inproc *ip, uint64_t rip, const void *arg)
{
	const struct x86_patch *pa = arg;

	return rip > pa->vaddr && rip < pa->vaddr + pa->len;
}

static int patch_site(struct uproc *p, const struct x86_patch *pa, char *reason, size_t len)
{
	struct up_inproc *ip = p->inproc;
	uint8_t slot[X86_TRAMP_SLOT], jmp[X86_PATCH_MAX_BYTES], now[X86_PATCH_MAX_BYTES];
	struct ip_site *s = &ip->site[ip->nsites];
	uint64_t at = ip->tramp + (uint64_t)ip->nsites * X86_TRAMP_SLOT;
	uint64_t dispatch = ip->agent->base + ip->agent->hdr.entry[AGENT_ENTRY_DISPATCH];
	int r;

	if (ip->nsites == INPROC_SITES) {
		snprintf(reason, len, "refused: no trampoline slot left");
		return -ENOSPC;
	}
	r = x86_trampoline(pa, at, dispatch, ip->nsites, slot);
	if (r == 0)
		r = x86_patch_jump(pa, at, jmp, sizeof(jmp));
	if (r < 0) {
		snprintf(reason, len, "refused: trampoline out of reach: %s", strerror(-r));
		return r;
	}
	if (p->be.read(p->be.ctx, pa->vaddr, now, pa->len) < 0 || memcmp(now, pa->bytes, pa->len)) {
		snprintf(reason, len, "refused: the bytes in memory are not the file's");
		return -EEXIST;
	}
	r = cure_write(p->cure, &p->be, at, slot, sizeof(slot), "trampoline", NULL);
	if (r == 0)
		r = cure_write(p->cure, &p->be, pa->vaddr, jmp, pa->len, "jump patch", &s->jmp_id);
	if (r < 0) {
		snprintf(reason, len, "refused: cannot write: %s", strerror(-r));
		return r;
	}
	s->addr = pa->vaddr;
	s->len = pa->len;
	snprintf(reason, len, "%s", pa->reason);
	return (int)ip->nsites++;
}

int uprobe_inproc_add(pid_t pid, const char *path, uint64_t offset, struct uprobe_consumer *uc,
		      int *ret_site, char *reason, size_t len)
{
	struct uproc *p = up_proc_find(pid);
	struct x86_patch pa;
	struct hold h = {0};
	int r;

	if (!p)
		return -ENOENT;
	r = analyse(pid, path, offset, &pa);
	if (r < 0)
		return r;
	if (pa.verdict != X86_PATCH_OK) {
		snprintf(reason, len, "%s", pa.reason);
		pr_info("pid %d: probe %s+0x%lx: %s", pid, path, (unsigned long)offset, pa.reason);
		if (!uc)
			return -EOPNOTSUPP;
		r = uprobe_register(path, offset, uc);
		return r < 0 ? r : 1;
	}
	r = quiesce_outside(p, &h, in_range, &pa);
	if (r == 0 && !p->inproc)
		r = setup(p, &h, pa.vaddr);
	if (r == 0)
		r = patch_site(p, &pa, reason, len);
	release(&h);
	if (r < 0)
		return r;
	pr_debug("pid %d: probe %s+0x%lx: site %d: %s", pid, path, (unsigned long)offset, r,
		 reason);
	*ret_site = r;
	return 0;
}

int uprobe_inproc_count(pid_t pid, int site, uint64_t *ret_hits, uint64_t *ret_skipped)
{
	struct uproc *p = up_proc_find(pid);

	if (!p || !p->inproc || site < 0 || (uint32_t)site >= p->inproc->nsites)
		return -ENOENT;
	*ret_hits = __atomic_load_n(&p->inproc->shared->site[site].hits, __ATOMIC_RELAXED);
	*ret_skipped = __atomic_load_n(&p->inproc->shared->site[site].skipped, __ATOMIC_RELAXED);
	return 0;
}

void *uprobe_inproc_region(pid_t pid)
{
	struct uproc *p = up_proc_find(pid);

	return p && p->inproc ? p->inproc->shared : NULL;
}

static bool in_ours(const struct up_inproc *ip, uint64_t rip, const void *arg)
{
	return (rip >= ip->tramp && rip < ip->tramp + TRAMP_SIZE) ||
	       (rip >= ip->agent->base && rip < ip->agent->base + ip->agent->size);
}

int uprobe_inproc_detach(pid_t pid)
{
	struct uproc *p = up_proc_find(pid);
	struct hold h = {0};
	uint32_t i;
	int r;

	if (!p || !p->inproc)
		return -ENOENT;
	r = quiesce(p, &h);
	for (i = 0; r == 0 && i < p->inproc->nsites; i++) {
		if (cure_revert(p->cure, &p->be, p->inproc->site[i].jmp_id) < 0)
			pr_warn("pid %d: jump patch at 0x%lx not undone", pid,
				(unsigned long)p->inproc->site[i].addr);
		p->inproc->site[i].jmp_id = 0;
	}
	release(&h);
	if (r == 0)
		r = quiesce_outside(p, &h, in_ours, NULL);
	if (r == 0) {
		inproc_undo(p, p->inproc, some_thread(&h));
		p->inproc = NULL;
	}
	release(&h);
	return r;
}

void up_inproc_forget(struct uproc *p)
{
	inproc_free(p->inproc);
	p->inproc = NULL;
}

/* ---- the agent with no site (safety.c) ---------------------------------------------------- */

int up_inproc_with_agent(struct uproc *p, uint64_t near, up_held_fn fn, void *arg)
{
	struct hold h = {0};
	int r = quiesce(p, &h);

	if (r == 0 && !p->inproc)
		r = setup(p, &h, near);
	if (r == 0)
		r = fn(p, p->inproc->agent, some_thread(&h), arg);
	release(&h);
	return r;
}
