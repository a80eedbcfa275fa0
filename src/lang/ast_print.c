/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ast_print: the tree as stap -p1 prints it (staptree.cxx's print methods), so that golden tests
 * can compare our pass 1 with stap's.  The output is normalised rather than pretty: every binary
 * operand is parenthesised, "(a) + (b)", unary operands too, "-(x)", a block is "{", one
 * statement per line each followed by ";", then "}", without indentation.  A while loop prints
 * as the for loop stap turns it into.  Numbers print in decimal.  String literals print as
 * written (escapes kept); the strings of printf formats, @cast types and modules are re-quoted
 * the way stap's lex_cast_qstring does, which doubles their backslashes.  The file prints its
 * embedded code, globals, aliases, probes and functions, in that order, each group in source
 * order.
 */
#include <inttypes.h>
#include <string.h>

#include "lang/ast.h"

static void print_qstring(const char *s, struct strbuf *out)
{
	sb_putc(out, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f) {
			sb_printf(out, "\\%o%o%o", (c >> 6) & 7, (c >> 3) & 7, c & 7);
		} else {
			if (c == '"' || c == '\\')
				sb_putc(out, '\\');
			sb_putc(out, (char)c);
		}
	}
	sb_putc(out, '"');
}

static void print_string_literal(const struct ast_expr *e, struct strbuf *out)
{
	sb_putc(out, '"');
	for (size_t i = 0; i < e->str.raw_len; i++) {
		if (e->str.raw[i] == '"')
			sb_putc(out, '\\');
		sb_putc(out, e->str.raw[i]);
	}
	sb_putc(out, '"');
}

static void print_paren(const struct ast_expr *e, struct strbuf *out)
{
	sb_putc(out, '(');
	ast_print_expr(e, out);
	sb_putc(out, ')');
}

static void print_keys(struct ast_expr *const *keys, unsigned n, struct strbuf *out)
{
	for (unsigned i = 0; i < n; i++) {
		if (i)
			sb_append(out, ", ", 2);
		if (keys[i])
			ast_print_expr(keys[i], out);
		else
			sb_putc(out, '*');
	}
}

static const char *stat_name(enum ast_stat_op op)
{
	switch (op) {
	case AST_STAT_COUNT:
		return "count";
	case AST_STAT_SUM:
		return "sum";
	case AST_STAT_MIN:
		return "min";
	case AST_STAT_MAX:
		return "max";
	case AST_STAT_AVG:
		return "avg";
	case AST_STAT_VARIANCE:
		return "variance";
	case AST_STAT_NONE:
		break;
	}
	return "";
}

static void print_target(const struct ast_expr *e, struct strbuf *out)
{
	if (e->target.addressof)
		sb_putc(out, '&');
	switch (e->kind) {
	case AST_E_TARGET:
		sb_printf(out, "%s", e->target.name);
		break;
	case AST_E_ATVAR:
		sb_printf(out, "%s(\"%s\"", e->target.name, e->target.type_name);
		if (e->target.module && *e->target.module) {
			sb_append(out, ", ", 2);
			print_qstring(e->target.module, out);
		}
		sb_putc(out, ')');
		break;
	case AST_E_CAST:
		sb_printf(out, "%s(", e->target.name);
		ast_print_expr(e->target.operand, out);
		sb_append(out, ", ", 2);
		print_qstring(e->target.type_name, out);
		if (e->target.module && *e->target.module) {
			sb_append(out, ", ", 2);
			print_qstring(e->target.module, out);
		}
		sb_putc(out, ')');
		break;
	default:
		print_paren(e->target.operand, out);
		break;
	}
	for (unsigned i = 0; i < e->target.ncomps; i++) {
		const struct ast_target_comp *c = &e->target.comps[i];

		switch (c->kind) {
		case AST_COMP_MEMBER:
		case AST_COMP_PRETTY_PRINT:
			sb_printf(out, "->%s", c->name);
			break;
		case AST_COMP_INDEX_LIT:
			sb_printf(out, "[%" PRId64 "]", c->index);
			break;
		case AST_COMP_INDEX_EXPR:
			sb_putc(out, '[');
			ast_print_expr(c->expr, out);
			sb_putc(out, ']');
			break;
		}
	}
}

void ast_print_expr(const struct ast_expr *e, struct strbuf *out)
{
	switch (e->kind) {
	case AST_E_NUMBER:
		sb_printf(out, "%" PRId64, e->num.value);
		break;
	case AST_E_STRING:
		print_string_literal(e, out);
		break;
	case AST_E_SYMBOL:
		sb_printf(out, "%s", e->sym.name);
		break;
	case AST_E_BINARY:
	case AST_E_LOGICAL:
	case AST_E_COMPARE:
	case AST_E_CONCAT:
	case AST_E_ASSIGN:
		print_paren(e->bin.left, out);
		sb_printf(out, " %s ", tok_spelling(e->bin.op));
		print_paren(e->bin.right, out);
		break;
	case AST_E_REGEX:
		print_paren(e->bin.left, out);
		sb_printf(out, " %s ", tok_spelling(e->bin.op));
		ast_print_expr(e->bin.right, out);
		break;
	case AST_E_UNARY:
	case AST_E_PREINC:
		sb_printf(out, "%s", tok_spelling(e->un.op));
		print_paren(e->un.operand, out);
		break;
	case AST_E_POSTINC:
		print_paren(e->un.operand, out);
		sb_printf(out, "%s", tok_spelling(e->un.op));
		break;
	case AST_E_TERNARY:
		print_paren(e->tern.cond, out);
		sb_putc(out, '?');
		print_paren(e->tern.then, out);
		sb_putc(out, ':');
		print_paren(e->tern.els, out);
		break;
	case AST_E_INDEX:
		ast_print_expr(e->index.base, out);
		sb_putc(out, '[');
		print_keys(e->index.keys, e->index.nkeys, out);
		sb_putc(out, ']');
		break;
	case AST_E_IN:
		sb_putc(out, '[');
		print_keys(e->in.index->index.keys, e->in.index->index.nkeys, out);
		sb_append(out, "] in ", 5);
		ast_print_expr(e->in.index->index.base, out);
		break;
	case AST_E_CALL:
		sb_printf(out, "%s(", e->call.name);
		print_keys(e->call.args, e->call.nargs, out);
		sb_putc(out, ')');
		break;
	case AST_E_PRINT:
		sb_printf(out, "%s(", e->print.name);
		if (e->print.flags & AST_PRINT_FORMAT)
			print_qstring(e->print.format, out);
		if (e->print.flags & AST_PRINT_DELIM)
			print_qstring(e->print.delim, out);
		if (e->print.hist)
			ast_print_expr(e->print.hist, out);
		for (unsigned i = 0; i < e->print.nargs; i++) {
			if (i || (e->print.flags & (AST_PRINT_FORMAT | AST_PRINT_DELIM)))
				sb_append(out, ", ", 2);
			ast_print_expr(e->print.args[i], out);
		}
		sb_putc(out, ')');
		break;
	case AST_E_STAT:
		sb_printf(out, "@%s(", stat_name(e->stat.op));
		ast_print_expr(e->stat.operand, out);
		if (e->stat.op == AST_STAT_VARIANCE && e->stat.has_param)
			sb_printf(out, ", %" PRId64, e->stat.param);
		sb_putc(out, ')');
		break;
	case AST_E_HIST:
		if (e->hist.kind == AST_HIST_LINEAR) {
			sb_append(out, "@hist_linear(", 13);
			ast_print_expr(e->hist.operand, out);
			sb_printf(out, ", %" PRId64 ", %" PRId64 ", %" PRId64 ")", e->hist.lo,
				  e->hist.hi, e->hist.step);
		} else {
			sb_append(out, "@hist_log(", 10);
			ast_print_expr(e->hist.operand, out);
			sb_putc(out, ')');
		}
		break;
	case AST_E_TARGET:
	case AST_E_CAST:
	case AST_E_ATVAR:
	case AST_E_AUTOCAST:
		print_target(e, out);
		break;
	case AST_E_DEFINED:
	case AST_E_ENTRY:
	case AST_E_PERF:
		sb_printf(out, "%s(",
			  e->kind == AST_E_DEFINED ? "@defined"
			  : e->kind == AST_E_ENTRY ? "@entry"
						   : "@perf");
		ast_print_expr(e->op.operand, out);
		sb_putc(out, ')');
		break;
	case AST_E_EMBEDDED:
		sb_printf(out, "%%{ %s %%}", e->embedded.code);
		break;
	}
}

static void print_foreach(const struct ast_stmt *s, struct strbuf *out)
{
	sb_append(out, "foreach (", 9);
	if (s->foreach.value) {
		ast_print_expr(s->foreach.value, out);
		sb_append(out, " = ", 3);
	}
	sb_putc(out, '[');
	for (unsigned i = 0; i < s->foreach.nkeys; i++) {
		if (i)
			sb_append(out, ", ", 2);
		ast_print_expr(s->foreach.keys[i], out);
		if (s->foreach.sort_dir && s->foreach.sort_col == i + 1)
			sb_putc(out, s->foreach.sort_dir > 0 ? '+' : '-');
	}
	sb_append(out, "] in ", 5);
	ast_print_expr(s->foreach.base, out);
	if (s->foreach.nslice) {
		sb_putc(out, '[');
		print_keys(s->foreach.slice, s->foreach.nslice, out);
		sb_putc(out, ']');
	}
	if (s->foreach.sort_dir && s->foreach.sort_col == 0) {
		if (s->foreach.sort_aggr != AST_STAT_NONE &&
		    s->foreach.sort_aggr != AST_STAT_VARIANCE)
			sb_printf(out, " @%s", stat_name(s->foreach.sort_aggr));
		sb_putc(out, s->foreach.sort_dir > 0 ? '+' : '-');
	}
	if (s->foreach.limit) {
		sb_append(out, " limit ", 7);
		ast_print_expr(s->foreach.limit, out);
	}
	sb_append(out, ") ", 2);
	ast_print_stmt(s->foreach.body, out);
}

void ast_print_stmt(const struct ast_stmt *s, struct strbuf *out)
{
	switch (s->kind) {
	case AST_S_BLOCK:
		sb_append(out, "{\n", 2);
		for (unsigned i = 0; i < s->block.n; i++) {
			ast_print_stmt(s->block.stmts[i], out);
			sb_append(out, ";\n", 2);
		}
		sb_putc(out, '}');
		break;
	case AST_S_EXPR:
		ast_print_expr(s->expr.e, out);
		break;
	case AST_S_NULL:
		sb_putc(out, ';');
		break;
	case AST_S_IF:
		sb_append(out, "if (", 4);
		ast_print_expr(s->if_.cond, out);
		sb_append(out, ") ", 2);
		ast_print_stmt(s->if_.then, out);
		sb_putc(out, '\n');
		if (s->if_.els) {
			sb_append(out, "else ", 5);
			ast_print_stmt(s->if_.els, out);
			sb_putc(out, '\n');
		}
		break;
	case AST_S_WHILE:
	case AST_S_FOR:
		sb_append(out, "for (", 5);
		if (s->loop.init)
			ast_print_stmt(s->loop.init, out);
		sb_append(out, "; ", 2);
		ast_print_expr(s->loop.cond, out);
		sb_append(out, "; ", 2);
		if (s->loop.incr)
			ast_print_stmt(s->loop.incr, out);
		sb_append(out, ") ", 2);
		ast_print_stmt(s->loop.body, out);
		break;
	case AST_S_FOREACH:
		print_foreach(s, out);
		break;
	case AST_S_BREAK:
		sb_append(out, "break", 5);
		break;
	case AST_S_CONTINUE:
		sb_append(out, "continue", 8);
		break;
	case AST_S_NEXT:
		sb_append(out, "next", 4);
		break;
	case AST_S_RETURN:
		sb_append(out, "return", 6);
		if (s->expr.e) {
			sb_putc(out, ' ');
			ast_print_expr(s->expr.e, out);
		}
		break;
	case AST_S_DELETE:
		sb_append(out, "delete ", 7);
		ast_print_expr(s->expr.e, out);
		break;
	case AST_S_TRY:
		sb_append(out, "try {\n", 6);
		ast_print_stmt(s->try_.body, out);
		sb_append(out, "\n} catch ", 9);
		if (s->try_.catch_var) {
			sb_putc(out, '(');
			ast_print_expr(s->try_.catch_var, out);
			sb_append(out, ") ", 2);
		}
		sb_append(out, "{\n", 2);
		ast_print_stmt(s->try_.handler, out);
		sb_append(out, "\n}\n", 3);
		break;
	}
}

void ast_print_probe_point(const struct ast_probe_point *pp, struct strbuf *out)
{
	for (unsigned i = 0; i < pp->ncomps; i++) {
		if (i)
			sb_putc(out, '.');
		sb_printf(out, "%s", pp->comps[i].functor);
		if (pp->comps[i].arg) {
			sb_putc(out, '(');
			ast_print_expr(pp->comps[i].arg, out);
			sb_putc(out, ')');
		}
	}
	if (pp->sufficient)
		sb_putc(out, '!');
	else if (pp->optional)
		sb_putc(out, '?');
	if (pp->cond) {
		sb_append(out, " if (", 5);
		ast_print_expr(pp->cond, out);
		sb_putc(out, ')');
	}
}

static void print_probe(const struct ast_probe *pr, struct strbuf *out)
{
	sb_append(out, "probe ", 6);
	if (pr->is_alias) {
		for (unsigned i = 0; i < pr->nnames; i++) {
			if (i)
				sb_append(out, " = ", 3);
			ast_print_probe_point(pr->names[i], out);
		}
		sb_printf(out, "%s", pr->epilogue ? " += " : " = ");
	}
	for (unsigned i = 0; i < pr->npoints; i++) {
		if (i)
			sb_append(out, pr->is_alias ? ", " : ",", pr->is_alias ? 2 : 1);
		ast_print_probe_point(pr->points[i], out);
	}
	ast_print_stmt(pr->body, out);
}

void ast_print_file(const struct ast_file *f, struct strbuf *out)
{
	sb_printf(out, "# file %s\n", f->name);
	for (unsigned i = 0; i < f->nembeds; i++)
		sb_printf(out, "%%{%s%%}", f->embeds[i]->code);
	for (unsigned i = 0; i < f->nglobals; i++) {
		const struct ast_global *g = f->globals[i];

		sb_printf(out, "global %s", g->name);
		if (g->wrap)
			sb_putc(out, '%');
		if (g->maxsize > 0)
			sb_printf(out, "[%" PRId64 "]", g->maxsize);
		if (g->init) {
			sb_append(out, " = ", 3);
			ast_print_expr(g->init, out);
		}
		sb_putc(out, '\n');
	}
	for (unsigned i = 0; i < f->naliases; i++) {
		print_probe(f->aliases[i], out);
		sb_putc(out, '\n');
	}
	for (unsigned i = 0; i < f->nprobes; i++) {
		print_probe(f->probes[i], out);
		sb_putc(out, '\n');
	}
	for (unsigned i = 0; i < f->nfunctions; i++) {
		const struct ast_function *fn = f->functions[i];

		sb_printf(out, "function %s (", fn->name);
		for (unsigned j = 0; j < fn->nparams; j++)
			sb_printf(out, "%s%s", j ? ", " : "", fn->params[j].name);
		sb_append(out, ")\n", 2);
		if (fn->body)
			ast_print_stmt(fn->body, out);
		else
			sb_printf(out, "%%{%s%%}", fn->embedded);
		sb_putc(out, '\n');
	}
}
