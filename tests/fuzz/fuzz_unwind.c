/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the CFI unwinder (src/sym/unwind.c) on a hostile stack.  sym_unwind
 * needs a process only for its module list (/proc/PID/maps and the mapped files' CFI); the
 * registers and every byte of stack come from the caller.  So the process here is the fuzzer
 * itself, one unwinder kept for the whole run as the tracer keeps one per tracee, and the
 * input is what a traced program controls: its registers and its stack.
 *
 * Input: 16 registers (rip as an index into a table of real code addresses of this process
 * plus an offset, rsp as an offset into the fake stack, the others raw), up to four return
 * probe fix-ups, then the stack bytes.  A stack word whose top half is 0xc0de is taken as
 * "code address k + low byte", so mutations can build chains of plausible return addresses
 * (libdwfl's comparisons are not instrumented, and ASLR moves the real ones).
 *
 * Whatever the input, nothing may crash, hang, leak or read out of bounds, and sym_unwind's
 * contract holds: 1..max frames, the first being the registers' rip.
 */
#include <string.h>
#include <sys/syscall.h>

#include "sym/unwind.h"

#include "fuzz_util.h"

#define STACK_BASE 0x7ffe12340000ULL
#define MAX_STACK  4096
#define MAX_FRAMES 32

struct fake_stack {
	const uint8_t *bytes;
	size_t len;
};

static uint64_t code_addr[8];

static uint64_t word_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t code_word(uint64_t v)
{
	if (v >> 48 != 0xc0de)
		return v;
	return code_addr[(v >> 8) & 7] + (v & 0xff);
}

static int fake_read(void *data, uint64_t addr, void *buf, size_t len)
{
	const struct fake_stack *s = data;
	uint8_t *out = buf;

	if (addr < STACK_BASE || addr - STACK_BASE > s->len || len > s->len - (addr - STACK_BASE))
		return -EFAULT;
	memcpy(out, s->bytes + (addr - STACK_BASE), len);
	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t v = code_word(word_at(out + i));

		memcpy(out + i, &v, sizeof(v));
	}
	return 0;
}

static __attribute__((noinline)) int leaf(int x)
{
	return x * 3 + 1;
}

static __attribute__((noinline)) int middle(int x)
{
	return leaf(x) + leaf(x + 1);
}

static void init_code_table(void)
{
	code_addr[0] = (uint64_t)(uintptr_t)&LLVMFuzzerTestOneInput;
	code_addr[1] = (uint64_t)(uintptr_t)&leaf;
	code_addr[2] = (uint64_t)(uintptr_t)&middle;
	code_addr[3] = (uint64_t)(uintptr_t)&fake_read;
	code_addr[4] = (uint64_t)(uintptr_t)&sym_unwind;
	code_addr[5] = (uint64_t)(uintptr_t)&qsort;
	code_addr[6] = (uint64_t)(uintptr_t)&getenv;
	code_addr[7] = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake_stack stack;
	static struct sym_unwinder *u;
	static unsigned runs;
	struct user_regs_struct regs = {0};
	struct sym_unwind_fixup fix[4];
	unsigned long long *r[16] = {&regs.rax, &regs.rcx, &regs.rdx, &regs.rbx,
				     &regs.rsp, &regs.rbp, &regs.rsi, &regs.rdi,
				     &regs.r8,	&regs.r9,  &regs.r10, &regs.r11,
				     &regs.r12, &regs.r13, &regs.r14, &regs.r15};
	uint64_t pcs[MAX_FRAMES];
	size_t nfix;
	int n = 0;

	if (!u) {
		init_code_table();
		if (sym_unwinder_new(getpid(), fake_read, &stack, &u) < 0)
			abort();
	}
	if (size < 16 * 8 + 1)
		return 0;
	for (int i = 0; i < 16; i++)
		*r[i] = code_word(word_at(data + 8 * i));
	regs.rip = code_addr[data[0] & 7] + data[1];
	regs.rsp = STACK_BASE + (word_at(data + 4 * 8) & 0x1fff);
	if (data[2] & 1)
		regs.rbp = STACK_BASE + (regs.rbp & 0x1fff);
	data += 16 * 8;
	size -= 16 * 8;
	nfix = *data++ & 7;
	size--;
	if (nfix > 4 || nfix * 16 > size)
		nfix = 0;
	for (size_t i = 0; i < nfix; i++) {
		fix[i].slot = STACK_BASE + (word_at(data + 16 * i) & 0x1ff8);
		fix[i].ret_addr = code_word(word_at(data + 16 * i + 8));
	}
	data += nfix * 16;
	size -= nfix * 16;
	stack.bytes = data;
	stack.len = size < MAX_STACK ? size : MAX_STACK;
	FUZZ_CHECK(sym_unwind(u, (pid_t)syscall(SYS_gettid), &regs, nfix ? fix : NULL, nfix, pcs,
			      MAX_FRAMES, &n) == 0);
	FUZZ_CHECK(n >= 1 && n <= MAX_FRAMES);
	FUZZ_CHECK(pcs[0] == regs.rip);
	if (++runs % 1024 == 0)
		sym_unwinder_invalidate(u);
	return 0;
}
