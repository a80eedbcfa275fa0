/* marked: a program with everything uprobes writes into: f_work (probed, with a return probe)
 * and lib_func of libprobed.so called by two threads, the SDT marker app:tick behind its
 * semaphore, and signal dispositions of its own (a SIGUSR1 handler, SIGUSR2 ignored).  Prints
 * "ready UNTOUCHED SEMAPHORE" (two addresses) once both threads run, then goes on every
 * millisecond until killed; exits 1 as soon as a call returns a wrong value. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../lib/sdt_note.h"

__attribute__((section(".probes"), used)) volatile unsigned short app_tick_semaphore;
volatile long untouched[4] = {1, 2, 3, 4}; /* read by nobody: tests write here */

long lib_func(long x);
long f_work(long x);

#define MARK1(name, a1)                                                                \
	__asm__ volatile("990: nop\n" SDT_NOTE("app", #name, "990b", "_.stapsdt.base", \
					       "app_tick_semaphore", "-8@%0")::"nor"(a1))

__attribute__((noinline)) long f_work(long x)
{
	return lib_func(x) * 2;
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void *loop(void *arg)
{
	for (long i = 0;; i++) {
		if (f_work(i) != (i + 7) * 2)
			exit(1);
		if (app_tick_semaphore)
			MARK1(tick, i);
		usleep(1000);
	}
	return arg;
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	pthread_t t;

	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGUSR2, SIG_IGN);
	pthread_create(&t, NULL, loop, NULL);
	printf("ready %p %p\n", (void *)untouched, (void *)&app_tick_semaphore);
	fflush(stdout);
	loop(NULL);
	return 0;
}
