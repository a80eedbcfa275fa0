/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * host_tracer: the VM's host (struct vm_host) when handlers run in the tracer.
 *
 * Output goes to the session's output sink, warnings and runtime errors to its message sink,
 * each after the output so far was flushed, so that the two streams interleave as they were
 * produced.  Clocks are clock_gettime; regexes are POSIX regexec on the program's patterns,
 * compiled once per session (lang/regexes.c); randomness comes from getrandom, or from the session's fixed seed so that tests of
 * randint() are reproducible.  What a hit's process needs the tracer for (symbols, module
 * names, /proc, stacks, load biases) is answered from the session's per-process caches
 * (proc.c, symbolize.c); probes that are not process probes get -ENOENT, except that stacks
 * kept from hits are symbolized in end probes too, in the target's mappings.
 *
 * The traced process's memory is read with mem_read (process_vm_readv, then /proc/PID/mem).  A
 * guru-mode write ($var = v) uses mem_write_user, which keeps the page protections, so a
 * read-only address is a fault as in stap; only where that call is not allowed at all does
 * /proc/PID/mem do the write.  The data of both is the pid.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "os/os.h"
#include "lang/regexes.h"
#include "script-priv.h"

/* The VM reports every failed access as a fault (-EFAULT), whatever the kernel said. */
int script_read_tracee(void *data, uint64_t addr, void *buf, size_t len)
{
	return mem_pid_read(data, addr, buf, len) < 0 ? -EFAULT : 0;
}

int script_write_tracee(void *data, uint64_t addr, const void *buf, size_t len)
{
	return mem_write_user(MEM_PID_OF(data), addr, buf, len) < 0 ? -EFAULT : 0;
}

static void host_output(void *data, const char *buf, size_t len)
{
	struct script_session *s = data;

	if (s->opts.output)
		s->opts.output(s->opts.data, buf, len);
}

static void host_warn(void *data, const char *msg)
{
	script_say(data, SCRIPT_MSG_WARNING, "%s", msg);
}

static int64_t host_clock(void *data, bool monotonic)
{
	struct timespec ts;

	clock_gettime(monotonic ? CLOCK_MONOTONIC : CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void host_control(void *data, enum vm_control what)
{
	struct script_session *s = data;

	if (what == VM_CTL_ABORT)
		s->aborted = true;
	s->exit_requested = true;
	script_inproc_stop(s);
}

static void host_error(void *data, const char *msg, const char *where)
{
	struct script_session *s = data;

	s->errors++;
	script_inproc_stop(s);
	if (where && *where)
		script_say(s, SCRIPT_MSG_ERROR, "%s near %s", msg, where);
	else
		script_say(s, SCRIPT_MSG_ERROR, "%s", msg);
}

static int host_regex(void *data, uint32_t re, const char *str, struct vm_submatch *m, unsigned nm)
{
	struct script_session *s = data;

	return vm_regexes_match(s->regexes, re, str, m, nm);
}

uint64_t script_random(struct script_session *s)
{
	uint64_t v = 0;

	if (s->opts.fixed_seed)
		return s->opts.seed * 0x9e3779b97f4a7c15ull + 1;
	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint64_t)host_clock(NULL, true) ^ (uint64_t)getpid() << 32;
	return v;
}

static uint64_t host_random(void *data)
{
	return script_random(data);
}

static bool is_process(const struct vm_hit_ctx *ctx)
{
	return ctx->probe && ctx->probe->kind == VM_PROBE_PROCESS;
}

static long host_context_str(void *data, const struct vm_hit_ctx *ctx, enum vm_ctx_query q,
			     uint64_t addr, const char *name, char *buf, size_t len)
{
	struct script_session *s = data;
	pid_t pid = (pid_t)ctx->pid;

	if ((q == VM_CTX_USYMDATA || q == VM_CTX_USYMDATA_RA) && ctx->probe && !is_process(ctx) &&
	    ctx->target)
		return script_usymdata(s, (pid_t)ctx->target, addr, q == VM_CTX_USYMDATA_RA, buf,
				       len);
	if (!is_process(ctx))
		return -ENOENT;
	switch (q) {
	case VM_CTX_USYMNAME:
		return script_usymname(s, pid, addr, buf, len);
	case VM_CTX_UMODNAME:
		return script_umodname(s, pid, addr, buf, len);
	case VM_CTX_FILELINE:
		return script_usymfileline(s, pid, addr, buf, len);
	case VM_CTX_PEXECNAME: {
		const char *comm = script_proc_info(s, (pid_t)ctx->ppid)->comm;

		return script_copy_out(comm, strlen(comm), buf, len);
	}
	case VM_CTX_CMDLINE:
		return script_proc_cmdline(pid, -1, buf, len);
	case VM_CTX_CMDLINE_ARG:
		return script_proc_cmdline(pid, (long)addr, buf, len);
	case VM_CTX_ENV:
		return script_proc_env(pid, name, buf, len);
	case VM_CTX_USYMDATA:
	case VM_CTX_USYMDATA_RA:
		return script_usymdata(s, pid, addr, q == VM_CTX_USYMDATA_RA, buf, len);
	}
	return -ENOENT;
}

static int host_backtrace(void *data, const struct vm_hit_ctx *ctx, uint64_t *pcs, int max)
{
	if (!ctx->regs || !is_process(ctx))
		return -ENOENT;
	return script_proc_backtrace(data, (pid_t)ctx->pid, (pid_t)ctx->tid, ctx->regs, pcs, max);
}

static int host_module_bias(void *data, const struct vm_hit_ctx *ctx, const char *module,
			    uint64_t *ret_bias)
{
	if (!is_process(ctx))
		return -ENOENT;
	return script_proc_bias(data, (pid_t)ctx->pid, module, ret_bias);
}

const struct vm_host script_tracer_host = {
	.output = host_output,
	.warn = host_warn,
	.clock_ns = host_clock,
	.control = host_control,
	.error = host_error,
	.regex_match = host_regex,
	.random = host_random,
	.context_str = host_context_str,
	.backtrace = host_backtrace,
	.module_bias = host_module_bias,
};
