/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The in-process agent: code that the tracer maps into a traced process and calls there.  This
 * file holds its state and its first two entries; entry.S holds the header and the call stub,
 * agent.lds lays the blob out, mkblob.py checks it and embeds it in the tracer.
 *
 * What it may do.  The agent runs on threads of a program that knows nothing about it: a
 * thread stopped by the tracer may hold the program's locks, so the agent never calls the
 * program's libc (nor any libc: it is built -ffreestanding -nostdlib and talks to the kernel
 * through agent_syscall.h).  It never touches %fs (no TLS, no stack protector: a Go program
 * has no glibc TCB), nor the FPU and vector registers (-mgeneral-regs-only: the trampolines to
 * come save only the general registers and the flags).  Its code is position-independent and
 * the blob has no relocation at all, so it runs wherever the loader could map it.  Every
 * entry must stay reentrant and async-signal-safe: a probe may hit in a signal handler that
 * interrupted another hit.
 *
 * What it does so far.  agent_init(boot) is called once after loading, with the boot block the
 * tracer wrote at header.boot; it checks the block's version and size, copies it, asks the
 * kernel which process it is in (so that a fork child that inherited the mapping can tell
 * later), and installs nothing.  agent_ping(x) returns agent_ping_value(x, cookie): a value
 * only code that ran agent_init with that cookie, in this process, can give.
 *
 * The script's VM, its host and the entries VM_INIT and RUN are host_agent.c's; its output
 * ring is ring.c's; the dispatcher, the entry the jump-patch trampolines call with a register
 * context, which counts the hit and runs the site's probes through host_agent.c, is
 * dispatch.c's; the SIGTRAP handler that undoes the trap tier when the tracer is gone is
 * signal.c's.  What comes next, in this directory:
 *   - a SIGSEGV/SIGBUS handler chained to the program's own (installed and removed through the
 *     undo journal), so that reads of user memory that fault become script errors;
 *   - the shared region: a memfd the tracer creates and maps in both processes (boot.shared),
 *     holding globals, maps, aggregates and per-probe counters;
 *   - a multi-producer ring buffer in it for output records, dropping and counting when full.
 */
#include <linux/errno.h>
#include <stddef.h>

#include "agent/agent_abi.h"
#include "agent/agent_syscall.h"
#include "agent/dispatch.h"

_Static_assert(offsetof(struct agent_header, name) == AGENT_HDR_NAME, "entry.S layout");
_Static_assert(offsetof(struct agent_header, entry) == AGENT_HDR_ENTRY, "entry.S layout");
_Static_assert(sizeof(struct agent_header) == AGENT_HDR_SIZE, "entry.S layout");
_Static_assert(AGENT_NENTRIES <= AGENT_ENTRY_MAX, "entry table full");

struct agent_state {
	struct agent_boot boot;
	int32_t pid;
	int initialized;
};

/* Written by the tracer, read by agent_init only. */
HIDDEN struct agent_boot agent_boot_area;
static struct agent_state state;

HIDDEN uint64_t agent_init(struct agent_boot *boot);
HIDDEN uint64_t agent_ping(uint64_t x);

uint64_t agent_init(struct agent_boot *boot)
{
	if (state.initialized)
		return AGENT_STATUS(-EALREADY);
	if (boot->version != AGENT_ABI_VERSION || boot->size < sizeof(*boot))
		return AGENT_STATUS(-EPROTO);
	state.boot = *boot;
	state.pid = (int32_t)agent_syscall0(__NR_getpid);
	boot->ret_pid = state.pid;
	if (boot->shared && boot->shared_size >= sizeof(struct agent_shared))
		agent_shared_region = (struct agent_shared *)boot->shared;
	state.initialized = 1;
	return AGENT_STATUS(0);
}

uint64_t agent_ping(uint64_t x)
{
	return agent_ping_value(x, state.boot.cookie);
}
