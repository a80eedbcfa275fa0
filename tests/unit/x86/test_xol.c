/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XOL slots and step fix-ups.  Slot bytes are checked byte for byte; the single-step itself
 * is played by hand (the CPU effect of the copy at the slot address), then post_step must
 * land the registers and stack where the original instruction would have.
 */
#define X86_TEST_WITH_STACK
#include "x86_test.h"

#define SLOT 0x7fff00001000ULL
static struct user_regs_struct base_regs(void)
{
	return pattern_regs(0x0101010101010101ULL, 0x246);
}

static void test_step_slot(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0xff, 0x15, 0x00, 0x01, 0x00, 0x00), TEST_VADDR);
	uint8_t slot[X86_SLOT_SIZE];
	size_t len = 0;

	memset(slot, 0, sizeof(slot));
	assert_int_equal(x86_xol_prepare(&i, SLOT, slot, sizeof(slot), &len), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(slot, ((const uint8_t[]){0xff, 0x96, 0, 1, 0, 0, 0xcc}), 7);
	assert_int_equal(slot[7], 0);
	assert_int_equal(x86_xol_prepare(&i, SLOT, slot, 6, &len), -ENOSPC);
	assert_int_equal(len, 7);
	i = analyze_ok(BYTES(0x0f, 0x05), TEST_VADDR);
	assert_int_equal(x86_xol_prepare(&i, SLOT, slot, sizeof(slot), &len), -EINVAL);
}

/* call *0x100(%rip): the scratch register carries vaddr + len; the return address is fixed. */
static void test_step_indirect_call(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0xff, 0x15, 0x00, 0x01, 0x00, 0x00), TEST_VADDR);
	struct user_regs_struct r = base_regs(), orig = r;
	struct x86_step st;

	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), 0);
	assert_int_equal(r.rip, SLOT);
	assert_int_equal(r.rsi, TEST_VADDR + 6);
	assert_int_equal(st.saved_scratch, orig.rsi);
	assert_false(st.saved_tf);

	/* The CPU: push slot + 6, jump to the pointer read at rsi + 0x100. */
	r.rsp -= 8;
	fake_put(&stack, r.rsp, SLOT + 6);
	r.rip = 0x405060;

	assert_int_equal(x86_xol_post_step(&i, &r, SLOT, &st, &mem), 0);
	assert_int_equal(r.rip, 0x405060);
	assert_int_equal(r.rsi, orig.rsi);
	assert_int_equal(r.rsp, STACK_TOP - 8);
	assert_int_equal(fake_get(&stack, r.rsp), TEST_VADDR + 6);
}

static void test_step_call_fault(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0xff, 0x15, 0x00, 0x01, 0x00, 0x00), TEST_VADDR);
	struct user_regs_struct r = base_regs(), orig = r;
	struct x86_step st;

	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), 0);
	r.rsp = STACK_BASE - 8; /* the fix-up write cannot be done */
	r.rip = 0x405060;
	assert_int_equal(x86_xol_post_step(&i, &r, SLOT, &st, &mem), -EFAULT);
	assert_int_equal(r.rip, TEST_VADDR);
	assert_int_equal(r.rsi, orig.rsi);
}

static void test_step_jmp_reg(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0xff, 0xe0), TEST_VADDR);
	struct user_regs_struct r = base_regs(), want;
	struct x86_step st;

	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), 0);
	assert_int_equal(r.rip, SLOT);
	r.rip = r.rax;
	want = r;
	assert_int_equal(x86_xol_post_step(&i, &r, SLOT, &st, &mem), 0);
	assert_memory_equal(&r, &want, sizeof(r));
	assert_int_equal(stack.writes, 0);
}

static void test_step_loop(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0xe2, 0xf0), TEST_VADDR);
	struct user_regs_struct r = base_regs();
	struct x86_step st;

	/* Taken: slot + 2 - 16 becomes vaddr + 2 - 16. */
	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), 0);
	r.rcx--;
	r.rip = SLOT + 2 - 16;
	assert_int_equal(x86_xol_post_step(&i, &r, SLOT, &st, &mem), 0);
	assert_int_equal(r.rip, TEST_VADDR + 2 - 16);
	/* Not taken. */
	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), 0);
	r.rip = SLOT + 2;
	assert_int_equal(x86_xol_post_step(&i, &r, SLOT, &st, &mem), 0);
	assert_int_equal(r.rip, TEST_VADDR + 2);
}

static void test_step_riprel_load(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0x48, 0x8b, 0x35, 0x00, 0x01, 0x00, 0x00), TEST_VADDR);
	struct user_regs_struct r = base_regs(), orig = r;
	struct x86_step st;

	/* mov 0x100(%rip),%rsi: scratch is %rdi; the load's own result in %rsi must survive. */
	assert_int_equal(x86_insn_force_step(&i), 0);
	assert_int_equal(i.scratch, X86_SCRATCH_RDI);
	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), 0);
	assert_int_equal(r.rdi, TEST_VADDR + 7);
	r.rsi = 0xabcdef;
	r.rip = SLOT + 7;
	assert_int_equal(x86_xol_post_step(&i, &r, SLOT, &st, &mem), 0);
	assert_int_equal(r.rip, TEST_VADDR + 7);
	assert_int_equal(r.rdi, orig.rdi);
	assert_int_equal(r.rsi, 0xabcdef);
}

static void test_step_popf_tf(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0x9d), TEST_VADDR);
	struct user_regs_struct r = base_regs();
	struct x86_step st;

	/* popf loading TF: it stays, no SIGTRAP owed (the app had none before). */
	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), 0);
	r.eflags = 0x202 | X86_EFLAGS_TF;
	r.rsp += 8;
	r.rip = SLOT + 1;
	assert_int_equal(x86_xol_post_step(&i, &r, SLOT, &st, &mem), 0);
	assert_true(r.eflags & X86_EFLAGS_TF);
	assert_int_equal(r.rip, TEST_VADDR + 1);

	/* Another instruction: a TF left over from the step is cleared. */
	i = analyze_ok(BYTES(0x48, 0x01, 0xd8), TEST_VADDR);
	r = base_regs();
	assert_int_equal(x86_insn_force_step(&i), 0);
	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), 0);
	r.eflags |= X86_EFLAGS_TF;
	r.rip = SLOT + 3;
	assert_int_equal(x86_xol_post_step(&i, &r, SLOT, &st, &mem), 0);
	assert_false(r.eflags & X86_EFLAGS_TF);

	/* The app stepping itself: TF kept and a SIGTRAP owed. */
	r = base_regs();
	r.eflags |= X86_EFLAGS_TF;
	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), 0);
	assert_true(st.saved_tf);
	r.rip = SLOT + 3;
	assert_int_equal(x86_xol_post_step(&i, &r, SLOT, &st, &mem), X86_RES_SIGTRAP);
	assert_true(r.eflags & X86_EFLAGS_TF);
}

static void test_step_pushf(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0x9c), TEST_VADDR);
	struct user_regs_struct r = base_regs();
	struct x86_step st;

	/* Forced to step, pushf pushes our TF; post_step takes it out of the image. */
	assert_int_equal(x86_insn_force_step(&i), 0);
	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), 0);
	r.rsp -= 8;
	fake_put(&stack, r.rsp, 0x346);
	r.rip = SLOT + 1;
	assert_int_equal(x86_xol_post_step(&i, &r, SLOT, &st, &mem), 0);
	assert_int_equal(fake_get(&stack, r.rsp), 0x246);
	assert_int_equal(r.rip, TEST_VADDR + 1);

	/* Unless the TF was the application's own. */
	r = base_regs();
	r.eflags |= X86_EFLAGS_TF;
	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), 0);
	r.rsp -= 8;
	fake_put(&stack, r.rsp, 0x346);
	r.rip = SLOT + 1;
	assert_int_equal(x86_xol_post_step(&i, &r, SLOT, &st, &mem), X86_RES_SIGTRAP);
	assert_int_equal(fake_get(&stack, r.rsp), 0x346);
}

/* x86_emulate failed to push for call rel32: the mangled copy is stepped and undone. */
static void test_step_call_fallback(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0xe8, 0x10, 0x00, 0x00, 0x00), TEST_VADDR);
	struct user_regs_struct r = base_regs(), orig = r;
	uint8_t slot[X86_SLOT_SIZE];
	struct x86_step st;
	size_t len;

	assert_int_equal(x86_xol_prepare(&i, SLOT, slot, sizeof(slot), &len), 0);
	assert_memory_equal(slot, ((const uint8_t[]){0xe8, 0, 0, 0, 0, 0xcc}), 6);
	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), 0);
	r.rsp -= 8;
	r.rip = SLOT + 5;
	assert_int_equal(x86_xol_post_step(&i, &r, SLOT, &st, &mem), X86_RES_RESTART);
	assert_int_equal(r.rip, TEST_VADDR);
	assert_int_equal(r.rsp, orig.rsp);
}

static void test_abort(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0x48, 0x8b, 0x15, 0x00, 0x01, 0x00, 0x00), TEST_VADDR);
	struct user_regs_struct r = base_regs(), orig = r;
	struct x86_step st;

	assert_int_equal(x86_insn_force_step(&i), 0);
	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), 0);
	r.eflags |= X86_EFLAGS_TF;
	x86_xol_abort(&i, &r, &st);
	assert_memory_equal(&r, &orig, sizeof(r));
	i = analyze_ok(BYTES(0x48, 0x8b, 0x15, 0x00, 0x01, 0x00, 0x00), TEST_VADDR);
	assert_int_equal(x86_xol_pre_step(&i, &r, SLOT, &st), -EINVAL); /* boosted */
}

static void test_boost_slot_plain(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0x48, 0x01, 0xd8), TEST_VADDR);
	uint8_t slot[X86_SLOT_SIZE];
	size_t len;

	assert_int_equal(x86_xol_prepare(&i, SLOT, slot, sizeof(slot), &len), 0);
	assert_int_equal(len, 3 + 6 + 8);
	assert_memory_equal(slot,
			    ((const uint8_t[]){0x48, 0x01, 0xd8, 0xff, 0x25, 0, 0, 0, 0, 0x03, 0x10,
					       0x40, 0, 0, 0, 0, 0}),
			    len);
	assert_int_equal(x86_xol_cell_addr(&i, SLOT), 0);
	assert_int_equal(x86_xol_prepare(&i, SLOT, slot, 16, &len), -ENOSPC);
}

static void test_boost_slot_riprel(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0x48, 0x8b, 0x15, 0x00, 0x01, 0x00, 0x00), TEST_VADDR);
	uint8_t slot[X86_SLOT_SIZE];
	size_t len;
	/* 0: mov %rsi,cell(%rip) 7: movabs 17: copy 24: mov cell(%rip),%rsi 31: jmp 37: target */
	static const uint8_t want[] = {
		0x48, 0x89, 0x35, 0x29, 0x00, 0x00, 0x00,		    /* cell 48 - 7 */
		0x48, 0xbe, 0x07, 0x10, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, /* vaddr + 7 */
		0x48, 0x8b, 0x96, 0x00, 0x01, 0x00, 0x00,		    /* 0x100(%rsi) */
		0x48, 0x8b, 0x35, 0x11, 0x00, 0x00, 0x00,		    /* cell 48 - 31 */
		0xff, 0x25, 0x00, 0x00, 0x00, 0x00,			    /* jmp *0(%rip) */
		0x07, 0x10, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,		    /* vaddr + 7 */
		0xcc, 0xcc, 0xcc,					    /* to 8-align */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,		    /* cell */
	};

	assert_int_equal(x86_xol_prepare(&i, SLOT, slot, sizeof(slot), &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(slot, want, sizeof(want));
	assert_int_equal(x86_xol_cell_addr(&i, SLOT), SLOT + 48);

	/* The cell stays 8-aligned whatever the slot address. */
	for (uint64_t a = SLOT; a < SLOT + 8; a++) {
		uint64_t cell;

		assert_int_equal(x86_xol_prepare(&i, a, slot, sizeof(slot), &len), 0);
		cell = x86_xol_cell_addr(&i, a);
		assert_int_equal(cell % 8, 0);
		assert_int_equal(cell + 8, a + len);
		assert_int_equal((int32_t)(slot[3] | slot[4] << 8), (int64_t)(cell - (a + 7)));
	}
}

static void test_boost_fixup(void **state)
{
	struct x86_insn i = analyze_ok(BYTES(0x48, 0x8b, 0x15, 0x00, 0x01, 0x00, 0x00), TEST_VADDR);
	static const struct {
		uint64_t off;
		int res;
		bool from_cell;
	} at[] = {
		{0, 0, false},	/* before the save */
		{7, 0, false},	/* saved, not yet loaded */
		{17, 0, true},	/* the copy faulted: rsi holds the target */
		{24, 1, true},	/* copy done, rsi not yet reloaded */
		{31, 1, false}, /* at the jump back */
	};
	struct user_regs_struct r;

	for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		r = base_regs();
		r.rip = SLOT + at[k].off;
		r.rsi = 0x5555;
		assert_int_equal(x86_xol_boost_fixup(&i, &r, SLOT, 0x7777), at[k].res);
		assert_int_equal(r.rip, TEST_VADDR + (at[k].res ? 7 : 0));
		assert_int_equal(r.rsi, at[k].from_cell ? 0x7777 : 0x5555);
	}
	for (uint64_t off = 1; off < 64; off++) {
		if (off == 7 || off == 17 || off == 24 || off == 31)
			continue;
		r = base_regs();
		r.rip = SLOT + off;
		assert_int_equal(x86_xol_boost_fixup(&i, &r, SLOT, 0), -EINVAL);
		assert_int_equal(r.rip, SLOT + off);
	}
	r.rip = SLOT - 1;
	assert_int_equal(x86_xol_boost_fixup(&i, &r, SLOT, 0), -EINVAL);

	/* Without a scratch register: only the copy and the jump. */
	i = analyze_ok(BYTES(0x48, 0x01, 0xd8), TEST_VADDR);
	r = base_regs();
	r.rip = SLOT;
	assert_int_equal(x86_xol_boost_fixup(&i, &r, SLOT, 0), 0);
	assert_int_equal(r.rip, TEST_VADDR);
	r.rip = SLOT + 3;
	assert_int_equal(x86_xol_boost_fixup(&i, &r, SLOT, 0), 1);
	assert_int_equal(r.rip, TEST_VADDR + 3);
	r.rip = SLOT + 1;
	assert_int_equal(x86_xol_boost_fixup(&i, &r, SLOT, 0), -EINVAL);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_step_slot, setup),
		cmocka_unit_test_setup(test_step_indirect_call, setup),
		cmocka_unit_test_setup(test_step_call_fault, setup),
		cmocka_unit_test_setup(test_step_jmp_reg, setup),
		cmocka_unit_test_setup(test_step_loop, setup),
		cmocka_unit_test_setup(test_step_riprel_load, setup),
		cmocka_unit_test_setup(test_step_popf_tf, setup),
		cmocka_unit_test_setup(test_step_pushf, setup),
		cmocka_unit_test_setup(test_step_call_fallback, setup),
		cmocka_unit_test_setup(test_abort, setup),
		cmocka_unit_test_setup(test_boost_slot_plain, setup),
		cmocka_unit_test_setup(test_boost_slot_riprel, setup),
		cmocka_unit_test_setup(test_boost_fixup, setup),
	};

	return cmocka_run_group_tests_name("x86_xol", tests, NULL, NULL);
}
