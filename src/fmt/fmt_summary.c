/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_summary: the -c table.  Calls, errors and nanoseconds accumulate per x86-64 number; the
 * table is strace's count.c with its default columns: "% time", "seconds", "usecs/call",
 * "calls", "errors", "syscall", each at least its historical width and wider when a value needs
 * it, the name column as wide as the longest name plus one (at least 16), a zero error count left
 * blank, rows by total time descending (ties by number, as glibc's stable qsort leaves strace's),
 * then the total row.  Times go through doubles the way strace computes them, so the rounding of
 * the usecs/call column matches too.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_priv.h"

void fmt_summary_init(struct fmt_summary *s)
{
	memset(s, 0, sizeof(*s));
}

void fmt_summary_add(struct fmt_summary *s, long nr, uint64_t ns, bool is_error)
{
	if (nr < 0 || nr >= FMT_NR_SYSCALLS)
		return;
	s->row[nr].calls++;
	s->row[nr].errors += is_error;
	s->row[nr].ns += ns;
}

static double ns_float(uint64_t ns)
{
	return (double)(ns / 1000000000) + (double)(ns % 1000000000) / 1e9;
}

static uint64_t usecs_per_call(const struct fmt_summary_row *r)
{
	return (uint64_t)(ns_float(r->ns / r->calls) * 1e6);
}

static size_t num_width(uint64_t v)
{
	char buf[32];

	return (size_t)snprintf(buf, sizeof(buf), "%" PRIu64, v);
}

static size_t max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

static const char *row_name(long nr, char *buf, size_t len)
{
	const char *name = fmt_syscall_name(nr);

	if (name)
		return name;
	snprintf(buf, len, "syscall_%#lx", (unsigned long)nr);
	return buf;
}

static const struct fmt_summary *sort_summary;

static int by_time(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	uint64_t tx = sort_summary->row[x].ns, ty = sort_summary->row[y].ns;

	if (tx != ty)
		return tx < ty ? 1 : -1;
	return x < y ? -1 : x > y;
}

static void dashes(struct strbuf *out, const size_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_putc(out, ' ');
		for (size_t j = 0; j < w[i]; j++)
			sb_putc(out, '-');
	}
	sb_putc(out, '\n');
}

void fmt_summary_format(const struct fmt_summary *s, struct strbuf *out)
{
	uint64_t total_ns = 0, calls = 0, errors = 0, avg_max = 0;
	size_t name_max = 0, n = 0;
	long order[FMT_NR_SYSCALLS];
	char buf[32];
	size_t w[6];
	double cum;

	for (long nr = 0; nr < FMT_NR_SYSCALLS; nr++) {
		const struct fmt_summary_row *r = &s->row[nr];

		if (!r->calls)
			continue;
		order[n++] = nr;
		total_ns += r->ns;
		calls += r->calls;
		errors += r->errors;
		if (usecs_per_call(r) > avg_max)
			avg_max = usecs_per_call(r);
		name_max = max_size(name_max, strlen(row_name(nr, buf, sizeof(buf))));
	}
	cum = ns_float(total_ns);
	sort_summary = s;
	qsort(order, n, sizeof(order[0]), by_time);

	w[0] = 6;
	w[1] = max_size(11, (size_t)snprintf(buf, sizeof(buf), "%.6f", cum));
	w[2] = max_size(11, num_width(avg_max));
	w[3] = max_size(9, num_width(calls));
	w[4] = max_size(9, num_width(errors));
	w[5] = max_size(16, name_max + 1);

	sb_printf(out, "%*s %*s %*s %*s %*s %s\n", (int)w[0], "% time", (int)w[1], "seconds",
		  (int)w[2], "usecs/call", (int)w[3], "calls", (int)w[4], "errors", "syscall");
	dashes(out, w, 6);
	for (size_t i = 0; i < n; i++) {
		const struct fmt_summary_row *r = &s->row[order[i]];
		double t = ns_float(r->ns);
		double percent = 100.0 * t;

		if (percent != 0.0)
			percent /= cum;
		sb_printf(out, "%*.2f %*.6f %*" PRIu64 " %*" PRIu64 " %*.0" PRIu64 " %s\n",
			  (int)w[0], percent, (int)w[1], t, (int)w[2], usecs_per_call(r), (int)w[3],
			  r->calls, (int)w[4], r->errors, row_name(order[i], buf, sizeof(buf)));
	}
	dashes(out, w, 6);
	sb_printf(out, "%*.2f %*.6f %*" PRIu64 " %*" PRIu64 " %*.0" PRIu64 " total\n", (int)w[0],
		  100.0, (int)w[1], cum, (int)w[2],
		  calls ? (uint64_t)(cum / (double)calls * 1e6) : 0, (int)w[3], calls, (int)w[4],
		  errors);
}

void fmt_summary_print(const struct fmt_summary *s, FILE *fp)
{
	struct strbuf sb = {0};

	fmt_summary_format(s, &sb);
	fputs(sb_str(&sb), fp);
	sb_release(&sb);
}
