/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_str: tracee memory as strace shows it.  Strings are quoted with strace's escapes (\" \\ \f
 * \n \r \t \v, other bytes outside 0x20..0x7e in the shortest octal that cannot be misread before
 * a following digit) and cut at -s with "..." after the closing quote; file names are never cut.
 * Reads go through the caller's fmt_read_fn in pieces that do not cross a page, so a string that
 * ends just before an unmapped page still reads.  Anything unreadable prints as its address, a
 * null pointer as NULL: the output never claims bytes it could not fetch.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_priv.h"

#define PAGE 4096u

int fmt_read_all(const struct fmt_ctx *ctx, uint64_t addr, void *buf, size_t len)
{
	char *p = buf;

	if (!ctx->read)
		return -EFAULT;
	while (len) {
		long n = ctx->read(ctx->read_ctx, addr, p, len);

		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EFAULT;
		p += n;
		addr += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Up to len bytes of a NUL-terminated string: 1 if the NUL was read, 0 if not, or -errno.  Reads
 * stop at page ends and accept short reads, so a string ending before unmapped memory reads. */
static int read_cstr(const struct fmt_ctx *ctx, uint64_t addr, char *buf, size_t len)
{
	if (!ctx->read)
		return -EFAULT;
	while (len) {
		size_t chunk = PAGE - (size_t)(addr % PAGE);
		long n;

		if (chunk > len)
			chunk = len;
		n = ctx->read(ctx->read_ctx, addr, buf, chunk);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EFAULT;
		if (memchr(buf, '\0', (size_t)n))
			return 1;
		buf += n;
		addr += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

void fmt_print_addr(struct strbuf *out, uint64_t addr)
{
	if (addr)
		sb_printf(out, "%#" PRIx64, addr);
	else
		sb_printf(out, "NULL");
}

bool fmt_quote(struct strbuf *out, const unsigned char *s, size_t n, bool asciz)
{
	sb_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (asciz && c == '\0') {
			sb_putc(out, '"');
			return false;
		}
		switch (c) {
		case '"':
		case '\\':
			sb_putc(out, '\\');
			sb_putc(out, (char)c);
			break;
		case '\f':
			sb_append(out, "\\f", 2);
			break;
		case '\n':
			sb_append(out, "\\n", 2);
			break;
		case '\r':
			sb_append(out, "\\r", 2);
			break;
		case '\t':
			sb_append(out, "\\t", 2);
			break;
		case '\v':
			sb_append(out, "\\v", 2);
			break;
		default:
			if (c >= ' ' && c < 0x7f)
				sb_putc(out, (char)c);
			else if (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7')
				sb_printf(out, "\\%03o", c);
			else
				sb_printf(out, "\\%o", c);
		}
	}
	sb_putc(out, '"');
	return true;
}

static size_t string_limit(const struct fmt_ctx *ctx)
{
	return ctx->string_limit < 0 ? FMT_STRING_LIMIT_DEFAULT : (size_t)ctx->string_limit;
}

void fmt_print_path(struct fmt_call *c, uint64_t addr)
{
	char path[PATH_MAX + 1];
	int nul;

	if (!addr) {
		sb_printf(c->out, "NULL");
		return;
	}
	nul = read_cstr(c->ctx, addr, path, PATH_MAX);
	if (nul < 0) {
		fmt_print_addr(c->out, addr);
		return;
	}
	if (fmt_quote(c->out, (const unsigned char *)path, PATH_MAX - 1, true) &&
	    path[PATH_MAX - 1])
		sb_printf(c->out, "...");
}

void fmt_print_str(struct fmt_call *c, uint64_t addr, int64_t len)
{
	size_t limit = string_limit(c->ctx);
	size_t size;
	char *buf;
	bool more;

	if (!addr) {
		sb_printf(c->out, "NULL");
		return;
	}
	size = len < 0 || (uint64_t)len > limit ? limit : (size_t)len;
	buf = calloc(1, limit + 1);
	if (!buf)
		abort();
	if (len < 0) {
		if (read_cstr(c->ctx, addr, buf, limit + 1) < 0)
			goto unreadable;
		more = fmt_quote(c->out, (unsigned char *)buf, size, true) && buf[size];
	} else {
		if (fmt_read_all(c->ctx, addr, buf, size))
			goto unreadable;
		fmt_quote(c->out, (unsigned char *)buf, size, false);
		more = (uint64_t)len > limit;
	}
	if (more)
		sb_printf(c->out, "...");
	free(buf);
	return;
unreadable:
	fmt_print_addr(c->out, addr);
	free(buf);
}

void fmt_print_argv(struct fmt_call *c, uint64_t addr)
{
	size_t limit = string_limit(c->ctx);

	if (!addr) {
		sb_printf(c->out, "NULL");
		return;
	}
	for (size_t n = 0;; n++, addr += 8) {
		uint64_t word;

		if (fmt_read_all(c->ctx, addr, &word, sizeof(word))) {
			if (!n) {
				fmt_print_addr(c->out, addr);
				return;
			}
			sb_printf(c->out, ", ... /* %#" PRIx64 " */]", addr);
			return;
		}
		if (!n)
			sb_putc(c->out, '[');
		if (!word)
			break;
		if (n)
			sb_printf(c->out, ", ");
		if (n >= limit) {
			sb_printf(c->out, "...");
			break;
		}
		fmt_print_str(c, word, -1);
	}
	sb_putc(c->out, ']');
}

void fmt_print_envc(struct fmt_call *c, uint64_t addr)
{
	unsigned int count = 0;
	bool unterminated = false;

	fmt_print_addr(c->out, addr);
	if (!addr)
		return;
	for (;; count++, addr += 8) {
		uint64_t word;

		if (fmt_read_all(c->ctx, addr, &word, sizeof(word))) {
			if (!count)
				return;
			unterminated = true;
			break;
		}
		if (!word)
			break;
	}
	sb_printf(c->out, " /* %u var%s%s */", count, count == 1 ? "" : "s",
		  unterminated ? ", unterminated" : "");
}

void fmt_print_hex_str(struct fmt_call *c, uint64_t addr, int64_t len)
{
	size_t limit = string_limit(c->ctx);
	size_t size = len < 0 ? 0 : (uint64_t)len > limit ? limit : (size_t)len;
	unsigned char *buf;

	if (!addr) {
		sb_printf(c->out, "NULL");
		return;
	}
	buf = malloc(size + 1);
	if (!buf)
		abort();
	if (fmt_read_all(c->ctx, addr, buf, size)) {
		fmt_print_addr(c->out, addr);
		free(buf);
		return;
	}
	sb_putc(c->out, '"');
	for (size_t i = 0; i < size; i++)
		sb_printf(c->out, "\\x%02x", buf[i]);
	sb_putc(c->out, '"');
	if ((uint64_t)len > limit)
		sb_printf(c->out, "...");
	free(buf);
}
