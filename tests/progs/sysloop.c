/* sysloop N CODE: getpid() N times, then exit(CODE).  sysloop abort: exit 9 if getppid() was
 * answered 4242 by a tracer that aborted it, 0 if it ran. */
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long i, n;

	if (argc > 1 && !strcmp(argv[1], "abort"))
		return syscall(SYS_getppid) == 4242 ? 9 : 0;
	n = argc > 1 ? atol(argv[1]) : 10;
	for (i = 0; i < n; i++)
		syscall(SYS_getpid);
	return argc > 2 ? atoi(argv[2]) : 0;
}
