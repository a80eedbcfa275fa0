/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86_relocate and x86_patch_jump, bytes in, bytes out: every kind of relocation (verbatim
 * copy, rip-relative operand re-aimed, jcc/jmp/loop widened or made absolute, call turned
 * into push + jmp), near the site (NEAR, 64 KiB away) and beyond rel32 reach (FAR, 4 GiB
 * away), each compared byte for byte with the expected encoding, with the offsets of each
 * copied instruction and of the jump back.
 */
#include "arch/x86_64/patch.h"
#include "x86_test.h"

#define NEAR (TEST_VADDR + 0x10000)
#define FAR  (TEST_VADDR + 0x100000000ULL)

/* A growing expected byte string; w_rel32 assumes the rel32 ends its instruction. */
struct want {
	uint8_t b[X86_RELOC_MAX];
	size_t n;
};

static void w_bytes(struct want *w, const uint8_t *b, size_t n)
{
	memcpy(w->b + w->n, b, n);
	w->n += n;
}

#define W(w, ...) w_bytes(w, BYTES(__VA_ARGS__))

static void w_u32(struct want *w, uint32_t v)
{
	memcpy(w->b + w->n, &v, 4);
	w->n += 4;
}

/* rel32 to target, counted from the end of the 4 bytes about to be appended at base. */
static void w_rel32(struct want *w, uint64_t base, uint64_t target)
{
	w_u32(w, (uint32_t)(target - (base + w->n + 4)));
}

static void w_jmp(struct want *w, uint64_t base, uint64_t target)
{
	W(w, 0xe9);
	w_rel32(w, base, target);
}

static void w_absjmp(struct want *w, uint64_t target)
{
	W(w, 0xff, 0x25, 0, 0, 0, 0);
	memcpy(w->b + w->n, &target, 8);
	w->n += 8;
}

static struct x86_patch patch_at(const uint8_t *b, size_t n, uint64_t vaddr)
{
	struct x86_func fn = {.code = b, .size = n, .vaddr = vaddr};
	struct x86_patch p;

	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	if (p.verdict != X86_PATCH_OK)
		fail_msg("%s", p.reason);
	return p;
}

static struct x86_reloc reloc_ok(const struct x86_patch *p, uint64_t to)
{
	struct x86_reloc r;

	assert_int_equal(x86_relocate(p, to, &r), 0);
	return r;
}

static void check(const struct x86_reloc *r, const struct want *w)
{
	assert_int_equal(r->len, w->n);
	assert_memory_equal(r->code, w->b, w->n);
}

static void test_verbatim(void **state)
{
	struct x86_patch p = patch_at(
		BYTES(0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10, 0xc9, 0xc3), TEST_VADDR);
	struct x86_reloc r = reloc_ok(&p, NEAR);
	struct want w = {0};

	W(&w, 0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10);
	w_jmp(&w, NEAR, TEST_VADDR + 8);
	check(&r, &w);
	assert_memory_equal(r.insn_off, ((const uint8_t[]){0, 1, 4, 8}), 4);

	/* Beyond rel32: the jump back becomes absolute. */
	r = reloc_ok(&p, FAR);
	w.n = 8;
	w_absjmp(&w, TEST_VADDR + 8);
	check(&r, &w);
	assert_int_equal(r.insn_off[3], 8);

	/* endbr64 and a nop5 are copied like anything else. */
	p = patch_at(BYTES(0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0xc3), TEST_VADDR);
	r = reloc_ok(&p, NEAR);
	w.n = 0;
	W(&w, 0xf3, 0x0f, 0x1e, 0xfa, 0x55);
	w_jmp(&w, NEAR, TEST_VADDR + 5);
	check(&r, &w);
	p = patch_at(BYTES(0x0f, 0x1f, 0x44, 0x00, 0x00, 0xc3), TEST_VADDR);
	r = reloc_ok(&p, NEAR);
	w.n = 0;
	W(&w, 0x0f, 0x1f, 0x44, 0x00, 0x00);
	w_jmp(&w, NEAR, TEST_VADDR + 5);
	check(&r, &w);
}

static void test_riprel(void **state)
{
	uint64_t data = TEST_VADDR + 7 + 0x100;
	struct x86_patch p =
		patch_at(BYTES(0x48, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00, 0xc3), TEST_VADDR);
	struct x86_reloc r = reloc_ok(&p, NEAR);
	struct want w = {0};

	W(&w, 0x48, 0x8b, 0x05);
	w_rel32(&w, NEAR, data);
	w_jmp(&w, NEAR, TEST_VADDR + 7);
	check(&r, &w);
	assert_int_equal(x86_relocate(&p, FAR, &r), -ERANGE);
	/* At the edge of reach: 2 GiB - 1 from the end of the copy is fine, 2 GiB is not. */
	r = reloc_ok(&p, data - 0x7fffffffULL - 7);
	assert_int_equal(x86_relocate(&p, data + 0x80000000ULL, &r), -ERANGE);

	/* An immediate after the displacement stays after it. */
	data = TEST_VADDR + 7 + 0x100;
	p = patch_at(BYTES(0x83, 0x3d, 0x00, 0x01, 0x00, 0x00, 0x2a, 0xc3), TEST_VADDR);
	r = reloc_ok(&p, NEAR);
	w.n = 0;
	W(&w, 0x83, 0x3d);
	w_u32(&w, (uint32_t)(data - (NEAR + 7)));
	W(&w, 0x2a);
	w_jmp(&w, NEAR, TEST_VADDR + 7);
	check(&r, &w);

	/* lea, and a store after a copied instruction. */
	p = patch_at(BYTES(0x55, 0x89, 0x3d, 0x00, 0x01, 0x00, 0x00, 0xc3), TEST_VADDR);
	r = reloc_ok(&p, NEAR);
	w.n = 0;
	W(&w, 0x55, 0x89, 0x3d);
	w_rel32(&w, NEAR, TEST_VADDR + 7 + 0x100);
	w_jmp(&w, NEAR, TEST_VADDR + 7);
	check(&r, &w);
	assert_memory_equal(r.insn_off, ((const uint8_t[]){0, 1, 7}), 3);
}

static void test_riprel_vex_evex(void **state)
{
	uint64_t data = TEST_VADDR + 8 + 0x100;
	struct x86_patch p =
		patch_at(BYTES(0xc5, 0xfa, 0x6f, 0x05, 0x00, 0x01, 0x00, 0x00, 0xc3), TEST_VADDR);
	struct x86_reloc r = reloc_ok(&p, NEAR);
	struct want w = {0};

	W(&w, 0xc5, 0xfa, 0x6f, 0x05);
	w_rel32(&w, NEAR, data);
	w_jmp(&w, NEAR, TEST_VADDR + 8);
	check(&r, &w);

	/* vaddps 0x100(%rip),%zmm1,%zmm0 keeps its EVEX prefix and its disp32. */
	data = TEST_VADDR + 10 + 0x100;
	p = patch_at(BYTES(0x62, 0xf1, 0x74, 0x48, 0x58, 0x05, 0x00, 0x01, 0x00, 0x00, 0xc3),
		     TEST_VADDR);
	r = reloc_ok(&p, NEAR);
	w.n = 0;
	W(&w, 0x62, 0xf1, 0x74, 0x48, 0x58, 0x05);
	w_rel32(&w, NEAR, data);
	w_jmp(&w, NEAR, TEST_VADDR + 10);
	check(&r, &w);
}

/* cmp %rsi,%rdi; jb +6 ... */
static const uint8_t jcc_code[] = {0x48, 0x39, 0xf7, 0x72, 0x06, 0xb8, 0x01, 0x00, 0x00,
				   0x00, 0xc3, 0xb8, 0x02, 0x00, 0x00, 0x00, 0xc3};

static void test_jcc(void **state)
{
	struct x86_patch p = patch_at(jcc_code, sizeof(jcc_code), TEST_VADDR);
	struct x86_reloc r = reloc_ok(&p, NEAR);
	struct want w = {0};

	W(&w, 0x48, 0x39, 0xf7, 0x0f, 0x82);
	w_rel32(&w, NEAR, TEST_VADDR + 11);
	w_jmp(&w, NEAR, TEST_VADDR + 5);
	check(&r, &w);
	assert_memory_equal(r.insn_off, ((const uint8_t[]){0, 3, 9}), 3);

	/* Far: jae over an absolute jmp to the target. */
	r = reloc_ok(&p, FAR);
	w.n = 0;
	W(&w, 0x48, 0x39, 0xf7, 0x73, 14);
	w_absjmp(&w, TEST_VADDR + 11);
	w_absjmp(&w, TEST_VADDR + 5);
	check(&r, &w);

	/* jcc rel32 and the branch-hint prefix. */
	p = patch_at(BYTES(0x0f, 0x85, 0x00, 0x01, 0x00, 0x00, 0xc3), TEST_VADDR);
	r = reloc_ok(&p, NEAR);
	w.n = 0;
	W(&w, 0x0f, 0x85);
	w_rel32(&w, NEAR, TEST_VADDR + 6 + 0x100);
	w_jmp(&w, NEAR, TEST_VADDR + 6);
	check(&r, &w);
	p = patch_at(BYTES(0x90, 0x90, 0x2e, 0x74, 0x10, 0xc3), TEST_VADDR);
	r = reloc_ok(&p, NEAR);
	w.n = 0;
	W(&w, 0x90, 0x90, 0x2e, 0x0f, 0x84);
	w_rel32(&w, NEAR, TEST_VADDR + 5 + 0x10);
	w_jmp(&w, NEAR, TEST_VADDR + 5);
	check(&r, &w);
}

static void test_jmp(void **state)
{
	/* mov %edi,%eax; jmp +3; nop; ... */
	struct x86_patch p = patch_at(
		BYTES(0x89, 0xf8, 0xeb, 0x03, 0x90, 0x90, 0x90, 0x01, 0xf0, 0xc3), TEST_VADDR);
	struct x86_reloc r = reloc_ok(&p, NEAR);
	struct want w = {0};

	W(&w, 0x89, 0xf8);
	w_jmp(&w, NEAR, TEST_VADDR + 7);
	W(&w, 0x90);
	w_jmp(&w, NEAR, TEST_VADDR + 5);
	check(&r, &w);

	r = reloc_ok(&p, FAR);
	w.n = 0;
	W(&w, 0x89, 0xf8);
	w_absjmp(&w, TEST_VADDR + 7);
	W(&w, 0x90);
	w_absjmp(&w, TEST_VADDR + 5);
	check(&r, &w);
	assert_memory_equal(r.insn_off, ((const uint8_t[]){0, 2, 16, 17}), 4);
}

static void test_loop(void **state)
{
	/* mov %rdi,%rcx; loop +3; ... */
	struct x86_patch p = patch_at(BYTES(0x48, 0x89, 0xf9, 0xe2, 0x03, 0x31, 0xc0, 0xc3, 0xb8,
					    0x07, 0x00, 0x00, 0x00, 0xc3),
				      TEST_VADDR);
	struct x86_reloc r = reloc_ok(&p, NEAR);
	struct want w = {0};

	W(&w, 0x48, 0x89, 0xf9, 0xe2, 0x02, 0xeb, 0x05);
	w_jmp(&w, NEAR, TEST_VADDR + 8);
	w_jmp(&w, NEAR, TEST_VADDR + 5);
	check(&r, &w);

	r = reloc_ok(&p, FAR);
	w.n = 0;
	W(&w, 0x48, 0x89, 0xf9, 0xe2, 0x02, 0xeb, 14);
	w_absjmp(&w, TEST_VADDR + 8);
	w_absjmp(&w, TEST_VADDR + 5);
	check(&r, &w);

	/* jecxz keeps its address-size prefix. */
	p = patch_at(BYTES(0x90, 0x90, 0x67, 0xe3, 0x10, 0xc3), TEST_VADDR);
	r = reloc_ok(&p, NEAR);
	w.n = 0;
	W(&w, 0x90, 0x90, 0x67, 0xe3, 0x02, 0xeb, 0x05);
	w_jmp(&w, NEAR, TEST_VADDR + 5 + 0x10);
	w_jmp(&w, NEAR, TEST_VADDR + 5);
	check(&r, &w);
}

/* sub $8,%rsp; call +0x100: push of the original return address, jmp to the target. */
static void test_call(void **state)
{
	static const uint8_t code[] = {0x48, 0x83, 0xec, 0x08, 0xe8, 0x00, 0x01,
				       0x00, 0x00, 0x48, 0x83, 0xc4, 0x08, 0xc3};
	struct x86_patch p = patch_at(code, sizeof(code), TEST_VADDR);
	struct x86_reloc r = reloc_ok(&p, NEAR);
	uint64_t high = 0x555500001000ULL, b31 = 0x7ffffff7ULL;
	struct want w = {0};

	W(&w, 0x48, 0x83, 0xec, 0x08, 0x68);
	w_u32(&w, TEST_VADDR + 9);
	w_jmp(&w, NEAR, TEST_VADDR + 9 + 0x100);
	w_jmp(&w, NEAR, TEST_VADDR + 9);
	check(&r, &w);

	r = reloc_ok(&p, FAR);
	w.n = 0;
	W(&w, 0x48, 0x83, 0xec, 0x08, 0x68);
	w_u32(&w, TEST_VADDR + 9);
	w_absjmp(&w, TEST_VADDR + 9 + 0x100);
	w_absjmp(&w, TEST_VADDR + 9);
	check(&r, &w);

	/* A return address that does not sign-extend from 32 bits: the high half follows. */
	p = patch_at(code, sizeof(code), high);
	r = reloc_ok(&p, high + 0x10000);
	w.n = 0;
	W(&w, 0x48, 0x83, 0xec, 0x08, 0x68, 0x09, 0x10, 0x00, 0x00, 0xc7, 0x44, 0x24, 0x04, 0x55,
	  0x55, 0x00, 0x00);
	w_jmp(&w, high + 0x10000, high + 9 + 0x100);
	w_jmp(&w, high + 0x10000, high + 9);
	check(&r, &w);

	/* Bit 31 set, below 4 GiB: push would sign-extend it, so the high half is cleared. */
	p = patch_at(code, sizeof(code), b31);
	r = reloc_ok(&p, b31 + 0x10000);
	w.n = 0;
	W(&w, 0x48, 0x83, 0xec, 0x08, 0x68, 0x00, 0x00, 0x00, 0x80, 0xc7, 0x44, 0x24, 0x04, 0x00,
	  0x00, 0x00, 0x00);
	w_jmp(&w, b31 + 0x10000, b31 + 9 + 0x100);
	w_jmp(&w, b31 + 0x10000, b31 + 9);
	check(&r, &w);
}

static void test_indirect_call(void **state)
{
	/* mov %rsi,%rax; call *%rax */
	struct x86_patch p = patch_at(BYTES(0x48, 0x89, 0xf0, 0xff, 0xd0, 0xc3), TEST_VADDR);
	struct x86_reloc r = reloc_ok(&p, NEAR);
	struct want w = {0};

	W(&w, 0x48, 0x89, 0xf0, 0x68);
	w_u32(&w, TEST_VADDR + 5);
	W(&w, 0xff, 0xe0);
	w_jmp(&w, NEAR, TEST_VADDR + 5);
	check(&r, &w);

	/* call *0x100(%rip): the jmp reads the same cell. */
	p = patch_at(BYTES(0xff, 0x15, 0x00, 0x01, 0x00, 0x00, 0xc3), TEST_VADDR);
	r = reloc_ok(&p, NEAR);
	w.n = 0;
	W(&w, 0x68);
	w_u32(&w, TEST_VADDR + 6);
	W(&w, 0xff, 0x25);
	w_rel32(&w, NEAR, TEST_VADDR + 6 + 0x100);
	w_jmp(&w, NEAR, TEST_VADDR + 6);
	check(&r, &w);
	assert_int_equal(x86_relocate(&p, FAR, &r), -ERANGE);

	/* call *8(%rax), notrack kept. */
	p = patch_at(BYTES(0x90, 0x90, 0x3e, 0xff, 0x50, 0x08, 0xc3), TEST_VADDR);
	r = reloc_ok(&p, NEAR);
	w.n = 0;
	W(&w, 0x90, 0x90, 0x68);
	w_u32(&w, TEST_VADDR + 6);
	W(&w, 0x3e, 0xff, 0x60, 0x08);
	w_jmp(&w, NEAR, TEST_VADDR + 6);
	check(&r, &w);
}

static void test_padding(void **state)
{
	static const uint8_t code[] = {0x8d, 0x04, 0x37, 0xc3, 0xcc, 0xcc};
	struct x86_func fn = {.code = code, .size = 4, .pad = 2, .vaddr = TEST_VADDR};
	struct x86_patch p;
	struct x86_reloc r;
	struct want w = {0};

	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_OK);
	r = reloc_ok(&p, NEAR);
	W(&w, 0x8d, 0x04, 0x37, 0xc3);
	w_jmp(&w, NEAR, TEST_VADDR + 5);
	check(&r, &w);
	assert_memory_equal(r.insn_off, ((const uint8_t[]){0, 3, 4}), 3);
}

static void test_patch_jump(void **state)
{
	struct x86_patch p = patch_at(
		BYTES(0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10, 0xc9, 0xc3), TEST_VADDR);
	uint8_t out[X86_PATCH_MAX_BYTES];
	struct want w = {0};
	struct x86_func fn = {
		.code = (const uint8_t[]){0x31, 0xc0, 0xc3}, .size = 3, .vaddr = TEST_VADDR};
	struct x86_patch bad;
	struct x86_reloc r;

	assert_int_equal(x86_patch_jump(&p, NEAR, out, sizeof(out)), 0);
	w_jmp(&w, TEST_VADDR, NEAR);
	W(&w, 0xcc, 0xcc, 0xcc);
	assert_memory_equal(out, w.b, 8);
	w.n = 0;
	w_jmp(&w, TEST_VADDR, TEST_VADDR - 0x1000);
	assert_int_equal(x86_patch_jump(&p, TEST_VADDR - 0x1000, out, sizeof(out)), 0);
	assert_memory_equal(out, w.b, 5);
	assert_int_equal(x86_patch_jump(&p, FAR, out, sizeof(out)), -ERANGE);
	assert_int_equal(x86_patch_jump(&p, NEAR, out, 7), -EINVAL);
	assert_int_equal(x86_patch_jump(NULL, NEAR, out, sizeof(out)), -EINVAL);

	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &bad), 0);
	assert_int_equal(bad.verdict, X86_PATCH_FUNC_END);
	assert_int_equal(x86_patch_jump(&bad, NEAR, out, sizeof(out)), -EINVAL);
	assert_int_equal(x86_relocate(&bad, NEAR, &r), -EINVAL);
	assert_int_equal(x86_relocate(NULL, NEAR, &r), -EINVAL);
	assert_int_equal(x86_relocate(&p, NEAR, NULL), -EINVAL);
	/* A tampered patch does not decode to its own lengths. */
	p.insn_len[0] = 2;
	assert_int_equal(x86_relocate(&p, NEAR, &r), -EINVAL);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbatim),
		cmocka_unit_test(test_riprel),
		cmocka_unit_test(test_riprel_vex_evex),
		cmocka_unit_test(test_jcc),
		cmocka_unit_test(test_jmp),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_call),
		cmocka_unit_test(test_indirect_call),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_patch_jump),
	};

	return cmocka_run_group_tests_name("x86_relocate", tests, NULL, NULL);
}
