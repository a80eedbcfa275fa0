/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef USTAP_RUN_H
#define USTAP_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/program.h"

struct ustap_run_opts {
	const char *output;	    /* -o FILE, NULL: stdout */
	long timeout;		    /* -T SECS, 0: none */
	const char *const *globals; /* -G VAR=VALUE */
	unsigned nglobals;
	int64_t target;		/* -x PID */
	const char *target_cmd; /* -c CMD */
	int verbose;
	bool suppress_warnings;
};

/*
 * Pass 5: starts -c CMD or attaches to -x PID when the script has process probes (or -c is
 * given), runs the begin probes, then timer and process probes until exit(), -T,
 * SIGINT/SIGTERM/SIGHUP or the target's exit, then the end probes (or the error probes after
 * a runtime error) and prints the globals stap prints at the end.  Returns the exit status:
 * 0, or 1 after a runtime error or when the target cannot be traced.
 */
int ustap_run(const struct vm_program *prog, const struct ustap_run_opts *o);

#endif
