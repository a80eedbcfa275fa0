/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_names: numbers to the names strace prints, and back.  System call names come from
 * libseccomp (cached per number on first use, since libseccomp hands out fresh copies); errno
 * names from glibc's strerrorname_np plus the kernel-internal restart codes that never reach
 * user space but do reach a tracer; signal names from sigabbrev_np with strace's spellings
 * (SIGIO rather than SIGPOLL, SIGRTMIN and SIGRT_n above it).  Unknown numbers give NULL and the
 * printers fall back to decimal, as strace does.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_priv.h"

static char *syscall_names[FMT_NR_SYSCALLS];
static pthread_once_t syscall_names_once = PTHREAD_ONCE_INIT;

static void load_syscall_names(void)
{
	for (int nr = 0; nr < FMT_NR_SYSCALLS; nr++)
		syscall_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
}

const char *fmt_syscall_name(long nr)
{
	if (nr < 0 || nr >= FMT_NR_SYSCALLS)
		return NULL;
	pthread_once(&syscall_names_once, load_syscall_names);
	return syscall_names[nr];
}

long fmt_syscall_number(const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);

	return nr >= 0 ? nr : -1;
}

/* The kernel's include/linux/errno.h, 512 onwards. */
static const char *const internal_errnos[] = {
	"ERESTARTSYS",
	"ERESTARTNOINTR",
	"ERESTARTNOHAND",
	"ENOIOCTLCMD",
	"ERESTART_RESTARTBLOCK",
	"EPROBE_DEFER",
	"EOPENSTALE",
	"ENOPARAM",
	NULL,
	"EBADHANDLE",
	"ENOTSYNC",
	"EBADCOOKIE",
	"ENOTSUPP",
	"ETOOSMALL",
	"ESERVERFAULT",
	"EBADTYPE",
	"EJUKEBOX",
	"EIOCBQUEUED",
	"ERECALLCONFLICT",
};

const char *fmt_errno_name(int err)
{
	if (err >= 512 && err < 512 + (int)FMT_ARRAY_SIZE(internal_errnos))
		return internal_errnos[err - 512];
	if (err <= 0)
		return NULL;
	return strerrorname_np(err);
}

const char *fmt_errno_text(int err)
{
	switch (err) {
	case 512:
		return "To be restarted if SA_RESTART is set";
	case 513:
		return "To be restarted";
	case 514:
		return "To be restarted if no handler";
	case 516:
		return "Interrupted by signal";
	}
	return strerror(err);
}

#define RT(n) "SIGRT_" #n
static const char *const rt_names[] = {
	"SIGRTMIN", RT(1),  RT(2),  RT(3),  RT(4),  RT(5),  RT(6),  RT(7),  RT(8),  RT(9),  RT(10),
	RT(11),	    RT(12), RT(13), RT(14), RT(15), RT(16), RT(17), RT(18), RT(19), RT(20), RT(21),
	RT(22),	    RT(23), RT(24), RT(25), RT(26), RT(27), RT(28), RT(29), RT(30), RT(31), RT(32),
};

/* "SIG" + sigabbrev_np for 1..31, built once because sigabbrev_np lacks the prefix. */
static char classic_names[32][12];
static pthread_once_t classic_once = PTHREAD_ONCE_INIT;

static void load_classic_names(void)
{
	for (int sig = 1; sig < 32; sig++) {
		const char *abbrev = sig == SIGIO ? "IO" : sigabbrev_np(sig);

		if (abbrev)
			snprintf(classic_names[sig], sizeof(classic_names[sig]), "SIG%s", abbrev);
	}
}

const char *fmt_signal_name(int sig)
{
	if (sig >= 1 && sig < 32) {
		pthread_once(&classic_once, load_classic_names);
		return classic_names[sig][0] ? classic_names[sig] : NULL;
	}
	if (sig >= 32 && sig < 32 + (int)FMT_ARRAY_SIZE(rt_names))
		return rt_names[sig - 32];
	return NULL;
}

static int parse_uint(const char *s, int *ret_val)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > 1000)
		return -EINVAL;
	*ret_val = (int)v;
	return 0;
}

int fmt_signal_number(const char *name)
{
	const char *bare = name;
	int n;

	if (!parse_uint(name, &n))
		return n >= 1 && n <= 64 ? n : -EINVAL;
	if (!strncasecmp(bare, "SIG", 3))
		bare += 3;
	for (int sig = 1; sig <= 64; sig++) {
		const char *s = fmt_signal_name(sig);

		if (s && !strcasecmp(s + 3, bare))
			return sig;
	}
	if (!strncasecmp(bare, "RTMIN+", 6) && !parse_uint(bare + 6, &n) && n <= 32)
		return 32 + n;
	if (!strcasecmp(bare, "RTMAX"))
		return 64;
	if (!strcasecmp(bare, "POLL"))
		return SIGPOLL;
	if (!strcasecmp(bare, "IOT"))
		return SIGIOT;
	if (!strcasecmp(bare, "CLD"))
		return SIGCHLD;
	return -EINVAL;
}
