/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ast: node constructors and helpers for the syntax tree.  Nodes live in the arena of their
 * struct ast_file and are never freed one by one; ast_file_free() drops the whole tree.  Lists
 * are built in a struct ast_vec, itself in the arena, so a list abandoned by a syntax error
 * (the parser longjmps to its recovery point) leaks nothing.  Deep copies of statements and
 * expressions give each probe made from a probe alias its own nodes, since pass 2 writes its
 * results (ref, type, rewrites of $variables) into the nodes.
 */
#include <stdlib.h>
#include <string.h>

#include "lang/ast.h"

void ast_vec_push(struct arena *a, struct ast_vec *vec, void *p)
{
	if (vec->n == vec->cap) {
		unsigned cap = vec->cap ? vec->cap * 2 : 4;
		void **v = arena_alloc(a, cap * sizeof(*v));

		if (vec->n)
			memcpy(v, vec->v, vec->n * sizeof(*v));
		vec->v = v;
		vec->cap = cap;
	}
	vec->v[vec->n++] = p;
}

void *ast_vec_finish(struct arena *a, struct ast_vec *vec, unsigned *ret_n)
{
	*ret_n = vec->n;
	return vec->v ? (void *)vec->v : arena_alloc(a, sizeof(void *));
}

struct ast_expr *ast_expr_new(struct arena *a, enum ast_expr_kind kind, const struct token *tok)
{
	struct ast_expr *e = arena_new(a, struct ast_expr);

	e->kind = kind;
	e->tok = tok;
	return e;
}

struct ast_stmt *ast_stmt_new(struct arena *a, enum ast_stmt_kind kind, const struct token *tok)
{
	struct ast_stmt *s = arena_new(a, struct ast_stmt);

	s->kind = kind;
	s->tok = tok;
	return s;
}

const char *ast_expr_kind_name(enum ast_expr_kind kind)
{
	static const char *const names[] = {
#define AST_EXPR_NAME(name) #name,
		AST_EXPR_LIST(AST_EXPR_NAME)
#undef AST_EXPR_NAME
	};

	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

const char *ast_stmt_kind_name(enum ast_stmt_kind kind)
{
	static const char *const names[] = {
#define AST_STMT_NAME(name) #name,
		AST_STMT_LIST(AST_STMT_NAME)
#undef AST_STMT_NAME
	};

	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

static struct ast_expr **copy_exprs(struct arena *a, struct ast_expr *const *v, unsigned n)
{
	struct ast_expr **c = arena_alloc(a, (n ? n : 1) * sizeof(*c));

	for (unsigned i = 0; i < n; i++)
		c[i] = ast_expr_copy(a, v[i]);
	return c;
}

static struct ast_target_comp *copy_target_comps(struct arena *a, const struct ast_target_comp *v,
						 unsigned n)
{
	struct ast_target_comp *c;

	if (!n)
		return arena_alloc(a, sizeof(*c));
	c = arena_memdup(a, v, n * sizeof(*c));
	for (unsigned i = 0; i < n; i++)
		c[i].expr = ast_expr_copy(a, v[i].expr);
	return c;
}

struct ast_expr *ast_expr_copy(struct arena *a, const struct ast_expr *e)
{
	struct ast_expr *c;

	if (!e)
		return NULL;
	c = arena_memdup(a, e, sizeof(*e));
	c->ref = NULL;
	switch (e->kind) {
	case AST_E_BINARY:
	case AST_E_LOGICAL:
	case AST_E_COMPARE:
	case AST_E_CONCAT:
	case AST_E_REGEX:
	case AST_E_ASSIGN:
		c->bin.left = ast_expr_copy(a, e->bin.left);
		c->bin.right = ast_expr_copy(a, e->bin.right);
		break;
	case AST_E_UNARY:
	case AST_E_PREINC:
	case AST_E_POSTINC:
		c->un.operand = ast_expr_copy(a, e->un.operand);
		break;
	case AST_E_TERNARY:
		c->tern.cond = ast_expr_copy(a, e->tern.cond);
		c->tern.then = ast_expr_copy(a, e->tern.then);
		c->tern.els = ast_expr_copy(a, e->tern.els);
		break;
	case AST_E_INDEX:
		c->index.base = ast_expr_copy(a, e->index.base);
		c->index.keys = copy_exprs(a, e->index.keys, e->index.nkeys);
		break;
	case AST_E_IN:
		c->in.index = ast_expr_copy(a, e->in.index);
		break;
	case AST_E_CALL:
		c->call.args = copy_exprs(a, e->call.args, e->call.nargs);
		break;
	case AST_E_PRINT:
		c->print.hist = ast_expr_copy(a, e->print.hist);
		c->print.args = copy_exprs(a, e->print.args, e->print.nargs);
		break;
	case AST_E_STAT:
		c->stat.operand = ast_expr_copy(a, e->stat.operand);
		break;
	case AST_E_HIST:
		c->hist.operand = ast_expr_copy(a, e->hist.operand);
		break;
	case AST_E_TARGET:
	case AST_E_CAST:
	case AST_E_ATVAR:
	case AST_E_AUTOCAST:
		c->target.operand = ast_expr_copy(a, e->target.operand);
		c->target.comps = copy_target_comps(a, e->target.comps, e->target.ncomps);
		break;
	case AST_E_DEFINED:
	case AST_E_ENTRY:
	case AST_E_PERF:
		c->op.operand = ast_expr_copy(a, e->op.operand);
		break;
	case AST_E_NUMBER:
	case AST_E_STRING:
	case AST_E_SYMBOL:
	case AST_E_EMBEDDED:
		break;
	}
	return c;
}

static struct ast_stmt **copy_stmts(struct arena *a, struct ast_stmt *const *v, unsigned n)
{
	struct ast_stmt **c = arena_alloc(a, (n ? n : 1) * sizeof(*c));

	for (unsigned i = 0; i < n; i++)
		c[i] = ast_stmt_copy(a, v[i]);
	return c;
}

static void copy_foreach(struct arena *a, struct ast_stmt *c, const struct ast_stmt *s)
{
	c->foreach.value = ast_expr_copy(a, s->foreach.value);
	c->foreach.keys = copy_exprs(a, s->foreach.keys, s->foreach.nkeys);
	c->foreach.base = ast_expr_copy(a, s->foreach.base);
	c->foreach.slice = copy_exprs(a, s->foreach.slice, s->foreach.nslice);
	c->foreach.limit = ast_expr_copy(a, s->foreach.limit);
	c->foreach.body = ast_stmt_copy(a, s->foreach.body);
}

struct ast_stmt *ast_stmt_copy(struct arena *a, const struct ast_stmt *s)
{
	struct ast_stmt *c;

	if (!s)
		return NULL;
	c = arena_memdup(a, s, sizeof(*s));
	switch (s->kind) {
	case AST_S_BLOCK:
		c->block.stmts = copy_stmts(a, s->block.stmts, s->block.n);
		break;
	case AST_S_EXPR:
	case AST_S_RETURN:
	case AST_S_DELETE:
		c->expr.e = ast_expr_copy(a, s->expr.e);
		break;
	case AST_S_IF:
		c->if_.cond = ast_expr_copy(a, s->if_.cond);
		c->if_.then = ast_stmt_copy(a, s->if_.then);
		c->if_.els = ast_stmt_copy(a, s->if_.els);
		break;
	case AST_S_WHILE:
	case AST_S_FOR:
		c->loop.init = ast_stmt_copy(a, s->loop.init);
		c->loop.cond = ast_expr_copy(a, s->loop.cond);
		c->loop.incr = ast_stmt_copy(a, s->loop.incr);
		c->loop.body = ast_stmt_copy(a, s->loop.body);
		break;
	case AST_S_FOREACH:
		copy_foreach(a, c, s);
		break;
	case AST_S_TRY:
		c->try_.body = ast_stmt_copy(a, s->try_.body);
		c->try_.catch_var = ast_expr_copy(a, s->try_.catch_var);
		c->try_.handler = ast_stmt_copy(a, s->try_.handler);
		break;
	case AST_S_NULL:
	case AST_S_BREAK:
	case AST_S_CONTINUE:
	case AST_S_NEXT:
		break;
	}
	return c;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *ast_string_decode(struct arena *a, const char *raw, size_t n, size_t *ret_len)
{
	char *out = arena_alloc(a, n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = raw[i];

		if (c != '\\' || i + 1 == n) {
			out[o++] = c;
			continue;
		}
		c = raw[++i];
		switch (c) {
		case 'a':
			out[o++] = '\a';
			break;
		case 'b':
			out[o++] = '\b';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'v':
			out[o++] = '\v';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 'x': {
			int v = 0, d, k = 0;

			while (k < 2 && i + 1 < n && (d = hexval(raw[i + 1])) >= 0) {
				v = v * 16 + d;
				i++;
				k++;
			}
			out[o++] = k ? (char)v : 'x';
			break;
		}
		default:
			if (c >= '0' && c <= '7') {
				int v = c - '0', k = 1;

				while (k < 3 && i + 1 < n && raw[i + 1] >= '0' &&
				       raw[i + 1] <= '7') {
					v = v * 8 + (raw[++i] - '0');
					k++;
				}
				out[o++] = (char)v;
			} else {
				out[o++] = c;
			}
		}
	}
	out[o] = '\0';
	*ret_len = o;
	return out;
}

void ast_file_free(struct ast_file *f)
{
	if (!f)
		return;
	arena_release(&f->arena);
	free(f);
}
