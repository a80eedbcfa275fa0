/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * parse: recursive descent over the preprocessed tokens, one function per production of stap's
 * grammar (parse.cxx), each with its rule in its comment.  Binary operators from || down to &,
 * and from << down to *, are one precedence-climbing loop over a table; the levels between them
 * (the "in" operator and the comparisons, whose right sides are not plain operands) and above
 * them (unary, ++/--, target-variable suffixes) are productions of their own.
 *
 * Precedence, loosest first: assignment (right) < ?: < || < && < | < ^ < & < in < comparison and
 * =~ < << >> >>> < . < + - < * / % < unary + - ! ~ < ++ -- < postfix (-> [] $).
 *
 * Errors.  A syntax error records a diagnostic, in stap's words and format, and longjmps to the
 * innermost recovery point: a statement inside a block (the parser skips to the next ';' or to
 * the '}' that ends the block, treating a balanced { } group as one statement), or else the top
 * level (skips to the next probe, global, private, function or %{).  So every error of a file is
 * reported, and each once.  The tree of a file with errors is discarded.  The arena owns every
 * node and list, so abandoning one half-built is free.
 *
 * "saw:" and "at:": stap says "saw: TOKEN" when it expected something else there and "at:
 * TOKEN" when the error is about the token itself (a junk token's message, an alias name that
 * may not be optional).  The functions below pick the same token stap would.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/parse.h"
#include "util/vec.h"

enum parse_context {
	CTX_UNKNOWN,
	CTX_PROBE,
	CTX_GLOBAL,
	CTX_FUNCTION,
};

struct parser {
	struct arena *a;
	struct lexer lx;
	struct pp pp;
	struct diag_list *dl;
	const struct lex_file *src;
	bool guru;
	const struct token **toks;
	size_t ntoks;
	size_t cap;
	size_t pos;
	enum parse_context ctx;
	jmp_buf *recover;
	jmp_buf *top;
	const struct token *error_tok;
	unsigned depth;
	struct ast_file *file;
	struct ast_vec globals, probes, aliases, functions, embeds;
};

static const struct token *peek(struct parser *p)
{
	if (p->pos == p->ntoks) {
		if (p->ntoks && p->toks[p->ntoks - 1]->kind == TOK_EOF)
			return p->toks[p->ntoks - 1];
		if (VEC_GROW(p->toks, p->cap, p->ntoks) < 0)
			abort();
		p->toks[p->ntoks++] = pp_next(&p->pp);
	}
	return p->toks[p->pos];
}

static bool peek_is(struct parser *p, enum tok kind)
{
	return peek(p)->kind == kind;
}

static bool peek_atword(struct parser *p, const char *name)
{
	const struct token *t = peek(p);

	return t->kind == TOK_ATWORD && !strcmp(t->text, name);
}

static void report(struct parser *p, enum diag_mark mark, const struct token *t, const char *fmt,
		   va_list ap)
{
	char msg[512], junkbuf[128];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (t && t->kind == TOK_JUNK) {
		snprintf(msg, sizeof(msg), "%s",
			 lex_junk_message(t, p->lx.nargs, junkbuf, sizeof(junkbuf)));
		mark = DIAG_AT;
	}
	diag_add(p->dl, DIAG_ERROR, "parse error", mark, t, p->src->name, "%s", msg);
	p->error_tok = t;
}

/* Reports an error and goes on parsing where we are (stap's errors that skip no tokens). */
static void __attribute__((format(printf, 4, 5)))
soft_error(struct parser *p, enum diag_mark mark, const struct token *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(p, mark, t, fmt, ap);
	va_end(ap);
}

/* Reports an error and unwinds to the innermost recovery point. */
static _Noreturn void __attribute__((format(printf, 4, 5)))
error(struct parser *p, enum diag_mark mark, const struct token *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(p, mark, t, fmt, ap);
	va_end(ap);
	longjmp(*p->recover, 1);
}

/* "expected ..." about the token we are looking at. */
#define expected(p, ...) error((p), DIAG_SAW, peek(p), __VA_ARGS__)

/*
 * Nesting of expressions and statements is bounded, so that a hostile script cannot overflow
 * the stack of the recursive descent.  Recovery points restore the depth they started at.
 */
#define PARSE_MAX_DEPTH 200

static void enter(struct parser *p)
{
	if (++p->depth > PARSE_MAX_DEPTH)
		error(p, DIAG_SAW, peek(p), "nesting too deep (more than %u levels)",
		      PARSE_MAX_DEPTH);
}

static const struct token *next(struct parser *p)
{
	const struct token *t = peek(p);

	if (t->kind == TOK_EOF)
		error(p, DIAG_SAW, t, "unexpected end-of-file");
	p->pos++;
	return t;
}

static bool accept(struct parser *p, enum tok kind)
{
	if (!peek_is(p, kind))
		return false;
	p->pos++;
	return true;
}

static const struct token *expect(struct parser *p, enum tok kind)
{
	const struct token *t = next(p);

	if (t->kind != kind) {
		p->pos--;
		expected(p, "expected '%s'", tok_spelling(kind));
	}
	return t;
}

/* One of two operators; "expected one of 'a b'" otherwise. */
static enum tok expect_either(struct parser *p, enum tok a, enum tok b)
{
	const struct token *t = next(p);

	if (t->kind != a && t->kind != b) {
		p->pos--;
		expected(p, "expected one of '%s %s'", tok_spelling(a), tok_spelling(b));
	}
	return t->kind;
}

static struct ast_expr *parse_expression(struct parser *p);
static struct ast_stmt *parse_statement(struct parser *p);
static struct ast_stmt *parse_stmt_block(struct parser *p);

/* number: NUMBER, as strtoull(base 0) reads it; neg for a preceding '-'. */
static int64_t number_value(struct parser *p, const struct token *t, bool neg)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(t->text, &end, 0);
	if (errno || *end || end == t->text || (neg && v > 9223372036854775808ULL))
		error(p, DIAG_SAW, t, "number invalid or out of range");
	return neg ? (int64_t)(0 - v) : (int64_t)v;
}

/* expect_number: [ "-" ] NUMBER */
static int64_t expect_number(struct parser *p)
{
	bool neg = accept(p, TOK_MINUS);
	const struct token *t = next(p);

	if (t->kind != TOK_NUMBER) {
		p->pos--;
		expected(p, "expected number");
	}
	return number_value(p, t, neg);
}

/* string_literals: STRING { STRING }, adjacent strings concatenated. */
static struct ast_expr *consume_string_literals(struct parser *p, const struct token *t)
{
	struct ast_expr *e = ast_expr_new(p->a, AST_E_STRING, t);
	const char *raw = t->text;
	size_t len = t->len;

	while (peek_is(p, TOK_STRING)) {
		const struct token *n = next(p);
		char *cat = arena_alloc(p->a, len + n->len + 1);

		memcpy(cat, raw, len);
		memcpy(cat + len, n->text, n->len + 1);
		raw = cat;
		len += n->len;
	}
	e->str.raw = raw;
	e->str.raw_len = len;
	e->str.value = ast_string_decode(p->a, raw, len, &e->str.len);
	return e;
}

/* literal_string: STRING { STRING } */
static struct ast_expr *parse_literal_string(struct parser *p)
{
	const struct token *t = next(p);

	if (t->kind != TOK_STRING) {
		p->pos--;
		expected(p, "expected literal string");
	}
	return consume_string_literals(p, t);
}

/* literal: STRING { STRING } | [ "-" ] NUMBER */
static struct ast_expr *parse_literal(struct parser *p)
{
	const struct token *t = next(p);
	struct ast_expr *e;
	bool neg = false;

	if (t->kind == TOK_STRING)
		return consume_string_literals(p, t);
	if (t->kind == TOK_MINUS) {
		neg = true;
		t = next(p);
	}
	if (t->kind != TOK_NUMBER) {
		p->pos--;
		expected(p, "expected literal string or number");
	}
	e = ast_expr_new(p->a, AST_E_NUMBER, t);
	e->num.value = number_value(p, t, neg);
	return e;
}

/*
 * The conversions of a printf format, checked as stap's print_format::string_to_components
 * does: %[flags][width|*][.prec|.*][l]conv with conv one of b c s m M d i u o x X p, %% a '%'.
 */
static const char *check_format(const char *s)
{
	while (*s) {
		if (*s++ != '%')
			continue;
		if (*s == '%') {
			s++;
			continue;
		}
		if (!*s)
			return NULL;
		if (strchr("0+- #", *s))
			s++;
		if (*s == '*')
			s++;
		else
			while (*s >= '0' && *s <= '9')
				s++;
		if (*s == '.') {
			s++;
			if (*s == '*')
				s++;
			else
				while (*s >= '0' && *s <= '9')
					s++;
		}
		if (*s == 'l')
			s++;
		if (!*s)
			return "trailing incomplete print format conversion";
		if (!strchr("bcsmMdiuoxXp", *s))
			return "invalid or missing conversion specifier";
		s++;
	}
	return NULL;
}

/* Marks a member of the printf family, as sprint has no other flag. */
#define PRINT_FAMILY 0x100

/* The printf family: print_char, [s]print[f], [s]print[d][ln]; 0 for other names. */
static unsigned print_flags(const char *n)
{
	unsigned flags = AST_PRINT_STREAM;

	if (!strcmp(n, "print_char"))
		return AST_PRINT_STREAM | AST_PRINT_CHAR;
	if (*n == 's') {
		flags = 0;
		n++;
	}
	if (strncmp(n, "print", 5))
		return 0;
	n += 5;
	if (*n == 'f') {
		flags |= AST_PRINT_FORMAT;
		n++;
	} else {
		if (*n == 'd') {
			flags |= AST_PRINT_DELIM;
			n++;
		}
		if (n[0] == 'l' && n[1] == 'n') {
			flags |= AST_PRINT_NEWLINE;
			n += 2;
		}
	}
	return *n ? 0 : flags | PRINT_FAMILY;
}

/* hist_op: "@hist_linear" "(" expr "," number "," number "," number ")" | "@hist_log" "(" expr ")" */
static struct ast_expr *parse_hist_op(struct parser *p, const struct token *t)
{
	struct ast_expr *e = ast_expr_new(p->a, AST_E_HIST, t);

	e->hist.kind = !strcmp(t->text, "@hist_linear") ? AST_HIST_LINEAR : AST_HIST_LOG;
	expect(p, TOK_LPAREN);
	e->hist.operand = parse_expression(p);
	if (e->hist.kind == AST_HIST_LINEAR) {
		expect(p, TOK_COMMA);
		e->hist.lo = expect_number(p);
		expect(p, TOK_COMMA);
		e->hist.hi = expect_number(p);
		expect(p, TOK_COMMA);
		e->hist.step = expect_number(p);
	}
	expect(p, TOK_RPAREN);
	return e;
}

/* hist_op_or_bare_name: hist_op | IDENT | ATWORD; the name token, *ret_hist set for a hist_op */
static const struct token *parse_hist_op_or_bare_name(struct parser *p, struct ast_expr **ret_hist)
{
	const struct token *t = next(p);

	*ret_hist = NULL;
	if (t->kind != TOK_IDENT && t->kind != TOK_ATWORD) {
		p->pos--;
		expected(p, "expected identifier or statistical operation");
	}
	if (!strcmp(t->text, "@hist_linear") || !strcmp(t->text, "@hist_log"))
		*ret_hist = parse_hist_op(p, t);
	return t;
}

/* indexable: hist_op | IDENT */
static struct ast_expr *parse_indexable(struct parser *p)
{
	struct ast_expr *hist, *sym;
	const struct token *t = parse_hist_op_or_bare_name(p, &hist);

	if (hist)
		return hist;
	sym = ast_expr_new(p->a, AST_E_SYMBOL, t);
	sym->sym.name = t->text;
	return sym;
}

/* index_list: "[" ( "*" | expr ) { "," ( "*" | expr ) } "]", after the "[" */
static struct ast_expr *parse_index_list(struct parser *p, const struct token *t,
					 struct ast_expr *base)
{
	struct ast_expr *e = ast_expr_new(p->a, AST_E_INDEX, t);
	struct ast_vec keys = {0};

	e->index.base = base;
	do {
		if (accept(p, TOK_STAR))
			ast_vec_push(p->a, &keys, NULL);
		else
			ast_vec_push(p->a, &keys, parse_expression(p));
	} while (expect_either(p, TOK_RBRACKET, TOK_COMMA) == TOK_COMMA);
	e->index.keys = ast_vec_finish(p->a, &keys, &e->index.nkeys);
	return e;
}

/* stat_op: ("@count" | "@sum" | "@min" | "@max" | "@avg" | "@variance") "(" expr [ "," number ] ")" */
static struct ast_expr *parse_stat_op(struct parser *p, const struct token *t)
{
	enum rt_stat_op op = rt_stat_op_lookup(t->text);
	struct ast_expr *e;

	if (op == RT_STAT_NONE)
		error(p, DIAG_SAW, t, "unknown operator %s", t->text);
	e = ast_expr_new(p->a, AST_E_STAT, t);
	e->stat.op = (enum ast_stat_op)op;
	expect(p, TOK_LPAREN);
	e->stat.operand = parse_expression(p);
	while (expect_either(p, TOK_RPAREN, TOK_COMMA) == TOK_COMMA) {
		if (e->stat.op != AST_STAT_VARIANCE || e->stat.has_param)
			error(p, DIAG_AT, p->toks[p->pos - 1],
			      "not more than %u parameter%s allowed",
			      e->stat.op == AST_STAT_VARIANCE ? 2u : 1u,
			      e->stat.op == AST_STAT_VARIANCE ? "s" : "");
		e->stat.has_param = true;
		e->stat.param = expect_number(p);
	}
	return e;
}

/*
 * print: PRINTNAME "(" [ hist_op ] ")"
 *      | PRINTNAME "(" [ format | delim ] { "," expr } ")"
 */
static struct ast_expr *parse_print(struct parser *p, const struct token *t, unsigned flags)
{
	struct ast_expr *e = ast_expr_new(p->a, AST_E_PRINT, t);
	struct ast_vec args = {0};
	bool consumed = false;
	int min_args = 0;

	e->print.name = t->text;
	e->print.flags = flags & ~(unsigned)PRINT_FAMILY;
	expect(p, TOK_LPAREN);
	if (!(flags & (AST_PRINT_FORMAT | AST_PRINT_DELIM | AST_PRINT_CHAR)) &&
	    (peek_atword(p, "@hist_linear") || peek_atword(p, "@hist_log"))) {
		struct ast_expr *hist;
		const struct token *h = parse_hist_op_or_bare_name(p, &hist);

		if (!peek_is(p, TOK_LBRACKET)) {
			e->print.hist = hist;
		} else {
			next(p);
			struct ast_expr *ai = ast_expr_new(p->a, AST_E_INDEX, h);

			ai->index.base = hist;
			ai->index.keys = arena_alloc(p->a, sizeof(*ai->index.keys));
			ai->index.keys[0] = parse_expression(p);
			ai->index.nkeys = 1;
			expect(p, TOK_RBRACKET);
			ast_vec_push(p->a, &args, ai);
			while (!peek_is(p, TOK_RPAREN)) {
				expect_either(p, TOK_COMMA, TOK_RPAREN);
				ast_vec_push(p->a, &args, parse_expression(p));
			}
		}
	} else {
		if (flags & AST_PRINT_FORMAT) {
			struct ast_expr *fmt = parse_literal_string(p);
			const char *err = check_format(fmt->str.raw);

			if (err)
				error(p, DIAG_SAW, peek(p), "%s", err);
			e->print.format = fmt->str.raw;
			consumed = true;
		} else if (flags & AST_PRINT_DELIM) {
			e->print.delim = parse_literal_string(p)->str.raw;
			consumed = true;
			min_args = 2;
		} else if (!(flags & AST_PRINT_NEWLINE)) {
			min_args = 1;
		}
		while (min_args || !peek_is(p, TOK_RPAREN)) {
			if (consumed)
				expect_either(p, TOK_COMMA, TOK_RPAREN);
			ast_vec_push(p->a, &args, parse_expression(p));
			consumed = true;
			if (min_args)
				min_args--;
		}
	}
	expect(p, TOK_RPAREN);
	e->print.args = ast_vec_finish(p->a, &args, &e->print.nargs);
	return e;
}

/* op_call: ("@defined" | "@entry") "(" expr ")" | "@perf" "(" STRING ")" */
static struct ast_expr *parse_op_call(struct parser *p, const struct token *t,
				      enum ast_expr_kind kind)
{
	struct ast_expr *e = ast_expr_new(p->a, kind, t);

	expect(p, TOK_LPAREN);
	if (kind == AST_E_PERF) {
		e->op.operand = parse_literal_string(p);
		if (!e->op.operand->str.raw_len)
			expected(p, "expected non-empty string");
	} else {
		e->op.operand = parse_expression(p);
	}
	expect(p, TOK_RPAREN);
	return e;
}

/*
 * symbol: hist_op [ "[" expr "]" ] | "@defined" ... | "@entry" ... | stat_op | print
 *       | IDENT "(" [ expr { "," expr } ] ")" | IDENT [ index_list ]
 */
static struct ast_expr *parse_symbol(struct parser *p)
{
	struct ast_expr *hist, *e;
	const struct token *t = parse_hist_op_or_bare_name(p, &hist);
	unsigned flags;

	if (!hist) {
		if (!strcmp(t->text, "@defined"))
			return parse_op_call(p, t, AST_E_DEFINED);
		if (!strcmp(t->text, "@entry"))
			return parse_op_call(p, t, AST_E_ENTRY);
		if (!strcmp(t->text, "@perf"))
			return parse_op_call(p, t, AST_E_PERF);
		if (t->kind == TOK_ATWORD)
			return parse_stat_op(p, t);
		flags = print_flags(t->text);
		if (flags)
			return parse_print(p, t, flags);
		if (accept(p, TOK_LPAREN)) {
			struct ast_vec args = {0};

			e = ast_expr_new(p->a, AST_E_CALL, t);
			e->call.name = t->text;
			if (!accept(p, TOK_RPAREN))
				do
					ast_vec_push(p->a, &args, parse_expression(p));
				while (expect_either(p, TOK_RPAREN, TOK_COMMA) == TOK_COMMA);
			e->call.args = ast_vec_finish(p->a, &args, &e->call.nargs);
			return e;
		}
		e = ast_expr_new(p->a, AST_E_SYMBOL, t);
		e->sym.name = t->text;
	} else {
		e = hist;
	}
	if (accept(p, TOK_LBRACKET))
		return parse_index_list(p, t, e);
	if (hist)
		error(p, DIAG_AT, t, "base histogram operator where expression expected");
	return e;
}

/* value: EMBEDDED | "(" expr ")" | symbol | literal */
static struct ast_expr *parse_value(struct parser *p)
{
	const struct token *t = peek(p);

	if (t->kind == TOK_EMBEDDED) {
		struct ast_expr *e = ast_expr_new(p->a, AST_E_EMBEDDED, next(p));

		if (!p->guru)
			soft_error(p, DIAG_AT, t,
				   "embedded expression code in unprivileged script; need stap -g");
		e->embedded.code = t->text;
		return e;
	}
	if (accept(p, TOK_LPAREN)) {
		struct ast_expr *e = parse_expression(p);

		expect(p, TOK_RPAREN);
		return e;
	}
	if (t->kind == TOK_IDENT || t->kind == TOK_ATWORD)
		return parse_symbol(p);
	return parse_literal(p);
}

/* A string argument of @cast or @var, adjacent literals concatenated. */
static const char *expect_string(struct parser *p)
{
	const struct token *t = next(p);

	if (t->kind != TOK_STRING) {
		p->pos--;
		expected(p, "expected string");
	}
	return consume_string_literals(p, t)->str.raw;
}

/* cast_op: "@cast" "(" expr "," STRING [ "," STRING ] ")" */
static void parse_cast_op(struct parser *p, struct ast_expr *e)
{
	expect(p, TOK_LPAREN);
	e->target.operand = parse_expression(p);
	expect(p, TOK_COMMA);
	e->target.type_name = expect_string(p);
	if (!*e->target.type_name)
		error(p, DIAG_SAW, p->toks[p->pos - 1], "expected non-empty string");
	if (accept(p, TOK_COMMA))
		e->target.module = expect_string(p);
	expect(p, TOK_RPAREN);
}

/* atvar_op: "@var" "(" STRING [ "," STRING ] ")" */
static void parse_atvar_op(struct parser *p, struct ast_expr *e)
{
	expect(p, TOK_LPAREN);
	e->target.type_name = expect_string(p);
	if (accept(p, TOK_COMMA))
		e->target.module = expect_string(p);
	expect(p, TOK_RPAREN);
}

static bool all_dollars(const char *s)
{
	return *s && strspn(s, "$") == strlen(s);
}

static void push_comp(struct parser *p, struct ast_vec *comps, enum ast_comp_kind kind,
		      const struct token *t, const char *name)
{
	struct ast_target_comp *c = arena_new(p->a, struct ast_target_comp);

	c->kind = kind;
	c->tok = t;
	c->name = name;
	ast_vec_push(p->a, comps, c);
}

/*
 * target_components: { "->" (IDENT | KEYWORD) | "[" expr "]" } [ "$" | "$$" ]
 * A trailing $ or $$ (on the name, a member or a separate token) pretty-prints.
 */
static void parse_target_components(struct parser *p, struct ast_expr *e)
{
	struct ast_vec comps = {0};
	const char *name = e->target.name;
	size_t keep = name ? strlen(name) : 0;
	bool pprint = false;

	while (keep > 1 && name[keep - 1] == '$')
		keep--;
	if (name && keep < strlen(name) && keep > 0 && strspn(name, "$") < keep) {
		push_comp(p, &comps, AST_COMP_PRETTY_PRINT, e->tok,
			  arena_strndup(p->a, name + keep, strlen(name) - keep));
		e->target.name = arena_strndup(p->a, name, keep);
		pprint = true;
	}
	while (!pprint) {
		const struct token *t = peek(p);

		if (t->kind == TOK_ARROW) {
			const struct token *m;
			size_t n;

			next(p);
			m = next(p);
			if (m->kind != TOK_IDENT && tok_class(m->kind) != TC_KEYWORD) {
				p->pos--;
				expected(p, "expected identifier or keyword");
			}
			n = m->len;
			while (n && m->text[n - 1] == '$')
				n--;
			if (n)
				push_comp(p, &comps, AST_COMP_MEMBER, t,
					  arena_strndup(p->a, m->text, n));
			if (n < m->len) {
				push_comp(p, &comps, AST_COMP_PRETTY_PRINT, t,
					  arena_strndup(p->a, m->text + n, m->len - n));
				pprint = true;
			}
		} else if (t->kind == TOK_LBRACKET) {
			struct ast_expr *ix;
			struct ast_target_comp *c;

			next(p);
			ix = parse_expression(p);
			push_comp(p, &comps, AST_COMP_INDEX_EXPR, t, NULL);
			c = comps.v[comps.n - 1];
			if (ix->kind == AST_E_NUMBER) {
				c->kind = AST_COMP_INDEX_LIT;
				c->index = ix->num.value;
			} else {
				c->expr = ix;
			}
			expect(p, TOK_RBRACKET);
		} else {
			break;
		}
	}
	if (!pprint && peek_is(p, TOK_IDENT) && all_dollars(peek(p)->text)) {
		const struct token *t = next(p);

		push_comp(p, &comps, AST_COMP_PRETTY_PRINT, t, t->text);
		pprint = true;
	}
	if (pprint && (peek_is(p, TOK_ARROW) || peek_is(p, TOK_LBRACKET)))
		expected(p, "-> and [ are not accepted for a pretty-printing variable");
	{
		unsigned n;
		void **v = ast_vec_finish(p->a, &comps, &n);

		e->target.comps = arena_alloc(p->a, (n ? n : 1) * sizeof(*e->target.comps));
		for (unsigned i = 0; i < n; i++)
			e->target.comps[i] = *(struct ast_target_comp *)v[i];
		e->target.ncomps = n;
	}
}

static bool peek_target_components(struct parser *p)
{
	const struct token *t = peek(p);

	return t->kind == TOK_ARROW || t->kind == TOK_LBRACKET ||
	       (t->kind == TOK_IDENT && all_dollars(t->text));
}

/* dwarf_value: [ "&" ] ( "$"IDENT | cast_op | atvar_op | value ) target_components */
static struct ast_expr *parse_dwarf_value(struct parser *p)
{
	const struct token *amp = accept(p, TOK_AMP) ? p->toks[p->pos - 1] : NULL;
	const struct token *t = peek(p);
	struct ast_expr *e, *tsym = NULL;

	if (t->kind == TOK_IDENT && t->text[0] == '$') {
		tsym = e = ast_expr_new(p->a, AST_E_TARGET, next(p));
		e->target.name = t->text;
	} else if (peek_atword(p, "@cast")) {
		tsym = e = ast_expr_new(p->a, AST_E_CAST, next(p));
		e->target.name = t->text;
		parse_cast_op(p, e);
	} else if (peek_atword(p, "@var")) {
		tsym = e = ast_expr_new(p->a, AST_E_ATVAR, next(p));
		e->target.name = t->text;
		parse_atvar_op(p, e);
	} else {
		e = parse_value(p);
		if (amp && (e->kind == AST_E_TARGET || e->kind == AST_E_CAST ||
			    e->kind == AST_E_ATVAR || e->kind == AST_E_AUTOCAST)) {
			if (e->target.addressof)
				error(p, DIAG_AT, amp, "cannot take address more than once");
			tsym = e;
		}
	}
	if (!tsym && (amp || peek_target_components(p))) {
		tsym = ast_expr_new(p->a, AST_E_AUTOCAST, amp ? amp : peek(p));
		tsym->target.operand = e;
		e = tsym;
	}
	if (tsym) {
		tsym->target.addressof = amp != NULL;
		parse_target_components(p, tsym);
	}
	return e;
}

/* crement: ( "++" | "--" ) dwarf_value | dwarf_value [ "++" | "--" ] */
static struct ast_expr *parse_crement(struct parser *p)
{
	const struct token *t = peek(p);
	struct ast_expr *e, *op;

	if (t->kind == TOK_INC || t->kind == TOK_DEC) {
		next(p);
		e = ast_expr_new(p->a, AST_E_PREINC, t);
		e->un.op = t->kind;
		e->un.operand = parse_dwarf_value(p);
		return e;
	}
	op = parse_dwarf_value(p);
	t = peek(p);
	if (t->kind != TOK_INC && t->kind != TOK_DEC)
		return op;
	next(p);
	e = ast_expr_new(p->a, AST_E_POSTINC, t);
	e->un.op = t->kind;
	e->un.operand = op;
	return e;
}

/* unary: ( "+" | "-" | "!" | "~" ) unary | crement */
static struct ast_expr *parse_unary(struct parser *p)
{
	const struct token *t = peek(p);
	struct ast_expr *e;

	if (t->kind != TOK_PLUS && t->kind != TOK_MINUS && t->kind != TOK_BANG &&
	    t->kind != TOK_TILDE)
		return parse_crement(p);
	next(p);
	enter(p);
	e = ast_expr_new(p->a, AST_E_UNARY, t);
	e->un.op = t->kind;
	e->un.operand = parse_unary(p);
	p->depth--;
	return e;
}

/*
 * The binary operators of the climbing loop: their precedence (higher binds tighter) and node
 * kind.  Levels 1-5 take array_in operands, levels 6-9 unary operands.
 */
enum {
	PREC_LOR = 1,
	PREC_LAND,
	PREC_BITOR,
	PREC_BITXOR,
	PREC_BITAND,
	PREC_SHIFT,
	PREC_CONCAT,
	PREC_ADD,
	PREC_MUL,
};

static int binop_prec(enum tok kind, enum ast_expr_kind *ret_kind)
{
	*ret_kind = AST_E_BINARY;
	switch (kind) {
	case TOK_LOR:
		*ret_kind = AST_E_LOGICAL;
		return PREC_LOR;
	case TOK_LAND:
		*ret_kind = AST_E_LOGICAL;
		return PREC_LAND;
	case TOK_PIPE:
		return PREC_BITOR;
	case TOK_CARET:
		return PREC_BITXOR;
	case TOK_AMP:
		return PREC_BITAND;
	case TOK_SHL:
	case TOK_SHR:
	case TOK_USHR:
		return PREC_SHIFT;
	case TOK_DOT:
		*ret_kind = AST_E_CONCAT;
		return PREC_CONCAT;
	case TOK_PLUS:
	case TOK_MINUS:
		return PREC_ADD;
	case TOK_STAR:
	case TOK_SLASH:
	case TOK_PERCENT:
		return PREC_MUL;
	default:
		return 0;
	}
}

static struct ast_expr *parse_array_in(struct parser *p);

/*
 * binary(min): operand { OP binary(prec(OP) + 1) } for operators of precedence min..max, all
 * left-associative; the operand is array_in above the comparisons, unary below them.
 *   logical_or: logical_and { "||" logical_and } ... boolean_and: array_in { "&" array_in }
 *   shift: concatenation { ("<<" | ">>" | ">>>") concatenation } ... multiplicative: unary { ("*" | "/" | "%") unary }
 */
static struct ast_expr *parse_binary(struct parser *p, int min, int max)
{
	struct ast_expr *left;

	if (min > max)
		return max == PREC_BITAND ? parse_array_in(p) : parse_unary(p);
	left = parse_binary(p, min + 1, max);
	for (;;) {
		const struct token *t = peek(p);
		enum ast_expr_kind kind;
		int prec = binop_prec(t->kind, &kind);
		struct ast_expr *e;

		if (prec != min)
			return left;
		next(p);
		e = ast_expr_new(p->a, kind, t);
		e->bin.op = t->kind;
		e->bin.left = left;
		e->bin.right = parse_binary(p, min + 1, max);
		left = e;
	}
}

/*
 * comparison: shift ( ("=~" | "!~") literal_string
 *                   | { ("<" | ">" | "<=" | ">=" | "==" | "!=") shift } )
 */
static struct ast_expr *parse_comparison(struct parser *p)
{
	struct ast_expr *left = parse_binary(p, PREC_SHIFT, PREC_MUL);
	const struct token *t = peek(p);

	if (t->kind == TOK_MATCH || t->kind == TOK_NOMATCH) {
		struct ast_expr *e = ast_expr_new(p->a, AST_E_REGEX, next(p));

		e->bin.op = t->kind;
		e->bin.left = left;
		e->bin.right = parse_literal_string(p);
		return e;
	}
	while (t->kind == TOK_LT || t->kind == TOK_GT || t->kind == TOK_LE || t->kind == TOK_GE ||
	       t->kind == TOK_EQ || t->kind == TOK_NE) {
		struct ast_expr *e = ast_expr_new(p->a, AST_E_COMPARE, next(p));

		e->bin.op = t->kind;
		e->bin.left = left;
		e->bin.right = parse_binary(p, PREC_SHIFT, PREC_MUL);
		left = e;
		t = peek(p);
	}
	return left;
}

/* array_in: "[" ( "*" | comparison ) { "," ( "*" | comparison ) } "]" "in" indexable
 *         | comparison [ "in" indexable ] */
static struct ast_expr *parse_array_in(struct parser *p)
{
	const struct token *t = peek(p);
	bool bracketed = accept(p, TOK_LBRACKET);
	struct ast_vec keys = {0};
	struct ast_expr *e, *ix;

	for (;;) {
		if (bracketed && accept(p, TOK_STAR))
			ast_vec_push(p->a, &keys, NULL);
		else
			ast_vec_push(p->a, &keys, parse_comparison(p));
		if (!bracketed)
			break;
		if (accept(p, TOK_COMMA))
			continue;
		if (accept(p, TOK_RBRACKET))
			break;
		expected(p, "expected ',' or ']'");
	}
	if (!peek_is(p, TOK_KW_IN)) {
		if (keys.n == 1 && keys.v[0])
			return keys.v[0];
		expected(p, "unexpected comma-separated expression list");
	}
	e = ast_expr_new(p->a, AST_E_IN, next(p));
	ix = ast_expr_new(p->a, AST_E_INDEX, t);
	ix->index.keys = ast_vec_finish(p->a, &keys, &ix->index.nkeys);
	ix->index.base = parse_indexable(p);
	ix->tok = ix->index.base->tok;
	e->in.index = ix;
	return e;
}

/* ternary: logical_or [ "?" expr ":" ternary ] */
static struct ast_expr *parse_ternary(struct parser *p)
{
	struct ast_expr *cond = parse_binary(p, PREC_LOR, PREC_BITAND), *e;
	const struct token *t = peek(p);

	if (t->kind != TOK_QUESTION)
		return cond;
	next(p);
	e = ast_expr_new(p->a, AST_E_TERNARY, t);
	e->tern.cond = cond;
	e->tern.then = parse_expression(p);
	expect(p, TOK_COLON);
	e->tern.els = parse_ternary(p);
	return e;
}

static bool is_assign_op(enum tok k)
{
	switch (k) {
	case TOK_ASSIGN:
	case TOK_SHL_ACC:
	case TOK_ADD_ASSIGN:
	case TOK_SUB_ASSIGN:
	case TOK_MUL_ASSIGN:
	case TOK_DIV_ASSIGN:
	case TOK_MOD_ASSIGN:
	case TOK_SHL_ASSIGN:
	case TOK_SHR_ASSIGN:
	case TOK_AND_ASSIGN:
	case TOK_XOR_ASSIGN:
	case TOK_OR_ASSIGN:
	case TOK_CAT_ASSIGN:
		return true;
	default:
		return false;
	}
}

/* expr: ternary [ ("=" | "<<<" | "+=" | "-=" | "*=" | "/=" | "%=" | "<<=" | ">>=" | "&=" | "^=" | "|=" | ".=") expr ] */
static struct ast_expr *parse_expression(struct parser *p)
{
	struct ast_expr *left, *e;
	const struct token *t;

	enter(p);
	left = parse_ternary(p);
	t = peek(p);
	if (!is_assign_op(t->kind)) {
		p->depth--;
		return left;
	}
	next(p);
	e = ast_expr_new(p->a, AST_E_ASSIGN, t);
	e->bin.op = t->kind;
	e->bin.left = left;
	e->bin.right = parse_expression(p);
	p->depth--;
	return e;
}

/* expr_statement: expr */
static struct ast_stmt *parse_expr_statement(struct parser *p)
{
	struct ast_stmt *s = ast_stmt_new(p->a, AST_S_EXPR, peek(p));

	s->expr.e = parse_expression(p);
	return s;
}

/* if_statement: "if" "(" expr ")" statement [ "else" statement ] */
static struct ast_stmt *parse_if_statement(struct parser *p)
{
	struct ast_stmt *s = ast_stmt_new(p->a, AST_S_IF, next(p));

	expect(p, TOK_LPAREN);
	s->if_.cond = parse_expression(p);
	expect(p, TOK_RPAREN);
	s->if_.then = parse_statement(p);
	if (accept(p, TOK_KW_ELSE))
		s->if_.els = parse_statement(p);
	return s;
}

/* for_loop: "for" "(" [ expr ] ";" [ expr ] ";" [ expr ] ")" statement */
static struct ast_stmt *parse_for_loop(struct parser *p)
{
	struct ast_stmt *s = ast_stmt_new(p->a, AST_S_FOR, next(p));

	expect(p, TOK_LPAREN);
	if (!accept(p, TOK_SEMI)) {
		s->loop.init = parse_expr_statement(p);
		expect(p, TOK_SEMI);
	}
	if (peek_is(p, TOK_SEMI)) {
		s->loop.cond = ast_expr_new(p->a, AST_E_NUMBER, next(p));
		s->loop.cond->num.value = 1;
	} else {
		s->loop.cond = parse_expression(p);
		expect(p, TOK_SEMI);
	}
	if (!accept(p, TOK_RPAREN)) {
		s->loop.incr = parse_expr_statement(p);
		expect(p, TOK_RPAREN);
	}
	s->loop.body = parse_statement(p);
	return s;
}

/* while_loop: "while" "(" expr ")" statement */
static struct ast_stmt *parse_while_loop(struct parser *p)
{
	struct ast_stmt *s = ast_stmt_new(p->a, AST_S_WHILE, next(p));

	expect(p, TOK_LPAREN);
	s->loop.cond = parse_expression(p);
	expect(p, TOK_RPAREN);
	s->loop.body = parse_statement(p);
	return s;
}

static struct ast_expr *symbol_from(struct parser *p, const struct token *t)
{
	struct ast_expr *e = ast_expr_new(p->a, AST_E_SYMBOL, t);

	e->sym.name = t->text;
	return e;
}

static int sort_sign(const struct token *t)
{
	return t->kind == TOK_PLUS ? 1 : t->kind == TOK_MINUS ? -1 : 0;
}

/*
 * foreach_loop: "foreach" "(" [ IDENT [ "+" | "-" ] "=" ] keys "in" indexable
 *                   [ "[" ( "*" | expr ) { "," ( "*" | expr ) } "]" ]
 *                   [ stat_name ] [ "+" | "-" ] [ "limit" expr ] ")" statement
 * keys: IDENT [ "+" | "-" ] | "[" IDENT [ "+" | "-" ] { "," IDENT [ "+" | "-" ] } "]"
 */
static struct ast_stmt *parse_foreach_loop(struct parser *p)
{
	struct ast_stmt *s = ast_stmt_new(p->a, AST_S_FOREACH, next(p));
	struct ast_vec keys = {0}, slice = {0};
	const struct token *lookahead = NULL, *t;
	int lookahead_sort = 0;
	bool bracketed = false;

	expect(p, TOK_LPAREN);
	if (peek_is(p, TOK_IDENT)) {
		lookahead = next(p);
		lookahead_sort = sort_sign(peek(p));
		if (lookahead_sort)
			next(p);
		if (accept(p, TOK_ASSIGN)) {
			s->foreach.value = symbol_from(p, lookahead);
			if (lookahead_sort) {
				s->foreach.sort_dir = lookahead_sort;
				s->foreach.sort_col = 0;
			}
			lookahead = NULL;
		}
	}
	if (!lookahead && accept(p, TOK_LBRACKET))
		bracketed = true;
	if (lookahead) {
		ast_vec_push(p->a, &keys, symbol_from(p, lookahead));
		if (lookahead_sort) {
			s->foreach.sort_dir = lookahead_sort;
			s->foreach.sort_col = 1;
		}
	} else {
		for (;;) {
			int dir;

			t = next(p);
			if (t->kind != TOK_IDENT) {
				p->pos--;
				expected(p, "expected identifier");
			}
			ast_vec_push(p->a, &keys, symbol_from(p, t));
			dir = sort_sign(peek(p));
			if (dir) {
				if (s->foreach.sort_dir)
					expected(p, "multiple sort directives");
				s->foreach.sort_dir = dir;
				s->foreach.sort_col = keys.n;
				next(p);
			}
			if (!bracketed || accept(p, TOK_RBRACKET))
				break;
			if (!accept(p, TOK_COMMA))
				expected(p, "expected ',' or ']'");
		}
	}
	s->foreach.keys = (struct ast_expr **)ast_vec_finish(p->a, &keys, &s->foreach.nkeys);
	t = next(p);
	if (t->kind != TOK_KW_IN) {
		p->pos--;
		expected(p, "expected 'in'");
	}
	s->foreach.base = parse_indexable(p);
	if (accept(p, TOK_LBRACKET)) {
		for (;;) {
			if (accept(p, TOK_STAR))
				ast_vec_push(p->a, &slice, NULL);
			else
				ast_vec_push(p->a, &slice, parse_expression(p));
			if (accept(p, TOK_COMMA))
				continue;
			if (accept(p, TOK_RBRACKET))
				break;
			expected(p, "expected ',' or ']'");
		}
		s->foreach.slice =
			(struct ast_expr **)ast_vec_finish(p->a, &slice, &s->foreach.nslice);
	}
	t = peek(p);
	if (t->kind == TOK_ATWORD) {
		s->foreach.sort_aggr = (enum ast_stat_op)rt_stat_op_lookup(t->text);
		if (!s->foreach.sort_aggr)
			expected(p, "expected statistical operation");
		next(p);
		if (!sort_sign(peek(p)))
			expected(p, "expected sort directive");
	}
	if (sort_sign(peek(p))) {
		if (s->foreach.sort_dir)
			expected(p, "multiple sort directives");
		s->foreach.sort_dir = sort_sign(next(p));
		s->foreach.sort_col = 0;
	}
	if (accept(p, TOK_KW_LIMIT))
		s->foreach.limit = parse_expression(p);
	expect(p, TOK_RPAREN);
	s->foreach.body = parse_statement(p);
	return s;
}

/* try_block: "try" stmt_block "catch" [ "(" IDENT ")" ] stmt_block */
static struct ast_stmt *parse_try_block(struct parser *p)
{
	struct ast_stmt *s = ast_stmt_new(p->a, AST_S_TRY, next(p));

	s->try_.body = parse_stmt_block(p);
	expect(p, TOK_KW_CATCH);
	if (accept(p, TOK_LPAREN)) {
		const struct token *t = next(p);

		if (t->kind != TOK_IDENT) {
			p->pos--;
			expected(p, "expected identifier");
		}
		s->try_.catch_var = symbol_from(p, t);
		expect(p, TOK_RPAREN);
	}
	s->try_.handler = parse_stmt_block(p);
	return s;
}

static struct ast_stmt *parse_statement_body(struct parser *p);

/*
 * statement: ";" | stmt_block | try_block | if_statement | for_loop | foreach_loop | while_loop
 *          | ( "return" [ expr ] | "delete" expr | "break" | "continue" | "next" | expr ) [ ";" ]
 */
static struct ast_stmt *parse_statement(struct parser *p)
{
	struct ast_stmt *s;

	enter(p);
	s = parse_statement_body(p);
	p->depth--;
	return s;
}

static struct ast_stmt *parse_statement_body(struct parser *p)
{
	const struct token *t = peek(p);
	struct ast_stmt *s;

	switch (t->kind) {
	case TOK_SEMI:
		return ast_stmt_new(p->a, AST_S_NULL, next(p));
	case TOK_LBRACE:
		return parse_stmt_block(p);
	case TOK_KW_TRY:
		return parse_try_block(p);
	case TOK_KW_IF:
		return parse_if_statement(p);
	case TOK_KW_FOR:
		return parse_for_loop(p);
	case TOK_KW_FOREACH:
		return parse_foreach_loop(p);
	case TOK_KW_WHILE:
		return parse_while_loop(p);
	case TOK_KW_RETURN:
		/* return_statement: "return" [ expr ] */
		next(p);
		if (p->ctx != CTX_FUNCTION)
			error(p, DIAG_SAW, t, "found 'return' not in function context");
		s = ast_stmt_new(p->a, AST_S_RETURN, t);
		if (!peek_is(p, TOK_SEMI) && !peek_is(p, TOK_RBRACE))
			s->expr.e = parse_expression(p);
		break;
	case TOK_KW_DELETE:
		/* delete_statement: "delete" expr */
		s = ast_stmt_new(p->a, AST_S_DELETE, next(p));
		s->expr.e = parse_expression(p);
		break;
	case TOK_KW_BREAK:
		s = ast_stmt_new(p->a, AST_S_BREAK, next(p));
		break;
	case TOK_KW_CONTINUE:
		s = ast_stmt_new(p->a, AST_S_CONTINUE, next(p));
		break;
	case TOK_KW_NEXT:
		s = ast_stmt_new(p->a, AST_S_NEXT, next(p));
		break;
	default:
		if (tok_class(t->kind) == TC_KEYWORD || t->kind == TOK_EOF)
			expected(p, "expected statement");
		s = parse_expr_statement(p);
	}
	accept(p, TOK_SEMI);
	return s;
}

static bool is_open(enum tok k)
{
	return k == TOK_LPAREN || k == TOK_LBRACKET || k == TOK_LBRACE;
}

static bool is_close(enum tok k)
{
	return k == TOK_RPAREN || k == TOK_RBRACKET || k == TOK_RBRACE;
}

/*
 * After an error in the statement that started at token start: skip to where the next one
 * likely starts.  Brackets opened since start are closed first; then a ';' (eaten), the '}' that
 * ends the block (kept), or the first token of a new line ends the skip, since statements need
 * no ';'.  Junk tokens met on the way are reported: they are errors of their own.  The end of
 * input or a top-level keyword ends the enclosing declaration too.
 */
static void skip_statement(struct parser *p, size_t start)
{
	const size_t from = p->pos;
	uint32_t line = p->pos > start ? p->toks[p->pos - 1]->loc.line : 0;
	int depth = 0;

	for (size_t i = start; i < p->pos; i++) {
		if (is_open(p->toks[i]->kind))
			depth++;
		else if (is_close(p->toks[i]->kind) && depth > 0)
			depth--;
	}
	for (;;) {
		const struct token *t = peek(p);

		switch (t->kind) {
		case TOK_EOF:
		case TOK_KW_PROBE:
		case TOK_KW_GLOBAL:
		case TOK_KW_PRIVATE:
		case TOK_KW_FUNCTION:
			longjmp(*p->top, 1);
		default:
			break;
		}
		if (!depth && p->pos > from && t->loc.line != line)
			return;
		if (!depth && t->kind == TOK_RBRACE)
			return;
		if (!depth && t->kind == TOK_SEMI) {
			p->pos++;
			return;
		}
		if (is_open(t->kind))
			depth++;
		else if (is_close(t->kind) && depth > 0)
			depth--;
		if (t->kind == TOK_JUNK && t != p->error_tok)
			soft_error(p, DIAG_AT, t, "junk");
		line = t->loc.line;
		p->pos++;
	}
}

/* A statement of a block, or NULL after a reported (and skipped) error. */
static struct ast_stmt *parse_block_statement(struct parser *p)
{
	jmp_buf jb, *saved = p->recover;
	const size_t start = p->pos;
	const unsigned depth = p->depth;
	struct ast_stmt *s;

	p->recover = &jb;
	if (setjmp(jb)) {
		p->recover = saved;
		p->depth = depth;
		skip_statement(p, start);
		return NULL;
	}
	s = parse_statement(p);
	p->recover = saved;
	return s;
}

/* stmt_block: "{" { statement } "}" */
static struct ast_stmt *parse_stmt_block(struct parser *p)
{
	struct ast_stmt *s;
	struct ast_vec stmts = {0};

	if (!peek_is(p, TOK_LBRACE))
		expected(p, "expected '{'");
	s = ast_stmt_new(p->a, AST_S_BLOCK, next(p));
	while (!accept(p, TOK_RBRACE)) {
		struct ast_stmt *st = parse_block_statement(p);

		if (st)
			ast_vec_push(p->a, &stmts, st);
	}
	s->block.stmts = (struct ast_stmt **)ast_vec_finish(p->a, &stmts, &s->block.n);
	return s;
}

/* component: (IDENT | KEYWORD | "*") { adjacent (IDENT | KEYWORD | "*") } [ "(" literal ")" ] */
static void parse_component(struct parser *p, struct ast_pp_comp *c)
{
	const struct token *t = next(p);
	struct strbuf name = {0};

	if (t->kind != TOK_IDENT && tok_class(t->kind) != TC_KEYWORD && t->kind != TOK_STAR) {
		p->pos--;
		expected(p, "expected identifier or '*'");
	}
	sb_append(&name, t->text, t->len);
	for (;;) {
		const struct token *u = peek(p);

		if (u->space_before || (u->kind != TOK_IDENT && tok_class(u->kind) != TC_KEYWORD &&
					u->kind != TOK_STAR))
			break;
		sb_append(&name, u->text, u->len);
		next(p);
	}
	c->functor = arena_strndup(p->a, name.buf ? name.buf : "", name.len);
	sb_release(&name);
	c->tok = t;
	if (accept(p, TOK_LPAREN)) {
		c->arg = parse_literal(p);
		expect(p, TOK_RPAREN);
	}
}

/* probe_point: component { "." component } [ "?" | "!" ] [ "if" "(" expr ")" ] */
static struct ast_probe_point *parse_probe_point(struct parser *p)
{
	struct ast_probe_point *pp = arena_new(p->a, struct ast_probe_point);
	struct ast_vec comps = {0};
	const struct token *t;

	pp->tok = peek(p);
	do {
		struct ast_pp_comp *c = arena_new(p->a, struct ast_pp_comp);

		parse_component(p, c);
		ast_vec_push(p->a, &comps, c);
	} while (accept(p, TOK_DOT));
	{
		unsigned n;
		void **v = ast_vec_finish(p->a, &comps, &n);

		pp->comps = arena_alloc(p->a, (n ? n : 1) * sizeof(*pp->comps));
		for (unsigned i = 0; i < n; i++)
			pp->comps[i] = *(struct ast_pp_comp *)v[i];
		pp->ncomps = n;
	}
	t = peek(p);
	if (t->kind == TOK_QUESTION || t->kind == TOK_BANG) {
		pp->optional = true;
		pp->sufficient = t->kind == TOK_BANG;
		next(p);
	}
	if (accept(p, TOK_KW_IF)) {
		if (!peek_is(p, TOK_LPAREN))
			expected(p, "expected '('");
		next(p);
		pp->cond = parse_expression(p);
		if (!peek_is(p, TOK_RPAREN))
			expected(p, "expected ')'");
		next(p);
	}
	return pp;
}

/* probe_points: probe_point { "," probe_point }, followed by "{", "=", "+=" or "}" */
static void parse_probe_points(struct parser *p, struct ast_vec *pps)
{
	for (;;) {
		const struct token *t;

		ast_vec_push(p->a, pps, parse_probe_point(p));
		if (accept(p, TOK_COMMA))
			continue;
		t = peek(p);
		if (t->kind == TOK_LBRACE || t->kind == TOK_ASSIGN || t->kind == TOK_ADD_ASSIGN ||
		    t->kind == TOK_RBRACE)
			return;
		expected(p, "expected one of ', { } = +='");
	}
}

/*
 * probe: "probe" probe_points stmt_block
 *      | "probe" probe_point ( "=" | "+=" ) probe_points stmt_block      (an alias)
 */
static void parse_probe(struct parser *p)
{
	struct ast_probe *pr = arena_new(p->a, struct ast_probe);
	struct ast_vec names = {0}, points = {0};

	pr->tok = next(p);
	for (;;) {
		struct ast_vec pps = {0};
		const struct token *t;

		parse_probe_points(p, &pps);
		t = peek(p);
		if (pps.n == 1 && (t->kind == TOK_ASSIGN || t->kind == TOK_ADD_ASSIGN)) {
			struct ast_probe_point *name = pps.v[0];

			if (name->optional)
				error(p, DIAG_AT, name->comps[0].tok,
				      "probe point alias name cannot be optional nor sufficient");
			ast_vec_push(p->a, &names, name);
			if (t->kind == TOK_ADD_ASSIGN)
				pr->epilogue = true;
			next(p);
			continue;
		}
		if (t->kind == TOK_LBRACE) {
			points = pps;
			break;
		}
		expected(p, "expected probe point specifier");
	}
	pr->points = (struct ast_probe_point **)ast_vec_finish(p->a, &points, &pr->npoints);
	pr->is_alias = names.n > 0;
	pr->names = (struct ast_probe_point **)ast_vec_finish(p->a, &names, &pr->nnames);
	p->ctx = CTX_PROBE;
	pr->body = parse_stmt_block(p);
	ast_vec_push(p->a, pr->is_alias ? &p->aliases : &p->probes, pr);
}

static struct ast_global *find_global(struct parser *p, const char *name)
{
	for (unsigned i = 0; i < p->globals.n; i++) {
		struct ast_global *g = p->globals.v[i];

		if (!strcmp(g->name, name))
			return g;
	}
	return NULL;
}

/*
 * global_decl: IDENT [ "%" ] [ "[" number "]" ] [ "=" literal ] { "," global_decl } [ ";" ]
 * first is the identifier already read by "private IDENT", or NULL.
 */
static void parse_global_decls(struct parser *p, const struct token *first, bool priv)
{
	p->ctx = CTX_GLOBAL;
	for (;;) {
		const struct token *t = first ? first : next(p);
		struct ast_global *g, *old;

		first = NULL;
		if (t->kind != TOK_IDENT) {
			p->pos--;
			expected(p, "expected identifier");
		}
		old = find_global(p, t->text);
		if (old)
			error(p, DIAG_SAW, t,
			      old->private_ == priv
				      ? "duplicate global name"
				      : "global versus private variable declaration conflict");
		g = arena_new(p->a, struct ast_global);
		g->tok = t;
		g->name = t->text;
		g->private_ = priv;
		ast_vec_push(p->a, &p->globals, g);
		if (accept(p, TOK_PERCENT))
			g->wrap = true;
		if (accept(p, TOK_LBRACKET)) {
			int64_t size = expect_number(p);

			if (size <= 0 || size > INT_MAX)
				error(p, DIAG_SAW, p->toks[p->pos - 1], "array size out of range");
			g->maxsize = size;
			expect(p, TOK_RBRACKET);
		}
		if (peek_is(p, TOK_ASSIGN)) {
			if (g->maxsize)
				expected(p, "only scalar globals can be initialized");
			next(p);
			g->init = parse_literal(p);
		}
		if (accept(p, TOK_SEMI))
			return;
		if (!accept(p, TOK_COMMA))
			return;
	}
}

/* type: "string" | "long" */
static enum ast_type parse_type(struct parser *p)
{
	const struct token *t = next(p);

	if (t->kind == TOK_KW_STRING)
		return AST_TYPE_STRING;
	if (t->kind == TOK_KW_LONG)
		return AST_TYPE_LONG;
	p->pos--;
	expected(p, "expected 'string' or 'long'");
}

/* embedded_code: EMBEDDED; reported, and kept, without -g */
static const struct token *parse_embeddedcode(struct parser *p)
{
	const struct token *t = next(p);

	if (!p->guru)
		soft_error(p, DIAG_SAW, t, "embedded code in unprivileged script; need stap -g");
	return t;
}

/*
 * function: "function" NAME [ ":" type ] "(" [ param { "," param } ] ")" [ ":" literal ]
 *           ( stmt_block | embedded_code )
 * param: IDENT [ ":" type ]
 */
static void parse_function(struct parser *p, bool priv)
{
	struct ast_function *fn = arena_new(p->a, struct ast_function);
	struct ast_vec params = {0};
	const struct token *t = next(p);

	p->ctx = CTX_FUNCTION;
	if (t->kind != TOK_IDENT && t->kind != TOK_KW_STRING && t->kind != TOK_KW_LONG) {
		p->pos--;
		expected(p, "expected identifier");
	}
	fn->tok = t;
	fn->name = t->text;
	fn->private_ = priv;
	if (accept(p, TOK_COLON))
		fn->type = parse_type(p);
	expect(p, TOK_LPAREN);
	while (!accept(p, TOK_RPAREN)) {
		struct ast_param *prm = arena_new(p->a, struct ast_param);

		t = next(p);
		if (t->kind != TOK_IDENT) {
			p->pos--;
			expected(p, "expected identifier");
		}
		for (unsigned i = 0; i < params.n; i++)
			if (!strcmp(((struct ast_param *)params.v[i])->name, t->text))
				error(p, DIAG_SAW, t, "duplicate parameter names");
		prm->tok = t;
		prm->name = t->text;
		ast_vec_push(p->a, &params, prm);
		if (accept(p, TOK_COLON))
			prm->type = parse_type(p);
		if (accept(p, TOK_RPAREN))
			break;
		if (!accept(p, TOK_COMMA))
			expected(p, "expected ',' or ')'");
	}
	{
		unsigned n;
		void **v = ast_vec_finish(p->a, &params, &n);

		fn->params = arena_alloc(p->a, (n ? n : 1) * sizeof(*fn->params));
		for (unsigned i = 0; i < n; i++)
			fn->params[i] = *(struct ast_param *)v[i];
		fn->nparams = n;
	}
	if (accept(p, TOK_COLON)) {
		struct ast_expr *prio = parse_literal(p);

		if (prio->kind != AST_E_NUMBER)
			error(p, DIAG_SAW, prio->tok, "expected literal number");
		if (prio->num.value < 1)
			error(p, DIAG_SAW, prio->tok, "specified priority must be > 0");
		fn->priority = prio->num.value;
	}
	if (peek_is(p, TOK_EMBEDDED)) {
		fn->etok = parse_embeddedcode(p);
		fn->embedded = fn->etok->text;
	} else {
		fn->body = parse_stmt_block(p);
	}
	ast_vec_push(p->a, &p->functions, fn);
}

/* private: "private" ( "function" function | "global" global_decl | global_decl ) */
static void parse_private(struct parser *p)
{
	const struct token *t;

	next(p);
	t = next(p);
	if (t->kind == TOK_KW_FUNCTION) {
		parse_function(p, true);
	} else if (t->kind == TOK_KW_GLOBAL) {
		parse_global_decls(p, NULL, true);
	} else if (t->kind == TOK_IDENT) {
		parse_global_decls(p, t, true);
	} else {
		p->pos--;
		expected(p, "expected 'function' or identifier");
	}
}

/* declaration: probe | "global" global_decl | private | "function" function | embedded_code */
static void parse_declaration(struct parser *p)
{
	const struct token *t = peek(p);
	struct ast_embed *em;

	switch (t->kind) {
	case TOK_KW_PROBE:
		p->ctx = CTX_PROBE;
		parse_probe(p);
		return;
	case TOK_KW_PRIVATE:
		p->ctx = CTX_UNKNOWN;
		parse_private(p);
		return;
	case TOK_KW_GLOBAL:
		next(p);
		parse_global_decls(p, NULL, false);
		return;
	case TOK_KW_FUNCTION:
		next(p);
		parse_function(p, false);
		return;
	case TOK_EMBEDDED:
		em = arena_new(p->a, struct ast_embed);
		em->tok = parse_embeddedcode(p);
		em->code = em->tok->text;
		ast_vec_push(p->a, &p->embeds, em);
		return;
	default:
		p->ctx = CTX_UNKNOWN;
		expected(p, "expected 'probe', 'global', 'private', 'function', or '%%{'");
	}
}

static bool starts_declaration(const struct token *t)
{
	return t->kind == TOK_KW_PROBE || t->kind == TOK_KW_GLOBAL || t->kind == TOK_KW_PRIVATE ||
	       t->kind == TOK_KW_FUNCTION || t->kind == TOK_EMBEDDED || t->kind == TOK_EOF;
}

/* file: { declaration } */
static void parse_toplevel(struct parser *p)
{
	jmp_buf jb;
	volatile size_t start = 0;

	p->top = &jb;
	if (setjmp(jb)) {
		if (p->pos == start && !starts_declaration(peek(p)))
			p->pos++;
		while (!starts_declaration(peek(p)))
			p->pos++;
	}
	while (!peek_is(p, TOK_EOF)) {
		start = p->pos;
		p->recover = &jb;
		p->depth = 0;
		parse_declaration(p);
	}
}

int parse_file(const struct lex_file *src, const struct parse_options *opt, struct diag_list *dl,
	       struct ast_file **ret_file)
{
	struct pp_config cfg;
	struct parser p = {0};
	struct ast_file *f = calloc(1, sizeof(*f));
	unsigned before = dl->errors, errors;
	int err;

	if (!f)
		return -ENOMEM;
	if (opt && opt->pp)
		cfg = *opt->pp;
	else
		pp_config_default(&cfg, opt && opt->guru);
	f->name = src->name;
	p.a = &f->arena;
	p.dl = dl;
	p.src = src;
	p.guru = opt && opt->guru;
	p.file = f;
	err = lex_init(&p.lx, p.a, src, opt ? opt->args : NULL, opt ? opt->nargs : 0);
	if (err < 0) {
		ast_file_free(f);
		return err;
	}
	pp_init(&p.pp, p.a, &p.lx, dl, &cfg);
	pp_define_builtins(&p.pp);

	parse_toplevel(&p);

	errors = dl->errors - before;
	if (!errors && !p.globals.n && !p.probes.n && !p.aliases.n && !p.functions.n &&
	    !p.embeds.n) {
		diag_add(dl, DIAG_ERROR, NULL, DIAG_AT, NULL, NULL,
			 p.lx.saw_tokens ? "Input file '%s' is empty after preprocessing."
					 : "Input file '%s' is empty.",
			 src->name);
		err = -EINVAL;
	} else if (errors) {
		diag_add(dl, DIAG_NOTE, NULL, DIAG_AT, NULL, NULL, "%u parse error%s.", errors,
			 errors == 1 ? "" : "s");
		err = -EINVAL;
	}
	f->globals = (struct ast_global **)ast_vec_finish(p.a, &p.globals, &f->nglobals);
	f->probes = (struct ast_probe **)ast_vec_finish(p.a, &p.probes, &f->nprobes);
	f->aliases = (struct ast_probe **)ast_vec_finish(p.a, &p.aliases, &f->naliases);
	f->functions = (struct ast_function **)ast_vec_finish(p.a, &p.functions, &f->nfunctions);
	f->embeds = (struct ast_embed **)ast_vec_finish(p.a, &p.embeds, &f->nembeds);
	pp_release(&p.pp);
	lex_release(&p.lx);
	free(p.toks);
	if (err < 0) {
		ast_file_free(f);
		return err;
	}
	*ret_file = f;
	return 0;
}
