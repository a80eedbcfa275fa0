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
	struct sema_program *p;
	struct sema_var *loops[32];
	unsigned nloops;
};

static void expr(struct usage *u, struct ast_expr *e);

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

/* An assignment target: its keys are read, the variable written (and read if rw). */
static void target(struct usage *u, struct ast_expr *e, bool rw)
{
	struct sema_var *v = e->ref;

	if (e->kind == AST_E_INDEX)
		for (unsigned i = 0; i < e->index.nkeys; i++)
			expr(u, e->index.keys[i]);
	write_var(u, v, e->tok);
	if (rw && v)
		v->read = true;
}

static void expr(struct usage *u, struct ast_expr *e)
{
	if (!e)
		return;
	switch (e->kind) {
	case AST_E_SYMBOL:
		if (e->ref)
			((struct sema_var *)e->ref)->read = true;
		break;
	case AST_E_INDEX:
		for (unsigned i = 0; i < e->index.nkeys; i++)
			expr(u, e->index.keys[i]);
		if (e->ref)
			((struct sema_var *)e->ref)->read = true;
		break;
	case AST_E_IN:
		expr(u, e->in.index);
		break;
	case AST_E_ASSIGN:
		target(u, e->bin.left, e->bin.op != TOK_ASSIGN && e->bin.op != TOK_SHL_ACC);
		expr(u, e->bin.right);
		break;
	case AST_E_PREINC:
	case AST_E_POSTINC:
		target(u, e->un.operand, true);
		break;
	case AST_E_BINARY:
	case AST_E_LOGICAL:
	case AST_E_COMPARE:
	case AST_E_CONCAT:
	case AST_E_REGEX:
		expr(u, e->bin.left);
		expr(u, e->bin.right);
		break;
	case AST_E_UNARY:
		expr(u, e->un.operand);
		break;
	case AST_E_TERNARY:
		expr(u, e->tern.cond);
		expr(u, e->tern.then);
		expr(u, e->tern.els);
		break;
	case AST_E_CALL:
		for (unsigned i = 0; i < e->call.nargs; i++)
			expr(u, e->call.args[i]);
		break;
	case AST_E_PRINT:
		expr(u, e->print.hist);
		for (unsigned i = 0; i < e->print.nargs; i++)
			expr(u, e->print.args[i]);
		break;
	case AST_E_STAT:
		expr(u, e->stat.operand);
		break;
	case AST_E_HIST:
		expr(u, e->hist.operand);
		break;
	default:
		break;
	}
}

static void stmt(struct usage *u, struct ast_stmt *s)
{
	if (!s)
		return;
	switch (s->kind) {
	case AST_S_BLOCK:
		for (unsigned i = 0; i < s->block.n; i++)
			stmt(u, s->block.stmts[i]);
		break;
	case AST_S_EXPR:
	case AST_S_RETURN:
		expr(u, s->expr.e);
		break;
	case AST_S_DELETE:
		target(u, s->expr.e, false);
		break;
	case AST_S_IF:
		expr(u, s->if_.cond);
		stmt(u, s->if_.then);
		stmt(u, s->if_.els);
		break;
	case AST_S_WHILE:
	case AST_S_FOR:
		stmt(u, s->loop.init);
		expr(u, s->loop.cond);
		stmt(u, s->loop.incr);
		stmt(u, s->loop.body);
		break;
	case AST_S_FOREACH: {
		struct sema_var *v = s->foreach.base->ref;

		for (unsigned i = 0; i < s->foreach.nslice; i++)
			expr(u, s->foreach.slice[i]);
		expr(u, s->foreach.limit);
		if (v)
			v->read = true;
		for (unsigned i = 0; i < s->foreach.nkeys; i++)
			write_var(u, s->foreach.keys[i]->ref, s->foreach.keys[i]->tok);
		if (s->foreach.value)
			write_var(u, s->foreach.value->ref, s->foreach.value->tok);
		if (u->nloops < 32)
			u->loops[u->nloops++] = v;
		stmt(u, s->foreach.body);
		u->nloops--;
		break;
	}
	case AST_S_TRY:
		stmt(u, s->try_.body);
		if (s->try_.catch_var)
			write_var(u, s->try_.catch_var->ref, s->try_.catch_var->tok);
		stmt(u, s->try_.handler);
		break;
	default:
		break;
	}
}

unsigned sema_usage(struct sema_program *p)
{
	unsigned errors = p->dl->errors;
	struct usage u = {.p = p};

	for (unsigned i = 0; i < p->nfuncs; i++)
		if (p->funcs[i]->used)
			stmt(&u, p->funcs[i]->fn->body);
	for (unsigned i = 0; i < p->nprobes; i++)
		stmt(&u, p->probes[i]->body);
	return p->dl->errors - errors;
}
