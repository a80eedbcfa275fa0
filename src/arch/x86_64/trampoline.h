/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The trampoline of one jump-patched site (trampoline.c): saves the registers as a
 * struct agent_regs, calls the agent's dispatcher, restores them, runs the relocated
 * instructions and jumps back.  Pure: bytes out.
 */
#ifndef ARCH_X86_64_TRAMPOLINE_H
#define ARCH_X86_64_TRAMPOLINE_H

#include "arch/x86_64/patch.h"

#define X86_TRAMP_SLOT	  512 /* bytes per site: code, then the dispatcher's address */
#define X86_TRAMP_PTR_OFF (X86_TRAMP_SLOT - 8)

/*
 * The X86_TRAMP_SLOT bytes of the trampoline for accepted patch @p at address @at, calling
 * @dispatch(regs, @site).  Returns 0, -EINVAL (not an accepted patch), -ERANGE (the relocated
 * code cannot reach its targets from @at).
 */
int x86_trampoline(const struct x86_patch *p, uint64_t at, uint64_t dispatch, uint32_t site,
		   uint8_t out[X86_TRAMP_SLOT]);

#endif
