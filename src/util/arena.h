/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UTIL_ARENA_H
#define UTIL_ARENA_H

#include <stddef.h>

/* A bump allocator: everything a pass allocates lives until arena_release().  A zeroed struct is
 * an empty arena. */
struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t used;
	size_t cap;
};

void *arena_alloc(struct arena *a, size_t size);
void *arena_zalloc(struct arena *a, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t size);
void arena_release(struct arena *a);

#define arena_new(a, type) ((type *)arena_zalloc((a), sizeof(type)))

#endif
