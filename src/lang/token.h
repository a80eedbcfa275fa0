/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_TOKEN_H
#define LANG_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every token kind, one row each: name, spelling, class.  The class is what diagnostics call the
 * token ("operator '}'", "identifier 'x'", "keyword"), as stap does.  Operators are listed so
 * that the lexer can match them longest first (ORDER TOKEN: the lexer relies on every
 * multi-character operator being spelled here; the order of the rows does not matter).
 */
#define TOKEN_LIST(X)                             \
	X(EOF, "end of file", TC_EOF)             \
	X(JUNK, "junk", TC_JUNK)                  \
	X(IDENT, "identifier", TC_IDENT)          \
	X(NUMBER, "number", TC_NUMBER)            \
	X(STRING, "string", TC_STRING)            \
	X(EMBEDDED, "embedded-code", TC_EMBEDDED) \
	X(ATWORD, "@word", TC_OPERATOR)           \
	X(OP_OTHER, "operator", TC_OPERATOR)      \
	X(SHL_ACC, "<<<", TC_OPERATOR)            \
	X(USHR, ">>>", TC_OPERATOR)               \
	X(SHL_ASSIGN, "<<=", TC_OPERATOR)         \
	X(SHR_ASSIGN, ">>=", TC_OPERATOR)         \
	X(EQ, "==", TC_OPERATOR)                  \
	X(NE, "!=", TC_OPERATOR)                  \
	X(LE, "<=", TC_OPERATOR)                  \
	X(GE, ">=", TC_OPERATOR)                  \
	X(MATCH, "=~", TC_OPERATOR)               \
	X(NOMATCH, "!~", TC_OPERATOR)             \
	X(ADD_ASSIGN, "+=", TC_OPERATOR)          \
	X(SUB_ASSIGN, "-=", TC_OPERATOR)          \
	X(MUL_ASSIGN, "*=", TC_OPERATOR)          \
	X(DIV_ASSIGN, "/=", TC_OPERATOR)          \
	X(MOD_ASSIGN, "%=", TC_OPERATOR)          \
	X(AND_ASSIGN, "&=", TC_OPERATOR)          \
	X(XOR_ASSIGN, "^=", TC_OPERATOR)          \
	X(OR_ASSIGN, "|=", TC_OPERATOR)           \
	X(CAT_ASSIGN, ".=", TC_OPERATOR)          \
	X(LAND, "&&", TC_OPERATOR)                \
	X(LOR, "||", TC_OPERATOR)                 \
	X(INC, "++", TC_OPERATOR)                 \
	X(DEC, "--", TC_OPERATOR)                 \
	X(ARROW, "->", TC_OPERATOR)               \
	X(SHL, "<<", TC_OPERATOR)                 \
	X(SHR, ">>", TC_OPERATOR)                 \
	X(PP_OPEN, "%(", TC_OPERATOR)             \
	X(PP_THEN, "%?", TC_OPERATOR)             \
	X(PP_ELSE, "%:", TC_OPERATOR)             \
	X(PP_CLOSE, "%)", TC_OPERATOR)            \
	X(LPAREN, "(", TC_OPERATOR)               \
	X(RPAREN, ")", TC_OPERATOR)               \
	X(LBRACE, "{", TC_OPERATOR)               \
	X(RBRACE, "}", TC_OPERATOR)               \
	X(LBRACKET, "[", TC_OPERATOR)             \
	X(RBRACKET, "]", TC_OPERATOR)             \
	X(SEMI, ";", TC_OPERATOR)                 \
	X(COMMA, ",", TC_OPERATOR)                \
	X(DOT, ".", TC_OPERATOR)                  \
	X(COLON, ":", TC_OPERATOR)                \
	X(QUESTION, "?", TC_OPERATOR)             \
	X(ASSIGN, "=", TC_OPERATOR)               \
	X(PLUS, "+", TC_OPERATOR)                 \
	X(MINUS, "-", TC_OPERATOR)                \
	X(STAR, "*", TC_OPERATOR)                 \
	X(SLASH, "/", TC_OPERATOR)                \
	X(PERCENT, "%", TC_OPERATOR)              \
	X(AMP, "&", TC_OPERATOR)                  \
	X(PIPE, "|", TC_OPERATOR)                 \
	X(CARET, "^", TC_OPERATOR)                \
	X(TILDE, "~", TC_OPERATOR)                \
	X(BANG, "!", TC_OPERATOR)                 \
	X(LT, "<", TC_OPERATOR)                   \
	X(GT, ">", TC_OPERATOR)                   \
	X(KW_PROBE, "probe", TC_KEYWORD)          \
	X(KW_GLOBAL, "global", TC_KEYWORD)        \
	X(KW_PRIVATE, "private", TC_KEYWORD)      \
	X(KW_FUNCTION, "function", TC_KEYWORD)    \
	X(KW_IF, "if", TC_KEYWORD)                \
	X(KW_ELSE, "else", TC_KEYWORD)            \
	X(KW_FOR, "for", TC_KEYWORD)              \
	X(KW_FOREACH, "foreach", TC_KEYWORD)      \
	X(KW_IN, "in", TC_KEYWORD)                \
	X(KW_LIMIT, "limit", TC_KEYWORD)          \
	X(KW_RETURN, "return", TC_KEYWORD)        \
	X(KW_DELETE, "delete", TC_KEYWORD)        \
	X(KW_WHILE, "while", TC_KEYWORD)          \
	X(KW_BREAK, "break", TC_KEYWORD)          \
	X(KW_CONTINUE, "continue", TC_KEYWORD)    \
	X(KW_NEXT, "next", TC_KEYWORD)            \
	X(KW_STRING, "string", TC_KEYWORD)        \
	X(KW_LONG, "long", TC_KEYWORD)            \
	X(KW_TRY, "try", TC_KEYWORD)              \
	X(KW_CATCH, "catch", TC_KEYWORD)

enum tok {
#define TOKEN_ENUM(name, spelling, cls) TOK_##name,
	TOKEN_LIST(TOKEN_ENUM)
#undef TOKEN_ENUM
	TOK__COUNT
};

/* What diagnostics call a token. */
enum tok_class {
	TC_EOF,
	TC_JUNK,
	TC_IDENT,
	TC_NUMBER,
	TC_STRING,
	TC_EMBEDDED,
	TC_OPERATOR,
	TC_KEYWORD,
};

/* Why the lexer made a junk token; the parser reports it where it meets the token. */
#define TOK_JUNK_LIST(X)                                                                      \
	X(NONE, "unknown junk token")                                                         \
	X(UNKNOWN, "unknown junk token")                                                      \
	X(NESTED_ARG, "invalid nested substitution of command line arguments")                \
	X(INVALID_ARG, "command line argument out of range [1-%u]")                           \
	X(UNCLOSED_QUOTE, "Could not find matching closing quote")                            \
	X(UNCLOSED_EMBEDDED, "Could not find matching '%}' to close embedded function block") \
	X(UNCLOSED_COMMENT, "Could not find matching '*/' to close comment")

enum tok_junk {
#define TOKEN_JUNK_ENUM(name, msg) TOK_JUNK_##name,
	TOK_JUNK_LIST(TOKEN_JUNK_ENUM)
#undef TOKEN_JUNK_ENUM
};

/* A script's source: its name as diagnostics print it and its text as it was read. */
struct lex_file {
	const char *name;
	const char *text;
	size_t len;
};

struct srcloc {
	const struct lex_file *file;
	uint32_t line;
	uint32_t col;
};

/*
 * A token.  text is NUL-terminated: the spelling of identifiers, keywords and operators, the
 * digits of a number, the content of a string with its escapes kept as written (stap passes them
 * through; "\"" is the one escape resolved), the code between %{ and %}.  space_before says
 * whether whitespace or a comment preceded it (probe point globs are glued only when adjacent).
 * chain, for a token that came out of a macro body, is the invocation that expanded it.
 */
struct token {
	enum tok kind;
	enum tok_junk junk;
	bool space_before;
	struct srcloc loc;
	const char *text;
	size_t len;
	const struct token *chain;
};

const char *tok_spelling(enum tok kind);
enum tok_class tok_class(enum tok kind);
/* The keyword spelled s[0..n), or TOK_IDENT. */
enum tok tok_keyword(const char *s, size_t n);

#endif
