/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strings as strace quotes them: escapes, octal forms next to digits, -s truncation of strings
 * and buffers (and its absence for file names), NULL, unreadable pointers, strings that end
 * right before unmapped memory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "fake_mem.h"

static void test_escapes(void **state)
{
	struct fake_mem m = {0};
	static const char raw[] = "q\"b\\s\f\r\v\t\n\033x\0337\0\177\200\377";

	fake_map(&m, 0x1000, raw, sizeof(raw) - 1);
	assert_string_equal(
		fake_line(&m, 64, SYS_write, 1, 0x1000, sizeof(raw) - 1, 0, 0, 0, 18),
		"write(1, \"q\\\"b\\\\s\\f\\r\\v\\t\\n\\33x\\0337\\0\\177\\200\\377\", 18) "
		"= 18");
}

static void test_limits(void **state)
{
	struct fake_mem m = {0};
	static const char digits[] = "0123456789";

	fake_map(&m, 0x1000, digits, sizeof(digits));
	assert_string_equal(fake_line(&m, 4, SYS_write, 1, 0x1000, 10, 0, 0, 0, 10),
			    "write(1, \"0123\"..., 10)                 = 10");
	assert_string_equal(fake_line(&m, 10, SYS_write, 1, 0x1000, 10, 0, 0, 0, 10),
			    "write(1, \"0123456789\", 10)              = 10");
	assert_string_equal(fake_line(&m, 0, SYS_write, 1, 0x1000, 10, 0, 0, 0, 10),
			    "write(1, \"\"..., 10)                     = 10");
	/* A NUL inside a buffer is data, not an end. */
	assert_string_equal(fake_line(&m, 32, SYS_write, 1, 0x1000 + 8, 3, 0, 0, 0, 3),
			    "write(1, \"89\\0\", 3)                     = 3");
	/* File names ignore -s. */
	assert_string_equal(fake_line(&m, 2, SYS_unlink, 0x1000, 0, 0, 0, 0, 0, 0),
			    "unlink(\"0123456789\")                    = 0");
}

static void test_asciz_limit(void **state)
{
	struct fake_mem m = {0};
	uint64_t argv[] = {0x1000, 0x1100, 0};

	fake_map_str(&m, 0x1000, "abcd");
	fake_map_str(&m, 0x1100, "abcde");
	fake_map_str(&m, 0x2000, "/x");
	fake_map(&m, 0x3000, argv, sizeof(argv));
	assert_string_equal(fake_line(&m, 4, SYS_execve, 0x2000, 0x3000, 0, 0, 0, 0, 0),
			    "execve(\"/x\", [\"abcd\", \"abcd\"...], NULL) = 0");
}

static void test_pointers(void **state)
{
	struct fake_mem m = {0};
	struct fmt_ctx noread = {.string_limit = 32};
	struct strbuf sb = {0};
	uint64_t args[6] = {1, 0x7ffd12345678, 5};

	assert_string_equal(fake_line(&m, 32, SYS_write, 1, 0, 5, 0, 0, 0, -EFAULT),
			    "write(1, NULL, 5)                       = -1 EFAULT (Bad address)");
	assert_string_equal(fake_line(&m, 32, SYS_write, 1, 0x7ffd12345678, 5, 0, 0, 0, -EFAULT),
			    "write(1, 0x7ffd12345678, 5)             = -1 EFAULT (Bad address)");
	assert_string_equal(fake_line(&m, 32, SYS_unlink, 0x7ffd12345678, 0, 0, 0, 0, 0, -EFAULT),
			    "unlink(0x7ffd12345678)                  = -1 EFAULT (Bad address)");
	fmt_syscall_entry(&sb, &noread, SYS_write, args);
	assert_string_equal(sb_str(&sb), "write(1, 0x7ffd12345678, 5");
	sb_release(&sb);
}

static void test_string_before_hole(void **state)
{
	struct fake_mem m = {0};
	static char page[4096];

	/* "tail" ends 5 bytes before an unmapped page: reading 4096 bytes from it must not fail. */
	memcpy(page + 4091, "tail", 5);
	fake_map(&m, 0x10000, page, sizeof(page));
	assert_string_equal(fake_line(&m, 32, SYS_chdir, 0x10000 + 4091, 0, 0, 0, 0, 0, 0),
			    "chdir(\"tail\")                           = 0");
	/* A string running into the hole is unreadable. */
	memcpy(page + 4090, "xtail!", 6);
	assert_string_equal(fake_line(&m, 32, SYS_chdir, 0x10000 + 4090, 0, 0, 0, 0, 0, 0),
			    "chdir(0x10ffa)                          = 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_asciz_limit),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_string_before_hole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
