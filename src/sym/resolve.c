/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Probe specs to file offsets: "[LIB:]NAME[@VER|@@VER|@plt][+OFF]" or "[LIB:]ADDR", the
 * shape `perf probe -x` and SystemTap's process("...").function("...") come down to.  The
 * result carries the function's byte range so the instruction layer (src/arch) can check that
 * the probe lands on an instruction boundary; this layer does not decode instructions and takes
 * the check as a callback instead.
 *
 * Refusals: a missing symbol is -ENOENT, an offset at or past the end of a sized function or an
 * address outside the file is -ERANGE, an address outside an executable segment is -EACCES,
 * a function the check needs whose bytes run past the end of the file is -EFAULT (decided
 * before they are allocated: st_size is the file's to claim), whatever the check returns is
 * passed on.  sym_explain() turns these into messages.
 *
 * Library names are found through a process's maps when there is one (what is actually
 * mapped), else through LD_LIBRARY_PATH and the system library directories.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sym/internal.h"

void sym_spec_release(struct sym_spec *spec)
{
	if (!spec)
		return;
	free(spec->lib);
	free(spec->name);
	spec->lib = spec->name = NULL;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*ret = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

int sym_spec_parse(const char *text, struct sym_spec *ret_spec)
{
	struct sym_spec sp = {0};
	const char *colon = NULL, *p, *rest = text, *plus;
	int r = -EINVAL;

	for (p = text; *p; p++)
		if (*p == ':' && p[1] != ':' && (p == text || p[-1] != ':'))
			colon = p;
	if (colon) {
		if (colon == text)
			return -EINVAL;
		sp.lib = strndup(text, (size_t)(colon - text));
		if (!sp.lib)
			return -ENOMEM;
		rest = colon + 1;
	}
	plus = strchr(rest, '+');
	if (plus && parse_u64(plus + 1, &sp.offset) < 0)
		goto fail;
	if (*rest >= '0' && *rest <= '9') {
		char *num = strndup(rest, plus ? (size_t)(plus - rest) : strlen(rest));

		if (!num) {
			r = -ENOMEM;
			goto fail;
		}
		r = parse_u64(num, &sp.addr);
		free(num);
		if (r < 0)
			goto fail;
	} else {
		size_t n = plus ? (size_t)(plus - rest) : strlen(rest);

		if (!n || rest[0] == '@')
			goto fail;
		sp.name = strndup(rest, n);
		if (!sp.name) {
			r = -ENOMEM;
			goto fail;
		}
	}
	*ret_spec = sp;
	return 0;
fail:
	sym_spec_release(&sp);
	return r;
}

static int run_check(const struct sym_file *f, const struct sym_location *loc,
		     sym_insn_check_fn check, void *data)
{
	const struct sym_segment *seg = sym_segment_of_vaddr(f, loc->func_vaddr);
	uint64_t len = loc->func_size;
	uint8_t *code;
	int r;

	if (!seg)
		return -ERANGE;
	if (!len) {
		len = seg->vaddr + seg->filesz - loc->func_vaddr;
		if (len > 0x10000)
			len = 0x10000;
	}
	if (len > (uint64_t)f->size || loc->func_offset > (uint64_t)f->size - len)
		return -EFAULT;
	code = malloc(len ? len : 1);
	if (!code)
		return -ENOMEM;
	r = sym_file_read(f, loc->func_offset, code, len);
	if (!r)
		r = check(code, len, loc->vaddr - loc->func_vaddr, data);
	free(code);
	return r < 0 ? r : 0;
}

int sym_resolve(const struct sym_file *f, const struct sym_spec *spec, sym_insn_check_fn check,
		void *data, struct sym_location *ret_loc)
{
	struct sym_location loc = {0};
	uint64_t off = 0;
	int r;

	if (spec->name) {
		r = sym_lookup(f, spec->name, &loc.sym);
		if (r < 0)
			return r;
		if (loc.sym->size && spec->offset >= loc.sym->size)
			return -ERANGE;
		loc.vaddr = loc.sym->addr + spec->offset;
	} else {
		loc.vaddr = spec->addr + spec->offset;
		if (sym_addr_lookup(f, loc.vaddr, &loc.sym, &off) < 0)
			loc.sym = NULL;
	}
	r = sym_vaddr_to_offset(f, loc.vaddr, SYM_NEED_EXEC, &loc.file_offset);
	if (r < 0)
		return r;
	if (loc.sym) {
		loc.func_vaddr = loc.sym->addr;
		loc.func_size = loc.sym->size;
	} else {
		loc.func_vaddr = loc.vaddr;
	}
	r = sym_vaddr_to_offset(f, loc.func_vaddr, SYM_NEED_EXEC, &loc.func_offset);
	if (r < 0)
		return r;
	if (check) {
		r = run_check(f, &loc, check, data);
		if (r < 0)
			return r;
	}
	*ret_loc = loc;
	return 0;
}

static bool is_elf(const char *path)
{
	unsigned char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4);
	close(fd);
	return ok;
}

/* dir/name, or the shortest ELF dir/name.so* (libc -> libc.so.6). */
static char *search_dir(const char *dir, const char *name)
{
	char path[PATH_MAX], *best = NULL;
	size_t n = strlen(name);
	struct dirent *de;
	DIR *d;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path) && is_elf(path))
		return strdup(path);
	if (strstr(name, ".so"))
		return NULL;
	d = opendir(dir);
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, name, n) || strncmp(de->d_name + n, ".so", 3))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path) ||
		    !is_elf(path))
			continue;
		if (!best || strlen(path) < strlen(best)) {
			free(best);
			best = strdup(path);
		}
	}
	closedir(d);
	return best;
}

int sym_find_library(const char *name, const struct sym_maps *maps, char **ret_path)
{
	static const char *const dirs[] = {
		"/lib/x86_64-linux-gnu",
		"/usr/lib/x86_64-linux-gnu",
		"/lib64",
		"/usr/lib64",
		"/lib",
		"/usr/lib",
		"/usr/local/lib",
	};
	const char *env = getenv("LD_LIBRARY_PATH"), *mapped;
	char *found = NULL;
	size_t i;

	if (strchr(name, '/')) {
		if (access(name, F_OK) < 0)
			return -errno;
		found = strdup(name);
	} else if (maps) {
		int r = sym_maps_find_lib(maps, name, &mapped);

		if (r < 0)
			return r;
		found = strdup(mapped);
	} else {
		if (env) {
			char *copy = strdup(env), *save = NULL, *dir;

			if (!copy)
				return -ENOMEM;
			for (dir = strtok_r(copy, ":", &save); dir && !found;
			     dir = strtok_r(NULL, ":", &save))
				found = search_dir(dir, name);
			free(copy);
		}
		for (i = 0; !found && i < sizeof(dirs) / sizeof(dirs[0]); i++)
			found = search_dir(dirs[i], name);
		if (!found)
			return -ENOENT;
	}
	if (!found)
		return -ENOMEM;
	*ret_path = found;
	return 0;
}
