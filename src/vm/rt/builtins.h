/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_RT_BUILTINS_H
#define VM_RT_BUILTINS_H

/*
 * The built-in functions: one X-macro row each, shared by pass 2 (arity and types) and the VM
 * (dispatch).  ret and args use 'l' long, 's' string, 'v' nothing (ret only).
 *	X(ID, "name", ret, "args", one-line semantics)
 */
#define RT_BUILTIN_LIST(X)                                                                        \
	X(STRLEN, "strlen", 'l', "s", "length of s in bytes")                                     \
	X(SUBSTR, "substr", 's', "sll", "len bytes of s from start (0-based)")                    \
	X(STRINGAT, "stringat", 'l', "sl", "the byte of s at index, an error if out of range")    \
	X(ISINSTR, "isinstr", 'l', "ss", "1 if s2 occurs in s1")                                  \
	X(STRPOS, "strpos", 'l', "ss", "index of the first s2 in s1, or -1")                      \
	X(STR_REPLACE, "str_replace", 's', "sss", "s with every occurrence of a replaced by b")   \
	X(STRTOL, "strtol", 'l', "sl", "s as a number in base (0: C prefixes)")                   \
	X(TOKENIZE, "tokenize", 's', "ss", "next token of s (\"\" continues the last s)")         \
	X(TEXT_STR, "text_str", 's', "s", "s with unprintable bytes escaped")                     \
	X(TEXT_STRN, "text_strn", 's', "sll", "text_str of at most len bytes, quoted if q")       \
	X(STRING_QUOTED, "string_quoted", 's', "s", "text_str(s) in double quotes")               \
	X(ISDIGIT, "isdigit", 'l', "s", "1 if s starts with a decimal digit")                     \
	X(EXIT, "exit", 'v', "", "ask the session to end (end probes run)")                       \
	X(ERROR, "error", 'v', "s", "raise a runtime error with the message")                     \
	X(WARN, "warn", 'v', "s", "print WARNING: msg on stderr")                                 \
	X(ABORT, "abort", 'v', "", "end the session at once, no end probes")                      \
	X(LOG, "log", 'v', "s", "print msg and a newline on stderr")                              \
	X(GETTIMEOFDAY_S, "gettimeofday_s", 'l', "", "wall clock, seconds")                       \
	X(GETTIMEOFDAY_MS, "gettimeofday_ms", 'l', "", "wall clock, milliseconds")                \
	X(GETTIMEOFDAY_US, "gettimeofday_us", 'l', "", "wall clock, microseconds")                \
	X(GETTIMEOFDAY_NS, "gettimeofday_ns", 'l', "", "wall clock, nanoseconds")                 \
	X(LOCAL_CLOCK_NS, "local_clock_ns", 'l', "", "monotonic clock, nanoseconds")              \
	X(LOCAL_CLOCK_US, "local_clock_us", 'l', "", "monotonic clock, microseconds")             \
	X(KTIME_GET_NS, "ktime_get_ns", 'l', "", "monotonic clock, nanoseconds")                  \
	X(RANDINT, "randint", 'l', "l", "a random number in [0, n)")                              \
	X(CTIME, "ctime", 's', "l", "epoch seconds as \"Thu Jan  1 00:00:00 1970\" (UTC)")        \
	X(CPU, "cpu", 'l', "", "the current CPU")                                                 \
	X(PID, "pid", 'l', "", "the process id of the hit (the tracer's outside process probes)") \
	X(TID, "tid", 'l', "", "the thread id of the hit")                                        \
	X(PPID, "ppid", 'l', "", "the parent's process id")                                       \
	X(UID, "uid", 'l', "", "the user id")                                                     \
	X(EXECNAME, "execname", 's', "", "the command name of the hit's process")                 \
	X(TARGET, "target", 'l', "", "the pid of -x or -c, else 0")                               \
	X(PP, "pp", 's', "", "the probe point that fired")                                        \
	X(MATCHED, "matched", 's', "l", "sub-match n of the last successful =~")                  \
	RT_BUILTIN_USER_LIST(X)

/* The built-ins of process probes (rt/user.c); a name may have two arities. */
#define RT_BUILTIN_USER_LIST(X)                                                                    \
	X(GID, "gid", 'l', "", "the group id")                                                     \
	X(EUID, "euid", 'l', "", "the effective user id")                                          \
	X(PEXECNAME, "pexecname", 's', "", "the command name of the parent process")               \
	X(PPFUNC, "ppfunc", 's', "", "the function (PLT entry, mark) of the probe point")          \
	X(PROBEFUNC, "probefunc", 's', "", "the function of the probe point, else of the pc")      \
	X(PROBEMOD, "probemod", 's', "", "the base name of the probed file")                       \
	X(PN, "pn", 's', "", "the probe point as written, wildcards kept")                         \
	X(UADDR, "uaddr", 'l', "", "the user-space pc of the hit")                                 \
	X(USYMNAME, "usymname", 's', "l", "the function containing addr, else addr in hex")        \
	X(UMODNAME, "umodname", 's', "l", "the file mapped at addr; an error if none")             \
	X(USYMFILELINE, "usymfileline", 's', "l", "\"file:line\" of addr, else addr in hex")       \
	X(INT_ARG, "int_arg", 'l', "l", "argument n, signed 32 bits")                              \
	X(UINT_ARG, "uint_arg", 'l', "l", "argument n, unsigned 32 bits")                          \
	X(LONG_ARG, "long_arg", 'l', "l", "argument n, signed 64 bits")                            \
	X(ULONG_ARG, "ulong_arg", 'l', "l", "argument n, unsigned 64 bits")                        \
	X(LONGLONG_ARG, "longlong_arg", 'l', "l", "argument n, signed 64 bits")                    \
	X(ULONGLONG_ARG, "ulonglong_arg", 'l', "l", "argument n, unsigned 64 bits")                \
	X(POINTER_ARG, "pointer_arg", 'l', "l", "argument n as an address")                        \
	X(S32_ARG, "s32_arg", 'l', "l", "argument n, signed 32 bits")                              \
	X(U32_ARG, "u32_arg", 'l', "l", "argument n, unsigned 32 bits")                            \
	X(S64_ARG, "s64_arg", 'l', "l", "argument n, signed 64 bits")                              \
	X(U64_ARG, "u64_arg", 'l', "l", "argument n, unsigned 64 bits")                            \
	X(REGISTER, "register", 'l', "s", "a register of the hit, sign-extended from its width")   \
	X(U_REGISTER, "u_register", 'l', "s", "a register of the hit, zero-extended")              \
	X(RETURNVAL, "returnval", 'l', "", "the return value (rax) of a .return probe")            \
	X(USER_STRING, "user_string", 's', "l", "the string at addr; an error on a fault")         \
	X(USER_STRING_ERR, "user_string", 's', "ls", "the string at addr, or err on a fault")      \
	X(USER_STRING_N, "user_string_n", 's', "ll", "at most n bytes of the string at addr")      \
	X(USER_STRING_N_ERR, "user_string_n", 's', "lls", "the same, or err on a fault")           \
	X(USER_STRING_QUOTED, "user_string_quoted", 's', "l", "text_str of it in quotes")          \
	X(USER_STRING_N_QUOTED, "user_string_n_quoted", 's', "ll", "the same, n bytes at most")    \
	X(USER_STRING_WARN, "user_string_warn", 's', "l", "a fault warns and gives \"<unknown>\"") \
	X(USER_CHAR, "user_char", 'l', "l", "a signed byte at addr, 0 on a fault")                 \
	X(USER_SHORT, "user_short", 'l', "l", "a signed 16-bit value at addr, 0 on a fault")       \
	X(USER_USHORT, "user_ushort", 'l', "l", "an unsigned 16-bit value, 0 on a fault")          \
	X(USER_INT, "user_int", 'l', "l", "a signed 32-bit value, 0 on a fault")                   \
	X(USER_LONG, "user_long", 'l', "l", "a signed 64-bit value, 0 on a fault")                 \
	X(USER_ULONG, "user_ulong", 'l', "l", "an unsigned 64-bit value, 0 on a fault")            \
	X(USER_INT8, "user_int8", 'l', "l", "a signed byte, 0 on a fault")                         \
	X(USER_UINT8, "user_uint8", 'l', "l", "an unsigned byte, 0 on a fault")                    \
	X(USER_INT16, "user_int16", 'l', "l", "a signed 16-bit value, 0 on a fault")               \
	X(USER_UINT16, "user_uint16", 'l', "l", "an unsigned 16-bit value, 0 on a fault")          \
	X(USER_INT32, "user_int32", 'l', "l", "a signed 32-bit value, 0 on a fault")               \
	X(USER_UINT32, "user_uint32", 'l', "l", "an unsigned 32-bit value, 0 on a fault")          \
	X(USER_INT64, "user_int64", 'l', "l", "a signed 64-bit value, 0 on a fault")               \
	X(USER_UINT64, "user_uint64", 'l', "l", "an unsigned 64-bit value, 0 on a fault")          \
	X(CMDLINE_STR, "cmdline_str", 's', "", "the process's arguments, space-separated")         \
	X(CMDLINE_ARG, "cmdline_arg", 's', "l", "argument n of the process (0: the program)")      \
	X(ENV_VAR, "env_var", 's', "s", "an environment variable of the process, or \"\"")         \
	X(SYSCALL_NR, "_utrace_syscall_nr", 'l', "", "$syscall: the syscall number")               \
	X(SYSCALL_ARG, "_utrace_syscall_arg", 'l', "l", "$argN of a syscall probe")                \
	X(SDT_ARG, "_sdt_arg", 'l', "l", "$argN of a mark probe")                                  \
	X(TVAR_LONG, "_tvar_long", 'l', "ll", "DWARF target variable k of the point (index i)")    \
	X(TVAR_STR, "_tvar_str", 's', "ll", "DWARF target variable k pretty-printed")              \
	X(TVAR_SET, "_tvar_set", 'l', "llll", "guru: writes target variable k (index i, op, v)")   \
	X(CALL_SLOT, "_call_slot", 'l', "", "@entry: the call's return-address slot, else 0")      \
	RT_BUILTIN_USTACK_LIST(X)

/* The user stack of a process probe's hit (rt/ustack.c), unwound by the host. */
#define RT_BUILTIN_USTACK_LIST(X)                                                                \
	X(UBACKTRACE, "ubacktrace", 's', "", "the user stack: hex pcs separated by spaces")      \
	X(PRINT_UBACKTRACE, "print_ubacktrace", 'v', "", "prints one symbolized frame a line")   \
	X(SPRINT_UBACKTRACE, "sprint_ubacktrace", 's', "", "those lines in a string")            \
	X(PRINT_UBACKTRACE_BRIEF, "print_ubacktrace_brief", 'v', "", "prints name+0xoff a line") \
	X(UCALLERS, "ucallers", 's', "l", "the first n pcs of ubacktrace() (-1: all of them)")   \
	X(USTACK, "ustack", 'l', "l", "the pc at depth n of the user stack, 0 if none")          \
	X(PRINT_USTACK, "print_ustack", 'v', "s", "prints a ubacktrace() string, symbolized")    \
	X(SPRINT_USTACK, "sprint_ustack", 's', "s", "those lines in a string")                   \
	X(PRINT_USYMS, "print_usyms", 'v', "s", "prints each address of s symbolized")           \
	X(SPRINT_USYMS, "sprint_usyms", 's', "s", "those lines in a string")                     \
	X(USYMDATA, "usymdata", 's', "l", "\"name+0xoff/0xsize [module]\" of addr")

enum rt_builtin {
#define RT_BUILTIN_ENUM(id, name, ret, args, doc) RT_B_##id,
	RT_BUILTIN_LIST(RT_BUILTIN_ENUM)
#undef RT_BUILTIN_ENUM
	RT_B_COUNT
};

/* Arrays, not pointers, for the agent's blob (as struct vm_opcode_info). */
struct rt_builtin_info {
	char name[32];
	char ret;
	char args[8];
};

extern const struct rt_builtin_info rt_builtins[RT_B_COUNT];

/* The builtin named name, or -1. */
int rt_builtin_find(const char *name);
/* The builtin named name taking nargs arguments, else the first one named name, else -1. */
int rt_builtin_find_arity(const char *name, unsigned nargs);

#endif
