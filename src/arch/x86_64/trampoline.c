/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trampolines of jump-patched sites.  The site's jmp lands here with every register as it was
 * at the probe address, and the code below does, in order:
 *
 *   lea -128(%rsp),%rsp      step over the red zone, which the probed code may be using
 *   lea -16(%rsp),%rsp       room for rip and rsp, the top of struct agent_regs
 *   pushfq; cld              flags saved; the SysV ABI wants DF clear at a call
 *   push rax .. r15          the rest of struct agent_regs, r15 lowest
 *   rip, rsp filled in       the probe address (movabs; an endbr64 before the jump
 *                            included), rsp as it was (lea)
 *   mov %rsp,%rbx; mov %rsp,%rdi; and $-16,%rsp; mov $site,%esi
 *   call *dispatch(%rip)     through the absolute pointer at the end of the slot
 *   mov %rbx,%rsp            rbx is callee-saved, so it still points at the registers
 *   pop r15 .. rax; popfq    the registers, as the handler may have changed them
 *   lea 144(%rsp),%rsp       over rip and rsp and back above the red zone
 *   <relocated instructions, jmp back>   x86_relocate's code for this address
 *
 * The call is made with rsp 16-byte aligned whatever the probed code's alignment was.  The
 * dispatcher sees the program's stack below the red zone and nothing else of ours; rip and rsp
 * in the context are for reading only.  A slot is X86_TRAMP_SLOT bytes; the pointer is its
 * last 8, within rel32 of the call by construction.  Every length is fixed, so the only ways
 * to fail are an unaccepted patch and a relocation out of reach (x86_relocate's errors).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "agent/agent_abi.h"
#include "arch/x86_64/trampoline.h"

#define RED_ZONE 128

struct emit {
	uint8_t *p;
	size_t n;
};

static void put(struct emit *e, const void *bytes, size_t len)
{
	memcpy(e->p + e->n, bytes, len);
	e->n += len;
}

static void put32(struct emit *e, uint32_t v)
{
	put(e, &v, 4);
}

/* push/pop of register number @reg (0 rax .. 15 r15), opcode 0x50 or 0x58. */
static void pushpop(struct emit *e, unsigned int reg, uint8_t op)
{
	uint8_t b[2] = {0x41, (uint8_t)(op + (reg & 7))};

	if (reg >= 8)
		put(e, b, 2);
	else
		put(e, b + 1, 1);
}

/* rax rcx rdx rbx rbp rsi rdi r8 .. r15: push order, the reverse of struct agent_regs. */
static const uint8_t push_order[15] = {0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

int x86_trampoline(const struct x86_patch *p, uint64_t at, uint64_t dispatch, uint32_t site,
		   uint8_t out[X86_TRAMP_SLOT])
{
	static const uint8_t lea_red[] = {0x48, 0x8d, 0x64, 0x24, 0x80}; /* lea -128(%rsp),%rsp */
	static const uint8_t lea_top[] = {0x48, 0x8d, 0x64, 0x24, 0xf0}; /* lea -16(%rsp),%rsp */
	static const uint8_t pushf_cld[] = {0x9c, 0xfc};
	static const uint8_t movabs_rax[] = {0x48, 0xb8};
	static const uint8_t store_rax[] = {0x48, 0x89, 0x84, 0x24}; /* mov %rax,d32(%rsp) */
	static const uint8_t lea_rax[] = {0x48, 0x8d, 0x84, 0x24};   /* lea d32(%rsp),%rax */
	static const uint8_t setup[] = {0x48, 0x89, 0xe3,	     /* mov %rsp,%rbx */
					0x48, 0x89, 0xe7,	     /* mov %rsp,%rdi */
					0x48, 0x83, 0xe4, 0xf0};     /* and $-16,%rsp */
	static const uint8_t call_ind[] = {0xff, 0x15};		     /* call *d32(%rip) */
	static const uint8_t back[] = {0x48, 0x89, 0xdc};	     /* mov %rbx,%rsp */
	static const uint8_t lea_up[] = {0x48, 0x8d, 0xa4, 0x24};    /* lea d32(%rsp),%rsp */
	struct emit e = {out, 0};
	struct x86_reloc rel;
	uint64_t probe;
	int i, r;

	if (!p || p->verdict != X86_PATCH_OK)
		return -EINVAL;
	/* The probe's own address: before the endbr64 (4 bytes) that the jump sits after. */
	probe = p->vaddr - (p->flags & X86_PATCH_F_ENDBR ? 4 : 0);
	memset(out, 0xcc, X86_TRAMP_SLOT);
	put(&e, lea_red, sizeof(lea_red));
	put(&e, lea_top, sizeof(lea_top));
	put(&e, pushf_cld, sizeof(pushf_cld));
	for (i = 0; i < 15; i++)
		pushpop(&e, push_order[i], 0x50);
	put(&e, movabs_rax, sizeof(movabs_rax));
	put(&e, &probe, 8);
	put(&e, store_rax, sizeof(store_rax));
	put32(&e, offsetof(struct agent_regs, rip));
	put(&e, lea_rax, sizeof(lea_rax));
	put32(&e, sizeof(struct agent_regs) + RED_ZONE);
	put(&e, store_rax, sizeof(store_rax));
	put32(&e, offsetof(struct agent_regs, rsp));
	put(&e, setup, sizeof(setup));
	put(&e, &(uint8_t){0xbe}, 1); /* mov $site,%esi */
	put32(&e, site);
	put(&e, call_ind, sizeof(call_ind));
	put32(&e, (uint32_t)(X86_TRAMP_PTR_OFF - (e.n + 4)));
	put(&e, back, sizeof(back));
	for (i = 14; i >= 0; i--)
		pushpop(&e, push_order[i], 0x58);
	put(&e, &(uint8_t){0x9d}, 1); /* popfq */
	put(&e, lea_up, sizeof(lea_up));
	put32(&e, 16 + RED_ZONE);
	r = x86_relocate(p, at + e.n, &rel);
	if (r < 0)
		return r;
	if (e.n + rel.len > X86_TRAMP_PTR_OFF)
		return -ERANGE;
	put(&e, rel.code, rel.len);
	memcpy(out + X86_TRAMP_PTR_OFF, &dispatch, 8);
	return 0;
}
