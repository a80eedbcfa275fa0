/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* File offset <-> virtual address, checked against objdump's section table. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "sym/sym.h"

static struct sym_file *open_ok(const char *env)
{
	int err = 0;
	struct sym_file *f = sym_file_open(fx_env(env), &err);

	if (!f)
		fail_msg("%s: %s", fx_env(env), strerror(-err));
	return f;
}

/* The file offset of a vaddr inside a section, computed from objdump -h. */
static uint64_t expect_offset(const char *sections, const char *sec, uint64_t vaddr)
{
	uint64_t vma, off, size;

	assert_int_equal(fx_section(sections, sec, &vma, &off, &size), 0);
	assert_true(vaddr >= vma && vaddr < vma + size);
	return vaddr - vma + off;
}

static void check_text(const char *env, const char *base)
{
	static const char *const names[] = {"fx_add", "fx_sub", "fx_stride", "fx_static_helper",
					    "main"};
	char nm[64], secs[64];
	struct sym_file *f = open_ok(env);
	size_t i;

	snprintf(nm, sizeof(nm), "FX_EXPECT_%s_NM", base);
	snprintf(secs, sizeof(secs), "FX_EXPECT_%s_SECTIONS", base);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint64_t addr, size, off = 0, back = 0, want;

		assert_int_equal(fx_nm(fx_env(nm), names[i], &addr, &size), 0);
		want = expect_offset(fx_env(secs), ".text", addr);
		assert_int_equal(sym_vaddr_to_offset(f, addr, SYM_NEED_EXEC, &off), 0);
		assert_int_equal(off, want);
		assert_int_equal(sym_offset_to_vaddr(f, off, SYM_NEED_EXEC, &back), 0);
		assert_int_equal(back, addr);
		assert_int_equal(sym_vaddr_to_offset(f, addr + size - 1, SYM_NEED_EXEC, &off), 0);
		assert_int_equal(off, want + size - 1);
	}
	sym_file_free(f);
}

static void test_text_nopie(void **state)
{
	check_text("FX_NOPIE", "FX_NOPIE");
}

static void test_text_pie(void **state)
{
	check_text("FX_PIE", "FX_PIE");
}

static void check_data(const char *env, const char *base)
{
	char nm[64], secs[64];
	struct sym_file *f = open_ok(env);
	uint64_t addr, size, off = 77, back;

	snprintf(nm, sizeof(nm), "FX_EXPECT_%s_NM", base);
	snprintf(secs, sizeof(secs), "FX_EXPECT_%s_SECTIONS", base);
	assert_int_equal(fx_nm(fx_env(nm), "fx_data_word", &addr, &size), 0);
	assert_int_equal(sym_vaddr_to_offset(f, addr, SYM_NEED_EXEC, &off), -EACCES);
	assert_int_equal(off, 77);
	assert_int_equal(sym_vaddr_to_offset(f, addr, 0, &off), 0);
	assert_int_equal(off, expect_offset(fx_env(secs), ".data", addr));
	assert_int_equal(sym_offset_to_vaddr(f, off, 0, &back), 0);
	assert_int_equal(back, addr);
	assert_int_equal(sym_offset_to_vaddr(f, off, SYM_NEED_EXEC, &back), -EACCES);
	/* .bss has no file bytes. */
	assert_int_equal(fx_nm(fx_env(nm), "fx_bss_word", &addr, &size), 0);
	assert_int_equal(sym_vaddr_to_offset(f, addr, 0, &off), -ERANGE);
	assert_int_equal(sym_offset_to_vaddr(f, 1ull << 40, 0, &back), -ERANGE);
	assert_int_equal(sym_vaddr_to_offset(f, 1ull << 60, 0, &off), -ERANGE);
	sym_file_free(f);
}

static void test_data_nopie(void **state)
{
	uint64_t off;
	struct sym_file *f;

	check_data("FX_NOPIE", "FX_NOPIE");
	f = open_ok("FX_NOPIE");
	assert_int_equal(sym_vaddr_to_offset(f, 0x10, 0, &off), -ERANGE);
	sym_file_free(f);
}

static void test_data_pie(void **state)
{
	uint64_t off = 5;
	struct sym_file *f;

	check_data("FX_PIE", "FX_PIE");
	/* The ELF header is mapped, but not executable (-z separate-code). */
	f = open_ok("FX_PIE");
	assert_int_equal(sym_vaddr_to_offset(f, 0x10, 0, &off), 0);
	assert_int_equal(off, 0x10);
	assert_int_equal(sym_vaddr_to_offset(f, 0x10, SYM_NEED_EXEC, &off), -EACCES);
	sym_file_free(f);
}

static void test_read(void **state)
{
	struct sym_file *f = open_ok("FX_NOPIE");
	uint8_t b[4];
	uint64_t addr, size, off;

	assert_int_equal(sym_file_read(f, 0, b, 4), 0);
	assert_memory_equal(b, "\177ELF", 4);
	assert_int_equal(sym_file_read(f, 1ull << 40, b, 4), -EFAULT);
	assert_int_equal(fx_nm(fx_env("FX_EXPECT_FX_NOPIE_NM"), "fx_add", &addr, &size), 0);
	assert_int_equal(sym_vaddr_to_offset(f, addr, SYM_NEED_EXEC, &off), 0);
	assert_int_equal(sym_file_read(f, off, b, 4), 0);
	/* -O0 with frame pointers: push %rbp; mov %rsp,%rbp (or endbr64 first). */
	if (b[0] == 0xf3)
		assert_memory_equal(b, "\xf3\x0f\x1e\xfa", 4);
	else
		assert_memory_equal(b, "\x55\x48\x89\xe5", 4);
	sym_file_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_nopie), cmocka_unit_test(test_text_pie),
		cmocka_unit_test(test_data_nopie), cmocka_unit_test(test_data_pie),
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
