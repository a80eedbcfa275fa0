/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the engine tests: where the tracee programs are, starting them traced or
 * not, and driving utrace_wait() with deadlines so that a broken engine fails a test instead of
 * hanging it (an alarm backs the deadlines up).  A set-up step that fails bails out of the
 * test program with its reason ("Bail out!" in TAP, exit 2) rather than let the cases after it
 * test nothing; waits are for conditions (an exec seen through a close-on-exec pipe, a
 * "ready" line), never for a time that a loaded machine can overrun.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "sym/sym.h"

static const char *progs_dir = ".";
static int tap_fd = 1;

const char *prog(const char *name)
{
	static char buf[8][4096];
	static int next;
	char *b = buf[next++ % 8];

	snprintf(b, sizeof(buf[0]), "%s/%s", progs_dir, name);
	return b;
}

static void on_alarm(int sig)
{
	static const char msg[] = "Bail out! test timed out\n";

	(void)sig;
	(void)!write(tap_fd, msg, sizeof(msg) - 1);
	_exit(2);
}

static void log_to_stderr(enum utrace_log_level level, const char *msg)
{
	fprintf(stderr, "utrace: %s\n", msg);
}

void harness_init(int argc, char **argv)
{
	/* UTRACE_DEBUG=1 in the environment: the library's debug log on stderr. */
	if (getenv("UTRACE_DEBUG"))
		utrace_set_print(log_to_stderr, atoi(getenv("UTRACE_DEBUG")) > 1 ? UTRACE_LOG_DEBUG
										 : UTRACE_LOG_INFO);
	int fd = dup(1), null_fd = open("/dev/null", O_WRONLY);

	/* TAP goes to the original stdout; tracees inherit /dev/null as theirs. */
	if (fd >= 0 && null_fd >= 0) {
		dup2(null_fd, 1);
		close(null_fd);
		stdout = fdopen(fd, "w");
		tap_fd = fd;
	}
	if (argc > 1)
		progs_dir = argv[1];
	signal(SIGALRM, on_alarm);
	alarm(100);
}

pid_t spawn(const char *name, const char *arg1, const char *arg2)
{
	char *argv[4] = {(char *)prog(name), (char *)arg1, arg1 ? (char *)arg2 : NULL, NULL};
	pid_t pid = -1;
	int r = utrace_spawn(argv, &pid);

	if (r < 0)
		tap_bail("utrace_spawn(%s): %s", argv[0], strerror(-r));
	return pid;
}

bool setup_ok_at(int r, const char *what, const char *file, int line)
{
	if (r >= 0)
		return true;
	tap_ok(0, "set-up: %s", what);
	printf("#   %s (%s:%d)\n", strerror(-r), file, line);
	return false;
}

struct utrace_engine *attach_or_bail(pid_t pid, const struct utrace_engine_ops *ops, void *data)
{
	struct utrace_engine *e = utrace_attach(pid, UTRACE_ATTACH_CREATE, ops, data);

	if (!e)
		tap_bail("utrace_attach(%d): %s", pid, strerror(errno));
	return e;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

int run_to_exit(pid_t pid, int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	int status;

	if (pid < 0)
		return -1;
	while (now_ms() < end) {
		if (utrace_child_status(pid, &status) == 0)
			return status;
		if (utrace_wait(false) == -ECHILD && utrace_child_status(pid, &status) < 0) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				return status;
		}
		usleep(200);
	}
	printf("# pid %d still running after %d ms: killed\n", pid, timeout_ms);
	kill(pid, SIGKILL);
	for (end = now_ms() + 5000; now_ms() < end; usleep(200))
		if (utrace_child_status(pid, &status) == 0 ||
		    (utrace_wait(false) == -ECHILD && waitpid(pid, &status, WNOHANG) == pid))
			break;
	return -1;
}

int kill_and_reap(pid_t pid)
{
	long end = now_ms() + 10000;
	int status;

	kill(pid, SIGKILL);
	while (now_ms() < end) {
		if (utrace_child_status(pid, &status) == 0 || waitpid(pid, &status, WNOHANG) == pid)
			return status;
		utrace_wait(false);
		usleep(200);
	}
	tap_bail("pid %d still there 10 s after SIGKILL", pid);
}

void run_for(int ms)
{
	long end = now_ms() + ms;

	while (now_ms() < end) {
		utrace_wait(false);
		usleep(200);
	}
}

bool run_until(bool (*cond)(void *arg), void *arg, int ms)
{
	long end = now_ms() + ms;

	while (now_ms() < end) {
		if (cond(arg))
			return true;
		utrace_wait(false);
		usleep(100);
	}
	return cond(arg);
}

struct pid_state {
	pid_t pid;
	char state;
};

static bool in_state(void *arg)
{
	struct pid_state *ps = arg;

	return proc_state(ps->pid) == ps->state;
}

bool run_until_state(pid_t pid, char state, int ms)
{
	struct pid_state ps = {pid, state};

	return run_until(in_state, &ps, ms);
}

static bool is_untraced(void *arg)
{
	return untraced(*(pid_t *)arg);
}

bool run_until_untraced(pid_t pid, int ms)
{
	return run_until(is_untraced, &pid, ms);
}

static int status_field(pid_t pid, const char *field, char *out, size_t len)
{
	char path[64], line[256];
	size_t n = strlen(field);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, n) && line[n] == ':') {
			snprintf(out, len, "%s", line + n + 2);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

char proc_state(pid_t pid)
{
	char v[64];

	return status_field(pid, "State", v, sizeof(v)) ? '?' : v[0];
}

int proc_tracer(pid_t pid)
{
	char v[64];

	return status_field(pid, "TracerPid", v, sizeof(v)) ? -1 : atoi(v);
}

/* Read from @fd within 20 s: what read() returns, or -1. */
static ssize_t read_within(int fd, void *buf, size_t len)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, 20000) == 1 ? read(fd, buf, len) : -1;
}

int proc_threads(pid_t pid)
{
	char v[64];

	return status_field(pid, "Threads", v, sizeof(v)) ? -1 : atoi(v);
}

bool untraced(pid_t pid)
{
	char path[64];
	struct dirent *de;
	bool ok = true;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return false;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		ok &= proc_tracer(atoi(de->d_name)) == 0;
		n++;
	}
	closedir(d);
	return ok && n > 0;
}

pid_t start_untraced(const char *name, const char *arg1, bool wait_ready)
{
	int out[2], exec_fds[2], err = 0;
	char buf[16];
	pid_t pid;

	if (pipe(out) < 0 || pipe2(exec_fds, O_CLOEXEC) < 0)
		tap_bail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		close(exec_fds[0]);
		execl(prog(name), name, arg1, (char *)NULL);
		err = errno;
		(void)!write(exec_fds[1], &err, sizeof(err));
		_exit(127);
	}
	close(out[1]);
	close(exec_fds[1]);
	/* End of file: the write end was closed by the exec. */
	if (read_within(exec_fds[0], &err, sizeof(err)) != 0)
		tap_bail("%s did not start: %s", prog(name), err ? strerror(err) : "timed out");
	close(exec_fds[0]);
	if (wait_ready && read_within(out[0], buf, sizeof(buf)) <= 0)
		tap_bail("%s did not print its ready line", prog(name));
	close(out[0]);
	return pid;
}

uint64_t func_offset(const char *path, const char *func)
{
	const struct sym_symbol *sym;
	struct sym_file *f;
	uint64_t off = 0;
	int err;

	f = sym_file_open(path, &err);
	if (!f)
		tap_bail("%s: %s", path, strerror(-err));
	err = sym_lookup(f, func, &sym);
	if (err == 0)
		err = sym_vaddr_to_offset(f, sym->addr, SYM_NEED_EXEC, &off);
	sym_file_free(f);
	if (err < 0)
		tap_bail("%s: no function %s: %s", path, func, strerror(-err));
	return off;
}
