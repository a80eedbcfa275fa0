/* uprobe_mix MODE N: a tracee for the uprobes e2e tests (uprobes_e2e.py).
 *   mix      N times: mix_func(i) then getpid(); exit 0 if the sum of the results is right
 *   hidden   prints hidden_func(N) (a static function, only in .symtab); exit 0
 *   siginfo  a child sends N SIGUSR1 with kill() while the parent calls mix_step in a loop;
 *            the SA_SIGINFO handler checks every siginfo (si_code SI_USER, si_pid the child);
 *            prints "signals S bad B" and exits 0 if B is 0 and S > 0
 * mix_step starts with jmp *table(%rip), an instruction uprobes single-step out of line. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

__asm__(".text\n"
	".globl mix_step\n.type mix_step,@function\nmix_step:\n"
	"	jmp *mix_step_table(%rip)\n"
	"mix_step_body:\n	lea 4(%rdi), %rax\n	ret\n"
	".size mix_step, .-mix_step\n"
	".section .data.rel.ro,\"aw\"\n.align 8\nmix_step_table:\n	.quad mix_step_body\n"
	".text\n");

long mix_step(long x);
long mix_func(long x);

__attribute__((noinline)) long mix_func(long x)
{
	return x * 2 + 1;
}

__attribute__((noinline)) static long hidden_func(long x)
{
	return x * 3;
}

static volatile sig_atomic_t signals, bad;
static volatile pid_t sender;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	signals++;
	if (si->si_code != SI_USER || si->si_pid != sender)
		bad++;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "mix";
	long n = argc > 2 ? atol(argv[2]) : 10, i, sum = 0;

	if (!strcmp(mode, "mix")) {
		for (i = 0; i < n; i++) {
			sum += mix_func(i);
			sum += getpid() > 0;
		}
		return sum == n * n + n ? 0 : 1;
	}
	if (!strcmp(mode, "hidden")) {
		printf("%ld\n", hidden_func(n));
		return 0;
	}
	if (!strcmp(mode, "siginfo")) {
		struct sigaction sa;
		pid_t parent = getpid(), pid;
		sigset_t set, old;
		int status;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_usr1;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigaction(SIGUSR1, &sa, NULL);
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, &old); /* no signal before sender is set */
		pid = fork();
		if (pid == 0) {
			for (i = 0; i < n; i++) {
				kill(parent, SIGUSR1);
				usleep(100);
			}
			_exit(0);
		}
		sender = pid;
		sigprocmask(SIG_SETMASK, &old, NULL);
		while (waitpid(pid, &status, WNOHANG) == 0)
			sum += mix_step(1) - 5;
		printf("signals %d bad %d\n", (int)signals, (int)bad);
		return bad == 0 && signals > 0 && sum == 0 ? 0 : 1;
	}
	return 2;
}
