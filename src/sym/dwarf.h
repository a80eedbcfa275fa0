/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SYM_DWARF_H
#define SYM_DWARF_H

/*
 * DWARF of one ELF file (design.md section 2, src/sym/): functions, their prologue ends, the
 * parameters and locals visible at a pc with where they live at that pc, their types, global
 * variables, and the line table.  Addresses are the file's virtual addresses, like sym.h's.
 * Everything handed out (names, types, variables) lives as long as the struct sym_dwarf.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sym_dwarf;

/* -ENOENT: no file; -ENODATA: the file has no DWARF (.debug_info) or is not a regular file. */
int sym_dwarf_open(const char *path, struct sym_dwarf **ret);
void sym_dwarf_free(struct sym_dwarf *d);

enum sym_dw_type_kind {
	SYM_DWT_VOID,
	SYM_DWT_BASE, /* integer, char, bool, float */
	SYM_DWT_POINTER,
	SYM_DWT_STRUCT,
	SYM_DWT_UNION,
	SYM_DWT_ARRAY,
	SYM_DWT_ENUM,
	SYM_DWT_FUNC, /* a function type (only behind a pointer) */
};

struct sym_dw_member;

/* A type with typedefs and const/volatile/restrict peeled off (name keeps the C spelling). */
struct sym_dw_type {
	enum sym_dw_type_kind kind;
	const char *name; /* "int", "struct point", "char*", "int[4]" */
	uint64_t size;	  /* bytes; pointers 8 */
	bool is_signed;
	bool is_char;			  /* char, signed char, unsigned char */
	bool is_float;			  /* float, double */
	const struct sym_dw_type *target; /* pointer: pointee; array: element; enum: NULL */
	uint64_t count;			  /* array elements, 0 when unknown */
	const struct sym_dw_member *members;
	size_t nmembers;
	bool incomplete; /* a declared, never defined struct */
};

struct sym_dw_member {
	const char *name; /* NULL for an anonymous struct/union member */
	uint64_t offset;
	const struct sym_dw_type *type;
};

/* Where a variable is at one pc. */
enum sym_dw_loc_kind {
	SYM_DWL_NONE, /* not available at this pc (reason in sym_dw_var.why) */
	SYM_DWL_REG,  /* the value is register reg (DWARF number) */
	SYM_DWL_MEM,  /* at the address register reg + offset */
	SYM_DWL_ADDR, /* at the file address addr (add the load bias) */
};

struct sym_dw_loc {
	enum sym_dw_loc_kind kind;
	int reg;
	int64_t offset;
	uint64_t addr;
};

struct sym_dw_var {
	const char *name;
	bool is_param;
	const struct sym_dw_type *type;
	struct sym_dw_loc loc;
	const char *why; /* SYM_DWL_NONE: "not accessible at this address", ... */
};

struct sym_dw_func {
	const char *name;
	uint64_t entry;	   /* DW_AT_low_pc or the entry_pc */
	uint64_t high;	   /* one past the end, 0 when unknown */
	uint64_t prologue; /* the address after the prologue, entry when unknown */
	const char *decl_file;
	int decl_line;
	const char *cu_name; /* the compile unit's DW_AT_name */
	uint64_t die_offset; /* the subprogram's DIE offset */
};

/*
 * The defined (not only declared, not inlined-only) function named name, or containing addr
 * when name is NULL.  -ENOENT when the DWARF has none.
 */
int sym_dwarf_func(struct sym_dwarf *d, const char *name, uint64_t addr,
		   struct sym_dw_func *ret_func);

/*
 * The parameters then locals of the function containing pc (innermost scope first for the
 * locals; a shadowed name appears once), each located at pc.  *ret_vars is owned by d and
 * valid until the next call.  Returns the count, or -errno.
 */
int sym_dwarf_vars(struct sym_dwarf *d, uint64_t pc, const struct sym_dw_var **ret_vars);

/*
 * Calls fn for every inlined instance (DW_TAG_inlined_subroutine) of a function whose name
 * matches glob, with the name, the function's declaration (file NULL when unknown) and the
 * instance's entry pc, until fn returns non-zero (which is returned).  0 when all were seen.
 */
typedef int (*sym_dw_inline_fn)(const char *name, const char *decl_file, int decl_line, uint64_t pc,
				void *data);
int sym_dwarf_inlines(struct sym_dwarf *d, const char *glob, sym_dw_inline_fn fn, void *data);

/*
 * A global or static variable "name" of the first compile unit that has it; with file, only
 * units whose name is file or ends with "/file" (file may be a glob, as stap's "name@*.c").
 */
int sym_dwarf_global(struct sym_dwarf *d, const char *name, const char *file,
		     struct sym_dw_var *ret_var);

/* A type by its C name: "struct point", "union u", "enum e", "int", a typedef name. */
int sym_dwarf_type(struct sym_dwarf *d, const char *name, const struct sym_dw_type **ret_type);

/*
 * The address of source line (file: a path suffix, matched on whole components) or, when no
 * code is at that line, of the next line that has some; restricted to function func (NULL: any)
 * when given.  *ret_line gets the line found.  -ENOENT when no line at or after matches.
 */
int sym_dwarf_line_addr(struct sym_dwarf *d, const char *func, const char *file, int line,
			uint64_t *ret_addr, int *ret_line);

/* The source file and line of addr. */
int sym_dwarf_addr_line(struct sym_dwarf *d, uint64_t addr, const char **ret_file, int *ret_line);

/*
 * dwarf_decls.c: what stap -L lists after a DWARF probe point.  A variable's type is spelled
 * as stap spells it, typedefs and qualifiers kept: "int", "long int", "char const*",
 * "struct point*", "pthread_t[]", "int (*) (int, char*)".
 */
struct sym_dw_decl {
	const char *name; /* lives as long as the struct sym_dwarf */
	char *type;
};

struct sym_dw_decls {
	/* The function instance probed (an inlined copy or the function) and its declaration. */
	const char *func;
	const char *decl_file; /* NULL when unknown */
	int decl_line;
	char *return_type; /* NULL when it returns nothing (or its type is unspellable) */
	struct sym_dw_decl *v;
	size_t n, cap;
};

/*
 * The variables a probe at pc can name, innermost scope first, each scope in declaration
 * order, out to the compile unit (not included): from the innermost instance at pc of function
 * func (a function probe), or with func NULL from the innermost scope at pc (a statement
 * probe).  Only variables with a name, a spellable type and a location at pc (or a constant
 * value).  -ENOENT: no such function at pc.  *ret is released with sym_dw_decls_release.
 */
int sym_dwarf_decls(struct sym_dwarf *d, uint64_t pc, const char *func, struct sym_dw_decls *ret);
void sym_dw_decls_release(struct sym_dw_decls *decls);

#endif
