/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * inproc: the session's side of the in-process tier.  The target's probes that the agent can
 * run are jump-patched in the target (consumers.c decides which, uprobes patches them), and
 * their handlers run in the target's threads, in the agent's VM, on the very globals the
 * tracer's VM uses.
 *
 * One memory for both VMs.  At the first in-process site the program is packed and handed to
 * uprobes with the globals as they are now (begin probes may have run), and the region that
 * uprobes shares with the agent comes back as a descriptor: we map it and move the tracer's
 * VM's globals into it.  From then on begin, end, timer and trap-tier handlers (tracer) and
 * in-process handlers (agent) see and change the same maps, counters and aggregates, each run
 * under the VM lock of the region, which both sides take.  The mapping is ours: it outlives
 * the detach and the process's image, so end probes read what the agent left.
 *
 * Taking the lock.  An agent thread holds it only while it runs a handler, but a thread can be
 * stopped there by us (a signal to report, a quiesce) or killed there with its process: the
 * tracer's try is bounded, and a handler that cannot have it is skipped and counted, as an
 * agent hit is.  Once the target is detached no agent can run any more, and the lock is not
 * taken at all (a thread that died holding it must not keep the end probes out).
 *
 * Output.  The agent's handlers write records to the ring in the region: script output,
 * warnings, runtime errors, exit() and abort().  The session drains them in its loop, before
 * each tracer-side handler (so output keeps the order it had where both sides alternate with
 * the target's progress), and at the end; they go to the same host functions as the tracer's
 * own, so a runtime error in the agent counts toward the session's errors and ends it as one
 * in the tracer does.  Records the ring had no room for are counted and said at the end.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent/agent_abi.h"
#include "agent/ring.h"
#include "lang/program_pack.h"
#include "script-priv.h"
#include "utrace/uprobe.h"

#define RING_SIZE   (16u << 20) /* memfd pages: only what is written costs memory */
#define LOCK_SPINS  128
#define LOCK_ROUNDS 20000 /* of a spin and a yield: about a second at the most */

static struct agent_vm_shared *vm_part(const struct script_session *s)
{
	return s->inproc.vsh;
}

int script_inproc_start(struct script_session *s, pid_t pid)
{
	struct script_inproc *ip = &s->inproc;
	struct uprobe_inproc_script sc = {0};
	void *img = NULL, *map;
	size_t img_len = 0, unpack = 0, size = 0, vm_off = 0;
	int fd = -1, r;

	if (ip->started)
		return ip->pid == pid ? 0 : -EBUSY;
	r = vm_program_pack(s->prog, &img, &img_len);
	if (r == 0)
		r = vm_program_unpack_size(img, img_len, &unpack);
	if (r < 0)
		goto out;
	sc.image = img;
	sc.image_size = img_len;
	sc.unpack_size = unpack;
	sc.vm_size = vm_region_size(s->prog);
	sc.globals = s->vm.globals;
	sc.globals_size = s->prog->globals_bytes;
	sc.ring_size = RING_SIZE;
	r = uprobe_inproc_setup(pid, &sc, &fd, &size, &vm_off);
	if (r < 0)
		goto out;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		r = -errno;
		(void)uprobe_inproc_detach(pid);
		goto out;
	}
	ip->map = map;
	ip->map_size = size;
	ip->vsh = (struct agent_vm_shared *)((unsigned char *)map + vm_off);
	ip->ring = (struct agent_ring *)((unsigned char *)ip->vsh + ip->vsh->ring_off);
	ip->vsh->target = s->target.pid;
	vm_move_globals(&s->vm, (unsigned char *)ip->vsh + ip->vsh->vm_off);
	ip->pid = pid;
	ip->started = true;
	ip->live = true;
out:
	free(img);
	return r;
}

void script_inproc_drain(struct script_session *s)
{
	struct script_inproc *ip = &s->inproc;
	struct agent_rec rec;

	if (!ip->started)
		return;
	while (agent_ring_peek(ip->ring, &rec)) {
		const char *d = rec.data;
		char *text = malloc(rec.len + 1);

		if (text) {
			memcpy(text, d, rec.len);
			text[rec.len] = '\0';
		}
		switch (rec.type) {
		case AGENT_REC_OUTPUT:
			script_tracer_host.output(s, d, rec.len);
			break;
		case AGENT_REC_WARN:
			if (text)
				script_tracer_host.warn(s, text);
			break;
		case AGENT_REC_ERROR:
			if (text) {
				size_t m = strnlen(text, rec.len);

				script_tracer_host.error(s, text, m < rec.len ? text + m + 1 : "");
			}
			break;
		case AGENT_REC_CONTROL:
			if (rec.len == 1)
				script_tracer_host.control(s,
							   (enum vm_control) * (const uint8_t *)d);
			break;
		default:
			break;
		}
		free(text);
		agent_ring_consume(ip->ring);
	}
	script_flush(s);
}

bool script_inproc_lock(struct script_session *s)
{
	struct script_inproc *ip = &s->inproc;

	if (!ip->live)
		return true;
	script_inproc_drain(s);
	for (unsigned int i = 0; i < LOCK_ROUNDS; i++) {
		if (agent_vm_trylock(&vm_part(s)->lock, LOCK_SPINS))
			return true;
		sched_yield();
	}
	ip->skipped++;
	return false;
}

void script_inproc_unlock(struct script_session *s)
{
	if (s->inproc.live)
		agent_vm_unlock(&vm_part(s)->lock);
}

void script_inproc_stop(struct script_session *s)
{
	if (s->inproc.started)
		__atomic_store_n(&s->inproc.vsh->stopping, 1, __ATOMIC_RELAXED);
}

void script_inproc_detach(struct script_session *s)
{
	struct script_inproc *ip = &s->inproc;
	int r;

	if (!ip->live)
		return;
	r = uprobe_inproc_detach(ip->pid);
	if (r < 0 && r != -ENOENT)
		script_say(s, SCRIPT_MSG_FAILURE, "pid %d: in-process probes not taken out: %s",
			   ip->pid, strerror(-r));
	ip->live = false;
	script_inproc_drain(s);
}

void script_inproc_report(struct script_session *s, uint64_t *ret_skipped, uint64_t *ret_dropped)
{
	const struct script_inproc *ip = &s->inproc;

	*ret_skipped = ip->skipped;
	*ret_dropped = 0;
	if (!ip->started)
		return;
	*ret_skipped += __atomic_load_n(&ip->vsh->skipped, __ATOMIC_RELAXED);
	*ret_dropped = __atomic_load_n(&ip->ring->drops, __ATOMIC_RELAXED);
}

void script_inproc_free(struct script_session *s)
{
	struct script_inproc *ip = &s->inproc;

	if (ip->map)
		munmap(ip->map, ip->map_size);
	memset(ip, 0, sizeof(*ip));
}
