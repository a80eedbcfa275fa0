/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UTRACE_TOOL_PROBES_H
#define UTRACE_TOOL_PROBES_H

#include <stdbool.h>
#include <stdio.h>

struct trace_opts;

/* Register the probes of one -U SPEC; @exe is the traced program.  Prints its own errors. */
int probes_add(const char *spec, const char *exe, const struct trace_opts *opts);
bool probes_any(void);
/* ltrace -c's table of function calls. */
void probes_summary(FILE *out);

#endif
