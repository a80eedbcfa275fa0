/* exec_thread: a second thread execs this program again with "done", which exits 5.  The
 * kernel gives the exec'ing thread the leader's pid. */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static char *self;

static void *execer(void *arg)
{
	execl(self, self, "done", (char *)NULL);
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc > 1 && !strcmp(argv[1], "done"))
		return 5;
	self = argv[0];
	pthread_create(&t, NULL, execer, NULL);
	for (;;)
		pause();
}
