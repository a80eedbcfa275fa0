/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Descriptor, resource and memory lines against strace 6.1's output: ioctl request names (with
 * TCGETS's termios and TIOCGWINSZ's winsize), prlimit64, getrandom's hex bytes, statx,
 * getdents64's entry count, readv/writev iovecs, pipe2, dup2/dup3, wait4 options, kill/tgkill
 * with signal 0, arch_prctl, sched_getaffinity, madvise and brk.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "fake_mem.h"

#define LINE(m, nr, a0, a1, a2, a3, a4, a5, ret) fake_line(m, 32, nr, a0, a1, a2, a3, a4, a5, ret)
#define NEG(x)					 ((uint64_t)(int64_t)(x))

static void test_ioctl(void **state)
{
	struct fake_mem m = {0};
	uint32_t tios[4] = {0400 | 02000, 01 | 04, 017 | 060 | 0200,
			    01 | 02 | 010 | 020 | 040 | 0100000 | 01000 | 04000};
	uint32_t tios2[4] = {0400 | 04000, 01 | 040, 017 | 060 | 0200,
			     01 | 02 | 010 | 020 | 040 | 0100 | 0100000 | 01000 | 02000 | 04000 |
				     0400};
	uint16_t ws[4] = {0, 0, 0, 0};
	int three = 3;

	fake_map(&m, 0x1100, tios2, sizeof(tios2));

	fake_map(&m, 0x1000, tios, sizeof(tios));
	fake_map(&m, 0x2000, ws, sizeof(ws));
	fake_map(&m, 0x3000, &three, sizeof(three));
	assert_string_equal(LINE(&m, SYS_ioctl, 0, 0x5401, 0x7ffe4f765270, 0, 0, 0, -ENOTTY),
			    "ioctl(0, TCGETS, 0x7ffe4f765270)        = -1 ENOTTY (Inappropriate "
			    "ioctl for device)");
	assert_string_equal(LINE(&m, SYS_ioctl, 1, 0x5413, 0x7ffe4f765268, 0, 0, 0, -ENOTTY),
			    "ioctl(1, TIOCGWINSZ, 0x7ffe4f765268)    = -1 ENOTTY (Inappropriate "
			    "ioctl for device)");
	assert_string_equal(LINE(&m, SYS_ioctl, 3, 0x5421, 0x3000, 0, 0, 0, 0),
			    "ioctl(3, FIONBIO, [3])                  = 0");
	assert_string_equal(LINE(&m, SYS_ioctl, 3, 0x12345678, 0, 0, 0, 0, -ENOTTY),
			    "ioctl(3, _IOC(_IOC_NONE, 0x56, 0x78, 0x1234), 0) = -1 ENOTTY "
			    "(Inappropriate ioctl for device)");
	assert_string_equal(
		LINE(&m, SYS_ioctl, 0, 0x5401, 0x1000, 0, 0, 0, 0),
		"ioctl(0, TCGETS, {c_iflag=ICRNL|IXON, "
		"c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, "
		"c_cflag=B38400|CS8|CREAD, "
		"c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}) = 0");
	assert_string_equal(LINE(&m, SYS_ioctl, 0, 0x5401, 0x1100, 0, 0, 0, 0),
			    "ioctl(0, TCGETS, {c_iflag=ICRNL|IXANY, "
			    "c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLRET, "
			    "c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHONL|"
			    "IEXTEN|ECHOCTL|ECHOPRT|ECHOKE|TOSTOP, ...}) = 0");
	assert_string_equal(LINE(&m, SYS_ioctl, 1, 0x5413, 0x2000, 0, 0, 0, 0),
			    "ioctl(1, TIOCGWINSZ, {ws_row=0, ws_col=0, ws_xpixel=0, ws_ypixel=0}) "
			    "= 0");
}

static void test_prlimit_getrandom(void **state)
{
	struct fake_mem m = {0};
	uint64_t stack[2] = {8192 * 1024, UINT64_MAX}, nofile[2] = {1024, 4096};
	uint64_t old[2] = {20000, 20000};
	unsigned char rnd[40] = {0xed, 0xa0, 0xd0, 0x29, 0x7c, 0x30, 0xd0, 0x47};

	for (int i = 8; i < 40; i++)
		rnd[i] = (unsigned char)i;
	fake_map(&m, 0x1000, stack, sizeof(stack));
	fake_map(&m, 0x2000, nofile, sizeof(nofile));
	fake_map(&m, 0x3000, old, sizeof(old));
	fake_map(&m, 0x4000, rnd, sizeof(rnd));
	assert_string_equal(LINE(&m, SYS_prlimit64, 0, 3, 0, 0x1000, 0, 0, 0),
			    "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, "
			    "rlim_max=RLIM64_INFINITY}) = 0");
	assert_string_equal(LINE(&m, SYS_prlimit64, 0, 3, 0x1000, 0, 0, 0, 0),
			    "prlimit64(0, RLIMIT_STACK, {rlim_cur=8192*1024, "
			    "rlim_max=RLIM64_INFINITY}, NULL) = 0");
	assert_string_equal(LINE(&m, SYS_prlimit64, 0, 7, 0x2000, 0x3000, 0, 0, 0),
			    "prlimit64(0, RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=4*1024}, "
			    "{rlim_cur=20000, rlim_max=20000}) = 0");
	assert_string_equal(LINE(&m, SYS_prlimit64, 0, 99, 0, 0x7ffe4f765240, 0, 0, -EINVAL),
			    "prlimit64(0, 0x63 /* RLIMIT_??? */, NULL, 0x7ffe4f765240) = -1 EINVAL "
			    "(Invalid argument)");
	assert_string_equal(LINE(&m, SYS_getrandom, 0x4000, 8, 1, 0, 0, 0, 8),
			    "getrandom(\"\\xed\\xa0\\xd0\\x29\\x7c\\x30\\xd0\\x47\", 8, "
			    "GRND_NONBLOCK) = 8");
	assert_non_null(strstr(LINE(&m, SYS_getrandom, 0x4000, 40, 0, 0, 0, 0, 40),
			       "\\x1e\\x1f\"..., 40, 0) = 40"));
	assert_string_equal(LINE(&m, SYS_getrandom, 0x7ffe4f765200, 8, 6, 0, 0, 0, -EINVAL),
			    "getrandom(0x7ffe4f765200, 8, GRND_RANDOM|GRND_INSECURE) = -1 EINVAL "
			    "(Invalid argument)");
}

struct k_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad;
	uint64_t ino, size;
};

static void test_files(void **state)
{
	struct fake_mem m = {0};
	struct k_statx reg = {.mask = 0x1fff, .mode = 0100755, .size = 3};
	struct k_statx chr = {.mask = 0x17ff, .mode = 020666};
	unsigned char dents[80] = {0};
	uint16_t rl[3] = {24, 24, 32};
	int fds[2] = {5, 6};

	for (int i = 0, off = 0; i < 3; off += rl[i], i++)
		memcpy(dents + off + 16, &rl[i], 2);
	fake_map_str(&m, 0x1000, "/etc/hostname");
	fake_map_str(&m, 0x1100, "");
	fake_map(&m, 0x2000, &reg, sizeof(reg));
	fake_map(&m, 0x2100, &chr, sizeof(chr));
	fake_map(&m, 0x3000, dents, sizeof(dents));
	fake_map(&m, 0x4000, fds, sizeof(fds));
	assert_string_equal(LINE(&m, SYS_statx, NEG(AT_FDCWD), 0x1000, 0, 0xfff, 0x2000, 0, 0),
			    "statx(AT_FDCWD, \"/etc/hostname\", AT_STATX_SYNC_AS_STAT, STATX_ALL, "
			    "{stx_mask=STATX_ALL|STATX_MNT_ID, stx_attributes=0, "
			    "stx_mode=S_IFREG|0755, stx_size=3, ...}) = 0");
	assert_string_equal(
		LINE(&m, SYS_statx, 3, 0x1100, AT_EMPTY_PATH, 0x7ff, 0x2100, 0, 0),
		"statx(3, \"\", AT_STATX_SYNC_AS_STAT|AT_EMPTY_PATH, STATX_BASIC_STATS, "
		"{stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, "
		"stx_mode=S_IFCHR|0666, stx_size=0, ...}) = 0");
	assert_string_equal(
		LINE(&m, SYS_statx, NEG(AT_FDCWD), 0x1000, 0, 0x202, 0x7ffe4f765100, 0, -ENOENT),
		"statx(AT_FDCWD, \"/etc/hostname\", AT_STATX_SYNC_AS_STAT, "
		"STATX_MODE|STATX_SIZE, 0x7ffe4f765100) = -1 ENOENT (No such file or "
		"directory)");
	assert_string_equal(LINE(&m, SYS_getdents64, 4, 0x3000, 4096, 0, 0, 0, 80),
			    "getdents64(4, 0x3000 /* 3 entries */, 4096) = 80");
	assert_string_equal(LINE(&m, SYS_getdents64, 4, 0x3000, 4096, 0, 0, 0, 0),
			    "getdents64(4, 0x3000 /* 0 entries */, 4096) = 0");
	assert_string_equal(LINE(&m, SYS_pipe2, 0x4000, O_CLOEXEC, 0, 0, 0, 0, 0),
			    "pipe2([5, 6], O_CLOEXEC)                = 0");
	assert_string_equal(LINE(&m, SYS_pipe2, 0x4000, O_NONBLOCK | O_CLOEXEC, 0, 0, 0, 0, 0),
			    "pipe2([5, 6], O_NONBLOCK|O_CLOEXEC)     = 0");
	assert_string_equal(LINE(&m, SYS_dup2, 9, 20, 0, 0, 0, 0, 20),
			    "dup2(9, 20)                             = 20");
	assert_string_equal(LINE(&m, SYS_dup3, 9, 21, O_CLOEXEC, 0, 0, 0, 21),
			    "dup3(9, 21, O_CLOEXEC)                  = 21");
	assert_string_equal(LINE(&m, SYS_dup2, 99, 22, 0, 0, 0, 0, -EBADF),
			    "dup2(99, 22)                            = -1 EBADF (Bad file "
			    "descriptor)");
}

static void test_iovec(void **state)
{
	struct fake_mem m = {0};
	uint64_t wiov[4] = {0x1000, 6, 0x1100, 6};
	uint64_t riov[4] = {0x2000, 4, 0x2100, 20};

	fake_map(&m, 0x1000, "hello ", 6);
	fake_map(&m, 0x1100, "world\n", 6);
	fake_map(&m, 0x2000, "hell", 4);
	fake_map(&m, 0x2100, "o world\n", 8);
	fake_map(&m, 0x3000, wiov, sizeof(wiov));
	fake_map(&m, 0x4000, riov, sizeof(riov));
	assert_string_equal(LINE(&m, SYS_writev, 11, 0x3000, 2, 0, 0, 0, 12),
			    "writev(11, [{iov_base=\"hello \", iov_len=6}, {iov_base=\"world\\n\", "
			    "iov_len=6}], 2) = 12");
	assert_string_equal(LINE(&m, SYS_readv, 9, 0x4000, 2, 0, 0, 0, 12),
			    "readv(9, [{iov_base=\"hell\", iov_len=4}, {iov_base=\"o world\\n\", "
			    "iov_len=20}], 2) = 12");
	assert_string_equal(LINE(&m, SYS_readv, 9, 0x4000, 2, 0, 0, 0, -EAGAIN),
			    "readv(9, [{iov_base=0x2000, iov_len=4}, {iov_base=0x2100, "
			    "iov_len=20}], 2) = -1 EAGAIN (Resource temporarily unavailable)");
}

static void test_process_memory(void **state)
{
	struct fake_mem m = {0};
	uint64_t fs = 0x7f200ad13740, cpus[4] = {3, 0, 0, 0};

	fake_map(&m, 0x1000, &fs, sizeof(fs));
	fake_map(&m, 0x2000, cpus, sizeof(cpus));
	assert_string_equal(
		LINE(&m, SYS_wait4, NEG(-1), 0x7ffe4f76409c, WNOHANG | __WALL, 0, 0, 0, -ECHILD),
		"wait4(-1, 0x7ffe4f76409c, WNOHANG|__WALL, NULL) = -1 ECHILD (No child "
		"processes)");
	assert_string_equal(LINE(&m, SYS_wait4, NEG(-1), 0x7ffe4f76409c,
				 WNOHANG | WUNTRACED | WCONTINUED, 0, 0, 0, -ECHILD),
			    "wait4(-1, 0x7ffe4f76409c, WNOHANG|WSTOPPED|WCONTINUED, NULL) = -1 "
			    "ECHILD (No child processes)");
	assert_string_equal(LINE(&m, SYS_tgkill, 28853, 28853, 0, 0, 0, 0, 0),
			    "tgkill(28853, 28853, 0)                 = 0");
	assert_string_equal(LINE(&m, SYS_arch_prctl, 0x1003, 0x1000, 0, 0, 0, 0, 0),
			    "arch_prctl(ARCH_GET_FS, [0x7f200ad13740]) = 0");
	assert_string_equal(LINE(&m, SYS_arch_prctl, 0x1002, 0x7f200ad13740, 0, 0, 0, 0, 0),
			    "arch_prctl(ARCH_SET_FS, 0x7f200ad13740) = 0");
	assert_string_equal(LINE(&m, SYS_arch_prctl, 0x3001, 0, 0, 0, 0, 0, -EINVAL),
			    "arch_prctl(0x3001 /* ARCH_??? */, 0)    = -1 EINVAL (Invalid "
			    "argument)");
	assert_string_equal(LINE(&m, SYS_sched_getaffinity, 0, 128, 0x2000, 0, 0, 0, 32),
			    "sched_getaffinity(0, 128, [0 1])        = 32");
	assert_string_equal(LINE(&m, SYS_sched_getaffinity, 0, 8, 0x2000, 0, 0, 0, 8),
			    "sched_getaffinity(0, 8, [0 1])          = 8");
	assert_string_equal(LINE(&m, SYS_madvise, 0x7f200af01000, 8192, 4, 0, 0, 0, 0),
			    "madvise(0x7f200af01000, 8192, MADV_DONTNEED) = 0");
	assert_string_equal(LINE(&m, SYS_madvise, 0x7f200af01000, 8192, 14, 0, 0, 0, 0),
			    "madvise(0x7f200af01000, 8192, MADV_HUGEPAGE) = 0");
	assert_string_equal(LINE(&m, SYS_madvise, 0x7f200af01000, 4096, 77, 0, 0, 0, -EINVAL),
			    "madvise(0x7f200af01000, 4096, 0x4d /* MADV_??? */) = -1 EINVAL "
			    "(Invalid argument)");
	assert_string_equal(LINE(&m, SYS_brk, 0x5615562eb000, 0, 0, 0, 0, 0, 0x5615562eb000),
			    "brk(0x5615562eb000)                     = 0x5615562eb000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ioctl),	       cmocka_unit_test(test_prlimit_getrandom),
		cmocka_unit_test(test_files),	       cmocka_unit_test(test_iovec),
		cmocka_unit_test(test_process_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
