/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memcpy, memmove, memset and memcmp for the agent.  A freestanding C compiler may still call
 * these four for struct copies and large initializers (GCC's manual says the environment must
 * provide them), and the agent has no libc to get them from.  They are hidden, so calls to them
 * stay inside the blob, and the agent is compiled with -fno-tree-loop-distribute-patterns
 * (where the compiler knows it) so that GCC does not turn their loops back into calls to
 * themselves.  Byte loops: the agent copies little, and must not touch vector registers.
 */
#include <stddef.h>

#define HIDDEN __attribute__((visibility("hidden")))

HIDDEN void *memcpy(void *restrict dst, const void *restrict src, size_t n);
HIDDEN void *memmove(void *dst, const void *src, size_t n);
HIDDEN void *memset(void *dst, int c, size_t n);
HIDDEN int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}
