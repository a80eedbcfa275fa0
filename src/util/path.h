/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UTIL_PATH_H
#define UTIL_PATH_H

#include <stddef.h>

/*
 * The file execvp() would run for @name, into buf (len bytes): @name itself when it has a
 * '/', else the first executable @name in the directories of PATH (unset: the system's
 * default, /usr/local/bin:/usr/bin:/bin; an empty entry, or an empty PATH, is the current
 * directory, as for execvp).  Returns 0, -ENOENT, -EACCES (found, but none executable), or
 * -ENAMETOOLONG.
 */
int path_find_program(const char *name, char *buf, size_t len);

#endif
