/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File-family system call lines, byte for byte against what strace 6.1 printed for the same calls
 * (open/openat flags and modes, close, read/write buffers, lseek, fcntl, the stat family, access,
 * directory calls, pipes and dups, getcwd/readlink).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <cmocka.h>

#include "fake_mem.h"

#define LINE(m, nr, a0, a1, a2, a3, a4, a5, ret) fake_line(m, 32, nr, a0, a1, a2, a3, a4, a5, ret)
#define FDCWD					 ((uint64_t)(int64_t)AT_FDCWD)

static void test_openat(void **state)
{
	struct fake_mem m = {0};

	fake_map_str(&m, 0x1000, "/etc/hostname");
	fake_map_str(&m, 0x2000, "/tmp/fmtx/x");
	fake_map_str(&m, 0x3000, "rel");
	fake_map_str(&m, 0x4000, "/nonexistent/\xc3\x84\xc3\x96");
	assert_string_equal(LINE(&m, SYS_openat, FDCWD, 0x1000, O_RDONLY | O_CLOEXEC, 0, 0, 0, 3),
			    "openat(AT_FDCWD, \"/etc/hostname\", O_RDONLY|O_CLOEXEC) = 3");
	assert_string_equal(LINE(&m, SYS_openat, FDCWD, 0x2000,
				 O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644, 0, 0, 3),
			    "openat(AT_FDCWD, \"/tmp/fmtx/x\", O_WRONLY|O_CREAT|O_TRUNC|O_APPEND, "
			    "0644) = 3");
	assert_string_equal(LINE(&m, SYS_openat, 5, 0x3000, O_WRONLY | O_CREAT | O_EXCL | O_SYNC, 0,
				 0, 0, -ENOTDIR),
			    "openat(5, \"rel\", O_WRONLY|O_CREAT|O_EXCL|O_SYNC, 000) = -1 ENOTDIR "
			    "(Not a directory)");
	assert_string_equal(
		LINE(&m, SYS_openat, FDCWD, 0x4000, O_RDWR | O_TMPFILE, 0600, 0, 0, -ENOENT),
		"openat(AT_FDCWD, \"/nonexistent/\\303\\204\\303\\226\", "
		"O_RDWR|O_TMPFILE, 0600) = -1 ENOENT (No such file or directory)");
	assert_string_equal(LINE(&m, SYS_openat, FDCWD, 0x1000,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_PATH, 0, 0, 0, 9),
			    "openat(AT_FDCWD, \"/etc/hostname\", "
			    "O_RDONLY|O_NOFOLLOW|O_PATH|O_DIRECTORY) = 9");
	assert_string_equal(LINE(&m, SYS_open, 0x1000, O_RDWR | 0x80000000u, 0, 0, 0, 0, 4),
			    "open(\"/etc/hostname\", O_RDWR|0x80000000) = 4");
}

static void test_close_and_padding(void **state)
{
	struct fake_mem m = {0};
	struct fmt_ctx ctx = fake_ctx(&m, 32);
	struct strbuf sb = {0};
	uint64_t args[6] = {3};

	assert_string_equal(LINE(&m, SYS_close, 3, 0, 0, 0, 0, 0, 0),
			    "close(3)                                = 0");
	assert_string_equal(
		LINE(&m, SYS_close, 99, 0, 0, 0, 0, 0, -EBADF),
		"close(99)                               = -1 EBADF (Bad file descriptor)");
	sb_printf(&sb, "[pid  4863] ");
	assert_false(fmt_syscall_entry(&sb, &ctx, SYS_close, args));
	fmt_syscall_exit(&sb, &ctx, SYS_close, args, 0);
	assert_string_equal(sb_str(&sb), "[pid  4863] close(3)                    = 0");
	sb_reset(&sb);
	ctx.column = 12;
	fmt_syscall_entry(&sb, &ctx, SYS_close, args);
	fmt_syscall_exit(&sb, &ctx, SYS_close, args, 0);
	assert_string_equal(sb_str(&sb), "close(3)                    = 0");
	sb_release(&sb);
}

static const char data[] = "a\tb\"c\\d\n\001\0012\377x0123456789012345678901234567890123456789";

static void test_read_write(void **state)
{
	struct fake_mem m = {0};
	struct fmt_ctx ctx = fake_ctx(&m, 32);
	struct strbuf sb = {0};
	uint64_t args[6] = {3, 0x5000, 100};

	fake_map(&m, 0x5000, data, sizeof(data) - 1);
	assert_true(fmt_syscall_entry(&sb, &ctx, SYS_read, args));
	assert_string_equal(sb_str(&sb), "read(3, ");
	fmt_syscall_exit(&sb, &ctx, SYS_read, args, 53);
	assert_string_equal(sb_str(&sb),
			    "read(3, \"a\\tb\\\"c\\\\d\\n\\1\\0012\\377x0123456789012345678\"..., "
			    "100) = 53");
	assert_string_equal(LINE(&m, SYS_read, 3, 0x5000, 4096, 0, 0, 0, 0),
			    "read(3, \"\", 4096)                       = 0");
	assert_string_equal(LINE(&m, SYS_write, 3, 0x5000, 13, 0, 0, 0, 13),
			    "write(3, \"a\\tb\\\"c\\\\d\\n\\1\\0012\\377x\", 13) = 13");
	assert_string_equal(LINE(&m, SYS_write, 3, 0x5000 + 13, 40, 0, 0, 0, 40),
			    "write(3, \"01234567890123456789012345678901\"..., 40) = 40");
	assert_string_equal(LINE(&m, SYS_pread64, 3, 0x5000 + 13, 784, 64, 0, 0, 5),
			    "pread64(3, \"01234\", 784, 64)            = 5");
	sb_release(&sb);
}

static void test_lseek_fcntl(void **state)
{
	struct fake_mem m = {0};

	assert_string_equal(LINE(&m, SYS_lseek, 3, 0, SEEK_SET, 0, 0, 0, 0),
			    "lseek(3, 0, SEEK_SET)                   = 0");
	assert_string_equal(LINE(&m, SYS_lseek, 3, 5, SEEK_END, 0, 0, 0, 58),
			    "lseek(3, 5, SEEK_END)                   = 58");
	assert_string_equal(
		LINE(&m, SYS_lseek, 3, (uint64_t)-1, 7, 0, 0, 0, -EINVAL),
		"lseek(3, -1, 0x7 /* SEEK_??? */)        = -1 EINVAL (Invalid argument)");
	assert_string_equal(LINE(&m, SYS_fcntl, 3, F_GETFD, 0, 0, 0, 0, 0),
			    "fcntl(3, F_GETFD)                       = 0");
	assert_string_equal(LINE(&m, SYS_fcntl, 3, F_SETFD, FD_CLOEXEC, 0, 0, 0, 0),
			    "fcntl(3, F_SETFD, FD_CLOEXEC)           = 0");
	assert_string_equal(LINE(&m, SYS_fcntl, 3, F_GETFD, 0, 0, 0, 0, 1),
			    "fcntl(3, F_GETFD)                       = 0x1 (flags FD_CLOEXEC)");
	assert_string_equal(LINE(&m, SYS_fcntl, 3, F_GETFL, 0, 0, 0, 0, 0x8000),
			    "fcntl(3, F_GETFL)                       = 0x8000 (flags "
			    "O_RDONLY|O_LARGEFILE)");
	assert_string_equal(LINE(&m, SYS_fcntl, 3, F_SETFL, O_NONBLOCK, 0, 0, 0, 0),
			    "fcntl(3, F_SETFL, O_RDONLY|O_NONBLOCK)  = 0");
	assert_string_equal(LINE(&m, SYS_fcntl, 3, F_DUPFD, 10, 0, 0, 0, 11),
			    "fcntl(3, F_DUPFD, 10)                   = 11");
	assert_string_equal(LINE(&m, SYS_fcntl, 3, F_DUPFD_CLOEXEC, 0, 0, 0, 0, 4),
			    "fcntl(3, F_DUPFD_CLOEXEC, 0)            = 4");
}

static void test_stat_family(void **state)
{
	struct fake_mem m = {0};
	struct stat dir = {.st_mode = S_IFDIR | 0755, .st_size = 4096};
	struct stat chr = {.st_mode = S_IFCHR | 0666, .st_rdev = makedev(1, 3)};
	struct stat reg = {.st_mode = S_IFREG | S_ISUID | 0755, .st_size = 1926232};

	fake_map_str(&m, 0x1000, "/etc");
	fake_map_str(&m, 0x1100, "/dev/null");
	fake_map_str(&m, 0x1200, "");
	fake_map(&m, 0x2000, &dir, sizeof(dir));
	fake_map(&m, 0x3000, &chr, sizeof(chr));
	fake_map(&m, 0x4000, &reg, sizeof(reg));
	assert_string_equal(
		LINE(&m, SYS_newfstatat, FDCWD, 0x1000, 0x2000, 0, 0, 0, 0),
		"newfstatat(AT_FDCWD, \"/etc\", {st_mode=S_IFDIR|0755, st_size=4096, ...}, 0) = 0");
	assert_string_equal(LINE(&m, SYS_newfstatat, FDCWD, 0x1100, 0x3000, 0, 0, 0, 0),
			    "newfstatat(AT_FDCWD, \"/dev/null\", {st_mode=S_IFCHR|0666, "
			    "st_rdev=makedev(0x1, 0x3), ...}, 0) = 0");
	assert_string_equal(LINE(&m, SYS_newfstatat, 3, 0x1200, 0x4000, AT_EMPTY_PATH, 0, 0, 0),
			    "newfstatat(3, \"\", {st_mode=S_IFREG|S_ISUID|0755, st_size=1926232, "
			    "...}, AT_EMPTY_PATH) = 0");
	assert_string_equal(
		LINE(&m, SYS_newfstatat, FDCWD, 0x1000, 0x7fff4d5f9e40, AT_SYMLINK_NOFOLLOW, 0, 0,
		     -ENOENT),
		"newfstatat(AT_FDCWD, \"/etc\", 0x7fff4d5f9e40, AT_SYMLINK_NOFOLLOW) = -1 "
		"ENOENT (No such file or directory)");
	assert_string_equal(LINE(&m, SYS_fstat, 3, 0x2000, 0, 0, 0, 0, 0),
			    "fstat(3, {st_mode=S_IFDIR|0755, st_size=4096, ...}) = 0");
	assert_string_equal(LINE(&m, SYS_stat, 0x1000, 0x9000, 0, 0, 0, 0, 0),
			    "stat(\"/etc\", 0x9000)                    = 0");
	assert_string_equal(LINE(&m, SYS_lstat, 0x1000, 0, 0, 0, 0, 0, -EFAULT),
			    "lstat(\"/etc\", NULL)                     = -1 EFAULT (Bad address)");
}

static void test_access_and_dirs(void **state)
{
	struct fake_mem m = {0};

	fake_map_str(&m, 0x1000, "/etc");
	fake_map_str(&m, 0x1100, "/tmp/fmtx/d");
	fake_map_str(&m, 0x1200, "/tmp/fmtx/e");
	assert_string_equal(LINE(&m, SYS_access, 0x1000, F_OK, 0, 0, 0, 0, 0),
			    "access(\"/etc\", F_OK)                    = 0");
	assert_string_equal(LINE(&m, SYS_access, 0x1000, R_OK | W_OK | X_OK, 0, 0, 0, 0, 0),
			    "access(\"/etc\", R_OK|W_OK|X_OK)          = 0");
	assert_string_equal(LINE(&m, SYS_faccessat, FDCWD, 0x1000, R_OK, 0, 0, 0, 0),
			    "faccessat(AT_FDCWD, \"/etc\", R_OK)       = 0");
	assert_string_equal(
		LINE(&m, SYS_faccessat2, FDCWD, 0x1000, R_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW, 0,
		     0, 0),
		"faccessat2(AT_FDCWD, \"/etc\", R_OK, AT_SYMLINK_NOFOLLOW|AT_EACCESS) = 0");
	assert_string_equal(LINE(&m, SYS_mkdir, 0x1100, 0755, 0, 0, 0, 0, 0),
			    "mkdir(\"/tmp/fmtx/d\", 0755)              = 0");
	assert_string_equal(LINE(&m, SYS_rename, 0x1100, 0x1200, 0, 0, 0, 0, 0),
			    "rename(\"/tmp/fmtx/d\", \"/tmp/fmtx/e\")    = 0");
	assert_string_equal(LINE(&m, SYS_rmdir, 0x1200, 0, 0, 0, 0, 0, 0),
			    "rmdir(\"/tmp/fmtx/e\")                    = 0");
	assert_string_equal(
		LINE(&m, SYS_unlink, 0x1100, 0, 0, 0, 0, 0, -ENOENT),
		"unlink(\"/tmp/fmtx/d\")                   = -1 ENOENT (No such file or "
		"directory)");
	assert_string_equal(
		LINE(&m, SYS_unlinkat, FDCWD, 0x1100, AT_REMOVEDIR, 0, 0, 0, -ENOENT),
		"unlinkat(AT_FDCWD, \"/tmp/fmtx/d\", AT_REMOVEDIR) = -1 ENOENT (No such "
		"file or directory)");
	assert_string_equal(LINE(&m, SYS_chdir, 0xdead0000, 0, 0, 0, 0, 0, -EFAULT),
			    "chdir(0xdead0000)                       = -1 EFAULT (Bad address)");
}

static void test_pipes_dups_cwd(void **state)
{
	struct fake_mem m = {0};
	int fds[2] = {5, 6};

	fake_map(&m, 0x1000, fds, sizeof(fds));
	fake_map_str(&m, 0x2000, "/tmp/fmtx");
	fake_map(&m, 0x3000, "/tmp/fmtx/pXXXX", 15);
	fake_map_str(&m, 0x4000, "/proc/self/exe");
	assert_string_equal(LINE(&m, SYS_pipe2, 0x1000, O_CLOEXEC | O_NONBLOCK, 0, 0, 0, 0, 0),
			    "pipe2([5, 6], O_NONBLOCK|O_CLOEXEC)     = 0");
	assert_string_equal(LINE(&m, SYS_pipe2, 0x1000, 0, 0, 0, 0, 0, 0),
			    "pipe2([5, 6], 0)                        = 0");
	assert_string_equal(
		LINE(&m, SYS_pipe, 0x1000, 0, 0, 0, 0, 0, -EMFILE),
		"pipe(0x1000)                            = -1 EMFILE (Too many open files)");
	assert_string_equal(LINE(&m, SYS_dup2, 7, 20, 0, 0, 0, 0, 20),
			    "dup2(7, 20)                             = 20");
	assert_string_equal(LINE(&m, SYS_dup3, 7, 21, O_CLOEXEC, 0, 0, 0, 21),
			    "dup3(7, 21, O_CLOEXEC)                  = 21");
	assert_string_equal(LINE(&m, SYS_getcwd, 0x2000, 100, 0, 0, 0, 0, 10),
			    "getcwd(\"/tmp/fmtx\", 100)                = 10");
	assert_string_equal(LINE(&m, SYS_readlink, 0x4000, 0x3000, 100, 0, 0, 0, 11),
			    "readlink(\"/proc/self/exe\", \"/tmp/fmtx/p\", 100) = 11");
	assert_string_equal(LINE(&m, SYS_umask, 022, 0, 0, 0, 0, 0, 022),
			    "umask(022)                              = 022");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openat),	       cmocka_unit_test(test_close_and_padding),
		cmocka_unit_test(test_read_write),     cmocka_unit_test(test_lseek_fcntl),
		cmocka_unit_test(test_stat_family),    cmocka_unit_test(test_access_and_dirs),
		cmocka_unit_test(test_pipes_dups_cwd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
