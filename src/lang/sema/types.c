/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * types: type inference, as stap's typeresolution_info does it.  Types are long, string and
 * stats (an aggregate, only behind <<< and the @ operators); a variable has one type, an array
 * one value type and one type per key, a function one return type and one type per parameter.
 * Each walk over all bodies pushes known types into unknown ones (x = 1 makes x long, f(x) with
 * x long makes f's parameter long, return "s" makes f a string function, a[k] with k string
 * makes a's first key string), and the walks repeat until nothing changes.  A last walk then
 * reports, in stap's words, every conflict ("type mismatch (long vs. string)" at the use, with
 * "type was first inferred here (string)" at the first inference of a variable, once per
 * variable), every arity conflict ("inconsistent arity"), every name still without a type
 * ("unresolved type") and printf arguments that do not fit their format.
 */
#include <string.h>

#include "lang/format_parse.h"
#include "lang/sema/sema.h"
#include "vm/rt/builtins.h"

struct typer {
	struct sema_program *p;
	struct sema_func *func;
	bool changed;
	bool final;
	const struct token *last; /* the last mismatch reported, not to report it twice */
};

static enum ast_type expr(struct typer *t, struct ast_expr *e, enum ast_type want);

static enum ast_type of_char(char c)
{
	return c == 'l' ? AST_TYPE_LONG : c == 's' ? AST_TYPE_STRING : AST_TYPE_UNKNOWN;
}

static void mismatch(struct typer *t, const struct token *tok, enum ast_type got,
		     enum ast_type have, struct sema_var *v)
{
	if (!t->final || tok == t->last)
		return;
	t->last = tok;
	sema_error(t->p, tok, "type mismatch (%s vs. %s)", sema_type_name(got),
		   sema_type_name(have));
	if (v && !v->reported && v->type_tok && v->type_tok != tok) {
		v->reported = true;
		sema_error(t->p, v->type_tok, "type was first inferred here (%s)",
			   sema_type_name(have));
	}
}

/* got must be want when both are known. */
static void check(struct typer *t, const struct token *tok, enum ast_type got, enum ast_type want)
{
	if (got != AST_TYPE_UNKNOWN && want != AST_TYPE_UNKNOWN && got != want)
		mismatch(t, tok, want, got, NULL);
}

/* Unifies a slot (a variable's type, a key type, a return type) with want. */
static enum ast_type unify(struct typer *t, enum ast_type *slot, const struct token **slot_tok,
			   enum ast_type want, const struct token *tok, struct sema_var *v)
{
	if (want == AST_TYPE_UNKNOWN)
		return *slot;
	if (*slot == AST_TYPE_UNKNOWN) {
		*slot = want;
		if (slot_tok)
			*slot_tok = tok;
		t->changed = true;
		return want;
	}
	if (*slot != want)
		mismatch(t, tok, want, *slot, v);
	return *slot;
}

static void arity(struct typer *t, struct sema_var *v, int n, const struct token *tok)
{
	if (!v)
		return;
	if (v->nkeys < 0) {
		v->nkeys = n;
		v->keys_tok = tok;
		t->changed = true;
	} else if (v->nkeys != n && t->final) {
		sema_error(t->p, tok, "inconsistent arity (%d vs %d)", n, v->nkeys);
		if (v->keys_tok && !v->reported) {
			v->reported = true;
			sema_error(t->p, v->keys_tok, "arity %d first inferred here", v->nkeys);
		}
	}
}

static enum ast_type symbol(struct typer *t, struct ast_expr *e, enum ast_type want)
{
	struct sema_var *v = e->ref;

	if (!v)
		return AST_TYPE_UNKNOWN;
	if (v->scope == SEMA_GLOBAL)
		arity(t, v, 0, e->tok);
	e->type = unify(t, &v->type, &v->type_tok, want, e->tok, v);
	return e->type;
}

static enum ast_type index_expr(struct typer *t, struct ast_expr *e, enum ast_type want)
{
	struct sema_var *v = e->ref;

	if (!v)
		return AST_TYPE_UNKNOWN;
	arity(t, v, (int)e->index.nkeys, e->tok);
	for (unsigned i = 0; i < e->index.nkeys && i < SEMA_MAX_KEYS; i++) {
		struct ast_expr *k = e->index.keys[i];
		enum ast_type kt;

		if (!k)
			continue;
		kt = expr(t, k, v->nkeys == (int)e->index.nkeys ? v->keys[i] : AST_TYPE_UNKNOWN);
		if (kt == AST_TYPE_STATS)
			mismatch(t, k->tok, AST_TYPE_LONG, kt, NULL);
		else if (v->nkeys == (int)e->index.nkeys)
			unify(t, &v->keys[i], NULL, kt, k->tok, NULL);
	}
	e->type = unify(t, &v->type, &v->type_tok, want, e->tok, v);
	return e->type;
}

static bool is_lvalue(const struct ast_expr *e)
{
	return e->kind == AST_E_SYMBOL || e->kind == AST_E_INDEX;
}

static enum ast_type assign(struct typer *t, struct ast_expr *e, enum ast_type want)
{
	struct ast_expr *l = e->bin.left, *r = e->bin.right;
	enum ast_type lt, rt;

	if (!is_lvalue(l)) {
		if (t->final)
			sema_error(t->p, l->tok, "expected lvalue");
		return AST_TYPE_UNKNOWN;
	}
	switch (e->bin.op) {
	case TOK_ASSIGN:
		lt = expr(t, l, AST_TYPE_UNKNOWN);
		if (lt == AST_TYPE_STATS) {
			mismatch(t, l->tok, AST_TYPE_UNKNOWN, lt, NULL);
			return lt;
		}
		rt = expr(t, r, AST_TYPE_UNKNOWN);
		if (rt == AST_TYPE_STATS)
			mismatch(t, r->tok, AST_TYPE_LONG, rt, NULL);
		else if (rt != AST_TYPE_UNKNOWN)
			lt = expr(t, l, rt);
		else if (lt != AST_TYPE_UNKNOWN)
			rt = expr(t, r, lt);
		e->type = lt;
		break;
	case TOK_SHL_ACC:
		expr(t, l, AST_TYPE_STATS);
		e->type = expr(t, r, AST_TYPE_LONG);
		check(t, r->tok, e->type, AST_TYPE_LONG);
		break;
	case TOK_CAT_ASSIGN:
		expr(t, l, AST_TYPE_STRING);
		check(t, r->tok, expr(t, r, AST_TYPE_STRING), AST_TYPE_STRING);
		e->type = AST_TYPE_STRING;
		break;
	default:
		expr(t, l, AST_TYPE_LONG);
		check(t, r->tok, expr(t, r, AST_TYPE_LONG), AST_TYPE_LONG);
		e->type = AST_TYPE_LONG;
		break;
	}
	check(t, e->tok, e->type, want);
	return e->type;
}

static enum ast_type call(struct typer *t, struct ast_expr *e, enum ast_type want)
{
	int b = sema_call_builtin(e);
	struct sema_func *f = b < 0 ? e->ref : NULL;

	if (b >= 0) {
		const struct rt_builtin_info *bi = &rt_builtins[b];

		for (unsigned i = 0; i < e->call.nargs; i++) {
			enum ast_type at = of_char(bi->args[i]);

			check(t, e->call.args[i]->tok, expr(t, e->call.args[i], at), at);
		}
		e->type = of_char(bi->ret);
		if (bi->ret == 'v' && want != AST_TYPE_UNKNOWN && t->final)
			sema_error(t->p, e->tok, "function '%s' returns no value", e->call.name);
		else
			check(t, e->tok, e->type, want);
		return e->type;
	}
	if (!f)
		return AST_TYPE_UNKNOWN;
	for (unsigned i = 0; i < e->call.nargs; i++) {
		struct sema_var *pv = f->locals.v[i];
		struct ast_expr *a = e->call.args[i];
		enum ast_type at = expr(t, a, pv->type);

		if (at == AST_TYPE_STATS)
			mismatch(t, a->tok, AST_TYPE_LONG, at, NULL);
		else
			unify(t, &pv->type, &pv->type_tok, at, a->tok, pv);
	}
	e->type = unify(t, &f->ret, &f->ret_tok, want, e->tok, NULL);
	return e->type;
}

static void stat_operand(struct typer *t, struct ast_expr *op)
{
	if (op->kind != AST_E_SYMBOL && op->kind != AST_E_INDEX) {
		if (t->final)
			sema_error(t->p, op->tok, "statistical operation of an expression");
		return;
	}
	expr(t, op, AST_TYPE_STATS);
}

static void hist(struct typer *t, struct ast_expr *h)
{
	struct ast_expr *op = h->hist.operand;
	struct sema_var *v;
	enum sema_hist kind = h->hist.kind == AST_HIST_LOG ? SEMA_HIST_LOG : SEMA_HIST_LINEAR;

	stat_operand(t, op);
	v = op->ref;
	if (!v || v->scope != SEMA_GLOBAL)
		return;
	if (kind == SEMA_HIST_LINEAR && h->hist.step <= 0 && t->final) {
		sema_error(t->p, h->tok, "histogram interval must be positive");
		return;
	}
	if (kind == SEMA_HIST_LINEAR && h->hist.hi <= h->hist.lo && t->final) {
		sema_error(t->p, h->tok, "histogram range is empty");
		return;
	}
	if (v->hist == SEMA_HIST_NONE) {
		v->hist = kind;
		v->hist_lo = h->hist.lo;
		v->hist_hi = h->hist.hi;
		v->hist_step = h->hist.step;
		v->hist_tok = h->tok;
		t->changed = true;
	} else if ((v->hist != kind || v->hist_lo != h->hist.lo || v->hist_hi != h->hist.hi ||
		    v->hist_step != h->hist.step) &&
		   t->final) {
		sema_error(t->p, h->tok, "multiple histogram types declared on '__global_%s'",
			   v->name);
	}
}

static enum ast_type print(struct typer *t, struct ast_expr *e, enum ast_type want)
{
	unsigned flags = e->print.flags;

	e->type = (flags & AST_PRINT_STREAM) ? AST_TYPE_UNKNOWN : AST_TYPE_STRING;
	if (e->print.hist) {
		hist(t, e->print.hist);
		return e->type;
	}
	if (flags & AST_PRINT_FORMAT) {
		size_t n;
		const char *err = NULL;
		const char *s = ast_string_decode(t->p->arena, e->print.format,
						  strlen(e->print.format), &n);
		struct rt_format *f = rt_format_parse(t->p->arena, s, n, &err);

		if (!f) {
			if (t->final)
				sema_error(t->p, e->tok, "%s", err);
			return e->type;
		}
		if (f->nargs != e->print.nargs && t->final)
			sema_error(t->p, e->tok,
				   f->nargs > e->print.nargs
					   ? "too few arguments to print format"
					   : "too many arguments to print format");
		for (unsigned i = 0; i < e->print.nargs; i++) {
			struct ast_expr *a = e->print.args[i];
			enum ast_type at = of_char(rt_format_arg_type(f, i));

			if (i >= f->nargs)
				at = AST_TYPE_UNKNOWN;
			check(t, a->tok, expr(t, a, at), at);
		}
	} else {
		for (unsigned i = 0; i < e->print.nargs; i++) {
			struct ast_expr *a = e->print.args[i];
			enum ast_type at = expr(t, a, AST_TYPE_UNKNOWN);

			if (at == AST_TYPE_STATS)
				mismatch(t, a->tok, AST_TYPE_LONG, at, NULL);
			if (flags & AST_PRINT_CHAR)
				check(t, a->tok, at, AST_TYPE_LONG);
		}
	}
	if (want != AST_TYPE_UNKNOWN && e->type == AST_TYPE_UNKNOWN && t->final)
		sema_error(t->p, e->tok, "print functions return no value");
	else
		check(t, e->tok, e->type, want);
	return e->type;
}

static enum ast_type expr(struct typer *t, struct ast_expr *e, enum ast_type want)
{
	enum ast_type lt, rt;

	if (!e)
		return AST_TYPE_UNKNOWN;
	switch (e->kind) {
	case AST_E_NUMBER:
		e->type = AST_TYPE_LONG;
		check(t, e->tok, e->type, want);
		break;
	case AST_E_STRING:
		e->type = AST_TYPE_STRING;
		check(t, e->tok, e->type, want);
		break;
	case AST_E_SYMBOL:
		return symbol(t, e, want);
	case AST_E_INDEX:
		return index_expr(t, e, want);
	case AST_E_BINARY:
	case AST_E_LOGICAL:
		check(t, e->bin.left->tok, expr(t, e->bin.left, AST_TYPE_LONG), AST_TYPE_LONG);
		check(t, e->bin.right->tok, expr(t, e->bin.right, AST_TYPE_LONG), AST_TYPE_LONG);
		e->type = AST_TYPE_LONG;
		check(t, e->tok, e->type, want);
		break;
	case AST_E_COMPARE:
		lt = expr(t, e->bin.left, AST_TYPE_UNKNOWN);
		rt = expr(t, e->bin.right, lt == AST_TYPE_STATS ? AST_TYPE_UNKNOWN : lt);
		if (lt == AST_TYPE_UNKNOWN && rt != AST_TYPE_UNKNOWN)
			lt = expr(t, e->bin.left, rt);
		if (lt == AST_TYPE_STATS || rt == AST_TYPE_STATS)
			mismatch(t, e->tok, AST_TYPE_LONG, AST_TYPE_STATS, NULL);
		else if (lt != AST_TYPE_UNKNOWN && rt != AST_TYPE_UNKNOWN && lt != rt)
			mismatch(t, e->tok, lt, rt, NULL);
		e->type = AST_TYPE_LONG;
		check(t, e->tok, e->type, want);
		break;
	case AST_E_CONCAT:
		check(t, e->bin.left->tok, expr(t, e->bin.left, AST_TYPE_STRING), AST_TYPE_STRING);
		check(t, e->bin.right->tok, expr(t, e->bin.right, AST_TYPE_STRING),
		      AST_TYPE_STRING);
		e->type = AST_TYPE_STRING;
		check(t, e->tok, e->type, want);
		break;
	case AST_E_REGEX:
		check(t, e->bin.left->tok, expr(t, e->bin.left, AST_TYPE_STRING), AST_TYPE_STRING);
		expr(t, e->bin.right, AST_TYPE_STRING);
		e->type = AST_TYPE_LONG;
		check(t, e->tok, e->type, want);
		break;
	case AST_E_ASSIGN:
		return assign(t, e, want);
	case AST_E_UNARY:
		check(t, e->un.operand->tok, expr(t, e->un.operand, AST_TYPE_LONG), AST_TYPE_LONG);
		e->type = AST_TYPE_LONG;
		check(t, e->tok, e->type, want);
		break;
	case AST_E_PREINC:
	case AST_E_POSTINC:
		if (!is_lvalue(e->un.operand)) {
			if (t->final)
				sema_error(t->p, e->tok, "expected lvalue");
			break;
		}
		check(t, e->un.operand->tok, expr(t, e->un.operand, AST_TYPE_LONG), AST_TYPE_LONG);
		e->type = AST_TYPE_LONG;
		check(t, e->tok, e->type, want);
		break;
	case AST_E_TERNARY:
		check(t, e->tern.cond->tok, expr(t, e->tern.cond, AST_TYPE_LONG), AST_TYPE_LONG);
		lt = expr(t, e->tern.then, want);
		rt = expr(t, e->tern.els, lt != AST_TYPE_UNKNOWN ? lt : want);
		if (lt == AST_TYPE_UNKNOWN && rt != AST_TYPE_UNKNOWN)
			lt = expr(t, e->tern.then, rt);
		if (lt != AST_TYPE_UNKNOWN && rt != AST_TYPE_UNKNOWN && lt != rt)
			mismatch(t, e->tern.els->tok, lt, rt, NULL);
		e->type = lt;
		break;
	case AST_E_IN: {
		struct ast_expr *ix = e->in.index;
		struct sema_var *v = ix->ref;

		if (v) {
			arity(t, v, (int)ix->index.nkeys, ix->tok);
			for (unsigned i = 0; i < ix->index.nkeys && i < SEMA_MAX_KEYS; i++) {
				struct ast_expr *k = ix->index.keys[i];

				if (!k)
					continue;
				enum ast_type kt =
					expr(t, k,
					     v->nkeys == (int)ix->index.nkeys ? v->keys[i]
									      : AST_TYPE_UNKNOWN);
				if (v->nkeys == (int)ix->index.nkeys)
					unify(t, &v->keys[i], NULL, kt, k->tok, NULL);
			}
		}
		e->type = AST_TYPE_LONG;
		check(t, e->tok, e->type, want);
		break;
	}
	case AST_E_CALL:
		return call(t, e, want);
	case AST_E_PRINT:
		return print(t, e, want);
	case AST_E_STAT:
		stat_operand(t, e->stat.operand);
		if (e->stat.op == AST_STAT_VARIANCE && e->stat.has_param) {
			struct sema_var *v = e->stat.operand->ref;

			if (v && v->variance_shift < e->stat.param)
				v->variance_shift = e->stat.param;
		}
		e->type = AST_TYPE_LONG;
		check(t, e->tok, e->type, want);
		break;
	case AST_E_HIST:
		if (t->final)
			sema_error(t->p, e->tok, "histogram operator used outside print");
		break;
	default:
		break;
	}
	return e->type;
}

static void stmt(struct typer *t, struct ast_stmt *s);

static void foreach(struct typer *t, struct ast_stmt *s)
{
	struct sema_var *v = s->foreach.base->ref;

	if (!v)
		return;
	arity(t, v, (int)s->foreach.nkeys, s->foreach.base->tok);
	for (unsigned i = 0; i < s->foreach.nkeys && i < SEMA_MAX_KEYS; i++) {
		struct ast_expr *k = s->foreach.keys[i];
		enum ast_type kt;

		if (v->nkeys != (int)s->foreach.nkeys)
			break;
		kt = expr(t, k, v->keys[i]);
		unify(t, &v->keys[i], NULL, kt, k->tok, NULL);
		if (i < s->foreach.nslice && s->foreach.slice[i]) {
			kt = expr(t, s->foreach.slice[i], v->keys[i]);
			unify(t, &v->keys[i], NULL, kt, s->foreach.slice[i]->tok, NULL);
		}
	}
	if (s->foreach.value) {
		struct ast_expr *val = s->foreach.value;

		if (v->type == AST_TYPE_STATS) {
			if (t->final)
				sema_error(t->p, val->tok,
					   "foreach value of an aggregate array (use @count etc.)");
		} else {
			unify(t, &v->type, &v->type_tok, expr(t, val, v->type), val->tok, v);
		}
	}
	if (s->foreach.sort_aggr != AST_STAT_NONE && v->type != AST_TYPE_STATS &&
	    v->type != AST_TYPE_UNKNOWN && t->final)
		sema_error(t->p, s->foreach.base->tok,
			   "sorting on an aggregate operator of a non-aggregate array");
	check(t, s->tok, expr(t, s->foreach.limit, AST_TYPE_LONG), AST_TYPE_LONG);
	stmt(t, s->foreach.body);
}

static void stmt(struct typer *t, struct ast_stmt *s)
{
	if (!s)
		return;
	switch (s->kind) {
	case AST_S_BLOCK:
		for (unsigned i = 0; i < s->block.n; i++)
			stmt(t, s->block.stmts[i]);
		break;
	case AST_S_EXPR:
		expr(t, s->expr.e, AST_TYPE_UNKNOWN);
		break;
	case AST_S_RETURN:
		if (t->func && s->expr.e) {
			enum ast_type rt = expr(t, s->expr.e, t->func->ret);

			if (rt == AST_TYPE_STATS)
				mismatch(t, s->expr.e->tok, AST_TYPE_LONG, rt, NULL);
			else
				unify(t, &t->func->ret, &t->func->ret_tok, rt, s->expr.e->tok,
				      NULL);
			t->func->returns_value = true;
		}
		break;
	case AST_S_DELETE: {
		struct ast_expr *e = s->expr.e;

		if (e->kind == AST_E_SYMBOL) {
			struct sema_var *v = e->ref;

			if (v && v->scope != SEMA_GLOBAL)
				expr(t, e, AST_TYPE_UNKNOWN);
			else if (v)
				e->type = v->type;
		} else if (e->kind == AST_E_INDEX) {
			struct sema_var *v = e->ref;

			expr(t, e, AST_TYPE_UNKNOWN);
			(void)v;
		}
		break;
	}
	case AST_S_IF:
		check(t, s->if_.cond->tok, expr(t, s->if_.cond, AST_TYPE_LONG), AST_TYPE_LONG);
		stmt(t, s->if_.then);
		stmt(t, s->if_.els);
		break;
	case AST_S_WHILE:
	case AST_S_FOR:
		stmt(t, s->loop.init);
		check(t, s->loop.cond->tok, expr(t, s->loop.cond, AST_TYPE_LONG), AST_TYPE_LONG);
		stmt(t, s->loop.incr);
		stmt(t, s->loop.body);
		break;
	case AST_S_FOREACH:
		foreach(t, s);
		break;
	case AST_S_TRY:
		stmt(t, s->try_.body);
		if (s->try_.catch_var)
			expr(t, s->try_.catch_var, AST_TYPE_STRING);
		stmt(t, s->try_.handler);
		break;
	default:
		break;
	}
}

static void walk(struct typer *t)
{
	struct sema_program *p = t->p;

	for (unsigned i = 0; i < p->nfuncs; i++) {
		t->func = p->funcs[i];
		stmt(t, p->funcs[i]->fn->body);
	}
	t->func = NULL;
	for (unsigned i = 0; i < p->nprobes; i++)
		stmt(t, p->probes[i]->body);
}

static void unresolved(struct sema_program *p, struct sema_scope_vars *vars, bool locals)
{
	for (unsigned i = 0; i < vars->n; i++) {
		struct sema_var *v = vars->v[i];

		if (v->reported)
			continue;
		if (v->type == AST_TYPE_UNKNOWN && (locals || v->nkeys >= 0)) {
			sema_error(p, v->tok, "unresolved type");
			continue;
		}
		if (locals && v->type == AST_TYPE_STATS) {
			sema_error(p, v->tok, "aggregates must be global variables");
			continue;
		}
		for (int k = 0; k < v->nkeys; k++)
			if (v->keys[k] == AST_TYPE_UNKNOWN) {
				sema_error(p, v->keys_tok ? v->keys_tok : v->tok,
					   "unresolved type of index %d", k + 1);
				break;
			}
	}
}

unsigned sema_types(struct sema_program *p)
{
	unsigned errors = p->dl->errors;
	struct typer t = {.p = p};

	for (unsigned round = 0; round < 64; round++) {
		t.changed = false;
		walk(&t);
		if (!t.changed)
			break;
	}
	t.final = true;
	walk(&t);
	if (p->dl->errors != errors)
		return p->dl->errors - errors;
	for (unsigned i = 0; i < p->nfuncs; i++) {
		struct sema_func *f = p->funcs[i];

		if (!f->used)
			continue;
		if (f->returns_value && f->ret == AST_TYPE_UNKNOWN)
			sema_error(p, f->fn->tok, "unresolved type");
		unresolved(p, &f->locals, true);
	}
	for (unsigned i = 0; i < p->nprobes; i++)
		unresolved(p, &p->probes[i]->locals, true);
	unresolved(p, &p->globals, false);
	return p->dl->errors - errors;
}
