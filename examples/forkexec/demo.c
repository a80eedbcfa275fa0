/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The forkexec demo: a small program with a little of everything utrace shows.  It checksums
 * buffers of growing sizes (a function whose latency spreads over a histogram), forks, the
 * child runs `/bin/echo hello`, the parent sends itself SIGUSR1 (caught by a handler), waits
 * for the child and exits 0.
 *
 *     utrace -f -c ./demo_forkexec      # summary of the syscalls of both processes
 *     utrace -f ./demo_forkexec         # every call, signal and exit
 *     ustap examples/stap/ulatency.stp ./demo_forkexec checksum -c ./demo_forkexec
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1;
static unsigned char buffer[1 << 20];

/* Cost grows with n: the latency histogram of this function spans several buckets. */
__attribute__((noinline)) unsigned long checksum(const unsigned char *buf, size_t n);
__attribute__((noinline)) unsigned long checksum(const unsigned char *buf, size_t n)
{
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum = sum * 31 + buf[i];
	return sum;
}

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

int main(void)
{
	char *argv[] = {"/bin/echo", "hello", NULL};
	struct sigaction sa;
	unsigned long sum = 0;
	size_t n;
	int status;
	pid_t pid;

	for (n = 1; n <= sizeof(buffer); n *= 2)
		sum += checksum(buffer, n);
	if (sum != 0)
		return 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	if (sigaction(SIGUSR1, &sa, NULL) < 0) {
		perror("sigaction");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		execv(argv[0], argv);
		perror("execv /bin/echo");
		_exit(127);
	}
	kill(getpid(), SIGUSR1);
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return 1;
	}
	if (!got_usr1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "demo: unexpected child status %#x or missing SIGUSR1\n", status);
		return 1;
	}
	return 0;
}
