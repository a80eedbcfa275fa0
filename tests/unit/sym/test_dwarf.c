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

/* A copy of the fixture (path in ret_path) with the DW_AT_type of (tag, name) aimed at to. */
static void rewire_type(int tag, const char *name, int to_tag, const char *to_name, char *ret_path)
{
	const char *src = fx_env("FX_DWARF");
	int in = open(src, O_RDONLY), out;
	Dwarf_Die die, target;
	Dwarf_Attribute a;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	char buf[4096];
	uint32_t ref;
	ssize_t n;
	Dwarf *dw;
	Elf *elf;

	strcpy(ret_path, "/tmp/test_sym_dwarf.XXXXXX");
	out = mkstemp(ret_path);
	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	dw = dwarf_begin(in, DWARF_C_READ);
	assert_non_null(dw);
	assert_true(find_die(dw, tag, name, &die));
	assert_true(find_die(dw, to_tag, to_name, &target));
	assert_non_null(dwarf_attr(&die, DW_AT_type, &a));
	assert_int_equal(dwarf_whatform(&a), DW_FORM_ref4);
	elf = dwarf_getelf(dw);
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) ||
		    strcmp(elf_strptr(elf, shstrndx, sh.sh_name), ".debug_info"))
			continue;
		d = elf_rawdata(scn, NULL);
		assert_true(a.valp >= (unsigned char *)d->d_buf &&
			    a.valp + 4 <= (unsigned char *)d->d_buf + d->d_size);
		ref = (uint32_t)dwarf_cuoffset(&target);
		assert_int_equal(pwrite(out, &ref, 4,
					(off_t)(sh.sh_offset +
						(uint64_t)(a.valp - (unsigned char *)d->d_buf))),
				 4);
	}
	dwarf_end(dw);
	close(in);
	close(out);
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

/* typedef fx_alias fx_alias: no type, rather than peeling it forever. */
static void test_typedef_cycle(void **state)
{
	const struct sym_dw_type *t;
	struct sym_dw_var v;
	struct sym_dwarf *d;
	char path[64];

	rewire_type(DW_TAG_typedef, "fx_alias", DW_TAG_typedef, "fx_alias", path);
	d = open_ok(path);
	assert_int_equal(sym_dwarf_type(d, "fx_alias", &t), 0);
	assert_int_equal(t->kind, SYM_DWT_VOID);
	assert_int_equal(sym_dwarf_global(d, "fx_origin", NULL, &v), 0);
	assert_int_equal(v.type->kind, SYM_DWT_VOID);
	sym_dwarf_free(d);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_typedef_cycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
