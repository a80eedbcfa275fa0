/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * strings: stap's string functions (tapset/string.stp) over the VM's strings.  Results are
 * built in the hit's scratch area and truncated to MAXSTRINGLEN - 1 bytes; positions are
 * 0-based byte offsets.  substr clips out-of-range starts and lengths to "", stringat of a bad
 * index is an error, str_replace with an empty pattern returns its input, strtol stops at the
 * first byte that is not a digit of the base (0 means C prefixes, as simple_strtol), tokenize
 * keeps its position between calls of the same hit and skips empty tokens like stap's strsep
 * loop.
 */
#include "vm/cstring.h"
#include "vm/rt/strings.h"

static int nomem(struct vm *vm)
{
	return vm_fail(vm, "out of memory for strings");
}

static int64_t slen(const char *s)
{
	return (int64_t)strlen(s);
}

int rt_substr(struct vm *vm, const vm_val *args, vm_val *ret)
{
	int64_t len = slen(args[0].s), start = args[1].l, n = args[2].l;

	if (start < 0 || start >= len || n <= 0) {
		ret->s = "";
		return 0;
	}
	if (n > len - start)
		n = len - start;
	ret->s = vm_strdup(vm, args[0].s + start, (size_t)n);
	return ret->s ? 0 : nomem(vm);
}

int rt_stringat(struct vm *vm, const vm_val *args, vm_val *ret)
{
	if (args[1].l < 0 || args[1].l >= slen(args[0].s))
		return vm_fail(vm, "Bad string index");
	ret->l = (unsigned char)args[0].s[args[1].l];
	return 0;
}

int rt_strpos(struct vm *vm, const vm_val *args, vm_val *ret)
{
	const char *p = strstr(args[0].s, args[1].s);

	(void)vm;
	ret->l = p ? p - args[0].s : -1;
	return 0;
}

int rt_str_replace(struct vm *vm, const vm_val *args, vm_val *ret)
{
	const char *s = args[0].s, *pat = args[1].s, *rep = args[2].s;
	size_t np = strlen(pat), nr = strlen(rep);
	size_t max = (size_t)vm->prog->limits.maxstringlen - 1;
	struct rt_out o;
	char *buf;

	if (!np) {
		ret->s = s;
		return 0;
	}
	buf = vm_scratch(vm, max + 1);
	if (!buf)
		return nomem(vm);
	o = (struct rt_out){buf, 0, max + 1, 0};
	while (*s) {
		if (!strncmp(s, pat, np)) {
			rt_out_append(&o, rep, nr);
			s += np;
		} else {
			rt_out_putc(&o, *s++);
		}
	}
	ret->s = rt_out_finish(&o);
	return 0;
}

static int digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

int rt_strtol(struct vm *vm, const vm_val *args, vm_val *ret)
{
	const char *s = args[0].s;
	int64_t base = args[1].l;
	uint64_t v = 0;
	int neg = 0;

	if (base < 0 || base == 1 || base > 36)
		return vm_fail(vm, "strtol: invalid base");
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	for (; digit(*s) < base; s++)
		v = v * (uint64_t)base + (uint64_t)digit(*s);
	ret->l = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int rt_tokenize(struct vm *vm, const vm_val *args, vm_val *ret)
{
	const char *s, *delim = args[1].s, *start;

	if (args[0].s[0]) {
		vm->tok_str = vm_strdup(vm, args[0].s, strlen(args[0].s));
		if (!vm->tok_str)
			return nomem(vm);
	}
	s = vm->tok_str;
	ret->s = "";
	if (!s)
		return 0;
	while (*s && *delim && strchr(delim, *s))
		s++;
	if (!*s) {
		vm->tok_str = NULL;
		return 0;
	}
	start = s;
	while (*s && !(*delim && strchr(delim, *s)))
		s++;
	ret->s = vm_strdup(vm, start, (size_t)(s - start));
	vm->tok_str = *s ? s + 1 : NULL;
	return ret->s ? 0 : nomem(vm);
}

int rt_text_str(struct vm *vm, const char *s, size_t n, bool quoted, vm_val *ret)
{
	size_t max = (size_t)vm->prog->limits.maxstringlen - 1;
	char *buf = vm_scratch(vm, max + 1);
	struct rt_out o;

	if (!buf)
		return nomem(vm);
	o = (struct rt_out){buf, 0, max + 1, 0};
	if (quoted)
		rt_out_putc(&o, '"');
	rt_escape(&o, s, n);
	if (quoted)
		rt_out_putc(&o, '"');
	ret->s = rt_out_finish(&o);
	return 0;
}
