/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Waiting calls against strace 6.1's output: futex's operations and their argument shapes,
 * set_robust_list and rseq, poll/ppoll with the ready descriptors after the result, select and
 * pselect6 with their fd_sets and remaining time, and the epoll family.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "fake_mem.h"

#define LINE(m, nr, a0, a1, a2, a3, a4, a5, ret) fake_line(m, 32, nr, a0, a1, a2, a3, a4, a5, ret)
#define NEG(x)					 ((uint64_t)(int64_t)(x))
#define F					 0x7fff5905b5b4ull

static void test_futex(void **state)
{
	struct fake_mem m = {0};
	int64_t ts[2] = {0, 10000000};

	fake_map(&m, 0x1000, ts, sizeof(ts));
	assert_string_equal(LINE(&m, SYS_futex, F, 128, 2, 0, 0, 0, -EAGAIN),
			    "futex(0x7fff5905b5b4, FUTEX_WAIT_PRIVATE, 2, NULL) = -1 EAGAIN "
			    "(Resource temporarily unavailable)");
	assert_string_equal(LINE(&m, SYS_futex, F, 128, 0, 0x1000, 0, 0, -ETIMEDOUT),
			    "futex(0x7fff5905b5b4, FUTEX_WAIT_PRIVATE, 0, {tv_sec=0, "
			    "tv_nsec=10000000}) = -1 ETIMEDOUT (Connection timed out)");
	assert_string_equal(LINE(&m, SYS_futex, F, 129, 1, 0, 0, 0, 0),
			    "futex(0x7fff5905b5b4, FUTEX_WAKE_PRIVATE, 1) = 0");
	assert_string_equal(LINE(&m, SYS_futex, F, 1, 2147483647, 0, 0, 0, 0),
			    "futex(0x7fff5905b5b4, FUTEX_WAKE, 2147483647) = 0");
	assert_string_equal(
		LINE(&m, SYS_futex, F, 9 | 128 | 256, 0, 0x1000, 0, 0xffffffff, -ETIMEDOUT),
		"futex(0x7fff5905b5b4, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, "
		"0, {tv_sec=0, tv_nsec=10000000}, FUTEX_BITSET_MATCH_ANY) = -1 "
		"ETIMEDOUT (Connection timed out)");
	assert_string_equal(LINE(&m, SYS_futex, F, 10 | 128, 1, 0, 0, 0xffffffff, 0),
			    "futex(0x7fff5905b5b4, FUTEX_WAKE_BITSET_PRIVATE, 1, "
			    "FUTEX_BITSET_MATCH_ANY) = 0");
	assert_string_equal(
		LINE(&m, SYS_futex, F, 3 | 128, 1, 2, 0x7fff5905b5b8, 0, 0),
		"futex(0x7fff5905b5b4, FUTEX_REQUEUE_PRIVATE, 1, 2, 0x7fff5905b5b8) = 0");
	assert_string_equal(LINE(&m, SYS_futex, F, 4 | 128, 1, 2, 0x7fff5905b5b8, 0, 0),
			    "futex(0x7fff5905b5b4, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, "
			    "0x7fff5905b5b8, 0) = 0");
	assert_string_equal(LINE(&m, SYS_futex, F, 5 | 128, 1, 1, 0x7fff5905b5b8, 0x04000001, 0),
			    "futex(0x7fff5905b5b4, FUTEX_WAKE_OP_PRIVATE, 1, 1, 0x7fff5905b5b8, "
			    "FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_GT<<24|0x1) = 0");
	assert_string_equal(LINE(&m, SYS_futex, F, 6 | 128, 0, 0, 0, 0, 0),
			    "futex(0x7fff5905b5b4, FUTEX_LOCK_PI_PRIVATE, NULL) = 0");
	assert_string_equal(LINE(&m, SYS_futex, F, 7 | 128, 0, 0, 0, 0, 0),
			    "futex(0x7fff5905b5b4, FUTEX_UNLOCK_PI_PRIVATE) = 0");
	assert_string_equal(LINE(&m, SYS_futex, F, 77, 0, 0, 0, 0, -ENOSYS),
			    "futex(0x7fff5905b5b4, 0x4d /* FUTEX_??? */, 0, NULL, NULL, 0) = -1 "
			    "ENOSYS (Function not implemented)");
	assert_string_equal(LINE(&m, SYS_set_robust_list, 0x7f79b31a6a20, 24, 0, 0, 0, 0, 0),
			    "set_robust_list(0x7f79b31a6a20, 24)     = 0");
	assert_string_equal(LINE(&m, SYS_rseq, 0x7f79b31a7060, 0x20, 0, 0x53053053, 0, 0, 0),
			    "rseq(0x7f79b31a7060, 0x20, 0, 0x53053053) = 0");
	assert_string_equal(LINE(&m, SYS_rseq, 0x7f0000002000, 0x20, 1, 0x53053053, 0, 0, -EINVAL),
			    "rseq(0x7f0000002000, 0x20, 0x1, 0x53053053) = -1 EINVAL (Invalid "
			    "argument)");
}

static void test_poll(void **state)
{
	struct fake_mem m = {0};
	struct pollfd in[3] = {
		{3, POLLIN, POLLIN}, {5, POLLIN | POLLPRI, 0}, {4, POLLOUT, POLLOUT}};
	struct pollfd neg[2] = {{-1, POLLIN, 0}, {5, POLLIN | POLLPRI, 0}};
	int64_t left[2] = {0, 999999008}, ts[2] = {1, 0};
	uint64_t usr1 = 1ull << 9;

	fake_map(&m, 0x1000, in, sizeof(in));
	fake_map(&m, 0x2000, neg, sizeof(neg));
	fake_map(&m, 0x3000, left, sizeof(left));
	fake_map(&m, 0x4000, ts, sizeof(ts));
	fake_map(&m, 0x5000, &usr1, sizeof(usr1));
	assert_string_equal(LINE(&m, SYS_poll, 0x1000, 1, 1000, 0, 0, 0, 1),
			    "poll([{fd=3, events=POLLIN}], 1, 1000)  = 1 ([{fd=3, "
			    "revents=POLLIN}])");
	assert_string_equal(LINE(&m, SYS_poll, 0x1000, 3, 0, 0, 0, 0, 2),
			    "poll([{fd=3, events=POLLIN}, {fd=5, events=POLLIN|POLLPRI}, {fd=4, "
			    "events=POLLOUT}], 3, 0) = 2 ([{fd=3, revents=POLLIN}, {fd=4, "
			    "revents=POLLOUT}])");
	assert_string_equal(LINE(&m, SYS_poll, 0x1000 + 8, 1, 0, 0, 0, 0, 0),
			    "poll([{fd=5, events=POLLIN|POLLPRI}], 1, 0) = 0 (Timeout)");
	assert_string_equal(LINE(&m, SYS_poll, 0x2000, 2, 10, 0, 0, 0, 0),
			    "poll([{fd=-1}, {fd=5, events=POLLIN|POLLPRI}], 2, 10) = 0 (Timeout)");
	assert_string_equal(LINE(&m, SYS_poll, 0x9000, 2, 10, 0, 0, 0, -EFAULT),
			    "poll(0x9000, 2, 10)                     = -1 EFAULT (Bad address)");
	/* the kernel updates the timeout in place: "left" is read at exit */
	assert_string_equal(LINE(&m, SYS_ppoll, 0x1000, 3, 0x3000, 0x5000, 8, 0, 2),
			    "ppoll([{fd=3, events=POLLIN}, {fd=5, events=POLLIN|POLLPRI}, {fd=4, "
			    "events=POLLOUT}], 3, {tv_sec=0, tv_nsec=999999008}, [USR1], 8) = 2 "
			    "([{fd=3, revents=POLLIN}, {fd=4, revents=POLLOUT}], left {tv_sec=0, "
			    "tv_nsec=999999008})");
	assert_string_equal(LINE(&m, SYS_ppoll, 0x1000, 1, 0, 0, 8, 0, 1),
			    "ppoll([{fd=3, events=POLLIN}], 1, NULL, NULL, 8) = 1 ([{fd=3, "
			    "revents=POLLIN}])");
	assert_string_equal(LINE(&m, SYS_ppoll, 0x1000 + 8, 1, 0x4000, 0, 8, 0, 0),
			    "ppoll([{fd=5, events=POLLIN|POLLPRI}], 1, {tv_sec=1, tv_nsec=0}, "
			    "NULL, 8) = 0 (Timeout)");
}

static void test_select(void **state)
{
	struct fake_mem m = {0};
	uint64_t r35 = (1 << 3) | (1 << 5), r3 = 1 << 3, w4 = 1 << 4, r5 = 1 << 5, empty = 0;
	int64_t tv[2] = {0, 999997}, ts[2] = {0, 999997015}, zero[2] = {0, 0};
	uint64_t usr1 = 1ull << 9;
	uint64_t sigdata[2] = {0x6000, 8}, nomask[2] = {0, 8};

	fake_map(&m, 0x1000, &r35, 8);
	fake_map(&m, 0x1100, &r3, 8);
	fake_map(&m, 0x1200, &w4, 8);
	fake_map(&m, 0x1300, &r5, 8);
	fake_map(&m, 0x1400, &empty, 8);
	fake_map(&m, 0x2000, tv, sizeof(tv));
	fake_map(&m, 0x3000, ts, sizeof(ts));
	fake_map(&m, 0x3100, zero, sizeof(zero));
	fake_map(&m, 0x5000, sigdata, sizeof(sigdata));
	fake_map(&m, 0x5100, nomask, sizeof(nomask));
	fake_map(&m, 0x6000, &usr1, sizeof(usr1));
	/* The sets and the timeout are read again at exit, where the kernel rewrote them. */
	assert_string_equal(LINE(&m, SYS_select, 4, 0x1100, 0, 0, 0x2000, 0, 1),
			    "select(4, [3], NULL, NULL, {tv_sec=0, tv_usec=999997}) = 1 (in [3], "
			    "left {tv_sec=0, tv_usec=999997})");
	assert_string_equal(LINE(&m, SYS_select, 5, 0, 0x1200, 0, 0, 0, 1),
			    "select(5, NULL, [4], NULL, NULL)        = 1 (out [4])");
	assert_string_equal(LINE(&m, SYS_select, 0, 0, 0, 0, 0x3100, 0, 0),
			    "select(0, NULL, NULL, NULL, {tv_sec=0, tv_usec=0}) = 0 (Timeout)");
	assert_string_equal(LINE(&m, SYS_pselect6, 6, 0x1000, 0x1200, 0, 0x3000, 0, 2),
			    "pselect6(6, [3 5], [4], NULL, {tv_sec=0, tv_nsec=999997015}, NULL) = "
			    "2 (in [3 5], out [4], left {tv_sec=0, tv_nsec=999997015})");
	assert_string_equal(LINE(&m, SYS_pselect6, 6, 0x1300, 0, 0, 0x3000, 0, 0),
			    "pselect6(6, [5], NULL, NULL, {tv_sec=0, tv_nsec=999997015}, NULL) = 0 "
			    "(Timeout)");
	assert_string_equal(LINE(&m, SYS_pselect6, 4, 0x1100, 0, 0, 0x3000, 0x5000, 1),
			    "pselect6(4, [3], NULL, NULL, {tv_sec=0, tv_nsec=999997015}, "
			    "{sigmask=[USR1], sigsetsize=8}) = 1 (in [3], left {tv_sec=0, "
			    "tv_nsec=999997015})");
	assert_string_equal(LINE(&m, SYS_pselect6, 4, 0x1100, 0, 0, 0, 0x5100, 1),
			    "pselect6(4, [3], NULL, NULL, NULL, {sigmask=NULL, sigsetsize=8}) = 1 "
			    "(in [3])");
	assert_string_equal(LINE(&m, SYS_select, 4, 0x1400, 0, 0, 0, 0, -EINTR),
			    "select(4, [], NULL, NULL, NULL)         = -1 EINTR (Interrupted "
			    "system call)");
}

static void test_epoll(void **state)
{
	struct fake_mem m = {0};
	struct epoll_event ev3 = {EPOLLIN | EPOLLET, {.u64 = 3}};
	struct epoll_event ev4 = {EPOLLOUT, {.u64 = 0x100000007ULL}};
	struct epoll_event got[2] = {{EPOLLIN, {.u64 = 3}}, {EPOLLOUT | EPOLLHUP, {.u64 = 4}}};
	uint64_t usr1 = 1ull << 9;

	fake_map(&m, 0x1000, &ev3, sizeof(ev3));
	fake_map(&m, 0x2000, &ev4, sizeof(ev4));
	fake_map(&m, 0x3000, got, sizeof(got));
	fake_map(&m, 0x4000, &usr1, sizeof(usr1));
	assert_string_equal(LINE(&m, SYS_epoll_create1, 02000000, 0, 0, 0, 0, 0, 7),
			    "epoll_create1(EPOLL_CLOEXEC)            = 7");
	assert_string_equal(LINE(&m, SYS_epoll_create1, 0, 0, 0, 0, 0, 0, 8),
			    "epoll_create1(0)                        = 8");
	assert_string_equal(LINE(&m, SYS_epoll_create, 5, 0, 0, 0, 0, 0, 9),
			    "epoll_create(5)                         = 9");
	assert_string_equal(LINE(&m, SYS_epoll_ctl, 7, 1, 3, 0x1000, 0, 0, 0),
			    "epoll_ctl(7, EPOLL_CTL_ADD, 3, {events=EPOLLIN|EPOLLET, data={u32=3, "
			    "u64=3}}) = 0");
	assert_string_equal(LINE(&m, SYS_epoll_ctl, 7, 3, 4, 0x2000, 0, 0, 0),
			    "epoll_ctl(7, EPOLL_CTL_MOD, 4, {events=EPOLLOUT, data={u32=7, "
			    "u64=4294967303}}) = 0");
	assert_string_equal(LINE(&m, SYS_epoll_ctl, 7, 2, 4, 0, 0, 0, 0),
			    "epoll_ctl(7, EPOLL_CTL_DEL, 4, NULL)    = 0");
	assert_string_equal(LINE(&m, SYS_epoll_ctl, 7, 1, 999, 0x2000, 0, 0, -EBADF),
			    "epoll_ctl(7, EPOLL_CTL_ADD, 999, {events=EPOLLOUT, data={u32=7, "
			    "u64=4294967303}}) = -1 EBADF (Bad file descriptor)");
	assert_string_equal(LINE(&m, SYS_epoll_wait, 7, 0x3000, 4, 100, 0, 0, 1),
			    "epoll_wait(7, [{events=EPOLLIN, data={u32=3, u64=3}}], 4, 100) = 1");
	assert_string_equal(LINE(&m, SYS_epoll_wait, 7, 0x3000, 4, NEG(-1), 0, 0, 2),
			    "epoll_wait(7, [{events=EPOLLIN, data={u32=3, u64=3}}, "
			    "{events=EPOLLOUT|EPOLLHUP, data={u32=4, u64=4}}], 4, -1) = 2");
	assert_string_equal(LINE(&m, SYS_epoll_wait, 7, 8, 4, 0, 0, 0, 0),
			    "epoll_wait(7, [], 4, 0)                 = 0");
	assert_string_equal(LINE(&m, SYS_epoll_pwait, 7, 0x3000, 4, 0, 0x4000, 8, 0),
			    "epoll_pwait(7, [], 4, 0, [USR1], 8)     = 0");
	assert_string_equal(LINE(&m, SYS_epoll_wait, 7, 0x3000, 4, 0, 0, 0, -EINTR),
			    "epoll_wait(7, 0x3000, 4, 0)             = -1 EINTR (Interrupted "
			    "system call)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_futex),
		cmocka_unit_test(test_poll),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_epoll),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
