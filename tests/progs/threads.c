/* threads [N [SPACING_MS [CALLS [MAIN_CALLS]]]]: call getpid MAIN_CALLS times (default 0),
 * then create N threads (default 8) with a nanosleep of SPACING_MS after each (default 2; 0
 * still makes the call); every thread waits until all exist, calls getpid CALLS times
 * (default 1) and returns.  Exit 0 when all joined, 1 if a thread could not be created.
 * `threads 8 0 100 5` makes the e2e tests' 805 getpid calls (8 x 100, and 5 in main). */
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_barrier_t all_created;
static long calls = 1;

static void *worker(void *arg)
{
	long i;

	pthread_barrier_wait(&all_created);
	for (i = 0; i < calls; i++)
		syscall(SYS_getpid);
	return arg;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 8, i;
	long spacing = argc > 2 ? atol(argv[2]) : 2;
	long main_calls = argc > 4 ? atol(argv[4]) : 0;
	struct timespec ts = {spacing / 1000, (spacing % 1000) * 1000000};
	pthread_t *t = calloc((size_t)n, sizeof(*t));

	if (argc > 3)
		calls = atol(argv[3]);
	for (i = 0; i < main_calls; i++)
		syscall(SYS_getpid);
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
