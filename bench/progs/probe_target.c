/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* probe_target N MODE: the target of bench/probe_cost.sh.  Calls one noinline function N times
 * and prints "ns_per_call X" for the call loop alone (clock_gettime around it), so that start-up
 * and attach costs are excluded.  Each function does sink += x and returns x + 1; they are
 * written in assembly so that the first instruction, which a probe displaces, is fixed:
 *   work        mov sink(%rip),%rax      rip-relative load (kernel uprobes single-step it)
 *   work_fp     push %rbp                (emulated)
 *   work_endbr  endbr64                  (emulated)
 *   work_nop5   nopl 0x0(%rax,%rax,1)    the canonical 5-byte nop 0f 1f 44 00 00
 * MODE is the function's name.  With PROBE_TARGET_WAIT in the environment it waits for a
 * SIGUSR1 before the loop and for another after it (bench/inproc_cost.c patches the function
 * and reads its counter then). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile long sink;

__asm__(".text\n"
	".globl work\n.type work,@function\n.p2align 4\nwork:\n"
	"	mov sink(%rip), %rax\n	add %rdi, %rax\n	mov %rax, sink(%rip)\n"
	"	lea 1(%rdi), %rax\n	ret\n"
	".size work, .-work\n"
	".globl work_fp\n.type work_fp,@function\n.p2align 4\nwork_fp:\n"
	"	push %rbp\n	mov %rsp, %rbp\n	mov sink(%rip), %rax\n	add %rdi, %rax\n"
	"	mov %rax, sink(%rip)\n	lea 1(%rdi), %rax\n	pop %rbp\n	ret\n"
	".size work_fp, .-work_fp\n"
	".globl work_endbr\n.type work_endbr,@function\n.p2align 4\nwork_endbr:\n"
	"	endbr64\n	mov sink(%rip), %rax\n	add %rdi, %rax\n"
	"	mov %rax, sink(%rip)\n	lea 1(%rdi), %rax\n	ret\n"
	".size work_endbr, .-work_endbr\n"
	".globl work_nop5\n.type work_nop5,@function\n.p2align 4\nwork_nop5:\n"
	"	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n	mov sink(%rip), %rax\n	add %rdi, %rax\n"
	"	mov %rax, sink(%rip)\n	lea 1(%rdi), %rax\n	ret\n"
	".size work_nop5, .-work_nop5\n");

long work(long x);
long work_fp(long x);
long work_endbr(long x);
long work_nop5(long x);

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	go++;
}

static void wait_go(int n)
{
	while (go < n)
		usleep(1000);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000, i, acc = 0;
	const char *mode = argc > 2 ? argv[2] : "work";
	long (*fn)(long);
	struct timespec a, b;
	double ns;

	if (!strcmp(mode, "work"))
		fn = work;
	else if (!strcmp(mode, "work_fp"))
		fn = work_fp;
	else if (!strcmp(mode, "work_endbr"))
		fn = work_endbr;
	else if (!strcmp(mode, "work_nop5"))
		fn = work_nop5;
	else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	if (getenv("PROBE_TARGET_WAIT")) {
		signal(SIGUSR1, on_usr1);
		wait_go(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		acc += fn(i);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("ns_per_call %.2f\n", n > 0 ? ns / (double)n : 0.0);
	fflush(stdout);
	if (getenv("PROBE_TARGET_WAIT"))
		wait_go(2);
	return acc == n * (n + 1) / 2 ? 0 : 1;
}
