/* sigprog MODE: signals under trace.
 *   replace   handlers for SIGUSR1 and SIGUSR2; raise SIGUSR1; exit 1 or 2 for the one received
 *   ignore    SIGUSR1 ignored; raise it; exit 0
 *   term      raise SIGTERM (default action)
 *   core      abort()
 *   sleep     nanosleep 10 ms, 300 times, then exit 0 (for SIGSTOP/SIGCONT and SIGKILL) */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t got;

static void on_sig(int sig)
{
	got = sig == SIGUSR1 ? 1 : 2;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "replace";
	struct timespec ts = {0, 10 * 1000 * 1000};
	int i;

	if (!strcmp(mode, "replace")) {
		signal(SIGUSR1, on_sig);
		signal(SIGUSR2, on_sig);
		raise(SIGUSR1);
		return got;
	}
	if (!strcmp(mode, "ignore")) {
		signal(SIGUSR1, SIG_IGN);
		raise(SIGUSR1);
		return 0;
	}
	if (!strcmp(mode, "term"))
		raise(SIGTERM);
	if (!strcmp(mode, "core"))
		abort();
	for (i = 0; i < 300; i++)
		nanosleep(&ts, NULL);
	return 0;
}
