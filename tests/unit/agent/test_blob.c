/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The embedded agent blob: a header that describes it, and code that runs wherever it is
 * mapped.  The blob is loaded into this process twice, at two addresses the kernel picks, each
 * copy with its own cookie: each copy's agent_ping must answer with its own cookie, which it
 * can only do if every access to its data is relative to where it runs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/agent_abi.h"
#include "agent/blob.h"

typedef uint64_t (*init_fn)(struct agent_boot *boot);
typedef uint64_t (*ping_fn)(uint64_t x);

static struct agent_header header(void)
{
	struct agent_header h;

	memcpy(&h, agent_blob, sizeof(h));
	return h;
}

static void test_header(void **state)
{
	struct agent_header h = header();
	static const unsigned char stub[] = {0xff, 0xd0, 0xcc};
	unsigned i;

	assert_int_equal(h.magic, AGENT_MAGIC);
	assert_int_equal(h.version, AGENT_ABI_VERSION);
	assert_int_equal(h.header_size, sizeof(struct agent_header));
	assert_int_equal(h.image_size, agent_blob_size);
	assert_int_equal(h.text_size % AGENT_PAGE, 0);
	assert_true(h.text_size >= AGENT_PAGE && h.text_size <= h.image_size);
	assert_true(h.boot >= h.text_size);
	assert_true(h.boot + sizeof(struct agent_boot) <= h.image_size + h.bss_size);
	assert_int_equal(h.nentries, AGENT_NENTRIES);
	for (i = 0; i < AGENT_ENTRY_MAX; i++) {
		if (i < h.nentries)
			assert_true(h.entry[i] >= sizeof(h) && h.entry[i] < h.text_size);
		else
			assert_int_equal(h.entry[i], 0);
	}
	assert_memory_equal(agent_blob + h.call_stub, stub, sizeof(stub));
	assert_string_equal(h.name, AGENT_NAME);
}

/* A copy of the blob mapped as the loader maps it: text r-x, data and bss rw-. */
static unsigned char *load_here(void)
{
	struct agent_header h = header();
	size_t size = (h.image_size + h.bss_size + AGENT_PAGE - 1) & ~(size_t)(AGENT_PAGE - 1);
	unsigned char *base =
		mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(base != MAP_FAILED);
	memcpy(base, agent_blob, agent_blob_size);
	assert_int_equal(mprotect(base, h.text_size, PROT_READ | PROT_EXEC), 0);
	return base;
}

static uint64_t init_here(unsigned char *base, uint64_t cookie, uint32_t version)
{
	struct agent_header h = header();
	struct agent_boot *boot = (struct agent_boot *)(base + h.boot);
	init_fn init = (init_fn)(uintptr_t)(base + h.entry[AGENT_ENTRY_INIT]);

	memset(boot, 0, sizeof(*boot));
	boot->size = sizeof(*boot);
	boot->version = version;
	boot->cookie = cookie;
	boot->tracer_pid = getpid();
	return init(boot);
}

static uint64_t ping_here(unsigned char *base, uint64_t x)
{
	ping_fn ping = (ping_fn)(uintptr_t)(base + header().entry[AGENT_ENTRY_PING]);

	return ping(x);
}

static void test_runs_anywhere(void **state)
{
	static const uint64_t xs[] = {0, 1, 2, 3, 42, 0xdeadbeef, UINT64_MAX};
	uint64_t cookie[2] = {0x1234567890abcdefull, 0xfedcba0987654321ull};
	unsigned char *copy[2];
	struct agent_boot *boot;
	unsigned i, c;

	for (c = 0; c < 2; c++) {
		copy[c] = load_here();
		assert_int_equal(init_here(copy[c], cookie[c], AGENT_ABI_VERSION), AGENT_STATUS(0));
		boot = (struct agent_boot *)(copy[c] + header().boot);
		assert_int_equal(boot->ret_pid, getpid());
	}
	assert_ptr_not_equal(copy[0], copy[1]);
	for (c = 0; c < 2; c++)
		for (i = 0; i < sizeof(xs) / sizeof(xs[0]); i++)
			assert_int_equal(ping_here(copy[c], xs[i]),
					 agent_ping_value(xs[i], cookie[c]));
	assert_int_not_equal(ping_here(copy[0], 42), ping_here(copy[1], 42));
	assert_int_equal(init_here(copy[0], 1, AGENT_ABI_VERSION), AGENT_STATUS(-EALREADY));
	assert_int_equal(ping_here(copy[0], 42), agent_ping_value(42, cookie[0]));
}

static void test_refuses_other_versions(void **state)
{
	unsigned char *base = load_here();
	uint64_t word = init_here(base, 7, AGENT_ABI_VERSION + 1);

	assert_int_equal(AGENT_STATUS_VERSION(word), AGENT_ABI_VERSION);
	assert_int_equal(AGENT_STATUS_ERROR(word), -EPROTO);
	assert_int_equal(init_here(base, 7, AGENT_ABI_VERSION), AGENT_STATUS(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_runs_anywhere),
		cmocka_unit_test(test_refuses_other_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
