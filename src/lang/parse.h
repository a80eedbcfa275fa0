/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LANG_PARSE_H
#define LANG_PARSE_H

#include <stdbool.h>

#include "lang/ast.h"
#include "lang/diag.h"
#include "lang/pp.h"

struct parse_options {
	const char *const *args; /* script arguments: $1 is args[0] */
	unsigned nargs;
	bool guru;		    /* -g: embedded C allowed */
	const struct pp_config *pp; /* NULL: pp_config_default(guru) */
};

/*
 * Pass 1: parses src (which must outlive the call only) into *ret_file.  Every diagnostic is
 * appended to dl, ending with stap's "N parse errors." line when there were errors.  Returns 0,
 * -EINVAL when the script has errors (*ret_file untouched), -ENOMEM.
 */
int parse_file(const struct lex_file *src, const struct parse_options *opt, struct diag_list *dl,
	       struct ast_file **ret_file);

#endif
