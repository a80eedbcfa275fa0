/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tracer SIGKILLed at a random moment, repeated (issue 8, section 4): survivor runs its
 * threads through trap-tier probes of every kind, with return probes pending in its threads,
 * and survive_tracer, which put them there after uprobe_survive(), is killed 10 to 600 ms into
 * the run.  Every round, the program must finish with its right result and exit status 0, for
 * a process the tracer attached to and for a command it started (which we reap as the
 * subreaper once its parent is gone).  A round in which the program was not running any more
 * when the tracer died tests nothing, and fails.
 *
 *   survive PROGS_DIR TRACER ROUNDS
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/tap.h"

#define THREADS "4"
#define ITERS	"3000"

static char survivor[4096];
static const char *tracer;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Fork and exec @argv with stdout into a new pipe, whose read end is *ret_out. */
static pid_t run(char *const argv[], FILE **ret_out)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds) < 0)
		tap_bail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	*ret_out = fdopen(fds[0], "r");
	return pid;
}

/* The pids of the lines "ready PID" and (if @traced) "traced PID" of @out, read up to both. */
static void read_pids(FILE *out, pid_t *ready, pid_t *traced)
{
	char line[256];

	*ready = -1;
	if (traced)
		*traced = -1;
	while ((*ready < 0 || (traced && *traced < 0)) && fgets(line, sizeof(line), out)) {
		if (!strncmp(line, "ready ", 6))
			*ready = atoi(line + 6);
		else if (traced && !strncmp(line, "traced ", 7))
			*traced = atoi(line + 7);
	}
}

/* Wait for @pid (our child, or an orphan we reap as subreaper) for up to 60 s: its status. */
static int reap(pid_t pid)
{
	long end = now_ms() + 60000;
	int status;

	while (now_ms() < end) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != ECHILD)
			break;
		usleep(1000);
	}
	kill(pid, SIGKILL);
	return -1;
}

/* Whether @pid runs (or sleeps): not gone, not a zombie. */
static bool alive(pid_t pid)
{
	char path[64], buf[512], *state;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	state = strrchr(buf, ')');
	return state && state[1] == ' ' && state[2] != 'Z' && state[2] != 'X';
}

static void round_one(int round, bool spawned)
{
	char *prog_argv[] = {survivor, "work", THREADS, ITERS, NULL};
	char pidbuf[16];
	char *attach_argv[] = {(char *)tracer, "attach", pidbuf, survivor, NULL};
	char *spawn_argv[] = {(char *)tracer, "spawn", survivor, "work", THREADS, ITERS, NULL};
	const char *how = spawned ? "spawned" : "attached";
	FILE *prog_out = NULL, *tr_out = NULL;
	pid_t pid = -1, tr, ready, traced;
	int delay = 10 + rand() % 590, status, tstatus;
	char line[256], sum[256] = "";
	bool running;

	if (!spawned) {
		pid = run(prog_argv, &prog_out);
		read_pids(prog_out, &ready, NULL);
		if (ready != pid)
			tap_bail("survivor did not start");
		snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	}
	tr = run(spawned ? spawn_argv : attach_argv, &tr_out);
	if (spawned) {
		read_pids(tr_out, &pid, &traced);
	} else {
		for (traced = -1; traced < 0 && fgets(line, sizeof(line), tr_out);)
			if (!strncmp(line, "traced ", 7))
				traced = atoi(line + 7);
	}
	if (traced != pid || pid <= 0) {
		tap_ok(0, "round %d %s: the tracer set up", round, how);
		kill(tr, SIGKILL);
		waitpid(tr, NULL, 0);
		if (pid > 0)
			kill(pid, SIGKILL), reap(pid);
		return;
	}
	kill(pid, SIGUSR2);
	usleep((useconds_t)delay * 1000);
	running = alive(pid);
	kill(tr, SIGKILL);
	waitpid(tr, &tstatus, 0);
	status = reap(pid);
	while (fgets(line, sizeof(line), spawned ? tr_out : prog_out))
		if (!strncmp(line, "sum ", 4))
			snprintf(sum, sizeof(sum), "%s", line);
	sum[strcspn(sum, "\n")] = '\0';
	tap_ok(running, "round %d %s: the tracer was killed %d ms into the run", round, how, delay);
	tap_exited(status, 0, "round %d %s: the program outlived it, right result (%s)", round, how,
		   sum[0] ? sum : "no sum");
	if (prog_out)
		fclose(prog_out);
	fclose(tr_out);
}

int main(int argc, char **argv)
{
	int rounds = argc > 3 ? atoi(argv[3]) : 20, i;

	if (argc < 3)
		tap_bail("usage: survive PROGS_DIR TRACER [ROUNDS]");
	snprintf(survivor, sizeof(survivor), "%s/survivor", argv[1]);
	tracer = argv[2];
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	signal(SIGPIPE, SIG_IGN);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		tap_bail("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	for (i = 0; i < rounds; i++) {
		round_one(i, false);
		round_one(i, true);
	}
	return tap_done();
}
