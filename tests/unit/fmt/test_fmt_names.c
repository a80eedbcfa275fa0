/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* errno and signal names both ways, siginfo as strace prints it, and the "+++" exit lines. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "utrace/fmt.h"

static void test_errno_names(void **state)
{
	assert_string_equal(fmt_errno_name(ENOENT), "ENOENT");
	assert_string_equal(fmt_errno_name(EAGAIN), "EAGAIN");
	assert_string_equal(fmt_errno_name(EOPNOTSUPP), "EOPNOTSUPP");
	assert_string_equal(fmt_errno_name(512), "ERESTARTSYS");
	assert_string_equal(fmt_errno_name(516), "ERESTART_RESTARTBLOCK");
	assert_null(fmt_errno_name(0));
	assert_null(fmt_errno_name(4000));
	assert_string_equal(fmt_errno_text(513), "To be restarted");
}

static void test_signal_names(void **state)
{
	assert_string_equal(fmt_signal_name(SIGCHLD), "SIGCHLD");
	assert_string_equal(fmt_signal_name(SIGIO), "SIGIO");
	assert_string_equal(fmt_signal_name(SIGABRT), "SIGABRT");
	assert_string_equal(fmt_signal_name(32), "SIGRTMIN");
	assert_string_equal(fmt_signal_name(33), "SIGRT_1");
	assert_string_equal(fmt_signal_name(64), "SIGRT_32");
	assert_null(fmt_signal_name(0));
	assert_null(fmt_signal_name(65));
	assert_int_equal(fmt_signal_number("SIGINT"), SIGINT);
	assert_int_equal(fmt_signal_number("INT"), SIGINT);
	assert_int_equal(fmt_signal_number("int"), SIGINT);
	assert_int_equal(fmt_signal_number("2"), 2);
	assert_int_equal(fmt_signal_number("SIGRT_3"), 35);
	assert_int_equal(fmt_signal_number("RTMIN"), 32);
	assert_int_equal(fmt_signal_number("SIGPOLL"), SIGIO);
	assert_int_equal(fmt_signal_number("65"), -EINVAL);
	assert_int_equal(fmt_signal_number("SIGFOO"), -EINVAL);
	assert_int_equal(fmt_signal_number(""), -EINVAL);
	assert_string_equal(fmt_syscall_name(SYS_openat), "openat");
	assert_int_equal(fmt_syscall_number("newfstatat"), SYS_newfstatat);
	assert_int_equal(fmt_syscall_number("nosuchcall"), -1);
}

static const char *siginfo_text(const siginfo_t *si)
{
	static struct strbuf sb;

	sb_reset(&sb);
	fmt_siginfo(&sb, si);
	return sb_str(&sb);
}

static void test_siginfo(void **state)
{
	siginfo_t si;
	struct strbuf sb = {0};

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGCHLD;
	si.si_code = CLD_EXITED;
	si.si_pid = 1234;
	assert_string_equal(siginfo_text(&si),
			    "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1234, si_uid=0, "
			    "si_status=0, si_utime=0, si_stime=0}");
	si.si_code = CLD_KILLED;
	si.si_status = SIGKILL;
	si.si_uid = 1000;
	si.si_stime = 3;
	assert_string_equal(siginfo_text(&si),
			    "{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=1234, si_uid=1000, "
			    "si_status=SIGKILL, si_utime=0, si_stime=3}");

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGUSR1;
	si.si_code = SI_USER;
	si.si_pid = 1;
	assert_string_equal(siginfo_text(&si),
			    "{si_signo=SIGUSR1, si_code=SI_USER, si_pid=1, si_uid=0}");
	si.si_code = SI_TKILL;
	si.si_pid = 4767;
	assert_string_equal(siginfo_text(&si),
			    "{si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=4767, si_uid=0}");
	fmt_signal_line(&sb, &si);
	assert_string_equal(sb_str(&sb),
			    "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=4767, "
			    "si_uid=0} ---");

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGSEGV;
	si.si_code = SEGV_MAPERR;
	assert_string_equal(siginfo_text(&si),
			    "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}");
	si.si_code = SEGV_ACCERR;
	si.si_addr = (void *)0x55d0c0de1000;
	assert_string_equal(siginfo_text(&si),
			    "{si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr=0x55d0c0de1000}");
	si.si_code = SI_KERNEL;
	si.si_addr = NULL;
	assert_string_equal(siginfo_text(&si),
			    "{si_signo=SIGSEGV, si_code=SI_KERNEL, si_addr=NULL}");

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGALRM;
	si.si_code = SI_KERNEL;
	assert_string_equal(siginfo_text(&si), "{si_signo=SIGALRM, si_code=SI_KERNEL}");
	si.si_signo = 34;
	si.si_code = SI_QUEUE;
	si.si_pid = 9;
	si.si_value.sival_ptr = (void *)0x2a;
	assert_string_equal(siginfo_text(&si),
			    "{si_signo=SIGRT_2, si_code=SI_QUEUE, si_pid=9, si_uid=0, si_int=42, "
			    "si_ptr=0x2a}");
	si.si_signo = SIGTRAP;
	si.si_code = 77;
	si.si_value.sival_ptr = NULL;
	assert_string_equal(siginfo_text(&si), "{si_signo=SIGTRAP, si_code=0x4d, si_addr=0x9}");
	sb_release(&sb);
}

static void test_exit_lines(void **state)
{
	struct strbuf sb = {0};

	fmt_exit_line(&sb, 0);
	assert_string_equal(sb_str(&sb), "+++ exited with 0 +++");
	sb_reset(&sb);
	fmt_exit_line(&sb, 7 << 8);
	assert_string_equal(sb_str(&sb), "+++ exited with 7 +++");
	sb_reset(&sb);
	fmt_exit_line(&sb, SIGKILL);
	assert_string_equal(sb_str(&sb), "+++ killed by SIGKILL +++");
	sb_reset(&sb);
	fmt_exit_line(&sb, SIGSEGV | 0x80);
	assert_string_equal(sb_str(&sb), "+++ killed by SIGSEGV (core dumped) +++");
	sb_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_signal_names),
		cmocka_unit_test(test_siginfo),
		cmocka_unit_test(test_exit_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
