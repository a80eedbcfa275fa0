/* threads N [SPACING_MS]: create N threads, SPACING_MS apart (default 2); every thread waits
 * until all exist, calls getpid once, and returns.  Exit 0 when all joined. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_barrier_t all_created;

static void *worker(void *arg)
{
	pthread_barrier_wait(&all_created);
	syscall(SYS_getpid);
	return arg;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 8, i;
	long spacing = argc > 2 ? atol(argv[2]) : 2;
	struct timespec ts = {spacing / 1000, (spacing % 1000) * 1000000};
	pthread_t *t = calloc((size_t)n, sizeof(*t));

	pthread_barrier_init(&all_created, NULL, (unsigned)n + 1);
	for (i = 0; i < n; i++) {
		if (pthread_create(&t[i], NULL, worker, NULL))
			return 1;
		nanosleep(&ts, NULL);
	}
	pthread_barrier_wait(&all_created);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}
