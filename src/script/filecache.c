/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * filecache: the ELF files the traced processes map, each opened once for the session.
 *
 * Symbolizing an address and finding a load bias both need the symbol tables of the file mapped
 * there; a file's DWARF (for "file:line") is opened only when first asked for, since most
 * scripts never ask.  A file that cannot be opened is remembered with the reason, so it is not
 * tried again on every hit.  Files are shared by every process of the session, so they live
 * here rather than in each struct script_proc, and go with the session (script_files_free).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "script-priv.h"
#include "sym/dwarf.h"
#include "sym/sym.h"

struct script_file {
	char *path;
	struct sym_file *f; /* NULL: not readable, err says why */
	int err;
	struct sym_dwarf *dw;
	bool dw_opened; /* dw was asked for (NULL then: no DWARF) */
	struct script_file *next;
};

static struct script_file *entry(struct script_session *s, const char *path)
{
	struct script_file *e;

	for (e = s->files; e; e = e->next)
		if (!strcmp(e->path, path))
			return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->path = strdup(path);
	e->f = e->path ? sym_file_open(path, &e->err) : NULL;
	e->next = s->files;
	s->files = e;
	return e;
}

const struct sym_file *script_file_elf(struct script_session *s, const char *path, int *ret_err)
{
	struct script_file *e = entry(s, path);

	if (ret_err)
		*ret_err = !e ? -ENOMEM : e->f ? 0 : e->err < 0 ? e->err : -ENOENT;
	return e ? e->f : NULL;
}

struct sym_dwarf *script_file_dwarf(struct script_session *s, const char *path)
{
	struct script_file *e = entry(s, path);

	if (!e || !e->f)
		return NULL;
	if (!e->dw_opened) {
		e->dw_opened = true;
		if (sym_dwarf_open(e->path, &e->dw) < 0)
			e->dw = NULL;
	}
	return e->dw;
}

void script_files_free(struct script_session *s)
{
	while (s->files) {
		struct script_file *e = s->files;

		s->files = e->next;
		sym_file_free(e->f);
		sym_dwarf_free(e->dw);
		free(e->path);
		free(e);
	}
}
