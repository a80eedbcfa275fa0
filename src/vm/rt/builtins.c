/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * builtins: what the built-in functions do, one case per row of builtins.h.  Clocks, output,
 * exit requests, warnings and randomness go through the host; the probe context (pid, tid,
 * execname, ...) comes from the hit's struct vm_hit_ctx.  Returns 0, 1 when the handler must
 * stop at once (abort()), or -1 after vm_fail (error(), bad arguments).
 */
#include "vm/cstring.h"
#include "vm/rt/builtins.h"
#include "vm/rt/strings.h"
#include "vm/rt/user.h"

static int64_t clock_ns(struct vm *vm, bool monotonic)
{
	return vm->host->clock_ns(vm->host_data, monotonic);
}

/* xorshift64*, seeded by the host. */
static uint64_t next_random(struct vm *vm)
{
	vm->rng ^= vm->rng >> 12;
	vm->rng ^= vm->rng << 25;
	vm->rng ^= vm->rng >> 27;
	return vm->rng * 2685821657736338717ull;
}

int rt_builtin_call(struct vm *vm, int id, vm_val *args, vm_val *ret)
{
	struct vm_hit_ctx *ctx = vm->ctx;

	ret->l = 0;
	switch ((enum rt_builtin)id) {
	case RT_B_STRLEN:
		ret->l = (int64_t)strlen(args[0].s);
		return 0;
	case RT_B_SUBSTR:
		return rt_substr(vm, args, ret);
	case RT_B_STRINGAT:
		return rt_stringat(vm, args, ret);
	case RT_B_ISINSTR:
		ret->l = strstr(args[0].s, args[1].s) != NULL;
		return 0;
	case RT_B_STRPOS:
		return rt_strpos(vm, args, ret);
	case RT_B_STR_REPLACE:
		return rt_str_replace(vm, args, ret);
	case RT_B_STRTOL:
		return rt_strtol(vm, args, ret);
	case RT_B_TOKENIZE:
		return rt_tokenize(vm, args, ret);
	case RT_B_TEXT_STR:
		return rt_text_str(vm, args[0].s, strlen(args[0].s), false, ret);
	case RT_B_TEXT_STRN: {
		size_t n = strlen(args[0].s);

		if (args[1].l > 0 && (size_t)args[1].l < n)
			n = (size_t)args[1].l;
		return rt_text_str(vm, args[0].s, n, args[2].l != 0, ret);
	}
	case RT_B_STRING_QUOTED:
		return rt_text_str(vm, args[0].s, strlen(args[0].s), true, ret);
	case RT_B_ISDIGIT:
		ret->l = args[0].s[0] >= '0' && args[0].s[0] <= '9';
		return 0;
	case RT_B_EXIT:
		vm->host->control(vm->host_data, VM_CTL_EXIT);
		return 0;
	case RT_B_ERROR: {
		const char *msg = vm_strdup(vm, args[0].s, strlen(args[0].s));

		return vm_fail(vm, msg ? msg : "error");
	}
	case RT_B_WARN:
		vm->host->warn(vm->host_data, args[0].s);
		return 0;
	case RT_B_ABORT:
		vm->host->control(vm->host_data, VM_CTL_ABORT);
		return 1;
	case RT_B_LOG:
		vm->host->output(vm->host_data, args[0].s, strlen(args[0].s));
		vm->host->output(vm->host_data, "\n", 1);
		return 0;
	case RT_B_GETTIMEOFDAY_S:
		ret->l = clock_ns(vm, false) / 1000000000;
		return 0;
	case RT_B_GETTIMEOFDAY_MS:
		ret->l = clock_ns(vm, false) / 1000000;
		return 0;
	case RT_B_GETTIMEOFDAY_US:
		ret->l = clock_ns(vm, false) / 1000;
		return 0;
	case RT_B_GETTIMEOFDAY_NS:
		ret->l = clock_ns(vm, false);
		return 0;
	case RT_B_LOCAL_CLOCK_NS:
	case RT_B_KTIME_GET_NS:
		ret->l = clock_ns(vm, true);
		return 0;
	case RT_B_LOCAL_CLOCK_US:
		ret->l = clock_ns(vm, true) / 1000;
		return 0;
	case RT_B_RANDINT:
		if (args[0].l <= 0 || args[0].l > (1ll << 32))
			return vm_fail(vm, "randint: invalid range");
		ret->l = (int64_t)(next_random(vm) % (uint64_t)args[0].l);
		return 0;
	case RT_B_CTIME: {
		char *buf = vm_scratch(vm, 32);

		if (!buf)
			return vm_fail(vm, "out of memory for strings");
		rt_ctime(args[0].l, buf);
		ret->s = buf;
		return 0;
	}
	case RT_B_CPU:
		ret->l = ctx ? ctx->cpu : 0;
		return 0;
	case RT_B_PID:
		ret->l = ctx ? ctx->pid : 0;
		return 0;
	case RT_B_TID:
		ret->l = ctx ? ctx->tid : 0;
		if (ctx && !ret->l && vm->host->tid)
			ret->l = ctx->tid = vm->host->tid(vm->host_data);
		return 0;
	case RT_B_PPID:
		ret->l = ctx ? ctx->ppid : 0;
		return 0;
	case RT_B_UID:
		ret->l = ctx ? ctx->uid : 0;
		return 0;
	case RT_B_EXECNAME:
		ret->s = ctx && ctx->execname ? ctx->execname : "";
		return 0;
	case RT_B_TARGET:
		ret->l = ctx ? ctx->target : 0;
		return 0;
	case RT_B_PP:
		ret->s = ctx && ctx->probe ? ctx->probe->pp : "";
		return 0;
	case RT_B_MATCHED:
		if (args[0].l < 0 || args[0].l >= VM_MAX_SUBMATCH)
			return vm_fail(vm, "matched(): subexpression number out of range");
		ret->s = vm->match[args[0].l] ? vm->match[args[0].l] : "";
		return 0;
	default:
		break;
	}
	if (id > RT_B_MATCHED && id < RT_B_COUNT)
		return rt_user_call(vm, id, args, ret);
	return vm_fail(vm, "unknown built-in function");
}
