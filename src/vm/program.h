/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_PROGRAM_H
#define VM_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/opcodes.h"
#include "vm/rt/format.h"
#include "vm/rt/map.h"
#include "vm/rt/stat.h"
#include "vm/rt/target.h"
#include "vm/rt/user.h"

/*
 * A program, the output of pass 3, as the VM runs it: constant pools, globals, chunks of code
 * and the probes they handle.  Its parts name each other by index (an instruction names long
 * constant k, global g, chunk f), never by pointer into the script's tree, so a program
 * outlives the AST.  The tables themselves are reached through pointers: into the arena codegen
 * keeps next to the program (src/lang/codegen.c), or into the region vm_program_unpack built it
 * in.  To cross into another address space (the agent's), a program is packed into one
 * pointer-free image (vm/image.h): every string an offset into one table, everything else an
 * index.
 */
struct vm_insn {
	uint16_t op;
	uint16_t a;
	int32_t b;
};

/* A function or a probe handler. */
struct vm_chunk {
	const char *name;
	struct vm_insn *code;
	uint32_t *locs; /* per instruction: an index into vm_program.locs (0: none) */
	uint32_t ncode;
	uint16_t nparams;
	uint16_t nlocals;     /* parameters included */
	uint8_t *local_types; /* VM_T_LONG, VM_T_STR: how a local starts (0 or "") */
	uint8_t ret_type;
};

/* A global: a scalar (long, string, aggregate) or a map. */
struct vm_global {
	const char *name;
	uint8_t type; /* value type: VM_T_LONG, VM_T_STR, VM_T_STAT */
	uint8_t nkeys;
	uint8_t key_types[RT_MAP_MAX_KEYS];
	bool wrap;
	bool autoprint; /* written, never read: printed at the end */
	bool has_init;
	uint32_t maxentries;
	int32_t shift; /* @variance's bit shift */
	struct rt_hist hist;
	int64_t init_long;
	const char *init_str;
	/* Filled by vm_layout: where it lives in the region. */
	struct rt_map_layout layout;
	uint64_t offset;
};

/* How an ITER starts a foreach. */
struct vm_iter_desc {
	uint8_t has_limit;
	uint8_t nslice;	     /* slice keys on the stack (the non-'*' ones) */
	uint32_t slice_mask; /* bit i set: key i is '*' or not sliced */
	int8_t sort_dir;     /* -1, 0, +1 */
	uint8_t sort_col;    /* 0: the value, k: key k */
	uint8_t sort_aggr;   /* rt_stat_op for aggregate values (default @count) */
};

enum vm_probe_kind {
	VM_PROBE_BEGIN,
	VM_PROBE_END,
	VM_PROBE_ERROR,
	VM_PROBE_NEVER,
	VM_PROBE_TIMER,
	VM_PROBE_PROCESS,
};

/* What a process probe waits for; sema (src/lang/sema) resolves points to these too. */
enum vm_proc_event {
	VM_PROC_BEGIN,
	VM_PROC_END,
	VM_PROC_THREAD_BEGIN,
	VM_PROC_THREAD_END,
	VM_PROC_SYSCALL,
	VM_PROC_SYSCALL_RETURN,
	VM_PROC_FUNCTION,
	VM_PROC_RETURN,
	VM_PROC_PLT,
	VM_PROC_PLT_RETURN,
	VM_PROC_MARK,
};

struct vm_probe {
	enum vm_probe_kind kind;
	const char *pp; /* "timer.ms(100)", or the expansion of a process point */
	const char *pn; /* the point as written */
	int64_t priority;
	uint64_t interval_ns;
	uint64_t randomize_ns;
	uint32_t handler; /* a chunk */
	/* Process probes. */
	enum vm_proc_event event;
	const char *proc_path; /* executable the probe is restricted to; NULL: any traced */
	int64_t proc_pid;      /* process(PID), else 0 */
	const char *module;    /* the probed file */
	const char *func;      /* function, PLT or mark name ("" for events) */
	uint64_t offset;       /* file offset of the probe in module */
	uint64_t vaddr;
	const struct rt_sdt_arg *sdt_args;
	uint32_t sdt_nargs;
	uint64_t sdt_semaphore;	     /* file offset of a mark's semaphore, 0 for none */
	const struct rt_tv_expr *tv; /* DWARF target variables, _tvar_long(k) reads tv[k] */
	uint32_t ntv;
	bool saves_entry; /* the entry half of a .return probe with @entry */
	uint64_t entry_delta;
};

struct vm_limits {
	int64_t maxaction;
	int64_t maxstringlen;
	int64_t maxmapentries;
	int64_t maxnesting;
};

struct vm_program {
	int64_t *longs;
	uint32_t nlongs;
	const char **strs;
	uint32_t nstrs;
	struct rt_format **formats;
	uint32_t nformats;
	const char **regex_src; /* the sources of =~; the host compiles and matches them */
	uint32_t nregexes;
	const char **locs; /* "operator '/' at f.stp:1:2"; locs[0] is "" */
	uint32_t nlocs;
	struct vm_global *globals;
	uint32_t nglobals;
	struct vm_chunk *chunks; /* functions first, then probe handlers */
	uint32_t nchunks;
	uint32_t nfuncs;
	struct vm_probe *probes;
	uint32_t nprobes;
	struct vm_iter_desc *iters;
	uint32_t niters;
	struct vm_limits limits;
	uint64_t globals_bytes; /* filled by vm_layout */
};

/* The most a program's globals may take in the region (vm_program_check). */
#define VM_MAX_GLOBALS_BYTES (1ull << 46)

/*
 * Whether the VM can run prog without going outside its tables and region: every index in
 * range, every global laid out without overflow (program_check.c).  Returns 0 or -EINVAL.
 */
int vm_program_check(const struct vm_program *prog);

/*
 * Whether probe p of prog can run in the agent (in_agent.c): 1 when its handler and every
 * function it calls use only what the agent's host provides; 0 when it needs the tracer, with
 * why (len bytes, NUL-terminated) saying what, as -v prints it: "usymname() needs the
 * tracer".  Return probes and @entry are 0 too (no in-process return probes yet).
 */
int vm_probe_in_agent(const struct vm_program *prog, const struct vm_probe *p, char *why,
		      size_t len);

/*
 * A program as one pointer-free byte buffer (vm/image.h; src/lang's vm_program_pack writes
 * it), for a copy in another address space.  vm_program_unpack_size checks the image's header
 * and checksum and gives the bytes of the region vm_program_unpack needs.  Returns 0, or
 * -EINVAL when img is not a valid image (truncated, damaged, another version).
 */
int vm_program_unpack_size(const void *img, size_t len, size_t *ret_size);
/*
 * Checks img through and through (every string offset, index and range, then
 * vm_program_check) and builds its program in region (16-byte aligned, at least
 * vm_program_unpack_size bytes), globals laid out: *ret_prog points into region, which holds
 * everything the program refers to, so img may go.  No allocation, nothing to free.  Returns
 * 0, -EINVAL (not a valid image, or region misaligned), -ENOSPC (region too small).
 */
int vm_program_unpack(const void *img, size_t len, void *region, size_t size,
		      struct vm_program **ret_prog);

#endif
