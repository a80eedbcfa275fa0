/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef USTAP_LIST_H
#define USTAP_LIST_H

#include <stdbool.h>
#include <stdio.h>

#include "lang/sema/sema.h"

/* -l / -L: every point of the elaborated probes, sorted, once; returns the exit status. */
int ustap_list(const struct sema_program *sp, bool with_vars, FILE *out);

#endif
