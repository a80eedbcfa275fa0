/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_PP_H
#define LANG_PP_H

#include <stdbool.h>

#include "util/arena.h"
#include "lang/diag.h"
#include "lang/lex.h"

/* What %( ... %? ... %) conditions compare against. */
struct pp_config {
	const char *arch;	/* arch == "x86_64" */
	const char *kernel_v;	/* kernel_v: the release without its local suffix */
	const char *kernel_vr;	/* kernel_vr: the full release */
	const char *compatible; /* systemtap_v */
	const char *privilege;	/* systemtap_privilege */
	const char *runtime;	/* runtime */
	bool guru;		/* guru_mode */
};

struct pp_macro;
struct pp_activation;
struct pp_cond;

/*
 * The preprocessor between the lexer and the parser: @define macros and their expansion, then
 * %( %? %: %) conditionals over the expanded tokens.  Errors go to the diagnostics as parse
 * errors; the preprocessor then goes on with the next token.
 */
struct pp {
	struct arena *arena;
	struct lexer *lx;
	struct diag_list *diags;
	const struct pp_config *cfg;
	struct pp_macro *macros;
	struct pp_macro *library;
	struct pp_activation *act;
	struct pp_cond *conds;
	unsigned nconds;
	unsigned capconds;
	bool defining_library;
	unsigned expanded;
	bool no_expansion;
};

void pp_init(struct pp *pp, struct arena *a, struct lexer *lx, struct diag_list *dl,
	     const struct pp_config *cfg);
void pp_release(struct pp *pp);
/* The next token after preprocessing; TOK_EOF at the end, never NULL. */
const struct token *pp_next(struct pp *pp);
/* Reads the macro definitions of a library file (stap's .stpm), visible to every script. */
int pp_define_library(struct pp *pp, const struct lex_file *f);
/* The built-in library: @choose_defined. */
int pp_define_builtins(struct pp *pp);
/* A config describing this machine: uname(), stap compatibility 4.8, the given runtime. */
void pp_config_default(struct pp_config *cfg, bool guru);

#endif
