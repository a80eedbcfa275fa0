/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tracee of tests/engine/test_inproc.c: functions with fixed bytes (top-level asm, so the
 * build flags cannot change what is patched) called a known number of times, in phases that
 * each start with a SIGUSR1 from the test, so that it can patch and read counters between.
 *
 *   inproc count N      phase 1: hit(i) N times; phase 2: hit(i) N more times; then exits
 *   inproc threads N    phase 1: 8 threads each call hit(i) N times
 *   inproc signal N     phase 1: hit(i) N times, each followed by a SIGUSR2 whose handler
 *                       calls hit() once more (a hit in a handler, not nested in the agent)
 *
 * Then each waits for one more SIGUSR1 (after the test's detach) and exits.
 * Each checks the sums of what hit() returned and exits 42 only if they are right (0 if a
 * phase is cut short), also calling refused() and endbr() so that those sites run.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS 8
#define EXIT_OK	 42

uint64_t hit(uint64_t x);
uint64_t refused(uint64_t n);
uint64_t endbr(uint64_t x);

/* hit(x) = 3x + 1, behind a frame-pointer prologue. */
__asm__(".text\n"
	".globl hit\n"
	".type hit,@function\n"
	"hit:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	lea 1(%rdi,%rdi,2), %rax\n"
	"	pop %rbp\n"
	"	ret\n"
	".size hit, .-hit\n"
	/* refused(n) = n: its loop's head is two bytes in, inside any jump patch at entry. */
	".globl refused\n"
	".type refused,@function\n"
	"refused:\n"
	"	xor %eax, %eax\n"
	"1:	add $1, %eax\n"
	"	sub $1, %rdi\n"
	"	jnz 1b\n"
	"	ret\n"
	".size refused, .-refused\n"
	/* endbr(x) = x + 5, with endbr64 first. */
	".globl endbr\n"
	".type endbr,@function\n"
	"endbr:\n"
	"	endbr64\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	lea 5(%rdi), %rax\n"
	"	pop %rbp\n"
	"	ret\n"
	".size endbr, .-endbr\n");

static volatile sig_atomic_t phase;
static volatile uint64_t handler_sum;
static uint64_t n;

static void on_usr1(int sig)
{
	phase++;
}

static void on_usr2(int sig)
{
	handler_sum += hit(7);
}

static void wait_phase(int p)
{
	while (phase < p)
		usleep(1000);
}

static uint64_t calls(uint64_t count)
{
	uint64_t i, sum = 0;

	for (i = 0; i < count; i++)
		sum += hit(i);
	return sum;
}

static uint64_t want(uint64_t count)
{
	return 3 * (count * (count - 1) / 2) + count;
}

static void *thread_main(void *arg)
{
	*(uint64_t *)arg = calls(n);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	bool ok = true;

	if (argc < 3)
		return 2;
	n = strtoull(argv[2], NULL, 0);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	wait_phase(1);
	ok = refused(3) == 3 && endbr(1) == 6;
	if (!strcmp(argv[1], "count")) {
		ok = ok && calls(n) == want(n);
		wait_phase(2);
		ok = ok && calls(n) == want(n);
	} else if (!strcmp(argv[1], "threads")) {
		pthread_t t[NTHREADS];
		uint64_t sums[NTHREADS];
		int i;

		for (i = 0; i < NTHREADS; i++)
			pthread_create(&t[i], NULL, thread_main, &sums[i]);
		for (i = 0; i < NTHREADS; i++) {
			pthread_join(t[i], NULL);
			ok = ok && sums[i] == want(n);
		}
	} else if (!strcmp(argv[1], "signal")) {
		uint64_t i, sum = 0;

		for (i = 0; i < n; i++) {
			sum += hit(i);
			raise(SIGUSR2);
		}
		ok = ok && sum == want(n) && handler_sum == n * 22;
	} else {
		return 2;
	}
	wait_phase(!strcmp(argv[1], "count") ? 3 : 2);
	printf("# inproc %s %s: %s\n", argv[1], argv[2], ok ? "ok" : "wrong sums");
	return ok ? EXIT_OK : 0;
}
