/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading the agent into a traced process, calling its entries, and taking it out again.
 *
 * Loading, in a thread the engine holds: check the embedded blob's header (a mismatch is a
 * build error, -ENOEXEC); choose an address in reach of the main executable's text
 * (agent_place.c) and ask for it with MAP_FIXED_NOREPLACE, so that a mapping made since we read
 * the maps is never replaced; if that fails, take any address the kernel gives, and say so,
 * since jump patches in the executable will not reach it.  The mapping is anonymous and rw-;
 * the image and the boot block are written into it (mem_write: process_vm_writev), then the
 * text becomes r-x with mprotect and the data stays rw-: at no moment is a page of ours both
 * writable and executable.  The mapping gets the agent's name where the kernel names memory
 * ("[anon:utrace-agent]" in /proc/PID/maps).  Then agent_init(boot) runs in the thread
 * (rcall.c) and must answer our version with status 0.
 *
 * What the process keeps of us between calls is that one mapping: the image, the boot block
 * and the protections are inside it, and every remote call restores the thread it used.  So
 * the undo is one munmap.  Loaded with a journal (inj_agent_load_opts), the mapping is made
 * through it and is one of its entries (so a detach's replay unmaps it), and unloading
 * reverts that entry.
 *
 * A thread held where a signal is being delivered must get that signal with its own siginfo:
 * the remote syscalls leave it in syscall-exit stops, so load and unload end with
 * inj_settle() (rcall.c), which puts it back in a signal-delivery-stop with the siginfo read
 * before the first of them.
 *
 * Failure: every step that fails returns -errno and logs it with the pid; what was mapped is
 * unmapped before returning, so a failed load leaves nothing behind.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent/blob.h"
#include "inject/agent_load.h"
#include "inject/cure.h"
#include "inject/inject.h"
#include "inject/rcall.h"
#include "os/os.h"
#include "sym/sym.h"
#include "utrace/utrace.h"
#include "util/log.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA	     0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

#define PAGE 4096ull

static int check_blob(struct agent_header *ret_hdr)
{
	struct agent_header h;

	if (agent_blob_size < sizeof(h))
		return -ENOEXEC;
	memcpy(&h, agent_blob, sizeof(h));
	if (h.magic != AGENT_MAGIC || h.version != AGENT_ABI_VERSION || h.header_size < sizeof(h) ||
	    h.image_size != agent_blob_size || h.text_size % PAGE || h.text_size > h.image_size ||
	    h.nentries < AGENT_NENTRIES || h.nentries > AGENT_ENTRY_MAX || h.boot < h.text_size ||
	    h.boot + sizeof(struct agent_boot) > h.image_size + h.bss_size ||
	    h.call_stub + INJ_CALL_STUB_LEN > h.text_size ||
	    memcmp(agent_blob + h.call_stub, INJ_CALL_STUB, INJ_CALL_STUB_LEN))
		return -ENOEXEC;
	*ret_hdr = h;
	return 0;
}

static int remote(pid_t tid, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		  long *ret_value)
{
	uint64_t args[6] = {a0, a1, a2, a3, (uint64_t)-1, 0};

	return inj_syscall(tid, nr, args, ret_value);
}

/* Whether @tid is held at the delivery of a signal, and that signal's siginfo. */
static bool delivering(pid_t tid, siginfo_t *ret_si)
{
	int sig = utrace_stop_signal(tid);

	return sig > 0 && pt_getsiginfo(tid, ret_si) == 0 && ret_si->si_signo == sig;
}

/* The loader's one change to the process, made (@mapped) or undone (!@mapped). */
static void journal_mapping(const struct inj_agent *a, bool mapped)
{
	pr_debug("pid %d: agent %s at 0x%lx, %lu bytes", a->pid, mapped ? "mapped" : "unmapped",
		 (unsigned long)a->base, (unsigned long)a->size);
}

/* An address in reach of the executable's text for @size bytes; 0 when there is none. */
static uint64_t choose_address(pid_t pid, uint64_t size, uint64_t *ret_lo, uint64_t *ret_hi)
{
	char exe[PATH_MAX], *deleted;
	struct sym_maps *m;
	uint64_t addr = 0;

	if (proc_exe(pid, exe, sizeof(exe)) < 0 || sym_maps_read(pid, &m) < 0)
		return 0;
	deleted = strstr(exe, " (deleted)");
	if (deleted && !deleted[10])
		*deleted = '\0';
	if (inj_exe_text(m, exe, ret_lo, ret_hi) < 0 ||
	    inj_place_near(m, *ret_lo, *ret_hi, size, &addr) < 0)
		addr = 0;
	sym_maps_free(m);
	return addr;
}

static int agent_mmap(pid_t tid, struct inj_agent *a, uint64_t hint, uint64_t flags, long *ret_addr)
{
	uint64_t args[6] = {
		hint,	      a->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags,
		(uint64_t)-1, 0};
	long addr = -EINVAL;
	int r;

	if (!a->cure)
		return inj_syscall(tid, SYS_mmap, args, ret_addr);
	r = cure_mmap(a->cure, a->be, tid, args, "agent", &addr, &a->map_id);
	if (r == 0 && addr != (long)hint && hint && !(addr < 0 && addr > -4096)) {
		/* An older kernel took MAP_FIXED_NOREPLACE for a hint: not where we asked. */
		(void)cure_revert(a->cure, a->be, a->map_id);
		a->map_id = 0;
		addr = -EEXIST;
	}
	if (r == 0)
		*ret_addr = addr;
	return r;
}

static int map_agent(pid_t tid, struct inj_agent *a)
{
	uint64_t lo = 0, hi = 0, hint = choose_address(a->pid, a->size, &lo, &hi);
	long addr = -EINVAL;
	int r;

	if (hint) {
		r = agent_mmap(tid, a, hint, MAP_FIXED_NOREPLACE, &addr);
		if (r < 0)
			return r;
		if (addr != (long)hint)
			pr_debug("pid %d: agent: 0x%lx not free (%ld)", a->pid, (unsigned long)hint,
				 addr);
	}
	if (addr < 0 && addr > -4096) {
		r = agent_mmap(tid, a, 0, 0, &addr);
		if (r < 0)
			return r;
	}
	if (addr < 0 && addr > -4096) {
		pr_warn("pid %d: cannot map the agent (%lu bytes): %s", a->pid,
			(unsigned long)a->size, strerror((int)-addr));
		return (int)addr;
	}
	a->base = (uint64_t)addr;
	a->near_exe = hi && inj_reaches(a->base, a->size, lo, hi);
	if (!a->near_exe)
		pr_info("pid %d: agent at 0x%lx, out of a jump's reach of the executable", a->pid,
			(unsigned long)a->base);
	journal_mapping(a, true);
	return 0;
}

static int unmap_agent(pid_t tid, struct inj_agent *a)
{
	long ret = -1;
	int r;

	if (a->cure) {
		r = cure_revert(a->cure, a->be, a->map_id);
		a->map_id = 0;
	} else {
		r = remote(tid, SYS_munmap, a->base, a->size, 0, 0, &ret);
		if (r == 0 && ret != 0)
			r = (int)ret;
	}
	if (r < 0) {
		pr_warn("pid %d: cannot unmap the agent at 0x%lx: %s", a->pid,
			(unsigned long)a->base, strerror(-r));
		return r;
	}
	journal_mapping(a, false);
	return 0;
}

/* Image and boot block in, text r-x, the name; then agent_init. */
static int start_agent(pid_t tid, struct inj_agent *a)
{
	struct agent_boot boot = {
		.size = sizeof(boot),
		.version = AGENT_ABI_VERSION,
		.cookie = a->cookie,
		.tracer_pid = getpid(),
		.shared = a->shared,
		.shared_size = a->shared_size,
	};
	uint64_t args[6] = {a->base + a->hdr.boot}, word;
	long ret;
	int r;

	if (mem_write(a->pid, a->base, agent_blob, agent_blob_size) != (long)agent_blob_size ||
	    mem_write(a->pid, a->base + a->hdr.boot, &boot, sizeof(boot)) != sizeof(boot)) {
		pr_warn("pid %d: cannot write the agent at 0x%lx", a->pid, (unsigned long)a->base);
		return -EFAULT;
	}
	r = remote(tid, SYS_mprotect, a->base, a->hdr.text_size, PROT_READ | PROT_EXEC, 0, &ret);
	if (r == 0 && ret != 0)
		r = (int)ret;
	if (r < 0) {
		pr_warn("pid %d: cannot make the agent's text executable: %s", a->pid,
			strerror(-r));
		return r;
	}
	(void)remote(tid, SYS_prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, a->base, a->size, &ret);
	r = inj_agent_call(a, tid, AGENT_ENTRY_INIT, args, &word);
	if (r < 0)
		return r;
	a->version = AGENT_STATUS_VERSION(word);
	r = AGENT_STATUS_ERROR(word);
	if (a->version != AGENT_ABI_VERSION || r > 0 || r <= -4096 ||
	    mem_read(a->pid, args[0], &boot, sizeof(boot)) != sizeof(boot)) {
		pr_warn("pid %d: agent_init answered 0x%llx", a->pid, (unsigned long long)word);
		return -EPROTO;
	}
	if (r < 0) {
		pr_warn("pid %d: agent_init: %s", a->pid, strerror(-r));
		return r;
	}
	a->agent_pid = boot.ret_pid;
	return 0;
}

int inj_agent_load(pid_t tid, struct inj_agent **ret_agent)
{
	const struct inj_agent_opts none = {0};

	return inj_agent_load_opts(tid, &none, ret_agent);
}

int inj_agent_load_opts(pid_t tid, const struct inj_agent_opts *opts, struct inj_agent **ret_agent)
{
	struct proc_status st;
	struct inj_agent *a;
	bool settle;
	siginfo_t si;
	int r;

	r = proc_status(tid, &st);
	if (r < 0)
		return r;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->pid = st.tgid;
	a->cure = opts->cure;
	a->be = opts->be;
	a->shared = opts->shared;
	a->shared_size = opts->shared_size;
	settle = delivering(tid, &si);
	r = check_blob(&a->hdr);
	if (r < 0) {
		pr_warn("pid %d: the embedded agent has no valid header", a->pid);
		goto fail_free;
	}
	a->size = (a->hdr.image_size + a->hdr.bss_size + PAGE - 1) & ~(PAGE - 1);
	if (getrandom(&a->cookie, sizeof(a->cookie), GRND_NONBLOCK) != sizeof(a->cookie))
		a->cookie = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	r = map_agent(tid, a);
	if (r < 0)
		goto fail_free;
	r = start_agent(tid, a);
	if (r < 0)
		goto fail_unmap;
	pr_debug("pid %d: agent version %u at 0x%lx (%lu bytes, text %u)", a->pid, a->version,
		 (unsigned long)a->base, (unsigned long)a->size, a->hdr.text_size);
	if (settle)
		(void)inj_settle(tid, &si);
	*ret_agent = a;
	return 0;

fail_unmap:
	(void)unmap_agent(tid, a);
fail_free:
	if (settle)
		(void)inj_settle(tid, &si);
	free(a);
	return r;
}

int inj_agent_call(struct inj_agent *agent, pid_t tid, enum agent_entry entry,
		   const uint64_t args[6], uint64_t *ret_value)
{
	int r;

	if ((unsigned)entry >= agent->hdr.nentries)
		return -ENOSYS;
	r = inj_call(tid, agent->base + agent->hdr.call_stub, agent->base + agent->hdr.entry[entry],
		     args, ret_value);
	if (r < 0)
		pr_warn("pid %d: agent entry %d in tid %d: %s", agent->pid, entry, tid,
			strerror(-r));
	return r;
}

int inj_agent_ping(struct inj_agent *agent, pid_t tid, uint64_t x, uint64_t *ret_value)
{
	uint64_t args[6] = {x};

	return inj_agent_call(agent, tid, AGENT_ENTRY_PING, args, ret_value);
}

int inj_agent_unload(struct inj_agent *agent, pid_t tid)
{
	bool settle;
	siginfo_t si;
	int r;

	if (!agent)
		return 0;
	settle = delivering(tid, &si);
	r = unmap_agent(tid, agent);
	if (settle)
		(void)inj_settle(tid, &si);
	free(agent);
	return r;
}

void inj_agent_free(struct inj_agent *agent)
{
	free(agent);
}
