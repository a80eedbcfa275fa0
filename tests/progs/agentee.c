/* agentee THREADS MS [USR1]: a program for the agent to be loaded into.  It and THREADS more
 * threads each run a checksum loop with a 200 us nanosleep every 64 steps for MS milliseconds,
 * with handlers for SIGSEGV and SIGTRAP installed (and for SIGUSR1, which must arrive USR1
 * times, default 0, sent by tgkill from the parent).  Exit 42 when all is as it should be,
 * else the first thing that was not: 1 a checksum is wrong, 2 a handler is no longer
 * installed, 3 SIGSEGV or SIGTRAP reached a handler, 4 nanosleep failed (other than by an EINTR
 * for each SIGUSR1 handled, as POSIX has it: a restart lost), 5 the SIGUSR1s were not the
 * expected ones, 6 a thread could not start. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 16

struct loop {
	pthread_t thread;
	uint64_t seed, acc, steps;
	int eintrs, sleep_errors;
};

static long run_ms;
static struct timespec start;
static volatile sig_atomic_t faults, usr1s, usr1_bad;

static void on_fault(int sig)
{
	faults++;
}

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	usr1s++;
	if (si->si_code != SI_TKILL || si->si_pid != getppid())
		usr1_bad++;
}

static long elapsed_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
}

static uint64_t step(uint64_t acc, uint64_t i)
{
	return acc * 6364136223846793005ull + i;
}

static void *run(void *arg)
{
	struct loop *l = arg;
	struct timespec ts = {0, 200 * 1000};
	uint64_t acc = l->seed, i = 0;

	while (elapsed_ms() < run_ms) {
		acc = step(acc, i++);
		if (i % 64 == 0 && nanosleep(&ts, NULL) < 0) {
			if (errno == EINTR)
				l->eintrs++;
			else
				l->sleep_errors++;
		}
	}
	l->acc = acc;
	l->steps = i;
	return NULL;
}

static int installed(int sig, void *handler)
{
	struct sigaction sa;

	sigaction(sig, NULL, &sa);
	return (void *)sa.sa_handler == handler;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0, want_usr1 = argc > 3 ? atoi(argv[3]) : 0, i;
	struct sigaction usr1 = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO | SA_RESTART};
	struct loop loops[MAX_THREADS + 1];
	int eintrs = 0, sleep_errors = 0, sums_ok = 1;

	run_ms = argc > 2 ? atol(argv[2]) : 1000;
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	signal(SIGSEGV, on_fault);
	signal(SIGTRAP, on_fault);
	sigaction(SIGUSR1, &usr1, NULL);
	clock_gettime(CLOCK_MONOTONIC, &start);
	memset(loops, 0, sizeof(loops));
	for (i = 0; i <= n; i++)
		loops[i].seed = 0x1000 + (uint64_t)i;
	for (i = 1; i <= n; i++)
		if (pthread_create(&loops[i].thread, NULL, run, &loops[i]))
			return 6;
	run(&loops[0]);
	for (i = 1; i <= n; i++)
		pthread_join(loops[i].thread, NULL);
	for (i = 0; i <= n; i++) {
		uint64_t acc = loops[i].seed, k;

		for (k = 0; k < loops[i].steps; k++)
			acc = step(acc, k);
		sums_ok &= acc == loops[i].acc;
		eintrs += loops[i].eintrs;
		sleep_errors += loops[i].sleep_errors;
	}
	if (!sums_ok)
		return 1;
	if (!installed(SIGSEGV, on_fault) || !installed(SIGTRAP, on_fault))
		return 2;
	if (faults)
		return 3;
	if (sleep_errors || eintrs > usr1s)
		return 4;
	if (usr1s != want_usr1 || usr1_bad)
		return 5;
	return 42;
}
