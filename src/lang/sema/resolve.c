/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolve: names.  Globals come from the declarations, functions from the definitions; then
 * every function and probe body is walked once, and each name is bound (ast_expr.ref) to a
 * parameter or local of its scope, else a global, else a new local of the scope, which is how
 * stap declares locals.  An indexed name must be a global array ("unresolved arity-N global
 * array"); a call binds to a script function, else a built-in, with its arity checked
 * ("unresolved function", "unresolved arity-N function").  Functions reachable from a probe
 * are marked used (only those print at -p2).  The context variables of process probes ($argN,
 * $syscall, $return, $$name) become calls of internal built-ins (context.c), DWARF ones ($var,
 * @cast, @var) calls that read their plans (target_vars.c), and a write to one (guru mode) a
 * call that writes it; entry.c has already turned @entry into ordinary code, so one found here
 * is misplaced.  Embedded C is an error.
 */
#include <string.h>

#include "lang/sema/sema.h"
#include "vm/rt/builtins.h"

struct resolver {
	struct ast_visitor v; /* first: the walk hands it back */
	struct sema_program *p;
	struct sema_scope_vars *locals;
	struct sema_func *func;	  /* NULL in a probe */
	struct sema_probe *probe; /* NULL in a function */
};

static void expr(struct resolver *r, struct ast_expr *e)
{
	ast_walk_expr(&r->v, e);
}

static void exprs(struct resolver *r, struct ast_expr **e, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		expr(r, e[i]);
}

static struct sema_func *find_func(struct sema_program *p, const char *name)
{
	for (unsigned i = 0; i < p->nfuncs; i++)
		if (!strcmp(p->funcs[i]->name, name))
			return p->funcs[i];
	return NULL;
}

/* A scalar use of a name: a local, parameter or global, else a new local. */
static void bind_symbol(struct resolver *r, struct ast_expr *e)
{
	struct sema_var *v = sema_scope_find(r->locals, e->sym.name);

	if (!v)
		v = sema_scope_find(&r->p->globals, e->sym.name);
	if (!v)
		v = sema_var_new(r->p, r->locals, e->sym.name, e->tok, SEMA_LOCAL);
	e->ref = v;
}

/* A name used with an index or as a whole array: it must be a global. */
static void bind_array(struct resolver *r, struct ast_expr *base, unsigned nkeys)
{
	struct sema_var *v;

	if (base->kind == AST_E_HIST) {
		sema_error(r->p, base->tok, "indexing a histogram is not supported yet");
		return;
	}
	v = sema_scope_find(r->locals, base->sym.name);
	if (!v)
		v = sema_scope_find(&r->p->globals, base->sym.name);
	if (!v || v->scope != SEMA_GLOBAL) {
		sema_error(r->p, base->tok,
			   "unresolved arity-%u global array %s, missing global declaration?",
			   nkeys, base->sym.name);
		return;
	}
	base->ref = v;
}

static void call(struct resolver *r, struct ast_expr *e)
{
	struct sema_func *f = find_func(r->p, e->call.name);
	int b;

	exprs(r, e->call.args, e->call.nargs);
	if (f) {
		if (f->nparams != e->call.nargs) {
			sema_error(r->p, e->tok, "unresolved arity-%u function", e->call.nargs);
			return;
		}
		e->ref = f;
		return;
	}
	b = rt_builtin_find_arity(e->call.name, e->call.nargs);
	if (b < 0) {
		sema_error(r->p, e->tok, "unresolved function");
		return;
	}
	if (strlen(rt_builtins[b].args) != e->call.nargs) {
		sema_error(r->p, e->tok, "unresolved arity-%u function", e->call.nargs);
		return;
	}
	/* Built-ins are told apart from script functions by the pointer's target. */
	e->ref = (void *)&rt_builtins[b];
}

static bool is_target(const struct ast_expr *e)
{
	return e->kind == AST_E_TARGET || e->kind == AST_E_ATVAR || e->kind == AST_E_CAST;
}

/* What assignment, ++ or -- e writes when that is a target variable, else NULL. */
static struct ast_expr *written_target(struct ast_expr *e)
{
	struct ast_expr *lhs = e->kind == AST_E_ASSIGN ? e->bin.left : e->un.operand;

	return is_target(lhs) ? lhs : NULL;
}

/*
 * A guru write becomes a call of _tvar_set.  A target that is not a DWARF variable of the
 * probe is resolved as a read, which says why it is not there, or else is read-only.
 */
static void target_write(struct resolver *r, struct ast_expr *e, struct ast_expr *lhs)
{
	unsigned errors = r->p->dl->errors;
	int w = r->probe ? sema_target_write(r->p, r->probe, e) : 0;

	if (w > 0)
		call(r, e);
	if (w != 0)
		return;
	expr(r, lhs);
	if (r->p->dl->errors == errors)
		sema_error(r->p, lhs->tok, "cannot write to context variable");
}

/* Target and context expressions: rewritten into calls, or refused. */
static void context_expr(struct resolver *r, struct ast_expr *e)
{
	switch (e->kind) {
	case AST_E_TARGET:
		if (!r->probe) {
			sema_error(
				r->p, e->tok,
				"unresolved target-symbol expression (context variables are only "
				"available in probe handlers)");
			break;
		}
		sema_context_var(r->p, r->probe, e);
		if (e->kind == AST_E_CALL)
			call(r, e);
		break;
	case AST_E_ENTRY:
		sema_error(r->p, e->tok, "@entry is only valid in .return probes");
		break;
	case AST_E_CAST:
	case AST_E_ATVAR:
		if (r->probe && sema_target_var(r->p, r->probe, e, false) != 0) {
			if (e->kind == AST_E_CALL)
				call(r, e);
			break;
		}
		/* fall through */
	case AST_E_AUTOCAST:
		sema_error(r->p, e->tok,
			   "unresolved target-symbol expression (context variables need a traced "
			   "process, not supported yet)");
		break;
	case AST_E_DEFINED:
		if (r->probe && e->op.operand &&
		    (e->op.operand->kind == AST_E_TARGET || e->op.operand->kind == AST_E_CAST ||
		     e->op.operand->kind == AST_E_ATVAR)) {
			int d = sema_target_var(r->p, r->probe, e->op.operand, true);

			e->kind = AST_E_NUMBER;
			e->num.value = d > 0;
			break;
		}
		/* fall through */
	case AST_E_PERF:
	case AST_E_EMBEDDED:
		sema_error(r->p, e->tok, "not supported yet");
		break;
	default:
		break;
	}
}

/* The nodes that bind names or are rewritten; the others are only walked through. */
static bool visit_expr(struct ast_visitor *v, struct ast_expr *e)
{
	struct resolver *r = (struct resolver *)v;
	struct ast_expr *lhs;

	switch (e->kind) {
	case AST_E_SYMBOL:
		bind_symbol(r, e);
		return false;
	case AST_E_ASSIGN:
	case AST_E_PREINC:
	case AST_E_POSTINC:
		lhs = written_target(e);
		if (!lhs)
			return true;
		target_write(r, e, lhs);
		return false;
	case AST_E_INDEX:
		exprs(r, e->index.keys, e->index.nkeys);
		bind_array(r, e->index.base, e->index.nkeys);
		e->ref = e->index.base->ref;
		return false;
	case AST_E_IN:
		expr(r, e->in.index);
		e->ref = e->in.index->ref;
		return false;
	case AST_E_CALL:
		call(r, e);
		return false;
	case AST_E_TARGET:
	case AST_E_ENTRY:
	case AST_E_CAST:
	case AST_E_ATVAR:
	case AST_E_AUTOCAST:
	case AST_E_DEFINED:
	case AST_E_PERF:
	case AST_E_EMBEDDED:
		context_expr(r, e);
		return false;
	default:
		return true;
	}
}

static void local_symbol(struct resolver *r, struct ast_expr *e)
{
	struct sema_var *v = sema_scope_find(r->locals, e->sym.name);

	if (!v && sema_scope_find(&r->p->globals, e->sym.name)) {
		sema_error(r->p, e->tok, "foreach and catch variables must be local");
		return;
	}
	if (!v)
		v = sema_var_new(r->p, r->locals, e->sym.name, e->tok, SEMA_LOCAL);
	e->ref = v;
}

static void foreach_loop(struct resolver *r, struct ast_stmt *s)
{
	if (s->foreach.base->kind == AST_E_HIST) {
		sema_error(r->p, s->foreach.base->tok,
			   "foreach over a histogram is not supported yet");
		return;
	}
	exprs(r, s->foreach.slice, s->foreach.nslice);
	if (s->foreach.nslice && s->foreach.nslice != s->foreach.nkeys)
		sema_error(r->p, s->tok, "array slice does not match the number of keys");
	bind_array(r, s->foreach.base, s->foreach.nkeys);
	for (unsigned i = 0; i < s->foreach.nkeys; i++)
		local_symbol(r, s->foreach.keys[i]);
	if (s->foreach.value)
		local_symbol(r, s->foreach.value);
	expr(r, s->foreach.limit);
	ast_walk_stmt(&r->v, s->foreach.body);
}

/* delete, foreach and catch bind names their own way; the rest is walked through. */
static bool visit_stmt(struct ast_visitor *v, struct ast_stmt *s)
{
	struct resolver *r = (struct resolver *)v;

	switch (s->kind) {
	case AST_S_DELETE:
		if (s->expr.e->kind == AST_E_SYMBOL)
			bind_symbol(r, s->expr.e);
		else if (s->expr.e->kind == AST_E_INDEX)
			expr(r, s->expr.e);
		else
			sema_error(r->p, s->expr.e->tok, "delete of an expression is not allowed");
		return false;
	case AST_S_FOREACH:
		foreach_loop(r, s);
		return false;
	case AST_S_TRY:
		ast_walk_stmt(v, s->try_.body);
		if (s->try_.catch_var)
			local_symbol(r, s->try_.catch_var);
		ast_walk_stmt(v, s->try_.handler);
		return false;
	default:
		return true;
	}
}

/* Marks the functions a body calls, and everything they call, as used. */
struct marker {
	struct ast_visitor v; /* first: the walk hands it back */
	struct sema_program *p;
};

static bool mark_call(struct ast_visitor *v, struct ast_expr *e)
{
	struct marker *m = (struct marker *)v;

	if (e->kind != AST_E_CALL)
		return true;
	for (unsigned i = 0; i < m->p->nfuncs; i++) {
		struct sema_func *f = m->p->funcs[i];

		if (e->ref == f && !f->used) {
			f->used = true;
			ast_walk_stmt(v, f->fn->body);
		}
	}
	return true;
}

static void mark_used(struct sema_program *p, struct ast_stmt *s)
{
	struct marker m = {.v.expr = mark_call, .p = p};

	ast_walk_stmt(&m.v, s);
}

static void declare_globals(struct sema_program *p)
{
	const struct ast_file *f = p->file;

	for (unsigned i = 0; i < f->nglobals; i++) {
		const struct ast_global *g = f->globals[i];
		struct sema_var *v;

		if (sema_scope_find(&p->globals, g->name)) {
			sema_error(p, g->tok, "duplicate global variable declaration");
			continue;
		}
		v = sema_var_new(p, &p->globals, g->name, g->tok, SEMA_GLOBAL);
		v->decl = g;
		v->wrap = g->wrap;
		v->maxsize = g->maxsize;
		if (g->maxsize || g->wrap)
			v->nkeys = -1;
		if (g->init) {
			v->nkeys = 0;
			v->type = g->init->kind == AST_E_STRING ? AST_TYPE_STRING : AST_TYPE_LONG;
			v->type_tok = g->init->tok;
		}
	}
}

static void declare_functions(struct sema_program *p)
{
	const struct ast_file *f = p->file;

	p->funcs = arena_alloc(p->arena, (f->nfunctions + 1) * sizeof(*p->funcs));
	for (unsigned i = 0; i < f->nfunctions; i++) {
		const struct ast_function *fn = f->functions[i];
		struct sema_func *sf;

		if (find_func(p, fn->name)) {
			sema_error(p, fn->tok,
				   "function '%s' defined twice (overloads are not "
				   "supported yet)",
				   fn->name);
			continue;
		}
		if (!fn->body) {
			sema_error(p, fn->tok, "embedded-C functions are not supported yet");
			continue;
		}
		sf = arena_new(p->arena, struct sema_func);
		sf->fn = fn;
		sf->name = fn->name;
		sf->ret = fn->type;
		if (fn->type != AST_TYPE_UNKNOWN)
			sf->ret_tok = fn->tok;
		sf->nparams = fn->nparams;
		for (unsigned j = 0; j < fn->nparams; j++) {
			struct sema_var *v = sema_var_new(p, &sf->locals, fn->params[j].name,
							  fn->params[j].tok, SEMA_PARAM);

			v->type = fn->params[j].type;
			if (v->type != AST_TYPE_UNKNOWN)
				v->type_tok = fn->params[j].tok;
		}
		sf->index = p->nfuncs;
		p->funcs[p->nfuncs++] = sf;
	}
}

unsigned sema_resolve(struct sema_program *p)
{
	unsigned errors = p->dl->errors;
	struct resolver r = {.v = {visit_expr, visit_stmt}, .p = p};

	for (unsigned i = 0; i < p->file->nembeds; i++)
		sema_error(p, p->file->embeds[i]->tok, "embedded code is not supported yet");
	declare_globals(p);
	declare_functions(p);
	for (unsigned i = 0; i < p->nfuncs; i++) {
		r.func = p->funcs[i];
		r.locals = &p->funcs[i]->locals;
		ast_walk_stmt(&r.v, p->funcs[i]->fn->body);
	}
	r.func = NULL;
	for (unsigned i = 0; i < p->nprobes; i++) {
		r.locals = &p->probes[i]->locals;
		r.probe = p->probes[i];
		ast_walk_stmt(&r.v, p->probes[i]->body);
	}
	if (p->dl->errors == errors)
		for (unsigned i = 0; i < p->nprobes; i++)
			mark_used(p, p->probes[i]->body);
	return p->dl->errors - errors;
}
