/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_RT_STRINGS_H
#define VM_RT_STRINGS_H

#include "vm/vm.h"

/*
 * The string built-ins.  Each takes its arguments in args (as the builtin table types them),
 * puts its result in *ret (strings in the hit's scratch area) and returns 0, or -1 after
 * vm_fail.
 */
int rt_substr(struct vm *vm, const vm_val *args, vm_val *ret);
int rt_stringat(struct vm *vm, const vm_val *args, vm_val *ret);
int rt_strpos(struct vm *vm, const vm_val *args, vm_val *ret);
int rt_str_replace(struct vm *vm, const vm_val *args, vm_val *ret);
int rt_strtol(struct vm *vm, const vm_val *args, vm_val *ret);
int rt_tokenize(struct vm *vm, const vm_val *args, vm_val *ret);
int rt_text_str(struct vm *vm, const char *s, size_t n, bool quoted, vm_val *ret);
/* ctime(): "Thu Jan  1 00:00:00 1970" for epoch seconds, UTC, in buf (at least 32 bytes). */
void rt_ctime(int64_t secs, char *buf);

#endif
