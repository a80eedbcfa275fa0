/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * target: DWARF target variables at a hit, from the plans pass 2 made (rt/target.h).
 *
 * Pass 2 did everything that needs DWARF (which variable, where it lives at the probe's pc,
 * member offsets, element sizes, formats), so this only follows steps: a register's value or
 * register + offset, an address in a module plus its load bias, pointer loads, offsets and
 * one dynamic index, then a load of 1, 2, 4 or 8 bytes, sign- or zero-extended.  At a
 * .function hit in the module itself the load bias is the pc less the probe's file address;
 * anywhere else (.return, .mark, .syscall, process events, another module) the host finds it
 * in the process's mappings, and a process that has none (gone at process.end) is an error.
 *
 * Every read of the traced process goes through ctx->read_mem, so a bad pointer is stap's
 * runtime error ("user memory read fault at 0x... [man error::fault]"), never a crash.  String
 * plans ($$parms, $p$) concatenate their items into one string of at most MAXSTRINGLEN - 1
 * bytes; a char pointer prints as its quoted string, or as the bare address when that faults.
 *
 * A guru-mode write (_tvar_set) walks the same steps once, combines the old value with the
 * new one as the VM's arithmetic would (for += and x++), truncates the result to the
 * variable's size and stores it: into the hit's registers, which the host puts back in the
 * thread, or through ctx->write_mem, where an address that is not writable is the runtime
 * error "user memory write fault at 0x...".  Writes are the user's change to the program:
 * nothing undoes them when the session ends.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/user.h>

#include "vm/cstring.h"
#include "vm/rt/strings.h"
#include "vm/rt/target.h"
#include "vm/vm.h"

/* A path (Linux's PATH_MAX, which a freestanding <limits.h> lacks) and the words around it. */
#define MODULE_MSG_MAX (4096 + 64)

#define REG(f) offsetof(struct user_regs_struct, f)
/* x86-64 DWARF register numbers 0..16. */
static const uint16_t dwarf_reg_offsets[] = {
	REG(rax), REG(rdx), REG(rcx), REG(rbx), REG(rsi), REG(rdi), REG(rbp), REG(rsp), REG(r8),
	REG(r9),  REG(r10), REG(r11), REG(r12), REG(r13), REG(r14), REG(r15), REG(rip),
};
#undef REG

/* Fails the hit with the message in o (its buffer on the caller's stack). */
static int fail_with(struct vm *vm, struct rt_out *o)
{
	rt_out_finish(o);
	return vm_fail(vm, vm_strdup(vm, o->buf, o->len) ?: "runtime error");
}

static int access_fault(struct vm *vm, const char *access, uint64_t addr)
{
	char buf[96], num[24];
	struct rt_out o = {buf, 0, sizeof(buf), 0};

	rt_out_str(&o, "user memory ");
	rt_out_str(&o, access);
	rt_out_str(&o, " fault at ");
	rt_out_append(&o, num, rt_hex(num, addr, 0));
	rt_out_str(&o, " [man error::fault]");
	return fail_with(vm, &o);
}

static int fault(struct vm *vm, uint64_t addr)
{
	return access_fault(vm, "read", addr);
}

static int read_mem(struct vm *vm, uint64_t addr, void *buf, size_t len)
{
	const struct vm_hit_ctx *ctx = vm->ctx;

	if (!ctx->read_mem || ctx->read_mem(ctx->mem_data, addr, buf, len) < 0)
		return fault(vm, addr);
	return 0;
}

static uint64_t reg(const struct vm_hit_ctx *ctx, int r)
{
	uint64_t v;

	memcpy(&v, (const char *)ctx->regs + dwarf_reg_offsets[r], sizeof(v));
	return v;
}

static bool at_probe_address(const struct vm_hit_ctx *ctx, const char *module)
{
	const struct vm_probe *p = ctx->probe;

	return ctx->regs && !ctx->is_return && p->event == VM_PROC_FUNCTION && p->module &&
	       !strcmp(p->module, module);
}

/* Where the hit's process has module (NULL: the probed one): its load bias. */
static int module_bias(struct vm *vm, const char *module, uint64_t *ret)
{
	const struct vm_hit_ctx *ctx = vm->ctx;
	char buf[MODULE_MSG_MAX];
	struct rt_out o = {buf, 0, sizeof(buf), 0};
	int r = -ENOENT;

	if (!module)
		module = ctx->probe->module;
	if (!module)
		return vm_fail(vm, "a module address outside a probe of a module");
	if (at_probe_address(ctx, module)) {
		*ret = reg(ctx, 16) - ctx->probe->vaddr;
		return 0;
	}
	if (vm->host->module_bias)
		r = vm->host->module_bias(vm->host_data, ctx, module, ret);
	if (r == 0)
		return 0;
	rt_out_str(&o, r == -ESRCH ? "cannot read " : "module ");
	rt_out_str(&o, module);
	rt_out_str(&o, r == -ESRCH ? ": process " : " is not mapped in process ");
	rt_out_long(&o, ctx->pid);
	if (r == -ESRCH)
		rt_out_str(&o, " has exited");
	return fail_with(vm, &o);
}

/* Follows it's steps: *ret is an address, or a value when *is_value. */
static int walk(struct vm *vm, const struct rt_tv_item *it, int64_t index, uint64_t *ret,
		bool *is_value)
{
	const struct vm_hit_ctx *ctx = vm->ctx;
	uint64_t v = 0;

	*is_value = false;
	for (unsigned i = 0; i < it->nsteps; i++) {
		const struct rt_tv_step *s = &it->steps[i];

		switch (s->op) {
		case RT_TV_REG:
		case RT_TV_REGADDR:
			if (!ctx->regs)
				return vm_fail(vm, "target variable not available in this probe");
			if (s->reg < 0 || (size_t)s->reg >= sizeof(dwarf_reg_offsets) / 2)
				return vm_fail(vm, "unsupported register in a variable location");
			v = reg(ctx, s->reg) + (s->op == RT_TV_REGADDR ? (uint64_t)s->arg : 0);
			*is_value = s->op == RT_TV_REG;
			break;
		case RT_TV_ADDR:
			if (module_bias(vm, it->module, &v) < 0)
				return -1;
			v += (uint64_t)s->arg;
			break;
		case RT_TV_DEREF:
			if (!*is_value && read_mem(vm, v, &v, sizeof(v)) < 0)
				return -1;
			*is_value = false;
			break;
		case RT_TV_OFFSET:
			v += (uint64_t)s->arg;
			break;
		case RT_TV_INDEX:
			v += (uint64_t)(s->arg * index);
			break;
		}
	}
	*ret = v;
	return 0;
}

/* raw as a value of it's type: its low size bytes, sign- or zero-extended. */
static uint64_t extend(const struct rt_tv_item *it, uint64_t raw)
{
	unsigned bits = it->size * 8u;

	if (bits && bits < 64) {
		raw &= (1ull << bits) - 1;
		if (it->is_signed && (raw >> (bits - 1)))
			raw |= ~0ull << bits;
	}
	return raw;
}

static int load(struct vm *vm, const struct rt_tv_item *it, uint64_t v, bool is_value,
		uint64_t *ret)
{
	uint64_t raw = 0;

	if (is_value)
		raw = v;
	else if (read_mem(vm, v, &raw, it->size > 8 ? 8 : it->size) < 0)
		return -1;
	*ret = extend(it, raw);
	return 0;
}

struct out {
	char *buf;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (n > o->cap - 1 - o->len)
		n = o->cap - 1 - o->len;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* The quoted text of at most max bytes at addr; false on a fault. */
static bool quoted(struct vm *vm, struct out *o, uint64_t addr, size_t max)
{
	char s[256];
	size_t n = 0;
	vm_val q;

	if (max > sizeof(s) - 1)
		max = sizeof(s) - 1;
	while (n < max) {
		const struct vm_hit_ctx *ctx = vm->ctx;

		if (ctx->read_mem(ctx->mem_data, addr + n, &s[n], 1) < 0)
			return false;
		if (!s[n])
			break;
		n++;
	}
	if (rt_text_str(vm, s, n, true, &q) < 0)
		return false;
	put(o, q.s, strlen(q.s));
	return true;
}

/* v in decimal into buf (24 bytes); returns the length. */
static size_t decimal(char *buf, int64_t v)
{
	struct rt_out o = {buf, 0, 24, 0};

	rt_out_long(&o, v);
	rt_out_finish(&o);
	return o.len;
}

static int item(struct vm *vm, const struct rt_tv_item *it, int64_t index, struct out *o)
{
	uint64_t v;
	bool is_value;
	char num[32];
	size_t n = 0;

	put(o, it->text, strlen(it->text));
	if (it->fmt == RT_TV_LIT)
		return 0;
	if (it->fmt == RT_TV_UNAVAIL) {
		put(o, "?", 1);
		return 0;
	}
	if (walk(vm, it, index, &v, &is_value) < 0)
		return -1;
	switch (it->fmt) {
	case RT_TV_ADDRESS:
		n = rt_hex(num, v, 0);
		break;
	case RT_TV_CHARS:
		if (!quoted(vm, o, v, it->size))
			return fault(vm, v);
		return 0;
	default:
		if (load(vm, it, v, is_value, &v) < 0)
			return -1;
		if (it->fmt == RT_TV_STRING && v && quoted(vm, o, v, 200))
			return 0;
		if (it->fmt == RT_TV_LONG)
			n = decimal(num, (int64_t)v);
		else
			n = rt_hex(num, v, 0);
		break;
	}
	put(o, num, n);
	return 0;
}

int rt_tvar_call(struct vm *vm, bool string, vm_val *args, vm_val *ret)
{
	const struct vm_hit_ctx *ctx = vm->ctx;
	const struct vm_probe *p = ctx ? ctx->probe : NULL;
	const struct rt_tv_expr *e;
	struct out o;

	if (!p || args[0].l < 0 || (uint64_t)args[0].l >= p->ntv)
		return vm_fail(vm, "target variable not available in this probe");
	e = &p->tv[args[0].l];
	if (!string) {
		const struct rt_tv_item *it = &e->items[0];
		uint64_t v;
		bool is_value;

		if (e->nitems != 1 || it->fmt == RT_TV_UNAVAIL)
			return vm_fail(vm, "target variable not available at this address");
		if (walk(vm, it, args[1].l, &v, &is_value) < 0)
			return -1;
		if (it->fmt != RT_TV_ADDRESS && load(vm, it, v, is_value, &v) < 0)
			return -1;
		ret->l = (int64_t)v;
		return 0;
	}
	o.cap = (size_t)vm->prog->limits.maxstringlen;
	o.buf = vm_scratch(vm, o.cap);
	if (!o.buf)
		return vm_fail(vm, "out of memory for strings");
	o.len = 0;
	o.buf[0] = '\0';
	for (uint32_t i = 0; i < e->nitems; i++)
		if (item(vm, &e->items[i], args[1].l, &o) < 0)
			return -1;
	ret->s = o.buf;
	return 0;
}

/* old op value, as the VM computes it (division by 0 is its runtime error). */
static int combine(struct vm *vm, unsigned op, int64_t old, int64_t v, int64_t *ret)
{
	switch (op) {
	case RT_TV_SET:
		*ret = v;
		return 0;
	case RT_TV_SET_ADD:
		*ret = (int64_t)((uint64_t)old + (uint64_t)v);
		return 0;
	case RT_TV_SET_SUB:
		*ret = (int64_t)((uint64_t)old - (uint64_t)v);
		return 0;
	case RT_TV_SET_MUL:
		*ret = (int64_t)((uint64_t)old * (uint64_t)v);
		return 0;
	case RT_TV_SET_DIV:
	case RT_TV_SET_MOD:
		if (v == 0)
			return vm_fail(vm, "division by 0");
		if (v == -1)
			*ret = op == RT_TV_SET_DIV ? (int64_t)(0 - (uint64_t)old) : 0;
		else
			*ret = op == RT_TV_SET_DIV ? old / v : old % v;
		return 0;
	case RT_TV_SET_SHL:
		*ret = (int64_t)((uint64_t)old << (v & 63));
		return 0;
	case RT_TV_SET_SHR:
		*ret = old >> (v & 63);
		return 0;
	case RT_TV_SET_AND:
		*ret = old & v;
		return 0;
	case RT_TV_SET_OR:
		*ret = old | v;
		return 0;
	case RT_TV_SET_XOR:
		*ret = old ^ v;
		return 0;
	}
	return vm_fail(vm, "unknown target variable assignment");
}

/*
 * Stores v (already extended from its type's size) where it's walk ended: the register of a
 * one-step register plan (all 64 bits, so the upper ones agree with the value), else size
 * bytes of memory at addr.
 */
static int store(struct vm *vm, const struct rt_tv_item *it, uint64_t addr, bool is_value,
		 uint64_t v)
{
	const struct vm_hit_ctx *ctx = vm->ctx;

	if (is_value) {
		const struct rt_tv_step *s = &it->steps[0];

		if (it->nsteps != 1 || s->op != RT_TV_REG || s->reg < 0 || s->reg > 15)
			return vm_fail(vm, "cannot write to a computed value");
		memcpy((char *)ctx->regs + dwarf_reg_offsets[s->reg], &v, sizeof(v));
		return 0;
	}
	if (!ctx->write_mem || ctx->write_mem(ctx->mem_data, addr, &v, it->size) < 0)
		return access_fault(vm, "write", addr);
	return 0;
}

int rt_tvar_set(struct vm *vm, vm_val *args, vm_val *ret)
{
	const struct vm_hit_ctx *ctx = vm->ctx;
	const struct vm_probe *p = ctx ? ctx->probe : NULL;
	const struct rt_tv_item *it;
	unsigned op = (unsigned)args[2].l & ~(unsigned)RT_TV_SET_OLD;
	uint64_t where, old = 0;
	int64_t now = 0;
	bool is_value;

	if (!p || args[0].l < 0 || (uint64_t)args[0].l >= p->ntv)
		return vm_fail(vm, "target variable not available in this probe");
	it = &p->tv[args[0].l].items[0];
	if (p->tv[args[0].l].nitems != 1 || !it->writable || it->fmt != RT_TV_LONG)
		return vm_fail(vm, "target variable is not writable");
	if (walk(vm, it, args[1].l, &where, &is_value) < 0)
		return -1;
	if (op != RT_TV_SET && load(vm, it, where, is_value, &old) < 0)
		return -1;
	if (combine(vm, op, (int64_t)old, args[3].l, &now) < 0)
		return -1;
	now = (int64_t)extend(it, (uint64_t)now);
	if (store(vm, it, where, is_value, (uint64_t)now) < 0)
		return -1;
	ret->l = (args[2].l & RT_TV_SET_OLD) ? (int64_t)old : now;
	return 0;
}
