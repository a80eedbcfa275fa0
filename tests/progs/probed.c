/* probed MODE N: functions whose first instructions cover the uprobes tiers, called N times.
 *   calls    each f_* N times; prints the checksum; exit 0 if it is right
 *   threads  8 threads each calling f_push N times
 *   storm    8 threads calling f_push(0), f_endbr(0), f_push(1)... until a SIGUSR1; exit 0
 *            if every thread's sum is right
 *   fork     f_push N times in the parent and N times in a fork child; exit with the child's
 *            exit code (0 when its checksum was right)
 *   recurse  fact(N) and a longjmp out of deep(N); exit 0 if both are right
 *   tail     f_tail (a tail call into f_push) N times
 *   selftrap f_push then an int3 of the program's own, N times, with a SIGTRAP handler
 *   forkret  fork inside f_forker; the child returns 77 from it and exits 0
 *   forkxol  f_riprel once, then a fork child prints how many anonymous rwx mappings it has
 *            (an XOL area it inherited); exit 0
 *   fault    f_load and f_jmpmem on a page that faults once; a SIGSEGV handler fixes it
 *   flood    f_step and f_riprel in a loop while a child sends N SIGUSR1 (handler counts)
 *   spin     call f_push forever, sleeping 1 ms between calls (attach/detach tests)
 * The f_* functions are written in assembly so that their first instruction is fixed:
 *   f_riprel  mov counter(%rip),%rax     (rip-relative load: boosted)
 *   f_nop5    nopl 0x0(%rax,%rax,1)      (emulated)
 *   f_endbr   endbr64                    (emulated)
 *   f_push    push %rbp                  (emulated)
 *   f_step    jmp *table(%rip)           (indirect jump: stepped)
 *   f_store   mov %rdi,stored(%rip)      (rip-relative store: boosted)
 *   f_load    mov (%rdi),%rax            (boosted; faults in mode fault)
 *   f_jmpmem  jmp *(%rdi)                (stepped; faults in mode fault)
 *   f_tail    jmp f_push                 (emulated; a tail call)
 *   f_syscall syscall                    (refused; never called) */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

long counter;
long stored;

__asm__(".text\n"
	".globl f_riprel\n.type f_riprel,@function\nf_riprel:\n"
	"	mov counter(%rip), %rax\n	add %rdi, %rax\n	mov %rax, "
	"counter(%rip)\n	ret\n"
	".size f_riprel, .-f_riprel\n"
	".globl f_nop5\n.type f_nop5,@function\nf_nop5:\n"
	"	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n	lea 1(%rdi), %rax\n	ret\n"
	".size f_nop5, .-f_nop5\n"
	".globl f_endbr\n.type f_endbr,@function\nf_endbr:\n"
	"	endbr64\n	lea 2(%rdi), %rax\n	ret\n"
	".size f_endbr, .-f_endbr\n"
	".globl f_push\n.type f_push,@function\nf_push:\n"
	"	push %rbp\n	mov %rsp, %rbp\n	lea 3(%rdi), %rax\n	pop %rbp\n	"
	"ret\n"
	".size f_push, .-f_push\n"
	".globl f_step\n.type f_step,@function\nf_step:\n"
	"	jmp *f_step_table(%rip)\n"
	"f_step_body:\n	lea 4(%rdi), %rax\n	ret\n"
	".size f_step, .-f_step\n"
	".globl f_load\n.type f_load,@function\nf_load:\n"
	"	mov (%rdi), %rax\n	ret\n"
	".size f_load, .-f_load\n"
	".globl f_jmpmem\n.type f_jmpmem,@function\nf_jmpmem:\n"
	"	jmp *(%rdi)\n"
	".size f_jmpmem, .-f_jmpmem\n"
	".globl f_tail\n.type f_tail,@function\nf_tail:\n"
	"	jmp f_push\n"
	".size f_tail, .-f_tail\n"
	".globl f_syscall\n.type f_syscall,@function\nf_syscall:\n"
	"	syscall\n	ret\n"
	".size f_syscall, .-f_syscall\n"
	".globl f_store\n.type f_store,@function\nf_store:\n"
	"	mov %rdi, stored(%rip)\n	lea 5(%rdi), %rax\n	ret\n"
	".size f_store, .-f_store\n"
	".section .data.rel.ro,\"aw\"\n.align 8\nf_step_table:\n	.quad f_step_body\n"
	".text\n");

long f_riprel(long x);
long f_nop5(long x);
long f_endbr(long x);
long f_push(long x);
long f_step(long x);
long f_store(long x);
long f_load(long *p);
long f_jmpmem(void *p);
long fact(long n);
long f_forker(long x);
long f_tail(long x);
long deep(long n);

__attribute__((noinline)) long fact(long n)
{
	return n <= 1 ? 1 : n * fact(n - 1);
}

/* Forks inside a function with a return probe: both processes return through its frame. */
__attribute__((noinline)) long f_forker(long x)
{
	pid_t pid = fork();

	return pid == 0 ? x : pid;
}

static jmp_buf escape;

#pragma GCC diagnostic ignored "-Winfinite-recursion"

__attribute__((noinline)) long deep(long n)
{
	if (n <= 0)
		longjmp(escape, 1);
	return deep(n - 1) + 1;
}

static long calls(long n)
{
	long i, sum = 0;

	for (i = 0; i < n; i++)
		sum += f_riprel(1) * 0 + f_nop5(i) + f_endbr(i) + f_push(i) + f_step(i) +
		       f_store(i);
	return sum;
}

static long expected(long n)
{
	return 5 * (n * (n - 1) / 2) + n * (1 + 2 + 3 + 4 + 5);
}

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static char *fault_page;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if ((char *)si->si_addr < fault_page || (char *)si->si_addr >= fault_page + 4096)
		_exit(3);
	mprotect(fault_page, 4096, PROT_READ | PROT_WRITE);
	*(void **)fault_page = (void *)f_riprel; /* f_jmpmem lands there */
	((long *)fault_page)[1] = 42;
}

/* A probed load and a probed indirect jump that fault once; the handler fixes the page. */
static int fault_mode(void)
{
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};
	long r1, r2;

	sigaction(SIGSEGV, &sa, NULL);
	fault_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r1 = f_load((long *)fault_page + 1);
	mprotect(fault_page, 4096, PROT_NONE);
	r2 = f_jmpmem(fault_page); /* jumps to f_riprel(rdi = fault_page): counter += it */
	printf("%ld %ld\n", r1, r2);
	return r1 == 42 && r2 == (long)fault_page ? 0 : 1;
}

static void *thread_main(void *arg)
{
	long i, n = (long)arg, sum = 0;

	for (i = 0; i < n; i++)
		sum += f_push(i);
	return (void *)(sum == n * (n - 1) / 2 + 3 * n ? 0L : 1L);
}

static volatile sig_atomic_t stop_storm;

static void on_storm_stop(int sig)
{
	(void)sig;
	stop_storm = 1;
}

static void *storm_main(void *arg)
{
	long i, sum = 0;

	for (i = 0; !stop_storm; i++)
		sum += f_push(i) + f_endbr(i);
	return (void *)(sum == i * (i - 1) + 5 * i ? 0L : 1L);
}

/* Mappings "rwxp 00000000 00:00 0": what an XOL area looks like in /proc/self/maps. */
static int anon_rwx_mappings(void)
{
	char line[512], perms[8];
	unsigned long off, inode;
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*x-%*x %7s %lx %*x:%*x %lu", perms, &off, &inode) == 3 &&
		    !strcmp(perms, "rwxp") && inode == 0)
			n++;
	if (f)
		fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "calls";
	long n = argc > 2 ? atol(argv[2]) : 10, i;

	if (!strcmp(mode, "calls")) {
		long sum = calls(n);

		printf("%ld %ld\n", sum, counter);
		return sum == expected(n) && counter == n && stored == n - 1 ? 0 : 1;
	}
	if (!strcmp(mode, "threads")) {
		pthread_t t[8];
		void *ret;
		int bad = 0;

		for (i = 0; i < 8; i++)
			pthread_create(&t[i], NULL, thread_main, (void *)n);
		for (i = 0; i < 8; i++) {
			pthread_join(t[i], &ret);
			bad |= ret != NULL;
		}
		return bad;
	}
	if (!strcmp(mode, "storm")) {
		struct sigaction sa = {.sa_handler = on_storm_stop};
		pthread_t t[8];
		void *ret;
		int bad = 0;

		sigaction(SIGUSR1, &sa, NULL);
		for (i = 0; i < 8; i++)
			pthread_create(&t[i], NULL, storm_main, NULL);
		for (i = 0; i < 8; i++) {
			pthread_join(t[i], &ret);
			bad |= ret != NULL;
		}
		return bad;
	}
	if (!strcmp(mode, "fault"))
		return fault_mode();
	if (!strcmp(mode, "tail")) {
		long sum = 0;

		for (i = 0; i < n; i++)
			sum += f_tail(i);
		return sum == n * (n - 1) / 2 + 3 * n ? 0 : 1;
	}
	if (!strcmp(mode, "selftrap")) {
		struct sigaction sa = {.sa_handler = on_usr1};

		sigaction(SIGTRAP, &sa, NULL);
		for (i = 0; i < n; i++) {
			f_push(i);
			__asm__ volatile("int3");
		}
		return handled == n ? 0 : 1;
	}
	if (!strcmp(mode, "forkret")) {
		long r = f_forker(77);
		int status;

		if (r == 77)
			_exit(0);
		if (r < 0 || waitpid((pid_t)r, &status, 0) != r)
			return 1;
		return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
	}
	if (!strcmp(mode, "flood")) {
		struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
		pid_t parent = getpid(), pid;
		long sum = 0, calls_made = 0;
		int status;

		sigaction(SIGUSR1, &sa, NULL);
		pid = fork();
		if (pid == 0) {
			for (i = 0; i < n; i++) {
				kill(parent, SIGUSR1);
				usleep(100);
			}
			_exit(0);
		}
		while (waitpid(pid, &status, WNOHANG) == 0) {
			sum += f_step(calls_made) + f_riprel(0) * 0;
			calls_made++;
		}
		printf("%ld calls, %d signals\n", calls_made, (int)handled);
		return sum == calls_made * (calls_made - 1) / 2 + 4 * calls_made && handled > 0 ? 0
												: 1;
	}
	if (!strcmp(mode, "forkxol")) {
		int status;
		pid_t pid;

		f_riprel(0);
		pid = fork();
		if (pid == 0) {
			printf("child: %d anonymous rwx mappings\n", anon_rwx_mappings());
			fflush(stdout);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
	}
	if (!strcmp(mode, "fork")) {
		int status;
		pid_t pid;

		thread_main((void *)n);
		pid = fork();
		if (pid == 0)
			_exit(thread_main((void *)n) ? 1 : 0);
		waitpid(pid, &status, 0);
		return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
	}
	if (!strcmp(mode, "recurse")) {
		long f = fact(n);

		if (setjmp(escape) == 0)
			deep(n);
		printf("%ld\n", f);
		return f == (n == 5 ? 120 : f) ? 0 : 1;
	}
	for (;;) {
		f_push(1);
		usleep(1000);
	}
}
