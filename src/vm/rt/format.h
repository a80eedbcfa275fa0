/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_RT_FORMAT_H
#define VM_RT_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/rt/value.h"

/* One piece of a printf format: literal text or a conversion. */
enum rt_conv {
	RT_CONV_LIT, /* text[off, off + len) as it is */
	RT_CONV_D,   /* %d %i: signed decimal */
	RT_CONV_U,   /* %u: unsigned decimal */
	RT_CONV_O,   /* %o: octal */
	RT_CONV_X,   /* %x: lower-case hex */
	RT_CONV_XU,  /* %X: upper-case hex */
	RT_CONV_C,   /* %c: the byte */
	RT_CONV_S,   /* %s: a string (%#s escapes it) */
	RT_CONV_P,   /* %p: 0x and hex */
	RT_CONV_B,   /* %b: the raw bytes of the number, width 1, 2, 4 or 8 */
	RT_CONV_M,   /* %m: precision bytes of memory at the address, as they are */
	RT_CONV_MU,  /* %M: the same in hex */
	RT_CONV_PCT, /* %%: a percent sign */
};

enum rt_fmt_flag {
	RT_FMT_LEFT = 1,  /* - */
	RT_FMT_PLUS = 2,  /* + */
	RT_FMT_SPACE = 4, /* ' ' */
	RT_FMT_ALT = 8,	  /* # */
	RT_FMT_ZERO = 16, /* 0 */
};

#define RT_FMT_STAR (-2) /* width or precision from an argument */
#define RT_FMT_NONE (-1)

struct rt_fmt_spec {
	uint8_t conv;
	uint8_t flags;
	int32_t width;
	int32_t prec;
	uint32_t off;
	uint32_t len;
};

struct rt_format {
	const char *text; /* the decoded format */
	uint32_t nspecs;
	uint32_t nargs;
	struct rt_fmt_spec *specs;
};

/* Reads memory for %m and %M; returns 0 or -errno. */
typedef int (*rt_read_mem_fn)(void *data, uint64_t addr, void *buf, size_t len);

/*
 * Formats args (as many as f->nargs) into o.  Returns 0, or -EFAULT when %m/%M cannot read the
 * memory.
 */
int rt_format_run(const struct rt_format *f, const vm_val *args, struct rt_out *o,
		  rt_read_mem_fn read_mem, void *mem_data);

/* Appends s with \n, \t, \", \\ and unprintable bytes (\ooo) escaped, as text_str does. */
void rt_escape(struct rt_out *o, const char *s, size_t n);

#endif
