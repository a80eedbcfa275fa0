/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A TAP-14 emitter for tests that drive real tracees: `ok N - name`, `# diagnostics`, and the
 * plan at the end.  The process exits non-zero if any check failed.  Only the test process
 * prints; tracees never write to its stdout.
 *
 * A wait status is checked with tap_exited() or tap_killed(), never by reading WEXITSTATUS
 * alone: a tracee killed by SIGTRAP has WEXITSTATUS 0, which is what a broken breakpoint does.
 * A failing status check says what happened instead ("killed by SIGTRAP", "exited 3", "no
 * status": run_to_exit's -1 when the tracee never ended).
 */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static int tap_count, tap_failed;

static inline __attribute__((format(printf, 2, 0))) bool tap_vok(bool cond, const char *fmt,
								 va_list ap)
{
	printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline __attribute__((format(printf, 2, 3))) int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cond = tap_vok(cond, fmt, ap);
	va_end(ap);
	return cond;
}

#define tap_is(got, want, name)                                                               \
	do {                                                                                  \
		long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);              \
		if (!tap_ok(tap_g_ == tap_w_, "%s", name))                                    \
			printf("#   got %lld, want %lld (%s:%d)\n", tap_g_, tap_w_, __FILE__, \
			       __LINE__);                                                     \
	} while (0)

/* "exited 3", "killed by SIGTRAP (core dumped)", "no status": what a wait status says. */
static inline const char *tap_status_str(int status, char *buf, size_t len)
{
	const char *name;

	if (status == -1)
		snprintf(buf, len, "no status (still running or never started)");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && (name = sigabbrev_np(WTERMSIG(status))))
		snprintf(buf, len, "killed by SIG%s%s", name,
			 WCOREDUMP(status) ? " (core dumped)" : "");
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "wait status %#x", (unsigned)status);
	return buf;
}

static inline __attribute__((format(printf, 6, 7))) bool
tap_status_at(const char *file, int line, int status, bool killed, int want, const char *fmt, ...)
{
	bool cond = killed ? status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == want
			   : status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == want;
	char got[64], wanted[64];
	va_list ap;

	va_start(ap, fmt);
	tap_vok(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("#   got: %s; want: %s (%s:%d)\n", tap_status_str(status, got, sizeof(got)),
		       tap_status_str(killed ? want : want << 8, wanted, sizeof(wanted)), file,
		       line);
	return cond;
}

/* The wait status @status is a normal exit with @code; the name is a printf format. */
#define tap_exited(status, code, ...) \
	tap_status_at(__FILE__, __LINE__, status, false, code, __VA_ARGS__)
/* The wait status @status is a death by signal @signo; the name is a printf format. */
#define tap_killed(status, signo, ...) \
	tap_status_at(__FILE__, __LINE__, status, true, signo, __VA_ARGS__)

/* Stop the whole test: a set-up step failed and what would come after would test nothing. */
static inline __attribute__((format(printf, 1, 2), noreturn)) void tap_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(2);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
