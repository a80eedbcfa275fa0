/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sema: the driver of pass 2 and the helpers its passes share.  sema_elaborate builds an empty
 * struct sema_program in the tree's arena and runs the passes in order: probe points first (an
 * alias folds its prologue into the probe's body), then names, types and usage.  Errors in
 * probe points and names are reported together; after that a pass that found errors stops the
 * chain, because the next pass relies on its results (types need resolved names).
 *
 * Semantic errors are rendered in stap's one-line form ("semantic error: MSG: identifier 'x' at
 * f.stp:1:2", the source line, a caret, a blank line); the caller prints them and "Pass 2:
 * analysis failed.".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/sema/sema.h"
#include "vm/rt/builtins.h"

const char *sema_type_name(enum ast_type t)
{
	switch (t) {
	case AST_TYPE_LONG:
		return "long";
	case AST_TYPE_STRING:
		return "string";
	case AST_TYPE_STATS:
		return "stats";
	case AST_TYPE_UNKNOWN:
		break;
	}
	return "unknown";
}

int sema_call_builtin(const struct ast_expr *call)
{
	const struct rt_builtin_info *b = call->ref;

	if (b >= rt_builtins && b < rt_builtins + RT_B_COUNT)
		return (int)(b - rt_builtins);
	return -1;
}

void sema_error(struct sema_program *p, const struct token *t, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	diag_add(p->dl, DIAG_ERROR, "semantic error", DIAG_INLINE, t, p->file->name, "%s", msg);
	free(msg);
}

struct sema_var *sema_scope_find(const struct sema_scope_vars *scope, const char *name)
{
	for (unsigned i = 0; i < scope->n; i++)
		if (!strcmp(scope->v[i]->name, name))
			return scope->v[i];
	return NULL;
}

struct sema_var *sema_var_new(struct sema_program *p, struct sema_scope_vars *scope,
			      const char *name, const struct token *tok, enum sema_scope kind)
{
	struct sema_var *v = arena_new(p->arena, struct sema_var);

	v->name = name;
	v->tok = tok;
	v->scope = kind;
	v->nkeys = kind == SEMA_GLOBAL ? -1 : 0;
	v->index = scope->n;
	if (scope->n == scope->cap) {
		unsigned cap = scope->cap ? scope->cap * 2 : 8;
		struct sema_var **nv = arena_alloc(p->arena, cap * sizeof(*nv));

		if (scope->n)
			memcpy(nv, scope->v, scope->n * sizeof(*nv));
		scope->v = nv;
		scope->cap = cap;
	}
	scope->v[scope->n++] = v;
	return v;
}

int sema_elaborate(struct ast_file *f, const struct sema_limits *limits, struct diag_list *dl,
		   struct sema_program **ret)
{
	struct sema_program *p = arena_new(&f->arena, struct sema_program);
	unsigned errors;
	unsigned (*const passes[])(struct sema_program *) = {
		sema_probes,
		sema_resolve,
		sema_types,
		sema_usage,
	};

	p->file = f;
	p->arena = &f->arena;
	p->dl = dl;
	p->limits = *limits;
	/* Probe points and names are independent: their errors are reported together. */
	errors = passes[0](p);
	errors += sema_entry(p);
	errors += passes[1](p);
	if (errors) {
		sema_target_release();
		return -EINVAL;
	}
	sema_target_release();
	for (unsigned i = 2; i < sizeof(passes) / sizeof(passes[0]); i++)
		if (passes[i](p))
			return -EINVAL;
	*ret = p;
	return 0;
}
