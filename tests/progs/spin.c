/* spin [THREADS]: run until killed, each thread sleeping 5 ms at a time.  Prints "ready\n" on
 * stdout once all threads exist. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void *sleeper(void *arg)
{
	struct timespec ts = {0, 5 * 1000 * 1000};

	for (;;)
		nanosleep(&ts, NULL);
	return arg;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0, i;
	pthread_t t;

	for (i = 0; i < n; i++)
		pthread_create(&t, NULL, sleeper, NULL);
	printf("ready\n");
	fflush(stdout);
	sleeper(NULL);
	return 0;
}
