/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UTIL_STRBUF_H
#define UTIL_STRBUF_H

#include <stddef.h>

/* A growable, always NUL-terminated string.  A zeroed struct is an empty buffer. */
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

#endif
