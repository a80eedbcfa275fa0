/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The string.h routines for the agent: memcpy, memmove, memset and memcmp, and what the VM
 * linked into the blob calls (tests/unit/vm/check_freestanding.py lists them).  A freestanding C compiler may still call
 * these four for struct copies and large initializers (GCC's manual says the environment must
 * provide them), and the agent has no libc to get them from.  They are hidden, so calls to them
 * stay inside the blob, and the agent is compiled with -fno-tree-loop-distribute-patterns
 * (where the compiler knows it) so that GCC does not turn their loops back into calls to
 * themselves.  Byte loops: the agent copies little, and must not touch vector registers.
 * They follow C11 7.24 to the letter: the VM's results must be the tracer's.
 */
#include <stddef.h>

#define HIDDEN __attribute__((visibility("hidden")))

HIDDEN void *memcpy(void *restrict dst, const void *restrict src, size_t n);
HIDDEN void *memmove(void *dst, const void *src, size_t n);
HIDDEN void *memset(void *dst, int c, size_t n);
HIDDEN int memcmp(const void *a, const void *b, size_t n);
HIDDEN void *memchr(const void *s, int c, size_t n);
HIDDEN size_t strlen(const char *s);
HIDDEN size_t strnlen(const char *s, size_t max);
HIDDEN int strcmp(const char *a, const char *b);
HIDDEN int strncmp(const char *a, const char *b, size_t n);
HIDDEN char *strchr(const char *s, int c);
HIDDEN char *strrchr(const char *s, int c);
HIDDEN char *strstr(const char *hay, const char *needle);
HIDDEN size_t strcspn(const char *s, const char *reject);
HIDDEN char *strcpy(char *restrict dst, const char *restrict src);
HIDDEN char *strcat(char *restrict dst, const char *restrict src);

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

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && *x == *y)
		x++, y++;
	return *x - *y;
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
		if (!*x)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

char *strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return (char *)hay;
	return n ? NULL : (char *)hay;
}

size_t strcspn(const char *s, const char *reject)
{
	size_t n = 0;

	while (s[n] && !strchr(reject, s[n]))
		n++;
	return n;
}

char *strcpy(char *restrict dst, const char *restrict src)
{
	char *d = dst;

	while ((*d++ = *src++))
		;
	return dst;
}

char *strcat(char *restrict dst, const char *restrict src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}
