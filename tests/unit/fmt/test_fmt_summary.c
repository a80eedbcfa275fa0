/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The -c table: strace's layout, order, rounding, blank zero errors and widening columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "utrace/fmt.h"

static void add_n(struct fmt_summary *s, long nr, int calls, int errors, uint64_t total_ns)
{
	for (int i = 0; i < calls; i++)
		fmt_summary_add(s, nr, i ? 0 : total_ns, i < errors);
}

static void test_table(void **state)
{
	struct fmt_summary *s = malloc(sizeof(*s));
	struct strbuf sb = {0};

	fmt_summary_init(s);
	add_n(s, SYS_execve, 1, 0, 0);
	add_n(s, SYS_mprotect, 4, 0, 115000);
	add_n(s, SYS_close, 3, 0, 194000);
	add_n(s, SYS_mkdir, 1, 0, 223000);
	add_n(s, SYS_openat, 7, 2, 468000);
	add_n(s, SYS_clone, 3, 0, 1088000);
	add_n(s, SYS_wait4, 4, 1, 6346000);
	fmt_summary_add(s, -1, 5, true);
	fmt_summary_add(s, FMT_NR_SYSCALLS, 5, true);
	fmt_summary_format(s, &sb);
	assert_string_equal(sb_str(&sb),
			    "% time     seconds  usecs/call     calls    errors syscall\n"
			    "------ ----------- ----------- --------- --------- ----------------\n"
			    " 75.24    0.006346        1586         4         1 wait4\n"
			    " 12.90    0.001088         362         3           clone\n"
			    "  5.55    0.000468          66         7         2 openat\n"
			    "  2.64    0.000223         223         1           mkdir\n"
			    "  2.30    0.000194          64         3           close\n"
			    "  1.36    0.000115          28         4           mprotect\n"
			    "  0.00    0.000000           0         1           execve\n"
			    "------ ----------- ----------- --------- --------- ----------------\n"
			    "100.00    0.008434         366        23         3 total\n");
	sb_release(&sb);
	free(s);
}

static void test_wide_columns(void **state)
{
	struct fmt_summary *s = malloc(sizeof(*s));
	struct strbuf sb = {0};

	fmt_summary_init(s);
	s->row[SYS_sched_get_priority_max] = (struct fmt_summary_row){1234567890, 0, 123000000000};
	s->row[SYS_read] = (struct fmt_summary_row){2, 0, 12345000000000};
	fmt_summary_format(s, &sb);
	assert_string_equal(
		sb_str(&sb),
		"% time      seconds  usecs/call      calls    errors syscall\n"
		"------ ------------ ----------- ---------- --------- -----------------------\n"
		" 99.01 12345.000000  6172500000          2           read\n"
		"  0.99   123.000000           0 1234567890           sched_get_priority_max\n"
		"------ ------------ ----------- ---------- --------- -----------------------\n"
		"100.00 12468.000000          10 1234567892           total\n");
	sb_release(&sb);
	free(s);
}

static void test_empty(void **state)
{
	struct fmt_summary *s = malloc(sizeof(*s));
	struct strbuf sb = {0};

	fmt_summary_init(s);
	fmt_summary_format(s, &sb);
	assert_string_equal(sb_str(&sb),
			    "% time     seconds  usecs/call     calls    errors syscall\n"
			    "------ ----------- ----------- --------- --------- ----------------\n"
			    "------ ----------- ----------- --------- --------- ----------------\n"
			    "100.00    0.000000           0         0           total\n");
	sb_release(&sb);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_wide_columns),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
