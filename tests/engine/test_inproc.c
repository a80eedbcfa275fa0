/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * In-process sites (src/uprobe/inproc.c) in a real program, tests/progs/inproc: a function
 * jump-patched while the program runs is called N times and the shared counter reads exactly
 * N without stopping anyone; 8 threads make it exactly 8N; calls from a signal handler (not
 * nested in the agent) count as hits; a thread that the agent finds inside itself already (a
 * guard slot holding its id, as a hit interrupted by a signal would leave it) has its hits
 * counted as skipped; a function whose entry holds a branch target is refused with its reason
 * and goes to the trap tier when a consumer is given; endbr64 functions are patched after the
 * endbr.  After uprobe_inproc_detach the text is byte-identical to the file and no mapping of
 * ours is left; the program then finishes with its own checks passed (exit 42).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent_abi.h"
#include "harness.h"
#include "os/os.h"
#include "sym/sym.h"
#include "utrace/uprobe.h"

#define N	 10000
#define NTHREADS 8
#define EXIT_OK	 42

static const struct utrace_engine_ops plain_ops = {0};
static char *path;

/* Whether @pid catches SIGUSR1 and SIGUSR2 yet (SigCgt in /proc/PID/status). */
static bool catches_usr(pid_t pid)
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
	return (cgt & (1ull << (SIGUSR1 - 1))) && (cgt & (1ull << (SIGUSR2 - 1)));
}

static pid_t start(const char *mode, const char *n)
{
	pid_t pid = spawn("inproc", mode, n);
	struct utrace_engine *e;
	long i;

	if (pid < 0)
		return pid;
	if (uprobe_watch(pid, false) < 0)
		printf("# uprobe_watch failed\n");
	e = utrace_attach(pid, UTRACE_ATTACH_CREATE, &plain_ops, NULL);
	utrace_control(pid, e, UTRACE_RESUME);
	utrace_engine_put(e);
	/* Past its exec, its handlers installed: in its first wait. */
	for (i = 0; i < 5000 && !catches_usr(pid); i++)
		run_for(2);
	return pid;
}

static int finish(pid_t pid)
{
	kill(pid, SIGUSR1);
	return run_to_exit(pid, 30000);
}

static void is_exit_ok(int status, const char *what)
{
	tap_exited(status, EXIT_OK, "%s: the program exited %d", what, EXIT_OK);
}

struct wait_hits {
	pid_t pid;
	int site;
	uint64_t hits, skipped;
};

static bool reached(void *arg)
{
	struct wait_hits *w = arg;
	uint64_t h = 0, s = 0;

	return uprobe_inproc_count(w->pid, w->site, &h, &s) == 0 && h >= w->hits && s >= w->skipped;
}

/* Run until the site shows at least @hits and @skipped, then settle and read it. */
static void counts(pid_t pid, int site, uint64_t hits, uint64_t skipped, uint64_t *ret_hits,
		   uint64_t *ret_skipped)
{
	struct wait_hits w = {pid, site, hits, skipped};

	run_until(reached, &w, 20000);
	run_for(50);
	*ret_hits = *ret_skipped = 0;
	uprobe_inproc_count(pid, site, ret_hits, ret_skipped);
}

static int add(pid_t pid, const char *func, int *ret_site, char *reason, size_t len)
{
	return uprobe_inproc_add(pid, path, func_offset(path, func), UPROBE_INPROC_COUNT_ONLY, NULL,
				 ret_site, reason, len);
}

/* Every executable file mapping holds its file's bytes, and nothing of ours is mapped. */
static bool clean(pid_t pid)
{
	struct sym_maps *maps;
	bool ok = true;
	size_t i;

	if (sym_maps_read(pid, &maps) < 0)
		return false;
	for (i = 0; i < maps->count; i++) {
		const struct sym_mapping *m = &maps->v[i];
		size_t len = m->end - m->start;
		char *mem, *file;
		int fd;

		if (strstr(m->path, AGENT_NAME) || strstr(m->path, "memfd:utrace")) {
			printf("# still mapped: %s\n", m->path);
			ok = false;
		}
		if (m->perms[2] != 'x')
			continue;
		if (!m->inode || m->path[0] != '/') {
			if (!m->path[0] || !strcmp(m->path, "[anon:" AGENT_NAME "]")) {
				printf("# anonymous executable mapping at 0x%lx\n",
				       (unsigned long)m->start);
				ok = false;
			}
			continue;
		}
		mem = malloc(len);
		file = calloc(1, len);
		fd = open(m->path, O_RDONLY);
		if (!mem || !file || fd < 0 || mem_read_all(pid, m->start, mem, len) < 0 ||
		    pread(fd, file, len, (off_t)m->offset) < 0 || memcmp(mem, file, len)) {
			printf("# %s at 0x%lx differs from its file\n", m->path,
			       (unsigned long)m->start);
			ok = false;
		}
		if (fd >= 0)
			close(fd);
		free(mem);
		free(file);
	}
	sym_maps_free(maps);
	return ok;
}

static bool has_ours(pid_t pid)
{
	struct sym_maps *maps;
	bool found = false;
	size_t i;

	if (sym_maps_read(pid, &maps) < 0)
		return false;
	for (i = 0; i < maps->count; i++)
		found |= !!strstr(maps->v[i].path, AGENT_NAME) ||
			 !!strstr(maps->v[i].path, "memfd:utrace");
	sym_maps_free(maps);
	return found;
}

/* The thread id the agent uses for @tid, read while it is held by an engine of ours. */
static uint64_t agent_id_of(pid_t tid, uint32_t how)
{
	struct utrace_engine *e = utrace_attach(tid, UTRACE_ATTACH_CREATE, &plain_ops, NULL);
	struct utrace_examiner exam;
	struct user_regs_struct regs;
	uint64_t id = 0;
	int i;

	if (!e)
		return 0;
	utrace_control(tid, e, UTRACE_STOP);
	for (i = 0; i < 5000 && utrace_prepare_examine(tid, e, &exam) < 0; i++)
		run_for(1);
	if (utrace_get_regs(tid, &regs) == 0) {
		if (how == AGENT_ID_GETTID)
			id = (uint64_t)tid | 1ull << 63;
		else if (how == AGENT_ID_FS0)
			(void)mem_read_all(tid, regs.fs_base, &id, sizeof(id));
		else
			id = regs.fs_base;
	}
	utrace_control(tid, e, UTRACE_DETACH);
	utrace_engine_put(e);
	return id;
}

static void test_count(void)
{
	char reason[256] = "", endbr_reason[256] = "";
	uint64_t hits, skipped, id, *slot = NULL;
	int site = -1, esite = -1, status, i;
	struct agent_shared *sh;
	pid_t pid = start("count", "10000");

	tap_is(add(pid, "hit", &site, reason, sizeof(reason)), 0, "count: hit() patched");
	printf("# hit: %s\n", reason);
	tap_is(add(pid, "endbr", &esite, endbr_reason, sizeof(endbr_reason)), 0,
	       "count: endbr() patched");
	tap_ok(strstr(endbr_reason, "endbr") != NULL, "endbr: patched after it (%s)", endbr_reason);
	tap_ok(has_ours(pid), "count: the agent and the shared region are mapped");
	kill(pid, SIGUSR1);
	counts(pid, site, N, 0, &hits, &skipped);
	tap_is(hits, N, "count: 10000 calls, 10000 hits");
	tap_is(skipped, 0, "count: none skipped");
	counts(pid, esite, 1, 0, &hits, &skipped);
	tap_is(hits, 1, "count: endbr() hit once");

	/* The main thread, as if inside the agent: its hits are skipped. */
	sh = uprobe_inproc_region(pid);
	id = sh ? agent_id_of(pid, sh->thread_id) : 0;
	tap_ok(id != 0, "count: the main thread's agent id (mode %u)", sh ? sh->thread_id : 0);
	if (sh && id) {
		uint64_t *way = &sh->guard[agent_guard_first(id)];

		for (i = 0; i < AGENT_GUARD_WAYS && !slot; i++)
			if (__atomic_load_n(&way[i], __ATOMIC_RELAXED) == 0)
				slot = &way[i];
		if (slot)
			__atomic_store_n(slot, id, __ATOMIC_RELEASE);
	}
	kill(pid, SIGUSR1);
	counts(pid, site, N, N, &hits, &skipped);
	tap_is(hits, N, "guard: no more hits while the thread is inside the agent");
	tap_is(skipped, N, "guard: its 10000 calls counted as skipped");
	if (slot)
		__atomic_store_n(slot, 0, __ATOMIC_RELEASE);

	tap_is(uprobe_inproc_detach(pid), 0, "count: detach");
	tap_ok(clean(pid), "count: text byte-identical to the file, nothing of ours mapped");
	status = finish(pid);
	is_exit_ok(status, "count");
}

static void test_threads(void)
{
	char reason[256] = "";
	uint64_t hits, skipped;
	int site = -1;
	pid_t pid = start("threads", "10000");

	tap_is(add(pid, "hit", &site, reason, sizeof(reason)), 0, "threads: hit() patched");
	kill(pid, SIGUSR1);
	counts(pid, site, NTHREADS * N, 0, &hits, &skipped);
	tap_is(hits, NTHREADS * N, "threads: 8 threads x 10000 calls, exactly 80000 hits");
	tap_is(skipped, 0, "threads: none skipped");
	tap_is(uprobe_inproc_detach(pid), 0, "threads: detach");
	tap_ok(clean(pid), "threads: text byte-identical, nothing of ours mapped");
	is_exit_ok(finish(pid), "threads");
}

static void test_signal(void)
{
	char reason[256] = "";
	uint64_t hits, skipped;
	int site = -1;
	pid_t pid = start("signal", "1000");

	tap_is(add(pid, "hit", &site, reason, sizeof(reason)), 0, "signal: hit() patched");
	kill(pid, SIGUSR1);
	counts(pid, site, 2000, 0, &hits, &skipped);
	tap_is(hits, 2000, "signal: 1000 calls and 1000 from the handler, 2000 hits");
	tap_is(skipped, 0, "signal: the handler's hits are not nested, none skipped");
	tap_is(uprobe_inproc_detach(pid), 0, "signal: detach");
	tap_ok(clean(pid), "signal: text byte-identical, nothing of ours mapped");
	is_exit_ok(finish(pid), "signal");
}

static int on_trap(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	(*(long *)uc->data)++;
	return 0;
}

static void test_refused(void)
{
	char reason[256] = "";
	long trap_hits = 0;
	struct uprobe_consumer uc = {.handler = on_trap, .data = &trap_hits};
	int site = -1, r;
	uint64_t off = func_offset(path, "refused");
	pid_t pid = start("count", "10");

	r = uprobe_inproc_add(pid, path, off, UPROBE_INPROC_COUNT_ONLY, NULL, &site, reason,
			      sizeof(reason));
	tap_is(r, -EOPNOTSUPP, "refused: refused() not patched");
	tap_ok(strstr(reason, "branch target inside the range") != NULL, "refused: reason: %s",
	       reason);
	r = uprobe_inproc_add(pid, path, off, UPROBE_INPROC_COUNT_ONLY, &uc, &site, reason,
			      sizeof(reason));
	tap_is(r, 1, "refused: with a consumer, on the trap tier");
	tap_ok(!has_ours(pid), "refused: nothing of ours mapped");
	kill(pid, SIGUSR1);
	run_for(100);
	kill(pid, SIGUSR1);
	run_for(100);
	is_exit_ok(finish(pid), "refused");
	tap_is(trap_hits, 1, "refused: the trap tier saw its one call");
	uprobe_unregister(path, off, &uc);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	path = strdup(prog("inproc"));
	test_count();
	test_threads();
	test_signal();
	test_refused();
	free(path);
	return tap_done();
}
