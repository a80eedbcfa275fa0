/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * path_find_program against execvp's rules, in a scratch directory: PATH unset, an empty PATH
 * and empty entries (the current directory), a file without x (EACCES unless a later entry
 * has one), a directory of the program's name, a name with a slash, and a buffer too short.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/path.h"

static char dir[PATH_MAX];

static void make(const char *name, mode_t mode)
{
	char p[PATH_MAX + 64];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "we");
	assert_non_null(f);
	fputs("#!/bin/sh\n", f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

static int setup(void **state)
{
	char p[PATH_MAX + 64];

	snprintf(dir, sizeof(dir), "/tmp/utrace-path-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	mkdir(strcat(strcpy(p, dir), "/a"), 0755);
	mkdir(strcat(strcpy(p, dir), "/b"), 0755);
	make("a/noexec", 0644);
	make("b/noexec", 0755);
	make("a/onlyhere", 0644);
	make("b/prog", 0755);
	mkdir(strcat(strcpy(p, dir), "/a/prog"), 0755);
	make("cwdprog", 0755);
	return chdir(dir);
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void with_path(const char *value)
{
	char a[PATH_MAX + 8], b[PATH_MAX + 8], v[3 * PATH_MAX];

	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	if (!value) {
		unsetenv("PATH");
		return;
	}
	/* value spells the entries: 'a', 'b', or '-' for an empty one. */
	v[0] = '\0';
	for (const char *c = value; *c; c++) {
		if (c != value)
			strcat(v, ":");
		strcat(v, *c == 'a' ? a : *c == 'b' ? b : "");
	}
	setenv("PATH", v, 1);
}

static void expect(const char *path, const char *name, int want, const char *want_rel)
{
	char buf[PATH_MAX], full[2 * PATH_MAX];
	int r;

	with_path(path);
	r = path_find_program(name, buf, sizeof(buf));
	assert_int_equal(r, want);
	if (want == 0 && want_rel) {
		snprintf(full, sizeof(full), "%s%s%s", *want_rel ? dir : "", *want_rel ? "/" : "",
			 want_rel);
		assert_string_equal(buf, *want_rel ? full : name);
	}
}

static void test_search(void **state)
{
	expect("ab", "prog", 0, "b/prog");	 /* a/prog is a directory */
	expect("ab", "noexec", 0, "b/noexec");	 /* a later executable one wins */
	expect("ab", "onlyhere", -EACCES, NULL); /* found, but not executable */
	expect("ab", "nosuch", -ENOENT, NULL);
	expect("a", "prog", -EACCES, NULL); /* only a directory of that name */
}

static void test_empty_entries(void **state)
{
	expect("", "cwdprog", 0, "");	/* PATH="": the current directory */
	expect("a-", "cwdprog", 0, ""); /* "dir:" ends in an empty entry */
	expect("-b", "cwdprog", 0, "");
	expect("ab", "cwdprog", -ENOENT, NULL);
}

static void test_unset(void **state)
{
	char buf[PATH_MAX];

	with_path(NULL);
	assert_int_equal(path_find_program("sh", buf, sizeof(buf)), 0);
	assert_true(!strcmp(buf, "/usr/bin/sh") || !strcmp(buf, "/bin/sh"));
}

static void test_slash_and_length(void **state)
{
	char small[8];

	expect("ab", "./cwdprog", 0, NULL);
	expect("ab", "./nosuch", -ENOENT, NULL);
	expect("ab", "a/onlyhere", -EACCES, NULL);
	expect("ab", "", -ENOENT, NULL);
	with_path("ab");
	assert_int_equal(path_find_program("prog", small, sizeof(small)), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_empty_entries),
		cmocka_unit_test(test_unset),
		cmocka_unit_test(test_slash_and_length),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
