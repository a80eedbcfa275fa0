/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for utrace's strace-format output (tools/utrace/fmt/): everything it
 * prints comes from the tracee, registers and memory alike.  The first byte picks the reader:
 *
 *   0..3  a system call: number, six argument registers, the result, -s, the stack pointer
 *         and the output column from the input (a mask byte turns chosen arguments into
 *         pointers into the fake memory), and the rest of the input as the tracee's memory,
 *         mapped at MEM_BASE (reads past its end are short, reads outside it fail, as
 *         process_vm_readv does); through entry, exit, the resumed and noreturn forms;
 *   4     a siginfo_t and a wait status from the bytes (fmt_siginfo, fmt_signal_line,
 *         fmt_wait_status, fmt_exit_line), and the name tables;
 *   5     -e trace= text (fmt_traceset_parse) with an error buffer of any size;
 *   6     -e signal= text (fmt_sigset_parse) and fmt_signal_number;
 *   7     the -c summary with rows from the bytes.
 *
 * Nothing may crash, hang, leak or read out of bounds, and fmt.h's promises must hold: a set
 * that does not parse is -EINVAL with its bitmap untouched and a NUL-terminated message.
 *
 * One thing is left out: -e trace=/REGEX with stacked repetitions ("/m+++++++++++++++++++",
 * "/a{999}{999}").  glibc's regcomp expands each repetition into copies of the tree, so
 * compiling takes time and memory exponential in their number, for strace as for us (strace
 * 6.1 takes 10 s and 750 MB on twenty '+').  The expression is the user's own command line,
 * and no other regcomp can be had, so such specs are not passed on (too_costly_regex).
 */
#include <string.h>

#include "utrace/fmt.h"

#include "fuzz_util.h"

#define MEM_BASE 0x10000ULL
#define SYS_HDR	 (2 + 1 + 1 + 1 + 8 + 8 + 6 * 8)

struct fake_mem {
	const uint8_t *bytes;
	size_t len;
};

static long mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct fake_mem *m = ctx;
	size_t off, n;

	if (addr < MEM_BASE || addr - MEM_BASE >= m->len)
		return -EFAULT;
	off = (size_t)(addr - MEM_BASE);
	n = m->len - off < len ? m->len - off : len;
	memcpy(buf, m->bytes + off, n);
	return (long)n;
}

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static char *text_of(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static void fuzz_syscall(const uint8_t *data, size_t size, int variant)
{
	struct fake_mem m;
	struct fmt_ctx ctx = {.read = mem_read, .read_ctx = &m};
	struct strbuf sb = {0};
	uint64_t args[6];
	long nr;
	int64_t ret;
	uint8_t ptrs;

	if (size < SYS_HDR)
		return;
	nr = (long)(data[0] | data[1] << 8) - 16;
	ctx.string_limit = (int8_t)data[2];
	ctx.column = data[3] & 0x3f;
	ptrs = data[4];
	ret = (int64_t)u64_at(data + 5);
	m.bytes = data + SYS_HDR;
	m.len = size - SYS_HDR;
	ctx.sp = u64_at(data + 13);
	if (ctx.sp & 1)
		ctx.sp = MEM_BASE + (ctx.sp >> 1) % (m.len + 64);
	for (int i = 0; i < 6; i++) {
		args[i] = u64_at(data + 21 + 8 * i);
		if (ptrs & (1u << i))
			args[i] = MEM_BASE + args[i] % (m.len + 16);
	}
	if (ptrs & 0x40 && ret >= 0)
		ret %= 4096;
	if (variant & 1)
		ctx.read = NULL;
	if (fmt_syscall_entry(&sb, &ctx, nr, args)) {
		if (variant & 2) {
			fmt_syscall_unfinished(&sb);
			sb_putc(&sb, '\n');
			fmt_syscall_resumed(&sb, nr);
		}
		fmt_syscall_exit(&sb, &ctx, nr, args, ret);
	} else {
		fmt_syscall_noreturn(&sb, &ctx);
	}
	fmt_syscall_result(&sb, nr, args, ret);
	(void)fmt_syscall_name(nr);
	FUZZ_CHECK(strlen(sb_str(&sb)) == sb.len);
	sb_release(&sb);
}

static void fuzz_signals(const uint8_t *data, size_t size)
{
	struct strbuf sb = {0};
	siginfo_t si;
	int status = 0, n;

	memset(&si, 0, sizeof(si));
	memcpy(&si, data, size < sizeof(si) ? size : sizeof(si));
	memcpy(&status, data, size < sizeof(status) ? size : sizeof(status));
	n = size ? (int8_t)data[0] : 0;
	fmt_siginfo(&sb, &si);
	fmt_signal_line(&sb, &si);
	fmt_wait_status(&sb, status);
	fmt_exit_line(&sb, status);
	(void)fmt_signal_name(n);
	(void)fmt_signal_name(si.si_signo);
	if (fmt_errno_name(status))
		(void)strlen(fmt_errno_text(status));
	(void)fmt_errno_text(n);
	FUZZ_CHECK(strlen(sb_str(&sb)) == sb.len);
	sb_release(&sb);
}

static bool too_costly_regex(const char *spec)
{
	int reps = 0;

	if (!strchr(spec, '/'))
		return false;
	for (const char *p = spec; *p; p++)
		reps += *p == '+' || *p == '*' || *p == '?';
	return reps > 3 || strchr(spec, '{');
}

static void fuzz_traceset(const uint8_t *data, size_t size)
{
	uint64_t bitmap[FMT_NR_SYSCALLS / 64], before[FMT_NR_SYSCALLS / 64];
	size_t errlen = size ? data[0] % 80 : 0;
	char *err = malloc(errlen ? errlen : 1);
	char *spec = text_of(data + !!size, size - !!size);
	int r;

	if (!err)
		abort();
	if (too_costly_regex(spec)) {
		free(spec);
		free(err);
		return;
	}
	memset(bitmap, 0xa5, sizeof(bitmap));
	memcpy(before, bitmap, sizeof(before));
	r = fmt_traceset_parse(spec, bitmap, err, errlen);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r < 0) {
		FUZZ_CHECK(!memcmp(bitmap, before, sizeof(bitmap)));
		FUZZ_CHECK(!errlen || memchr(err, '\0', errlen));
	}
	for (long nr = -1; nr <= FMT_NR_SYSCALLS; nr += 97)
		(void)fmt_traceset_has(bitmap, nr);
	(void)fmt_syscall_number(spec);
	free(spec);
	free(err);
}

static void fuzz_sigset(const uint8_t *data, size_t size)
{
	size_t errlen = size ? data[0] % 80 : 0;
	char *err = malloc(errlen ? errlen : 1);
	char *spec = text_of(data + !!size, size - !!size);
	uint64_t mask = 0x5a5a5a5a5a5a5a5aULL;
	int r, sig;

	if (!err)
		abort();
	r = fmt_sigset_parse(spec, &mask, err, errlen);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r < 0) {
		FUZZ_CHECK(mask == 0x5a5a5a5a5a5a5a5aULL);
		FUZZ_CHECK(!errlen || memchr(err, '\0', errlen));
	}
	sig = fmt_signal_number(spec);
	FUZZ_CHECK(sig == -EINVAL || (sig >= 1 && sig <= 64));
	free(spec);
	free(err);
}

static void fuzz_summary(const uint8_t *data, size_t size)
{
	struct fmt_summary *s = malloc(sizeof(*s));
	struct strbuf sb = {0};

	if (!s)
		abort();
	fmt_summary_init(s);
	for (size_t i = 0; i + 11 <= size; i += 11) {
		long nr = (long)(data[i] | data[i + 1] << 8) - 8;

		fmt_summary_add(s, nr, u64_at(data + i + 2), data[i + 10] & 1);
	}
	fmt_summary_format(s, &sb);
	FUZZ_CHECK(strlen(sb_str(&sb)) == sb.len);
	sb_release(&sb);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] & 7) {
	case 0:
	case 1:
	case 2:
	case 3:
		fuzz_syscall(data + 1, size - 1, data[0] & 3);
		break;
	case 4:
		fuzz_signals(data + 1, size - 1);
		break;
	case 5:
		fuzz_traceset(data + 1, size - 1);
		break;
	case 6:
		fuzz_sigset(data + 1, size - 1);
		break;
	default:
		fuzz_summary(data + 1, size - 1);
		break;
	}
	return 0;
}
