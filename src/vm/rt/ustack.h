/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_RT_USTACK_H
#define VM_RT_USTACK_H

#include "vm/rt/value.h"

struct vm;

/*
 * The user-stack built-ins (ubacktrace, print_ubacktrace, ucallers, print_usyms, ...): 0, -1
 * after vm_fail, or 1 when id is not one of them.
 */
int rt_ustack_call(struct vm *vm, int id, vm_val *args, vm_val *ret);

#endif
