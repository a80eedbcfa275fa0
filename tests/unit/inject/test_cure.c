/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The undo journal against a fake tracee: 4 KiB of memory (with a hole that is not mapped,
 * and addresses where a write fails), remote syscalls and dispositions that are logged, and
 * registers per thread.  Every case checks the memory and the log after the undo.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "inject/cure.h"

#define BASE	 0x10000ULL
#define MAP_AT	 0x70000000ULL
#define ORIGINAL "0123456789abcdefghijklmnopqrstuv"

struct fake {
	uint8_t mem[4096];
	uint64_t hole_lo, hole_hi; /* not mapped */
	uint64_t fail_at;	   /* a write touching it fails */
	char log[512];		   /* "w@0x10002+2 mmap munmap@0x70000000 ..." */
	struct arch_ksigaction sa[65];
	struct user_regs_struct regs;
	pid_t regs_tid;
	long munmap_ret;
};

static struct fake fk;

static void logf_(const char *fmt, ...)
{
	size_t n = strlen(fk.log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fk.log + n, sizeof(fk.log) - n, fmt, ap);
	va_end(ap);
}

static int check(uint64_t addr, size_t len)
{
	if (addr < BASE || addr + len > BASE + sizeof(fk.mem))
		return -EFAULT;
	if (addr < fk.hole_hi && fk.hole_lo < addr + len)
		return -EFAULT;
	return 0;
}

static int f_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	int r = check(addr, len);

	if (r == 0)
		memcpy(buf, fk.mem + (addr - BASE), len);
	return r;
}

static int f_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	int r = check(addr, len);

	if (addr >= MAP_AT && addr < MAP_AT + 8192) {
		logf_("w@map+%zu ", len);
		return 0;
	}
	if (r == 0 && fk.fail_at >= addr && fk.fail_at < addr + len)
		r = -EIO;
	if (r == 0) {
		memcpy(fk.mem + (addr - BASE), buf, len);
		logf_("w@%#lx+%zu ", (unsigned long)addr, len);
	}
	return r;
}

static int f_syscall(void *ctx, pid_t tid, long nr, const uint64_t args[6], long *ret_value)
{
	if (nr == SYS_mmap) {
		logf_("mmap(%lu) ", (unsigned long)args[1]);
		*ret_value = (long)MAP_AT;
	} else if (nr == SYS_munmap) {
		logf_("munmap(%#lx,%lu) ", (unsigned long)args[0], (unsigned long)args[1]);
		*ret_value = fk.munmap_ret;
	} else {
		return -ENOSYS;
	}
	return 0;
}

static int f_sigaction(void *ctx, pid_t tid, int sig, const struct arch_ksigaction *act,
		       struct arch_ksigaction *ret_old)
{
	if (ret_old)
		*ret_old = fk.sa[sig];
	if (act) {
		fk.sa[sig] = *act;
		logf_("sigaction(%d,%#lx) ", sig, (unsigned long)act->handler);
	}
	return 0;
}

static int f_set_regs(void *ctx, pid_t tid, const struct user_regs_struct *regs)
{
	if (tid != fk.regs_tid)
		return -ESRCH;
	fk.regs = *regs;
	logf_("regs(%d) ", tid);
	return 0;
}

static const struct cure_backend full = {f_read, f_write, f_syscall, f_sigaction, f_set_regs};
static const struct cure_backend mem_only = {f_read, f_write};

static int setup(void **state)
{
	memset(&fk, 0, sizeof(fk));
	memcpy(fk.mem, ORIGINAL, 32);
	*state = cure_new(1234);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	cure_unref(*state);
	return 0;
}

static void assert_original(void)
{
	assert_memory_equal(fk.mem, ORIGINAL, 32);
}

static void test_write_undo(void **state)
{
	struct cure *j = *state;
	cure_id id = 0;

	assert_int_equal(cure_write(j, &full, BASE + 2, "XY", 2, "test", &id), 0);
	assert_true(id != 0);
	assert_memory_equal(fk.mem + 2, "XY", 2);
	assert_int_equal(cure_count(j), 1);
	assert_int_equal(cure_undo(j, &full), 0);
	assert_original();
	assert_int_equal(cure_count(j), 0);
	/* Nothing recorded when the write fails. */
	assert_int_equal(cure_write(j, &full, BASE + 8192, "XY", 2, "test", &id), -EFAULT);
	assert_int_equal(cure_count(j), 0);
}

/* Newest first, each one's old bytes back. */
static void test_reverse_order(void **state)
{
	struct cure *j = *state;

	assert_int_equal(cure_write(j, &full, BASE + 0, "A", 1, "a", NULL), 0);
	assert_int_equal(cure_write(j, &full, BASE + 16, "BB", 2, "b", NULL), 0);
	assert_int_equal(cure_write(j, &full, BASE + 8, "CCC", 3, "c", NULL), 0);
	fk.log[0] = '\0';
	assert_int_equal(cure_undo(j, &full), 0);
	assert_string_equal(fk.log, "w@0x10008+3 w@0x10010+2 w@0x10000+1 ");
	assert_original();
}

/* Writes over writes: the reverse replay ends with the first write's old bytes. */
static void test_overlap(void **state)
{
	struct cure *j = *state;

	assert_int_equal(cure_write(j, &full, BASE + 4, "AAAA", 4, "a", NULL), 0);
	assert_int_equal(cure_write(j, &full, BASE + 5, "BB", 2, "b", NULL), 0);
	assert_int_equal(cure_write(j, &full, BASE + 6, "CCCC", 4, "c", NULL), 0);
	assert_memory_equal(fk.mem + 4, "ABCCCC", 6);
	assert_int_equal(cure_undo(j, &full), 0);
	assert_original();
}

/* Reverting an entry that a later one overlaps: the later one inherits the original. */
static void test_revert_under_later(void **state)
{
	struct cure *j = *state;
	cure_id a, b;

	assert_int_equal(cure_write(j, &full, BASE + 4, "AAAA", 4, "a", &a), 0);
	assert_int_equal(cure_write(j, &full, BASE + 5, "BB", 2, "b", &b), 0);
	assert_int_equal(cure_revert(j, &full, a), 0);
	assert_memory_equal(fk.mem + 4, "4BB7", 4);
	assert_int_equal(cure_count(j), 1);
	assert_int_equal(cure_revert(j, &full, a), -ENOENT);
	assert_int_equal(cure_undo(j, &full), 0);
	assert_original();

	/* The other way round: the later one first, then the earlier. */
	assert_int_equal(cure_write(j, &full, BASE + 4, "AAAA", 4, "a", &a), 0);
	assert_int_equal(cure_write(j, &full, BASE + 5, "BB", 2, "b", &b), 0);
	assert_int_equal(cure_revert(j, &full, b), 0);
	assert_memory_equal(fk.mem + 4, "AAAA", 4);
	assert_int_equal(cure_revert(j, &full, a), 0);
	assert_original();
}

/* The program wrote over our bytes: its bytes stay, the rest is undone. */
static void test_left_alone(void **state)
{
	struct cure *j = *state;
	cure_id id;

	assert_int_equal(cure_write(j, &full, BASE + 0, "XX", 2, "a", NULL), 0);
	assert_int_equal(cure_write(j, &full, BASE + 10, "YY", 2, "b", &id), 0);
	assert_int_equal(cure_write(j, &full, BASE + 20, "ZZ", 2, "c", NULL), 0);
	fk.mem[11] = 'p';
	assert_int_equal(cure_undo(j, &full), 1);
	assert_memory_equal(fk.mem + 10, "Yp", 2);
	fk.mem[10] = 'a';
	fk.mem[11] = 'b';
	assert_original();
	assert_int_equal(cure_count(j), 0);

	assert_int_equal(cure_write(j, &full, BASE + 10, "YY", 2, "b", &id), 0);
	fk.mem[10] = 'q';
	assert_int_equal(cure_revert(j, &full, id), 1);
	assert_int_equal(fk.mem[10], 'q');
}

/* One entry cannot be undone (its page is gone, a write fails): the others still are. */
static void test_failed_entry(void **state)
{
	struct cure *j = *state;

	assert_int_equal(cure_write(j, &full, BASE + 0, "XX", 2, "a", NULL), 0);
	assert_int_equal(cure_write(j, &full, BASE + 10, "YY", 2, "b", NULL), 0);
	assert_int_equal(cure_write(j, &full, BASE + 20, "ZZ", 2, "c", NULL), 0);
	assert_int_equal(cure_write(j, &full, BASE + 30, "WW", 2, "d", NULL), 0);
	fk.hole_lo = BASE + 10;
	fk.hole_hi = BASE + 12;
	fk.fail_at = BASE + 21;
	assert_int_equal(cure_undo(j, &full), 2);
	assert_int_equal(cure_count(j), 0);
	assert_memory_equal(fk.mem + 0, "01", 2);
	assert_memory_equal(fk.mem + 10, "YY", 2);
	assert_memory_equal(fk.mem + 20, "ZZ", 2);
	assert_memory_equal(fk.mem + 30, "uv", 2);
}

/* Counters come down by what we added, whatever the program did meanwhile. */
static void test_counter(void **state)
{
	struct cure *j = *state;
	uint16_t v = 0;
	cure_id id;

	memcpy(fk.mem + 64, &v, 2);
	assert_int_equal(cure_counter_add(j, &full, BASE + 64, 1, "semaphore", NULL), 0);
	assert_int_equal(cure_counter_add(j, &full, BASE + 64, 1, "semaphore", &id), 0);
	memcpy(&v, fk.mem + 64, 2);
	assert_int_equal(v, 2);
	v = 5; /* the program raised it too */
	memcpy(fk.mem + 64, &v, 2);
	assert_int_equal(cure_revert(j, &full, id), 0);
	assert_int_equal(cure_undo(j, &full), 0);
	memcpy(&v, fk.mem + 64, 2);
	assert_int_equal(v, 3);

	/* Already lowered to 0 by somebody else: left at 0. */
	v = 0;
	memcpy(fk.mem + 64, &v, 2);
	assert_int_equal(cure_counter_add(j, &full, BASE + 64, 1, "semaphore", NULL), 0);
	memcpy(fk.mem + 64, &v, 2);
	assert_int_equal(cure_undo(j, &full), 1);
	memcpy(&v, fk.mem + 64, 2);
	assert_int_equal(v, 0);
	assert_int_equal(cure_counter_add(j, &full, BASE + 64, 0, "semaphore", NULL), -EINVAL);
}

/* A mapping of ours: writes into it are not recorded, and it goes last, by munmap. */
static void test_mapping(void **state)
{
	static const uint64_t args[6] = {0, 8192, 7, 0x22, (uint64_t)-1, 0};
	struct cure *j = *state;
	cure_id id = 0, in = 1;
	long addr = 0;

	assert_int_equal(cure_write(j, &full, BASE + 0, "X", 1, "before", NULL), 0);
	assert_int_equal(cure_mmap(j, &full, 99, args, "area", &addr, &id), 0);
	assert_int_equal(addr, MAP_AT);
	assert_true(id != 0);
	assert_int_equal(cure_write(j, &full, MAP_AT + 128, "code", 4, "slot", &in), 0);
	assert_int_equal(in, 0);
	assert_int_equal(cure_count(j), 2);
	assert_int_equal(cure_write(j, &full, BASE + 1, "Y", 1, "after", NULL), 0);
	fk.log[0] = '\0';
	assert_int_equal(cure_undo(j, &full), 0);
	assert_string_equal(fk.log, "w@0x10001+1 munmap(0x70000000,8192) w@0x10000+1 ");
	assert_original();

	/* A munmap that fails is reported; what comes before it is still undone. */
	assert_int_equal(cure_write(j, &full, BASE + 0, "X", 1, "before", NULL), 0);
	assert_int_equal(cure_mmap(j, &full, 99, args, "area", &addr, &id), 0);
	fk.munmap_ret = -EINVAL;
	assert_int_equal(cure_undo(j, &full), 1);
	assert_original();
}

/* A backend that cannot run syscalls undoes the rest and keeps the mapping for later. */
static void test_partial_backend(void **state)
{
	static const uint64_t args[6] = {0, 4096, 7, 0x22, (uint64_t)-1, 0};
	struct cure *j = *state;
	long addr;

	assert_int_equal(cure_mmap(j, &full, 99, args, "area", &addr, NULL), 0);
	assert_int_equal(cure_write(j, &full, BASE + 3, "Q", 1, "b", NULL), 0);
	fk.log[0] = '\0';
	assert_int_equal(cure_undo(j, &mem_only), 0);
	assert_string_equal(fk.log, "w@0x10003+1 ");
	assert_int_equal(cure_count(j), 1);
	assert_int_equal(cure_undo(j, &full), 0);
	assert_string_equal(fk.log, "w@0x10003+1 munmap(0x70000000,4096) ");
	assert_int_equal(cure_count(j), 0);
	assert_int_equal(cure_mmap(j, &mem_only, 99, args, "area", &addr, NULL), -ENOSYS);
}

static void test_sigaction(void **state)
{
	struct cure *j = *state;
	struct arch_ksigaction ign = {.handler = 1}, own = {.handler = 0x401000};

	fk.sa[12].handler = 0x400800;
	assert_int_equal(cure_sigaction(j, &full, 99, 12, &ign, "handler", NULL), 0);
	assert_int_equal(fk.sa[12].handler, 1);
	assert_int_equal(cure_undo(j, &full), 0);
	assert_int_equal(fk.sa[12].handler, 0x400800);

	/* The program installed its own after ours: it keeps it. */
	assert_int_equal(cure_sigaction(j, &full, 99, 12, &ign, "handler", NULL), 0);
	fk.sa[12] = own;
	assert_int_equal(cure_undo(j, &full), 1);
	assert_int_equal(fk.sa[12].handler, 0x401000);
}

static void test_regs(void **state)
{
	struct cure *j = *state;
	struct user_regs_struct saved;

	memset(&saved, 0x5a, sizeof(saved));
	fk.regs_tid = 77;
	assert_int_equal(cure_save_regs(j, 77, &saved, "call", NULL), 0);
	assert_int_equal(cure_save_regs(j, 78, &saved, "call", NULL), 0);
	assert_int_equal(cure_undo(j, &mem_only), 0);
	assert_int_equal(cure_count(j), 2);
	assert_int_equal(cure_undo(j, &full), 1); /* thread 78 is gone */
	assert_memory_equal(&fk.regs, &saved, sizeof(saved));
}

static int custom_undo(const struct cure_backend *be, const void *data, size_t len)
{
	logf_("custom(%.*s) ", (int)len, (const char *)data);
	return 0;
}

static const struct cure_custom memfd = {"memfd", CURE_NEED_SYSCALL, false, custom_undo};

static void test_custom(void **state)
{
	struct cure *j = *state;

	assert_int_equal(cure_record(j, &memfd, "fd3", 3, "agent memfd", NULL), 0);
	assert_int_equal(cure_write(j, &full, BASE, "X", 1, "b", NULL), 0);
	fk.log[0] = '\0';
	assert_int_equal(cure_undo(j, &mem_only), 0);
	assert_int_equal(cure_undo(j, &full), 0);
	assert_string_equal(fk.log, "w@0x10000+1 custom(fd3) ");
}

/* A fork child's copy: memory and dispositions, not registers or non-inherited kinds. */
static void test_fork(void **state)
{
	static const uint64_t args[6] = {0, 4096, 7, 0x22, (uint64_t)-1, 0};
	struct cure *j = *state, *child;
	struct user_regs_struct regs = {0};
	cure_id bp, mine;
	long addr;

	assert_int_equal(cure_write(j, &full, BASE + 1, "X", 1, "breakpoint", &bp), 0);
	assert_int_equal(cure_mmap(j, &full, 99, args, "area", &addr, NULL), 0);
	assert_int_equal(cure_save_regs(j, 99, &regs, "call", NULL), 0);
	assert_int_equal(cure_record(j, &memfd, "fd", 2, "agent memfd", NULL), 0);
	child = cure_fork(j, 4321);
	assert_non_null(child);
	assert_int_equal(cure_count(child), 2);
	assert_int_equal(cure_revert(child, &full, bp), 0);
	assert_original();
	/* Ids stay unique across the copies. */
	assert_int_equal(cure_write(child, &full, BASE + 2, "Y", 1, "other", &mine), 0);
	assert_true(mine > bp);
	assert_int_equal(cure_undo(child, &full), 0);
	cure_unref(child);
	assert_int_equal(cure_count(j), 4);
	cure_forget_all(j);
}

static void test_forget(void **state)
{
	static const uint64_t args[6] = {0, 4096, 7, 0x22, (uint64_t)-1, 0};
	struct cure *j = *state;
	cure_id a;
	long addr;

	assert_int_equal(cure_write(j, &full, BASE + 1, "A", 1, "a", &a), 0);
	assert_int_equal(cure_write(j, &full, BASE + 100, "B", 1, "b", NULL), 0);
	assert_int_equal(cure_write(j, &full, BASE + 200, "C", 1, "c", NULL), 0);
	assert_int_equal(cure_mmap(j, &full, 99, args, "area", &addr, NULL), 0);
	cure_forget(j, a);
	cure_forget_range(j, BASE + 100, BASE + 101);
	cure_forget_range(j, MAP_AT, MAP_AT + 4096);
	assert_int_equal(cure_count(j), 1);
	fk.log[0] = '\0';
	assert_int_equal(cure_undo(j, &full), 0);
	assert_string_equal(fk.log, "w@0x100c8+1 ");
	assert_int_equal(fk.mem[1], 'A');
	assert_int_equal(fk.mem[100], 'B');
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_write_undo),
		T(test_reverse_order),
		T(test_overlap),
		T(test_revert_under_later),
		T(test_left_alone),
		T(test_failed_entry),
		T(test_counter),
		T(test_mapping),
		T(test_partial_backend),
		T(test_sigaction),
		T(test_regs),
		T(test_custom),
		T(test_fork),
		T(test_forget),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
