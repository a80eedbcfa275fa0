/* sigflood N: a child sends N SIGUSR1 to this process while it loops on getpid(); exits with
 * the number of handler runs modulo 256, so a tracer can compare it with what it saw. */
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200, i, status;
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	pid_t parent = getpid(), child;

	sigaction(SIGUSR1, &sa, NULL);
	child = fork();
	if (child == 0) {
		for (i = 0; i < n; i++) {
			kill(parent, SIGUSR1);
			usleep(200);
		}
		_exit(0);
	}
	while (waitpid(child, &status, WNOHANG) == 0)
		syscall(SYS_getpid);
	return handled % 256;
}
