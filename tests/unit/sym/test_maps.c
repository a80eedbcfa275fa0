/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/PID/maps parsing, load bias and library lookup in running fixtures. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "sym/sym.h"

static const char maps_text[] =
	"00400000-00401000 r--p 00000000 fd:01 1234567                            /usr/bin/fx\n"
	"00401000-00402000 r-xp 00001000 fd:01 1234567                            /usr/bin/fx\n"
	"01e4c000-01e6d000 rw-p 00000000 00:00 0                                  [heap]\n"
	"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
	"7f0000001000-7f0000002000 r-xp 00002000 103:02 42                         /tmp/my dir/lib "
	"x.so (deleted)\n"
	"7ffd1000a000-7ffd1000c000 r-xp 00000000 00:00 0                          [vdso]";

static void test_parse(void **state)
{
	struct sym_maps *m = NULL;
	const struct sym_mapping *mp;
	uint64_t off = 0;
	const char *path = NULL;

	assert_int_equal(sym_maps_parse(maps_text, &m), 0);
	assert_int_equal(m->count, 6);
	mp = &m->v[1];
	assert_int_equal(mp->start, 0x401000);
	assert_int_equal(mp->end, 0x402000);
	assert_string_equal(mp->perms, "r-xp");
	assert_int_equal(mp->offset, 0x1000);
	assert_int_equal(mp->dev_major, 0xfd);
	assert_int_equal(mp->dev_minor, 1);
	assert_int_equal(mp->inode, 1234567);
	assert_string_equal(mp->path, "/usr/bin/fx");
	assert_false(mp->deleted);
	assert_string_equal(m->v[2].path, "[heap]");
	assert_string_equal(m->v[3].path, "");
	assert_int_equal(m->v[3].inode, 0);
	assert_string_equal(m->v[4].path, "/tmp/my dir/lib x.so");
	assert_true(m->v[4].deleted);
	assert_int_equal(m->v[4].dev_major, 0x103);
	assert_string_equal(m->v[5].path, "[vdso]");

	assert_ptr_equal(sym_maps_find_addr(m, 0x401fff), &m->v[1]);
	assert_ptr_equal(sym_maps_find_addr(m, 0x400000), &m->v[0]);
	assert_null(sym_maps_find_addr(m, 0x402000));
	assert_null(sym_maps_find_addr(m, 0x10));
	assert_int_equal(sym_maps_addr_to_offset(m, 0x401234, &path, &off), 0);
	assert_string_equal(path, "/usr/bin/fx");
	assert_int_equal(off, 0x1234);
	assert_int_equal(sym_maps_addr_to_offset(m, 0x7f0000001010, &path, &off), 0);
	assert_int_equal(off, 0x2010);
	assert_int_equal(sym_maps_addr_to_offset(m, 0x01e4c010, &path, &off), -ENOENT);
	assert_int_equal(sym_maps_addr_to_offset(m, 0x7ffd1000a000, &path, &off), -ENOENT);

	assert_int_equal(sym_maps_find_lib(m, "lib x.so", &path), 0);
	assert_string_equal(path, "/tmp/my dir/lib x.so");
	assert_int_equal(sym_maps_find_lib(m, "/usr/bin/fx", &path), 0);
	assert_ptr_equal(path, m->v[0].path);
	assert_int_equal(sym_maps_find_lib(m, "fx", &path), 0);
	assert_int_equal(sym_maps_find_lib(m, "lib", &path), -ENOENT);
	sym_maps_free(m);
	sym_maps_free(NULL);
}

static void test_parse_errors(void **state)
{
	struct sym_maps *m = (void *)1;

	assert_int_equal(sym_maps_parse("00400000 r-xp\n", &m), -EINVAL);
	assert_int_equal(sym_maps_parse("zz-yy r-xp 0 00:00 0\n", &m), -EINVAL);
	assert_ptr_equal(m, (void *)1);
	assert_int_equal(sym_maps_parse("", &m), 0);
	assert_int_equal(m->count, 0);
	sym_maps_free(m);
}

static void test_read_self(void **state)
{
	struct sym_maps *m = NULL;
	const struct sym_mapping *mp;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	assert_true(n > 0);
	exe[n] = '\0';
	assert_int_equal(sym_maps_read(getpid(), &m), 0);
	assert_true(m->count > 5);
	mp = sym_maps_find_addr(m, (uint64_t)(uintptr_t)test_read_self);
	assert_non_null(mp);
	assert_int_equal(mp->perms[2], 'x');
	assert_string_equal(mp->path, exe);
	sym_maps_free(m);
}

static void test_read_gone(void **state)
{
	struct sym_maps *m = (void *)1;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(sym_maps_read(pid, &m), -ESRCH);
	assert_ptr_equal(m, (void *)1);
}

static void check_bias(const char *env, bool pie)
{
	int err = 0, in;
	struct sym_file *f = sym_file_open(fx_env(env), &err);
	const struct sym_symbol *s = NULL;
	struct sym_maps *m = NULL;
	uint64_t printed, bias = 1, addr = 0, off, off2 = 0;
	const char *path = NULL;
	char real[PATH_MAX];
	pid_t pid;

	assert_non_null(f);
	assert_int_equal(sym_lookup(f, "fx_add", &s), 0);
	assert_int_equal(sym_vaddr_to_offset(f, s->addr, SYM_NEED_EXEC, &off), 0);
	pid = fx_spawn(fx_env(env), "wait", &printed, &in);
	assert_int_equal(sym_maps_read(pid, &m), 0);
	assert_int_equal(sym_maps_load_bias(m, f, &bias), 0);
	if (pie)
		assert_int_not_equal(bias, 0);
	else
		assert_int_equal(bias, 0);
	assert_int_equal(bias + s->addr, printed);
	assert_int_equal(sym_maps_offset_to_addr(m, f, off, &addr), 0);
	assert_int_equal(addr, printed);
	assert_int_equal(sym_maps_addr_to_offset(m, printed, &path, &off2), 0);
	assert_int_equal(off2, off);
	assert_non_null(realpath(fx_env(env), real));
	assert_string_equal(path, real);
	assert_true(sym_mapping_is_file(sym_maps_find_addr(m, printed), f));
	fx_reap(pid, in);
	sym_maps_free(m);
	sym_file_free(f);
}

static void test_bias_pie(void **state)
{
	check_bias("FX_PIE", true);
}

static void test_bias_nopie(void **state)
{
	check_bias("FX_NOPIE", false);
}

static void test_bias_not_mapped(void **state)
{
	int err = 0;
	struct sym_file *f = sym_file_open(fx_env("FX_NOPIE"), &err);
	struct sym_maps *m = NULL;
	uint64_t bias = 7;

	assert_int_equal(sym_maps_read(getpid(), &m), 0);
	assert_int_equal(sym_maps_load_bias(m, f, &bias), -ENOENT);
	assert_int_equal(bias, 7);
	sym_maps_free(m);
	sym_file_free(f);
}

static void test_library(void **state)
{
	int err = 0, in;
	struct sym_maps *m = NULL;
	struct sym_file *lib;
	const struct sym_symbol *s = NULL;
	const char *path = NULL, *p2 = NULL;
	uint64_t printed, bias;
	char real[PATH_MAX];
	pid_t pid = fx_spawn(fx_env("FX_USELIB"), NULL, &printed, &in);

	assert_int_equal(sym_maps_read(pid, &m), 0);
	/* The file is libfxver.so.1.2.3; libfxver.so.1 is only its soname. */
	assert_int_equal(sym_maps_find_lib(m, "libfxver.so.1", &path), 0);
	assert_non_null(realpath(fx_env("FX_VER"), real));
	assert_string_equal(path, real);
	assert_non_null(strstr(path, "libfxver.so.1.2.3"));
	assert_int_equal(sym_maps_find_lib(m, "libfxver", &p2), 0);
	assert_ptr_equal(p2, path);
	assert_int_equal(sym_maps_find_lib(m, "libfxver.so.1.2.3", &p2), 0);
	assert_ptr_equal(p2, path);
	assert_int_equal(sym_maps_find_lib(m, real, &p2), 0);
	assert_ptr_equal(p2, path);
	assert_int_equal(sym_maps_find_lib(m, "libfxve", &p2), -ENOENT);
	assert_int_equal(sym_maps_find_lib(m, "libc", &p2), 0);
	assert_string_equal(strrchr(p2, '/'), "/libc.so.6");

	lib = sym_file_open(path, &err);
	assert_non_null(lib);
	assert_int_equal(sym_lookup(lib, "fxv_plain", &s), 0);
	assert_int_equal(sym_maps_load_bias(m, lib, &bias), 0);
	assert_int_equal(bias + s->addr, printed);
	assert_int_equal(bias % 4096, 0);
	fx_reap(pid, in);
	sym_file_free(lib);
	sym_maps_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_read_self),	cmocka_unit_test(test_read_gone),
		cmocka_unit_test(test_bias_pie),	cmocka_unit_test(test_bias_nopie),
		cmocka_unit_test(test_bias_not_mapped), cmocka_unit_test(test_library),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
