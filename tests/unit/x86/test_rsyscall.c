/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The x86-64 hooks of remote syscalls: the syscall instruction found in code, the syscall
 * ABI's registers, and the kernel's restart of an interrupted syscall, registers in and out.
 */
#include <sys/syscall.h>

#define X86_TEST_WITH_STACK
#include "x86_test.h"
#include "arch/arch.h"

#define SYSCALL_AT 0x7fff0000ULL

static void test_find_insn(void **state)
{
	assert_int_equal(arch_rsyscall_find_insn(BYTES(0x90, 0x0f, 0x05, 0xc3)), 1);
	assert_int_equal(arch_rsyscall_find_insn(BYTES(0x0f, 0x0f, 0x05)), 1);
	assert_int_equal(arch_rsyscall_find_insn(BYTES(0x05, 0x0f)), -ENOENT);
	assert_int_equal(arch_rsyscall_find_insn(BYTES(0x0f)), -ENOENT);
}

static void test_setup(void **state)
{
	static const uint64_t args[6] = {1, 2, 3, 4, 5, 6};
	struct user_regs_struct r = pattern_regs(0x1111111111111111ULL, 0x202), want = r;

	arch_rsyscall_setup(&r, false, SYSCALL_AT, SYS_munmap, args);
	want.rip = SYSCALL_AT;
	want.rax = SYS_munmap;
	want.orig_rax = (unsigned long long)-1;
	want.rdi = 1, want.rsi = 2, want.rdx = 3, want.r10 = 4, want.r8 = 5, want.r9 = 6;
	assert_memory_equal(&r, &want, sizeof(r));
	want.rax = 0xfffffffffffffff2ULL;
	assert_int_equal(arch_rsyscall_result(&want), -14);

	/* At a syscall-entry stop the kernel runs orig_rax: ours goes there, rip stays. */
	r = pattern_regs(0x1111111111111111ULL, 0x202);
	want = r;
	arch_rsyscall_setup(&r, true, SYSCALL_AT, SYS_mmap, args);
	want.orig_rax = SYS_mmap;
	want.rdi = 1, want.rsi = 2, want.rdx = 3, want.r10 = 4, want.r8 = 5, want.r9 = 6;
	assert_memory_equal(&r, &want, sizeof(r));
}

static struct user_regs_struct stopped_in(long nr, long rax)
{
	struct user_regs_struct r = pattern_regs(0x1111111111111111ULL, 0x202);

	r.rip = SYSCALL_AT + 2;
	r.orig_rax = (unsigned long long)nr;
	r.rax = (unsigned long long)rax;
	return r;
}

static void test_restore(void **state)
{
	static const long restarts[] = {-512, -513, -514};
	struct user_regs_struct r, want;
	size_t i;

	for (i = 0; i < sizeof(restarts) / sizeof(restarts[0]); i++) {
		r = stopped_in(SYS_read, restarts[i]);
		want = r;
		arch_rsyscall_restore(&r, false);
		want.rax = SYS_read;
		want.rip = SYSCALL_AT;
		assert_memory_equal(&r, &want, sizeof(r));
	}
	r = stopped_in(SYS_nanosleep, -516);
	want = r;
	arch_rsyscall_restore(&r, false);
	want.rax = SYS_restart_syscall;
	want.rip = SYSCALL_AT;
	assert_memory_equal(&r, &want, sizeof(r));

	/* Finished syscalls, and stops outside any syscall, are left as they are. */
	r = stopped_in(SYS_read, -4);
	want = r;
	arch_rsyscall_restore(&r, false);
	assert_memory_equal(&r, &want, sizeof(r));
	r = stopped_in(-1, -512);
	want = r;
	arch_rsyscall_restore(&r, false);
	assert_memory_equal(&r, &want, sizeof(r));

	/* At an entry stop: the thread's own syscall runs again from its instruction. */
	r = stopped_in(SYS_write, -38);
	want = r;
	arch_rsyscall_restore(&r, true);
	want.rax = SYS_write;
	want.orig_rax = (unsigned long long)-1;
	want.rip = SYSCALL_AT;
	assert_memory_equal(&r, &want, sizeof(r));
}

static void test_scratch(void **state)
{
	struct user_regs_struct r = pattern_regs(0, 0x202);
	uint64_t at;

	r.rsp = 0x7ffc0000f008ULL;
	at = arch_rsyscall_scratch(&r, 40);
	assert_int_equal(at % 16, 0);
	assert_true(at + 40 <= r.rsp - 128);
	assert_true(at + 40 + 16 > r.rsp - 128);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_insn),
		cmocka_unit_test(test_setup),
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_scratch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
