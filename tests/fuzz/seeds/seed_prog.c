/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seed program of the ELF and DWARF fuzzers: small, and holding one of each thing the
 * readers parse.  Functions of every binding and a versioned symbol, calls through the PLT,
 * SDT notes with gcc's argument strings and a semaphore, and for the -g builds structs,
 * unions, enums, typedefs, arrays, function pointers, qualifiers, va_list, globals and
 * statics, nested scopes with shadowed names, and an inlined function.  Never run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/sdt_note.h"

struct point {
	int x, y;
};

union word {
	long l;
	unsigned char b[8];
};

enum colour {
	RED,
	GREEN = 5,
	BLUE
};

typedef struct point point_t;
typedef int (*binop_fn)(int, char *);

struct node {
	struct node *next;
	const char *name;
	volatile unsigned short flags;
	point_t at;
	union word w;
	enum colour c;
	binop_fn op;
	double weights[4];
	struct {
		int inner;
	} anon;
};

struct opaque;

__attribute__((section(".probes"), used)) volatile unsigned short seed_tick_semaphore;
long seed_counter = 7;
static struct node seed_nodes[3];
const char *const seed_names[] = {"a", "b", "c"};
struct opaque *seed_opaque;
point_t seed_origin = {1, 2};

static inline __attribute__((always_inline)) int seed_square(int v)
{
	int sq = v * v;

	return sq + (int)seed_counter;
}

static int seed_add(int a, char *s)
{
	return a + (s ? (int)strlen(s) : 0);
}

__attribute__((weak, noinline)) int seed_weak(int a)
{
	return a - 1;
}

__attribute__((noinline)) long seed_sum(int n, ...)
{
	va_list ap;
	long total = 0;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		total += va_arg(ap, int);
	va_end(ap);
	return total;
}

__attribute__((noinline)) int seed_walk(struct node *head, int depth, unsigned long mask)
{
	int count = 0;

	__asm__ volatile("990: nop\n" SDT_NOTE("seed", "walk", "990b", "_.stapsdt.base", "0",
					       "8@%[h] -4@%[d] 8@%[m]")
			 :
			 : [h] "nor"(head), [d] "nor"(depth), [m] "nor"(mask));
	for (struct node *n = head; n; n = n->next) {
		int depth = count + 1;

		if (n->op)
			count += n->op(depth, (char *)n->name);
		{
			double scaled = n->weights[depth & 3] * 2;

			count += (int)scaled + seed_square(n->at.x);
		}
	}
	if (seed_tick_semaphore)
		__asm__ volatile("990: nop\n" SDT_NOTE(
			"seed", "tick", "990b", "_.stapsdt.base", "seed_tick_semaphore",
			"-4@%edi 8@-16(%rbp) -8@$42 8@seed_counter(%rip) "
			"8@16(%rax,%rcx,8) 1@%sil 8f@%xmm0"));
	return count + (int)(mask & 0xff);
}

static int seed_pick_plain(int v)
{
	return v * 2;
}

static int (*seed_resolve_pick(void))(int)
{
	return seed_pick_plain;
}

/* A local ifunc: its calls go through an IRELATIVE slot. */
static int seed_pick(int v) __attribute__((ifunc("seed_resolve_pick")));

static int seed_local(int v)
{
	union word w = {.l = v};

	return w.b[0] + seed_square(v) + seed_pick(v);
}

__asm__(".symver seed_versioned_old, seed_versioned@SEED_1");
__attribute__((noinline, used)) int seed_versioned_old(int v);
__attribute__((noinline, used)) int seed_versioned_old(int v)
{
	return v + 1;
}

int main(int argc, char **argv)
{
	char buf[64];

	seed_nodes[0].next = &seed_nodes[1];
	seed_nodes[0].op = seed_add;
	seed_nodes[0].name = seed_names[argc % 3];
	snprintf(buf, sizeof(buf), "%d", argc);
	printf("%d %ld %d %d\n", seed_walk(seed_nodes, argc, strtoul(buf, NULL, 0)),
	       seed_sum(3, 1, 2, 3), seed_weak(argc), seed_local(argc));
	puts(argv[0]);
	return seed_origin.x;
}
