/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Counter handlers: a probe whose handler only adds constants to long globals ({ n++ },
 * { hits += 2; calls++ }), which the agent runs without the VM (src/agent/dispatch.c): an
 * atomic add per ADDG, no lock, no interpreter, nanoseconds a hit.
 *
 * Why that is the VM's own result.  ADDG is atomic in the VM as well, so two handlers that
 * both add to n lose nothing whoever runs them.  What would lose adds is a handler that reads
 * n and writes it back ({ println(n); n = 0 }: an add between the read and the write, made
 * by a thread that did not wait for the lock, is overwritten).  So a global qualifies only
 * when nothing in the whole program writes it but ADDG: vm_globals_written marks the others
 * (STG and GCLEAR, the only other writers of a scalar long), and vm_handler_adds refuses a
 * handler that adds to one of those.  A reader elsewhere may see n grow between two reads of
 * one handler, as a reader of a counter that other cpus update does in stap.
 *
 * STMT is skipped, not counted: a handler of at most max statements cannot reach MAXACTION.
 */
#include "vm/vm.h"

void vm_globals_written(const struct vm_program *prog, uint64_t *written, uint32_t nbits)
{
	for (uint32_t i = 0; i < (nbits + 63) / 64; i++)
		written[i] = 0;
	for (uint32_t i = 0; i < prog->nchunks; i++) {
		const struct vm_chunk *c = &prog->chunks[i];

		for (uint32_t pc = 0; pc < c->ncode; pc++) {
			const struct vm_insn *in = &c->code[pc];

			if ((in->op == VM_OP_STG || in->op == VM_OP_GCLEAR) && in->a < nbits)
				written[in->a / 64] |= 1ull << (in->a % 64);
		}
	}
}

int vm_handler_adds(const struct vm_program *prog, const struct vm_chunk *c,
		    const uint64_t *written, uint32_t nbits, struct vm_add *out, int max)
{
	int n = 0;

	for (uint32_t pc = 0; pc < c->ncode; pc++) {
		const struct vm_insn *in = &c->code[pc];

		switch (in->op) {
		case VM_OP_STMT:
		case VM_OP_NOP:
			break;
		case VM_OP_NEXT:
			return pc == c->ncode - 1 ? n : -1;
		case VM_OP_ADDG:
			if (n == max || in->a >= nbits || in->a >= prog->nglobals ||
			    written[in->a / 64] & 1ull << (in->a % 64))
				return -1;
			out[n].global = in->a;
			out[n].delta = in->b;
			n++;
			break;
		default:
			return -1;
		}
	}
	return -1;
}
