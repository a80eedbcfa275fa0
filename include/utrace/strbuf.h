/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UTRACE_STRBUF_H
#define UTRACE_STRBUF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A growable, always NUL-terminated string.  A zeroed struct is an empty buffer.  Public
 * because the formatters of utrace/fmt.h write into one; the tracer's libraries use it too.
 * Running out of memory aborts: a string that cannot grow has no useful way to fail.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_putc(struct strbuf *sb, char c);
void sb_append(struct strbuf *sb, const char *s, size_t n);
void sb_reset(struct strbuf *sb);
void sb_release(struct strbuf *sb);
/* The string, never NULL. */
const char *sb_str(const struct strbuf *sb);

#ifdef __cplusplus
}
#endif

#endif
