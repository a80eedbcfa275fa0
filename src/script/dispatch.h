/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SCRIPT_DISPATCH_H
#define SCRIPT_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "vm/program.h"
#include "vm/vm.h"

/* One hit of a process probe, as the engines and uprobes report it. */
struct script_hit {
	pid_t pid, tid;
	struct user_regs_struct *regs; /* NULL for process events */
	bool is_return;
	uint64_t call_slot; /* function probes: the call's return-address slot, 0 if unknown */
};

/* What the probe context says about the hit's process (a gone process: zeros and ""). */
struct script_proc_info {
	pid_t pid;
	pid_t ppid;
	int64_t uid, euid, gid;
	char comm[64];
	char exe[4096];
};

/* The executable of process pid, for probe matching; data is the caller's. */
typedef const char *(*script_exe_fn)(void *data, pid_t pid);

/* The chunk that runs probe p. */
const struct vm_chunk *script_probe_chunk(const struct vm_program *prog, const struct vm_probe *p);
/*
 * Whether process probe p is for process pid: its process(PID), or the executable it names (exe
 * is asked only then).  A file's own probes (a library) match wherever uprobes hit them.
 */
bool script_probe_matches(const struct vm_probe *p, pid_t pid, script_exe_fn exe, void *data);
/* Whether prog has process probes (then it needs a target). */
bool script_needs_target(const struct vm_program *prog);
/* Whether prog has syscall or syscall.return probes. */
bool script_wants_syscalls(const struct vm_program *prog);
/* Whether p is run by a uprobe (function, PLT and mark probes), and whether by a uretprobe. */
bool script_probe_is_uprobe(const struct vm_probe *p);
bool script_probe_is_return(const struct vm_probe *p);
/* The probes of kind in the order they run: priority, then as written.  v has nprobes room. */
unsigned script_probes_in_order(const struct vm_program *prog, enum vm_probe_kind kind,
				const struct vm_probe **v);
/*
 * The context of a hit of p in the process pi describes, target() being target.  The cpu and
 * the access to the process's memory are the host's to fill in.
 */
void script_hit_ctx(struct vm_hit_ctx *ctx, const struct vm_probe *p, const struct script_hit *hit,
		    const struct script_proc_info *pi, int64_t target);

#endif
