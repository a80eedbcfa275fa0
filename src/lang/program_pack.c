/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * program_pack: a compiled program into the pointer-free image of vm/image.h, for the agent.
 * Each section is built in its own buffer as the program is walked, so a range of records (a
 * chunk's code, a probe's target variables) is simply the section's length before and after;
 * the header then records where each section lands, 8-aligned, and the checksum seals the
 * lot.  Strings go into one table, each distinct string once (a tsearch tree maps a string to
 * its offset), "" first so that offset 0 is the empty string; a NULL string is VM_IMAGE_NONE.
 * Records are built from zeroed locals, so padding is zero and the same program always packs
 * to the same bytes.  Memory runs out only by aborting, as in codegen (strbuf).
 */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "lang/program_pack.h"
#include "util/strbuf.h"
#include "vm/image.h"

struct interned {
	const char *s;
	uint32_t off;
};

struct pack {
	struct strbuf sec[VM_IMAGE_NSECTIONS];
	void *strings; /* struct interned, by s */
	bool too_big;
};

static int by_string(const void *a, const void *b)
{
	return strcmp(((const struct interned *)a)->s, ((const struct interned *)b)->s);
}

static uint32_t nrecords(const struct pack *pk, enum vm_image_section_id s)
{
	return (uint32_t)(pk->sec[s].len / vm_image_record_size[s]);
}

static void put(struct pack *pk, enum vm_image_section_id s, const void *rec)
{
	sb_append(&pk->sec[s], rec, vm_image_record_size[s]);
}

static uint32_t string(struct pack *pk, const char *s)
{
	struct interned key = {s, 0}, *in, **found;
	struct strbuf *tab = &pk->sec[VM_IMAGE_STRTAB];
	size_t n;

	if (!s)
		return VM_IMAGE_NONE;
	found = (struct interned **)tfind(&key, &pk->strings, by_string);
	if (found)
		return (*found)->off;
	n = strlen(s);
	if (tab->len + n + 1 >= VM_IMAGE_NONE) {
		pk->too_big = true;
		return 0;
	}
	in = malloc(sizeof(*in));
	if (!in)
		abort();
	in->s = s;
	in->off = (uint32_t)tab->len;
	if (!tsearch(in, &pk->strings, by_string))
		abort();
	sb_append(tab, s, n + 1);
	return in->off;
}

static void strings(struct pack *pk, enum vm_image_section_id s, const char *const *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t off = string(pk, v[i]);

		put(pk, s, &off);
	}
}

static void format(struct pack *pk, const struct rt_format *f)
{
	struct vm_image_format r = {0};

	r.text = string(pk, f->text);
	r.specs = nrecords(pk, VM_IMAGE_SPECS);
	r.nspecs = f->nspecs;
	r.nargs = f->nargs;
	for (uint32_t i = 0; i < f->nspecs; i++) {
		const struct rt_fmt_spec *sp = &f->specs[i];
		struct vm_image_spec s = {0};

		s.conv = sp->conv;
		s.flags = sp->flags;
		s.width = sp->width;
		s.prec = sp->prec;
		s.off = sp->off;
		s.len = sp->len;
		put(pk, VM_IMAGE_SPECS, &s);
	}
	put(pk, VM_IMAGE_FORMATS, &r);
}

static void global(struct pack *pk, const struct vm_global *g)
{
	struct vm_image_global r = {0};

	r.name = string(pk, g->name);
	r.init_str = string(pk, g->init_str);
	r.type = g->type;
	r.nkeys = g->nkeys;
	memcpy(r.key_types, g->key_types, sizeof(r.key_types));
	r.wrap = g->wrap;
	r.autoprint = g->autoprint;
	r.has_init = g->has_init;
	r.maxentries = g->maxentries;
	r.shift = g->shift;
	r.hist_kind = g->hist.kind;
	r.hist_lo = g->hist.lo;
	r.hist_hi = g->hist.hi;
	r.hist_step = g->hist.step;
	r.hist_nbuckets = g->hist.nbuckets;
	r.init_long = g->init_long;
	put(pk, VM_IMAGE_GLOBALS, &r);
}

static void chunk(struct pack *pk, const struct vm_chunk *c)
{
	struct vm_image_chunk r = {0};

	r.name = string(pk, c->name);
	r.code = nrecords(pk, VM_IMAGE_CODE);
	r.ncode = c->ncode;
	r.local_types = nrecords(pk, VM_IMAGE_LOCALTYPES);
	r.nparams = c->nparams;
	r.nlocals = c->nlocals;
	r.ret_type = c->ret_type;
	for (uint32_t i = 0; i < c->ncode; i++) {
		struct vm_image_insn in = {c->code[i].op, c->code[i].a, c->code[i].b};

		put(pk, VM_IMAGE_CODE, &in);
		put(pk, VM_IMAGE_CODELOCS, &c->locs[i]);
	}
	for (unsigned i = 0; i < c->nlocals; i++)
		put(pk, VM_IMAGE_LOCALTYPES, &c->local_types[i]);
	put(pk, VM_IMAGE_CHUNKS, &r);
}

static void tv_expr(struct pack *pk, const struct rt_tv_expr *e)
{
	struct vm_image_tv_expr r = {nrecords(pk, VM_IMAGE_TVITEMS), e->nitems};

	for (uint32_t i = 0; i < e->nitems; i++) {
		const struct rt_tv_item *it = &e->items[i];
		struct vm_image_tv_item ri = {0};

		ri.text = string(pk, it->text);
		ri.module = string(pk, it->module);
		ri.steps = nrecords(pk, VM_IMAGE_TVSTEPS);
		ri.fmt = it->fmt;
		ri.size = it->size;
		ri.is_signed = it->is_signed;
		ri.nsteps = it->nsteps;
		ri.writable = it->writable;
		for (unsigned s = 0; s < it->nsteps; s++) {
			struct vm_image_tv_step rs = {0};

			rs.op = it->steps[s].op;
			rs.reg = it->steps[s].reg;
			rs.arg = it->steps[s].arg;
			put(pk, VM_IMAGE_TVSTEPS, &rs);
		}
		put(pk, VM_IMAGE_TVITEMS, &ri);
	}
	put(pk, VM_IMAGE_TVEXPRS, &r);
}

static void probe(struct pack *pk, const struct vm_probe *p)
{
	struct vm_image_probe r = {0};

	r.pp = string(pk, p->pp);
	r.pn = string(pk, p->pn);
	r.proc_path = string(pk, p->proc_path);
	r.module = string(pk, p->module);
	r.func = string(pk, p->func);
	r.kind = (uint8_t)p->kind;
	r.event = (uint8_t)p->event;
	r.priority = p->priority;
	r.interval_ns = p->interval_ns;
	r.randomize_ns = p->randomize_ns;
	r.handler = p->handler;
	r.proc_pid = p->proc_pid;
	r.offset = p->offset;
	r.vaddr = p->vaddr;
	r.sdt_semaphore = p->sdt_semaphore;
	r.saves_entry = p->saves_entry;
	r.entry_delta = p->entry_delta;
	r.sdt_args = nrecords(pk, VM_IMAGE_SDTARGS);
	r.sdt_nargs = p->sdt_nargs;
	for (uint32_t i = 0; i < p->sdt_nargs; i++) {
		const struct rt_sdt_arg *a = &p->sdt_args[i];
		struct vm_image_sdt_arg ra = {0};

		ra.kind = a->kind;
		ra.size = a->size;
		ra.is_signed = a->is_signed;
		ra.unsupported = a->unsupported;
		ra.reg = a->reg;
		ra.index_reg = a->index_reg;
		ra.scale = a->scale;
		ra.value = a->value;
		put(pk, VM_IMAGE_SDTARGS, &ra);
	}
	r.tv = nrecords(pk, VM_IMAGE_TVEXPRS);
	r.ntv = p->ntv;
	for (uint32_t i = 0; i < p->ntv; i++)
		tv_expr(pk, &p->tv[i]);
	put(pk, VM_IMAGE_PROBES, &r);
}

static void iter(struct pack *pk, const struct vm_iter_desc *d)
{
	struct vm_image_iter r = {0};

	r.slice_mask = d->slice_mask;
	r.has_limit = d->has_limit;
	r.nslice = d->nslice;
	r.sort_dir = d->sort_dir;
	r.sort_col = d->sort_col;
	r.sort_aggr = d->sort_aggr;
	put(pk, VM_IMAGE_ITERS, &r);
}

static void walk(struct pack *pk, const struct vm_program *prog)
{
	string(pk, "");
	for (uint32_t i = 0; i < prog->nlongs; i++)
		put(pk, VM_IMAGE_LONGS, &prog->longs[i]);
	strings(pk, VM_IMAGE_STRS, prog->strs, prog->nstrs);
	strings(pk, VM_IMAGE_REGEXES, prog->regex_src, prog->nregexes);
	strings(pk, VM_IMAGE_LOCS, prog->locs, prog->nlocs);
	for (uint32_t i = 0; i < prog->nformats; i++)
		format(pk, prog->formats[i]);
	for (uint32_t i = 0; i < prog->nglobals; i++)
		global(pk, &prog->globals[i]);
	for (uint32_t i = 0; i < prog->nchunks; i++)
		chunk(pk, &prog->chunks[i]);
	for (uint32_t i = 0; i < prog->nprobes; i++)
		probe(pk, &prog->probes[i]);
	for (uint32_t i = 0; i < prog->niters; i++)
		iter(pk, &prog->iters[i]);
}

/* The header and the sections, 8-aligned, into out; false when it passes 4 GiB. */
static bool assemble(struct pack *pk, const struct vm_program *prog, struct strbuf *out)
{
	static const char zeros[8];
	struct vm_image_header h = {0};
	uint64_t at = sizeof(h);

	memcpy(h.magic, VM_IMAGE_MAGIC, sizeof(h.magic));
	h.version = VM_IMAGE_VERSION;
	h.maxaction = prog->limits.maxaction;
	h.maxstringlen = prog->limits.maxstringlen;
	h.maxmapentries = prog->limits.maxmapentries;
	h.maxnesting = prog->limits.maxnesting;
	h.nfuncs = prog->nfuncs;
	h.nsections = VM_IMAGE_NSECTIONS;
	for (unsigned s = 0; s < VM_IMAGE_NSECTIONS; s++) {
		h.sec[s].off = (uint32_t)at;
		h.sec[s].count = nrecords(pk, s);
		at = (at + pk->sec[s].len + 7u) & ~7ull;
		if (at > UINT32_MAX)
			return false;
	}
	h.size = (uint32_t)at;
	sb_append(out, (const char *)&h, sizeof(h));
	for (unsigned s = 0; s < VM_IMAGE_NSECTIONS; s++) {
		sb_append(out, pk->sec[s].buf ? pk->sec[s].buf : "", pk->sec[s].len);
		sb_append(out, zeros, (8 - out->len % 8) % 8);
	}
	h.checksum = vm_image_checksum(out->buf, out->len);
	memcpy(out->buf + offsetof(struct vm_image_header, checksum), &h.checksum,
	       sizeof(h.checksum));
	return true;
}

int vm_program_pack(const struct vm_program *prog, void **ret_img, size_t *ret_len)
{
	struct pack pk = {0};
	struct strbuf out = {0};
	bool ok;

	walk(&pk, prog);
	ok = !pk.too_big && assemble(&pk, prog, &out);
	for (unsigned s = 0; s < VM_IMAGE_NSECTIONS; s++)
		sb_release(&pk.sec[s]);
	tdestroy(pk.strings, free);
	if (!ok) {
		sb_release(&out);
		return -E2BIG;
	}
	*ret_img = out.buf;
	*ret_len = out.len;
	return 0;
}
