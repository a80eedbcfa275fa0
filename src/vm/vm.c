/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vm: the bytecode interpreter (design.md section 5).  A stack machine over 64-bit values: the
 * locals of a frame sit at the bottom of the frame's part of the stack, parameters first, and
 * the operands above them.  One vm_run is one probe hit: it resets the per-hit scratch area
 * (where string results live until the hit ends), starts the handler's frame and dispatches
 * with a switch until NEXT, or an uncaught error.
 *
 * Invariants: the hit path never allocates, never touches stdio or errno; all memory is the
 * region given to vm_init (globals and maps, then the stack, then scratch); strings are always
 * NUL-terminated and at most MAXSTRINGLEN - 1 bytes; every statement (STMT) spends one unit of
 * the handler's MAXACTION budget, so a handler always ends.  The globals may leave the region
 * (vm_move_globals: the tracer's VM moves them into memory the agent shares) and may come set
 * already (vm_attach: the agent's VM on the tracer's globals); nothing in them is a pointer.
 *
 * Errors (division by zero, array overflow, MAXACTION, error(), an empty aggregate, ...) go
 * through vm_fail: the innermost try block catches them (unwinding frames and the stack to
 * where the try began, putting the message in the catch variable), otherwise the host's error
 * op reports the message with the location of the failing instruction ("near operator '/' at
 * f.stp:3:9") and vm_run returns -ECANCELED.
 */
#include <errno.h>

#include "vm/cstring.h"
#include "vm/vm.h"

#define VM_STACK_VALS	(64u * 1024u)
#define VM_STACK_MARGIN 1024u
#define VM_SCRATCH_MIN	(4u << 20)

static size_t align16(size_t n)
{
	return (n + 15u) & ~(size_t)15u;
}

static size_t maxstr(const struct vm_program *prog)
{
	return (size_t)prog->limits.maxstringlen;
}

void vm_layout(struct vm_program *prog)
{
	uint64_t off = 0;

	for (uint32_t i = 0; i < prog->nglobals; i++) {
		struct vm_global *g = &prog->globals[i];
		uint32_t val = g->type == VM_T_LONG  ? 8u
			       : g->type == VM_T_STR ? (uint32_t)maxstr(prog)
						     : (uint32_t)rt_stat_size(&g->hist);

		g->offset = off;
		if (g->nkeys) {
			rt_map_layout_init(&g->layout, g->nkeys, g->key_types, g->type, val,
					   (uint32_t)maxstr(prog), g->maxentries, g->wrap);
			off += align16(rt_map_bytes(&g->layout));
		} else {
			off += align16(val);
		}
	}
	prog->globals_bytes = off;
}

static size_t scratch_bytes(const struct vm_program *prog)
{
	size_t n = 256 * maxstr(prog);

	return n < VM_SCRATCH_MIN ? VM_SCRATCH_MIN : n;
}

size_t vm_region_size(const struct vm_program *prog)
{
	return align16(prog->globals_bytes) + VM_STACK_VALS * sizeof(vm_val) + scratch_bytes(prog);
}

static void store_str(char *dst, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap - 1);

	memmove(dst, s, n);
	dst[n] = '\0';
}

int vm_attach(struct vm *vm, const struct vm_program *prog, void *region, size_t size,
	      const struct vm_host *host, void *host_data)
{
	unsigned char *r = region;

	if (size < vm_region_size(prog))
		return -ENOSPC;
	memset(vm, 0, sizeof(*vm));
	vm->prog = prog;
	vm->host = host;
	vm->host_data = host_data;
	vm->globals = r;
	vm->stack = (vm_val *)(r + align16(prog->globals_bytes));
	vm->stack_cap = VM_STACK_VALS;
	vm->scratch = (char *)(vm->stack + VM_STACK_VALS);
	vm->scratch_cap = scratch_bytes(prog);
	vm->rng = host->random ? host->random(host_data) | 1 : 0x9e3779b97f4a7c15ull;
	return 0;
}

int vm_init(struct vm *vm, const struct vm_program *prog, void *region, size_t size,
	    const struct vm_host *host, void *host_data)
{
	int r = vm_attach(vm, prog, region, size, host, host_data);

	if (r < 0)
		return r;
	for (uint32_t i = 0; i < prog->nglobals; i++) {
		const struct vm_global *g = &prog->globals[i];

		if (!g->has_init || g->nkeys)
			continue;
		if (g->type == VM_T_STR)
			store_str(vm_global_ptr(vm, i), g->init_str, maxstr(prog));
		else if (g->type == VM_T_LONG)
			memcpy(vm_global_ptr(vm, i), &g->init_long, sizeof(int64_t));
	}
	return 0;
}

size_t vm_globals_size(const struct vm_program *prog)
{
	return (size_t)prog->globals_bytes;
}

void vm_move_globals(struct vm *vm, void *to)
{
	memmove(to, vm->globals, vm_globals_size(vm->prog));
	vm->globals = to;
}

int vm_set_global(struct vm *vm, const char *name, const char *value)
{
	const struct vm_program *prog = vm->prog;

	for (uint32_t i = 0; i < prog->nglobals; i++) {
		const struct vm_global *g = &prog->globals[i];

		if (strcmp(g->name, name) || g->nkeys || g->type == VM_T_STAT)
			continue;
		if (g->type == VM_T_STR) {
			store_str(vm_global_ptr(vm, i), value, maxstr(prog));
		} else {
			int64_t v = 0;
			int neg = *value == '-';
			const char *s = value + neg;
			unsigned base = 10;

			if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
				base = 16;
				s += 2;
			} else if (s[0] == '0' && s[1]) {
				base = 8;
				s++;
			}
			if (!*s)
				return -EINVAL;
			for (; *s; s++) {
				int d = *s >= '0' && *s <= '9'	 ? *s - '0'
					: *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
					: *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
								 : 99;

				if (d >= (int)base)
					return -EINVAL;
				v = (int64_t)((uint64_t)v * base + (uint64_t)d);
			}
			v = neg ? -v : v;
			memcpy(vm_global_ptr(vm, i), &v, sizeof(v));
		}
		return 0;
	}
	return -ENOENT;
}

int vm_fail(struct vm *vm, const char *msg)
{
	vm->err = msg;
	return -1;
}

char *vm_scratch(struct vm *vm, size_t n)
{
	char *p;

	n = (n + 7u) & ~(size_t)7u;
	if (n > vm->scratch_cap - vm->scratch_used)
		return NULL;
	p = vm->scratch + vm->scratch_used;
	vm->scratch_used += n;
	return p;
}

const char *vm_strdup(struct vm *vm, const char *s, size_t n)
{
	size_t max = maxstr(vm->prog) - 1;
	char *d;

	if (n > max)
		n = max;
	d = vm_scratch(vm, n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* The free part of scratch as an output buffer; nothing is committed. */
static struct rt_out scratch_out(struct vm *vm)
{
	struct rt_out o = {vm->scratch + vm->scratch_used, 0, vm->scratch_cap - vm->scratch_used,
			   0};

	return o;
}

static const struct rt_stat zero_stat;

struct vm_iter {
	uint32_t g;
	uint32_t n;
	uint32_t pos;
	uint32_t cur;
	uint32_t slots[];
};

struct sort_ctx {
	struct rt_map *m;
	const struct vm_global *g;
	const struct vm_iter_desc *d;
};

static int cmp_val(const struct sort_ctx *c, struct rt_map_entry *x, struct rt_map_entry *y)
{
	const struct rt_map_layout *l = &c->g->layout;
	uint8_t type;
	vm_val a, b;

	if (c->d->sort_col) {
		type = l->key_types[c->d->sort_col - 1];
		a = rt_map_key(x, l, c->d->sort_col - 1);
		b = rt_map_key(y, l, c->d->sort_col - 1);
	} else if (l->val_type == VM_T_STAT) {
		enum rt_stat_op op = c->d->sort_aggr ? c->d->sort_aggr : RT_STAT_COUNT;

		type = VM_T_LONG;
		a.l = b.l = 0;
		rt_stat_get(rt_map_val(x, l), op, c->g->shift, &a.l);
		rt_stat_get(rt_map_val(y, l), op, c->g->shift, &b.l);
	} else if (l->val_type == VM_T_STR) {
		type = VM_T_STR;
		a.s = rt_map_val(x, l);
		b.s = rt_map_val(y, l);
	} else {
		type = VM_T_LONG;
		memcpy(&a.l, rt_map_val(x, l), 8);
		memcpy(&b.l, rt_map_val(y, l), 8);
	}
	if (type == VM_T_STR) {
		int r = strcmp(a.s, b.s);

		return r < 0 ? -1 : r > 0;
	}
	return a.l < b.l ? -1 : a.l > b.l;
}

/* Entry order for foreach: the sort key in its direction, then insertion order. */
static bool before(const struct sort_ctx *c, uint32_t i, uint32_t j)
{
	struct rt_map_entry *x = rt_map_slot(c->m, &c->g->layout, i);
	struct rt_map_entry *y = rt_map_slot(c->m, &c->g->layout, j);

	if (c->d->sort_dir) {
		int r = cmp_val(c, x, y) * c->d->sort_dir;

		if (r)
			return r < 0;
	}
	return x->seq < y->seq;
}

/* Bottom-up merge sort of v[0..n) with tmp[0..n): stable and allocation-free. */
static void sort_slots(const struct sort_ctx *c, uint32_t *v, uint32_t *tmp, uint32_t n)
{
	for (uint32_t w = 1; w < n; w *= 2) {
		for (uint32_t lo = 0; lo < n; lo += 2 * w) {
			uint32_t mid = lo + w < n ? lo + w : n;
			uint32_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			uint32_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				tmp[k++] = before(c, v[j], v[i]) ? v[j++] : v[i++];
			while (i < mid)
				tmp[k++] = v[i++];
			while (j < hi)
				tmp[k++] = v[j++];
		}
		memcpy(v, tmp, n * sizeof(*v));
	}
}

static struct vm_iter *iter_new(struct vm *vm, uint32_t gi, const struct vm_iter_desc *d,
				const vm_val *slice, int64_t limit)
{
	const struct vm_global *g = &vm->prog->globals[gi];
	struct rt_map *m = vm_global_ptr(vm, gi);
	struct sort_ctx c = {m, g, d};
	vm_val keys[RT_MAP_MAX_KEYS];
	struct vm_iter *it;
	uint32_t *tmp;
	unsigned k = 0;

	it = (struct vm_iter *)vm_scratch(vm, sizeof(*it) + (size_t)m->count * 4);
	tmp = (uint32_t *)vm_scratch(vm, (size_t)m->count * 4 + 4);
	if (!it || !tmp)
		return NULL;
	for (unsigned i = 0; i < g->nkeys; i++)
		if (!(d->slice_mask & (1u << i)))
			keys[i] = slice[k++];
	it->g = gi;
	it->n = 0;
	it->pos = 0;
	for (uint32_t i = 0; i < g->layout.cap && it->n < m->count; i++) {
		struct rt_map_entry *e = rt_map_slot(m, &g->layout, i);

		if (e->used && (!d->nslice || rt_map_match(e, &g->layout, keys, d->slice_mask)))
			it->slots[it->n++] = i;
	}
	sort_slots(&c, it->slots, tmp, it->n);
	if (d->has_limit && limit < (int64_t)it->n)
		it->n = limit < 0 ? 0 : (uint32_t)limit;
	return it;
}

int64_t vm_map_sorted(struct vm *vm, uint32_t g, int dir, uint32_t **ret_slots)
{
	struct vm_iter_desc d = {0};
	struct vm_iter *it;

	d.sort_dir = (int8_t)dir;
	d.sort_aggr = RT_STAT_COUNT;
	d.slice_mask = ~0u;
	it = iter_new(vm, g, &d, NULL, 0);
	if (!it)
		return -1;
	*ret_slots = it->slots;
	return it->n;
}

static int map_store(struct vm *vm, uint32_t gi, const vm_val *keys, vm_val v)
{
	const struct vm_global *g = &vm->prog->globals[gi];
	struct rt_map *m = vm_global_ptr(vm, gi);
	int64_t slot = rt_map_insert(m, &g->layout, keys);
	void *p;

	if (slot < 0)
		return vm_fail(vm, "Array overflow, check MAXMAPENTRIES");
	p = rt_map_val(rt_map_slot(m, &g->layout, (uint32_t)slot), &g->layout);
	if (g->type == VM_T_STR)
		store_str(p, v.s, maxstr(vm->prog));
	else
		memcpy(p, &v.l, 8);
	return 0;
}

static int map_load(struct vm *vm, uint32_t gi, const vm_val *keys, vm_val *ret)
{
	const struct vm_global *g = &vm->prog->globals[gi];
	struct rt_map *m = vm_global_ptr(vm, gi);
	int64_t slot = rt_map_find(m, &g->layout, keys);
	void *p;

	if (slot < 0) {
		if (g->type == VM_T_STR)
			ret->s = "";
		else
			ret->l = 0;
		return 0;
	}
	p = rt_map_val(rt_map_slot(m, &g->layout, (uint32_t)slot), &g->layout);
	if (g->type == VM_T_STR) {
		ret->s = vm_strdup(vm, p, strlen(p));
		return ret->s ? 0 : vm_fail(vm, "out of memory for strings");
	}
	memcpy(&ret->l, p, 8);
	return 0;
}

static const struct rt_stat *map_stat(struct vm *vm, uint32_t gi, const vm_val *keys)
{
	const struct vm_global *g = &vm->prog->globals[gi];
	struct rt_map *m = vm_global_ptr(vm, gi);
	int64_t slot = rt_map_find(m, &g->layout, keys);

	if (slot < 0)
		return &zero_stat;
	return rt_map_val(rt_map_slot(m, &g->layout, (uint32_t)slot), &g->layout);
}

static void output(struct vm *vm, struct rt_out *o)
{
	if (o->len)
		vm->host->output(vm->host_data, o->buf, o->len);
}

static int hist_print(struct vm *vm, uint32_t gi, const struct rt_stat *s)
{
	struct rt_out o = scratch_out(vm);

	if (!vm->prog->globals[gi].hist.nbuckets)
		return vm_fail(vm, "no histogram");
	rt_hist_print(s, &vm->prog->globals[gi].hist, &o);
	output(vm, &o);
	return 0;
}

static int cmp_str(const vm_val *x, const vm_val *y)
{
	return strcmp(x->s, y->s);
}

int vm_run(struct vm *vm, const struct vm_chunk *handler, struct vm_hit_ctx *ctx)
{
	const struct vm_program *prog = vm->prog;
	vm_val *st = vm->stack;
	const struct vm_chunk *ch = handler;
	const struct vm_insn *code = ch->code;
	uint32_t pc = 0, sp = 0, base = 0;
	size_t ms = maxstr(prog);

	vm->ctx = ctx;
	vm->scratch_used = 0;
	vm->ntries = 0;
	vm->nframes = 1;
	vm->err = NULL;
	vm->tok_str = NULL;
	for (unsigned i = 0; i < VM_MAX_SUBMATCH; i++)
		vm->match[i] = NULL;
	vm->frames[0].chunk = ch;
	vm->frames[0].base = 0;
	vm->actions = prog->limits.maxaction * (ctx && ctx->interruptible ? 10 : 1);
	for (unsigned i = 0; i < ch->nlocals; i++) {
		if (ch->local_types[i] == VM_T_STR)
			st[sp++].s = "";
		else
			st[sp++].l = 0;
	}
	for (;;) {
		const struct vm_insn *in = &code[pc++];
		vm_val x, y;

		switch ((enum vm_opcode)in->op) {
		case VM_OP_NOP:
			break;
		case VM_OP_STMT:
			if (--vm->actions < 0) {
				vm_fail(vm, "MAXACTION exceeded");
				goto fail;
			}
			if (sp + VM_STACK_MARGIN > vm->stack_cap) {
				vm_fail(vm, "VM stack overflow");
				goto fail;
			}
			break;
		case VM_OP_PUSHI:
			st[sp++].l = in->b;
			break;
		case VM_OP_PUSHK:
			st[sp++].l = prog->longs[in->b];
			break;
		case VM_OP_PUSHS:
			st[sp++].s = prog->strs[in->b];
			break;
		case VM_OP_POP:
			sp--;
			break;
		case VM_OP_DUP:
			st[sp] = st[sp - 1];
			sp++;
			break;
		case VM_OP_DUPN:
			for (int32_t i = 0; i < in->b; i++)
				st[sp + (uint32_t)i] = st[sp - (uint32_t)in->b + (uint32_t)i];
			sp += (uint32_t)in->b;
			break;
		case VM_OP_SWAP:
			x = st[sp - 1];
			st[sp - 1] = st[sp - 2];
			st[sp - 2] = x;
			break;
		case VM_OP_LDL:
			st[sp++] = st[base + in->a];
			break;
		case VM_OP_STL:
			st[base + in->a] = st[sp - 1];
			break;
		case VM_OP_LDG: {
			const struct vm_global *g = &prog->globals[in->a];
			void *p = vm_global_ptr(vm, in->a);

			if (g->type == VM_T_STR) {
				st[sp].s = vm_strdup(vm, p, strlen(p));
				if (!st[sp].s) {
					vm_fail(vm, "out of memory for strings");
					goto fail;
				}
			} else {
				memcpy(&st[sp].l, p, 8);
			}
			sp++;
			break;
		}
		case VM_OP_STG:
			if (prog->globals[in->a].type == VM_T_STR)
				store_str(vm_global_ptr(vm, in->a), st[sp - 1].s, ms);
			else
				memcpy(vm_global_ptr(vm, in->a), &st[sp - 1].l, 8);
			break;
		case VM_OP_ADDG:
			__atomic_add_fetch((int64_t *)vm_global_ptr(vm, in->a), (int64_t)in->b,
					   __ATOMIC_RELAXED);
			break;
		case VM_OP_GCLEAR: {
			const struct vm_global *g = &prog->globals[in->a];

			memset(vm_global_ptr(vm, in->a), 0,
			       g->type == VM_T_LONG  ? 8
			       : g->type == VM_T_STR ? 1
						     : rt_stat_size(&g->hist));
			break;
		}
#define BINOP(NAME, EXPR)              \
	case VM_OP_##NAME:             \
		y = st[--sp];          \
		x = st[sp - 1];        \
		st[sp - 1].l = (EXPR); \
		break;
			BINOP(ADD, (int64_t)((uint64_t)x.l + (uint64_t)y.l))
			BINOP(SUB, (int64_t)((uint64_t)x.l - (uint64_t)y.l))
			BINOP(MUL, (int64_t)((uint64_t)x.l * (uint64_t)y.l))
			BINOP(SHL, (int64_t)((uint64_t)x.l << (y.l & 63)))
			BINOP(SHR, x.l >> (y.l & 63))
			BINOP(USHR, (int64_t)((uint64_t)x.l >> (y.l & 63)))
			BINOP(BAND, x.l & y.l)
			BINOP(BOR, x.l | y.l)
			BINOP(BXOR, x.l ^ y.l)
			BINOP(LT, x.l < y.l)
			BINOP(LE, x.l <= y.l)
			BINOP(GT, x.l > y.l)
			BINOP(GE, x.l >= y.l)
			BINOP(EQ, x.l == y.l)
			BINOP(NE, x.l != y.l)
			BINOP(SLT, cmp_str(&x, &y) < 0)
			BINOP(SLE, cmp_str(&x, &y) <= 0)
			BINOP(SGT, cmp_str(&x, &y) > 0)
			BINOP(SGE, cmp_str(&x, &y) >= 0)
			BINOP(SEQ, cmp_str(&x, &y) == 0)
			BINOP(SNE, cmp_str(&x, &y) != 0)
#undef BINOP
		case VM_OP_DIV:
		case VM_OP_MOD:
			y = st[--sp];
			x = st[sp - 1];
			if (y.l == 0) {
				vm_fail(vm, "division by 0");
				goto fail;
			}
			if (y.l == -1)
				st[sp - 1].l =
					in->op == VM_OP_DIV ? (int64_t)(0 - (uint64_t)x.l) : 0;
			else
				st[sp - 1].l = in->op == VM_OP_DIV ? x.l / y.l : x.l % y.l;
			break;
		case VM_OP_NEG:
			st[sp - 1].l = (int64_t)(0 - (uint64_t)st[sp - 1].l);
			break;
		case VM_OP_NOT:
			st[sp - 1].l = !st[sp - 1].l;
			break;
		case VM_OP_BNOT:
			st[sp - 1].l = ~st[sp - 1].l;
			break;
		case VM_OP_CONCAT: {
			size_t lx, ly;
			char *d;

			y = st[--sp];
			x = st[sp - 1];
			lx = strnlen(x.s, ms - 1);
			ly = strnlen(y.s, ms - 1 - lx);
			d = vm_scratch(vm, lx + ly + 1);
			if (!d) {
				vm_fail(vm, "out of memory for strings");
				goto fail;
			}
			memcpy(d, x.s, lx);
			memcpy(d + lx, y.s, ly);
			d[lx + ly] = '\0';
			st[sp - 1].s = d;
			break;
		}
		case VM_OP_MATCH: {
			struct vm_submatch m[VM_MAX_SUBMATCH];
			const char *s = st[sp - 1].s;
			int r = vm->host->regex_match(vm->host_data, (uint32_t)in->b, s, m,
						      VM_MAX_SUBMATCH);

			if (r < 0) {
				vm_fail(vm, "regex match failed");
				goto fail;
			}
			if (r > 0)
				for (unsigned i = 0; i < VM_MAX_SUBMATCH; i++)
					vm->match[i] =
						m[i].so < 0
							? NULL
							: vm_strdup(vm, s + m[i].so,
								    (size_t)(m[i].eo - m[i].so));
			st[sp - 1].l = r > 0;
			break;
		}
		case VM_OP_JMP:
			pc = (uint32_t)in->b;
			break;
		case VM_OP_JZ:
			if (!st[--sp].l)
				pc = (uint32_t)in->b;
			break;
		case VM_OP_JNZ:
			if (st[--sp].l)
				pc = (uint32_t)in->b;
			break;
		case VM_OP_CALL: {
			const struct vm_chunk *f = &prog->chunks[in->a];

			if (vm->nframes > (unsigned)prog->limits.maxnesting ||
			    vm->nframes >= VM_MAX_FRAMES) {
				vm_fail(vm, "MAXNESTING exceeded");
				goto fail;
			}
			if (sp + f->nlocals + VM_STACK_MARGIN > vm->stack_cap) {
				vm_fail(vm, "VM stack overflow");
				goto fail;
			}
			vm->frames[vm->nframes - 1].pc = pc;
			base = sp - (uint32_t)in->b;
			for (unsigned i = f->nparams; i < f->nlocals; i++) {
				if (f->local_types[i] == VM_T_STR)
					st[sp++].s = "";
				else
					st[sp++].l = 0;
			}
			vm->frames[vm->nframes].chunk = f;
			vm->frames[vm->nframes].base = base;
			vm->nframes++;
			ch = f;
			code = f->code;
			pc = 0;
			break;
		}
		case VM_OP_RET:
			x = st[sp - 1];
			while (vm->ntries && vm->tries[vm->ntries - 1].nframes >= vm->nframes)
				vm->ntries--;
			sp = base;
			vm->nframes--;
			ch = vm->frames[vm->nframes - 1].chunk;
			code = ch->code;
			pc = vm->frames[vm->nframes - 1].pc;
			base = vm->frames[vm->nframes - 1].base;
			st[sp++] = x;
			break;
		case VM_OP_NEXT:
			return 0;
		case VM_OP_CALLB: {
			int r;

			sp -= (uint32_t)in->b;
			r = rt_builtin_call(vm, in->a, &st[sp], &x);
			if (r < 0)
				goto fail;
			if (r > 0)
				return 0; /* abort() */
			st[sp++] = x;
			break;
		}
		case VM_OP_PRINTF:
		case VM_OP_SPRINTF: {
			struct rt_out o = scratch_out(vm);

			sp -= (uint32_t)in->b;
			if (in->op == VM_OP_SPRINTF && o.cap > ms)
				o.cap = ms;
			if (rt_format_run(prog->formats[in->a], &st[sp], &o,
					  ctx ? ctx->read_mem : NULL,
					  ctx ? ctx->mem_data : NULL) < 0) {
				vm_fail(vm, "user memory read fault in %m or %M");
				goto fail;
			}
			if (in->op == VM_OP_PRINTF) {
				output(vm, &o);
			} else {
				rt_out_finish(&o);
				st[sp++].s = vm_scratch(vm, o.len + 1);
			}
			break;
		}
		case VM_OP_MGET: {
			uint32_t nk = prog->globals[in->a].nkeys;

			sp -= nk;
			if (map_load(vm, in->a, &st[sp], &x) < 0)
				goto fail;
			st[sp++] = x;
			break;
		}
		case VM_OP_MSET: {
			uint32_t nk = prog->globals[in->a].nkeys;

			x = st[--sp];
			sp -= nk;
			if (map_store(vm, in->a, &st[sp], x) < 0)
				goto fail;
			st[sp++] = x;
			break;
		}
		case VM_OP_MEXISTS: {
			const struct vm_global *g = &prog->globals[in->a];

			sp -= g->nkeys;
			st[sp].l = rt_map_find(vm_global_ptr(vm, in->a), &g->layout, &st[sp]) >= 0;
			sp++;
			break;
		}
		case VM_OP_MDEL: {
			const struct vm_global *g = &prog->globals[in->a];
			struct rt_map *m = vm_global_ptr(vm, in->a);
			int64_t slot;

			sp -= g->nkeys;
			slot = rt_map_find(m, &g->layout, &st[sp]);
			if (slot >= 0)
				rt_map_delete(m, &g->layout, (uint32_t)slot);
			break;
		}
		case VM_OP_MDELW: {
			const struct vm_global *g = &prog->globals[in->a];
			struct rt_map *m = vm_global_ptr(vm, in->a);
			vm_val keys[RT_MAP_MAX_KEYS];
			uint32_t mask = (uint32_t)in->b, n = 0;

			for (unsigned i = 0; i < g->nkeys; i++)
				n += !(mask & (1u << i));
			sp -= n;
			n = 0;
			for (unsigned i = 0; i < g->nkeys; i++)
				if (!(mask & (1u << i)))
					keys[i] = st[sp + n++];
			for (uint32_t i = 0; i < g->layout.cap;) {
				struct rt_map_entry *e = rt_map_slot(m, &g->layout, i);

				/* A deletion may shift a later entry into slot i: look again. */
				if (e->used && rt_map_match(e, &g->layout, keys, mask))
					rt_map_delete(m, &g->layout, i);
				else
					i++;
			}
			break;
		}
		case VM_OP_MCLEAR:
			rt_map_clear(vm_global_ptr(vm, in->a), &prog->globals[in->a].layout);
			break;
		case VM_OP_SADD: {
			const struct vm_global *g = &prog->globals[in->a];

			rt_stat_add(vm_global_ptr(vm, in->a), &g->hist, g->shift, st[sp - 1].l);
			break;
		}
		case VM_OP_MSADD: {
			const struct vm_global *g = &prog->globals[in->a];
			struct rt_map *m = vm_global_ptr(vm, in->a);
			int64_t slot;

			x = st[--sp];
			sp -= g->nkeys;
			slot = rt_map_insert(m, &g->layout, &st[sp]);
			if (slot < 0) {
				vm_fail(vm, "Array overflow, check MAXMAPENTRIES");
				goto fail;
			}
			rt_stat_add(
				rt_map_val(rt_map_slot(m, &g->layout, (uint32_t)slot), &g->layout),
				&g->hist, g->shift, x.l);
			st[sp++] = x;
			break;
		}
		case VM_OP_SGET:
		case VM_OP_MSGET: {
			const struct vm_global *g = &prog->globals[in->a];
			const struct rt_stat *s;

			if (in->op == VM_OP_SGET) {
				s = vm_global_ptr(vm, in->a);
			} else {
				sp -= g->nkeys;
				s = map_stat(vm, in->a, &st[sp]);
			}
			if (rt_stat_get(s, (enum rt_stat_op)in->b, g->shift, &st[sp].l) < 0) {
				vm_fail(vm, "empty aggregate");
				goto fail;
			}
			sp++;
			break;
		}
		case VM_OP_HPRINT:
			if (hist_print(vm, in->a, vm_global_ptr(vm, in->a)) < 0)
				goto fail;
			break;
		case VM_OP_MHPRINT:
			sp -= prog->globals[in->a].nkeys;
			if (hist_print(vm, in->a, map_stat(vm, in->a, &st[sp])) < 0)
				goto fail;
			break;
		case VM_OP_ITER: {
			const struct vm_iter_desc *d = &prog->iters[in->b];
			int64_t limit = 0;
			struct vm_iter *it;

			if (d->has_limit)
				limit = st[--sp].l;
			sp -= d->nslice;
			it = iter_new(vm, in->a, d, &st[sp], limit);
			if (!it) {
				vm_fail(vm, "out of memory for foreach");
				goto fail;
			}
			st[sp++].p = it;
			break;
		}
		case VM_OP_INEXT: {
			struct vm_iter *it = st[base + in->a].p;

			if (it->pos >= it->n)
				pc = (uint32_t)in->b;
			else
				it->cur = it->slots[it->pos++];
			break;
		}
		case VM_OP_IKEY: {
			struct vm_iter *it = st[base + in->a].p;
			const struct vm_global *g = &prog->globals[it->g];
			struct rt_map_entry *e =
				rt_map_slot(vm_global_ptr(vm, it->g), &g->layout, it->cur);

			st[sp++] = rt_map_key(e, &g->layout, (unsigned)in->b);
			break;
		}
		case VM_OP_IVAL: {
			struct vm_iter *it = st[base + in->a].p;
			const struct vm_global *g = &prog->globals[it->g];
			struct rt_map_entry *e =
				rt_map_slot(vm_global_ptr(vm, it->g), &g->layout, it->cur);
			void *p = rt_map_val(e, &g->layout);

			if (g->type == VM_T_STR)
				st[sp].s = p;
			else
				memcpy(&st[sp].l, p, 8);
			sp++;
			break;
		}
		case VM_OP_TRY: {
			struct vm_try *t;

			if (vm->ntries >= VM_MAX_TRIES) {
				vm_fail(vm, "too many nested try blocks");
				goto fail;
			}
			t = &vm->tries[vm->ntries++];
			t->nframes = vm->nframes;
			t->sp = sp;
			t->handler = (uint32_t)in->b;
			t->slot = in->a;
			break;
		}
		case VM_OP_ENDTRY:
			vm->ntries--;
			break;
		default:
			vm_fail(vm, "invalid instruction");
			goto fail;
		}
		continue;
	fail:
		vm->err_loc = ch->locs[pc - 1];
		if (vm->ntries) {
			struct vm_try *t = &vm->tries[--vm->ntries];

			vm->nframes = t->nframes;
			ch = vm->frames[vm->nframes - 1].chunk;
			code = ch->code;
			base = vm->frames[vm->nframes - 1].base;
			sp = t->sp;
			pc = t->handler;
			if (t->slot != VM_NO_LOCAL) {
				const char *msg = vm_strdup(vm, vm->err, strlen(vm->err));

				st[base + t->slot].s = msg ? msg : "";
			}
			continue;
		}
		vm->host->error(vm->host_data, vm->err, prog->locs[vm->err_loc]);
		return -ECANCELED;
	}
}
