/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * uprobes: the function, PLT and mark probes of a script, as uprobes consumers.
 *
 * Pass 2 resolved each point to a file and an offset; here each becomes one consumer whose
 * data is its struct vm_probe: an entry probe (uprobe_register) or a return probe
 * (uretprobe_register).  A hit runs the probe through ustap_fire(), which checks that the
 * hitting process is one the probe is for: uprobes are keyed by file, so a library probe
 * (process("A").library("L")) would otherwise fire in every watched process mapping L.
 * Registration happens before the target runs a single instruction of the command (-c) or
 * before the process is watched (-x); -v prints how each site will be run (emulated,
 * boosted, stepped) as `utrace -v` does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"
#include "uprobes.h"
#include "utrace/uprobe.h"

struct site {
	struct uprobe_consumer uc;
	const struct vm_probe *p;
	bool ret;
	struct site *next;
};

static struct site *sites;

/*
 * The entry half of a .return probe with @entry runs after the prologue, where the return
 * probe of the same function has already hijacked this call: its pending instance names the
 * call by the stack slot of the return address, which the return half gets as hit->slot.
 * A call that was not hijacked (too deep, or entered before we attached) saves nothing.
 */
static uint64_t call_slot(const struct vm_probe *p, const struct uprobe_hit *hit)
{
	struct uretprobe_pending innermost;

	if (!p->entry_delta)
		return hit->regs->rsp; /* at the function's first instruction, before the hijack */
	if (uretprobe_pending(hit->tid, &innermost, 1) != 1 ||
	    innermost.func != hit->vaddr - p->entry_delta || innermost.slot < hit->regs->rsp)
		return 0;
	return innermost.slot;
}

static int on_entry(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	struct site *s = uc->data;
	struct ustap_hit h = {.pid = hit->pid, .tid = hit->tid, .regs = hit->regs};

	if (!ustap_probe_matches(s->p, hit->pid))
		return 0;
	if (s->p->saves_entry && !(h.call_slot = call_slot(s->p, hit)))
		return 0;
	ustap_fire(s->p, &h);
	return 0;
}

static int on_return(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	struct site *s = uc->data;
	struct ustap_hit h = {.pid = hit->pid,
			      .tid = hit->tid,
			      .regs = hit->regs,
			      .is_return = true,
			      .call_slot = hit->slot};

	if (ustap_probe_matches(s->p, hit->pid))
		ustap_fire(s->p, &h);
	return 0;
}

static bool is_uprobe(const struct vm_probe *p)
{
	return p->kind == VM_PROBE_PROCESS &&
	       (p->event == VM_PROC_FUNCTION || p->event == VM_PROC_RETURN ||
		p->event == VM_PROC_PLT || p->event == VM_PROC_PLT_RETURN ||
		p->event == VM_PROC_MARK);
}

static bool from_glob(const struct vm_probe *p)
{
	return p->pn && strpbrk(p->pn, "*?[") != NULL;
}

static int add(const struct vm_probe *p, int verbose)
{
	struct site *s = calloc(1, sizeof(*s));
	enum uprobe_tier tier;
	char reason[160];
	int r;

	if (!s)
		return -ENOMEM;
	s->p = p;
	s->ret = p->event == VM_PROC_RETURN || p->event == VM_PROC_PLT_RETURN;
	s->uc.data = s;
	s->uc.handler = on_entry;
	s->uc.ret_handler = on_return;
	r = uprobe_describe(p->module, p->offset, &tier, reason, sizeof(reason));
	if (r < 0)
		snprintf(reason, sizeof(reason), "%s", strerror(-r));
	if (verbose)
		fprintf(stderr, "ustap: probe %s (%s:0x%" PRIx64 "): %s\n", p->pp, p->module,
			p->offset, reason);
	r = s->ret ? uretprobe_register(p->module, p->offset, &s->uc)
	    : p->sdt_semaphore
		    ? uprobe_register_refctr(p->module, p->offset, p->sdt_semaphore, &s->uc)
		    : uprobe_register(p->module, p->offset, &s->uc);
	if (r < 0) {
		if (!from_glob(p))
			fprintf(stderr, "ERROR: cannot probe %s (%s:0x%" PRIx64 "): %s\n", p->pp,
				p->module, p->offset, r == -EOPNOTSUPP ? reason : strerror(-r));
		free(s);
		return from_glob(p) ? 0 : r;
	}
	s->next = sites;
	sites = s;
	return 1;
}

int uprobes_register_all(const struct vm_program *prog, int verbose)
{
	int n = 0;

	for (uint32_t i = 0; i < prog->nprobes; i++) {
		int r;

		if (!is_uprobe(&prog->probes[i]))
			continue;
		r = add(&prog->probes[i], verbose);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

void uprobes_unregister_all(void)
{
	while (sites) {
		struct site *s = sites;

		sites = s->next;
		if (s->ret)
			uretprobe_unregister(s->p->module, s->p->offset, &s->uc);
		else
			uprobe_unregister(s->p->module, s->p->offset, &s->uc);
		free(s);
	}
}
