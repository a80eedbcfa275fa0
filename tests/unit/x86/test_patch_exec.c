/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Jump patches executed for real.  Each case is a small function (a rip-relative load, store
 * and compare of a global, a jcc, a call as last instruction, the frame-pointer prologue, a
 * loop, a switch through a jump table...) copied into an RWX mapping and run through xr_run,
 * which loads every general-purpose register and the flags from a struct, calls it, and
 * stores every register, the flags and the stack delta back.  Then the function is patched
 * in place as the in-process tier will do it: x86_patch_analyze, x86_relocate into a
 * trampoline in the same mapping (behind a stub that counts entries without touching flags or
 * stack), x86_patch_jump over the site.  The patched run must leave registers, flags and
 * memory exactly as the original did, and must have gone through the trampoline.  The
 * relocation is also run from a second mapping 8 GiB or more away, where every branch takes
 * its absolute form (entered directly, as no rel32 jump reaches it); rip-relative cases must
 * refuse that one with -ERANGE.
 */
#include <sys/mman.h>

#include "arch/x86_64/patch.h"
#include "x86_test.h"

#define MAP_SIZE  0x3000
#define HELPER	  0x200
#define DATA	  0x800
#define TABLE_OFF 0x900
#define TRAMP	  0x1000
#define STUB_LEN  32
#define NREG	  15
#define FAR_DIST  0x200000000ULL

struct xrun {
	uint64_t target;
	uint64_t in[NREG]; /* rax rbx rcx rdx rsi rdi rbp r8 .. r15 */
	uint64_t out[NREG];
	uint64_t flags; /* loaded before the call, stored after it */
	int64_t rsp_delta;
};

_Static_assert(offsetof(struct xrun, out) == 128, "xr_run layout");
_Static_assert(offsetof(struct xrun, flags) == 248, "xr_run layout");
_Static_assert(offsetof(struct xrun, rsp_delta) == 256, "xr_run layout");

void xr_run(struct xrun *r);

#define IO(n, reg)  "	mov " #n "*8+8(%rdi), %" #reg "\n"
#define OUT(n, reg) "	mov %" #reg ", " #n "*8+128(%rax)\n"

__asm__(".text\n"
	".globl xr_run\n"
	".type xr_run,@function\n"
	"xr_run:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	push %rdi\n"
	"	mov %rsp, 256(%rdi)\n"
	"	push 0(%rdi)\n" /* the target, called through (%rsp) below */
	"	push 248(%rdi)\n"
	"	popfq\n" IO(1, rbx) IO(2, rcx) IO(3, rdx) IO(4, rsi) IO(6, rbp) IO(7, r8) IO(8, r9)
		IO(9, r10) IO(10, r11) IO(11, r12) IO(12, r13) IO(13, r14) IO(14, r15) IO(0, rax)
			IO(5,
			   rdi) "	call *(%rsp)\n"
				"	lea 8(%rsp), %rsp\n"
				"	pushfq\n"
				"	push %rax\n"
				"	mov 16(%rsp), %rax\n" OUT(1, rbx) OUT(2, rcx) OUT(3, rdx)
					OUT(4, rsi) OUT(5, rdi) OUT(6, rbp) OUT(7, r8) OUT(8, r9)
						OUT(9,
						    r10) OUT(10, r11) OUT(11, r12) OUT(12,
										       r13) OUT(13,
												r14)
							OUT(14, r15) "	pop %rbx\n"
								     "	mov %rbx, 128(%rax)\n"
								     "	pop %rbx\n"
								     "	mov %rbx, 248(%rax)\n"
								     "	mov %rsp, %rbx\n"
								     "	sub 256(%rax), %rbx\n"
								     "	mov %rbx, 256(%rax)\n"
								     "	pop %rdi\n"
								     "	pop %r15\n"
								     "	pop %r14\n"
								     "	pop %r13\n"
								     "	pop %r12\n"
								     "	pop %rbp\n"
								     "	pop %rbx\n"
								     "	ret\n"
								     ".size xr_run, .-xr_run\n");

static uint8_t *page, *far_page;

/* Counts entries in cell 2 of DATA, saving %rax in cell 3: movs and lea only, no flags. */
static const uint8_t stub[STUB_LEN] = {
	0x48, 0x89, 0x05, 0,	0, 0, 0, /* mov %rax,save(%rip) */
	0x48, 0x8b, 0x05, 0,	0, 0, 0, /* mov count(%rip),%rax */
	0x48, 0x8d, 0x40, 0x01,		 /* lea 1(%rax),%rax */
	0x48, 0x89, 0x05, 0,	0, 0, 0, /* mov %rax,count(%rip) */
	0x48, 0x8b, 0x05, 0,	0, 0, 0, /* mov save(%rip),%rax */
};

/* helper: mov (%rsp),%rcx; mov %rcx,ret_cell(%rip); lea 1(%rdi),%rax; ret */
static const uint8_t helper[] = {0x48, 0x8b, 0x0c, 0x24, 0x48, 0x89, 0x0d, 0,
				 0,    0,    0,	   0x48, 0x8d, 0x47, 0x01, 0xc3};

static uint64_t *cells(void)
{
	return (uint64_t *)(void *)(page + DATA);
}

static uint64_t addr(size_t off)
{
	return (uint64_t)(uintptr_t)page + off;
}

static void put_rel(uint8_t *base, size_t at, size_t end, uint64_t base_addr, uint64_t target)
{
	uint32_t rel = (uint32_t)(target - (base_addr + end));

	memcpy(base + at, &rel, 4);
}

static int setup(void **state)
{
	void *want;

	page = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (page == MAP_FAILED)
		return -1;
	/* 8, 16, 32... GiB above or below: wherever the address space has room. */
	for (int i = 0; i < 16 && !far_page; i++) {
		uint64_t d = FAR_DIST << (i / 2);

		want = (void *)(uintptr_t)(i & 1 ? addr(0) - d : addr(0) + d);
		far_page = mmap(want, MAP_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (far_page == MAP_FAILED) {
			far_page = NULL;
		} else if (far_page != want) {
			munmap(far_page, MAP_SIZE);
			far_page = NULL;
		}
	}
	if (!far_page)
		print_message("no mapping 8 GiB away: absolute forms not executed\n");
	return 0;
}

static int teardown(void **state)
{
	munmap(page, MAP_SIZE);
	if (far_page)
		munmap(far_page, MAP_SIZE);
	return 0;
}

/* Where a case's rel32 fields point. */
enum target {
	T_NONE,
	T_DATA,
	T_HELPER,
	T_TABLE,
	T_RET_CELL
};

struct fix {
	uint8_t at, end; /* the rel32 at code + at, counted from code + end */
	enum target what;
};

#define MAX_ARGS 6

struct xcase {
	const char *name;
	const uint8_t *b;
	size_t n;
	unsigned int flags;
	size_t pad; /* of n, the last pad bytes are padding after the function */
	struct fix fix[2];
	int nargs;
	uint64_t rdi[MAX_ARGS], rsi[MAX_ARGS], data[MAX_ARGS];
	bool riprel; /* the far relocation must be -ERANGE */
	bool table;  /* cases 0..3 of switch_table at TABLE_OFF */
};

static uint64_t target_addr(enum target t)
{
	switch (t) {
	case T_DATA:
		return addr(DATA);
	case T_HELPER:
		return addr(HELPER);
	case T_TABLE:
		return addr(TABLE_OFF);
	case T_RET_CELL:
		return addr(DATA + 8);
	default:
		return 0;
	}
}

static int read_self(void *ctx, uint64_t vaddr, void *buf, size_t len)
{
	if (vaddr < addr(0) || vaddr + len > addr(MAP_SIZE))
		return -EFAULT;
	memcpy(buf, (void *)(uintptr_t)vaddr, len);
	return 0;
}

static struct xrun regs_for(const struct xcase *c, int i, uint64_t target)
{
	struct xrun r;

	memset(&r, 0, sizeof(r));
	for (int k = 0; k < NREG; k++)
		r.in[k] = 0x1111111111111111ULL * (uint64_t)(k + 1);
	r.in[5] = c->rdi[i];
	r.in[4] = c->rsi[i] == HELPER ? addr(HELPER) : c->rsi[i];
	r.target = target;
	r.flags = 0x202 | (i & 1 ? 0x8d5 : 0x44); /* IF, and every arithmetic flag or ZF PF */
	cells()[0] = c->data[i];
	cells()[1] = 0;
	return r;
}

static void load(const struct xcase *c)
{
	memset(page, X86_INT3, MAP_SIZE);
	memcpy(page, c->b, c->n);
	for (int k = 0; k < 2; k++)
		if (c->fix[k].what != T_NONE)
			put_rel(page, c->fix[k].at, c->fix[k].end, addr(0),
				target_addr(c->fix[k].what));
	memcpy(page + HELPER, helper, sizeof(helper));
	put_rel(page + HELPER, 7, 11, addr(HELPER), addr(DATA + 8));
	if (c->table) {
		/* Four cases of 6 bytes at +21, as the switch below lays them out. */
		for (unsigned int i = 0; i < 4; i++) {
			uint32_t rel = (uint32_t)(addr(21 + 6 * i) - addr(TABLE_OFF));

			memcpy(page + TABLE_OFF + 4 * i, &rel, 4);
		}
	}
	memset(page + DATA, 0, 64);
	__builtin___clear_cache((char *)page, (char *)page + MAP_SIZE);
}

static void run_case(void **state)
{
	const struct xcase *c = *state;
	struct x86_func fn = {.code = page,
			      .size = c->n - c->pad,
			      .pad = c->pad,
			      .vaddr = addr(0),
			      .read = read_self};
	struct xrun orig[MAX_ARGS], r;
	uint64_t mem[MAX_ARGS][2];
	uint8_t jump[X86_PATCH_MAX_BYTES];
	struct x86_reloc rel;
	struct x86_patch p;

	load(c);
	for (int i = 0; i < c->nargs; i++) {
		orig[i] = regs_for(c, i, addr(0));
		xr_run(&orig[i]);
		assert_int_equal(orig[i].rsp_delta, 0);
		mem[i][0] = cells()[0];
		mem[i][1] = cells()[1];
	}

	assert_int_equal(x86_patch_analyze(&fn, 0, c->flags, &p), 0);
	if (p.verdict != X86_PATCH_OK)
		fail_msg("%s: %s", c->name, p.reason);
	assert_int_equal(x86_relocate(&p, addr(TRAMP + STUB_LEN), &rel), 0);
	memcpy(page + TRAMP, stub, STUB_LEN);
	put_rel(page + TRAMP, 3, 7, addr(TRAMP), addr(DATA + 24));
	put_rel(page + TRAMP, 10, 14, addr(TRAMP), addr(DATA + 16));
	put_rel(page + TRAMP, 21, 25, addr(TRAMP), addr(DATA + 16));
	put_rel(page + TRAMP, 28, 32, addr(TRAMP), addr(DATA + 24));
	memcpy(page + TRAMP + STUB_LEN, rel.code, rel.len);
	assert_int_equal(x86_patch_jump(&p, addr(TRAMP), jump, sizeof(jump)), 0);
	memcpy(page + p.offset, jump, p.len);
	__builtin___clear_cache((char *)page, (char *)page + MAP_SIZE);

	for (int i = 0; i < c->nargs; i++) {
		uint64_t count = cells()[2];

		r = regs_for(c, i, addr(0));
		cells()[2] = count;
		xr_run(&r);
		assert_int_equal(cells()[2], count + 1);
		assert_memory_equal(r.out, orig[i].out, sizeof(r.out));
		assert_int_equal(r.flags, orig[i].flags);
		assert_int_equal(r.rsp_delta, 0);
		assert_int_equal(cells()[0], mem[i][0]);
		assert_int_equal(cells()[1], mem[i][1]);
	}

	if (!far_page)
		return;
	if (c->riprel) {
		assert_int_equal(x86_relocate(&p, (uint64_t)(uintptr_t)far_page, &rel), -ERANGE);
		return;
	}
	assert_int_equal(x86_relocate(&p, (uint64_t)(uintptr_t)far_page, &rel), 0);
	memset(far_page, X86_INT3, 0x100);
	memcpy(far_page, rel.code, rel.len);
	__builtin___clear_cache((char *)far_page, (char *)far_page + 0x100);
	for (int i = 0; i < c->nargs; i++) {
		r = regs_for(c, i, (uint64_t)(uintptr_t)far_page);
		xr_run(&r);
		assert_memory_equal(r.out, orig[i].out, sizeof(r.out));
		assert_int_equal(r.flags, orig[i].flags);
		assert_int_equal(r.rsp_delta, 0);
		assert_int_equal(cells()[0], mem[i][0]);
		assert_int_equal(cells()[1], mem[i][1]);
	}
}

#define ARGS(...) __VA_ARGS__
#define NOFIX                        \
	{                            \
		{0, 0, T_NONE},      \
		{                    \
			0, 0, T_NONE \
		}                    \
	}

static const struct xcase cases[] = {
	{"rip-relative load of a global",
	 BYTES(0x48, 0x8b, 0x05, 0, 0, 0, 0, 0x48, 0x01, 0xf8, 0xc3),
	 0,
	 0,
	 {{3, 7, T_DATA}, {0, 0, T_NONE}},
	 2,
	 {1, 100},
	 {0, 0},
	 {40, 0x1234567890},
	 true},
	{"rip-relative compare with an immediate",
	 BYTES(0x83, 0x3d, 0, 0, 0, 0, 0x2a, 0x0f, 0x94, 0xc0, 0x0f, 0xb6, 0xc0, 0xc3),
	 0,
	 0,
	 {{2, 7, T_DATA}, {0, 0, T_NONE}},
	 3,
	 {0, 0, 0},
	 {0, 0, 0},
	 {42, 43, 41},
	 true},
	{"rip-relative store and lea",
	 BYTES(0x48, 0x89, 0x3d, 0, 0, 0, 0, 0x48, 0x8d, 0x05, 0, 0, 0, 0, 0xc3),
	 0,
	 0,
	 {{3, 7, T_DATA}, {10, 14, T_DATA}},
	 2,
	 {7, 0xfeed},
	 {0, 0},
	 {0, 1},
	 true},
	{"jcc in the range",
	 BYTES(0x48, 0x39, 0xf7, 0x72, 0x06, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3, 0xb8, 0x02, 0x00,
	       0x00, 0x00, 0xc3),
	 0,
	 0,
	 NOFIX,
	 3,
	 {1, 2, 2},
	 {2, 1, 2},
	 {0},
	 false},
	{"call as last instruction",
	 BYTES(0x48, 0x83, 0xec, 0x08, 0xe8, 0, 0, 0, 0, 0x48, 0x83, 0xc4, 0x08, 0x48, 0x83, 0xc0,
	       0x03, 0xc3),
	 0,
	 0,
	 {{5, 9, T_HELPER}, {0, 0, T_NONE}},
	 2,
	 {1, 41},
	 {0, 0},
	 {0},
	 false},
	{"indirect call as last instruction",
	 BYTES(0x48, 0x89, 0xf0, 0xff, 0xd0, 0x48, 0x83, 0xc0, 0x03, 0xc3),
	 0,
	 0,
	 NOFIX,
	 2,
	 {1, 41},
	 {HELPER, HELPER},
	 {0},
	 false},
	{"push rbp; mov rsp,rbp; sub",
	 BYTES(0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10, 0x48, 0x89, 0x7d, 0xf8, 0x48, 0x8b,
	       0x45, 0xf8, 0x48, 0x01, 0xf0, 0xc9, 0xc3),
	 0,
	 0,
	 NOFIX,
	 2,
	 {3, 1000},
	 {4, 24},
	 {0},
	 false},
	{"after endbr64",
	 BYTES(0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10, 0x48, 0x89,
	       0x7d, 0xf8, 0x48, 0x8b, 0x45, 0xf8, 0x48, 0x01, 0xf0, 0xc9, 0xc3),
	 X86_PATCH_AFTER_ENDBR,
	 0,
	 NOFIX,
	 1,
	 {3},
	 {4},
	 {0},
	 false},
	{"jmp rel8 in the range",
	 BYTES(0x89, 0xf8, 0xeb, 0x03, 0x90, 0x90, 0x90, 0x01, 0xf0, 0xc3),
	 0,
	 0,
	 NOFIX,
	 2,
	 {5, 0xffffffff},
	 {6, 1},
	 {0},
	 false},
	{"loop in the range",
	 BYTES(0x48, 0x89, 0xf9, 0xe2, 0x03, 0x31, 0xc0, 0xc3, 0xb8, 0x07, 0x00, 0x00, 0x00, 0xc3),
	 0,
	 0,
	 NOFIX,
	 2,
	 {1, 5},
	 {0, 0},
	 {0},
	 false},
	{"switch through a jump table",
	 BYTES(0x83, 0xff, 0x03, 0x77, 0x28, 0x48, 0x8d, 0x15, 0, 0, 0, 0, 0x48, 0x63, 0x04, 0xba,
	       0x48, 0x01, 0xd0, 0xff, 0xe0, 0xb8, 0x0a, 0x00, 0x00, 0x00, 0xc3, 0xb8, 0x0b, 0x00,
	       0x00, 0x00, 0xc3, 0xb8, 0x0c, 0x00, 0x00, 0x00, 0xc3, 0xb8, 0x0d, 0x00, 0x00, 0x00,
	       0xc3, 0x31, 0xc0, 0xc3),
	 0,
	 0,
	 {{8, 12, T_TABLE}, {0, 0, T_NONE}},
	 6,
	 {0, 1, 2, 3, 4, 0x100},
	 {0},
	 {0},
	 false,
	 true},
	{"ends in padding",
	 BYTES(0x8d, 0x04, 0x37, 0xc3, 0xcc, 0xcc),
	 0,
	 2,
	 NOFIX,
	 2,
	 {2, 0x7fffffff},
	 {3, 1},
	 {0},
	 false},
};

int main(void)
{
	struct CMUnitTest t[sizeof(cases) / sizeof(cases[0])];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		t[i] = (struct CMUnitTest){cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
	return _cmocka_run_group_tests("x86_patch_exec", t, sizeof(t) / sizeof(t[0]), setup,
				       teardown);
}
