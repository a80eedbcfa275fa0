/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86_emulate: register state in, register state and stack out.  The flag logic is checked
 * against the CPU itself: add/sub on a register computed with inline asm, and every jcc
 * (both encodings, all 16 conditions, all 32 combinations of CF PF ZF SF OF) executed in a
 * small JIT page, its outcome compared with the emulated rip.
 */
#include <sys/mman.h>

#define X86_TEST_WITH_STACK
#include "x86_test.h"

static struct user_regs_struct base_regs(void)
{
	return pattern_regs(0x1111111111111111ULL, 0x202);
}

static void test_push(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0x55), TEST_VADDR);
	struct user_regs_struct r = base_regs(), want = r;

	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	want.rsp -= 8;
	want.rip = TEST_VADDR + 1;
	assert_memory_equal(&r, &want, sizeof(r));
	assert_int_equal(fake_get(&stack, STACK_TOP - 8), want.rbp);

	i = analyze_ok(BYTES(0x41, 0x54), TEST_VADDR);
	r = base_regs();
	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	assert_int_equal(fake_get(&stack, STACK_TOP - 8), r.r12);
	assert_int_equal(r.rip, TEST_VADDR + 2);

	/* push %rsp stores the value before the decrement. */
	i = analyze_ok(BYTES(0x54), TEST_VADDR);
	r = base_regs();
	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	assert_int_equal(fake_get(&stack, STACK_TOP - 8), STACK_TOP);
	assert_int_equal(r.rsp, STACK_TOP - 8);
}

static void test_push_fault(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0x41, 0x57), TEST_VADDR);
	struct user_regs_struct r = base_regs(), want;

	r.rsp = STACK_BASE; /* the push would land below the mapped stack */
	want = r;
	assert_int_equal(x86_emulate(&i, &r, &mem), -EFAULT);
	assert_memory_equal(&r, &want, sizeof(r));
	assert_int_equal(x86_emulate(&i, &r, NULL), -EFAULT);
	assert_memory_equal(&r, &want, sizeof(r));
	assert_int_equal(stack.writes, 0);
}

static void test_mov(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0x48, 0x89, 0xe5), TEST_VADDR);
	struct user_regs_struct r = base_regs(), want = r;

	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	want.rbp = want.rsp;
	want.rip += 3;
	assert_memory_equal(&r, &want, sizeof(r));

	/* 32-bit mov zero-extends into the full register. */
	i = analyze_ok(BYTES(0x89, 0xc7), TEST_VADDR);
	r = base_regs();
	r.rax = 0xdeadbeefcafef00dULL;
	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	assert_int_equal(r.rdi, 0xcafef00dULL);
	assert_int_equal(r.rax, 0xdeadbeefcafef00dULL);

	/* mov %r8,%rax through the 8b form; mov %rbp,%rsp. */
	i = analyze_ok(BYTES(0x49, 0x8b, 0xc0), TEST_VADDR);
	r = base_regs();
	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	assert_int_equal(r.rax, r.r8);
	i = analyze_ok(BYTES(0x48, 0x89, 0xec), TEST_VADDR);
	r = base_regs();
	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	assert_int_equal(r.rsp, r.rbp);
	assert_int_equal(stack.writes, 0);
}

static uint64_t cpu_flags(uint64_t a, int64_t imm, bool sub, uint64_t *res)
{
	uint64_t f;

	if (sub)
		__asm__ volatile("sub %[b], %[a]\n\tpushfq\n\tpopq %[f]"
				 : [a] "+r"(a), [f] "=r"(f)
				 : [b] "r"(imm)
				 : "cc");
	else
		__asm__ volatile("add %[b], %[a]\n\tpushfq\n\tpopq %[f]"
				 : [a] "+r"(a), [f] "=r"(f)
				 : [b] "r"(imm)
				 : "cc");
	*res = a;
	return f & X86_EFLAGS_ARITH;
}

static void test_rsp_arith(void **state)
{
	static const uint64_t rsps[] = {
		0x7ffe0010ULL,	       0x10, 0x18, 0, 0x8000000000000000ULL, 0x7fffffffffffffffULL,
		0xffffffffffffffffULL, 0x0f, 0x80};
	const struct {
		const uint8_t *b;
		size_t n;
		int64_t imm;
		bool sub;
	} forms[] = {
		{BYTES(0x48, 0x83, 0xec, 0x18), 0x18, true},			/* sub $0x18 */
		{BYTES(0x48, 0x83, 0xc4, 0xf0), -16, false},			/* add $-16 */
		{BYTES(0x48, 0x81, 0xec, 0x00, 0x01, 0x00, 0x00), 0x100, true}, /* sub $0x100 */
		{BYTES(0x48, 0x81, 0xc4, 0x08, 0x00, 0x00, 0x80), (int32_t)0x80000008, false},
		{BYTES(0x48, 0x83, 0xc4, 0x01), 1, false}, /* add $1 */
	};

	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		struct x86_insn i = analyze_ok(forms[f].b, forms[f].n, TEST_VADDR);

		for (size_t k = 0; k < sizeof(rsps) / sizeof(rsps[0]); k++) {
			struct user_regs_struct r = base_regs();
			uint64_t want_rsp, want_flags;

			want_flags = cpu_flags(rsps[k], forms[f].imm, forms[f].sub, &want_rsp);
			r.rsp = rsps[k];
			r.eflags = 0x202 | X86_EFLAGS_ARITH; /* stale flags must be replaced */
			assert_int_equal(x86_emulate(&i, &r, &mem), 0);
			assert_int_equal(r.rsp, want_rsp);
			assert_int_equal(r.eflags & X86_EFLAGS_ARITH, want_flags);
			assert_int_equal(r.eflags & ~X86_EFLAGS_ARITH, 0x202);
			assert_int_equal(r.rip, TEST_VADDR + forms[f].n);
		}
	}
}

static void test_jmp_call(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0xeb, 0xfe), TEST_VADDR);
	struct user_regs_struct r = base_regs(), want = r;

	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	assert_memory_equal(&r, &want, sizeof(r)); /* jmp to itself */

	i = analyze_ok(BYTES(0xe9, 0x00, 0x01, 0x00, 0x00), TEST_VADDR);
	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	assert_int_equal(r.rip, TEST_VADDR + 5 + 0x100);

	i = analyze_ok(BYTES(0xe9, 0x00, 0xff, 0xff, 0xff), TEST_VADDR);
	r = base_regs();
	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	assert_int_equal(r.rip, TEST_VADDR + 5 - 0x100);

	/* The target comes from vaddr, not from whatever rip holds. */
	i = analyze_ok(BYTES(0xe8, 0x10, 0x00, 0x00, 0x00), TEST_VADDR);
	r = base_regs();
	r.rip = 0x12345;
	want = r;
	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	assert_int_equal(r.rip, TEST_VADDR + 5 + 0x10);
	assert_int_equal(r.rsp, STACK_TOP - 8);
	assert_int_equal(fake_get(&stack, STACK_TOP - 8), TEST_VADDR + 5);
	want.rip = r.rip;
	want.rsp = r.rsp;
	assert_memory_equal(&r, &want, sizeof(r));
}

static void test_call_fault(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0xe8, 0x10, 0x00, 0x00, 0x00), TEST_VADDR);
	struct user_regs_struct r = base_regs(), want;

	r.rsp = STACK_BASE + 4;
	want = r;
	assert_int_equal(x86_emulate(&i, &r, &mem), -EFAULT);
	assert_memory_equal(&r, &want, sizeof(r));
}

static void test_ret(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0xc3), TEST_VADDR);
	struct user_regs_struct r = base_regs(), want = r;

	fake_put(&stack, STACK_TOP, 0x400123);
	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	want.rip = 0x400123;
	want.rsp = STACK_TOP + 8;
	assert_memory_equal(&r, &want, sizeof(r));

	i = analyze_ok(BYTES(0xf3, 0xc3), TEST_VADDR);
	r = base_regs();
	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	assert_int_equal(r.rip, 0x400123);
	assert_int_equal(r.rsp, STACK_TOP + 8);

	i = analyze_ok(BYTES(0xc2, 0x08, 0x00), TEST_VADDR);
	r = base_regs();
	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
	assert_int_equal(r.rip, 0x400123);
	assert_int_equal(r.rsp, STACK_TOP + 16);

	r = base_regs();
	r.rsp = STACK_BASE + 256;
	want = r;
	assert_int_equal(x86_emulate(&i, &r, &mem), -EFAULT);
	assert_memory_equal(&r, &want, sizeof(r));
	assert_int_equal(stack.writes, 0);
}

static void test_nops(void **state)
{
	const struct {
		const uint8_t *b;
		size_t n;
	} nops[] = {
		{BYTES(0x90)},
		{BYTES(0x66, 0x90)},
		{BYTES(0x0f, 0x1f, 0x00)},
		{BYTES(0x0f, 0x1f, 0x40, 0x00)},
		{BYTES(0x0f, 0x1f, 0x44, 0x00, 0x00)},
		{BYTES(0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00)},
		{BYTES(0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00)},
		{BYTES(0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00)},
		{BYTES(0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00)},
		{BYTES(0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00)},
		{BYTES(0xf3, 0x0f, 0x1e, 0xfa)},
		{BYTES(0xf3, 0x0f, 0x1e, 0xfb)},
	};

	for (size_t k = 0; k < sizeof(nops) / sizeof(nops[0]); k++) {
		struct x86_insn i = analyze_ok(nops[k].b, nops[k].n, TEST_VADDR);
		struct user_regs_struct r = base_regs(), want = r;

		assert_int_equal(x86_emulate(&i, &r, NULL), 0);
		want.rip = TEST_VADDR + nops[k].n;
		assert_memory_equal(&r, &want, sizeof(r));
	}
}

static void test_tf(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0x90), TEST_VADDR);
	struct user_regs_struct r = base_regs();

	r.eflags |= X86_EFLAGS_TF;
	assert_int_equal(x86_emulate(&i, &r, &mem), X86_RES_SIGTRAP);
	assert_true(r.eflags & X86_EFLAGS_TF);
	i = analyze_ok(BYTES(0x55), TEST_VADDR);
	assert_int_equal(x86_emulate(&i, &r, &mem), X86_RES_SIGTRAP);
	r = base_regs();
	assert_int_equal(x86_emulate(&i, &r, &mem), 0);
}

static void test_not_emulated(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0x48, 0x01, 0xd8), TEST_VADDR);
	struct user_regs_struct r = base_regs(), want = r;

	assert_int_equal(x86_emulate(&i, &r, &mem), -EINVAL);
	i = analyze_ok(BYTES(0x0f, 0x05), TEST_VADDR);
	assert_int_equal(x86_emulate(&i, &r, &mem), -EINVAL);
	assert_memory_equal(&r, &want, sizeof(r));
}

/*
 * JIT: push %rdi; popf; j<cc> +6; mov $0,%eax; ret; mov $1,%eax; ret, with the jcc either
 * rel8 or rel32.  Returns what the CPU decided for the flags in rdi.
 */
typedef int (*jit_fn)(uint64_t flags);

static uint8_t *jit_page;

static int jit_setup(void **state)
{
	jit_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (jit_page == MAP_FAILED)
		return -1;
	return setup(state);
}

static int jit_teardown(void **state)
{
	munmap(jit_page, 4096);
	return 0;
}

static bool cpu_taken(uint8_t cc, bool near, uint64_t flags)
{
	uint8_t *p = jit_page;

	*p++ = 0x57;
	*p++ = 0x9d;
	if (near) {
		*p++ = 0x0f;
		*p++ = (uint8_t)(0x80 + cc);
		*p++ = 6;
		*p++ = 0;
		*p++ = 0;
		*p++ = 0;
	} else {
		*p++ = (uint8_t)(0x70 + cc);
		*p++ = 6;
	}
	memcpy(p, (const uint8_t[]){0xb8, 0, 0, 0, 0, 0xc3, 0xb8, 1, 0, 0, 0, 0xc3}, 12);
	__builtin___clear_cache((char *)jit_page, (char *)p + 12);
	return ((jit_fn)(void *)jit_page)(flags) == 1;
}

static void test_jcc_vs_cpu(void **state)
{
	static const uint64_t bits[] = {0x001, 0x004, 0x040, 0x080, 0x800}; /* CF PF ZF SF OF */

	for (unsigned int cc = 0; cc < 16; cc++) {
		for (unsigned int near = 0; near < 2; near++) {
			struct x86_insn i;

			if (near)
				i = analyze_ok(BYTES(0x0f, (uint8_t)(0x80 + cc), 0x34, 0x12, 0, 0),
					       TEST_VADDR);
			else
				i = analyze_ok(BYTES((uint8_t)(0x70 + cc), 0x80), TEST_VADDR);
			for (unsigned int m = 0; m < 32; m++) {
				struct user_regs_struct r = base_regs();
				uint64_t flags = 0x202;
				bool taken;

				for (unsigned int b = 0; b < 5; b++)
					if (m & (1u << b))
						flags |= bits[b];
				taken = cpu_taken((uint8_t)cc, near, flags);
				assert_int_equal(x86_cond((uint8_t)cc, flags), taken);
				r.eflags = flags;
				assert_int_equal(x86_emulate(&i, &r, &mem), 0);
				assert_int_equal(r.rip, TEST_VADDR + i.len +
								(taken ? (uint64_t)i.emu.imm : 0));
				assert_int_equal(r.eflags, flags);
			}
		}
	}
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_push, setup),
		cmocka_unit_test_setup(test_push_fault, setup),
		cmocka_unit_test_setup(test_mov, setup),
		cmocka_unit_test_setup(test_rsp_arith, setup),
		cmocka_unit_test_setup(test_jmp_call, setup),
		cmocka_unit_test_setup(test_call_fault, setup),
		cmocka_unit_test_setup(test_ret, setup),
		cmocka_unit_test_setup(test_nops, setup),
		cmocka_unit_test_setup(test_tf, setup),
		cmocka_unit_test_setup(test_not_emulated, setup),
		cmocka_unit_test_setup_teardown(test_jcc_vs_cpu, jit_setup, jit_teardown),
	};

	return cmocka_run_group_tests_name("x86_emulate", tests, NULL, NULL);
}
