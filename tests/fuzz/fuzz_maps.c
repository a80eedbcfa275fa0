/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the /proc/PID/maps parser (sym_maps_parse) and the lookups made on its
 * result: any bytes, up to the first NUL, as the text.  The kernel writes the lines, but the
 * tracee names what it maps (file names with spaces, "(deleted)" in them, memfd names), and a
 * line may be cut where the process changed while it was read.
 *
 * Nothing may crash, hang, leak or read out of bounds; a parsed snapshot keeps the promises of
 * sym.h: permissions of four characters, and every mapping found again by its start address
 * when the lines come in address order, as the kernel writes them.
 */
#include <string.h>

#include "sym/sym.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct sym_maps *m = NULL;
	const char *path;
	uint64_t off;
	bool sorted = true;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (sym_maps_parse(text, &m) < 0) {
		free(text);
		return 0;
	}
	for (size_t i = 0; i < m->count; i++) {
		const struct sym_mapping *mp = &m->v[i];

		FUZZ_CHECK(strlen(mp->perms) == 4 && mp->path);
		(void)strlen(mp->path);
		if (i && (mp->start < m->v[i - 1].end || mp->start >= mp->end))
			sorted = false;
	}
	for (size_t i = 0; i < m->count; i++) {
		const struct sym_mapping *mp = &m->v[i];

		if (sorted && mp->start < mp->end)
			FUZZ_CHECK(sym_maps_find_addr(m, mp->start) == mp);
		(void)sym_maps_addr_to_offset(m, mp->end - 1, &path, &off);
	}
	(void)sym_maps_find_lib(m, "libc", &path);
	(void)sym_maps_find_lib(m, "/usr/bin/prog with spaces", &path);
	sym_maps_free(m);
	free(text);
	return 0;
}
