/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trampolines (src/arch/x86_64/trampoline.c), by bytes and by execution.  The bytes: the
 * prologue and the call's pointer where the layout says.  The execution: small functions are
 * written into an RWX page, patched as the in-process tier does (x86_patch_analyze,
 * x86_trampoline in the same page, x86_patch_jump over the site) and called.  The dispatcher
 * is a stub here that records the stack pointer it was called with (16-byte aligned at the
 * call, so 8 mod 16 at its first instruction) and then a C function that copies the
 * register context and changes rdx, which the probed code must then see.  Sites are at a function's entry and one push in, so that both
 * alignments of the probed rsp are taken.
 */
#include <sys/mman.h>

#include "agent/agent_abi.h"
#include "arch/x86_64/trampoline.h"
#include "x86_test.h"

#define MAP_SIZE 0x3000
#define TRAMP	 0x1000

static uint8_t *page;
static struct agent_regs seen;
static uint32_t seen_site;
static int calls;
uint64_t tr_call_rsp;

void tr_dispatch(struct agent_regs *regs, uint32_t site);
void tr_dispatch_c(struct agent_regs *regs, uint32_t site);

__asm__(".text\n"
	".globl tr_dispatch\n"
	"tr_dispatch:\n"
	"	mov %rsp, tr_call_rsp(%rip)\n"
	"	jmp tr_dispatch_c\n");

void tr_dispatch_c(struct agent_regs *regs, uint32_t site)
{
	seen = *regs;
	seen_site = site;
	calls++;
	regs->rdx = 1000;
}

/* f(rdi, rsi) = rdi + rsi + rdx, with a frame: push %rbp; mov %rsp,%rbp; lea (%rdi,%rsi),%rax;
 * add %rdx,%rax; pop %rbp; ret */
static const uint8_t fn_add[] = {0x55, 0x48, 0x89, 0xe5, 0x48, 0x8d, 0x04,
				 0x37, 0x48, 0x01, 0xd0, 0x5d, 0xc3};

static int setup(void **state)
{
	page = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	return page == MAP_FAILED ? -1 : 0;
}

static int teardown(void **state)
{
	munmap(page, MAP_SIZE);
	return 0;
}

static void patch_at(size_t off, uint32_t site)
{
	struct x86_func fn = {.code = page, .size = sizeof(fn_add), .vaddr = (uintptr_t)page};
	uint8_t slot[X86_TRAMP_SLOT], jmp[X86_PATCH_MAX_BYTES];
	struct x86_patch p;

	memcpy(page, fn_add, sizeof(fn_add));
	assert_int_equal(x86_patch_analyze(&fn, off, 0, &p), 0);
	assert_int_equal(p.verdict, X86_PATCH_OK);
	assert_int_equal(
		x86_trampoline(&p, (uintptr_t)page + TRAMP, (uintptr_t)tr_dispatch, site, slot), 0);
	/* lea -128(%rsp),%rsp first; the dispatcher's address last. */
	assert_memory_equal(slot, ((uint8_t[]){0x48, 0x8d, 0x64, 0x24, 0x80}), 5);
	assert_memory_equal(slot + X86_TRAMP_PTR_OFF, &(uint64_t){(uintptr_t)tr_dispatch}, 8);
	memcpy(page + TRAMP, slot, sizeof(slot));
	assert_int_equal(x86_patch_jump(&p, (uintptr_t)page + TRAMP, jmp, sizeof(jmp)), 0);
	assert_int_equal(jmp[0], 0xe9);
	memcpy(page + off, jmp, p.len);
	__builtin___clear_cache((char *)page, (char *)page + MAP_SIZE);
}

static uint64_t call3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t (*f)(uint64_t, uint64_t, uint64_t) = (void *)page;

	return f(a, b, c);
}

static void test_bytes(void **state)
{
	struct x86_patch bad = {.verdict = X86_PATCH_BRANCH};
	uint8_t slot[X86_TRAMP_SLOT];

	assert_int_equal(x86_trampoline(&bad, 0x1000, 0x2000, 0, slot), -EINVAL);
	assert_int_equal(x86_trampoline(NULL, 0x1000, 0x2000, 0, slot), -EINVAL);
}

static void test_entry(void **state)
{
	uint64_t got;

	calls = 0;
	patch_at(0, 7);
	got = call3(1, 2, 3);
	assert_int_equal(calls, 1);
	assert_int_equal(seen_site, 7);
	assert_int_equal(seen.rip, (uintptr_t)page);
	assert_int_equal(seen.rdi, 1);
	assert_int_equal(seen.rsi, 2);
	assert_int_equal(seen.rdx, 3);
	assert_int_equal(seen.rsp % 16, 8);
	assert_int_equal(tr_call_rsp % 16, 8);
	assert_true(tr_call_rsp < seen.rsp - 128 - sizeof(struct agent_regs));
	/* The handler's rdx went into the function. */
	assert_int_equal(got, 1 + 2 + 1000);
	got = call3(10, 20, 30);
	assert_int_equal(calls, 2);
	assert_int_equal(got, 10 + 20 + 1000);
}

static void test_after_push(void **state)
{
	uint64_t got;

	calls = 0;
	patch_at(1, 9);
	got = call3(4, 5, 6);
	assert_int_equal(calls, 1);
	assert_int_equal(seen_site, 9);
	assert_int_equal(seen.rip, (uintptr_t)page + 1);
	assert_int_equal(seen.rsp % 16, 0);
	assert_int_equal(tr_call_rsp % 16, 8);
	assert_int_equal(got, 4 + 5 + 1000);
}

/* Flags and every register other than rdx and rax survive the trip. */
static void test_preserves(void **state)
{
	uint64_t out[4], fl_out;

	patch_at(0, 1);
	__asm__ volatile("mov $0x1111, %%rbx\n"
			 "mov $0x2222, %%r12\n"
			 "mov $0x3333, %%r15\n"
			 "mov $1, %%edi\n"
			 "mov $2, %%esi\n"
			 "mov $3, %%edx\n"
			 "stc\n"
			 "call *%[f]\n"
			 "mov %%rbx, 0(%[out])\n"
			 "mov %%r12, 8(%[out])\n"
			 "mov %%r15, 16(%[out])\n"
			 "mov %%rax, 24(%[out])\n"
			 :
			 : [f] "r"(page), [out] "r"(out)
			 : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
			   "r12", "r15", "memory", "cc");
	fl_out = seen.flags;
	assert_int_equal(out[0], 0x1111);
	assert_int_equal(out[1], 0x2222);
	assert_int_equal(out[2], 0x3333);
	assert_int_equal(out[3], 1 + 2 + 1000);
	assert_int_equal(seen.rbx, 0x1111);
	assert_int_equal(seen.r12, 0x2222);
	assert_int_equal(seen.r15, 0x3333);
	assert_true(fl_out & 1); /* CF, set before the call, seen in the context */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_entry),
		cmocka_unit_test(test_after_push),
		cmocka_unit_test(test_preserves),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
