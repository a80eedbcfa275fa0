/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * user: the built-ins that look into the traced process at a hit (tapset/uconversions.stp,
 * context.stp, registers.stp and ucontext*.stp of stap, for x86-64).
 *
 * Registers come from the hit context (a struct user_regs_struct, NULL for process events such
 * as .begin, where asking for one is an error).  Function arguments follow the SysV ABI: rdi,
 * rsi, rdx, rcx, r8, r9, then the stack above the return address, which is only right at the
 * function's entry, as in stap.  Syscall arguments are rdi, rsi, rdx, r10, r8, r9; $syscall is
 * orig_rax.  SDT arguments are evaluated from the marker's parsed operands: a constant, a
 * register, or a memory operand base + index * scale + displacement read at the hit.
 *
 * Memory is read only through ctx->read_mem, page by page for strings, so a bad pointer is
 * never a crash: user_string and friends raise stap's "user string copy fault -14 at 0x... [man
 * error::fault]", the scalar readers (user_int, user_long, ...) return 0 as stap's do, and
 * user_string(addr, err) returns err.  Symbols, modules, the command line and the environment
 * need the tracer's files (/proc, ELF): they go through host->context_str.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/user.h>

#include "vm/cstring.h"
#include "vm/rt/builtins.h"
#include "vm/rt/strings.h"
#include "vm/rt/target.h"
#include "vm/rt/user.h"
#include "vm/rt/ustack.h"
#include "vm/vm.h"

static const char fault_marker[] = "";

struct reg_name {
	char name[9]; /* not a pointer: the agent's blob has no relocations */
	uint16_t offset;
	uint8_t width;
};

#define R(name, field, width)                                         \
	{                                                             \
		name, offsetof(struct user_regs_struct, field), width \
	}
static const struct reg_name regs_by_name[] = {
	R("rax", rax, 8),      R("rbx", rbx, 8),	 R("rcx", rcx, 8),
	R("rdx", rdx, 8),      R("rsi", rsi, 8),	 R("rdi", rdi, 8),
	R("rbp", rbp, 8),      R("rsp", rsp, 8),	 R("r8", r8, 8),
	R("r9", r9, 8),	       R("r10", r10, 8),	 R("r11", r11, 8),
	R("r12", r12, 8),      R("r13", r13, 8),	 R("r14", r14, 8),
	R("r15", r15, 8),      R("rip", rip, 8),	 R("ax", rax, 8),
	R("bx", rbx, 8),       R("cx", rcx, 8),		 R("dx", rdx, 8),
	R("si", rsi, 8),       R("di", rdi, 8),		 R("bp", rbp, 8),
	R("sp", rsp, 8),       R("ip", rip, 8),		 R("eax", rax, 4),
	R("ebx", rbx, 4),      R("ecx", rcx, 4),	 R("edx", rdx, 4),
	R("esi", rsi, 4),      R("edi", rdi, 4),	 R("ebp", rbp, 4),
	R("esp", rsp, 4),      R("eip", rip, 4),	 R("orig_rax", orig_rax, 8),
	R("flags", eflags, 8), R("eflags", eflags, 8),	 R("cs", cs, 8),
	R("ss", ss, 8),	       R("fs_base", fs_base, 8), R("gs_base", gs_base, 8),
};

/* DWARF register numbers (SDT operands) to their fields. */
static const uint16_t dwarf_regs[] = {
	offsetof(struct user_regs_struct, rax), offsetof(struct user_regs_struct, rdx),
	offsetof(struct user_regs_struct, rcx), offsetof(struct user_regs_struct, rbx),
	offsetof(struct user_regs_struct, rsi), offsetof(struct user_regs_struct, rdi),
	offsetof(struct user_regs_struct, rbp), offsetof(struct user_regs_struct, rsp),
	offsetof(struct user_regs_struct, r8),	offsetof(struct user_regs_struct, r9),
	offsetof(struct user_regs_struct, r10), offsetof(struct user_regs_struct, r11),
	offsetof(struct user_regs_struct, r12), offsetof(struct user_regs_struct, r13),
	offsetof(struct user_regs_struct, r14), offsetof(struct user_regs_struct, r15),
	offsetof(struct user_regs_struct, rip),
};
#undef R

static const uint16_t arg_regs[] = {
	offsetof(struct user_regs_struct, rdi), offsetof(struct user_regs_struct, rsi),
	offsetof(struct user_regs_struct, rdx), offsetof(struct user_regs_struct, rcx),
	offsetof(struct user_regs_struct, r8),	offsetof(struct user_regs_struct, r9),
};

static const uint16_t syscall_regs[] = {
	offsetof(struct user_regs_struct, rdi), offsetof(struct user_regs_struct, rsi),
	offsetof(struct user_regs_struct, rdx), offsetof(struct user_regs_struct, r10),
	offsetof(struct user_regs_struct, r8),	offsetof(struct user_regs_struct, r9),
};

static uint64_t reg_at(const void *regs, uint16_t offset)
{
	uint64_t v;

	memcpy(&v, (const char *)regs + offset, sizeof(v));
	return v;
}

static int64_t extend(uint64_t v, unsigned size, bool is_signed)
{
	unsigned bits = size * 8;

	if (bits >= 64)
		return (int64_t)v;
	v &= (1ull << bits) - 1;
	if (is_signed && (v >> (bits - 1)) & 1)
		v |= ~0ull << bits;
	return (int64_t)v;
}

/* "PREFIX0x1a2bSUFFIX" in scratch; NULL when scratch is full. */
static const char *hex_msg(struct vm *vm, const char *prefix, uint64_t v, int width,
			   const char *suffix)
{
	char *buf = vm_scratch(vm, strlen(prefix) + strlen(suffix) + 24);
	size_t at;

	if (!buf)
		return NULL;
	strcpy(buf, prefix);
	at = strlen(buf);
	at += rt_hex(buf + at, v, width);
	strcpy(buf + at, suffix);
	return buf;
}

static int fail_hex(struct vm *vm, const char *prefix, uint64_t v, const char *suffix)
{
	const char *msg = hex_msg(vm, prefix, v, 16, suffix);

	return vm_fail(vm, msg ? msg : prefix);
}

static const void *need_regs(struct vm *vm)
{
	const struct vm_hit_ctx *ctx = vm->ctx;

	return ctx ? ctx->regs : NULL;
}

static int no_regs(struct vm *vm, const char *fn)
{
	const char *msg = vm_scratch(vm, strlen(fn) + 64);

	if (!msg)
		return vm_fail(vm, "no registers in this probe");
	strcpy((char *)msg, fn);
	strcat((char *)msg, ": no registers in this probe (not a function or syscall probe)");
	return vm_fail(vm, msg);
}

static int read_mem(struct vm *vm, uint64_t addr, void *buf, size_t len)
{
	const struct vm_hit_ctx *ctx = vm->ctx;

	if (!ctx || !ctx->read_mem)
		return -EFAULT;
	return ctx->read_mem(ctx->mem_data, addr, buf, len) < 0 ? -EFAULT : 0;
}

/*
 * At most max bytes of the NUL-terminated string at addr into scratch, page by page so that a
 * string ending just before an unmapped page reads.  NULL with *fault on a fault.
 */
static char *read_string(struct vm *vm, uint64_t addr, size_t max, bool *fault)
{
	size_t limit = (size_t)vm->prog->limits.maxstringlen - 1, len = 0;
	char *buf;

	*fault = false;
	if (max > limit)
		max = limit;
	buf = vm_scratch(vm, max + 1);
	if (!buf)
		return NULL;
	while (len < max) {
		uint64_t at = addr + len;
		size_t chunk = 4096 - (size_t)(at & 4095);
		char *nul;

		if (chunk > max - len)
			chunk = max - len;
		if (!at || read_mem(vm, at, buf + len, chunk) < 0) {
			*fault = true;
			return NULL;
		}
		nul = memchr(buf + len, '\0', chunk);
		if (nul)
			return buf;
		len += chunk;
	}
	buf[len] = '\0';
	return buf;
}

static int user_string(struct vm *vm, uint64_t addr, int64_t n, const char *err, bool quoted,
		       vm_val *ret)
{
	bool fault;
	char *s;

	if (n < 0)
		n = 0;
	s = read_string(vm, addr, (size_t)n, &fault);
	if (s && quoted)
		return rt_text_str(vm, s, strlen(s), true, ret);
	if (s) {
		ret->s = s;
		return 0;
	}
	if (!fault)
		return vm_fail(vm, "out of memory for strings");
	if (err) {
		ret->s = err;
		return 0;
	}
	if (quoted) {
		/* stap gives NULL for 0 and the address, unquoted, for other faults. */
		ret->s = addr ? hex_msg(vm, "", addr, 0, "") : "NULL";
		return ret->s ? 0 : vm_fail(vm, "out of memory for strings");
	}
	return fail_hex(vm, "user string copy fault -14 at ", addr, " [man error::fault]");
}

static const struct {
	uint8_t size;
	bool is_signed;
} scalars[] = {
	[RT_B_USER_CHAR - RT_B_USER_CHAR] = {1, true},
	[RT_B_USER_SHORT - RT_B_USER_CHAR] = {2, true},
	[RT_B_USER_USHORT - RT_B_USER_CHAR] = {2, false},
	[RT_B_USER_INT - RT_B_USER_CHAR] = {4, true},
	[RT_B_USER_LONG - RT_B_USER_CHAR] = {8, true},
	[RT_B_USER_ULONG - RT_B_USER_CHAR] = {8, false},
	[RT_B_USER_INT8 - RT_B_USER_CHAR] = {1, true},
	[RT_B_USER_UINT8 - RT_B_USER_CHAR] = {1, false},
	[RT_B_USER_INT16 - RT_B_USER_CHAR] = {2, true},
	[RT_B_USER_UINT16 - RT_B_USER_CHAR] = {2, false},
	[RT_B_USER_INT32 - RT_B_USER_CHAR] = {4, true},
	[RT_B_USER_UINT32 - RT_B_USER_CHAR] = {4, false},
	[RT_B_USER_INT64 - RT_B_USER_CHAR] = {8, true},
	[RT_B_USER_UINT64 - RT_B_USER_CHAR] = {8, false},
};

static int64_t user_scalar(struct vm *vm, int id, uint64_t addr)
{
	unsigned i = (unsigned)(id - RT_B_USER_CHAR);
	uint64_t v = 0;

	if (read_mem(vm, addr, &v, scalars[i].size) < 0)
		return 0;
	return extend(v, scalars[i].size, scalars[i].is_signed);
}

static int function_arg(struct vm *vm, const void *regs, int64_t n, uint64_t *ret)
{
	if (n < 1)
		return vm_fail(vm, "invalid argument number");
	if (n <= 6) {
		*ret = reg_at(regs, arg_regs[n - 1]);
		return 0;
	}
	/* At the entry, rsp points at the return address; argument 7 is just above it. */
	if (read_mem(vm,
		     reg_at(regs, offsetof(struct user_regs_struct, rsp)) + 8 * (uint64_t)(n - 6),
		     ret, 8) < 0)
		return vm_fail(vm, "cannot read a stack argument");
	return 0;
}

static int register_value(struct vm *vm, const void *regs, const char *name, bool is_signed,
			  vm_val *ret)
{
	for (size_t i = 0; i < sizeof(regs_by_name) / sizeof(regs_by_name[0]); i++) {
		if (strcmp(regs_by_name[i].name, name))
			continue;
		ret->l = extend(reg_at(regs, regs_by_name[i].offset), regs_by_name[i].width,
				is_signed);
		return 0;
	}
	return vm_fail(vm, "Unknown register");
}

static int sdt_arg(struct vm *vm, const void *regs, int64_t n, vm_val *ret)
{
	const struct vm_probe *p = vm->ctx->probe;
	const struct rt_sdt_arg *a;
	uint64_t v = 0;

	if (!p || n < 1 || (uint64_t)n > p->sdt_nargs)
		return vm_fail(vm, "invalid marker argument number");
	a = &p->sdt_args[n - 1];
	switch (a->kind) {
	case RT_SDT_CONST:
		ret->l = a->value;
		return 0;
	case RT_SDT_REG:
		if (a->reg < 0 || (size_t)a->reg >= sizeof(dwarf_regs) / sizeof(dwarf_regs[0]))
			return vm_fail(vm, "unsupported marker argument register");
		v = reg_at(regs, dwarf_regs[a->reg]);
		break;
	default: {
		uint64_t addr = (uint64_t)a->value;

		if (a->unsupported || a->reg >= (int)(sizeof(dwarf_regs) / sizeof(dwarf_regs[0])) ||
		    a->index_reg >= (int)(sizeof(dwarf_regs) / sizeof(dwarf_regs[0])))
			return vm_fail(vm, "unsupported marker argument operand");
		if (a->reg >= 0)
			addr += reg_at(regs, dwarf_regs[a->reg]);
		if (a->index_reg >= 0)
			addr += reg_at(regs, dwarf_regs[a->index_reg]) * a->scale;
		if (read_mem(vm, addr, &v, a->size) < 0)
			return fail_hex(vm, "marker argument read fault at ", addr, "");
		break;
	}
	}
	ret->l = extend(v, a->size, a->is_signed);
	return 0;
}

/* A context string from the host into scratch; "" and *missing when there is none. */
static int context_str(struct vm *vm, enum vm_ctx_query q, uint64_t addr, const char *name,
		       vm_val *ret, bool *missing)
{
	size_t cap = (size_t)vm->prog->limits.maxstringlen;
	char *buf = vm_scratch(vm, cap);
	long n = -ENOENT;

	*missing = false;
	if (!buf)
		return vm_fail(vm, "out of memory for strings");
	if (vm->host->context_str && vm->ctx)
		n = vm->host->context_str(vm->host_data, vm->ctx, q, addr, name, buf, cap);
	if (n < 0) {
		*missing = true;
		buf[0] = '\0';
	}
	ret->s = buf;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int probe_context(struct vm *vm, int id, vm_val *args, vm_val *ret)
{
	const struct vm_hit_ctx *ctx = vm->ctx;
	const struct vm_probe *p = ctx ? ctx->probe : NULL;
	const void *regs = need_regs(vm);
	bool missing;

	switch (id) {
	case RT_B_GID:
		ret->l = ctx ? ctx->gid : 0;
		return 0;
	case RT_B_EUID:
		ret->l = ctx ? ctx->euid : 0;
		return 0;
	case RT_B_PEXECNAME:
		return context_str(vm, VM_CTX_PEXECNAME, 0, NULL, ret, &missing);
	case RT_B_PPFUNC:
		ret->s = p && p->func ? p->func : "";
		return 0;
	case RT_B_PROBEFUNC:
		if (p && p->func && *p->func) {
			ret->s = p->func;
			return 0;
		}
		if (!regs) {
			ret->s = "";
			return 0;
		}
		return context_str(vm, VM_CTX_USYMNAME,
				   reg_at(regs, offsetof(struct user_regs_struct, rip)), NULL, ret,
				   &missing);
	case RT_B_PROBEMOD:
		ret->s = p && p->module ? base_name(p->module) : "";
		return 0;
	case RT_B_PN:
		ret->s = p ? (p->pn ? p->pn : p->pp) : "";
		return 0;
	case RT_B_CALL_SLOT:
		ret->l = ctx ? (int64_t)ctx->call_slot : 0;
		return 0;
	case RT_B_UADDR:
		ret->l = regs ? (int64_t)reg_at(regs, offsetof(struct user_regs_struct, rip)) : 0;
		return 0;
	case RT_B_USYMNAME:
		if (context_str(vm, VM_CTX_USYMNAME, (uint64_t)args[0].l, NULL, ret, &missing) < 0)
			return -1;
		if (missing)
			ret->s = hex_msg(vm, "", (uint64_t)args[0].l, 0, "");
		return ret->s ? 0 : vm_fail(vm, "out of memory for strings");
	case RT_B_UMODNAME:
		if (context_str(vm, VM_CTX_UMODNAME, (uint64_t)args[0].l, NULL, ret, &missing) < 0)
			return -1;
		if (missing)
			ret->s = "<unknown>";
		return 0;
	case RT_B_USYMFILELINE:
		if (context_str(vm, VM_CTX_FILELINE, (uint64_t)args[0].l, NULL, ret, &missing) < 0)
			return -1;
		if (missing)
			ret->s = hex_msg(vm, "", (uint64_t)args[0].l, 0, "");
		return ret->s ? 0 : vm_fail(vm, "out of memory for strings");
	case RT_B_CMDLINE_STR:
		return context_str(vm, VM_CTX_CMDLINE, 0, NULL, ret, &missing);
	case RT_B_CMDLINE_ARG:
		return context_str(vm, VM_CTX_CMDLINE_ARG, (uint64_t)args[0].l, NULL, ret,
				   &missing);
	case RT_B_ENV_VAR:
		return context_str(vm, VM_CTX_ENV, 0, args[0].s, ret, &missing);
	}
	return 1;
}

static int registers(struct vm *vm, int id, vm_val *args, vm_val *ret)
{
	const struct vm_hit_ctx *ctx = vm->ctx;
	const void *regs = need_regs(vm);
	uint64_t v;

	if (!regs)
		return no_regs(vm, rt_builtins[id].name);
	switch (id) {
	case RT_B_INT_ARG:
	case RT_B_S32_ARG:
	case RT_B_UINT_ARG:
	case RT_B_U32_ARG:
		if (function_arg(vm, regs, args[0].l, &v) < 0)
			return -1;
		ret->l = extend(v, 4, id == RT_B_INT_ARG || id == RT_B_S32_ARG);
		return 0;
	case RT_B_LONG_ARG:
	case RT_B_ULONG_ARG:
	case RT_B_LONGLONG_ARG:
	case RT_B_ULONGLONG_ARG:
	case RT_B_POINTER_ARG:
	case RT_B_S64_ARG:
	case RT_B_U64_ARG:
		if (function_arg(vm, regs, args[0].l, &v) < 0)
			return -1;
		ret->l = (int64_t)v;
		return 0;
	case RT_B_REGISTER:
	case RT_B_U_REGISTER:
		return register_value(vm, regs, args[0].s, id == RT_B_REGISTER, ret);
	case RT_B_RETURNVAL:
		if (ctx && !ctx->is_return && ctx->probe && ctx->probe->kind == VM_PROBE_PROCESS &&
		    ctx->probe->event != VM_PROC_SYSCALL_RETURN)
			return vm_fail(vm, "returnval: not a return probe");
		ret->l = (int64_t)reg_at(regs, offsetof(struct user_regs_struct, rax));
		return 0;
	case RT_B_SYSCALL_NR:
		ret->l = (int64_t)reg_at(regs, offsetof(struct user_regs_struct, orig_rax));
		return 0;
	case RT_B_SYSCALL_ARG:
		if (args[0].l < 1 || args[0].l > 6)
			return vm_fail(vm, "invalid syscall argument number");
		ret->l = (int64_t)reg_at(regs, syscall_regs[args[0].l - 1]);
		return 0;
	case RT_B_SDT_ARG:
		return sdt_arg(vm, regs, args[0].l, ret);
	}
	return 1;
}

int rt_user_call(struct vm *vm, int id, vm_val *args, vm_val *ret)
{
	int r;

	if (id == RT_B_TVAR_LONG || id == RT_B_TVAR_STR)
		return rt_tvar_call(vm, id == RT_B_TVAR_STR, args, ret);
	if (id == RT_B_TVAR_SET)
		return rt_tvar_set(vm, args, ret);
	if (id >= RT_B_USER_CHAR && id <= RT_B_USER_UINT64) {
		ret->l = user_scalar(vm, id, (uint64_t)args[0].l);
		return 0;
	}
	switch (id) {
	case RT_B_USER_STRING:
		return user_string(vm, (uint64_t)args[0].l, INT32_MAX, NULL, false, ret);
	case RT_B_USER_STRING_ERR:
		return user_string(vm, (uint64_t)args[0].l, INT32_MAX, args[1].s, false, ret);
	case RT_B_USER_STRING_N:
		return user_string(vm, (uint64_t)args[0].l, args[1].l, NULL, false, ret);
	case RT_B_USER_STRING_N_ERR:
		return user_string(vm, (uint64_t)args[0].l, args[1].l, args[2].s, false, ret);
	case RT_B_USER_STRING_QUOTED:
		return user_string(vm, (uint64_t)args[0].l, INT32_MAX, NULL, true, ret);
	case RT_B_USER_STRING_N_QUOTED:
		return user_string(vm, (uint64_t)args[0].l, args[1].l, NULL, true, ret);
	case RT_B_USER_STRING_WARN:
		if (user_string(vm, (uint64_t)args[0].l, INT32_MAX, fault_marker, false, ret) < 0)
			return -1;
		if (ret->s == fault_marker) {
			const char *msg = hex_msg(vm, "user string copy fault -14 at ",
						  (uint64_t)args[0].l, 16, " [man error::fault]");

			vm->host->warn(vm->host_data, msg ? msg : "user string copy fault");
			ret->s = "<unknown>";
		}
		return 0;
	}
	r = probe_context(vm, id, args, ret);
	if (r <= 0)
		return r;
	r = rt_ustack_call(vm, id, args, ret);
	if (r <= 0)
		return r;
	r = registers(vm, id, args, ret);
	if (r <= 0)
		return r;
	return vm_fail(vm, "unknown built-in function");
}
