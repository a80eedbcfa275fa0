/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_CSTRING_H
#define VM_CSTRING_H

/*
 * The string.h routines of the VM.  -ffreestanding (src/vm/meson.build) stops the compiler
 * from assuming what they do, which turns every 8-byte copy of a value into a call; through
 * these the known sizes are expanded inline again, and the rest still calls the routine (libc's
 * in the tracer, src/agent/string.c's in the agent).  Every .c file of the VM includes this
 * instead of <string.h>.
 */
#include <string.h>

#define memcpy(d, s, n)	 __builtin_memcpy(d, s, n)
#define memmove(d, s, n) __builtin_memmove(d, s, n)
#define memset(d, c, n)	 __builtin_memset(d, c, n)
#define memcmp(a, b, n)	 __builtin_memcmp(a, b, n)
#define strlen(s)	 __builtin_strlen(s)
#define strcmp(a, b)	 __builtin_strcmp(a, b)

#endif
