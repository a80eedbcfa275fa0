/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /proc/PID/maps: the mappings of a process at one moment, and the arithmetic between a file's
 * own addresses and where the process has it (PIE executables, shared libraries, ASLR).
 *
 * The load bias is what the kernel (or ld.so) added to every p_vaddr: a PT_LOAD segment is
 * mapped at bias + page_down(p_vaddr) from file offset page_down(p_offset).  Several mappings
 * of one file can share an offset (the RELRO part of the data segment starts on the same page
 * as the read-only segment before it), so the bias is taken from a mapping whose offset and
 * execute permission both agree with a segment, executable segments first: there is one text
 * segment and nothing else is mapped executable from the file.
 *
 * A mapping belongs to a file when device and inode agree, or, failing that (overlayfs reports
 * the underlying inode in maps, not the one stat() sees), when the paths agree.  The snapshot
 * is stale as soon as it is read; callers re-read after mmap/dlopen/exec events.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sym/internal.h"
#include "util/log.h"
#include "util/vec.h"

void sym_maps_free(struct sym_maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->count; i++)
		free((char *)m->v[i].path);
	free(m->v);
	free(m);
}

static int parse_line(const char *line, size_t len, struct sym_mapping *mp)
{
	unsigned long long start, end, off, ino;
	unsigned maj, min;
	char perms[8];
	int n = 0;
	const char *p;
	size_t plen;
	static const char deleted[] = " (deleted)";

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off, &maj, &min,
		   &ino, &n) < 7 ||
	    !n || strlen(perms) != 4)
		return -EINVAL;
	p = line + n;
	if ((size_t)n > len)
		p = line + len;
	plen = len - (size_t)(p - line);
	*mp = (struct sym_mapping){
		.start = start,
		.end = end,
		.offset = off,
		.dev_major = maj,
		.dev_minor = min,
		.inode = ino,
	};
	memcpy(mp->perms, perms, 5);
	if (plen >= sizeof(deleted) - 1 &&
	    !memcmp(p + plen - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1)) {
		mp->deleted = true;
		plen -= sizeof(deleted) - 1;
	}
	mp->path = strndup(p, plen);
	return mp->path ? 0 : -ENOMEM;
}

int sym_maps_parse(const char *text, struct sym_maps **ret_maps)
{
	struct sym_maps *m = calloc(1, sizeof(*m));
	size_t cap = 0;
	const char *p = text;
	int r = 0;

	if (!m)
		return -ENOMEM;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[PATH_MAX + 256];

		if (len && len < sizeof(line)) {
			if (VEC_GROW(m->v, cap, m->count) < 0) {
				r = -ENOMEM;
				break;
			}
			memcpy(line, p, len);
			line[len] = '\0';
			r = parse_line(line, len, &m->v[m->count]);
			if (r < 0)
				break;
			m->count++;
		} else if (len) {
			r = -EINVAL;
			break;
		}
		p += len + (nl ? 1 : 0);
	}
	if (r < 0) {
		sym_maps_free(m);
		return r;
	}
	*ret_maps = m;
	return 0;
}

int sym_maps_read(pid_t pid, struct sym_maps **ret_maps)
{
	char path[64], *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, r;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			size_t nc = cap ? cap * 2 : 16384;
			char *nb = realloc(buf, nc);

			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap = nc;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = errno == ESRCH ? -ESRCH : -errno;
			goto out;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	r = sym_maps_parse(buf, ret_maps);
out:
	free(buf);
	close(fd);
	return r;
}

const struct sym_mapping *sym_maps_find_addr(const struct sym_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < m->v[mid].start)
			hi = mid;
		else if (addr >= m->v[mid].end)
			lo = mid + 1;
		else
			return &m->v[mid];
	}
	return NULL;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* "libc" names libc.so.6 and libc-2.31.so, not libcap.so.2. */
static bool stem_matches(const char *base, const char *stem)
{
	size_t n = strlen(stem);

	if (strncmp(base, stem, n))
		return false;
	base += n;
	return !strncmp(base, ".so", 3) || (base[0] == '-' && base[1] >= '0' && base[1] <= '9');
}

int sym_maps_find_lib(const struct sym_maps *m, const char *name, const char **ret_path)
{
	char real[PATH_MAX];
	size_t i;
	int pass;

	if (strchr(name, '/')) {
		const char *want = realpath(name, real) ? real : name;

		for (i = 0; i < m->count; i++) {
			if (!strcmp(m->v[i].path, name) || !strcmp(m->v[i].path, want)) {
				*ret_path = m->v[i].path;
				return 0;
			}
		}
		return -ENOENT;
	}
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < m->count; i++) {
			const char *path = m->v[i].path, *base = base_name(path);
			struct sym_file *f;
			bool hit;

			if (path[0] != '/' || (i && !strcmp(path, m->v[i - 1].path)))
				continue;
			if (pass == 0) {
				hit = !strcmp(base, name);
			} else if (pass == 1) {
				hit = stem_matches(base, name);
			} else {
				if (!strstr(base, ".so"))
					continue;
				f = sym_file_open(path, NULL);
				hit = f && f->soname && !strcmp(f->soname, name);
				sym_file_free(f);
			}
			if (hit) {
				*ret_path = path;
				return 0;
			}
		}
	}
	return -ENOENT;
}

bool sym_mapping_is_file(const struct sym_mapping *mp, const struct sym_file *f)
{
	char real[PATH_MAX];

	if (mp->inode && mp->inode == (uint64_t)f->ino &&
	    makedev(mp->dev_major, mp->dev_minor) == f->dev)
		return true;
	if (!mp->inode || mp->path[0] != '/')
		return false;
	if (!strcmp(mp->path, f->path))
		return true;
	return realpath(f->path, real) && !strcmp(mp->path, real);
}

static uint64_t page_down(uint64_t v, uint64_t pg)
{
	return v & ~(pg - 1);
}

int sym_maps_load_bias(const struct sym_maps *m, const struct sym_file *f, uint64_t *ret_bias)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
	int want_exec;
	size_t i, j;

	for (want_exec = 1; want_exec >= 0; want_exec--) {
		for (i = 0; i < m->count; i++) {
			const struct sym_mapping *mp = &m->v[i];
			bool x = mp->perms[2] == 'x';

			if (x != (bool)want_exec || !sym_mapping_is_file(mp, f))
				continue;
			for (j = 0; j < f->nsegs; j++) {
				const struct sym_segment *s = &f->segs[j];

				if (!(s->flags & PF_X) != !x ||
				    page_down(s->offset, pg) != mp->offset)
					continue;
				*ret_bias = mp->start - page_down(s->vaddr, pg);
				return 0;
			}
		}
	}
	return -ENOENT;
}

int sym_maps_offset_to_addr(const struct sym_maps *m, const struct sym_file *f, uint64_t offset,
			    uint64_t *ret_addr)
{
	uint64_t vaddr, bias;
	int r = sym_offset_to_vaddr(f, offset, 0, &vaddr);

	if (r < 0)
		return r;
	r = sym_maps_load_bias(m, f, &bias);
	if (r < 0)
		return r;
	*ret_addr = vaddr + bias;
	return 0;
}

int sym_maps_addr_to_offset(const struct sym_maps *m, uint64_t addr, const char **ret_path,
			    uint64_t *ret_offset)
{
	const struct sym_mapping *mp = sym_maps_find_addr(m, addr);

	if (!mp || !mp->inode || mp->path[0] != '/')
		return -ENOENT;
	if (ret_path)
		*ret_path = mp->path;
	*ret_offset = addr - mp->start + mp->offset;
	return 0;
}
