/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * regexes: the tracer's side of =~.  The VM asks its host to match regex k of the program; a
 * program holds the sources only (a regex_t has pointers into libc's heap, so it could never
 * travel in a packed image), and this file turns them into regex_t with regcomp, the one place
 * that chooses the syntax (REG_EXTENDED), so that codegen's check and the match agree.  A set is
 * one array of n compiled patterns; an index out of range or a failing regexec is -EINVAL,
 * which the VM reports as "regex match failed".
 */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>

#include "lang/regexes.h"

struct vm_regexes {
	uint32_t n;
	regex_t re[];
};

static int compile(regex_t *re, const char *src)
{
	return regcomp(re, src, REG_EXTENDED) ? -EINVAL : 0;
}

bool vm_regex_valid(const char *src)
{
	regex_t re;

	if (compile(&re, src) < 0)
		return false;
	regfree(&re);
	return true;
}

int vm_regexes_compile(const struct vm_program *prog, struct vm_regexes **ret)
{
	struct vm_regexes *set = calloc(1, sizeof(*set) + prog->nregexes * sizeof(regex_t));

	if (!set)
		return -ENOMEM;
	for (; set->n < prog->nregexes; set->n++)
		if (compile(&set->re[set->n], prog->regex_src[set->n]) < 0) {
			vm_regexes_free(set);
			return -EINVAL;
		}
	*ret = set;
	return 0;
}

int vm_regexes_match(const struct vm_regexes *set, uint32_t re, const char *s,
		     struct vm_submatch *m, unsigned nm)
{
	regmatch_t rm[VM_MAX_SUBMATCH];
	int r;

	if (!set || re >= set->n)
		return -EINVAL;
	if (nm > VM_MAX_SUBMATCH)
		nm = VM_MAX_SUBMATCH;
	r = regexec(&set->re[re], s, nm, rm, 0);
	if (r == REG_NOMATCH)
		return 0;
	if (r)
		return -EINVAL;
	for (unsigned i = 0; i < nm; i++) {
		m[i].so = (int32_t)rm[i].rm_so;
		m[i].eo = (int32_t)rm[i].rm_eo;
	}
	return 1;
}

void vm_regexes_free(struct vm_regexes *set)
{
	if (!set)
		return;
	for (uint32_t i = 0; i < set->n; i++)
		regfree(&set->re[i]);
	free(set);
}
