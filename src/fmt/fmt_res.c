/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_res: calls about process resources and the address space that strace decodes with small
 * tables: prlimit64's struct rlimit64 (RLIM64_INFINITY, and multiples of 1024 above 1024 written
 * as N*1024), getrandom's bytes in hex escapes, sched_getaffinity's CPU list, arch_prctl's codes
 * with the value GET codes store, and madvise's advice.  Output arguments are read only after
 * success; otherwise, or when unreadable, they print as addresses.
 */
#include <inttypes.h>

#include "fmt_priv.h"

static const struct fmt_xlat rlimits[] = {
	XLAT_PAIR(0, "RLIMIT_CPU"),
	XLAT_PAIR(1, "RLIMIT_FSIZE"),
	XLAT_PAIR(2, "RLIMIT_DATA"),
	XLAT_PAIR(3, "RLIMIT_STACK"),
	XLAT_PAIR(4, "RLIMIT_CORE"),
	XLAT_PAIR(5, "RLIMIT_RSS"),
	XLAT_PAIR(6, "RLIMIT_NPROC"),
	XLAT_PAIR(7, "RLIMIT_NOFILE"),
	XLAT_PAIR(8, "RLIMIT_MEMLOCK"),
	XLAT_PAIR(9, "RLIMIT_AS"),
	XLAT_PAIR(10, "RLIMIT_LOCKS"),
	XLAT_PAIR(11, "RLIMIT_SIGPENDING"),
	XLAT_PAIR(12, "RLIMIT_MSGQUEUE"),
	XLAT_PAIR(13, "RLIMIT_NICE"),
	XLAT_PAIR(14, "RLIMIT_RTPRIO"),
	XLAT_PAIR(15, "RLIMIT_RTTIME"),
	XLAT_END,
};

static const struct fmt_xlat grnd_flags[] = {
	XLAT_PAIR(1, "GRND_NONBLOCK"),
	XLAT_PAIR(2, "GRND_RANDOM"),
	XLAT_PAIR(4, "GRND_INSECURE"),
	XLAT_END,
};

static const struct fmt_xlat arch_codes[] = {
	XLAT_PAIR(0x1001, "ARCH_SET_GS"),
	XLAT_PAIR(0x1002, "ARCH_SET_FS"),
	XLAT_PAIR(0x1003, "ARCH_GET_FS"),
	XLAT_PAIR(0x1004, "ARCH_GET_GS"),
	XLAT_PAIR(0x1011, "ARCH_GET_CPUID"),
	XLAT_PAIR(0x1012, "ARCH_SET_CPUID"),
	XLAT_PAIR(0x1021, "ARCH_GET_XCOMP_SUPP"),
	XLAT_PAIR(0x1022, "ARCH_GET_XCOMP_PERM"),
	XLAT_PAIR(0x1023, "ARCH_REQ_XCOMP_PERM"),
	XLAT_PAIR(0x2001, "ARCH_MAP_VDSO_X32"),
	XLAT_PAIR(0x2002, "ARCH_MAP_VDSO_32"),
	XLAT_PAIR(0x2003, "ARCH_MAP_VDSO_64"),
	XLAT_END,
};

static const struct fmt_xlat madv[] = {
	XLAT_PAIR(0, "MADV_NORMAL"),	      XLAT_PAIR(1, "MADV_RANDOM"),
	XLAT_PAIR(2, "MADV_SEQUENTIAL"),      XLAT_PAIR(3, "MADV_WILLNEED"),
	XLAT_PAIR(4, "MADV_DONTNEED"),	      XLAT_PAIR(8, "MADV_FREE"),
	XLAT_PAIR(9, "MADV_REMOVE"),	      XLAT_PAIR(10, "MADV_DONTFORK"),
	XLAT_PAIR(11, "MADV_DOFORK"),	      XLAT_PAIR(12, "MADV_MERGEABLE"),
	XLAT_PAIR(13, "MADV_UNMERGEABLE"),    XLAT_PAIR(14, "MADV_HUGEPAGE"),
	XLAT_PAIR(15, "MADV_NOHUGEPAGE"),     XLAT_PAIR(16, "MADV_DONTDUMP"),
	XLAT_PAIR(17, "MADV_DODUMP"),	      XLAT_PAIR(18, "MADV_WIPEONFORK"),
	XLAT_PAIR(19, "MADV_KEEPONFORK"),     XLAT_PAIR(20, "MADV_COLD"),
	XLAT_PAIR(21, "MADV_PAGEOUT"),	      XLAT_PAIR(22, "MADV_POPULATE_READ"),
	XLAT_PAIR(23, "MADV_POPULATE_WRITE"), XLAT_PAIR(24, "MADV_DONTNEED_LOCKED"),
	XLAT_PAIR(25, "MADV_COLLAPSE"),	      XLAT_PAIR(100, "MADV_HWPOISON"),
	XLAT_PAIR(101, "MADV_SOFT_OFFLINE"),  XLAT_END,
};

static void print_rlim(struct strbuf *out, uint64_t v)
{
	if (v == UINT64_MAX)
		sb_printf(out, "RLIM64_INFINITY");
	else if (v > 1024 && v % 1024 == 0)
		sb_printf(out, "%" PRIu64 "*1024", v / 1024);
	else
		sb_printf(out, "%" PRIu64, v);
}

static void print_rlimit(struct fmt_call *c, uint64_t addr)
{
	uint64_t rl[2];

	if (!fmt_fetch(c, addr, rl, sizeof(rl)))
		return;
	sb_printf(c->out, "{rlim_cur=");
	print_rlim(c->out, rl[0]);
	sb_printf(c->out, ", rlim_max=");
	print_rlim(c->out, rl[1]);
	sb_putc(c->out, '}');
}

bool fmt_sys_prlimit64(struct fmt_call *c)
{
	if (c->exiting) {
		print_rlimit(c, c->args[3]);
		return false;
	}
	sb_printf(c->out, "%d, ", (int)c->args[0]);
	fmt_print_xval(c->out, rlimits, (uint32_t)c->args[1], "RLIMIT_???");
	sb_printf(c->out, ", ");
	print_rlimit(c, c->args[2]);
	sb_printf(c->out, ", ");
	return true;
}

bool fmt_sys_getrandom(struct fmt_call *c)
{
	if (!c->exiting)
		return true;
	if (c->failed)
		fmt_print_addr(c->out, c->args[0]);
	else
		fmt_print_hex_str(c, c->args[0], c->ret);
	sb_printf(c->out, ", %" PRIu64 ", ", c->args[1]);
	fmt_print_flags(c->out, grnd_flags, (uint32_t)c->args[2], "GRND_???");
	return false;
}

bool fmt_sys_sched_getaffinity(struct fmt_call *c)
{
	uint64_t words[128];
	size_t n = c->ret > 0 && (size_t)c->ret < sizeof(words) ? (size_t)c->ret : sizeof(words);
	bool first = true;

	if (!c->exiting) {
		sb_printf(c->out, "%d, %" PRIu64 ", ", (int)c->args[0], c->args[1]);
		return true;
	}
	n &= ~(size_t)7;
	if (!fmt_fetch(c, c->args[2], words, n))
		return false;
	sb_putc(c->out, '[');
	for (size_t cpu = 0; cpu < n * 8; cpu++) {
		if (!(words[cpu / 64] >> (cpu % 64) & 1))
			continue;
		sb_printf(c->out, first ? "%zu" : " %zu", cpu);
		first = false;
	}
	sb_putc(c->out, ']');
	return false;
}

bool fmt_sys_arch_prctl(struct fmt_call *c)
{
	uint32_t code = (uint32_t)c->args[0];
	bool get = code == 0x1003 || code == 0x1004;
	uint64_t v;

	if (!c->exiting) {
		fmt_print_xval(c->out, arch_codes, code, "ARCH_???");
		sb_printf(c->out, ", ");
		if (!get)
			sb_printf(c->out, "%#" PRIx64, c->args[1]);
		return get;
	}
	if (get && fmt_fetch(c, c->args[1], &v, sizeof(v)))
		sb_printf(c->out, "[%#" PRIx64 "]", v);
	return false;
}

bool fmt_sys_madvise(struct fmt_call *c)
{
	if (c->exiting)
		return false;
	fmt_print_addr(c->out, c->args[0]);
	sb_printf(c->out, ", %" PRIu64 ", ", c->args[1]);
	fmt_print_xval(c->out, madv, (uint32_t)c->args[2], "MADV_???");
	return false;
}
