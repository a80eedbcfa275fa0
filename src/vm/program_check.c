/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * program_check: whether the VM can run a program without reading or writing outside its
 * tables and its region.  Every index that an instruction, a probe or a foreach descriptor
 * holds must be in range of the table it names, with the arity the callee or the format
 * expects; a global op must name a global of its kind (scalar or map, aggregate or not); every
 * chunk must end in NEXT, RET or JMP, so that the VM cannot run off its code, and only a
 * function may RET; every global's shape must lay out without overflow (within
 * VM_MAX_GLOBALS_BYTES in all), and the runtime's own fields (a marker argument's size, a
 * writable target variable's size, @variance's shift) must be in the range it assumes.
 *
 * vm_program_unpack runs this on every image, since an image comes from another process;
 * codegen's programs pass it by construction (the unit tests check that).  What it does not
 * prove is codegen's stack discipline (that an instruction finds the values it pops, of the
 * types it expects): the image's checksum is what keeps that intact in transit.
 */
#include <errno.h>

#include "vm/cstring.h"
#include "vm/rt/builtins.h"
#include "vm/vm.h"

#define MAX_MAXSTRINGLEN   (1u << 30)
#define MAX_MAP_ENTRIES	   (1u << 30) /* rt_map_layout_init doubles cap up to 2 * entries */
#define MAX_HIST_BUCKETS   (1u << 24)
#define MAX_VARIANCE_SHIFT 31 /* rt_stat_get shifts by 2 * shift */

static uint64_t align16(uint64_t n)
{
	return (n + 15u) & ~(uint64_t)15u;
}

static int check_limits(const struct vm_limits *l)
{
	if (l->maxstringlen < 2 || l->maxstringlen > MAX_MAXSTRINGLEN)
		return -EINVAL;
	if (l->maxaction < 0 || l->maxaction > INT64_MAX / 10) /* x 10 when interruptible */
		return -EINVAL;
	if (l->maxnesting < 0 || l->maxmapentries < 0)
		return -EINVAL;
	return 0;
}

/* The bucket count rt_hist_init gives h, computed without overflow; -1 when out of range. */
static int64_t hist_buckets(const struct rt_hist *h)
{
	int64_t span;

	switch (h->kind) {
	case RT_HIST_NONE:
		return 0;
	case RT_HIST_LOG:
		return RT_HIST_LOG_BUCKETS;
	case RT_HIST_LINEAR:
		if (h->step <= 0 || h->hi <= h->lo)
			return 0;
		if (__builtin_sub_overflow(h->hi, h->lo, &span) ||
		    span / h->step + 3 > MAX_HIST_BUCKETS)
			return -1;
		return span / h->step + 3;
	}
	return -1;
}

/* The bytes global g takes in the region (as vm_layout counts them), or 0 when it is invalid. */
static uint64_t global_bytes(const struct vm_global *g, uint64_t maxstr)
{
	int64_t nb = hist_buckets(&g->hist);
	uint64_t val, off, cap;

	if (g->type > VM_T_STAT || g->nkeys > RT_MAP_MAX_KEYS || nb < 0 ||
	    (uint64_t)nb != g->hist.nbuckets || g->shift < 0 || g->shift > MAX_VARIANCE_SHIFT)
		return 0;
	if (g->has_init && !g->nkeys && g->type == VM_T_STR && !g->init_str)
		return 0;
	val = g->type == VM_T_LONG ? 8 : g->type == VM_T_STR ? maxstr : rt_stat_size(&g->hist);
	if (!g->nkeys)
		return align16(val);
	if (g->maxentries > MAX_MAP_ENTRIES)
		return 0;
	off = sizeof(struct rt_map_entry);
	for (unsigned k = 0; k < g->nkeys; k++) {
		if (g->key_types[k] != VM_T_LONG && g->key_types[k] != VM_T_STR)
			return 0;
		off += g->key_types[k] == VM_T_STR ? maxstr : 8;
	}
	off = ((off + 7u) & ~7ull) + ((val + 7u) & ~7ull);
	if (off > UINT32_MAX)
		return 0;
	for (cap = 8; cap < 2ull * (g->maxentries ? g->maxentries : 1);)
		cap *= 2;
	return align16(sizeof(struct rt_map) + cap * off);
}

static int check_globals(const struct vm_program *prog)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < prog->nglobals; i++) {
		uint64_t n = global_bytes(&prog->globals[i], (uint64_t)prog->limits.maxstringlen);

		if (!prog->globals[i].name || !n || n > VM_MAX_GLOBALS_BYTES - total)
			return -EINVAL;
		total += n;
	}
	return 0;
}

/* The arguments rt_format_run reads for f: one per conversion, one per '*'. */
static uint32_t format_args(const struct rt_format *f)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < f->nspecs; i++) {
		const struct rt_fmt_spec *sp = &f->specs[i];

		if (sp->conv != RT_CONV_LIT && sp->conv != RT_CONV_PCT)
			n += 1 + (sp->width == RT_FMT_STAR) + (sp->prec == RT_FMT_STAR);
	}
	return n;
}

static int check_format(const struct rt_format *f)
{
	size_t len;

	if (!f || !f->text || (f->nspecs && !f->specs))
		return -EINVAL;
	len = strlen(f->text);
	for (uint32_t i = 0; i < f->nspecs; i++) {
		const struct rt_fmt_spec *sp = &f->specs[i];

		if (sp->conv > RT_CONV_PCT)
			return -EINVAL;
		if (sp->conv == RT_CONV_LIT && (uint64_t)sp->off + sp->len > len)
			return -EINVAL;
		if (sp->conv != RT_CONV_LIT && (sp->width < RT_FMT_STAR || sp->prec < RT_FMT_STAR))
			return -EINVAL;
	}
	return format_args(f) <= f->nargs ? 0 : -EINVAL;
}

static int check_strings(const char *const *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!v[i])
			return -EINVAL;
	return 0;
}

static int check_tv(const struct rt_tv_expr *e)
{
	if (e->nitems && !e->items)
		return -EINVAL;
	for (uint32_t i = 0; i < e->nitems; i++) {
		const struct rt_tv_item *it = &e->items[i];

		if (!it->text || it->fmt > RT_TV_UNAVAIL || (it->nsteps && !it->steps))
			return -EINVAL;
		if (it->writable && (it->size < 1 || it->size > 8))
			return -EINVAL;
		for (unsigned s = 0; s < it->nsteps; s++)
			if (it->steps[s].op > RT_TV_INDEX)
				return -EINVAL;
	}
	return 0;
}

static int check_probe(const struct vm_program *prog, const struct vm_probe *p)
{
	if ((unsigned)p->kind > VM_PROBE_PROCESS || (unsigned)p->event > VM_PROC_MARK || !p->pp)
		return -EINVAL;
	if (p->handler < prog->nfuncs || p->handler >= prog->nchunks)
		return -EINVAL;
	if ((p->sdt_nargs && !p->sdt_args) || (p->ntv && !p->tv))
		return -EINVAL;
	for (uint32_t i = 0; i < p->sdt_nargs; i++) {
		const struct rt_sdt_arg *a = &p->sdt_args[i];

		if (a->kind > RT_SDT_MEM || a->size < 1 || a->size > 8)
			return -EINVAL;
	}
	for (uint32_t i = 0; i < p->ntv; i++)
		if (check_tv(&p->tv[i]) < 0)
			return -EINVAL;
	return 0;
}

enum want {
	ANY = 0,
	SCALAR = 1, /* nkeys == 0 */
	MAP = 2,    /* nkeys > 0 */
	STAT = 4,   /* type VM_T_STAT */
	NOT_STAT = 8,
	LONG = 16, /* type VM_T_LONG */
};

/* What each global instruction needs of its global. */
static unsigned global_want(enum vm_opcode op)
{
	switch (op) {
	case VM_OP_LDG:
	case VM_OP_STG:
		return SCALAR | NOT_STAT;
	case VM_OP_GCLEAR:
		return SCALAR;
	case VM_OP_ADDG:
		return SCALAR | LONG;
	case VM_OP_SADD:
	case VM_OP_SGET:
	case VM_OP_HPRINT:
		return SCALAR | STAT;
	case VM_OP_MGET:
	case VM_OP_MSET:
		return MAP | NOT_STAT;
	case VM_OP_MSADD:
	case VM_OP_MSGET:
	case VM_OP_MHPRINT:
		return MAP | STAT;
	default:
		return MAP;
	}
}

static bool global_ok(const struct vm_program *prog, enum vm_opcode op, uint32_t gi)
{
	unsigned want = global_want(op);
	const struct vm_global *g;

	if (gi >= prog->nglobals)
		return false;
	g = &prog->globals[gi];
	return !((want & SCALAR && g->nkeys) || (want & MAP && !g->nkeys) ||
		 (want & STAT && g->type != VM_T_STAT) ||
		 (want & NOT_STAT && g->type == VM_T_STAT) ||
		 (want & LONG && g->type != VM_T_LONG));
}

static bool iter_ok(const struct vm_program *prog, uint32_t gi, int32_t d)
{
	const struct vm_iter_desc *it;
	unsigned nkeys = prog->globals[gi].nkeys, sliced = 0;

	if (d < 0 || (uint32_t)d >= prog->niters)
		return false;
	it = &prog->iters[d];
	for (unsigned k = 0; k < nkeys; k++)
		sliced += !(it->slice_mask & (1u << k));
	return it->has_limit <= 1 && it->nslice == sliced && it->sort_dir >= -1 &&
	       it->sort_dir <= 1 && it->sort_col <= nkeys && it->sort_aggr <= RT_STAT_VARIANCE;
}

static bool local_ok(const struct vm_chunk *c, uint16_t a)
{
	return a < c->nlocals;
}

static bool target_ok(const struct vm_chunk *c, int32_t b)
{
	return b >= 0 && (uint32_t)b < c->ncode;
}

/* The operands of instruction in of chunk c, by the operand format of its opcode. */
static bool insn_ok(const struct vm_program *prog, const struct vm_chunk *c, bool function,
		    const struct vm_insn *in)
{
	const char *fmt;
	enum vm_opcode op = (enum vm_opcode)in->op;

	if (in->op >= VM_OP_COUNT)
		return false;
	fmt = vm_opcodes[op].fmt;
	switch (fmt[0]) {
	case '\0':
		return op != VM_OP_RET || function;
	case 'i':
		return op != VM_OP_DUPN || (in->b >= 0 && in->b <= RT_MAP_MAX_KEYS);
	case 'k':
		return in->b >= 0 && (uint32_t)in->b < prog->nlongs;
	case 's':
		return in->b >= 0 && (uint32_t)in->b < prog->nstrs;
	case 'j':
		return target_ok(c, in->b);
	case 'f':
		return in->a < prog->nfuncs && in->b == prog->chunks[in->a].nparams;
	case 'n':
		return in->a < RT_B_COUNT && in->b >= 0 &&
		       (size_t)in->b == strlen(rt_builtins[in->a].args);
	case 'F':
		return in->a < prog->nformats && in->b >= 0 &&
		       (uint32_t)in->b == prog->formats[in->a]->nargs;
	case 'r':
		return in->b >= 0 && (uint32_t)in->b < prog->nregexes;
	case 'g':
		if (!global_ok(prog, op, in->a))
			return false;
		if (fmt[1] == 'o')
			return in->b >= RT_STAT_COUNT && in->b <= RT_STAT_VARIANCE;
		if (fmt[1] == 'I')
			return iter_ok(prog, in->a, in->b);
		return true;
	case 'l':
		if (fmt[1] == 'j')
			return target_ok(c, in->b) &&
			       (local_ok(c, in->a) || (op == VM_OP_TRY && in->a == VM_NO_LOCAL));
		if (fmt[1] == 'i')
			return local_ok(c, in->a) && in->b >= 0 && in->b < RT_MAP_MAX_KEYS;
		return local_ok(c, in->a);
	}
	return false;
}

static int check_chunk(const struct vm_program *prog, uint32_t i)
{
	const struct vm_chunk *c = &prog->chunks[i];
	enum vm_opcode last;

	if (!c->name || !c->ncode || !c->code || !c->locs || (c->nlocals && !c->local_types) ||
	    c->nparams > c->nlocals || c->ret_type > VM_T_STAT)
		return -EINVAL;
	for (unsigned k = 0; k < c->nlocals; k++)
		if (c->local_types[k] > VM_T_STAT)
			return -EINVAL;
	for (uint32_t pc = 0; pc < c->ncode; pc++)
		if (!insn_ok(prog, c, i < prog->nfuncs, &c->code[pc]) || c->locs[pc] >= prog->nlocs)
			return -EINVAL;
	last = (enum vm_opcode)c->code[c->ncode - 1].op;
	return last == VM_OP_NEXT || last == VM_OP_RET || last == VM_OP_JMP ? 0 : -EINVAL;
}

int vm_program_check(const struct vm_program *prog)
{
	if (check_limits(&prog->limits) < 0 || prog->nfuncs > prog->nchunks || !prog->nlocs)
		return -EINVAL;
	if (check_strings(prog->strs, prog->nstrs) < 0 ||
	    check_strings(prog->regex_src, prog->nregexes) < 0 ||
	    check_strings(prog->locs, prog->nlocs) < 0)
		return -EINVAL;
	for (uint32_t i = 0; i < prog->nformats; i++)
		if (check_format(prog->formats[i]) < 0)
			return -EINVAL;
	if (check_globals(prog) < 0)
		return -EINVAL;
	for (uint32_t i = 0; i < prog->nchunks; i++)
		if (check_chunk(prog, i) < 0)
			return -EINVAL;
	for (uint32_t i = 0; i < prog->nprobes; i++)
		if (check_probe(prog, &prog->probes[i]) < 0)
			return -EINVAL;
	return 0;
}
