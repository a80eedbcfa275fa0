/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_RT_USER_H
#define VM_RT_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/rt/value.h"

struct vm;

/* An argument of an SDT marker (sys/sdt.h), as sym parsed the note's text. */
enum rt_sdt_kind {
	RT_SDT_CONST, /* $5 */
	RT_SDT_REG,   /* %edi */
	RT_SDT_MEM,   /* -8(%rbp), 16(%rax,%rcx,8) */
};

struct rt_sdt_arg {
	uint8_t kind; /* enum rt_sdt_kind */
	uint8_t size; /* bytes: 1, 2, 4 or 8 */
	bool is_signed;
	bool unsupported; /* a symbolic displacement (sym+4(%rip)): not readable yet */
	int8_t reg;	  /* DWARF number, -1 none */
	int8_t index_reg;
	uint8_t scale;
	int64_t value; /* CONST: the value; MEM: the displacement */
};

/*
 * The built-ins of a process probe: probe context (ppfunc, uaddr, usymname...), arguments and
 * registers of the hit, and reads of the traced process's memory.  Called by rt_builtin_call
 * for the ids it does not handle itself; same contract (0, or -1 after vm_fail).
 */
int rt_user_call(struct vm *vm, int id, vm_val *args, vm_val *ret);

#endif
