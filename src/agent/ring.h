/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef AGENT_RING_H
#define AGENT_RING_H

#include <stddef.h>
#include <stdint.h>

/*
 * The output ring (ring.c): many producers (the program's threads running handlers in the
 * agent), one consumer (the tracer).  It lives in the shared region, so it holds no pointer.
 * A record is an 8-byte header and len bytes of payload, padded to 8; a record that would
 * cross the end of data is preceded by a pad record to the end, so one of more than half the
 * ring may not fit even in an empty ring: producers keep records small.
 */
#define AGENT_RING_COMMITTED 0x1u
#define AGENT_RING_PAD	     0x2u

enum agent_rec_type {
	AGENT_REC_OUTPUT = 1, /* script output bytes, in order */
	AGENT_REC_WARN,	      /* warn(): the message */
	AGENT_REC_ERROR,      /* a runtime error: "msg\0where" */
	AGENT_REC_CONTROL,    /* exit() or abort(): one byte, enum vm_control */
};

struct agent_ring_hdr {
	uint32_t len;	/* of the payload */
	uint32_t state; /* type << 8 | AGENT_RING_PAD | AGENT_RING_COMMITTED; 0: not yet */
};

struct agent_ring {
	uint64_t size;	/* bytes of data[]: a power of two */
	uint64_t head;	/* reserved up to here (producers) */
	uint64_t tail;	/* consumed up to here (consumer); both count bytes, never wrap */
	uint64_t drops; /* records refused for want of room */
	unsigned char data[];
};

/* A record as the consumer sees it. */
struct agent_rec {
	uint32_t type;
	uint32_t len;
	const void *data;
};

/* Lays a ring out in bytes bytes at r (zeroed memory).  0, or -ENOSPC (under 64 bytes). */
int agent_ring_init(struct agent_ring *r, size_t bytes);
/*
 * Room for a record of len bytes: its payload, to fill and pass to agent_ring_commit.  NULL
 * when the ring has not the room (drops counted): a producer never waits for the consumer.
 */
void *agent_ring_reserve(struct agent_ring *r, uint32_t type, uint32_t len);
void agent_ring_commit(struct agent_ring *r, void *payload);
/* Reserve, copy, commit.  0, or -ENOSPC (dropped). */
int agent_ring_write(struct agent_ring *r, uint32_t type, const void *buf, uint32_t len);
/*
 * The consumer: the oldest record, if committed (1), else 0: records come out in reserve
 * order, so one a producer has not committed yet holds back the later ones.  The record stays
 * until agent_ring_consume.
 */
int agent_ring_peek(struct agent_ring *r, struct agent_rec *ret_rec);
void agent_ring_consume(struct agent_ring *r);

#endif
