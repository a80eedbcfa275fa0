/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * print: the elaborated script as stap -p2 prints it (main.cxx printscript): "# globals" with
 * each live global's signature (name, % for wrapping arrays, [size], :type, then the key types
 * in brackets), "# functions" with the used script functions in name order (name:type
 * (param:type, ...)) and their locals, "# probes" with each resolved probe point
 * (the point, then a comment "<- point", or through an alias "<- ALIAS = POINTS <- point") and
 * its locals.  Bodies are printed only with -vv, in pass 1's format.  Globals that nothing uses
 * are elided, as stap elides them.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lang/sema/sema.h"

bool sema_global_live(const struct sema_var *v)
{
	return v->read || v->written || v->type != AST_TYPE_UNKNOWN || v->nkeys > 0;
}

static void var_sig(const struct sema_var *v, struct strbuf *out)
{
	sb_printf(out, "%s", v->name);
	if (v->wrap)
		sb_putc(out, '%');
	if (v->maxsize > 0)
		sb_printf(out, "[%" PRId64 "]", v->maxsize);
	sb_printf(out, ":%s", sema_type_name(v->type));
	if (v->nkeys > 0) {
		sb_append(out, " [", 2);
		for (int i = 0; i < v->nkeys; i++)
			sb_printf(out, "%s%s", i ? ", " : "", sema_type_name(v->keys[i]));
		sb_putc(out, ']');
	}
}

static void locals(const struct sema_scope_vars *vars, unsigned first, struct strbuf *out)
{
	if (vars->n > first)
		sb_append(out, "  # locals\n", 11);
	for (unsigned i = first; i < vars->n; i++) {
		sb_append(out, "  ", 2);
		var_sig(vars->v[i], out);
		sb_putc(out, '\n');
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct sema_func *const *)a)->name, (*(struct sema_func *const *)b)->name);
}

void sema_print(const struct sema_program *p, int verbose, struct strbuf *out)
{
	struct sema_func **fs = calloc(p->nfuncs + 1, sizeof(*fs));
	unsigned nf = 0, ng = 0;

	for (unsigned i = 0; i < p->globals.n; i++)
		ng += sema_global_live(p->globals.v[i]);
	if (ng)
		sb_append(out, "# globals\n", 10);
	for (unsigned i = 0; i < p->globals.n; i++) {
		const struct sema_var *v = p->globals.v[i];

		if (!sema_global_live(v))
			continue;
		var_sig(v, out);
		if (verbose && v->decl && v->decl->init) {
			sb_append(out, " = ", 3);
			ast_print_expr(v->decl->init, out);
		}
		sb_putc(out, '\n');
	}
	for (unsigned i = 0; fs && i < p->nfuncs; i++)
		if (p->funcs[i]->used)
			fs[nf++] = p->funcs[i];
	if (nf) {
		qsort(fs, nf, sizeof(*fs), by_name);
		sb_append(out, "# functions\n", 12);
	}
	for (unsigned i = 0; i < nf; i++) {
		const struct sema_func *f = fs[i];

		sb_printf(out, "%s:%s (", f->name, sema_type_name(f->ret));
		for (unsigned j = 0; j < f->nparams; j++) {
			if (j)
				sb_append(out, ", ", 2);
			var_sig(f->locals.v[j], out);
		}
		sb_append(out, ")\n", 2);
		locals(&f->locals, f->nparams, out);
		if (verbose > 1) {
			ast_print_stmt(f->fn->body, out);
			sb_putc(out, '\n');
		}
	}
	free(fs);
	if (p->nprobes)
		sb_append(out, "# probes\n", 9);
	for (unsigned i = 0; i < p->nprobes; i++) {
		const struct sema_probe *sp = p->probes[i];

		for (unsigned j = 0; j < sp->npoints; j++) {
			const struct sema_point *pt = &sp->points[j];

			sb_printf(out, "%s /* <- %s */\n", pt->text,
				  pt->derivation ? pt->derivation
				  : pt->orig	 ? pt->orig
						 : pt->text);
			locals(&sp->locals, 0, out);
			if (verbose > 1) {
				ast_print_stmt(sp->body, out);
				sb_putc(out, '\n');
			}
		}
	}
}
