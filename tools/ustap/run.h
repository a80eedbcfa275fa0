/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef USTAP_RUN_H
#define USTAP_RUN_H

#include <stdbool.h>
#include <sys/types.h>
#include <wordexp.h>

#include "utrace/script.h"

struct ustap_run_opts {
	const char *output;	    /* -o FILE, NULL: stdout */
	long timeout;		    /* -T SECS, 0: none */
	const char *const *globals; /* -G VAR=VALUE */
	unsigned nglobals;
	pid_t target;		  /* -x PID */
	const char *target_cmd;	  /* -c CMD */
	char *const *target_argv; /* its words; NULL when they could not be split */
	int verbose;
	bool suppress_warnings;
	bool guru;
	bool trap_tier; /* --tier=trap */
};

/* -c CMD in words, as a shell would split it (no command substitution): 0 or -EINVAL. */
int ustap_split_command(const char *cmd, wordexp_t *we);

/*
 * Pass 5: the script runs as a session (include/utrace/script.h) with the options of the
 * command line, its output to stdout or -o FILE, its messages to stderr in stap's words.
 * Returns the exit status: 0, or 1 after a runtime error or when the target cannot be traced.
 */
int ustap_run(const struct vm_program *prog, const struct ustap_run_opts *o);

#endif
