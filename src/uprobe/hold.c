/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Holding every thread of a watched process, for changes that running threads must not see
 * half made: a jump patch is 5 bytes or more, and a store of them is not atomic for a thread
 * that runs them, nor safe for one that is between two of the instructions they replace.
 *
 * An engine of our own (hold_ops) asks UTRACE_STOP of each thread; the stop is sticky, so the
 * uprobes engine's RESUME does not let them go.  Threads the process creates meanwhile are
 * held too: the list is walked again until it holds still.  up_hold_outside then checks where
 * they are: a thread whose rip is where the caller says it must not be (inside a range being
 * patched, inside a trampoline being unmapped) is let run a moment and held again, until it is
 * out or the tries are spent (-EBUSY).  Releasing detaches our engines; the threads go on
 * under whatever other engines want.
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "uprobe/uprobe-priv.h"
#include "util/log.h"

#define QUIESCE_MS     5000
#define STEP_OUT_TRIES 200

static uint32_t hold_quiesce(uint32_t action, struct utrace_engine *engine, unsigned long event)
{
	return UTRACE_STOP;
}

static const struct utrace_engine_ops hold_ops = {.report_quiesce = hold_quiesce};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool held_all(struct up_hold *h)
{
	struct utrace_examiner exam;
	int i;

	for (i = 0; i < h->n; i++) {
		int r = h->e[i] ? utrace_prepare_examine(h->tid[i], h->e[i], &exam) : 0;

		if (r < 0 && r != -ESRCH)
			return false;
	}
	return true;
}

static bool holding(const struct up_hold *h, pid_t tid)
{
	int i;

	for (i = 0; i < h->n; i++)
		if (h->tid[i] == tid)
			return true;
	return false;
}

int up_hold_all(struct uproc *p, struct up_hold *h)
{
	long end = now_ms() + QUIESCE_MS;
	const struct utask *t;
	bool added;

	do {
		added = false;
		for (t = p->tasks; t && h->n < UP_HOLD_MAX; t = t->next) {
			struct utrace_engine *e;

			if (holding(h, t->tid))
				continue;
			e = utrace_attach(t->tid, UTRACE_ATTACH_CREATE, &hold_ops, NULL);
			h->tid[h->n] = t->tid;
			h->e[h->n++] = e;
			added = true;
			if (!e)
				continue;
			utrace_set_events(t->tid, e, UTRACE_EVENT(QUIESCE));
			utrace_control(t->tid, e, UTRACE_STOP);
		}
		while (!added && !held_all(h) && now_ms() < end) {
			utrace_wait(false);
			usleep(100);
		}
	} while ((added || !held_all(h)) && now_ms() < end);
	return held_all(h) ? 0 : -ETIMEDOUT;
}

void up_hold_release(struct up_hold *h)
{
	int i;

	for (i = 0; i < h->n; i++) {
		if (!h->e[i])
			continue;
		utrace_control(h->tid[i], h->e[i], UTRACE_DETACH);
		utrace_engine_put(h->e[i]);
	}
	h->n = 0;
}

pid_t up_hold_thread(const struct up_hold *h)
{
	int i;

	for (i = 0; i < h->n; i++)
		if (h->e[i])
			return h->tid[i];
	return 0;
}

int up_hold_outside(struct uproc *p, struct up_hold *h, up_hold_inside_fn inside, const void *arg)
{
	int tries, i, r;

	for (tries = 0; tries < STEP_OUT_TRIES; tries++) {
		bool in = false;

		r = up_hold_all(p, h);
		if (r < 0)
			return r;
		for (i = 0; i < h->n && !in; i++) {
			struct user_regs_struct regs;

			in = h->e[i] && utrace_get_regs(h->tid[i], &regs) == 0 &&
			     inside(arg, regs.rip);
		}
		if (!in)
			return 0;
		up_hold_release(h);
		usleep(1000);
		utrace_wait(false);
	}
	pr_warn("pid %d: a thread stays where it must not be for a change of ours", p->pid);
	return -EBUSY;
}
