/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Socket lines against strace 6.1's output: socket's family/type/protocol tables, socketpair,
 * bind and connect with IPv4, IPv6 and AF_UNIX (path and abstract) addresses, accept4 and
 * getsockname with the address the kernel wrote, sendto/recvfrom buffers, setsockopt and
 * getsockopt names and values, listen and shutdown.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <cmocka.h>

#include "fake_mem.h"

#define LINE(m, nr, a0, a1, a2, a3, a4, a5, ret) fake_line(m, 32, nr, a0, a1, a2, a3, a4, a5, ret)

static void test_socket(void **state)
{
	struct fake_mem m = {0};
	int sv[2] = {13, 14};

	fake_map(&m, 0x1000, sv, sizeof(sv));
	assert_string_equal(
		LINE(&m, SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0, 5),
		"socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 5");
	assert_string_equal(LINE(&m, SYS_socket, AF_INET6, SOCK_DGRAM, IPPROTO_UDP, 0, 0, 0, 6),
			    "socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP) = 6");
	assert_string_equal(
		LINE(&m, SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, 0, 0, 0, 7),
		"socket(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK, 0) = 7");
	assert_string_equal(LINE(&m, SYS_socket, AF_INET, SOCK_RAW, IPPROTO_ICMP, 0, 0, 0, 8),
			    "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) = 8");
	assert_string_equal(LINE(&m, SYS_socket, AF_NETLINK, SOCK_RAW, 0, 0, 0, 0, 9),
			    "socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) = 9");
	assert_string_equal(LINE(&m, SYS_socket, AF_PACKET, SOCK_DGRAM, 0, 0, 0, 0, 12),
			    "socket(AF_PACKET, SOCK_DGRAM, htons(0 /* ETH_P_??? */)) = 12");
	assert_string_equal(LINE(&m, SYS_socket, AF_PACKET, SOCK_RAW, 0x0300, 0, 0, 0, 12),
			    "socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)) = 12");
	assert_string_equal(LINE(&m, SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, 0x1000, 0, 0, 0),
			    "socketpair(AF_UNIX, SOCK_STREAM, 0, [13, 14]) = 0");
	assert_string_equal(LINE(&m, SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				 0x1000, 0, 0, 0),
			    "socketpair(AF_UNIX, SOCK_SEQPACKET|SOCK_CLOEXEC, 0, [13, 14]) = 0");
	assert_string_equal(LINE(&m, SYS_listen, 5, 4096, 0, 0, 0, 0, 0),
			    "listen(5, 4096)                         = 0");
	assert_string_equal(LINE(&m, SYS_shutdown, 17, SHUT_WR, 0, 0, 0, 0, 0),
			    "shutdown(17, SHUT_WR)                   = 0");
	assert_string_equal(LINE(&m, SYS_shutdown, 17, SHUT_RDWR, 0, 0, 0, 0, 0),
			    "shutdown(17, SHUT_RDWR)                 = 0");
}

static void test_addresses(void **state)
{
	struct fake_mem m = {0};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80)};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(443)};
	struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "/run/x"};
	struct sockaddr_un ab = {.sun_family = AF_UNIX, .sun_path = "\0abstract"};

	a.sin_addr.s_addr = inet_addr("127.0.0.1");
	inet_pton(AF_INET6, "::1", &a6.sin6_addr);
	fake_map(&m, 0x1000, &a, sizeof(a));
	fake_map(&m, 0x2000, &a6, sizeof(a6));
	fake_map(&m, 0x3000, &un, sizeof(un));
	fake_map(&m, 0x4000, &ab, sizeof(ab));
	assert_string_equal(LINE(&m, SYS_bind, 5, 0x1000, 16, 0, 0, 0, 0),
			    "bind(5, {sa_family=AF_INET, sin_port=htons(80), "
			    "sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0");
	assert_string_equal(
		LINE(&m, SYS_connect, 21, 0x2000, 28, 0, 0, 0, -ECONNREFUSED),
		"connect(21, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), "
		"inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, 28) = -1 "
		"ECONNREFUSED (Connection refused)");
	assert_string_equal(LINE(&m, SYS_connect, 22, 0x3000, 110, 0, 0, 0, -ENOENT),
			    "connect(22, {sa_family=AF_UNIX, sun_path=\"/run/x\"}, 110) = -1 "
			    "ENOENT (No such file or directory)");
	assert_string_equal(LINE(&m, SYS_connect, 22, 0x3000, 9, 0, 0, 0, -ENOENT),
			    "connect(22, {sa_family=AF_UNIX, sun_path=\"/run/x\"}, 9) = -1 ENOENT "
			    "(No such file or directory)");
	assert_string_equal(LINE(&m, SYS_connect, 22, 0x4000, 11, 0, 0, 0, -ECONNREFUSED),
			    "connect(22, {sa_family=AF_UNIX, sun_path=@\"abstract\"}, 11) = -1 "
			    "ECONNREFUSED (Connection refused)");
	assert_string_equal(LINE(&m, SYS_connect, 22, 1, 16, 0, 0, 0, -EFAULT),
			    "connect(22, 0x1, 16)                    = -1 EFAULT (Bad address)");
	assert_string_equal(LINE(&m, SYS_connect, 22, 0x3000, 1, 0, 0, 0, -EINVAL),
			    "connect(22, 0x3000, 1)                  = -1 EINVAL (Invalid "
			    "argument)");
}

static void test_accept(void **state)
{
	struct fake_mem m = {0};
	struct sockaddr_in pa = {.sin_family = AF_INET, .sin_port = htons(34240)};
	int len = 16;

	pa.sin_addr.s_addr = inet_addr("127.0.0.1");
	fake_map(&m, 0x1000, &pa, sizeof(pa));
	fake_map(&m, 0x2000, &len, sizeof(len));
	assert_string_equal(LINE(&m, SYS_accept4, 5, 0x1000, 0x2000, SOCK_CLOEXEC, 0, 0, 18),
			    "accept4(5, {sa_family=AF_INET, sin_port=htons(34240), "
			    "sin_addr=inet_addr(\"127.0.0.1\")}, [16], SOCK_CLOEXEC) = 18");
	assert_string_equal(LINE(&m, SYS_accept, 5, 0, 0, 0, 0, 0, -EAGAIN),
			    "accept(5, NULL, NULL)                   = -1 EAGAIN (Resource "
			    "temporarily unavailable)");
	assert_string_equal(LINE(&m, SYS_getsockname, 5, 0x1000, 0x2000, 0, 0, 0, 0),
			    "getsockname(5, {sa_family=AF_INET, sin_port=htons(34240), "
			    "sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 0");
	assert_string_equal(LINE(&m, SYS_accept4, 5, 0x1000, 0x2000, 0, 0, 0, -EBADF),
			    "accept4(5, 0x1000, [16], 0)             = -1 EBADF (Bad file "
			    "descriptor)");
}

static void test_send_recv(void **state)
{
	struct fake_mem m = {0};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
	int len = 16;

	a.sin_addr.s_addr = inet_addr("127.0.0.1");
	fake_map(&m, 0x1000, "hello", 5);
	fake_map(&m, 0x1100, "hi\n", 3);
	fake_map(&m, 0x2000, &a, sizeof(a));
	fake_map(&m, 0x3000, &len, sizeof(len));
	assert_string_equal(LINE(&m, SYS_sendto, 17, 0x1000, 5, 0, 0, 0, 5),
			    "sendto(17, \"hello\", 5, 0, NULL, 0)      = 5");
	assert_string_equal(LINE(&m, SYS_sendto, 17, 0x1100, 3, MSG_NOSIGNAL, 0, 0, 3),
			    "sendto(17, \"hi\\n\", 3, MSG_NOSIGNAL, NULL, 0) = 3");
	assert_string_equal(LINE(&m, SYS_sendto, 19, 0x1000, 1, 0, 0x2000, 16, 1),
			    "sendto(19, \"h\", 1, 0, {sa_family=AF_INET, sin_port=htons(53), "
			    "sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 1");
	assert_string_equal(LINE(&m, SYS_recvfrom, 18, 0x1000, 64, 0, 0, 0, 5),
			    "recvfrom(18, \"hello\", 64, 0, NULL, NULL) = 5");
	assert_string_equal(LINE(&m, SYS_recvfrom, 18, 0x1100, 64, MSG_DONTWAIT, 0, 0, 3),
			    "recvfrom(18, \"hi\\n\", 64, MSG_DONTWAIT, NULL, NULL) = 3");
	assert_string_equal(
		LINE(&m, SYS_recvfrom, 18, 0x7ffcb6f1b7b0, 64, MSG_DONTWAIT, 0, 0, -EAGAIN),
		"recvfrom(18, 0x7ffcb6f1b7b0, 64, MSG_DONTWAIT, NULL, NULL) = -1 "
		"EAGAIN (Resource temporarily unavailable)");
	assert_string_equal(LINE(&m, SYS_recvfrom, 20, 0x1000, 64, 0, 0x2000, 0x3000, 2),
			    "recvfrom(20, \"he\", 64, 0, {sa_family=AF_INET, sin_port=htons(53), "
			    "sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 2");
}

static void test_sockopts(void **state)
{
	struct fake_mem m = {0};
	int one = 1, zero = 0, four = 4;
	int64_t tv[2] = {1, 0};

	fake_map(&m, 0x1000, &one, sizeof(one));
	fake_map(&m, 0x2000, tv, sizeof(tv));
	fake_map(&m, 0x3000, &zero, sizeof(zero));
	fake_map(&m, 0x4000, &four, sizeof(four));
	assert_string_equal(LINE(&m, SYS_setsockopt, 5, SOL_SOCKET, SO_REUSEADDR, 0x1000, 4, 0, 0),
			    "setsockopt(5, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0");
	assert_string_equal(LINE(&m, SYS_setsockopt, 5, IPPROTO_TCP, 1, 0x1000, 4, 0, 0),
			    "setsockopt(5, SOL_TCP, TCP_NODELAY, [1], 4) = 0");
	assert_string_equal(LINE(&m, SYS_setsockopt, 5, SOL_IP, 2, 0x1000, 4, 0, 0),
			    "setsockopt(5, SOL_IP, IP_TTL, [1], 4)   = 0");
	assert_string_equal(LINE(&m, SYS_setsockopt, 5, SOL_SOCKET, 20, 0x2000, 16, 0, 0),
			    "setsockopt(5, SOL_SOCKET, SO_RCVTIMEO_OLD, "
			    "\"\\1\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\", 16) = 0");
	assert_string_equal(
		LINE(&m, SYS_setsockopt, 5, SOL_SOCKET, 999, 0x1000, 4, 0, -ENOPROTOOPT),
		"setsockopt(5, SOL_SOCKET, 0x3e7 /* SO_??? */, [1], 4) = -1 "
		"ENOPROTOOPT (Protocol not available)");
	assert_string_equal(LINE(&m, SYS_getsockopt, 5, SOL_SOCKET, SO_ERROR, 0x3000, 0x4000, 0, 0),
			    "getsockopt(5, SOL_SOCKET, SO_ERROR, [0], [4]) = 0");
	assert_string_equal(LINE(&m, SYS_getsockopt, 5, SOL_SOCKET, SO_TYPE, 0x1000, 0x4000, 0, 0),
			    "getsockopt(5, SOL_SOCKET, SO_TYPE, [1], [4]) = 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket),	 cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_accept),	 cmocka_unit_test(test_send_recv),
		cmocka_unit_test(test_sockopts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
