/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_CODEGEN_H
#define LANG_CODEGEN_H

#include "lang/diag.h"
#include "lang/sema/sema.h"
#include "util/strbuf.h"
#include "vm/program.h"

/*
 * Pass 3: translates an elaborated program into bytecode.  Diagnostics (a regex that does not
 * compile) go to dl.  Returns 0 with *ret (free with vm_program_free), -EINVAL on errors.
 */
int codegen(const struct sema_program *sp, struct diag_list *dl, struct vm_program **ret);

/* Frees a program codegen returned; accepts NULL. */
void vm_program_free(struct vm_program *prog);
/* bytecode.c: stap -p3 for us: the constant pools, globals, then each chunk disassembled. */
void vm_program_dump(const struct vm_program *prog, struct strbuf *out);

#endif
