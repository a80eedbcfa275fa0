/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SYM_SYM_H
#define SYM_SYM_H

/*
 * Symbols and address mapping for one ELF file (design.md section 2, src/sym/).
 *
 * A struct sym_file is read once at sym_file_open() and is immutable afterwards: every pointer
 * it hands out (names, segments, symbols, notes) lives as long as the sym_file.  Addresses are
 * the file's own virtual addresses (st_value, p_vaddr); a process adds its load bias, found
 * through the sym_maps_* functions.  Probes are keyed by file offset, like mainline uprobes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct strbuf;

/* ---- the file ---------------------------------------------------------------------------- */

struct sym_file;

struct sym_segment {
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
	uint32_t flags; /* PF_R | PF_W | PF_X */
};

/* NULL with *err = -ENOENT (no file), -ENOEXEC (not an ET_EXEC/ET_DYN ELF), -errno. */
/*
 * Opens and loads path, or returns the file already loaded from it (same inode, size and
 * mtime) with one more reference; sym_file_free() drops one.  Loaded files are shared and
 * immutable.
 */
struct sym_file *sym_file_open(const char *path, int *err);
void sym_file_free(struct sym_file *f);
/* Frees the loaded files nobody holds (they are kept for the next sym_file_open). */
void sym_file_cache_drop(void);

const char *sym_file_path(const struct sym_file *f);
unsigned sym_file_type(const struct sym_file *f); /* ET_EXEC or ET_DYN */
unsigned sym_file_machine(const struct sym_file *f);
/* DT_SONAME, or NULL. */
const char *sym_file_soname(const struct sym_file *f);
/* NT_GNU_BUILD_ID as lowercase hex, or NULL. */
const char *sym_file_build_id(const struct sym_file *f);
/* The separate debug file (build-id or .gnu_debuglink) that gave .symtab, or NULL. */
const char *sym_file_debug_path(const struct sym_file *f);
size_t sym_file_segment_count(const struct sym_file *f);
/* PT_LOAD segments in program header order. */
const struct sym_segment *sym_file_segment(const struct sym_file *f, size_t i);
/* Reads exactly len bytes at a file offset; -EFAULT when the range passes the end of file. */
int sym_file_read(const struct sym_file *f, uint64_t offset, void *buf, size_t len);

/* ---- file offset <-> virtual address ------------------------------------------------------ */

/* Only accept addresses in an executable segment (where a probe may go). */
#define SYM_NEED_EXEC 0x1u

/* -ERANGE: not backed by file bytes of any PT_LOAD; -EACCES: SYM_NEED_EXEC and not PF_X. */
int sym_vaddr_to_offset(const struct sym_file *f, uint64_t vaddr, unsigned flags,
			uint64_t *ret_offset);
int sym_offset_to_vaddr(const struct sym_file *f, uint64_t offset, unsigned flags,
			uint64_t *ret_vaddr);

/* ---- function symbols --------------------------------------------------------------------- */

enum sym_origin {
	SYM_FROM_SYMTAB = 0x1,
	SYM_FROM_DYNSYM = 0x2,
	SYM_FROM_PLT = 0x4,
};

struct sym_symbol {
	const char *name;    /* bare name, no version and no "@plt" */
	const char *version; /* "GLIBC_2.2.5", or NULL */
	bool hidden_version; /* name@VERSION (not the default name@@VERSION) */
	uint64_t addr;
	uint64_t size;	/* 0 when unknown */
	uint8_t bind;	/* STB_LOCAL, STB_GLOBAL, STB_WEAK */
	uint8_t type;	/* STT_FUNC or STT_GNU_IFUNC */
	uint8_t origin; /* enum sym_origin bits */
};

/* Appends "name", "name@VER", "name@@VER" (with_version) or "name@plt" for a PLT entry. */
void sym_format_name(const struct sym_symbol *s, bool with_version, struct strbuf *sb);

/* Neither .symtab nor .dynsym. */
bool sym_file_has_symbols(const struct sym_file *f);
/* Functions from .symtab and .dynsym, merged, in address order. */
size_t sym_count(const struct sym_file *f);
const struct sym_symbol *sym_at(const struct sym_file *f, size_t i);

/*
 * name: "foo", "foo@VER", "foo@@VER" or "foo@plt".  A bare name prefers the unversioned or
 * default-version definition, then global over weak over local, then the lowest address.
 * -ENOENT when missing (sym_explain() says why).
 */
int sym_lookup(const struct sym_file *f, const char *name, const struct sym_symbol **ret_sym);

/* Return 0 to go on, > 0 to stop, < 0 to stop and fail with that value. */
typedef int (*sym_iter_fn)(const struct sym_symbol *s, void *data);
/*
 * fnmatch(3) pattern over bare names (over "name@VER"/"name@@VER" when the pattern has '@'),
 * in address order.  Returns the number of matches (0 is not an error), or -ENOENT when the
 * file has no symbol table at all.
 */
int sym_glob(const struct sym_file *f, const char *pattern, sym_iter_fn fn, void *data);

/* The function (or PLT entry) containing vaddr, and vaddr's offset in it. */
int sym_addr_lookup(const struct sym_file *f, uint64_t vaddr, const struct sym_symbol **ret_sym,
		    uint64_t *ret_off);
/* Appends "name+0x1a" (or "name"), for backtraces; -ENOENT and nothing appended if unknown. */
int sym_addr_to_name(const struct sym_file *f, uint64_t vaddr, struct strbuf *sb);

/* A message for the user explaining err from sym_lookup/sym_resolve of name. */
void sym_explain(const struct sym_file *f, const char *name, int err, struct strbuf *sb);

/* ---- PLT ----------------------------------------------------------------------------------- */

/* Stubs of .plt, .plt.sec and .plt.got named after their relocation, like "puts@plt". */
size_t sym_plt_count(const struct sym_file *f);
const struct sym_symbol *sym_plt_at(const struct sym_file *f, size_t i);
/* name: "puts" or "puts@plt". */
int sym_plt_lookup(const struct sym_file *f, const char *name, const struct sym_symbol **ret_sym);

/* ---- SDT notes (.note.stapsdt) ------------------------------------------------------------ */

enum sym_sdt_arg_kind {
	SYM_SDT_ARG_CONST, /* $5 */
	SYM_SDT_ARG_REG,   /* %edi */
	SYM_SDT_ARG_MEM,   /* -8(%rbp), sym+4(%rip), 16(%rax,%rcx,8) */
};

/* x86-64 registers use the DWARF numbers (0 rax, 1 rdx, ... 16 rip, 17.. xmm0..). */
#define SYM_REG_NONE (-1)

struct sym_sdt_arg {
	enum sym_sdt_arg_kind kind;
	uint8_t size; /* bytes: 1, 2, 4 or 8 */
	bool is_signed;
	bool is_float;
	int64_t value;	   /* CONST: the value; MEM: the displacement */
	int reg;	   /* REG: the register; MEM: base register or SYM_REG_NONE */
	uint8_t reg_width; /* REG: width of the register as written (%edi: 4) */
	int index_reg;	   /* MEM: index register or SYM_REG_NONE */
	uint8_t scale;	   /* MEM: 1, 2, 4 or 8 */
	char *disp_sym;	   /* MEM: symbolic displacement ("counter" of counter+4(%rip)), or NULL */
};

/* Parses "-4@%edi 8@-8(%rbp) 4@$3"; -EINVAL on anything else. */
int sym_sdt_parse_args(const char *text, struct sym_sdt_arg **ret_args, size_t *ret_count);
void sym_sdt_args_free(struct sym_sdt_arg *args, size_t count);
/* Name of a DWARF register number for the given width ("edi" for 5, 4), or NULL. */
const char *sym_reg_name(int reg, unsigned width);

struct sym_sdt_note {
	const char *provider;
	const char *name;
	const char *args;	   /* raw argument string, "" when none */
	uint64_t pc;		   /* adjusted: note pc + (.stapsdt.base address - note base) */
	uint64_t pc_offset;	   /* file offset of pc */
	uint64_t note_pc;	   /* as recorded */
	uint64_t base;		   /* .stapsdt.base as recorded, 0 if none */
	uint64_t semaphore;	   /* adjusted like pc; 0 when the probe has no semaphore */
	uint64_t semaphore_offset; /* file offset of the semaphore (for ref_ctr_offset), or 0 */
	size_t nargs;
	struct sym_sdt_arg *argv; /* parsed args, NULL when args_err < 0 */
	int args_err;
};

size_t sym_sdt_count(const struct sym_file *f);
const struct sym_sdt_note *sym_sdt_at(const struct sym_file *f, size_t i);
typedef int (*sym_sdt_iter_fn)(const struct sym_sdt_note *n, void *data);
/* fnmatch patterns (provider NULL: any); returns the number of matching sites. */
int sym_sdt_glob(const struct sym_file *f, const char *provider, const char *name,
		 sym_sdt_iter_fn fn, void *data);
/* The first site of provider:name (provider NULL: any); -ENOENT if none. */
int sym_sdt_find(const struct sym_file *f, const char *provider, const char *name,
		 const struct sym_sdt_note **ret_note);

/* ---- /proc/PID/maps ----------------------------------------------------------------------- */

struct sym_mapping {
	uint64_t start;
	uint64_t end;
	uint64_t offset;
	char perms[5];
	unsigned dev_major;
	unsigned dev_minor;
	uint64_t inode;
	const char *path; /* "" for anonymous memory; "[heap]", "[vdso]", ... */
	bool deleted;	  /* the " (deleted)" suffix, removed from path */
};

struct sym_maps {
	size_t count;
	struct sym_mapping *v; /* address order */
};

/* -ESRCH when the process is gone. */
int sym_maps_read(pid_t pid, struct sym_maps **ret_maps);
int sym_maps_parse(const char *text, struct sym_maps **ret_maps);
void sym_maps_free(struct sym_maps *m);

const struct sym_mapping *sym_maps_find_addr(const struct sym_maps *m, uint64_t addr);
/*
 * A mapped file by full path ("/usr/lib/x86_64-linux-gnu/libc.so.6"), base name ("libc.so.6"),
 * stem ("libc": libc.so.6, libc-2.31.so) or DT_SONAME.  The path points into m.
 */
int sym_maps_find_lib(const struct sym_maps *m, const char *name, const char **ret_path);
/* Whether a mapping maps f (same device and inode, or same path). */
bool sym_mapping_is_file(const struct sym_mapping *mp, const struct sym_file *f);
/* runtime address = vaddr + bias; -ENOENT when f is not mapped. */
int sym_maps_load_bias(const struct sym_maps *m, const struct sym_file *f, uint64_t *ret_bias);
/* (f, file offset) -> runtime address, through the mapping that holds that offset. */
int sym_maps_offset_to_addr(const struct sym_maps *m, const struct sym_file *f, uint64_t offset,
			    uint64_t *ret_addr);
/* runtime address -> (mapped path, file offset); -ENOENT for anonymous memory. */
int sym_maps_addr_to_offset(const struct sym_maps *m, uint64_t addr, const char **ret_path,
			    uint64_t *ret_offset);

/* ---- probe specs ---------------------------------------------------------------------------- */

/*
 * "[LIB:]NAME[@VER|@@VER|@plt][+OFF]" or "[LIB:]0xADDR" (a virtual address of the file).
 * LIB is a path or a library name as sym_find_library() takes.
 */
struct sym_spec {
	char *lib;  /* NULL when not qualified */
	char *name; /* NULL for an address */
	uint64_t addr;
	uint64_t offset;
};

int sym_spec_parse(const char *text, struct sym_spec *ret_spec);
void sym_spec_release(struct sym_spec *spec);

struct sym_location {
	const struct sym_symbol *sym; /* NULL for an address */
	uint64_t vaddr;
	uint64_t file_offset;
	uint64_t func_vaddr; /* the function's bytes, for instruction-boundary checks */
	uint64_t func_offset;
	uint64_t func_size; /* 0 when unknown */
};

/*
 * The instruction-boundary hook: code is the whole function (len bytes), off the probe's
 * offset in it.  Return 0 to accept, -errno (e.g. -EILSEQ) to refuse.
 */
typedef int (*sym_insn_check_fn)(const uint8_t *code, size_t len, uint64_t off, void *data);

/*
 * Resolves spec (its lib part is ignored; pick the file with sym_find_library) in f.  The
 * address must lie in an executable segment and, when the function's size is known, inside it
 * (-ERANGE).  check may be NULL.
 */
int sym_resolve(const struct sym_file *f, const struct sym_spec *spec, sym_insn_check_fn check,
		void *data, struct sym_location *ret_loc);

/*
 * The path of a library: name with '/' is taken as is; otherwise through maps when given,
 * else LD_LIBRARY_PATH and the system library directories.  *ret_path is malloc'd.
 */
int sym_find_library(const char *name, const struct sym_maps *maps, char **ret_path);

#endif
