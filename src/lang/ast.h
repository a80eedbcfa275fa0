/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_AST_H
#define LANG_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "lang/token.h"
#include "util/strbuf.h"
#include "vm/rt/stat.h"

/*
 * The syntax tree of a script: tagged unions allocated in the arena of a struct ast_file.  Every
 * node keeps the token it starts at (tok) for diagnostics.  Lists are arrays with a count.
 */

enum ast_type {
	AST_TYPE_UNKNOWN,
	AST_TYPE_LONG,
	AST_TYPE_STRING,
	AST_TYPE_STATS,
};

#define AST_EXPR_LIST(X)                                                           \
	X(NUMBER)   /* num */                                                      \
	X(STRING)   /* str */                                                      \
	X(SYMBOL)   /* sym: a local, global or array name */                       \
	X(BINARY)   /* bin: * / % + - << >> >>> & ^ | */                           \
	X(LOGICAL)  /* bin: && || */                                               \
	X(COMPARE)  /* bin: < > <= >= == != */                                     \
	X(CONCAT)   /* bin: . */                                                   \
	X(REGEX)    /* bin: =~ !~, right is a STRING */                            \
	X(ASSIGN)   /* bin: = <<< += -= *= /= %= <<= >>= &= ^= |= .= */            \
	X(UNARY)    /* un: + - ! ~ */                                              \
	X(PREINC)   /* un: ++x --x */                                              \
	X(POSTINC)  /* un: x++ x-- */                                              \
	X(TERNARY)  /* tern */                                                     \
	X(INDEX)    /* index: base[k1, k2]; a NULL key is '*' */                   \
	X(IN)	    /* in: [k1, k2] in base; index is an INDEX node */             \
	X(CALL)	    /* call: f(a, b) */                                            \
	X(PRINT)    /* print: printf and its family */                             \
	X(STAT)	    /* stat: @count(x) ... @variance(x, n) */                      \
	X(HIST)	    /* hist: @hist_linear(x, lo, hi, step), @hist_log(x) */        \
	X(TARGET)   /* target: $var with components */                             \
	X(CAST)	    /* target: @cast(ptr, "type" [, "module"]) with components */  \
	X(ATVAR)    /* target: @var("name[@file]" [, "module"]) with components */ \
	X(AUTOCAST) /* target: (expr)->member, components on any expression */     \
	X(DEFINED)  /* op: @defined(expr) */                                       \
	X(ENTRY)    /* op: @entry(expr) */                                         \
	X(PERF)	    /* op: @perf("name"), operand a STRING */                      \
	X(EMBEDDED) /* embedded: %{ code %} as an expression (guru) */

enum ast_expr_kind {
#define AST_EXPR_ENUM(name) AST_E_##name,
	AST_EXPR_LIST(AST_EXPR_ENUM)
#undef AST_EXPR_ENUM
};

/* The VM's extractors (RT_STAT_OPS in vm/rt/stat.h), with the same values. */
enum ast_stat_op {
	AST_STAT_NONE = RT_STAT_NONE,
#define AST_STAT_ENUM(id, name) AST_STAT_##id = RT_STAT_##id,
	RT_STAT_OPS(AST_STAT_ENUM)
#undef AST_STAT_ENUM
};

enum ast_hist_kind {
	AST_HIST_LINEAR,
	AST_HIST_LOG,
};

enum ast_comp_kind {
	AST_COMP_MEMBER,       /* ->name */
	AST_COMP_INDEX_LIT,    /* [3] */
	AST_COMP_INDEX_EXPR,   /* [i + 1] */
	AST_COMP_PRETTY_PRINT, /* $ or $$ suffix: name is "$" or "$$" */
};

struct ast_expr;

struct ast_target_comp {
	enum ast_comp_kind kind;
	const struct token *tok;
	const char *name;
	int64_t index;
	struct ast_expr *expr;
};

/* The flags of print_format::create: which member of the printf family. */
enum ast_print_flags {
	AST_PRINT_STREAM = 1 << 0,  /* print*, not sprint* */
	AST_PRINT_FORMAT = 1 << 1,  /* printf, sprintf */
	AST_PRINT_DELIM = 1 << 2,   /* printd, printdln */
	AST_PRINT_NEWLINE = 1 << 3, /* println, printdln */
	AST_PRINT_CHAR = 1 << 4,    /* print_char */
};

struct ast_expr {
	enum ast_expr_kind kind;
	const struct token *tok;
	/* Filled by pass 2: the inferred type and what a SYMBOL, INDEX, CALL refers to. */
	enum ast_type type;
	void *ref;
	union {
		struct {
			int64_t value;
		} num;
		struct {
			/* raw: as written, escapes kept ("\n" is two bytes); value: decoded. */
			const char *raw;
			size_t raw_len;
			const char *value;
			size_t len;
		} str;
		struct {
			const char *name;
		} sym;
		struct {
			enum tok op;
			struct ast_expr *left;
			struct ast_expr *right;
		} bin;
		struct {
			enum tok op;
			struct ast_expr *operand;
		} un;
		struct {
			struct ast_expr *cond;
			struct ast_expr *then;
			struct ast_expr *els;
		} tern;
		struct {
			struct ast_expr *base; /* SYMBOL or HIST */
			struct ast_expr **keys;
			unsigned nkeys;
		} index;
		struct {
			struct ast_expr *index; /* INDEX */
		} in;
		struct {
			const char *name;
			struct ast_expr **args;
			unsigned nargs;
		} call;
		struct {
			const char *name;
			unsigned flags;	    /* enum ast_print_flags */
			const char *format; /* raw format string, AST_PRINT_FORMAT */
			const char *delim;  /* raw delimiter, AST_PRINT_DELIM */
			struct ast_expr *hist;
			struct ast_expr **args;
			unsigned nargs;
		} print;
		struct {
			enum ast_stat_op op;
			struct ast_expr *operand;
			bool has_param;
			int64_t param;
		} stat;
		struct {
			enum ast_hist_kind kind;
			struct ast_expr *operand;
			int64_t lo, hi, step;
		} hist;
		struct {
			const char *name;	  /* "$var", "@cast", "@var" */
			struct ast_expr *operand; /* CAST, AUTOCAST */
			const char *type_name;	  /* CAST: raw; ATVAR: the target name */
			const char *module;	  /* raw, NULL if absent */
			bool addressof;
			struct ast_target_comp *comps;
			unsigned ncomps;
		} target;
		struct {
			struct ast_expr *operand;
		} op;
		struct {
			const char *code;
		} embedded;
	};
};

#define AST_STMT_LIST(X) \
	X(BLOCK)         \
	X(EXPR)          \
	X(NULL)          \
	X(IF)            \
	X(WHILE)         \
	X(FOR)           \
	X(FOREACH)       \
	X(BREAK)         \
	X(CONTINUE)      \
	X(NEXT)          \
	X(RETURN)        \
	X(DELETE)        \
	X(TRY)

enum ast_stmt_kind {
#define AST_STMT_ENUM(name) AST_S_##name,
	AST_STMT_LIST(AST_STMT_ENUM)
#undef AST_STMT_ENUM
};

struct ast_stmt {
	enum ast_stmt_kind kind;
	const struct token *tok;
	union {
		struct {
			struct ast_stmt **stmts;
			unsigned n;
		} block;
		struct {
			struct ast_expr *e;
		} expr; /* EXPR, RETURN (e may be NULL), DELETE */
		struct {
			struct ast_expr *cond;
			struct ast_stmt *then;
			struct ast_stmt *els;
		} if_;
		struct {
			struct ast_stmt *init; /* EXPR or NULL */
			struct ast_expr *cond; /* WHILE, FOR: never NULL (an omitted one is 1) */
			struct ast_stmt *incr; /* EXPR or NULL */
			struct ast_stmt *body;
		} loop;
		struct {
			struct ast_expr *value; /* SYMBOL or NULL: foreach (v = [k] in a) */
			struct ast_expr **keys; /* SYMBOLs */
			unsigned nkeys;
			struct ast_expr *base;	 /* SYMBOL or HIST */
			struct ast_expr **slice; /* a[k, *]: NULL entries are '*' */
			unsigned nslice;
			int sort_dir;	   /* -1, 0, +1 */
			unsigned sort_col; /* 0: the value, 1..nkeys: a key */
			enum ast_stat_op sort_aggr;
			struct ast_expr *limit;
			struct ast_stmt *body;
		} foreach;
		struct {
			struct ast_stmt *body;	    /* BLOCK */
			struct ast_expr *catch_var; /* SYMBOL or NULL */
			struct ast_stmt *handler;   /* BLOCK */
		} try_;
	};
};

struct ast_pp_comp {
	const char *functor;
	const struct token *tok;
	struct ast_expr *arg; /* NUMBER, STRING or NULL */
};

struct ast_probe_point {
	const struct token *tok;
	struct ast_pp_comp *comps;
	unsigned ncomps;
	bool optional;	 /* '?' (also set by '!') */
	bool sufficient; /* '!' */
	struct ast_expr *cond;
};

struct ast_probe {
	const struct token *tok;
	struct ast_probe_point **points;
	unsigned npoints;
	struct ast_stmt *body;
	/* An alias: probe NAME = points (epilogue: +=). */
	bool is_alias;
	bool epilogue;
	struct ast_probe_point **names;
	unsigned nnames;
};

struct ast_global {
	const struct token *tok;
	const char *name;
	bool private_;
	bool wrap;
	int64_t maxsize; /* 0: default */
	struct ast_expr *init;
};

struct ast_param {
	const struct token *tok;
	const char *name;
	enum ast_type type;
};

struct ast_function {
	const struct token *tok;
	const char *name;
	bool private_;
	enum ast_type type;
	struct ast_param *params;
	unsigned nparams;
	int64_t priority;
	struct ast_stmt *body; /* BLOCK, or NULL for embedded code */
	const char *embedded;  /* the %{ %} body */
	const struct token *etok;
};

struct ast_embed {
	const struct token *tok;
	const char *code;
};

struct ast_file {
	const char *name;
	struct arena arena;
	struct ast_global **globals;
	unsigned nglobals;
	struct ast_probe **probes;
	unsigned nprobes;
	struct ast_probe **aliases;
	unsigned naliases;
	struct ast_function **functions;
	unsigned nfunctions;
	struct ast_embed **embeds;
	unsigned nembeds;
};

/*
 * A growable array of pointers in arena memory (growing leaves the old copy in the arena), so a
 * list abandoned by a syntax error needs no cleanup.  A zeroed struct is an empty list.
 */
struct ast_vec {
	void **v;
	unsigned n;
	unsigned cap;
};

void ast_vec_push(struct arena *a, struct ast_vec *vec, void *p);
/* The elements (never NULL), their count in *ret_n. */
void *ast_vec_finish(struct arena *a, struct ast_vec *vec, unsigned *ret_n);

struct ast_expr *ast_expr_new(struct arena *a, enum ast_expr_kind kind, const struct token *tok);
struct ast_stmt *ast_stmt_new(struct arena *a, enum ast_stmt_kind kind, const struct token *tok);
/* Deep copies in a (NULL for NULL), with pass 2's results (ref) cleared; tokens are shared. */
struct ast_expr *ast_expr_copy(struct arena *a, const struct ast_expr *e);
struct ast_stmt *ast_stmt_copy(struct arena *a, const struct ast_stmt *s);

/*
 * ast_walk.c: a pre-order walk of a tree.  Each callback (NULL: go on) sees a node before its
 * parts and returns false to keep the walk out of them.  A pass embeds the visitor in its own
 * state and finds it again from v.
 */
struct ast_visitor {
	bool (*expr)(struct ast_visitor *v, struct ast_expr *e);
	bool (*stmt)(struct ast_visitor *v, struct ast_stmt *s);
};
void ast_walk_expr(struct ast_visitor *v, struct ast_expr *e);
void ast_walk_stmt(struct ast_visitor *v, struct ast_stmt *s);

const char *ast_expr_kind_name(enum ast_expr_kind kind);
const char *ast_stmt_kind_name(enum ast_stmt_kind kind);
/*
 * Decodes the escapes of a string as the lexer kept them (\a \b \t \n \v \f \r \\, octal \ooo,
 * hex \xHH) into arena memory; *ret_len gets the length (the result may hold NULs).
 */
const char *ast_string_decode(struct arena *a, const char *raw, size_t n, size_t *ret_len);
void ast_file_free(struct ast_file *f);

/* stap -p1: "# file NAME", then embedded code, globals, aliases, probes and functions. */
void ast_print_file(const struct ast_file *f, struct strbuf *out);
void ast_print_expr(const struct ast_expr *e, struct strbuf *out);
void ast_print_stmt(const struct ast_stmt *s, struct strbuf *out);
void ast_print_probe_point(const struct ast_probe_point *pp, struct strbuf *out);

#endif
