/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory, process and signal system call lines against strace 6.1's output: mmap and friends,
 * execve's argv and envp, wait4's status, clone's flags, kill/tgkill, rt_sigaction and
 * rt_sigprocmask, exit_group's "= ?", unknown numbers, the restart codes, and the
 * unfinished/resumed halves of an interrupted line.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "fake_mem.h"

#define LINE(m, nr, a0, a1, a2, a3, a4, a5, ret) fake_line(m, 32, nr, a0, a1, a2, a3, a4, a5, ret)
#define NEG(x)					 ((uint64_t)(int64_t)(x))

static void test_memory(void **state)
{
	struct fake_mem m = {0};

	assert_string_equal(
		LINE(&m, SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		     NEG(-1), 0, 0x7f08a514a000),
		"mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) "
		"= 0x7f08a514a000");
	assert_string_equal(LINE(&m, SYS_mmap, 0x7f08a4f83000, 1400832, PROT_READ | PROT_EXEC,
				 MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE, 3, 0x26000,
				 0x7f08a4f83000),
			    "mmap(0x7f08a4f83000, 1400832, PROT_READ|PROT_EXEC, "
			    "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x26000) = 0x7f08a4f83000");
	assert_string_equal(
		LINE(&m, SYS_mmap, 1, 1, 0, MAP_SHARED | 0x10000000, 77, 0x1000, -EBADF),
		"mmap(0x1, 1, PROT_NONE, MAP_SHARED|4<<MAP_HUGE_SHIFT, 77, 0x1000) = -1 "
		"EBADF (Bad file descriptor)");
	assert_string_equal(LINE(&m, SYS_mprotect, 0x7f80c38bc000, 4096, PROT_NONE, 0, 0, 0, 0),
			    "mprotect(0x7f80c38bc000, 4096, PROT_NONE) = 0");
	assert_string_equal(LINE(&m, SYS_munmap, 0x7f80c38bc000, 8192, 0, 0, 0, 0, 0),
			    "munmap(0x7f80c38bc000, 8192)            = 0");
	assert_string_equal(LINE(&m, SYS_brk, 0, 0, 0, 0, 0, 0, 0x556235096000),
			    "brk(NULL)                               = 0x556235096000");
}

static void test_execve(void **state)
{
	struct fake_mem m = {0};
	uint64_t argv[] = {0x2000, 0x2100, 0x2200, 0};
	uint64_t envp[] = {0x2300, 0};
	uint64_t argv_sh[] = {0x2400, 0x2500, 0x2600, 0};
	uint64_t many[40];

	fake_map_str(&m, 0x1000, "/bin/true");
	fake_map_str(&m, 0x2000, "/bin/true");
	fake_map_str(&m, 0x2100, "-l");
	fake_map_str(&m, 0x2200, "x y");
	fake_map_str(&m, 0x2300, "A=1");
	fake_map_str(&m, 0x2400, "sh");
	fake_map_str(&m, 0x2500, "-c");
	fake_map_str(&m, 0x2600, "cat /etc/hostname; kill -USR1 $$; true");
	fake_map(&m, 0x3000, argv, sizeof(argv));
	fake_map(&m, 0x7fffbd3e4e60, envp, sizeof(envp));
	fake_map(&m, 0x4000, argv_sh, sizeof(argv_sh));
	for (int i = 0; i < 40; i++)
		many[i] = 0x2100;
	fake_map(&m, 0x5000, many, sizeof(many));

	assert_string_equal(
		LINE(&m, SYS_execve, 0x1000, 0x3000, 0x7fffbd3e4e60, 0, 0, 0, 0),
		"execve(\"/bin/true\", [\"/bin/true\", \"-l\", \"x y\"], 0x7fffbd3e4e60 "
		"/* 1 var */) = 0");
	assert_string_equal(
		LINE(&m, SYS_execve, 0x1000, 0x4000, 0x3000, 0, 0, 0, 0),
		"execve(\"/bin/true\", [\"sh\", \"-c\", \"cat /etc/hostname; kill -USR1 "
		"$$\"...], 0x3000 /* 3 vars */) = 0");
	assert_string_equal(
		LINE(&m, SYS_execve, 0x1000, 0, 0x9000, 0, 0, 0, -ENOENT),
		"execve(\"/bin/true\", NULL, 0x9000)       = -1 ENOENT (No such file or "
		"directory)");
	/* 40 words without a NULL: 32 elements, then strace's "...", then the fault. */
	const char *l = LINE(&m, SYS_execve, 0x1000, 0x5000, 0, 0, 0, 0, 0);
	assert_non_null(strstr(l, "\"-l\", \"-l\", ...], NULL) = 0"));
	assert_string_equal(LINE(&m, SYS_execve, 0x1000, 0x3000 + 16, 0, 0, 0, 0, 0),
			    "execve(\"/bin/true\", [\"x y\"], NULL)      = 0");
}

static void test_wait4(void **state)
{
	struct fake_mem m = {0};
	struct fmt_ctx ctx = fake_ctx(&m, 32);
	struct strbuf sb = {0};
	int exited0 = 0, killed = SIGKILL, exited7 = 7 << 8;
	int stopped = (SIGTRAP | 0x80) << 8 | 0x7f | (2 << 16);
	struct rusage ru = {.ru_stime = {0, 4841}};
	uint64_t args[6] = {4863, 0x1000, 0, 0x2000};

	fake_map(&m, 0x1000, &exited0, sizeof(int));
	fake_map(&m, 0x1100, &killed, sizeof(int));
	fake_map(&m, 0x1200, &exited7, sizeof(int));
	fake_map(&m, 0x1300, &stopped, sizeof(int));
	fake_map(&m, 0x2000, &ru, sizeof(ru));
	assert_true(fmt_syscall_entry(&sb, &ctx, SYS_wait4, args));
	fmt_syscall_unfinished(&sb);
	assert_string_equal(sb_str(&sb), "wait4(4863,  <unfinished ...>");
	sb_reset(&sb);
	fmt_syscall_resumed(&sb, SYS_wait4);
	fmt_syscall_exit(&sb, &ctx, SYS_wait4, args, 4863);
	assert_string_equal(sb_str(&sb),
			    "<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, "
			    "{ru_utime={tv_sec=0, tv_usec=0}, ru_stime={tv_sec=0, tv_usec=4841}, "
			    "...}) = 4863");
	assert_string_equal(LINE(&m, SYS_wait4, 4864, 0x1100, WUNTRACED | __WALL, 0, 0, 0, 4864),
			    "wait4(4864, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], "
			    "WSTOPPED|__WALL, NULL) = 4864");
	assert_string_equal(LINE(&m, SYS_wait4, 4865, 0x1200, 0, 0, 0, 0, 4865),
			    "wait4(4865, [{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, NULL) = 4865");
	assert_string_equal(LINE(&m, SYS_wait4, NEG(-1), 0x7fffbd3e4f0c, WNOHANG, 0, 0, 0, -ECHILD),
			    "wait4(-1, 0x7fffbd3e4f0c, WNOHANG, NULL) = -1 ECHILD (No child "
			    "processes)");
	assert_string_equal(LINE(&m, SYS_wait4, NEG(-1), 0x1300, __WALL, 0, 0, 0, 9),
			    "wait4(-1, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP | 0x80} | "
			    "PTRACE_EVENT_VFORK << 16], __WALL, NULL) = 9");
	sb_release(&sb);
}

static void test_clone_kill(void **state)
{
	struct fake_mem m = {0};
	int tid = 4031;

	fake_map(&m, 0x7f00, &tid, sizeof(tid));
	assert_string_equal(LINE(&m, SYS_clone, CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD,
				 0, 0, 0x7ffa94759a10, 0, 0, 4863),
			    "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|"
			    "SIGCHLD, child_tidptr=0x7ffa94759a10) = 4863");
	assert_string_equal(
		LINE(&m, SYS_clone, CLONE_VM | CLONE_THREAD | CLONE_SETTLS | CLONE_PARENT_SETTID,
		     0x7f0000001000, 0x7f00, 0, 0x7f0000002000, 0, 4031),
		"clone(child_stack=0x7f0000001000, flags=CLONE_VM|CLONE_THREAD|"
		"CLONE_SETTLS|CLONE_PARENT_SETTID, parent_tid=[4031], tls=0x7f0000002000) "
		"= 4031");
	assert_string_equal(LINE(&m, SYS_clone, SIGCHLD, 0, 0, 0, 0, 0, 77),
			    "clone(child_stack=NULL, flags=SIGCHLD)  = 77");
	assert_string_equal(LINE(&m, SYS_kill, 4767, SIGUSR1, 0, 0, 0, 0, 0),
			    "kill(4767, SIGUSR1)                     = 0");
	assert_string_equal(LINE(&m, SYS_kill, 4767, 0, 0, 0, 0, 0, 0),
			    "kill(4767, 0)                           = 0");
	assert_string_equal(LINE(&m, SYS_kill, 4862, 40, 0, 0, 0, 0, 0),
			    "kill(4862, SIGRT_8)                     = 0");
	assert_string_equal(LINE(&m, SYS_tgkill, 4767, 4767, SIGUSR1, 0, 0, 0, 0),
			    "tgkill(4767, 4767, SIGUSR1)             = 0");
	assert_string_equal(LINE(&m, SYS_kill, 1, SIGKILL, 0, 0, 0, 0, -EPERM),
			    "kill(1, SIGKILL)                        = -1 EPERM (Operation not "
			    "permitted)");
}

struct ksa {
	uint64_t handler, flags, restorer, mask;
};

static void test_signals(void **state)
{
	struct fake_mem m = {0};
	struct ksa act = {0x564eb98813b9, 0x04000000 | SA_ONSTACK | SA_RESTART | SA_SIGINFO,
			  0x7f80c370d050, (1ull << (SIGINT - 1)) | (1ull << 39)};
	struct ksa old = {0};
	struct ksa ign = {1, 0x04000000 | SA_RESTART, 0x7ffa94798050, 1ull << 39};
	uint64_t chld = (1ull << (SIGCHLD - 1)) | (1ull << 35);
	uint64_t most = ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)) | (3ull << 31));
	uint64_t none = 0;

	fake_map(&m, 0x1000, &act, sizeof(act));
	fake_map(&m, 0x2000, &old, sizeof(old));
	fake_map(&m, 0x3000, &ign, sizeof(ign));
	fake_map(&m, 0x4000, &chld, sizeof(chld));
	fake_map(&m, 0x5000, &most, sizeof(most));
	fake_map(&m, 0x6000, &none, sizeof(none));
	assert_string_equal(LINE(&m, SYS_rt_sigaction, SIGUSR1, 0x1000, 0, 8, 0, 0, 0),
			    "rt_sigaction(SIGUSR1, {sa_handler=0x564eb98813b9, sa_mask=[INT RT_8], "
			    "sa_flags=SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_SIGINFO, "
			    "sa_restorer=0x7f80c370d050}, NULL, 8) = 0");
	assert_string_equal(LINE(&m, SYS_rt_sigaction, 40, 0x3000, 0x2000, 8, 0, 0, 0),
			    "rt_sigaction(SIGRT_8, {sa_handler=SIG_IGN, sa_mask=[RT_8], "
			    "sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7ffa94798050}, "
			    "{sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0");
	assert_string_equal(LINE(&m, SYS_rt_sigprocmask, SIG_BLOCK, 0x4000, 0, 8, 0, 0, 0),
			    "rt_sigprocmask(SIG_BLOCK, [CHLD RT_4], NULL, 8) = 0");
	assert_string_equal(LINE(&m, SYS_rt_sigprocmask, SIG_SETMASK, 0x6000, 0x5000, 8, 0, 0, 0),
			    "rt_sigprocmask(SIG_SETMASK, [], ~[KILL STOP RTMIN RT_1], 8) = 0");
	assert_string_equal(
		LINE(&m, SYS_rt_sigprocmask, SIG_UNBLOCK, 0x4000, 0x9000, 8, 0, 0, -EFAULT),
		"rt_sigprocmask(SIG_UNBLOCK, [CHLD RT_4], 0x9000, 8) = -1 EFAULT (Bad "
		"address)");
}

static void test_results(void **state)
{
	struct fake_mem m = {0};
	struct fmt_ctx ctx = fake_ctx(&m, 32);
	struct strbuf sb = {0};
	uint64_t args[6] = {0};
	int64_t five[2] = {5, 0};

	fake_map(&m, 0x1000, five, sizeof(five));

	assert_false(fmt_syscall_entry(&sb, &ctx, SYS_exit_group, args));
	fmt_syscall_noreturn(&sb, &ctx);
	assert_string_equal(sb_str(&sb), "exit_group(0)                           = ?");
	assert_string_equal(LINE(&m, 500, 1, 2, 3, 0, 0, 0, -ENOSYS),
			    "syscall_0x1f4(0x1, 0x2, 0x3, 0, 0, 0)   = -1 ENOSYS (Function not "
			    "implemented)");
	assert_string_equal(
		LINE(&m, SYS_read, 3, 0x7ffeb9a27887, 1, 0, 0, 0, -512),
		"read(3, 0x7ffeb9a27887, 1)              = ? ERESTARTSYS (To be restarted "
		"if SA_RESTART is set)");
	assert_string_equal(LINE(&m, SYS_pause, 0, 0, 0, 0, 0, 0, -514),
			    "pause()                                 = ? ERESTARTNOHAND (To be "
			    "restarted if no handler)");
	assert_string_equal(LINE(&m, SYS_fork, 0, 0, 0, 0, 0, 0, -513),
			    "fork()                                  = ? ERESTARTNOINTR (To be "
			    "restarted)");
	assert_string_equal(LINE(&m, SYS_nanosleep, 0x1000, 0, 0, 0, 0, 0, -516),
			    "nanosleep({tv_sec=5, tv_nsec=0}, NULL)  = ? ERESTART_RESTARTBLOCK "
			    "(Interrupted by signal)");
	assert_string_equal(LINE(&m, SYS_getpid, 0, 0, 0, 0, 0, 0, 4767),
			    "getpid()                                = 4767");
	assert_string_equal(
		LINE(&m, SYS_close, 3, 0, 0, 0, 0, 0, -524),
		"close(3)                                = -1 ENOTSUPP (Unknown error 524)");
	assert_string_equal(
		LINE(&m, SYS_close, 3, 0, 0, 0, 0, 0, -4000),
		"close(3)                                = -1 4000 (Unknown error 4000)");
	sb_reset(&sb);
	fmt_syscall_result(&sb, SYS_openat, args, -ENOENT);
	assert_string_equal(sb_str(&sb), " = -1 ENOENT (No such file or directory)");
	sb_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory),	cmocka_unit_test(test_execve),
		cmocka_unit_test(test_wait4),	cmocka_unit_test(test_clone_kill),
		cmocka_unit_test(test_signals), cmocka_unit_test(test_results),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
