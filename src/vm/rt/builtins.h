/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_RT_BUILTINS_H
#define VM_RT_BUILTINS_H

/*
 * The built-in functions: one X-macro row each, shared by pass 2 (arity and types) and the VM
 * (dispatch).  ret and args use 'l' long, 's' string, 'v' nothing (ret only).  where says
 * whether a handler calling it can run in the agent (vm_probe_in_agent), whose host has no
 * symbols, unwinder, /proc, module biases or writer of the program's memory:
 *	'a'  anywhere
 *	't'  the tracer only: it asks the host for one of those
 *	'f'  probefunc(): the tracer only when the probe point names no function (the pc's symbol)
 *	'v'  a target variable: the tracer only when its plan starts at a module address
 *	     (RT_TV_ADDR) that the hit's pc does not give the load bias of
 *	'w'  a guru-mode write: 'v', and the tracer only unless it writes a register the
 *	     trampoline puts back (not rsp)
 *	X(ID, "name", ret, "args", where, one-line semantics)
 */
#define RT_BUILTIN_LIST(X)                                                                        \
	X(STRLEN, "strlen", 'l', "s", 'a', "length of s in bytes")                                \
	X(SUBSTR, "substr", 's', "sll", 'a', "len bytes of s from start (0-based)")               \
	X(STRINGAT, "stringat", 'l', "sl", 'a', "the byte of s at index, error if out of range")  \
	X(ISINSTR, "isinstr", 'l', "ss", 'a', "1 if s2 occurs in s1")                             \
	X(STRPOS, "strpos", 'l', "ss", 'a', "index of the first s2 in s1, or -1")                 \
	X(STR_REPLACE, "str_replace", 's', "sss", 'a', "s with every a replaced by b")            \
	X(STRTOL, "strtol", 'l', "sl", 'a', "s as a number in base (0: C prefixes)")              \
	X(TOKENIZE, "tokenize", 's', "ss", 'a', "next token of s (\"\" continues the last s)")    \
	X(TEXT_STR, "text_str", 's', "s", 'a', "s with unprintable bytes escaped")                \
	X(TEXT_STRN, "text_strn", 's', "sll", 'a', "text_str of at most len bytes, quoted if q")  \
	X(STRING_QUOTED, "string_quoted", 's', "s", 'a', "text_str(s) in double quotes")          \
	X(ISDIGIT, "isdigit", 'l', "s", 'a', "1 if s starts with a decimal digit")                \
	X(EXIT, "exit", 'v', "", 'a', "ask the session to end (end probes run)")                  \
	X(ERROR, "error", 'v', "s", 'a', "raise a runtime error with the message")                \
	X(WARN, "warn", 'v', "s", 'a', "print WARNING: msg on stderr")                            \
	X(ABORT, "abort", 'v', "", 'a', "end the session at once, no end probes")                 \
	X(LOG, "log", 'v', "s", 'a', "print msg and a newline on stderr")                         \
	X(GETTIMEOFDAY_S, "gettimeofday_s", 'l', "", 'a', "wall clock, seconds")                  \
	X(GETTIMEOFDAY_MS, "gettimeofday_ms", 'l', "", 'a', "wall clock, milliseconds")           \
	X(GETTIMEOFDAY_US, "gettimeofday_us", 'l', "", 'a', "wall clock, microseconds")           \
	X(GETTIMEOFDAY_NS, "gettimeofday_ns", 'l', "", 'a', "wall clock, nanoseconds")            \
	X(LOCAL_CLOCK_NS, "local_clock_ns", 'l', "", 'a', "monotonic clock, nanoseconds")         \
	X(LOCAL_CLOCK_US, "local_clock_us", 'l', "", 'a', "monotonic clock, microseconds")        \
	X(KTIME_GET_NS, "ktime_get_ns", 'l', "", 'a', "monotonic clock, nanoseconds")             \
	X(RANDINT, "randint", 'l', "l", 'a', "a random number in [0, n)")                         \
	X(CTIME, "ctime", 's', "l", 'a', "epoch seconds as \"Thu Jan  1 00:00:00 1970\" (UTC)")   \
	X(CPU, "cpu", 'l', "", 'a', "the current CPU")                                            \
	X(PID, "pid", 'l', "", 'a', "the hit's process id (the tracer's outside process probes)") \
	X(TID, "tid", 'l', "", 'a', "the thread id of the hit")                                   \
	X(PPID, "ppid", 'l', "", 'a', "the parent's process id")                                  \
	X(UID, "uid", 'l', "", 'a', "the user id")                                                \
	X(EXECNAME, "execname", 's', "", 'a', "the command name of the hit's process")            \
	X(TARGET, "target", 'l', "", 'a', "the pid of -x or -c, else 0")                          \
	X(PP, "pp", 's', "", 'a', "the probe point that fired")                                   \
	X(MATCHED, "matched", 's', "l", 'a', "sub-match n of the last successful =~")             \
	RT_BUILTIN_USER_LIST(X)

/* The built-ins of process probes (rt/user.c); a name may have two arities. */
#define RT_BUILTIN_USER_LIST(X)                                                                    \
	X(GID, "gid", 'l', "", 'a', "the group id")                                                \
	X(EUID, "euid", 'l', "", 'a', "the effective user id")                                     \
	X(PEXECNAME, "pexecname", 's', "", 't', "the command name of the parent process")          \
	X(PPFUNC, "ppfunc", 's', "", 'a', "the function (PLT entry, mark) of the probe point")     \
	X(PROBEFUNC, "probefunc", 's', "", 'f', "the function of the probe point, else of the pc") \
	X(PROBEMOD, "probemod", 's', "", 'a', "the base name of the probed file")                  \
	X(PN, "pn", 's', "", 'a', "the probe point as written, wildcards kept")                    \
	X(UADDR, "uaddr", 'l', "", 'a', "the user-space pc of the hit")                            \
	X(USYMNAME, "usymname", 's', "l", 't', "the function containing addr, else addr in hex")   \
	X(UMODNAME, "umodname", 's', "l", 't', "the file mapped at addr; an error if none")        \
	X(USYMFILELINE, "usymfileline", 's', "l", 't', "\"file:line\" of addr, else addr in hex")  \
	X(INT_ARG, "int_arg", 'l', "l", 'a', "argument n, signed 32 bits")                         \
	X(UINT_ARG, "uint_arg", 'l', "l", 'a', "argument n, unsigned 32 bits")                     \
	X(LONG_ARG, "long_arg", 'l', "l", 'a', "argument n, signed 64 bits")                       \
	X(ULONG_ARG, "ulong_arg", 'l', "l", 'a', "argument n, unsigned 64 bits")                   \
	X(LONGLONG_ARG, "longlong_arg", 'l', "l", 'a', "argument n, signed 64 bits")               \
	X(ULONGLONG_ARG, "ulonglong_arg", 'l', "l", 'a', "argument n, unsigned 64 bits")           \
	X(POINTER_ARG, "pointer_arg", 'l', "l", 'a', "argument n as an address")                   \
	X(S32_ARG, "s32_arg", 'l', "l", 'a', "argument n, signed 32 bits")                         \
	X(U32_ARG, "u32_arg", 'l', "l", 'a', "argument n, unsigned 32 bits")                       \
	X(S64_ARG, "s64_arg", 'l', "l", 'a', "argument n, signed 64 bits")                         \
	X(U64_ARG, "u64_arg", 'l', "l", 'a', "argument n, unsigned 64 bits")                       \
	X(REGISTER, "register", 'l', "s", 'a', "a register of the hit, sign-extended")             \
	X(U_REGISTER, "u_register", 'l', "s", 'a', "a register of the hit, zero-extended")         \
	X(RETURNVAL, "returnval", 'l', "", 'a', "the return value (rax) of a .return probe")       \
	X(USER_STRING, "user_string", 's', "l", 'a', "the string at addr; an error on a fault")    \
	X(USER_STRING_ERR, "user_string", 's', "ls", 'a', "the string at addr, or err on a fault") \
	X(USER_STRING_N, "user_string_n", 's', "ll", 'a', "at most n bytes of the string at addr") \
	X(USER_STRING_N_ERR, "user_string_n", 's', "lls", 'a', "the same, or err on a fault")      \
	X(USER_STRING_QUOTED, "user_string_quoted", 's', "l", 'a', "text_str of it in quotes")     \
	X(USER_STRING_N_QUOTED, "user_string_n_quoted", 's', "ll", 'a', "the same, max n bytes")   \
	X(USER_STRING_WARN, "user_string_warn", 's', "l", 'a', "a fault warns, is \"<unknown>\"")  \
	X(USER_CHAR, "user_char", 'l', "l", 'a', "a signed byte at addr, 0 on a fault")            \
	X(USER_SHORT, "user_short", 'l', "l", 'a', "a signed 16-bit value at addr, 0 on a fault")  \
	X(USER_USHORT, "user_ushort", 'l', "l", 'a', "an unsigned 16-bit value, 0 on a fault")     \
	X(USER_INT, "user_int", 'l', "l", 'a', "a signed 32-bit value, 0 on a fault")              \
	X(USER_LONG, "user_long", 'l', "l", 'a', "a signed 64-bit value, 0 on a fault")            \
	X(USER_ULONG, "user_ulong", 'l', "l", 'a', "an unsigned 64-bit value, 0 on a fault")       \
	X(USER_INT8, "user_int8", 'l', "l", 'a', "a signed byte, 0 on a fault")                    \
	X(USER_UINT8, "user_uint8", 'l', "l", 'a', "an unsigned byte, 0 on a fault")               \
	X(USER_INT16, "user_int16", 'l', "l", 'a', "a signed 16-bit value, 0 on a fault")          \
	X(USER_UINT16, "user_uint16", 'l', "l", 'a', "an unsigned 16-bit value, 0 on a fault")     \
	X(USER_INT32, "user_int32", 'l', "l", 'a', "a signed 32-bit value, 0 on a fault")          \
	X(USER_UINT32, "user_uint32", 'l', "l", 'a', "an unsigned 32-bit value, 0 on a fault")     \
	X(USER_INT64, "user_int64", 'l', "l", 'a', "a signed 64-bit value, 0 on a fault")          \
	X(USER_UINT64, "user_uint64", 'l', "l", 'a', "an unsigned 64-bit value, 0 on a fault")     \
	X(CMDLINE_STR, "cmdline_str", 's', "", 't', "the process's arguments, space-separated")    \
	X(CMDLINE_ARG, "cmdline_arg", 's', "l", 't', "argument n of the process (0: the program)") \
	X(ENV_VAR, "env_var", 's', "s", 't', "an environment variable of the process, or \"\"")    \
	X(SYSCALL_NR, "_utrace_syscall_nr", 'l', "", 'a', "$syscall: the syscall number")          \
	X(SYSCALL_ARG, "_utrace_syscall_arg", 'l', "l", 'a', "$argN of a syscall probe")           \
	X(SDT_ARG, "_sdt_arg", 'l', "l", 'a', "$argN of a mark probe")                             \
	X(TVAR_LONG, "_tvar_long", 'l', "ll", 'v', "DWARF target variable k (index i)")            \
	X(TVAR_STR, "_tvar_str", 's', "ll", 'v', "DWARF target variable k pretty-printed")         \
	X(TVAR_SET, "_tvar_set", 'l', "llll", 'w', "guru: writes target var k (index i, op, v)")   \
	X(CALL_SLOT, "_call_slot", 'l', "", 't', "@entry: the call's return-address slot, else 0") \
	RT_BUILTIN_USTACK_LIST(X)

/* The user stack of a process probe's hit (rt/ustack.c), unwound by the host. */
#define RT_BUILTIN_USTACK_LIST(X)                                                                  \
	X(UBACKTRACE, "ubacktrace", 's', "", 't', "the user stack: hex pcs separated by spaces")   \
	X(PRINT_UBACKTRACE, "print_ubacktrace", 'v', "", 't', "prints a symbolized frame a line")  \
	X(SPRINT_UBACKTRACE, "sprint_ubacktrace", 's', "", 't', "those lines in a string")         \
	X(PRINT_UBACKTRACE_BRIEF, "print_ubacktrace_brief", 'v', "", 't', "name+0xoff a line")     \
	X(UCALLERS, "ucallers", 's', "l", 't', "the first n pcs of ubacktrace() (-1: all)")        \
	X(USTACK, "ustack", 'l', "l", 't', "the pc at depth n of the user stack, 0 if none")       \
	X(PRINT_USTACK, "print_ustack", 'v', "s", 't', "prints a ubacktrace() string, symbolized") \
	X(SPRINT_USTACK, "sprint_ustack", 's', "s", 't', "those lines in a string")                \
	X(PRINT_USYMS, "print_usyms", 'v', "s", 't', "prints each address of s symbolized")        \
	X(SPRINT_USYMS, "sprint_usyms", 's', "s", 't', "those lines in a string")                  \
	X(USYMDATA, "usymdata", 's', "l", 't', "\"name+0xoff/0xsize [module]\" of addr")

enum rt_builtin {
#define RT_BUILTIN_ENUM(id, name, ret, args, where, doc) RT_B_##id,
	RT_BUILTIN_LIST(RT_BUILTIN_ENUM)
#undef RT_BUILTIN_ENUM
	RT_B_COUNT
};

/* Arrays, not pointers, for the agent's blob (as struct vm_opcode_info). */
struct rt_builtin_info {
	char name[32];
	char ret;
	char args[8];
	char where; /* the X-macro's where column */
};

extern const struct rt_builtin_info rt_builtins[RT_B_COUNT];

/* The builtin named name, or -1. */
int rt_builtin_find(const char *name);
/* The builtin named name taking nargs arguments, else the first one named name, else -1. */
int rt_builtin_find_arity(const char *name, unsigned nargs);

#endif
