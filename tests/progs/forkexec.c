/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Process events: fork + exec of argv[1] (default /bin/true), vfork + exec of the same, waits
 * for both, then raises SIGUSR2 (handled) and exits 3.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr2(int sig)
{
	got = 1;
}

int main(int argc, char **argv)
{
	char *prog = argc > 1 ? argv[1] : "/bin/true";
	char *args[] = {prog, NULL};
	struct sigaction sa;
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		execv(prog, args);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
		return 10;
	pid = vfork();
	if (pid == 0) {
		execv(prog, args);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
		return 11;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	return got ? 3 : 12;
}
