/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef INJECT_AGENT_LOAD_H
#define INJECT_AGENT_LOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/agent_abi.h"

struct sym_maps;

/* The farthest a rel32 jmp is trusted to reach, with a margin: 2 GiB less 64 KiB. */
#define INJ_REACH 0x7fff0000ull

/* The agent as loaded into one process. */
struct inj_agent {
	pid_t pid;
	uint64_t base;		 /* where the blob is mapped */
	uint64_t size;		 /* of the whole mapping: text r-x, then data and bss rw- */
	bool near_exe;		 /* within INJ_REACH of the main executable's text */
	uint64_t cookie;	 /* given to agent_init; agent_ping mixes it in */
	uint32_t version;	 /* agent_init's answer */
	pid_t agent_pid;	 /* getpid() as the agent saw it */
	struct agent_header hdr; /* the blob's header */
	uint64_t shared;	 /* boot.shared and shared_size, as loaded */
	uint64_t shared_size;
	struct cure *cure;	       /* the journal that has the mapping, or NULL */
	const struct cure_backend *be; /* how it reaches the process */
	uint64_t map_id;	       /* the mapping's entry in it */
};

/* inj_agent_load_opts: a journal to record the mapping in, a shared region for the boot. */
struct cure;
struct cure_backend;
struct inj_agent_opts {
	struct cure *cure; /* NULL: the mapping is the caller's to unload */
	const struct cure_backend *be;
	uint64_t shared, shared_size;
};

/*
 * Map the embedded agent into the process of thread @tid and run agent_init there.  @tid must
 * be held in a ptrace-stop by an engine (in a report, or by UTRACE_STOP); the other threads may
 * run or be held.  The blob goes into an anonymous mapping, written while it is rw-, then its
 * text is made r-x: never writable and executable at once.  Errors (-errno) are logged with the
 * pid; on failure nothing of ours is left in the process.
 */
int inj_agent_load(pid_t tid, struct inj_agent **ret_agent);
/*
 * The same, with @opts: the mapping is made through the journal (cure_mmap), and unload takes
 * it out of the journal again (cure_revert); boot.shared is @opts->shared.
 */
int inj_agent_load_opts(pid_t tid, const struct inj_agent_opts *opts, struct inj_agent **ret_agent);
/* Call @entry with @args in held thread @tid of the agent's process; *ret_value is its rax. */
int inj_agent_call(struct inj_agent *agent, pid_t tid, enum agent_entry entry,
		   const uint64_t args[6], uint64_t *ret_value);
/* agent_ping(@x) in @tid. */
int inj_agent_ping(struct inj_agent *agent, pid_t tid, uint64_t x, uint64_t *ret_value);
/*
 * Unmap the agent through held thread @tid and free @agent.  No thread may be inside the agent
 * (today only a remote call enters it, and it is over when inj_agent_call returns).  The
 * struct is freed even when the unmap fails (the process is gone, say).
 */
int inj_agent_unload(struct inj_agent *agent, pid_t tid);
/* Forget the agent without touching the process (it exec'd or died).  NULL is fine. */
void inj_agent_free(struct inj_agent *agent);

/* agent_place.c: choosing the address. */
/* The span of the executable mappings of file @exe in @m. */
int inj_exe_text(const struct sym_maps *m, const char *exe, uint64_t *ret_lo, uint64_t *ret_hi);
/* Whether [addr, addr+size) is within INJ_REACH of all of [lo, hi). */
bool inj_reaches(uint64_t addr, uint64_t size, uint64_t lo, uint64_t hi);
/* A free address for @size bytes in reach of [lo, hi) (agent_place.c says which); -ENOSPC. */
int inj_place_near(const struct sym_maps *m, uint64_t lo, uint64_t hi, uint64_t size,
		   uint64_t *ret_addr);

#endif
