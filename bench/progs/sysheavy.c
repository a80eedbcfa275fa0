/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysheavy: the syscall-tracing benchmark's workload.  `sysheavy [N]` runs N iterations (default
 * 20000) of a fixed mix -- getpid, openat+close of /dev/null, read of one byte from /dev/zero --
 * four syscalls per iteration, made with syscall() so libc adds nothing, then prints its own
 * elapsed time.  Under `-e trace=openat` one call in four is traced.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000, i, fd;
	struct timespec a, b;
	char c;
	int zero;
	double secs;

	zero = open("/dev/zero", O_RDONLY);
	if (zero < 0 || n <= 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		syscall(SYS_getpid);
		fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
		if (fd < 0)
			return 3;
		syscall(SYS_close, fd);
		if (syscall(SYS_read, zero, &c, 1) != 1)
			return 4;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("sysheavy: %ld iterations (%ld syscalls) in %.6f s, %.0f ns/syscall\n", n, 4 * n,
	       secs, secs * 1e9 / (4.0 * (double)n));
	return 0;
}
