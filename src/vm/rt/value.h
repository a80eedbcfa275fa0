/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_RT_VALUE_H
#define VM_RT_VALUE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A value of the VM: a long, or a string as a pointer to NUL-terminated bytes (in the constant
 * pool, a global, or the hit's scratch area).  The static type is known from pass 2, so the
 * union carries no tag.
 */
typedef union vm_val {
	int64_t l;
	const char *s;
	void *p;
} vm_val;

/* Value types in bytecode tables. */
enum vm_type {
	VM_T_LONG,
	VM_T_STR,
	VM_T_STAT,
};

/*
 * An output buffer with a fixed capacity: writes past cap are dropped and set full.  Keeps one
 * byte for a NUL.
 */
struct rt_out {
	char *buf;
	size_t len;
	size_t cap;
	int full;
};

static inline void rt_out_putc(struct rt_out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len++] = c;
	else
		o->full = 1;
}

static inline void rt_out_append(struct rt_out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rt_out_putc(o, s[i]);
}

static inline void rt_out_str(struct rt_out *o, const char *s)
{
	while (*s)
		rt_out_putc(o, *s++);
}

static inline void rt_out_pad(struct rt_out *o, char c, long n)
{
	while (n-- > 0)
		rt_out_putc(o, c);
}

static inline const char *rt_out_finish(struct rt_out *o)
{
	if (o->cap)
		o->buf[o->len] = '\0';
	return o->buf;
}

/* Decimal text of v, signed. */
void rt_out_long(struct rt_out *o, int64_t v);
/* "0x" and v's lowercase hex digits, at least width of them, into buf (19 bytes at most, NUL
 * included); returns the length. */
size_t rt_hex(char *buf, uint64_t v, int width);

#endif
