/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diag: diagnostics of the language passes, collected in a list and rendered together once the
 * pass ends, in stap's format so that users (and golden tests) see what stap would print:
 *
 *	parse error: expected ';'
 *		saw: identifier 'y' at script.stp:3:12
 *	     source:         for (i = 0 y < 3; i++)
 *	                                ^
 *
 * The source line is the file as it was read (before script arguments were pasted in).  The
 * caret line copies whitespace from the source line, so tabs keep it aligned.  A token that came
 * out of a macro body adds one "in expansion of macro:" pair of lines per invocation.  At the end
 * of the input there is no token to show: "saw: NAME EOF".
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/diag.h"

/* What follows the message: where, the source line, the macro expansions it came through. */
static void render_detail(struct diag *d, enum diag_mark mark, const struct token *t,
			  const char *eof_file)
{
	static const char align[] = "     ";
	struct strbuf sb = {0};

	if (!d->kind || d->severity == DIAG_NOTE) {
		sb_putc(&sb, '\n');
	} else if (d->severity == DIAG_WARNING) {
		if (t && t->kind != TOK_EOF) {
			sb_append(&sb, ": ", 2);
			diag_describe_token(t, &sb);
			sb_putc(&sb, '\n');
			diag_render_source(t, " ", &sb);
		} else {
			sb_putc(&sb, '\n');
		}
	} else if (mark == DIAG_INLINE) {
		if (t && t->kind != TOK_EOF) {
			sb_append(&sb, ": ", 2);
			diag_describe_token(t, &sb);
			sb_putc(&sb, '\n');
			diag_render_source(t, "        ", &sb);
		} else {
			sb_putc(&sb, '\n');
		}
		sb_putc(&sb, '\n');
	} else if (!t || t->kind == TOK_EOF) {
		sb_printf(&sb, "\tsaw: %s EOF\n", eof_file ? eof_file : "<input>");
	} else {
		sb_printf(&sb, "\t%s: ", mark == DIAG_AT ? "at" : "saw");
		diag_describe_token(t, &sb);
		sb_putc(&sb, '\n');
		diag_render_source(t, align, &sb);
		unsigned n = 0;

		for (const struct token *c = t->chain; c && n < 10; c = c->chain, n++) {
			sb_printf(&sb, "\tin expansion of macro: ");
			diag_describe_token(c, &sb);
			sb_putc(&sb, '\n');
			diag_render_source(c, align, &sb);
		}
	}
	d->detail = strdup(sb_str(&sb));
	sb_release(&sb);
	if (!d->detail)
		abort();
}

void diag_add(struct diag_list *dl, enum diag_severity sev, const char *kind, enum diag_mark mark,
	      const struct token *tok, const char *eof_file, const char *fmt, ...)
{
	struct diag *d = calloc(1, sizeof(*d));
	va_list ap;

	if (!d)
		abort();
	va_start(ap, fmt);
	if (vasprintf(&d->msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	d->severity = sev;
	d->kind = kind;
	d->inline_ = mark == DIAG_INLINE;
	if (tok && tok->kind != TOK_EOF) {
		d->line = tok->loc.line;
		d->col = tok->loc.col;
	}
	render_detail(d, mark, tok, eof_file);
	if (dl->tail)
		dl->tail->next = d;
	else
		dl->head = d;
	dl->tail = d;
	if (sev == DIAG_ERROR)
		dl->errors++;
	else if (sev == DIAG_WARNING)
		dl->warnings++;
}

void diag_release(struct diag_list *dl)
{
	struct diag *d = dl ? dl->head : NULL;

	while (d) {
		struct diag *next = d->next;

		free(d->msg);
		free(d->detail);
		free(d);
		d = next;
	}
	if (dl)
		memset(dl, 0, sizeof(*dl));
}

static const char *class_name(enum tok_class c)
{
	switch (c) {
	case TC_JUNK:
		return "junk";
	case TC_IDENT:
		return "identifier";
	case TC_OPERATOR:
		return "operator";
	case TC_STRING:
		return "string";
	case TC_NUMBER:
		return "number";
	case TC_EMBEDDED:
		return "embedded-code";
	case TC_KEYWORD:
		return "keyword";
	case TC_EOF:
		break;
	}
	return "unknown token";
}

void diag_describe_token(const struct token *t, struct strbuf *out)
{
	enum tok_class c = tok_class(t->kind);

	sb_printf(out, "%s", class_name(c));
	if (c != TC_EMBEDDED && c != TC_KEYWORD) {
		sb_append(out, " '", 2);
		for (size_t i = 0; i < t->len; i++)
			sb_putc(out, isprint((unsigned char)t->text[i]) ? t->text[i] : '?');
		sb_putc(out, '\'');
	}
	sb_printf(out, " at %s:%u:%u", t->loc.file ? t->loc.file->name : "?", t->loc.line,
		  t->loc.col);
}

void diag_render_source(const struct token *t, const char *align, struct strbuf *out)
{
	const struct lex_file *f = t->loc.file;
	const char *s, *end, *eol;
	uint32_t line = 1;

	if (!f || !f->text)
		return;
	s = f->text;
	end = f->text + f->len;
	while (line < t->loc.line && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		if (!nl)
			return;
		s = nl + 1;
		line++;
	}
	eol = memchr(s, '\n', (size_t)(end - s));
	if (!eol)
		eol = end;
	sb_printf(out, "%ssource: ", align);
	sb_append(out, s, (size_t)(eol - s));
	sb_printf(out, "\n%s        ", align);
	for (uint32_t i = 1; i < t->loc.col; i++) {
		const char *c = s + i - 1;

		sb_putc(out, c < eol && isspace((unsigned char)*c) ? *c : ' ');
	}
	sb_append(out, "^\n", 2);
}

void diag_render_one(const struct diag *d, struct strbuf *out)
{
	if (!d->kind || d->severity == DIAG_NOTE)
		sb_printf(out, "%s%s", d->msg, d->detail);
	else if (d->severity == DIAG_WARNING)
		sb_printf(out, "WARNING: %s%s", d->msg, d->detail);
	else if (d->inline_)
		sb_printf(out, "%s: %s%s", d->kind, d->msg, d->detail);
	else
		sb_printf(out, "%s: %s\n%s", d->kind, d->msg, d->detail);
}

void diag_render(const struct diag_list *dl, struct strbuf *out)
{
	for (const struct diag *d = dl->head; d; d = d->next)
		diag_render_one(d, out);
}
