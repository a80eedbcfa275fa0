/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * opcodes: the name and operand format of every instruction, generated from the X-macro in
 * opcodes.h.  The disassembler prints with it and vm_program_check validates operands with it,
 * so both follow the one table.
 */
#include "vm/opcodes.h"

const struct vm_opcode_info vm_opcodes[VM_OP_COUNT] = {
#define VM_OPCODE_ROW(name, fmt, doc) [VM_OP_##name] = {#name, fmt},
	VM_OPCODE_LIST(VM_OPCODE_ROW)
#undef VM_OPCODE_ROW
};

const char *vm_opcode_name(enum vm_opcode op)
{
	return (unsigned)op < VM_OP_COUNT ? vm_opcodes[op].name : "?";
}
