/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PLT stubs against objdump -d: the same names at the same addresses, nothing more. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "sym/sym.h"
#include "util/strbuf.h"

static struct sym_file *open_ok(const char *env)
{
	int err = 0;
	struct sym_file *f = sym_file_open(fx_env(env), &err);

	if (!f)
		fail_msg("%s: %s", fx_env(env), strerror(-err));
	return f;
}

static void check_against_objdump(const char *env, const char *dis)
{
	struct sym_file *f = open_ok(env);
	char names[32][64];
	uint64_t addrs[32];
	size_t n = fx_dis_plt(fx_env(dis), names, addrs, 32), i;

	assert_true(n >= 2);
	assert_int_equal(sym_plt_count(f), n);
	for (i = 0; i < n; i++) {
		const struct sym_symbol *s = NULL;
		char with[80];

		assert_int_equal(sym_plt_lookup(f, names[i], &s), 0);
		assert_int_equal(s->addr, addrs[i]);
		assert_int_equal(s->origin, SYM_FROM_PLT);
		snprintf(with, sizeof(with), "%s@plt", names[i]);
		s = NULL;
		assert_int_equal(sym_lookup(f, with, &s), 0);
		assert_int_equal(s->addr, addrs[i]);
	}
	assert_int_equal(sym_glob(f, "*@plt", NULL, NULL), (int)n);
	sym_file_free(f);
}

static void test_ibt_objdump(void **state)
{
	check_against_objdump("FX_PLT_IBT", "FX_EXPECT_FX_PLT_IBT_DIS");
}

static void test_lazy_objdump(void **state)
{
	check_against_objdump("FX_PLT_LAZY", "FX_EXPECT_FX_PLT_LAZY_DIS");
}

static bool in_section(const char *sections, const char *sec, uint64_t addr)
{
	uint64_t vma, off, size;

	return !fx_section(sections, sec, &vma, &off, &size) && addr >= vma && addr < vma + size;
}

static void test_ibt_sections(void **state)
{
	const char *secs = fx_env("FX_EXPECT_FX_PLT_IBT_SECTIONS");
	struct sym_file *f = open_ok("FX_PLT_IBT");
	const struct sym_symbol *puts_ = NULL, *printf_ = NULL, *fin = NULL;
	struct strbuf sb = {0};

	assert_int_equal(sym_plt_lookup(f, "puts", &puts_), 0);
	assert_int_equal(sym_plt_lookup(f, "printf@plt", &printf_), 0);
	assert_int_equal(sym_plt_lookup(f, "__cxa_finalize", &fin), 0);
	assert_true(in_section(secs, ".plt.sec", puts_->addr));
	assert_true(in_section(secs, ".plt.sec", printf_->addr));
	assert_true(in_section(secs, ".plt.got", fin->addr));
	assert_int_equal(puts_->size, 16);
	assert_int_equal(sym_addr_to_name(f, puts_->addr + 4, &sb), 0);
	assert_string_equal(sb_str(&sb), "puts@plt+0x4");
	assert_int_equal(sym_plt_lookup(f, "malloc", &fin), -ENOENT);
	assert_int_equal(sym_lookup(f, "malloc@plt", &fin), -ENOENT);
	sb_release(&sb);
	sym_file_free(f);
}

static void test_lazy_sections(void **state)
{
	const char *secs = fx_env("FX_EXPECT_FX_PLT_LAZY_SECTIONS");
	struct sym_file *f = open_ok("FX_PLT_LAZY");
	const struct sym_symbol *s = NULL;
	uint64_t vma, off, size, init;
	struct strbuf sb = {0};

	assert_int_equal(fx_section(secs, ".plt.sec", &vma, &off, &size), -ENOENT);
	assert_int_equal(sym_plt_lookup(f, "puts", &s), 0);
	assert_true(in_section(secs, ".plt", s->addr));
	/* Not PLT0. */
	assert_int_equal(fx_section(secs, ".plt", &vma, &off, &size), 0);
	assert_true(s->addr >= vma + 16);
	/* crti's _init and _fini have no size: they cover up to the next symbol, like objdump. */
	assert_int_equal(fx_nm(fx_env("FX_EXPECT_FX_PLT_LAZY_NM"), "_init", &init, &size), 0);
	assert_int_equal(size, 0);
	assert_int_equal(sym_addr_to_name(f, init + 4, &sb), 0);
	assert_string_equal(sb_str(&sb), "_init+0x4");
	sb_reset(&sb);
	assert_int_equal(fx_nm(fx_env("FX_EXPECT_FX_PLT_LAZY_NM"), "_fini", &init, &size), 0);
	assert_int_equal(sym_addr_to_name(f, init + 4, &sb), 0);
	assert_string_equal(sb_str(&sb), "_fini+0x4");
	sb_release(&sb);
	sym_file_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ibt_objdump),
		cmocka_unit_test(test_lazy_objdump),
		cmocka_unit_test(test_ibt_sections),
		cmocka_unit_test(test_lazy_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
