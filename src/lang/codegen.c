/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * codegen: pass 3, an elaborated program to bytecode.  One chunk per script function (the
 * parameters are its first locals) and one per probe body (the points of a probe share it);
 * chunk i < nfuncs is function i, so CALL names its callee by index.  Each statement starts with
 * STMT (the MAXACTION budget) and its instructions record the token their errors point at in
 * the program's location table.  Jumps are emitted with a placeholder and patched: each loop
 * keeps patch lists for break and continue, and a break or continue that leaves try blocks
 * first emits one ENDTRY per block it leaves.  foreach keeps its iterator in a hidden local;
 * compound assignments and x++ use hidden locals too (temps are never reused: chunks are small).
 *
 * The constant pools (longs, strings, formats, regexes, foreach descriptors, locations) are
 * built in malloc'd buffers and copied into the program's arena at the end, with the globals'
 * shapes (value type, key types, histogram, size, whether they are printed at the end), and the
 * region layout is computed (vm_layout).  A regex or format that does not compile is a
 * diagnostic; then no program is returned.  The arena sits next to the program it holds
 * (struct cg_program), so the VM's struct knows nothing of the compiler's allocator, and
 * vm_program_free releases both.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/codegen_int.h"
#include "lang/target_plan.h"
#include "vm/vm.h"

void *cg_push(struct cg_buf *b, size_t size)
{
	if (b->n == b->cap) {
		uint32_t cap = b->cap ? b->cap * 2 : 16;
		void *v = realloc(b->v, (size_t)cap * size);

		if (!v)
			abort();
		b->v = v;
		b->cap = cap;
	}
	return memset((char *)b->v + (size_t)b->n++ * size, 0, size);
}

static void cg_buf_release(struct cg_buf *b)
{
	free(b->v);
	memset(b, 0, sizeof(*b));
}

static uint32_t location(struct cg *cg, const struct token *t)
{
	const struct token **toks = cg->loc_toks.v;
	struct strbuf sb = {0};

	if (!t)
		return 0;
	for (uint32_t i = cg->loc_toks.n; i-- > 1 && i + 256 > cg->loc_toks.n;)
		if (toks[i] == t)
			return i;
	diag_describe_token(t, &sb);
	*(const char **)cg_push(&cg->loc_strs, sizeof(char *)) =
		arena_strndup(cg->arena, sb_str(&sb), sb.len);
	*(const struct token **)cg_push(&cg->loc_toks, sizeof(t)) = t;
	sb_release(&sb);
	return cg->loc_toks.n - 1;
}

uint32_t cg_emit(struct cg *cg, enum vm_opcode op, uint32_t a, int32_t b)
{
	struct vm_insn *in = cg_push(&cg->code, sizeof(*in));

	in->op = (uint16_t)op;
	in->a = (uint16_t)a;
	in->b = b;
	*(uint32_t *)cg_push(&cg->locs, sizeof(uint32_t)) = location(cg, cg->tok);
	return cg->code.n - 1;
}

uint32_t cg_here(const struct cg *cg)
{
	return cg->code.n;
}

void cg_patch(struct cg *cg, uint32_t at, uint32_t target)
{
	((struct vm_insn *)cg->code.v)[at].b = (int32_t)target;
}

uint16_t cg_temp(struct cg *cg, uint8_t type)
{
	*(uint8_t *)cg_push(&cg->local_types, 1) = type;
	return (uint16_t)(cg->local_types.n - 1);
}

uint32_t cg_string(struct cg *cg, const char *s)
{
	const char **strs = cg->strs.v;

	for (uint32_t i = 0; i < cg->strs.n; i++)
		if (!strcmp(strs[i], s))
			return i;
	*(const char **)cg_push(&cg->strs, sizeof(char *)) = arena_strndup(cg->arena, s, strlen(s));
	return cg->strs.n - 1;
}

uint8_t cg_vm_type(enum ast_type t)
{
	return t == AST_TYPE_STRING ? VM_T_STR : t == AST_TYPE_STATS ? VM_T_STAT : VM_T_LONG;
}

void cg_error(struct cg *cg, const struct token *t, const char *msg)
{
	diag_add(cg->dl, DIAG_ERROR, "semantic error", DIAG_INLINE, t, NULL, "%s", msg);
	cg->errors++;
}

static void stmt(struct cg *cg, struct ast_stmt *s);

static void leave_tries(struct cg *cg, unsigned depth)
{
	for (unsigned i = depth; i < cg->try_depth; i++)
		cg_emit(cg, VM_OP_ENDTRY, 0, 0);
}

static void patch_all(struct cg *cg, struct cg_buf *b, uint32_t target)
{
	for (uint32_t i = 0; i < b->n; i++)
		cg_patch(cg, ((uint32_t *)b->v)[i], target);
	cg_buf_release(b);
}

static void loop_begin(struct cg *cg, struct cg_loop *l)
{
	memset(l, 0, sizeof(*l));
	l->outer = cg->loop;
	l->try_depth = cg->try_depth;
	cg->loop = l;
}

static void loop_end(struct cg *cg, struct cg_loop *l, uint32_t cont, uint32_t end)
{
	patch_all(cg, &l->continues, cont);
	patch_all(cg, &l->breaks, end);
	cg->loop = l->outer;
}

/* A long scalar global, the target of an increment or add whose value nobody uses. */
static struct sema_var *counter_global(const struct ast_expr *x)
{
	struct sema_var *v = x->ref;

	return x->kind == AST_E_SYMBOL && v && v->scope == SEMA_GLOBAL && !v->nkeys &&
			       v->type == AST_TYPE_LONG
		       ? v
		       : NULL;
}

/*
 * n++, ++n, n--, n += K and n -= K as statements, on a global: one ADDG.  It is atomic, so
 * the agent may run a handler made only of these without the VM lock (host_agent.c), and a
 * handler that runs under the lock gets the same result.
 */
static bool counter_stmt(struct cg *cg, const struct ast_expr *e)
{
	struct sema_var *v = NULL;
	int64_t k = 0;

	if (e->kind == AST_E_PREINC || e->kind == AST_E_POSTINC) {
		v = counter_global(e->un.operand);
		k = e->un.op == TOK_INC ? 1 : -1;
	} else if (e->kind == AST_E_ASSIGN &&
		   (e->bin.op == TOK_ADD_ASSIGN || e->bin.op == TOK_SUB_ASSIGN) &&
		   e->bin.right->kind == AST_E_NUMBER && e->bin.right->num.value > INT32_MIN &&
		   e->bin.right->num.value <= INT32_MAX) {
		v = counter_global(e->bin.left);
		k = e->bin.op == TOK_ADD_ASSIGN ? e->bin.right->num.value
						: -e->bin.right->num.value;
	}
	if (!v)
		return false;
	cg_emit(cg, VM_OP_ADDG, v->index, (int32_t)k);
	return true;
}

static void expr_stmt(struct cg *cg, struct ast_expr *e)
{
	if (counter_stmt(cg, e))
		return;
	cg_expr(cg, e);
	cg_emit(cg, VM_OP_POP, 0, 0);
}

static void foreach(struct cg *cg, struct ast_stmt *s)
{
	struct sema_var *v = s->foreach.base->ref;
	struct vm_iter_desc *d = cg_push(&cg->iters, sizeof(*d));
	uint32_t desc = cg->iters.n - 1, top, done;
	uint16_t it = cg_temp(cg, VM_T_LONG);
	struct cg_loop l;

	d->sort_dir = (int8_t)s->foreach.sort_dir;
	d->sort_col = (uint8_t)s->foreach.sort_col;
	d->sort_aggr = (uint8_t)s->foreach.sort_aggr;
	d->slice_mask = ~0u;
	for (unsigned i = 0; i < s->foreach.nslice; i++)
		if (s->foreach.slice[i]) {
			cg_expr(cg, s->foreach.slice[i]);
			d = &((struct vm_iter_desc *)cg->iters.v)[desc];
			d->nslice++;
			d->slice_mask &= ~(1u << i);
		}
	if (s->foreach.limit) {
		cg_expr(cg, s->foreach.limit);
		((struct vm_iter_desc *)cg->iters.v)[desc].has_limit = 1;
	}
	cg->tok = s->foreach.base->tok;
	cg_emit(cg, VM_OP_ITER, v->index, (int32_t)desc);
	cg_emit(cg, VM_OP_STL, it, 0);
	cg_emit(cg, VM_OP_POP, 0, 0);
	loop_begin(cg, &l);
	top = cg_here(cg);
	done = cg_emit(cg, VM_OP_INEXT, it, 0);
	for (unsigned i = 0; i < s->foreach.nkeys; i++) {
		cg_emit(cg, VM_OP_IKEY, it, (int32_t)i);
		cg_emit(cg, VM_OP_STL, ((struct sema_var *)s->foreach.keys[i]->ref)->index, 0);
		cg_emit(cg, VM_OP_POP, 0, 0);
	}
	if (s->foreach.value) {
		cg_emit(cg, VM_OP_IVAL, it, 0);
		cg_emit(cg, VM_OP_STL, ((struct sema_var *)s->foreach.value->ref)->index, 0);
		cg_emit(cg, VM_OP_POP, 0, 0);
	}
	stmt(cg, s->foreach.body);
	cg_emit(cg, VM_OP_JMP, 0, (int32_t)top);
	cg_patch(cg, done, cg_here(cg));
	loop_end(cg, &l, top, cg_here(cg));
}

static void delete (struct cg *cg, struct ast_expr *e)
{
	struct sema_var *v = e->ref;

	if (!v)
		return;
	if (e->kind == AST_E_SYMBOL) {
		if (v->scope != SEMA_GLOBAL) {
			if (v->type == AST_TYPE_STRING)
				cg_emit(cg, VM_OP_PUSHS, 0, (int32_t)cg_string(cg, ""));
			else
				cg_emit(cg, VM_OP_PUSHI, 0, 0);
			cg_emit(cg, VM_OP_STL, v->index, 0);
			cg_emit(cg, VM_OP_POP, 0, 0);
		} else {
			cg_emit(cg, v->nkeys > 0 ? VM_OP_MCLEAR : VM_OP_GCLEAR, v->index, 0);
		}
		return;
	}
	uint32_t mask = 0;

	for (unsigned i = 0; i < e->index.nkeys; i++) {
		if (e->index.keys[i])
			cg_expr(cg, e->index.keys[i]);
		else
			mask |= 1u << i;
	}
	cg->tok = e->index.base->tok;
	if (mask)
		cg_emit(cg, VM_OP_MDELW, v->index, (int32_t)mask);
	else
		cg_emit(cg, VM_OP_MDEL, v->index, 0);
}

static void stmt(struct cg *cg, struct ast_stmt *s)
{
	struct cg_loop l;
	uint32_t j1, j2, top, cont;

	if (!s)
		return;
	cg->tok = s->tok;
	if (s->kind != AST_S_BLOCK)
		cg_emit(cg, VM_OP_STMT, 0, 0);
	switch (s->kind) {
	case AST_S_BLOCK:
		for (unsigned i = 0; i < s->block.n; i++)
			stmt(cg, s->block.stmts[i]);
		break;
	case AST_S_EXPR:
		expr_stmt(cg, s->expr.e);
		break;
	case AST_S_NULL:
		break;
	case AST_S_IF:
		cg_expr(cg, s->if_.cond);
		j1 = cg_emit(cg, VM_OP_JZ, 0, 0);
		stmt(cg, s->if_.then);
		if (s->if_.els) {
			j2 = cg_emit(cg, VM_OP_JMP, 0, 0);
			cg_patch(cg, j1, cg_here(cg));
			stmt(cg, s->if_.els);
			cg_patch(cg, j2, cg_here(cg));
		} else {
			cg_patch(cg, j1, cg_here(cg));
		}
		break;
	case AST_S_WHILE:
	case AST_S_FOR:
		if (s->loop.init)
			stmt(cg, s->loop.init);
		loop_begin(cg, &l);
		top = cg_here(cg);
		cg->tok = s->tok;
		cg_emit(cg, VM_OP_STMT, 0, 0);
		cg_expr(cg, s->loop.cond);
		j1 = cg_emit(cg, VM_OP_JZ, 0, 0);
		stmt(cg, s->loop.body);
		cont = cg_here(cg);
		if (s->loop.incr)
			stmt(cg, s->loop.incr);
		cg_emit(cg, VM_OP_JMP, 0, (int32_t)top);
		cg_patch(cg, j1, cg_here(cg));
		loop_end(cg, &l, cont, cg_here(cg));
		break;
	case AST_S_FOREACH:
		foreach(cg, s);
		break;
	case AST_S_BREAK:
	case AST_S_CONTINUE:
		if (!cg->loop) {
			cg_error(cg, s->tok,
				 s->kind == AST_S_BREAK ? "break outside a loop"
							: "continue outside a loop");
			break;
		}
		leave_tries(cg, cg->loop->try_depth);
		*(uint32_t *)cg_push(s->kind == AST_S_BREAK ? &cg->loop->breaks
							    : &cg->loop->continues,
				     sizeof(uint32_t)) = cg_emit(cg, VM_OP_JMP, 0, 0);
		break;
	case AST_S_NEXT:
		cg_emit(cg, VM_OP_NEXT, 0, 0);
		break;
	case AST_S_RETURN:
		if (s->expr.e)
			cg_expr(cg, s->expr.e);
		else
			cg_emit(cg, VM_OP_PUSHI, 0, 0);
		cg_emit(cg, cg->in_function ? VM_OP_RET : VM_OP_NEXT, 0, 0);
		break;
	case AST_S_DELETE:
		delete (cg, s->expr.e);
		break;
	case AST_S_TRY: {
		struct sema_var *cv = s->try_.catch_var ? s->try_.catch_var->ref : NULL;

		j1 = cg_emit(cg, VM_OP_TRY, cv ? cv->index : VM_NO_LOCAL, 0);
		cg->try_depth++;
		stmt(cg, s->try_.body);
		cg->try_depth--;
		cg_emit(cg, VM_OP_ENDTRY, 0, 0);
		j2 = cg_emit(cg, VM_OP_JMP, 0, 0);
		cg_patch(cg, j1, cg_here(cg));
		stmt(cg, s->try_.handler);
		cg_patch(cg, j2, cg_here(cg));
		break;
	}
	}
}

static void chunk(struct cg *cg, struct vm_chunk *c, const char *name,
		  const struct sema_scope_vars *locals, unsigned nparams, struct ast_stmt *body,
		  bool function, enum ast_type ret)
{
	struct arena *a = cg->arena;

	cg->in_function = function;
	for (unsigned i = 0; i < locals->n; i++)
		*(uint8_t *)cg_push(&cg->local_types, 1) = cg_vm_type(locals->v[i]->type);
	stmt(cg, body);
	cg->tok = NULL;
	if (function) {
		if (ret == AST_TYPE_STRING)
			cg_emit(cg, VM_OP_PUSHS, 0, (int32_t)cg_string(cg, ""));
		else
			cg_emit(cg, VM_OP_PUSHI, 0, 0);
		cg_emit(cg, VM_OP_RET, 0, 0);
	} else {
		cg_emit(cg, VM_OP_NEXT, 0, 0);
	}
	c->name = arena_strndup(a, name, strlen(name));
	c->ncode = cg->code.n;
	c->code = arena_memdup(a, cg->code.v, cg->code.n * sizeof(struct vm_insn));
	c->locs = arena_memdup(a, cg->locs.v, cg->locs.n * sizeof(uint32_t));
	c->nparams = (uint16_t)nparams;
	c->nlocals = (uint16_t)cg->local_types.n;
	c->local_types = arena_memdup(a, cg->local_types.v, cg->local_types.n);
	c->ret_type = cg_vm_type(ret);
	cg_buf_release(&cg->code);
	cg_buf_release(&cg->locs);
	cg_buf_release(&cg->local_types);
}

static void globals(struct cg *cg)
{
	const struct sema_program *sp = cg->sp;
	struct vm_program *prog = cg->prog;

	prog->nglobals = sp->globals.n;
	prog->globals = arena_zalloc(cg->arena, (sp->globals.n + 1) * sizeof(*prog->globals));
	for (unsigned i = 0; i < sp->globals.n; i++) {
		const struct sema_var *v = sp->globals.v[i];
		struct vm_global *g = &prog->globals[i];

		g->name = arena_strndup(cg->arena, v->name, strlen(v->name));
		g->type = cg_vm_type(v->type);
		g->nkeys = (uint8_t)(v->nkeys > 0 ? v->nkeys : 0);
		for (unsigned k = 0; k < g->nkeys; k++)
			g->key_types[k] = cg_vm_type(v->keys[k]);
		g->wrap = v->wrap;
		g->maxentries = (uint32_t)(v->maxsize > 0 ? v->maxsize : sp->limits.maxmapentries);
		g->shift = (int32_t)v->variance_shift;
		g->autoprint = v->written && !v->read;
		rt_hist_init(&g->hist,
			     v->hist == SEMA_HIST_LOG	   ? RT_HIST_LOG
			     : v->hist == SEMA_HIST_LINEAR ? RT_HIST_LINEAR
							   : RT_HIST_NONE,
			     v->hist_lo, v->hist_hi, v->hist_step);
		if (v->decl && v->decl->init) {
			const struct ast_expr *init = v->decl->init;

			g->has_init = true;
			if (init->kind == AST_E_STRING)
				g->init_str = arena_strndup(cg->arena, init->str.value,
							    strlen(init->str.value));
			else if (init->kind == AST_E_NUMBER)
				g->init_long = init->num.value;
		}
	}
}

static enum vm_probe_kind probe_kind(enum sema_point_kind k)
{
	switch (k) {
	case SEMA_PP_BEGIN:
		return VM_PROBE_BEGIN;
	case SEMA_PP_END:
		return VM_PROBE_END;
	case SEMA_PP_ERROR:
		return VM_PROBE_ERROR;
	case SEMA_PP_NEVER:
		return VM_PROBE_NEVER;
	case SEMA_PP_PROCESS:
		return VM_PROBE_PROCESS;
	case SEMA_PP_TIMER:
		break;
	}
	return VM_PROBE_TIMER;
}

static const char *dup_or_null(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

static void process_probe(struct arena *a, struct vm_probe *vp, const struct sema_point *pt)
{
	vp->event = pt->event;
	vp->proc_path = dup_or_null(a, pt->proc_path);
	vp->proc_pid = pt->proc_pid;
	vp->module = dup_or_null(a, pt->module);
	vp->func = dup_or_null(a, pt->func);
	vp->offset = pt->offset;
	vp->vaddr = pt->vaddr;
	vp->sdt_nargs = pt->sdt_nargs;
	vp->sdt_semaphore = pt->sdt_semaphore;
	vp->saves_entry = pt->saves_entry;
	vp->entry_delta = pt->entry_delta;
	vp->ntv = pt->ntv;
	vp->tv = rt_tv_copy(a, pt->tv, pt->ntv);
	if (pt->sdt_nargs)
		vp->sdt_args = arena_memdup(a, pt->sdt_args, pt->sdt_nargs * sizeof(*pt->sdt_args));
}

void vm_program_free(struct vm_program *prog)
{
	struct cg_program *owner = (struct cg_program *)prog;

	if (!prog)
		return;
	arena_release(&owner->arena);
	free(owner);
}

#define FINISH_POOL(field, count, buf, type)                                                     \
	do {                                                                                     \
		prog->count = (buf).n;                                                           \
		prog->field =                                                                    \
			(type *)arena_memdup(cg.arena, (buf).v, (size_t)(buf).n * sizeof(type)); \
		cg_buf_release(&(buf));                                                          \
	} while (0)

int codegen(const struct sema_program *sp, struct diag_list *dl, struct vm_program **ret)
{
	struct cg_program *owner = calloc(1, sizeof(*owner));
	struct cg cg = {.sp = sp, .dl = dl};
	struct vm_program *prog;
	unsigned nprobes = 0;

	if (!owner)
		return -ENOMEM;
	prog = &owner->prog;
	cg.prog = prog;
	cg.arena = &owner->arena;
	prog->limits.maxaction = sp->limits.maxaction;
	prog->limits.maxstringlen = sp->limits.maxstringlen;
	prog->limits.maxmapentries = sp->limits.maxmapentries;
	prog->limits.maxnesting = sp->limits.maxnesting;
	*(const char **)cg_push(&cg.loc_strs, sizeof(char *)) = "";
	cg_push(&cg.loc_toks, sizeof(void *));
	globals(&cg);
	prog->nfuncs = sp->nfuncs;
	prog->nchunks = sp->nfuncs + sp->nprobes;
	prog->chunks = arena_zalloc(cg.arena, (prog->nchunks + 1) * sizeof(*prog->chunks));
	for (unsigned i = 0; i < sp->nfuncs; i++) {
		const struct sema_func *f = sp->funcs[i];
		char name[256];

		snprintf(name, sizeof(name), "function %s", f->name);
		chunk(&cg, &prog->chunks[i], name, &f->locals, f->nparams, f->fn->body, true,
		      f->ret);
	}
	for (unsigned i = 0; i < sp->nprobes; i++) {
		const struct sema_probe *p = sp->probes[i];

		chunk(&cg, &prog->chunks[sp->nfuncs + i], p->points[0].text, &p->locals, 0, p->body,
		      false, AST_TYPE_UNKNOWN);
		nprobes += p->npoints;
	}
	prog->probes = arena_zalloc(cg.arena, (nprobes + 1) * sizeof(*prog->probes));
	for (unsigned i = 0; i < sp->nprobes; i++) {
		const struct sema_probe *p = sp->probes[i];

		for (unsigned j = 0; j < p->npoints; j++) {
			struct vm_probe *vp = &prog->probes[prog->nprobes++];
			const struct sema_point *pt = &p->points[j];

			vp->kind = probe_kind(pt->kind);
			vp->pp = arena_strndup(cg.arena, pt->text, strlen(pt->text));
			vp->priority = pt->priority;
			vp->interval_ns = pt->interval_ns;
			vp->randomize_ns = pt->randomize_ns;
			vp->handler = sp->nfuncs + i;
			vp->pn = dup_or_null(cg.arena, pt->orig);
			if (pt->kind == SEMA_PP_PROCESS)
				process_probe(cg.arena, vp, pt);
		}
	}
	FINISH_POOL(longs, nlongs, cg.longs, int64_t);
	FINISH_POOL(strs, nstrs, cg.strs, const char *);
	FINISH_POOL(formats, nformats, cg.formats, struct rt_format *);
	FINISH_POOL(regex_src, nregexes, cg.regex_src, const char *);
	FINISH_POOL(locs, nlocs, cg.loc_strs, const char *);
	cg_buf_release(&cg.loc_toks);
	FINISH_POOL(iters, niters, cg.iters, struct vm_iter_desc);
	vm_layout(prog);
	if (cg.errors) {
		vm_program_free(prog);
		return -EINVAL;
	}
	*ret = prog;
	return 0;
}
