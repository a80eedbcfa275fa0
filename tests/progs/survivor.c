/* survivor MODE [ARGS]: a tracee that must outlive a SIGKILLed tracer (tests/stress/survive.c,
 * tests/engine/test_survive.c).  It prints "ready PID" and waits for SIGUSR2 before it starts,
 * so that the tracer can set up first.
 *   work THREADS ITERS  THREADS workers call the sv_* functions ITERS times each (every
 *            8th iteration a recursion of sv_rec and a sleeping sv_slow, for return probes
 *            pending in the thread), and one more thread does sv_slow in a loop until the
 *            workers are done; prints "sum S" and exits 0 when S is right, else 1
 *   trap N   a SIGTRAP handler of its own, then N times: sv_push, an int3, raise(SIGTRAP);
 *            exits 0 when the handler saw the N int3s and the N raises, else 1
 *   dfl      an int3 with SIGTRAP at its default action: dies of SIGTRAP
 * The sv_* functions in assembly have a fixed first instruction, one per way uprobes goes on:
 *   sv_nop    xchg %ax,%ax              (a 2-byte nop: emulated)
 *   sv_jmp    jmp .+2                   (emulated)
 *   sv_step   jmp *table(%rip)          (stepped, rip-relative through a scratch register)
 *   sv_icall  call *table(%rip)         (stepped, the pushed return address fixed up)
 *   sv_riprel mov counter(%rip),%rax    (boosted, rip-relative)
 * and sv_push, sv_slow, sv_rec are C, built with -fcf-protection=branch: endbr64, emulated.
 * No probe is on a 1-byte instruction: a thread stopped at one when the tracer dies goes on
 * past it (see src/uprobe/safety.c). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

__asm__(".text\n"
	".globl sv_nop\n.type sv_nop,@function\nsv_nop:\n"
	"	xchg %ax, %ax\n	lea 1(%rdi), %rax\n	ret\n.size sv_nop, .-sv_nop\n"
	".globl sv_jmp\n.type sv_jmp,@function\nsv_jmp:\n"
	"	.byte 0xeb, 0x00\n	lea 2(%rdi), %rax\n	ret\n.size sv_jmp, .-sv_jmp\n"
	".globl sv_step\n.type sv_step,@function\nsv_step:\n"
	"	jmp *sv_step_table(%rip)\n"
	"sv_step_body:\n	lea 3(%rdi), %rax\n	ret\n.size sv_step, .-sv_step\n"
	".globl sv_icall\n.type sv_icall,@function\nsv_icall:\n"
	"	call *sv_icall_table(%rip)\n	ret\n"
	"sv_icall_body:\n	lea 4(%rdi), %rax\n	ret\n.size sv_icall, .-sv_icall\n"
	".globl sv_riprel\n.type sv_riprel,@function\nsv_riprel:\n"
	"	mov sv_counter(%rip), %rax\n	lea 5(%rdi,%rax), %rax\n	ret\n"
	".size sv_riprel, .-sv_riprel\n"
	".section .data.rel.ro,\"aw\"\n.align 8\n"
	"sv_step_table:\n	.quad sv_step_body\n"
	"sv_icall_table:\n	.quad sv_icall_body\n"
	".data\n.align 8\nsv_counter:\n	.quad 0\n"
	".text\n");

long sv_nop(long x);
long sv_jmp(long x);
long sv_step(long x);
long sv_icall(long x);
long sv_riprel(long x);
long sv_push(long x);
long sv_slow(long x);
long sv_rec(long d);

__attribute__((noinline)) long sv_push(long x)
{
	return x + 6;
}

__attribute__((noinline)) long sv_slow(long x)
{
	struct timespec ts = {0, 200000};

	nanosleep(&ts, NULL);
	return x + 7;
}

__attribute__((noinline)) long sv_rec(long d)
{
	return d ? sv_rec(d - 1) + 1 : 0;
}

static long iters;
static volatile int done;

/* Each function's results apart, so that a wrong sum says whose result was wrong. */
static void *worker(void *arg)
{
	long (*const fn[])(long) = {sv_nop, sv_jmp, sv_step, sv_icall, sv_riprel, sv_push};
	long i, k, sum = 0, part[8] = {0};

	for (i = 0; i < iters; i++) {
		for (k = 0; k < 6; k++)
			part[k] += fn[k](i) - i - k - 1;
		if (i % 8 == 0) {
			part[6] += sv_rec(3) - 3;
			part[7] += sv_slow(i) - i - 7;
		}
	}
	for (k = 0; k < 8; k++)
		if (part[k])
			fprintf(stderr, "survivor: function %ld is off by %ld\n", k, part[k]);
	for (i = 0; i < iters; i++)
		sum += 6 * i + 21 + (i % 8 == 0 ? i + 10 : 0);
	for (k = 0; k < 8; k++)
		sum += part[k];
	return (void *)sum;
}

static void *sleeper(void *arg)
{
	long n = 0;

	while (!done)
		n += sv_slow(0) == 7;
	return (void *)n;
}

static long expected(void)
{
	long i, sum = 0;

	for (i = 0; i < iters; i++) {
		sum += 6 * i + 21;
		if (i % 8 == 0)
			sum += 3 + i + 7;
	}
	return sum;
}

static volatile sig_atomic_t traps, raises;

static void on_trap(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code == SI_KERNEL)
		traps++;
	else if (si->si_code == SI_TKILL)
		raises++;
}

/* A crash says where, for the test's log: the thread's rip, and the faulting address. */
static void on_crash(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	const unsigned long *sp = (const unsigned long *)uc->uc_mcontext.gregs[REG_RSP];

	fprintf(stderr,
		"survivor: signal %d at rip %#llx, address %p, rsp %p: %#lx %#lx; worker at %p\n",
		sig, (unsigned long long)uc->uc_mcontext.gregs[REG_RIP], si->si_addr, (void *)sp,
		sp[-1], sp[0], (void *)worker);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void wait_go(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (sigwait(&set, &sig) != 0)
		;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "work";
	sigset_t set;
	long i;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	{
		struct sigaction crash = {.sa_sigaction = on_crash, .sa_flags = SA_SIGINFO};

		sigaction(SIGSEGV, &crash, NULL);
		sigaction(SIGILL, &crash, NULL);
		sigaction(SIGBUS, &crash, NULL);
	}
	if (!strcmp(mode, "trap")) {
		struct sigaction sa = {.sa_sigaction = on_trap, .sa_flags = SA_SIGINFO};
		long n = argc > 2 ? atol(argv[2]) : 10;

		sigaction(SIGTRAP, &sa, NULL);
		wait_go();
		for (i = 0; i < n; i++) {
			sv_push(i);
			__asm__ volatile("int3");
			raise(SIGTRAP);
		}
		printf("traps %d raises %d\n", (int)traps, (int)raises);
		return traps == n && raises == n ? 0 : 1;
	}
	if (!strcmp(mode, "dfl")) {
		wait_go();
		__asm__ volatile("int3");
		return 0;
	}
	{
		int n = argc > 2 ? atoi(argv[2]) : 4;
		pthread_t t[64], s;
		long sum = 0;
		void *r;

		iters = argc > 3 ? atol(argv[3]) : 1000;
		if (n < 1 || n > 64)
			return 2;
		wait_go();
		if (pthread_create(&s, NULL, sleeper, NULL))
			return 1;
		for (i = 0; i < n; i++)
			if (pthread_create(&t[i], NULL, worker, NULL))
				return 1;
		for (i = 0; i < n; i++) {
			pthread_join(t[i], &r);
			sum += (long)r;
		}
		done = 1;
		pthread_join(s, NULL);
		printf("sum %ld\n", sum);
		return sum == n * expected() ? 0 : 1;
	}
}
