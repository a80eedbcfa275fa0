/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attaching to a running process: every thread, including the ones created while we attach.
 *
 * Threads are seized one by one from /proc/PID/task.  A thread created by a thread we already
 * hold is auto-attached by PTRACE_O_TRACECLONE and reported as a clone; one created by a thread
 * we do not hold yet shows up in the next scan.  Scanning repeats until a pass finds nothing
 * new.  Seizing never stops a thread by itself: each is interrupted once, and the interrupt stop
 * is reported (and the thread resumed) from utrace_wait().
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/engine-priv.h"
#include "util/log.h"

pid_t utrace_tracer_of(pid_t pid)
{
	struct proc_status st;
	int r = proc_status(pid, &st);

	return r < 0 ? r : st.tracer;
}

/* PTRACE_SEIZE says EPERM for a thread on its way out (SIGKILLed, a zombie): it is gone. */
static bool dying(pid_t tid)
{
	struct proc_status st;

	return proc_status(tid, &st) < 0 || st.state == 'Z' || st.state == 'X' ||
	       (st.sig_pnd & 1ull << (SIGKILL - 1));
}

static int scan_once(pid_t tgid, int *ret_added)
{
	pid_t *tids = NULL;
	int n = 0, i, added = 0, r;

	r = proc_tasks(tgid, &tids, &n);
	if (r < 0)
		return r;
	for (i = 0; i < n; i++) {
		if (eng_thread_find(tids[i]))
			continue;
		if (!eng_thread_seize(tids[i])) {
			if (errno == ESRCH || (errno == EPERM && dying(tids[i])))
				continue;
			r = -errno;
			if (tids[i] == tgid)
				break;
			pr_warn("pid %d: cannot attach to thread %d: %d", tgid, tids[i], r);
			r = 0;
			continue;
		}
		added++;
	}
	free(tids);
	*ret_added = added;
	return r < 0 ? r : 0;
}

int utrace_seize_process(pid_t pid, pid_t **ret_tids, int *ret_count)
{
	struct proc_status st;
	struct eng_thread *leader;
	pid_t *tids = NULL;
	int r, added, n, i;

	r = proc_status(pid, &st);
	if (r < 0)
		return r;
	if (st.tracer && st.tracer != getpid())
		return -EPERM;
	do {
		r = scan_once(st.tgid, &added);
		if (r < 0)
			return r;
	} while (added);
	leader = eng_thread_find(st.tgid);
	if (!leader)
		return -ESRCH;
	r = proc_tasks(st.tgid, &tids, &n);
	if (r < 0)
		return r;
	for (i = 0; i < n;) {
		if (eng_thread_find(tids[i]))
			i++;
		else
			tids[i] = tids[--n];
	}
	*ret_tids = tids;
	*ret_count = n;
	return 0;
}
