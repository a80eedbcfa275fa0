/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_DIAG_H
#define LANG_DIAG_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/token.h"
#include "util/strbuf.h"

/* A note is a plain line ("2 parse errors."), counted as neither. */
enum diag_severity {
	DIAG_ERROR,
	DIAG_WARNING,
	DIAG_NOTE,
};

/*
 * How a diagnostic points at its token, in stap's words: "at:" when the error is about that
 * token, "saw:" when the parser expected something else there.
 */
enum diag_mark {
	DIAG_AT,
	DIAG_SAW,
	DIAG_INLINE, /* pass 2's form: "msg: identifier 'x' at f:1:2", the source, a blank line */
};

/*
 * One diagnostic.  Everything it shows of its token is rendered when it is added, so the list
 * outlives the tokens (and the tree that owns them).  line and col are 0 at the end of input.
 */
struct diag {
	enum diag_severity severity;
	const char *kind;
	char *msg;
	char *detail;
	uint32_t line;
	uint32_t col;
	bool inline_;
	struct diag *next;
};

/* The diagnostics of a pass, reported together.  A zeroed struct is an empty list. */
struct diag_list {
	struct diag *head;
	struct diag *tail;
	unsigned errors;
	unsigned warnings;
};

/*
 * kind is the pass's word for its errors ("parse error", "semantic error"); with a NULL kind
 * the message is printed alone, as it is.  tok is what the
 * diagnostic points at; NULL or a TOK_EOF token stands for the end of eof_file.
 */
void diag_add(struct diag_list *dl, enum diag_severity sev, const char *kind, enum diag_mark mark,
	      const struct token *tok, const char *eof_file, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void diag_release(struct diag_list *dl);
/* Appends every diagnostic, in the order they were added, as stap prints them. */
void diag_render(const struct diag_list *dl, struct strbuf *out);
void diag_render_one(const struct diag *d, struct strbuf *out);
/* "identifier 'x' at f.stp:1:2", stap's description of a token. */
void diag_describe_token(const struct token *t, struct strbuf *out);
/* The "source:" line of t's file and a caret under t's column. */
void diag_render_source(const struct token *t, const char *align, struct strbuf *out);

#endif
