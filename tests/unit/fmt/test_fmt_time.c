/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Timer, clock and signal-return lines against strace 6.1's output: setitimer/getitimer's
 * struct itimerval, alarm, rt_sigreturn's mask read from the signal frame at the stack pointer,
 * nanosleep and clock_nanosleep (the remaining time only after an interruption), clock_gettime,
 * gettimeofday and time's dates.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <cmocka.h>

#include "fake_mem.h"

#define LINE(m, nr, a0, a1, a2, a3, a4, a5, ret) fake_line(m, 32, nr, a0, a1, a2, a3, a4, a5, ret)
#define NEG(x)					 ((uint64_t)(int64_t)(x))

static void test_itimers(void **state)
{
	struct fake_mem m = {0};
	int64_t val[4] = {0, 0, 0, 50000}, val2[4] = {1, 0, 2, 3}, zero[4] = {0};
	int64_t got[4] = {1, 0, 2, 4003};

	fake_map(&m, 0x1000, val, sizeof(val));
	fake_map(&m, 0x2000, val2, sizeof(val2));
	fake_map(&m, 0x3000, zero, sizeof(zero));
	fake_map(&m, 0x4000, got, sizeof(got));
	assert_string_equal(LINE(&m, SYS_setitimer, 0, 0x1000, 0, 0, 0, 0, 0),
			    "setitimer(ITIMER_REAL, {it_interval={tv_sec=0, tv_usec=0}, "
			    "it_value={tv_sec=0, tv_usec=50000}}, NULL) = 0");
	assert_string_equal(LINE(&m, SYS_setitimer, 1, 0x2000, 0x3000, 0, 0, 0, 0),
			    "setitimer(ITIMER_VIRTUAL, {it_interval={tv_sec=1, tv_usec=0}, "
			    "it_value={tv_sec=2, tv_usec=3}}, {it_interval={tv_sec=0, tv_usec=0}, "
			    "it_value={tv_sec=0, tv_usec=0}}) = 0");
	assert_string_equal(LINE(&m, SYS_getitimer, 1, 0x4000, 0, 0, 0, 0, 0),
			    "getitimer(ITIMER_VIRTUAL, {it_interval={tv_sec=1, tv_usec=0}, "
			    "it_value={tv_sec=2, tv_usec=4003}}) = 0");
	assert_string_equal(LINE(&m, SYS_setitimer, 2, 0, 0, 0, 0, 0, 0),
			    "setitimer(ITIMER_PROF, NULL, NULL)      = 0");
	assert_string_equal(LINE(&m, SYS_getitimer, 7, 0, 0, 0, 0, 0, -EINVAL),
			    "getitimer(0x7 /* ITIMER_??? */, NULL)   = -1 EINVAL (Invalid "
			    "argument)");
	assert_string_equal(LINE(&m, SYS_setitimer, 0, 1, 0, 0, 0, 0, -EFAULT),
			    "setitimer(ITIMER_REAL, 0x1, NULL)       = -1 EFAULT (Bad address)");
	assert_string_equal(LINE(&m, SYS_alarm, 0, 0, 0, 0, 0, 0, 5),
			    "alarm(0)                                = 5");
	assert_string_equal(LINE(&m, SYS_alarm, 5, 0, 0, 0, 0, 0, 0),
			    "alarm(5)                                = 0");
}

/* A signal frame as the kernel leaves it: ucontext at sp, uc_sigmask 296 bytes in. */
static const char *sigreturn_line(struct fake_mem *m, uint64_t sp, int64_t ret)
{
	static struct strbuf sb;
	struct fmt_ctx ctx = fake_ctx(m, 32);
	uint64_t args[6] = {0};

	ctx.sp = sp;
	sb_reset(&sb);
	assert_false(fmt_syscall_entry(&sb, &ctx, SYS_rt_sigreturn, args));
	fmt_syscall_exit(&sb, &ctx, SYS_rt_sigreturn, args, ret);
	return sb_str(&sb);
}

static void test_rt_sigreturn(void **state)
{
	struct fake_mem m = {0};
	unsigned char frame[304] = {0}, frame2[304] = {0};
	uint64_t mask = (1ull << 1) | (1ull << 35);

	memcpy(frame2 + 296, &mask, sizeof(mask));
	fake_map(&m, 0x7ffd25de60c0, frame, sizeof(frame));
	fake_map(&m, 0x7ffd25de70c0, frame2, sizeof(frame2));
	assert_string_equal(sigreturn_line(&m, 0x7ffd25de60c0, -EINTR),
			    "rt_sigreturn({mask=[]})                 = -1 EINTR (Interrupted "
			    "system call)");
	assert_string_equal(sigreturn_line(&m, 0x7ffd25de70c0, 0),
			    "rt_sigreturn({mask=[INT RT_4]})         = 0");
	assert_string_equal(sigreturn_line(&m, 0x10000, 0),
			    "rt_sigreturn({mask=0x10128})            = 0");
	assert_string_equal(sigreturn_line(&m, 0, 0),
			    "rt_sigreturn()                          = 0");
}

static void test_sleeps(void **state)
{
	struct fake_mem m = {0};
	int64_t ts[2] = {0, 10000000}, abs[2] = {2045, 0}, rem[2] = {4, 999};

	fake_map(&m, 0x1000, ts, sizeof(ts));
	fake_map(&m, 0x2000, abs, sizeof(abs));
	fake_map(&m, 0x7fff5905b5e0, rem, sizeof(rem));
	assert_string_equal(LINE(&m, SYS_nanosleep, 0x1000, 0, 0, 0, 0, 0, 0),
			    "nanosleep({tv_sec=0, tv_nsec=10000000}, NULL) = 0");
	assert_string_equal(LINE(&m, SYS_nanosleep, 0x1000, 0x7fff5905b5e0, 0, 0, 0, 0, 0),
			    "nanosleep({tv_sec=0, tv_nsec=10000000}, 0x7fff5905b5e0) = 0");
	assert_string_equal(LINE(&m, SYS_nanosleep, 0, 0x7fff5905b5e0, 0, 0, 0, 0, -EFAULT),
			    "nanosleep(NULL, 0x7fff5905b5e0)         = -1 EFAULT (Bad address)");
	assert_string_equal(LINE(&m, SYS_nanosleep, 0x1000, 0x7fff5905b5e0, 0, 0, 0, 0, -516),
			    "nanosleep({tv_sec=0, tv_nsec=10000000}, {tv_sec=4, tv_nsec=999}) = ? "
			    "ERESTART_RESTARTBLOCK (Interrupted by signal)");
	assert_string_equal(LINE(&m, SYS_clock_nanosleep, 0, 0, 0x1000, 0, 0, 0, 0),
			    "clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=10000000}, "
			    "NULL) = 0");
	assert_string_equal(
		LINE(&m, SYS_clock_nanosleep, 0, 0, 0x1000, 0x7fff5905b5e0, 0, 0, 0),
		"clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=10000000}, 0x7fff5905b5e0) "
		"= 0");
	assert_string_equal(LINE(&m, SYS_clock_nanosleep, 1, 1, 0x2000, 0, 0, 0, 0),
			    "clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=2045, "
			    "tv_nsec=0}, NULL) = 0");
	assert_string_equal(
		LINE(&m, SYS_clock_nanosleep, 99, 0, 0x1000, 0x7fff5905b5e0, 0, 0, -EINVAL),
		"clock_nanosleep(0x63 /* CLOCK_??? */, 0, {tv_sec=0, "
		"tv_nsec=10000000}, 0x7fff5905b5e0) = -1 EINVAL (Invalid argument)");
	assert_string_equal(LINE(&m, SYS_clock_nanosleep, 7, 5, 0x1000, 0x7fff5905b5e0, 0, 0, 0),
			    "clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME|0x4, {tv_sec=0, "
			    "tv_nsec=10000000}, 0x7fff5905b5e0) = 0");
	assert_string_equal(LINE(&m, SYS_clock_nanosleep, 0, 0, 0x1000, 0x7fff5905b5e0, 0, 0, -516),
			    "clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=10000000}, "
			    "{tv_sec=4, tv_nsec=999}) = ? ERESTART_RESTARTBLOCK (Interrupted by "
			    "signal)");
}

static void test_clocks(void **state)
{
	struct fake_mem m = {0};
	int64_t now[2] = {1795480944, 664150452}, cpu[2] = {0, 6225011}, res[2] = {0, 1};
	int64_t tv[2] = {1795480944, 664688};
	int32_t tz[2] = {-60, 0};

	fake_map(&m, 0x1000, now, sizeof(now));
	fake_map(&m, 0x2000, cpu, sizeof(cpu));
	fake_map(&m, 0x3000, res, sizeof(res));
	fake_map(&m, 0x4000, tv, sizeof(tv));
	fake_map(&m, 0x5000, tz, sizeof(tz));
	assert_string_equal(LINE(&m, SYS_clock_gettime, 0, 0x1000, 0, 0, 0, 0, 0),
			    "clock_gettime(CLOCK_REALTIME, {tv_sec=1795480944, "
			    "tv_nsec=664150452}) = 0");
	assert_string_equal(LINE(&m, SYS_clock_gettime, 2, 0x2000, 0, 0, 0, 0, 0),
			    "clock_gettime(CLOCK_PROCESS_CPUTIME_ID, {tv_sec=0, tv_nsec=6225011}) "
			    "= 0");
	assert_string_equal(LINE(&m, SYS_clock_gettime, 3, 0, 0, 0, 0, 0, -EFAULT),
			    "clock_gettime(CLOCK_THREAD_CPUTIME_ID, NULL) = -1 EFAULT (Bad "
			    "address)");
	assert_string_equal(LINE(&m, SYS_clock_gettime, NEG(-2), 0x2000, 0, 0, 0, 0, 0),
			    "clock_gettime(0xfffffffe /* CLOCK_??? */, {tv_sec=0, "
			    "tv_nsec=6225011}) = 0");
	assert_string_equal(LINE(&m, SYS_clock_gettime, 11, 0x2000, 0, 0, 0, 0, 0),
			    "clock_gettime(CLOCK_TAI, {tv_sec=0, tv_nsec=6225011}) = 0");
	assert_string_equal(LINE(&m, SYS_clock_getres, 1, 0x3000, 0, 0, 0, 0, 0),
			    "clock_getres(CLOCK_MONOTONIC, {tv_sec=0, tv_nsec=1}) = 0");
	assert_string_equal(LINE(&m, SYS_gettimeofday, 0x4000, 0, 0, 0, 0, 0, 0),
			    "gettimeofday({tv_sec=1795480944, tv_usec=664688}, NULL) = 0");
	assert_string_equal(LINE(&m, SYS_gettimeofday, 0, 0, 0, 0, 0, 0, 0),
			    "gettimeofday(NULL, NULL)                = 0");
	assert_string_equal(LINE(&m, SYS_gettimeofday, 0x4000, 0x5000, 0, 0, 0, 0, 0),
			    "gettimeofday({tv_sec=1795480944, tv_usec=664688}, "
			    "{tz_minuteswest=-60, tz_dsttime=0}) = 0");
}

static void test_time(void **state)
{
	struct fake_mem m = {0};
	int64_t t = 1795480944;

	fake_map(&m, 0x1000, &t, sizeof(t));
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_string_equal(LINE(&m, SYS_time, 0x1000, 0, 0, 0, 0, 0, 1795480944),
			    "time([1795480944 /* 2026-11-24T00:42:24+0000 */]) = 1795480944 "
			    "(2026-11-24T00:42:24+0000)");
	assert_string_equal(LINE(&m, SYS_time, 0, 0, 0, 0, 0, 0, 1795480944),
			    "time(NULL)                              = 1795480944 "
			    "(2026-11-24T00:42:24+0000)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_itimers), cmocka_unit_test(test_rt_sigreturn),
		cmocka_unit_test(test_sleeps),	cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
