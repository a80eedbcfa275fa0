/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dispatch: from a probe and a hit to the handler the VM runs, and the context it runs in.
 *
 * This is the part of the runtime that does not care who hosts the VM: which chunk a probe
 * runs, whether a process probe is for the process that hit it, the order begin, end and error
 * probes run in, and the struct vm_hit_ctx of a hit built from what the host knows of the
 * process.  It uses no stdio, ptrace or /proc and keeps no state, so the in-process agent can
 * link it beside the VM; the tracer's host (host_tracer.c, session.c) adds the cpu and the
 * readers and writers of the process's memory.
 *
 * Matching: uprobes are keyed by file, so a probe of process("A").library("L") would otherwise
 * fire in every watched process that maps L; a process probe names its executable (proc_path)
 * or its pid, and only those hits run it.  A probe whose file is the path it names hits only
 * where that file is mapped, so it matches wherever it hits (the file may be a library).
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"

const struct vm_chunk *script_probe_chunk(const struct vm_program *prog, const struct vm_probe *p)
{
	return &prog->chunks[p->handler];
}

bool script_probe_matches(const struct vm_probe *p, pid_t pid, script_exe_fn exe, void *data)
{
	if (p->proc_pid && p->proc_pid != pid)
		return false;
	if (!p->proc_path)
		return true;
	if (p->module && !strcmp(p->module, p->proc_path))
		return true;
	return !strcmp(exe(data, pid), p->proc_path);
}

bool script_needs_target(const struct vm_program *prog)
{
	for (uint32_t i = 0; i < prog->nprobes; i++)
		if (prog->probes[i].kind == VM_PROBE_PROCESS)
			return true;
	return false;
}

bool script_wants_syscalls(const struct vm_program *prog)
{
	for (uint32_t i = 0; i < prog->nprobes; i++)
		if (prog->probes[i].kind == VM_PROBE_PROCESS &&
		    (prog->probes[i].event == VM_PROC_SYSCALL ||
		     prog->probes[i].event == VM_PROC_SYSCALL_RETURN))
			return true;
	return false;
}

bool script_probe_is_uprobe(const struct vm_probe *p)
{
	return p->kind == VM_PROBE_PROCESS &&
	       (p->event == VM_PROC_FUNCTION || p->event == VM_PROC_RETURN ||
		p->event == VM_PROC_PLT || p->event == VM_PROC_PLT_RETURN ||
		p->event == VM_PROC_MARK);
}

bool script_probe_is_return(const struct vm_probe *p)
{
	return p->event == VM_PROC_RETURN || p->event == VM_PROC_PLT_RETURN;
}

/* Stable insertion by priority (qsort is libc's, and there are few such probes). */
unsigned script_probes_in_order(const struct vm_program *prog, enum vm_probe_kind kind,
				const struct vm_probe **v)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < prog->nprobes; i++) {
		const struct vm_probe *p = &prog->probes[i];
		unsigned j = n++;

		if (p->kind != kind) {
			n--;
			continue;
		}
		for (; j > 0 && v[j - 1]->priority > p->priority; j--)
			v[j] = v[j - 1];
		v[j] = p;
	}
	return n;
}

void script_hit_ctx(struct vm_hit_ctx *ctx, const struct vm_probe *p, const struct script_hit *hit,
		    const struct script_proc_info *pi, int64_t target)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->probe = p;
	ctx->pid = hit->pid;
	ctx->tid = hit->tid;
	ctx->ppid = pi->ppid;
	ctx->uid = pi->uid;
	ctx->euid = pi->euid;
	ctx->gid = pi->gid;
	ctx->target = target;
	ctx->execname = pi->comm;
	ctx->regs = hit->regs;
	ctx->is_return = hit->is_return;
	ctx->call_slot = hit->call_slot;
}
