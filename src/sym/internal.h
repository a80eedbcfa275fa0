/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SYM_INTERNAL_H
#define SYM_INTERNAL_H

#include <gelf.h>
#include <sys/stat.h>

#include "sym/sym.h"

struct sym_file {
	char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int refs;		 /* sym_file_open() calls not yet matched by sym_file_free() */
	struct sym_file *cached; /* the next file of the cache (elf_file.c) */
	unsigned type;
	unsigned machine;
	bool swap; /* file byte order differs from ours */
	int elfclass;
	char *soname;
	char *build_id;
	char *debug_path; /* separate debug file the .symtab came from, or NULL */
	struct sym_segment *segs;
	size_t nsegs;

	bool has_symtab;
	bool has_dynsym;
	struct sym_symbol *syms; /* address order */
	size_t nsyms;
	uint32_t *by_name;	/* indexes into syms, by name then preference */
	struct sym_symbol *plt; /* address order */
	size_t nplt;
	struct sym_sdt_note *sdt; /* note order */
	size_t nsdt;

	char **strs; /* every string the symbols and notes point to */
	size_t nstrs, capstrs;
};

/* Loaders run by sym_file_open() in this order, with the Elf still open. */
int sym_symtab_load(struct sym_file *f, Elf *elf);
int sym_plt_load(struct sym_file *f, Elf *elf);
int sym_sdt_load(struct sym_file *f, Elf *elf);
void sym_symtab_release(struct sym_file *f);
void sym_sdt_release(struct sym_file *f);

/* The separate debug file of a stripped f (its fd in *ret_fd), or NULL. */
Elf *sym_debug_open(struct sym_file *f, Elf *elf, int *ret_fd);
/* A copy of s[0..n) owned by f; NULL on allocation failure. */
const char *sym_strndup(struct sym_file *f, const char *s, size_t n);
Elf_Scn *sym_find_section(Elf *elf, const char *name, GElf_Shdr *ret_shdr);
/* Reads a file-order unsigned integer of 1, 2, 4 or 8 bytes. */
uint64_t sym_read_uint(const struct sym_file *f, const void *p, size_t size);
/* The PT_LOAD segment whose file bytes hold vaddr, or NULL. */
const struct sym_segment *sym_segment_of_vaddr(const struct sym_file *f, uint64_t vaddr);

#endif
