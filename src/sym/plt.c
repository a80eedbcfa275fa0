/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PLT stubs named after the functions they call, as objdump -d shows them ("puts@plt").
 *
 * Like binutils' synthetic symbols, the stubs are decoded rather than counted: every x86-64
 * stub that can be called ends in "jmp *disp32(%rip)" (ff 25, possibly after endbr64 and a bnd
 * prefix), whose target is a GOT slot, and the dynamic relocation for that slot
 * (R_X86_64_JUMP_SLOT from .rela.plt, R_X86_64_GLOB_DAT from .rela.dyn for .plt.got) names the
 * function.  This holds for the lazy .plt, the IBT pair .plt/.plt.sec (where only .plt.sec
 * entries jump through the GOT and the lazy .plt entries stay unnamed, as in objdump) and
 * .plt.got.  PLT0 jumps to GOT+16, which has no relocation, so it never gets a name.  Stubs of
 * IRELATIVE slots (ifuncs called inside libc) are named after the ifunc symbol.
 *
 * Other machines get no PLT entries (a debug message says so), never wrong ones.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sym/internal.h"
#include "util/log.h"
#include "util/vec.h"

struct slot {
	uint64_t got;
	const char *name;
};

struct slots {
	struct slot *v;
	size_t n, cap;
};

static int cmp_slot(const void *pa, const void *pb)
{
	const struct slot *a = pa, *b = pb;

	return a->got < b->got ? -1 : a->got > b->got;
}

static int cmp_plt(const void *pa, const void *pb)
{
	const struct sym_symbol *a = pa, *b = pb;

	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static int slots_add(struct sym_file *f, struct slots *sl, uint64_t got, const char *name)
{
	const char *at = strchr(name, '@');

	if (VEC_GROW(sl->v, sl->cap, sl->n) < 0)
		return -ENOMEM;
	sl->v[sl->n].got = got;
	sl->v[sl->n].name = sym_strndup(f, name, at ? (size_t)(at - name) : strlen(name));
	if (!sl->v[sl->n].name)
		return -ENOMEM;
	sl->n++;
	return 0;
}

/*
 * An IRELATIVE slot has no symbol, only the ifunc resolver's address as addend: name it after
 * the function at that address (the STT_GNU_IFUNC symbol, e.g. "strlen"), else as objdump
 * does ("*ABS*+0x9f550").
 */
static const char *irelative_name(const struct sym_file *f, uint64_t resolver, char *buf,
				  size_t len)
{
	const struct sym_symbol *s;
	uint64_t off;

	if (!sym_addr_lookup(f, resolver, &s, &off) && !off)
		return s->name;
	snprintf(buf, len, "*ABS*+0x%llx", (unsigned long long)resolver);
	return buf;
}

static int load_relocs(struct sym_file *f, Elf *elf, struct slots *sl)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh, symsh;
		char buf[64];
		Elf_Scn *symscn;
		Elf_Data *d, *symd;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL) ||
		    !sh.sh_entsize)
			continue;
		symscn = elf_getscn(elf, sh.sh_link);
		if (!symscn || !gelf_getshdr(symscn, &symsh))
			continue;
		d = elf_getdata(scn, NULL);
		symd = elf_getdata(symscn, NULL);
		if (!d || !symd)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			GElf_Rela ra;
			GElf_Rel rl;
			GElf_Sym es;
			uint64_t off, info;
			const char *name;
			int r;

			if (sh.sh_type == SHT_RELA) {
				if (!gelf_getrela(d, (int)i, &ra))
					break;
				off = ra.r_offset;
				info = ra.r_info;
			} else {
				if (!gelf_getrel(d, (int)i, &rl))
					break;
				off = rl.r_offset;
				info = rl.r_info;
			}
			if (GELF_R_TYPE(info) == R_X86_64_IRELATIVE && sh.sh_type == SHT_RELA) {
				r = slots_add(
					f, sl, off,
					irelative_name(f, (uint64_t)ra.r_addend, buf, sizeof(buf)));
				if (r < 0)
					return r;
				continue;
			}
			if (GELF_R_TYPE(info) != R_X86_64_JUMP_SLOT &&
			    GELF_R_TYPE(info) != R_X86_64_GLOB_DAT)
				continue;
			if (!GELF_R_SYM(info) || !gelf_getsym(symd, (int)GELF_R_SYM(info), &es))
				continue;
			name = elf_strptr(elf, symsh.sh_link, es.st_name);
			if (!name || !*name)
				continue;
			r = slots_add(f, sl, off, name);
			if (r < 0)
				return r;
		}
	}
	if (sl->n > 1)
		qsort(sl->v, sl->n, sizeof(*sl->v), cmp_slot);
	return 0;
}

static const char *slot_name(const struct slots *sl, uint64_t got)
{
	struct slot key = {.got = got};
	const struct slot *s = sl->n ? bsearch(&key, sl->v, sl->n, sizeof(*sl->v), cmp_slot) : NULL;

	return s ? s->name : NULL;
}

/* The GOT slot an x86-64 stub jumps through, or 0. */
static uint64_t stub_target(const uint8_t *p, size_t len, uint64_t addr)
{
	size_t i;

	for (i = 0; i + 6 <= len; i++) {
		int32_t disp;

		if (p[i] != 0xff || p[i + 1] != 0x25)
			continue;
		disp = (int32_t)((uint32_t)p[i + 2] | (uint32_t)p[i + 3] << 8 |
				 (uint32_t)p[i + 4] << 16 | (uint32_t)p[i + 5] << 24);
		return addr + i + 6 + (uint64_t)(int64_t)disp;
	}
	return 0;
}

static int scan_section(struct sym_file *f, Elf *elf, const char *secname, const struct slots *sl,
			size_t *cap)
{
	GElf_Shdr sh;
	Elf_Scn *scn = sym_find_section(elf, secname, &sh);
	Elf_Data *d;
	uint64_t ent, i;

	if (!scn || sh.sh_type != SHT_PROGBITS)
		return 0;
	d = elf_getdata(scn, NULL);
	if (!d || !d->d_buf)
		return 0;
	ent = sh.sh_entsize ? sh.sh_entsize : 16;
	for (i = 0; i + ent <= d->d_size; i += ent) {
		uint64_t addr = sh.sh_addr + i;
		uint64_t got = stub_target((const uint8_t *)d->d_buf + i, ent, addr);
		const char *name = got ? slot_name(sl, got) : NULL;

		if (!name)
			continue;
		if (VEC_GROW(f->plt, *cap, f->nplt) < 0)
			return -ENOMEM;
		f->plt[f->nplt++] = (struct sym_symbol){
			.name = name,
			.addr = addr,
			.size = ent,
			.bind = STB_LOCAL,
			.type = STT_FUNC,
			.origin = SYM_FROM_PLT,
		};
	}
	return 0;
}

int sym_plt_load(struct sym_file *f, Elf *elf)
{
	static const char *const sections[] = {".plt", ".plt.sec", ".plt.got"};
	struct slots sl = {0};
	size_t cap = 0, i;
	int r;

	if (f->machine != EM_X86_64) {
		pr_debug("%s: PLT decoding is only implemented for x86-64", f->path);
		return 0;
	}
	r = load_relocs(f, elf, &sl);
	for (i = 0; !r && i < sizeof(sections) / sizeof(sections[0]); i++)
		r = scan_section(f, elf, sections[i], &sl, &cap);
	free(sl.v);
	if (r < 0)
		return r;
	if (f->nplt)
		qsort(f->plt, f->nplt, sizeof(*f->plt), cmp_plt);
	return 0;
}

size_t sym_plt_count(const struct sym_file *f)
{
	return f->nplt;
}

const struct sym_symbol *sym_plt_at(const struct sym_file *f, size_t i)
{
	return i < f->nplt ? &f->plt[i] : NULL;
}

int sym_plt_lookup(const struct sym_file *f, const char *name, const struct sym_symbol **ret_sym)
{
	size_t len = strlen(name), i;

	if (len >= 4 && !strcmp(name + len - 4, "@plt"))
		len -= 4;
	for (i = 0; i < f->nplt; i++) {
		if (!strncmp(f->plt[i].name, name, len) && !f->plt[i].name[len]) {
			*ret_sym = &f->plt[i];
			return 0;
		}
	}
	return -ENOENT;
}
