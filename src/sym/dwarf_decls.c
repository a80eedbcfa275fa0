/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dwarf_decls: the variables stap -L prints after a DWARF probe point, with their C types,
 * following stap's dwarf_derived_probe::saveargs (tapsets.cxx) and dwarf_type_name
 * (dwarf_wrappers.cxx).
 *
 * The variables are the children of the scopes around the pc, from a starting scope out to the
 * compile unit, each scope in declaration order (so parameters before locals): stap starts at
 * the function's DIE for a function probe, which for a function is its only scope but for an
 * inlined copy goes on into the scopes of the code it was inlined into, and at the innermost
 * scope at the pc for a statement probe.  One is left out when it has no name, a type that
 * cannot be spelled, or no location at the pc (a constant value counts as one).  A name
 * shadowed by an inner scope is listed twice, as stap lists it.
 *
 * Types are spelled from their DIEs with typedefs and qualifiers kept, unlike struct
 * sym_dw_type which peels them off for the runtime: the typedef or base name, "struct NAME"
 * ("struct {...}" when anonymous), then each modifier from the inside out, "*", "&", "&&",
 * "[]" (never a bound), " const", " volatile", " restrict"; so const char * reads
 * "char const*".  A pointer to nothing (or to something unspellable) is "void*", a pointer to
 * struct __va_list_tag is "va_list", and a function pointer puts the modifiers between its
 * return and parameter types: "int (*) (int, char*)".  Any other tag (_Atomic, C++'s
 * unspecified type) makes the type unspellable.  The strings are malloc'd per call: listings
 * are rare and short.
 */
/* The system <dwarf.h>, not this directory's sym/dwarf.h (the target includes its own dir). */
#include <elfutils/../dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sym/dwarf-priv.h"
#include "util/strbuf.h"
#include "util/vec.h"

#define MAX_TYPE_DEPTH 32

struct spelling {
	struct strbuf sb;
	Dwarf_Die subroutine; /* a function type met under the modifiers */
	bool has_subroutine;
};

static char *spell_type(Dwarf_Die *type, int depth);

static Dwarf_Die *type_die(Dwarf_Die *die, Dwarf_Die *mem)
{
	Dwarf_Attribute a;

	return dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type, &a), mem);
}

/* The keyword before a named type's name ("" for typedefs and base types), NULL otherwise. */
static const char *named_prefix(int tag)
{
	switch (tag) {
	case DW_TAG_enumeration_type:
		return "enum ";
	case DW_TAG_structure_type:
		return "struct ";
	case DW_TAG_union_type:
		return "union ";
	case DW_TAG_class_type:
		return "class ";
	case DW_TAG_typedef:
	case DW_TAG_base_type:
		return "";
	}
	return NULL;
}

/* What a modifier adds after its referent; NULL for a tag that is no modifier. */
static const char *modifier_suffix(int tag, Dwarf_Die *referent)
{
	int rtag = referent ? dwarf_tag(referent) : 0;

	switch (tag) {
	case DW_TAG_pointer_type:
		return "*";
	case DW_TAG_reference_type:
		return "&";
	case DW_TAG_rvalue_reference_type:
		return "&&";
	case DW_TAG_array_type:
		return "[]";
	case DW_TAG_const_type:
		/* gcc may put a redundant const on a reference. */
		return rtag == DW_TAG_reference_type || rtag == DW_TAG_rvalue_reference_type
			       ? ""
			       : " const";
	case DW_TAG_volatile_type:
		return " volatile";
	case DW_TAG_restrict_type:
		return " restrict";
	}
	return NULL;
}

static bool is_va_list(int tag, Dwarf_Die *referent)
{
	const char *name = referent ? dwarf_diename(referent) : NULL;

	return tag == DW_TAG_pointer_type && referent &&
	       dwarf_tag(referent) == DW_TAG_structure_type && name &&
	       !strcmp(name, "__va_list_tag");
}

static bool spell(Dwarf_Die *type, struct spelling *sp, int depth)
{
	int tag = dwarf_tag(type);
	const char *prefix = named_prefix(tag), *suffix;
	Dwarf_Die mem, *referent;

	if (prefix) {
		const char *name = dwarf_diename(type);

		sb_printf(&sp->sb, "%s%s", prefix, name ? name : "{...}");
		return true;
	}
	if (tag == DW_TAG_subroutine_type) {
		sp->subroutine = *type;
		sp->has_subroutine = true;
		return true;
	}
	referent = type_die(type, &mem);
	suffix = modifier_suffix(tag, referent);
	if (!suffix || depth > MAX_TYPE_DEPTH)
		return false;
	if (is_va_list(tag, referent)) {
		sb_printf(&sp->sb, "va_list");
		return true;
	}
	if (!referent || !spell(referent, sp, depth + 1))
		sb_printf(&sp->sb, "void");
	sb_printf(&sp->sb, "%s", suffix);
	return true;
}

/* The type of a DIE's DW_AT_type ("void" without one) into sb; false when unspellable. */
static bool spell_type_of(Dwarf_Die *die, struct strbuf *sb, int depth)
{
	Dwarf_Die mem, *type = type_die(die, &mem);
	char *s;

	if (!type) {
		sb_printf(sb, "void");
		return true;
	}
	s = spell_type(type, depth + 1);
	if (!s)
		return false;
	sb_printf(sb, "%s", s);
	free(s);
	return true;
}

/* "RET (MODIFIERS) (PARAM, PARAM)", "(void)" without parameters. */
static bool spell_subroutine(Dwarf_Die *fn, const char *modifiers, struct strbuf *sb, int depth)
{
	bool first = true;
	Dwarf_Die c;

	if (!spell_type_of(fn, sb, depth))
		return false;
	sb_printf(sb, " (%s) (", modifiers);
	if (dwarf_child(fn, &c) == 0) {
		do {
			int tag = dwarf_tag(&c);

			if (tag != DW_TAG_formal_parameter && tag != DW_TAG_unspecified_parameters)
				continue;
			if (!first)
				sb_printf(sb, ", ");
			first = false;
			if (tag == DW_TAG_unspecified_parameters)
				sb_printf(sb, "...");
			else if (!spell_type_of(&c, sb, depth))
				return false;
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	sb_printf(sb, "%s)", first ? "void" : "");
	return true;
}

/* stap's dwarf_type_name: malloc'd, NULL when the type cannot be spelled. */
static char *spell_type(Dwarf_Die *type, int depth)
{
	struct spelling sp = {0};
	struct strbuf whole = {0};

	if (depth > MAX_TYPE_DEPTH || !spell(type, &sp, depth)) {
		sb_release(&sp.sb);
		return NULL;
	}
	if (!sp.has_subroutine)
		return sp.sb.buf ? sp.sb.buf : strdup("");
	if (!spell_subroutine(&sp.subroutine, sb_str(&sp.sb), &whole, depth)) {
		sb_release(&sp.sb);
		sb_release(&whole);
		return NULL;
	}
	sb_release(&sp.sb);
	return whole.buf;
}

static bool located_at(Dwarf_Die *var, uint64_t pc)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;

	if (dwarf_attr_integrate(var, DW_AT_const_value, &a))
		return true;
	if (!dwarf_attr_integrate(var, DW_AT_location, &a))
		return false;
	return dwarf_getlocation_addr(&a, pc, &ops, &n, 1) == 1 && n > 0;
}

static int add_decl(struct sym_dw_decls *ds, const char *name, char *type)
{
	if (VEC_GROW(ds->v, ds->cap, ds->n) < 0) {
		free(type);
		return -ENOMEM;
	}
	ds->v[ds->n++] = (struct sym_dw_decl){name, type};
	return 0;
}

static int add_scope_decls(struct sym_dw_decls *ds, Dwarf_Die *scope, uint64_t pc)
{
	Dwarf_Die c;

	if (dwarf_child(scope, &c) != 0)
		return 0;
	do {
		int tag = dwarf_tag(&c);
		const char *name = dwarf_diename(&c);
		Dwarf_Die mem, *type;
		char *spelled;

		if ((tag != DW_TAG_variable && tag != DW_TAG_formal_parameter) || !name ||
		    !located_at(&c, pc) || !(type = type_die(&c, &mem)))
			continue;
		spelled = spell_type(type, 0);
		if (spelled && add_decl(ds, name, spelled) < 0)
			return -ENOMEM;
	} while (dwarf_siblingof(&c, &c) == 0);
	return 0;
}

/* The innermost instance of func in scopes (up to the real function's, fi), or -ENOENT. */
static int instance_of(const char *func, Dwarf_Die *scopes, int fi)
{
	for (int i = 0; i <= fi; i++) {
		int tag = dwarf_tag(&scopes[i]);
		const char *name = dwarf_diename(&scopes[i]);

		if ((tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) && name &&
		    !strcmp(name, func))
			return i;
	}
	return -ENOENT;
}

static void describe_instance(Dwarf_Die *fn, struct sym_dw_decls *ds)
{
	Dwarf_Die mem, *rtype = type_die(fn, &mem);

	ds->func = dwarf_diename(fn);
	ds->decl_file = sym_dw_decl_file(fn);
	if (dwarf_decl_line(fn, &ds->decl_line) != 0)
		ds->decl_line = 0;
	if (rtype)
		ds->return_type = spell_type(rtype, 0);
}

int sym_dwarf_decls(struct sym_dwarf *d, uint64_t pc, const char *func, struct sym_dw_decls *ret)
{
	struct sym_dw_decls ds = {0};
	Dwarf_Die *scopes;
	int fi, n = sym_dwarf_scopes_at(d, pc, &scopes, &fi), r = 0, start;

	if (n < 0)
		return n;
	start = func ? instance_of(func, scopes, fi) : 0;
	if (start < 0) {
		free(scopes);
		return start;
	}
	describe_instance(&scopes[func ? start : fi], &ds);
	for (int i = start; i < n && dwarf_tag(&scopes[i]) != DW_TAG_compile_unit && r == 0; i++)
		r = add_scope_decls(&ds, &scopes[i], pc);
	free(scopes);
	if (r < 0) {
		sym_dw_decls_release(&ds);
		return r;
	}
	*ret = ds;
	return 0;
}

void sym_dw_decls_release(struct sym_dw_decls *decls)
{
	if (!decls)
		return;
	for (size_t i = 0; i < decls->n; i++)
		free(decls->v[i].type);
	free(decls->v);
	free(decls->return_type);
	memset(decls, 0, sizeof(*decls));
}
