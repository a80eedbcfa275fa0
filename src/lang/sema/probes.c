/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * probes: the first pass of elaboration, probe point validation.  Each probe of the script
 * becomes one or more struct sema_probe whose points are resolved to what ustap can run without a traced
 * process: begin, end, error (each with an optional priority), never, and timer.{ms,s,sec,us,
 * ns,hz,jiffies}(N) with an optional .randomize(M); process(...) points are resolved by
 * process.c, where one point may expand to many.  Kernel families are errors.  An optional
 * point ('?' or '!') that does not resolve is dropped silently, like stap's unresolvable
 * optional probes; a sufficient one ('!') that resolves ends the list of points it is in.
 *
 * A probe condition, "probe timer.s(1) if (enabled)", is folded into the body as an if
 * statement, so the rest of pass 2 and the code generator see one ordinary body.  Each error
 * comes as stap reports it: "while resolving probe point" on the point, then the reason.
 *
 * Probe aliases, as stap's elaborate.cxx (match_node, alias_expansion_builder) expands them.
 * "probe NAME = P1, P2 { prologue }" defines NAME; a point naming it is derived again from P1
 * and P2 with a body that runs the prologue, then the user's body ("+=": the user's body, then
 * the epilogue), so what the prologue assigns are locals the user's body reads.  Names match
 * component by component, as in stap's tree of probe point names: a '*' in a component globs
 * over the alias names there, and an exact match deeper in the tree wins; the components left
 * after an alias name are a suffix, appended to each point of the alias (with myfn = process
 * ("x").function("f"), "myfn.return" is process("x").function("f").return).  Every definition
 * of a name expands, aliases may name aliases, the condition of the point naming an alias is
 * and-ed to each of the alias's, and optionality passes down through every level.  A level
 * that comes from an alias already expanded above it is stap's "recursive loop in alias
 * expansion" (stap notices the loop one level late; so does this).
 *
 * Each point reached through aliases gets a probe of its own, whose body is a deep copy of
 * the composed bodies, since the later passes write into the nodes.  pp() gives the point
 * reached, pn() the outermost alias's first name with the suffix (stap's script_location), and
 * -p2's comment the chain "<- ALIAS = POINTS <- ... <- the point as written".
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "lang/sema/sema.h"

#define NS_PER_SEC 1000000000ull
#define JIFFY_NS   (NS_PER_SEC / 250)

static const struct {
	const char *name;
	uint64_t unit_ns; /* 0: frequency in hertz */
} timer_units[] = {
	{"ms", 1000000ull},    /* timer.ms(N): every N milliseconds */
	{"s", NS_PER_SEC},     /* timer.s(N): every N seconds */
	{"sec", NS_PER_SEC},   /* timer.sec(N): the same */
	{"us", 1000ull},       /* timer.us(N): every N microseconds */
	{"ns", 1ull},	       /* timer.ns(N): every N nanoseconds */
	{"jiffies", JIFFY_NS}, /* timer.jiffies(N): every N ticks of a 250 Hz clock */
	{"hz", 0},	       /* timer.hz(N): N times a second */
};

static bool number_arg(const struct ast_pp_comp *c, int64_t *ret)
{
	if (!c->arg || c->arg->kind != AST_E_NUMBER)
		return false;
	*ret = c->arg->num.value;
	return true;
}

/* The probe list as it grows, and how many points resolved so far. */
struct probes_pass {
	struct sema_program *p;
	unsigned cap;
	unsigned points;
};

/* A level of derivation: the points of the user's probe, or of an alias expanded for a point. */
struct level {
	const struct level *up;
	const struct ast_probe *use;   /* the user's probe */
	const struct ast_probe *alias; /* the one these points come from; NULL: the user's */
	struct ast_stmt *body;	  /* the user's body, with the prologues and epilogues so far */
	const char *pn;		  /* the outermost alias's first name and the suffix */
	const char *chain;	  /* what -p2 prints after "<- " */
	bool optional;		  /* a point of a level above was optional */
	struct sema_probe *plain; /* the user's level: the probe its own points go to */
};

struct failure {
	const char *why;
	const struct token *where;
	bool recursive;
};

struct alias_match {
	const struct ast_probe *alias;
	unsigned suffix; /* the first component of the suffix (ncomps: none) */
};

static const char *const root_names[] = {"begin", "end", "error", "never", "timer"};

static const char *arena_text(struct sema_program *p, struct strbuf *sb)
{
	const char *s = arena_strndup(p->arena, sb_str(sb), sb->len);

	sb_release(sb);
	return s;
}

struct nearby {
	const char *name;
	unsigned dist;
};

static int by_distance(const void *a, const void *b)
{
	const struct nearby *x = a, *y = b;

	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct nearby *)a)->name, ((const struct nearby *)b)->name);
}

/* " (similar: a, b)": the five names nearest target, in alphabetical order; "" for none. */
static const char *similar(struct sema_program *p, const char *target, const char *const *names,
			   unsigned n)
{
	struct nearby *v = arena_alloc(p->arena, (n + 1) * sizeof(*v));
	struct strbuf sb = {0};
	unsigned m = 0;

	for (unsigned i = 0; i < n; i++) {
		bool dup = false;

		for (unsigned k = 0; k < m; k++)
			dup |= !strcmp(v[k].name, names[i]);
		if (!dup)
			v[m++] = (struct nearby){names[i], sema_edit_distance(target, names[i])};
	}
	qsort(v, m, sizeof(*v), by_distance);
	m = m < 5 ? m : 5;
	qsort(v, m, sizeof(*v), by_name);
	for (unsigned k = 0; k < m; k++)
		sb_printf(&sb, "%s%s", k ? ", " : " (similar: ", v[k].name);
	if (m)
		sb_putc(&sb, ')');
	return arena_text(p, &sb);
}

/* stap's mismatch at the root: the nearest of the built-in families and the alias names. */
static const char *root_mismatch(struct sema_program *p, const char *functor)
{
	const struct ast_file *f = p->file;
	unsigned n = sizeof(root_names) / sizeof(root_names[0]);
	const char **names;
	struct strbuf sb = {0};

	for (unsigned i = 0; i < f->naliases; i++)
		n += f->aliases[i]->nnames;
	names = arena_alloc(p->arena, n * sizeof(*names));
	n = 0;
	for (unsigned i = 0; i < sizeof(root_names) / sizeof(root_names[0]); i++)
		names[n++] = root_names[i];
	for (unsigned i = 0; i < f->naliases; i++)
		for (unsigned j = 0; j < f->aliases[i]->nnames; j++)
			names[n++] = f->aliases[i]->names[j]->comps[0].functor;
	sb_printf(&sb, "probe point mismatch%s", similar(p, functor, names, n));
	return arena_text(p, &sb);
}

/* The reason a point does not resolve, or NULL with *pt filled; *where is the token to blame. */
static const char *resolve_point(struct sema_program *p, const struct ast_probe_point *pp,
				 struct sema_point *pt, const struct token **where)
{
	const struct ast_pp_comp *c = pp->comps;
	const char *f = c[0].functor;
	int64_t n = 0;

	*where = c[0].tok;
	if (!strcmp(f, "begin") || !strcmp(f, "end") || !strcmp(f, "error")) {
		pt->kind = f[0] == 'b'			? SEMA_PP_BEGIN
			   : f[0] == 'e' && f[1] == 'n' ? SEMA_PP_END
							: SEMA_PP_ERROR;
		if (c[0].arg && !number_arg(&c[0], &pt->priority))
			return "probe point mismatch: expected a number";
		if (pp->ncomps > 1) {
			*where = c[1].tok;
			return "probe point mismatch";
		}
		return NULL;
	}
	if (!strcmp(f, "never")) {
		pt->kind = SEMA_PP_NEVER;
		if (pp->ncomps > 1 || c[0].arg)
			return "probe point mismatch";
		return NULL;
	}
	if (!strcmp(f, "timer")) {
		pt->kind = SEMA_PP_TIMER;
		if (pp->ncomps < 2)
			return "probe point mismatch (similar: timer.ms, timer.s, timer.hz)";
		*where = c[1].tok;
		if (!strcmp(c[1].functor, "profile"))
			return "timer.profile probes are not supported yet";
		for (unsigned i = 0; i < sizeof(timer_units) / sizeof(timer_units[0]); i++) {
			uint64_t unit = timer_units[i].unit_ns;

			if (strcmp(c[1].functor, timer_units[i].name))
				continue;
			if (!number_arg(&c[1], &n) || n <= 0)
				return "timer interval must be a positive number";
			pt->interval_ns = unit ? (uint64_t)n * unit : NS_PER_SEC / (uint64_t)n;
			if (!pt->interval_ns)
				return "timer frequency too high";
			if (pp->ncomps > 2) {
				*where = c[2].tok;
				if (strcmp(c[2].functor, "randomize") || pp->ncomps > 3)
					return "probe point mismatch";
				if (!number_arg(&c[2], &n) || n < 0)
					return "randomize must be a non-negative number";
				pt->randomize_ns = (unit ? unit : 1000000ull) * (uint64_t)n;
			}
			return NULL;
		}
		return "probe point mismatch (similar: ms, s, us, ns, hz, jiffies)";
	}
	if (!strcmp(f, "kernel") || !strcmp(f, "module") || !strcmp(f, "debuginfod") ||
	    !strcmp(f, "syscall") || !strcmp(f, "perf"))
		return "kernel probes are not available in user space (only begin, end, error, "
		       "never, timer and process probes)";
	return root_mismatch(p, f);
}

static bool is_builtin_family(const char *functor)
{
	static const char *const families[] = {
		"begin",  "end",    "error",	  "never",   "timer", "process",
		"kernel", "module", "debuginfod", "syscall", "perf",
	};

	for (unsigned i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (!strcmp(functor, families[i]))
			return true;
	return false;
}

static void comps_text(const struct ast_pp_comp *c, unsigned n, struct strbuf *sb)
{
	for (unsigned k = 0; k < n; k++) {
		if (sb->len)
			sb_putc(sb, '.');
		sb_printf(sb, "%s", c[k].functor);
		if (c[k].arg) {
			sb_putc(sb, '(');
			ast_print_expr(c[k].arg, sb);
			sb_putc(sb, ')');
		}
	}
}

static const char *point_text(struct sema_program *p, const struct ast_probe_point *pp)
{
	struct strbuf sb = {0};

	ast_print_probe_point(pp, &sb);
	return arena_text(p, &sb);
}

/* The walk of the alias names along a point's components (stap's match_node::find_and_build). */
struct alias_walk {
	struct sema_program *p;
	const struct ast_probe_point *pp;
	const struct ast_pp_comp **keys; /* the name component matched at each position */
	const struct ast_pp_comp **kids; /* room for every name's component at one position */
	struct ast_vec matches;
	struct failure fail;
};

static bool same_arg(const struct ast_pp_comp *a, const struct ast_pp_comp *b)
{
	return !a->arg == !b->arg && (!a->arg || a->arg->kind == b->arg->kind);
}

/* stap's match_key: the functor, and whether there is a parameter and its type. */
static bool same_key(const struct ast_pp_comp *a, const struct ast_pp_comp *b)
{
	return !strcmp(a->functor, b->functor) && same_arg(a, b);
}

static bool key_matches(const struct ast_pp_comp *used, const struct ast_pp_comp *key)
{
	if (!strchr(used->functor, '*'))
		return same_key(used, key);
	return !fnmatch(used->functor, key->functor, FNM_NOESCAPE) && same_arg(used, key);
}

static bool along(const struct alias_walk *w, const struct ast_probe_point *name, unsigned pos)
{
	if (name->ncomps < pos)
		return false;
	for (unsigned i = 0; i < pos; i++)
		if (!same_key(&name->comps[i], w->keys[i]))
			return false;
	return true;
}

/* Each alias with a name of pos components along the keys matches, the rest a suffix. */
static unsigned add_ends(struct alias_walk *w, unsigned pos)
{
	const struct ast_file *f = w->p->file;
	unsigned n = 0;

	for (unsigned i = 0; i < f->naliases; i++) {
		const struct ast_probe *a = f->aliases[i];

		for (unsigned j = 0; j < a->nnames; j++) {
			struct alias_match *m;

			if (a->names[j]->ncomps != pos || !along(w, a->names[j], pos))
				continue;
			m = arena_new(w->p->arena, struct alias_match);
			m->alias = a;
			m->suffix = pos;
			ast_vec_push(w->p->arena, &w->matches, m);
			n++;
			break;
		}
	}
	return n;
}

static int arg_rank(const struct ast_pp_comp *c)
{
	return !c->arg ? 0 : c->arg->kind == AST_E_NUMBER ? 1 : 2;
}

/* stap's match_key order: by name, then without a parameter, a number one, a string one. */
static bool key_before(const struct ast_pp_comp *a, const struct ast_pp_comp *b)
{
	int c = strcmp(a->functor, b->functor);

	return c ? c < 0 : arg_rank(a) < arg_rank(b);
}

/* The distinct components at pos of the longer names along the keys, in w->kids, sorted. */
static unsigned children(struct alias_walk *w, unsigned pos)
{
	const struct ast_file *f = w->p->file;
	unsigned n = 0;

	for (unsigned i = 0; i < f->naliases; i++)
		for (unsigned j = 0; j < f->aliases[i]->nnames; j++) {
			const struct ast_probe_point *name = f->aliases[i]->names[j];
			bool dup = false;
			unsigned at;

			if (name->ncomps <= pos || !along(w, name, pos))
				continue;
			for (unsigned k = 0; k < n; k++)
				dup |= same_key(w->kids[k], &name->comps[pos]);
			if (dup)
				continue;
			for (at = n++; at > 0 && key_before(&name->comps[pos], w->kids[at - 1]);
			     at--)
				w->kids[at] = w->kids[at - 1];
			w->kids[at] = &name->comps[pos];
		}
	return n;
}

static bool walk_failed(struct alias_walk *w, const struct token *where, struct strbuf *sb)
{
	w->fail.why = arena_text(w->p, sb);
	w->fail.where = where;
	return false;
}

/* stap's "probe point truncated": the point ends inside the tree, with what could follow. */
static bool truncated(struct alias_walk *w, unsigned pos, const struct ast_pp_comp **kids,
		      unsigned nkids)
{
	struct strbuf sb = {0};

	sb_printf(&sb, "probe point truncated (follow:");
	for (unsigned k = 0; k < nkids; k++)
		sb_printf(&sb, " %s%s", kids[k]->functor,
			  !kids[k]->arg			       ? ""
			  : kids[k]->arg->kind == AST_E_STRING ? "(string)"
							       : "(number)");
	sb_putc(&sb, ')');
	return walk_failed(w, w->pp->comps[pos - 1].tok, &sb);
}

/* stap's suggest_functors: the nearest names at pos; a glob is compared by what precedes '*'. */
static bool mismatch(struct alias_walk *w, unsigned pos, const struct ast_pp_comp **kids,
		     unsigned nkids)
{
	const struct ast_pp_comp *c = &w->pp->comps[pos];
	const char *star = strchr(c->functor, '*');
	const char *target = c->functor,
		   **names = arena_alloc(w->p->arena, (nkids + 1) * sizeof(*names));
	struct strbuf sb = {0};

	if (star && star != c->functor)
		target = arena_strndup(w->p->arena, c->functor, (size_t)(star - c->functor));
	for (unsigned k = 0; k < nkids; k++)
		names[k] = kids[k]->functor;
	sb_printf(&sb, "probe point mismatch%s%s", star ? ": didn't find any wildcard matches" : "",
		  similar(w->p, target, names, nkids));
	return walk_failed(w, c->tok, &sb);
}

static bool walk(struct alias_walk *w, unsigned pos)
{
	const struct ast_probe_point *pp = w->pp;
	unsigned nkids = children(w, pos);
	const struct ast_pp_comp **kids =
		arena_memdup(w->p->arena, w->kids, (nkids ? nkids : 1) * sizeof(*kids));
	const struct ast_pp_comp *c;
	bool found = false;

	if (pos == pp->ncomps)
		return add_ends(w, pos) || truncated(w, pos, kids, nkids);
	c = &pp->comps[pos];
	for (unsigned k = 0; k < nkids; k++) {
		if (!key_matches(c, kids[k]))
			continue;
		w->keys[pos] = kids[k];
		found |= walk(w, pos + 1);
		if (!strchr(c->functor, '*'))
			return found;
	}
	if (found) {
		w->fail.why = NULL;
		return true;
	}
	return (pos && add_ends(w, pos)) || mismatch(w, pos, kids, nkids);
}

/*
 * The aliases a point names: their number, 0 when the point is no alias's (a built-in family
 * whose point is not an alias is built-in), -1 with *f when it goes astray among the names.
 */
static int alias_matches(struct sema_program *p, const struct ast_probe_point *pp,
			 struct ast_vec *out, struct failure *f)
{
	const struct ast_file *file = p->file;
	struct alias_walk w = {.p = p, .pp = pp};
	unsigned nnames = 0;
	bool named = false;

	for (unsigned i = 0; i < file->naliases; i++)
		for (unsigned j = 0; j < file->aliases[i]->nnames; j++) {
			named |= key_matches(&pp->comps[0], &file->aliases[i]->names[j]->comps[0]);
			nnames++;
		}
	if (!named)
		return 0;
	w.keys = arena_alloc(p->arena, pp->ncomps * sizeof(*w.keys));
	w.kids = arena_alloc(p->arena, nnames * sizeof(*w.kids));
	if (!walk(&w, 0)) {
		if (is_builtin_family(pp->comps[0].functor))
			return 0;
		*f = w.fail;
		return -1;
	}
	*out = w.matches;
	return (int)w.matches.n;
}

/* The point of an alias with the user's suffix, and the user's condition and-ed to its own. */
static struct ast_probe_point *with_suffix(struct sema_program *p,
					   const struct ast_probe_point *point,
					   const struct ast_probe_point *use, unsigned from)
{
	struct ast_probe_point *q = arena_memdup(p->arena, point, sizeof(*q));
	unsigned n = point->ncomps + use->ncomps - from;

	q->comps = arena_alloc(p->arena, n * sizeof(*q->comps));
	memcpy(q->comps, point->comps, point->ncomps * sizeof(*q->comps));
	memcpy(q->comps + point->ncomps, use->comps + from,
	       (use->ncomps - from) * sizeof(*q->comps));
	q->ncomps = n;
	if (point->cond && use->cond) {
		q->cond = ast_expr_new(p->arena, AST_E_LOGICAL, point->cond->tok);
		q->cond->bin.op = TOK_LAND;
		q->cond->bin.left = point->cond;
		q->cond->bin.right = use->cond;
	} else if (use->cond) {
		q->cond = use->cond;
	}
	return q;
}

/* pn() through aliases: the alias's first name, with the suffix. */
static const char *alias_pn(struct sema_program *p, const struct ast_probe *a,
			    const struct ast_probe_point *use, unsigned from)
{
	struct strbuf sb = {0};

	comps_text(a->names[0]->comps, a->names[0]->ncomps, &sb);
	comps_text(use->comps + from, use->ncomps - from, &sb);
	return arena_text(p, &sb);
}

/* "NAME = POINTS <- below", as stap's probe_alias::printsig and derived_probe::printsig. */
static const char *alias_chain(struct sema_program *p, const struct ast_probe *a, const char *below)
{
	struct strbuf sb = {0};

	for (unsigned i = 0; i < a->nnames; i++) {
		if (i)
			sb_append(&sb, " = ", 3);
		ast_print_probe_point(a->names[i], &sb);
	}
	sb_printf(&sb, "%s", a->epilogue ? " += " : " = ");
	for (unsigned i = 0; i < a->npoints; i++) {
		if (i)
			sb_append(&sb, ", ", 2);
		ast_print_probe_point(a->points[i], &sb);
	}
	sb_printf(&sb, " <- %s", below);
	return arena_text(p, &sb);
}

static struct ast_stmt *compose(struct sema_program *p, const struct ast_probe *a,
				struct ast_stmt *body)
{
	struct ast_stmt *s = ast_stmt_new(p->arena, AST_S_BLOCK, body->tok);

	s->block.stmts = arena_alloc(p->arena, 2 * sizeof(*s->block.stmts));
	s->block.stmts[0] = a->epilogue ? body : a->body;
	s->block.stmts[1] = a->epilogue ? a->body : body;
	s->block.n = 2;
	return s;
}

static struct ast_stmt *guard(struct sema_program *p, struct ast_expr *cond, struct ast_stmt *body)
{
	struct ast_stmt *s;

	if (!cond)
		return body;
	s = ast_stmt_new(p->arena, AST_S_IF, cond->tok);
	s->if_.cond = cond;
	s->if_.then = body;
	return s;
}

static struct sema_probe *probe_new(struct sema_program *p, const struct ast_probe *use)
{
	struct sema_probe *sp = arena_new(p->arena, struct sema_probe);

	sp->probe = use;
	return sp;
}

static void probe_add(struct probes_pass *pass, struct sema_probe *sp)
{
	struct sema_program *p = pass->p;

	if (p->nprobes == pass->cap) {
		struct sema_probe **v = arena_alloc(p->arena, pass->cap * 2 * sizeof(*v));

		memcpy(v, p->probes, p->nprobes * sizeof(*v));
		p->probes = v;
		pass->cap *= 2;
	}
	sp->index = p->nprobes;
	p->probes[p->nprobes++] = sp;
}

/* Resolves a built-in point into sp's points; NULL, or the reason with *where. */
static const char *resolve_into(struct sema_program *p, struct sema_probe *sp,
				const struct ast_probe_point *pp, const struct token **where)
{
	struct sema_point pt = {0};
	struct strbuf sb = {0};
	const char *why;

	if (!strcmp(pp->comps[0].functor, "process"))
		return sema_process_point(p, sp, pp, where);
	why = resolve_point(p, pp, &pt, where);
	if (why)
		return why;
	pt.pp = pp;
	comps_text(pp->comps, pp->ncomps, &sb);
	pt.text = arena_text(p, &sb);
	*sema_point_add(p, sp) = pt;
	return NULL;
}

/*
 * A built-in point: into the user's probe at the user's level, else into a probe of its own
 * with a copy of the composed body, guarded by the point's condition.
 */
static bool resolve_builtin(struct probes_pass *pass, const struct level *lv,
			    const struct ast_probe_point *pp, struct failure *f)
{
	struct sema_program *p = pass->p;
	struct sema_probe *sp = lv->plain ? lv->plain : probe_new(p, lv->use);
	unsigned before = sp->npoints;

	f->why = resolve_into(p, sp, pp, &f->where);
	if (f->why) {
		sp->npoints = before;
		return false;
	}
	pass->points += sp->npoints - before;
	if (lv->plain)
		return true;
	for (unsigned i = before; i < sp->npoints; i++) {
		sp->points[i].orig = lv->pn;
		sp->points[i].derivation = lv->chain;
	}
	sp->body = guard(p, ast_expr_copy(p->arena, pp->cond), ast_stmt_copy(p->arena, lv->body));
	probe_add(pass, sp);
	return true;
}

/* stap's checkForRecursiveExpansion: lv's alias was expanded above lv already. */
static bool recursive(const struct level *lv)
{
	for (const struct level *u = lv->alias ? lv->up : NULL; u; u = u->up)
		if (u->alias == lv->alias)
			return true;
	return false;
}

static bool recursion(struct sema_program *p, const struct ast_probe_point *pp, struct failure *f)
{
	const struct token *t = pp->comps[0].tok;
	struct strbuf sb = {0};

	sb_printf(&sb, "recursive loop in alias expansion of %s at %s:%u:%u", point_text(p, pp),
		  t->loc.file ? t->loc.file->name : "?", t->loc.line, t->loc.col);
	f->why = arena_text(p, &sb);
	f->where = NULL;
	f->recursive = true;
	return false;
}

static bool derive_point(struct probes_pass *pass, const struct level *lv,
			 const struct ast_probe_point *pp, struct failure *f);

/* The points of an alias's level in order; false with *f when a required one fails. */
static bool derive_level(struct probes_pass *pass, const struct level *lv,
			 struct ast_probe_point **points, unsigned n, struct failure *f)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned nprobes = pass->p->nprobes, before = pass->points;

		if (derive_point(pass, lv, points[i], f)) {
			if (points[i]->sufficient && pass->points > before)
				break;
			continue;
		}
		pass->p->nprobes = nprobes;
		pass->points = before;
		if (!points[i]->optional && !lv->optional)
			return false;
	}
	return true;
}

/* The points of alias m for pp of lv, one level down; an error in them blames pp's suffix. */
static bool expand_alias(struct probes_pass *pass, const struct level *lv,
			 const struct ast_probe_point *pp, const struct alias_match *m,
			 struct failure *f)
{
	struct sema_program *p = pass->p;
	const struct ast_probe *a = m->alias;
	struct level sub = {
		.up = lv,
		.use = lv->use,
		.alias = a,
		.body = compose(p, a, lv->body),
		.pn = lv->pn ? lv->pn : alias_pn(p, a, pp, m->suffix),
		.chain = alias_chain(p, a, lv->chain),
		.optional = lv->optional || pp->optional,
	};
	struct ast_probe_point **points = arena_alloc(p->arena, (a->npoints + 1) * sizeof(*points));
	unsigned before = pass->points;

	for (unsigned i = 0; i < a->npoints; i++)
		points[i] = with_suffix(p, a->points[i], pp, m->suffix);
	if (!derive_level(pass, &sub, points, a->npoints, f)) {
		if (m->suffix < pp->ncomps && !f->recursive)
			f->where = pp->comps[m->suffix].tok;
		return false;
	}
	if (pass->points > before || sub.optional)
		return true;
	f->why = "no match";
	f->where = m->suffix < pp->ncomps ? pp->comps[m->suffix].tok : NULL;
	return false;
}

static bool derive_point(struct probes_pass *pass, const struct level *lv,
			 const struct ast_probe_point *pp, struct failure *f)
{
	struct ast_vec matches = {0};
	int n = alias_matches(pass->p, pp, &matches, f);

	if (n < 0)
		return false;
	if (n == 0)
		return resolve_builtin(pass, lv, pp, f);
	if (recursive(lv))
		return recursion(pass->p, pp, f);
	for (unsigned i = 0; i < matches.n; i++)
		if (!expand_alias(pass, lv, pp, matches.v[i], f))
			return false;
	return true;
}

/* A probe of the script: its own points in one probe, those through aliases in theirs. */
static void derive_probe(struct probes_pass *pass, const struct ast_probe *pr)
{
	struct sema_program *p = pass->p;
	struct sema_probe *plain = probe_new(p, pr);
	struct ast_expr *cond = NULL;
	bool listed = false;

	for (unsigned i = 0; i < pr->npoints; i++) {
		const struct ast_probe_point *pp = pr->points[i];
		struct level top = {
			.use = pr,
			.body = pr->body,
			.chain = point_text(p, pp),
			.plain = plain,
		};
		unsigned nprobes = p->nprobes, npoints = plain->npoints, before = pass->points;
		struct failure f = {0};

		if (!derive_point(pass, &top, pp, &f)) {
			p->nprobes = nprobes;
			pass->points = before;
			if (!pp->optional) {
				sema_error(p, pp->tok, "while resolving probe point");
				sema_error(p, f.where, "%s", f.why);
			}
			continue;
		}
		if (plain->npoints > npoints && !cond)
			cond = pp->cond;
		if (plain->npoints && !listed) {
			probe_add(pass, plain);
			listed = true;
		}
		if (pp->sufficient && pass->points > before)
			break;
	}
	plain->body = guard(p, cond, pr->body);
}

/* stap binds alias names in its tree of probe points, where '*' may not be a component. */
static void check_alias_names(struct sema_program *p)
{
	const struct ast_file *f = p->file;

	for (unsigned i = 0; i < f->naliases; i++)
		for (unsigned j = 0; j < f->aliases[i]->nnames; j++) {
			const struct ast_probe_point *name = f->aliases[i]->names[j];

			for (unsigned k = 0; k < name->ncomps; k++)
				if (strchr(name->comps[k].functor, '*'))
					sema_error(p, name->comps[k].tok,
						   "invalid use of wildcard probe point component");
		}
}

unsigned sema_probes(struct sema_program *p)
{
	const struct ast_file *f = p->file;
	struct probes_pass pass = {.p = p, .cap = f->nprobes + 1};
	unsigned errors = p->dl->errors;

	p->probes = arena_alloc(p->arena, pass.cap * sizeof(*p->probes));
	check_alias_names(p);
	for (unsigned i = 0; i < f->nprobes; i++)
		derive_probe(&pass, f->probes[i]);
	return p->dl->errors - errors;
}
