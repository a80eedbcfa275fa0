/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The DWARF readers on a real -g fixture and on copies of it whose references were rewired
 * into what a hostile file can hold (a typedef of itself): every query must come back, with
 * an answer or an error, never loop.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "sym/dwarf.h"

/* The DIE of tag named name in a top-level scope of the first unit that has one. */
static bool find_die(Dwarf *dw, int tag, const char *name, Dwarf_Die *ret)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu;

	for (; dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0; off = next) {
		if (!dwarf_offdie(dw, off + hsize, &cu) || dwarf_child(&cu, ret) != 0)
			continue;
		do {
			const char *n = dwarf_diename(ret);

			if (dwarf_tag(ret) == tag && n && !strcmp(n, name))
				return true;
		} while (dwarf_siblingof(ret, ret) == 0);
	}
	return false;
}

/* The DIE that die's DW_AT_type refers to. */
static void type_die(Dwarf_Die *die, Dwarf_Die *ret)
{
	Dwarf_Attribute a;

	assert_non_null(dwarf_formref_die(dwarf_attr(die, DW_AT_type, &a), ret));
}

/* The first child of die with tag. */
static void child_die(Dwarf_Die *die, int tag, Dwarf_Die *ret)
{
	assert_int_equal(dwarf_child(die, ret), 0);
	while (dwarf_tag(ret) != tag)
		assert_int_equal(dwarf_siblingof(ret, ret), 0);
}

/* Rewrites the fixture's DW_AT_type attributes in a copy (path in ret_path). */
struct rewire {
	int in, out;
	Dwarf *dw;
	GElf_Shdr info;
	const unsigned char *info_buf;
};

static void rewire_begin(struct rewire *rw, char *ret_path)
{
	const char *src = fx_env("FX_DWARF");
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	char buf[4096];
	ssize_t n;
	Elf *elf;

	rw->in = open(src, O_RDONLY);
	strcpy(ret_path, "/tmp/test_sym_dwarf.XXXXXX");
	rw->out = mkstemp(ret_path);
	assert_true(rw->in >= 0 && rw->out >= 0);
	while ((n = read(rw->in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(rw->out, buf, (size_t)n), n);
	rw->dw = dwarf_begin(rw->in, DWARF_C_READ);
	assert_non_null(rw->dw);
	elf = dwarf_getelf(rw->dw);
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &rw->info) &&
		    !strcmp(elf_strptr(elf, shstrndx, rw->info.sh_name), ".debug_info"))
			break;
	}
	assert_non_null(scn);
	rw->info_buf = elf_rawdata(scn, NULL)->d_buf;
}

/* from's DW_AT_type (a DW_FORM_ref4) now refers to to. */
static void rewire(struct rewire *rw, Dwarf_Die *from, Dwarf_Die *to)
{
	Dwarf_Attribute a;
	uint32_t ref = (uint32_t)dwarf_cuoffset(to);

	assert_non_null(dwarf_attr(from, DW_AT_type, &a));
	assert_int_equal(dwarf_whatform(&a), DW_FORM_ref4);
	assert_true(a.valp >= rw->info_buf && a.valp + 4 <= rw->info_buf + rw->info.sh_size);
	assert_int_equal(pwrite(rw->out, &ref, 4,
				(off_t)(rw->info.sh_offset + (uint64_t)(a.valp - rw->info_buf))),
			 4);
}

static void rewire_end(struct rewire *rw)
{
	dwarf_end(rw->dw);
	close(rw->in);
	close(rw->out);
}

static struct sym_dwarf *open_ok(const char *path)
{
	struct sym_dwarf *d = NULL;

	assert_int_equal(sym_dwarf_open(path, &d), 0);
	return d;
}

static void test_fixture(void **state)
{
	struct sym_dwarf *d = open_ok(fx_env("FX_DWARF"));
	const struct sym_dw_type *t;
	struct sym_dw_func f;

	assert_int_equal(sym_dwarf_type(d, "fx_alias", &t), 0);
	assert_int_equal(t->kind, SYM_DWT_STRUCT);
	assert_string_equal(t->name, "struct fx_point");
	assert_int_equal(sym_dwarf_func(d, "fx_dw_func", 0, &f), 0);
	sym_dwarf_free(d);
}

/* fx_dw_func's declaration from path: the fixture's file, and its line there. */
static int decl_line_of(const char *path)
{
	struct sym_dwarf *d = open_ok(path);
	struct sym_dw_func f;
	const char *tail = "fixtures/fx_dwarf.c";
	int line;

	assert_int_equal(sym_dwarf_func(d, "fx_dw_func", 0, &f), 0);
	assert_non_null(f.decl_file);
	assert_true(strlen(f.decl_file) >= strlen(tail));
	assert_string_equal(f.decl_file + strlen(f.decl_file) - strlen(tail), tail);
	line = f.decl_line;
	sym_dwarf_free(d);
	return line;
}

/* gcc's DWARF and clang's (DW_AT_decl_file 0 for the unit's own file) name the same place. */
static void test_decl_file(void **state)
{
	const char *clang_built = getenv("FX_DWARF_CLANG");
	int line = decl_line_of(fx_env("FX_DWARF"));

	assert_true(line > 0);
	if (!clang_built)
		skip();
	assert_int_equal(decl_line_of(clang_built), line);
}

/* A FIFO or a device is no DWARF file: refused at once, never waited on or read. */
static void test_not_regular(void **state)
{
	char fifo[] = "/tmp/test_sym_dwarf_fifo.XXXXXX";
	struct sym_dwarf *d = NULL;
	int fd = mkstemp(fifo);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(unlink(fifo), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(sym_dwarf_open(fifo, &d), -ENODATA);
	assert_int_equal(sym_dwarf_open("/dev/zero", &d), -ENODATA);
	assert_int_equal(sym_dwarf_open("/nonexistent/fx", &d), -ENOENT);
	assert_null(d);
	unlink(fifo);
}

/* typedef fx_alias fx_alias: no type, rather than peeling it forever. */
static void test_typedef_cycle(void **state)
{
	const struct sym_dw_type *t;
	struct sym_dw_var v;
	struct sym_dwarf *d;
	char path[64];

	struct rewire rw;
	Dwarf_Die alias;

	rewire_begin(&rw, path);
	assert_true(find_die(rw.dw, DW_TAG_typedef, "fx_alias", &alias));
	rewire(&rw, &alias, &alias);
	rewire_end(&rw);
	d = open_ok(path);
	assert_int_equal(sym_dwarf_type(d, "fx_alias", &t), 0);
	assert_int_equal(t->kind, SYM_DWT_VOID);
	assert_int_equal(sym_dwarf_global(d, "fx_origin", NULL, &v), 0);
	assert_int_equal(v.type->kind, SYM_DWT_VOID);
	sym_dwarf_free(d);
	unlink(path);
}

/*
 * int (*raw)(int (*)(...), int (*)(...)): each parameter of the function type is the pointer
 * to it again, so spelling the type for stap -L branches twice at every level.
 */
static void test_function_pointer_cycle(void **state)
{
	Dwarf_Die fn, raw, ptr, sub, param;
	struct sym_dw_decls ds;
	struct sym_dw_func f;
	struct sym_dwarf *d;
	struct rewire rw;
	char path[64];

	rewire_begin(&rw, path);
	assert_true(find_die(rw.dw, DW_TAG_subprogram, "fx_dw_raw", &fn));
	child_die(&fn, DW_TAG_formal_parameter, &raw);
	type_die(&raw, &ptr);
	assert_int_equal(dwarf_tag(&ptr), DW_TAG_pointer_type);
	type_die(&ptr, &sub);
	assert_int_equal(dwarf_tag(&sub), DW_TAG_subroutine_type);
	assert_int_equal(dwarf_child(&sub, &param), 0);
	do
		rewire(&rw, &param, &ptr);
	while (dwarf_siblingof(&param, &param) == 0);
	rewire_end(&rw);

	d = open_ok(path);
	assert_int_equal(sym_dwarf_func(d, "fx_dw_raw", 0, &f), 0);
	assert_int_equal(sym_dwarf_decls(d, f.prologue, "fx_dw_raw", &ds), 0);
	sym_dw_decls_release(&ds);
	sym_dwarf_free(d);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_decl_file),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_typedef_cycle),
		cmocka_unit_test(test_function_pointer_cycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
