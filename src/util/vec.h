/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UTIL_VEC_H
#define UTIL_VEC_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A typed growable array is a pointer and two counts the caller keeps (v, n, cap; all zero is
 * empty).  VEC_GROW(v, cap, n) makes room for n + 1 items: when cap is smaller it doubles it
 * (to n + 1 if that is more; the first time to at least 8 items and 64 bytes), reallocates v
 * and updates v and cap.  cap may be an int, unsigned, long or size_t; its type bounds the new
 * capacity.  Returns 0, or -ENOMEM (errno
 * ENOMEM too) when the memory or the count would overflow, with v and cap untouched.  v and cap
 * are evaluated more than once.
 *
 *	if (VEC_GROW(s->v, s->cap, s->n) < 0)
 *		return -ENOMEM;
 *	s->v[s->n++] = item;
 */
#define VEC_GROW(v, cap, n)                                                           \
	__extension__({                                                               \
		size_t vec_cap_ = (size_t)(cap);                                      \
		void *vec_v_ = (v);                                                   \
		int vec_r_ = vec_grow_(&vec_v_, &vec_cap_, (size_t)(n), sizeof(*(v)), \
				       VEC_CAP_MAX_(cap));                            \
		if (vec_r_ == 0) {                                                    \
			(v) = vec_v_;                                                 \
			(cap) = (__typeof__(cap))vec_cap_;                            \
		}                                                                     \
		vec_r_;                                                               \
	})

/* clang-format off */
#define VEC_CAP_MAX_(cap) _Generic((cap),				\
	int: (size_t)INT_MAX,						\
	unsigned: (size_t)UINT_MAX,					\
	long: (size_t)LONG_MAX,						\
	unsigned long: (size_t)ULONG_MAX)
/* clang-format on */

/* VEC_GROW's worker: *v and *cap change only on success. */
int vec_grow_(void **v, size_t *cap, size_t n, size_t size, size_t max);

#endif
