/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the SDT argument parser (sym_sdt_parse_args): any bytes, up to the
 * first NUL, as the argument string of a .note.stapsdt site, the text gcc's "nor" constraints
 * leave there ("-4@%edi 8@-16(%rbp) -8@$42 8@foo(%rip)").
 *
 * Nothing may crash, hang, leak or read out of bounds, and what sym.h promises must hold: a
 * string is accepted whole or refused with -EINVAL (or -ENOMEM) leaving the outputs alone, and
 * every accepted argument is a size of 1, 2, 4 or 8 bytes (16 for a float), a kind the
 * runtime knows, and registers it can name.
 */
#include <string.h>

#include "sym/sym.h"

#include "fuzz_util.h"

static void check_reg(int reg, unsigned width)
{
	FUZZ_CHECK(reg >= 0 && reg <= 32);
	FUZZ_CHECK(sym_reg_name(reg, width));
}

static void check_arg(const struct sym_sdt_arg *a)
{
	FUZZ_CHECK(a->size == 1 || a->size == 2 || a->size == 4 || a->size == 8 ||
		   (a->is_float && a->size == 16));
	switch (a->kind) {
	case SYM_SDT_ARG_CONST:
		break;
	case SYM_SDT_ARG_REG:
		check_reg(a->reg, a->reg_width);
		break;
	case SYM_SDT_ARG_MEM:
		FUZZ_CHECK(a->scale == 1 || a->scale == 2 || a->scale == 4 || a->scale == 8);
		if (a->reg != SYM_REG_NONE)
			FUZZ_CHECK(a->reg >= 0 && a->reg <= 32);
		if (a->index_reg != SYM_REG_NONE)
			FUZZ_CHECK(a->index_reg >= 0 && a->index_reg <= 32);
		break;
	default:
		FUZZ_CHECK(!"unknown argument kind");
	}
	if (a->disp_sym)
		FUZZ_CHECK(strlen(a->disp_sym) > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sym_sdt_arg *args = (struct sym_sdt_arg *)&args;
	size_t n = (size_t)-1;
	char *text = malloc(size + 1);
	int r;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	r = sym_sdt_parse_args(text, &args, &n);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
		FUZZ_CHECK(args == (struct sym_sdt_arg *)&args && n == (size_t)-1);
	} else {
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(n == 0 || args);
		for (size_t i = 0; i < n; i++)
			check_arg(&args[i]);
		sym_sdt_args_free(args, n);
	}
	free(text);
	return 0;
}
