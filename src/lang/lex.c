/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lex: characters to tokens, following stap's lexer (parse.cxx) so that what a script means and
 * where its errors point match stap.
 *
 * Identifiers start with a letter, '_', '$' or '@' and go on with letters, digits, '_' and '$';
 * one starting with '@' is an operator-class "@word" (@count, @cast, a macro name), a listed
 * word is a keyword.  A number is a digit followed by any letters and digits: the parser checks
 * it with strtoull(base 0), so "0x1f", "017" and "12" are numbers and "12ab" is an error there.
 * Strings keep their escapes as written, except that \" becomes '"'; the parser decodes them.
 * Any other punctuation character is an operator, the longest listed spelling first; only bytes
 * that are neither punctuation, alphanumeric nor space are junk.  Comments (#, //, / * * /)
 * and whitespace only set the next token's space_before.
 *
 * Errors do not stop the scan: an unterminated string, comment or %{ block, an argument out of
 * range or a bad byte becomes a junk token, which the parser reports where it meets it.  So a
 * junk token in a branch the preprocessor drops is no error, as in stap.
 *
 * Lines and columns count from 1; a column counts bytes, so a tab is one column (the caret line
 * of a diagnostic copies the tabs to stay aligned).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/lex.h"
#include "util/vec.h"

static const struct {
	const char *spelling;
	enum tok kind;
	enum tok_class cls;
} tok_table[TOK__COUNT] = {
#define TOKEN_ROW(name, spelling, cls) {spelling, TOK_##name, cls},
	TOKEN_LIST(TOKEN_ROW)
#undef TOKEN_ROW
};

const char *tok_spelling(enum tok kind)
{
	return (unsigned)kind < TOK__COUNT ? tok_table[kind].spelling : "?";
}

enum tok_class tok_class(enum tok kind)
{
	return (unsigned)kind < TOK__COUNT ? tok_table[kind].cls : TC_JUNK;
}

enum tok tok_keyword(const char *s, size_t n)
{
	for (unsigned i = 0; i < TOK__COUNT; i++)
		if (tok_table[i].cls == TC_KEYWORD && strlen(tok_table[i].spelling) == n &&
		    !memcmp(tok_table[i].spelling, s, n))
			return tok_table[i].kind;
	return TOK_IDENT;
}

/* The operator spelled s[0..n), or TOK_OP_OTHER for a lone punctuation character. */
static enum tok tok_operator(const char *s, size_t n)
{
	for (unsigned i = 0; i < TOK__COUNT; i++)
		if (tok_table[i].cls == TC_OPERATOR && strlen(tok_table[i].spelling) == n &&
		    !memcmp(tok_table[i].spelling, s, n))
			return tok_table[i].kind;
	return TOK_OP_OTHER;
}

int lex_init(struct lexer *lx, struct arena *a, const struct lex_file *f, const char *const *args,
	     unsigned nargs)
{
	memset(lx, 0, sizeof(*lx));
	lx->cap = f->len + 1;
	lx->buf = malloc(lx->cap);
	if (!lx->buf)
		return -ENOMEM;
	memcpy(lx->buf, f->text, f->len);
	lx->buf[f->len] = '\0';
	lx->len = f->len;
	lx->arena = a;
	lx->file = f;
	lx->line = 1;
	lx->col = 1;
	lx->args = args;
	lx->nargs = nargs;
	return 0;
}

void lex_release(struct lexer *lx)
{
	if (!lx)
		return;
	free(lx->buf);
	lx->buf = NULL;
}

static int peekc(const struct lexer *lx, size_t n)
{
	return lx->pos + n < lx->len ? (unsigned char)lx->buf[lx->pos + n] : -1;
}

static int getc_(struct lexer *lx)
{
	int c = peekc(lx, 0);

	if (c < 0)
		return c;
	lx->pos++;
	if (lx->suspend) {
		if (--lx->suspend == 0) {
			lx->line = lx->saved_line;
			lx->col = lx->saved_col;
		}
	} else if (c == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	return c;
}

/* Splices s into the input at the cursor; its characters report the location at. */
static void paste(struct lexer *lx, const char *s, size_t n, struct srcloc at)
{
	if (VEC_GROW(lx->buf, lx->cap, lx->len + n) < 0)
		abort();
	memmove(lx->buf + lx->pos + n, lx->buf + lx->pos, lx->len - lx->pos + 1);
	memcpy(lx->buf + lx->pos, s, n);
	lx->len += n;
	if (!n)
		return;
	lx->suspend += n;
	lx->saved_line = lx->line;
	lx->saved_col = lx->col;
	lx->line = at.line;
	lx->col = at.col;
}

char *lex_quote(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n * 4 + 3), *o = out;

	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isprint(c)) {
			*o++ = '\\';
			*o++ = (char)('0' + ((c >> 6) & 7));
			*o++ = (char)('0' + ((c >> 3) & 7));
			*o++ = (char)('0' + (c & 7));
		} else {
			if (c == '"' || c == '\\')
				*o++ = '\\';
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

const char *lex_junk_message(const struct token *t, unsigned nargs, char *buf, size_t size)
{
	static const char *const msgs[] = {
#define TOKEN_JUNK_MSG(name, msg) msg,
		TOK_JUNK_LIST(TOKEN_JUNK_MSG)
#undef TOKEN_JUNK_MSG
	};

	if (t->junk == TOK_JUNK_INVALID_ARG) {
		snprintf(buf, size, "command line argument out of range [1-%u]", nargs);
		return buf;
	}
	return msgs[t->junk];
}

static const struct token *make(struct lexer *lx, struct token *t, enum tok kind, const char *s,
				size_t n)
{
	t->kind = kind;
	t->text = arena_strndup(lx->arena, s, n);
	t->len = n;
	return t;
}

static const struct token *junk(struct lexer *lx, struct token *t, enum tok_junk why, const char *s,
				size_t n)
{
	t->junk = why;
	return make(lx, t, TOK_JUNK, s, n);
}

/* The body of a string literal, after its opening quote. */
static const struct token *scan_string(struct lexer *lx, struct token *t)
{
	size_t n = 0;
	char *out = arena_alloc(lx->arena, lx->len - lx->pos + 2);
	int c;

	out[n++] = '"';
	for (;;) {
		c = getc_(lx);
		if (c < 0 || c == '\n') {
			out[n] = '\0';
			t->junk = TOK_JUNK_UNCLOSED_QUOTE;
			t->kind = TOK_JUNK;
			t->text = out;
			t->len = n;
			return t;
		}
		if (c == '"')
			break;
		if (c == '\\') {
			c = getc_(lx);
			if (c < 0)
				continue;
			if (strchr("xabtnvfr01234567\\", c))
				out[n++] = '\\';
		}
		out[n++] = (char)c;
	}
	out[n] = '\0';
	t->kind = TOK_STRING;
	t->text = out + 1;
	t->len = n - 1;
	return t;
}

static const struct token *scan(struct lexer *lx)
{
	struct token *t = arena_new(lx->arena, struct token);
	bool suspended;
	int c, c2, c3;

	t->loc.file = lx->file;
again:
	suspended = lx->suspend > 0;
	t->loc.line = lx->line;
	t->loc.col = lx->col;
	c = getc_(lx);
	if (c < 0) {
		t->kind = TOK_EOF;
		t->text = "";
		return t;
	}
	if (isspace(c)) {
		t->space_before = true;
		goto again;
	}
	c2 = peekc(lx, 0);

	if ((c == '$' || c == '@') && c2 == '#') {
		char num[16];

		getc_(lx);
		if (suspended)
			return junk(lx, t, TOK_JUNK_NESTED_ARG, c == '$' ? "$#" : "@#", 2);
		snprintf(num, sizeof(num), c == '$' ? "%u" : "\"%u\"", lx->nargs);
		paste(lx, num, strlen(num), t->loc);
		goto again;
	}
	if ((c == '$' || c == '@') && c2 >= 0 && isdigit(c2)) {
		size_t start = lx->pos - 1;
		unsigned idx = 0;

		do {
			getc_(lx);
			idx = idx * 10 + (unsigned)(c2 - '0');
			c2 = peekc(lx, 0);
		} while (c2 >= 0 && isdigit(c2) && idx <= lx->nargs);
		if (suspended)
			return junk(lx, t, TOK_JUNK_NESTED_ARG, lx->buf + start, lx->pos - start);
		if (idx == 0 || idx > lx->nargs)
			return junk(lx, t, TOK_JUNK_INVALID_ARG, lx->buf + start, lx->pos - start);
		if (c == '$') {
			const char *arg = lx->args[idx - 1];

			paste(lx, arg, strlen(arg), t->loc);
		} else {
			const char *arg = lx->args[idx - 1];
			const char *q = lex_quote(lx->arena, arg, strlen(arg));

			paste(lx, q, strlen(q), t->loc);
		}
		goto again;
	}
	if (isalpha(c) || c == '$' || c == '@' || c == '_') {
		size_t start = lx->pos - 1;

		while (c2 >= 0 && (isalnum(c2) || c2 == '_' || c2 == '$')) {
			getc_(lx);
			c2 = peekc(lx, 0);
		}
		make(lx, t, TOK_IDENT, lx->buf + start, lx->pos - start);
		if (c == '@')
			t->kind = TOK_ATWORD;
		else
			t->kind = tok_keyword(t->text, t->len);
		return t;
	}
	if (isdigit(c)) {
		size_t start = lx->pos - 1;

		while (c2 >= 0 && isalnum(c2)) {
			getc_(lx);
			c2 = peekc(lx, 0);
		}
		return make(lx, t, TOK_NUMBER, lx->buf + start, lx->pos - start);
	}
	if (c == '"')
		return scan_string(lx, t);
	if (!ispunct(c)) {
		char hex[8];

		snprintf(hex, sizeof(hex), "\\x%02x", (unsigned)c & 0xffu);
		return junk(lx, t, TOK_JUNK_UNKNOWN, hex, strlen(hex));
	}

	c3 = peekc(lx, 1);
	if (c == '#' || (c == '/' && c2 == '/')) {
		do
			c = getc_(lx);
		while (c >= 0 && c != '\n');
		t->space_before = true;
		goto again;
	}
	if (c == '/' && c2 == '*') {
		getc_(lx);
		c = getc_(lx);
		c2 = getc_(lx);
		while (c2 >= 0 && !(c == '*' && c2 == '/')) {
			c = c2;
			c2 = getc_(lx);
		}
		if (c2 < 0)
			return junk(lx, t, TOK_JUNK_UNCLOSED_COMMENT, "/*", 2);
		t->space_before = true;
		goto again;
	}
	if (c == '%' && c2 == '{') {
		size_t start;

		getc_(lx);
		start = lx->pos;
		for (;;) {
			c = getc_(lx);
			if (c < 0) {
				size_t n = lx->pos - start;
				char *s = arena_alloc(lx->arena, n + 3);

				memcpy(s, "%{", 2);
				memcpy(s + 2, lx->buf + start, n);
				s[n + 2] = '\0';
				return junk(lx, t, TOK_JUNK_UNCLOSED_EMBEDDED, s, n + 2);
			}
			if (c == '%' && peekc(lx, 0) == '}') {
				getc_(lx);
				return make(lx, t, TOK_EMBEDDED, lx->buf + start,
					    lx->pos - 2 - start);
			}
		}
	}

	{
		char op[4] = {(char)c, 0, 0, 0};
		size_t n = 1;
		enum tok kind;

		if (c2 >= 0 && c3 >= 0) {
			op[1] = (char)c2;
			op[2] = (char)c3;
			if (tok_operator(op, 3) != TOK_OP_OTHER)
				n = 3;
		}
		if (n == 1 && c2 >= 0) {
			op[1] = (char)c2;
			op[2] = 0;
			if (tok_operator(op, 2) != TOK_OP_OTHER)
				n = 2;
		}
		op[n] = 0;
		for (size_t i = 1; i < n; i++)
			getc_(lx);
		kind = tok_operator(op, n);
		return make(lx, t, kind, op, n);
	}
}

const struct token *lex_next(struct lexer *lx)
{
	const struct token *t = lx->peeked;

	if (t)
		lx->peeked = NULL;
	else
		t = scan(lx);
	if (t->kind != TOK_EOF)
		lx->saw_tokens = true;
	return t;
}

const struct token *lex_peek(struct lexer *lx)
{
	if (!lx->peeked)
		lx->peeked = scan(lx);
	return lx->peeked;
}
