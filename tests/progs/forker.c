/* forker fork: the child calls getpid and exits 4; the parent exits with the child's code.
 * forker vfork PATH: vfork + exec PATH; exit with its code. */
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int status = 0;
	pid_t pid;

	if (argc > 2 && !strcmp(argv[1], "vfork")) {
		pid = vfork();
		if (pid == 0) {
			execl(argv[2], argv[2], (char *)NULL);
			_exit(127);
		}
	} else {
		pid = fork();
		if (pid == 0) {
			syscall(SYS_getpid);
			_exit(4);
		}
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 100;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 101;
}
