/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* -e trace= and -e signal= parsing: classes, names, numbers, regexes, negation, errors. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "utrace/fmt.h"

#define HAS(b, nr) fmt_traceset_has(b, SYS_##nr)

static int count(const uint64_t *b)
{
	int n = 0;

	for (int i = 0; i < FMT_NR_SYSCALLS / 64; i++)
		n += __builtin_popcountll(b[i]);
	return n;
}

static void test_classes(void **state)
{
	uint64_t b[8];
	char err[128] = "";

	assert_int_equal(fmt_traceset_parse("%file", b, err, sizeof(err)), 0);
	assert_true(HAS(b, openat) && HAS(b, stat) && HAS(b, execve) && HAS(b, unlink));
	assert_true(HAS(b, newfstatat) && HAS(b, faccessat2));
	assert_false(HAS(b, read) || HAS(b, close) || HAS(b, fstat) || HAS(b, mmap));
	assert_int_equal(fmt_traceset_parse("%process", b, err, sizeof(err)), 0);
	assert_true(HAS(b, clone) && HAS(b, fork) && HAS(b, execve) && HAS(b, wait4) &&
		    HAS(b, kill) && HAS(b, exit_group) && HAS(b, clone3));
	assert_false(HAS(b, openat) || HAS(b, getpid));
	assert_int_equal(fmt_traceset_parse("%net", b, err, sizeof(err)), 0);
	assert_true(HAS(b, socket) && HAS(b, connect) && HAS(b, sendto));
	assert_false(HAS(b, read));
	assert_int_equal(fmt_traceset_parse("%network", b, err, sizeof(err)), 0);
	assert_true(HAS(b, accept4));
	assert_int_equal(fmt_traceset_parse("%signal", b, err, sizeof(err)), 0);
	assert_true(HAS(b, rt_sigaction) && HAS(b, kill) && HAS(b, tgkill));
	assert_false(HAS(b, wait4));
	assert_int_equal(fmt_traceset_parse("%memory", b, err, sizeof(err)), 0);
	assert_true(HAS(b, mmap) && HAS(b, brk) && HAS(b, munmap) && HAS(b, mprotect));
	assert_false(HAS(b, read));
	assert_int_equal(fmt_traceset_parse("%desc", b, err, sizeof(err)), 0);
	assert_true(HAS(b, read) && HAS(b, close) && HAS(b, openat) && HAS(b, fstat));
	assert_false(HAS(b, stat));
	assert_int_equal(fmt_traceset_parse("%ipc", b, err, sizeof(err)), 0);
	assert_true(HAS(b, shmget) && HAS(b, semop));
	assert_int_equal(fmt_traceset_parse("%%stat", b, err, sizeof(err)), 0);
	assert_true(HAS(b, stat) && HAS(b, fstat) && HAS(b, lstat) && HAS(b, newfstatat));
	assert_int_equal(count(b), 5);
	assert_int_equal(fmt_traceset_parse("file", b, err, sizeof(err)), 0);
	assert_true(HAS(b, openat));
	assert_string_equal(err, "");
}

static void test_names_and_negation(void **state)
{
	uint64_t b[8];
	char err[128];

	assert_int_equal(fmt_traceset_parse("open,close", b, err, sizeof(err)), 0);
	assert_true(HAS(b, open) && HAS(b, close));
	assert_int_equal(count(b), 2);
	assert_int_equal(fmt_traceset_parse("!open,close", b, err, sizeof(err)), 0);
	assert_false(HAS(b, open) || HAS(b, close));
	assert_true(HAS(b, read) && HAS(b, openat));
	assert_int_equal(count(b), FMT_NR_SYSCALLS - 2);
	assert_int_equal(fmt_traceset_parse("all", b, err, sizeof(err)), 0);
	assert_int_equal(count(b), FMT_NR_SYSCALLS);
	assert_int_equal(fmt_traceset_parse("none", b, err, sizeof(err)), 0);
	assert_int_equal(count(b), 0);
	assert_int_equal(fmt_traceset_parse("!none", b, err, sizeof(err)), 0);
	assert_int_equal(count(b), FMT_NR_SYSCALLS);
	assert_int_equal(fmt_traceset_parse("%file,read,2,?nosuch", b, err, sizeof(err)), 0);
	assert_true(HAS(b, read) && HAS(b, open) && HAS(b, openat));
	assert_int_equal(fmt_traceset_parse("/^(open|close)$", b, err, sizeof(err)), 0);
	assert_int_equal(count(b), 2);
	assert_int_equal(fmt_traceset_parse("/^rt_sig", b, err, sizeof(err)), 0);
	assert_true(HAS(b, rt_sigaction) && HAS(b, rt_sigreturn));
	assert_false(HAS(b, kill));
}

static void test_errors(void **state)
{
	uint64_t b[8] = {42};
	char err[128];

	assert_int_equal(fmt_traceset_parse("open,foo", b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid system call 'foo'");
	assert_int_equal(b[0], 42);
	assert_int_equal(fmt_traceset_parse("%nosuchclass", b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid system call '%nosuchclass'");
	assert_int_equal(fmt_traceset_parse("", b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid system call ''");
	assert_int_equal(fmt_traceset_parse("999", b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid system call '999'");
	assert_int_equal(fmt_traceset_parse("/^zzz", b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid system call '/^zzz'");
	assert_int_equal(fmt_traceset_parse("/(", b, err, sizeof(err)), -EINVAL);
	assert_int_equal(strncmp(err, "(: ", 3), 0);
	assert_int_equal(b[0], 42);
}

static void test_sigsets(void **state)
{
	uint64_t mask = 7;
	char err[128];

	assert_int_equal(fmt_sigset_parse("SIGINT,term,9,RT_1", &mask, err, sizeof(err)), 0);
	assert_int_equal(mask, (1ull << (SIGINT - 1)) | (1ull << (SIGTERM - 1)) |
				       (1ull << (SIGKILL - 1)) | (1ull << 32));
	assert_int_equal(fmt_sigset_parse("!SIGCHLD", &mask, err, sizeof(err)), 0);
	assert_int_equal(mask, ~(1ull << (SIGCHLD - 1)));
	assert_int_equal(fmt_sigset_parse("all", &mask, err, sizeof(err)), 0);
	assert_int_equal(mask, ~0ull);
	assert_int_equal(fmt_sigset_parse("none", &mask, err, sizeof(err)), 0);
	assert_int_equal(mask, 0);
	mask = 5;
	assert_int_equal(fmt_sigset_parse("INT,FOO", &mask, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid signal 'FOO'");
	assert_int_equal(mask, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_names_and_negation),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sigsets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
