/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Boosted slots executed for real.  One RWX mapping holds the slot (offset 0), a landing stub
 * at vaddr + len (offset 0x1000, normally a lone "ret") and the data the rip-relative operand
 * points at (stub + 0x100, the displacement every test instruction uses).  x86t_run loads
 * registers from a struct, calls the slot, and stores registers, flags and the stack delta
 * back, so each test sees the loaded or stored value and whether the scratch register came
 * back intact.  Instructions the CPU lacks (AVX, AVX-512, BMI1) are skipped.  The last test
 * makes the copy fault and checks that x86_xol_boost_fixup turns the signal context back into
 * the state at the probe address.
 */
#include <cpuid.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "x86_test.h"

#define MAP_SIZE 0x3000
#define STUB_OFF 0x1000
#define DATA_OFF 0x1100

struct run {
	uint64_t slot;
	uint64_t rax, rbx, rcx, rdx, rsi, rdi;
	uint64_t o_rax, o_rbx, o_rcx, o_rdx, o_rsi, o_rdi;
	uint64_t o_flags;
	uint8_t xmm[16];
	uint8_t o_xmm[16];
	int64_t o_rsp_delta;
};

_Static_assert(offsetof(struct run, o_rax) == 56, "x86t_run layout");
_Static_assert(offsetof(struct run, o_flags) == 104, "x86t_run layout");
_Static_assert(offsetof(struct run, xmm) == 112, "x86t_run layout");
_Static_assert(offsetof(struct run, o_rsp_delta) == 144, "x86t_run layout");

void x86t_run(struct run *r);

__asm__(".text\n"
	".globl x86t_run\n"
	".type x86t_run,@function\n"
	"x86t_run:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	mov %rdi, %r15\n"
	"	movdqu 112(%r15), %xmm0\n"
	"	mov 8(%r15), %rax\n"
	"	mov 16(%r15), %rbx\n"
	"	mov 24(%r15), %rcx\n"
	"	mov 32(%r15), %rdx\n"
	"	mov 40(%r15), %rsi\n"
	"	mov 48(%r15), %rdi\n"
	"	mov %rsp, %r14\n"
	"	call *0(%r15)\n"
	"	pushfq\n"
	"	popq 104(%r15)\n"
	"	mov %rax, 56(%r15)\n"
	"	mov %rbx, 64(%r15)\n"
	"	mov %rcx, 72(%r15)\n"
	"	mov %rdx, 80(%r15)\n"
	"	mov %rsi, 88(%r15)\n"
	"	mov %rdi, 96(%r15)\n"
	"	movdqu %xmm0, 128(%r15)\n"
	"	mov %rsp, %rax\n"
	"	sub %r14, %rax\n"
	"	mov %rax, 144(%r15)\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	".size x86t_run, .-x86t_run\n");

static uint8_t *page;

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

static uint64_t data_addr(void)
{
	return (uint64_t)(uintptr_t)(page + DATA_OFF);
}

static uint64_t *data64(void)
{
	return (uint64_t *)(void *)(page + DATA_OFF);
}

static struct run regs_in(void)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	r.rax = 0xa0a0a0a0a0a0a0a0ULL;
	r.rbx = 0xb0b0b0b0b0b0b0b0ULL;
	r.rcx = 0xc0c0c0c0c0c0c0c0ULL;
	r.rdx = 0xd0d0d0d0d0d0d0d0ULL;
	r.rsi = 0x5151515151515151ULL;
	r.rdi = 0xd1d1d1d1d1d1d1d1ULL;
	for (int i = 0; i < 16; i++)
		r.xmm[i] = (uint8_t)(0x40 + i);
	return r;
}

/* Analyze at vaddr = stub - n, build the slot at the start of the page and run it. */
static struct x86_insn boost_run(const uint8_t *b, size_t n, struct run *r, const uint8_t *stub,
				 size_t stub_len)
{
	uint64_t slot = (uint64_t)(uintptr_t)page;
	struct x86_insn insn = analyze_ok(b, n, slot + STUB_OFF - n);
	size_t len;

	assert_int_equal(insn.cls, X86_BOOST);
	memset(page, X86_INT3, X86_SLOT_SIZE);
	assert_int_equal(x86_xol_prepare(&insn, slot, page, X86_SLOT_SIZE, &len), 0);
	if (stub)
		memcpy(page + STUB_OFF, stub, stub_len);
	else
		page[STUB_OFF] = 0xc3;
	__builtin___clear_cache((char *)page, (char *)page + MAP_SIZE);
	r->slot = slot;
	x86t_run(r);
	assert_int_equal(r->o_rsp_delta, 0);
	return insn;
}

static uint64_t cell_value(const struct x86_insn *insn)
{
	uint64_t a = x86_xol_cell_addr(insn, (uint64_t)(uintptr_t)page);

	assert_true(a != 0);
	return *(uint64_t *)(uintptr_t)a;
}

static void test_load(void **state)
{
	struct run r = regs_in();
	struct x86_insn i;

	*data64() = 0x1122334455667788ULL;
	i = boost_run(BYTES(0x48, 0x8b, 0x15, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_int_equal(r.o_rdx, 0x1122334455667788ULL);
	assert_int_equal(r.o_rsi, r.rsi);
	assert_int_equal(r.o_rax, r.rax);
	assert_int_equal(cell_value(&i), r.rsi);

	/* REX.B set in the original: must still address the data, not %r14-relative. */
	r = regs_in();
	boost_run(BYTES(0x49, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_int_equal(r.o_rax, 0x1122334455667788ULL);
	assert_int_equal(r.o_rsi, r.rsi);
}

static void test_store(void **state)
{
	struct run r = regs_in();

	*data64() = 0xffffffff00000000ULL;
	r.rax = 0x12345678aabbccddULL;
	boost_run(BYTES(0x89, 0x05, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_int_equal(*data64(), 0xffffffffaabbccddULL);
	assert_int_equal(r.o_rsi, r.rsi);
}

static void test_store_rsi(void **state)
{
	struct run r = regs_in();
	struct x86_insn i;

	/* mov %rsi,0x100(%rip): %rsi is the source, so %rdi carries the address. */
	*data64() = 0;
	i = boost_run(BYTES(0x48, 0x89, 0x35, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_int_equal(i.scratch, X86_SCRATCH_RDI);
	assert_int_equal(*data64(), r.rsi);
	assert_int_equal(r.o_rdi, r.rdi);
	assert_int_equal(r.o_rsi, r.rsi);
}

static void test_lea(void **state)
{
	struct run r = regs_in();

	boost_run(BYTES(0x48, 0x8d, 0x05, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_int_equal(r.o_rax, data_addr());
	assert_int_equal(r.o_rsi, r.rsi);
}

static void test_cmp_imm(void **state)
{
	struct run r = regs_in();

	*data64() = 42;
	boost_run(BYTES(0x83, 0x3d, 0x00, 0x01, 0x00, 0x00, 0x2a), &r, NULL, 0);
	assert_true(r.o_flags & 0x40);
	*data64() = 43;
	boost_run(BYTES(0x83, 0x3d, 0x00, 0x01, 0x00, 0x00, 0x2a), &r, NULL, 0);
	assert_false(r.o_flags & 0x40);
	*data64() = 0x12345678;
	boost_run(BYTES(0x81, 0x3d, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12), &r, NULL, 0);
	assert_true(r.o_flags & 0x40);
	/* movw $0x1234 stores exactly two bytes after the displacement's target. */
	*data64() = 0;
	boost_run(BYTES(0x66, 0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x34, 0x12), &r, NULL, 0);
	assert_int_equal(*data64(), 0x1234);
	assert_int_equal(r.o_rsi, r.rsi);
}

static void test_andn(void **state)
{
	struct run r = regs_in();
	struct x86_insn i;

	if (!__builtin_cpu_supports("bmi"))
		skip();
	*data64() = 0xff00ff00ff00ff00ULL;
	i = boost_run(BYTES(0xc4, 0xe2, 0xc8, 0xf2, 0x3d, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_int_equal(i.scratch, X86_SCRATCH_RBX);
	assert_int_equal(r.o_rdi, ~r.rsi & 0xff00ff00ff00ff00ULL);
	assert_int_equal(r.o_rbx, r.rbx);
	assert_int_equal(r.o_rsi, r.rsi);
}

static void test_vex(void **state)
{
	static const uint8_t want[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	struct run r = regs_in();

	if (!__builtin_cpu_supports("avx"))
		skip();
	memcpy(page + DATA_OFF, want, 16);
	boost_run(BYTES(0xc5, 0xfa, 0x6f, 0x05, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_memory_equal(r.o_xmm, want, 16);
	assert_int_equal(r.o_rsi, r.rsi);

	r = regs_in();
	boost_run(BYTES(0xc4, 0x81, 0x7a, 0x6f, 0x05, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_memory_equal(r.o_xmm, want, 16);
	assert_int_equal(r.o_rsi, r.rsi);

	/* vmovdqu %xmm0,0x100(%rip) */
	r = regs_in();
	boost_run(BYTES(0xc5, 0xfa, 0x7f, 0x05, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_memory_equal(page + DATA_OFF, r.xmm, 16);
}

static void test_evex(void **state)
{
	static const uint8_t want[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
	struct run r = regs_in();

	if (!__builtin_cpu_supports("avx512vl"))
		skip();
	memcpy(page + DATA_OFF, want, 16);
	boost_run(BYTES(0x62, 0xf1, 0x7e, 0x08, 0x6f, 0x05, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_memory_equal(r.o_xmm, want, 16);
	assert_int_equal(r.o_rsi, r.rsi);

	r = regs_in();
	boost_run(BYTES(0x62, 0x91, 0x7e, 0x08, 0x6f, 0x05, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_memory_equal(r.o_xmm, want, 16);

	r = regs_in();
	boost_run(BYTES(0x62, 0xf1, 0x7e, 0x08, 0x7f, 0x05, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_memory_equal(page + DATA_OFF, r.xmm, 16);
	assert_int_equal(r.o_rsi, r.rsi);
}

static void test_cmpxchg16b(void **state)
{
	unsigned int a, b, c, d;
	struct run r = regs_in();
	uint64_t *m = data64();

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_CMPXCHG16B))
		skip();
	/* Equal: rcx:rbx is stored, ZF set. */
	m[0] = r.rax;
	m[1] = r.rdx;
	boost_run(BYTES(0x48, 0x0f, 0xc7, 0x0d, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_true(r.o_flags & 0x40);
	assert_int_equal(m[0], r.rbx);
	assert_int_equal(m[1], r.rcx);
	assert_int_equal(r.o_rsi, r.rsi);
	assert_int_equal(r.o_rbx, r.rbx);
	/* Different: memory is loaded into rdx:rax, ZF clear. */
	r = regs_in();
	m[0] = 1;
	m[1] = 2;
	boost_run(BYTES(0x48, 0x0f, 0xc7, 0x0d, 0x00, 0x01, 0x00, 0x00), &r, NULL, 0);
	assert_false(r.o_flags & 0x40);
	assert_int_equal(r.o_rax, 1);
	assert_int_equal(r.o_rdx, 2);
	assert_int_equal(r.o_rsi, r.rsi);
}

static void test_push_riprel(void **state)
{
	static const uint8_t pop_rax_ret[] = {0x58, 0xc3};
	struct run r = regs_in();

	*data64() = 0x0badc0ffee0ddf00ULL;
	boost_run(BYTES(0xff, 0x35, 0x00, 0x01, 0x00, 0x00), &r, pop_rax_ret, 2);
	assert_int_equal(r.o_rax, 0x0badc0ffee0ddf00ULL);
	assert_int_equal(r.o_rsi, r.rsi);
}

static void test_pushf_add(void **state)
{
	static const uint8_t pop_rax_ret[] = {0x58, 0xc3};
	struct run r = regs_in();

	/* pushf boosted pushes the real flags: no TF. */
	boost_run(BYTES(0x9c), &r, pop_rax_ret, 2);
	assert_int_equal(r.o_rax & 0x2, 0x2);
	assert_int_equal(r.o_rax & X86_EFLAGS_TF, 0);

	r = regs_in();
	r.rax = 40;
	r.rbx = 2;
	boost_run(BYTES(0x48, 0x01, 0xd8), &r, NULL, 0);
	assert_int_equal(r.o_rax, 42);
}

static sigjmp_buf fault_jmp;
static struct user_regs_struct fault_regs;

static void on_segv(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	greg_t *g = uc->uc_mcontext.gregs;

	memset(&fault_regs, 0, sizeof(fault_regs));
	fault_regs.rip = (uint64_t)g[REG_RIP];
	fault_regs.rsi = (uint64_t)g[REG_RSI];
	fault_regs.rdx = (uint64_t)g[REG_RDX];
	fault_regs.rsp = (uint64_t)g[REG_RSP];
	siglongjmp(fault_jmp, 1);
}

static void test_fault_fixup(void **state)
{
	struct sigaction sa = {0}, old;
	uint64_t slot = (uint64_t)(uintptr_t)page;
	struct x86_insn i;
	struct run r = regs_in();
	size_t len;

	i = analyze_ok(BYTES(0x48, 0x8b, 0x15, 0x00, 0x01, 0x00, 0x00), slot + STUB_OFF - 7);
	assert_int_equal(x86_xol_prepare(&i, slot, page, X86_SLOT_SIZE, &len), 0);
	page[STUB_OFF] = 0xc3;
	r.slot = slot;
	assert_int_equal(mprotect(page + 0x1000, 0x1000, PROT_NONE), 0);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGSEGV, &sa, &old), 0);
	if (!sigsetjmp(fault_jmp, 1)) {
		x86t_run(&r);
		fail_msg("the load did not fault");
	}
	sigaction(SIGSEGV, &old, NULL);
	assert_int_equal(mprotect(page + 0x1000, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC), 0);

	/* Stopped on the copy, %rsi holding the target; the fix-up rolls back to the probe. */
	assert_int_equal(fault_regs.rip, slot + 17);
	assert_int_equal(fault_regs.rsi, i.vaddr + 7);
	assert_int_equal(x86_xol_boost_fixup(&i, &fault_regs, slot, cell_value(&i)), 0);
	assert_int_equal(fault_regs.rip, i.vaddr);
	assert_int_equal(fault_regs.rsi, r.rsi);
	assert_int_equal(fault_regs.rdx, r.rdx);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),	   cmocka_unit_test(test_store),
		cmocka_unit_test(test_store_rsi),  cmocka_unit_test(test_lea),
		cmocka_unit_test(test_cmp_imm),	   cmocka_unit_test(test_andn),
		cmocka_unit_test(test_vex),	   cmocka_unit_test(test_evex),
		cmocka_unit_test(test_cmpxchg16b), cmocka_unit_test(test_push_riprel),
		cmocka_unit_test(test_pushf_add),  cmocka_unit_test(test_fault_fixup),
	};

	return cmocka_run_group_tests_name("x86_exec", tests, setup, teardown);
}
