/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * probes: the first pass of elaboration, probe point validation.  Each probe of the script
 * becomes a struct sema_probe whose points are resolved to what ustap can run without a traced
 * process: begin, end, error (each with an optional priority), never, and timer.{ms,s,sec,us,ns,
 * hz,jiffies}(N) with an optional .randomize(M); process(...) points are resolved by process.c,
 * where one point may expand to many.  Kernel families are errors, as are aliases (not
 * supported yet); an optional point ('?' or '!') that does not resolve is dropped silently,
 * like stap's unresolvable optional probes.
 *
 * A probe condition, "probe timer.s(1) if (enabled)", is folded into the body as an if
 * statement, so the rest of pass 2 and the code generator see one ordinary body.  Each error
 * comes as stap reports it: "while resolving probe point" on the point, then the reason.
 */
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

/* The reason a point does not resolve, or NULL with *pt filled; *where is the token to blame. */
static const char *resolve_point(const struct ast_probe_point *pp, struct sema_point *pt,
				 const struct token **where)
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
	return "probe point mismatch (similar: begin, end, error, never, timer)";
}

static struct ast_stmt *fold_condition(struct sema_program *p, const struct ast_probe *pr)
{
	for (unsigned i = 0; i < pr->npoints; i++) {
		struct ast_probe_point *pp = pr->points[i];
		struct ast_stmt *s;

		if (!pp->cond)
			continue;
		s = ast_stmt_new(p->arena, AST_S_IF, pp->cond->tok);
		s->if_.cond = pp->cond;
		s->if_.then = pr->body;
		return s;
	}
	return pr->body;
}

unsigned sema_probes(struct sema_program *p)
{
	const struct ast_file *f = p->file;
	unsigned errors = p->dl->errors;

	p->probes = arena_alloc(p->arena, (f->nprobes + 1) * sizeof(*p->probes));
	for (unsigned i = 0; i < f->naliases; i++)
		sema_error(p, f->aliases[i]->tok, "probe aliases are not supported yet");
	for (unsigned i = 0; i < f->nprobes; i++) {
		const struct ast_probe *pr = f->probes[i];
		struct sema_probe *sp = arena_new(p->arena, struct sema_probe);

		sp->probe = pr;
		for (unsigned j = 0; j < pr->npoints; j++) {
			const struct ast_probe_point *pp = pr->points[j];
			unsigned before = sp->npoints;
			struct sema_point pt = {0};
			const struct token *where;
			const char *why;
			struct strbuf sb = {0};

			if (!strcmp(pp->comps[0].functor, "process"))
				why = sema_process_point(p, sp, pp, &where);
			else
				why = resolve_point(pp, &pt, &where);
			if (why) {
				sp->npoints = before;
				if (pp->optional)
					continue;
				sema_error(p, pp->tok, "while resolving probe point");
				sema_error(p, where, "%s", why);
				continue;
			}
			if (sp->npoints > before)
				continue;
			pt.pp = pp;
			for (unsigned k = 0; k < pp->ncomps; k++) {
				if (k)
					sb_putc(&sb, '.');
				sb_printf(&sb, "%s", pp->comps[k].functor);
				if (pp->comps[k].arg) {
					sb_putc(&sb, '(');
					ast_print_expr(pp->comps[k].arg, &sb);
					sb_putc(&sb, ')');
				}
			}
			pt.text = arena_strndup(p->arena, sb_str(&sb), sb.len);
			sb_release(&sb);
			*sema_point_add(p, sp) = pt;
		}
		if (!sp->npoints)
			continue;
		sp->body = fold_condition(p, pr);
		sp->index = p->nprobes;
		p->probes[p->nprobes++] = sp;
	}
	return p->dl->errors - errors;
}
