/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Signals for the signal tests.  Mode "handler": SIGUSR1 with a handler, sent once with kill()
 * (si_code SI_USER) and once with tgkill() (SI_TKILL); exits 0 after both were handled.  Mode
 * "term": kill(getpid(), SIGTERM) with the default action.  Mode "abort": abort().
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	handled++;
}

int main(int argc, char **argv)
{
	struct sigaction sa;

	if (argc != 2)
		return 2;
	if (!strcmp(argv[1], "handler")) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr1;
		sigaction(SIGUSR1, &sa, NULL);
		syscall(SYS_kill, getpid(), SIGUSR1);
		syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
		return handled == 2 ? 0 : 4;
	}
	if (!strcmp(argv[1], "term")) {
		syscall(SYS_kill, getpid(), SIGTERM);
		return 5;
	}
	if (!strcmp(argv[1], "abort"))
		abort();
	return 2;
}
