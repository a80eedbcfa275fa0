/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_PASSES_H
#define LANG_PASSES_H

#include <stdbool.h>
#include <time.h>

#include "vm/program.h"
#include "lang/parse.h"
#include "lang/sema/sema.h"
#include "util/strbuf.h"

struct passes_opts {
	int last_pass;	/* stap -p N, 1 to 5; 4 and 5 both give the program */
	bool list;	/* -l/-L: elaborate, then list the points instead of going on */
	bool list_vars; /* -L */
	int verbose;	/* -v: a "Pass N: ..." line after each pass; -vv: -p2 has the bodies */
	bool suppress_warnings; /* -w: warnings are not reported */
	struct parse_options parse;
	struct sema_limits limits;
	struct timespec start; /* CLOCK_MONOTONIC when ustap started, for the -v timings */
	/* Diagnostics and -v lines, in order, each ending in a newline. */
	void (*report)(void *data, const char *text);
	void *data;
};

struct passes_result {
	int failed_pass;	 /* 0, or the pass that failed: 1 parse, 2 elaborate, 3 translate */
	struct strbuf dump;	 /* -p 1 to 3: the pass's dump; -l/-L: the listing */
	struct vm_program *prog; /* last_pass 4 or 5: the program, which the caller takes */
};

/*
 * stap's passes 1 to 3 over src, up to o->last_pass.  Returns 0, or the -errno of the pass that
 * failed (-EINVAL: the script has errors, reported; -ENOMEM), with failed_pass naming it.  The
 * caller releases *ret either way.
 */
int passes_run(const struct lex_file *src, const struct passes_opts *o, struct passes_result *ret);
/* The dump, and the program unless it was taken (set to NULL). */
void passes_result_release(struct passes_result *r);

#endif
