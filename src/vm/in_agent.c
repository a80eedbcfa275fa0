/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * in_agent: whether a probe's handler can run inside the traced process, in the agent's VM
 * (src/agent/host_agent.c), or must stay with the tracer.  The tracer asks before it gives a
 * probe to a jump-patched site; the answer is about the program alone, so it is decided from
 * the bytecode, never by running it.
 *
 * The agent's host has what a handler needs for its own state and for the hit (globals,
 * maps, output, clocks, the registers, reads of the program's memory) but no symbols, no
 * unwinder, no /proc, no module load biases, no regex engine and no writer of the program's
 * memory.  So a handler runs there when neither it nor any function it calls, transitively,
 * reaches one of those: a regex match (MATCH), a built-in whose where column in
 * RT_BUILTIN_LIST says so (builtins.h), a target variable whose plan starts at a module
 * address the hit's pc does not locate (the probe is not a .function of that very module, so
 * rt/target.c would ask the host for the module's bias), or a guru-mode write to anything but
 * a register the trampoline puts back.  Return probes and the entry halves of @entry stay
 * with the tracer too: there are no in-process return probes yet.  Target variables are
 * judged by every plan of the probe, not just the ones a path reaches: a probe's plans are
 * the ones its handler names.
 *
 * The walk needs no allocation (src/vm is freestanding): two bitmaps on the stack, of
 * functions to scan and functions scanned, swept until no new callee turns up, for at most
 * IN_AGENT_FUNCS functions; a program with more is refused with that reason.  The reason for
 * a refusal is the first one found, the handler's own before its callees', in -v style:
 * "usymname() needs the tracer", with the function it is in when it is not the handler
 * ("(in function f)", the chunk's name).
 */
#include "vm/cstring.h"
#include "vm/rt/builtins.h"
#include "vm/vm.h"

#define IN_AGENT_FUNCS (1u << 16)
#define DWARF_RSP      7

struct walk {
	const struct vm_program *prog;
	const struct vm_probe *p;
	char *why;
	size_t len;
	uint64_t want[IN_AGENT_FUNCS / 64];
	uint64_t done[IN_AGENT_FUNCS / 64];
};

static size_t put(char *buf, size_t len, size_t at, const char *s)
{
	while (*s && at + 1 < len)
		buf[at++] = *s++;
	if (len)
		buf[at] = '\0';
	return at;
}

/* 0, with why = a b, and " (in NAME)" when chunk is a function, not the handler. */
static int refuse(struct walk *w, const struct vm_chunk *c, const char *a, const char *b)
{
	size_t at = put(w->why, w->len, 0, a);

	at = put(w->why, w->len, at, b);
	if (c && c != &w->prog->chunks[w->p->handler] && c->name) {
		at = put(w->why, w->len, at, " (in ");
		at = put(w->why, w->len, at, c->name);
		put(w->why, w->len, at, ")");
	}
	return 0;
}

/* Whether item's plan finds its module's load bias from the hit's pc alone (rt/target.c). */
static bool bias_from_pc(const struct vm_probe *p, const struct rt_tv_item *it)
{
	const char *module = it->module ? it->module : p->module;

	for (unsigned i = 0; i < it->nsteps; i++)
		if (it->steps[i].op == RT_TV_ADDR && !(p->event == VM_PROC_FUNCTION && p->module &&
						       module && !strcmp(module, p->module)))
			return false;
	return true;
}

/* A guru-mode write the agent can do: all 64 bits of a register it puts back. */
static bool register_write(const struct rt_tv_item *it)
{
	return it->nsteps == 1 && it->steps[0].op == RT_TV_REG && it->steps[0].reg >= 0 &&
	       it->steps[0].reg <= 15 && it->steps[0].reg != DWARF_RSP;
}

static int target_vars(struct walk *w, const struct vm_chunk *c, bool write)
{
	const struct vm_probe *p = w->p;

	for (uint32_t k = 0; k < p->ntv; k++)
		for (uint32_t i = 0; i < p->tv[k].nitems; i++) {
			const struct rt_tv_item *it = &p->tv[k].items[i];

			if (!bias_from_pc(p, it))
				return refuse(w, c, "a global target variable needs the tracer",
					      "");
			if (write && it->writable && !register_write(it))
				return refuse(w, c, "guru-mode writes need the tracer", "");
		}
	return 1;
}

static int builtin(struct walk *w, const struct vm_chunk *c, int32_t id)
{
	const struct rt_builtin_info *b;

	if (id < 0 || id >= RT_B_COUNT)
		return refuse(w, c, "an unknown built-in", "");
	b = &rt_builtins[id];
	switch (b->where) {
	case 'a':
		return 1;
	case 'f':
		if (w->p->func && *w->p->func)
			return 1;
		break;
	case 'v':
	case 'w':
		return target_vars(w, c, b->where == 'w');
	default:
		break;
	}
	return refuse(w, c, b->name, "() needs the tracer");
}

/* 1 when chunk c may run in the agent, its callees marked in want; else 0 with why. */
static int scan(struct walk *w, const struct vm_chunk *c)
{
	for (uint32_t pc = 0; pc < c->ncode; pc++) {
		const struct vm_insn *in = &c->code[pc];

		switch (in->op) {
		case VM_OP_MATCH:
			return refuse(w, c, "regex matching needs the tracer", "");
		case VM_OP_CALLB:
			if (!builtin(w, c, in->a))
				return 0;
			break;
		case VM_OP_CALL:
			if (in->a >= w->prog->nfuncs)
				return refuse(w, c, "a call of no function", "");
			w->want[in->a / 64] |= 1ull << (in->a % 64);
			break;
		default:
			break;
		}
	}
	return 1;
}

static int walk_calls(struct walk *w)
{
	bool more = true;

	while (more) {
		more = false;
		for (uint32_t i = 0; i < (w->prog->nfuncs + 63) / 64; i++) {
			uint64_t todo;

			while ((todo = w->want[i] & ~w->done[i])) {
				uint32_t f = i * 64 + (uint32_t)__builtin_ctzll(todo);

				w->done[i] |= 1ull << (f % 64);
				if (!scan(w, &w->prog->chunks[f]))
					return 0;
				more = true;
			}
		}
	}
	return 1;
}

int vm_probe_in_agent(const struct vm_program *prog, const struct vm_probe *p, char *why,
		      size_t len)
{
	struct walk w;

	memset(&w, 0, sizeof(w));
	w.prog = prog;
	w.p = p;
	w.why = why;
	w.len = len;
	put(why, len, 0, "");
	if (p->kind != VM_PROBE_PROCESS ||
	    (p->event != VM_PROC_FUNCTION && p->event != VM_PROC_PLT && p->event != VM_PROC_MARK &&
	     p->event != VM_PROC_RETURN && p->event != VM_PROC_PLT_RETURN))
		return refuse(&w, NULL, "not a probe at an address", "");
	if (p->event == VM_PROC_RETURN || p->event == VM_PROC_PLT_RETURN)
		return refuse(&w, NULL, "return probes need the tracer", "");
	if (p->saves_entry)
		return refuse(&w, NULL, "@entry needs the tracer's return probes", "");
	if (p->handler >= prog->nchunks || prog->nfuncs > prog->nchunks)
		return refuse(&w, NULL, "no handler", "");
	if (prog->nfuncs > IN_AGENT_FUNCS)
		return refuse(&w, NULL, "too many functions to check", "");
	if (!scan(&w, &prog->chunks[p->handler]))
		return 0;
	return walk_calls(&w);
}
