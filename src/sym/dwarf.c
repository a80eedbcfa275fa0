/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DWARF of one ELF file through libdw: what stap's dwflpp does for user-space probes.
 *
 * A struct sym_dwarf holds the file's Dwarf handle and its call frame information (.eh_frame,
 * else .debug_frame).  Functions are found by name across the compile units (defined ones,
 * with code) or by address through the scopes containing it; the prologue end is libdw's
 * dwarf_entry_breakpoints (the line table's prologue_end, else the second line record), which
 * is where stap puts a .function probe.
 *
 * Variables are located at one pc and reduced to three shapes the runtime evaluates without
 * DWARF: a register's value, memory at register + offset, or memory at a file address.  The
 * frame base of DW_OP_fbreg is resolved here: DW_OP_call_frame_cfa (what gcc emits) becomes the
 * CFA rule of the CFI at that pc (rbp + 16 after an -O0 prologue, rsp + 8 at the entry); a
 * register frame base is taken as is.  Anything else (pieces, DW_OP_stack_value, computed
 * expressions) is "unsupported location" rather than a wrong value.
 *
 * Types are built once per DIE (typedefs and qualifiers peeled off), cached by DIE offset
 * before their members so self-referencing structs terminate, and freed with the handle.
 * Hostile DWARF can make any reference graph: nesting and chains are bounded, a cycle of
 * typedefs or qualifiers is the void type.
 */
/* The system <dwarf.h>, not this directory's sym/dwarf.h (the target includes its own dir). */
#include <elfutils/../dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sym/dwarf-priv.h"
#include "util/vec.h"

struct type_ent {
	Dwarf_Off off;
	struct sym_dw_type *t;
};

struct sym_dwarf {
	int fd;
	Dwarf *dw;
	Elf *elf;
	Dwarf_CFI *cfi_eh;  /* owned by dw's Elf; freed with dwarf_cfi_end */
	Dwarf_CFI *cfi_dbg; /* owned by dw */
	struct type_ent *types;
	size_t ntypes, captypes;
	char **strs;
	size_t nstrs, capstrs;
	struct sym_dw_var *vars;
	size_t nvars, capvars;
};

static const struct sym_dw_type void_type = {.kind = SYM_DWT_VOID, .name = "void"};

/* Typedefs and qualifiers peeled off one type before giving up on it. */
#define MAX_PEEL 64

static const char *keep(struct sym_dwarf *d, char *s)
{
	if (!s)
		return "?";
	if (VEC_GROW(d->strs, d->capstrs, d->nstrs) < 0) {
		free(s);
		return "?";
	}
	d->strs[d->nstrs++] = s;
	return s;
}

static const char *fmt_name(struct sym_dwarf *d, const char *a, const char *b)
{
	char *s;

	if (asprintf(&s, "%s%s", a, b) < 0)
		return "?";
	return keep(d, s);
}

int sym_dwarf_open(const char *path, struct sym_dwarf **ret)
{
	struct sym_dwarf *d;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENODATA;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	d->fd = fd;
	d->dw = dwarf_begin(fd, DWARF_C_READ);
	if (!d->dw) {
		sym_dwarf_free(d);
		return -ENODATA;
	}
	d->elf = dwarf_getelf(d->dw);
	d->cfi_eh = d->elf ? dwarf_getcfi_elf(d->elf) : NULL;
	d->cfi_dbg = dwarf_getcfi(d->dw);
	*ret = d;
	return 0;
}

void sym_dwarf_free(struct sym_dwarf *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->ntypes; i++) {
		free((void *)d->types[i].t->members);
		free(d->types[i].t);
	}
	free(d->types);
	for (size_t i = 0; i < d->nstrs; i++)
		free(d->strs[i]);
	free(d->strs);
	free(d->vars);
	if (d->cfi_eh)
		dwarf_cfi_end(d->cfi_eh);
	if (d->dw)
		dwarf_end(d->dw);
	close(d->fd);
	free(d);
}

/* ---- types ---------------------------------------------------------------------------------- */

static const struct sym_dw_type *build_type(struct sym_dwarf *d, Dwarf_Die *td, int depth);

static const struct sym_dw_type *type_of(struct sym_dwarf *d, Dwarf_Die *die, int depth)
{
	Dwarf_Attribute a;
	Dwarf_Die td;

	if (!dwarf_attr_integrate(die, DW_AT_type, &a) || !dwarf_formref_die(&a, &td))
		return &void_type;
	return build_type(d, &td, depth);
}

static const char *tagged_name(struct sym_dwarf *d, const char *tag, Dwarf_Die *td)
{
	const char *n = dwarf_diename(td);

	return fmt_name(d, tag, n ? n : "{...}");
}

static void build_members(struct sym_dwarf *d, struct sym_dw_type *t, Dwarf_Die *td, int depth)
{
	struct sym_dw_member *m = NULL;
	size_t n = 0, cap = 0;
	Dwarf_Die c;

	if (dwarf_child(td, &c) != 0)
		return;
	do {
		Dwarf_Attribute a;
		Dwarf_Word off = 0;
		if (dwarf_tag(&c) != DW_TAG_member)
			continue;
		if (dwarf_attr(&c, DW_AT_data_member_location, &a))
			dwarf_formudata(&a, &off);
		if (VEC_GROW(m, cap, n) < 0)
			break;
		m[n].name = dwarf_diename(&c);
		m[n].offset = off;
		m[n].type = type_of(d, &c, depth + 1);
		n++;
	} while (dwarf_siblingof(&c, &c) == 0);
	t->members = m;
	t->nmembers = n;
}

static const struct sym_dw_type *build_type(struct sym_dwarf *d, Dwarf_Die *in, int depth)
{
	Dwarf_Die die = *in, *td = &die;
	Dwarf_Attribute a;
	Dwarf_Word w;
	struct sym_dw_type *t;
	Dwarf_Off off;
	int tag;

	for (int peeled = 0;; peeled++) {
		tag = dwarf_tag(td);
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type &&
		    tag != DW_TAG_volatile_type && tag != DW_TAG_restrict_type &&
		    tag != DW_TAG_atomic_type)
			break;
		/* A chain this long is a cycle (a typedef of itself): no type. */
		if (peeled > MAX_PEEL || !dwarf_attr_integrate(td, DW_AT_type, &a) ||
		    !dwarf_formref_die(&a, td))
			return &void_type;
	}
	off = dwarf_dieoffset(td);
	for (size_t i = 0; i < d->ntypes; i++)
		if (d->types[i].off == off)
			return d->types[i].t;
	if (depth > 64)
		return &void_type;
	t = calloc(1, sizeof(*t));
	if (!t || VEC_GROW(d->types, d->captypes, d->ntypes) < 0) {
		free(t);
		return &void_type;
	}
	d->types[d->ntypes++] = (struct type_ent){off, t};
	t->name = "?";
	if (dwarf_attr_integrate(td, DW_AT_byte_size, &a) && dwarf_formudata(&a, &w) == 0)
		t->size = w;
	switch (tag) {
	case DW_TAG_base_type:
		t->kind = SYM_DWT_BASE;
		t->name = dwarf_diename(td) ?: "?";
		if (dwarf_attr(td, DW_AT_encoding, &a) && dwarf_formudata(&a, &w) == 0) {
			t->is_signed = w == DW_ATE_signed || w == DW_ATE_signed_char;
			t->is_char = w == DW_ATE_signed_char || w == DW_ATE_unsigned_char;
			t->is_float = w == DW_ATE_float;
		}
		break;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		t->kind = SYM_DWT_POINTER;
		t->size = 8;
		t->target = type_of(d, td, depth + 1);
		t->name = fmt_name(d, t->target->name, "*");
		break;
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
		t->kind = tag == DW_TAG_union_type ? SYM_DWT_UNION : SYM_DWT_STRUCT;
		t->name = tagged_name(d, tag == DW_TAG_union_type ? "union " : "struct ", td);
		t->incomplete = dwarf_hasattr(td, DW_AT_declaration);
		build_members(d, t, td, depth);
		break;
	case DW_TAG_array_type: {
		Dwarf_Die c;
		char buf[32] = "[]";

		t->kind = SYM_DWT_ARRAY;
		t->target = type_of(d, td, depth + 1);
		if (dwarf_child(td, &c) == 0 && dwarf_tag(&c) == DW_TAG_subrange_type) {
			if (dwarf_attr(&c, DW_AT_count, &a) && dwarf_formudata(&a, &w) == 0)
				t->count = w;
			else if (dwarf_attr(&c, DW_AT_upper_bound, &a) &&
				 dwarf_formudata(&a, &w) == 0)
				t->count = w + 1;
		}
		if (t->count)
			snprintf(buf, sizeof(buf), "[%llu]", (unsigned long long)t->count);
		t->size = t->count * t->target->size;
		t->name = fmt_name(d, t->target->name, buf);
		break;
	}
	case DW_TAG_enumeration_type:
		t->kind = SYM_DWT_ENUM;
		t->name = tagged_name(d, "enum ", td);
		t->is_signed = true;
		break;
	case DW_TAG_subroutine_type:
		t->kind = SYM_DWT_FUNC;
		t->name = "function";
		break;
	default:
		t->kind = SYM_DWT_VOID;
		t->name = "void";
		break;
	}
	return t;
}

/* ---- locations ------------------------------------------------------------------------------ */

/* The CFA at pc as register + offset, from the CFI. */
static int cfa_at(struct sym_dwarf *d, uint64_t pc, int *reg, int64_t *off)
{
	Dwarf_CFI *cfis[] = {d->cfi_eh, d->cfi_dbg};

	for (size_t i = 0; i < 2; i++) {
		Dwarf_Frame *fr;
		Dwarf_Op *ops;
		size_t nops;
		int r = -1;

		if (!cfis[i] || dwarf_cfi_addrframe(cfis[i], pc, &fr) != 0)
			continue;
		if (dwarf_frame_cfa(fr, &ops, &nops) == 0 && nops == 1) {
			if (ops[0].atom == DW_OP_bregx) {
				*reg = (int)ops[0].number;
				*off = (int64_t)ops[0].number2;
				r = 0;
			} else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
				*reg = ops[0].atom - DW_OP_breg0;
				*off = (int64_t)ops[0].number;
				r = 0;
			}
		}
		free(fr);
		if (r == 0)
			return 0;
	}
	return -ENOENT;
}

/* One simple operation to a location; fbase: the frame base as register + offset. */
static const char *simple_loc(const Dwarf_Op *op, struct sym_dw_loc *loc)
{
	if (op->atom >= DW_OP_reg0 && op->atom <= DW_OP_reg31) {
		*loc = (struct sym_dw_loc){.kind = SYM_DWL_REG, .reg = op->atom - DW_OP_reg0};
	} else if (op->atom == DW_OP_regx) {
		*loc = (struct sym_dw_loc){.kind = SYM_DWL_REG, .reg = (int)op->number};
	} else if (op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) {
		*loc = (struct sym_dw_loc){.kind = SYM_DWL_MEM,
					   .reg = op->atom - DW_OP_breg0,
					   .offset = (int64_t)op->number};
	} else if (op->atom == DW_OP_bregx) {
		*loc = (struct sym_dw_loc){.kind = SYM_DWL_MEM,
					   .reg = (int)op->number,
					   .offset = (int64_t)op->number2};
	} else if (op->atom == DW_OP_addr) {
		*loc = (struct sym_dw_loc){.kind = SYM_DWL_ADDR, .addr = op->number};
	} else {
		return "unsupported location";
	}
	return NULL;
}

static const char *frame_base(struct sym_dwarf *d, Dwarf_Die *func, uint64_t pc,
			      struct sym_dw_loc *fb)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;
	int r;

	if (!func || !dwarf_attr_integrate(func, DW_AT_frame_base, &a))
		return "no frame base";
	r = dwarf_getlocation_addr(&a, pc, &ops, &n, 1);
	if (r <= 0 || n != 1)
		return "no frame base at this address";
	if (ops[0].atom == DW_OP_call_frame_cfa) {
		fb->kind = SYM_DWL_MEM;
		return cfa_at(d, pc, &fb->reg, &fb->offset) < 0 ? "no CFA at this address" : NULL;
	}
	if (simple_loc(&ops[0], fb) || fb->kind == SYM_DWL_ADDR)
		return "unsupported frame base";
	if (fb->kind == SYM_DWL_REG) /* the frame base is the register's value */
		fb->kind = SYM_DWL_MEM;
	return NULL;
}

/* DWARF 5's DW_OP_addrx (clang's way to place a global): an index into .debug_addr. */
static const char *indexed_addr(Dwarf_Attribute *a, Dwarf_Op *op, struct sym_dw_loc *loc)
{
	Dwarf_Attribute addr;
	Dwarf_Addr v;

	if (dwarf_getlocation_attr(a, op, &addr) != 0 || dwarf_formaddr(&addr, &v) != 0)
		return "unsupported location";
	*loc = (struct sym_dw_loc){.kind = SYM_DWL_ADDR, .addr = v};
	return NULL;
}

static const char *locate(struct sym_dwarf *d, Dwarf_Die *var, Dwarf_Die *func, uint64_t pc,
			  struct sym_dw_loc *loc)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;
	int r;

	if (!dwarf_attr_integrate(var, DW_AT_location, &a))
		return "no location";
	r = dwarf_getlocation_addr(&a, pc, &ops, &n, 1);
	if (r == 0)
		return "not accessible at this address";
	if (r < 0 || n != 1)
		return r < 0 ? "invalid location" : "unsupported location";
	if (ops[0].atom == DW_OP_fbreg) {
		const char *why = frame_base(d, func, pc, loc);

		loc->offset += (int64_t)ops[0].number;
		return why;
	}
	if (ops[0].atom == DW_OP_addrx || ops[0].atom == DW_OP_GNU_addr_index)
		return indexed_addr(&a, &ops[0], loc);
	return simple_loc(&ops[0], loc);
}

/* ---- functions ------------------------------------------------------------------------------ */

const char *sym_dw_decl_file(Dwarf_Die *die)
{
	const char *name = dwarf_decl_file(die);
	Dwarf_Attribute a;
	Dwarf_Word idx;
	Dwarf_Half version;
	Dwarf_Files *files;
	Dwarf_Die cu;
	size_t n;

	if (name || !dwarf_attr_integrate(die, DW_AT_decl_file, &a) ||
	    dwarf_formudata(&a, &idx) != 0 || idx != 0)
		return name;
	/* The unit of the attribute, which dwarf_attr_integrate may have found in another DIE. */
	if (!dwarf_cu_die(a.cu, &cu, &version, NULL, NULL, NULL, NULL, NULL) || version < 5 ||
	    dwarf_getsrcfiles(&cu, &files, &n) != 0 || n == 0)
		return NULL;
	return dwarf_filesrc(files, 0, NULL, NULL);
}

static void fill_func(Dwarf_Die *die, Dwarf_Die *cu, struct sym_dw_func *f)
{
	Dwarf_Addr lo = 0, hi = 0, *bk = NULL;
	int line = 0, n;

	memset(f, 0, sizeof(*f));
	f->name = dwarf_diename(die);
	if (dwarf_entrypc(die, &lo) != 0)
		dwarf_lowpc(die, &lo);
	f->entry = lo;
	if (dwarf_highpc(die, &hi) == 0)
		f->high = hi;
	f->prologue = lo;
	n = dwarf_entry_breakpoints(die, &bk);
	if (n > 0 && bk[0] >= lo && (!hi || bk[0] < hi))
		f->prologue = bk[0];
	free(bk);
	f->decl_file = sym_dw_decl_file(die);
	if (dwarf_decl_line(die, &line) == 0)
		f->decl_line = line;
	f->cu_name = cu ? dwarf_diename(cu) : NULL;
	f->die_offset = dwarf_dieoffset(die);
}

struct func_search {
	const char *name;
	Dwarf_Die found;
	bool ok;
};

static int func_cb(Dwarf_Die *die, void *arg)
{
	struct func_search *s = arg;
	const char *n = dwarf_diename(die);
	Dwarf_Addr lo;

	if (!n || strcmp(n, s->name) || dwarf_lowpc(die, &lo) != 0)
		return DWARF_CB_OK;
	s->found = *die;
	s->ok = true;
	return DWARF_CB_ABORT;
}

/*
 * The compile unit holding pc.  dwarf_addrdie needs .debug_aranges, which gcc writes and clang
 * does not by default: without it, every unit's address ranges are asked.
 */
static bool cu_at(struct sym_dwarf *d, uint64_t pc, Dwarf_Die *ret_cu)
{
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (dwarf_addrdie(d->dw, pc, ret_cu))
		return true;
	for (; dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) == 0; off = next)
		if (dwarf_offdie(d->dw, off + hsize, ret_cu) && dwarf_haspc(ret_cu, pc) > 0)
			return true;
	return false;
}

/*
 * dwarf_getscopes continues an inlined instance with the scopes of its abstract definition,
 * not with those of the code it was inlined into; the variables and the frame base at pc are
 * the caller's, so the instance's physical parents replace that tail.
 */
static int with_callers(int n, Dwarf_Die **scopes)
{
	Dwarf_Die *phys = NULL, *all;
	int k = n - 1, m;

	while (k >= 0 && dwarf_tag(&(*scopes)[k]) != DW_TAG_inlined_subroutine)
		k--;
	for (int i = 0; i < k; i++)
		if (dwarf_tag(&(*scopes)[i]) == DW_TAG_subprogram)
			return n;
	if (k < 0 || (m = dwarf_getscopes_die(&(*scopes)[k], &phys)) <= 1) {
		free(phys);
		return n;
	}
	all = malloc((size_t)(k + m) * sizeof(*all));
	if (!all) {
		free(phys);
		return n;
	}
	memcpy(all, *scopes, (size_t)k * sizeof(*all));
	memcpy(all + k, phys, (size_t)m * sizeof(*all));
	free(phys);
	free(*scopes);
	*scopes = all;
	return k + m;
}

/* The subprogram containing pc (in *ret_func) and its scopes (malloc'd), or -ENOENT. */
static int scopes_at(struct sym_dwarf *d, uint64_t pc, Dwarf_Die *ret_cu, Dwarf_Die **ret_scopes,
		     int *ret_func)
{
	Dwarf_Die *scopes = NULL;
	int n;

	if (!cu_at(d, pc, ret_cu))
		return -ENOENT;
	n = with_callers(dwarf_getscopes(ret_cu, pc, &scopes), &scopes);
	for (int i = 0; i < n; i++) {
		if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram) {
			*ret_scopes = scopes;
			*ret_func = i;
			return n;
		}
	}
	free(scopes);
	return -ENOENT;
}

int sym_dwarf_scopes_at(struct sym_dwarf *d, uint64_t pc, Dwarf_Die **ret_scopes, int *ret_func)
{
	Dwarf_Die cu;

	return scopes_at(d, pc, &cu, ret_scopes, ret_func);
}

int sym_dwarf_func(struct sym_dwarf *d, const char *name, uint64_t addr,
		   struct sym_dw_func *ret_func)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu, *scopes;
	int fi, n;

	if (name) {
		while (dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
			struct func_search s = {.name = name};

			if (dwarf_offdie(d->dw, off + hsize, &cu) &&
			    dwarf_getfuncs(&cu, func_cb, &s, 0) >= 0 && s.ok) {
				fill_func(&s.found, &cu, ret_func);
				return 0;
			}
			off = next;
		}
		return -ENOENT;
	}
	n = scopes_at(d, addr, &cu, &scopes, &fi);
	if (n < 0)
		return n;
	fill_func(&scopes[fi], &cu, ret_func);
	free(scopes);
	return 0;
}

/* ---- variables ------------------------------------------------------------------------------ */

static void add_var(struct sym_dwarf *d, Dwarf_Die *die, Dwarf_Die *func, uint64_t pc, bool param)
{
	struct sym_dw_var *v;
	const char *name = dwarf_diename(die);

	if (!name)
		return;
	for (size_t i = 0; i < d->nvars; i++)
		if (!strcmp(d->vars[i].name, name))
			return;
	if (VEC_GROW(d->vars, d->capvars, d->nvars) < 0)
		return;
	v = &d->vars[d->nvars++];
	memset(v, 0, sizeof(*v));
	v->name = name;
	v->is_param = param;
	v->type = type_of(d, die, 0);
	v->why = locate(d, die, func, pc, &v->loc);
	if (v->why)
		v->loc.kind = SYM_DWL_NONE;
}

static void scan_children(struct sym_dwarf *d, Dwarf_Die *scope, Dwarf_Die *func, uint64_t pc,
			  int tag)
{
	Dwarf_Die c;

	if (dwarf_child(scope, &c) != 0)
		return;
	do {
		if (dwarf_tag(&c) == tag)
			add_var(d, &c, func, pc, tag == DW_TAG_formal_parameter);
	} while (dwarf_siblingof(&c, &c) == 0);
}

static int instance_pc(Dwarf_Die *die, Dwarf_Addr *pc);
static bool holds_code(int tag);

/*
 * An inlined instance entered at pc, below scope.  Optimised code often leaves the instance an
 * empty range (its code merged into the caller's), so the scopes at pc miss it, yet a probe at
 * its entry pc is a probe on it.
 */
static bool inline_entered_at(Dwarf_Die *scope, uint64_t pc, Dwarf_Die *ret)
{
	Dwarf_Die c;
	Dwarf_Addr at;

	if (dwarf_child(scope, &c) != 0)
		return false;
	do {
		if (!holds_code(dwarf_tag(&c)) || dwarf_tag(&c) == DW_TAG_subprogram)
			continue;
		if (dwarf_tag(&c) == DW_TAG_inlined_subroutine && instance_pc(&c, &at) == 0 &&
		    at == pc) {
			*ret = c;
			return true;
		}
		if (inline_entered_at(&c, pc, ret))
			return true;
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

/*
 * The parameters are those of the innermost function instance at pc, which is an inlined
 * one inside inlined code; the frame base stays the real function's.
 */
int sym_dwarf_vars(struct sym_dwarf *d, uint64_t pc, const struct sym_dw_var **ret_vars)
{
	Dwarf_Die cu, *scopes, entered;
	int fi, n = scopes_at(d, pc, &cu, &scopes, &fi), vi = 0;
	bool in_entered;

	if (n < 0)
		return n;
	while (vi < fi && dwarf_tag(&scopes[vi]) != DW_TAG_inlined_subroutine)
		vi++;
	in_entered = inline_entered_at(&scopes[0], pc, &entered);
	d->nvars = 0;
	if (in_entered) {
		scan_children(d, &entered, &scopes[fi], pc, DW_TAG_formal_parameter);
		scan_children(d, &entered, &scopes[fi], pc, DW_TAG_variable);
	} else {
		scan_children(d, &scopes[vi], &scopes[fi], pc, DW_TAG_formal_parameter);
	}
	for (int i = 0; i <= vi; i++)
		scan_children(d, &scopes[i], &scopes[fi], pc, DW_TAG_variable);
	free(scopes);
	*ret_vars = d->vars;
	return (int)d->nvars;
}

static bool path_ends_with(const char *path, const char *file)
{
	size_t np, nf;

	if (!path || !file)
		return !file;
	np = strlen(path);
	nf = strlen(file);
	if (nf > np)
		return false;
	return !strcmp(path + np - nf, file) && (np == nf || path[np - nf - 1] == '/');
}

/* stap's test of "name@file": the compile unit's name ends with /file, also as a glob. */
static bool cu_matches(const char *cu_name, const char *file)
{
	char pattern[1024];

	if (!cu_name)
		return false;
	if (path_ends_with(cu_name, file))
		return true;
	snprintf(pattern, sizeof(pattern), "*/%s", file);
	return fnmatch(pattern, cu_name, 0) == 0;
}

/* Calls fn on each top-level DIE of each compile unit until it returns true. */
static bool each_cu_child(struct sym_dwarf *d, const char *file,
			  bool (*fn)(struct sym_dwarf *d, Dwarf_Die *die, void *data), void *data)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu, c;

	for (; dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) == 0; off = next) {
		if (!dwarf_offdie(d->dw, off + hsize, &cu) ||
		    (file && !cu_matches(dwarf_diename(&cu), file)))
			continue;
		if (dwarf_child(&cu, &c) != 0)
			continue;
		do {
			if (fn(d, &c, data))
				return true;
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	return false;
}

struct global_search {
	const char *name;
	struct sym_dw_var *var;
};

static bool global_cb(struct sym_dwarf *d, Dwarf_Die *die, void *data)
{
	struct global_search *s = data;
	Dwarf_Attribute a;
	/* A definition after an extern declaration names itself through DW_AT_specification. */
	const char *n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &a));

	if (dwarf_tag(die) != DW_TAG_variable || !n || strcmp(n, s->name) ||
	    !dwarf_hasattr_integrate(die, DW_AT_location))
		return false;
	memset(s->var, 0, sizeof(*s->var));
	s->var->name = n;
	s->var->type = type_of(d, die, 0);
	s->var->why = locate(d, die, NULL, 0, &s->var->loc);
	if (s->var->why)
		s->var->loc.kind = SYM_DWL_NONE;
	return true;
}

int sym_dwarf_global(struct sym_dwarf *d, const char *name, const char *file,
		     struct sym_dw_var *ret_var)
{
	struct sym_dw_var v;
	struct global_search s = {name, &v};

	if (!each_cu_child(d, file, global_cb, &s))
		return -ENOENT;
	*ret_var = v;
	return 0;
}

struct type_search {
	int tag;
	const char *name;
	const struct sym_dw_type *type;
};

static bool type_cb(struct sym_dwarf *d, Dwarf_Die *die, void *data)
{
	struct type_search *s = data;
	const char *n = dwarf_diename(die);
	int tag = dwarf_tag(die);

	if (!n || strcmp(n, s->name) || dwarf_hasattr(die, DW_AT_declaration))
		return false;
	if (s->tag ? tag != s->tag
		   : (tag != DW_TAG_typedef && tag != DW_TAG_base_type &&
		      tag != DW_TAG_structure_type && tag != DW_TAG_union_type))
		return false;
	s->type = build_type(d, die, 0);
	return true;
}

int sym_dwarf_type(struct sym_dwarf *d, const char *name, const struct sym_dw_type **ret_type)
{
	struct type_search s = {0};
	static const struct {
		const char *prefix;
		int tag;
	} tags[] = {{"struct ", DW_TAG_structure_type},
		    {"union ", DW_TAG_union_type},
		    {"enum ", DW_TAG_enumeration_type}};

	s.name = name;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t n = strlen(tags[i].prefix);

		if (!strncmp(name, tags[i].prefix, n)) {
			s.tag = tags[i].tag;
			s.name = name + n;
		}
	}
	if (!each_cu_child(d, NULL, type_cb, &s) && !s.tag) {
		/* stap also takes a bare struct name: @cast(p, "point"). */
		s.tag = DW_TAG_structure_type;
		if (!each_cu_child(d, NULL, type_cb, &s))
			return -ENOENT;
	}
	if (!s.type)
		return -ENOENT;
	*ret_type = s.type;
	return 0;
}

/* ---- lines ---------------------------------------------------------------------------------- */

int sym_dwarf_line_addr(struct sym_dwarf *d, const char *func, const char *file, int line,
			uint64_t *ret_addr, int *ret_line)
{
	struct sym_dw_func f = {0};
	Dwarf_Off off = 0, next;
	size_t hsize;
	int best_line = 0;
	uint64_t best_addr = 0;

	if (func && sym_dwarf_func(d, func, 0, &f) < 0)
		return -ENOENT;
	for (; dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) == 0; off = next) {
		Dwarf_Die cu;
		Dwarf_Lines *lines;
		size_t n;

		if (!dwarf_offdie(d->dw, off + hsize, &cu) ||
		    dwarf_getsrclines(&cu, &lines, &n) != 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			Dwarf_Line *l = dwarf_onesrcline(lines, i);
			Dwarf_Addr a;
			bool stmt = false, end = false;
			int ln;

			if (!l || dwarf_lineno(l, &ln) != 0 || ln < line ||
			    dwarf_lineaddr(l, &a) != 0)
				continue;
			dwarf_linebeginstatement(l, &stmt);
			dwarf_lineendsequence(l, &end);
			if (!stmt || end || !path_ends_with(dwarf_linesrc(l, NULL, NULL), file))
				continue;
			if (func && (a < f.entry || (f.high && a >= f.high)))
				continue;
			if (!best_line || ln < best_line || (ln == best_line && a < best_addr)) {
				best_line = ln;
				best_addr = a;
			}
		}
	}
	if (!best_line)
		return -ENOENT;
	*ret_addr = best_addr;
	*ret_line = best_line;
	return 0;
}

int sym_dwarf_addr_line(struct sym_dwarf *d, uint64_t addr, const char **ret_file, int *ret_line)
{
	Dwarf_Die cu;
	Dwarf_Line *l;
	int ln;

	if (!cu_at(d, addr, &cu) || !(l = dwarf_getsrc_die(&cu, addr)) || dwarf_lineno(l, &ln) != 0)
		return -ENOENT;
	*ret_file = dwarf_linesrc(l, NULL, NULL);
	*ret_line = ln;
	return 0;
}

/* ---- inlined instances ---------------------------------------------------------------------- */

struct inline_walk {
	const char *glob;
	sym_dw_inline_fn fn;
	void *data;
	int r;
};

static int instance_pc(Dwarf_Die *die, Dwarf_Addr *pc)
{
	Dwarf_Addr base, end;
	ptrdiff_t off;

	if (dwarf_entrypc(die, pc) == 0)
		return 0;
	off = dwarf_ranges(die, 0, &base, pc, &end);
	return off > 0 ? 0 : -1;
}

static bool holds_code(int tag)
{
	return tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block ||
	       tag == DW_TAG_inlined_subroutine;
}

static bool inlines_in(struct sym_dwarf *d, Dwarf_Die *die, void *data)
{
	struct inline_walk *w = data;
	int tag = dwarf_tag(die);
	Dwarf_Die c;

	if (!holds_code(tag))
		return false;
	if (tag == DW_TAG_inlined_subroutine) {
		const char *name = dwarf_diename(die);
		Dwarf_Addr pc;
		int line = 0;

		if (name && fnmatch(w->glob, name, 0) == 0 && instance_pc(die, &pc) == 0) {
			if (dwarf_decl_line(die, &line) != 0)
				line = 0;
			w->r = w->fn(name, sym_dw_decl_file(die), line, pc, w->data);
			if (w->r)
				return true;
		}
	}
	if (dwarf_child(die, &c) != 0)
		return false;
	do {
		if (inlines_in(d, &c, data))
			return true;
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

int sym_dwarf_inlines(struct sym_dwarf *d, const char *glob, sym_dw_inline_fn fn, void *data)
{
	struct inline_walk w = {.glob = glob, .fn = fn, .data = data};

	each_cu_child(d, NULL, inlines_in, &w);
	return w.r;
}
