/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the DWARF readers (src/sym/dwarf.c, dwarf_decls.c): any bytes as a file
 * with debug information, opened with sym_dwarf_open through a memfd, then the queries ustap
 * makes while it elaborates a script: functions by name and by address, the variables visible
 * at a pc with their locations (which takes the CFA from .eh_frame or .debug_frame) and
 * types, stap -L's declarations, globals, types by name, line <-> address and inlined
 * instances.  The names and pcs come from the file's own symbol table (sym_file_open of the
 * same bytes) and from the seed program's names (seeds/seed_prog.c), so mutations of a real
 * -g build reach deep into its DIEs.
 *
 * Whatever the bytes, nothing may crash, hang, leak or read out of bounds; every string handed
 * out is readable, every type graph has a name at each node, and what a query returns is
 * released by its owner (sym_dwarf_free, sym_dw_decls_release).
 *
 * One leak is libdw's own and is not reported: dwarf_getscopes (0.188 and elfutils master)
 * loses its scope array when its walk fails after allocating it (an inlined instance whose
 * DW_AT_abstract_origin does not resolve) and returns -1.  The call is wrapped (the link has
 * --wrap=dwarf_getscopes) so allocations made inside it are not leak-checked, and an array it
 * does hand out is copied into one that is, which src/sym must free as before.
 */
#include <elfutils/libdw.h>
#include <sanitizer/lsan_interface.h>
#include <string.h>

#include "sym/dwarf.h"
#include "sym/sym.h"

#include "fuzz_util.h"

#define MAX_FUNCS   24
#define MAX_INLINES 64
#define TYPE_DEPTH  4

static const char *const seed_funcs[] = {"main",       "seed_walk",   "seed_sum",
					 "seed_local", "seed_square", "seed_add"};
static const char *const seed_globals[] = {"seed_counter", "seed_nodes",  "seed_names",
					   "seed_opaque",  "seed_origin", "seed_tick_semaphore"};
static const char *const seed_types[] = {"struct node",	  "union word", "enum colour",
					 "point_t",	  "point",	"int",
					 "struct opaque", "binop_fn",	"unsigned char"};

int __real_dwarf_getscopes(Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die **scopes);
int __wrap_dwarf_getscopes(Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die **scopes);

int __wrap_dwarf_getscopes(Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die **scopes)
{
	Dwarf_Die *lib = NULL, *copy;
	int n;

	__lsan_disable();
	n = __real_dwarf_getscopes(cudie, pc, &lib);
	__lsan_enable();
	if (n <= 0)
		return n;
	copy = malloc((size_t)n * sizeof(*copy));
	if (copy)
		memcpy(copy, lib, (size_t)n * sizeof(*copy));
	free(lib);
	if (!copy)
		return -1;
	*scopes = copy;
	return n;
}

static size_t walk_type(const struct sym_dw_type *t, int depth)
{
	size_t n;

	FUZZ_CHECK(t && t->name);
	n = strlen(t->name);
	if (depth >= TYPE_DEPTH)
		return n;
	if (t->target)
		n += walk_type(t->target, depth + 1);
	FUZZ_CHECK(!t->nmembers || t->members);
	for (size_t i = 0; i < t->nmembers; i++) {
		if (t->members[i].name)
			n += strlen(t->members[i].name);
		n += walk_type(t->members[i].type, depth + 1);
	}
	return n;
}

static void check_var(const struct sym_dw_var *v)
{
	FUZZ_CHECK(v->name);
	(void)strlen(v->name);
	walk_type(v->type, 0);
	if (v->loc.kind == SYM_DWL_NONE)
		FUZZ_CHECK(v->why && strlen(v->why));
}

static void query_decls(struct sym_dwarf *d, uint64_t pc, const char *func)
{
	struct sym_dw_decls ds;

	if (sym_dwarf_decls(d, pc, func, &ds) < 0)
		return;
	if (ds.func)
		(void)strlen(ds.func);
	if (ds.decl_file)
		(void)strlen(ds.decl_file);
	if (ds.return_type)
		(void)strlen(ds.return_type);
	FUZZ_CHECK(!ds.n || ds.v);
	for (size_t i = 0; i < ds.n; i++)
		FUZZ_CHECK(ds.v[i].name && ds.v[i].type && strlen(ds.v[i].type) < (1u << 20));
	sym_dw_decls_release(&ds);
}

static void query_pc(struct sym_dwarf *d, const char *func, uint64_t pc)
{
	const struct sym_dw_var *vars;
	struct sym_dw_func fn;
	const char *file, *base;
	uint64_t addr;
	int n, line, found;

	if (sym_dwarf_func(d, NULL, pc, &fn) == 0 && fn.name)
		(void)strlen(fn.name);
	n = sym_dwarf_vars(d, pc, &vars);
	for (int i = 0; i < n; i++)
		check_var(&vars[i]);
	query_decls(d, pc, func);
	query_decls(d, pc, NULL);
	if (sym_dwarf_addr_line(d, pc, &file, &line) < 0 || !file)
		return;
	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	(void)sym_dwarf_line_addr(d, func, base, line, &addr, &found);
	(void)sym_dwarf_line_addr(d, NULL, file, line + 1, &addr, &found);
}

static void query_func(struct sym_dwarf *d, const char *name)
{
	struct sym_dw_func fn;

	if (sym_dwarf_func(d, name, 0, &fn) < 0)
		return;
	FUZZ_CHECK(fn.name && !strcmp(fn.name, name));
	if (fn.decl_file)
		(void)strlen(fn.decl_file);
	if (fn.cu_name)
		(void)strlen(fn.cu_name);
	query_pc(d, name, fn.entry);
	if (fn.prologue != fn.entry)
		query_pc(d, name, fn.prologue);
	if (fn.high > fn.entry)
		query_pc(d, name, fn.entry + (fn.high - fn.entry) / 2);
}

static int count_inline(const char *name, const char *decl_file, int decl_line, uint64_t pc,
			void *data)
{
	int *n = data;

	FUZZ_CHECK(name);
	(void)strlen(name);
	if (decl_file)
		(void)strlen(decl_file);
	(void)decl_line;
	(void)pc;
	return ++*n >= MAX_INLINES;
}

static void query_names(struct sym_dwarf *d)
{
	const struct sym_dw_type *t;
	struct sym_dw_var v;
	int n = 0;

	for (size_t i = 0; i < sizeof(seed_funcs) / sizeof(seed_funcs[0]); i++)
		query_func(d, seed_funcs[i]);
	for (size_t i = 0; i < sizeof(seed_globals) / sizeof(seed_globals[0]); i++) {
		if (sym_dwarf_global(d, seed_globals[i], NULL, &v) == 0)
			check_var(&v);
		if (sym_dwarf_global(d, seed_globals[i], "*.c", &v) == 0)
			check_var(&v);
	}
	(void)sym_dwarf_global(d, "seed_counter", "seed_prog.c", &v);
	for (size_t i = 0; i < sizeof(seed_types) / sizeof(seed_types[0]); i++)
		if (sym_dwarf_type(d, seed_types[i], &t) == 0)
			walk_type(t, 0);
	(void)sym_dwarf_inlines(d, "*", count_inline, &n);
	n = 0;
	(void)sym_dwarf_inlines(d, "seed_sq*", count_inline, &n);
}

/* Functions of the file's symbol table: by name, and their addresses as pcs. */
static void query_symbols(struct sym_dwarf *d, const char *path)
{
	struct sym_file *f = sym_file_open(path, NULL);
	size_t n;

	if (!f)
		return;
	n = sym_count(f);
	for (size_t i = 0; i < n && i < MAX_FUNCS; i++) {
		const struct sym_symbol *s = sym_at(f, i * (n / MAX_FUNCS + 1) % n);

		query_func(d, s->name);
		query_pc(d, s->name, s->addr);
		if (s->size > 1)
			query_pc(d, NULL, s->addr + s->size - 1);
	}
	sym_file_free(f);
	/* The next input is rewritten in place, maybe within the same mtime tick: load it anew. */
	sym_file_cache_drop();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size);
	struct sym_dwarf *d;

	if (!path || sym_dwarf_open(path, &d) < 0)
		return 0;
	query_names(d);
	query_symbols(d, path);
	sym_dwarf_free(d);
	return 0;
}
