/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_RT_STAT_H
#define VM_RT_STAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vm/rt/value.h"

/* The extractors, numbered as enum ast_stat_op. */
/*
 * The extractors, in their one order: the enum, the names the parser reads and the
 * disassembler prints, and the AST's own enum (lang/ast.h) come from this list.
 */
#define RT_STAT_OPS(X)                                                          \
	X(COUNT, "@count")	 /* number of values */                         \
	X(SUM, "@sum")		 /* their sum */                                \
	X(MIN, "@min")		 /* the smallest; error when empty */           \
	X(MAX, "@max")		 /* the largest; error when empty */            \
	X(AVG, "@avg")		 /* sum / count, truncated; error when empty */ \
	X(VARIANCE, "@variance") /* Welford's, integer; error when empty */

enum rt_stat_op {
	RT_STAT_NONE,
#define RT_STAT_ENUM(id, name) RT_STAT_##id,
	RT_STAT_OPS(RT_STAT_ENUM)
#undef RT_STAT_ENUM
};

/* "@count" for RT_STAT_COUNT; NULL for anything else. */
static inline const char *rt_stat_op_name(int op)
{
	switch (op) {
#define RT_STAT_NAME(id, name) \
	case RT_STAT_##id:     \
		return name;
		RT_STAT_OPS(RT_STAT_NAME)
#undef RT_STAT_NAME
	}
	return NULL;
}

/* The extractor called name ("@sum"), or RT_STAT_NONE. */
static inline enum rt_stat_op rt_stat_op_lookup(const char *name)
{
#define RT_STAT_LOOKUP(id, text) \
	if (!strcmp(name, text)) \
		return RT_STAT_##id;
	RT_STAT_OPS(RT_STAT_LOOKUP)
#undef RT_STAT_LOOKUP
	return RT_STAT_NONE;
}

enum rt_hist_kind {
	RT_HIST_NONE,
	RT_HIST_LOG,
	RT_HIST_LINEAR,
};

#define RT_HIST_LOG_BUCKETS 128
#define RT_HIST_LOG_BUCKET0 64
#define RT_HIST_WIDTH	    50
#define RT_HIST_ELISION	    2

/* The histogram of an aggregate, one per global. */
struct rt_hist {
	uint8_t kind;
	int64_t lo, hi, step;
	uint32_t nbuckets; /* linear: the range's buckets plus underflow and overflow */
};

struct rt_stat {
	int64_t count, sum, min, max;
	int64_t avg_s, m2; /* Welford's running mean (shifted) and sum of squares */
	int64_t buckets[];
};

void rt_hist_init(struct rt_hist *h, enum rt_hist_kind kind, int64_t lo, int64_t hi, int64_t step);
size_t rt_stat_size(const struct rt_hist *h);
void rt_stat_add(struct rt_stat *s, const struct rt_hist *h, int shift, int64_t v);
/* Extractor op of s into *ret; -ENODATA for @min/@max/@avg/@variance of an empty aggregate. */
int rt_stat_get(const struct rt_stat *s, enum rt_stat_op op, int shift, int64_t *ret);
/* Appends stap's rendering of the histogram of s (header, rows, '~' elisions, blank line). */
void rt_hist_print(const struct rt_stat *s, const struct rt_hist *h, struct rt_out *o);
/* The log histogram's bucket of v and the label of bucket b. */
int rt_hist_log_bucket(int64_t v);
int64_t rt_hist_log_value(int b);

#endif
