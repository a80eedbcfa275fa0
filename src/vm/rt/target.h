/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_RT_TARGET_H
#define VM_RT_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/rt/value.h"

struct vm;

/*
 * A DWARF target variable ($var, $p->x[2], &$v, $$parms, $p$) of one probe point, resolved by
 * pass 2 into a plan the runtime follows without DWARF: each item walks steps from the hit's
 * registers to an address (or a register's value), then loads and formats it.  A long
 * expression is one value item; a string ($$vars, $v$) is its items' text, in order.  A global
 * (@var, or a $var that is one) starts at a file address of its module, which the runtime
 * moves to where the hit's process has that module.
 */
enum rt_tv_op {
	RT_TV_REG,     /* value = register reg */
	RT_TV_REGADDR, /* address = register reg + arg */
	RT_TV_ADDR,    /* address = arg + the load bias of the item's module in the hit's process */
	RT_TV_DEREF,   /* address = the pointer stored at address (or the value) */
	RT_TV_OFFSET,  /* address += arg */
	RT_TV_INDEX,   /* address += arg * the dynamic index */
};

struct rt_tv_step {
	uint8_t op; /* enum rt_tv_op */
	int8_t reg; /* DWARF register number */
	int64_t arg;
};

enum rt_tv_fmt {
	RT_TV_LIT,     /* just text */
	RT_TV_LONG,    /* load size bytes: a long (strings: decimal) */
	RT_TV_HEX,     /* load: "0x..." */
	RT_TV_ADDRESS, /* the address itself (&$v, arrays) */
	RT_TV_STRING,  /* load a char*: the quoted string it points to */
	RT_TV_CHARS,   /* a char array of size bytes: quoted */
	RT_TV_UNAVAIL, /* "?": not available at this pc */
};

struct rt_tv_item {
	const char *text; /* printed before the value */
	uint8_t fmt;	  /* enum rt_tv_fmt */
	uint8_t size;
	bool is_signed;
	uint8_t nsteps;
	const struct rt_tv_step *steps;
	const char *module; /* the file of RT_TV_ADDR's addresses; NULL: the probed one */
	bool writable;	    /* planned as the target of a guru-mode write (_tvar_set) */
};

struct rt_tv_expr {
	uint32_t nitems;
	const struct rt_tv_item *items;
};

/*
 * _tvar_set(k, index, op, value): a guru-mode write to expression k, a writable long.  op says
 * how value combines with what the variable holds (= += -= ...); with RT_TV_SET_OLD the call
 * gives the value before the write (x++, x--), else the value after it.
 */
enum rt_tv_set_op {
	RT_TV_SET, /* = */
	RT_TV_SET_ADD,
	RT_TV_SET_SUB,
	RT_TV_SET_MUL,
	RT_TV_SET_DIV,
	RT_TV_SET_MOD,
	RT_TV_SET_SHL,
	RT_TV_SET_SHR,
	RT_TV_SET_AND,
	RT_TV_SET_OR,
	RT_TV_SET_XOR,
};
#define RT_TV_SET_OLD 0x100

/* _tvar_long(k, index) and _tvar_str(k, index): expression k of the hit's probe point. */
int rt_tvar_call(struct vm *vm, bool string, vm_val *args, vm_val *ret);
/* _tvar_set(k, index, op, value), see enum rt_tv_set_op. */
int rt_tvar_set(struct vm *vm, vm_val *args, vm_val *ret);

#endif
