/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * passes: stap's pass driver, from a script's text to the program pass 5 runs.
 *
 * The passes run in order, and -p N stops after pass N with its dump: 1 parses (-p1 prints the
 * parse tree as stap does), 2 elaborates (-p2 prints the globals, functions and probes with
 * their types), 3 translates to bytecode (-p3 disassembles it); 4 and 5 get the program, which
 * pass 5 (src/script) runs and pass 4 only checks.  -l and -L stop after pass 2 whatever N is,
 * with the listing of the points (sema/list.c).  Each pass's diagnostics are reported as soon
 * as it ends, all of them at once (warnings dropped with -w), and a pass with errors stops the
 * run: the caller prints stap's "Pass N: ... failed." for failed_pass.  With -v each pass that
 * succeeds reports stap's "Pass N: ..." line with the time since o->start.
 *
 * The program owns everything it refers to (codegen copies the strings it keeps), so the parse
 * tree and the elaborated script are freed here, before the program runs.
 */
#include <errno.h>
#include <string.h>

#include "lang/codegen.h"
#include "lang/passes.h"

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void report(const struct passes_opts *o, const struct strbuf *sb)
{
	if (sb->len && o->report)
		o->report(o->data, sb_str(sb));
}

/* The diagnostics of a pass, reported and released. */
static void report_diags(const struct passes_opts *o, struct diag_list *dl)
{
	struct strbuf sb = {0};

	for (const struct diag *d = dl->head; d; d = d->next)
		if (!(o->suppress_warnings && d->severity == DIAG_WARNING))
			diag_render_one(d, &sb);
	report(o, &sb);
	sb_release(&sb);
	diag_release(dl);
}

static void verbose(const struct passes_opts *o, const char *what)
{
	struct strbuf sb = {0};

	if (!o->verbose)
		return;
	sb_printf(&sb, "%s in %.0freal ms.\n", what, ms_since(&o->start));
	report(o, &sb);
	sb_release(&sb);
}

/* Passes 2 and 3 of a parsed file. */
static int elaborate_translate(struct ast_file *file, const struct passes_opts *o,
			       struct passes_result *ret)
{
	struct diag_list dl = {0};
	struct sema_program *sp;
	struct vm_program *prog;
	struct strbuf line = {0};
	int err;

	err = sema_elaborate(file, &o->limits, &dl, &sp);
	report_diags(o, &dl);
	if (err < 0) {
		ret->failed_pass = 2;
		return err;
	}
	if (o->list) {
		err = sema_list(sp, o->list_vars, &ret->dump);
		if (err < 0)
			ret->failed_pass = 2;
		return err;
	}
	sb_printf(&line, "Pass 2: analyzed script: %u probes, %u functions, %u globals",
		  sp->nprobes, sp->nfuncs, sp->globals.n);
	verbose(o, sb_str(&line));
	sb_release(&line);
	if (o->last_pass == 2) {
		sema_print(sp, o->verbose, &ret->dump);
		return 0;
	}
	err = codegen(sp, &dl, &prog);
	report_diags(o, &dl);
	if (err < 0) {
		ret->failed_pass = 3;
		return err;
	}
	verbose(o, "Pass 3: translated to bytecode");
	if (o->last_pass == 3) {
		vm_program_dump(prog, &ret->dump);
		vm_program_free(prog);
		return 0;
	}
	ret->prog = prog;
	return 0;
}

int passes_run(const struct lex_file *src, const struct passes_opts *o, struct passes_result *ret)
{
	struct diag_list dl = {0};
	struct ast_file *file = NULL;
	int err;

	memset(ret, 0, sizeof(*ret));
	err = parse_file(src, &o->parse, &dl, &file);
	report_diags(o, &dl);
	if (err < 0) {
		ret->failed_pass = 1;
		return err;
	}
	verbose(o, "Pass 1: parsed user script and 0 library scripts");
	if (o->last_pass == 1 && !o->list) {
		sb_append(&ret->dump, "# parse tree dump\n", 18);
		ast_print_file(file, &ret->dump);
		sb_putc(&ret->dump, '\n');
	} else {
		err = elaborate_translate(file, o, ret);
	}
	ast_file_free(file);
	return err;
}

void passes_result_release(struct passes_result *r)
{
	sb_release(&r->dump);
	vm_program_free(r->prog);
	r->prog = NULL;
}
