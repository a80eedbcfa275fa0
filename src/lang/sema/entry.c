/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * entry: @entry(expr) in .return probes, and the $variables of .return probes, which stap
 * reads at the function's entry as if written @entry($var) (spec section 1.5).
 *
 * At the return the values are gone, so each @entry expression is moved into a second probe
 * made here, the entry half: the same functions, fired where .function fires (after the
 * prologue, so DWARF variables are where they are at a .function probe), whose body stores
 * the value in a hidden global array.  The return half reads it back into a local before its
 * own body runs, and deletes it.  For @entry number k:
 *
 *	entry half:   __entry_k[tid(), _call_slot()] = EXPR
 *	return half:  __entry_value_k = __entry_k[tid(), _call_slot()]
 *	              delete __entry_k[tid(), _call_slot()]
 *	              ... the body, with @entry(EXPR) read as __entry_value_k ...
 *
 * _call_slot() names the call: the stack slot of its return address, which the return probe
 * hijacked at the entry (the host finds it among the thread's pending return instances) and
 * which the return hit reports.  Recursion gives every level its own slot; a call that was not
 * hijacked saves nothing, and its return reads 0 or "".  A write to a $variable is refused, as
 * stap refuses it: it would change a copy.  The pass runs after the probe points are resolved
 * and before names are, so the later passes see ordinary code; an @entry left elsewhere (not
 * in a function .return probe) is resolve.c's error.
 */
#include <stdio.h>
#include <string.h>

#include "lang/sema/sema.h"
#include "sym/dwarf.h"
#include "vm/rt/builtins.h"

struct entry_pass {
	struct ast_visitor v; /* first: the walk hands it back */
	struct sema_program *p;
	struct sema_probe *ret;
	struct ast_vec saves; /* statements of the entry half */
	struct ast_vec loads; /* statements put before the return half's body */
	unsigned count;	      /* @entry expressions in the program so far */
};

static const char *name_of(struct sema_program *p, const char *prefix, unsigned k)
{
	char buf[48];
	int n = snprintf(buf, sizeof(buf), "%s%u", prefix, k);

	return arena_strndup(p->arena, buf, (size_t)n);
}

static struct ast_expr *call0(struct sema_program *p, const char *fn, const struct token *tok)
{
	struct ast_expr *e = ast_expr_new(p->arena, AST_E_CALL, tok);

	e->call.name = fn;
	return e;
}

static struct ast_expr *symbol(struct sema_program *p, const char *name, const struct token *tok)
{
	struct ast_expr *e = ast_expr_new(p->arena, AST_E_SYMBOL, tok);

	e->sym.name = name;
	return e;
}

/* global[tid(), _call_slot()] */
static struct ast_expr *slot_of(struct sema_program *p, const char *global, const struct token *tok)
{
	struct ast_expr *e = ast_expr_new(p->arena, AST_E_INDEX, tok);

	e->index.base = symbol(p, global, tok);
	e->index.nkeys = 2;
	e->index.keys = arena_alloc(p->arena, 2 * sizeof(*e->index.keys));
	e->index.keys[0] = call0(p, "tid", tok);
	e->index.keys[1] = call0(p, "_call_slot", tok);
	return e;
}

static struct ast_stmt *expr_stmt(struct sema_program *p, enum ast_stmt_kind kind,
				  struct ast_expr *e)
{
	struct ast_stmt *s = ast_stmt_new(p->arena, kind, e->tok);

	s->expr.e = e;
	return s;
}

static struct ast_expr *assign(struct sema_program *p, struct ast_expr *to, struct ast_expr *v)
{
	struct ast_expr *e = ast_expr_new(p->arena, AST_E_ASSIGN, v->tok);

	e->bin.op = TOK_ASSIGN;
	e->bin.left = to;
	e->bin.right = v;
	return e;
}

static void declare_global(struct sema_program *p, const char *name, const struct token *tok)
{
	struct ast_file *f = p->file;
	struct ast_global **v = arena_alloc(p->arena, (f->nglobals + 1) * sizeof(*v));
	struct ast_global *g = arena_new(p->arena, struct ast_global);

	if (f->nglobals)
		memcpy(v, f->globals, f->nglobals * sizeof(*v));
	g->tok = tok;
	g->name = name;
	v[f->nglobals++] = g;
	f->globals = v;
}

/* e is @entry(EXPR): EXPR goes to the entry half, e becomes the local holding its value. */
static void move_to_entry(struct entry_pass *x, struct ast_expr *e)
{
	struct sema_program *p = x->p;
	unsigned k = x->count++;
	const char *global = name_of(p, "__entry_", k), *local = name_of(p, "__entry_value_", k);

	declare_global(p, global, e->tok);
	ast_vec_push(
		p->arena, &x->saves,
		expr_stmt(p, AST_S_EXPR, assign(p, slot_of(p, global, e->tok), e->op.operand)));
	ast_vec_push(p->arena, &x->loads,
		     expr_stmt(p, AST_S_EXPR,
			       assign(p, symbol(p, local, e->tok), slot_of(p, global, e->tok))));
	ast_vec_push(p->arena, &x->loads, expr_stmt(p, AST_S_DELETE, slot_of(p, global, e->tok)));
	e->kind = AST_E_SYMBOL;
	e->sym.name = local;
}

/* $var, and @var("name") without a file or module, which stap reads as $name. */
static bool is_entry_value(const struct ast_expr *e)
{
	if (e->kind == AST_E_ATVAR)
		return !e->target.module && e->target.type_name &&
		       !strchr(e->target.type_name, '@');
	return e->kind == AST_E_TARGET && strcmp(e->target.name, "$return") &&
	       strcmp(e->target.name, "$$return");
}

/*
 * An assignment, ++ or -- of a $variable, which stap refuses in a .return probe (without -g,
 * as any write).  @var is written where the return is, so it stays for resolve.c; only the
 * operands that are read move to the entry.
 */
static bool return_write(struct entry_pass *x, struct ast_expr *e)
{
	bool assign = e->kind == AST_E_ASSIGN;
	struct ast_expr *lhs = assign ? e->bin.left : e->un.operand;

	if ((!assign && e->kind != AST_E_PREINC && e->kind != AST_E_POSTINC) ||
	    !is_entry_value(lhs))
		return false;
	if (lhs->kind == AST_E_ATVAR) {
		for (unsigned i = 0; i < lhs->target.ncomps; i++)
			ast_walk_expr(&x->v, lhs->target.comps[i].expr);
	} else {
		sema_error(x->p, lhs->tok, "%s",
			   x->p->limits.guru
				   ? "write to target variable not permitted in .return probes"
				   : sema_write_refusal(x->ret, lhs));
		lhs->kind = AST_E_NUMBER; /* said once: resolve.c does not see it again */
		lhs->num.value = 0;
	}
	if (assign)
		ast_walk_expr(&x->v, e->bin.right);
	return true;
}

/* Moves @entry expressions and entry values out; leaves @defined to resolve.c. */
static bool visit(struct ast_visitor *v, struct ast_expr *e)
{
	struct entry_pass *x = (struct entry_pass *)v;

	if (e->kind == AST_E_ENTRY) {
		move_to_entry(x, e);
		return false;
	}
	if (return_write(x, e))
		return false;
	if (is_entry_value(e)) {
		struct ast_expr *copy = ast_expr_new(x->p->arena, e->kind, e->tok);

		*copy = *e;
		e->kind = AST_E_ENTRY;
		e->op.operand = copy;
		move_to_entry(x, e);
		return false;
	}
	return e->kind != AST_E_DEFINED;
}

static struct ast_stmt *block(struct sema_program *p, const struct token *tok,
			      struct ast_vec *first, struct ast_stmt *last)
{
	struct ast_stmt *b = ast_stmt_new(p->arena, AST_S_BLOCK, tok);

	if (last)
		ast_vec_push(p->arena, first, last);
	b->block.stmts = (struct ast_stmt **)first->v;
	b->block.n = first->n;
	return b;
}

/* The entry half's point for return point rp: where .function would fire. */
static void entry_point(struct sema_program *p, struct sema_point *pt, const struct sema_point *rp)
{
	struct sym_dwarf *dw = sema_dwarf_of(rp->module);
	struct sym_dw_func df;
	const char *dot = strstr(rp->text, ".return");
	char *text;

	*pt = *rp;
	pt->event = VM_PROC_FUNCTION;
	pt->tv = NULL;
	pt->ntv = pt->captv = 0;
	pt->saves_entry = true;
	if (rp->has_dwarf && dw && sym_dwarf_func(dw, NULL, rp->vaddr, &df) == 0 &&
	    df.entry == rp->vaddr && df.prologue > rp->vaddr) {
		pt->entry_delta = df.prologue - rp->vaddr;
		pt->vaddr = df.prologue;
		pt->offset = rp->offset + pt->entry_delta;
	}
	if (dot && !dot[7]) {
		size_t n = (size_t)(dot - rp->text);

		text = arena_alloc(p->arena, n + sizeof(".call"));
		memcpy(text, rp->text, n);
		memcpy(text + n, ".call", sizeof(".call"));
		pt->text = text;
	}
}

static void add_entry_half(struct entry_pass *x)
{
	struct sema_program *p = x->p;
	const struct ast_probe *rpr = x->ret->probe;
	struct ast_probe *pr = arena_new(p->arena, struct ast_probe);
	struct sema_probe *sp = arena_new(p->arena, struct sema_probe);
	struct sema_probe **v = arena_alloc(p->arena, (p->nprobes + 1) * sizeof(*v));

	*pr = *rpr;
	pr->body = block(p, rpr->tok, &x->saves, NULL);
	sp->probe = pr;
	sp->body = pr->body;
	for (unsigned i = 0; i < x->ret->npoints; i++)
		entry_point(p, sema_point_add(p, sp), &x->ret->points[i]);
	memcpy(v, p->probes, p->nprobes * sizeof(*v));
	sp->index = p->nprobes;
	v[p->nprobes++] = sp;
	p->probes = v;
}

static bool all_function_returns(const struct sema_probe *sp)
{
	for (unsigned i = 0; i < sp->npoints; i++)
		if (sp->points[i].kind != SEMA_PP_PROCESS || sp->points[i].event != VM_PROC_RETURN)
			return false;
	return sp->npoints > 0;
}

unsigned sema_entry(struct sema_program *p)
{
	unsigned errors = p->dl->errors, nprobes = p->nprobes, count = 0;

	for (unsigned i = 0; i < nprobes; i++) {
		struct entry_pass x = {
			.v.expr = visit, .p = p, .ret = p->probes[i], .count = count};

		if (!all_function_returns(x.ret))
			continue;
		ast_walk_stmt(&x.v, x.ret->body);
		count = x.count;
		if (!x.saves.n)
			continue;
		x.ret->body = block(p, x.ret->probe->tok, &x.loads, x.ret->body);
		add_entry_half(&x);
	}
	return p->dl->errors - errors;
}
