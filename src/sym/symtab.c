/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Function symbols: .symtab and .dynsym merged into one table in address order, plus an index
 * by name.  Only defined STT_FUNC and STT_GNU_IFUNC symbols are kept.
 *
 * Versions come from .gnu.version/.gnu.version_d for .dynsym; ld also writes "name@VER" and
 * "name@@VER" literally into .symtab, and those are split the same way, so a symbol is stored
 * once with its bare name and its version.  Two entries are the same symbol when address and
 * bare name agree and their versions do not contradict (an unversioned .symtab entry merges
 * into the versioned .dynsym one); aliases with other names stay separate.
 *
 * Order, invariant for the whole life of the file: by address, then global before weak before
 * local, default version before hidden, then by name.  The first entry at an address is
 * therefore the one a backtrace shows.  A bare-name lookup prefers what the dynamic linker
 * would bind (unversioned or default version), then the same bind order.
 *
 * A stripped file's .symtab is taken from its separate debug file when one is installed
 * (debuginfo.c).  A file with neither table opens fine; lookups say -ENOENT and sym_explain() tells the user
 * that the file is stripped.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sym/internal.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/vec.h"

struct symvec {
	struct sym_symbol *v;
	size_t n, cap;
};

static int symvec_push(struct symvec *sv, const struct sym_symbol *s)
{
	if (VEC_GROW(sv->v, sv->cap, sv->n) < 0)
		return -ENOMEM;
	sv->v[sv->n++] = *s;
	return 0;
}

static int bind_rank(uint8_t bind)
{
	return bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
}

/* 0: unversioned or default version (what a plain reference binds to), 1: hidden. */
static int version_rank(const struct sym_symbol *s)
{
	return s->version && s->hidden_version;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_str0(const char *a, const char *b)
{
	if (!a || !b)
		return !!a - !!b;
	return strcmp(a, b);
}

/* Merge order: equal (addr, name) adjacent, unversioned first. */
static int cmp_merge(const void *pa, const void *pb)
{
	const struct sym_symbol *a = pa, *b = pb;
	int c = cmp_u64(a->addr, b->addr);

	if (!c)
		c = strcmp(a->name, b->name);
	if (!c)
		c = cmp_str0(a->version, b->version);
	if (!c)
		c = a->hidden_version - b->hidden_version;
	return c;
}

static int cmp_addr(const void *pa, const void *pb)
{
	const struct sym_symbol *a = pa, *b = pb;
	int c = cmp_u64(a->addr, b->addr);

	if (!c)
		c = bind_rank(a->bind) - bind_rank(b->bind);
	if (!c)
		c = version_rank(a) - version_rank(b);
	if (!c)
		c = strcmp(a->name, b->name);
	if (!c)
		c = cmp_str0(a->version, b->version);
	return c;
}

static int cmp_name_idx(const void *pa, const void *pb, void *base)
{
	const struct sym_symbol *a = (const struct sym_symbol *)base + *(const uint32_t *)pa;
	const struct sym_symbol *b = (const struct sym_symbol *)base + *(const uint32_t *)pb;
	int c = strcmp(a->name, b->name);

	if (!c)
		c = version_rank(a) - version_rank(b);
	if (!c)
		c = bind_rank(a->bind) - bind_rank(b->bind);
	if (!c)
		c = cmp_u64(a->addr, b->addr);
	return c;
}

/* Version names by .gnu.version index; NULL entries for the base and missing ones. */
static int load_verdefs(struct sym_file *f, Elf *elf, const char ***ret_names, size_t *ret_n)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char **names = NULL;
		size_t n = 0, off = 0;
		GElf_Verdef vd;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_GNU_verdef)
			continue;
		d = elf_getdata(scn, NULL);
		while (d && gelf_getverdef(d, (int)off, &vd)) {
			GElf_Verdaux aux;
			const char *s;

			if (!(vd.vd_flags & VER_FLG_BASE) &&
			    gelf_getverdaux(d, (int)(off + vd.vd_aux), &aux) &&
			    (s = elf_strptr(elf, sh.sh_link, aux.vda_name))) {
				if (vd.vd_ndx >= n) {
					size_t nn = vd.vd_ndx + 1u;
					const char **v = realloc(names, nn * sizeof(*v));

					if (!v) {
						free(names);
						return -ENOMEM;
					}
					memset(v + n, 0, (nn - n) * sizeof(*v));
					names = v;
					n = nn;
				}
				names[vd.vd_ndx] = sym_strndup(f, s, strlen(s));
				if (!names[vd.vd_ndx]) {
					free(names);
					return -ENOMEM;
				}
			}
			if (!vd.vd_next)
				break;
			off += vd.vd_next;
		}
		*ret_names = names;
		*ret_n = n;
		return 0;
	}
	return 0;
}

static Elf_Data *find_versym(Elf *elf)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym)
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

static int load_table(struct sym_file *f, Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
		      struct symvec *sv)
{
	bool dyn = sh->sh_type == SHT_DYNSYM;
	const char **vernames = NULL;
	size_t nver = 0, i, n;
	Elf_Data *d = elf_getdata(scn, NULL), *versym = NULL;
	int r = 0;

	if (!d || !sh->sh_entsize)
		return 0;
	if (dyn) {
		r = load_verdefs(f, elf, &vernames, &nver);
		if (r < 0)
			return r;
		versym = find_versym(elf);
	}
	n = sh->sh_size / sh->sh_entsize;
	for (i = 1; i < n && !r; i++) {
		struct sym_symbol s = {0};
		GElf_Sym es;
		GElf_Versym vs;
		const char *name, *at;
		int t;

		if (!gelf_getsym(d, (int)i, &es))
			break;
		t = GELF_ST_TYPE(es.st_info);
		if ((t != STT_FUNC && t != STT_GNU_IFUNC) || es.st_shndx == SHN_UNDEF ||
		    !es.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, es.st_name);
		if (!name || !*name)
			continue;
		at = strchr(name, '@');
		s.name = sym_strndup(f, name, at ? (size_t)(at - name) : strlen(name));
		if (!s.name) {
			r = -ENOMEM;
			break;
		}
		if (at) {
			s.hidden_version = at[1] != '@';
			at += s.hidden_version ? 1 : 2;
			s.version = sym_strndup(f, at, strlen(at));
			if (!s.version) {
				r = -ENOMEM;
				break;
			}
		} else if (versym && gelf_getversym(versym, (int)i, &vs)) {
			size_t idx = vs & 0x7fff;

			if (idx < nver && vernames[idx]) {
				s.version = vernames[idx];
				s.hidden_version = vs & 0x8000;
			}
		}
		s.addr = es.st_value;
		s.size = es.st_size;
		s.bind = GELF_ST_BIND(es.st_info);
		s.type = (uint8_t)t;
		s.origin = dyn ? SYM_FROM_DYNSYM : SYM_FROM_SYMTAB;
		r = symvec_push(sv, &s);
	}
	free(vernames);
	return r;
}

/* .symtab of a stripped file from its separate debug file. */
static int load_debug_symtab(struct sym_file *f, Elf *elf, struct symvec *sv)
{
	Elf_Scn *scn = NULL;
	int fd, r = 0;
	Elf *dbg = sym_debug_open(f, elf, &fd);

	if (!dbg)
		return 0;
	while (!r && (scn = elf_nextscn(dbg, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		f->has_symtab = true;
		r = load_table(f, dbg, scn, &sh, sv);
	}
	elf_end(dbg);
	close(fd);
	return r;
}

static bool same_symbol(const struct sym_symbol *a, const struct sym_symbol *b)
{
	if (a->addr != b->addr || strcmp(a->name, b->name))
		return false;
	if (!a->version || !b->version)
		return true;
	return !strcmp(a->version, b->version) && a->hidden_version == b->hidden_version;
}

static void merge_into(struct sym_symbol *dst, const struct sym_symbol *src)
{
	if (!dst->version && src->version) {
		dst->version = src->version;
		dst->hidden_version = src->hidden_version;
	}
	if (src->size > dst->size)
		dst->size = src->size;
	if (bind_rank(src->bind) < bind_rank(dst->bind))
		dst->bind = src->bind;
	dst->origin |= src->origin;
}

static void dedup(struct symvec *sv)
{
	size_t i, j, out = 0;

	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), cmp_merge);
	for (i = 0; i < sv->n; i = j) {
		struct sym_symbol s = sv->v[i];

		for (j = i + 1; j < sv->n && same_symbol(&s, &sv->v[j]); j++)
			merge_into(&s, &sv->v[j]);
		sv->v[out++] = s;
	}
	sv->n = out;
}

int sym_symtab_load(struct sym_file *f, Elf *elf)
{
	struct symvec sv = {0};
	Elf_Scn *scn = NULL;
	size_t i;
	int r = 0;

	while (!r && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			f->has_symtab = true;
		else if (sh.sh_type == SHT_DYNSYM)
			f->has_dynsym = true;
		else
			continue;
		r = load_table(f, elf, scn, &sh, &sv);
	}
	if (!r && !f->has_symtab)
		r = load_debug_symtab(f, elf, &sv);
	if (r < 0) {
		free(sv.v);
		return r;
	}
	dedup(&sv);
	if (sv.n > 1)
		qsort(sv.v, sv.n, sizeof(*sv.v), cmp_addr);
	f->by_name = malloc((sv.n ? sv.n : 1) * sizeof(*f->by_name));
	if (!f->by_name) {
		free(sv.v);
		return -ENOMEM;
	}
	for (i = 0; i < sv.n; i++)
		f->by_name[i] = (uint32_t)i;
	if (sv.n > 1)
		qsort_r(f->by_name, sv.n, sizeof(*f->by_name), cmp_name_idx, sv.v);
	f->syms = sv.v;
	f->nsyms = sv.n;
	pr_debug("%s: %zu functions (%s%s)", f->path, f->nsyms, f->has_symtab ? ".symtab " : "",
		 f->has_dynsym ? ".dynsym" : "");
	return 0;
}

void sym_symtab_release(struct sym_file *f)
{
	free(f->syms);
	free(f->by_name);
	free(f->plt);
	f->syms = f->plt = NULL;
	f->by_name = NULL;
	f->nsyms = f->nplt = 0;
}

void sym_format_name(const struct sym_symbol *s, bool with_version, struct strbuf *sb)
{
	sb_printf(sb, "%s", s->name);
	if (s->origin & SYM_FROM_PLT)
		sb_printf(sb, "@plt");
	else if (with_version && s->version)
		sb_printf(sb, "%s%s", s->hidden_version ? "@" : "@@", s->version);
}

bool sym_file_has_symbols(const struct sym_file *f)
{
	return f->has_symtab || f->has_dynsym;
}

size_t sym_count(const struct sym_file *f)
{
	return f->nsyms;
}

const struct sym_symbol *sym_at(const struct sym_file *f, size_t i)
{
	return i < f->nsyms ? &f->syms[i] : NULL;
}

/* The first by_name slot whose name is >= name. */
static size_t name_lower_bound(const struct sym_file *f, const char *name, size_t len)
{
	size_t lo = 0, hi = f->nsyms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *n = f->syms[f->by_name[mid]].name;
		int c = strncmp(n, name, len);

		if (!c && n[len])
			c = 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int sym_lookup(const struct sym_file *f, const char *name, const struct sym_symbol **ret_sym)
{
	const char *at = strchr(name, '@'), *ver = NULL;
	size_t len = at ? (size_t)(at - name) : strlen(name);
	bool need_default = false;
	size_t i;

	if (at && !strcmp(at, "@plt"))
		return sym_plt_lookup(f, name, ret_sym);
	if (!sym_file_has_symbols(f))
		return -ENOENT;
	if (at) {
		need_default = at[1] == '@';
		ver = at + (need_default ? 2 : 1);
	}
	for (i = name_lower_bound(f, name, len); i < f->nsyms; i++) {
		const struct sym_symbol *s = &f->syms[f->by_name[i]];

		if (strncmp(s->name, name, len) || s->name[len])
			break;
		if (ver && (!s->version || strcmp(s->version, ver)))
			continue;
		if (need_default && s->hidden_version)
			continue;
		*ret_sym = s;
		return 0;
	}
	return -ENOENT;
}

int sym_glob(const struct sym_file *f, const char *pattern, sym_iter_fn fn, void *data)
{
	size_t plen = strlen(pattern), i, n;
	bool plt = plen >= 4 && !strcmp(pattern + plen - 4, "@plt");
	bool versioned = !plt && strchr(pattern, '@');
	const struct sym_symbol *v = plt ? f->plt : f->syms;
	struct strbuf sb = {0};
	char *pat = NULL;
	int count = 0, r = 0;

	if (!plt && !sym_file_has_symbols(f))
		return -ENOENT;
	if (plt) {
		pat = strndup(pattern, plen - 4);
		if (!pat)
			return -ENOMEM;
		pattern = pat;
	}
	n = plt ? f->nplt : f->nsyms;
	for (i = 0; i < n; i++) {
		const char *subject = v[i].name;

		if (versioned) {
			sb_reset(&sb);
			sym_format_name(&v[i], true, &sb);
			subject = sb_str(&sb);
		}
		if (fnmatch(pattern, subject, 0))
			continue;
		count++;
		r = fn ? fn(&v[i], data) : 0;
		if (r)
			break;
	}
	sb_release(&sb);
	free(pat);
	return r < 0 ? r : count;
}

/* How many symbols of v (address order) start at or below vaddr. */
static size_t upper_bound(const struct sym_symbol *v, size_t n, uint64_t vaddr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first-ordered sized symbol of v containing vaddr; looks back a few for nesting. */
static const struct sym_symbol *containing(const struct sym_symbol *v, size_t n, uint64_t vaddr)
{
	size_t i = upper_bound(v, n, vaddr), tries;

	for (tries = 0; i > 0 && tries < 16; tries++) {
		i--;
		while (i > 0 && v[i - 1].addr == v[i].addr)
			i--;
		if (vaddr - v[i].addr < v[i].size)
			return &v[i];
	}
	return NULL;
}

/*
 * An unsized symbol (assembly, crt files) covers up to the next symbol of either table, within
 * its segment's file bytes, as objdump labels such code.
 */
static const struct sym_symbol *unsized_before(const struct sym_file *f, uint64_t vaddr)
{
	size_t hi = upper_bound(f->syms, f->nsyms, vaddr), i, p;
	const struct sym_segment *seg;

	if (!hi)
		return NULL;
	for (i = hi - 1; i > 0 && f->syms[i - 1].addr == f->syms[hi - 1].addr; i--)
		;
	for (p = i; p < hi; p++)
		if (f->syms[p].size)
			return NULL;
	p = upper_bound(f->plt, f->nplt, vaddr);
	if (p && f->plt[p - 1].addr > f->syms[i].addr)
		return NULL;
	seg = sym_segment_of_vaddr(f, f->syms[i].addr);
	if (!seg || seg != sym_segment_of_vaddr(f, vaddr))
		return NULL;
	return &f->syms[i];
}

int sym_addr_lookup(const struct sym_file *f, uint64_t vaddr, const struct sym_symbol **ret_sym,
		    uint64_t *ret_off)
{
	const struct sym_symbol *s = containing(f->syms, f->nsyms, vaddr);

	if (!s)
		s = containing(f->plt, f->nplt, vaddr);
	if (!s)
		s = unsized_before(f, vaddr);
	if (!s)
		return -ENOENT;
	if (ret_sym)
		*ret_sym = s;
	if (ret_off)
		*ret_off = vaddr - s->addr;
	return 0;
}

int sym_addr_to_name(const struct sym_file *f, uint64_t vaddr, struct strbuf *sb)
{
	const struct sym_symbol *s;
	uint64_t off;
	int r = sym_addr_lookup(f, vaddr, &s, &off);

	if (r < 0)
		return r;
	sym_format_name(s, false, sb);
	if (off)
		sb_printf(sb, "+0x%llx", (unsigned long long)off);
	return 0;
}

void sym_explain(const struct sym_file *f, const char *name, int err, struct strbuf *sb)
{
	const char *p = f->path;

	switch (err) {
	case -ENOENT:
		if (!sym_file_has_symbols(f))
			sb_printf(sb,
				  "%s: no symbol table (.symtab and .dynsym are both missing, the "
				  "file is fully stripped): cannot find '%s'; probe an address "
				  "instead or install debug symbols",
				  p, name);
		else if (!f->has_symtab)
			sb_printf(sb,
				  "%s: no function '%s' in .dynsym (.symtab is stripped, only "
				  "exported functions are known)",
				  p, name);
		else
			sb_printf(sb, "%s: no function '%s'", p, name);
		break;
	case -ERANGE:
		sb_printf(sb, "%s: %s: address outside the function or the file's segments", p,
			  name);
		break;
	case -EACCES:
		sb_printf(sb, "%s: %s: not in an executable segment", p, name);
		break;
	default:
		sb_printf(sb, "%s: %s: %s", p, name, strerror(-err));
		break;
	}
}
