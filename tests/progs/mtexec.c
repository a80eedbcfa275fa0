/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * execve from a thread that is not the leader: the main thread blocks in pause() while a second
 * thread runs `argv[1]` (default /bin/true).  The exec'd program takes over the leader's pid
 * and its exit status is ours.
 */
#include <pthread.h>
#include <unistd.h>

static char *prog;

static void *execer(void *arg)
{
	char *args[] = {prog, NULL};

	execv(prog, args);
	_exit(127);
}

int main(int argc, char **argv)
{
	pthread_t t;

	prog = argc > 1 ? argv[1] : "/bin/true";
	if (pthread_create(&t, NULL, execer, NULL))
		return 2;
	for (;;)
		pause();
}
