/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tracer that survive.c SIGKILLs: trap-tier probes (emulated, boosted, stepped with a
 * scratch register, return probes through recursion and a sleep) on survivor's sv_* functions, in a process it attaches to or starts, after
 * uprobe_survive().  It prints "traced PID" once all is in place and then runs reports until
 * the program ends, or until it is killed.
 *
 *   survive_tracer attach PID PROGRAM
 *   survive_tracer spawn PROGRAM ARGS...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sym/sym.h"
#include "utrace/uprobe.h"
#include "utrace/utrace.h"

/*
 * Not sv_icall: a stepped indirect call is not safe yet (its result came out wrong once in
 * ~40 rounds, src/uprobe/safety.c says what is not covered).
 */
static const char *const entries[] = {"sv_nop",	 "sv_jmp",  "sv_step", "sv_riprel",
				      "sv_push", "sv_slow", "sv_rec"};
static const char *const returns[] = {"sv_slow", "sv_rec"};

static long hits;

static int on_hit(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	(void)uc;
	(void)hit;
	hits++;
	return 0;
}

static struct uprobe_consumer consumer = {.handler = on_hit};
static struct uprobe_consumer ret_consumer = {.ret_handler = on_hit};
static const struct utrace_engine_ops plain_ops;

static void die(const char *what, int r)
{
	fprintf(stderr, "survive_tracer: %s: %s\n", what, strerror(-r));
	exit(2);
}

static uint64_t offset_of(const char *path, const char *func)
{
	const struct sym_symbol *sym;
	struct sym_file *f = NULL;
	uint64_t off = 0;
	int r;

	f = sym_file_open(path, &r);
	if (!f)
		die(path, r);
	r = sym_lookup(f, func, &sym);
	if (r == 0)
		r = sym_vaddr_to_offset(f, sym->addr, SYM_NEED_EXEC, &off);
	sym_file_free(f);
	if (r < 0)
		die(func, r);
	return off;
}

static pid_t start(char **argv)
{
	struct utrace_engine *e;
	pid_t pid;
	int r;

	r = utrace_spawn(argv, &pid);
	if (r < 0)
		die("utrace_spawn", r);
	e = utrace_attach(pid, UTRACE_ATTACH_CREATE, &plain_ops, NULL);
	if (!e)
		die("utrace_attach", -errno);
	r = uprobe_watch(pid, false);
	if (r < 0)
		die("uprobe_watch", r);
	r = utrace_spawn_unfiltered(pid);
	if (r < 0)
		die("utrace_spawn_unfiltered", r);
	utrace_control(pid, e, UTRACE_RESUME);
	utrace_engine_put(e);
	while (utrace_pre_exec(pid))
		if (utrace_wait(true) == -ECHILD)
			die("exec", -ECHILD);
	return pid;
}

int main(int argc, char **argv)
{
	const char *path;
	size_t i;
	pid_t pid;
	int r, status;

	if (argc > 3 && !strcmp(argv[1], "attach")) {
		pid = atoi(argv[2]);
		path = argv[3];
		r = uprobe_watch(pid, false);
		if (r < 0)
			die("uprobe_watch", r);
	} else if (argc > 2 && !strcmp(argv[1], "spawn")) {
		path = argv[2];
		pid = start(argv + 2);
	} else {
		fprintf(stderr,
			"usage: survive_tracer attach PID PROGRAM | spawn PROGRAM ARGS...\n");
		return 2;
	}
	r = uprobe_survive(pid);
	if (r < 0)
		die("uprobe_survive", r);
	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		r = uprobe_register(path, offset_of(path, entries[i]), &consumer);
		if (r < 0)
			die(entries[i], r);
	}
	for (i = 0; i < sizeof(returns) / sizeof(returns[0]); i++) {
		r = uretprobe_register(path, offset_of(path, returns[i]), &ret_consumer);
		if (r < 0)
			die(returns[i], r);
	}
	printf("traced %d\n", (int)pid);
	fflush(stdout);
	while (utrace_child_status(pid, &status) < 0)
		if (utrace_wait(true) == -ECHILD)
			break;
	fprintf(stderr, "survive_tracer: %ld hits\n", hits);
	return 0;
}
