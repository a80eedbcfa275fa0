/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bytecode: the program's disassembly (ustap -p3).  The dump lists the constant pools, the
 * globals with their shapes, the probes and which chunk handles them, then every chunk: its
 * locals and one line per instruction, "  pc  NAME  operands  ; meaning", operands decoded from
 * the opcode table's format string (vm/opcodes.h) so that a new opcode needs no new printing
 * code.
 */
#include <inttypes.h>
#include <string.h>

#include "lang/codegen.h"
#include "vm/rt/builtins.h"

static const char *type_name(uint8_t t)
{
	return t == VM_T_STR ? "string" : t == VM_T_STAT ? "stats" : "long";
}

static void quoted(struct strbuf *out, const char *s)
{
	char buf[4096];
	struct rt_out o = {buf, 0, sizeof(buf), 0};

	rt_escape(&o, s, strlen(s));
	sb_putc(out, '"');
	sb_append(out, buf, o.len);
	sb_putc(out, '"');
}

static void global_line(const struct vm_program *prog, uint32_t i, struct strbuf *out)
{
	const struct vm_global *g = &prog->globals[i];

	sb_printf(out, "global %u: %s %s", i, g->name, type_name(g->type));
	if (g->nkeys) {
		sb_append(out, " [", 2);
		for (unsigned k = 0; k < g->nkeys; k++)
			sb_printf(out, "%s%s", k ? ", " : "", type_name(g->key_types[k]));
		sb_printf(out, "] max %u%s", g->maxentries, g->wrap ? " wrap" : "");
	}
	if (g->hist.kind == RT_HIST_LOG)
		sb_append(out, " hist_log", 9);
	else if (g->hist.kind == RT_HIST_LINEAR)
		sb_printf(out, " hist_linear(%" PRId64 ", %" PRId64 ", %" PRId64 ")", g->hist.lo,
			  g->hist.hi, g->hist.step);
	if (g->has_init) {
		sb_append(out, " = ", 3);
		if (g->type == VM_T_STR)
			quoted(out, g->init_str);
		else
			sb_printf(out, "%" PRId64, g->init_long);
	}
	if (g->autoprint)
		sb_append(out, " autoprint", 10);
	sb_putc(out, '\n');
}

static void operands(const struct vm_program *prog, const struct vm_chunk *c,
		     const struct vm_insn *in, struct strbuf *out)
{
	const char *fmt = vm_opcodes[in->op].fmt;

	if (!strcmp(fmt, "i")) {
		sb_printf(out, "%d", in->b);
	} else if (!strcmp(fmt, "k")) {
		sb_printf(out, "%d ; %" PRId64, in->b, prog->longs[in->b]);
	} else if (!strcmp(fmt, "s")) {
		sb_printf(out, "%d ; ", in->b);
		quoted(out, prog->strs[in->b]);
	} else if (!strcmp(fmt, "l")) {
		sb_printf(out, "%u", in->a);
	} else if (!strcmp(fmt, "g")) {
		sb_printf(out, "%u ; %s", in->a, prog->globals[in->a].name);
	} else if (!strcmp(fmt, "j")) {
		sb_printf(out, "-> %d", in->b);
	} else if (!strcmp(fmt, "f")) {
		sb_printf(out, "%u, %d ; %s", in->a, in->b, prog->chunks[in->a].name);
	} else if (!strcmp(fmt, "n")) {
		sb_printf(out, "%u, %d ; %s()", in->a, in->b, rt_builtins[in->a].name);
	} else if (!strcmp(fmt, "F")) {
		sb_printf(out, "%u, %d ; ", in->a, in->b);
		quoted(out, prog->formats[in->a]->text);
	} else if (!strcmp(fmt, "r")) {
		sb_printf(out, "%d ; ", in->b);
		quoted(out, prog->regex_src[in->b]);
	} else if (!strcmp(fmt, "go")) {
		const char *op = rt_stat_op_name(in->b);

		sb_printf(out, "%u, %s ; %s", in->a, op ? op : "?", prog->globals[in->a].name);
	} else if (!strcmp(fmt, "gi")) {
		sb_printf(out, "%u, %d ; %s", in->a, in->b, prog->globals[in->a].name);
	} else if (!strcmp(fmt, "gm")) {
		sb_printf(out, "%u, 0x%x ; %s", in->a, (unsigned)in->b, prog->globals[in->a].name);
	} else if (!strcmp(fmt, "gI")) {
		const struct vm_iter_desc *d = &prog->iters[in->b];

		sb_printf(out, "%u, %d ; %s", in->a, in->b, prog->globals[in->a].name);
		if (d->sort_dir)
			sb_printf(out, " sort %s col %u", d->sort_dir > 0 ? "+" : "-", d->sort_col);
		if (d->has_limit)
			sb_append(out, " limit", 6);
		if (d->nslice)
			sb_printf(out, " slice 0x%x", d->slice_mask);
	} else if (!strcmp(fmt, "lj")) {
		if (in->a == VM_NO_LOCAL)
			sb_printf(out, "-, -> %d", in->b);
		else
			sb_printf(out, "%u, -> %d", in->a, in->b);
	} else if (!strcmp(fmt, "li")) {
		sb_printf(out, "%u, %d", in->a, in->b);
	}
	(void)c;
}

static void chunk(const struct vm_program *prog, uint32_t i, struct strbuf *out)
{
	const struct vm_chunk *c = &prog->chunks[i];

	sb_printf(out, "chunk %u: %s (%u params, %u locals:", i, c->name, c->nparams, c->nlocals);
	for (unsigned k = 0; k < c->nlocals; k++)
		sb_printf(out, " %s", type_name(c->local_types[k]));
	sb_append(out, ")\n", 2);
	for (uint32_t pc = 0; pc < c->ncode; pc++) {
		const struct vm_insn *in = &c->code[pc];
		size_t start = out->len;

		sb_printf(out, "  %4u  %-8s", pc, vm_opcode_name(in->op));
		if (vm_opcodes[in->op].fmt[0])
			sb_putc(out, ' ');
		operands(prog, c, in, out);
		while (out->len > start && out->buf[out->len - 1] == ' ')
			out->buf[--out->len] = '\0';
		sb_putc(out, '\n');
	}
}

void vm_program_dump(const struct vm_program *prog, struct strbuf *out)
{
	static const char *const kinds[] = {"begin", "end", "error", "never", "timer", "process"};

	sb_printf(out,
		  "# limits: MAXACTION=%" PRId64 " MAXSTRINGLEN=%" PRId64 " MAXMAPENTRIES=%" PRId64
		  " MAXNESTING=%" PRId64 "\n",
		  prog->limits.maxaction, prog->limits.maxstringlen, prog->limits.maxmapentries,
		  prog->limits.maxnesting);
	if (prog->nglobals)
		sb_append(out, "# globals\n", 10);
	for (uint32_t i = 0; i < prog->nglobals; i++)
		global_line(prog, i, out);
	sb_append(out, "# probes\n", 9);
	for (uint32_t i = 0; i < prog->nprobes; i++) {
		const struct vm_probe *p = &prog->probes[i];

		sb_printf(out, "probe %u: %s (%s", i, p->pp, kinds[p->kind]);
		if (p->kind == VM_PROBE_TIMER)
			sb_printf(out, ", every %" PRIu64 " ns", p->interval_ns);
		if (p->randomize_ns)
			sb_printf(out, " +/- %" PRIu64 " ns", p->randomize_ns);
		if (p->priority)
			sb_printf(out, ", priority %" PRId64, p->priority);
		sb_printf(out, ") -> chunk %u\n", p->handler);
	}
	sb_append(out, "# code\n", 7);
	for (uint32_t i = 0; i < prog->nchunks; i++)
		chunk(prog, i, out);
}
