/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging.  The library never prints: every message goes to the callback the tool installed
 * with utrace_set_print(), and only up to the level it asked for.  Without a callback, messages
 * are dropped.  Messages name their subject ("pid 1234: ...").
 */
#include <stdarg.h>
#include <stdio.h>

#include "util/log.h"

static utrace_print_fn print_fn;
static enum utrace_log_level print_max = UTRACE_LOG_WARN;

void utrace_set_print(utrace_print_fn fn, enum utrace_log_level max_level)
{
	print_fn = fn;
	print_max = max_level;
}

bool log_enabled(enum utrace_log_level level)
{
	return print_fn && level <= print_max;
}

void log_msg(enum utrace_log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	print_fn(level, buf);
}
