/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_LEX_H
#define LANG_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "lang/token.h"

/*
 * The scanner.  It reads a working copy of the file, because script arguments are pasted into
 * the character stream as stap does: $1..$N as raw text, @1..@N as quoted strings, $# and @# as
 * the count.  Tokens read from pasted text carry the location of the $N that produced them.
 */
struct lexer {
	struct arena *arena;
	const struct lex_file *file;
	char *buf;
	size_t len;
	size_t cap;
	size_t pos;
	uint32_t line;
	uint32_t col;
	size_t suspend;
	uint32_t saved_line;
	uint32_t saved_col;
	const char *const *args;
	unsigned nargs;
	const struct token *peeked;
	bool saw_tokens;
};

/* Starts scanning f; args are the script arguments ($1 is args[0]).  Tokens live in a. */
int lex_init(struct lexer *lx, struct arena *a, const struct lex_file *f, const char *const *args,
	     unsigned nargs);
void lex_release(struct lexer *lx);
/* The next token; TOK_EOF forever once the input is exhausted.  Never NULL. */
const struct token *lex_next(struct lexer *lx);
const struct token *lex_peek(struct lexer *lx);
/* The message of a junk token, as the parser reports it. */
const char *lex_junk_message(const struct token *t, unsigned nargs, char *buf, size_t size);
/* s as a stap string literal: quoted, '"' and '\' escaped, unprintable bytes as \ooo. */
char *lex_quote(struct arena *a, const char *s, size_t n);

#endif
