/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_sigset: -e signal=SET as strace reads it: signal names with or without "SIG" in any case,
 * numbers 1..64, "all", "none", and leading '!' inverting the set.  Bit (sig - 1) of the mask
 * stands for sig, as in a kernel sigset_t; the mask is written only when the whole spec parsed.
 */
#include "fmt_priv.h"

static int add_signal(const char *token, void *set, char *err, size_t errlen)
{
	int sig = fmt_signal_number(token);

	if (sig < 0)
		return 0;
	*(uint64_t *)set |= (uint64_t)1 << (sig - 1);
	return 1;
}

int fmt_sigset_parse(const char *spec, uint64_t *mask, char *err, size_t errlen)
{
	uint64_t bits = 0;
	bool invert;
	int rc = fmt_qualify(spec, "signal", add_signal, &bits, &invert, err, errlen);

	if (rc < 0)
		return rc;
	*mask = invert ? ~bits : bits;
	return 0;
}
