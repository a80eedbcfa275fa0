/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ast: node constructors and helpers for the syntax tree.  Nodes live in the arena of their
 * struct ast_file and are never freed one by one; ast_file_free() drops the whole tree.  Lists
 * are built in a struct ast_vec, itself in the arena, so a list abandoned by a syntax error
 * (the parser longjmps to its recovery point) leaks nothing.
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
