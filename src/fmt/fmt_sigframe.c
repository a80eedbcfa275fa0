/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_sigframe: rt_sigreturn, whose only argument is the signal frame on the stack.  On x86-64
 * the handler's return pops the frame's return address, so at the entry of rt_sigreturn the stack
 * pointer is the address of the frame's struct ucontext, and the signal mask the call restores is
 * its uc_sigmask: 40 bytes of flags, link and stack_t, then the 256-byte struct sigcontext.  The
 * printed mask is therefore the one in force before the handler ran, not the handler's sa_mask.
 * Without a stack pointer (fmt_ctx.sp == 0) nothing is printed between the parentheses; an
 * unreadable frame prints the mask's address, as strace does.
 */
#include "fmt_priv.h"

#define UC_SIGMASK_OFFSET (40 + 256)

bool fmt_sys_rt_sigreturn(struct fmt_call *c)
{
	uint64_t addr = c->ctx->sp + UC_SIGMASK_OFFSET;
	uint64_t mask;

	if (c->exiting || !c->ctx->sp)
		return false;
	sb_printf(c->out, "{mask=");
	if (fmt_read_all(c->ctx, addr, &mask, sizeof(mask)))
		fmt_print_addr(c->out, addr);
	else
		fmt_print_sigmask(c->out, &mask, sizeof(mask));
	sb_putc(c->out, '}');
	return false;
}
