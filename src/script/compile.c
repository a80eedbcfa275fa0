/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compile: include/utrace/script.h's way in to the compiler, so that a tool needs no header of
 * src/lang.  It maps the public options onto the pass driver's (src/lang/passes.c) and hands
 * back what that produced, unchanged: the same diagnostics through the same callback, the same
 * dump, the same program.  It adds no behaviour and no failure of its own.
 */
#include "utrace/script.h"
#include "lang/passes.h"

int script_compile(const struct script_compile_opts *o, struct script_compiled *ret)
{
	struct lex_file src = {.name = o->name, .text = o->text, .len = o->len};
	struct passes_opts po = {
		.last_pass = o->last_pass,
		.list = o->list,
		.list_vars = o->list_vars,
		.verbose = o->verbose,
		.suppress_warnings = o->suppress_warnings,
		.parse = {.args = o->args, .nargs = o->nargs, .guru = o->guru},
		.limits =
			{
				.maxaction = o->limits.maxaction,
				.maxstringlen = o->limits.maxstringlen,
				.maxmapentries = o->limits.maxmapentries,
				.maxnesting = o->limits.maxnesting,
				.target_path = o->target_path,
				.skip_badvars = o->skip_badvars,
				.guru = o->guru,
			},
		.start = o->start,
		.report = o->report,
		.data = o->data,
	};
	struct passes_result res = {0};
	int err = passes_run(&src, &po, &res);

	ret->failed_pass = res.failed_pass;
	ret->dump = res.dump;
	ret->prog = res.prog;
	return err;
}

void script_compiled_release(struct script_compiled *c)
{
	struct passes_result res = {.dump = c->dump, .prog = c->prog};

	passes_result_release(&res);
	c->dump = (struct strbuf){0};
	c->prog = NULL;
}
