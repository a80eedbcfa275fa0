/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A long-running target for the attach tests: `looper FILE [NTHREADS]`.  The main thread loops
 * forever: nanosleep(10 ms), then pwrite() of its iteration count at offset 0 of FILE, so a test
 * can see that it keeps making progress.  NTHREADS extra threads loop on nanosleep(10 ms) and
 * getppid().  Runs until killed.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void *spinner(void *arg)
{
	struct timespec ts = {0, 10 * 1000 * 1000};

	for (;;) {
		nanosleep(&ts, NULL);
		syscall(SYS_getppid);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	unsigned long count = 0;
	char buf[32];
	pthread_t t;
	int fd, i, n, nthreads;

	if (argc < 2)
		return 2;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 2;
	nthreads = argc > 2 ? atoi(argv[2]) : 0;
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&t, NULL, spinner, NULL))
			return 3;
	for (;;) {
		nanosleep(&ts, NULL);
		n = snprintf(buf, sizeof(buf), "%020lu\n", ++count);
		if (pwrite(fd, buf, (size_t)n, 0) != n)
			return 4;
	}
}
