/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Separate debug files for stripped binaries, found the way gdb and SystemTap look for them:
 * by build-id (/usr/lib/debug/.build-id/ab/cdef....debug, what Debian's -dbgsym packages
 * install), then by .gnu_debuglink next to the file, in its .debug/ directory and under
 * /usr/lib/debug.  Only the symbol table is taken from it, so the addresses stay the main
 * file's (a debug file has the same layout, its sections just have no bytes).
 *
 * A debug file that does not belong to the binary would give confidently wrong symbols, so
 * when the binary has a build-id the candidate must carry the same one; without a build-id the
 * debuglink name is trusted.  The name comes from the binary, so a candidate must be a regular
 * file (a FIFO would block the open, a device feed libelf forever).  Not finding one is normal
 * and silent (a debug message).
 */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sym/internal.h"
#include "util/log.h"

#define DEBUG_ROOT "/usr/lib/debug"

static bool same_build_id(const struct sym_file *f, Elf *dbg)
{
	static const char hex[] = "0123456789abcdef";
	const void *id;
	ssize_t n = dwelf_elf_gnu_build_id(dbg, &id), i;
	const uint8_t *b = id;

	if (!f->build_id)
		return true;
	if (n <= 0 || (size_t)n * 2 != strlen(f->build_id))
		return false;
	for (i = 0; i < n; i++)
		if (f->build_id[2 * i] != hex[b[i] >> 4] ||
		    f->build_id[2 * i + 1] != hex[b[i] & 15])
			return false;
	return true;
}

static Elf *try_open(const struct sym_file *f, const char *path, int *ret_fd)
{
	struct stat st;
	int fd;
	Elf *dbg;

	if (!strcmp(path, f->path))
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	dbg = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (dbg && elf_kind(dbg) == ELF_K_ELF && same_build_id(f, dbg)) {
		*ret_fd = fd;
		return dbg;
	}
	pr_debug("%s: %s is not its debug file", f->path, path);
	elf_end(dbg);
	close(fd);
	return NULL;
}

Elf *sym_debug_open(struct sym_file *f, Elf *elf, int *ret_fd)
{
	char path[PATH_MAX], dir[PATH_MAX];
	const char *link, *slash;
	GElf_Word crc;
	Elf *dbg = NULL;
	int i;

	if (f->build_id && strlen(f->build_id) > 2) {
		snprintf(path, sizeof(path), DEBUG_ROOT "/.build-id/%.2s/%s.debug", f->build_id,
			 f->build_id + 2);
		dbg = try_open(f, path, ret_fd);
	}
	link = dbg ? NULL : dwelf_elf_gnu_debuglink(elf, &crc);
	if (link) {
		if (!realpath(f->path, dir))
			snprintf(dir, sizeof(dir), "%s", f->path);
		slash = strrchr(dir, '/');
		if (slash)
			dir[slash - dir] = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
		for (i = 0; i < 3 && !dbg; i++) {
			static const char *const fmt[] = {"%s/%s", "%s/.debug/%s",
							  DEBUG_ROOT "%s/%s"};

			if (snprintf(path, sizeof(path), fmt[i], dir, link) < (int)sizeof(path))
				dbg = try_open(f, path, ret_fd);
		}
	}
	if (!dbg)
		return NULL;
	f->debug_path = strdup(path);
	if (!f->debug_path) {
		elf_end(dbg);
		close(*ret_fd);
		return NULL;
	}
	pr_debug("%s: symbols from %s", f->path, path);
	return dbg;
}

const char *sym_file_debug_path(const struct sym_file *f)
{
	return f->debug_path;
}
