/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opening an ELF file: the identity (path, device and inode, build-id, soname), the PT_LOAD
 * segments, and running the loaders for symbols, PLT stubs and SDT notes.  Everything is read
 * once, while libelf has the file open; afterwards the struct is immutable and libelf is gone,
 * and only the file descriptor stays for sym_file_read().  All strings the other files hand
 * out are owned here (sym_strndup) and freed with the file.
 *
 * Only ET_EXEC and ET_DYN are accepted: relocatable objects and cores have no load addresses
 * to probe.  Anything that is not ELF is -ENOEXEC, a FIFO or a device included: those are
 * opened O_NONBLOCK and refused before a read, which could wait or never end; I/O errors keep
 * their errno.  A file whose symbol tables are missing or damaged still opens, because offsets
 * and segments remain useful; the symbol functions then report -ENOENT.
 *
 * Loading sorts every symbol, so a file is loaded once and shared: sym_file_open() of a path
 * whose file is unchanged (same device, inode, size and modification time) returns the loaded
 * one with one more reference, and sym_file_free() drops one.  Up to CACHE_IDLE files that
 * nobody holds stay loaded, so that the many open/free pairs of placing thousands of probes
 * in one library load it once (it was once per probe: seconds per thousand probes).  The
 * cache is not thread-safe, like the rest of the tracer.
 */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sym/internal.h"
#include "util/log.h"
#include "util/vec.h"

const char *sym_strndup(struct sym_file *f, const char *s, size_t n)
{
	char *p;

	if (VEC_GROW(f->strs, f->capstrs, f->nstrs) < 0)
		return NULL;
	p = strndup(s, n);
	if (p)
		f->strs[f->nstrs++] = p;
	return p;
}

Elf_Scn *sym_find_section(Elf *elf, const char *name, GElf_Shdr *ret_shdr)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) < 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n && !strcmp(n, name)) {
			if (ret_shdr)
				*ret_shdr = sh;
			return scn;
		}
	}
	return NULL;
}

uint64_t sym_read_uint(const struct sym_file *f, const void *p, size_t size)
{
	const uint8_t *b = p;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < size; i++) {
		size_t k = f->swap ? i : size - 1 - i;

		v = (v << 8) | b[k];
	}
	return v;
}

static int load_segments(struct sym_file *f, Elf *elf)
{
	size_t n, i;

	if (elf_getphdrnum(elf, &n) < 0)
		return -ENOEXEC;
	f->segs = calloc(n ? n : 1, sizeof(*f->segs));
	if (!f->segs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph))
			return -ENOEXEC;
		if (ph.p_type != PT_LOAD)
			continue;
		f->segs[f->nsegs++] = (struct sym_segment){
			.vaddr = ph.p_vaddr,
			.offset = ph.p_offset,
			.filesz = ph.p_filesz,
			.memsz = ph.p_memsz,
			.align = ph.p_align,
			.flags = ph.p_flags,
		};
	}
	return 0;
}

static int load_build_id(struct sym_file *f, Elf *elf)
{
	static const char hex[] = "0123456789abcdef";
	const void *id;
	ssize_t n = dwelf_elf_gnu_build_id(elf, &id);
	const uint8_t *b = id;
	ssize_t i;

	if (n <= 0)
		return 0;
	f->build_id = malloc(2 * (size_t)n + 1);
	if (!f->build_id)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		f->build_id[2 * i] = hex[b[i] >> 4];
		f->build_id[2 * i + 1] = hex[b[i] & 15];
	}
	f->build_id[2 * n] = '\0';
	return 0;
}

static int load_soname(struct sym_file *f, Elf *elf)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t i;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		for (i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			const char *s;

			if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag != DT_SONAME)
				continue;
			s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (!s)
				continue;
			f->soname = strdup(s);
			return f->soname ? 0 : -ENOMEM;
		}
	}
	return 0;
}

static int load(struct sym_file *f, Elf *elf)
{
	GElf_Ehdr eh;
	int r;

	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
		return -ENOEXEC;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return -ENOEXEC;
	f->type = eh.e_type;
	f->machine = eh.e_machine;
	f->elfclass = eh.e_ident[EI_CLASS];
	f->swap = eh.e_ident[EI_DATA] !=
		  (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB);
	r = load_segments(f, elf);
	if (!r)
		r = load_build_id(f, elf);
	if (!r)
		r = load_soname(f, elf);
	if (!r)
		r = sym_symtab_load(f, elf);
	if (!r)
		r = sym_plt_load(f, elf);
	if (!r)
		r = sym_sdt_load(f, elf);
	return r;
}

enum {
	CACHE_IDLE = 16
};

static struct sym_file *cache; /* most recently opened first */

static bool same_file(const struct sym_file *f, const char *path, const struct stat *st)
{
	return f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size &&
	       f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       !strcmp(f->path, path);
}

static void cache_unlink(struct sym_file *f)
{
	struct sym_file **p;

	for (p = &cache; *p; p = &(*p)->cached) {
		if (*p == f) {
			*p = f->cached;
			f->cached = NULL;
			return;
		}
	}
}

static struct sym_file *cache_find(const char *path)
{
	struct sym_file *f;
	struct stat st;

	if (stat(path, &st) < 0)
		return NULL;
	for (f = cache; f; f = f->cached) {
		if (same_file(f, path, &st)) {
			cache_unlink(f);
			f->cached = cache;
			cache = f;
			f->refs++;
			return f;
		}
	}
	return NULL;
}

static void file_destroy(struct sym_file *f);

/* Frees the idle files past the first CACHE_IDLE, least recently opened last. */
static void cache_trim(void)
{
	struct sym_file *f, *next;
	int idle = 0;

	for (f = cache; f; f = next) {
		next = f->cached;
		if (f->refs == 0 && ++idle > CACHE_IDLE) {
			cache_unlink(f);
			file_destroy(f);
		}
	}
}

struct sym_file *sym_file_open(const char *path, int *err)
{
	struct sym_file *f;
	struct stat st;
	Elf *elf;
	int r;

	f = cache_find(path);
	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f) {
		r = -ENOMEM;
		goto fail;
	}
	f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (f->fd < 0) {
		r = -errno;
		goto fail_free;
	}
	if (fstat(f->fd, &st) < 0) {
		r = -errno;
		goto fail_free;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -ENOEXEC;
		goto fail_free;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime = st.st_mtim;
	f->path = strdup(path);
	if (!f->path) {
		r = -ENOMEM;
		goto fail_free;
	}
	elf_version(EV_CURRENT);
	elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		r = -ENOEXEC;
		goto fail_free;
	}
	r = load(f, elf);
	elf_end(elf);
	if (r < 0)
		goto fail_free;
	f->refs = 1;
	f->cached = cache;
	cache = f;
	cache_trim();
	return f;

fail_free:
	pr_debug("%s: cannot open as ELF: %s", path, strerror(-r));
	file_destroy(f);
fail:
	if (err)
		*err = r;
	return NULL;
}

void sym_file_free(struct sym_file *f)
{
	if (!f || --f->refs > 0)
		return;
	cache_trim();
}

void sym_file_cache_drop(void)
{
	struct sym_file *f, *next;

	for (f = cache; f; f = next) {
		next = f->cached;
		if (f->refs == 0) {
			cache_unlink(f);
			file_destroy(f);
		}
	}
}

static void file_destroy(struct sym_file *f)
{
	size_t i;

	sym_sdt_release(f);
	sym_symtab_release(f);
	for (i = 0; i < f->nstrs; i++)
		free(f->strs[i]);
	free(f->strs);
	free(f->segs);
	free(f->soname);
	free(f->build_id);
	free(f->debug_path);
	free(f->path);
	if (f->fd >= 0)
		close(f->fd);
	free(f);
}

const char *sym_file_path(const struct sym_file *f)
{
	return f->path;
}

unsigned sym_file_type(const struct sym_file *f)
{
	return f->type;
}

unsigned sym_file_machine(const struct sym_file *f)
{
	return f->machine;
}

const char *sym_file_soname(const struct sym_file *f)
{
	return f->soname;
}

const char *sym_file_build_id(const struct sym_file *f)
{
	return f->build_id;
}

size_t sym_file_segment_count(const struct sym_file *f)
{
	return f->nsegs;
}

const struct sym_segment *sym_file_segment(const struct sym_file *f, size_t i)
{
	return i < f->nsegs ? &f->segs[i] : NULL;
}

int sym_file_read(const struct sym_file *f, uint64_t offset, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(f->fd, (char *)buf + done, len - done, (off_t)(offset + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EFAULT;
		done += (size_t)n;
	}
	return 0;
}
