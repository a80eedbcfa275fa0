/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_time: the clock and timer calls (nanosleep, clock_nanosleep, clock_gettime, clock_getres,
 * gettimeofday, time, setitimer, getitimer) and the structures they share: struct timespec,
 * struct timeval and struct itimerval, all in the x86-64 layout of two 64-bit fields.  Clock ids
 * and timer selectors print as names, unknown ones as hex with a CLOCK_??? comment as strace
 * does.  A sleep's remaining time is only read when the call was interrupted by a signal (the
 * kernel leaves it alone otherwise), so a successful sleep shows its address.  time() shows the
 * date in the local time zone as strace does; a failed fetch degrades to the address.
 */
#include <inttypes.h>
#include <time.h>

#include "fmt_priv.h"

static const struct fmt_xlat clocks[] = {
	XLAT_PAIR(0, "CLOCK_REALTIME"),
	XLAT_PAIR(1, "CLOCK_MONOTONIC"),
	XLAT_PAIR(2, "CLOCK_PROCESS_CPUTIME_ID"),
	XLAT_PAIR(3, "CLOCK_THREAD_CPUTIME_ID"),
	XLAT_PAIR(4, "CLOCK_MONOTONIC_RAW"),
	XLAT_PAIR(5, "CLOCK_REALTIME_COARSE"),
	XLAT_PAIR(6, "CLOCK_MONOTONIC_COARSE"),
	XLAT_PAIR(7, "CLOCK_BOOTTIME"),
	XLAT_PAIR(8, "CLOCK_REALTIME_ALARM"),
	XLAT_PAIR(9, "CLOCK_BOOTTIME_ALARM"),
	XLAT_PAIR(10, "CLOCK_SGI_CYCLE"),
	XLAT_PAIR(11, "CLOCK_TAI"),
	XLAT_END,
};

static const struct fmt_xlat timer_flags[] = {
	XLAT_PAIR(1, "TIMER_ABSTIME"),
	XLAT_END,
};

static const struct fmt_xlat itimers[] = {
	XLAT_PAIR(0, "ITIMER_REAL"),
	XLAT_PAIR(1, "ITIMER_VIRTUAL"),
	XLAT_PAIR(2, "ITIMER_PROF"),
	XLAT_END,
};

bool fmt_is_erestart(const struct fmt_call *c)
{
	switch (c->ret) {
	case -512: /* ERESTARTSYS */
	case -513: /* ERESTARTNOINTR */
	case -514: /* ERESTARTNOHAND */
	case -516: /* ERESTART_RESTARTBLOCK */
		return true;
	}
	return false;
}

void fmt_print_clockid(struct strbuf *out, uint64_t id)
{
	fmt_print_xval(out, clocks, (uint32_t)id, "CLOCK_???");
}

void fmt_timespec_str(struct strbuf *out, const int64_t ts[2])
{
	sb_printf(out, "{tv_sec=%" PRId64 ", tv_nsec=%" PRId64 "}", ts[0], ts[1]);
}

void fmt_timeval_str(struct strbuf *out, const int64_t tv[2])
{
	sb_printf(out, "{tv_sec=%" PRId64 ", tv_usec=%" PRId64 "}", tv[0], tv[1]);
}

void fmt_print_timeval(struct fmt_call *c, uint64_t addr)
{
	int64_t tv[2];

	if (fmt_fetch(c, addr, tv, sizeof(tv)))
		fmt_timeval_str(c->out, tv);
}

static void print_itimerval(struct fmt_call *c, uint64_t addr)
{
	int64_t it[4];

	if (!fmt_fetch(c, addr, it, sizeof(it)))
		return;
	sb_printf(c->out, "{it_interval=");
	fmt_timeval_str(c->out, it);
	sb_printf(c->out, ", it_value=");
	fmt_timeval_str(c->out, it + 2);
	sb_putc(c->out, '}');
}

/* A sleep's "remaining" argument: its contents only after an interruption. */
static void print_remaining(struct fmt_call *c, uint64_t addr, bool meaningful)
{
	if (meaningful && fmt_is_erestart(c)) {
		c->failed = false;
		fmt_print_timespec(c, addr);
		c->failed = true;
	} else {
		fmt_print_addr(c->out, addr);
	}
}

bool fmt_sys_nanosleep(struct fmt_call *c)
{
	if (!c->exiting) {
		fmt_print_timespec(c, c->args[0]);
		sb_printf(c->out, ", ");
		return true;
	}
	print_remaining(c, c->args[1], true);
	return false;
}

bool fmt_sys_clock_nanosleep(struct fmt_call *c)
{
	if (!c->exiting) {
		fmt_print_clockid(c->out, c->args[0]);
		sb_printf(c->out, ", ");
		fmt_print_flags(c->out, timer_flags, (uint32_t)c->args[1], "TIMER_???");
		sb_printf(c->out, ", ");
		fmt_print_timespec(c, c->args[2]);
		sb_printf(c->out, ", ");
		return true;
	}
	print_remaining(c, c->args[3], (uint32_t)c->args[1] == 0);
	return false;
}

/* clock_gettime, clock_getres: the clock, then the time it wrote. */
bool fmt_sys_clock_gettime(struct fmt_call *c)
{
	if (!c->exiting) {
		fmt_print_clockid(c->out, c->args[0]);
		sb_printf(c->out, ", ");
		return true;
	}
	fmt_print_timespec(c, c->args[1]);
	return false;
}

bool fmt_sys_gettimeofday(struct fmt_call *c)
{
	int32_t tz[2];

	if (!c->exiting)
		return true;
	fmt_print_timeval(c, c->args[0]);
	sb_printf(c->out, ", ");
	if (fmt_fetch(c, c->args[1], tz, sizeof(tz)))
		sb_printf(c->out, "{tz_minuteswest=%d, tz_dsttime=%d}", tz[0], tz[1]);
	return false;
}

/* strace's sprinttime: the local date of t as 2026-11-24T00:42:24+0000. */
static void print_date(struct strbuf *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[64];

	if (!localtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%FT%T%z", &tm))
		return;
	sb_printf(out, "%s", buf);
}

bool fmt_sys_time(struct fmt_call *c)
{
	int64_t t;

	if (!c->exiting)
		return true;
	if (fmt_fetch(c, c->args[0], &t, sizeof(t))) {
		sb_printf(c->out, "[%" PRId64 " /* ", t);
		print_date(c->out, t);
		sb_printf(c->out, " */]");
	}
	sb_printf(c->suffix, " (");
	print_date(c->suffix, c->ret);
	sb_putc(c->suffix, ')');
	return false;
}

bool fmt_sys_setitimer(struct fmt_call *c)
{
	if (!c->exiting) {
		fmt_print_xval(c->out, itimers, (uint32_t)c->args[0], "ITIMER_???");
		sb_printf(c->out, ", ");
		print_itimerval(c, c->args[1]);
		sb_printf(c->out, ", ");
		return true;
	}
	print_itimerval(c, c->args[2]);
	return false;
}

bool fmt_sys_getitimer(struct fmt_call *c)
{
	if (!c->exiting) {
		fmt_print_xval(c->out, itimers, (uint32_t)c->args[0], "ITIMER_???");
		sb_printf(c->out, ", ");
		return true;
	}
	print_itimerval(c, c->args[1]);
	return false;
}
