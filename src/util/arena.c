/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arena: memory freed all at once.  The language front end allocates its tokens, AST nodes and
 * their strings here and frees them together, so the parser can abandon a half-built node on a
 * syntax error (it longjmps to a recovery point) without leaking or double-freeing anything.
 *
 * Chunks are malloc'd, at least 64 KiB, bigger when one allocation needs it; each allocation is
 * aligned for any scalar.  An allocation failure aborts: the front end has nothing to fall back
 * on and a script that exhausts memory is not one we can diagnose.
 */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

struct arena_chunk {
	struct arena_chunk *next;
	alignas(max_align_t) unsigned char data[];
};

#define ARENA_CHUNK (64u * 1024u)
#define ARENA_ALIGN (alignof(max_align_t))

void *arena_alloc(struct arena *a, size_t size)
{
	size_t off = (a->used + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	struct arena_chunk *c;
	size_t cap;

	if (a->head && off + size <= a->cap) {
		a->used = off + size;
		return a->head->data + off;
	}
	cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
	c = malloc(sizeof(*c) + cap);
	if (!c)
		abort();
	c->next = a->head;
	a->head = c;
	a->cap = cap;
	a->used = size;
	return c->data;
}

void *arena_zalloc(struct arena *a, size_t size)
{
	return memset(arena_alloc(a, size), 0, size);
}

void *arena_memdup(struct arena *a, const void *p, size_t size)
{
	return size ? memcpy(arena_alloc(a, size), p, size) : arena_alloc(a, 1);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);

	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void arena_release(struct arena *a)
{
	struct arena_chunk *c = a ? a->head : NULL;

	while (c) {
		struct arena_chunk *next = c->next;

		free(c);
		c = next;
	}
	if (a)
		memset(a, 0, sizeof(*a));
}
