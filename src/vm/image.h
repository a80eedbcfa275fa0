/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_IMAGE_H
#define VM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "vm/rt/map.h"

/*
 * The packed program: what vm_program_pack (src/lang) writes and vm_program_unpack reads, one
 * byte buffer with no pointer in it, so that it can be copied into another address space (the
 * agent's) as it is.  The header, then sections at 8-aligned offsets, each an array of one of
 * the fixed-size records below, in the tracer's byte order (the agent runs on the same
 * machine).  A string is an offset into the STRTAB section, whose strings are NUL-terminated
 * and which starts with "" (offset 0); VM_IMAGE_NONE stands for a NULL string.  Everything
 * else is an index: a chunk's code is ncode records of CODE from index code, and so on.  The
 * checksum covers every byte, so that a damaged image is refused before it is even read.
 */

#define VM_IMAGE_MAGIC	 "utrcVM\r\n"
#define VM_IMAGE_VERSION 1
#define VM_IMAGE_NONE	 0xffffffffu

struct vm_image_format {
	uint32_t text;	/* string */
	uint32_t specs; /* the first of nspecs in SPECS */
	uint32_t nspecs;
	uint32_t nargs;
};

struct vm_image_spec {
	uint8_t conv; /* enum rt_conv */
	uint8_t flags;
	uint8_t pad[2];
	int32_t width;
	int32_t prec;
	uint32_t off;
	uint32_t len;
};

struct vm_image_global {
	int64_t init_long;
	int64_t hist_lo, hist_hi, hist_step;
	uint32_t hist_nbuckets;
	uint32_t name;	   /* string */
	uint32_t init_str; /* string or NONE */
	uint32_t maxentries;
	int32_t shift;
	uint8_t type; /* enum vm_type */
	uint8_t nkeys;
	uint8_t key_types[RT_MAP_MAX_KEYS];
	uint8_t hist_kind; /* enum rt_hist_kind */
	uint8_t wrap, autoprint, has_init;
	uint8_t pad[5];
};

struct vm_image_chunk {
	uint32_t name; /* string */
	uint32_t code; /* the first of ncode in CODE, and of as many in CODELOCS */
	uint32_t ncode;
	uint32_t local_types; /* the first of nlocals in LOCALTYPES */
	uint16_t nparams;
	uint16_t nlocals;
	uint8_t ret_type;
	uint8_t pad[3];
};

struct vm_image_insn {
	uint16_t op;
	uint16_t a;
	int32_t b;
};

struct vm_image_probe {
	int64_t priority;
	uint64_t interval_ns;
	uint64_t randomize_ns;
	int64_t proc_pid;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t sdt_semaphore;
	uint64_t entry_delta;
	uint32_t pp; /* string */
	uint32_t pn; /* string or NONE, as the four below */
	uint32_t proc_path;
	uint32_t module;
	uint32_t func;
	uint32_t handler;  /* a chunk */
	uint32_t sdt_args; /* the first of sdt_nargs in SDTARGS */
	uint32_t sdt_nargs;
	uint32_t tv; /* the first of ntv in TVEXPRS */
	uint32_t ntv;
	uint8_t kind;  /* enum vm_probe_kind */
	uint8_t event; /* enum vm_proc_event */
	uint8_t saves_entry;
	uint8_t pad[5];
};

struct vm_image_sdt_arg {
	int64_t value;
	uint8_t kind; /* enum rt_sdt_kind */
	uint8_t size;
	uint8_t is_signed;
	uint8_t unsupported;
	int8_t reg;
	int8_t index_reg;
	uint8_t scale;
	uint8_t pad[1];
};

struct vm_image_tv_expr {
	uint32_t items; /* the first of nitems in TVITEMS */
	uint32_t nitems;
};

struct vm_image_tv_item {
	uint32_t text;	 /* string */
	uint32_t module; /* string or NONE */
	uint32_t steps;	 /* the first of nsteps in TVSTEPS */
	uint8_t fmt;	 /* enum rt_tv_fmt */
	uint8_t size;
	uint8_t is_signed;
	uint8_t nsteps;
	uint8_t writable;
	uint8_t pad[3];
};

struct vm_image_tv_step {
	int64_t arg;
	uint8_t op; /* enum rt_tv_op */
	int8_t reg;
	uint8_t pad[6];
};

struct vm_image_iter {
	uint32_t slice_mask;
	uint8_t has_limit;
	uint8_t nslice;
	int8_t sort_dir;
	uint8_t sort_col;
	uint8_t sort_aggr;
	uint8_t pad[3];
};

/*
 * The sections, in the order they follow the header.
 *	X(NAME, record type, one-line contents)
 */
#define VM_IMAGE_SECTION_LIST(X)                                                          \
	X(STRTAB, char, "every string, NUL-terminated; offset 0 is \"\"")                 \
	X(LONGS, int64_t, "the long constants (PUSHK)")                                   \
	X(STRS, uint32_t, "the string constants (PUSHS), as strings")                     \
	X(REGEXES, uint32_t, "the sources of the regexes (MATCH), as strings")            \
	X(LOCS, uint32_t, "the error locations, as strings; 0 is \"\"")                   \
	X(FORMATS, struct vm_image_format, "the printf formats (PRINTF, SPRINTF)")        \
	X(SPECS, struct vm_image_spec, "the pieces of the formats")                       \
	X(GLOBALS, struct vm_image_global, "the globals, in declaration order")           \
	X(CHUNKS, struct vm_image_chunk, "the functions, then the probe handlers")        \
	X(CODE, struct vm_image_insn, "the instructions of the chunks")                   \
	X(CODELOCS, uint32_t, "per instruction, its index in LOCS")                       \
	X(LOCALTYPES, uint8_t, "the types of the chunks' locals")                         \
	X(PROBES, struct vm_image_probe, "the probes, each naming its handler chunk")     \
	X(SDTARGS, struct vm_image_sdt_arg, "the arguments of the marks")                 \
	X(TVEXPRS, struct vm_image_tv_expr, "the DWARF target-variable expressions")      \
	X(TVITEMS, struct vm_image_tv_item, "their items")                                \
	X(TVSTEPS, struct vm_image_tv_step, "the items' steps from registers to a value") \
	X(ITERS, struct vm_image_iter, "the foreach descriptors (ITER)")

enum vm_image_section_id {
#define VM_IMAGE_SECTION_ENUM(name, type, doc) VM_IMAGE_##name,
	VM_IMAGE_SECTION_LIST(VM_IMAGE_SECTION_ENUM)
#undef VM_IMAGE_SECTION_ENUM
	VM_IMAGE_NSECTIONS
};

struct vm_image_section {
	uint32_t off;	/* from the start of the image */
	uint32_t count; /* records */
};

struct vm_image_header {
	char magic[8]; /* VM_IMAGE_MAGIC */
	uint32_t version;
	uint32_t size;	   /* of the whole image, header included */
	uint64_t checksum; /* vm_image_checksum */
	int64_t maxaction, maxstringlen, maxmapentries, maxnesting;
	uint32_t nfuncs;
	uint32_t nsections; /* VM_IMAGE_NSECTIONS */
	struct vm_image_section sec[VM_IMAGE_NSECTIONS];
};

/* The size of a record of each section. */
extern const uint32_t vm_image_record_size[VM_IMAGE_NSECTIONS];

/* FNV-1a (64 bits) of the len bytes at img, the header's checksum field read as zero. */
uint64_t vm_image_checksum(const void *img, size_t len);

#endif
