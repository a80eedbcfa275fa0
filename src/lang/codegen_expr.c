/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * codegen_expr: expressions to stack code.  Every expression leaves exactly one value (a
 * statement-only form such as printf leaves 0), so the statement emitter can always pop.
 * Assignment targets come in three shapes, handled by struct lval: a local (LDL/STL), a scalar
 * global (LDG/STG) and a map element (keys on the stack, DUPN to reuse them for the load of a
 * compound assignment, MGET/MSET).  Short-circuit && and || and the ternary use jumps; string
 * comparisons pick the S* opcodes from the operands' types; =~ checks that its regex compiles
 * (POSIX extended syntax, as stap) and puts its source in the program's pool, and MATCH asks
 * the host to match it.
 * print, println, printd and friends are turned into a printf with a format built from their
 * argument types ("%d", "%s", the delimiter), so the VM has one output path.
 */
#include <stdlib.h>
#include <string.h>

#include "lang/codegen_int.h"
#include "lang/format_parse.h"
#include "lang/regexes.h"
#include "vm/rt/builtins.h"

enum lval_kind {
	LV_LOCAL,
	LV_GLOBAL,
	LV_MAP,
};

struct lval {
	enum lval_kind kind;
	unsigned idx;
};

static struct lval lval_prepare(struct cg *cg, struct ast_expr *e)
{
	struct sema_var *v = e->ref;
	struct lval lv = {LV_LOCAL, v ? v->index : 0};

	if (e->kind == AST_E_INDEX) {
		lv.kind = LV_MAP;
		cg_keys(cg, e);
	} else if (v && v->scope == SEMA_GLOBAL) {
		lv.kind = LV_GLOBAL;
	}
	return lv;
}

static void lval_load(struct cg *cg, const struct lval *lv)
{
	switch (lv->kind) {
	case LV_LOCAL:
		cg_emit(cg, VM_OP_LDL, lv->idx, 0);
		break;
	case LV_GLOBAL:
		cg_emit(cg, VM_OP_LDG, lv->idx, 0);
		break;
	case LV_MAP:
		cg_emit(cg, VM_OP_DUPN, 0, (int32_t)cg->prog->globals[lv->idx].nkeys);
		cg_emit(cg, VM_OP_MGET, lv->idx, 0);
		break;
	}
}

static void lval_store(struct cg *cg, const struct lval *lv)
{
	static const enum vm_opcode ops[] = {VM_OP_STL, VM_OP_STG, VM_OP_MSET};

	cg_emit(cg, ops[lv->kind], lv->idx, 0);
}

void cg_keys(struct cg *cg, struct ast_expr *ix)
{
	for (unsigned i = 0; i < ix->index.nkeys; i++) {
		if (!ix->index.keys[i]) {
			cg_error(cg, ix->tok, "wildcard '*' is only allowed in delete");
			cg_emit(cg, VM_OP_PUSHI, 0, 0);
			continue;
		}
		cg_expr(cg, ix->index.keys[i]);
	}
}

static enum vm_opcode arith_op(enum tok op)
{
	switch (op) {
	case TOK_STAR:
	case TOK_MUL_ASSIGN:
		return VM_OP_MUL;
	case TOK_SLASH:
	case TOK_DIV_ASSIGN:
		return VM_OP_DIV;
	case TOK_PERCENT:
	case TOK_MOD_ASSIGN:
		return VM_OP_MOD;
	case TOK_PLUS:
	case TOK_ADD_ASSIGN:
		return VM_OP_ADD;
	case TOK_MINUS:
	case TOK_SUB_ASSIGN:
		return VM_OP_SUB;
	case TOK_SHL:
	case TOK_SHL_ASSIGN:
		return VM_OP_SHL;
	case TOK_SHR:
	case TOK_SHR_ASSIGN:
		return VM_OP_SHR;
	case TOK_USHR:
		return VM_OP_USHR;
	case TOK_AMP:
	case TOK_AND_ASSIGN:
		return VM_OP_BAND;
	case TOK_CARET:
	case TOK_XOR_ASSIGN:
		return VM_OP_BXOR;
	case TOK_PIPE:
	case TOK_OR_ASSIGN:
		return VM_OP_BOR;
	case TOK_CAT_ASSIGN:
		return VM_OP_CONCAT;
	default:
		return VM_OP_NOP;
	}
}

static enum vm_opcode compare_op(enum tok op, bool strings)
{
	switch (op) {
	case TOK_LT:
		return strings ? VM_OP_SLT : VM_OP_LT;
	case TOK_LE:
		return strings ? VM_OP_SLE : VM_OP_LE;
	case TOK_GT:
		return strings ? VM_OP_SGT : VM_OP_GT;
	case TOK_GE:
		return strings ? VM_OP_SGE : VM_OP_GE;
	case TOK_EQ:
		return strings ? VM_OP_SEQ : VM_OP_EQ;
	default:
		return strings ? VM_OP_SNE : VM_OP_NE;
	}
}

static void assign(struct cg *cg, struct ast_expr *e)
{
	struct ast_expr *l = e->bin.left;
	struct sema_var *v = l->ref;
	struct lval lv;

	if (e->bin.op == TOK_SHL_ACC) {
		if (l->kind == AST_E_INDEX) {
			cg_keys(cg, l);
			cg_expr(cg, e->bin.right);
			cg->tok = l->index.base->tok;
			cg_emit(cg, VM_OP_MSADD, v->index, 0);
		} else {
			cg_expr(cg, e->bin.right);
			cg_emit(cg, VM_OP_SADD, v->index, 0);
		}
		return;
	}
	lv = lval_prepare(cg, l);
	if (e->bin.op == TOK_ASSIGN) {
		cg_expr(cg, e->bin.right);
	} else {
		lval_load(cg, &lv);
		cg_expr(cg, e->bin.right);
		cg->tok = e->tok;
		cg_emit(cg, arith_op(e->bin.op), 0, 0);
	}
	cg->tok = l->kind == AST_E_INDEX ? l->index.base->tok : l->tok;
	lval_store(cg, &lv);
}

static void incdec(struct cg *cg, struct ast_expr *e)
{
	struct ast_expr *l = e->un.operand;
	struct lval lv = lval_prepare(cg, l);
	uint16_t tmp = 0;

	lval_load(cg, &lv);
	if (e->kind == AST_E_POSTINC) {
		tmp = cg_temp(cg, VM_T_LONG);
		cg_emit(cg, VM_OP_STL, tmp, 0);
	}
	cg_emit(cg, VM_OP_PUSHI, 0, 1);
	cg_emit(cg, e->un.op == TOK_INC ? VM_OP_ADD : VM_OP_SUB, 0, 0);
	cg->tok = l->kind == AST_E_INDEX ? l->index.base->tok : l->tok;
	lval_store(cg, &lv);
	if (e->kind == AST_E_POSTINC) {
		cg_emit(cg, VM_OP_POP, 0, 0);
		cg_emit(cg, VM_OP_LDL, tmp, 0);
	}
}

static void logical(struct cg *cg, struct ast_expr *e)
{
	bool and = e->bin.op == TOK_LAND;
	enum vm_opcode jump = and? VM_OP_JZ : VM_OP_JNZ;
	uint32_t j1, j2, jend;

	cg_expr(cg, e->bin.left);
	j1 = cg_emit(cg, jump, 0, 0);
	cg_expr(cg, e->bin.right);
	j2 = cg_emit(cg, jump, 0, 0);
	cg_emit(cg, VM_OP_PUSHI, 0, and? 1 : 0);
	jend = cg_emit(cg, VM_OP_JMP, 0, 0);
	cg_patch(cg, j1, cg_here(cg));
	cg_patch(cg, j2, cg_here(cg));
	cg_emit(cg, VM_OP_PUSHI, 0, and? 0 : 1);
	cg_patch(cg, jend, cg_here(cg));
}

static void regex(struct cg *cg, struct ast_expr *e)
{
	const char *src = e->bin.right->str.value;
	uint32_t idx = cg->regex_src.n;

	if (!vm_regex_valid(src))
		cg_error(cg, e->bin.right->tok, "invalid regular expression");
	*(const char **)cg_push(&cg->regex_src, sizeof(char *)) =
		arena_strndup(cg->arena, src, strlen(src));
	cg_expr(cg, e->bin.left);
	cg->tok = e->tok;
	cg_emit(cg, VM_OP_MATCH, 0, (int32_t)idx);
	if (e->bin.op == TOK_NOMATCH)
		cg_emit(cg, VM_OP_NOT, 0, 0);
}

static uint32_t add_format(struct cg *cg, const char *s, size_t n, const struct token *tok)
{
	const char *err = NULL;
	struct rt_format *f = rt_format_parse(cg->arena, s, n, &err);

	if (!f) {
		cg_error(cg, tok, err);
		f = rt_format_parse(cg->arena, "", 0, &err);
	}
	*(struct rt_format **)cg_push(&cg->formats, sizeof(f)) = f;
	return cg->formats.n - 1;
}

static void hist_print(struct cg *cg, struct ast_expr *e)
{
	struct ast_expr *op = e->print.hist->hist.operand;
	struct sema_var *v = op->ref;

	if (!(e->print.flags & AST_PRINT_STREAM))
		cg_error(cg, e->tok, "sprint of a histogram is not supported yet");
	if (op->kind == AST_E_INDEX) {
		cg_keys(cg, op);
		cg->tok = e->tok;
		cg_emit(cg, VM_OP_MHPRINT, v->index, 0);
	} else {
		cg->tok = e->tok;
		cg_emit(cg, VM_OP_HPRINT, v->index, 0);
	}
	cg_emit(cg, VM_OP_PUSHI, 0, 0);
}

static void print(struct cg *cg, struct ast_expr *e)
{
	unsigned flags = e->print.flags;
	struct strbuf fmt = {0};
	uint32_t f;

	if (e->print.hist) {
		hist_print(cg, e);
		return;
	}
	if (flags & AST_PRINT_FORMAT) {
		size_t n;
		const char *s =
			ast_string_decode(cg->arena, e->print.format, strlen(e->print.format), &n);

		sb_append(&fmt, s, n);
	} else {
		const char *delim = "";
		size_t dn = 0;

		if (flags & AST_PRINT_DELIM)
			delim = ast_string_decode(cg->arena, e->print.delim, strlen(e->print.delim),
						  &dn);
		for (unsigned i = 0; i < e->print.nargs; i++) {
			if (i && dn)
				for (size_t k = 0; k < dn; k++) {
					if (delim[k] == '%')
						sb_putc(&fmt, '%');
					sb_putc(&fmt, delim[k]);
				}
			if (flags & AST_PRINT_CHAR)
				sb_append(&fmt, "%c", 2);
			else
				sb_append(&fmt,
					  e->print.args[i]->type == AST_TYPE_STRING ? "%s" : "%d",
					  2);
		}
		if (flags & AST_PRINT_NEWLINE)
			sb_putc(&fmt, '\n');
	}
	f = add_format(cg, fmt.buf ? fmt.buf : "", fmt.len, e->tok);
	sb_release(&fmt);
	for (unsigned i = 0; i < e->print.nargs; i++)
		cg_expr(cg, e->print.args[i]);
	cg->tok = e->tok;
	if (flags & AST_PRINT_STREAM) {
		cg_emit(cg, VM_OP_PRINTF, f, (int32_t)e->print.nargs);
		cg_emit(cg, VM_OP_PUSHI, 0, 0);
	} else {
		cg_emit(cg, VM_OP_SPRINTF, f, (int32_t)e->print.nargs);
	}
}

static void call(struct cg *cg, struct ast_expr *e)
{
	int b = sema_call_builtin(e);

	for (unsigned i = 0; i < e->call.nargs; i++)
		cg_expr(cg, e->call.args[i]);
	cg->tok = e->tok;
	if (b >= 0)
		cg_emit(cg, VM_OP_CALLB, (uint32_t)b, (int32_t)e->call.nargs);
	else
		cg_emit(cg, VM_OP_CALL, ((struct sema_func *)e->ref)->index,
			(int32_t)e->call.nargs);
}

static void stat(struct cg *cg, struct ast_expr *e)
{
	struct ast_expr *op = e->stat.operand;
	struct sema_var *v = op->ref;

	if (!v)
		return;
	if (op->kind == AST_E_INDEX) {
		cg_keys(cg, op);
		cg->tok = e->tok;
		cg_emit(cg, VM_OP_MSGET, v->index, (int32_t)e->stat.op);
	} else {
		cg->tok = e->tok;
		cg_emit(cg, VM_OP_SGET, v->index, (int32_t)e->stat.op);
	}
}

void cg_expr(struct cg *cg, struct ast_expr *e)
{
	const struct token *saved = cg->tok;
	uint32_t j1, j2;

	cg->tok = e->tok;
	switch (e->kind) {
	case AST_E_NUMBER:
		if (e->num.value >= INT32_MIN && e->num.value <= INT32_MAX) {
			cg_emit(cg, VM_OP_PUSHI, 0, (int32_t)e->num.value);
		} else {
			*(int64_t *)cg_push(&cg->longs, sizeof(int64_t)) = e->num.value;
			cg_emit(cg, VM_OP_PUSHK, 0, (int32_t)(cg->longs.n - 1));
		}
		break;
	case AST_E_STRING:
		cg_emit(cg, VM_OP_PUSHS, 0, (int32_t)cg_string(cg, e->str.value));
		break;
	case AST_E_SYMBOL: {
		struct sema_var *v = e->ref;

		cg_emit(cg, v->scope == SEMA_GLOBAL ? VM_OP_LDG : VM_OP_LDL, v->index, 0);
		break;
	}
	case AST_E_BINARY:
		cg_expr(cg, e->bin.left);
		cg_expr(cg, e->bin.right);
		cg->tok = e->tok;
		cg_emit(cg, arith_op(e->bin.op), 0, 0);
		break;
	case AST_E_LOGICAL:
		logical(cg, e);
		break;
	case AST_E_COMPARE:
		cg_expr(cg, e->bin.left);
		cg_expr(cg, e->bin.right);
		cg_emit(cg, compare_op(e->bin.op, e->bin.left->type == AST_TYPE_STRING), 0, 0);
		break;
	case AST_E_CONCAT:
		cg_expr(cg, e->bin.left);
		cg_expr(cg, e->bin.right);
		cg_emit(cg, VM_OP_CONCAT, 0, 0);
		break;
	case AST_E_REGEX:
		regex(cg, e);
		break;
	case AST_E_ASSIGN:
		assign(cg, e);
		break;
	case AST_E_UNARY:
		cg_expr(cg, e->un.operand);
		if (e->un.op == TOK_MINUS)
			cg_emit(cg, VM_OP_NEG, 0, 0);
		else if (e->un.op == TOK_BANG)
			cg_emit(cg, VM_OP_NOT, 0, 0);
		else if (e->un.op == TOK_TILDE)
			cg_emit(cg, VM_OP_BNOT, 0, 0);
		break;
	case AST_E_PREINC:
	case AST_E_POSTINC:
		incdec(cg, e);
		break;
	case AST_E_TERNARY:
		cg_expr(cg, e->tern.cond);
		j1 = cg_emit(cg, VM_OP_JZ, 0, 0);
		cg_expr(cg, e->tern.then);
		j2 = cg_emit(cg, VM_OP_JMP, 0, 0);
		cg_patch(cg, j1, cg_here(cg));
		cg_expr(cg, e->tern.els);
		cg_patch(cg, j2, cg_here(cg));
		break;
	case AST_E_INDEX:
		cg_keys(cg, e);
		cg->tok = e->index.base->tok;
		cg_emit(cg, VM_OP_MGET, ((struct sema_var *)e->ref)->index, 0);
		break;
	case AST_E_IN:
		cg_keys(cg, e->in.index);
		cg_emit(cg, VM_OP_MEXISTS, ((struct sema_var *)e->ref)->index, 0);
		break;
	case AST_E_CALL:
		call(cg, e);
		break;
	case AST_E_PRINT:
		print(cg, e);
		break;
	case AST_E_STAT:
		stat(cg, e);
		break;
	default:
		cg_error(cg, e->tok, "expression not supported by the code generator");
		cg_emit(cg, VM_OP_PUSHI, 0, 0);
		break;
	}
	cg->tok = saved;
}
