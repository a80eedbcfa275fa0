/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_qualify: the grammar shared by strace's -e trace=, -e signal= and friends.  Each leading
 * '!' inverts the whole set; "none" is the empty set and "all" its inverse; otherwise the spec is
 * a comma-separated list of tokens whose meaning the caller supplies.  A spec without tokens or
 * with a token nobody recognises is rejected with strace's message, naming the token.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_priv.h"

int fmt_qualify(const char *spec, const char *what, fmt_token_fn add, void *set, bool *ret_invert,
		char *err, size_t errlen)
{
	bool invert = false;
	bool done = false;
	char *copy, *token, *save = NULL;
	int rc = 0;

	for (; *spec == '!'; spec++)
		invert = !invert;
	if (!strcmp(spec, "none")) {
		*ret_invert = invert;
		return 0;
	}
	if (!strcmp(spec, "all")) {
		*ret_invert = !invert;
		return 0;
	}
	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	for (token = strtok_r(copy, ",", &save); token; token = strtok_r(NULL, ",", &save)) {
		rc = add(token, set, err, errlen);
		if (rc < 0)
			goto out;
		if (rc == 0) {
			snprintf(err, errlen, "invalid %s '%s'", what, token);
			rc = -EINVAL;
			goto out;
		}
		done = true;
	}
	if (!done) {
		snprintf(err, errlen, "invalid %s '%s'", what, spec);
		rc = -EINVAL;
		goto out;
	}
	rc = 0;
	*ret_invert = invert;
out:
	free(copy);
	return rc;
}
