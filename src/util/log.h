/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include "utrace/utrace.h"

void log_msg(enum utrace_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool log_enabled(enum utrace_log_level level);

#define pr_warn(...) log_msg(UTRACE_LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(UTRACE_LOG_INFO, __VA_ARGS__)
#define pr_debug(...)                                           \
	do {                                                    \
		if (log_enabled(UTRACE_LOG_DEBUG))              \
			log_msg(UTRACE_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
