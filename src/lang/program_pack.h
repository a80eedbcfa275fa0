/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_PROGRAM_PACK_H
#define LANG_PROGRAM_PACK_H

#include <stddef.h>

#include "vm/program.h"

/*
 * Packs prog into one pointer-free image (vm/image.h) for vm_program_unpack: *ret_img, of
 * *ret_len bytes, is malloc'd (free it with free).  Returns 0, or -E2BIG when the image would
 * not fit the format's 32-bit sizes.
 */
int vm_program_pack(const struct vm_program *prog, void **ret_img, size_t *ret_len);

#endif
