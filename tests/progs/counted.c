/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A deterministic mix for the -c summary: getpid() 1000 times, chdir() of a missing directory
 * 7 times (7 calls, 7 errors), and getppid() 3 times.
 */
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	int i;

	for (i = 0; i < 1000; i++)
		syscall(SYS_getpid);
	for (i = 0; i < 7; i++)
		syscall(SYS_chdir, "/nonexistent/utrace-e2e");
	for (i = 0; i < 3; i++)
		syscall(SYS_getppid);
	return 0;
}
