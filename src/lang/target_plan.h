/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_TARGET_PLAN_H
#define LANG_TARGET_PLAN_H

#include <stdint.h>

#include "util/arena.h"
#include "vm/rt/target.h"

/* A deep copy of n expressions into a (codegen: from the tree's arena to the program's). */
struct rt_tv_expr *rt_tv_copy(struct arena *a, const struct rt_tv_expr *v, uint32_t n);

#endif
