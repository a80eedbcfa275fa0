/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * builtin_table: the names and signatures of the built-in functions, generated from the
 * X-macro in builtins.h, and the lookup pass 2 uses.  The behaviour lives in builtins.c.
 */
#include "vm/cstring.h"
#include "vm/rt/builtins.h"

const struct rt_builtin_info rt_builtins[RT_B_COUNT] = {
#define RT_BUILTIN_ROW(id, name, ret, args, where, doc) [RT_B_##id] = {name, ret, args, where},
	RT_BUILTIN_LIST(RT_BUILTIN_ROW)
#undef RT_BUILTIN_ROW
};

int rt_builtin_find(const char *name)
{
	for (int i = 0; i < RT_B_COUNT; i++)
		if (!strcmp(rt_builtins[i].name, name))
			return i;
	return -1;
}

int rt_builtin_find_arity(const char *name, unsigned nargs)
{
	int first = -1;

	for (int i = 0; i < RT_B_COUNT; i++) {
		if (strcmp(rt_builtins[i].name, name))
			continue;
		if (strlen(rt_builtins[i].args) == nargs)
			return i;
		if (first < 0)
			first = i;
	}
	return first;
}
