/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VEC_GROW: room for n + 1 after every call, doubling (so 1000 pushes reallocate a handful of
 * times), no change when there is room, the counts of int, unsigned and size_t, and the
 * overflow checks (a count past the type's maximum, a byte size past SIZE_MAX) failing with
 * -ENOMEM and leaving the array and capacity as they were.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "util/vec.h"

struct pair {
	long a, b;
};

static void test_push(void **state)
{
	struct pair *v = NULL;
	size_t n = 0, cap = 0, last = 0;
	int grows = 0;

	for (n = 0; n < 1000;) {
		assert_int_equal(VEC_GROW(v, cap, n), 0);
		assert_true(cap >= n + 1);
		if (cap != last) {
			assert_true(last == 0 || cap == 2 * last);
			grows++;
			last = cap;
		}
		v[n] = (struct pair){(long)n, -(long)n};
		n++;
	}
	assert_int_equal(cap, 1024);
	assert_int_equal(grows, 8);
	for (n = 0; n < 1000; n++)
		assert_int_equal(v[n].a + v[n].b, 0);
	free(v);
}

static void test_room_is_noop(void **state)
{
	int *v = NULL, *before;
	unsigned cap = 0;

	assert_int_equal(VEC_GROW(v, cap, 0), 0);
	assert_int_equal(cap, 64 / sizeof(int));
	before = v;
	assert_int_equal(VEC_GROW(v, cap, cap - 1), 0);
	assert_ptr_equal(v, before);
	assert_int_equal(cap, 64 / sizeof(int));
	free(v);
}

static void test_jump_past_double(void **state)
{
	char *v = NULL;
	int cap = 0;

	assert_int_equal(VEC_GROW(v, cap, 99), 0);
	assert_int_equal(cap, 100);
	assert_int_equal(VEC_GROW(v, cap, 100), 0);
	assert_int_equal(cap, 200);
	v[199] = 1;
	free(v);
}

static void test_count_overflow(void **state)
{
	char *v = NULL;
	int cap = 0;

	assert_int_equal(VEC_GROW(v, cap, 3), 0);
	errno = 0;
	assert_int_equal(VEC_GROW(v, cap, INT_MAX), -ENOMEM);
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(cap, 64);
	assert_non_null(v);
	free(v);
}

static void test_size_overflow(void **state)
{
	struct pair *v = NULL;
	size_t cap = 0;

	assert_int_equal(VEC_GROW(v, cap, SIZE_MAX / sizeof(*v)), -ENOMEM);
	assert_int_equal(VEC_GROW(v, cap, SIZE_MAX), -ENOMEM);
	assert_null(v);
	assert_int_equal(cap, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push),
		cmocka_unit_test(test_room_is_noop),
		cmocka_unit_test(test_jump_past_double),
		cmocka_unit_test(test_count_overflow),
		cmocka_unit_test(test_size_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
