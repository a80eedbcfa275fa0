/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_VM_H
#define VM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/program.h"
#include "vm/rt/value.h"

/*
 * The VM runs one handler per probe hit.  It is freestanding-ready: no malloc, stdio or errno
 * on the hit path.  All of its memory (globals, maps, the value stack, the per-hit scratch
 * area for strings) comes from one region the caller gives to vm_init, and everything it needs
 * from the outside world goes through struct vm_host.  The same code is meant to link into
 * the in-process agent, where the host ops write to a ring buffer: src/vm is built
 * freestanding for it, and a program reaches it as a packed image that vm_program_unpack turns
 * back into a struct vm_program inside a region, without an allocator either.
 */

#define VM_MAX_FRAMES	64
#define VM_MAX_TRIES	32
#define VM_MAX_SUBMATCH 10

struct vm_submatch {
	int32_t so, eo; /* -1 when the group did not take part */
};

enum vm_control {
	VM_CTL_EXIT,  /* exit(): end the session after this handler, end probes run */
	VM_CTL_ABORT, /* abort(): end the session now, no end probes */
};

struct vm_hit_ctx;

/* What a probe context string is about (vm_host.context_str). */
enum vm_ctx_query {
	VM_CTX_USYMNAME,    /* the function containing addr: "name" */
	VM_CTX_UMODNAME,    /* the path of the file mapped at addr */
	VM_CTX_PEXECNAME,   /* the command name of the hit's parent process */
	VM_CTX_CMDLINE,	    /* the arguments of the hit's process, space-separated */
	VM_CTX_CMDLINE_ARG, /* argument addr of the hit's process */
	VM_CTX_ENV,	    /* the value of the environment variable name */
	VM_CTX_USYMDATA,    /* "name+0xoff/0xsize [path]" of addr, or "[path]" */
	VM_CTX_USYMDATA_RA, /* the same for a return address: the name of addr - 1 */
	VM_CTX_FILELINE,    /* "file:line" of addr, from the line table of its file */
};

/* What the tracer (or the agent) provides. */
struct vm_host {
	/* Script output (printf, print, histograms), in order. */
	void (*output)(void *data, const char *buf, size_t len);
	/* warn(msg): the host prints "WARNING: msg". */
	void (*warn)(void *data, const char *msg);
	/* Nanoseconds: realtime (gettimeofday_*) or monotonic (local_clock_*). */
	int64_t (*clock_ns)(void *data, bool monotonic);
	void (*control)(void *data, enum vm_control what);
	/* An uncaught runtime error ended the handler: msg and where ("near ..." text, or ""). */
	void (*error)(void *data, const char *msg, const char *where);
	/*
	 * Matches s against regex re of the program (its source: vm_program.regex_src[re], POSIX
	 * extended; the host compiles it); fills up to nm submatches.  Returns 1 on a match, 0 on
	 * none, -errno on failure.
	 */
	int (*regex_match)(void *data, uint32_t re, const char *s, struct vm_submatch *m,
			   unsigned nm);
	/* 64 random bits for randint(). */
	uint64_t (*random)(void *data);
	/*
	 * What the hit's process needs the tracer for (symbols, /proc): a NUL-terminated string
	 * of at most len - 1 bytes in buf.  Returns its length, or -errno (-ENOENT: nothing
	 * there).  NULL: no traced process.
	 */
	long (*context_str)(void *data, const struct vm_hit_ctx *ctx, enum vm_ctx_query q,
			    uint64_t addr, const char *name, char *buf, size_t len);
	/*
	 * The user stack of the hit (a process probe with registers), innermost first: pcs[0] is
	 * the hit's pc, the others return addresses.  At most max; returns the count (>= 1), or
	 * -errno (-ENOENT: no stack here).  NULL: no traced process.
	 */
	int (*backtrace)(void *data, const struct vm_hit_ctx *ctx, uint64_t *pcs, int max);
	/*
	 * Where the hit's process has file module: the load bias added to the file's own
	 * addresses.  0, or -errno (-ESRCH: the process is gone; -ENOENT: the file is not mapped
	 * there).  NULL: no traced process.
	 */
	int (*module_bias)(void *data, const struct vm_hit_ctx *ctx, const char *module,
			   uint64_t *ret_bias);
	/*
	 * The hit's thread id when ctx->tid is 0: asked only when a handler wants it (the agent
	 * pays a syscall for it).  NULL: ctx->tid is always filled.
	 */
	int64_t (*tid)(void *data);
};

/* Writes len bytes at addr of the traced process: 0, or -errno (-EFAULT: not writable there). */
typedef int (*rt_write_mem_fn)(void *data, uint64_t addr, const void *buf, size_t len);

/*
 * Per-hit context: who fired.  For begin, end, error and timer probes these are the tracer's
 * own values; process probes add the hit's registers (a struct user_regs_struct, NULL for
 * process events that have none; a handler may change them, the host puts them back in the
 * thread) and a reader and a writer (guru-mode writes) of the traced process's memory.
 */
struct vm_hit_ctx {
	const struct vm_probe *probe;
	int64_t pid, tid, ppid, uid, gid, euid, cpu, target;
	const char *execname;
	bool interruptible; /* begin/end/error: MAXACTION x 10, as stap's MAXACTION_INTERRUPTIBLE */
	bool is_return;	    /* a .return hit: rax is the return value */
	uint64_t call_slot; /* function probes: the call's return-address slot (0: unknown) */
	void *regs;
	rt_read_mem_fn read_mem;
	rt_write_mem_fn write_mem;
	void *mem_data;
};

struct vm_frame {
	const struct vm_chunk *chunk;
	uint32_t pc;
	uint32_t base; /* stack index of local 0 */
};

struct vm_try {
	uint32_t nframes;
	uint32_t sp;
	uint32_t handler;
	uint16_t slot;
};

struct vm {
	const struct vm_program *prog;
	const struct vm_host *host;
	void *host_data;
	unsigned char *globals;
	vm_val *stack;
	uint32_t stack_cap;
	char *scratch;
	size_t scratch_cap;
	size_t scratch_used;
	struct vm_frame frames[VM_MAX_FRAMES];
	unsigned nframes;
	struct vm_try tries[VM_MAX_TRIES];
	unsigned ntries;
	int64_t actions;
	const char *err;
	uint32_t err_loc;
	struct vm_hit_ctx *ctx;
	const char *match[VM_MAX_SUBMATCH];
	const char *tok_str; /* tokenize(): what is left of the string */
	uint64_t rng;
};

/* Lays out prog's globals (offsets, map shapes); codegen calls it once. */
void vm_layout(struct vm_program *prog);
/* The region vm_init needs for prog. */
size_t vm_region_size(const struct vm_program *prog);
/*
 * Carves region (zeroed, at least vm_region_size bytes, suitably aligned) and sets globals to
 * their initial values.  Returns 0 or -ENOSPC.
 */
int vm_init(struct vm *vm, const struct vm_program *prog, void *region, size_t size,
	    const struct vm_host *host, void *host_data);
/*
 * vm_init for a region whose globals (at its start) hold values already, set by another VM of
 * the same program: they are taken as they are.  Returns 0 or -ENOSPC.
 */
int vm_attach(struct vm *vm, const struct vm_program *prog, void *region, size_t size,
	      const struct vm_host *host, void *host_data);
/* The bytes of prog's globals, at the region's start: what vm_move_globals copies. */
size_t vm_globals_size(const struct vm_program *prog);
/*
 * Copies the globals to to (vm_globals_size bytes, 16-byte aligned) and uses them there from
 * now on; the stack and scratch stay in the region.  Their layout is offsets and map slot
 * indices, never pointers, so the copy holds the same values and entries.
 */
void vm_move_globals(struct vm *vm, void *to);
/*
 * Runs handler for one hit.  Returns 0 when it ended (normally or through next), -ECANCELED
 * when an uncaught runtime error ended it (host->error was called).
 */
int vm_run(struct vm *vm, const struct vm_chunk *handler, struct vm_hit_ctx *ctx);

/* One ADDG of a counter handler (counters.c): long global @global += @delta. */
struct vm_add {
	uint32_t global;
	int32_t delta;
};

/* Sets bit g of @written (@nbits bits) for each global g that anything but ADDG writes. */
void vm_globals_written(const struct vm_program *prog, uint64_t *written, uint32_t nbits);

/*
 * Chunk @c as the adds it is made of, at most @max: their number (0 for an empty handler), or
 * -1 when it does anything else or adds to a global @written marks.
 */
int vm_handler_adds(const struct vm_program *prog, const struct vm_chunk *c,
		    const uint64_t *written, uint32_t nbits, struct vm_add *out, int max);
/* -G VAR=VALUE: sets scalar global name.  Returns 0, -ENOENT, -EINVAL (not a number). */
int vm_set_global(struct vm *vm, const char *name, const char *value);

/* Runtime helpers for rt/: raise an error (returns -1), allocate scratch (NULL: full). */
int vm_fail(struct vm *vm, const char *msg);
char *vm_scratch(struct vm *vm, size_t n);
/* A scratch copy of s truncated to MAXSTRINGLEN - 1 bytes, or NULL. */
const char *vm_strdup(struct vm *vm, const char *s, size_t n);
/* Where global g lives. */
static inline void *vm_global_ptr(const struct vm *vm, uint32_t g)
{
	return vm->globals + vm->prog->globals[g].offset;
}

/*
 * The slots of map g in foreach order, sorted on the value (aggregates on @count) in direction
 * dir (0: insertion order), in scratch.  Returns the count, or -1 when scratch is full.
 */
int64_t vm_map_sorted(struct vm *vm, uint32_t g, int dir, uint32_t **ret_slots);

/* rt/builtins.c: built-in function id on args; *ret gets the result.  0 or -1 (vm_fail). */
int rt_builtin_call(struct vm *vm, int id, vm_val *args, vm_val *ret);
/* autoprint.c: prints the globals written but never read, as stap does at the end. */
void vm_autoprint(struct vm *vm);

#endif
