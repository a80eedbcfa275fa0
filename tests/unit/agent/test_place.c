/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the loader puts the agent (src/inject/agent_place.c), on /proc/PID/maps texts: below a
 * PIE executable, above a non-PIE one whose low memory is taken, never over a mapping or next
 * to one, always in a rel32 jump's reach of the text, and -ENOSPC when nothing in reach is free.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "inject/agent_load.h"
#include "sym/sym.h"

#define SIZE 0x2000ull
#define PAGE 0x1000ull

static const char pie_maps[] =
	"555555554000-555555555000 r--p 00000000 fd:01 11 /usr/bin/prog\n"
	"555555555000-555555556000 r-xp 00001000 fd:01 11 /usr/bin/prog\n"
	"555555556000-555555557000 r--p 00002000 fd:01 11 /usr/bin/prog\n"
	"555555557000-555555558000 rw-p 00002000 fd:01 11 /usr/bin/prog\n"
	"555555559000-55555557a000 rw-p 00000000 00:00 0 [heap]\n"
	"7ffff7d80000-7ffff7da8000 r--p 00000000 fd:01 22 /usr/lib/libc.so.6\n"
	"7ffff7da8000-7ffff7f3d000 r-xp 00028000 fd:01 22 /usr/lib/libc.so.6\n"
	"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 [stack]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n";

/* A non-PIE at 0x400000 with its low memory taken: the agent must go above. */
static const char nopie_maps[] =
	"00010000-003ff000 rw-p 00000000 00:00 0 \n"
	"00400000-00401000 r--p 00000000 fd:01 33 /usr/bin/old\n"
	"00401000-00480000 r-xp 00001000 fd:01 33 /usr/bin/old\n"
	"00480000-004a0000 rw-p 00080000 fd:01 33 /usr/bin/old\n"
	"004a0000-00500000 rw-p 00000000 00:00 0 [heap]\n"
	"7ffff7da8000-7ffff7f3d000 r-xp 00028000 fd:01 22 /usr/lib/libc.so.6\n";

/* Everything within reach of the text is taken. */
static const char full_maps[] = "00010000-555555554000 rw-p 00000000 00:00 0 \n"
				"555555554000-555555556000 r-xp 00000000 fd:01 44 /usr/bin/full\n"
				"555555556000-7ffffffff000 rw-p 00000000 00:00 0 \n";

static struct sym_maps *parse(const char *text)
{
	struct sym_maps *m = NULL;

	assert_int_equal(sym_maps_parse(text, &m), 0);
	return m;
}

/* [addr, addr+size) and a page either side overlap no mapping of @m. */
static void assert_free(const struct sym_maps *m, uint64_t addr, uint64_t size)
{
	size_t i;

	assert_int_equal(addr % PAGE, 0);
	for (i = 0; i < m->count; i++)
		assert_true(m->v[i].end + PAGE <= addr || m->v[i].start >= addr + size + PAGE);
}

static void test_below_pie(void **state)
{
	struct sym_maps *m = parse(pie_maps);
	uint64_t lo = 0, hi = 0, addr = 0;

	assert_int_equal(inj_exe_text(m, "/usr/bin/prog", &lo, &hi), 0);
	assert_int_equal(lo, 0x555555555000);
	assert_int_equal(hi, 0x555555556000);
	assert_int_equal(inj_place_near(m, lo, hi, SIZE, &addr), 0);
	assert_int_equal(addr, 0x555555554000 - PAGE - SIZE);
	assert_free(m, addr, SIZE);
	assert_true(inj_reaches(addr, SIZE, lo, hi));
	sym_maps_free(m);
}

static void test_above_nopie(void **state)
{
	struct sym_maps *m = parse(nopie_maps);
	uint64_t lo = 0, hi = 0, addr = 0;

	assert_int_equal(inj_exe_text(m, "/usr/bin/old", &lo, &hi), 0);
	assert_int_equal(inj_place_near(m, lo, hi, SIZE, &addr), 0);
	assert_true(addr >= 0x500000 + PAGE);
	assert_free(m, addr, SIZE);
	assert_true(inj_reaches(addr, SIZE, lo, hi));
	/* As far above the heap as the reach allows. */
	assert_false(inj_reaches(addr + PAGE, SIZE, lo, hi));
	sym_maps_free(m);
}

static void test_nothing_in_reach(void **state)
{
	struct sym_maps *m = parse(full_maps);
	uint64_t lo = 0, hi = 0, addr = 0;

	assert_int_equal(inj_exe_text(m, "/usr/bin/full", &lo, &hi), 0);
	assert_int_equal(inj_place_near(m, lo, hi, SIZE, &addr), -ENOSPC);
	assert_int_equal(addr, 0);
	assert_int_equal(inj_exe_text(m, "/usr/bin/none", &lo, &hi), -ENOENT);
	sym_maps_free(m);
}

static void test_reach(void **state)
{
	uint64_t lo = 0x555555555000, hi = 0x555555556000;

	assert_true(inj_reaches(lo - SIZE, SIZE, lo, hi));
	assert_true(inj_reaches(lo + INJ_REACH - SIZE, SIZE, lo, hi));
	assert_false(inj_reaches(lo + INJ_REACH - SIZE + 1, SIZE, lo, hi));
	assert_true(inj_reaches(hi - INJ_REACH, SIZE, lo, hi));
	assert_false(inj_reaches(hi - INJ_REACH - 1, SIZE, lo, hi));
	assert_true(inj_reaches(0x10000, SIZE, 0x401000, 0x480000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_below_pie),
		cmocka_unit_test(test_above_nopie),
		cmocka_unit_test(test_nothing_in_reach),
		cmocka_unit_test(test_reach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
