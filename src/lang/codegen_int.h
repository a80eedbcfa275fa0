/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_CODEGEN_INT_H
#define LANG_CODEGEN_INT_H

/* Shared by codegen.c (programs, chunks, statements) and codegen_expr.c (expressions). */

#include "util/arena.h"
#include "lang/codegen.h"

/* A growable array of fixed-size items, malloc'd while a chunk or pool is built. */
struct cg_buf {
	void *v;
	uint32_t n;
	uint32_t cap;
};

struct cg_loop {
	struct cg_loop *outer;
	struct cg_buf breaks;	 /* uint32_t: JMPs to patch to the loop's end */
	struct cg_buf continues; /* uint32_t: JMPs to patch to the continue target */
	unsigned try_depth;
};

/* What codegen allocates: the program and the arena that holds every part of it. */
struct cg_program {
	struct vm_program prog;
	struct arena arena;
};

struct cg {
	const struct sema_program *sp;
	struct vm_program *prog;
	struct arena *arena; /* the program's */
	struct diag_list *dl;
	const struct token *tok; /* what the next instruction's errors point at */
	/* The chunk being built. */
	struct cg_buf code;	   /* struct vm_insn */
	struct cg_buf locs;	   /* uint32_t */
	struct cg_buf local_types; /* uint8_t */
	struct cg_loop *loop;
	unsigned try_depth;
	bool in_function;
	/* Pools. */
	struct cg_buf longs;	 /* int64_t */
	struct cg_buf strs;	 /* const char * */
	struct cg_buf formats;	 /* struct rt_format * */
	struct cg_buf regex_src; /* const char * */
	struct cg_buf loc_strs;	 /* const char * */
	struct cg_buf loc_toks;	 /* const struct token * */
	struct cg_buf iters;	 /* struct vm_iter_desc */
	unsigned errors;
};

void *cg_push(struct cg_buf *b, size_t size);
uint32_t cg_emit(struct cg *cg, enum vm_opcode op, uint32_t a, int32_t b);
uint32_t cg_here(const struct cg *cg);
void cg_patch(struct cg *cg, uint32_t at, uint32_t target);
uint16_t cg_temp(struct cg *cg, uint8_t type);
uint32_t cg_string(struct cg *cg, const char *s);
uint8_t cg_vm_type(enum ast_type t);
void cg_error(struct cg *cg, const struct token *t, const char *msg);
/* Emits e, leaving exactly one value on the stack. */
void cg_expr(struct cg *cg, struct ast_expr *e);
/* Emits the keys of an INDEX (none may be '*'). */
void cg_keys(struct cg *cg, struct ast_expr *ix);

#endif
