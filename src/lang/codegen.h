/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_CODEGEN_H
#define LANG_CODEGEN_H

#include "lang/bytecode.h"
#include "lang/diag.h"
#include "lang/sema/sema.h"

/*
 * Pass 3: translates an elaborated program into bytecode.  Diagnostics (a regex that does not
 * compile) go to dl.  Returns 0 with *ret (free with vm_program_free), -EINVAL on errors.
 */
int codegen(const struct sema_program *sp, struct diag_list *dl, struct vm_program **ret);

#endif
