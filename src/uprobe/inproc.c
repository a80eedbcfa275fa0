/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * In-process sites: probes whose hits run in the traced process, through a 5-byte jmp to a
 * trampoline that calls the agent's dispatcher (design.md section 4, the in-process tier).
 *
 * What a watched process gets, at its first in-process site (or uprobe_inproc_setup), all
 * through its undo journal:
 *   - a data mapping, private and rw-: a scratch page for remote calls' arguments (the
 *     memfd's name, the VM's boot block), then the script's packed program and the memory the
 *     agent unpacks it into;
 *   - the shared region: a memfd created in the process by a remote memfd_create, opened by
 *     us through /proc/PID/fd/N and mapped in both (MAP_SHARED), then its descriptor closed in
 *     the process, so what it keeps is the mapping alone.  struct agent_shared (the sites'
 *     counters and probe lists) is at its start; with a script, its VM part (globals, output
 *     ring, the VM lock) follows at vm_off, and the caller gets a descriptor of its own, so
 *     that its VM's globals outlive the process's image;
 *   - the agent (inj_agent_load_opts), with boot.shared pointing at that region, and with a
 *     script its VM started (the VM_INIT entry) on globals that hold the begin probes' values;
 *   - trampoline areas: anonymous r-x mappings, each within a jmp's reach of the sites it
 *     serves (a new one is placed near a site that none reaches), holding one
 *     X86_TRAMP_SLOT-byte trampoline per site, written through /proc/PID/mem (never writable
 *     in the process).
 * Each site then gets its trampoline and its jmp (cure_write of the jmp and int3 fill).
 *
 * Quiesce.  Every write of a jump happens with every thread held (hold.c), and none strictly
 * inside the range being patched.  Detach does the reverse: hold, put the original bytes back
 * (the journal's revert), and let threads out of the trampolines and the agent the same way
 * before the mappings go.  No thread can enter a trampoline once its jmp is gone, so that
 * wait ends.
 *
 * The trap tier.  A site patched here is claimed (up_inproc_claims): the trap tier's install
 * keeps out of it in this process, while the consumer given with it takes the same site on the
 * trap tier everywhere else.  A vfork child runs in this very memory, so its hits run in the
 * agent and count here: it inherits the claims (a borrowed copy of the sites, which owns
 * nothing).  A fork child that is followed gets its jumps undone in its copy of the text,
 * before it runs, and the trap tier there: its copy of the agent would know the parent's pid
 * and no session state of its own.  At exec the image and all of it are gone, and the trap
 * tier installs in the new one.
 *
 * Refusals.  A site x86_patch_analyze refuses (or whose bytes in memory are not the file's) is
 * not patched; its reason is kept for -v, and with a consumer given the site goes to the trap
 * tier instead (uprobe_register).
 *
 * Not done yet.  A thread in a signal frame that returns into a trampoline is not waited for
 * at detach.  A thread inside the range is let run until it leaves, not single-stepped out.
 * dlopen'd libraries and exec'd images get the trap tier, not the jumps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/agent_abi.h"
#include "arch/x86_64/trampoline.h"
#include "inject/agent_load.h"
#include "inject/inject.h"
#include "os/os.h"
#include "sym/sym.h"
#include "uprobe/uprobe-priv.h"
#include "util/log.h"

#define INPROC_SITES	   4096
#define AREA_SLOTS	   128
#define AREA_SIZE	   (AREA_SLOTS * X86_TRAMP_SLOT)
#define INPROC_AREAS	   (INPROC_SITES / AREA_SLOTS)
#define PAGE		   4096ul
#define SCRATCH_BOOT	   1024 /* in the scratch page: the VM's boot block */
#define MEMFD_NAME	   "utrace-shared"
#define HWCAP2_FSGSBASE_ID (1 << 1)
#define TRYLOCK_TRACER	   (1u << 20)

struct ip_site {
	uint64_t addr; /* the jmp's address in the process */
	uint8_t len;
	cure_id jmp_id;
};

struct ip_area {
	uint64_t addr;
	uint32_t used;
	cure_id id;
};

struct up_inproc {
	bool borrowed; /* a fork or vfork child's copy: it owns no state of the tracer's */
	struct inj_agent *agent;
	uint64_t agent_base, agent_size;
	cure_id agent_id;
	uint64_t data; /* the data mapping: scratch page, image, unpacked program */
	cure_id data_id;
	uint64_t shared_addr; /* in the process */
	uint64_t shared_size;
	cure_id shared_id;
	struct agent_shared *shared; /* our view; NULL in a borrowed copy */
	int fd;
	bool script;
	uint64_t loader_ino; /* FS0 chosen before the loader set the thread pointer: its inode */
	struct ip_area area[INPROC_AREAS];
	uint32_t nareas;
	uint32_t nsites;
	struct ip_site site[INPROC_SITES];
};

static uint64_t align_page(uint64_t n)
{
	return (n + PAGE - 1) & ~(PAGE - 1);
}

/* The counting part of the region: struct agent_shared and its sites. */
static uint64_t sites_size(void)
{
	return align_page(sizeof(struct agent_shared) + INPROC_SITES * sizeof(struct agent_site));
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

/* An anonymous mapping of ours, through the journal: @addr 0 is anywhere. */
static int map_anon(struct uproc *p, pid_t tid, uint64_t addr, uint64_t size, int prot,
		    const char *what, uint64_t *ret_addr, cure_id *ret_id)
{
	uint64_t args[6] = {
		addr,		size,
		(uint64_t)prot, MAP_PRIVATE | MAP_ANONYMOUS | (addr ? MAP_FIXED_NOREPLACE : 0),
		(uint64_t)-1,	0};
	long got;
	int r;

	r = cure_mmap(p->cure, &p->be, tid, args, what, &got, ret_id);
	if (r < 0)
		return r;
	if (is_err(got))
		return (int)got;
	if (addr && (uint64_t)got != addr) {
		(void)cure_revert(p->cure, &p->be, *ret_id);
		*ret_id = 0;
		return -EEXIST;
	}
	*ret_addr = (uint64_t)got;
	return 0;
}

/* A trampoline area within reach of [lo, hi), with a free slot. */
static int area_for(struct uproc *p, struct up_inproc *ip, pid_t tid, uint64_t lo, uint64_t hi,
		    struct ip_area **ret_area)
{
	struct ip_area *a;
	struct sym_maps *m;
	uint64_t at;
	uint32_t i;
	int r;

	for (i = 0; i < ip->nareas; i++) {
		a = &ip->area[i];
		if (a->used < AREA_SLOTS && inj_reaches(a->addr, AREA_SIZE, lo, hi)) {
			*ret_area = a;
			return 0;
		}
	}
	if (ip->nareas == INPROC_AREAS)
		return -ENOSPC;
	r = sym_maps_read(p->pid, &m);
	if (r < 0)
		return r;
	r = inj_place_near(m, lo, hi, AREA_SIZE, &at);
	sym_maps_free(m);
	a = &ip->area[ip->nareas];
	if (r == 0)
		r = map_anon(p, tid, at, AREA_SIZE, PROT_READ | PROT_EXEC, "trampolines", &a->addr,
			     &a->id);
	if (r < 0)
		return r;
	a->used = 0;
	ip->nareas++;
	*ret_area = a;
	return 0;
}

/* The memfd, in the process and here; its descriptor in the process is closed again. */
static int map_shared(struct uproc *p, struct up_inproc *ip, pid_t tid)
{
	uint64_t args[6] = {0, ip->shared_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0, 0};
	char path[64];
	long fd, addr, ignored;
	int r;

	r = p->be.write(p->be.ctx, ip->data, MEMFD_NAME, sizeof(MEMFD_NAME));
	if (r < 0)
		return r;
	r = remote(tid, SYS_memfd_create, ip->data, MFD_CLOEXEC, 0, &fd);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/fd/%ld", p->pid, fd);
	ip->fd = open(path, O_RDWR | O_CLOEXEC);
	if (ip->fd < 0 || ftruncate(ip->fd, (off_t)ip->shared_size) < 0) {
		r = -errno;
		goto out;
	}
	ip->shared = mmap(NULL, ip->shared_size, PROT_READ | PROT_WRITE, MAP_SHARED, ip->fd, 0);
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

/* The inode of the dynamic loader of @pid (the mapping at AT_BASE), 0 for none. */
static uint64_t loader_inode(pid_t pid)
{
	uint64_t auxv[2], base = 0, ino = 0;
	const struct sym_mapping *m;
	struct sym_maps *maps;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/auxv", pid);
	f = fopen(path, "re");
	while (f && fread(auxv, sizeof(auxv), 1, f) == 1 && auxv[0] != AT_NULL)
		if (auxv[0] == AT_BASE)
			base = auxv[1];
	if (f)
		fclose(f);
	if (!base || sym_maps_read(pid, &maps) < 0)
		return 0;
	m = sym_maps_find_addr(maps, base);
	if (m && m->inode)
		ino = m->inode;
	sym_maps_free(maps);
	return ino;
}

/*
 * The word at %fs:0 equal to the fs base in every thread: the TLS ABI's self-pointer.  A
 * process just exec'd has no thread pointer yet (fs base 0 in its one thread): when it has a
 * dynamic loader, the loader sets the thread pointer before any code but its own runs, so the
 * word is safe everywhere but in the loader, whose sites then stay on the trap tier
 * (*ret_loader_ino).  A static program sets it in code of its own: gettid.
 */
static uint32_t choose_thread_id(pid_t pid, const struct up_hold *h, uint64_t *ret_loader_ino)
{
	bool none_yet = true;
	int i;

	*ret_loader_ino = 0;
	if (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE_ID)
		return AGENT_ID_RDFSBASE;
	for (i = 0; i < h->n; i++) {
		struct user_regs_struct regs;
		uint64_t self;

		if (!h->e[i])
			continue;
		if (utrace_get_regs(h->tid[i], &regs) < 0)
			return AGENT_ID_GETTID;
		if (!regs.fs_base)
			continue;
		none_yet = false;
		if (mem_read_all(h->tid[i], regs.fs_base, &self, sizeof(self)) < 0 ||
		    self != regs.fs_base)
			return AGENT_ID_GETTID;
	}
	if (none_yet) {
		*ret_loader_ino = loader_inode(pid);
		return *ret_loader_ino ? AGENT_ID_FS0 : AGENT_ID_GETTID;
	}
	return AGENT_ID_FS0;
}

static void inproc_free(struct up_inproc *ip)
{
	if (!ip)
		return;
	inj_agent_free(ip->agent);
	if (ip->shared)
		munmap(ip->shared, ip->shared_size);
	if (ip->fd >= 0)
		close(ip->fd);
	free(ip);
}

/* Undo the mappings, newest first, through the journal; threads are held outside them. */
static void inproc_undo(struct uproc *p, struct up_inproc *ip)
{
	uint32_t i;

	for (i = ip->nareas; i-- > 0;)
		(void)cure_revert(p->cure, &p->be, ip->area[i].id);
	if (ip->agent_id)
		(void)cure_revert(p->cure, &p->be, ip->agent_id);
	if (ip->shared_id)
		(void)cure_revert(p->cure, &p->be, ip->shared_id);
	if (ip->data_id)
		(void)cure_revert(p->cure, &p->be, ip->data_id);
	inproc_free(ip);
}

/* The VM's part of the region, after the sites: header page, VM region, ring. */
struct vm_layout {
	uint64_t off, size; /* of the part, in the region */
	struct agent_vm_shared hdr;
};

static void layout_vm(const struct uprobe_inproc_script *s, struct vm_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->off = sites_size();
	l->hdr.magic = AGENT_VM_SHARED_MAGIC;
	l->hdr.vm_off = PAGE;
	l->hdr.vm_size = align_page(s->vm_size);
	l->hdr.ring_off = l->hdr.vm_off + l->hdr.vm_size;
	l->hdr.ring_size = s->ring_size;
	l->size = align_page(l->hdr.ring_off + s->ring_size);
}

/* The script's VM in the agent: image into the data mapping, globals into the region. */
static int start_vm(struct uproc *p, struct up_inproc *ip, pid_t tid,
		    const struct uprobe_inproc_script *s, const struct vm_layout *l)
{
	struct agent_vm_boot vb = {.size = sizeof(vb), .version = AGENT_ABI_VERSION};
	unsigned char *part = (unsigned char *)ip->shared + l->off;
	uint64_t args[6] = {ip->data + SCRATCH_BOOT}, word = 0;
	int r;

	if (s->globals_size > s->vm_size)
		return -EINVAL;
	memcpy(part, &l->hdr, sizeof(l->hdr));
	memcpy(part + l->hdr.vm_off, s->globals, s->globals_size);
	vb.image = ip->data + PAGE;
	vb.image_size = s->image_size;
	vb.work = vb.image + align_page(s->image_size);
	vb.work_size = align_page(s->unpack_size);
	vb.shared = ip->shared_addr + l->off;
	vb.shared_size = l->size;
	vb.flags = AGENT_VM_GLOBALS_SET;
	r = p->be.write(p->be.ctx, vb.image, s->image, s->image_size);
	if (r == 0)
		r = p->be.write(p->be.ctx, ip->data + SCRATCH_BOOT, &vb, sizeof(vb));
	if (r == 0)
		r = inj_agent_call(ip->agent, tid, AGENT_ENTRY_VM_INIT, args, &word);
	if (r == 0 && word)
		r = (int)(int64_t)word;
	if (r < 0)
		pr_warn("pid %d: the script does not start in the agent: %s", p->pid, strerror(-r));
	return r;
}

static int setup(struct uproc *p, const struct up_hold *h, const struct uprobe_inproc_script *s)
{
	struct up_inproc *ip = calloc(1, sizeof(*ip));
	pid_t tid = up_hold_thread(h);
	struct inj_agent_opts opts = {.cure = p->cure, .be = &p->be};
	uint64_t data_size = PAGE;
	struct vm_layout l;
	int r;

	if (!ip)
		return -ENOMEM;
	ip->fd = -1;
	ip->shared_size = sites_size();
	if (s) {
		layout_vm(s, &l);
		ip->shared_size = l.off + l.size;
		data_size += align_page(s->image_size) + align_page(s->unpack_size);
	}
	r = tid ? map_anon(p, tid, 0, data_size, PROT_READ | PROT_WRITE, "agent data", &ip->data,
			   &ip->data_id)
		: -ESRCH;
	if (r == 0)
		r = map_shared(p, ip, tid);
	if (r == 0) {
		ip->shared->magic = AGENT_SHARED_MAGIC;
		ip->shared->nsites = INPROC_SITES;
		ip->shared->thread_id = choose_thread_id(p->pid, h, &ip->loader_ino);
		if (s) {
			ip->shared->vm_off = l.off;
			ip->shared->vm_size = l.size;
		}
		opts.shared = ip->shared_addr;
		opts.shared_size = ip->shared_size;
		r = inj_agent_load_opts(tid, &opts, &ip->agent);
	}
	if (r == 0) {
		ip->agent_base = ip->agent->base;
		ip->agent_size = ip->agent->size;
		ip->agent_id = ip->agent->map_id;
	}
	if (r == 0 && s)
		r = start_vm(p, ip, tid, s, &l);
	if (r < 0) {
		pr_warn("pid %d: cannot set up in-process probes: %s", p->pid, strerror(-r));
		inproc_undo(p, ip);
		return r;
	}
	ip->script = s != NULL;
	pr_debug("pid %d: agent at 0x%lx, shared region at 0x%lx (%lu bytes), threads by %u",
		 p->pid, (unsigned long)ip->agent_base, (unsigned long)ip->shared_addr,
		 (unsigned long)ip->shared_size, ip->shared->thread_id);
	p->inproc = ip;
	return 0;
}

int uprobe_inproc_setup(pid_t pid, const struct uprobe_inproc_script *script, int *ret_fd,
			size_t *ret_size, size_t *ret_vm_off)
{
	struct uproc *p = up_proc_find(pid);
	struct up_hold h = {0};
	int r;

	if (!p)
		return -ENOENT;
	if (p->inproc)
		return -EALREADY;
	r = up_hold_all(p, &h);
	if (r == 0)
		r = setup(p, &h, script);
	up_hold_release(&h);
	if (r < 0 || !script)
		return r;
	*ret_fd = fcntl(p->inproc->fd, F_DUPFD_CLOEXEC, 3);
	if (*ret_fd < 0)
		return -errno;
	*ret_size = p->inproc->shared_size;
	*ret_vm_off = p->inproc->shared->vm_off;
	return 0;
}

/* ---- sites ------------------------------------------------------------------------------- */

static bool in_range(const void *arg, uint64_t rip)
{
	const struct x86_patch *pa = arg;

	return rip > pa->vaddr && rip < pa->vaddr + pa->len;
}

static struct ip_site *site_at(const struct up_inproc *ip, uint64_t vaddr, uint32_t *ret_index)
{
	uint32_t i;

	for (i = 0; ip && i < ip->nsites; i++)
		if (ip->site[i].addr == vaddr && ip->site[i].jmp_id) {
			if (ret_index)
				*ret_index = i;
			return (struct ip_site *)&ip->site[i];
		}
	return NULL;
}

/* @probe joins site @i's list; the agent sees it whole or not at all. */
static int add_probe(struct up_inproc *ip, uint32_t i, uint32_t probe)
{
	struct agent_site *as = &ip->shared->site[i];
	uint32_t n = as->nprobes;

	if (probe == UPROBE_INPROC_COUNT_ONLY)
		return 0;
	if (n == AGENT_SITE_PROBES)
		return -ENOSPC;
	as->probe[n] = probe;
	__atomic_store_n(&as->nprobes, n + 1, __ATOMIC_RELEASE);
	return 0;
}

static bool in_loader(const struct uproc *p, uint64_t vaddr)
{
	const struct sym_mapping *m;
	struct sym_maps *maps;
	bool in;

	if (sym_maps_read(p->pid, &maps) < 0)
		return true;
	m = sym_maps_find_addr(maps, vaddr);
	in = !m || m->inode == p->inproc->loader_ino;
	sym_maps_free(maps);
	return in;
}

static int patch_site(struct uproc *p, pid_t tid, const struct x86_patch *pa, uint32_t probe,
		      char *reason, size_t len)
{
	struct up_inproc *ip = p->inproc;
	uint8_t slot[X86_TRAMP_SLOT], jmp[X86_PATCH_MAX_BYTES], now[X86_PATCH_MAX_BYTES];
	struct ip_site *s = &ip->site[ip->nsites];
	uint64_t dispatch = ip->agent_base + ip->agent->hdr.entry[AGENT_ENTRY_DISPATCH];
	struct ip_area *a;
	uint64_t at;
	int r;

	if (ip->nsites == INPROC_SITES) {
		snprintf(reason, len, "refused: no trampoline slot left");
		return -ENOSPC;
	}
	if (ip->loader_ino && in_loader(p, pa->vaddr)) {
		snprintf(reason, len, "refused: in the dynamic loader, before the thread pointer");
		return -ERANGE;
	}
	r = area_for(p, ip, tid, pa->vaddr, pa->vaddr + pa->len, &a);
	if (r < 0) {
		snprintf(reason, len, "refused: no trampoline within reach: %s", strerror(-r));
		return r;
	}
	at = a->addr + (uint64_t)a->used * X86_TRAMP_SLOT;
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
	memset(&ip->shared->site[ip->nsites], 0, sizeof(ip->shared->site[0]));
	(void)add_probe(ip, ip->nsites, probe);
	r = p->be.write(p->be.ctx, at, slot, sizeof(slot));
	if (r == 0)
		r = cure_write(p->cure, &p->be, pa->vaddr, jmp, pa->len, "jump patch", &s->jmp_id);
	if (r < 0) {
		snprintf(reason, len, "refused: cannot write: %s", strerror(-r));
		return r;
	}
	a->used++;
	s->addr = pa->vaddr;
	s->len = pa->len;
	snprintf(reason, len, "%s", pa->reason);
	return (int)ip->nsites++;
}

/* Patch, or join the site there; under a hold with no thread inside the range. */
static int add_site(struct uproc *p, const char *path, uint64_t offset, const struct x86_patch *pa,
		    uint32_t probe, char *reason, size_t len)
{
	struct up_hold h = {0};
	uint32_t i;
	int r;

	if (p->inproc && site_at(p->inproc, pa->vaddr, &i)) {
		r = add_probe(p->inproc, i, probe);
		snprintf(reason, len, "%s",
			 r < 0 ? "refused: the site has all the probes it takes" : pa->reason);
		return r < 0 ? r : (int)i;
	}
	r = up_hold_outside(p, &h, in_range, pa);
	if (r == 0 && !p->inproc)
		r = setup(p, &h, NULL);
	if (r == 0)
		r = patch_site(p, up_hold_thread(&h), pa, probe, reason, len);
	up_hold_release(&h);
	if (r >= 0)
		pr_debug("pid %d: probe %s+0x%lx: site %d: %s", p->pid, path, (unsigned long)offset,
			 r, reason);
	return r;
}

int uprobe_inproc_add(pid_t pid, const char *path, uint64_t offset, uint32_t probe,
		      struct uprobe_consumer *uc, int *ret_site, char *reason, size_t len)
{
	struct uproc *p = up_proc_find(pid);
	struct x86_patch pa;
	int r;

	if (!p)
		return -ENOENT;
	if (p->inproc && p->inproc->borrowed)
		return -EBUSY;
	if (probe != UPROBE_INPROC_COUNT_ONLY && !(p->inproc && p->inproc->script)) {
		snprintf(reason, len, "refused: no script in the agent");
		return -EINVAL;
	}
	r = up_patch_analyse(pid, path, offset, &pa);
	if (r < 0)
		return r;
	if (pa.verdict == X86_PATCH_OK) {
		r = add_site(p, path, offset, &pa, probe, reason, len);
		if (r >= 0) {
			*ret_site = r;
			r = uc ? uprobe_register(path, offset, uc) : 0;
			return r == -EBUSY ? 0 : r;
		}
		if (r != -EEXIST && r != -ENOSPC && r != -ERANGE)
			return r;
	} else {
		snprintf(reason, len, "%s", pa.reason);
	}
	pr_info("pid %d: probe %s+0x%lx: %s", pid, path, (unsigned long)offset, reason);
	if (!uc)
		return -EOPNOTSUPP;
	r = uprobe_register(path, offset, uc);
	return r < 0 ? r : 1;
}

bool up_inproc_claims(const struct uproc *p, uint64_t vaddr)
{
	return site_at(p->inproc, vaddr, NULL) != NULL;
}

int uprobe_inproc_count(pid_t pid, int site, uint64_t *ret_hits, uint64_t *ret_skipped)
{
	struct uproc *p = up_proc_find(pid);

	if (!p || !p->inproc || !p->inproc->shared || site < 0 ||
	    (uint32_t)site >= p->inproc->nsites)
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

/* ---- taking it out ----------------------------------------------------------------------- */

static bool in_ours(const void *arg, uint64_t rip)
{
	const struct up_inproc *ip = arg;
	uint32_t i;

	for (i = 0; i < ip->nareas; i++)
		if (rip >= ip->area[i].addr && rip < ip->area[i].addr + AREA_SIZE)
			return true;
	return rip >= ip->agent_base && rip < ip->agent_base + ip->agent_size;
}

static void unpatch(struct uproc *p)
{
	struct up_inproc *ip = p->inproc;
	uint32_t i;

	for (i = 0; i < ip->nsites; i++) {
		if (ip->site[i].jmp_id && cure_revert(p->cure, &p->be, ip->site[i].jmp_id) < 0)
			pr_warn("pid %d: jump patch at 0x%lx not undone", p->pid,
				(unsigned long)ip->site[i].addr);
		ip->site[i].jmp_id = 0;
	}
}

int uprobe_inproc_detach(pid_t pid)
{
	struct uproc *p = up_proc_find(pid);
	struct up_hold h = {0};
	int r;

	if (!p || !p->inproc)
		return -ENOENT;
	if (p->shared_mm) {
		/* A vfork child: what it has is its parent's, in the parent's memory. */
		up_inproc_forget(p);
		return 0;
	}
	r = up_hold_all(p, &h);
	if (r == 0)
		unpatch(p);
	up_hold_release(&h);
	if (r == 0)
		r = up_hold_outside(p, &h, in_ours, p->inproc);
	if (r == 0) {
		inproc_undo(p, p->inproc);
		p->inproc = NULL;
	}
	up_hold_release(&h);
	return r;
}

void up_inproc_inherit(struct uproc *child, const struct uproc *parent)
{
	const struct up_inproc *from = parent->inproc;
	struct up_inproc *ip;
	uint32_t i;

	if (!from || child->inproc)
		return;
	if (!child->shared_mm) {
		/*
		 * A fork child: its copy of the agent would run the handlers with the parent's
		 * pid, so it gets its text back and the trap tier (the agent and the mappings
		 * stay until its detach, unused).
		 */
		for (i = 0; i < from->nsites; i++)
			if (from->site[i].jmp_id &&
			    cure_revert(child->cure, &child->be, from->site[i].jmp_id) < 0)
				pr_warn("pid %d: jump patch at 0x%lx not undone in the fork child",
					child->pid, (unsigned long)from->site[i].addr);
		(void)up_install_all(child, child->pid);
		return;
	}
	ip = malloc(sizeof(*ip));
	if (!ip) {
		pr_warn("pid %d: in-process sites of %d not inherited: %s", child->pid, parent->pid,
			strerror(ENOMEM));
		return;
	}
	*ip = *from;
	ip->borrowed = true;
	ip->agent = NULL;
	ip->shared = NULL;
	ip->fd = -1;
	child->inproc = ip;
}

void up_inproc_forget(struct uproc *p)
{
	inproc_free(p->inproc);
	p->inproc = NULL;
}

/* ---- the agent with no site (safety.c) ---------------------------------------------------- */

int up_inproc_with_agent(struct uproc *p, up_held_fn fn, void *arg)
{
	struct up_hold h = {0};
	int r = up_hold_all(p, &h);

	if (r == 0 && !p->inproc)
		r = setup(p, &h, NULL);
	if (r == 0 && p->inproc->borrowed)
		r = -EBUSY;
	if (r == 0)
		r = fn(p, p->inproc->agent, up_hold_thread(&h), arg);
	up_hold_release(&h);
	return r;
}
