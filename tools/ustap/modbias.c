/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modbias: where a traced process has a file, for the globals of @var and $var: the load bias
 * the kernel or ld.so added to the file's own addresses (sym_maps_load_bias over
 * /proc/PID/maps).
 *
 * A bias found is kept per (process, file) until the process execs or ends (modbias_forget),
 * so process.end finds the process gone rather than reading a stale address.  A file that is
 * not mapped is looked up again at the next use, so a library the process dlopen()s later is
 * found.  Files come from procs.c's cache, opened once for the session.  A process whose mappings cannot be read,
 * or has none left (it exited), is -ESRCH.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "modbias.h"
#include "procs.h"
#include "sym/sym.h"

struct bias_entry {
	pid_t pid;
	char *path;
	uint64_t bias;
	struct bias_entry *next;
};

static struct bias_entry *biases;

static int remember(pid_t pid, const char *path, uint64_t bias)
{
	struct bias_entry *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->path = strdup(path);
	if (!b->path) {
		free(b);
		return -ENOMEM;
	}
	b->pid = pid;
	b->bias = bias;
	b->next = biases;
	biases = b;
	return 0;
}

static int look_up(pid_t pid, const struct sym_file *f, uint64_t *ret)
{
	struct sym_maps *m;
	int r = sym_maps_read(pid, &m);

	if (r < 0)
		return -ESRCH;
	r = m->count ? sym_maps_load_bias(m, f, ret) : -ESRCH;
	sym_maps_free(m);
	return r;
}

int modbias_get(pid_t pid, const char *path, uint64_t *ret_bias)
{
	const struct sym_file *f;
	uint64_t bias;
	int r;

	for (const struct bias_entry *b = biases; b; b = b->next)
		if (b->pid == pid && !strcmp(b->path, path)) {
			*ret_bias = b->bias;
			return 0;
		}
	f = procs_file(path, &r);
	if (!f)
		return r;
	r = look_up(pid, f, &bias);
	if (r < 0)
		return r;
	r = remember(pid, path, bias);
	if (r < 0)
		return r;
	*ret_bias = bias;
	return 0;
}

void modbias_forget(pid_t pid)
{
	struct bias_entry **pp = &biases;

	while (*pp) {
		struct bias_entry *b = *pp;

		if (b->pid != pid) {
			pp = &b->next;
			continue;
		}
		*pp = b->next;
		free(b->path);
		free(b);
	}
}

void modbias_free_all(void)
{
	while (biases)
		modbias_forget(biases->pid);
}
