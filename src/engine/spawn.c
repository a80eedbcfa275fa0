/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Starting a command under trace.
 *
 * The child is forked and seized before it runs a byte of the new program: it blocks reading a
 * pipe, the tracer seizes and interrupts it, and utrace_spawn() returns with the child in a
 * ptrace-stop and held there.  Engines attach and choose their events and syscall sets; the
 * first resume writes the union of those sets into the pipe.  The child then turns the set
 * into a seccomp filter with libseccomp (SECCOMP_RET_TRACE for exactly those syscalls, ALLOW for
 * everything else, other architectures allowed) and calls execve.  Syscalls outside the set
 * never stop, which is what makes filtered tracing cheap.  Without a syscall set (every
 * syscall wanted) no filter is installed and PTRACE_SYSCALL is used.
 *
 * Until its execve succeeds the child runs our code; its syscalls are not reported (pre_exec),
 * except execve itself, as strace shows it.  The pipe is a socket pair, so the child can answer
 * on it: if execve fails, the child sends its errno back and exits 1, printing nothing;
 * utrace_exec_error() gives it to the tool, which words the message (strace's "exec: ..." or
 * stap's "cannot run").  A successful execve closes the child's end (close-on-exec).
 *
 * A set-user-ID or set-group-ID program started by a tracer without privileges runs with the
 * tracer's credentials: the kernel ignores the set-ID bits of an exec under ptrace.  Its
 * behaviour may differ from an untraced run, so that is logged once, as a warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine-priv.h"
#include "util/log.h"
#include "util/path.h"

struct spawn_spec {
	uint32_t use_filter;
	uint64_t filter[UTRACE_NR_SYSCALLS / 64];
};

int utrace_find_program(const char *name, char *buf, size_t len)
{
	return path_find_program(name, buf, len);
}

static void warn_lost_setid(const char *path)
{
	struct stat st;
	bool uid, gid;

	if (geteuid() == 0 || stat(path, &st) < 0)
		return;
	uid = (st.st_mode & S_ISUID) && st.st_uid != geteuid();
	gid = (st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && st.st_gid != getegid();
	if (uid || gid)
		pr_warn("%s is set-%s-ID: traced, it runs with your credentials, not its owner's "
			"(the kernel ignores set-ID bits under ptrace)",
			path, uid ? "user" : "group");
}

static void child_install_filter(const struct spawn_spec *spec)
{
	scmp_filter_ctx ctx;
	int nr, r;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		goto fail;
	if (geteuid() == 0)
		(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	for (nr = 0; nr < UTRACE_NR_SYSCALLS; nr++)
		if (spec->filter[nr / 64] & (1ULL << (nr % 64)))
			(void)seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 0);
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r == 0)
		return;
fail:
	fprintf(stderr, "utrace: cannot install the seccomp filter\n");
	_exit(127);
}

static void __attribute__((noreturn)) child_main(int fd, const char *path, char *const argv[])
{
	struct spawn_spec spec;
	size_t got = 0;
	int err;

	while (got < sizeof(spec)) {
		ssize_t n = read(fd, (char *)&spec + got, sizeof(spec) - got);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			_exit(127);
		}
		got += (size_t)n;
	}
	if (spec.use_filter)
		child_install_filter(&spec);
	execv(path, argv);
	err = errno;
	(void)!write(fd, &err, sizeof(err));
	_exit(1);
}

int utrace_spawn(char *const argv[], pid_t *ret_pid)
{
	char path[PATH_MAX];
	struct eng_proc *proc;
	struct eng_thread *th;
	int fds[2], r, status;
	pid_t pid;

	if (!argv || !argv[0])
		return -EINVAL;
	r = utrace_find_program(argv[0], path, sizeof(path));
	if (r < 0)
		return r;
	warn_lost_setid(path);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto fail_pipe;
	}
	if (pid == 0) {
		close(fds[1]);
		child_main(fds[0], path, argv);
	}
	close(fds[0]);
	r = pt_seize(pid, eng_options(true));
	if (r == 0)
		r = pt_interrupt(pid);
	if (r == 0 && waitpid(pid, &status, __WALL) != pid)
		r = -errno;
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, __WALL);
		close(fds[1]);
		return r;
	}
	proc = eng_proc_get(pid);
	th = proc ? eng_thread_new(pid, proc) : NULL;
	if (!th) {
		eng_proc_put(proc);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, __WALL);
		close(fds[1]);
		return -ENOMEM;
	}
	proc->spawned = true;
	th->stop = ENG_STOP_INTERRUPT;
	th->spawn_hold = true;
	th->spawn_fd = fds[1];
	th->pre_exec = true;
	*ret_pid = pid;
	return 0;

fail_pipe:
	close(fds[0]);
	close(fds[1]);
	return r;
}

int eng_spawn_release(struct eng_thread *th)
{
	struct spawn_spec spec;
	bool any = false, all = false;
	int i, w;

	memset(&spec, 0, sizeof(spec));
	for (i = 0; i < th->nengines; i++) {
		const struct eng_engine *e = th->engines[i];

		if (e->detached || !(e->pub.flags & UTRACE_EVENT_SYSCALL))
			continue;
		any = true;
		if (!e->syscalls)
			all = true;
		else
			for (w = 0; w < UTRACE_NR_SYSCALLS / 64; w++)
				spec.filter[w] |= e->syscalls[w];
	}
	if (eng_thread_events(th) & UTRACE_EVENT(EXIT)) {
		spec.filter[SYS_exit / 64] |= 1ULL << (SYS_exit % 64);
		spec.filter[SYS_exit_group / 64] |= 1ULL << (SYS_exit_group % 64);
	}
	spec.use_filter = !all && !th->proc->unfiltered &&
			  (any || (eng_thread_events(th) & UTRACE_EVENT(EXIT)));
	/* Seeing every rt_sigaction lets signal reports skip reading /proc (report.c). */
	spec.filter[SYS_rt_sigaction / 64] |= 1ULL << (SYS_rt_sigaction % 64);
	th->proc->filtered = spec.use_filter;
	memcpy(th->proc->filter, spec.filter, sizeof(spec.filter));
	if (write(th->spawn_fd, &spec, sizeof(spec)) != (ssize_t)sizeof(spec))
		pr_warn("pid %d: cannot hand the filter to the child", th->tid);
	if (th->pre_exec && th->proc->exec_fd < 0)
		th->proc->exec_fd = th->spawn_fd;
	else
		close(th->spawn_fd);
	th->spawn_fd = -1;
	return 0;
}
