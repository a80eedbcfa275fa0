/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the x86 unit tests: byte literals and a fake stack for x86_mem. */
#ifndef TESTS_UNIT_X86_TEST_H
#define TESTS_UNIT_X86_TEST_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "arch/x86_64/x86.h"

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

#define TEST_VADDR 0x401000ULL

/* 256 bytes of "stack" at [base, base + 256); accesses outside fail with -EFAULT. */
struct fake_stack {
	uint64_t base;
	uint8_t mem[256];
	int writes;
};

static inline int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake_stack *s = ctx;

	if (addr < s->base || addr + len > s->base + sizeof(s->mem))
		return -EFAULT;
	memcpy(buf, s->mem + (addr - s->base), len);
	return 0;
}

static inline int fake_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	struct fake_stack *s = ctx;

	if (addr < s->base || addr + len > s->base + sizeof(s->mem))
		return -EFAULT;
	memcpy(s->mem + (addr - s->base), buf, len);
	s->writes++;
	return 0;
}

static inline uint64_t fake_get(struct fake_stack *s, uint64_t addr)
{
	uint64_t v = 0;

	assert_int_equal(fake_read(s, addr, &v, sizeof(v)), 0);
	return v;
}

static inline void fake_put(struct fake_stack *s, uint64_t addr, uint64_t v)
{
	assert_int_equal(fake_write(s, addr, &v, sizeof(v)), 0);
	s->writes--;
}

static inline struct x86_insn analyze_ok(const uint8_t *b, size_t n, uint64_t vaddr)
{
	struct x86_insn insn;

	assert_int_equal(x86_analyze(b, n, vaddr, &insn), 0);
	return insn;
}

#ifdef X86_TEST_WITH_STACK
/* The stack the emulation and step tests run on, and registers with a recognisable pattern. */
#define STACK_BASE 0x7ffe0000ULL
#define STACK_TOP  (STACK_BASE + 128)

static struct fake_stack stack;
static const struct x86_mem mem = {fake_read, fake_write, &stack};

static inline int setup(void **state)
{
	(void)state;
	memset(&stack, 0, sizeof(stack));
	stack.base = STACK_BASE;
	return 0;
}

static inline struct user_regs_struct pattern_regs(unsigned long long pattern, unsigned long eflags)
{
	struct user_regs_struct r;

	memset(&r, 0, sizeof(r));
	for (unsigned int i = 0; i < 16; i++)
		*x86_reg(&r, i) = pattern * (i + 1);
	r.rsp = STACK_TOP;
	r.rip = TEST_VADDR;
	r.eflags = eflags;
	return r;
}
#endif

#endif
