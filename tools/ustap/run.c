/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * run: pass 5 for scripts that need no traced process, and the VM's host on the tracer side.
 *
 * A session is: begin probes in priority order (stable), then an event loop over poll() on one
 * timerfd per timer probe, a timerfd for -T and a signalfd for SIGINT, SIGTERM and SIGHUP
 * (blocked, so a signal never interrupts a handler), until a handler calls exit(), the time
 * limit passes or a signal comes; then the end probes and stap's printing of globals written
 * but never read.  A runtime error that no try block catches prints "ERROR: MSG near WHERE",
 * ends the session at once, runs the error probes instead of the end probes, and makes the
 * exit status 1 with stap's "Number of errors" warning.  abort() ends the session with no end
 * probes.  A timer that fell behind fires once, not once per missed period, as stap's timers.
 *
 * The host ops: output goes to stdout or -o FILE through stdio (flushed after each handler),
 * warnings and errors to stderr, clocks are clock_gettime, regexes are POSIX regexec on the
 * program's patterns (compiled when the session starts), and randomness is seeded from
 * getrandom (or from USTAP_RANDOM_SEED, so that tests of randint() are reproducible).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "lang/regexes.h"
#include "vm/vm.h"
#include "modbias.h"
#include "os/os.h"
#include "procs.h"
#include "run.h"
#include "target.h"
#include "ustack.h"

struct session {
	const struct vm_program *prog;
	const struct ustap_run_opts *opts;
	FILE *out;
	struct vm vm;
	struct vm_regexes *regexes;
	bool exit_requested;
	bool aborted;
	bool traced; /* a target process (-c, or -x with process probes) */
	unsigned errors;
	char execname[64];
	struct vm_hit_ctx ctx;
};

static void host_output(void *data, const char *buf, size_t len)
{
	struct session *s = data;

	fwrite(buf, 1, len, s->out);
}

static void host_warn(void *data, const char *msg)
{
	struct session *s = data;

	fflush(s->out);
	if (!s->opts->suppress_warnings)
		fprintf(stderr, "WARNING: %s\n", msg);
}

static int64_t host_clock(void *data, bool monotonic)
{
	struct timespec ts;

	(void)data;
	clock_gettime(monotonic ? CLOCK_MONOTONIC : CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void host_control(void *data, enum vm_control what)
{
	struct session *s = data;

	if (what == VM_CTL_ABORT)
		s->aborted = true;
	s->exit_requested = true;
}

static void host_error(void *data, const char *msg, const char *where)
{
	struct session *s = data;

	fflush(s->out);
	s->errors++;
	if (where && *where)
		fprintf(stderr, "ERROR: %s near %s\n", msg, where);
	else
		fprintf(stderr, "ERROR: %s\n", msg);
}

static int host_regex(void *data, uint32_t re, const char *str, struct vm_submatch *m, unsigned nm)
{
	struct session *s = data;

	return vm_regexes_match(s->regexes, re, str, m, nm);
}

static uint64_t host_random(void *data)
{
	const char *seed = getenv("USTAP_RANDOM_SEED");
	uint64_t v = 0;

	(void)data;
	/* For reproducible tests: a fixed seed makes randint() deterministic. */
	if (seed && *seed)
		return strtoull(seed, NULL, 0) * 0x9e3779b97f4a7c15ull + 1;
	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint64_t)host_clock(NULL, true) ^ (uint64_t)getpid() << 32;
	return v;
}

static long host_context_str(void *data, const struct vm_hit_ctx *ctx, enum vm_ctx_query q,
			     uint64_t addr, const char *name, char *buf, size_t len)
{
	pid_t pid = (pid_t)ctx->pid;

	(void)data;
	/* Stacks kept from hits are symbolized in end probes too, in the target's mappings. */
	if ((q == VM_CTX_USYMDATA || q == VM_CTX_USYMDATA_RA) && ctx->probe &&
	    ctx->probe->kind != VM_PROBE_PROCESS && ctx->target)
		return procs_usymdata((pid_t)ctx->target, addr, q == VM_CTX_USYMDATA_RA, buf, len);
	if (!ctx->probe || ctx->probe->kind != VM_PROBE_PROCESS)
		return -ENOENT;
	switch (q) {
	case VM_CTX_USYMNAME:
		return procs_usymname(pid, addr, buf, len);
	case VM_CTX_UMODNAME:
		return procs_umodname(pid, addr, buf, len);
	case VM_CTX_FILELINE:
		return procs_usymfileline(pid, addr, buf, len);
	case VM_CTX_PEXECNAME:
		snprintf(buf, len, "%s", procs_get((pid_t)ctx->ppid)->comm);
		return (long)strlen(buf);
	case VM_CTX_CMDLINE:
		return procs_cmdline(pid, -1, buf, len);
	case VM_CTX_CMDLINE_ARG:
		return procs_cmdline(pid, (long)addr, buf, len);
	case VM_CTX_ENV:
		return procs_env(pid, name, buf, len);
	case VM_CTX_USYMDATA:
	case VM_CTX_USYMDATA_RA:
		return procs_usymdata(pid, addr, q == VM_CTX_USYMDATA_RA, buf, len);
	}
	return -ENOENT;
}

static int host_backtrace(void *data, const struct vm_hit_ctx *ctx, uint64_t *pcs, int max)
{
	int n;

	(void)data;
	if (!ctx->regs || !ctx->probe || ctx->probe->kind != VM_PROBE_PROCESS)
		return -ENOENT;
	n = ustack_walk((pid_t)ctx->pid, (pid_t)ctx->tid, ctx->regs, pcs, max);
	if (n > 0)
		procs_note_addrs((pid_t)ctx->pid, pcs, n);
	return n;
}

static int host_module_bias(void *data, const struct vm_hit_ctx *ctx, const char *module,
			    uint64_t *ret_bias)
{
	(void)data;
	if (!ctx->probe || ctx->probe->kind != VM_PROBE_PROCESS)
		return -ENOENT;
	return modbias_get((pid_t)ctx->pid, module, ret_bias);
}

static const struct vm_host host = {
	.output = host_output,
	.warn = host_warn,
	.clock_ns = host_clock,
	.control = host_control,
	.error = host_error,
	.regex_match = host_regex,
	.random = host_random,
	.context_str = host_context_str,
	.backtrace = host_backtrace,
	.module_bias = host_module_bias,
};

static struct session *active;

static int read_tracee(void *data, uint64_t addr, void *buf, size_t len)
{
	long n = mem_read((pid_t)(intptr_t)data, addr, buf, len);

	return n == (long)len ? 0 : -EFAULT;
}

/*
 * A guru-mode write ($var = v): process_vm_writev, which keeps the page protections, so a
 * read-only address is a fault as in stap.  Only where that call is not allowed at all does
 * /proc/PID/mem do the write.
 */
static int write_tracee(void *data, uint64_t addr, const void *buf, size_t len)
{
	pid_t pid = (pid_t)(intptr_t)data;
	struct iovec local = {(void *)buf, len}, remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);

	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && errno != EFAULT && mem_write(pid, addr, buf, len) == (long)len)
		return 0;
	return -EFAULT;
}

bool ustap_fire(const struct vm_probe *p, const struct ustap_hit *hit)
{
	struct session *s = active;
	const struct proc_info *pi;
	struct vm_hit_ctx ctx = {0};
	int r;

	if (!s || s->exit_requested)
		return false;
	pi = procs_get(hit->pid);
	ctx.probe = p;
	ctx.pid = hit->pid;
	ctx.tid = hit->tid;
	ctx.ppid = pi->ppid;
	ctx.uid = pi->uid;
	ctx.euid = pi->euid;
	ctx.gid = pi->gid;
	ctx.cpu = sched_getcpu();
	ctx.target = s->ctx.target;
	ctx.execname = pi->comm;
	ctx.regs = hit->regs;
	ctx.is_return = hit->is_return;
	ctx.call_slot = hit->call_slot;
	ctx.read_mem = read_tracee;
	ctx.write_mem = write_tracee;
	ctx.mem_data = (void *)(intptr_t)hit->pid;
	r = vm_run(&s->vm, &s->prog->chunks[p->handler], &ctx);
	fflush(s->out);
	if (r != 0 || s->aborted)
		s->exit_requested = true;
	return !s->exit_requested;
}

/* Runs one probe's handler; false when the session must end now (error or abort). */
static bool fire(struct session *s, const struct vm_probe *p)
{
	int r;

	s->ctx.probe = p;
	s->ctx.cpu = sched_getcpu();
	s->ctx.interruptible = p->kind != VM_PROBE_TIMER;
	r = vm_run(&s->vm, &s->prog->chunks[p->handler], &s->ctx);
	fflush(s->out);
	return r == 0 && !s->aborted;
}

static int by_priority(const void *a, const void *b)
{
	const struct vm_probe *x = *(const struct vm_probe *const *)a;
	const struct vm_probe *y = *(const struct vm_probe *const *)b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Runs every probe of kind in priority order; false as fire(). */
static bool fire_all(struct session *s, enum vm_probe_kind kind)
{
	const struct vm_probe **v = calloc(s->prog->nprobes + 1, sizeof(*v));
	unsigned n = 0;
	bool ok = true;

	if (!v)
		return false;
	for (uint32_t i = 0; i < s->prog->nprobes; i++)
		if (s->prog->probes[i].kind == kind)
			v[n++] = &s->prog->probes[i];
	qsort(v, n, sizeof(*v), by_priority);
	for (unsigned i = 0; i < n && ok; i++)
		ok = fire(s, v[i]);
	free(v);
	return ok;
}

static uint64_t jitter(const struct vm_probe *p)
{
	uint64_t ns = p->interval_ns;

	if (p->randomize_ns) {
		uint64_t r = host_random(NULL) % (2 * p->randomize_ns + 1);

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
static bool loop(struct session *s, int sigfd)
{
	const struct vm_program *prog = s->prog;
	struct pollfd *fds = calloc(prog->nprobes + 2, sizeof(*fds));
	const struct vm_probe **owner = calloc(prog->nprobes + 2, sizeof(*owner));
	unsigned n = 0;
	bool ok = true, done = false;

	if (!fds || !owner) {
		free(fds);
		free(owner);
		return false;
	}
	fds[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
	if (s->opts->timeout > 0) {
		int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

		if (fd >= 0 && arm(fd, (uint64_t)s->opts->timeout * 1000000000ull, false) == 0)
			fds[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	unsigned first_timer = n;

	for (uint32_t i = 0; i < prog->nprobes; i++) {
		const struct vm_probe *p = &prog->probes[i];
		int fd;

		if (p->kind != VM_PROBE_TIMER)
			continue;
		fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		if (fd < 0 || arm(fd, jitter(p), !p->randomize_ns) < 0) {
			fprintf(stderr, "ustap: cannot start timer %s: %s\n", p->pp,
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
		if (s->traced && (!target_poll() || target_exited()))
			break;
		if (s->exit_requested)
			break;
		if (poll(fds, n, -1) < 0) {
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
				arm(fds[i].fd, jitter(owner[i]), false);
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
	FILE *f = fopen("/proc/self/comm", "r");

	snprintf(buf, size, "ustap");
	if (f) {
		if (fgets(buf, (int)size, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

static int set_globals(struct session *s)
{
	for (unsigned i = 0; i < s->opts->nglobals; i++) {
		char name[256];
		const char *arg = s->opts->globals[i], *eq = strchr(arg, '=');
		int r;

		snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
		r = vm_set_global(&s->vm, name, eq + 1);
		if (r == -ENOENT) {
			fprintf(stderr, "ustap: -G %s: no scalar global '%s' in the script\n", arg,
				name);
			return -1;
		}
		if (r < 0) {
			fprintf(stderr, "ustap: -G %s: '%s' is not a number\n", arg, eq + 1);
			return -1;
		}
	}
	return 0;
}

/* -c, or -x with process probes: the target is started or attached, stopped. */
static int start_target(struct session *s, const struct ustap_run_opts *o)
{
	pid_t pid = (pid_t)o->target;
	int r;

	if (!o->target_cmd && !target_needed(s->prog))
		return 0;
	if (!o->target_cmd && !o->target) {
		fprintf(stderr, "ERROR: process probes need a target process: use -c CMD or -x "
				"PID\n");
		return -EINVAL;
	}
	if (o->target_cmd && target_spawn(o->target_cmd, &pid) < 0)
		return -ENOENT;
	s->traced = true;
	s->ctx.target = pid;
	r = target_setup(s->prog, pid, o->target_cmd != NULL, o->verbose);
	if (r < 0) {
		target_finish();
		s->traced = false;
	}
	return r;
}

int ustap_run(const struct vm_program *prog, const struct ustap_run_opts *o)
{
	struct session *s = calloc(1, sizeof(*s));
	size_t size = vm_region_size(prog);
	void *region = MAP_FAILED;
	sigset_t mask, old;
	int sigfd = -1, status = 1;

	if (!s)
		return 1;
	s->prog = prog;
	s->opts = o;
	s->out = stdout;
	if (o->output) {
		s->out = fopen(o->output, "w");
		if (!s->out) {
			fprintf(stderr, "ustap: cannot open output file '%s': %s\n", o->output,
				strerror(errno));
			goto out;
		}
	}
	region = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED || vm_init(&s->vm, prog, region, size, &host, s) < 0) {
		fprintf(stderr, "ustap: cannot map %zu bytes for the script's data\n", size);
		goto out;
	}
	if (vm_regexes_compile(prog, &s->regexes) < 0) {
		fprintf(stderr, "ustap: cannot compile the script's regular expressions\n");
		goto out;
	}
	if (set_globals(s) < 0)
		goto out;
	if (start_target(s, o) < 0)
		goto out;
	read_execname(s->execname, sizeof(s->execname));
	s->ctx.pid = getpid();
	s->ctx.tid = gettid();
	s->ctx.ppid = getppid();
	s->ctx.uid = getuid();
	if (!s->traced)
		s->ctx.target = o->target;
	s->ctx.execname = s->execname;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (s->traced)
		sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		fprintf(stderr, "ustap: signalfd: %s\n", strerror(errno));
		goto out_mask;
	}
	active = s;
	if (fire_all(s, VM_PROBE_BEGIN) && !s->exit_requested) {
		if (s->traced && target_go() < 0) {
			fprintf(stderr, "ERROR: cannot start the target process\n");
			s->errors++;
		} else {
			loop(s, sigfd);
		}
	}
	if (s->traced)
		target_finish();
	active = NULL;
	if (s->errors)
		fire_all(s, VM_PROBE_ERROR);
	else if (!s->aborted && fire_all(s, VM_PROBE_END) && !s->aborted)
		vm_autoprint(&s->vm);
	/* After the end probes: they may symbolize the stacks of processes that are gone. */
	procs_free_all();
	modbias_free_all();
	fflush(s->out);
	status = s->errors ? 1 : 0;
	if (s->errors) {
		fprintf(stderr, "WARNING: Number of errors: %u, skipped probes: 0\n", s->errors);
		fprintf(stderr, "Pass 5: run failed.  [man error::pass5]\n");
	}
	close(sigfd);
out_mask:
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	if (s->out && s->out != stdout && fclose(s->out) != 0)
		status = 1;
	if (region != MAP_FAILED)
		munmap(region, size);
	vm_regexes_free(s->regexes);
	free(s);
	return status;
}
