/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * target_plan: copying the DWARF target-variable plans of pass 2 into the program's arena at
 * code generation, so the program outlives the pass.  Kept apart from target.c, which runs at
 * hits and must not allocate.
 */
#include <string.h>

#include "util/arena.h"
#include "lang/target_plan.h"

struct rt_tv_expr *rt_tv_copy(struct arena *a, const struct rt_tv_expr *v, uint32_t n)
{
	struct rt_tv_expr *out = arena_zalloc(a, (n ? n : 1) * sizeof(*out));

	for (uint32_t i = 0; i < n; i++) {
		struct rt_tv_item *items = arena_zalloc(a, (v[i].nitems + 1) * sizeof(*items));

		for (uint32_t j = 0; j < v[i].nitems; j++) {
			const struct rt_tv_item *it = &v[i].items[j];

			items[j] = *it;
			items[j].text =
				it->text ? arena_strndup(a, it->text, strlen(it->text)) : "";
			items[j].steps =
				it->steps ? arena_memdup(a, it->steps,
							 (it->nsteps + 1) * sizeof(*it->steps))
					  : NULL;
			items[j].module = it->module
						  ? arena_strndup(a, it->module, strlen(it->module))
						  : NULL;
		}
		out[i].items = items;
		out[i].nitems = v[i].nitems;
	}
	return out;
}
