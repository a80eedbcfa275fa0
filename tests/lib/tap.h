/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A TAP-14 emitter for tests that drive real tracees: `ok N - name`, `# diagnostics`, and the
 * plan at the end.  The process exits non-zero if any check failed.  Only the test process
 * prints; tracees never write to its stdout.
 */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_count, tap_failed;

static inline __attribute__((format(printf, 2, 3))) int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

#define tap_is(got, want, name)                                                               \
	do {                                                                                  \
		long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);              \
		if (!tap_ok(tap_g_ == tap_w_, "%s", name))                                    \
			printf("#   got %lld, want %lld (%s:%d)\n", tap_g_, tap_w_, __FILE__, \
			       __LINE__);                                                     \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
