/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * format: stap's printf.  A format is compiled once, at code generation (format_parse.c), into
 * a list of specs (literal runs and conversions %[flags][width|*][.prec|.*][l]conv), so a hit
 * only walks the list.  Numbers follow the kernel's vsprintf number() that stap's runtime uses:
 * 64-bit values, '-' left-justifies, '0' pads with zeros unless there is a precision or '-',
 * '+' and ' ' give positive numbers a sign, '#' prefixes 0 for %o and 0x/0X for %x/%X; the
 * precision is the minimum number of digits.  %u, %o, %x print the 64-bit two's complement of
 * negative numbers.  %p is 0x and the hex digits.  %s takes a precision as the maximum number
 * of bytes.  %b writes the number's bytes (host order; width 1, 2, 4 or 8, default 8).  %m/%M
 * dump precision bytes (default 1) of memory at an address, read through the caller's function.
 *
 * Runs on the hit path: no allocation, no stdio, output into a fixed buffer that drops what
 * does not fit.
 */
#include <errno.h>

#include "vm/cstring.h"
#include "vm/rt/format.h"

size_t rt_hex(char *buf, uint64_t v, int width)
{
	char digits[16];
	int n = 0;
	size_t at = 0;

	do {
		digits[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n < width && n < 16)
		digits[n++] = '0';
	buf[at++] = '0';
	buf[at++] = 'x';
	while (n > 0)
		buf[at++] = digits[--n];
	buf[at] = '\0';
	return at;
}

void rt_out_long(struct rt_out *o, int64_t v)
{
	char tmp[24];
	int n = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		rt_out_putc(o, '-');
	while (n)
		rt_out_putc(o, tmp[--n]);
}

void rt_escape(struct rt_out *o, const char *s, size_t n)
{
	static const char esc[] = "\n\\n\t\\t\r\\r\v\\v\f\\f\a\\a\b\\b\"\\\"\\\\\\";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;

		for (size_t k = 0; k + 2 < sizeof(esc); k += 3)
			if (esc[k] == (char)c) {
				e = &esc[k + 1];
				break;
			}
		if (e) {
			rt_out_append(o, e, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			rt_out_putc(o, '\\');
			rt_out_putc(o, (char)('0' + ((c >> 6) & 7)));
			rt_out_putc(o, (char)('0' + ((c >> 3) & 7)));
			rt_out_putc(o, (char)('0' + (c & 7)));
		} else {
			rt_out_putc(o, (char)c);
		}
	}
}

/* The kernel's number(): base 8, 10 or 16, signed or not, with the spec's flags. */
static void number(struct rt_out *o, int64_t v, unsigned base, bool is_signed, bool upper,
		   unsigned flags, long width, long prec)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[72];
	int n = 0;
	char sign = 0;
	const char *prefix = "";
	uint64_t u = (uint64_t)v;
	long pad;

	if (is_signed) {
		if (v < 0) {
			sign = '-';
			u = (uint64_t)0 - (uint64_t)v;
		} else if (flags & RT_FMT_PLUS) {
			sign = '+';
		} else if (flags & RT_FMT_SPACE) {
			sign = ' ';
		}
	}
	if (flags & RT_FMT_ALT) {
		if (base == 16)
			prefix = upper ? "0X" : "0x";
		else if (base == 8)
			prefix = "0";
	}
	if (u == 0 && prec != 0) {
		tmp[n++] = '0';
		if (base == 8)
			prefix = "";
	}
	while (u) {
		tmp[n++] = digits[u % base];
		u /= base;
	}
	if (prec < n)
		prec = n;
	pad = width - prec - (sign ? 1 : 0) - (long)strlen(prefix);
	if (!(flags & RT_FMT_LEFT) && !(flags & RT_FMT_ZERO))
		rt_out_pad(o, ' ', pad);
	if (sign)
		rt_out_putc(o, sign);
	rt_out_str(o, prefix);
	if (!(flags & RT_FMT_LEFT) && (flags & RT_FMT_ZERO))
		rt_out_pad(o, '0', pad);
	rt_out_pad(o, '0', prec - n);
	while (n)
		rt_out_putc(o, tmp[--n]);
	if (flags & RT_FMT_LEFT)
		rt_out_pad(o, ' ', pad);
}

static void padded(struct rt_out *o, const char *s, size_t n, unsigned flags, long width)
{
	long pad = width - (long)n;

	if (!(flags & RT_FMT_LEFT))
		rt_out_pad(o, (flags & RT_FMT_ZERO) ? '0' : ' ', pad);
	rt_out_append(o, s, n);
	if (flags & RT_FMT_LEFT)
		rt_out_pad(o, ' ', pad);
}

static int memdump(struct rt_out *o, const struct rt_fmt_spec *sp, uint64_t addr, long prec,
		   long width, rt_read_mem_fn read_mem, void *mem_data)
{
	unsigned char buf[256];
	long len = prec < 0 ? 1 : prec;
	long shown = sp->conv == RT_CONV_MU ? 2 * len : len;

	if (!(sp->flags & RT_FMT_LEFT))
		rt_out_pad(o, ' ', width - shown);
	while (len > 0) {
		size_t chunk = len > (long)sizeof(buf) ? sizeof(buf) : (size_t)len;

		if (!read_mem || read_mem(mem_data, addr, buf, chunk) < 0)
			return -EFAULT;
		for (size_t i = 0; i < chunk; i++) {
			if (sp->conv == RT_CONV_MU) {
				rt_out_putc(o, "0123456789abcdef"[buf[i] >> 4]);
				rt_out_putc(o, "0123456789abcdef"[buf[i] & 15]);
			} else {
				rt_out_putc(o, (char)buf[i]);
			}
		}
		addr += chunk;
		len -= (long)chunk;
	}
	if (sp->flags & RT_FMT_LEFT)
		rt_out_pad(o, ' ', width - shown);
	return 0;
}

int rt_format_run(const struct rt_format *f, const vm_val *args, struct rt_out *o,
		  rt_read_mem_fn read_mem, void *mem_data)
{
	unsigned k = 0;

	for (uint32_t j = 0; j < f->nspecs; j++) {
		const struct rt_fmt_spec *sp = &f->specs[j];
		unsigned flags = sp->flags;
		long width = sp->width, prec = sp->prec;
		vm_val v = {0};

		if (sp->conv == RT_CONV_LIT) {
			rt_out_append(o, f->text + sp->off, sp->len);
			continue;
		}
		if (sp->conv == RT_CONV_PCT) {
			rt_out_putc(o, '%');
			continue;
		}
		if (width == RT_FMT_STAR) {
			width = (long)args[k++].l;
			if (width < 0) {
				flags |= RT_FMT_LEFT;
				width = -width;
			}
		}
		if (prec == RT_FMT_STAR) {
			prec = (long)args[k++].l;
			if (prec < 0)
				prec = RT_FMT_NONE;
		}
		if (width > 4096)
			width = 4096;
		if (prec > 4096)
			prec = 4096;
		v = args[k++];
		switch (sp->conv) {
		case RT_CONV_D:
			number(o, v.l, 10, true, false, flags, width, prec);
			break;
		case RT_CONV_U:
			number(o, v.l, 10, false, false, flags, width, prec);
			break;
		case RT_CONV_O:
			number(o, v.l, 8, false, false, flags, width, prec);
			break;
		case RT_CONV_X:
		case RT_CONV_XU:
			number(o, v.l, 16, false, sp->conv == RT_CONV_XU, flags, width, prec);
			break;
		case RT_CONV_P:
			number(o, v.l, 16, false, false, flags | RT_FMT_ALT, width, prec);
			break;
		case RT_CONV_C: {
			char c = (char)v.l;

			padded(o, &c, 1, flags & ~(unsigned)RT_FMT_ZERO, width);
			break;
		}
		case RT_CONV_S: {
			size_t n = strlen(v.s);

			if (prec >= 0 && (size_t)prec < n)
				n = (size_t)prec;
			if (flags & RT_FMT_ALT) {
				char tmp[4096];
				struct rt_out e = {tmp, 0, sizeof(tmp), 0};

				rt_escape(&e, v.s, n);
				padded(o, tmp, e.len, flags & ~(unsigned)RT_FMT_ZERO, width);
			} else {
				padded(o, v.s, n, flags & ~(unsigned)RT_FMT_ZERO, width);
			}
			break;
		}
		case RT_CONV_B: {
			uint64_t u = (uint64_t)v.l;
			long w = width == 1 || width == 2 || width == 4 ? width : 8;

			for (long b = 0; b < w; b++)
				rt_out_putc(o, (char)(u >> (8 * b)));
			break;
		}
		case RT_CONV_M:
		case RT_CONV_MU:
			if (memdump(o, sp, (uint64_t)v.l, prec, width, read_mem, mem_data) < 0)
				return -EFAULT;
			break;
		}
	}
	return 0;
}
