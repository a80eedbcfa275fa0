/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SYM_DWARF_PRIV_H
#define SYM_DWARF_PRIV_H

#include <elfutils/libdw.h>

#include "sym/dwarf.h"

/*
 * dwarf.c's view for the other DWARF files of src/sym: the scopes containing pc, innermost
 * first (malloc'd, the caller frees them), and in *ret_func the index of the function's.
 * Returns the count, or -ENOENT when no function contains pc.
 */
int sym_dwarf_scopes_at(struct sym_dwarf *d, uint64_t pc, Dwarf_Die **ret_scopes, int *ret_func);

/*
 * dwarf_decl_file(die), also where DW_AT_decl_file is 0 in a DWARF 5 unit: there 0 is the
 * unit's primary source file (clang refers to it so, gcc repeats it as file 1), while libdw
 * (0.188, Debian 12's) reads 0 as "no file", as it was in DWARF 4.  NULL when the DIE names
 * no file.
 */
const char *sym_dw_decl_file(Dwarf_Die *die);

#endif
