/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * format_parse: a printf format compiled once, at code generation, into the list of specs that
 * format.c walks at each hit: literal runs and conversions %[flags][width|*][.prec|.*][l]conv.
 * It allocates from the program's arena, so it stays out of the VM's freestanding files.
 */
#include <errno.h>
#include <string.h>

#include "util/arena.h"
#include "lang/format_parse.h"

static int conv_of(char c)
{
	switch (c) {
	case 'd':
	case 'i':
		return RT_CONV_D;
	case 'u':
		return RT_CONV_U;
	case 'o':
		return RT_CONV_O;
	case 'x':
		return RT_CONV_X;
	case 'X':
		return RT_CONV_XU;
	case 'c':
		return RT_CONV_C;
	case 's':
		return RT_CONV_S;
	case 'p':
		return RT_CONV_P;
	case 'b':
		return RT_CONV_B;
	case 'm':
		return RT_CONV_M;
	case 'M':
		return RT_CONV_MU;
	case '%':
		return RT_CONV_PCT;
	}
	return -1;
}

static int32_t read_num(const char *s, size_t n, size_t *i)
{
	int64_t v = 0;

	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		if (v < 100000000)
			v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	return (int32_t)v;
}

struct rt_format *rt_format_parse(struct arena *a, const char *s, size_t n, const char **ret_err)
{
	struct rt_format *f = arena_new(a, struct rt_format);
	size_t i = 0, max = 1;

	for (size_t k = 0; k < n; k++)
		max += s[k] == '%' ? 2 : 0;
	f->specs = arena_zalloc(a, (max + 1) * sizeof(*f->specs));
	f->text = arena_strndup(a, s, n);
	while (i < n) {
		struct rt_fmt_spec *sp = &f->specs[f->nspecs];
		int conv;

		if (s[i] != '%') {
			size_t start = i;

			while (i < n && s[i] != '%')
				i++;
			sp->conv = RT_CONV_LIT;
			sp->off = (uint32_t)start;
			sp->len = (uint32_t)(i - start);
			f->nspecs++;
			continue;
		}
		i++;
		sp->width = RT_FMT_NONE;
		sp->prec = RT_FMT_NONE;
		for (; i < n; i++) {
			const char *fl = strchr("-+ #0", s[i]);

			if (!fl || !s[i])
				break;
			sp->flags |= (uint8_t)(1u << (fl - "-+ #0"));
		}
		if (i < n && s[i] == '*') {
			sp->width = RT_FMT_STAR;
			f->nargs++;
			i++;
		} else if (i < n && s[i] >= '0' && s[i] <= '9') {
			sp->width = read_num(s, n, &i);
		}
		if (i < n && s[i] == '.') {
			i++;
			if (i < n && s[i] == '*') {
				sp->prec = RT_FMT_STAR;
				f->nargs++;
				i++;
			} else {
				sp->prec = read_num(s, n, &i);
			}
		}
		while (i < n && s[i] == 'l')
			i++;
		if (i >= n) {
			*ret_err = "trailing incomplete print format conversion";
			return NULL;
		}
		conv = conv_of(s[i]);
		if (conv < 0) {
			*ret_err = "invalid or missing conversion specifier";
			return NULL;
		}
		i++;
		sp->conv = (uint8_t)conv;
		if (conv != RT_CONV_PCT)
			f->nargs++;
		f->nspecs++;
	}
	return f;
}

char rt_format_arg_type(const struct rt_format *f, unsigned i)
{
	unsigned k = 0;

	for (uint32_t j = 0; j < f->nspecs; j++) {
		const struct rt_fmt_spec *sp = &f->specs[j];

		if (sp->conv == RT_CONV_LIT || sp->conv == RT_CONV_PCT)
			continue;
		if (sp->width == RT_FMT_STAR && k++ == i)
			return 'l';
		if (sp->prec == RT_FMT_STAR && k++ == i)
			return 'l';
		if (k++ == i)
			return sp->conv == RT_CONV_S ? 's' : 'l';
	}
	return 'l';
}
