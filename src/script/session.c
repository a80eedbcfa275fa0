/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * session: one run of a compiled program, in the order stap runs it.
 *
 * A run is: the target started or attached (target.c), the begin probes in priority order
 * (stable), the target let go, then an event loop over poll() on one timerfd per timer probe,
 * a timerfd for the time limit and a signalfd for SIGINT, SIGTERM and SIGHUP (and SIGCHLD while
 * a target is traced, whose reports are then run), until a handler calls exit(), the time limit
 * passes, a signal comes or the target exits; then the target's teardown, the end probes and
 * stap's printing of globals written but never read.  A runtime error that no try block
 * catches is reported ("msg near where"), ends the session at once and runs the error probes
 * instead of the end probes; the run returns the number of such errors.  abort() ends the
 * session with no end probes.  A timer that fell behind fires once, not once per missed period,
 * as stap's timers.  Hits run only while the session is live (from the begin probes to the
 * target's teardown); once it must end, they are ignored.
 *
 * The signals are blocked while the session runs (so one never interrupts a handler) and the
 * mask is put back at the end: that is the one piece of process-wide state a run touches
 * besides the engine and uprobes layers.  Everything else is in the session: no file-scope
 * state, so sessions are independent.  The per-process caches go after the end probes, which
 * may symbolize the stacks of processes that are gone.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "lang/regexes.h"
#include "script-priv.h"

#define DRAIN_MS 5 /* how often the agent's output is drained while nothing else happens */

void script_flush(struct script_session *s)
{
	if (s->opts.flush)
		s->opts.flush(s->opts.data);
}

void script_say(struct script_session *s, enum script_msg kind, const char *fmt, ...)
{
	char *text;
	va_list ap;
	int n;

	script_flush(s);
	if (!s->opts.message)
		return;
	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	s->opts.message(s->opts.data, kind, text);
	free(text);
}

static const char *exe_of(void *data, pid_t pid)
{
	return script_proc_info(data, pid)->exe;
}

bool script_matches(struct script_session *s, const struct vm_probe *p, pid_t pid)
{
	return script_probe_matches(p, pid, exe_of, s);
}

bool script_fire(struct script_session *s, const struct vm_probe *p, const struct script_hit *hit)
{
	struct vm_hit_ctx ctx;
	int r;

	if (!s->live || s->exit_requested)
		return false;
	script_hit_ctx(&ctx, p, hit, script_proc_info(s, hit->pid), s->ctx.target);
	ctx.cpu = sched_getcpu();
	ctx.read_mem = script_read_tracee;
	ctx.write_mem = s->opts.guru ? script_write_tracee : NULL;
	ctx.mem_data = (void *)(intptr_t)hit->pid;
	if (!script_inproc_lock(s))
		return true;
	r = vm_run(&s->vm, script_probe_chunk(s->prog, p), &ctx);
	script_inproc_unlock(s);
	script_flush(s);
	if (r != 0 || s->aborted)
		s->exit_requested = true;
	return !s->exit_requested;
}

/* Runs a begin, end, error or timer probe; false when the session must end now. */
static bool fire(struct script_session *s, const struct vm_probe *p)
{
	int r;

	s->ctx.probe = p;
	s->ctx.cpu = sched_getcpu();
	s->ctx.interruptible = p->kind != VM_PROBE_TIMER;
	if (!script_inproc_lock(s))
		return true;
	r = vm_run(&s->vm, script_probe_chunk(s->prog, p), &s->ctx);
	script_inproc_unlock(s);
	script_flush(s);
	return r == 0 && !s->aborted;
}

/* Runs every probe of kind in order; false as fire(). */
static bool fire_all(struct script_session *s, enum vm_probe_kind kind)
{
	const struct vm_probe **v = calloc(s->prog->nprobes + 1, sizeof(*v));
	unsigned n;
	bool ok = true;

	if (!v)
		return false;
	n = script_probes_in_order(s->prog, kind, v);
	for (unsigned i = 0; i < n && ok; i++)
		ok = fire(s, v[i]);
	free(v);
	return ok;
}

static uint64_t jitter(struct script_session *s, const struct vm_probe *p)
{
	uint64_t ns = p->interval_ns;

	if (p->randomize_ns) {
		uint64_t r = script_random(s) % (2 * p->randomize_ns + 1);

		ns = ns + r > p->randomize_ns ? ns + r - p->randomize_ns : 1;
	}
	return ns;
}

static int arm(int fd, uint64_t ns, bool repeat)
{
	struct itimerspec its = {0};

	its.it_value.tv_sec = (time_t)(ns / 1000000000);
	its.it_value.tv_nsec = (long)(ns % 1000000000);
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	if (repeat)
		its.it_interval = its.it_value;
	return timerfd_settime(fd, 0, &its, NULL);
}

/* Reads the pending signals; true when all of them were SIGCHLD (reports to run). */
static bool only_sigchld(int sigfd)
{
	struct signalfd_siginfo si;
	bool chld = true;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		chld &= si.ssi_signo == SIGCHLD;
	return chld;
}

/* The event loop between begin and end; false when the session must end now. */
static bool loop(struct script_session *s, int sigfd)
{
	const struct vm_program *prog = s->prog;
	struct pollfd *fds = calloc(prog->nprobes + 2, sizeof(*fds));
	const struct vm_probe **owner = calloc(prog->nprobes + 2, sizeof(*owner));
	unsigned n = 0, first_timer;
	bool ok = true, done = false;

	if (!fds || !owner) {
		free(fds);
		free(owner);
		return false;
	}
	fds[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
	if (s->opts.timeout_ns) {
		int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

		if (fd >= 0 && arm(fd, s->opts.timeout_ns, false) == 0)
			fds[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	first_timer = n;
	for (uint32_t i = 0; i < prog->nprobes; i++) {
		const struct vm_probe *p = &prog->probes[i];
		int fd;

		if (p->kind != VM_PROBE_TIMER)
			continue;
		fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		if (fd < 0 || arm(fd, jitter(s, p), !p->randomize_ns) < 0) {
			script_say(s, SCRIPT_MSG_FAILURE, "cannot start timer %s: %s", p->pp,
				   strerror(errno));
			ok = false;
			done = true;
			if (fd >= 0)
				close(fd);
			break;
		}
		owner[n] = p;
		fds[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	while (!done && !s->exit_requested) {
		if (s->target.traced && (!script_target_poll(s) || s->target.exited))
			break;
		script_inproc_drain(s);
		if (s->exit_requested)
			break;
		if (poll(fds, n, s->inproc.live ? DRAIN_MS : -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents && !only_sigchld(sigfd))
			break;
		if (first_timer > 1 && fds[1].revents)
			break;
		for (unsigned i = first_timer; i < n && !s->exit_requested; i++) {
			uint64_t expirations;

			if (!fds[i].revents)
				continue;
			if (read(fds[i].fd, &expirations, sizeof(expirations)) < 0)
				continue;
			if (owner[i]->randomize_ns)
				arm(fds[i].fd, jitter(s, owner[i]), false);
			if (!fire(s, owner[i])) {
				ok = false;
				done = true;
				break;
			}
		}
	}
	for (unsigned i = 1; i < n; i++)
		close(fds[i].fd);
	free(fds);
	free(owner);
	return ok;
}

static void read_execname(char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/comm", "re");

	snprintf(buf, size, "%s", program_invocation_short_name);
	if (f) {
		if (fgets(buf, (int)size, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

static size_t machine_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (size_t)pages * (size_t)size : SIZE_MAX;
}

int script_session_new(const struct vm_program *prog, const struct script_opts *opts,
		       struct script_session **ret_session)
{
	struct script_session *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->prog = prog;
	s->opts = *opts;
	if (vm_regexes_compile(prog, &s->regexes) < 0) {
		script_say(s, SCRIPT_MSG_FAILURE,
			   "cannot compile the script's regular expressions");
		free(s);
		return -EINVAL;
	}
	s->region_size = vm_region_size(prog);
	if (s->region_size > machine_memory()) {
		script_say(
			s, SCRIPT_MSG_FAILURE,
			"the script's data needs %zu MiB, which exceeds the memory of this machine "
			"(%zu MiB): a map size or MAXMAPENTRIES is too large",
			s->region_size >> 20, machine_memory() >> 20);
		vm_regexes_free(s->regexes);
		free(s);
		return -ENOMEM;
	}
	s->region = mmap(NULL, s->region_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s->region == MAP_FAILED ||
	    vm_init(&s->vm, prog, s->region, s->region_size, &script_tracer_host, s) < 0) {
		script_say(s, SCRIPT_MSG_FAILURE, "cannot map %zu bytes for the script's data",
			   s->region_size);
		script_session_free(s);
		return -ENOMEM;
	}
	*ret_session = s;
	return 0;
}

void script_session_free(struct script_session *s)
{
	if (!s)
		return;
	script_procs_free(s);
	script_files_free(s);
	vm_regexes_free(s->regexes);
	script_inproc_free(s);
	if (s->region && s->region != MAP_FAILED)
		munmap(s->region, s->region_size);
	free(s);
}

int script_session_set_global(struct script_session *s, const char *name, const char *value)
{
	return vm_set_global(&s->vm, name, value);
}

/* What the in-process tier could not do, said once the target is let go. */
static void report_inproc(struct script_session *s)
{
	uint64_t skipped, dropped;

	script_inproc_report(s, &skipped, &dropped);
	s->skipped = skipped;
	if (dropped)
		script_say(s, SCRIPT_MSG_WARNING,
			   "%" PRIu64 " records of in-process output dropped: the ring was full",
			   dropped);
}

uint64_t script_session_skipped(const struct script_session *s)
{
	return s->skipped;
}

/* The tracer's own context, for begin, end, error and timer probes. */
static void own_ctx(struct script_session *s)
{
	read_execname(s->execname, sizeof(s->execname));
	s->ctx.pid = getpid();
	s->ctx.tid = gettid();
	s->ctx.ppid = getppid();
	s->ctx.uid = getuid();
	if (!s->target.traced)
		s->ctx.target = s->opts.target_pid;
	s->ctx.execname = s->execname;
}

int script_session_run(struct script_session *s)
{
	sigset_t mask, old;
	int sigfd, r;

	if (s->ran)
		return -EALREADY;
	s->ran = true;
	r = script_target_start(s);
	if (r < 0)
		return r;
	own_ctx(s);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (s->target.traced)
		sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		r = -errno;
		script_say(s, SCRIPT_MSG_FAILURE, "signalfd: %s", strerror(-r));
		if (s->target.traced)
			script_target_finish(s);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return r;
	}
	s->live = true;
	if (fire_all(s, VM_PROBE_BEGIN) && !s->exit_requested) {
		if (s->target.traced && script_target_go(s) < 0) {
			script_say(s, SCRIPT_MSG_ERROR, "cannot start the target process");
			s->errors++;
		} else {
			loop(s, sigfd);
		}
	}
	if (s->target.traced)
		script_target_finish(s);
	s->live = false;
	report_inproc(s);
	if (s->errors)
		fire_all(s, VM_PROBE_ERROR);
	else if (!s->aborted && fire_all(s, VM_PROBE_END) && !s->aborted)
		vm_autoprint(&s->vm);
	script_procs_free(s);
	script_files_free(s);
	script_flush(s);
	close(sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return (int)s->errors;
}
