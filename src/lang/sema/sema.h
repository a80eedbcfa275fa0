/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_SEMA_SEMA_H
#define LANG_SEMA_SEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/ast.h"
#include "lang/diag.h"
#include "vm/program.h"
#include "vm/rt/target.h"
#include "vm/rt/user.h"

/*
 * Pass 2, elaboration: the parse tree plus what it means.  Every SYMBOL, INDEX, IN and CALL of
 * the tree points (ast_expr.ref) at a struct sema_var or struct sema_func, every expression has
 * its type (ast_expr.type), and every probe point is resolved to a struct sema_point.  The
 * passes run in order over one struct sema_program: probes.c (probe points), entry.c (@entry
 * and the $variables of .return probes), resolve.c (names, arity), types.c (types), usage.c
 * (reads, writes, foreach rules).
 */

#define SEMA_MAX_KEYS 9

enum sema_scope {
	SEMA_GLOBAL,
	SEMA_LOCAL,
	SEMA_PARAM,
};

enum sema_hist {
	SEMA_HIST_NONE,
	SEMA_HIST_LOG,
	SEMA_HIST_LINEAR,
};

struct sema_var {
	const char *name;
	const struct token *tok; /* declaration or first use */
	enum sema_scope scope;
	enum ast_type type;
	const struct token *type_tok; /* where the type was first inferred */
	int nkeys;		      /* -1: not known yet; 0: a scalar */
	enum ast_type keys[SEMA_MAX_KEYS];
	const struct token *keys_tok;
	unsigned index; /* globals: in program; locals: slot in the frame */
	bool read, written;
	bool reported; /* a type error named it already */
	/* Globals only. */
	const struct ast_global *decl;
	bool wrap;
	int64_t maxsize;
	enum sema_hist hist;
	int64_t hist_lo, hist_hi, hist_step;
	const struct token *hist_tok;
	int64_t variance_shift;
};

enum sema_point_kind {
	SEMA_PP_BEGIN,
	SEMA_PP_END,
	SEMA_PP_ERROR,
	SEMA_PP_NEVER,
	SEMA_PP_TIMER,
	SEMA_PP_PROCESS,
};

/* One resolved probe point of a probe; a probe with two points has two. */
struct sema_point {
	enum sema_point_kind kind;
	const struct ast_probe_point *pp;
	const char *text; /* the point as written, "timer.ms(100)" */
	int64_t priority; /* begin(N), end(N), error(N) */
	uint64_t interval_ns;
	uint64_t randomize_ns;
	/* Through a probe alias: "ALIAS = POINTS <- ... <- the point as written", for -p2. */
	const char *derivation;
	/* Process points: one per matched function, site or event; any point through an alias. */
	const char *orig; /* the point as written, when text is its expansion (pn()) */
	enum vm_proc_event event;
	const char *proc_path; /* canonical executable; NULL: the -c/-x target */
	int64_t proc_pid;      /* process(PID), else 0 */
	const char *module;    /* the file probed: the executable or a library */
	const char *func;      /* function, PLT or mark name */
	uint64_t offset;       /* file offset of the probe in module */
	uint64_t vaddr;	       /* its address in the file */
	struct rt_sdt_arg *sdt_args;
	unsigned sdt_nargs;
	uint64_t sdt_semaphore; /* file offset of the marker's semaphore, 0 for none */
	/*
	 * The entry half of a .return probe with @entry (entry.c): saves the values under the
	 * call's return-address slot, found from the function's address (vaddr - entry_delta).
	 */
	bool saves_entry;
	uint64_t entry_delta;
	/* DWARF: the function's file address and prologue end; target variables (target.c). */
	bool has_dwarf;
	struct rt_tv_expr *tv;
	unsigned ntv, captv;
};

struct sema_scope_vars {
	struct sema_var **v;
	unsigned n;
	unsigned cap;
};

struct sema_probe {
	const struct ast_probe *probe;
	struct ast_stmt *body; /* with the condition and alias prologues folded in */
	struct sema_point *points;
	unsigned npoints;
	unsigned cap;
	struct sema_scope_vars locals;
	unsigned index;
};

struct sema_func {
	const struct ast_function *fn;
	const char *name;
	enum ast_type ret; /* AST_TYPE_UNKNOWN: returns nothing */
	const struct token *ret_tok;
	bool returns_value;
	struct sema_scope_vars locals; /* the parameters first */
	unsigned nparams;
	bool used;
	unsigned index;
};

struct sema_limits {
	int64_t maxaction;
	int64_t maxstringlen;
	int64_t maxmapentries;
	int64_t maxnesting;
	/* Not a limit: the -c/-x target's executable, for a bare process(...).function. */
	const char *target_path;
	/* --skip-badvars: an unresolvable $variable is 0. */
	bool skip_badvars;
	/* -g: $variables may be written ($var = v, target_vars.c). */
	bool guru;
};

struct sema_program {
	struct ast_file *file;
	struct arena *arena;
	struct diag_list *dl;
	struct sema_scope_vars globals;
	struct sema_func **funcs;
	unsigned nfuncs;
	struct sema_probe **probes;
	unsigned nprobes;
	struct sema_limits limits;
};

/* The marker of a type in stap's words: "long", "string", "stats", "unknown". */
const char *sema_type_name(enum ast_type t);

/*
 * Pass 2 over f (which the program borrows): every diagnostic goes to dl, in stap's format,
 * the errors of the whole pass together.  Returns 0, or -EINVAL when the script has semantic
 * errors (*ret untouched).  The program lives in f's arena.
 */
int sema_elaborate(struct ast_file *f, const struct sema_limits *limits, struct diag_list *dl,
		   struct sema_program **ret);

/* The passes, in the order sema_elaborate runs them; each returns the number of errors. */
unsigned sema_resolve(struct sema_program *p);
unsigned sema_probes(struct sema_program *p);
unsigned sema_entry(struct sema_program *p);
unsigned sema_types(struct sema_program *p);
unsigned sema_usage(struct sema_program *p);

/*
 * stap -p2: globals with their types, functions, then the resolved probes with their locals;
 * with verbose > 1 the bodies too.
 */
void sema_print(const struct sema_program *p, int verbose, struct strbuf *out);
/*
 * stap -l / -L (list.c): every point of the probes, sorted, once, one a line; with_vars adds
 * the context variables of each.  0, or -ENOMEM (out has the lines gathered until then).
 */
int sema_list(const struct sema_program *p, bool with_vars, struct strbuf *out);
/* Whether a global takes part in the program (used somewhere, so it has a shape). */
bool sema_global_live(const struct sema_var *v);

/* The built-in a resolved CALL binds to, or -1 for a script function. */
int sema_call_builtin(const struct ast_expr *call);

/*
 * process.c: resolves a process(...) point into sp's points (a glob gives one per match).
 * Returns NULL, or the reason it does not resolve (*where: the token to blame, NULL for none).
 */
const char *sema_process_point(struct sema_program *p, struct sema_probe *sp,
			       const struct ast_probe_point *pp, const struct token **where);
/* A new zeroed point at the end of sp's points. */
struct sema_point *sema_point_add(struct sema_program *p, struct sema_probe *sp);
/*
 * context.c: a $name of a probe body ($argN, $syscall, $return, $$name) rewritten into a call
 * of the internal built-in that reads it; an error when the probe's points do not provide it.
 */
void sema_context_var(struct sema_program *p, struct sema_probe *sp, struct ast_expr *e);
/*
 * target_vars.c: a DWARF $var, $$parms or @cast of a .function/.statement probe, or an @var
 * of any process probe, rewritten into a call of _tvar_long/_tvar_str.  1: resolved (dry: only
 * checked), 0: the probe has no such points, -1: an error (reported unless dry; with
 * --skip-badvars a bad $var or @var becomes 0).
 */
int sema_target_var(struct sema_program *p, struct sema_probe *sp, struct ast_expr *e, bool dry);
/*
 * target_vars.c: a guru-mode write e ($var = v, $p->x += v, @var("g")++, $return = v in a
 * .return probe) rewritten into a call of _tvar_set.  1: done, 0: the target is not a DWARF
 * variable of sp (the caller says why), -1: an error (reported; without -g stap's refusal).
 */
int sema_target_write(struct sema_program *p, struct sema_probe *sp, struct ast_expr *e);
/* The message stap gives for a write to target variable e without -g. */
const char *sema_write_refusal(const struct sema_probe *sp, const struct ast_expr *e);
/* The DWARF of a module, opened once per process (NULL: none); freed by sema_target_release. */
struct sym_dwarf *sema_dwarf_of(const char *path);
void sema_target_release(void);
/* Whether every point of sp is a .return (where @entry and $return make sense). */
bool sema_probe_is_return(const struct sema_probe *sp);

/* Helpers shared by the passes. */
void sema_error(struct sema_program *p, const struct token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct sema_var *sema_var_new(struct sema_program *p, struct sema_scope_vars *scope,
			      const char *name, const struct token *tok, enum sema_scope kind);
struct sema_var *sema_scope_find(const struct sema_scope_vars *scope, const char *name);
/* The Levenshtein distance of a and b (b cut to 255 bytes), for "similar:" suggestions. */
unsigned sema_edit_distance(const char *a, const char *b);

#endif
