/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the agent's output ring (src/agent/ring.c): records come out as they went in,
 * a full ring drops and counts without blocking, records wrap around the end through pad
 * records, and producers on several threads with a consumer draining meanwhile lose nothing
 * that was not counted as dropped, each producer's records in its own order.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/ring.h"

static struct agent_ring *new_ring(size_t data)
{
	struct agent_ring *r = calloc(1, sizeof(*r) + data);

	assert_non_null(r);
	assert_int_equal(agent_ring_init(r, sizeof(*r) + data), 0);
	assert_int_equal(r->size, data);
	return r;
}

static void expect_rec(struct agent_ring *r, uint32_t type, const char *text)
{
	struct agent_rec rec;

	assert_int_equal(agent_ring_peek(r, &rec), 1);
	assert_int_equal(rec.type, type);
	assert_int_equal(rec.len, strlen(text));
	assert_memory_equal(rec.data, text, rec.len);
	agent_ring_consume(r);
}

static void test_init(void **state)
{
	struct agent_ring r;

	(void)state;
	assert_int_equal(agent_ring_init(&r, sizeof(r) + 63), -ENOSPC);
	{
		struct agent_ring *p = calloc(1, sizeof(*p) + 1000);

		assert_int_equal(agent_ring_init(p, sizeof(*p) + 1000), 0);
		assert_int_equal(p->size, 512);
		free(p);
	}
}

static void test_fill_and_drop(void **state)
{
	struct agent_ring *r = new_ring(256);
	struct agent_rec rec;
	int n = 0;

	(void)state;
	assert_int_equal(agent_ring_peek(r, &rec), 0);
	/* 8-byte header + 20 bytes, padded: 32 bytes a record, 8 fit. */
	while (agent_ring_write(r, AGENT_REC_OUTPUT, "0123456789abcdefghij", 20) == 0)
		n++;
	assert_int_equal(n, 8);
	assert_int_equal(r->drops, 1);
	assert_int_equal(agent_ring_write(r, AGENT_REC_WARN, "", 0), -ENOSPC);
	assert_int_equal(r->drops, 2);
	assert_null(agent_ring_reserve(r, AGENT_REC_OUTPUT, 300));
	assert_int_equal(r->drops, 3);
	for (int i = 0; i < n; i++)
		expect_rec(r, AGENT_REC_OUTPUT, "0123456789abcdefghij");
	assert_int_equal(agent_ring_peek(r, &rec), 0);
	assert_int_equal(agent_ring_write(r, AGENT_REC_WARN, "again", 5), 0);
	expect_rec(r, AGENT_REC_WARN, "again");
	free(r);
}

static void test_uncommitted_holds_back(void **state)
{
	struct agent_ring *r = new_ring(256);
	struct agent_rec rec;
	char *p;

	(void)state;
	p = agent_ring_reserve(r, AGENT_REC_OUTPUT, 3);
	assert_non_null(p);
	assert_int_equal(agent_ring_write(r, AGENT_REC_WARN, "later", 5), 0);
	assert_int_equal(agent_ring_peek(r, &rec), 0);
	memcpy(p, "abc", 3);
	agent_ring_commit(r, p);
	expect_rec(r, AGENT_REC_OUTPUT, "abc");
	expect_rec(r, AGENT_REC_WARN, "later");
	free(r);
}

static void test_wrap(void **state)
{
	struct agent_ring *r = new_ring(128);
	char text[64];

	(void)state;
	/* Records of 8 + 13 -> 24 bytes: the 6th would cross the end of 128 and pads to it. */
	for (int round = 0; round < 100; round++) {
		snprintf(text, sizeof(text), "record %06d", round);
		assert_int_equal(agent_ring_write(r, AGENT_REC_OUTPUT, text, 13), 0);
		if (round % 3 == 2) {
			for (int k = round - 2; k <= round; k++) {
				snprintf(text, sizeof(text), "record %06d", k);
				expect_rec(r, AGENT_REC_OUTPUT, text);
			}
		}
	}
	assert_int_equal(r->drops, 0);
	assert_true(r->tail > 10 * r->size);
	free(r);
}

#define PRODUCERS 4
#define PER	  20000

static int finished;

struct producer {
	struct agent_ring *r;
	int id;
	unsigned written;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	char text[32];

	for (unsigned i = 0; i < PER; i++) {
		int n = snprintf(text, sizeof(text), "%d %u", p->id, i);

		if (agent_ring_write(p->r, AGENT_REC_OUTPUT, text, (uint32_t)n) == 0)
			p->written++;
	}
	__atomic_fetch_add(&finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_producers(void **state)
{
	struct agent_ring *r = new_ring(4096);
	struct producer p[PRODUCERS];
	pthread_t t[PRODUCERS];
	long last[PRODUCERS];
	unsigned got = 0, written = 0;

	(void)state;
	for (int i = 0; i < PRODUCERS; i++) {
		p[i] = (struct producer){r, i, 0};
		last[i] = -1;
		assert_int_equal(pthread_create(&t[i], NULL, produce, &p[i]), 0);
	}
	for (;;) {
		struct agent_rec rec;
		char text[32];
		int id;
		long seq;

		if (!agent_ring_peek(r, &rec)) {
			if (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) < PRODUCERS)
				continue;
			if (!agent_ring_peek(r, &rec))
				break;
		}
		assert_true(rec.len < sizeof(text));
		memcpy(text, rec.data, rec.len);
		text[rec.len] = '\0';
		assert_int_equal(sscanf(text, "%d %ld", &id, &seq), 2);
		assert_true(id >= 0 && id < PRODUCERS);
		assert_true(seq > last[id]);
		last[id] = seq;
		got++;
		agent_ring_consume(r);
	}
	for (int i = 0; i < PRODUCERS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		written += p[i].written;
	}
	assert_int_equal(got, written);
	assert_int_equal(written + r->drops, PRODUCERS * PER);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_fill_and_drop),
		cmocka_unit_test(test_uncommitted_holds_back),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_producers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
