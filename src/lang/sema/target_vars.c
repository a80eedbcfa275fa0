/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * target_vars: DWARF target variables of .function and .statement probes (spec section 1.5).
 *
 *	$var  $var->member->member  $var[3]  $var[i]  &$var  $var$  $var$$
 *	$$parms  $$locals  $$vars  (each also with $ or $$)
 *	@cast(ptr, "struct point"[, "module"])->member  @defined($var)
 *	@var("name[@file]"[, "module[:module...]"]) with the components of $var
 *
 * For each point of the probe the variable is looked up at the point's pc in the probed
 * module's DWARF (sym/dwarf.h), and the access is compiled into a plan (rt/target.h): where
 * the variable lives, the pointer loads, member offsets and element sizes of the components,
 * and the final load or format.  The expression becomes a call _tvar_long(k, index) (a long:
 * integers, pointers, enums, addresses) or _tvar_str(k, index) (the pretty-printed forms),
 * where k is the plan's slot, the same in every point of the probe, and index the one dynamic
 * [expr] component (or @cast's pointer), else 0.
 *
 * Formats follow stap: $$parms gives "a=0x5 p=0x7ffd..." (structs "{...}", unavailable "?");
 * with a $ suffix integers are decimal, char pointers and char arrays quoted strings, structs
 * "{.x=1, .y=2}" one level deep ($$: all levels), and $p$ of a struct pointer prints the
 * struct.  A name that is not there is stap's "unable to find local 'x', [man error::dwarf]
 * dieoffset ... (alternatives: $a $b)"; with --skip-badvars it is 0 instead.
 *
 * @var, as stap's dwarf_atvar_query, names a global or file-static variable of a compile unit
 * ("name@file": a unit whose name ends with /file, a glob allowed) of a module: the second
 * argument (alternatives separated by ':', the first that has it wins), else the probed file,
 * else, for a process event without a path, the -c/-x target.  It is not tied to a pc, so it
 * works in every process probe: .return, .mark, .syscall, process.begin/end.  In a
 * .function/.statement probe of that module, @var("name") without a file is $name (a local
 * first), as in stap.  A name that is in none of the modules is stap's "unable to find global
 * 'name' in MODULE, in FILE".
 *
 * With -g, a target is also written: "$var = v", "$p->x += v", "@var("g@f.c")[i]++" (and
 * $return in a .return probe) become _tvar_set(k, index, op, v), whose plan k ends at an
 * integer, pointer or enum of 1, 2, 4 or 8 bytes, in memory or in a register.  stap allows only
 * "=" on targets; the other assignment operators and ++/-- are ours.  Without -g the write is
 * stap's "write to target variable not permitted; need stap -g" (@var and @cast have their
 * own words); a write to what has no place to store into (an optimized-out or computed
 * variable, an array, a struct, $$parms, $var$) is a semantic error.
 *
 * The DWARF of a module is opened once per pass and kept in the program until
 * sema_target_release().
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/sema/sema.h"
#include "sym/dwarf.h"

#define MAX_STEPS 24
#define MAX_DEPTH 4
#define MAX_ELEMS 8

struct dw_cache {
	char *path;
	struct sym_dwarf *dw;
	int err;
};

static struct dw_cache cache[8];
static unsigned ncache;

void sema_target_release(void)
{
	for (unsigned i = 0; i < ncache; i++) {
		free(cache[i].path);
		sym_dwarf_free(cache[i].dw);
	}
	ncache = 0;
}

struct sym_dwarf *sema_dwarf_of(const char *path)
{
	if (!path)
		return NULL;
	for (unsigned i = 0; i < ncache; i++)
		if (!strcmp(cache[i].path, path))
			return cache[i].dw;
	if (ncache == sizeof(cache) / sizeof(cache[0]))
		return NULL;
	cache[ncache].path = strdup(path);
	cache[ncache].err = sym_dwarf_open(path, &cache[ncache].dw);
	return cache[ncache++].dw;
}

struct path {
	struct rt_tv_step steps[MAX_STEPS];
	unsigned n;
	bool is_value; /* the value is in a register: no address */
};

struct plan {
	struct sema_program *p;
	const char *module; /* the file of the plan's addresses */
	struct rt_tv_item *items;
	unsigned n, cap;
	struct strbuf pending;
	const char *err;
	bool write;	    /* the target of a guru write: one writable long */
	bool shared_member; /* the last component is a member sharing its offset (a bit field) */
};

static void step(struct path *pa, uint8_t op, int reg, int64_t arg)
{
	if (pa->n < MAX_STEPS)
		pa->steps[pa->n++] = (struct rt_tv_step){op, (int8_t)reg, arg};
}

static void lit(struct plan *pl, const char *s)
{
	sb_printf(&pl->pending, "%s", s);
}

static void add(struct plan *pl, uint8_t fmt, const struct sym_dw_type *t, const struct path *pa)
{
	struct rt_tv_item *it;

	if (pl->n == pl->cap) {
		unsigned cap = pl->cap ? pl->cap * 2 : 8;
		struct rt_tv_item *v = arena_zalloc(pl->p->arena, cap * sizeof(*v));

		if (pl->n)
			memcpy(v, pl->items, pl->n * sizeof(*v));
		pl->items = v;
		pl->cap = cap;
	}
	it = &pl->items[pl->n++];
	it->text = arena_strndup(pl->p->arena, sb_str(&pl->pending), pl->pending.len);
	sb_release(&pl->pending);
	it->fmt = fmt;
	it->module = pl->module;
	it->size = t ? (uint8_t)(t->size > 255 ? 255 : t->size) : 8;
	it->is_signed = t && t->is_signed;
	if (pa) {
		it->nsteps = (uint8_t)pa->n;
		it->steps = arena_memdup(pl->p->arena, pa->steps, (pa->n + 1) * sizeof(*pa->steps));
	}
}

static bool start(struct path *pa, const struct sym_dw_loc *loc)
{
	pa->n = 0;
	pa->is_value = loc->kind == SYM_DWL_REG;
	if (loc->kind == SYM_DWL_REG)
		step(pa, RT_TV_REG, loc->reg, 0);
	else if (loc->kind == SYM_DWL_MEM)
		step(pa, RT_TV_REGADDR, loc->reg, loc->offset);
	else if (loc->kind == SYM_DWL_ADDR)
		step(pa, RT_TV_ADDR, 0, (int64_t)loc->addr);
	else
		return false;
	return true;
}

static bool is_scalar(const struct sym_dw_type *t)
{
	return t->kind == SYM_DWT_BASE || t->kind == SYM_DWT_POINTER || t->kind == SYM_DWT_ENUM;
}

static bool is_aggregate(const struct sym_dw_type *t)
{
	return t->kind == SYM_DWT_STRUCT || t->kind == SYM_DWT_UNION;
}

/* The pretty form of a value of type t at pa ($var$ and $$vars$). */
static void pretty(struct plan *pl, const struct sym_dw_type *t, struct path *pa, int depth,
		   bool full)
{
	unsigned saved = pa->n;

	switch (t->kind) {
	case SYM_DWT_BASE:
	case SYM_DWT_ENUM:
		if (t->is_float)
			lit(pl, "?");
		else
			add(pl, RT_TV_LONG, t, pa);
		return;
	case SYM_DWT_POINTER:
		add(pl,
		    t->target->kind == SYM_DWT_BASE && t->target->is_char ? RT_TV_STRING
									  : RT_TV_HEX,
		    t, pa);
		return;
	case SYM_DWT_ARRAY:
		if (pa->is_value) {
			lit(pl, "?");
			return;
		}
		if (t->target->kind == SYM_DWT_BASE && t->target->is_char) {
			add(pl, RT_TV_CHARS, t, pa);
			return;
		}
		lit(pl, "[");
		for (uint64_t i = 0; i < t->count && i < MAX_ELEMS; i++) {
			if (i)
				lit(pl, ", ");
			step(pa, RT_TV_OFFSET, 0, (int64_t)(i * t->target->size));
			pretty(pl, t->target, pa, depth + 1, full);
			pa->n = saved;
		}
		lit(pl, t->count > MAX_ELEMS ? ", ...]" : "]");
		return;
	case SYM_DWT_STRUCT:
	case SYM_DWT_UNION:
		if ((depth > 0 && !full) || depth > MAX_DEPTH || pa->is_value) {
			lit(pl, "{...}");
			return;
		}
		lit(pl, "{");
		for (size_t i = 0; i < t->nmembers; i++) {
			const struct sym_dw_member *m = &t->members[i];

			if (i)
				lit(pl, ", ");
			if (m->name) {
				lit(pl, ".");
				lit(pl, m->name);
				lit(pl, "=");
			}
			step(pa, RT_TV_OFFSET, 0, (int64_t)m->offset);
			pretty(pl, m->type, pa, depth + 1, full);
			pa->n = saved;
		}
		lit(pl, "}");
		return;
	default:
		lit(pl, "?");
		return;
	}
}

/* $$parms, $$locals, $$vars at one point. */
static void all_vars(struct plan *pl, const struct sym_dw_var *vars, int n, bool parms, bool locals,
		     int pp)
{
	bool first = true;

	for (int i = 0; i < n; i++) {
		const struct sym_dw_var *v = &vars[i];
		struct path pa;

		if (v->is_param ? !parms : !locals)
			continue;
		lit(pl, first ? "" : " ");
		first = false;
		lit(pl, v->name);
		lit(pl, "=");
		if (!start(&pa, &v->loc))
			add(pl, RT_TV_UNAVAIL, NULL, NULL);
		else if (pp)
			pretty(pl, v->type, &pa, 0, pp > 1);
		else if (is_scalar(v->type))
			add(pl, RT_TV_HEX, v->type, &pa);
		else
			lit(pl, v->type->kind == SYM_DWT_ARRAY ? "[...]" : "{...}");
	}
}

/* Whether m shares its offset with another member of struct t, as bit fields do. */
static bool shares_offset(const struct sym_dw_type *t, const struct sym_dw_member *m)
{
	if (t->kind != SYM_DWT_STRUCT)
		return false;
	for (size_t i = 0; i < t->nmembers; i++)
		if (&t->members[i] != m && t->members[i].offset == m->offset)
			return true;
	return false;
}

/* The components of e after the variable: the path and type they end at; NULL or an error. */
static const char *components(struct plan *pl, const struct ast_expr *e,
			      const struct sym_dw_type **tp, struct path *pa, int *pp)
{
	const struct sym_dw_type *t = *tp;

	for (unsigned i = 0; i < e->target.ncomps; i++) {
		const struct ast_target_comp *c = &e->target.comps[i];

		if (c->kind == AST_COMP_PRETTY_PRINT) {
			*pp = strlen(c->name);
			continue;
		}
		if (c->kind == AST_COMP_MEMBER) {
			const struct sym_dw_member *m = NULL;

			if (t->kind == SYM_DWT_POINTER) {
				step(pa, RT_TV_DEREF, 0, 0);
				pa->is_value = false;
				t = t->target;
			}
			if (!is_aggregate(t))
				return "invalid access of a member of a non-struct/union type";
			for (size_t j = 0; j < t->nmembers; j++)
				if (t->members[j].name && !strcmp(t->members[j].name, c->name))
					m = &t->members[j];
			if (!m) {
				pl->err = c->name;
				return "unable to find member";
			}
			if (pa->is_value)
				return "unsupported location (a struct in a register)";
			step(pa, RT_TV_OFFSET, 0, (int64_t)m->offset);
			pl->shared_member = shares_offset(t, m);
			t = m->type;
			continue;
		}
		pl->shared_member = false;
		/* [index] */
		if (t->kind == SYM_DWT_POINTER) {
			step(pa, RT_TV_DEREF, 0, 0);
			pa->is_value = false;
		} else if (t->kind != SYM_DWT_ARRAY || pa->is_value) {
			return "invalid access of an index of a non-array type";
		}
		t = t->target;
		if (c->kind == AST_COMP_INDEX_LIT)
			step(pa, RT_TV_OFFSET, 0, c->index * (int64_t)t->size);
		else
			step(pa, RT_TV_INDEX, 0, (int64_t)t->size);
	}
	*tp = t;
	return NULL;
}

/* The end of a written access: an integer, pointer or enum of 1, 2, 4 or 8 bytes. */
static const char *written_end(struct plan *pl, const struct ast_expr *e,
			       const struct sym_dw_type *t, const struct path *pa, int pp)
{
	if (pp)
		return "cannot write to pretty-printed variable";
	if (e->target.addressof)
		return "cannot write to member address";
	if (t->kind == SYM_DWT_ARRAY)
		return "cannot write to array address";
	if (is_aggregate(t))
		return "struct/union is being accessed instead of a member of the struct/union";
	if (!is_scalar(t) || t->is_float)
		return "unsupported type (not an integer, pointer or enum)";
	if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
		return "unsupported type size for a write (not 1, 2, 4 or 8 bytes)";
	if (pl->shared_member)
		return "writing a bit field is not supported";
	add(pl, RT_TV_LONG, t, pa);
	pl->items[pl->n - 1].writable = true;
	return NULL;
}

/* The end of a single-variable access: a long, an address, or the pretty form. */
static const char *finish(struct plan *pl, const struct ast_expr *e, const struct sym_dw_type *t,
			  struct path *pa, int pp)
{
	if (pl->write)
		return written_end(pl, e, t, pa, pp);
	if (e->target.addressof) {
		if (pa->is_value)
			return "cannot take the address of a register variable";
		add(pl, RT_TV_ADDRESS, t, pa);
		return NULL;
	}
	if (pp) {
		if (t->kind == SYM_DWT_POINTER && is_aggregate(t->target)) {
			step(pa, RT_TV_DEREF, 0, 0);
			pa->is_value = false;
			t = t->target;
		}
		pretty(pl, t, pa, 0, pp > 1);
		if (pl->pending.len)
			add(pl, RT_TV_LIT, NULL, NULL);
		return NULL;
	}
	if (t->kind == SYM_DWT_ARRAY && !pa->is_value) {
		add(pl, RT_TV_ADDRESS, t, pa);
		return NULL;
	}
	if (is_aggregate(t))
		return "struct/union is being accessed instead of a member of the struct/union";
	if (!is_scalar(t) || t->is_float)
		return "unsupported type (not an integer, pointer or enum)";
	add(pl, RT_TV_LONG, t, pa);
	return NULL;
}

static bool has_dynamic_index(const struct ast_expr *e, struct ast_expr **ret)
{
	unsigned n = 0;

	for (unsigned i = 0; i < e->target.ncomps; i++)
		if (e->target.comps[i].kind == AST_COMP_INDEX_EXPR) {
			*ret = e->target.comps[i].expr;
			n++;
		}
	return n > 0;
}

static int pp_level(const struct ast_expr *e)
{
	for (unsigned i = 0; i < e->target.ncomps; i++)
		if (e->target.comps[i].kind == AST_COMP_PRETTY_PRINT)
			return (int)strlen(e->target.comps[i].name);
	return 0;
}

/* "$$parms$" -> 1 ... */
static bool is_all_vars(const char *name, bool *parms, bool *locals, int *pp)
{
	static const char *const names[] = {"$$parms", "$$locals", "$$vars"};

	for (unsigned i = 0; i < 3; i++) {
		size_t n = strlen(names[i]);

		if (strncmp(name, names[i], n) || strspn(name + n, "$") != strlen(name + n) ||
		    strlen(name + n) > 2)
			continue;
		*parms = i != 1;
		*locals = i != 0;
		*pp = (int)strlen(name + n);
		return true;
	}
	return false;
}

static const char *unable(struct sema_program *p, struct sym_dwarf *dw, const struct sema_point *pt,
			  const char *name, const struct sym_dw_var *vars, int n)
{
	struct sym_dw_func f = {0};
	struct strbuf sb = {0};
	const char *msg;

	sym_dwarf_func(dw, NULL, pt->vaddr, &f);
	sb_printf(&sb,
		  "unable to find local '%s', [man error::dwarf] dieoffset 0x%llx in %s, near pc "
		  "0x%llx in %s %s (",
		  name, (unsigned long long)f.die_offset, pt->module, (unsigned long long)pt->vaddr,
		  f.name ? f.name : "<unknown>", f.cu_name ? f.cu_name : "<unknown>");
	sb_printf(&sb, "%s", n > 0 ? "alternatives:" : "no alternatives");
	for (int i = 0; i < n; i++)
		sb_printf(&sb, " $%s", vars[i].name);
	sb_printf(&sb, ")");
	msg = arena_strndup(p->arena, sb_str(&sb), sb.len);
	sb_release(&sb);
	return msg;
}

/* The plan of variable v with e's components; NULL, or the error. */
static const char *located(struct plan *pl, const struct ast_expr *e, const struct sym_dw_var *v)
{
	const struct sym_dw_type *t = v->type;
	struct path pa = {0};
	int pp = 0;
	const char *why;

	if (!start(&pa, &v->loc)) {
		struct strbuf sb = {0};
		const char *msg;

		sb_printf(&sb, "unable to find location of '%s' (%s), [man error::dwarf]", v->name,
			  v->why ? v->why : "no location");
		msg = arena_strndup(pl->p->arena, sb_str(&sb), sb.len);
		sb_release(&sb);
		return msg;
	}
	why = components(pl, e, &t, &pa, &pp);
	return why ? why : finish(pl, e, t, &pa, pp);
}

/* The plan of e, variable name, at one point; NULL, or the error. */
static const char *plan_at(struct plan *pl, const struct ast_expr *e, const struct sema_point *pt,
			   struct sym_dwarf *dw, const char *name)
{
	const struct sym_dw_var *vars = NULL, *v = NULL;
	struct sym_dw_var global;
	bool parms, locals;
	int pp = 0, n = sym_dwarf_vars(dw, pt->vaddr, &vars);

	if (n < 0)
		return "no DWARF scope at the probe address";
	if (is_all_vars(e->target.name, &parms, &locals, &pp)) {
		if (pl->write)
			return "cannot write to context variable";
		if (pp_level(e) > pp)
			pp = pp_level(e);
		all_vars(pl, vars, n, parms, locals, pp);
		add(pl, RT_TV_LIT, NULL, NULL);
		return NULL;
	}
	for (int i = 0; i < n; i++)
		if (!strcmp(vars[i].name, name))
			v = &vars[i];
	if (!v && sym_dwarf_global(dw, name, NULL, &global) == 0)
		v = &global;
	if (!v)
		return unable(pl->p, dw, pt, name, vars, n);
	return located(pl, e, v);
}

/* The module @var reads when it names none: the probed file, else the -c/-x target. */
static const char *default_module(const struct sema_program *p, const struct sema_point *pt)
{
	if (pt->module)
		return pt->module;
	return pt->proc_path ? pt->proc_path : p->limits.target_path;
}

static const char *canonical(struct sema_program *p, const char *path, size_t n)
{
	char buf[PATH_MAX], *copy = arena_strndup(p->arena, path, n);

	return realpath(copy, buf) ? arena_strndup(p->arena, buf, strlen(buf)) : copy;
}

/* A .function/.statement point of module, where @var("name") is $name. */
static bool in_function_of(const struct sema_point *pt, const char *module)
{
	return pt->has_dwarf && pt->event == VM_PROC_FUNCTION && pt->module &&
	       !strcmp(pt->module, module);
}

static const char *unable_global(struct sema_program *p, const char *name, const char *modules,
				 const char *file)
{
	struct strbuf sb = {0};
	const char *msg;

	sb_printf(&sb, "unable to find global '%s' in %s%s%s", name, modules, file ? ", in " : "",
		  file ? file : "");
	msg = arena_strndup(p->arena, sb_str(&sb), sb.len);
	sb_release(&sb);
	return msg;
}

/* @var("name[@file]"[, "module[:module...]"]) at one point; NULL, or the error. */
static const char *plan_atvar(struct plan *pl, const struct ast_expr *e,
			      const struct sema_point *pt)
{
	const char *target = e->target.type_name, *at = strchr(target, '@');
	const char *name = at ? arena_strndup(pl->p->arena, target, (size_t)(at - target)) : target;
	const char *file = at ? at + 1 : NULL, *m = e->target.module, *why;
	struct strbuf tried = {0};

	if (!m)
		m = default_module(pl->p, pt);
	if (!m)
		return "@var in a process probe without a path needs a module argument or a target "
		       "(-c CMD or -x PID)";
	for (;;) {
		size_t n = strcspn(m, ":");
		const char *mod = canonical(pl->p, m, n);
		struct sym_dwarf *dw = sema_dwarf_of(mod);
		struct sym_dw_var v;

		pl->module = mod;
		if (dw && !file && in_function_of(pt, mod)) {
			sb_release(&tried);
			return plan_at(pl, e, pt, dw, name);
		}
		if (dw && sym_dwarf_global(dw, name, file, &v) == 0) {
			sb_release(&tried);
			return located(pl, e, &v);
		}
		sb_printf(&tried, "%s%s", tried.len ? ":" : "", mod);
		if (!m[n])
			break;
		m += n + 1;
	}
	why = unable_global(pl->p, name, sb_str(&tried), file);
	sb_release(&tried);
	return why;
}

/* @cast(ptr, "type"[, "module"]): the pointer is the dynamic index. */
static const char *plan_cast(struct plan *pl, const struct ast_expr *e, const struct sema_point *pt)
{
	struct sym_dwarf *dw = sema_dwarf_of(e->target.module ? e->target.module : pt->module);
	const struct sym_dw_type *t;
	struct path pa = {0};
	int pp = 0;
	const char *why;

	if (!dw || sym_dwarf_type(dw, e->target.type_name, &t) < 0) {
		struct strbuf sb = {0};
		const char *msg;

		sb_printf(&sb, "type definition '%s' not found in '%s'", e->target.type_name,
			  e->target.module ? e->target.module : pt->module);
		msg = arena_strndup(pl->p->arena, sb_str(&sb), sb.len);
		sb_release(&sb);
		return msg;
	}
	step(&pa, RT_TV_INDEX, 0, 1);
	why = components(pl, e, &t, &pa, &pp);
	return why ? why : finish(pl, e, t, &pa, pp);
}

/* The plan of e at pt: a point of a probe where it can be planned (see plannable). */
static const char *plan_point(struct plan *pl, const struct ast_expr *e,
			      const struct sema_point *pt)
{
	struct sym_dwarf *dw;

	if (e->kind == AST_E_ATVAR)
		return plan_atvar(pl, e, pt);
	if (e->kind == AST_E_CAST)
		return plan_cast(pl, e, pt);
	dw = sema_dwarf_of(pt->module);
	return dw ? plan_at(pl, e, pt, dw, e->target.name + 1) : "no DWARF for the probed module";
}

/* $var and @cast need a DWARF .function/.statement point; @var any process point. */
static bool plannable(const struct sema_point *pt, const struct ast_expr *e)
{
	if (pt->kind != SEMA_PP_PROCESS)
		return false;
	return e->kind == AST_E_ATVAR || (pt->has_dwarf && pt->event == VM_PROC_FUNCTION);
}

static void to_number(struct ast_expr *e, int64_t v)
{
	e->kind = AST_E_NUMBER;
	e->num.value = v;
}

static struct ast_expr *number(struct sema_program *p, const struct token *tok, int64_t v)
{
	struct ast_expr *n = ast_expr_new(p->arena, AST_E_NUMBER, tok);

	n->num.value = v;
	return n;
}

/* e becomes fn(args), blamed on tok. */
static void to_call(struct sema_program *p, struct ast_expr *e, const char *fn,
		    const struct token *tok, struct ast_expr *const *args, unsigned n)
{
	struct ast_expr **v = arena_alloc(p->arena, n * sizeof(*v));

	memcpy(v, args, n * sizeof(*v));
	e->kind = AST_E_CALL;
	e->tok = tok;
	e->call.name = fn;
	e->call.args = v;
	e->call.nargs = n;
}

/* What one target expression of a probe became: its slot, dynamic index and kind. */
struct tv_plan {
	unsigned k;
	struct ast_expr *index; /* NULL: none */
	bool string;
	bool hard; /* an error --skip-badvars does not hide */
};

static bool plannable_everywhere(const struct sema_probe *sp, const struct ast_expr *e)
{
	for (unsigned i = 0; i < sp->npoints; i++)
		if (!plannable(&sp->points[i], e))
			return false;
	return sp->npoints > 0;
}

/* The one computed index of e (@cast: its pointer), or why e cannot have it. */
static const char *dynamic_index(const struct ast_expr *e, struct ast_expr **ret)
{
	unsigned n = 0;

	for (unsigned i = 0; i < e->target.ncomps; i++)
		n += e->target.comps[i].kind == AST_COMP_INDEX_EXPR;
	if (e->kind == AST_E_CAST) {
		*ret = e->target.operand;
		return n ? "a computed index in @cast is not supported yet" : NULL;
	}
	if (n > 1)
		return "only one computed index per target variable";
	has_dynamic_index(e, ret);
	return NULL;
}

/* Gives every point of sp its plan of one expression, in the same slot k (returned). */
static unsigned install(struct sema_program *p, struct sema_probe *sp,
			const struct rt_tv_expr *plans)
{
	unsigned k = 0;

	for (unsigned i = 0; i < sp->npoints; i++) {
		struct sema_point *pt = &sp->points[i];

		if (pt->ntv == pt->captv) {
			unsigned cap = pt->captv ? pt->captv * 2 : 4;
			struct rt_tv_expr *v = arena_zalloc(p->arena, cap * sizeof(*v));

			if (pt->ntv)
				memcpy(v, pt->tv, pt->ntv * sizeof(*v));
			pt->tv = v;
			pt->captv = cap;
		}
		k = pt->ntv++;
		pt->tv[k] = plans[i];
	}
	return k;
}

/*
 * Plans e at every point of sp (write: as the target of a guru write), installed unless dry.
 * 1: done (*tp), 0: the probe has no points where e is a DWARF target (not ours), -1: *why.
 */
static int plan_probe(struct sema_program *p, struct sema_probe *sp, const struct ast_expr *e,
		      bool write, bool dry, struct tv_plan *tp, const char **why)
{
	struct rt_tv_expr *plans;
	int pp = pp_level(e);

	if (!plannable_everywhere(sp, e))
		return 0;
	*why = dynamic_index(e, &tp->index);
	tp->hard = *why != NULL;
	if (*why)
		return -1;
	tp->string = (e->kind == AST_E_TARGET &&
		      is_all_vars(e->target.name, &(bool){0}, &(bool){0}, &pp)) ||
		     pp > 0;
	plans = arena_zalloc(p->arena, sp->npoints * sizeof(*plans));
	for (unsigned i = 0; i < sp->npoints && !*why; i++) {
		struct sema_point *pt = &sp->points[i];
		struct plan pl = {.p = p, .module = pt->module, .write = write};

		*why = plan_point(&pl, e, pt);
		sb_release(&pl.pending);
		plans[i].items = pl.items;
		plans[i].nitems = pl.n;
	}
	if (*why)
		return -1;
	if (!dry)
		tp->k = install(p, sp, plans);
	return 1;
}

/*
 * Plans e at every point of sp.  Returns 1 when it resolves (rewritten into a call unless
 * dry), 0 when the probe has no DWARF points (not ours), -1 after an error (reported unless
 * dry).
 */
int sema_target_var(struct sema_program *p, struct sema_probe *sp, struct ast_expr *e, bool dry)
{
	struct tv_plan tp = {0};
	const char *why = NULL;
	int r = plan_probe(p, sp, e, false, dry, &tp, &why);

	if (r < 0) {
		if (dry)
			return -1;
		if (!tp.hard && p->limits.skip_badvars && e->kind != AST_E_CAST) {
			to_number(e, 0);
			return 1;
		}
		sema_error(p, e->tok, "%s", why);
		return -1;
	}
	if (r == 0 || dry)
		return r;
	to_call(p, e, tp.string ? "_tvar_str" : "_tvar_long", e->tok,
		(struct ast_expr *[]){number(p, e->tok, tp.k),
				      tp.index ? tp.index : number(p, e->tok, 0)},
		2);
	return 1;
}

/* ---- guru-mode writes ------------------------------------------------------------------- */

static const struct {
	enum tok tok;
	enum rt_tv_set_op op;
	const char *text;
} assign_ops[] = {
	{TOK_ASSIGN, RT_TV_SET, "="},		{TOK_ADD_ASSIGN, RT_TV_SET_ADD, "+="},
	{TOK_SUB_ASSIGN, RT_TV_SET_SUB, "-="},	{TOK_MUL_ASSIGN, RT_TV_SET_MUL, "*="},
	{TOK_DIV_ASSIGN, RT_TV_SET_DIV, "/="},	{TOK_MOD_ASSIGN, RT_TV_SET_MOD, "%="},
	{TOK_SHL_ASSIGN, RT_TV_SET_SHL, "<<="}, {TOK_SHR_ASSIGN, RT_TV_SET_SHR, ">>="},
	{TOK_AND_ASSIGN, RT_TV_SET_AND, "&="},	{TOK_OR_ASSIGN, RT_TV_SET_OR, "|="},
	{TOK_XOR_ASSIGN, RT_TV_SET_XOR, "^="},
};

/* The _tvar_set op of an assignment, ++ or -- e; -1 for the others (.= and <<<). */
static int set_op(const struct ast_expr *e)
{
	if (e->kind != AST_E_ASSIGN)
		return (e->un.op == TOK_INC ? RT_TV_SET_ADD : RT_TV_SET_SUB) |
		       (e->kind == AST_E_POSTINC ? RT_TV_SET_OLD : 0);
	for (size_t i = 0; i < sizeof(assign_ops) / sizeof(assign_ops[0]); i++)
		if (assign_ops[i].tok == e->bin.op)
			return (int)assign_ops[i].op;
	return -1;
}

/* stap's refusal of another operator, its list formatted as stap formats it. */
static void unsupported_op(struct sema_program *p, const struct ast_expr *e)
{
	struct strbuf ops = {0};

	for (size_t i = 0; i < sizeof(assign_ops) / sizeof(assign_ops[0]); i++)
		sb_printf(&ops, "%s %s", i ? "," : "", assign_ops[i].text);
	sema_error(p, e->tok,
		   "Only the following assign operators are implemented on target variables: %s",
		   sb_str(&ops));
	sb_release(&ops);
}

/* @var("name") without a file or module in a DWARF function probe: stap's $name. */
static bool atvar_is_local(const struct sema_probe *sp, const struct ast_expr *e)
{
	if (e->target.module || strchr(e->target.type_name, '@') || !sp || !sp->npoints)
		return false;
	for (unsigned i = 0; i < sp->npoints; i++) {
		const struct sema_point *pt = &sp->points[i];

		if (pt->kind != SEMA_PP_PROCESS || !pt->has_dwarf || !pt->module ||
		    (pt->event != VM_PROC_FUNCTION && pt->event != VM_PROC_RETURN))
			return false;
	}
	return true;
}

const char *sema_write_refusal(const struct sema_probe *sp, const struct ast_expr *e)
{
	if (e->kind == AST_E_CAST)
		return "write to @cast context variable not permitted; need stap -g";
	if (e->kind == AST_E_ATVAR && !atvar_is_local(sp, e))
		return "write to @var variable not permitted; need stap -g";
	return "write to target variable not permitted; need stap -g";
}

/* $return in a .return probe of functions or PLT entries: all of rax, as stap stores it. */
static int plan_return(struct sema_program *p, struct sema_probe *sp, const struct ast_expr *e,
		       struct tv_plan *tp, const char **why)
{
	struct rt_tv_step *rax = arena_zalloc(p->arena, 2 * sizeof(*rax));
	struct rt_tv_item *it = arena_zalloc(p->arena, sizeof(*it));
	struct rt_tv_expr *plans;

	for (unsigned i = 0; i < sp->npoints; i++)
		if (sp->points[i].kind != SEMA_PP_PROCESS ||
		    (sp->points[i].event != VM_PROC_RETURN &&
		     sp->points[i].event != VM_PROC_PLT_RETURN))
			return 0;
	if (!sp->npoints)
		return 0;
	if (e->target.ncomps || e->target.addressof) {
		*why = "writing through $return is not supported";
		return -1;
	}
	rax[0] = (struct rt_tv_step){RT_TV_REG, 0, 0};
	*it = (struct rt_tv_item){
		.text = "", .fmt = RT_TV_LONG, .size = 8, .is_signed = true, .nsteps = 1};
	it->steps = rax;
	it->writable = true;
	plans = arena_zalloc(p->arena, sp->npoints * sizeof(*plans));
	for (unsigned i = 0; i < sp->npoints; i++)
		plans[i] = (struct rt_tv_expr){1, it};
	tp->k = install(p, sp, plans);
	return 1;
}

int sema_target_write(struct sema_program *p, struct sema_probe *sp, struct ast_expr *e)
{
	struct ast_expr *lhs = e->kind == AST_E_ASSIGN ? e->bin.left : e->un.operand, *value;
	struct tv_plan tp = {0};
	const char *why = NULL;
	int op = set_op(e), r;

	if (!p->limits.guru) {
		sema_error(p, lhs->tok, "%s", sema_write_refusal(sp, lhs));
		return -1;
	}
	if (op < 0) {
		unsupported_op(p, e);
		return -1;
	}
	if (lhs->kind == AST_E_TARGET && !strcmp(lhs->target.name, "$return"))
		r = plan_return(p, sp, lhs, &tp, &why);
	else
		r = plan_probe(p, sp, lhs, true, false, &tp, &why);
	if (r < 0) {
		sema_error(p, lhs->tok, "%s", why);
		return -1;
	}
	if (r == 0)
		return 0;
	value = e->kind == AST_E_ASSIGN ? e->bin.right : number(p, e->tok, 1);
	to_call(p, e, "_tvar_set", lhs->tok,
		(struct ast_expr *[]){number(p, lhs->tok, tp.k),
				      tp.index ? tp.index : number(p, lhs->tok, 0),
				      number(p, lhs->tok, op), value},
		4);
	return 1;
}
