/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The multi-producer, single-consumer ring of output records (ring.h), in memory that the
 * program's threads and the tracer share.  Freestanding (the agent links it; so do the tracer
 * and the unit tests): only GCC's __atomic builtins.
 *
 * Producers reserve by compare-and-swap on head, checking the room against tail; nothing else
 * is shared between them, so none waits for another, and a ring without room refuses the
 * record and counts it in drops.  A reserved record's header is written last, its state with
 * a release store: the consumer, reading state with acquire, sees the payload once it sees
 * COMMITTED.  The consumer zeroes what it consumed before it moves tail (release), so a header
 * a producer reserves again reads 0 (not committed) until that producer commits it.
 *
 * Failure modes: a producer that dies between reserve and commit holds back every later record
 * (the tracer sees head run ahead of what it can read); records are never torn.
 */
#include <linux/errno.h>

#include "agent/ring.h"

#define ALIGN8(n) (((n) + 7) & ~(uint64_t)7)
#define HDR	  sizeof(struct agent_ring_hdr)

int agent_ring_init(struct agent_ring *r, size_t bytes)
{
	uint64_t size = 64;

	if (bytes < sizeof(*r) + size)
		return -ENOSPC;
	while (size * 2 <= bytes - sizeof(*r))
		size *= 2;
	r->size = size;
	r->head = r->tail = r->drops = 0;
	return 0;
}

static struct agent_ring_hdr *hdr_at(struct agent_ring *r, uint64_t pos)
{
	return (struct agent_ring_hdr *)(r->data + (pos & (r->size - 1)));
}

void *agent_ring_reserve(struct agent_ring *r, uint32_t type, uint32_t len)
{
	uint64_t need = ALIGN8(HDR + (uint64_t)len), head, pad, next;
	struct agent_ring_hdr *h;

	head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	do {
		uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		uint64_t to_end = r->size - (head & (r->size - 1));

		pad = need > to_end ? to_end : 0;
		next = head + pad + need;
		if (need > r->size || next - tail > r->size) {
			__atomic_fetch_add(&r->drops, 1, __ATOMIC_RELAXED);
			return NULL;
		}
	} while (!__atomic_compare_exchange_n(&r->head, &head, next, 1, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	if (pad) {
		h = hdr_at(r, head);
		h->len = (uint32_t)(pad - HDR);
		__atomic_store_n(&h->state, AGENT_RING_PAD | AGENT_RING_COMMITTED,
				 __ATOMIC_RELEASE);
		head += pad;
	}
	h = hdr_at(r, head);
	h->len = len;
	__atomic_store_n(&h->state, type << 8, __ATOMIC_RELAXED);
	return h + 1;
}

void agent_ring_commit(struct agent_ring *r, void *payload)
{
	struct agent_ring_hdr *h = (struct agent_ring_hdr *)payload - 1;

	(void)r;
	__atomic_store_n(&h->state, h->state | AGENT_RING_COMMITTED, __ATOMIC_RELEASE);
}

int agent_ring_write(struct agent_ring *r, uint32_t type, const void *buf, uint32_t len)
{
	unsigned char *p = agent_ring_reserve(r, type, len);
	const unsigned char *s = buf;

	if (!p)
		return -ENOSPC;
	for (uint32_t i = 0; i < len; i++)
		p[i] = s[i];
	agent_ring_commit(r, p);
	return 0;
}

/* The oldest record's header, skipping (consuming) pads; NULL when none is committed. */
static struct agent_ring_hdr *oldest(struct agent_ring *r)
{
	for (;;) {
		uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
		struct agent_ring_hdr *h;
		uint32_t state;

		if (tail == __atomic_load_n(&r->head, __ATOMIC_ACQUIRE))
			return NULL;
		h = hdr_at(r, tail);
		state = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
		if (!(state & AGENT_RING_COMMITTED))
			return NULL;
		if (!(state & AGENT_RING_PAD))
			return h;
		agent_ring_consume(r);
	}
}

int agent_ring_peek(struct agent_ring *r, struct agent_rec *ret_rec)
{
	struct agent_ring_hdr *h = oldest(r);

	if (!h)
		return 0;
	ret_rec->type = h->state >> 8;
	ret_rec->len = h->len;
	ret_rec->data = h + 1;
	return 1;
}

void agent_ring_consume(struct agent_ring *r)
{
	uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
	struct agent_ring_hdr *h = hdr_at(r, tail);
	uint64_t n = ALIGN8(HDR + (uint64_t)h->len);
	unsigned char *p = (unsigned char *)h;

	for (uint64_t i = 0; i < n; i++)
		p[i] = 0;
	__atomic_store_n(&r->tail, tail + n, __ATOMIC_RELEASE);
}
