/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Eight threads, started together behind a barrier, each call getpid() exactly 100 times; the
 * main thread calls it exactly 5 times (before creating them) and joins them all.
 */
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NTHREADS   8
#define PER_THREAD 100
#define IN_MAIN	   5

static pthread_barrier_t barrier;

static void *worker(void *arg)
{
	int i;

	pthread_barrier_wait(&barrier);
	for (i = 0; i < PER_THREAD; i++)
		syscall(SYS_getpid);
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	int i;

	for (i = 0; i < IN_MAIN; i++)
		syscall(SYS_getpid);
	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, worker, NULL))
			return 2;
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	return 0;
}
