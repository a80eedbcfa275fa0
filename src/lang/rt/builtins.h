/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_RT_BUILTINS_H
#define LANG_RT_BUILTINS_H

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
	X(MATCHED, "matched", 's', "l", "sub-match n of the last successful =~")

enum rt_builtin {
#define RT_BUILTIN_ENUM(id, name, ret, args, doc) RT_B_##id,
	RT_BUILTIN_LIST(RT_BUILTIN_ENUM)
#undef RT_BUILTIN_ENUM
	RT_B_COUNT
};

struct rt_builtin_info {
	const char *name;
	char ret;
	const char *args;
};

extern const struct rt_builtin_info rt_builtins[RT_B_COUNT];

/* The builtin named name, or -1. */
int rt_builtin_find(const char *name);

#endif
