/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the language front end's unit tests. */
#ifndef TESTS_LANG_TEST_H
#define TESTS_LANG_TEST_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lang/parse.h"

/* A parsed script, or its diagnostics. */
struct parsed {
	struct ast_file *file;
	struct diag_list dl;
	struct lex_file src;
	int err;
	char *dump;  /* the -p1 print, or NULL */
	char *diags; /* every diagnostic rendered */
};

static inline void parse_text_args(struct parsed *r, const char *text, const char *const *args,
				   unsigned nargs)
{
	struct parse_options opt = {.args = args, .nargs = nargs};
	struct pp_config cfg;
	struct strbuf sb = {0};

	pp_config_default(&cfg, false);
	cfg.arch = "x86_64";
	cfg.kernel_v = "6.1.0";
	cfg.kernel_vr = "6.1.0-13-amd64";
	opt.pp = &cfg;
	memset(r, 0, sizeof(*r));
	r->src.name = "t.stp";
	r->src.text = text;
	r->src.len = strlen(text);
	r->err = parse_file(&r->src, &opt, &r->dl, &r->file);
	if (r->err == 0) {
		ast_print_file(r->file, &sb);
		r->dump = strdup(sb_str(&sb));
		sb_reset(&sb);
	}
	diag_render(&r->dl, &sb);
	r->diags = strdup(sb_str(&sb));
	sb_release(&sb);
}

static inline void parse_text(struct parsed *r, const char *text)
{
	parse_text_args(r, text, NULL, 0);
}

static inline void parsed_release(struct parsed *r)
{
	ast_file_free(r->file);
	diag_release(&r->dl);
	free(r->dump);
	free(r->diags);
}

#endif
