/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ustack: the user-stack built-ins of stap's ucontext-unwind.stp and ucontext-symbols.stp
 * (ubacktrace, print_ubacktrace, sprint_ubacktrace, print_ubacktrace_brief, ucallers, ustack,
 * print_ustack, sprint_ustack, print_usyms, sprint_usyms, usymdata).
 *
 * The VM does not unwind: host->backtrace walks the hit's stack (by DWARF CFI, on the tracer's
 * side) into an array on the C stack here, at most MAXBACKTRACE (20, as stap) frames; pcs[0]
 * is the hit's pc, the others are return addresses.  Symbols come one address at a time from
 * host->context_str as "name+0xoff/0xsize [module]"; a return address is looked up at pc - 1
 * (the call, which may be a function's last instruction) but printed as itself, with its
 * offset from the function's start, so the lines read as stap's:
 *
 *	 0x0000000000401136 : fact+0x10/0x3a [/path/to/probed]
 *
 * (a leading space, the pc as %p, then the symbol); a pc with no symbol prints its module in
 * brackets, or nothing more when it has none.  ubacktrace() and ucallers(n) are the pcs as
 * "0x401136 0x40116f ...".  The string versions stop at MAXSTRINGLEN like every stap string;
 * the print versions write each line to the output and have no such limit.  Without a stack
 * (begin, end, timer probes, process events) the strings are empty and nothing prints.
 * Nothing here allocates: lines are built in a buffer on the C stack, strings in scratch.
 */
#include <stdbool.h>

#include "vm/cstring.h"
#include "vm/rt/builtins.h"
#include "vm/rt/ustack.h"
#include "vm/vm.h"

#define RT_MAXBACKTRACE 20
#define LINE_MAX_LEN	640

/* Appends v as 0x... with at least width digits; returns the new length. */
static size_t put_hex(char *buf, size_t at, uint64_t v, int width)
{
	return at + rt_hex(buf + at, v, width);
}

static size_t put_str(char *buf, size_t at, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (at + n >= cap)
		n = cap - at - 1;
	memcpy(buf + at, s, n);
	buf[at + n] = '\0';
	return at + n;
}

/* The hit's stack into pcs; 0 frames when there is none. */
static int unwind(struct vm *vm, uint64_t *pcs)
{
	const struct vm_hit_ctx *ctx = vm->ctx;
	int n;

	if (!ctx || !ctx->regs || !vm->host->backtrace)
		return 0;
	n = vm->host->backtrace(vm->host_data, ctx, pcs, RT_MAXBACKTRACE);
	return n < 0 ? 0 : n;
}

/* "name+0xoff/0xsize [module]", "[module]" or "" for pc, in buf (cap bytes). */
static void symdata(struct vm *vm, uint64_t pc, bool ret_addr, char *buf, size_t cap)
{
	long n = -1;

	if (vm->host->context_str && vm->ctx)
		n = vm->host->context_str(vm->host_data, vm->ctx,
					  ret_addr ? VM_CTX_USYMDATA_RA : VM_CTX_USYMDATA, pc, NULL,
					  buf, cap);
	if (n < 0)
		buf[0] = '\0';
}

/* One frame as stap prints it, with its newline; returns the length. */
static size_t frame_line(struct vm *vm, uint64_t pc, bool ret_addr, bool brief, char *line)
{
	char data[LINE_MAX_LEN - 32];
	size_t at = 0;

	symdata(vm, pc, ret_addr, data, sizeof(data));
	if (brief) {
		if (data[0] && data[0] != '[') {
			data[strcspn(data, "/ ")] = '\0';
			at = put_str(line, 0, LINE_MAX_LEN - 1, data);
		} else {
			at = put_hex(line, 0, pc, 0);
		}
	} else {
		line[at++] = ' ';
		at = put_hex(line, at, pc, 16);
		if (data[0] && data[0] != '[')
			at = put_str(line, at, LINE_MAX_LEN - 1, " : ");
		else if (data[0])
			at = put_str(line, at, LINE_MAX_LEN - 1, " ");
		at = put_str(line, at, LINE_MAX_LEN - 1, data);
	}
	line[at++] = '\n';
	line[at] = '\0';
	return at;
}

/* A string being built in scratch, cut at MAXSTRINGLEN - 1 bytes. */
struct out {
	char *buf;
	size_t len, cap;
	bool full;
};

static int out_init(struct vm *vm, struct out *o)
{
	o->cap = (size_t)vm->prog->limits.maxstringlen;
	o->buf = vm_scratch(vm, o->cap);
	o->len = 0;
	o->full = false;
	if (!o->buf)
		return vm_fail(vm, "out of memory for strings");
	o->buf[0] = '\0';
	return 0;
}

/* Appends whole words only: false once one did not fit. */
static bool out_word(struct out *o, const char *s, size_t n)
{
	if (o->full || o->len + n >= o->cap) {
		o->full = true;
		return false;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
	return true;
}

static int hex_list(struct vm *vm, const uint64_t *pcs, int n, vm_val *ret)
{
	struct out o;
	char word[24];

	if (out_init(vm, &o) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		size_t len = 0;

		if (i)
			word[len++] = ' ';
		len = put_hex(word, len, pcs[i], 0);
		if (!out_word(&o, word, len))
			break;
	}
	ret->s = o.buf;
	return 0;
}

/* Prints the frames (print_*), or returns them in a string (sprint_*). */
static int frames(struct vm *vm, const uint64_t *pcs, int n, bool stack, bool brief, bool print,
		  vm_val *ret)
{
	char line[LINE_MAX_LEN];
	struct out o = {0};

	if (!print && out_init(vm, &o) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		size_t len = frame_line(vm, pcs[i], stack && i > 0, brief, line);

		if (print)
			vm->host->output(vm->host_data, line, len);
		else if (!out_word(&o, line, len))
			break;
	}
	ret->s = print ? "" : o.buf;
	return 0;
}

/* The hex addresses of s ("0x401136 0x40116f ..."), at most max. */
static int parse_pcs(const char *s, uint64_t *pcs, int max)
{
	int n = 0;

	while (*s && n < max) {
		uint64_t v = 0;
		bool any = false;

		while (*s == ' ')
			s++;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			s += 2;
		for (;; s++, any = true) {
			char c = *s;

			if (c >= '0' && c <= '9')
				v = v << 4 | (uint64_t)(c - '0');
			else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
				v = v << 4 | (uint64_t)((c | 0x20) - 'a' + 10);
			else
				break;
		}
		if (!any)
			break;
		pcs[n++] = v;
	}
	return n;
}

int rt_ustack_call(struct vm *vm, int id, vm_val *args, vm_val *ret)
{
	uint64_t pcs[RT_MAXBACKTRACE];
	int n;

	switch (id) {
	case RT_B_UBACKTRACE:
		return hex_list(vm, pcs, unwind(vm, pcs), ret);
	case RT_B_UCALLERS:
		n = unwind(vm, pcs);
		if (args[0].l >= 0 && args[0].l < n)
			n = (int)args[0].l;
		return hex_list(vm, pcs, n, ret);
	case RT_B_USTACK:
		n = unwind(vm, pcs);
		ret->l = args[0].l >= 0 && args[0].l < n ? (int64_t)pcs[args[0].l] : 0;
		return 0;
	case RT_B_PRINT_UBACKTRACE:
	case RT_B_SPRINT_UBACKTRACE:
		return frames(vm, pcs, unwind(vm, pcs), true, false, id == RT_B_PRINT_UBACKTRACE,
			      ret);
	case RT_B_PRINT_UBACKTRACE_BRIEF:
		return frames(vm, pcs, unwind(vm, pcs), true, true, true, ret);
	case RT_B_PRINT_USTACK:
	case RT_B_SPRINT_USTACK:
		return frames(vm, pcs, parse_pcs(args[0].s, pcs, RT_MAXBACKTRACE), true, false,
			      id == RT_B_PRINT_USTACK, ret);
	case RT_B_PRINT_USYMS:
	case RT_B_SPRINT_USYMS:
		return frames(vm, pcs, parse_pcs(args[0].s, pcs, RT_MAXBACKTRACE), false, false,
			      id == RT_B_PRINT_USYMS, ret);
	case RT_B_USYMDATA: {
		struct out o;

		if (out_init(vm, &o) < 0)
			return -1;
		symdata(vm, (uint64_t)args[0].l, false, o.buf, o.cap);
		if (!o.buf[0] || o.buf[0] == '[') {
			char hex[24];

			/* stap: the address in hex when the symbol is unknown. */
			put_hex(hex, 0, (uint64_t)args[0].l, 0);
			put_str(o.buf, 0, o.cap, hex);
		}
		ret->s = o.buf;
		return 0;
	}
	}
	return 1;
}
