/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the x86-64 probe-site analysis (src/arch/x86_64/): random bytes as the
 * code under a breakpoint.  Input: four header bytes (vaddr choice, TF, stack placement, patch
 * flags; the arithmetic flags; an XOL slot size; an offset for the boundary check and the
 * patch), then the code.
 *
 * Each input goes through what the uprobes layer does with a site: x86_analyze and
 * x86_boundary_check; for what is not refused, x86_xol_prepare into a slot of exactly
 * X86_SLOT_SIZE bytes and into one of the header's size (heap buffers, so a write past the
 * end is an ASan report), the step fix-ups (pre, post, abort) and the boost fix-up at every
 * offset of the slot; for what is emulated, x86_emulate on a fake register set and a fake
 * stack that may fault, whose contract is checked: success or -EFAULT with the registers
 * untouched, rip where the instruction goes.
 *
 * The same bytes, taken as a whole function, go through jump-patch analysis, relocation and
 * the patch jump (patch.h), whose results must stay in their buffers and describe the range.
 *
 * And every emulated instruction is also run by the CPU, as tests/unit/x86 does for jcc: the
 * bytes are copied into an RWX page between int3 fillers, with a landing stub at each place
 * it may continue (fall-through, the branch target when it lies in the page, the return
 * address of a ret), entered with all sixteen registers and the flags loaded from a struct
 * (x86f_run below), and the registers, flags, rip reached and stack bytes the CPU leaves must
 * equal what x86_emulate computed.  A stray jump hits an int3 (SIGTRAP), which libFuzzer
 * reports as a crash like any other mismatch.
 */
#include <string.h>
#include <sys/user.h>

#include "arch/x86_64/patch.h"
#include "arch/x86_64/x86.h"

#include "fuzz_util.h"

#define HDR	     4
#define JIT_SIZE     0x2000
#define JIT_INSN     0x800  /* where the instruction runs */
#define JIT_RET_STUB 0x100  /* where a ret lands */
#define JIT_CELLS    0x1f00 /* landing address (8 bytes) and the stub id (1 byte) */
#define STUB_LEN     13
#define STACK_BYTES  512
#define ARITH_FLAGS  0x8d5ULL

/* The CPU side: hardware register order (rax rcx rdx rbx rsp rbp rsi rdi r8..r15), flags. */
struct x86f_regs {
	uint64_t r[17];
};

__attribute__((visibility("hidden"))) struct x86f_regs x86f_in, x86f_out;
__attribute__((visibility("hidden"))) uint64_t x86f_host_rsp, x86f_entry;
__attribute__((visibility("hidden"), aligned(16))) uint8_t x86f_tmp_stack[256];
__attribute__((visibility("hidden"), aligned(16))) uint8_t x86f_stack[STACK_BYTES];

void x86f_run(void);
void x86f_landing(void);

__asm__(".text\n"
	".globl x86f_run\n"
	".hidden x86f_run\n"
	".type x86f_run,@function\n"
	"x86f_run:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	mov %rsp, x86f_host_rsp(%rip)\n"
	"	pushq x86f_in+128(%rip)\n"
	"	popfq\n"
	"	mov x86f_in+0(%rip), %rax\n"
	"	mov x86f_in+8(%rip), %rcx\n"
	"	mov x86f_in+16(%rip), %rdx\n"
	"	mov x86f_in+24(%rip), %rbx\n"
	"	mov x86f_in+40(%rip), %rbp\n"
	"	mov x86f_in+48(%rip), %rsi\n"
	"	mov x86f_in+56(%rip), %rdi\n"
	"	mov x86f_in+64(%rip), %r8\n"
	"	mov x86f_in+72(%rip), %r9\n"
	"	mov x86f_in+80(%rip), %r10\n"
	"	mov x86f_in+88(%rip), %r11\n"
	"	mov x86f_in+96(%rip), %r12\n"
	"	mov x86f_in+104(%rip), %r13\n"
	"	mov x86f_in+112(%rip), %r14\n"
	"	mov x86f_in+120(%rip), %r15\n"
	"	mov x86f_in+32(%rip), %rsp\n"
	"	jmp *x86f_entry(%rip)\n"
	".size x86f_run, .-x86f_run\n"
	".globl x86f_landing\n"
	".hidden x86f_landing\n"
	".type x86f_landing,@function\n"
	"x86f_landing:\n"
	"	mov %rsp, x86f_out+32(%rip)\n"
	"	mov %rax, x86f_out+0(%rip)\n"
	"	mov %rcx, x86f_out+8(%rip)\n"
	"	mov %rdx, x86f_out+16(%rip)\n"
	"	mov %rbx, x86f_out+24(%rip)\n"
	"	mov %rbp, x86f_out+40(%rip)\n"
	"	mov %rsi, x86f_out+48(%rip)\n"
	"	mov %rdi, x86f_out+56(%rip)\n"
	"	mov %r8, x86f_out+64(%rip)\n"
	"	mov %r9, x86f_out+72(%rip)\n"
	"	mov %r10, x86f_out+80(%rip)\n"
	"	mov %r11, x86f_out+88(%rip)\n"
	"	mov %r12, x86f_out+96(%rip)\n"
	"	mov %r13, x86f_out+104(%rip)\n"
	"	mov %r14, x86f_out+112(%rip)\n"
	"	mov %r15, x86f_out+120(%rip)\n"
	"	lea x86f_tmp_stack+256(%rip), %rsp\n"
	"	pushfq\n"
	"	popq x86f_out+128(%rip)\n"
	"	mov x86f_host_rsp(%rip), %rsp\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	".size x86f_landing, .-x86f_landing\n");

/* The emulator's view of the same stack bytes, at the same addresses. */
struct fake_stack {
	uint64_t base;
	uint8_t mem[STACK_BYTES];
};

static int stack_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake_stack *s = ctx;

	if (addr < s->base || addr - s->base > STACK_BYTES || len > STACK_BYTES - (addr - s->base))
		return -EFAULT;
	memcpy(buf, s->mem + (addr - s->base), len);
	return 0;
}

static int stack_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	struct fake_stack *s = ctx;

	if (addr < s->base || addr - s->base > STACK_BYTES || len > STACK_BYTES - (addr - s->base))
		return -EFAULT;
	memcpy(s->mem + (addr - s->base), buf, len);
	return 0;
}

static const uint64_t vaddrs[8] = {
	0x401000ULL,	       0x7f1234567000ULL,     0,
	0xfffffffffffffff8ULL, 0x7ffffffff000ULL - 4, 0xffffffff80000000ULL,
	0xfffffff8ULL,	       0x555555554abcULL,
};

/*
 * Where a process's code can be, for the jump patches: relocating code that sits where the
 * address space wraps (vaddrs[2], [3], [5], [6]) is not asked of x86_relocate.
 */
static const uint64_t user_vaddrs[4] = {0x401000ULL, 0x7f1234567000ULL, 0x555555554abcULL,
					0x7ffffffff000ULL - 4};

static struct user_regs_struct base_regs(uint64_t rip, uint64_t rsp, uint64_t eflags)
{
	struct user_regs_struct r;

	memset(&r, 0, sizeof(r));
	for (unsigned int i = 0; i < 16; i++)
		*x86_reg(&r, i) = 0x0101010101010101ULL * (i + 1) ^ 0x8000000080000000ULL;
	r.rsp = rsp;
	r.rip = rip;
	r.eflags = eflags;
	return r;
}

static uint64_t arith_flags(uint8_t bits)
{
	static const uint64_t flag[6] = {0x001, 0x004, 0x010, 0x040, 0x080, 0x800};
	uint64_t f = 0x202;

	for (int i = 0; i < 6; i++)
		if (bits & (1u << i))
			f |= flag[i];
	return f;
}

static void check_analysis(const struct x86_insn *insn, const uint8_t *code, size_t len,
			   uint64_t vaddr)
{
	FUZZ_CHECK(insn->len >= 1 && insn->len <= X86_MAX_INSN && insn->len <= len);
	FUZZ_CHECK(!memcmp(insn->bytes, code, insn->len));
	FUZZ_CHECK(insn->vaddr == vaddr);
	FUZZ_CHECK(memchr(insn->reason, '\0', sizeof(insn->reason)));
	FUZZ_CHECK((unsigned int)insn->cls <= X86_STEP);
	FUZZ_CHECK(x86_class_name(insn->cls));
	FUZZ_CHECK(insn->cls != X86_EMULATE || insn->emu.kind != X86_EMU_NONE);
	FUZZ_CHECK((unsigned int)insn->scratch <= X86_SCRATCH_RBX);
	FUZZ_CHECK(!(insn->fixups & X86_FIX_RIP) || insn->scratch != X86_SCRATCH_NONE);
	if (insn->len < len)
		FUZZ_CHECK(x86_boundary_check(code, len, insn->len) == 0);
}

static void check_slot(const struct x86_insn *insn, uint64_t slot_addr, size_t slot_size)
{
	uint8_t *slot = malloc(slot_size ? slot_size : 1);
	size_t used = 0;
	int r;

	if (!slot)
		return;
	r = x86_xol_prepare(insn, slot_addr, slot, slot_size, &used);
	FUZZ_CHECK(r == 0 || r == -ENOSPC);
	if (r == 0) {
		uint64_t cell = x86_xol_cell_addr(insn, slot_addr);

		FUZZ_CHECK(used >= insn->len && used <= slot_size);
		if (cell) {
			FUZZ_CHECK(cell % 8 == 0 && cell >= slot_addr &&
				   cell - slot_addr <= used - 8);
			for (uint64_t off = 0; off <= used; off++) {
				struct user_regs_struct regs = base_regs(slot_addr + off, 0, 0x202);

				r = x86_xol_boost_fixup(insn, &regs, slot_addr, 0x1234);
				FUZZ_CHECK(r == -EINVAL || (r == 0 && regs.rip == insn->vaddr) ||
					   (r == 1 && regs.rip == insn->vaddr + insn->len));
			}
		}
	}
	free(slot);
}

/* One single-step as the tracer runs it, the stepped copy having fallen through. */
static void check_step(const struct x86_insn *insn, uint64_t slot_addr, uint64_t eflags,
		       bool with_stack)
{
	struct fake_stack stack = {.base = 0x7ffe0000ULL};
	const struct x86_mem mem = {stack_read, stack_write, &stack};
	struct user_regs_struct regs = base_regs(insn->vaddr, stack.base + 256, eflags);
	struct x86_step st;
	int r;

	if (x86_xol_pre_step(insn, &regs, slot_addr, &st) < 0) {
		FUZZ_CHECK(insn->cls != X86_STEP && insn->cls != X86_EMULATE);
		return;
	}
	FUZZ_CHECK(regs.rip == slot_addr);
	regs.rip = slot_addr + insn->len;
	r = x86_xol_post_step(insn, &regs, slot_addr, &st, with_stack ? &mem : NULL);
	FUZZ_CHECK(r >= 0 || (r == -EFAULT && regs.rip == insn->vaddr));
	regs.rip = slot_addr;
	x86_xol_abort(insn, &regs, &st);
	FUZZ_CHECK(regs.rip == insn->vaddr);
}

static void check_emulate(const struct x86_insn *insn, uint64_t eflags, uint8_t mode)
{
	struct fake_stack stack = {.base = 0x7ffe0000ULL};
	const struct x86_mem mem = {stack_read, stack_write, &stack};
	uint64_t rsp = stack.base + (mode & 0x20 ? (mode & 0x80 ? 0 : STACK_BYTES - 4) : 256);
	struct user_regs_struct regs = base_regs(insn->vaddr + 3, rsp, eflags), before = regs;
	uint64_t next = insn->vaddr + insn->len, top = 0;
	int r;

	for (size_t i = 0; i < STACK_BYTES; i++)
		stack.mem[i] = (uint8_t)(i * 7);
	(void)stack_read(&stack, rsp, &top, sizeof(top));
	r = x86_emulate(insn, &regs, mode & 0x10 ? NULL : &mem);
	if (r == -EFAULT) {
		FUZZ_CHECK(!memcmp(&regs, &before, sizeof(regs)));
		return;
	}
	FUZZ_CHECK(r == ((eflags & X86_EFLAGS_TF) ? X86_RES_SIGTRAP : 0));
	switch (insn->emu.kind) {
	case X86_EMU_JMP:
	case X86_EMU_CALL:
		FUZZ_CHECK(regs.rip == next + (uint64_t)insn->emu.imm);
		break;
	case X86_EMU_JCC:
		FUZZ_CHECK(regs.rip ==
			   next + (x86_cond(insn->emu.cc, eflags) ? (uint64_t)insn->emu.imm : 0));
		break;
	case X86_EMU_RET:
		FUZZ_CHECK(regs.rip == top);
		break;
	default:
		FUZZ_CHECK(regs.rip == next);
		break;
	}
}

/* ---- the same instruction on the CPU ---------------------------------------------------- */

static uint8_t *jit;

static void put_stub(uint8_t *at, uint8_t id)
{
	int32_t rel_id = (int32_t)((jit + JIT_CELLS + 8) - (at + 7));
	int32_t rel_land = (int32_t)((jit + JIT_CELLS) - (at + 13));

	at[0] = 0xc6; /* movb $id, which(%rip) */
	at[1] = 0x05;
	memcpy(at + 2, &rel_id, 4);
	at[6] = id;
	at[7] = 0xff; /* jmp *landing(%rip) */
	at[8] = 0x25;
	memcpy(at + 9, &rel_land, 4);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static void compare_with_cpu(const uint8_t *code, size_t len, uint64_t eflags)
{
	uint64_t vaddr, next, target = 0, ret_stub;
	struct fake_stack emu = {0};
	const struct x86_mem mem = {stack_read, stack_write, &emu};
	struct user_regs_struct regs;
	struct x86_insn insn;
	uint8_t which;

	if (!jit) {
		jit = mmap(NULL, JIT_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		FUZZ_CHECK(jit != MAP_FAILED);
	}
	vaddr = (uint64_t)(uintptr_t)(jit + JIT_INSN);
	if (x86_analyze(code, len, vaddr, &insn) < 0 || insn.cls != X86_EMULATE)
		return;
	next = vaddr + insn.len;
	ret_stub = (uint64_t)(uintptr_t)(jit + JIT_RET_STUB);
	memset(jit, X86_INT3, JIT_CELLS);
	memcpy(jit + JIT_INSN, insn.bytes, insn.len);
	put_stub(jit + JIT_INSN + insn.len, 1);
	put_stub(jit + JIT_RET_STUB, 3);
	if (insn.emu.kind == X86_EMU_JMP || insn.emu.kind == X86_EMU_CALL ||
	    insn.emu.kind == X86_EMU_JCC) {
		target = next + (uint64_t)insn.emu.imm;
		if (target < (uint64_t)(uintptr_t)jit ||
		    target + STUB_LEN > (uint64_t)(uintptr_t)jit + JIT_CELLS ||
		    overlaps(target, STUB_LEN, vaddr, insn.len + STUB_LEN) ||
		    overlaps(target, STUB_LEN, ret_stub, STUB_LEN))
			return;
		put_stub(jit + (target - (uint64_t)(uintptr_t)jit), 2);
	}
	{
		uint64_t land = (uint64_t)(uintptr_t)&x86f_landing;

		memcpy(jit + JIT_CELLS, &land, sizeof(land));
		jit[JIT_CELLS + 8] = 0;
	}
	__builtin___clear_cache((char *)jit, (char *)jit + JIT_SIZE);

	emu.base = (uint64_t)(uintptr_t)x86f_stack;
	for (size_t i = 0; i < STACK_BYTES; i++)
		emu.mem[i] = (uint8_t)(i * 13 + 5);
	memcpy(emu.mem + STACK_BYTES / 2, &ret_stub, sizeof(ret_stub));
	memcpy(x86f_stack, emu.mem, STACK_BYTES);
	regs = base_regs(vaddr, emu.base + STACK_BYTES / 2, eflags);
	for (unsigned int i = 0; i < 16; i++)
		x86f_in.r[i] = *x86_reg(&regs, i);
	x86f_in.r[16] = eflags;
	x86f_entry = vaddr;

	FUZZ_CHECK(x86_emulate(&insn, &regs, &mem) == 0);
	x86f_run();
	which = jit[JIT_CELLS + 8];

	for (unsigned int i = 0; i < 16; i++)
		FUZZ_CHECK(x86f_out.r[i] == *x86_reg(&regs, i));
	FUZZ_CHECK(((x86f_out.r[16] ^ regs.eflags) & ARITH_FLAGS) == 0);
	FUZZ_CHECK(regs.rip == (which == 1 ? next : which == 2 ? target : ret_stub));
	FUZZ_CHECK(!memcmp(x86f_stack, emu.mem, STACK_BYTES));
}

/* ---- jump patches ------------------------------------------------------------------------ */

struct code_image {
	const uint8_t *code;
	size_t len;
	uint64_t vaddr;
};

/* The function's own bytes are all the image there is (for jump tables). */
static int image_read(void *ctx, uint64_t vaddr, void *buf, size_t len)
{
	const struct code_image *im = ctx;

	if (vaddr < im->vaddr || vaddr - im->vaddr > im->len || len > im->len - (vaddr - im->vaddr))
		return -EFAULT;
	memcpy(buf, im->code + (vaddr - im->vaddr), len);
	return 0;
}

static void check_reloc(const struct x86_patch *p, uint64_t to)
{
	struct x86_reloc rel;
	int r = x86_relocate(p, to, &rel);

	FUZZ_CHECK(r == 0 || r == -ERANGE);
	if (r < 0)
		return;
	FUZZ_CHECK(rel.len <= X86_RELOC_MAX);
	for (unsigned int i = 0; i < p->ninsn; i++)
		FUZZ_CHECK(rel.insn_off[i] < rel.insn_off[i + 1]);
	FUZZ_CHECK(rel.insn_off[p->ninsn] < rel.len);
}

/*
 * The code as a whole function (the header's second byte may keep its last bytes as padding
 * and name an entry point inside it), patched at the boundary-check offset: x86_patch_analyze,
 * then for an accepted range x86_relocate near and beyond +-2 GiB and x86_patch_jump into a
 * buffer of exactly the range.
 */
static void check_patch(const uint8_t *code, size_t len, uint64_t vaddr, const uint8_t *hdr)
{
	struct code_image im = {code, len, vaddr};
	size_t pad = len ? (hdr[2] >> 4) % len : 0, entry = hdr[2] % (len ? len : 1);
	struct x86_func fn = {
		.code = code,
		.size = len - pad,
		.pad = pad,
		.vaddr = vaddr,
		.entries = &entry,
		.nentries = hdr[1] >> 7,
		.read = hdr[0] & 0x40 ? image_read : NULL,
		.ctx = &im,
	};
	unsigned int flags = (hdr[1] & 0x40 ? X86_PATCH_AFTER_ENDBR : 0) |
			     (hdr[0] & 0x80 ? X86_PATCH_TAIL_CALLS : 0);
	struct x86_patch p;
	struct x86_reloc rel;
	unsigned int covered = 0;
	uint8_t *jump;

	if (!fn.size)
		return;
	FUZZ_CHECK(x86_patch_analyze(&fn, fn.size, flags, &p) == -EINVAL);
	FUZZ_CHECK(x86_patch_analyze(&fn, hdr[3] % fn.size, flags, &p) == 0);
	FUZZ_CHECK((unsigned int)p.verdict < X86_PATCH_NVERDICTS);
	FUZZ_CHECK(memchr(p.reason, '\0', sizeof(p.reason)));
	(void)x86_patch_verdict_text(p.verdict);
	if (p.verdict != X86_PATCH_OK) {
		FUZZ_CHECK(x86_relocate(&p, vaddr + 0x1000, &rel) == -EINVAL);
		return;
	}
	FUZZ_CHECK(p.len >= X86_JMP_LEN && p.len <= X86_PATCH_MAX_BYTES);
	FUZZ_CHECK(p.ninsn >= 1 && p.ninsn <= X86_PATCH_MAX_INSN);
	FUZZ_CHECK(p.offset >= hdr[3] % fn.size && p.offset + p.len <= fn.size + fn.pad);
	FUZZ_CHECK(p.vaddr == vaddr + p.offset);
	FUZZ_CHECK(!memcmp(p.bytes, code + p.offset, p.len));
	for (unsigned int i = 0; i < p.ninsn; i++)
		covered += p.insn_len[i];
	FUZZ_CHECK(covered >= 1 && covered <= p.len);
	check_reloc(&p, vaddr + 0x1000);
	check_reloc(&p, vaddr - 0x7fff0000ULL);
	check_reloc(&p, vaddr + 0x80001000ULL);
	jump = malloc(p.len);
	if (!jump)
		abort();
	FUZZ_CHECK(x86_patch_jump(&p, vaddr + 0x1000, jump, p.len - 1) == -EINVAL);
	if (x86_patch_jump(&p, vaddr + 0x1000, jump, p.len) == 0) {
		FUZZ_CHECK(jump[0] == 0xe9);
		for (unsigned int i = X86_JMP_LEN; i < p.len; i++)
			FUZZ_CHECK(jump[i] == X86_INT3);
	}
	free(jump);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *code = data + HDR;
	struct x86_insn insn, stepped;
	uint64_t vaddr, eflags, slot_addr = 0x7fff00001000ULL;
	size_t len;
	uint8_t mode;
	int r;

	if (size < HDR)
		return 0;
	len = size - HDR;
	mode = data[0];
	vaddr = vaddrs[mode & 7];
	eflags = arith_flags(data[1]) | (mode & 8 ? X86_EFLAGS_TF : 0);

	if (len)
		FUZZ_CHECK(x86_boundary_check(code, len, 0) == 0);
	r = x86_boundary_check(code, len, data[3]);
	FUZZ_CHECK(r == 0 || r == -ENOEXEC || r == -EINVAL);
	FUZZ_CHECK(x86_boundary_check(code, len, len) == -EINVAL);
	check_patch(code, len, user_vaddrs[mode & 3], data);
	r = x86_analyze(code, len, vaddr, &insn);
	FUZZ_CHECK(r == 0 || r == -ENOEXEC || r == -EINVAL);
	if (r < 0)
		return 0;
	check_analysis(&insn, code, len, vaddr);
	if (insn.cls == X86_REFUSE) {
		uint8_t slot[X86_SLOT_SIZE];
		size_t used;

		FUZZ_CHECK(x86_xol_prepare(&insn, slot_addr, slot, sizeof(slot), &used) == -EINVAL);
		return 0;
	}
	check_slot(&insn, slot_addr, X86_SLOT_SIZE);
	check_slot(&insn, slot_addr + data[2], data[2] & 0x7f);
	check_step(&insn, slot_addr, eflags, false);
	check_step(&insn, slot_addr, eflags, true);
	if (insn.cls == X86_EMULATE) {
		check_emulate(&insn, eflags, mode);
		compare_with_cpu(code, len, eflags & ~X86_EFLAGS_TF);
	}
	stepped = insn;
	if (insn.cls == X86_BOOST) {
		FUZZ_CHECK(x86_insn_force_step(&stepped) == 0 && stepped.cls == X86_STEP);
		check_slot(&stepped, slot_addr, X86_SLOT_SIZE);
		check_step(&stepped, slot_addr, eflags, true);
	}
	return 0;
}
