/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SDT notes of fx_sdt (addresses from nm and objdump -h) and the argument parser. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "sym/sym.h"

static struct sym_file *open_sdt(void)
{
	int err = 0;
	struct sym_file *f = sym_file_open(fx_env("FX_SDT"), &err);

	if (!f)
		fail_msg("%s: %s", fx_env("FX_SDT"), strerror(-err));
	return f;
}

static uint64_t nm_addr(const char *name)
{
	uint64_t addr, size;

	assert_int_equal(fx_nm(fx_env("FX_EXPECT_FX_SDT_NM"), name, &addr, &size), 0);
	return addr;
}

static uint64_t sec_offset(const char *sec, uint64_t vaddr)
{
	uint64_t vma, off, size;

	assert_int_equal(fx_section(fx_env("FX_EXPECT_FX_SDT_SECTIONS"), sec, &vma, &off, &size),
			 0);
	assert_true(vaddr >= vma && vaddr < vma + size);
	return vaddr - vma + off;
}

static uint64_t sec_vma(const char *sec)
{
	uint64_t vma, off, size;

	assert_int_equal(fx_section(fx_env("FX_EXPECT_FX_SDT_SECTIONS"), sec, &vma, &off, &size),
			 0);
	return vma;
}

static void test_start(void **state)
{
	struct sym_file *f = open_sdt();
	const struct sym_sdt_note *n = NULL;

	assert_int_equal(sym_sdt_count(f), 4);
	assert_int_equal(sym_sdt_find(f, "fx", "start", &n), 0);
	assert_ptr_equal(n, sym_sdt_at(f, 0));
	assert_string_equal(n->provider, "fx");
	assert_string_equal(n->name, "start");
	assert_string_equal(n->args, "");
	assert_int_equal(n->nargs, 0);
	assert_int_equal(n->args_err, 0);
	assert_int_equal(n->pc, nm_addr("fx_site_start"));
	assert_int_equal(n->note_pc, n->pc);
	assert_int_equal(n->base, sec_vma(".stapsdt.base"));
	assert_int_equal(n->pc_offset, sec_offset(".text", n->pc));
	assert_int_equal(n->semaphore, 0);
	assert_int_equal(n->semaphore_offset, 0);
	sym_file_free(f);
}

static void test_compute(void **state)
{
	static const uint8_t sizes[] = {4, 8, 8, 4};
	static const bool sign[] = {true, false, false, false};
	struct sym_file *f = open_sdt();
	const struct sym_sdt_note *n = NULL;
	size_t i;

	assert_int_equal(sym_sdt_find(f, NULL, "compute", &n), 0);
	assert_int_equal(n->pc, nm_addr("fx_site_compute"));
	assert_int_equal(n->semaphore, nm_addr("fx_compute_semaphore"));
	assert_int_equal(n->semaphore_offset, sec_offset(".probes", n->semaphore));
	assert_int_equal(n->args_err, 0);
	assert_int_equal(n->nargs, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(n->argv[i].size, sizes[i]);
		assert_int_equal(n->argv[i].is_signed, sign[i]);
	}
	/* Whatever gcc picked for the variables, it is not a constant; the 5 is. */
	assert_int_not_equal(n->argv[0].kind, SYM_SDT_ARG_CONST);
	assert_int_not_equal(n->argv[1].kind, SYM_SDT_ARG_CONST);
	assert_int_equal(n->argv[3].kind, SYM_SDT_ARG_CONST);
	assert_int_equal(n->argv[3].value, 5);
	sym_file_free(f);
}

static void test_fixed(void **state)
{
	struct sym_file *f = open_sdt();
	const struct sym_sdt_note *n = NULL;
	const struct sym_sdt_arg *a;

	assert_int_equal(sym_sdt_find(f, "fx", "fixed", &n), 0);
	assert_int_equal(n->pc, nm_addr("fx_site_fixed"));
	assert_string_equal(
		n->args, "-4@%edi 8@-8(%rbp) 4@$42 -2@fx_counter+4(%rip) 8@16(%rax,%rcx,8) 1@%sil");
	assert_int_equal(n->nargs, 6);
	a = n->argv;
	assert_int_equal(a[0].kind, SYM_SDT_ARG_REG);
	assert_int_equal(a[0].size, 4);
	assert_true(a[0].is_signed);
	assert_int_equal(a[0].reg, 5);
	assert_int_equal(a[0].reg_width, 4);

	assert_int_equal(a[1].kind, SYM_SDT_ARG_MEM);
	assert_int_equal(a[1].size, 8);
	assert_false(a[1].is_signed);
	assert_int_equal(a[1].reg, 6);
	assert_int_equal(a[1].value, -8);
	assert_int_equal(a[1].index_reg, SYM_REG_NONE);
	assert_null(a[1].disp_sym);

	assert_int_equal(a[2].kind, SYM_SDT_ARG_CONST);
	assert_int_equal(a[2].size, 4);
	assert_int_equal(a[2].value, 42);

	assert_int_equal(a[3].kind, SYM_SDT_ARG_MEM);
	assert_int_equal(a[3].size, 2);
	assert_true(a[3].is_signed);
	assert_int_equal(a[3].reg, 16);
	assert_string_equal(a[3].disp_sym, "fx_counter");
	assert_int_equal(a[3].value, 4);

	assert_int_equal(a[4].kind, SYM_SDT_ARG_MEM);
	assert_int_equal(a[4].reg, 0);
	assert_int_equal(a[4].index_reg, 2);
	assert_int_equal(a[4].scale, 8);
	assert_int_equal(a[4].value, 16);

	assert_int_equal(a[5].kind, SYM_SDT_ARG_REG);
	assert_int_equal(a[5].size, 1);
	assert_int_equal(a[5].reg, 4);
	assert_int_equal(a[5].reg_width, 1);
	sym_file_free(f);
}

static void test_adjusted(void **state)
{
	struct sym_file *f = open_sdt();
	const struct sym_sdt_note *n = NULL;

	assert_int_equal(sym_sdt_find(f, "fx_other", "adjusted", &n), 0);
	assert_int_equal(n->note_pc, nm_addr("fx_site_adjusted") - 0x100);
	assert_int_equal(n->base, sec_vma(".stapsdt.base") - 0x100);
	assert_int_equal(n->pc, nm_addr("fx_site_adjusted"));
	assert_int_equal(n->pc_offset, sec_offset(".text", n->pc));
	assert_int_equal(n->semaphore, nm_addr("fx_adjusted_semaphore"));
	assert_int_equal(n->semaphore_offset, sec_offset(".probes", n->semaphore));
	assert_int_equal(n->nargs, 1);
	assert_int_equal(n->argv[0].reg, 5);
	assert_int_equal(sym_sdt_find(f, "fx", "adjusted", &n), -ENOENT);
	sym_file_free(f);
}

static int count_fn(const struct sym_sdt_note *n, void *data)
{
	(*(int *)data)++;
	return 0;
}

static void test_glob(void **state)
{
	struct sym_file *f = open_sdt();
	const struct sym_sdt_note *n = (void *)1;
	int calls = 0;

	assert_int_equal(sym_sdt_glob(f, "fx*", "*", count_fn, &calls), 4);
	assert_int_equal(calls, 4);
	assert_int_equal(sym_sdt_glob(f, "fx", "*", NULL, NULL), 3);
	assert_int_equal(sym_sdt_glob(f, NULL, "[cf]*", NULL, NULL), 2);
	assert_int_equal(sym_sdt_glob(f, NULL, "nothing", NULL, NULL), 0);
	assert_int_equal(sym_sdt_find(f, NULL, "nothing", &n), -ENOENT);
	assert_ptr_equal(n, (void *)1);
	sym_file_free(f);
}

static void test_no_notes(void **state)
{
	int err = 0;
	struct sym_file *f = sym_file_open(fx_env("FX_PIE"), &err);

	assert_non_null(f);
	assert_int_equal(sym_sdt_count(f), 0);
	assert_null(sym_sdt_at(f, 0));
	sym_file_free(f);
}

static void parse_one(const char *text, struct sym_sdt_arg *ret)
{
	struct sym_sdt_arg *a = NULL;
	size_t n = 0;

	assert_int_equal(sym_sdt_parse_args(text, &a, &n), 0);
	assert_int_equal(n, 1);
	*ret = a[0];
	ret->disp_sym = NULL;
	sym_sdt_args_free(a, n);
}

static void test_parse_forms(void **state)
{
	struct sym_sdt_arg a;
	struct sym_sdt_arg *v = NULL;
	size_t n = 9;

	parse_one("8@$-1", &a);
	assert_int_equal(a.kind, SYM_SDT_ARG_CONST);
	assert_int_equal(a.value, -1);
	parse_one("-8@$0x10", &a);
	assert_int_equal(a.value, 16);
	assert_true(a.is_signed);
	parse_one("-8f@%xmm1", &a);
	assert_true(a.is_float);
	assert_int_equal(a.reg, 18);
	assert_int_equal(a.reg_width, 16);
	parse_one("8@(%rax)", &a);
	assert_int_equal(a.kind, SYM_SDT_ARG_MEM);
	assert_int_equal(a.reg, 0);
	assert_int_equal(a.value, 0);
	parse_one("4@(,%r12,4)", &a);
	assert_int_equal(a.reg, SYM_REG_NONE);
	assert_int_equal(a.index_reg, 12);
	assert_int_equal(a.scale, 4);
	parse_one("%r9d", &a);
	assert_int_equal(a.size, 8);
	assert_false(a.is_signed);
	assert_int_equal(a.reg, 9);
	assert_int_equal(a.reg_width, 4);
	parse_one("2@0x601040", &a);
	assert_int_equal(a.kind, SYM_SDT_ARG_MEM);
	assert_int_equal(a.reg, SYM_REG_NONE);
	assert_int_equal(a.value, 0x601040);
	parse_one("8@-0x18(%r15)", &a);
	assert_int_equal(a.reg, 15);
	assert_int_equal(a.value, -0x18);
	parse_one("-8@$-9223372036854775808", &a);
	assert_true(a.value == INT64_MIN);
	parse_one("8@$0xffffffffffffffff", &a);
	assert_int_equal(a.value, -1);

	assert_int_equal(sym_sdt_parse_args("  ", &v, &n), 0);
	assert_int_equal(n, 0);
	sym_sdt_args_free(v, n);
	assert_string_equal(sym_reg_name(5, 4), "edi");
	assert_string_equal(sym_reg_name(12, 8), "r12");
	assert_null(sym_reg_name(99, 8));
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"3@%eax",
		"4@%foo",
		"4@",
		"4@(%rax",
		"4@$",
		"4@-8(%rbp)x",
		"4@%ah",
		"4@16(%rax,%rcx,3)",
		"-4@%edi 9@%eax",
		"4@%fs:8",
		"x@%eax",
		"@%eax",
		"-9223372036854775808@%rax",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sym_sdt_arg *v = (void *)1;
		size_t n = 77;

		if (sym_sdt_parse_args(bad[i], &v, &n) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_ptr_equal(v, (void *)1);
		assert_int_equal(n, 77);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start),	    cmocka_unit_test(test_compute),
		cmocka_unit_test(test_fixed),	    cmocka_unit_test(test_adjusted),
		cmocka_unit_test(test_glob),	    cmocka_unit_test(test_no_notes),
		cmocka_unit_test(test_parse_forms), cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
