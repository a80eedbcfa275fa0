/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86_analyze as a table: bytes in, class / emulation kind / fix-ups / scratch register /
 * reason out, one cmocka test per row.  Every rip-relative row also has its rewritten copy
 * decoded again and compared operand by operand with the original, so a wrong ModRM, REX or
 * VEX/EVEX bit shows up as a different instruction.
 */
#include <stdio.h>
#include <stdlib.h>

#include <Zydis/Zydis.h>

#include "x86_test.h"

struct row {
	const char *name;
	const uint8_t *b;
	size_t n;
	enum x86_class cls;
	enum x86_emu_kind kind;
	unsigned int fixups;
	enum x86_scratch scr;
	const char *reason;
};

#define E(name, kind, fix, reason, ...)                                                    \
	{                                                                                  \
		name, BYTES(__VA_ARGS__), X86_EMULATE, kind, fix, X86_SCRATCH_NONE, reason \
	}
#define R(name, reason, ...)                                                     \
	{                                                                        \
		name, BYTES(__VA_ARGS__), X86_REFUSE, X86_EMU_NONE, 0, 0, reason \
	}
#define X(name, cls, fix, scr, reason, ...)                                   \
	{                                                                     \
		name, BYTES(__VA_ARGS__), cls, X86_EMU_NONE, fix, scr, reason \
	}

#define NOP(name, ...) E(name, X86_EMU_NOP, X86_FIX_IP, "emulated: ", __VA_ARGS__)
#define RIP	       (X86_FIX_IP | X86_FIX_RIP)
#define RSI	       X86_SCRATCH_RSI
#define RDI	       X86_SCRATCH_RDI
#define RBX	       X86_SCRATCH_RBX
#define NONE	       X86_SCRATCH_NONE

static const struct row rows[] = {
	/* Emulated: push, mov, rsp arithmetic. */
	E("push %rbp", X86_EMU_PUSH, X86_FIX_IP, "emulated: push %rbp", 0x55),
	E("push %rsp", X86_EMU_PUSH, X86_FIX_IP, "emulated: push %rsp", 0x54),
	E("push %r12", X86_EMU_PUSH, X86_FIX_IP, "emulated: push %r12", 0x41, 0x54),
	E("push %r15", X86_EMU_PUSH, X86_FIX_IP, "emulated: push %r15", 0x41, 0x57),
	E("push %rbp (ff /6)", X86_EMU_PUSH, X86_FIX_IP, "emulated: push %rbp", 0xff, 0xf5),
	E("mov %rsp,%rbp", X86_EMU_MOV, X86_FIX_IP, "emulated: mov %rsp, %rbp", 0x48, 0x89, 0xe5),
	E("mov %eax,%edi", X86_EMU_MOV, X86_FIX_IP, "emulated: mov %eax, %edi", 0x89, 0xc7),
	E("mov %r8,%rax (8b)", X86_EMU_MOV, X86_FIX_IP, "emulated: mov %r8, %rax", 0x49, 0x8b,
	  0xc0),
	E("sub $0x18,%rsp", X86_EMU_RSP_ADD, X86_FIX_IP, "emulated: sub $0x18, %rsp", 0x48, 0x83,
	  0xec, 0x18),
	E("add $0x100,%rsp", X86_EMU_RSP_ADD, X86_FIX_IP, "emulated: add $0x100", 0x48, 0x81, 0xc4,
	  0x00, 0x01, 0x00, 0x00),
	E("add $-16,%rsp", X86_EMU_RSP_ADD, X86_FIX_IP, "emulated: add", 0x48, 0x83, 0xc4, 0xf0),
	/* Emulated: relative branches and returns. */
	E("jmp rel8", X86_EMU_JMP, X86_FIX_IP, "emulated: jmp 0x", 0xeb, 0x05),
	E("jmp rel8 to self", X86_EMU_JMP, X86_FIX_IP, "emulated: jmp 0x", 0xeb, 0xfe),
	E("jmp rel32", X86_EMU_JMP, X86_FIX_IP, "emulated: jmp 0x", 0xe9, 0x00, 0x01, 0x00, 0x00),
	E("call rel32", X86_EMU_CALL, X86_FIX_UNDO_CALL, "emulated: call 0x", 0xe8, 0x10, 0x00,
	  0x00, 0x00),
	E("bnd call rel32", X86_EMU_CALL, X86_FIX_UNDO_CALL, "emulated: bnd call", 0xf2, 0xe8, 0x10,
	  0x00, 0x00, 0x00),
	E("je rel8", X86_EMU_JCC, X86_FIX_IP, "emulated: jz", 0x74, 0x02),
	E("jne rel32", X86_EMU_JCC, X86_FIX_IP, "emulated: jnz", 0x0f, 0x85, 0x00, 0x01, 0x00,
	  0x00),
	E("ret", X86_EMU_RET, 0, "emulated: ret", 0xc3),
	E("rep ret", X86_EMU_RET, 0, "emulated: ret", 0xf3, 0xc3),
	E("ret $8", X86_EMU_RET, 0, "emulated: ret $0x08", 0xc2, 0x08, 0x00),
	/* Emulated: every NOP form, including the prefixes mainline would refuse elsewhere. */
	NOP("nop", 0x90),
	NOP("xchg %ax,%ax", 0x66, 0x90),
	NOP("nopl (%rax)", 0x0f, 0x1f, 0x00),
	NOP("nopl 0(%rax)", 0x0f, 0x1f, 0x40, 0x00),
	NOP("nop5", 0x0f, 0x1f, 0x44, 0x00, 0x00),
	NOP("nop6", 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00),
	NOP("nop7", 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00),
	NOP("nop8", 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00),
	NOP("nop9", 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00),
	NOP("nop10 cs", 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00),
	NOP("nop11 cs", 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00),
	E("endbr64", X86_EMU_NOP, X86_FIX_IP, "emulated: endbr64", 0xf3, 0x0f, 0x1e, 0xfa),
	E("endbr32", X86_EMU_NOP, X86_FIX_IP, "emulated: endbr32", 0xf3, 0x0f, 0x1e, 0xfb),
	/* Refused: kernel entries, traps, privileged and I/O instructions. */
	R("syscall", "refused: syscall", 0x0f, 0x05),
	R("sysenter", "refused: sysenter", 0x0f, 0x34),
	R("int $0x80", "refused: int $N", 0xcd, 0x80),
	R("int3", "refused: int3", 0xcc),
	R("int1", "refused: int1", 0xf1),
	R("ud2", "refused: ud2", 0x0f, 0x0b),
	R("ud1", "refused: ud1", 0x0f, 0xb9, 0x00),
	R("ud0", "refused: ud0", 0x0f, 0xff, 0x00),
	R("iret", "refused: iret", 0xcf),
	R("iretq", "refused: iret", 0x48, 0xcf),
	R("hlt", "refused: hlt", 0xf4),
	R("in %dx,%al", "refused: in/out", 0xec),
	R("out %al,$0x80", "refused: in/out", 0xe6, 0x80),
	R("insb", "refused: ins/outs", 0x6c),
	R("cli", "refused: cli", 0xfa),
	R("sti", "refused: sti", 0xfb),
	R("wrmsr", "refused: wrmsr", 0x0f, 0x30),
	R("rdtscp (0f 01)", "refused: 0f 01 group", 0x0f, 0x01, 0xf9),
	R("xgetbv (0f 01)", "refused: 0f 01 group", 0x0f, 0x01, 0xd0),
	R("mfence (0f ae)", "refused: 0f ae group", 0x0f, 0xae, 0xf0),
	R("fxsave (0f ae)", "refused: 0f ae group", 0x0f, 0xae, 0x00),
	/* Refused: prefixes and exception masking. */
	R("lock add", "refused: lock prefix", 0xf0, 0x48, 0x01, 0x07),
	R("lock cmpxchg", "refused: lock prefix", 0xf0, 0x0f, 0xb1, 0x0f),
	R("cs mov", "refused: cs prefix", 0x2e, 0x48, 0x8b, 0x00),
	R("es mov", "refused: es prefix", 0x26, 0x48, 0x8b, 0x00),
	R("ss mov", "refused: ss prefix", 0x36, 0x48, 0x8b, 0x00),
	R("ds mov", "refused: ds prefix", 0x3e, 0x48, 0x8b, 0x00),
	R("cs jcc hint", "refused: cs prefix", 0x2e, 0x74, 0x02),
	R("notrack jmp *%rax", "refused: ds prefix", 0x3e, 0xff, 0xe0),
	R("mov %ax,%ss", "refused: mov/pop %ss", 0x8e, 0xd0),
	R("mov mem,%ss", "refused: mov/pop %ss", 0x8e, 0x15, 0x00, 0x01, 0x00, 0x00),
	/* Refused: 16-bit and far branches, xbegin. */
	R("callw", "refused: 16-bit branch", 0x66, 0xe8, 0x00, 0x00, 0x00, 0x00),
	R("jmpw rel", "refused: 16-bit branch", 0x66, 0xe9, 0x00, 0x00, 0x00, 0x00),
	R("jmpw rel8", "refused: 16-bit branch", 0x66, 0xeb, 0x02),
	R("jcc 66 rel8", "refused: 16-bit branch", 0x66, 0x74, 0x02),
	R("jcc 66 rel32", "refused: 16-bit branch", 0x66, 0x0f, 0x84, 0x00, 0x00, 0x00, 0x00),
	R("retw", "refused: 16-bit branch", 0x66, 0xc3),
	R("jmpw *%ax", "refused: 16-bit branch", 0x66, 0xff, 0xe0),
	R("lret", "refused: far branch", 0xcb),
	R("lret $8", "refused: far branch", 0xca, 0x08, 0x00),
	R("lcall *(%rsp)", "refused: far branch", 0xff, 0x1c, 0x24),
	R("ljmp *(%rsp)", "refused: far branch", 0xff, 0x2c, 0x24),
	R("xbegin", "refused: xbegin", 0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00),
	/* Boosted, rip-relative: loads, stores, lea, immediates after the displacement. */
	X("mov 0x100(%rip),%rdx", X86_BOOST, RIP, RSI,
	  "boosted: mov 0x100(%rip), %rdx [rip-relative via %rsi]", 0x48, 0x8b, 0x15, 0x00, 0x01,
	  0x00, 0x00),
	X("mov %eax,0x100(%rip)", X86_BOOST, RIP, RSI, "boosted: mov %eax, 0x100(%rip)", 0x89, 0x05,
	  0x00, 0x01, 0x00, 0x00),
	X("lea 0x100(%rip),%rax", X86_BOOST, RIP, RSI, "boosted: lea", 0x48, 0x8d, 0x05, 0x00, 0x01,
	  0x00, 0x00),
	X("cmpl $0x2a,0x100(%rip)", X86_BOOST, RIP, RSI, "boosted: cmpl $0x2A", 0x83, 0x3d, 0x00,
	  0x01, 0x00, 0x00, 0x2a),
	X("cmpl $imm32,0x100(%rip)", X86_BOOST, RIP, RSI, "boosted: cmpl $0x12345678", 0x81, 0x3d,
	  0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
	X("movw $imm16,0x100(%rip)", X86_BOOST, RIP, RSI, "boosted: movw", 0x66, 0xc7, 0x05, 0x00,
	  0x01, 0x00, 0x00, 0x34, 0x12),
	X("mov 0x100(%rip),%r15 (REX.R)", X86_BOOST, RIP, RSI, "boosted: mov", 0x4c, 0x8b, 0x3d,
	  0x00, 0x01, 0x00, 0x00),
	X("mov 0x100(%rip),%rax (REX.B)", X86_BOOST, RIP, RSI, "boosted: mov", 0x49, 0x8b, 0x05,
	  0x00, 0x01, 0x00, 0x00),
	X("mov 0x100(%eip),%eax", X86_BOOST, RIP, RSI, "boosted: mov", 0x67, 0x8b, 0x05, 0x00, 0x01,
	  0x00, 0x00),
	X("push 0x100(%rip)", X86_BOOST, RIP, RSI, "boosted: push", 0xff, 0x35, 0x00, 0x01, 0x00,
	  0x00),
	X("mov %rsi,0x100(%rip)", X86_BOOST, RIP, RDI, "via %rdi", 0x48, 0x89, 0x35, 0x00, 0x01,
	  0x00, 0x00),
	X("andn 0x100(%rip),%rsi,%rdi", X86_BOOST, RIP, RBX, "via %rbx", 0xc4, 0xe2, 0xc8, 0xf2,
	  0x3d, 0x00, 0x01, 0x00, 0x00),
	X("cmpxchg16b 0x100(%rip)", X86_BOOST, RIP, RSI, "boosted: cmpxchg16b", 0x48, 0x0f, 0xc7,
	  0x0d, 0x00, 0x01, 0x00, 0x00),
	X("mulx 0x100(%rip),%ebx,%ecx", X86_BOOST, RIP, RSI, "boosted: mulx", 0xc4, 0xe2, 0x63,
	  0xf6, 0x0d, 0x00, 0x01, 0x00, 0x00),
	/* Boosted, rip-relative VEX and EVEX, with the B/X bits set and cleared. */
	X("vmovdqu 0x100(%rip),%xmm0 vex2", X86_BOOST, RIP, RSI, "boosted: vmovdqu", 0xc5, 0xfa,
	  0x6f, 0x05, 0x00, 0x01, 0x00, 0x00),
	X("vmovdqu 0x100(%rip),%xmm0 vex3", X86_BOOST, RIP, RSI, "boosted: vmovdqu", 0xc4, 0xe1,
	  0x7a, 0x6f, 0x05, 0x00, 0x01, 0x00, 0x00),
	X("vmovdqu 0x100(%rip),%xmm0 vex3 B=1", X86_BOOST, RIP, RSI, "boosted: vmovdqu", 0xc4, 0x81,
	  0x7a, 0x6f, 0x05, 0x00, 0x01, 0x00, 0x00),
	X("vmovdqu %ymm6,0x100(%rip)", X86_BOOST, RIP, RSI, "boosted: vmovdqu", 0xc5, 0xfe, 0x7f,
	  0x35, 0x00, 0x01, 0x00, 0x00),
	X("vaddps 0x100(%rip),%zmm1,%zmm0", X86_BOOST, RIP, RSI, "boosted: vaddps", 0x62, 0xf1,
	  0x74, 0x48, 0x58, 0x05, 0x00, 0x01, 0x00, 0x00),
	X("vaddps evex B=1 X=1", X86_BOOST, RIP, RSI, "boosted: vaddps", 0x62, 0x91, 0x74, 0x48,
	  0x58, 0x05, 0x00, 0x01, 0x00, 0x00),
	X("vmovdqu32 0x100(%rip),%xmm0", X86_BOOST, RIP, RSI, "boosted: vmovdqu32", 0x62, 0xf1,
	  0x7e, 0x08, 0x6f, 0x05, 0x00, 0x01, 0x00, 0x00),
	/* Boosted without rip-relative operands. */
	X("pushf", X86_BOOST, X86_FIX_IP | X86_FIX_PUSHF, NONE, "boosted: pushfq", 0x9c),
	X("add %rbx,%rax", X86_BOOST, X86_FIX_IP, NONE, "boosted: add", 0x48, 0x01, 0xd8),
	X("mov (%rax),%rdx", X86_BOOST, X86_FIX_IP, NONE, "boosted: mov", 0x48, 0x8b, 0x10),
	X("mov %fs:0x28,%rax", X86_BOOST, X86_FIX_IP, NONE, "boosted: mov %fs:", 0x64, 0x48, 0x8b,
	  0x04, 0x25, 0x28, 0x00, 0x00, 0x00),
	X("sub $0x18,%esp", X86_BOOST, X86_FIX_IP, NONE, "boosted: sub", 0x83, 0xec, 0x18),
	X("mov %al,%bl", X86_BOOST, X86_FIX_IP, NONE, "boosted: mov", 0x88, 0xc3),
	X("enter", X86_BOOST, X86_FIX_IP, NONE, "boosted: enter", 0xc8, 0x10, 0x00, 0x00),
	X("leave", X86_BOOST, X86_FIX_IP, NONE, "boosted: leave", 0xc9),
	X("pause", X86_BOOST, X86_FIX_IP, NONE, "boosted: pause", 0xf3, 0x90),
	X("xchg %eax,%r8d (41 90)", X86_BOOST, X86_FIX_IP, NONE, "boosted: xchg", 0x41, 0x90),
	X("rep movsq", X86_BOOST, X86_FIX_IP, NONE, "boosted: rep movsq", 0xf3, 0x48, 0xa5),
	X("nopl (%rax) reg=1", X86_BOOST, X86_FIX_IP, NONE, "boosted: nop", 0x0f, 0x1f, 0x48, 0x00),
	/* Stepped: indirect branches, loops, popf. */
	X("call *0x100(%rip)", X86_STEP, X86_FIX_CALL | X86_FIX_RIP, RSI,
	  "stepped: indirect call: call 0x100(%rip) [rip-relative via %rsi]", 0xff, 0x15, 0x00,
	  0x01, 0x00, 0x00),
	X("call *%rax", X86_STEP, X86_FIX_CALL, NONE, "stepped: indirect call", 0xff, 0xd0),
	X("call *(%rax)", X86_STEP, X86_FIX_CALL, NONE, "stepped: indirect call", 0xff, 0x10),
	X("jmp *%rax", X86_STEP, 0, NONE, "stepped: indirect jump: jmp %rax", 0xff, 0xe0),
	X("jmp *0x100(%rip)", X86_STEP, X86_FIX_RIP, RSI, "stepped: indirect jump", 0xff, 0x25,
	  0x00, 0x01, 0x00, 0x00),
	X("jmp *(%rax,%rcx,8)", X86_STEP, 0, NONE, "stepped: indirect jump", 0xff, 0x24, 0xc8),
	X("loop", X86_STEP, X86_FIX_IP, NONE, "stepped: loop/jrcxz", 0xe2, 0xfe),
	X("loope", X86_STEP, X86_FIX_IP, NONE, "stepped: loop/jrcxz", 0xe1, 0xfe),
	X("jrcxz", X86_STEP, X86_FIX_IP, NONE, "stepped: loop/jrcxz", 0xe3, 0x00),
	X("popf", X86_STEP, X86_FIX_IP | X86_FIX_SETF, NONE, "stepped: popf", 0x9d),
};

static void check_row(void **state)
{
	const struct row *r = *state;
	struct x86_insn insn;

	assert_int_equal(x86_analyze(r->b, r->n, TEST_VADDR, &insn), 0);
	if (!strstr(insn.reason, r->reason))
		fail_msg("%s: reason \"%s\" lacks \"%s\"", r->name, insn.reason, r->reason);
	assert_int_equal(insn.cls, r->cls);
	assert_int_equal(insn.len, r->n);
	assert_int_equal(insn.vaddr, TEST_VADDR);
	assert_memory_equal(insn.bytes, r->b, r->n);
	assert_int_equal(insn.emu.kind, r->kind);
	assert_int_equal(insn.fixups, r->fixups);
	assert_int_equal(insn.scratch, r->scr);
	/* Only rip-relative rewrites and the mangled call change the copy. */
	if (!(r->fixups & (X86_FIX_RIP | X86_FIX_UNDO_CALL)))
		assert_memory_equal(insn.xol, r->b, r->n);
}

static ZydisRegister scratch_zreg(enum x86_scratch s, bool addr32)
{
	switch (s) {
	case X86_SCRATCH_RSI:
		return addr32 ? ZYDIS_REGISTER_ESI : ZYDIS_REGISTER_RSI;
	case X86_SCRATCH_RDI:
		return addr32 ? ZYDIS_REGISTER_EDI : ZYDIS_REGISTER_RDI;
	case X86_SCRATCH_RBX:
		return addr32 ? ZYDIS_REGISTER_EBX : ZYDIS_REGISTER_RBX;
	default:
		return ZYDIS_REGISTER_NONE;
	}
}

/* The copy is the same instruction with disp32(%scratch) in place of disp32(%rip). */
static void check_rewrite(void **state)
{
	const struct row *r = *state;
	ZydisDecodedOperand a[ZYDIS_MAX_OPERAND_COUNT], b[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction ia, ib;
	struct x86_insn insn = analyze_ok(r->b, r->n, TEST_VADDR);
	ZydisDecoder dec;
	int riprel = 0;

	assert_true(ZYAN_SUCCESS(
		ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)));
	assert_true(ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, insn.bytes, insn.len, &ia, a)));
	assert_true(ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, insn.xol, insn.len, &ib, b)));
	assert_int_equal(ib.length, ia.length);
	assert_int_equal(ib.mnemonic, ia.mnemonic);
	assert_int_equal(ib.operand_count, ia.operand_count);
	for (unsigned int i = 0; i < ia.operand_count; i++) {
		assert_int_equal(b[i].type, a[i].type);
		assert_int_equal(b[i].size, a[i].size);
		if (a[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    (a[i].mem.base == ZYDIS_REGISTER_RIP || a[i].mem.base == ZYDIS_REGISTER_EIP)) {
			riprel++;
			assert_int_equal(b[i].mem.base,
					 scratch_zreg(insn.scratch, ia.address_width == 32));
			assert_int_equal(b[i].mem.index, ZYDIS_REGISTER_NONE);
			assert_int_equal(b[i].mem.disp.value, a[i].mem.disp.value);
			assert_int_equal(b[i].mem.segment, a[i].mem.segment);
		} else if (a[i].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			assert_int_equal(b[i].reg.value, a[i].reg.value);
		} else if (a[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			assert_int_equal(b[i].imm.value.u, a[i].imm.value.u);
		} else if (a[i].type == ZYDIS_OPERAND_TYPE_MEMORY) {
			assert_int_equal(b[i].mem.base, a[i].mem.base);
			assert_int_equal(b[i].mem.index, a[i].mem.index);
		}
	}
	assert_int_equal(riprel, 1);
}

static void test_undecodable(void **state)
{
	const struct {
		const uint8_t *b;
		size_t n;
	} bad[] = {
		{BYTES(0x06)},			 /* push %es */
		{BYTES(0x17)},			 /* pop %ss */
		{BYTES(0x27)},			 /* daa */
		{BYTES(0x60)},			 /* pusha */
		{BYTES(0xce)},			 /* into */
		{BYTES(0xd4, 0x0a)},		 /* aam */
		{BYTES(0x9a, 1, 2, 3, 4, 5, 6)}, /* lcall ptr16:32 */
		{BYTES(0xea, 1, 2, 3, 4, 5, 6)}, /* ljmp ptr16:32 */
		{BYTES(0x48, 0x8b)},		 /* truncated */
		{BYTES(0xe8, 0x00, 0x00)},	 /* truncated call */
		{BYTES(0x0f, 0x04)},		 /* undefined */
		{BYTES(0xf0, 0x90)},		 /* lock nop */
	};
	struct x86_insn insn;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&insn, 0x5a, sizeof(insn));
		assert_int_equal(x86_analyze(bad[i].b, bad[i].n, TEST_VADDR, &insn), -ENOEXEC);
		assert_int_equal(insn.len, 0x5a); /* untouched on failure */
	}
	assert_int_equal(x86_analyze(NULL, 1, 0, &insn), -EINVAL);
	assert_int_equal(x86_analyze((const uint8_t *)"\x90", 1, 0, NULL), -EINVAL);
	assert_int_equal(x86_analyze((const uint8_t *)"\x90", 0, 0, &insn), -ENOEXEC);
}

static void test_emu_operands(void **state)
{
	struct x86_insn i;

	i = analyze_ok(BYTES(0x41, 0x54), TEST_VADDR);
	assert_int_equal(i.emu.reg, 12);
	i = analyze_ok(BYTES(0x48, 0x89, 0xe5), TEST_VADDR);
	assert_int_equal(i.emu.reg, 5);
	assert_int_equal(i.emu.src, 4);
	assert_int_equal(i.emu.bits, 64);
	i = analyze_ok(BYTES(0x89, 0xc7), TEST_VADDR);
	assert_int_equal(i.emu.reg, 7);
	assert_int_equal(i.emu.src, 0);
	assert_int_equal(i.emu.bits, 32);
	i = analyze_ok(BYTES(0x48, 0x83, 0xec, 0x18), TEST_VADDR);
	assert_true(i.emu.sub);
	assert_int_equal(i.emu.imm, 0x18);
	i = analyze_ok(BYTES(0x48, 0x83, 0xc4, 0xf0), TEST_VADDR);
	assert_false(i.emu.sub);
	assert_int_equal(i.emu.imm, -16);
	i = analyze_ok(BYTES(0xeb, 0xfe), TEST_VADDR);
	assert_int_equal(i.emu.imm, -2);
	i = analyze_ok(BYTES(0xc2, 0x08, 0x00), TEST_VADDR);
	assert_int_equal(i.emu.imm, 8);
	for (unsigned int cc = 0; cc < 16; cc++) {
		i = analyze_ok(BYTES((uint8_t)(0x70 + cc), 0x10), TEST_VADDR);
		assert_int_equal(i.emu.kind, X86_EMU_JCC);
		assert_int_equal(i.emu.cc, cc);
		assert_int_equal(i.emu.imm, 0x10);
		i = analyze_ok(BYTES(0x0f, (uint8_t)(0x80 + cc), 0xf0, 0xff, 0xff, 0xff),
			       TEST_VADDR);
		assert_int_equal(i.emu.kind, X86_EMU_JCC);
		assert_int_equal(i.emu.cc, cc);
		assert_int_equal(i.emu.imm, -16);
	}
	/* The call fallback copy is mainline's "call +0". */
	i = analyze_ok(BYTES(0xe8, 0x10, 0x20, 0x30, 0x40), TEST_VADDR);
	assert_memory_equal(i.xol, ((const uint8_t[]){0xe8, 0, 0, 0, 0}), 5);
	assert_memory_equal(i.bytes, ((const uint8_t[]){0xe8, 0x10, 0x20, 0x30, 0x40}), 5);
}

static void test_rex_vex_bits(void **state)
{
	struct x86_insn i;

	/* REX.B cleared so that r/m 110 is %rsi, not %r14. */
	i = analyze_ok(BYTES(0x49, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00), TEST_VADDR);
	assert_memory_equal(i.xol, ((const uint8_t[]){0x48, 0x8b, 0x86, 0, 1, 0, 0}), 7);
	/* VEX3 byte 1: inverted X and B set. */
	i = analyze_ok(BYTES(0xc4, 0x81, 0x7a, 0x6f, 0x05, 0x00, 0x01, 0x00, 0x00), TEST_VADDR);
	assert_int_equal(i.xol[1], 0xe1);
	assert_int_equal(i.xol[4], 0x86);
	/* EVEX P0: same bits. */
	i = analyze_ok(BYTES(0x62, 0x91, 0x74, 0x48, 0x58, 0x05, 0x00, 0x01, 0x00, 0x00),
		       TEST_VADDR);
	assert_int_equal(i.xol[1], 0xf1);
	assert_int_equal(i.xol[5], 0x86);
	/* The immediate after the displacement stays where it was. */
	i = analyze_ok(BYTES(0x81, 0x3d, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
		       TEST_VADDR);
	assert_memory_equal(
		i.xol, ((const uint8_t[]){0x81, 0xbe, 0, 1, 0, 0, 0x78, 0x56, 0x34, 0x12}), 10);
}

static void test_boundary(void **state)
{
	/* push %rbp; mov %rsp,%rbp; sub $16,%rsp; call +0; leave; ret */
	static const uint8_t code[] = {0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10,
				       0xe8, 0x00, 0x00, 0x00, 0x00, 0xc9, 0xc3};
	static const size_t good[] = {0, 1, 4, 8, 13, 14};
	static const size_t bad[] = {2, 3, 5, 6, 7, 9, 12};
	static const uint8_t junk[] = {0x55, 0x0f, 0x04, 0x90, 0x90};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(x86_boundary_check(code, sizeof(code), good[i]), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(x86_boundary_check(code, sizeof(code), bad[i]), -EINVAL);
	assert_int_equal(x86_boundary_check(code, sizeof(code), sizeof(code)), -EINVAL);
	assert_int_equal(x86_boundary_check(NULL, 4, 0), -EINVAL);
	assert_int_equal(x86_boundary_check(junk, sizeof(junk), 1), 0);
	assert_int_equal(x86_boundary_check(junk, sizeof(junk), 3), -ENOEXEC);
}

static void test_force_step(void **state)
{
	struct x86_insn i;

	i = analyze_ok(BYTES(0x48, 0x8b, 0x15, 0x00, 0x01, 0x00, 0x00), TEST_VADDR);
	assert_int_equal(x86_insn_force_step(&i), 0);
	assert_int_equal(i.cls, X86_STEP);
	assert_int_equal(i.fixups, X86_FIX_IP | X86_FIX_RIP);
	i = analyze_ok(BYTES(0x55), TEST_VADDR);
	assert_int_equal(x86_insn_force_step(&i), -EINVAL);
	assert_int_equal(i.cls, X86_EMULATE);
	i = analyze_ok(BYTES(0x0f, 0x05), TEST_VADDR);
	assert_int_equal(x86_insn_force_step(&i), -EINVAL);
	assert_string_equal(x86_class_name(X86_BOOST), "boosted");
	assert_true(x86_is_int3(0xcc));
	assert_false(x86_is_int3(0x90));
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_undecodable),  cmocka_unit_test(test_emu_operands),
		cmocka_unit_test(test_rex_vex_bits), cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_force_step),
	};
	size_t nrows = sizeof(rows) / sizeof(rows[0]), n = 0;
	struct CMUnitTest *t = calloc(2 * nrows + 8, sizeof(*t));
	char(*names)[96] = calloc(2 * nrows, sizeof(*names));
	int rc;

	if (!t || !names)
		return 1;
	for (size_t i = 0; i < nrows; i++) {
		snprintf(names[n], sizeof(names[n]), "row: %s", rows[i].name);
		t[n] = (struct CMUnitTest){names[n], check_row, NULL, NULL, (void *)&rows[i]};
		n++;
		if (rows[i].fixups & X86_FIX_RIP) {
			snprintf(names[n], sizeof(names[n]), "rewrite: %s", rows[i].name);
			t[n] = (struct CMUnitTest){names[n], check_rewrite, NULL, NULL,
						   (void *)&rows[i]};
			n++;
		}
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		t[n++] = fixed[i];
	rc = _cmocka_run_group_tests("x86_analyze", t, n, NULL, NULL);
	free(t);
	free(names);
	return rc;
}
