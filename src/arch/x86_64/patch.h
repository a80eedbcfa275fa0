/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86-64 jump patching, the pure half of the in-process tier (design.md section 4).
 *
 * A probe site becomes a 5-byte "jmp rel32" to a trampoline within +-2 GiB.  The trampoline
 * (built by the agent layer) saves registers, runs the handler, then runs the relocated copy of
 * the instructions the jump replaced and jumps back to the first instruction after them.
 *
 *   x86_patch_analyze  whether a site may be patched, and which whole instructions the jump
 *                      covers; every refusal carries a verdict and a reason for -v;
 *   x86_relocate       the covered instructions re-encoded for the trampoline's address,
 *                      followed by the jump back;
 *   x86_patch_jump     the bytes written over the site.
 *
 * All three are pure: bytes in, bytes out, no ptrace and no process access.
 */
#ifndef ARCH_X86_64_PATCH_H
#define ARCH_X86_64_PATCH_H

#include "arch/x86_64/x86.h"

#define X86_JMP_LEN	     5
#define X86_PATCH_MAX_INSN   X86_JMP_LEN		      /* five 1-byte instructions */
#define X86_PATCH_MAX_BYTES  (X86_JMP_LEN - 1 + X86_MAX_INSN) /* 4 bytes, then one of 15 */
#define X86_PATCH_REASON_MAX 160
#define X86_RELOC_MAX	     160

/*
 * x86_patch_analyze flags.  AFTER_ENDBR: put the jump after an endbr64 found at the probe
 * address.  TAIL_CALLS: take an indirect jmp that shows no sign of a jump table (through a
 * pointer loaded from memory without an index, or through a register not computed in its
 * block) for a tail call, whose target is a function's entry and so not inside the range.
 * That is an assumption about data the bytes cannot show (a label address stored in a table
 * and jumped to from another block breaks it), so it is the caller's choice.
 */
#define X86_PATCH_AFTER_ENDBR 0x1u
#define X86_PATCH_TAIL_CALLS  0x2u

/* The outcome of an analysis; the text starts the reason ("refused: <text>: <detail>"). */
#define X86_PATCH_VERDICTS(X)                           \
	X(OK, "patchable")                              \
	X(DECODE, "does not decode")                    \
	X(BOUNDARY, "not an instruction boundary")      \
	X(FUNC_END, "range crosses the function's end") \
	X(INSN, "instruction cannot be relocated")      \
	X(CALL, "call before the end of the range")     \
	X(BRANCH, "branch target inside the range")     \
	X(ENTRY, "entry point inside the range")        \
	X(ADDR, "address taken inside the range")       \
	X(ENDBR, "endbr64 inside the range")            \
	X(INDIRECT, "indirect jump: jump-table targets unknown")

enum x86_patch_verdict {
#define X86_PATCH_ENUM(name, text) X86_PATCH_##name,
	X86_PATCH_VERDICTS(X86_PATCH_ENUM)
#undef X86_PATCH_ENUM
	X86_PATCH_NVERDICTS
};

/* What an accepted range holds (x86_patch.flags). */
enum {
	X86_PATCH_F_ENDBR = 1 << 0,  /* the jump sits after an endbr64 at the probe address */
	X86_PATCH_F_RIPREL = 1 << 1, /* a rip-relative memory operand, re-aimed by x86_relocate */
	X86_PATCH_F_BRANCH = 1 << 2, /* a jcc/jmp/loop with a relative target */
	X86_PATCH_F_CALL = 1 << 3,   /* a call, necessarily the last instruction */
	X86_PATCH_F_NOP = 1 << 4,    /* one NOP of 5 bytes or more and nothing else */
	X86_PATCH_F_TABLE = 1 << 5,  /* the function has jump tables, all of them read */
	X86_PATCH_F_TAIL = 1 << 6,   /* accepted under X86_PATCH_TAIL_CALLS */
	X86_PATCH_F_PAD = 1 << 7,    /* the range ends in padding after the function */
};

/*
 * The function around a probe site, as its file has it.  entries are offsets (from code[0]) of
 * other ways in that the bytes do not show: other symbols inside the function, exception
 * landing pads, targets of branches in split-off parts (foo.cold).  pad is the number of
 * bytes after the function, also in code[], that the caller knows nothing enters (alignment
 * padding that no symbol and no unwind entry claims); a range may end in them after a ret or
 * jmp, when they are NOPs or int3.  read, if set, reads bytes of the same image at a virtual
 * address (the jump tables in .rodata) and returns 0 or -errno; without it any jump table
 * means a refusal.
 */
struct x86_func {
	const uint8_t *code;
	size_t size;
	size_t pad;
	uint64_t vaddr; /* address of code[0] */
	const size_t *entries;
	size_t nentries;
	int (*read)(void *ctx, uint64_t vaddr, void *buf, size_t len);
	void *ctx;
};

struct x86_patch {
	enum x86_patch_verdict verdict;
	uint64_t vaddr; /* where the jump goes */
	size_t offset;	/* the same, from code[0] */
	uint8_t len;	/* bytes covered: whole instructions (and padding), >= X86_JMP_LEN */
	uint8_t ninsn;	/* instructions covered, padding not counted */
	uint8_t insn_len[X86_PATCH_MAX_INSN];
	uint8_t bytes[X86_PATCH_MAX_BYTES]; /* the original bytes at vaddr, len of them */
	unsigned int flags;		    /* X86_PATCH_F_* */
	char reason[X86_PATCH_REASON_MAX];  /* "patchable: 8 bytes: push %rbp; ..." */
};

/*
 * Analyse a jump patch at fn->code + offset.  Returns 0 with *ret filled, refusals included
 * (verdict != X86_PATCH_OK); -EINVAL for bad arguments (offset outside the function).
 */
int x86_patch_analyze(const struct x86_func *fn, size_t offset, unsigned int flags,
		      struct x86_patch *ret);

const char *x86_patch_verdict_text(enum x86_patch_verdict v);

/* The relocated copy: code[insn_off[i]] is instruction i's, code[insn_off[ninsn]] the jump back. */
struct x86_reloc {
	uint8_t code[X86_RELOC_MAX];
	size_t len;
	uint8_t insn_off[X86_PATCH_MAX_INSN + 1];
};

/*
 * Relocate an accepted patch's instructions to run at address to.  Returns 0, -EINVAL (not an
 * accepted patch), -ERANGE (a rip-relative operand's target is beyond +-2 GiB of to).
 */
int x86_relocate(const struct x86_patch *p, uint64_t to, struct x86_reloc *ret);

/*
 * The p->len bytes to write at p->vaddr: "jmp tramp", then int3 for the rest of the range.
 * Returns 0, -EINVAL, -ERANGE (tramp beyond +-2 GiB of the site).
 */
int x86_patch_jump(const struct x86_patch *p, uint64_t tramp, uint8_t *out, size_t size);

#endif
