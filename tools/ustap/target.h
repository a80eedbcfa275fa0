/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef USTAP_TARGET_H
#define USTAP_TARGET_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/user.h>

#include "vm/program.h"

/* One hit of a process probe, as the engines and uprobes report it. */
struct ustap_hit {
	pid_t pid, tid;
	struct user_regs_struct *regs; /* NULL for process events */
	bool is_return;
	uint64_t call_slot; /* function probes: the call's return-address slot, 0 if unknown */
};

/*
 * Runs probe p for a hit (run.c); returns false once the session must end.  Whether the
 * hitting process is one the probe is for (its PATH or PID) is checked here first.
 */
bool ustap_fire(const struct vm_probe *p, const struct ustap_hit *hit);
bool ustap_probe_matches(const struct vm_probe *p, pid_t pid);

/* Whether prog has process probes (then it needs -c or -x). */
bool target_needed(const struct vm_program *prog);
/* -c CMD: the words of CMD (wordexp, no command substitution) started stopped before exec. */
int target_spawn(const char *cmd, pid_t *ret_pid);
/* The executable -c CMD would run, or of -x PID, for pass 2's bare process(...). */
int target_path(const char *cmd, long pid, char *buf, size_t len);
/*
 * Installs prog's probes on the target: uprobes (registered, then the process watched, forks
 * followed) and the engine of process events on every thread.  Reports and returns -errno.
 */
int target_setup(const struct vm_program *prog, pid_t pid, bool spawned, int verbose);
/* After the begin probes: -c lets the command run; -x fires process.begin once. */
int target_go(void);
/* Whether the target process has exited. */
bool target_exited(void);
/* Runs the reports that are pending; false when nothing is traced any more. */
bool target_poll(void);
/*
 * The end: probes removed from whatever still runs and every thread detached; a command
 * started by -c that still runs is killed, as stap's -c does.
 */
void target_finish(void);

#endif
