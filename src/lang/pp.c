/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pp: stap's preprocessor, in its two layers (parse.cxx: scan_pp1 and scan_pp).
 *
 * The first layer expands macros.  "@define NAME(a, b) %( BODY %)" records BODY's tokens; a
 * later @NAME(x, y) replays them, with @a and @b in BODY replaced by the tokens of x and y (which
 * are themselves expanded in the context of the invocation).  A macro without parameters is used
 * as @NAME.  An @word that names no macro (@cast, @count, ...) is an ordinary token.  Every
 * replayed token records the invocation in its chain, which diagnostics print as "in expansion
 * of macro".  Macros of library files are visible everywhere; a script's own macros shadow them.
 *
 * The second layer keeps or drops tokens by "%( COND %? THEN %: ELSE %)", where COND is one or
 * more "LEFT OP RIGHT" joined by && and ||, comparing kernel_v, kernel_vr, systemtap_v, arch,
 * runtime, systemtap_privilege, guru_mode, CONFIG_* or two literals.  Dropped tokens are not
 * expanded, so errors in a dropped branch (a $3 without a third argument) are not reported.
 *
 * Errors are reported, and the token stream goes on after the offending construct: a bad
 * condition counts as false, a bad definition is dropped up to its closing %).
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "lang/pp.h"
#include "util/vec.h"

struct pp_macro {
	const char *name;
	const struct token *tok;
	const char **params;
	unsigned nparams;
	const struct token **body;
	unsigned nbody;
	bool library;
	/* For a parameter: the activation its tokens are expanded in (NULL at top level). */
	struct pp_activation *parent;
	struct pp_macro *next;
};

/* Macros may expand macros, up to this depth: a recursive macro is an error, not a hang. */
#define PP_MAX_DEPTH 100
/* And expand to at most this many tokens in all, as nested macros can grow exponentially. */
#define PP_MAX_EXPANDED 1000000u

struct pp_activation {
	unsigned depth;
	const struct token *tok;
	struct pp_macro *macro;
	unsigned cursor;
	struct pp_macro *params;
	struct pp_activation *up;
};

enum pp_state {
	PP_KEEP_THEN,
	PP_SKIP_THEN,
	PP_KEEP_ELSE,
	PP_SKIP_ELSE,
};

struct pp_cond {
	const struct token *open;
	enum pp_state state;
};

/* A growable array of token pointers, copied into the arena when complete. */
struct tokvec {
	const struct token **v;
	unsigned n;
	unsigned cap;
};

static void tokvec_push(struct tokvec *tv, const struct token *t)
{
	if (VEC_GROW(tv->v, tv->cap, tv->n) < 0)
		abort();
	tv->v[tv->n++] = t;
}

static const struct token **tokvec_finish(struct arena *a, struct tokvec *tv, unsigned *ret_n)
{
	const struct token **v = arena_memdup(a, tv->v, tv->n * sizeof(*v));

	*ret_n = tv->n;
	free(tv->v);
	memset(tv, 0, sizeof(*tv));
	return v;
}

static void pp_error(struct pp *pp, const struct token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pp_error(struct pp *pp, const struct token *t, const char *fmt, ...)
{
	char buf[512], junkbuf[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (t && t->kind == TOK_JUNK)
		snprintf(buf, sizeof(buf), "%s",
			 lex_junk_message(t, pp->lx->nargs, junkbuf, sizeof(junkbuf)));
	diag_add(pp->diags, DIAG_ERROR, "parse error", DIAG_AT, t, pp->lx->file->name, "%s", buf);
}

void pp_init(struct pp *pp, struct arena *a, struct lexer *lx, struct diag_list *dl,
	     const struct pp_config *cfg)
{
	memset(pp, 0, sizeof(*pp));
	pp->arena = a;
	pp->lx = lx;
	pp->diags = dl;
	pp->cfg = cfg;
}

void pp_release(struct pp *pp)
{
	if (!pp)
		return;
	free(pp->conds);
	pp->conds = NULL;
}

static bool is_op(const struct token *t, enum tok kind)
{
	return t && t->kind == kind;
}

static bool is_atword(const struct token *t, const char *name)
{
	return t && t->kind == TOK_ATWORD && !strcmp(t->text + 1, name);
}

/* The next raw token of the innermost macro body or of the file; NULL at the end of a body. */
static const struct token *next_raw(struct pp *pp)
{
	struct pp_activation *act = pp->act;
	struct token *t;

	if (!act)
		return lex_next(pp->lx);
	if (act->cursor >= act->macro->nbody)
		return NULL;
	if (++pp->expanded > PP_MAX_EXPANDED) {
		pp_error(pp, act->tok, "macro expansion too large (more than %u tokens)",
			 PP_MAX_EXPANDED);
		pp->act = NULL;
		pp->expanded = 0;
		pp->no_expansion = true;
		return lex_next(pp->lx);
	}
	t = arena_memdup(pp->arena, act->macro->body[act->cursor++], sizeof(*t));
	t->chain = act->tok;
	return t;
}

static struct pp_macro *find(struct pp_macro *list, const char *name)
{
	for (; list; list = list->next)
		if (!strcmp(list->name, name))
			return list;
	return NULL;
}

static const char *const atwords[] = {
	"cast",	    "defined",	 "probewrite", "entry",	 "perf",	"var",	    "avg",
	"count",    "sum",	 "min",	       "max",	 "hist_linear", "hist_log", "const",
	"variance", "kregister", "uregister",  "kderef", "uderef",	NULL,
};

/* Tokens of a definition's body up to its closing %), nested %( %) included. */
static const struct token *slurp_body(struct pp *pp, struct tokvec *body)
{
	unsigned nesting = 0;

	for (;;) {
		const struct token *t = lex_next(pp->lx);

		if (t->kind == TOK_EOF)
			return NULL;
		if (t->kind == TOK_PP_OPEN)
			nesting++;
		else if (t->kind == TOK_PP_CLOSE && nesting)
			nesting--;
		else if (t->kind == TOK_PP_CLOSE)
			return t;
		if (body)
			tokvec_push(body, t);
	}
}

/* After an error in a definition's head: drop tokens through the body's closing %). */
static void drop_definition(struct pp *pp, const struct token *t)
{
	while (t && t->kind != TOK_EOF && t->kind != TOK_PP_OPEN)
		t = lex_next(pp->lx);
	if (t && t->kind == TOK_PP_OPEN)
		slurp_body(pp, NULL);
}

/* "@define" NAME [ "(" IDENT { "," IDENT } ")" ] "%(" BODY "%)", after the @define. */
static void define(struct pp *pp, const struct token *at)
{
	struct tokvec params = {0}, body = {0};
	const struct token *t = lex_next(pp->lx), *name;
	struct pp_macro *m, *old;
	bool saw_params = false;

	if (pp->act) {
		pp_error(pp, at, "'@define' forbidden inside macro body");
		return;
	}
	if (t->kind != TOK_IDENT) {
		pp_error(pp, t, "expected identifier");
		drop_definition(pp, t);
		return;
	}
	name = t;
	old = find(pp->defining_library ? pp->library : pp->macros, name->text);
	if (old && !pp->defining_library) {
		pp_error(pp, name, "attempt to redefine macro '@%s' in the same file", name->text);
		drop_definition(pp, lex_next(pp->lx));
		return;
	}
	if (!strcmp(name->text, "define")) {
		pp_error(pp, name, "attempt to redefine '@define'");
		drop_definition(pp, lex_next(pp->lx));
		return;
	}
	for (const char *const *w = atwords; *w; w++)
		if (!strcmp(*w, name->text))
			diag_add(pp->diags, DIAG_WARNING, "warning", DIAG_AT, name, NULL,
				 "macro redefines built-in operator '@%s'", name->text);

	t = lex_next(pp->lx);
	if (t->kind == TOK_LPAREN) {
		saw_params = true;
		for (;;) {
			t = lex_next(pp->lx);
			if (t->kind != TOK_IDENT) {
				pp_error(pp, t, "expected identifier");
				goto fail;
			}
			tokvec_push(&params, t);
			t = lex_next(pp->lx);
			if (t->kind == TOK_COMMA)
				continue;
			if (t->kind == TOK_RPAREN) {
				t = lex_next(pp->lx);
				break;
			}
			pp_error(pp, t, "expected ',' or ')'");
			goto fail;
		}
	}
	if (t->kind != TOK_PP_OPEN) {
		pp_error(pp, t, saw_params ? "expected '%%('" : "expected '%%(' or '('");
		goto fail;
	}
	if (!slurp_body(pp, &body)) {
		pp_error(pp, name, "incomplete macro definition - missing '%%)'");
		free(body.v);
		free(params.v);
		return;
	}

	m = arena_new(pp->arena, struct pp_macro);
	m->name = name->text;
	m->tok = name;
	m->library = pp->defining_library;
	m->body = tokvec_finish(pp->arena, &body, &m->nbody);
	m->params = arena_alloc(pp->arena, (params.n ? params.n : 1) * sizeof(*m->params));
	for (unsigned i = 0; i < params.n; i++)
		m->params[i] = params.v[i]->text;
	m->nparams = params.n;
	free(params.v);
	if (pp->defining_library) {
		m->next = pp->library;
		pp->library = m;
	} else {
		m->next = pp->macros;
		pp->macros = m;
	}
	return;
fail:
	free(params.v);
	drop_definition(pp, t);
}

/* One argument of an invocation: tokens up to an unbracketed ',' or unbalanced ')', returned. */
static const struct token *slurp_param(struct pp *pp, struct tokvec *param)
{
	unsigned nesting = 0;

	for (;;) {
		const struct token *t = next_raw(pp);

		if (!t || t->kind == TOK_EOF)
			return NULL;
		if (t->kind == TOK_LPAREN || t->kind == TOK_LBRACKET)
			nesting++;
		else if (nesting && (t->kind == TOK_RPAREN || t->kind == TOK_RBRACKET))
			nesting--;
		else if (!nesting && (t->kind == TOK_RPAREN || t->kind == TOK_COMMA))
			return t;
		tokvec_push(param, t);
	}
}

/* Starts expanding m, invoked by t; false (reported) if its arguments are malformed. */
static bool invoke(struct pp *pp, const struct token *t, struct pp_macro *m)
{
	struct pp_activation *act = arena_new(pp->arena, struct pp_activation), *cur = pp->act;
	const struct token *u;

	act->tok = t;
	act->macro = m;
	if (m->nparams == 0) {
		if (m->parent)
			act->params = m->parent->params;
		goto expand;
	}
	u = next_raw(pp);
	if (!is_op(u, TOK_LPAREN)) {
		pp_error(pp, u ? u : t,
			 "expected '(' in invocation of macro '@%s' taking %u parameter%s", m->name,
			 m->nparams, m->nparams == 1 ? "" : "s");
		return false;
	}
	for (unsigned i = 0; i < m->nparams; i++) {
		struct pp_macro *p = arena_new(pp->arena, struct pp_macro);
		struct tokvec body = {0};

		p->name = m->params[i];
		p->tok = t;
		p->parent = cur;
		u = slurp_param(pp, &body);
		p->body = tokvec_finish(pp->arena, &body, &p->nbody);
		p->next = act->params;
		act->params = p;
		if (!u) {
			pp_error(pp, t, "could not find end of macro invocation");
			return false;
		}
		if (u->kind == TOK_COMMA && i + 1 == m->nparams) {
			pp_error(pp, u, "too many parameters for macro '@%s' (expected %u)",
				 m->name, m->nparams);
			return false;
		}
		if (u->kind == TOK_RPAREN && i + 1 != m->nparams) {
			pp_error(pp, u, "too few parameters for macro '@%s' (expected %u)", m->name,
				 m->nparams);
			return false;
		}
	}
expand:
	act->up = pp->act;
	act->depth = cur ? cur->depth + 1 : 1;
	if (act->depth > PP_MAX_DEPTH) {
		pp_error(pp, t, "macro '@%s' expanded more than %u levels deep (recursive?)",
			 m->name, PP_MAX_DEPTH);
		pp->act = NULL;
		return false;
	}
	pp->act = act;
	return true;
}

/* The first layer: tokens with macros defined and expanded. */
static const struct token *scan1(struct pp *pp, bool skipping)
{
	for (;;) {
		const struct token *t = next_raw(pp);
		struct pp_macro *m = NULL;
		const char *name;

		if (!t) {
			pp->act = pp->act->up;
			continue;
		}
		if (skipping || t->kind != TOK_ATWORD || pp->no_expansion)
			return t;
		if (is_atword(t, "define")) {
			define(pp, t);
			continue;
		}
		name = t->text + 1;
		if (pp->act)
			m = find(pp->act->params, name);
		if (!m && !(pp->act && pp->act->macro->library))
			m = find(pp->macros, name);
		if (!m)
			m = find(pp->library, name);
		if (!m)
			return t;
		invoke(pp, t, m);
	}
}

/* Tokens of a dropped branch, up to the %:, %? or %) that ends it (returned). */
static const struct token *skip(struct pp *pp)
{
	unsigned nesting = 0;

	for (;;) {
		const struct token *t = scan1(pp, true);

		if (t->kind == TOK_EOF)
			return t;
		if (t->kind == TOK_PP_OPEN)
			nesting++;
		else if (nesting && t->kind == TOK_PP_CLOSE)
			nesting--;
		else if (!nesting && (t->kind == TOK_PP_ELSE || t->kind == TOK_PP_THEN ||
				      t->kind == TOK_PP_CLOSE))
			return t;
	}
}

static bool parse_int(const struct token *t, long long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoll(t->text, &end, 0);
	return errno == 0 && *end == '\0' && end != t->text;
}

/* -1 and -2: not a comparison operator / not == or != (reported by the caller). */
static int compare_op(const struct token *op, int cmp)
{
	switch (op->kind) {
	case TOK_EQ:
		return cmp == 0;
	case TOK_NE:
		return cmp != 0;
	case TOK_LT:
		return cmp < 0;
	case TOK_GT:
		return cmp > 0;
	case TOK_LE:
		return cmp <= 0;
	case TOK_GE:
		return cmp >= 0;
	default:
		return -1;
	}
}

static int sign(long long v)
{
	return (v > 0) - (v < 0);
}

/* "==" / "!=" against a glob pattern. */
static bool glob_match(struct pp *pp, const struct token *op, const char *pattern,
		       const char *value)
{
	bool match = fnmatch(pattern, value, FNM_NOESCAPE) == 0;

	if (op->kind == TOK_EQ)
		return match;
	if (op->kind == TOK_NE)
		return !match;
	pp_error(pp, op, "expected '==' or '!='");
	return false;
}

/* LEFT OP RIGHT, as stap's eval_pp_conditional. */
static bool eval_cond(struct pp *pp, const struct token *l, const struct token *op,
		      const struct token *r)
{
	const struct pp_config *cfg = pp->cfg;
	const char *ltext = l->text;
	long long a, b;
	int res;

	if (l->kind == TOK_IDENT && (!strcmp(ltext, "kernel_v") || !strcmp(ltext, "kernel_vr") ||
				     !strcmp(ltext, "systemtap_v"))) {
		const char *target = !strcmp(ltext, "kernel_v")	   ? cfg->kernel_v
				     : !strcmp(ltext, "kernel_vr") ? cfg->kernel_vr
								   : cfg->compatible;
		bool wild;

		if (r->kind != TOK_STRING) {
			pp_error(pp, r, "expected string literal");
			return false;
		}
		wild = strpbrk(r->text, "*?[") != NULL;
		if (wild && op->kind != TOK_EQ && op->kind != TOK_NE) {
			if (compare_op(op, 0) < 0)
				pp_error(pp, op, "expected comparison operator");
			else
				pp_error(pp, op,
					 "wildcard not allowed with order comparison operators");
			return false;
		}
		if (wild)
			return glob_match(pp, op, r->text, target);
		res = compare_op(op, sign(strverscmp(target, r->text)));
		if (res < 0)
			pp_error(pp, op, "expected comparison operator");
		return res > 0;
	}
	if (l->kind == TOK_IDENT && (!strcmp(ltext, "systemtap_privilege") ||
				     !strcmp(ltext, "arch") || !strcmp(ltext, "runtime"))) {
		const char *target = !strcmp(ltext, "arch")	 ? cfg->arch
				     : !strcmp(ltext, "runtime") ? cfg->runtime
								 : cfg->privilege;

		if (r->kind != TOK_STRING) {
			pp_error(pp, r, "expected string literal");
			return false;
		}
		if (ltext[0] != 's')
			return glob_match(pp, op, r->text, target);
		if (op->kind != TOK_EQ && op->kind != TOK_NE) {
			pp_error(pp, op, "expected '==' or '!='");
			return false;
		}
		return (strcmp(target, r->text) == 0) == (op->kind == TOK_EQ);
	}
	if (l->kind == TOK_IDENT && !strcmp(ltext, "guru_mode")) {
		if (r->kind != TOK_NUMBER) {
			pp_error(pp, r, "expected number");
			return false;
		}
		if (!parse_int(r, &b) || (b != 0 && b != 1)) {
			pp_error(pp, op, "expected 0 or 1");
			return false;
		}
		if (op->kind != TOK_EQ && op->kind != TOK_NE) {
			pp_error(pp, op, "expected '==' or '!='");
			return false;
		}
		return compare_op(op, sign((long long)cfg->guru - b)) > 0;
	}
	if (l->kind == TOK_IDENT && !strncmp(ltext, "CONFIG_", 7)) {
		if (r->kind == TOK_STRING)
			return glob_match(pp, op, r->text, "");
		if (r->kind == TOK_NUMBER) {
			pp_error(pp, l, "Config option value not a number");
			return false;
		}
		if (r->kind == TOK_IDENT && !strncmp(r->text, "CONFIG_", 7)) {
			res = compare_op(op, 0);
			if (res < 0)
				pp_error(pp, op, "expected comparison operator");
			return res > 0;
		}
		pp_error(pp, r,
			 "expected string, number literal or other CONFIG_... as right side "
			 "operand");
		return false;
	}
	if (l->kind == TOK_STRING && r->kind == TOK_STRING) {
		res = compare_op(op, sign(strcmp(l->text, r->text)));
		if (res < 0)
			pp_error(pp, op, "expected comparison operator");
		return res > 0;
	}
	if (l->kind == TOK_NUMBER && r->kind == TOK_NUMBER) {
		if (!parse_int(l, &a) || !parse_int(r, &b)) {
			pp_error(pp, parse_int(l, &a) ? r : l, "number invalid or out of range");
			return false;
		}
		res = compare_op(op, (a > b) - (a < b));
		if (res < 0)
			pp_error(pp, op, "expected comparison operator");
		return res > 0;
	}
	if (l->kind == TOK_STRING && r->kind == TOK_NUMBER && tok_class(op->kind) == TC_OPERATOR) {
		pp_error(pp, r, "expected string literal as right value");
		return false;
	}
	if (l->kind == TOK_NUMBER && r->kind == TOK_STRING && tok_class(op->kind) == TC_OPERATOR) {
		pp_error(pp, r, "expected number literal as right value");
		return false;
	}
	pp_error(pp, l,
		 "expected 'arch', 'kernel_v', 'kernel_vr', 'systemtap_v',\n"
		 "             'runtime', 'systemtap_privilege', 'CONFIG_...', or\n"
		 "             comparison between strings or integers");
	return false;
}

static void push_cond(struct pp *pp, const struct token *open, enum pp_state state)
{
	if (VEC_GROW(pp->conds, pp->capconds, pp->nconds) < 0)
		abort();
	pp->conds[pp->nconds].open = open;
	pp->conds[pp->nconds].state = state;
	pp->nconds++;
}

/* "%(" COND { ("&&" | "||") COND } "%?", after the %(; reports and yields false if malformed. */
static bool condition(struct pp *pp, const struct token *open)
{
	bool result = false, and_result = true, ok = true;
	const struct token *n;

	for (;;) {
		const struct token *l = scan1(pp, false), *op, *r;

		op = l->kind == TOK_EOF ? l : scan1(pp, false);
		r = op->kind == TOK_EOF ? op : scan1(pp, false);
		if (r->kind == TOK_EOF) {
			pp_error(pp, open, "incomplete condition after '%%('");
			return false;
		}
		if (ok) {
			unsigned before = pp->diags->errors;

			and_result &= eval_cond(pp, l, op, r);
			ok = pp->diags->errors == before;
		}
		n = scan1(pp, false);
		if (n->kind == TOK_LAND)
			continue;
		result |= and_result;
		and_result = true;
		if (n->kind != TOK_LOR)
			break;
	}
	if (n->kind != TOK_PP_THEN) {
		if (ok)
			pp_error(pp, open, "expected '%%?' marker for conditional");
		return false;
	}
	return ok && result;
}

const struct token *pp_next(struct pp *pp)
{
	for (;;) {
		struct pp_cond *top = pp->nconds ? &pp->conds[pp->nconds - 1] : NULL;
		const struct token *t;

		if (top && (top->state == PP_SKIP_THEN || top->state == PP_SKIP_ELSE))
			t = skip(pp);
		else
			t = scan1(pp, false);

		if (t->kind == TOK_EOF) {
			if (!top)
				return t;
			pp_error(pp, top->open, "incomplete conditional at end of file");
			pp->nconds--;
			continue;
		}
		if (t->kind == TOK_PP_THEN) {
			pp_error(pp, t, "incomplete conditional - missing '%%('");
			continue;
		}
		if (t->kind == TOK_PP_ELSE) {
			if (!top)
				pp_error(pp, t, "incomplete conditional - missing '%%('");
			else if (top->state == PP_KEEP_ELSE || top->state == PP_SKIP_ELSE)
				pp_error(pp, t, "invalid conditional - duplicate '%%:'");
			else
				top->state =
					top->state == PP_KEEP_THEN ? PP_SKIP_ELSE : PP_KEEP_ELSE;
			continue;
		}
		if (t->kind == TOK_PP_CLOSE) {
			if (!top)
				pp_error(pp, t, "incomplete conditional - missing '%%('");
			else
				pp->nconds--;
			continue;
		}
		if (t->kind != TOK_PP_OPEN)
			return t;
		push_cond(pp, t, condition(pp, t) ? PP_KEEP_THEN : PP_SKIP_THEN);
	}
}

int pp_define_library(struct pp *pp, const struct lex_file *f)
{
	struct lexer lx, *saved = pp->lx;
	struct pp_activation *saved_act = pp->act;
	const struct token *t;
	int err;

	err = lex_init(&lx, pp->arena, f, NULL, 0);
	if (err < 0)
		return err;
	pp->lx = &lx;
	pp->act = NULL;
	pp->defining_library = true;
	t = scan1(pp, false);
	if (t->kind != TOK_EOF)
		pp_error(pp, t, "unexpected token in library macro file '%s'", f->name);
	pp->defining_library = false;
	pp->lx = saved;
	pp->act = saved_act;
	lex_release(&lx);
	return 0;
}

static const char builtins_text[] = "@define choose_defined(a, b)\n"
				    "%(\n"
				    "  (@defined(@a) ? @a : @b)\n"
				    "%)\n";

static const struct lex_file builtins_file = {
	.name = "<builtin>",
	.text = builtins_text,
	.len = sizeof(builtins_text) - 1,
};

int pp_define_builtins(struct pp *pp)
{
	return pp_define_library(pp, &builtins_file);
}

void pp_config_default(struct pp_config *cfg, bool guru)
{
	static struct utsname uts;
	static char base[sizeof(uts.release)];
	size_t n;

	if (uname(&uts) < 0) {
		strcpy(uts.release, "0");
		strcpy(uts.machine, "x86_64");
	}
	n = strspn(uts.release, "0123456789.");
	memcpy(base, uts.release, n);
	base[n] = '\0';
	if (n && base[n - 1] == '.')
		base[n - 1] = '\0';
	cfg->arch = uts.machine;
	cfg->kernel_v = base;
	cfg->kernel_vr = uts.release;
	cfg->compatible = "4.8";
	cfg->privilege = "stapdev";
	cfg->runtime = "dyninst";
	cfg->guru = guru;
}
