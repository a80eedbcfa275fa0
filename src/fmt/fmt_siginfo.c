/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_siginfo: a delivered signal's siginfo_t as strace's printsiginfo shows it, plus the "---"
 * and "+++" lines around it.  Which fields appear depends first on whether a process sent the
 * signal (si_code <= 0: sender pid and uid, timer or queue values) and otherwise on the signal:
 * SIGCHLD the child's status and times, the faults their address, SIGSYS the blocked call.
 * si_code names are looked up in the generic SI_* table first, then in the signal's own table;
 * an unknown code prints in hex.  Pure formatting; nothing can fail.
 */
#include <inttypes.h>
#include <signal.h>
#include <sys/wait.h>

#include "fmt_priv.h"

static const struct fmt_xlat si_codes[] = {
	XLAT_PAIR(0, "SI_USER"),
	XLAT_PAIR(0x80, "SI_KERNEL"),
	XLAT_PAIR(-1, "SI_QUEUE"),
	XLAT_PAIR(-2, "SI_TIMER"),
	XLAT_PAIR(-3, "SI_MESGQ"),
	XLAT_PAIR(-4, "SI_ASYNCIO"),
	XLAT_PAIR(-5, "SI_SIGIO"),
	XLAT_PAIR(-6, "SI_TKILL"),
	XLAT_PAIR(-7, "SI_DETHREAD"),
	XLAT_PAIR(-60, "SI_ASYNCNL"),
	XLAT_END,
};

static const struct fmt_xlat chld_codes[] = {
	XLAT(CLD_EXITED),  XLAT(CLD_KILLED),	XLAT(CLD_DUMPED), XLAT(CLD_TRAPPED),
	XLAT(CLD_STOPPED), XLAT(CLD_CONTINUED), XLAT_END,
};

static const struct fmt_xlat segv_codes[] = {
	XLAT_PAIR(1, "SEGV_MAPERR"),
	XLAT_PAIR(2, "SEGV_ACCERR"),
	XLAT_PAIR(3, "SEGV_BNDERR"),
	XLAT_PAIR(4, "SEGV_PKUERR"),
	XLAT_PAIR(5, "SEGV_ACCADI"),
	XLAT_PAIR(6, "SEGV_ADIDERR"),
	XLAT_PAIR(7, "SEGV_ADIPERR"),
	XLAT_PAIR(8, "SEGV_MTEAERR"),
	XLAT_PAIR(9, "SEGV_MTESERR"),
	XLAT_PAIR(10, "SEGV_CPERR"),
	XLAT_END,
};

static const struct fmt_xlat bus_codes[] = {
	XLAT_PAIR(1, "BUS_ADRALN"),    XLAT_PAIR(2, "BUS_ADRERR"),    XLAT_PAIR(3, "BUS_OBJERR"),
	XLAT_PAIR(4, "BUS_MCEERR_AR"), XLAT_PAIR(5, "BUS_MCEERR_AO"), XLAT_END,
};

static const struct fmt_xlat ill_codes[] = {
	XLAT_PAIR(1, "ILL_ILLOPC"),   XLAT_PAIR(2, "ILL_ILLOPN"),
	XLAT_PAIR(3, "ILL_ILLADR"),   XLAT_PAIR(4, "ILL_ILLTRP"),
	XLAT_PAIR(5, "ILL_PRVOPC"),   XLAT_PAIR(6, "ILL_PRVREG"),
	XLAT_PAIR(7, "ILL_COPROC"),   XLAT_PAIR(8, "ILL_BADSTK"),
	XLAT_PAIR(9, "ILL_BADIADDR"), XLAT_END,
};

static const struct fmt_xlat fpe_codes[] = {
	XLAT_PAIR(1, "FPE_INTDIV"),
	XLAT_PAIR(2, "FPE_INTOVF"),
	XLAT_PAIR(3, "FPE_FLTDIV"),
	XLAT_PAIR(4, "FPE_FLTOVF"),
	XLAT_PAIR(5, "FPE_FLTUND"),
	XLAT_PAIR(6, "FPE_FLTRES"),
	XLAT_PAIR(7, "FPE_FLTINV"),
	XLAT_PAIR(8, "FPE_FLTSUB"),
	XLAT_PAIR(14, "FPE_FLTUNK"),
	XLAT_PAIR(15, "FPE_CONDTRAP"),
	XLAT_END,
};

static const struct fmt_xlat trap_codes[] = {
	XLAT_PAIR(1, "TRAP_BRKPT"),
	XLAT_PAIR(2, "TRAP_TRACE"),
	XLAT_PAIR(3, "TRAP_BRANCH"),
	XLAT_PAIR(4, "TRAP_HWBKPT"),
	XLAT_PAIR(5, "TRAP_UNK"),
	XLAT_PAIR(6, "TRAP_PERF"),
	XLAT_END,
};

static const struct fmt_xlat poll_codes[] = {
	XLAT_PAIR(1, "POLL_IN"),
	XLAT_PAIR(2, "POLL_OUT"),
	XLAT_PAIR(3, "POLL_MSG"),
	XLAT_PAIR(4, "POLL_ERR"),
	XLAT_PAIR(5, "POLL_PRI"),
	XLAT_PAIR(6, "POLL_HUP"),
	XLAT_END,
};

static const struct fmt_xlat sys_codes[] = {
	XLAT_PAIR(1, "SYS_SECCOMP"),
	XLAT_PAIR(2, "SYS_USER_DISPATCH"),
	XLAT_END,
};

static const struct fmt_xlat *signal_codes(int sig)
{
	switch (sig) {
	case SIGCHLD:
		return chld_codes;
	case SIGSEGV:
		return segv_codes;
	case SIGBUS:
		return bus_codes;
	case SIGILL:
		return ill_codes;
	case SIGFPE:
		return fpe_codes;
	case SIGTRAP:
		return trap_codes;
	case SIGIO:
		return poll_codes;
	case SIGSYS:
		return sys_codes;
	}
	return NULL;
}

static void print_code(struct strbuf *out, int sig, int code)
{
	const struct fmt_xlat *tab = signal_codes(sig);
	const char *name = fmt_xlookup(si_codes, (uint64_t)(int64_t)code);

	if (!name && tab)
		name = fmt_xlookup(tab, (uint64_t)(int64_t)code);
	if (name)
		sb_printf(out, "%s", name);
	else
		sb_printf(out, "%#x", (unsigned int)code);
}

static void print_source(struct strbuf *out, const siginfo_t *si)
{
	sb_printf(out, ", si_pid=%d, si_uid=%u", si->si_pid, si->si_uid);
}

static void print_value(struct strbuf *out, const siginfo_t *si)
{
	sb_printf(out, ", si_int=%d, si_ptr=", si->si_int);
	fmt_print_addr(out, (uint64_t)(uintptr_t)si->si_ptr);
}

static void print_addr_field(struct strbuf *out, const char *field, const void *p)
{
	sb_printf(out, ", %s=", field);
	fmt_print_addr(out, (uint64_t)(uintptr_t)p);
}

static void print_from_user(struct strbuf *out, const siginfo_t *si)
{
	switch (si->si_code) {
	case SI_USER:
	case SI_TKILL:
		print_source(out, si);
		break;
	case SI_TIMER:
		sb_printf(out, ", si_timerid=%#x, si_overrun=%d", (unsigned int)si->si_timerid,
			  si->si_overrun);
		print_value(out, si);
		break;
	case SI_SIGIO:
		sb_printf(out, ", si_band=%ld, si_fd=%d", si->si_band, si->si_fd);
		break;
	default:
		print_source(out, si);
		if (si->si_ptr)
			print_value(out, si);
	}
}

static void print_from_kernel(struct strbuf *out, const siginfo_t *si)
{
	switch (si->si_signo) {
	case SIGCHLD:
		print_source(out, si);
		sb_printf(out, ", si_status=");
		if (si->si_code == CLD_EXITED)
			sb_printf(out, "%d", si->si_status);
		else
			fmt_print_signal(out, si->si_status);
		sb_printf(out, ", si_utime=%llu, si_stime=%llu", (unsigned long long)si->si_utime,
			  (unsigned long long)si->si_stime);
		break;
	case SIGILL:
	case SIGFPE:
	case SIGBUS:
	case SIGSEGV:
	case SIGTRAP:
		print_addr_field(out, "si_addr", si->si_addr);
		break;
	case SIGIO:
		if (si->si_code >= POLL_IN && si->si_code <= POLL_MSG)
			sb_printf(out, ", si_band=%ld, si_fd=%d", si->si_band, si->si_fd);
		break;
	case SIGSYS: {
		const char *name = fmt_syscall_name(si->si_syscall);

		print_addr_field(out, "si_call_addr", si->si_call_addr);
		if (name && si->si_arch == 0xc000003e)
			sb_printf(out, ", si_syscall=__NR_%s", name);
		else
			sb_printf(out, ", si_syscall=%d", si->si_syscall);
		if (si->si_arch == 0xc000003e)
			sb_printf(out, ", si_arch=AUDIT_ARCH_X86_64");
		else
			sb_printf(out, ", si_arch=%#x /* AUDIT_ARCH_??? */", si->si_arch);
		break;
	}
	default:
		if (si->si_pid || si->si_uid)
			print_source(out, si);
		if (si->si_ptr)
			print_value(out, si);
	}
}

void fmt_siginfo(struct strbuf *out, const siginfo_t *si)
{
	sb_putc(out, '{');
	if (si->si_signo) {
		sb_printf(out, "si_signo=");
		fmt_print_signal(out, si->si_signo);
		sb_printf(out, ", si_code=");
		print_code(out, si->si_signo, si->si_code);
		if (si->si_errno) {
			const char *e = fmt_errno_name(si->si_errno);

			if (e)
				sb_printf(out, ", si_errno=%s", e);
			else
				sb_printf(out, ", si_errno=%u", (unsigned int)si->si_errno);
		}
		if (si->si_code <= 0)
			print_from_user(out, si);
		else
			print_from_kernel(out, si);
	}
	sb_putc(out, '}');
}

void fmt_signal_line(struct strbuf *out, const siginfo_t *si)
{
	sb_printf(out, "--- ");
	fmt_print_signal(out, si->si_signo);
	sb_putc(out, ' ');
	fmt_siginfo(out, si);
	sb_printf(out, " ---");
}

void fmt_exit_line(struct strbuf *out, int wstatus)
{
	if (WIFSIGNALED(wstatus)) {
		sb_printf(out, "+++ killed by ");
		fmt_print_signal(out, WTERMSIG(wstatus));
		sb_printf(out, "%s +++", WCOREDUMP(wstatus) ? " (core dumped)" : "");
	} else {
		sb_printf(out, "+++ exited with %d +++", WEXITSTATUS(wstatus));
	}
}
