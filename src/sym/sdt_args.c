/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SDT argument strings, as sys/sdt.h makes the assembler write them on x86-64 (AT&T syntax):
 * space-separated "[-]N[f]@OPERAND", where -N means a signed N-byte value, 'f' a float, and
 * OPERAND is whatever gcc chose for the "nor" constraint:
 *
 *	$5  $-1  $0x10  $sym          constant
 *	%edi  %r8d  %al  %xmm0        register (recorded as the DWARF number plus the width written)
 *	-8(%rbp)  (%rax,%rcx,8)       memory: disp(base,index,scale)
 *	counter+4(%rip)  0x601040     memory with a symbolic or absolute displacement
 *
 * A missing "N@" (very old sdt.h) means an 8-byte unsigned value.  Anything else, including
 * segment overrides and 8-bit high registers (%ah), is -EINVAL for the whole string: a
 * half-understood argument list would make $argN silently wrong.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sym/sym.h"
#include "util/vec.h"

struct reg_name {
	const char *name;
	int8_t reg;
	uint8_t width;
};

static const struct reg_name regs[] = {
	{"rax", 0, 8},	   {"eax", 0, 4},     {"ax", 0, 2},	 {"al", 0, 1},
	{"rdx", 1, 8},	   {"edx", 1, 4},     {"dx", 1, 2},	 {"dl", 1, 1},
	{"rcx", 2, 8},	   {"ecx", 2, 4},     {"cx", 2, 2},	 {"cl", 2, 1},
	{"rbx", 3, 8},	   {"ebx", 3, 4},     {"bx", 3, 2},	 {"bl", 3, 1},
	{"rsi", 4, 8},	   {"esi", 4, 4},     {"si", 4, 2},	 {"sil", 4, 1},
	{"rdi", 5, 8},	   {"edi", 5, 4},     {"di", 5, 2},	 {"dil", 5, 1},
	{"rbp", 6, 8},	   {"ebp", 6, 4},     {"bp", 6, 2},	 {"bpl", 6, 1},
	{"rsp", 7, 8},	   {"esp", 7, 4},     {"sp", 7, 2},	 {"spl", 7, 1},
	{"r8", 8, 8},	   {"r8d", 8, 4},     {"r8w", 8, 2},	 {"r8b", 8, 1},
	{"r9", 9, 8},	   {"r9d", 9, 4},     {"r9w", 9, 2},	 {"r9b", 9, 1},
	{"r10", 10, 8},	   {"r10d", 10, 4},   {"r10w", 10, 2},	 {"r10b", 10, 1},
	{"r11", 11, 8},	   {"r11d", 11, 4},   {"r11w", 11, 2},	 {"r11b", 11, 1},
	{"r12", 12, 8},	   {"r12d", 12, 4},   {"r12w", 12, 2},	 {"r12b", 12, 1},
	{"r13", 13, 8},	   {"r13d", 13, 4},   {"r13w", 13, 2},	 {"r13b", 13, 1},
	{"r14", 14, 8},	   {"r14d", 14, 4},   {"r14w", 14, 2},	 {"r14b", 14, 1},
	{"r15", 15, 8},	   {"r15d", 15, 4},   {"r15w", 15, 2},	 {"r15b", 15, 1},
	{"rip", 16, 8},	   {"eip", 16, 4},    {"xmm0", 17, 16},	 {"xmm1", 18, 16},
	{"xmm2", 19, 16},  {"xmm3", 20, 16},  {"xmm4", 21, 16},	 {"xmm5", 22, 16},
	{"xmm6", 23, 16},  {"xmm7", 24, 16},  {"xmm8", 25, 16},	 {"xmm9", 26, 16},
	{"xmm10", 27, 16}, {"xmm11", 28, 16}, {"xmm12", 29, 16}, {"xmm13", 30, 16},
	{"xmm14", 31, 16}, {"xmm15", 32, 16},
};

const char *sym_reg_name(int reg, unsigned width)
{
	size_t i;

	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (regs[i].reg == reg && regs[i].width == width)
			return regs[i].name;
	return NULL;
}

/* "%name" at *pp; advances past it. */
static int parse_reg(const char **pp, int *ret_reg, uint8_t *ret_width)
{
	const char *p = *pp;
	size_t n = 0, i;

	if (*p != '%')
		return -EINVAL;
	p++;
	while (isalnum((unsigned char)p[n]))
		n++;
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (strlen(regs[i].name) == n && !strncmp(regs[i].name, p, n)) {
			*ret_reg = regs[i].reg;
			*ret_width = regs[i].width;
			*pp = p + n;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_int(const char **pp, int64_t *ret)
{
	const char *p = *pp;
	bool neg = false;
	uint64_t v;
	char *end;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	v = strtoull(p, &end, 0);
	if (errno)
		return -EINVAL;
	/* Negated as unsigned: "-9223372036854775808" is INT64_MIN, not an overflow. */
	*ret = (int64_t)(neg ? -v : v);
	*pp = end;
	return 0;
}

static bool sym_start(char c)
{
	return isalpha((unsigned char)c) || c == '_' || c == '.';
}

/* [symbol][(+|-)int] | int; sets *ret_sym (malloc'd) when there is a symbol. */
static int parse_disp(const char **pp, int64_t *ret_disp, char **ret_sym)
{
	const char *p = *pp, *s = p;
	int64_t disp = 0;
	int r;

	if (sym_start(*p)) {
		while (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '@')
			p++;
		*ret_sym = strndup(s, (size_t)(p - s));
		if (!*ret_sym)
			return -ENOMEM;
		if (*p == '+' || *p == '-') {
			r = parse_int(&p, &disp);
			if (r < 0)
				return r;
		}
	} else if (*p != '(') {
		r = parse_int(&p, &disp);
		if (r < 0)
			return r;
	}
	*ret_disp = disp;
	*pp = p;
	return 0;
}

static int parse_mem(const char **pp, struct sym_sdt_arg *a)
{
	const char *p = *pp;
	uint8_t w;
	int64_t scale;
	int r;

	a->kind = SYM_SDT_ARG_MEM;
	a->reg = a->index_reg = SYM_REG_NONE;
	a->scale = 1;
	r = parse_disp(&p, &a->value, &a->disp_sym);
	if (r < 0)
		return r;
	if (*p == '(') {
		p++;
		if (*p == '%' && (r = parse_reg(&p, &a->reg, &w)) < 0)
			return r;
		if (*p == ',') {
			p++;
			r = parse_reg(&p, &a->index_reg, &w);
			if (r < 0)
				return r;
			if (*p == ',') {
				p++;
				r = parse_int(&p, &scale);
				if (r < 0)
					return r;
				if (scale != 1 && scale != 2 && scale != 4 && scale != 8)
					return -EINVAL;
				a->scale = (uint8_t)scale;
			}
		}
		if (*p++ != ')')
			return -EINVAL;
	} else if (p == *pp) {
		return -EINVAL;
	}
	*pp = p;
	return 0;
}

static int parse_one(const char **pp, struct sym_sdt_arg *a)
{
	const char *p = *pp, *at = NULL;
	int64_t size = 8;
	int r;

	*a = (struct sym_sdt_arg){.reg = SYM_REG_NONE, .index_reg = SYM_REG_NONE};
	for (const char *q = p; *q && *q != ' ' && *q != '@' && *q != '%' && *q != '$' && *q != '(';
	     q++)
		if (q[1] == '@')
			at = q + 1;
	if (at) {
		r = parse_int(&p, &size);
		if (r < 0)
			return r;
		if (size < -16 || size > 16)
			return -EINVAL;
		if (*p == 'f') {
			a->is_float = true;
			p++;
		}
		if (p != at)
			return -EINVAL;
		p++;
		a->is_signed = size < 0;
		if (size < 0)
			size = -size;
	}
	if (size != 1 && size != 2 && size != 4 && size != 8 && !(a->is_float && size == 16))
		return -EINVAL;
	a->size = (uint8_t)size;

	if (*p == '$') {
		p++;
		a->kind = SYM_SDT_ARG_CONST;
		r = sym_start(*p) ? parse_disp(&p, &a->value, &a->disp_sym)
				  : parse_int(&p, &a->value);
	} else if (*p == '%') {
		a->kind = SYM_SDT_ARG_REG;
		r = parse_reg(&p, &a->reg, &a->reg_width);
	} else {
		r = parse_mem(&p, a);
	}
	if (r < 0)
		return r;
	if (*p && *p != ' ')
		return -EINVAL;
	*pp = p;
	return 0;
}

void sym_sdt_args_free(struct sym_sdt_arg *args, size_t count)
{
	size_t i;

	if (!args)
		return;
	for (i = 0; i < count; i++)
		free(args[i].disp_sym);
	free(args);
}

int sym_sdt_parse_args(const char *text, struct sym_sdt_arg **ret_args, size_t *ret_count)
{
	struct sym_sdt_arg *v = NULL;
	size_t n = 0, cap = 0;
	const char *p = text;
	int r = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (VEC_GROW(v, cap, n) < 0) {
			r = -ENOMEM;
			break;
		}
		r = parse_one(&p, &v[n]);
		n++;
		if (r < 0)
			break;
	}
	if (r < 0) {
		sym_sdt_args_free(v, n);
		return r;
	}
	*ret_args = v;
	*ret_count = n;
	return 0;
}
