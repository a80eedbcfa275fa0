/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `ptracer PID`: holds a PTRACE_SEIZE on PID (its threads are not needed) so a test can check
 * what utrace says about a process that already has a tracer.  Prints "seized" once attached and
 * then sleeps until killed; the kernel detaches when it exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t pid;

	if (argc != 2)
		return 2;
	pid = (pid_t)atoi(argv[1]);
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0) {
		fprintf(stderr, "ptracer: seize %d: %s\n", pid, strerror(errno));
		return 1;
	}
	printf("seized\n");
	fflush(stdout);
	for (;;)
		pause();
}
