/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for pass 1: any bytes as a script (with two script arguments, so $1/@2 paste
 * and $3 is out of range), through lexer, preprocessor, parser, diagnostics and the -p1 print.
 * It must never crash, hang, leak or read out of bounds, whatever the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lang/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const args[] = {"1", "foo"};
	struct parse_options opt = {.args = args, .nargs = 2, .guru = size & 1};
	struct diag_list dl = {0};
	struct ast_file *file = NULL;
	struct strbuf sb = {0};
	struct lex_file src;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	src.name = "fuzz.stp";
	src.text = text;
	src.len = size;
	if (parse_file(&src, &opt, &dl, &file) == 0)
		ast_print_file(file, &sb);
	diag_render(&dl, &sb);
	sb_release(&sb);
	ast_file_free(file);
	diag_release(&dl);
	free(text);
	return 0;
}
