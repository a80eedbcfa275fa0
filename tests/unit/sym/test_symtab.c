/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Opening files, function symbols, versions, globs and address -> name. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static void test_open_errors(void **state)
{
	int err = 0;
	char path[4096];

	assert_null(sym_file_open("/nonexistent/fx", &err));
	assert_int_equal(err, -ENOENT);
	snprintf(path, sizeof(path), "%s/fixtures/fx_funcs.c", fx_env("FX_SRCDIR"));
	err = 0;
	assert_null(sym_file_open(path, &err));
	assert_int_equal(err, -ENOEXEC);
	err = 0;
	assert_null(sym_file_open(fx_env("FX_SRCDIR"), &err));
	assert_int_equal(err, -EISDIR);
	sym_file_free(NULL);
}

static void test_file_identity(void **state)
{
	struct sym_file *pie = open_ok("FX_PIE"), *nopie = open_ok("FX_NOPIE");
	struct sym_file *lib = open_ok("FX_VER");
	const char *id = sym_file_build_id(pie);
	size_t i, nx = 0;

	assert_string_equal(sym_file_path(pie), fx_env("FX_PIE"));
	assert_int_equal(sym_file_type(pie), ET_DYN);
	assert_int_equal(sym_file_type(nopie), ET_EXEC);
	assert_int_equal(sym_file_machine(pie), EM_X86_64);
	assert_null(sym_file_soname(pie));
	assert_string_equal(sym_file_soname(lib), "libfxver.so.1");
	/* gcc on Debian links with --build-id (sha1: 20 bytes). */
	assert_non_null(id);
	assert_int_equal(strlen(id), 40);
	assert_true(strspn(id, "0123456789abcdef") == 40);
	assert_true(sym_file_segment_count(pie) >= 2);
	for (i = 0; i < sym_file_segment_count(pie); i++) {
		const struct sym_segment *s = sym_file_segment(pie, i);

		nx += !!(s->flags & PF_X);
		assert_true(s->memsz >= s->filesz);
		assert_int_equal(s->vaddr % 4096, s->offset % 4096);
	}
	assert_int_equal(nx, 1);
	assert_null(sym_file_segment(pie, sym_file_segment_count(pie)));
	sym_file_free(pie);
	sym_file_free(nopie);
	sym_file_free(lib);
}

static void check_functions(const char *env, const char *nm_env)
{
	static const char *const names[] = {"fx_add",	 "fx_sub", "fx_stride",
					    "fx_string", "main",   "fx_static_helper"};
	struct sym_file *f = open_ok(env);
	size_t i;

	assert_true(sym_file_has_symbols(f));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct sym_symbol *s = NULL;
		uint64_t addr, size;

		assert_int_equal(fx_nm(fx_env(nm_env), names[i], &addr, &size), 0);
		assert_int_equal(sym_lookup(f, names[i], &s), 0);
		assert_string_equal(s->name, names[i]);
		assert_int_equal(s->addr, addr);
		assert_int_equal(s->size, size);
		assert_true(size > 0);
		assert_int_equal(s->type, STT_FUNC);
		assert_int_equal(s->bind,
				 strcmp(names[i], "fx_static_helper") ? STB_GLOBAL : STB_LOCAL);
		assert_true(s->origin & SYM_FROM_SYMTAB);
	}
	sym_file_free(f);
}

static void test_functions_pie(void **state)
{
	check_functions("FX_PIE", "FX_EXPECT_FX_PIE_NM");
}

static void test_functions_nopie(void **state)
{
	check_functions("FX_NOPIE", "FX_EXPECT_FX_NOPIE_NM");
}

static void test_exported_merged(void **state)
{
	struct sym_file *f = open_ok("FX_PIE");
	const struct sym_symbol *s = NULL, *s2 = NULL;
	size_t i, n = 0;

	/* fx_add is in both .symtab and .dynsym (--export-dynamic-symbol): one entry. */
	assert_int_equal(sym_lookup(f, "fx_add", &s), 0);
	assert_int_equal(s->origin, SYM_FROM_SYMTAB | SYM_FROM_DYNSYM);
	assert_int_equal(sym_lookup(f, "fx_sub", &s2), 0);
	assert_int_equal(s2->origin, SYM_FROM_SYMTAB);
	for (i = 0; i < sym_count(f); i++) {
		const struct sym_symbol *x = sym_at(f, i);

		n += !strcmp(x->name, "fx_add");
		if (i)
			assert_true(sym_at(f, i - 1)->addr <= x->addr);
	}
	assert_int_equal(n, 1);
	assert_null(sym_at(f, sym_count(f)));
	assert_int_equal(sym_lookup(f, "fx_nope", &s), -ENOENT);
	sym_file_free(f);
}

struct collect {
	char names[16][64];
	size_t n;
};

static int collect_fn(const struct sym_symbol *s, void *data)
{
	struct collect *c = data;
	struct strbuf sb = {0};

	assert_true(c->n < 16);
	sym_format_name(s, true, &sb);
	snprintf(c->names[c->n++], 64, "%s", sb_str(&sb));
	sb_release(&sb);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void assert_glob(struct sym_file *f, const char *pattern, const char *const *want,
			size_t nwant)
{
	struct collect c = {0};
	size_t i;

	assert_int_equal(sym_glob(f, pattern, collect_fn, &c), (int)nwant);
	assert_int_equal(c.n, nwant);
	qsort(c.names, c.n, sizeof(c.names[0]), cmp_str);
	for (i = 0; i < nwant; i++)
		assert_string_equal(c.names[i], want[i]);
}

static int stop_fn(const struct sym_symbol *s, void *data)
{
	return -EINTR;
}

static void test_glob(void **state)
{
	static const char *const st[] = {"fx_static_helper", "fx_stride", "fx_string"};
	static const char *const s[] = {"fx_static_helper", "fx_stride", "fx_string", "fx_sub"};
	struct sym_file *f = open_ok("FX_PIE");

	assert_glob(f, "fx_st*", st, 3);
	assert_glob(f, "fx_s*", s, 4);
	assert_glob(f, "fx_[as][du][db]", (const char *const[]){"fx_add", "fx_sub"}, 2);
	assert_int_equal(sym_glob(f, "nothing*", NULL, NULL), 0);
	assert_int_equal(sym_glob(f, "fx_*", stop_fn, NULL), -EINTR);
	sym_file_free(f);
}

static void test_versions(void **state)
{
	const char *dyn = fx_env("FX_EXPECT_FXVER_DYNNM"), *nm = fx_env("FX_EXPECT_FXVER_NM");
	struct sym_file *f = open_ok("FX_VER");
	const struct sym_symbol *s = NULL;
	uint64_t a1, a2, ap, aold, anew, size;
	struct strbuf sb = {0};

	assert_int_equal(fx_nm(dyn, "fxv_compute@FXVER_1", &a1, &size), 0);
	assert_int_equal(fx_nm(dyn, "fxv_compute@@FXVER_2", &a2, &size), 0);
	assert_int_equal(fx_nm(dyn, "fxv_plain@@FXVER_1", &ap, &size), 0);
	assert_int_equal(fx_nm(nm, "fxv_old", &aold, &size), 0);
	assert_int_equal(fx_nm(nm, "fxv_new", &anew, &size), 0);
	assert_int_equal(a1, aold);
	assert_int_equal(a2, anew);

	/* The bare name binds to the default version, like the dynamic linker. */
	assert_int_equal(sym_lookup(f, "fxv_compute", &s), 0);
	assert_int_equal(s->addr, a2);
	assert_string_equal(s->version, "FXVER_2");
	assert_false(s->hidden_version);
	sym_format_name(s, true, &sb);
	assert_string_equal(sb_str(&sb), "fxv_compute@@FXVER_2");
	sb_reset(&sb);
	sym_format_name(s, false, &sb);
	assert_string_equal(sb_str(&sb), "fxv_compute");
	sb_reset(&sb);

	assert_int_equal(sym_lookup(f, "fxv_compute@FXVER_1", &s), 0);
	assert_int_equal(s->addr, a1);
	assert_true(s->hidden_version);
	assert_int_equal(s->origin, SYM_FROM_SYMTAB | SYM_FROM_DYNSYM);
	sym_format_name(s, true, &sb);
	assert_string_equal(sb_str(&sb), "fxv_compute@FXVER_1");
	sb_reset(&sb);
	assert_int_equal(sym_lookup(f, "fxv_compute@FXVER_2", &s), 0);
	assert_int_equal(s->addr, a2);
	assert_int_equal(sym_lookup(f, "fxv_compute@@FXVER_1", &s), -ENOENT);
	assert_int_equal(sym_lookup(f, "fxv_compute@FXVER_9", &s), -ENOENT);

	/* .symtab has plain "fxv_plain", .dynsym has it @@FXVER_1: merged. */
	assert_int_equal(sym_lookup(f, "fxv_plain", &s), 0);
	assert_int_equal(s->addr, ap);
	sym_format_name(s, true, &sb);
	assert_string_equal(sb_str(&sb), "fxv_plain@@FXVER_1");
	assert_int_equal(s->origin, SYM_FROM_SYMTAB | SYM_FROM_DYNSYM);

	assert_glob(f, "fxv_compute@*",
		    (const char *const[]){"fxv_compute@@FXVER_2", "fxv_compute@FXVER_1"}, 2);
	assert_glob(f, "*@@FXVER_?",
		    (const char *const[]){"fxv_compute@@FXVER_2", "fxv_plain@@FXVER_1"}, 2);
	assert_glob(f, "fxv_*",
		    (const char *const[]){"fxv_compute@@FXVER_2", "fxv_compute@FXVER_1", "fxv_new",
					  "fxv_old", "fxv_plain@@FXVER_1"},
		    5);

	/* Aliases at one address: the global versioned name is what a backtrace shows. */
	sb_reset(&sb);
	assert_int_equal(sym_addr_to_name(f, a1 + 1, &sb), 0);
	assert_string_equal(sb_str(&sb), "fxv_compute+0x1");
	sb_release(&sb);
	sym_file_free(f);
}

static void test_addr_to_name(void **state)
{
	struct sym_file *f = open_ok("FX_NOPIE");
	const struct sym_symbol *s = NULL;
	struct strbuf sb = {0};
	uint64_t addr, size, off = 99;

	assert_int_equal(fx_nm(fx_env("FX_EXPECT_FX_NOPIE_NM"), "fx_stride", &addr, &size), 0);
	assert_int_equal(sym_addr_to_name(f, addr, &sb), 0);
	assert_string_equal(sb_str(&sb), "fx_stride");
	sb_reset(&sb);
	assert_int_equal(sym_addr_to_name(f, addr + 0x7, &sb), 0);
	assert_string_equal(sb_str(&sb), "fx_stride+0x7");
	sb_reset(&sb);
	assert_int_equal(sym_addr_lookup(f, addr + size - 1, &s, &off), 0);
	assert_string_equal(s->name, "fx_stride");
	assert_int_equal(off, size - 1);
	/* Past the end of fx_stride: either the next function or nothing, never fx_stride. */
	if (sym_addr_lookup(f, addr + size, &s, &off) == 0)
		assert_string_not_equal(s->name, "fx_stride");
	assert_int_equal(sym_addr_to_name(f, 0x10, &sb), -ENOENT);
	assert_string_equal(sb_str(&sb), "");
	sb_release(&sb);
	sym_file_free(f);
}

static void test_stripped(void **state)
{
	struct sym_file *f = open_ok("FX_STRIPPED");
	const struct sym_symbol *s = NULL;
	struct strbuf sb = {0};
	uint64_t addr, size;

	assert_true(sym_file_has_symbols(f));
	assert_int_equal(fx_nm(fx_env("FX_EXPECT_FX_PIE_NM"), "fx_add", &addr, &size), 0);
	assert_int_equal(sym_lookup(f, "fx_add", &s), 0);
	assert_int_equal(s->addr, addr);
	assert_int_equal(s->size, size);
	assert_int_equal(s->origin, SYM_FROM_DYNSYM);
	assert_int_equal(sym_lookup(f, "fx_sub", &s), -ENOENT);
	sym_explain(f, "fx_sub", -ENOENT, &sb);
	assert_non_null(strstr(sb_str(&sb), "no function 'fx_sub' in .dynsym"));
	assert_non_null(strstr(sb_str(&sb), ".symtab is stripped"));
	sb_release(&sb);
	sym_file_free(f);
}

static void test_debuglink(void **state)
{
	static const char *const names[] = {"fx_sub", "fx_static_helper", "fx_add"};
	struct sym_file *f = open_ok("FX_DBG"), *wrong = open_ok("FX_WRONGDBG");
	const char *dbg = sym_file_debug_path(f);
	const struct sym_symbol *s = NULL;
	uint64_t addr, size;
	size_t i;

	assert_non_null(dbg);
	assert_string_equal(strrchr(dbg, '/'), "/fx_dbg.debug");
	for (i = 0; i < 3; i++) {
		assert_int_equal(fx_nm(fx_env("FX_EXPECT_FX_PIE_NM"), names[i], &addr, &size), 0);
		assert_int_equal(sym_lookup(f, names[i], &s), 0);
		assert_int_equal(s->addr, addr);
		assert_int_equal(s->size, size);
		assert_true(s->origin & SYM_FROM_SYMTAB);
	}
	/* The debuglink of fx_wrongdbg names fx_pie's debug file: refused by build-id. */
	assert_null(sym_file_debug_path(wrong));
	assert_int_equal(sym_lookup(wrong, "fx_sub", &s), -ENOENT);
	sym_file_free(f);
	sym_file_free(wrong);
}

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0700);
	char buf[4096];
	ssize_t n;

	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

/* A FIFO or a device where a file is expected is refused at once, never waited on or read. */
static void test_not_regular(void **state)
{
	char dir[] = "/tmp/test_sym_symtab.XXXXXX", fifo[64], copy[64], dbg[64];
	struct sym_file *f;
	int err = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_null(sym_file_open(fifo, &err));
	assert_int_equal(err, -ENOEXEC);
	err = 0;
	assert_null(sym_file_open("/dev/zero", &err));
	assert_int_equal(err, -ENOEXEC);

	/* fx_dbg's .gnu_debuglink names fx_dbg.debug next to it: a FIFO, then /dev/zero. */
	snprintf(copy, sizeof(copy), "%s/fx_dbg", dir);
	snprintf(dbg, sizeof(dbg), "%s/fx_dbg.debug", dir);
	copy_file(fx_env("FX_DBG"), copy);
	assert_int_equal(rename(fifo, dbg), 0);
	f = sym_file_open(copy, &err);
	assert_non_null(f);
	assert_null(sym_file_debug_path(f));
	sym_file_free(f);
	assert_int_equal(unlink(dbg), 0);
	assert_int_equal(symlink("/dev/zero", dbg), 0);
	f = sym_file_open(copy, &err);
	assert_non_null(f);
	assert_null(sym_file_debug_path(f));
	sym_file_free(f);
	unlink(dbg);
	unlink(copy);
	rmdir(dir);
}

static void test_no_symbols(void **state)
{
	struct sym_file *f = open_ok("FX_NOSYMS");
	const struct sym_symbol *s = (void *)1;
	struct strbuf sb = {0};

	assert_int_equal(sym_file_type(f), ET_EXEC);
	assert_false(sym_file_has_symbols(f));
	assert_int_equal(sym_count(f), 0);
	assert_int_equal(sym_lookup(f, "_start", &s), -ENOENT);
	assert_ptr_equal(s, (void *)1);
	assert_int_equal(sym_glob(f, "*", NULL, NULL), -ENOENT);
	sym_explain(f, "_start", -ENOENT, &sb);
	assert_non_null(strstr(sb_str(&sb), "no symbol table"));
	assert_non_null(strstr(sb_str(&sb), "fully stripped"));
	assert_non_null(strstr(sb_str(&sb), "'_start'"));
	sb_release(&sb);
	sym_file_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),	cmocka_unit_test(test_file_identity),
		cmocka_unit_test(test_functions_pie),	cmocka_unit_test(test_functions_nopie),
		cmocka_unit_test(test_exported_merged), cmocka_unit_test(test_glob),
		cmocka_unit_test(test_versions),	cmocka_unit_test(test_addr_to_name),
		cmocka_unit_test(test_stripped),	cmocka_unit_test(test_debuglink),
		cmocka_unit_test(test_no_symbols),	cmocka_unit_test(test_not_regular),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
