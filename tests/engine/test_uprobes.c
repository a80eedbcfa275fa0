/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * uprobes on real programs (reference 6.B-6.G): exact hit counts on every tier, handlers that
 * see rip at the probe and the arguments, return probes through recursion and longjmp, a probe
 * registered and unregistered in a loop while 8 threads keep hitting it, a library probed before
 * it is loaded and loaded twice, fork with and without following, refusals, and detach at random
 * moments followed by a byte compare of the text against the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "sym/sym.h"
#include "utrace/uprobe.h"

struct count {
	struct uprobe_consumer uc;
	long hits, rets;
	long args[16];
	long retvals[16];
	uint64_t vaddr;
	bool rip_ok;
	pid_t pids[4];
	int npids;
};

static int count_entry(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	struct count *c = uc->data;
	int i;

	if (c->hits < 16)
		c->args[c->hits] = (long)hit->regs->rdi;
	c->rip_ok = hit->regs->rip == hit->vaddr;
	c->vaddr = hit->vaddr;
	c->hits++;
	for (i = 0; i < c->npids && c->pids[i] != hit->pid; i++)
		;
	if (i == c->npids && c->npids < 4)
		c->pids[c->npids++] = hit->pid;
	return 0;
}

static int count_return(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	struct count *c = uc->data;

	if (c->rets < 16)
		c->retvals[c->rets] = (long)hit->regs->rax;
	c->rets++;
	return 0;
}

static void count_init(struct count *c)
{
	memset(c, 0, sizeof(*c));
	c->uc.handler = count_entry;
	c->uc.ret_handler = count_return;
	c->uc.data = c;
}

static const struct utrace_engine_ops plain_ops = {0};

/*
 * Start a program with uprobes watching it (and a plain engine holding nothing).  If uprobes
 * cannot watch it, that is a failed check; the program is killed unstarted and -1 returned,
 * which run_to_exit() passes on as "no status".
 */
static pid_t start_watched(const char *name, const char *a1, const char *a2, bool follow)
{
	pid_t pid = spawn(name, a1, a2);
	struct utrace_engine *e = attach_or_bail(pid, &plain_ops, NULL);

	if (!setup_ok(uprobe_watch(pid, follow))) {
		kill(pid, SIGKILL);
		utrace_control(pid, e, UTRACE_RESUME);
		utrace_engine_put(e);
		run_to_exit(pid, 5000);
		return -1;
	}
	utrace_control(pid, e, UTRACE_RESUME);
	utrace_engine_put(e);
	return pid;
}

/*
 * One run of NAME A1 A2 with a counting probe (c) on func of file; returns the exit status, or
 * -1 without running it if the probe could not be registered.
 */
static int counted_run(struct count *c, const char *file, const char *func, const char *name,
		       const char *a1, const char *a2, bool follow)
{
	uint64_t off = func_offset(file, func);
	int status;

	count_init(c);
	if (!setup_ok(uprobe_register(file, off, &c->uc)))
		return -1;
	status = run_to_exit(start_watched(name, a1, a2, follow), 20000);
	uprobe_unregister(file, off, &c->uc);
	return status;
}

static void test_tiers(void)
{
	static const char *funcs[] = {"f_riprel", "f_nop5", "f_endbr",
				      "f_push",	  "f_step", "f_store"};
	/* push is boosted on purpose: see up_analyse() */
	static const enum uprobe_tier tiers[] = {UPROBE_BOOSTED, UPROBE_EMULATED, UPROBE_EMULATED,
						 UPROBE_BOOSTED, UPROBE_STEPPED,  UPROBE_BOOSTED};
	struct count c[6];
	const char *path = prog("probed");
	char reason[128];
	enum uprobe_tier tier;
	int i, r, status;
	pid_t pid;

	for (i = 0; i < 6; i++) {
		count_init(&c[i]);
		tap_is(uprobe_register(path, func_offset(path, funcs[i]), &c[i].uc), 0, funcs[i]);
		r = uprobe_describe(path, func_offset(path, funcs[i]), &tier, reason,
				    sizeof(reason));
		if (r < 0)
			snprintf(reason, sizeof(reason), "uprobe_describe: %s", strerror(-r));
		tap_ok(r == 0 && tier == tiers[i], "tier of %s: %s", funcs[i], reason);
	}
	pid = start_watched("probed", "calls", "1000", false);
	status = run_to_exit(pid, 60000);
	tap_exited(status, 0, "tiers: program checksum right: every copy ran correctly");
	for (i = 0; i < 6; i++)
		tap_ok(c[i].hits == 1000 && c[i].rip_ok,
		       "tiers: %s hit exactly 1000 times (%ld), rip at the probe", funcs[i],
		       c[i].hits);
	tap_is(c[3].args[7], 7, "tiers: handler sees the first argument in rdi");
	for (i = 0; i < 6; i++)
		uprobe_unregister(path, func_offset(path, funcs[i]), &c[i].uc);
}

/* A fault raised by the displaced instruction reaches the program with rip at the probe. */
static void test_faults(void)
{
	const char *path = prog("probed");
	uint64_t load = func_offset(path, "f_load"), jmp = func_offset(path, "f_jmpmem");
	struct count l, j;
	int status;
	pid_t pid;

	count_init(&l);
	count_init(&j);
	setup_ok(uprobe_register(path, load, &l.uc));
	setup_ok(uprobe_register(path, jmp, &j.uc));
	pid = start_watched("probed", "fault", NULL, false);
	status = run_to_exit(pid, 20000);
	tap_exited(status, 0, "fault: handlers fixed the page, results right");
	tap_is(l.hits, 2, "fault: boosted load faulted in its slot and fired again after");
	tap_is(j.hits, 2, "fault: stepped jump faulted in its slot and fired again after");
	uprobe_unregister(path, load, &l.uc);
	uprobe_unregister(path, jmp, &j.uc);
}

static void test_refusals(void)
{
	struct count c;
	const char *path = prog("probed");

	count_init(&c);
	tap_is(uprobe_register(path, func_offset(path, "f_syscall"), &c.uc), -EOPNOTSUPP,
	       "refused: syscall instruction");
	tap_is(uprobe_register("/nonexistent", 0, &c.uc), -ENOENT, "refused: missing file");
	tap_is(uprobe_register(path, 0, &c.uc), -ENOEXEC, "refused: offset outside text");
	tap_is(uprobe_register(path, func_offset(path, "f_push"), &c.uc), 0, "register f_push");
	tap_is(uprobe_register(path, func_offset(path, "f_push"), &c.uc), -EBUSY,
	       "refused: same consumer twice");
	uprobe_unregister(path, func_offset(path, "f_push"), &c.uc);
}

static void test_returns(void)
{
	const char *path = prog("probed");
	uint64_t fact = func_offset(path, "fact"), deep = func_offset(path, "deep");
	struct count f, fr, d;
	int status;
	pid_t pid;

	count_init(&f);
	count_init(&fr);
	count_init(&d);
	setup_ok(uprobe_register(path, fact, &f.uc));
	tap_is(uretprobe_register(path, fact, &f.uc), -EBUSY,
	       "returns: one consumer cannot be both entry and return");
	setup_ok(uretprobe_register(path, fact, &fr.uc));
	setup_ok(uretprobe_register(path, deep, &d.uc));
	pid = start_watched("probed", "recurse", "5", false);
	status = run_to_exit(pid, 20000);
	tap_exited(status, 0, "returns: program ran correctly");
	tap_is(f.hits, 5, "returns: 5 entries of fact");
	tap_ok(f.args[0] == 5 && f.args[1] == 4 && f.args[2] == 3 && f.args[3] == 2 &&
		       f.args[4] == 1,
	       "returns: entries 5 4 3 2 1 in order");
	tap_is(fr.rets, 5, "returns: 5 returns of fact");
	tap_ok(fr.retvals[0] == 1 && fr.retvals[1] == 2 && fr.retvals[2] == 6 &&
		       fr.retvals[3] == 24 && fr.retvals[4] == 120,
	       "returns: return values 1 2 6 24 120 in order");
	tap_is(d.rets, 0, "longjmp: no return reported for frames left by longjmp");
	uprobe_unregister(path, fact, &f.uc);
	uretprobe_unregister(path, fact, &fr.uc);
	uretprobe_unregister(path, deep, &d.uc);

	count_init(&f);
	setup_ok(uretprobe_register(path, fact, &f.uc));
	pid = start_watched("probed", "recurse", "100", false);
	status = run_to_exit(pid, 20000);
	tap_exited(status, 0, "depth: recursion of 100 under a return probe ran");
	tap_is(f.rets, 64, "depth: returns reported for the 64 hijacked frames");
	uretprobe_unregister(path, fact, &f.uc);
}

/* A tail call: the callee's return slot already holds the trampoline; both handlers run. */
static void test_tail_call(void)
{
	const char *path = prog("probed");
	uint64_t tail = func_offset(path, "f_tail"), push = func_offset(path, "f_push");
	struct count t, p;
	int status;
	pid_t pid;

	count_init(&t);
	count_init(&p);
	setup_ok(uretprobe_register(path, tail, &t.uc));
	setup_ok(uretprobe_register(path, push, &p.uc));
	pid = start_watched("probed", "tail", "10", false);
	status = run_to_exit(pid, 20000);
	tap_exited(status, 0, "tail call: results right");
	tap_is(t.rets, 10, "tail call: the caller's return reported 10 times");
	tap_is(p.rets, 10, "tail call: the tail-called function's return reported 10 times");
	tap_ok(t.retvals[4] == 4 + 3 && p.retvals[4] == 4 + 3, "tail call: both see rax = 7");
	uretprobe_unregister(path, tail, &t.uc);
	uretprobe_unregister(path, push, &p.uc);
}

/* The program's own int3 is not ours: its SIGTRAP reaches its handler. */
static void test_foreign_trap(void)
{
	struct count c;
	int status = counted_run(&c, prog("probed"), "f_push", "probed", "selftrap", "20", false);

	tap_exited(status, 0, "foreign int3: the program's SIGTRAP handler ran 20 times");
	tap_is(c.hits, 20, "foreign int3: our probe fired 20 times beside it");
}

/* exec chain: forker vfork+execs probed, which inherits nothing but gets the probe anew. */
static void test_exec_chain(void)
{
	const char *path = prog("probed");
	struct count c;
	int status = counted_run(&c, path, "f_push", "forker", "vfork", path, true);

	tap_exited(status, 0, "exec chain: probed ran correctly after vfork+exec");
	tap_is(c.hits, 10, "exec chain: probe installed in the exec'd image (10 hits)");
}

static void test_dlopen(void)
{
	const char *lib = prog("libprobed.so");
	uint64_t off = func_offset(lib, "lib_func");
	struct count c;
	int status;
	pid_t pid;

	count_init(&c);
	tap_is(uprobe_register(lib, off, &c.uc), 0, "dlopen: registered before the load");
	pid = start_watched("dlopener", lib, "5", false);
	status = run_to_exit(pid, 20000);
	tap_exited(status, 0, "dlopen: loaded twice at different addresses, correct");
	tap_is(c.hits, 10, "dlopen: 5 hits from each load");
	uprobe_unregister(lib, off, &c.uc);
}

static void test_fork(void)
{
	const char *path = prog("probed");
	struct count c;
	int status = counted_run(&c, path, "f_push", "probed", "fork", "100", false);

	tap_exited(status, 0, "fork: unfollowed child ran clean (no stray int3)");
	tap_is(c.hits, 100, "fork: only the parent's hits without following");
	status = counted_run(&c, path, "f_push", "probed", "fork", "100", true);
	tap_exited(status, 0, "fork: followed child ran correctly");
	tap_is(c.hits, 200, "fork: parent and child hits when following");
	tap_is(c.npids, 2, "fork: hits from two processes");
}

/* A fork child returns through the trampoline frame it inherited. */
static void test_fork_return(void)
{
	const char *path = prog("probed");
	uint64_t off = func_offset(path, "f_forker");
	struct count c;
	int status;
	pid_t pid;

	count_init(&c);
	setup_ok(uretprobe_register(path, off, &c.uc));
	pid = start_watched("probed", "forkret", NULL, false);
	status = run_to_exit(pid, 20000);
	tap_exited(status, 0, "fork return: unfollowed child returned through a fixed frame");
	tap_is(c.rets, 1, "fork return: the parent's return reported");
	count_init(&c);
	pid = start_watched("probed", "forkret", NULL, true);
	status = run_to_exit(pid, 20000);
	tap_exited(status, 0, "fork return: followed child returned through the trampoline");
	tap_is(c.rets, 2, "fork return: both returns reported");
	tap_ok(c.retvals[0] == 77 || c.retvals[1] == 77, "fork return: the child's value 77 seen");
	uretprobe_unregister(path, off, &c.uc);
}

static bool has_hits(void *arg)
{
	return ((struct count *)arg)->hits > 0;
}

/*
 * Calls per thread of `probed threads`: every one is a trap-tier hit, which a sanitizer build
 * of the tracer handles several times slower, so it gets fewer within the same time limit.
 */
#if defined(__SANITIZE_ADDRESS__)
#define THREAD_CALLS 5000
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define THREAD_CALLS 5000
#endif
#endif
#ifndef THREAD_CALLS
#define THREAD_CALLS 20000
#endif
#define STR(x)	#x
#define XSTR(x) STR(x)

static void test_threads_register_loop(void)
{
	const char *path = prog("probed");
	uint64_t off = func_offset(path, "f_push");
	struct count c;
	int status = -1, cycles = 0, failed = 0;
	bool done;
	pid_t pid;

	count_init(&c);
	setup_ok(uprobe_register(path, off, &c.uc));
	pid = start_watched("probed", "threads", XSTR(THREAD_CALLS), false);
	status = run_to_exit(pid, 90000);
	tap_exited(status, 0, "threads: 8 threads ran correctly");
	tap_is(c.hits, 8 * THREAD_CALLS, "threads: exactly 8 x THREAD_CALLS hits");
	uprobe_unregister(path, off, &c.uc);

	count_init(&c);
	setup_ok(uprobe_register(path, off, &c.uc));
	pid = start_watched("probed", "threads", XSTR(THREAD_CALLS), false);
	run_until(has_hits, &c, 10000); /* the threads run: from now on, unregister and register */
	for (done = pid < 0; !done; cycles++) {
		failed += uprobe_unregister(path, off, &c.uc) < 0;
		failed += uprobe_register(path, off, &c.uc) < 0;
		run_for(5);
		done = utrace_child_status(pid, &status) == 0;
	}
	uprobe_unregister(path, off, &c.uc);
	tap_exited(status, 0, "register loop: no SIGTRAP death, program correct (%d cycles)",
		   cycles);
	tap_is(failed, 0, "register loop: every unregister and register succeeded");
	tap_ok(c.hits > 0 && c.hits <= 8 * THREAD_CALLS,
	       "register loop: %ld hits counted, at most %d", c.hits, 8 * THREAD_CALLS);
}

/* The text of the probed program in the process equals the file, byte for byte. */
static bool text_matches_file(pid_t pid, const char *path)
{
	struct sym_maps *maps;
	struct stat st;
	bool ok = true, any = false;
	size_t i;
	int fd;

	if (stat(path, &st) < 0 || sym_maps_read(pid, &maps) < 0)
		return false;
	fd = open(path, O_RDONLY);
	for (i = 0; i < maps->count; i++) {
		const struct sym_mapping *m = &maps->v[i];
		size_t len = m->end - m->start;
		char *mem, *file;
		char memp[64];
		int mfd;

		if (m->perms[2] != 'x' || m->inode != st.st_ino)
			continue;
		mem = malloc(len);
		file = calloc(1, len);
		snprintf(memp, sizeof(memp), "/proc/%d/mem", pid);
		mfd = open(memp, O_RDONLY);
		if (pread(mfd, mem, len, (off_t)m->start) != (ssize_t)len)
			ok = false;
		(void)!pread(fd, file, len, (off_t)m->offset);
		if (memcmp(mem, file, len))
			ok = false;
		any = true;
		close(mfd);
		free(mem);
		free(file);
	}
	close(fd);
	sym_maps_free(maps);
	return ok && any;
}

static bool has_xol(pid_t pid)
{
	char path[64], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, "uprobes-xol") != NULL;
	if (f)
		fclose(f);
	return found;
}

/* Whether @path is mapped executable in @pid. */
static bool maps_text_of(pid_t pid, const char *path)
{
	struct sym_maps *maps;
	struct stat st;
	bool found = false;
	size_t i;

	if (stat(path, &st) < 0 || sym_maps_read(pid, &maps) < 0)
		return false;
	for (i = 0; i < maps->count; i++)
		found |= maps->v[i].perms[2] == 'x' && maps->v[i].inode == st.st_ino;
	sym_maps_free(maps);
	return found;
}

/*
 * A probe registered while a spawned program is inside its execve, its new image mapped but
 * the exec not reported yet, is installed once and is ours: the program is not killed by it.
 * Reports are run only while the image is not there, so that the exec stop waits for the
 * registration.
 */
static void test_register_during_exec(void)
{
	const char *path = prog("probed");
	uint64_t off = func_offset(path, "f_push");
	pid_t pid = start_watched("probed", "calls", "10", false);
	struct count c;
	int i, status;

	count_init(&c);
	for (i = 0; i < 100000 && !maps_text_of(pid, path); i++) {
		if (proc_state(pid) == 't')
			utrace_wait(false);
		usleep(100);
	}
	tap_ok(maps_text_of(pid, path), "register during exec: the new image is mapped");
	setup_ok(uprobe_register(path, off, &c.uc));
	status = run_to_exit(pid, 20000);
	tap_exited(status, 0, "register during exec: the program is not killed by our int3");
	tap_is(c.hits, 10, "register during exec: the probe fired 10 times");
	uprobe_unregister(path, off, &c.uc);
}

static void test_detach_random(int rounds)
{
	const char *path = prog("probed");
	uint64_t push = func_offset(path, "f_push"), step = func_offset(path, "f_step");
	struct count c, r, s;
	int i, clean = 0, status;

	count_init(&c);
	count_init(&r);
	count_init(&s);
	setup_ok(uprobe_register(path, push, &c.uc));
	setup_ok(uretprobe_register(path, push, &r.uc));
	setup_ok(uprobe_register(path, step, &s.uc));
	for (i = 0; i < rounds; i++) {
		pid_t pid = start_untraced("probed", "spin", false);
		bool ok = setup_ok(uprobe_watch(pid, false));

		run_for(rand() % 200);
		uprobe_cleanup_all();
		utrace_detach_all();
		ok = ok && text_matches_file(pid, path) && !has_xol(pid) && proc_tracer(pid) == 0;
		usleep(100000);
		ok = ok && waitpid(pid, &status, WNOHANG) == 0;
		clean += ok;
		kill_and_reap(pid);
	}
	tap_ok(c.hits > 0 && r.rets > 0,
	       "detach: entry and return probes fired before the detaches (%ld hits, %ld returns)",
	       c.hits, r.rets);
	tap_is(clean, rounds, "detach: text byte-identical, no XOL area, untraced and alive");
	uprobe_unregister(path, push, &c.uc);
	uretprobe_unregister(path, push, &r.uc);
	uprobe_unregister(path, step, &s.uc);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	alarm(280);
	srand((unsigned)getpid());
	test_tiers();
	test_refusals();
	test_faults();
	test_returns();
	test_dlopen();
	test_tail_call();
	test_foreign_trap();
	test_exec_chain();
	test_fork();
	test_fork_return();
	test_threads_register_loop();
	test_register_during_exec();
	test_detach_random(10);
	return tap_done();
}
