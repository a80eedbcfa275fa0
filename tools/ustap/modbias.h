/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef USTAP_MODBIAS_H
#define USTAP_MODBIAS_H

#include <stdint.h>
#include <sys/types.h>

/*
 * The load bias of file path in process pid (0 for a non-PIE executable).  0, or -errno:
 * -ESRCH when the process is gone (or has no mappings left), -ENOENT when it does not map
 * the file, the error of opening the file.
 */
int modbias_get(pid_t pid, const char *path, uint64_t *ret_bias);
/* After an exec (the process's files are mapped anew) or at the process's end. */
void modbias_forget(pid_t pid);
void modbias_free_all(void);

#endif
