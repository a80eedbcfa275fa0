/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * src/os/mem.c against a real child: a fork of this test, so its text and data are at our
 * addresses, plus pages it maps for the cases (an edge before an unmapped page, a PROT_NONE
 * page).  The child is seized, as a tracer's tracee is, and answers over a pipe.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "os/os.h"

static char data[32] = "parent data";

/* Longer than the 6 bytes the text test writes over its start. */
static __attribute__((noinline, used)) int text_target(int x)
{
	__asm__ volatile("nop; nop; nop; nop; nop; nop; nop; nop");
	return x * 3 + 1;
}

struct child {
	pid_t pid;
	int cmd, reply;
	uint64_t edge;	 /* a page of 'A's ending in "abcd\0", an unmapped page after it */
	uint64_t hidden; /* a PROT_NONE page that starts with "secret" */
};

static void child_main(int cmd, int reply)
{
	char *edge = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *hidden = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t addrs[2] = {(uint64_t)(uintptr_t)edge, (uint64_t)(uintptr_t)hidden};
	char c;

	memset(edge, 'A', 4096);
	memcpy(edge + 4096 - 5, "abcd", 5);
	munmap(edge + 4096, 4096);
	strcpy(hidden, "secret");
	mprotect(hidden, 4096, PROT_NONE);
	strcpy(data, "child data");
	if (write(reply, addrs, sizeof(addrs)) != sizeof(addrs))
		_exit(1);
	while (read(cmd, &c, 1) == 1) {
		if (c == 'd' && write(reply, data, sizeof(data)) != sizeof(data))
			_exit(1);
		if (c == 't') {
			int v = text_target(2);

			if (write(reply, &v, sizeof(v)) != sizeof(v))
				_exit(1);
		}
	}
	_exit(0);
}

static int setup(void **state)
{
	static struct child c;
	int to[2], from[2];
	uint64_t addrs[2];

	if (pipe(to) < 0 || pipe(from) < 0)
		return -1;
	c.pid = fork();
	if (c.pid == 0) {
		close(to[1]);
		close(from[0]);
		child_main(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	c.cmd = to[1];
	c.reply = from[0];
	if (read(c.reply, addrs, sizeof(addrs)) != sizeof(addrs) || pt_seize(c.pid, 0) < 0)
		return -1;
	c.edge = addrs[0];
	c.hidden = addrs[1];
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	struct child *c = *state;
	int status;

	close(c->cmd);
	close(c->reply);
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &status, 0);
	return 0;
}

static void ask(struct child *c, char what, void *buf, size_t len)
{
	assert_int_equal(write(c->cmd, &what, 1), 1);
	assert_int_equal(read(c->reply, buf, len), (ssize_t)len);
}

static uint64_t addr_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void test_read(void **state)
{
	struct child *c = *state;
	char buf[sizeof(data)];

	assert_int_equal(mem_read(c->pid, addr_of(data), buf, sizeof(buf)), sizeof(buf));
	assert_string_equal(buf, "child data");
	memset(buf, 0, sizeof(buf));
	assert_int_equal(mem_read_all(c->pid, addr_of(data), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "child data");
	assert_string_equal(data, "parent data");
}

static void test_write(void **state)
{
	struct child *c = *state;
	char buf[sizeof(data)];

	assert_int_equal(mem_write(c->pid, addr_of(data), "written", 8), 8);
	ask(c, 'd', buf, sizeof(buf));
	assert_string_equal(buf, "written");
	assert_int_equal(mem_write_user(c->pid, addr_of(data), "as user", 8), 0);
	ask(c, 'd', buf, sizeof(buf));
	assert_string_equal(buf, "as user");
}

/* Read-only text: only /proc/PID/mem writes it, in the child's copy of the page alone. */
static void test_text(void **state)
{
	static const uint8_t ret1[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3}; /* mov $42,%eax; ret */
	struct child *c = *state;
	uint8_t mine[sizeof(ret1)], theirs[sizeof(ret1)];
	uint64_t at = addr_of((void *)text_target);
	int v;

	memcpy(mine, (void *)text_target, sizeof(mine));
	assert_int_equal(mem_read_all(c->pid, at, theirs, sizeof(theirs)), 0);
	assert_memory_equal(mine, theirs, sizeof(mine));
	assert_int_equal(mem_write_user(c->pid, at, ret1, sizeof(ret1)), -EFAULT);
	assert_int_equal(mem_write_all(c->pid, at, ret1, sizeof(ret1)), 0);
	assert_int_equal(mem_read_all(c->pid, at, theirs, sizeof(theirs)), 0);
	assert_memory_equal(theirs, ret1, sizeof(ret1));
	ask(c, 't', &v, sizeof(v));
	assert_int_equal(v, 42);
	assert_int_equal(text_target(2), 7);
	assert_memory_equal(mine, (void *)text_target, sizeof(mine));
}

/* A page the process cannot read itself: process_vm_readv fails, /proc/PID/mem reads it. */
static void test_unreadable(void **state)
{
	struct child *c = *state;
	char buf[7];

	assert_int_equal(mem_read(c->pid, c->hidden, buf, sizeof(buf)), sizeof(buf));
	assert_string_equal(buf, "secret");
}

/* A range running into an unmapped page is done up to it. */
static void test_short(void **state)
{
	struct child *c = *state;
	char buf[16], str[64];

	assert_int_equal(mem_read(c->pid, c->edge + 4096 - 8, buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "AAAabcd", 8);
	assert_int_equal(mem_read_all(c->pid, c->edge + 4096 - 8, buf, sizeof(buf)), -EFAULT);
	assert_int_equal(mem_read(c->pid, c->edge + 4096, buf, sizeof(buf)), -EFAULT);
	assert_int_equal(mem_write(c->pid, c->edge + 4096 - 4, "wxyz1234", 8), 4);
	assert_int_equal(mem_read_all(c->pid, c->edge + 4096 - 4, buf, 4), 0);
	assert_memory_equal(buf, "wxyz", 4);
	assert_int_equal(mem_write_all(c->pid, c->edge + 4096 - 5, "ab", 3), 0);
	assert_int_equal(mem_read_str(c->pid, c->edge + 4096 - 5, str, sizeof(str)), 2);
	assert_string_equal(str, "ab");
	assert_int_equal(mem_read_str(c->pid, c->edge + 4096 - 2, str, sizeof(str)), 2);
	assert_memory_equal(str, "yz", 3);
}

static void test_callbacks(void **state)
{
	struct child *c = *state;
	char buf[11];

	assert_int_equal(mem_pid_read(MEM_PID(c->pid), addr_of(data), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "child data");
	assert_int_equal(mem_pid_write(MEM_PID(c->pid), c->edge + 4096 - 1, "xy", 2), -EFAULT);
}

/* No such process: a zombie (no memory any more) and a reaped pid. */
static void test_dead(void **state)
{
	pid_t pid = fork();
	siginfo_t si;
	char buf[8];
	int status;

	if (pid == 0)
		_exit(0);
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(mem_read(pid, addr_of(data), buf, sizeof(buf)), -ESRCH);
	assert_int_equal(mem_write(pid, addr_of(data), buf, sizeof(buf)), -ESRCH);
	waitpid(pid, &status, 0);
	assert_int_equal(mem_read(pid, addr_of(data), buf, sizeof(buf)), -ESRCH);
	assert_int_equal(mem_read_all(pid, addr_of(data), buf, sizeof(buf)), -ESRCH);
	assert_int_equal(mem_write_user(pid, addr_of(data), buf, sizeof(buf)), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callbacks, setup, teardown),
		cmocka_unit_test(test_dead),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
