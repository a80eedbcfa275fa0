/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ast_walk: a pre-order walk over a statement or expression tree, for passes that care about a
 * few kinds of node and only need to reach the others.  The visitor sees every node before its
 * parts and decides whether the walk goes into them: a pass that handles a node itself
 * (walking some parts in its own order, or none) says no.  Parts come in source order; the
 * operands of target expressions (@cast's pointer, a computed index) are parts, their
 * components are not.
 */
#include "lang/ast.h"

static void walk_exprs(struct ast_visitor *v, struct ast_expr **e, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		ast_walk_expr(v, e[i]);
}

void ast_walk_expr(struct ast_visitor *v, struct ast_expr *e)
{
	if (!e || (v->expr && !v->expr(v, e)))
		return;
	switch (e->kind) {
	case AST_E_BINARY:
	case AST_E_LOGICAL:
	case AST_E_COMPARE:
	case AST_E_CONCAT:
	case AST_E_REGEX:
	case AST_E_ASSIGN:
		ast_walk_expr(v, e->bin.left);
		ast_walk_expr(v, e->bin.right);
		break;
	case AST_E_UNARY:
	case AST_E_PREINC:
	case AST_E_POSTINC:
		ast_walk_expr(v, e->un.operand);
		break;
	case AST_E_TERNARY:
		ast_walk_expr(v, e->tern.cond);
		ast_walk_expr(v, e->tern.then);
		ast_walk_expr(v, e->tern.els);
		break;
	case AST_E_INDEX:
		ast_walk_expr(v, e->index.base);
		walk_exprs(v, e->index.keys, e->index.nkeys);
		break;
	case AST_E_IN:
		ast_walk_expr(v, e->in.index);
		break;
	case AST_E_CALL:
		walk_exprs(v, e->call.args, e->call.nargs);
		break;
	case AST_E_PRINT:
		ast_walk_expr(v, e->print.hist);
		walk_exprs(v, e->print.args, e->print.nargs);
		break;
	case AST_E_STAT:
		ast_walk_expr(v, e->stat.operand);
		break;
	case AST_E_HIST:
		ast_walk_expr(v, e->hist.operand);
		break;
	case AST_E_TARGET:
	case AST_E_CAST:
	case AST_E_ATVAR:
	case AST_E_AUTOCAST:
		ast_walk_expr(v, e->target.operand);
		for (unsigned i = 0; i < e->target.ncomps; i++)
			ast_walk_expr(v, e->target.comps[i].expr);
		break;
	case AST_E_DEFINED:
	case AST_E_ENTRY:
	case AST_E_PERF:
		ast_walk_expr(v, e->op.operand);
		break;
	case AST_E_NUMBER:
	case AST_E_STRING:
	case AST_E_SYMBOL:
	case AST_E_EMBEDDED:
		break;
	}
}

void ast_walk_stmt(struct ast_visitor *v, struct ast_stmt *s)
{
	if (!s || (v->stmt && !v->stmt(v, s)))
		return;
	switch (s->kind) {
	case AST_S_BLOCK:
		for (unsigned i = 0; i < s->block.n; i++)
			ast_walk_stmt(v, s->block.stmts[i]);
		break;
	case AST_S_EXPR:
	case AST_S_RETURN:
	case AST_S_DELETE:
		ast_walk_expr(v, s->expr.e);
		break;
	case AST_S_IF:
		ast_walk_expr(v, s->if_.cond);
		ast_walk_stmt(v, s->if_.then);
		ast_walk_stmt(v, s->if_.els);
		break;
	case AST_S_WHILE:
	case AST_S_FOR:
		ast_walk_stmt(v, s->loop.init);
		ast_walk_expr(v, s->loop.cond);
		ast_walk_stmt(v, s->loop.incr);
		ast_walk_stmt(v, s->loop.body);
		break;
	case AST_S_FOREACH:
		ast_walk_expr(v, s->foreach.value);
		walk_exprs(v, s->foreach.keys, s->foreach.nkeys);
		ast_walk_expr(v, s->foreach.base);
		walk_exprs(v, s->foreach.slice, s->foreach.nslice);
		ast_walk_expr(v, s->foreach.limit);
		ast_walk_stmt(v, s->foreach.body);
		break;
	case AST_S_TRY:
		ast_walk_stmt(v, s->try_.body);
		ast_walk_expr(v, s->try_.catch_var);
		ast_walk_stmt(v, s->try_.handler);
		break;
	case AST_S_NULL:
	case AST_S_BREAK:
	case AST_S_CONTINUE:
	case AST_S_NEXT:
		break;
	}
}
