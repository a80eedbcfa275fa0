/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86-64's arch_uprobe_* hooks (src/arch/arch.h): struct arch_uprobe is an x86_insn, and each
 * hook is the x86_* call that does the work, so the generic probe code in src/uprobe never
 * names an x86 type, register or opcode.
 *
 * One policy lives here rather than in x86_analyze(), which says what the instruction allows:
 * a push is emulated by a write into the tracee's stack from the tracer (process_vm_writev),
 * which costs more than letting the thread run the push itself from its XOL slot and jump
 * back; so pushes are boosted.  Measured with bench/probe_cost.sh: boosted push 32 us per
 * hit, emulated 44 us, on this machine.
 */
#include <errno.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64/internal.h"

int arch_uprobe_analyze(struct arch_uprobe *au, const uint8_t *bytes, size_t len, uint64_t vaddr)
{
	struct x86_insn *insn = &au->insn;
	int r = x86_analyze(bytes, len, vaddr, insn);

	if (r < 0 || insn->cls != X86_EMULATE || insn->emu.kind != X86_EMU_PUSH)
		return r;
	insn->cls = X86_BOOST;
	memmove(insn->reason + 8, insn->reason + 9, strlen(insn->reason + 9) + 1); /* "emulated" */
	memcpy(insn->reason, "boosted:", 8);
	return r;
}

enum arch_uprobe_class arch_uprobe_class(const struct arch_uprobe *au)
{
	switch (au->insn.cls) {
	case X86_EMULATE:
		return ARCH_UPROBE_EMULATE;
	case X86_BOOST:
		return ARCH_UPROBE_BOOST;
	case X86_STEP:
		return ARCH_UPROBE_STEP;
	default:
		return ARCH_UPROBE_REFUSE;
	}
}

const char *arch_uprobe_reason(const struct arch_uprobe *au)
{
	return au->insn.reason;
}

size_t arch_uprobe_insn_len(const struct arch_uprobe *au)
{
	return au->insn.len;
}

bool arch_uprobe_same(const struct arch_uprobe *a, const struct arch_uprobe *b)
{
	return !memcmp(&a->insn, &b->insn, sizeof(a->insn));
}

static struct x86_mem x86_mem_of(const struct arch_mem *mem)
{
	struct x86_mem m = {mem->read, mem->write, mem->ctx};

	return m;
}

int arch_uprobe_emulate(const struct arch_uprobe *au, struct user_regs_struct *regs,
			const struct arch_mem *mem)
{
	struct x86_mem m = x86_mem_of(mem);

	if (au->insn.cls != X86_EMULATE)
		return -EINVAL;
	return x86_emulate(&au->insn, regs, &m);
}

int arch_uprobe_prepare_xol(const struct arch_uprobe *au, uint64_t slot_addr, uint8_t *code)
{
	size_t len = 0;

	memset(code, X86_INT3, X86_SLOT_SIZE);
	return x86_xol_prepare(&au->insn, slot_addr, code, X86_SLOT_SIZE, &len);
}

void arch_uprobe_pre_xol(const struct arch_uprobe *au, struct user_regs_struct *regs,
			 uint64_t slot_addr, struct arch_uprobe_task *aut)
{
	(void)x86_xol_pre_step(&au->insn, regs, slot_addr, &aut->step);
}

int arch_uprobe_post_xol(const struct arch_uprobe *au, struct user_regs_struct *regs,
			 uint64_t slot_addr, const struct arch_uprobe_task *aut,
			 const struct arch_mem *mem)
{
	struct x86_mem m = x86_mem_of(mem);

	return x86_xol_post_step(&au->insn, regs, slot_addr, &aut->step, &m);
}

void arch_uprobe_step_desc(const struct arch_uprobe *au, const struct arch_uprobe_task *aut,
			   struct arch_step_desc *ret)
{
	/* x86 register numbers (rax, rcx, ..., r15) as indices of struct sigcontext. */
	static const uint8_t sigcontext_index[16] = {13, 14, 12, 11, 15, 10, 9, 8,
						     0,	 1,  2,	 3,  4,	 5,  6, 7};
	static const struct {
		unsigned int x86, arch;
	} fix[] = {
		{X86_FIX_IP, ARCH_STEP_FIX_IP},
		{X86_FIX_CALL, ARCH_STEP_FIX_CALL},
		{X86_FIX_SETF, ARCH_STEP_FIX_SETF},
		{X86_FIX_RIP, ARCH_STEP_FIX_SCRATCH},
		{X86_FIX_UNDO_CALL, ARCH_STEP_FIX_UNDO_CALL},
		{X86_FIX_PUSHF, ARCH_STEP_FIX_PUSHF},
	};
	const struct x86_insn *insn = &au->insn;
	int num = x86_scratch_num(insn->scratch);

	memset(ret, 0, sizeof(*ret));
	ret->vaddr = insn->vaddr;
	ret->len = insn->len;
	for (size_t i = 0; i < sizeof(fix) / sizeof(fix[0]); i++)
		if (insn->fixups & fix[i].x86)
			ret->fixups |= (uint8_t)fix[i].arch;
	if ((ret->fixups & ARCH_STEP_FIX_SCRATCH) && num >= 0 && num < 16)
		ret->scratch = sigcontext_index[num];
	else
		ret->fixups &= (uint8_t)~ARCH_STEP_FIX_SCRATCH;
	ret->saved_scratch = aut->step.saved_scratch;
	ret->saved_tf = aut->step.saved_tf;
}

void arch_uprobe_abort_xol(const struct arch_uprobe *au, struct user_regs_struct *regs,
			   const struct arch_uprobe_task *aut)
{
	x86_xol_abort(&au->insn, regs, &aut->step);
}

int arch_uprobe_leave_slot(const struct arch_uprobe *au, struct user_regs_struct *regs,
			   uint64_t slot_addr, const struct arch_mem *mem)
{
	uint64_t cell_addr = x86_xol_cell_addr(&au->insn, slot_addr), cell = 0;

	if (cell_addr)
		(void)mem->read(mem->ctx, cell_addr, &cell, sizeof(cell));
	return x86_xol_boost_fixup(&au->insn, regs, slot_addr, cell);
}
