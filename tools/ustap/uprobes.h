/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef USTAP_UPROBES_H
#define USTAP_UPROBES_H

#include <stdbool.h>

#include "vm/program.h"

/*
 * Registers a uprobe (entry) or uretprobe (.return) for each function, PLT and mark probe of
 * prog.  A site that cannot be probed is an error for a point written without wildcards and
 * is skipped (said with -v) for a glob's match.  Returns the number registered or -errno.
 */
int uprobes_register_all(const struct vm_program *prog, int verbose);
void uprobes_unregister_all(void);

#endif
