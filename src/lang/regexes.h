/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_REGEXES_H
#define LANG_REGEXES_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/vm.h"

/*
 * The regexes of a program compiled for a host's regex_match op, with libc's regcomp (POSIX
 * extended syntax, as stap's =~).  A program carries only their source (vm_program.regex_src),
 * so it can be packed for the agent; the tracer compiles them once per session.
 */
struct vm_regexes;

/* Whether src compiles (codegen's diagnostic). */
bool vm_regex_valid(const char *src);
/* Compiles every regex of prog into *ret.  Returns 0, -ENOMEM, or -EINVAL (one is invalid). */
int vm_regexes_compile(const struct vm_program *prog, struct vm_regexes **ret);
/* vm_host.regex_match over set: 1 on a match (m filled), 0 on none, -EINVAL. */
int vm_regexes_match(const struct vm_regexes *set, uint32_t re, const char *s,
		     struct vm_submatch *m, unsigned nm);
/* Accepts NULL. */
void vm_regexes_free(struct vm_regexes *set);

#endif
