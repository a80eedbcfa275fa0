/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * context: the context variables of process probes, resolved against the probe's points.
 *
 *	$argN      syscall probes: argument N (1..6); mark probes: the marker's argument N
 *	$syscall   syscall probes: the syscall number
 *	$return    .return, .plt.return and .syscall.return probes: the return value
 *	$$name     mark and plt probes: the marker or PLT entry's name
 *
 * Each becomes, in place, a call of the built-in that reads it at the hit (_utrace_syscall_arg,
 * _sdt_arg, _utrace_syscall_nr, returnval, ppfunc), so the later passes see an ordinary call.
 * Every point of the probe must provide the variable: otherwise, as in stap, it is an
 * "unresolved target-symbol expression".  Variables of the program itself ($parm, $local,
 * $p->field) of .function and .statement points with DWARF are target_vars.c's; elsewhere
 * they are refused with a pointer at the DWARF-less functions.
 */
#include <stdlib.h>
#include <string.h>

#include "lang/sema/sema.h"

static bool all_events(const struct sema_probe *sp, unsigned mask)
{
	for (unsigned i = 0; i < sp->npoints; i++)
		if (sp->points[i].kind != SEMA_PP_PROCESS || !(mask & (1u << sp->points[i].event)))
			return false;
	return sp->npoints > 0;
}

#define EV(e) (1u << VM_PROC_##e)

bool sema_probe_is_return(const struct sema_probe *sp)
{
	return all_events(sp, EV(RETURN) | EV(PLT_RETURN) | EV(SYSCALL_RETURN));
}

static unsigned min_sdt_args(const struct sema_probe *sp)
{
	unsigned n = ~0u;

	for (unsigned i = 0; i < sp->npoints; i++)
		if (sp->points[i].sdt_nargs < n)
			n = sp->points[i].sdt_nargs;
	return n;
}

static void rewrite(struct sema_program *p, struct ast_expr *e, const char *fn, int64_t arg)
{
	const struct token *tok = e->tok;

	e->kind = AST_E_CALL;
	e->call.name = fn;
	e->call.nargs = 0;
	e->call.args = NULL;
	if (arg > 0) {
		struct ast_expr *n = ast_expr_new(p->arena, AST_E_NUMBER, tok);

		n->num.value = arg;
		e->call.args = arena_alloc(p->arena, sizeof(*e->call.args));
		e->call.args[0] = n;
		e->call.nargs = 1;
	}
}

static int64_t arg_number(const char *name)
{
	char *end;
	long v;

	if (strncmp(name, "$arg", 4) || !name[4] || name[4] == '0')
		return 0;
	v = strtol(name + 4, &end, 10);
	return *end ? 0 : v;
}

void sema_context_var(struct sema_program *p, struct sema_probe *sp, struct ast_expr *e)
{
	const char *name = e->target.name;
	int64_t n = arg_number(name);

	if (strcmp(name, "$return") && sema_target_var(p, sp, e, false) != 0)
		return;

	if (e->target.ncomps || e->target.addressof) {
		sema_error(p, e->tok,
			   "unresolved target-symbol expression (members, indexes and addresses "
			   "of context variables need DWARF, not supported yet)");
		return;
	}
	if (!strcmp(name, "$return") && sema_probe_is_return(sp)) {
		rewrite(p, e, "returnval", 0);
		return;
	}
	if (!strcmp(name, "$syscall") && all_events(sp, EV(SYSCALL) | EV(SYSCALL_RETURN))) {
		rewrite(p, e, "_utrace_syscall_nr", 0);
		return;
	}
	if (n > 0 && n <= 6 && all_events(sp, EV(SYSCALL) | EV(SYSCALL_RETURN))) {
		rewrite(p, e, "_utrace_syscall_arg", n);
		return;
	}
	if (n > 0 && all_events(sp, EV(MARK)) && (uint64_t)n <= min_sdt_args(sp)) {
		rewrite(p, e, "_sdt_arg", n);
		return;
	}
	if (!strcmp(name, "$$name") && all_events(sp, EV(MARK) | EV(PLT) | EV(PLT_RETURN))) {
		rewrite(p, e, "ppfunc", 0);
		return;
	}
	if (all_events(sp, EV(FUNCTION) | EV(RETURN)) && name[1] != '$' && !n &&
	    strcmp(name, "$return")) {
		sema_error(p, e->tok,
			   "unable to find local '%s' (DWARF variables are not supported yet; use "
			   "int_arg(N), long_arg(N), pointer_arg(N) or register(\"name\"))",
			   name + 1);
		return;
	}
	sema_error(p, e->tok, "unresolved target-symbol expression");
}
