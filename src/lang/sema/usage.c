/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usage: who reads and who writes each variable, as stap's varuse_collecting_visitor sees it.
 * An assignment's target is written, a compound assignment's or ++'s target is read and
 * written, <<< and delete write, everything else reads.  Two rules use it: a global that is
 * written but never read is printed when the session ends (the runtime does the printing; this
 * pass only sets the flags), and an array must not be modified inside a foreach over it
 * ("variable 'a' modified during 'foreach' iteration").  Only code reachable from the probes
 * counts; writes made by functions called from a loop body are not checked.
 */
#include "lang/sema/sema.h"

struct usage {
	struct ast_visitor v; /* first: the walk hands it back */
	struct sema_program *p;
	struct sema_var *loops[32];
	unsigned nloops;
};

static void write_var(struct usage *u, struct sema_var *v, const struct token *tok)
{
	if (!v)
		return;
	v->written = true;
	for (unsigned i = 0; i < u->nloops; i++)
		if (u->loops[i] == v) {
			sema_error(u->p, tok, "variable '%s' modified during 'foreach' iteration",
				   v->name);
			break;
		}
}

static void read_var(struct sema_var *v)
{
	if (v)
		v->read = true;
}

static void exprs(struct usage *u, struct ast_expr **e, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		ast_walk_expr(&u->v, e[i]);
}

/* An assignment target: its keys are read, the variable written (and read if rw). */
static void target(struct usage *u, struct ast_expr *e, bool rw)
{
	if (e->kind == AST_E_INDEX)
		exprs(u, e->index.keys, e->index.nkeys);
	write_var(u, e->ref, e->tok);
	if (rw)
		read_var(e->ref);
}

static bool visit_expr(struct ast_visitor *v, struct ast_expr *e)
{
	struct usage *u = (struct usage *)v;

	switch (e->kind) {
	case AST_E_SYMBOL:
		read_var(e->ref);
		return false;
	case AST_E_INDEX:
		exprs(u, e->index.keys, e->index.nkeys);
		read_var(e->ref);
		return false;
	case AST_E_ASSIGN:
		target(u, e->bin.left, e->bin.op != TOK_ASSIGN && e->bin.op != TOK_SHL_ACC);
		ast_walk_expr(v, e->bin.right);
		return false;
	case AST_E_PREINC:
	case AST_E_POSTINC:
		target(u, e->un.operand, true);
		return false;
	default:
		return true;
	}
}

static void foreach_loop(struct usage *u, struct ast_stmt *s)
{
	struct sema_var *array = s->foreach.base->ref;

	exprs(u, s->foreach.slice, s->foreach.nslice);
	ast_walk_expr(&u->v, s->foreach.limit);
	read_var(array);
	for (unsigned i = 0; i < s->foreach.nkeys; i++)
		write_var(u, s->foreach.keys[i]->ref, s->foreach.keys[i]->tok);
	if (s->foreach.value)
		write_var(u, s->foreach.value->ref, s->foreach.value->tok);
	if (u->nloops < 32)
		u->loops[u->nloops++] = array;
	ast_walk_stmt(&u->v, s->foreach.body);
	u->nloops--;
}

static bool visit_stmt(struct ast_visitor *v, struct ast_stmt *s)
{
	struct usage *u = (struct usage *)v;

	switch (s->kind) {
	case AST_S_DELETE:
		target(u, s->expr.e, false);
		return false;
	case AST_S_FOREACH:
		foreach_loop(u, s);
		return false;
	case AST_S_TRY:
		ast_walk_stmt(v, s->try_.body);
		if (s->try_.catch_var)
			write_var(u, s->try_.catch_var->ref, s->try_.catch_var->tok);
		ast_walk_stmt(v, s->try_.handler);
		return false;
	default:
		return true;
	}
}

unsigned sema_usage(struct sema_program *p)
{
	unsigned errors = p->dl->errors;
	struct usage u = {.v = {visit_expr, visit_stmt}, .p = p};

	for (unsigned i = 0; i < p->nfuncs; i++)
		if (p->funcs[i]->used)
			ast_walk_stmt(&u.v, p->funcs[i]->fn->body);
	for (unsigned i = 0; i < p->nprobes; i++)
		ast_walk_stmt(&u.v, p->probes[i]->body);
	return p->dl->errors - errors;
}
