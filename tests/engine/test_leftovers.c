/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * After uprobe_cleanup_all() and utrace_detach_all(), nothing of ours is left in the process:
 * every file-backed executable mapping is byte-identical to its file, no mapping exists that
 * was not there before (no XOL area), the SDT semaphore and the program's data have their
 * values from before, the signal dispositions and mask are as before, and the program runs on
 * untraced and correct.
 *
 * The tracee (tests/progs/marked) gets everything uprobes writes: breakpoints in the program
 * and in a library, hijacked return addresses on two threads' stacks, a raised semaphore, the
 * XOL area.  Standing in for the agent to come, the first hit also makes, through the
 * process's journal, a change of each kind uprobes does not make yet: a disposition
 * (SIGWINCH ignored), a mapping and a write into the program's data.  Each round first checks
 * that the changes are really there, so that a clean result means they were undone.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "os/os.h"
#include "sym/sym.h"
#include "uprobe/uprobe-priv.h"
#include "utrace/uprobe.h"

struct tracee {
	pid_t pid;
	uint64_t untouched; /* the program's long[4], never read by it */
	uint64_t semaphore;
};

struct watch {
	struct uprobe_consumer entry, ret, lib, mark;
	long hits, rets, lib_hits, marks;
	uint64_t untouched;
	int injected; /* 0 not yet, 1 done, < 0 the error */
};

static long zeros[4];

/* The agent's kinds of change, made through the journal from the thread stopped at the hit. */
static int inject(struct watch *w, const struct uprobe_hit *hit)
{
	static const uint64_t map_args[6] = {
		0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0};
	struct arch_ksigaction ign = {.handler = (uint64_t)(uintptr_t)SIG_IGN};
	struct uproc *p = up_proc_find(hit->pid);
	long addr = 0;
	int r;

	if (!p)
		return -ESRCH;
	r = cure_sigaction(p->cure, &p->be, hit->tid, SIGWINCH, &ign, "test disposition", NULL);
	if (r == 0)
		r = cure_mmap(p->cure, &p->be, hit->tid, map_args, "test mapping", &addr, NULL);
	if (r == 0 && addr < 0)
		r = (int)addr;
	if (r == 0)
		r = cure_write(p->cure, &p->be, w->untouched, zeros, sizeof(zeros), "test data",
			       NULL);
	return r < 0 ? r : 1;
}

static int on_entry(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	struct watch *w = uc->data;

	w->hits++;
	if (!w->injected)
		w->injected = inject(w, hit);
	return 0;
}

static int on_return(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	((struct watch *)uc->data)->rets++;
	return 0;
}

static int on_lib(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	((struct watch *)uc->data)->lib_hits++;
	return 0;
}

static int on_mark(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	((struct watch *)uc->data)->marks++;
	return 0;
}

/* marked, untraced, with the two addresses of its "ready" line. */
static int start(struct tracee *t)
{
	struct pollfd pfd;
	char line[128];
	int fds[2];
	ssize_t n;

	if (pipe(fds) < 0)
		return -1;
	t->pid = fork();
	if (t->pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl(prog("marked"), "marked", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	pfd = (struct pollfd){fds[0], POLLIN, 0};
	n = poll(&pfd, 1, 5000) > 0 ? read(fds[0], line, sizeof(line) - 1) : -1;
	close(fds[0]);
	if (n <= 0)
		return -1;
	line[n] = '\0';
	return sscanf(line, "ready %lx %lx", &t->untouched, &t->semaphore) == 2 ? 0 : -1;
}

/* What must come back: dispositions and mask, the semaphore, the data, the mappings. */
struct snapshot {
	struct proc_status st;
	uint16_t semaphore;
	long untouched[4];
	struct sym_maps *maps;
};

static int snap(const struct tracee *t, struct snapshot *s)
{
	if (proc_status(t->pid, &s->st) < 0 ||
	    mem_read_all(t->pid, t->semaphore, &s->semaphore, sizeof(s->semaphore)) < 0 ||
	    mem_read_all(t->pid, t->untouched, s->untouched, sizeof(s->untouched)) < 0)
		return -1;
	return sym_maps_read(t->pid, &s->maps);
}

/* Every executable mapping of a file holds the file's bytes; false if there is none. */
static bool text_is_files(pid_t pid, bool report)
{
	struct sym_maps *maps;
	bool ok = true;
	int any = 0;
	size_t i;

	if (sym_maps_read(pid, &maps) < 0)
		return false;
	for (i = 0; i < maps->count; i++) {
		const struct sym_mapping *m = &maps->v[i];
		size_t len = m->end - m->start;
		char *mem, *file;
		int fd;

		if (m->perms[2] != 'x' || !m->inode || m->path[0] != '/')
			continue;
		mem = malloc(len);
		file = calloc(1, len);
		fd = open(m->path, O_RDONLY);
		if (!mem || !file || fd < 0 || mem_read_all(pid, m->start, mem, len) < 0 ||
		    pread(fd, file, len, (off_t)m->offset) < 0 || memcmp(mem, file, len)) {
			if (report)
				printf("# %s at 0x%lx differs from its file\n", m->path,
				       (unsigned long)m->start);
			ok = false;
		}
		if (fd >= 0)
			close(fd);
		free(mem);
		free(file);
		any++;
	}
	sym_maps_free(maps);
	return ok && any >= 2;
}

static bool same_mapping(const struct sym_mapping *a, const struct sym_mapping *b)
{
	if (!strcmp(a->path, "[stack]") && !strcmp(b->path, "[stack]"))
		return true; /* it grows */
	return a->start == b->start && a->end == b->end && !strcmp(a->perms, b->perms) &&
	       a->inode == b->inode;
}

/* Mappings in @now that @before does not have. */
static int new_mappings(const struct sym_maps *before, const struct sym_maps *now, bool report)
{
	size_t i, k;
	int n = 0;

	for (i = 0; i < now->count; i++) {
		for (k = 0; k < before->count; k++)
			if (same_mapping(&now->v[i], &before->v[k]))
				break;
		if (k == before->count && report)
			printf("# new mapping 0x%lx-0x%lx %s %s\n", (unsigned long)now->v[i].start,
			       (unsigned long)now->v[i].end, now->v[i].perms, now->v[i].path);
		n += k == before->count;
	}
	return n;
}

static bool all_seen(void *arg)
{
	const struct watch *w = arg;

	return w->hits >= 20 && w->rets >= 20 && w->lib_hits >= 20 && w->marks >= 10 && w->injected;
}

static uint64_t marker_offset(const char *path, uint64_t *ret_semaphore_offset)
{
	const struct sym_sdt_note *note;
	struct sym_file *f;
	uint64_t off = 0;
	int err;

	f = sym_file_open(path, &err);
	if (f && sym_sdt_find(f, "app", "tick", &note) == 0) {
		off = note->pc_offset;
		*ret_semaphore_offset = note->semaphore_offset;
	}
	sym_file_free(f);
	return off;
}

static void one_round(struct watch *w, int round)
{
	const uint64_t winch = 1ULL << (SIGWINCH - 1);
	struct snapshot before = {0}, during = {0}, after = {0};
	struct tracee t;
	int status;
	bool ok;

	if (start(&t) < 0 || snap(&t, &before) < 0) {
		tap_ok(0, "round %d: marked started", round);
		return;
	}
	w->hits = w->rets = w->lib_hits = w->marks = 0;
	w->injected = 0;
	w->untouched = t.untouched;
	tap_is(uprobe_watch(t.pid, false), 0, "watching marked");
	ok = run_until(all_seen, w, 10000);
	tap_ok(ok && w->injected == 1,
	       "round %d: probes hit (%ld entries, %ld returns, %ld in the library, %ld marks), "
	       "agent changes made (%d)",
	       round, w->hits, w->rets, w->lib_hits, w->marks, w->injected);
	run_for(rand() % 50);
	utrace_stop_all();
	ok = snap(&t, &during) == 0;
	tap_ok(ok && !text_is_files(t.pid, false) &&
		       new_mappings(before.maps, during.maps, false) == 2 &&
		       during.semaphore == before.semaphore + 1 && (during.st.sig_ign & winch) &&
		       !memcmp(during.untouched, zeros, sizeof(zeros)),
	       "round %d: while attached: breakpoints, XOL area, our mapping, semaphore %u, "
	       "SIGWINCH ignored, data written",
	       round, during.semaphore);
	uprobe_cleanup_all();
	utrace_detach_all();
	ok = snap(&t, &after) == 0;
	tap_ok(ok && text_is_files(t.pid, true), "round %d: text byte-identical to every file",
	       round);
	tap_ok(ok && new_mappings(before.maps, after.maps, true) == 0,
	       "round %d: no mapping of ours (XOL area, the agent's) left", round);
	tap_ok(ok && after.semaphore == before.semaphore, "round %d: semaphore back to %u (is %u)",
	       round, before.semaphore, after.semaphore);
	tap_ok(ok && !memcmp(after.untouched, before.untouched, sizeof(after.untouched)),
	       "round %d: the program's data as before", round);
	tap_ok(ok && after.st.sig_ign == before.st.sig_ign &&
		       after.st.sig_cgt == before.st.sig_cgt &&
		       after.st.sig_blk == before.st.sig_blk,
	       "round %d: dispositions and mask as before (ign %#lx, caught %#lx)", round,
	       (unsigned long)after.st.sig_ign, (unsigned long)after.st.sig_cgt);
	usleep(100000);
	tap_ok(proc_tracer(t.pid) == 0 && waitpid(t.pid, &status, WNOHANG) == 0,
	       "round %d: untraced, running and correct after the detach", round);
	kill_and_reap(t.pid);
	sym_maps_free(before.maps);
	sym_maps_free(during.maps);
	sym_maps_free(after.maps);
}

int main(int argc, char **argv)
{
	char *path, *lib;
	uint64_t work, mark, lib_func, sem_off = 0;
	struct watch w = {0};
	int i;

	harness_init(argc, argv);
	srand((unsigned)getpid());
	path = strdup(prog("marked"));
	lib = strdup(prog("libprobed.so"));
	work = func_offset(path, "f_work");
	lib_func = func_offset(lib, "lib_func");
	mark = marker_offset(path, &sem_off);
	w.entry = (struct uprobe_consumer){.handler = on_entry, .data = &w};
	w.ret = (struct uprobe_consumer){.ret_handler = on_return, .data = &w};
	w.lib = (struct uprobe_consumer){.handler = on_lib, .data = &w};
	w.mark = (struct uprobe_consumer){.handler = on_mark, .data = &w};
	tap_ok(work && lib_func && mark && sem_off,
	       "marked: f_work, lib_func and the marker with its semaphore found");
	tap_is(uprobe_register(path, work, &w.entry), 0, "register f_work");
	tap_is(uretprobe_register(path, work, &w.ret), 0, "register f_work's return");
	tap_is(uprobe_register(lib, lib_func, &w.lib), 0, "register lib_func");
	tap_is(uprobe_register_refctr(path, mark, sem_off, &w.mark), 0,
	       "register app:tick with its semaphore");
	for (i = 0; i < 3; i++)
		one_round(&w, i);
	uprobe_unregister(path, work, &w.entry);
	uretprobe_unregister(path, work, &w.ret);
	uprobe_unregister(lib, lib_func, &w.lib);
	uprobe_unregister(path, mark, &w.mark);
	free(path);
	free(lib);
	return tap_done();
}
