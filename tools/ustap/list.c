/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * list: stap -l / -L.  The probe point is elaborated as "probe PP {}" would be, and every
 * point it expands to is printed once, sorted, in the form pp() gives it
 * (process("/abs/path").function("name")).  -L adds the context variables each point
 * provides, as $name:type: the return value of .return probes, $syscall and the arguments of
 * syscall probes, a marker's arguments.  Functions have no $parameters yet: they need DWARF.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "util/strbuf.h"

static void vars(const struct sema_point *pt, struct strbuf *sb)
{
	if (pt->kind != SEMA_PP_PROCESS)
		return;
	switch (pt->event) {
	case SEMA_PROC_RETURN:
	case SEMA_PROC_PLT_RETURN:
		sb_printf(sb, " $return:long");
		break;
	case SEMA_PROC_SYSCALL:
	case SEMA_PROC_SYSCALL_RETURN:
		sb_printf(sb, " $syscall:long");
		if (pt->event == SEMA_PROC_SYSCALL_RETURN)
			sb_printf(sb, " $return:long");
		for (int i = 1; i <= 6; i++)
			sb_printf(sb, " $arg%d:long", i);
		break;
	case SEMA_PROC_MARK:
		for (unsigned i = 1; i <= pt->sdt_nargs; i++)
			sb_printf(sb, " $arg%u:long", i);
		break;
	default:
		break;
	}
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ustap_list(const struct sema_program *sp, bool with_vars, FILE *out)
{
	unsigned n = 0, cap = 0;
	char **lines = NULL;

	for (unsigned i = 0; i < sp->nprobes; i++) {
		for (unsigned j = 0; j < sp->probes[i]->npoints; j++) {
			const struct sema_point *pt = &sp->probes[i]->points[j];
			struct strbuf sb = {0};

			sb_printf(&sb, "%s", pt->text);
			if (with_vars)
				vars(pt, &sb);
			if (n == cap) {
				char **grown =
					realloc(lines, (cap = cap * 2 + 16) * sizeof(*lines));

				if (!grown) {
					sb_release(&sb);
					break;
				}
				lines = grown;
			}
			lines[n++] = strdup(sb_str(&sb));
			sb_release(&sb);
		}
	}
	qsort(lines, n, sizeof(*lines), by_text);
	for (unsigned i = 0; i < n; i++) {
		if (lines[i] && (!i || !lines[i - 1] || strcmp(lines[i], lines[i - 1])))
			fprintf(out, "%s\n", lines[i]);
	}
	for (unsigned i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return fflush(out) ? 1 : 0;
}
