/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's dispatcher, as the rest of the agent sees it (dispatch.c). */
#ifndef AGENT_DISPATCH_H
#define AGENT_DISPATCH_H

#include "agent/agent_abi.h"

#define HIDDEN __attribute__((visibility("hidden")))

/* The shared region, set by agent_init from boot.shared; NULL: hits only return. */
HIDDEN extern struct agent_shared *agent_shared_region;

HIDDEN void agent_dispatch(struct agent_regs *regs, uint32_t site);

#endif
