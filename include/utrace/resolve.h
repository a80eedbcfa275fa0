/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where to put a uprobe: the functions of an ELF file by name or glob, and the file offsets
 * uprobe_register() takes, checked to start an instruction (an int3 in the middle of one would
 * make the program run the rest of it as code of its own).  Addresses are the file's; what a
 * process maps where does not matter here.
 *
 * A failure returns -errno and, where the call takes a buffer, says why in words that name
 * their subject ("no function 'foo' in /bin/ls"), for the tool to print after its own prefix.
 */
#ifndef UTRACE_RESOLVE_H
#define UTRACE_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct uprobe_file;

/*
 * The path of library @name ("libc", "libc.so.6") as the dynamic linker would find it
 * (LD_LIBRARY_PATH, then the system's directories); a name with a '/' is taken as is.
 * *ret_path is malloc'd.  0 or -ENOENT.
 */
int uprobe_find_library(const char *name, char **ret_path);

/* The ELF file at @path, read once: 0, or -errno (-ENOENT, -EACCES, -ENOEXEC: not ELF). */
int uprobe_file_open(const char *path, struct uprobe_file **ret_file);
/* Accepts NULL. */
void uprobe_file_free(struct uprobe_file *f);
const char *uprobe_file_path(const struct uprobe_file *f);

/* @name lives as long as the file; return 0 to go on, non-zero to stop. */
typedef int (*uprobe_function_fn)(const char *name, uint64_t offset, void *data);
/*
 * @fn for the entry of each function @name names in @f: the function itself ("foo",
 * "foo@VER", "foo@plt"), or every match of a glob (a name with *, ? or [), in address order.
 * Functions outside an executable segment are skipped.  Returns >= 0 (a glob: the number of
 * matches, skipped ones included) or -ENOENT (no such function, no symbol table);
 * uprobe_file_explain() says why.
 */
int uprobe_file_functions(const struct uprobe_file *f, const char *name, uprobe_function_fn fn,
			  void *data);
/* Why @name gave @err in @f ("did you mean ..."), malloc'd, or NULL with nothing to say. */
char *uprobe_file_explain(const struct uprobe_file *f, const char *name, int err);

/*
 * FUNC+OFF: the file offset of byte @off of function @func.  -ENOENT (no such function),
 * -ERANGE (past its end), -ENOEXEC (not in an executable segment), -EINVAL (not where an
 * instruction starts), each with the reason in @why; -ENOMEM with @why empty.
 */
int uprobe_file_func_offset(const struct uprobe_file *f, const char *func, uint64_t off,
			    uint64_t *ret_offset, char *why, size_t len);
/*
 * A file offset given as is: it must be code the file maps executable (-EACCES, -ERANGE),
 * inside a function the symbol table knows (-ENOENT: else nothing says where its instructions
 * start) and on one of its instruction boundaries (as uprobe_file_func_offset).
 */
int uprobe_file_check_offset(const struct uprobe_file *f, uint64_t offset, uint64_t *ret_offset,
			     char *why, size_t len);

#ifdef __cplusplus
}
#endif

#endif
