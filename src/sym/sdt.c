/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SDT probe sites from .note.stapsdt (sys/sdt.h, note type 3, owner "stapsdt").  Each note's
 * descriptor is three addresses (probe pc, the link-time address of .stapsdt.base, the
 * semaphore or 0) followed by three strings: provider, name, argument format.
 *
 * Notes are not relocated by prelink-style address changes, so like SystemTap the recorded
 * addresses are shifted by (actual .stapsdt.base address - recorded base); the semaphore moves
 * with them, as prelink shifts the whole object.  Without a .stapsdt.base section (or a zero
 * recorded base) the addresses are taken as they are.  The probe pc's file offset is what a
 * uprobe is keyed by, and the semaphore's file offset is mainline's ref_ctr_offset: a short in
 * the file-backed data segment.
 *
 * A malformed note is skipped with a debug message; an argument string that does not parse
 * keeps the site (it can still be probed) with args_err < 0 and no parsed arguments.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "sym/internal.h"
#include "util/log.h"
#include "util/vec.h"

#define NT_STAPSDT 3

static int add_note(struct sym_file *f, const uint8_t *desc, size_t len, uint64_t base_addr,
		    bool have_base, size_t *cap)
{
	size_t asz = f->elfclass == ELFCLASS64 ? 8 : 4;
	struct sym_sdt_note n = {0};
	const char *s[3];
	size_t i, off = 3 * asz;
	uint64_t delta = 0;

	if (len < 3 * asz + 3)
		return -EINVAL;
	for (i = 0; i < 3; i++) {
		const char *p = (const char *)desc + off;
		size_t l = strnlen(p, len - off);

		if (off + l >= len)
			return -EINVAL;
		s[i] = sym_strndup(f, p, l);
		if (!s[i])
			return -ENOMEM;
		off += l + 1;
	}
	n.provider = s[0];
	n.name = s[1];
	n.args = s[2];
	n.note_pc = sym_read_uint(f, desc, asz);
	n.base = sym_read_uint(f, desc + asz, asz);
	n.semaphore = sym_read_uint(f, desc + 2 * asz, asz);
	if (have_base && n.base)
		delta = base_addr - n.base;
	n.pc = n.note_pc + delta;
	if (n.semaphore)
		n.semaphore += delta;
	if (sym_vaddr_to_offset(f, n.pc, 0, &n.pc_offset) < 0)
		pr_debug("%s: sdt %s:%s: pc 0x%llx outside the file's segments", f->path,
			 n.provider, n.name, (unsigned long long)n.pc);
	if (n.semaphore && sym_vaddr_to_offset(f, n.semaphore, 0, &n.semaphore_offset) < 0)
		pr_debug("%s: sdt %s:%s: semaphore 0x%llx has no file offset", f->path, n.provider,
			 n.name, (unsigned long long)n.semaphore);
	n.args_err = sym_sdt_parse_args(n.args, &n.argv, &n.nargs);
	if (n.args_err < 0)
		pr_debug("%s: sdt %s:%s: cannot parse arguments '%s'", f->path, n.provider, n.name,
			 n.args);

	if (VEC_GROW(f->sdt, *cap, f->nsdt) < 0) {
		sym_sdt_args_free(n.argv, n.nargs);
		return -ENOMEM;
	}
	f->sdt[f->nsdt++] = n;
	return 0;
}

int sym_sdt_load(struct sym_file *f, Elf *elf)
{
	GElf_Shdr basesh, sh;
	bool have_base = sym_find_section(elf, ".stapsdt.base", &basesh) != NULL;
	Elf_Scn *scn = sym_find_section(elf, ".note.stapsdt", &sh);
	Elf_Data *d;
	size_t off = 0, next, name_off, desc_off, cap = 0;
	GElf_Nhdr nh;

	if (!scn || sh.sh_type != SHT_NOTE)
		return 0;
	d = elf_getdata(scn, NULL);
	if (!d)
		return 0;
	while ((next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const char *owner = (const char *)d->d_buf + name_off;
		int r;

		off = next;
		if (nh.n_type != NT_STAPSDT || nh.n_namesz != sizeof("stapsdt") ||
		    memcmp(owner, "stapsdt", sizeof("stapsdt")))
			continue;
		r = add_note(f, (const uint8_t *)d->d_buf + desc_off, nh.n_descsz,
			     have_base ? basesh.sh_addr : 0, have_base, &cap);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			pr_debug("%s: malformed stapsdt note at 0x%zx", f->path, desc_off);
	}
	return 0;
}

void sym_sdt_release(struct sym_file *f)
{
	size_t i;

	for (i = 0; i < f->nsdt; i++)
		sym_sdt_args_free(f->sdt[i].argv, f->sdt[i].nargs);
	free(f->sdt);
	f->sdt = NULL;
	f->nsdt = 0;
}

size_t sym_sdt_count(const struct sym_file *f)
{
	return f->nsdt;
}

const struct sym_sdt_note *sym_sdt_at(const struct sym_file *f, size_t i)
{
	return i < f->nsdt ? &f->sdt[i] : NULL;
}

int sym_sdt_glob(const struct sym_file *f, const char *provider, const char *name,
		 sym_sdt_iter_fn fn, void *data)
{
	size_t i;
	int count = 0;

	for (i = 0; i < f->nsdt; i++) {
		const struct sym_sdt_note *n = &f->sdt[i];
		int r;

		if ((provider && fnmatch(provider, n->provider, 0)) || fnmatch(name, n->name, 0))
			continue;
		count++;
		r = fn ? fn(n, data) : 0;
		if (r < 0)
			return r;
		if (r > 0)
			break;
	}
	return count;
}

int sym_sdt_find(const struct sym_file *f, const char *provider, const char *name,
		 const struct sym_sdt_note **ret_note)
{
	size_t i;

	for (i = 0; i < f->nsdt; i++) {
		const struct sym_sdt_note *n = &f->sdt[i];

		if ((!provider || !strcmp(provider, n->provider)) && !strcmp(name, n->name)) {
			*ret_note = n;
			return 0;
		}
	}
	return -ENOENT;
}
