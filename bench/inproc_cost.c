/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * inproc_cost PROBE_TARGET N FUNC: the in-process half of bench/inproc_cost.sh.  Runs
 * `PROBE_TARGET N FUNC` traced (PROBE_TARGET_WAIT set, so it waits for SIGUSR1 before its loop
 * and after it), puts an in-process counting site on FUNC (uprobe_inproc_add), lets the loop
 * run, then prints the target's "ns_per_call X", "hits H skipped S" from the shared counter,
 * and "tier patched" or "tier refused: why".  Exit status 0 only if the counter reads N.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sym/sym.h"
#include "utrace/uprobe.h"
#include "utrace/utrace.h"

static const struct utrace_engine_ops plain_ops = {0};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run_for(long ms)
{
	long end = now_ms() + ms;

	while (now_ms() < end) {
		utrace_wait(false);
		usleep(200);
	}
}

static bool catches_usr1(pid_t pid)
{
	unsigned long long cgt = 0;
	char file[64], line[256];
	bool found = false;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/status", pid);
	f = fopen(file, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "SigCgt: %llx", &cgt) == 1;
	fclose(f);
	return cgt & (1ull << (SIGUSR1 - 1));
}

static uint64_t func_offset(const char *path, const char *func)
{
	const struct sym_symbol *sym;
	struct sym_file *f;
	uint64_t off = 0;
	int err;

	f = sym_file_open(path, &err);
	if (f && sym_lookup(f, func, &sym) == 0)
		sym_vaddr_to_offset(f, sym->addr, SYM_NEED_EXEC, &off);
	sym_file_free(f);
	return off;
}

int main(int argc, char **argv)
{
	uint64_t n, hits = 0, skipped = 0, off;
	char *targv[4], reason[256] = "";
	struct utrace_engine *e;
	int site = -1, status = -1, r, i;
	pid_t pid;

	if (argc != 4)
		return 2;
	n = strtoull(argv[2], NULL, 0);
	off = func_offset(argv[1], argv[3]);
	setenv("PROBE_TARGET_WAIT", "1", 1);
	targv[0] = argv[1];
	targv[1] = argv[2];
	targv[2] = argv[3];
	targv[3] = NULL;
	if (!off || utrace_spawn(targv, &pid) < 0 || uprobe_watch(pid, false) < 0)
		return 1;
	e = utrace_attach(pid, UTRACE_ATTACH_CREATE, &plain_ops, NULL);
	utrace_control(pid, e, UTRACE_RESUME);
	utrace_engine_put(e);
	for (i = 0; i < 10000 && !catches_usr1(pid); i++)
		run_for(1);
	r = uprobe_inproc_add(pid, argv[1], off, UPROBE_INPROC_COUNT_ONLY, NULL, &site, reason,
			      sizeof(reason));
	printf("tier %s\n", r == 0 ? "patched" : reason);
	fflush(stdout);
	kill(pid, SIGUSR1);
	for (i = 0; i < 600000; i++) {
		if (r == 0 && uprobe_inproc_count(pid, site, &hits, &skipped) == 0 && hits >= n)
			break;
		if (utrace_child_status(pid, &status) == 0)
			break;
		run_for(1);
	}
	printf("hits %llu skipped %llu\n", (unsigned long long)hits, (unsigned long long)skipped);
	fflush(stdout);
	if (r == 0)
		(void)uprobe_inproc_detach(pid);
	kill(pid, SIGUSR1);
	for (i = 0; i < 30000 && utrace_child_status(pid, &status) < 0; i++)
		run_for(1);
	return r == 0 && hits == n && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
