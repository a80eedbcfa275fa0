/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86_patch_analyze as a table: a whole function's bytes and a probe offset in, verdict /
 * covered range / flags / reason out, one cmocka test per row.  Every verdict has a row built
 * to reach it; the common good cases (endbr64 kept or skipped, the frame-pointer prologue, a
 * nop5, rip-relative mov/lea/cmp, a jcc, a call as last instruction) are checked to the byte
 * count.  Entry points, padding after the function and jump tables (read through a fake image)
 * have tests of their own.
 */
#include <stdio.h>
#include <stdlib.h>

#include "arch/x86_64/patch.h"
#include "x86_test.h"

struct row {
	const char *name;
	const uint8_t *b;
	size_t n;
	size_t offset;
	unsigned int flags;
	enum x86_patch_verdict verdict;
	const char *reason;
	uint8_t len, ninsn;  /* accepted rows only */
	unsigned int pflags; /* accepted rows only */
};

#define OK(name, off, fl, len, ninsn, pfl, reason, ...)                                  \
	{                                                                                \
		name, BYTES(__VA_ARGS__), off, fl, X86_PATCH_OK, reason, len, ninsn, pfl \
	}
#define NO(name, off, fl, verdict, reason, ...)                                         \
	{                                                                               \
		name, BYTES(__VA_ARGS__), off, fl, X86_PATCH_##verdict, reason, 0, 0, 0 \
	}

#define ENDBR	 X86_PATCH_AFTER_ENDBR
#define TAIL	 X86_PATCH_TAIL_CALLS
#define PROLOGUE 0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10 /* push, mov, sub $0x10 */

static const struct row rows[] = {
	/* Accepted: the common function entries. */
	OK("push rbp; mov rsp,rbp; sub", 0, 0, 8, 3, 0,
	   "patchable: 8 bytes: push %rbp; mov %rsp, %rbp; sub $0x10, %rsp", PROLOGUE, 0x48, 0x89,
	   0x7d, 0xf8, 0xc9, 0xc3),
	OK("push rbp; mov rsp,rbp needs a third", 0, 0, 5, 3, 0,
	   "patchable: 5 bytes: push %rbp; mov %rsp, %rbp; push %rbx", 0x55, 0x48, 0x89, 0xe5, 0x53,
	   0x5b, 0xc9, 0xc3),
	OK("endbr64 covered", 0, 0, 5, 2, 0, "patchable: 5 bytes: endbr64; push %rbp", 0xf3, 0x0f,
	   0x1e, 0xfa, PROLOGUE, 0xc9, 0xc3),
	OK("after endbr64", 0, ENDBR, 8, 3, X86_PATCH_F_ENDBR,
	   "patchable after endbr64: 8 bytes: push %rbp; mov %rsp, %rbp; sub $0x10, %rsp", 0xf3,
	   0x0f, 0x1e, 0xfa, PROLOGUE, 0xc9, 0xc3),
	OK("after endbr64 without one", 0, ENDBR, 8, 3, 0, "patchable: 8 bytes: push", PROLOGUE,
	   0xc9, 0xc3),
	OK("nop5", 0, 0, 5, 1, X86_PATCH_F_NOP, "patchable: 5 bytes: nop", 0x0f, 0x1f, 0x44, 0x00,
	   0x00, PROLOGUE, 0xc9, 0xc3),
	OK("five 1-byte nops", 0, 0, 5, 5, 0, "nop; nop; nop; nop; nop", 0x90, 0x90, 0x90, 0x90,
	   0x90, 0xc3),
	OK("rip-relative mov", 0, 0, 7, 1, X86_PATCH_F_RIPREL,
	   "patchable: 7 bytes: mov 0x100(%rip), %rax", 0x48, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00,
	   0xc3),
	OK("rip-relative lea", 0, 0, 7, 1, X86_PATCH_F_RIPREL, "lea 0x100(%rip), %rax", 0x48, 0x8d,
	   0x05, 0x00, 0x01, 0x00, 0x00, 0xc3),
	OK("rip-relative cmp", 0, 0, 7, 1, X86_PATCH_F_RIPREL, "cmpl $0x2A, 0x100(%rip)", 0x83,
	   0x3d, 0x00, 0x01, 0x00, 0x00, 0x2a, 0x0f, 0x94, 0xc0, 0xc3),
	OK("jcc in the range", 0, 0, 5, 2, X86_PATCH_F_BRANCH, "cmp %rsi, %rdi; jb 0x", 0x48, 0x39,
	   0xf7, 0x72, 0x06, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3, 0xb8, 0x02, 0x00, 0x00, 0x00,
	   0xc3),
	OK("call as last instruction", 0, 0, 9, 2, X86_PATCH_F_CALL, "sub $0x08, %rsp; call 0x",
	   0x48, 0x83, 0xec, 0x08, 0xe8, 0x00, 0x01, 0x00, 0x00, 0x48, 0x83, 0xc4, 0x08, 0xc3),
	OK("indirect call as last instruction", 0, 0, 5, 2, X86_PATCH_F_CALL, "call %rax", 0x48,
	   0x89, 0xf0, 0xff, 0xd0, 0xc3),
	OK("tail jmp rel32", 0, 0, 5, 1, X86_PATCH_F_BRANCH, "jmp 0x", 0xe9, 0x00, 0x01, 0x00,
	   0x00),
	OK("branch to the range start", 0, 0, 5, 2, 0, "xor %eax, %eax; inc %rax", 0x31, 0xc0, 0x48,
	   0xff, 0xc0, 0x48, 0x39, 0xf8, 0x75, 0xf6, 0xc3),
	OK("branch to the range end", 0, 0, 5, 2, 0, "xor %eax, %eax; inc %rax", 0x31, 0xc0, 0x48,
	   0xff, 0xc0, 0x48, 0x39, 0xf8, 0x75, 0xfb, 0xc3),
	OK("lock prefix is relocatable", 0, 0, 5, 2, 0, "lock add", 0xf0, 0x48, 0x01, 0x07, 0x90,
	   0xc3),
	OK("mid-function probe", 4, 0, 8, 2, 0, "patchable: 8 bytes: sub $0x10, %rsp; mov",
	   PROLOGUE, 0x48, 0x89, 0x7d, 0xf8, 0xc9, 0xc3),
	/* Indirect jumps: tail calls are accepted only when the caller trusts them. */
	OK("tail call through a loaded pointer", 0, TAIL, 8, 3, X86_PATCH_F_TAIL, "patchable",
	   PROLOGUE, 0x48, 0x8b, 0x47, 0x08, 0xc9, 0xff, 0xe0),
	OK("tail call through memory", 0, TAIL, 8, 3, X86_PATCH_F_TAIL, "patchable", PROLOGUE, 0xc9,
	   0xff, 0x60, 0x08),
	OK("tail call through an argument", 0, TAIL, 8, 3, X86_PATCH_F_TAIL, "patchable", PROLOGUE,
	   0xc9, 0x48, 0x89, 0xf0, 0xff, 0xe0),
	OK("tail call through the GOT", 0, TAIL, 8, 3, X86_PATCH_F_TAIL, "patchable", PROLOGUE,
	   0xc9, 0xff, 0x25, 0x00, 0x01, 0x00, 0x00),
	NO("tail call not trusted", 0, 0, INDIRECT,
	   "refused: indirect jump: jump-table targets unknown: jmp %rax at +0xd", PROLOGUE, 0x48,
	   0x8b, 0x47, 0x08, 0xc9, 0xff, 0xe0),
	NO("table arithmetic is no tail call", 0, TAIL, INDIRECT, "jmp %rax at +0xf", PROLOGUE,
	   0x48, 0x63, 0x04, 0x82, 0x48, 0x01, 0xd0, 0xff, 0xe0),
	NO("indexed load is no tail call", 0, TAIL, INDIRECT, "jmp %rax at +0xc", PROLOGUE, 0x48,
	   0x8b, 0x04, 0xc2, 0xff, 0xe0),
	NO("indexed jmp is no tail call", 0, TAIL, INDIRECT, "jmp (%rdx,%rax,8)", PROLOGUE, 0xff,
	   0x24, 0xc2),
	/* Refused: the range itself. */
	NO("does not decode in the range", 0, 0, DECODE, "refused: does not decode: at +0x1", 0x55,
	   0x06, 0x90, 0x90, 0x90, 0x90, 0xc3),
	NO("does not decode after the range", 0, 0, DECODE, "refused: does not decode: at +0x8",
	   PROLOGUE, 0x06, 0xc3),
	NO("does not decode before the probe", 1, 0, DECODE, "at +0x0", 0x06, PROLOGUE, 0xc3),
	NO("not an instruction boundary", 2, 0, BOUNDARY,
	   "refused: not an instruction boundary: +0x2 is inside the instruction at +0x1", PROLOGUE,
	   0xc9, 0xc3),
	NO("function too short", 0, 0, FUNC_END,
	   "refused: range crosses the function's end: 3 bytes left at +0x0", 0x31, 0xc0, 0xc3),
	NO("range crosses the end", 8, 0, FUNC_END, "2 bytes left at +0x8", PROLOGUE, 0xc9, 0xc3),
	NO("endbr64 is the whole function", 0, ENDBR, FUNC_END, "1 bytes left at +0x4", 0xf3, 0x0f,
	   0x1e, 0xfa, 0xc3),
	NO("int3", 0, 0, INSN, "refused: instruction cannot be relocated: int3 at +0x1", 0x55, 0xcc,
	   0x48, 0x89, 0xe5, 0xc3),
	NO("syscall", 0, 0, INSN, "syscall at +0x0", 0x0f, 0x05, 0x48, 0x89, 0xc7, 0xc3),
	NO("ud2", 0, 0, INSN, "ud2 at +0x0", 0x0f, 0x0b, 0x90, 0x90, 0x90, 0xc3),
	NO("xbegin", 0, 0, INSN, "xbegin", 0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00, 0xc3),
	NO("far jmp", 0, 0, INSN, "far branch at +0x4", 0x55, 0x48, 0x89, 0xe5, 0xff, 0x2c, 0x24),
	NO("call through %rsp", 0, 0, INSN, "cannot be re-encoded: call (%rsp) at +0x4", 0x55, 0x48,
	   0x89, 0xe5, 0xff, 0x14, 0x24, 0xc3),
	NO("call before the end", 0, 0, CALL,
	   "refused: call before the end of the range: call %rax at +0x0", 0xff, 0xd0, 0x48, 0x89,
	   0xc7, 0xc3),
	NO("endbr64 inside", 0, 0, ENDBR, "refused: endbr64 inside the range: at +0x1", 0x55, 0xf3,
	   0x0f, 0x1e, 0xfa, 0x48, 0x89, 0xe5, 0xc3),
	/* Refused: something in the function leads inside the range. */
	NO("loop back inside", 0, 0, BRANCH,
	   "refused: branch target inside the range: jnz 0x0000000000401002 at +0x8", 0x31, 0xc0,
	   0x48, 0xff, 0xc0, 0x48, 0x39, 0xf8, 0x75, 0xf8, 0xc3),
	NO("jump to itself inside", 0, 0, BRANCH, "jmp 0x0000000000401002 at +0x2", 0x31, 0xc0,
	   0xeb, 0xfe, 0x90, 0xc3),
	NO("call into the range", 0, 0, BRANCH, "call 0x0000000000401001 at +0x6", 0x55, 0x48, 0x89,
	   0xe5, 0xc9, 0xc3, 0xe8, 0xf6, 0xff, 0xff, 0xff, 0xc3),
	NO("lea of an address inside", 0, 0, ADDR,
	   "refused: address taken inside the range: lea -0x0E(%rip), %rax at +0x8", PROLOGUE, 0x48,
	   0x8d, 0x05, 0xf2, 0xff, 0xff, 0xff, 0xc3),
	NO("mov of an address inside", 0, 0, ADDR, "mov $0x401001, %eax at +0x8", PROLOGUE, 0xb8,
	   0x01, 0x10, 0x40, 0x00, 0xc3),
	NO("indirect jump", 0, 0, INDIRECT,
	   "refused: indirect jump: jump-table targets unknown: jmp %rax at +0x8", PROLOGUE, 0xff,
	   0xe0),
};

static struct x86_patch analyze(const uint8_t *b, size_t n, size_t off, unsigned int flags)
{
	struct x86_func fn = {.code = b, .size = n, .vaddr = TEST_VADDR};
	struct x86_patch p;

	assert_int_equal(x86_patch_analyze(&fn, off, flags, &p), 0);
	return p;
}

static void check_row(void **state)
{
	const struct row *r = *state;
	struct x86_patch p = analyze(r->b, r->n, r->offset, r->flags);

	if (!strstr(p.reason, r->reason))
		fail_msg("%s: reason \"%s\" lacks \"%s\"", r->name, p.reason, r->reason);
	assert_int_equal(p.verdict, r->verdict);
	if (r->verdict != X86_PATCH_OK)
		return;
	assert_int_equal(p.offset, r->offset + ((p.flags & X86_PATCH_F_ENDBR) ? 4 : 0));
	assert_int_equal(p.vaddr, TEST_VADDR + p.offset);
	assert_int_equal(p.len, r->len);
	assert_int_equal(p.ninsn, r->ninsn);
	assert_int_equal(p.flags, r->pflags);
	assert_memory_equal(p.bytes, r->b + p.offset, p.len);
	for (unsigned int i = 0, sum = 0; i <= p.ninsn; i++) {
		if (i == p.ninsn) {
			assert_int_equal(sum, p.len);
			break;
		}
		assert_true(p.insn_len[i] > 0);
		sum += p.insn_len[i];
	}
}

static void test_entries(void **state)
{
	static const uint8_t code[] = {PROLOGUE, 0x48, 0x89, 0x7d, 0xf8, 0xc9, 0xc3};
	struct x86_func fn = {.code = code, .size = sizeof(code), .vaddr = TEST_VADDR};
	static const size_t at_edges[] = {0, 8, 12}, inside[] = {12, 1};
	struct x86_patch p;

	fn.entries = at_edges;
	fn.nentries = 3;
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_OK);
	fn.entries = inside;
	fn.nentries = 2;
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_ENTRY);
	assert_string_equal(p.reason, "refused: entry point inside the range: +0x1");
}

/* lea (%rdi,%rsi),%eax; ret: 4 bytes, then alignment padding the caller vouches for. */
static void test_padding(void **state)
{
	static const uint8_t code[] = {0x8d, 0x04, 0x37, 0xc3, 0xcc, 0x90, 0x90};
	static const uint8_t nopad[] = {0x8d, 0x04, 0x37, 0xc3, 0x55, 0x90};
	static const uint8_t falls[] = {0x8d, 0x04, 0x37, 0x90, 0x90, 0x90};
	static const uint8_t half[] = {0x8d, 0x04, 0x37, 0xc3, 0x0f, 0x1f};
	struct x86_func fn = {.code = code, .size = 4, .pad = 3, .vaddr = TEST_VADDR};
	struct x86_patch p;

	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_OK);
	assert_int_equal(p.flags, X86_PATCH_F_PAD);
	assert_int_equal(p.len, 5);
	assert_int_equal(p.ninsn, 2);
	assert_memory_equal(p.bytes, code, 5);

	fn.pad = 0;
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_FUNC_END);
	assert_string_equal(p.reason,
			    "refused: range crosses the function's end: 4 bytes left at +0x0");
	fn.code = nopad;
	fn.pad = 2;
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_FUNC_END);
	assert_non_null(strstr(p.reason, "no padding at +0x4"));
	/* The last instruction falls through: the padding would run. */
	fn.code = falls;
	fn.size = 3;
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_FUNC_END);
	/* A NOP cut off by the end of the padding is no padding. */
	fn.code = half;
	fn.size = 4;
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_FUNC_END);
}

/*
 * The PIC switch: cmp $3,%edi; ja default; lea table(%rip),%rdx; movslq (%rdx,%rdi,4),%rax;
 * add %rdx,%rax; jmp *%rax; four cases "mov $N,%eax; ret"; default "xor %eax,%eax; ret".  The
 * table sits at TABLE in a fake image read through fake_image().
 */
#define TABLE 0x403000ULL

static uint8_t image[64];
static int image_reads;

static int fake_image(void *ctx, uint64_t vaddr, void *buf, size_t len)
{
	image_reads++;
	if (vaddr < TABLE || vaddr + len > TABLE + sizeof(image))
		return -EFAULT;
	memcpy(buf, image + (vaddr - TABLE), len);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* Offsets in switch_code: the cases, the default, the lea's displacement. */
enum {
	CASE0 = 21,
	DEFAULT = 45,
	LEA_DISP = 8
};

static const uint8_t switch_code[] = {
	0x83, 0xff, 0x03,			  /*  0 cmp $3,%edi */
	0x77, 0x28,				  /*  3 ja +45 */
	0x48, 0x8d, 0x15, 0x00, 0x00, 0x00, 0x00, /*  5 lea table(%rip),%rdx */
	0x48, 0x63, 0x04, 0xba,			  /* 12 movslq (%rdx,%rdi,4),%rax */
	0x48, 0x01, 0xd0,			  /* 16 add %rdx,%rax */
	0xff, 0xe0,				  /* 19 jmp *%rax */
	0xb8, 0x0a, 0x00, 0x00, 0x00, 0xc3,	  /* 21 case 0 */
	0xb8, 0x0b, 0x00, 0x00, 0x00, 0xc3,	  /* 27 case 1 */
	0xb8, 0x0c, 0x00, 0x00, 0x00, 0xc3,	  /* 33 case 2 */
	0xb8, 0x0d, 0x00, 0x00, 0x00, 0xc3,	  /* 39 case 3 */
	0x31, 0xc0, 0xc3,			  /* 45 default */
};

static void switch_setup(uint8_t *code, size_t n)
{
	memcpy(code, switch_code, n);
	put32(code + LEA_DISP, (uint32_t)(TABLE - (TEST_VADDR + 12)));
	for (unsigned int i = 0; i < 4; i++)
		put32(image + 4 * i, (uint32_t)(TEST_VADDR + CASE0 + 6 * i - TABLE));
	memset(image + 16, 0xee, sizeof(image) - 16);
	image_reads = 0;
}

static void test_table(void **state)
{
	uint8_t code[sizeof(switch_code)];
	struct x86_func fn = {
		.code = code, .size = sizeof(code), .vaddr = TEST_VADDR, .read = fake_image};
	struct x86_patch p;

	switch_setup(code, sizeof(code));
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_OK);
	assert_int_equal(p.flags, X86_PATCH_F_TABLE | X86_PATCH_F_BRANCH);
	assert_int_equal(p.len, 5);
	assert_int_equal(image_reads, 2); /* against the range, against the dispatch stretch */

	/* Entry 2 leads into the dispatch after its bound check. */
	put32(image + 8, (uint32_t)(TEST_VADDR + 12 - TABLE));
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_INDIRECT);
	assert_string_equal(p.reason, "refused: indirect jump: jump-table targets unknown: bound "
				      "of the jmp at +0x13 bypassed by entry 2 of the jump table "
				      "at +0x13");
	switch_setup(code, sizeof(code));

	/* Entry 3 leads inside the range. */
	put32(image + 12, (uint32_t)(TEST_VADDR + 3 - TABLE));
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_BRANCH);
	assert_string_equal(p.reason, "refused: branch target inside the range: entry 3 of the "
				      "jump table at +0x13");

	/* Entry 4 is past the bound: whatever it holds does not count. */
	switch_setup(code, sizeof(code));
	put32(image + 16, (uint32_t)(TEST_VADDR + 3 - TABLE));
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_OK);

	/* jae instead of ja: 3 entries, so entry 3 does not count either. */
	switch_setup(code, sizeof(code));
	code[3] = 0x73;
	put32(image + 12, (uint32_t)(TEST_VADDR + 3 - TABLE));
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_OK);
	code[3] = 0x77;
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_BRANCH);
}

static void test_table_refused(void **state)
{
	uint8_t code[sizeof(switch_code) + 2];
	struct x86_func fn = {.code = code, .size = sizeof(switch_code), .vaddr = TEST_VADDR};
	struct x86_patch p;

	switch_setup(code, sizeof(switch_code));
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_INDIRECT);
	assert_string_equal(
		p.reason, "refused: indirect jump: jump-table targets unknown: jmp %rax at +0x13");
	/* Even trusting tail calls: the add says table. */
	assert_int_equal(x86_patch_analyze(&fn, 0, X86_PATCH_TAIL_CALLS, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_INDIRECT);

	fn.read = fake_image;
	put32(code + LEA_DISP, (uint32_t)(TABLE + sizeof(image) - (TEST_VADDR + 12)));
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_INDIRECT);
	assert_string_equal(p.reason, "refused: indirect jump: jump-table targets unknown: table "
				      "of the jmp at +0x13 unreadable");

	/* No bound check before the dispatch: nop over the cmp and the ja. */
	switch_setup(code, sizeof(switch_code));
	memset(code, 0x90, 5);
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_INDIRECT);

	/* The bound is on another register than the index. */
	switch_setup(code, sizeof(switch_code));
	code[1] = 0xfe; /* cmp $3,%esi */
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_INDIRECT);

	/* A branch to the lea bypasses the bound: a jmp to it appended after the default. */
	switch_setup(code, sizeof(switch_code));
	fn.size = sizeof(code);
	code[48] = 0xeb;
	code[49] = (uint8_t)(5 - 50);
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_INDIRECT);
	assert_string_equal(p.reason, "refused: indirect jump: jump-table targets unknown: bound "
				      "of the jmp at +0x13 bypassed by a branch at +0x30");
}

/* cmpl $3,(%rbp); ja; mov (%rbp),%eax; lea; movslq; add; jmp: the bound is on memory. */
static void test_table_memory_bound(void **state)
{
	uint8_t code[] = {
		0x83, 0x7d, 0x00, 0x03,			  /*  0 cmpl $3,0(%rbp) */
		0x77, 0x13,				  /*  4 ja +25 */
		0x8b, 0x45, 0x00,			  /*  6 mov 0(%rbp),%eax */
		0x48, 0x8d, 0x15, 0x00, 0x00, 0x00, 0x00, /*  9 lea table(%rip),%rdx */
		0x48, 0x63, 0x04, 0x82,			  /* 16 movslq (%rdx,%rax,4),%rax */
		0x48, 0x01, 0xd0,			  /* 20 add %rdx,%rax */
		0xff, 0xe0,				  /* 23 jmp *%rax */
		0x31, 0xc0, 0xc3,			  /* 25 */
	};
	struct x86_func fn = {
		.code = code, .size = sizeof(code), .vaddr = TEST_VADDR, .read = fake_image};
	struct x86_patch p;

	put32(code + 12, (uint32_t)(TABLE - (TEST_VADDR + 16)));
	for (unsigned int i = 0; i < 4; i++)
		put32(image + 4 * i, (uint32_t)(TEST_VADDR + 25 - TABLE));
	put32(image + 16, (uint32_t)(TEST_VADDR + 1 - TABLE));
	image_reads = 0;
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_OK);
	assert_true(p.flags & X86_PATCH_F_TABLE);

	put32(image + 12, (uint32_t)(TEST_VADDR + 1 - TABLE));
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_BRANCH);

	/* Another cell compared than loaded. */
	code[2] = 0x08;
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_INDIRECT);
}

/* Non-PIC: cmp $1,%edi; ja; jmp *table(,%rdi,8) with absolute entries. */
static void test_table_absolute(void **state)
{
	uint8_t code[] = {
		0x83, 0xff, 0x01,			  /*  0 cmp $1,%edi */
		0x77, 0x07,				  /*  3 ja +12 */
		0xff, 0x24, 0xfd, 0x00, 0x30, 0x40, 0x00, /*  5 jmp *0x403000(,%rdi,8) */
		0x31, 0xc0, 0xc3,			  /* 12 */
	};
	struct x86_func fn = {
		.code = code, .size = sizeof(code), .vaddr = TEST_VADDR, .read = fake_image};
	uint64_t e[2] = {TEST_VADDR + 12, TEST_VADDR + 12};
	struct x86_patch p;

	memcpy(image, e, sizeof(e));
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_OK);
	assert_true(p.flags & X86_PATCH_F_TABLE);
	e[1] = TEST_VADDR + 2;
	memcpy(image, e, sizeof(e));
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_BRANCH);
	assert_string_equal(p.reason, "refused: branch target inside the range: entry 1 of the "
				      "jump table at +0x5");
}

static void test_args(void **state)
{
	static const uint8_t code[] = {PROLOGUE, 0xc9, 0xc3};
	struct x86_func fn = {.code = code, .size = sizeof(code), .vaddr = TEST_VADDR};
	struct x86_patch p;

	assert_int_equal(x86_patch_analyze(NULL, 0, 0, &p), -EINVAL);
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, NULL), -EINVAL);
	assert_int_equal(x86_patch_analyze(&fn, sizeof(code), 0, &p), -EINVAL);
	assert_int_equal(x86_patch_analyze(&fn, 0, 0x100, &p), -EINVAL);
	fn.code = NULL;
	assert_int_equal(x86_patch_analyze(&fn, 0, 0, &p), -EINVAL);
	assert_string_equal(x86_patch_verdict_text(X86_PATCH_OK), "patchable");
	assert_string_equal(x86_patch_verdict_text(X86_PATCH_INDIRECT),
			    "indirect jump: jump-table targets unknown");
	assert_string_equal(x86_patch_verdict_text(X86_PATCH_NVERDICTS), "?");
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_refused),
		cmocka_unit_test(test_table_memory_bound),
		cmocka_unit_test(test_table_absolute),
		cmocka_unit_test(test_args),
	};
	size_t nrows = sizeof(rows) / sizeof(rows[0]), n = 0;
	struct CMUnitTest *t = calloc(nrows + 8, sizeof(*t));
	char(*names)[96] = calloc(nrows, sizeof(*names));
	bool seen[X86_PATCH_NVERDICTS] = {false};
	int rc;

	if (!t || !names)
		return 1;
	for (size_t i = 0; i < nrows; i++) {
		snprintf(names[n], sizeof(names[n]), "row: %s", rows[i].name);
		t[n] = (struct CMUnitTest){names[n], check_row, NULL, NULL, (void *)&rows[i]};
		seen[rows[i].verdict] = true;
		n++;
	}
	seen[X86_PATCH_ENTRY] = true; /* test_entries */
	for (size_t v = 0; v < X86_PATCH_NVERDICTS; v++) {
		if (!seen[v]) {
			fprintf(stderr, "no row reaches verdict %zu\n", v);
			return 1;
		}
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		t[n++] = fixed[i];
	rc = _cmocka_run_group_tests("x86_patch", t, n, NULL, NULL);
	free(t);
	free(names);
	return rc;
}
