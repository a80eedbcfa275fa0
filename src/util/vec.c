/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vec: the growth step of every growable array in the tracer, written once.  The array stays
 * the caller's (a typed pointer and its counts, see vec.h); this file only decides the new
 * capacity and reallocates.  Capacity doubles, so n pushes cost O(n) copies.  Every product
 * and sum is checked: a count that would not fit the caller's type, or a byte size that would
 * not fit size_t, fails with -ENOMEM before realloc is asked, and a failed realloc leaves the
 * old array and capacity in place for the caller to free.
 */
#include <errno.h>
#include <stdlib.h>

#include "util/vec.h"

/* The first allocation: at least VEC_MIN items and VEC_MIN_BYTES bytes. */
#define VEC_MIN	      8
#define VEC_MIN_BYTES 64

int vec_grow_(void **v, size_t *cap, size_t n, size_t size, size_t max)
{
	size_t want, nc, least = VEC_MIN_BYTES / size > VEC_MIN ? VEC_MIN_BYTES / size : VEC_MIN;
	void *nv;

	if (n < *cap)
		return 0;
	if (n >= max || n >= SIZE_MAX / size)
		goto nomem;
	want = n + 1;
	nc = *cap > max / 2 ? max : *cap * 2;
	if (nc < least)
		nc = least < max ? least : max;
	if (nc < want)
		nc = want;
	if (nc > SIZE_MAX / size)
		nc = SIZE_MAX / size;
	nv = realloc(*v, nc * size);
	if (!nv)
		goto nomem;
	*v = nv;
	*cap = nc;
	return 0;
nomem:
	errno = ENOMEM;
	return -ENOMEM;
}
