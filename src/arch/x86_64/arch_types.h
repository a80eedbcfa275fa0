/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* x86-64's types and constants behind src/arch/arch.h (mainline's asm/uprobes.h). */
#ifndef ARCH_X86_64_ARCH_TYPES_H
#define ARCH_X86_64_ARCH_TYPES_H

#define ARCH_SYSCALL_INSN_LEN 2 /* 0f 05 */

#endif
