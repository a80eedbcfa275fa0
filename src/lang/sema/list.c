/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * list: stap -l / -L, a dump of pass 2 beside print.c's -p2.  The probe point is elaborated as
 * "probe PP {}" would be, and every point it expands to is listed once, sorted, in stap's form:
 * the text pp() gives it (process("/abs/path").function("name")), except that a function with
 * DWARF names where it is declared, function("name@file:line"), as stap's listings do.  -L adds
 * the context variables each point provides, as $name:type.  A DWARF function or statement
 * point has $return when it is a .return and the function returns something, then the
 * variables a probe there can name, with their C types spelled as stap spells them
 * (sym/dwarf_decls.c).  Other points have what ustap gives without DWARF: the return value of
 * .return probes as long, $syscall and the arguments of syscall probes, a marker's arguments.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lang/sema/sema.h"
#include "sym/dwarf.h"
#include "util/strbuf.h"
#include "util/vec.h"

static bool is_statement(const struct sema_point *pt)
{
	return strstr(pt->text, ").statement(\"") != NULL;
}

/* The last occurrence of needle in s, or NULL. */
static const char *last_of(const char *s, const char *needle)
{
	const char *last = NULL;

	for (const char *at = strstr(s, needle); at; at = strstr(at + 1, needle))
		last = at;
	return last;
}

/* pt's text, with function("name") as function("name@file:line") when DWARF says where. */
static void point_text(const struct sema_point *pt, const struct sym_dw_decls *ds,
		       struct strbuf *sb)
{
	struct strbuf needle = {0};
	const char *at = NULL;
	size_t name_end;

	if (ds && ds->func && ds->decl_file && ds->decl_line > 0 && !is_statement(pt)) {
		sb_printf(&needle, ".function(\"%s\")", pt->func);
		at = last_of(pt->text, sb_str(&needle));
	}
	if (!at) {
		sb_printf(sb, "%s", pt->text);
		sb_release(&needle);
		return;
	}
	name_end = (size_t)(at - pt->text) + needle.len - 2;
	sb_append(sb, pt->text, name_end);
	sb_printf(sb, "@%s:%d%s", ds->decl_file, ds->decl_line, pt->text + name_end);
	sb_release(&needle);
}

static void dwarf_vars(const struct sema_point *pt, const struct sym_dw_decls *ds,
		       struct strbuf *sb)
{
	if (pt->event == VM_PROC_RETURN && ds->return_type)
		sb_printf(sb, " $return:%s", ds->return_type);
	for (size_t i = 0; i < ds->n; i++)
		sb_printf(sb, " $%s:%s", ds->v[i].name, ds->v[i].type);
}

static void vars(const struct sema_point *pt, const struct sym_dw_decls *ds, struct strbuf *sb)
{
	if (ds) {
		dwarf_vars(pt, ds, sb);
		return;
	}
	if (pt->kind != SEMA_PP_PROCESS)
		return;
	switch (pt->event) {
	case VM_PROC_RETURN:
	case VM_PROC_PLT_RETURN:
		sb_printf(sb, " $return:long");
		break;
	case VM_PROC_SYSCALL:
	case VM_PROC_SYSCALL_RETURN:
		sb_printf(sb, " $syscall:long");
		if (pt->event == VM_PROC_SYSCALL_RETURN)
			sb_printf(sb, " $return:long");
		for (int i = 1; i <= 6; i++)
			sb_printf(sb, " $arg%d:long", i);
		break;
	case VM_PROC_MARK:
		for (unsigned i = 1; i <= pt->sdt_nargs; i++)
			sb_printf(sb, " $arg%u:long", i);
		break;
	default:
		break;
	}
}

/* What DWARF says of a function or statement point (sym_dw_decls_release it), or -errno. */
static int decls_of(const struct sema_point *pt, struct sym_dw_decls *ret)
{
	struct sym_dwarf *dw;

	if (pt->kind != SEMA_PP_PROCESS || !pt->has_dwarf ||
	    (pt->event != VM_PROC_FUNCTION && pt->event != VM_PROC_RETURN))
		return -ENOENT;
	dw = sema_dwarf_of(pt->module);
	if (!dw)
		return -ENOENT;
	return sym_dwarf_decls(dw, pt->vaddr, is_statement(pt) ? NULL : pt->func, ret);
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sema_list(const struct sema_program *sp, bool with_vars, struct strbuf *out)
{
	unsigned n = 0, cap = 0;
	char **lines = NULL;
	int err = 0;

	for (unsigned i = 0; i < sp->nprobes && !err; i++) {
		for (unsigned j = 0; j < sp->probes[i]->npoints; j++) {
			const struct sema_point *pt = &sp->probes[i]->points[j];
			struct sym_dw_decls ds;
			bool has_decls = decls_of(pt, &ds) == 0;
			struct strbuf sb = {0};

			point_text(pt, has_decls ? &ds : NULL, &sb);
			if (with_vars)
				vars(pt, has_decls ? &ds : NULL, &sb);
			if (has_decls)
				sym_dw_decls_release(&ds);
			if (VEC_GROW(lines, cap, n) < 0) {
				sb_release(&sb);
				err = -ENOMEM;
				break;
			}
			lines[n] = strdup(sb_str(&sb));
			sb_release(&sb);
			if (!lines[n]) {
				err = -ENOMEM;
				break;
			}
			n++;
		}
	}
	qsort(lines, n, sizeof(*lines), by_text);
	for (unsigned i = 0; i < n; i++) {
		if (!i || strcmp(lines[i], lines[i - 1]))
			sb_printf(out, "%s\n", lines[i]);
	}
	for (unsigned i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return err;
}
