/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_FORMAT_PARSE_H
#define LANG_FORMAT_PARSE_H

#include <stddef.h>

#include "util/arena.h"
#include "vm/rt/format.h"

/*
 * Compiles the decoded format s[0..n) into arena memory.  Returns NULL and *ret_err (stap's
 * message) when the format is bad.
 */
struct rt_format *rt_format_parse(struct arena *a, const char *s, size_t n, const char **ret_err);
/* The type of argument i of f: 's' string, 'l' long. */
char rt_format_arg_type(const struct rt_format *f, unsigned i);

#endif
