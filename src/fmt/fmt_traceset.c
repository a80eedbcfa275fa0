/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_traceset: -e trace=SET as strace reads it.  A token is a class (%file, %process, %net or
 * %network, %signal, %memory, %desc, %ipc, the stat families, %pure, %creds, %clock, and the
 * legacy bare "file", "process", ...), a system call name or number, "/regex" matched against
 * every name, or any of these after '?' to ignore it when it matches nothing.  Classes come from
 * fmt_sysent (strace's table), names and numbers from libseccomp.  The result is a bitmap by
 * x86-64 number, written only when the whole spec parsed.
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_priv.h"

static const struct {
	const char *name;
	unsigned int classes;
} class_names[] = {
	{"%desc", FMT_TD},    {"%file", FMT_TF},      {"%memory", FMT_TM},    {"%process", FMT_TP},
	{"%signal", FMT_TS},  {"%ipc", FMT_TI},	      {"%net", FMT_TN},	      {"%network", FMT_TN},
	{"%stat", FMT_TST},   {"%lstat", FMT_TLST},   {"%fstat", FMT_TFST},   {"%%stat", FMT_TSTA},
	{"%statfs", FMT_TSF}, {"%fstatfs", FMT_TFSF}, {"%%statfs", FMT_TSFA}, {"%pure", FMT_PU},
	{"%creds", FMT_TC},   {"%clock", FMT_TCL},    {"desc", FMT_TD},	      {"file", FMT_TF},
	{"memory", FMT_TM},   {"process", FMT_TP},    {"signal", FMT_TS},     {"ipc", FMT_TI},
	{"network", FMT_TN},
};

static void set_bit(uint64_t *bits, long nr)
{
	bits[nr / 64] |= (uint64_t)1 << (nr % 64);
}

static int add_class(const char *token, uint64_t *bits)
{
	for (size_t i = 0; i < FMT_ARRAY_SIZE(class_names); i++) {
		if (strcmp(token, class_names[i].name))
			continue;
		for (long nr = 0; nr < FMT_NR_SYSCALLS; nr++) {
			const struct fmt_sysent *ent = fmt_sysent_find(nr);

			if (ent && (ent->classes & class_names[i].classes))
				set_bit(bits, nr);
		}
		return 1;
	}
	return 0;
}

static int add_regex(const char *re, uint64_t *bits, char *err, size_t errlen)
{
	regex_t preg;
	int rc = regcomp(&preg, re, REG_EXTENDED | REG_NOSUB);
	int found = 0;

	if (rc) {
		char msg[128];

		regerror(rc, &preg, msg, sizeof(msg));
		snprintf(err, errlen, "%s: %s", re, msg);
		regfree(&preg);
		return -EINVAL;
	}
	for (long nr = 0; nr < FMT_NR_SYSCALLS; nr++) {
		const char *name = fmt_syscall_name(nr);

		if (name && !regexec(&preg, name, 0, NULL, 0)) {
			set_bit(bits, nr);
			found = 1;
		}
	}
	regfree(&preg);
	return found;
}

static int add_number(const char *token, uint64_t *bits)
{
	char *end;
	long nr = strtol(token, &end, 10);

	if (*end || nr < 0 || nr >= FMT_NR_SYSCALLS)
		return 0;
	set_bit(bits, nr);
	return 1;
}

static int add_syscall(const char *token, void *set, char *err, size_t errlen)
{
	uint64_t *bits = set;
	bool optional = false;
	long nr;
	int rc;

	for (; *token == '?'; token++)
		optional = true;
	if (*token >= '0' && *token <= '9')
		rc = add_number(token, bits);
	else if (*token == '/')
		rc = add_regex(token + 1, bits, err, errlen);
	else if ((rc = add_class(token, bits)) == 0 && (nr = fmt_syscall_number(token)) >= 0 &&
		 nr < FMT_NR_SYSCALLS) {
		set_bit(bits, nr);
		rc = 1;
	}
	return rc == 0 && optional ? 1 : rc;
}

int fmt_traceset_parse(const char *spec, uint64_t bitmap[FMT_NR_SYSCALLS / 64], char *err,
		       size_t errlen)
{
	uint64_t bits[FMT_NR_SYSCALLS / 64] = {0};
	bool invert;
	int rc = fmt_qualify(spec, "system call", add_syscall, bits, &invert, err, errlen);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < FMT_NR_SYSCALLS / 64; i++)
		bitmap[i] = invert ? ~bits[i] : bits[i];
	return 0;
}
