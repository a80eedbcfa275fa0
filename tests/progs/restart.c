/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A blocking read interrupted by a signal and restarted: read() on an empty pipe, SIGALRM from
 * a 50 ms one-shot timer whose SA_RESTART handler writes one byte into the pipe, so the
 * restarted read returns it.  Exits 0 if the byte arrived.
 */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

static int fds[2];

static void on_alarm(int sig)
{
	syscall(SYS_write, fds[1], "x", 1);
}

int main(void)
{
	struct itimerval it = {{0, 0}, {0, 50000}};
	struct sigaction sa;
	char c = 0;

	if (pipe(fds) < 0)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	if (syscall(SYS_read, fds[0], &c, 1) != 1)
		return 3;
	return c == 'x' ? 0 : 4;
}
