/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * consumers: the function, PLT and mark probes of a session, as uprobes consumers.
 *
 * Pass 2 resolved each point to a file and an offset; here each becomes one consumer whose data
 * is its site (the session and the struct vm_probe): an entry probe (uprobe_register, or
 * uprobe_register_refctr for a mark behind an SDT semaphore) or a return probe
 * (uretprobe_register).  A hit runs the probe through script_fire() once the hitting process
 * is one the probe is for (dispatch.c).  Registration happens before the target runs a single
 * instruction of the command, or before the process is watched; how each site will be run
 * (emulated, boosted, stepped) is said as info, as `utrace -v` shows it.  A site that cannot be
 * probed is an error for a point written without wildcards and is skipped for a glob's match.
 * The sites are the session's and are unregistered at its teardown.
 *
 * The in-process tier.  With SCRIPT_TIER_AUTO, a probe whose handler the agent can run
 * (vm_probe_in_agent: no symbols, stacks, regexes or guru writes; an entry probe) and that
 * is for the target is kept back here instead of registered, until the target's image is
 * mapped and the target stopped (target.c: at its exec for -c, at once for -x); then
 * script_consumers_place hands each to uprobes for a jump patch in the target, with its
 * consumer for the trap tier everywhere else (fork children that exec, other processes).  A
 * site uprobes will not patch, or whose file the target does not map yet (a library of a
 * command that has not run), goes to the trap tier as any other probe.  -v says which tier
 * each site got, and why.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script-priv.h"
#include "utrace/uprobe.h"

struct script_site {
	struct uprobe_consumer uc;
	struct script_session *s;
	const struct vm_probe *p;
	bool ret;
	bool pending; /* kept for the in-process tier, not registered yet */
	struct script_site *next;
};

/*
 * The entry half of a .return probe with @entry runs after the prologue, where the return probe
 * of the same function has already hijacked this call: its pending instance names the call by
 * the stack slot of the return address, which the return half gets as hit->slot.  A call that
 * was not hijacked (too deep, or entered before we attached) saves nothing.
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
	struct script_site *site = uc->data;
	struct script_hit h = {.pid = hit->pid, .tid = hit->tid, .regs = hit->regs};

	if (!script_matches(site->s, site->p, hit->pid))
		return 0;
	if (site->p->saves_entry && !(h.call_slot = call_slot(site->p, hit)))
		return 0;
	script_fire(site->s, site->p, &h);
	return 0;
}

static int on_return(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	struct script_site *site = uc->data;
	struct script_hit h = {.pid = hit->pid,
			       .tid = hit->tid,
			       .regs = hit->regs,
			       .is_return = true,
			       .call_slot = hit->slot};

	if (script_matches(site->s, site->p, hit->pid))
		script_fire(site->s, site->p, &h);
	return 0;
}

static bool from_glob(const struct vm_probe *p)
{
	return p->pn && strpbrk(p->pn, "*?[") != NULL;
}

static int reg(struct script_site *site)
{
	const struct vm_probe *p = site->p;

	if (site->ret)
		return uretprobe_register(p->module, p->offset, &site->uc);
	if (p->sdt_semaphore)
		return uprobe_register_refctr(p->module, p->offset, p->sdt_semaphore, &site->uc);
	return uprobe_register(p->module, p->offset, &site->uc);
}

/* Whether p waits for the in-process tier; else why not in why (empty: not asked for). */
static bool for_inproc(struct script_session *s, const struct vm_probe *p, char *why, size_t len)
{
	*why = '\0';
	if (s->opts.tier != SCRIPT_TIER_AUTO || !s->target.pid)
		return false;
	if (p->sdt_semaphore) {
		snprintf(why, len, "in-process: a mark behind a semaphore needs the tracer");
		return false;
	}
	if (!script_matches(s, p, s->target.pid)) {
		snprintf(why, len, "in-process: not for the target process");
		return false;
	}
	if (vm_probe_in_agent(s->prog, p, why, len) == 1)
		return true;
	if (*why) {
		char tmp[160];

		snprintf(tmp, sizeof(tmp), "in-process: %s", why);
		snprintf(why, len, "%s", tmp);
	}
	return false;
}

/* On the trap tier, with -v's line: 0, or -errno (said unless a glob's match). */
static int trap_tier(struct script_session *s, struct script_site *site, const char *why)
{
	const struct vm_probe *p = site->p;
	enum uprobe_tier tier;
	char reason[160];
	int r;

	r = uprobe_describe(p->module, p->offset, &tier, reason, sizeof(reason));
	if (r < 0)
		snprintf(reason, sizeof(reason), "%s", strerror(-r));
	script_say(s, SCRIPT_MSG_INFO, "probe %s (%s:0x%" PRIx64 "): %s%s%s%s", p->pp, p->module,
		   p->offset, reason, *why ? " (" : "", why, *why ? ")" : "");
	r = reg(site);
	if (r < 0 && !from_glob(p))
		script_say(s, SCRIPT_MSG_ERROR, "cannot probe %s (%s:0x%" PRIx64 "): %s", p->pp,
			   p->module, p->offset, r == -EOPNOTSUPP ? reason : strerror(-r));
	return r;
}

/* 1 when p's site was registered or kept, 0 when a glob's match was skipped, or -errno (said). */
static int add(struct script_session *s, const struct vm_probe *p)
{
	struct script_site *site = calloc(1, sizeof(*site));
	char why[160];
	int r;

	if (!site)
		return -ENOMEM;
	site->s = s;
	site->p = p;
	site->ret = script_probe_is_return(p);
	site->uc.data = site;
	site->uc.handler = on_entry;
	site->uc.ret_handler = on_return;
	if (for_inproc(s, p, why, sizeof(why))) {
		site->pending = true;
		site->next = s->sites;
		s->sites = site;
		return 1;
	}
	r = trap_tier(s, site, why);
	if (r < 0) {
		free(site);
		return from_glob(p) ? 0 : r;
	}
	site->next = s->sites;
	s->sites = site;
	return 1;
}

int script_consumers_add(struct script_session *s)
{
	int n = 0;

	for (uint32_t i = 0; i < s->prog->nprobes; i++) {
		int r;

		if (!script_probe_is_uprobe(&s->prog->probes[i]))
			continue;
		r = add(s, &s->prog->probes[i]);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

bool script_consumers_pending(const struct script_session *s)
{
	for (const struct script_site *site = s->sites; site; site = site->next)
		if (site->pending)
			return true;
	return false;
}

/*
 * Whether a probe on the trap tier shares @site's address: a patched site has no int3 in the
 * target, so the two could not both run there, and the site stays the trap tier's.
 */
static bool shares_trap_site(const struct script_session *s, const struct script_site *site)
{
	for (const struct script_site *o = s->sites; o; o = o->next)
		if (o != site && !o->pending && o->p->offset == site->p->offset &&
		    !strcmp(o->p->module, site->p->module))
			return true;
	return false;
}

/* One kept probe, in @pid or (on failure) on the trap tier; false when it is gone. */
static bool place(struct script_session *s, struct script_site *site, pid_t pid)
{
	const struct vm_probe *p = site->p;
	uint32_t probe = (uint32_t)(p - s->prog->probes);
	char reason[160] = "";
	int n = -1, r;

	site->pending = false;
	if (!pid)
		return trap_tier(s, site, "in-process: the agent is not in the target") == 0;
	if (shares_trap_site(s, site))
		return trap_tier(s, site, "in-process: another probe there needs the trap tier") ==
		       0;
	r = uprobe_inproc_add(pid, p->module, p->offset, probe, &site->uc, &n, reason,
			      sizeof(reason));
	if (r == 0) {
		/* x86_patch_analyze says "patchable: 8 bytes: ..."; it is patched now. */
		const char *what = strncmp(reason, "patchable: ", 11) ? reason : reason + 11;

		script_say(s, SCRIPT_MSG_INFO,
			   "probe %s (%s:0x%" PRIx64 "): patched (in-process): %s", p->pp,
			   p->module, p->offset, what);
		return true;
	}
	if (r == 1) {
		script_say(s, SCRIPT_MSG_INFO, "probe %s (%s:0x%" PRIx64 "): trap tier (%s)", p->pp,
			   p->module, p->offset, reason);
		return true;
	}
	snprintf(reason, sizeof(reason), "in-process: %s",
		 r == -ENOENT ? "the file is not mapped in the target yet" : strerror(-r));
	return trap_tier(s, site, reason) == 0;
}

void script_consumers_place(struct script_session *s, pid_t pid)
{
	struct script_site *site, **link;

	for (link = &s->sites; (site = *link);) {
		if (!site->pending || place(s, site, pid)) {
			link = &site->next;
			continue;
		}
		*link = site->next;
		free(site);
	}
}

void script_consumers_remove(struct script_session *s)
{
	while (s->sites) {
		struct script_site *site = s->sites;

		s->sites = site->next;
		if (site->ret && !site->pending)
			uretprobe_unregister(site->p->module, site->p->offset, &site->uc);
		else if (!site->pending)
			uprobe_unregister(site->p->module, site->p->offset, &site->uc);
		free(site);
	}
}
