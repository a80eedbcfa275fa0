/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The blob's first bytes: struct agent_header (agent_abi.h; agent.c checks this layout against
 * the struct), then the call stub through which the tracer runs every entry.
 *
 * Every value is a difference of two addresses inside the blob.  `sym - __agent_header` with
 * __agent_header in this section is a PC-relative relocation (R_X86_64_PC32) that the static
 * link resolves, so the header needs no load-time fixing: the check in mkblob.py fails the
 * build if anything here (or anywhere) leaves a dynamic relocation behind.
 *
 * The stub: the tracer sets rip to it, rax to the entry, the arguments in rdi, rsi, ... and rsp
 * 16-aligned below the thread's red zone.  The `call` pushes its own return address, so the
 * tracer writes nothing on the thread's stack, and the function returns onto the int3, whose
 * SIGTRAP stop tells the tracer the call is over, with the result in rax.
 */
#include "agent/agent_abi.h"

#define ENTRY_OFFSET(id, fn) .long fn - __agent_header;
#define ENTRY_COUNT(id, fn)  +1

	.section .agent_header, "a"
	.globl	__agent_header
	.hidden	__agent_header
__agent_header:
	.long	AGENT_MAGIC
	.short	AGENT_ABI_VERSION
	.short	AGENT_HDR_SIZE
	.long	__agent_text_end - __agent_header
	.long	__agent_image_end - __agent_header
	.long	__agent_bss_size - __agent_header
	.long	agent_boot_area - __agent_header
	.long	agent_call_stub - __agent_header
	.long	0 AGENT_ENTRIES(ENTRY_COUNT)
	.org	__agent_header + AGENT_HDR_NAME
	.asciz	AGENT_NAME
	.org	__agent_header + AGENT_HDR_ENTRY
	AGENT_ENTRIES(ENTRY_OFFSET)
	.org	__agent_header + AGENT_HDR_SIZE

	.text
	.globl	agent_call_stub
	.hidden	agent_call_stub
	.type	agent_call_stub, @function
agent_call_stub:
	call	*%rax
	int3
	.size	agent_call_stub, . - agent_call_stub

/* The sa_restorer of the agent's signal handlers: what glibc's __restore_rt is. */
	.globl	agent_sigreturn
	.hidden	agent_sigreturn
	.type	agent_sigreturn, @function
agent_sigreturn:
	mov	$15, %eax /* __NR_rt_sigreturn */
	syscall
	.size	agent_sigreturn, . - agent_sigreturn

	.section .note.GNU-stack, "", @progbits
