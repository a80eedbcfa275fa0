/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * program_unpack: a packed image (vm/image.h) back into the struct vm_program the VM runs,
 * with no allocator: the program, each of its tables (one record more than it holds, so that
 * no pointer is NULL or past an allocation) and a copy of the string table are carved from
 * one region the caller gives, in one fixed order that vm_program_unpack_size counts and
 * vm_program_unpack fills.  The agent can so unpack the image the tracer copied into its
 * memory and drop it; since the program is a private copy, nothing the tracer writes into the
 * image afterwards changes what was checked.  Records are read with memcpy, so the image needs
 * no alignment.
 *
 * Nothing in an image is trusted.  The header must match (magic, version, the image's length,
 * a section table inside the image) and so must the checksum; every string offset must fall in
 * the string table, which must end in a NUL, and every range of records (a chunk's code, a
 * format's specs, a probe's marker arguments and target variables) inside its section.  The
 * program is then checked as a whole (vm_program_check: instruction operands, global shapes,
 * sizes) before its globals are laid out (vm_layout).  Any failure is -EINVAL and leaves the
 * caller's *ret_prog alone; the region then holds nothing of use.
 */
#include <errno.h>

#include "vm/cstring.h"
#include "vm/image.h"
#include "vm/vm.h"

const uint32_t vm_image_record_size[VM_IMAGE_NSECTIONS] = {
#define VM_IMAGE_SECTION_SIZE(name, type, doc) [VM_IMAGE_##name] = sizeof(type),
	VM_IMAGE_SECTION_LIST(VM_IMAGE_SECTION_SIZE)
#undef VM_IMAGE_SECTION_SIZE
};

uint64_t vm_image_checksum(const void *img, size_t len)
{
	const unsigned char *p = img;
	size_t skip = offsetof(struct vm_image_header, checksum);
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = i >= skip && i < skip + sizeof(uint64_t) ? 0 : p[i];

		h = (h ^ c) * 0x100000001b3ull;
	}
	return h;
}

static int read_header(const void *img, size_t len, struct vm_image_header *h)
{
	if (len < sizeof(*h) || len > UINT32_MAX)
		return -EINVAL;
	memcpy(h, img, sizeof(*h));
	if (memcmp(h->magic, VM_IMAGE_MAGIC, sizeof(h->magic)) || h->version != VM_IMAGE_VERSION ||
	    h->size != len || h->nsections != VM_IMAGE_NSECTIONS)
		return -EINVAL;
	if (h->checksum != vm_image_checksum(img, len))
		return -EINVAL;
	for (unsigned s = 0; s < VM_IMAGE_NSECTIONS; s++) {
		const struct vm_image_section *sec = &h->sec[s];

		if (sec->off % 8 || sec->off < sizeof(*h) ||
		    sec->off + (uint64_t)sec->count * vm_image_record_size[s] > len)
			return -EINVAL;
	}
	return 0;
}

/* The region, carved front to back in 16-byte aligned pieces; base NULL only counts. */
struct carve {
	unsigned char *base;
	size_t used;
};

static void *take(struct carve *c, size_t n, size_t size)
{
	size_t at = c->used;

	c->used += ((n + 1) * size + 15u) & ~(size_t)15u;
	return c->base ? c->base + at : NULL;
}

/* Everything the program points to, in the region. */
struct parts {
	struct vm_program *prog;
	char *strtab;
	int64_t *longs;
	const char **strs, **regex_src, **locs;
	struct rt_format **formats;
	struct rt_format *format_v;
	struct rt_fmt_spec *specs;
	struct vm_global *globals;
	struct vm_chunk *chunks;
	struct vm_insn *code;
	uint32_t *codelocs;
	uint8_t *local_types;
	struct vm_probe *probes;
	struct rt_sdt_arg *sdt_args;
	struct rt_tv_expr *tv;
	struct rt_tv_item *tv_items;
	struct rt_tv_step *tv_steps;
	struct vm_iter_desc *iters;
};

static void plan(struct carve *c, const struct vm_image_header *h, struct parts *p)
{
#define N(name) h->sec[VM_IMAGE_##name].count
	p->prog = take(c, 0, sizeof(*p->prog));
	p->strtab = take(c, N(STRTAB), 1);
	p->longs = take(c, N(LONGS), sizeof(*p->longs));
	p->strs = take(c, N(STRS), sizeof(*p->strs));
	p->regex_src = take(c, N(REGEXES), sizeof(*p->regex_src));
	p->locs = take(c, N(LOCS), sizeof(*p->locs));
	p->formats = take(c, N(FORMATS), sizeof(*p->formats));
	p->format_v = take(c, N(FORMATS), sizeof(*p->format_v));
	p->specs = take(c, N(SPECS), sizeof(*p->specs));
	p->globals = take(c, N(GLOBALS), sizeof(*p->globals));
	p->chunks = take(c, N(CHUNKS), sizeof(*p->chunks));
	p->code = take(c, N(CODE), sizeof(*p->code));
	p->codelocs = take(c, N(CODELOCS), sizeof(*p->codelocs));
	p->local_types = take(c, N(LOCALTYPES), sizeof(*p->local_types));
	p->probes = take(c, N(PROBES), sizeof(*p->probes));
	p->sdt_args = take(c, N(SDTARGS), sizeof(*p->sdt_args));
	p->tv = take(c, N(TVEXPRS), sizeof(*p->tv));
	p->tv_items = take(c, N(TVITEMS), sizeof(*p->tv_items));
	p->tv_steps = take(c, N(TVSTEPS), sizeof(*p->tv_steps));
	p->iters = take(c, N(ITERS), sizeof(*p->iters));
#undef N
}

/* One unpacking: the image, its header and the parts being filled. */
struct unpack {
	const unsigned char *img;
	struct vm_image_header h;
	struct parts p;
};

static uint32_t count(const struct unpack *u, enum vm_image_section_id s)
{
	return u->h.sec[s].count;
}

/* Record i of section s into out (i is in range: callers check). */
static void record(const struct unpack *u, enum vm_image_section_id s, uint32_t i, void *out)
{
	memcpy(out, u->img + u->h.sec[s].off + (size_t)i * vm_image_record_size[s],
	       vm_image_record_size[s]);
}

/* Whether records [first, first + n) are in section s. */
static bool in_range(const struct unpack *u, enum vm_image_section_id s, uint32_t first, uint32_t n)
{
	return (uint64_t)first + n <= count(u, s);
}

static int str(const struct unpack *u, uint32_t off, bool nullable, const char **ret)
{
	if (off == VM_IMAGE_NONE && nullable) {
		*ret = NULL;
		return 0;
	}
	if (off >= count(u, VM_IMAGE_STRTAB))
		return -EINVAL;
	*ret = u->p.strtab + off;
	return 0;
}

/* A section of string offsets into out. */
static int strings(const struct unpack *u, enum vm_image_section_id s, const char **out)
{
	for (uint32_t i = 0; i < count(u, s); i++) {
		uint32_t off;

		record(u, s, i, &off);
		if (str(u, off, false, &out[i]) < 0)
			return -EINVAL;
	}
	return 0;
}

static int formats(struct unpack *u)
{
	for (uint32_t i = 0; i < count(u, VM_IMAGE_SPECS); i++) {
		struct vm_image_spec r;
		struct rt_fmt_spec *sp = &u->p.specs[i];

		record(u, VM_IMAGE_SPECS, i, &r);
		sp->conv = r.conv;
		sp->flags = r.flags;
		sp->width = r.width;
		sp->prec = r.prec;
		sp->off = r.off;
		sp->len = r.len;
	}
	for (uint32_t i = 0; i < count(u, VM_IMAGE_FORMATS); i++) {
		struct vm_image_format r;
		struct rt_format *f = &u->p.format_v[i];

		record(u, VM_IMAGE_FORMATS, i, &r);
		if (!in_range(u, VM_IMAGE_SPECS, r.specs, r.nspecs) ||
		    str(u, r.text, false, &f->text))
			return -EINVAL;
		f->nspecs = r.nspecs;
		f->nargs = r.nargs;
		f->specs = &u->p.specs[r.specs];
		u->p.formats[i] = f;
	}
	return 0;
}

static int globals(struct unpack *u)
{
	for (uint32_t i = 0; i < count(u, VM_IMAGE_GLOBALS); i++) {
		struct vm_image_global r;
		struct vm_global *g = &u->p.globals[i];

		record(u, VM_IMAGE_GLOBALS, i, &r);
		if (str(u, r.name, false, &g->name) < 0 ||
		    str(u, r.init_str, true, &g->init_str) < 0)
			return -EINVAL;
		g->type = r.type;
		g->nkeys = r.nkeys;
		memcpy(g->key_types, r.key_types, sizeof(g->key_types));
		g->wrap = r.wrap != 0;
		g->autoprint = r.autoprint != 0;
		g->has_init = r.has_init != 0;
		g->maxentries = r.maxentries;
		g->shift = r.shift;
		g->hist.kind = r.hist_kind;
		g->hist.lo = r.hist_lo;
		g->hist.hi = r.hist_hi;
		g->hist.step = r.hist_step;
		g->hist.nbuckets = r.hist_nbuckets;
		g->init_long = r.init_long;
	}
	return 0;
}

static int chunks(struct unpack *u)
{
	if (count(u, VM_IMAGE_CODELOCS) != count(u, VM_IMAGE_CODE))
		return -EINVAL;
	for (uint32_t i = 0; i < count(u, VM_IMAGE_CODE); i++) {
		struct vm_image_insn r;

		record(u, VM_IMAGE_CODE, i, &r);
		u->p.code[i].op = r.op;
		u->p.code[i].a = r.a;
		u->p.code[i].b = r.b;
	}
	for (uint32_t i = 0; i < count(u, VM_IMAGE_CODELOCS); i++)
		record(u, VM_IMAGE_CODELOCS, i, &u->p.codelocs[i]);
	for (uint32_t i = 0; i < count(u, VM_IMAGE_LOCALTYPES); i++)
		record(u, VM_IMAGE_LOCALTYPES, i, &u->p.local_types[i]);
	for (uint32_t i = 0; i < count(u, VM_IMAGE_CHUNKS); i++) {
		struct vm_image_chunk r;
		struct vm_chunk *c = &u->p.chunks[i];

		record(u, VM_IMAGE_CHUNKS, i, &r);
		if (str(u, r.name, false, &c->name) < 0 ||
		    !in_range(u, VM_IMAGE_CODE, r.code, r.ncode) ||
		    !in_range(u, VM_IMAGE_LOCALTYPES, r.local_types, r.nlocals))
			return -EINVAL;
		c->code = &u->p.code[r.code];
		c->locs = &u->p.codelocs[r.code];
		c->ncode = r.ncode;
		c->nparams = r.nparams;
		c->nlocals = r.nlocals;
		c->local_types = &u->p.local_types[r.local_types];
		c->ret_type = r.ret_type;
	}
	return 0;
}

static int target_vars(struct unpack *u)
{
	for (uint32_t i = 0; i < count(u, VM_IMAGE_TVSTEPS); i++) {
		struct vm_image_tv_step r;

		record(u, VM_IMAGE_TVSTEPS, i, &r);
		u->p.tv_steps[i].op = r.op;
		u->p.tv_steps[i].reg = r.reg;
		u->p.tv_steps[i].arg = r.arg;
	}
	for (uint32_t i = 0; i < count(u, VM_IMAGE_TVITEMS); i++) {
		struct vm_image_tv_item r;
		struct rt_tv_item *it = &u->p.tv_items[i];

		record(u, VM_IMAGE_TVITEMS, i, &r);
		if (str(u, r.text, false, &it->text) < 0 ||
		    str(u, r.module, true, &it->module) < 0 ||
		    !in_range(u, VM_IMAGE_TVSTEPS, r.steps, r.nsteps))
			return -EINVAL;
		it->fmt = r.fmt;
		it->size = r.size;
		it->is_signed = r.is_signed != 0;
		it->nsteps = r.nsteps;
		it->steps = &u->p.tv_steps[r.steps];
		it->writable = r.writable != 0;
	}
	for (uint32_t i = 0; i < count(u, VM_IMAGE_TVEXPRS); i++) {
		struct vm_image_tv_expr r;

		record(u, VM_IMAGE_TVEXPRS, i, &r);
		if (!in_range(u, VM_IMAGE_TVITEMS, r.items, r.nitems))
			return -EINVAL;
		u->p.tv[i].items = &u->p.tv_items[r.items];
		u->p.tv[i].nitems = r.nitems;
	}
	return 0;
}

static int probe(struct unpack *u, const struct vm_image_probe *r, struct vm_probe *p)
{
	if (str(u, r->pp, false, &p->pp) < 0 || str(u, r->pn, true, &p->pn) < 0 ||
	    str(u, r->proc_path, true, &p->proc_path) < 0 ||
	    str(u, r->module, true, &p->module) < 0 || str(u, r->func, true, &p->func) < 0 ||
	    !in_range(u, VM_IMAGE_SDTARGS, r->sdt_args, r->sdt_nargs) ||
	    !in_range(u, VM_IMAGE_TVEXPRS, r->tv, r->ntv) || r->kind > VM_PROBE_PROCESS ||
	    r->event > VM_PROC_MARK)
		return -EINVAL;
	p->kind = (enum vm_probe_kind)r->kind;
	p->priority = r->priority;
	p->interval_ns = r->interval_ns;
	p->randomize_ns = r->randomize_ns;
	p->handler = r->handler;
	p->event = (enum vm_proc_event)r->event;
	p->proc_pid = r->proc_pid;
	p->offset = r->offset;
	p->vaddr = r->vaddr;
	p->sdt_args = &u->p.sdt_args[r->sdt_args];
	p->sdt_nargs = r->sdt_nargs;
	p->sdt_semaphore = r->sdt_semaphore;
	p->tv = &u->p.tv[r->tv];
	p->ntv = r->ntv;
	p->saves_entry = r->saves_entry != 0;
	p->entry_delta = r->entry_delta;
	return 0;
}

static int probes(struct unpack *u)
{
	for (uint32_t i = 0; i < count(u, VM_IMAGE_SDTARGS); i++) {
		struct vm_image_sdt_arg r;
		struct rt_sdt_arg *a = &u->p.sdt_args[i];

		record(u, VM_IMAGE_SDTARGS, i, &r);
		a->kind = r.kind;
		a->size = r.size;
		a->is_signed = r.is_signed != 0;
		a->unsupported = r.unsupported != 0;
		a->reg = r.reg;
		a->index_reg = r.index_reg;
		a->scale = r.scale;
		a->value = r.value;
	}
	if (target_vars(u) < 0)
		return -EINVAL;
	for (uint32_t i = 0; i < count(u, VM_IMAGE_PROBES); i++) {
		struct vm_image_probe r;

		record(u, VM_IMAGE_PROBES, i, &r);
		if (probe(u, &r, &u->p.probes[i]) < 0)
			return -EINVAL;
	}
	return 0;
}

static void iters(struct unpack *u)
{
	for (uint32_t i = 0; i < count(u, VM_IMAGE_ITERS); i++) {
		struct vm_image_iter r;
		struct vm_iter_desc *d = &u->p.iters[i];

		record(u, VM_IMAGE_ITERS, i, &r);
		d->has_limit = r.has_limit;
		d->nslice = r.nslice;
		d->slice_mask = r.slice_mask;
		d->sort_dir = r.sort_dir;
		d->sort_col = r.sort_col;
		d->sort_aggr = r.sort_aggr;
	}
}

static void program(struct unpack *u)
{
	struct vm_program *prog = u->p.prog;

#define TABLE(field, nfield, sec)                        \
	do {                                             \
		prog->field = u->p.field;                \
		prog->nfield = count(u, VM_IMAGE_##sec); \
	} while (0)
	TABLE(longs, nlongs, LONGS);
	TABLE(strs, nstrs, STRS);
	TABLE(formats, nformats, FORMATS);
	TABLE(regex_src, nregexes, REGEXES);
	TABLE(locs, nlocs, LOCS);
	TABLE(globals, nglobals, GLOBALS);
	TABLE(chunks, nchunks, CHUNKS);
	TABLE(probes, nprobes, PROBES);
	TABLE(iters, niters, ITERS);
#undef TABLE
	prog->nfuncs = u->h.nfuncs;
	prog->limits.maxaction = u->h.maxaction;
	prog->limits.maxstringlen = u->h.maxstringlen;
	prog->limits.maxmapentries = u->h.maxmapentries;
	prog->limits.maxnesting = u->h.maxnesting;
}

int vm_program_unpack_size(const void *img, size_t len, size_t *ret_size)
{
	struct vm_image_header h;
	struct carve c = {0};
	struct parts p;

	if (read_header(img, len, &h) < 0)
		return -EINVAL;
	plan(&c, &h, &p);
	*ret_size = c.used;
	return 0;
}

int vm_program_unpack(const void *img, size_t len, void *region, size_t size,
		      struct vm_program **ret_prog)
{
	struct unpack u = {.img = img};
	struct carve c = {0};
	uint32_t nstrtab;

	if (read_header(img, len, &u.h) < 0 || (uintptr_t)region % 16)
		return -EINVAL;
	plan(&c, &u.h, &u.p);
	if (size < c.used)
		return -ENOSPC;
	memset(region, 0, c.used);
	c = (struct carve){region, 0};
	plan(&c, &u.h, &u.p);
	nstrtab = count(&u, VM_IMAGE_STRTAB);
	memcpy(u.p.strtab, u.img + u.h.sec[VM_IMAGE_STRTAB].off, nstrtab);
	if (!nstrtab || u.p.strtab[nstrtab - 1])
		return -EINVAL;
	memcpy(u.p.longs, u.img + u.h.sec[VM_IMAGE_LONGS].off,
	       (size_t)count(&u, VM_IMAGE_LONGS) * sizeof(int64_t));
	if (strings(&u, VM_IMAGE_STRS, u.p.strs) < 0 ||
	    strings(&u, VM_IMAGE_REGEXES, u.p.regex_src) < 0 ||
	    strings(&u, VM_IMAGE_LOCS, u.p.locs) < 0 || formats(&u) < 0 || globals(&u) < 0 ||
	    chunks(&u) < 0 || probes(&u) < 0)
		return -EINVAL;
	iters(&u);
	program(&u);
	if (vm_program_check(u.p.prog) < 0)
		return -EINVAL;
	vm_layout(u.p.prog);
	*ret_prog = u.p.prog;
	return 0;
}
