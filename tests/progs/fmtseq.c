/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fixed syscall sequence for the output-format tests, made with syscall() so libc cannot add
 * or reorder anything: openat of a missing file, openat of argv[1], read, write to fd 1, close,
 * getpid, and a last write that reports the pid so the test can check getpid's return value.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const char hello[] = "hello from fmtseq\n";
	char buf[64], msg[64];
	long fd, pid;
	int n;

	if (argc != 2)
		return 2;
	syscall(SYS_openat, AT_FDCWD, "/nonexistent/utrace-e2e", O_RDONLY);
	fd = syscall(SYS_openat, AT_FDCWD, argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 2;
	syscall(SYS_read, fd, buf, sizeof(buf));
	syscall(SYS_write, 1, hello, strlen(hello));
	syscall(SYS_close, fd);
	pid = syscall(SYS_getpid);
	n = snprintf(msg, sizeof(msg), "pid=%ld\n", pid);
	syscall(SYS_write, 1, msg, (size_t)n);
	return 0;
}
