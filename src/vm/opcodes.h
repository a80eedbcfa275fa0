/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_OPCODES_H
#define VM_OPCODES_H

/*
 * The VM's instruction set: a stack machine over 64-bit values (longs and string pointers).
 * An instruction is struct vm_insn {op, a (16 bits), b (32 bits)}; the operand format says
 * what a and b mean, for the disassembler:
 *	""   none                      "i"  b: an immediate         "k"  b: a long constant
 *	"s"  b: a string constant      "l"  a: a local slot         "g"  a: a global
 *	"j"  b: a jump target          "f"  a: a function, b: args  "n"  a: a built-in, b: args
 *	"F"  a: a format, b: args      "r"  b: a regex              "go" a: a global, b: an @op
 *	"gm" a: a global, b: a wildcard mask  "gI" a: a global, b: a foreach descriptor
 *	"lj" a: a local, b: a jump target     "li" a: a local, b: a key index
 * Stores leave the stored value on the stack (assignments are expressions); an expression
 * statement pops it.  Map instructions take the keys from the stack, first key deepest.
 *	X(NAME, "format", one-line semantics)
 */
#define VM_OPCODE_LIST(X)                                                                      \
	X(NOP, "", "do nothing")                                                               \
	X(STMT, "", "count a statement against MAXACTION; error when exhausted")               \
	X(PUSHI, "i", "push the immediate b")                                                  \
	X(PUSHK, "k", "push long constant b")                                                  \
	X(PUSHS, "s", "push string constant b")                                                \
	X(POP, "", "drop the top value")                                                       \
	X(DUP, "", "push a copy of the top value")                                             \
	X(DUPN, "i", "push copies of the top b values, in order")                              \
	X(SWAP, "", "exchange the two top values")                                             \
	X(LDL, "l", "push local a")                                                            \
	X(STL, "l", "local a = top, kept")                                                     \
	X(LDG, "g", "push scalar global a (a string is copied to scratch)")                    \
	X(STG, "g", "scalar global a = top, kept (a string is copied, truncated)")             \
	X(GCLEAR, "g", "reset scalar global a: 0, \"\" or an empty aggregate")                 \
	X(ADDG, "gi", "long global a += b, atomically; nothing pushed (n++ as a statement)")   \
	X(ADD, "", "push x + y (y on top)")                                                    \
	X(SUB, "", "push x - y")                                                               \
	X(MUL, "", "push x * y")                                                               \
	X(DIV, "", "push x / y; error \"division by 0\"")                                      \
	X(MOD, "", "push x % y; error \"division by 0\"")                                      \
	X(SHL, "", "push x << y")                                                              \
	X(SHR, "", "push x >> y (arithmetic)")                                                 \
	X(USHR, "", "push x >>> y (logical)")                                                  \
	X(BAND, "", "push x & y")                                                              \
	X(BOR, "", "push x | y")                                                               \
	X(BXOR, "", "push x ^ y")                                                              \
	X(NEG, "", "push -x")                                                                  \
	X(NOT, "", "push !x")                                                                  \
	X(BNOT, "", "push ~x")                                                                 \
	X(LT, "", "push x < y (longs)")                                                        \
	X(LE, "", "push x <= y")                                                               \
	X(GT, "", "push x > y")                                                                \
	X(GE, "", "push x >= y")                                                               \
	X(EQ, "", "push x == y")                                                               \
	X(NE, "", "push x != y")                                                               \
	X(SLT, "", "push x < y (strings, strcmp)")                                             \
	X(SLE, "", "push x <= y (strings)")                                                    \
	X(SGT, "", "push x > y (strings)")                                                     \
	X(SGE, "", "push x >= y (strings)")                                                    \
	X(SEQ, "", "push x == y (strings)")                                                    \
	X(SNE, "", "push x != y (strings)")                                                    \
	X(CONCAT, "", "push x . y, truncated to MAXSTRINGLEN")                                 \
	X(MATCH, "r", "push 1 if the top string matches regex b, else 0; keep the submatches") \
	X(JMP, "j", "jump to b")                                                               \
	X(JZ, "j", "pop; jump to b if it is 0")                                                \
	X(JNZ, "j", "pop; jump to b if it is not 0")                                           \
	X(CALL, "f", "call function a with the top b values as its parameters")                \
	X(RET, "", "return the top value to the caller")                                       \
	X(NEXT, "", "leave the handler at once")                                               \
	X(CALLB, "n", "call built-in a with the top b values; push its result")                \
	X(PRINTF, "F", "format the top b values with format a and output them")                \
	X(SPRINTF, "F", "format the top b values with format a; push the string")              \
	X(MGET, "g", "pop the keys; push map a's value (0 or \"\" when absent)")               \
	X(MSET, "g", "pop the keys and a value; store it in map a; push the value")            \
	X(MEXISTS, "g", "pop the keys; push 1 if map a has them")                              \
	X(MDEL, "g", "pop the keys; delete that entry of map a")                               \
	X(MDELW, "gm", "pop the keys not in mask b; delete every matching entry of map a")     \
	X(MCLEAR, "g", "delete every entry of map a")                                          \
	X(SADD, "g", "aggregate global a <<< top, kept")                                       \
	X(MSADD, "g", "pop the keys and a value; map a[keys] <<< value; push the value")       \
	X(SGET, "go", "push extractor b of aggregate global a")                                \
	X(MSGET, "go", "pop the keys; push extractor b of map a[keys]")                        \
	X(HPRINT, "g", "output the histogram of aggregate global a")                           \
	X(MHPRINT, "g", "pop the keys; output the histogram of map a[keys]")                   \
	X(ITER, "gI", "pop descriptor b's limit and slice keys; push an iterator over map a")  \
	X(INEXT, "lj", "advance the iterator in local a; jump to b when it is done")           \
	X(IKEY, "li", "push key b of the iterator's current entry (local a)")                  \
	X(IVAL, "l", "push the value of the iterator's current entry (local a)")               \
	X(TRY, "lj", "enter a try block: errors jump to b, the message into local a")          \
	X(ENDTRY, "", "leave the innermost try block")

enum vm_opcode {
#define VM_OPCODE_ENUM(name, fmt, doc) VM_OP_##name,
	VM_OPCODE_LIST(VM_OPCODE_ENUM)
#undef VM_OPCODE_ENUM
	VM_OP_COUNT
};

#define VM_NO_LOCAL 0xffff

/*
 * Arrays, not pointers: a table of pointers is a table of absolute addresses, which the agent's
 * flat position-independent blob cannot hold (src/agent/mkblob.py refuses its relocations).
 */
struct vm_opcode_info {
	char name[16];
	char fmt[4]; /* the operand format above */
};

extern const struct vm_opcode_info vm_opcodes[VM_OP_COUNT];

/* The name of op, "?" when it is none. */
const char *vm_opcode_name(enum vm_opcode op);

#endif
