/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stat: statistics aggregates (<<<) and their histograms, as stap's runtime (stat-common.c)
 * computes and prints them.  An aggregate keeps count, sum, min, max and Welford's running
 * mean and squared deviations in integer math (the mean shifted left by @variance's bit shift),
 * plus its histogram's buckets when the global has one.  Sums and moments wrap in two's
 * complement as stap's do (the kernel builds with -fno-strict-overflow), by unsigned arithmetic
 * here, so values at the limits of int64 give stap's results and no undefined behaviour.
 *
 * Log histograms have 128 buckets: 64 is zero, 65 + k holds [2^k, 2^(k+1)), and the buckets
 * below 64 mirror them for negative values.  Linear histograms have one bucket per step of
 * [lo, hi] plus an underflow (first) and an overflow (last) bucket.  The rendering is stap's:
 * a header "value |---...--- count" 50 dashes wide, the value column at least 5 wide; rows from
 * two empty buckets before the first non-empty one to two after the last (log histograms do not
 * go below zero unless there are negative values; empty underflow and overflow rows are
 * dropped); a row that is empty along with its two neighbours on each side is elided, and a
 * run of elided rows prints as one "~" line; bars are '@' scaled so that the largest count is
 * at most 50 wide; counts are right-aligned; a blank line ends the histogram.
 */
#include <errno.h>

#include "vm/rt/stat.h"

void rt_hist_init(struct rt_hist *h, enum rt_hist_kind kind, int64_t lo, int64_t hi, int64_t step)
{
	h->kind = (uint8_t)kind;
	h->lo = lo;
	h->hi = hi;
	h->step = step;
	h->nbuckets = 0;
	if (kind == RT_HIST_LOG)
		h->nbuckets = RT_HIST_LOG_BUCKETS;
	else if (kind == RT_HIST_LINEAR && step > 0 && hi > lo)
		h->nbuckets = (uint32_t)((hi - lo) / step + 3);
}

size_t rt_stat_size(const struct rt_hist *h)
{
	return sizeof(struct rt_stat) + (size_t)h->nbuckets * sizeof(int64_t);
}

int rt_hist_log_bucket(int64_t v)
{
	uint64_t u;
	int res = RT_HIST_LOG_BUCKETS;
	int neg = 0;

	if (v == 0)
		return RT_HIST_LOG_BUCKET0;
	if (v < 0) {
		u = (uint64_t)0 - (uint64_t)v;
		neg = 1;
	} else {
		u = (uint64_t)v;
	}
	if ((u & 0xffffffff00000000ull) == 0) {
		u <<= 32;
		res -= 32;
	}
	while (u && !(u & 0x8000000000000000ull)) {
		u <<= 1;
		res--;
	}
	if (neg)
		res = RT_HIST_LOG_BUCKETS - res;
	if (res < 0)
		res = 0;
	if (res >= RT_HIST_LOG_BUCKETS)
		res = RT_HIST_LOG_BUCKETS - 1;
	return res;
}

int64_t rt_hist_log_value(int b)
{
	if (b == RT_HIST_LOG_BUCKET0)
		return 0;
	if (b < RT_HIST_LOG_BUCKET0)
		return (int64_t)0x8000000000000000ull >> b;
	return (int64_t)1 << (b - RT_HIST_LOG_BUCKET0 - 1);
}

/* Two's complement wrapping, as stap's runtime gets from the kernel's -fno-strict-overflow. */
static int64_t wrap_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static int64_t wrap_sub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static int64_t wrap_mul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

/* The linear bucket of v: 0 below lo, then one per step, the last one above hi. */
static uint32_t linear_bucket(const struct rt_hist *h, int64_t v)
{
	uint64_t b;

	if (v < h->lo)
		return 0;
	b = ((uint64_t)v - (uint64_t)h->lo) / (uint64_t)h->step + 1;
	return b >= h->nbuckets - 1 ? h->nbuckets - 1 : (uint32_t)b;
}

void rt_stat_add(struct rt_stat *s, const struct rt_hist *h, int shift, int64_t v)
{
	int64_t vs = (int64_t)((uint64_t)v << shift);

	if (s->count == 0) {
		s->count = 1;
		s->sum = s->min = s->max = v;
		s->avg_s = vs;
		s->m2 = 0;
	} else {
		int64_t delta;

		s->count++;
		s->sum = wrap_add(s->sum, v);
		if (v > s->max)
			s->max = v;
		if (v < s->min)
			s->min = v;
		delta = wrap_sub(vs, s->avg_s);
		s->avg_s = wrap_add(s->avg_s, delta / s->count);
		s->m2 = wrap_add(s->m2, wrap_mul(delta, wrap_sub(vs, s->avg_s)));
	}
	if (h->kind == RT_HIST_LOG)
		s->buckets[rt_hist_log_bucket(v)]++;
	else if (h->kind == RT_HIST_LINEAR && h->nbuckets)
		s->buckets[linear_bucket(h, v)]++;
}

int rt_stat_get(const struct rt_stat *s, enum rt_stat_op op, int shift, int64_t *ret)
{
	switch (op) {
	case RT_STAT_COUNT:
		*ret = s->count;
		return 0;
	case RT_STAT_SUM:
		*ret = s->sum;
		return 0;
	default:
		break;
	}
	if (!s->count)
		return -ENODATA;
	switch (op) {
	case RT_STAT_MIN:
		*ret = s->min;
		break;
	case RT_STAT_MAX:
		*ret = s->max;
		break;
	case RT_STAT_AVG:
		*ret = s->sum / s->count;
		break;
	case RT_STAT_VARIANCE:
		*ret = s->count < 2 ? 0 : (s->m2 / (s->count - 1)) >> (2 * shift);
		break;
	default:
		*ret = 0;
		break;
	}
	return 0;
}

static int needed_space(int64_t v)
{
	int space = 0;
	uint64_t u;

	if (v == 0)
		return 1;
	if (v < 0) {
		space++;
		u = (uint64_t)0 - (uint64_t)v;
	} else {
		u = (uint64_t)v;
	}
	while (u) {
		u /= 10;
		space++;
	}
	return space;
}

/* The label of row i and its prefix ("<" underflow, ">" overflow). */
static int64_t row_value(const struct rt_hist *h, int i, const char **prefix, int under, int over)
{
	*prefix = "";
	if (h->kind == RT_HIST_LOG)
		return rt_hist_log_value(i);
	if (i == 0 && under) {
		*prefix = "<";
		return h->lo;
	}
	if (i == (int)h->nbuckets - 1 && over) {
		*prefix = ">";
		return h->lo + (int64_t)(i - 2) * h->step;
	}
	return h->lo + (int64_t)(i - 1) * h->step;
}

void rt_hist_print(const struct rt_stat *s, const struct rt_hist *h, struct rt_out *o)
{
	const int64_t *hist = s->buckets;
	int nb = (int)h->nbuckets;
	int low = -1, high = 0, under = 0, over = 0, val_space, cnt_space, eliding = 0;
	int64_t valmax = 0, scale;
	const char *prefix;

	if (!nb)
		return;
	for (int i = 0; i < nb; i++) {
		if (hist[i] > 0 && low == -1)
			low = i;
		if (hist[i] > 0)
			high = i;
		if (hist[i] > valmax)
			valmax = hist[i];
	}
	if (low == -1) {
		/* Nothing recorded: stap prints the header and an empty body. */
		rt_out_pad(o, ' ', 0);
		rt_out_str(o, "value |");
		rt_out_pad(o, '-', RT_HIST_WIDTH);
		rt_out_str(o, " count\n\n");
		return;
	}
	for (int i = 0; i < 2; i++) {
		if (h->kind == RT_HIST_LOG) {
			if (low != RT_HIST_LOG_BUCKET0 && low > 0)
				low--;
		} else if (low > 0) {
			low--;
		}
		if (high < nb - 1)
			high++;
	}
	if (h->kind == RT_HIST_LINEAR) {
		if (low == 0 && hist[0] == 0)
			low++;
		if (high == nb - 1 && hist[high] == 0)
			high--;
		if (low == 0)
			under = 1;
		if (high == nb - 1)
			over = 1;
	}
	scale = valmax <= RT_HIST_WIDTH ? 1 : (valmax + RT_HIST_WIDTH - 1) / RT_HIST_WIDTH;
	cnt_space = needed_space(valmax);
	{
		int64_t v = row_value(h, low, &prefix, under, over);
		int lo_space = needed_space(v) + (*prefix ? 1 : 0);

		v = row_value(h, high, &prefix, under, over);
		val_space = needed_space(v) + (*prefix ? 1 : 0);
		if (lo_space > val_space)
			val_space = lo_space;
	}
	if (val_space < 5)
		val_space = 5;
	rt_out_pad(o, ' ', val_space - 5);
	rt_out_str(o, "value |");
	rt_out_pad(o, '-', RT_HIST_WIDTH);
	rt_out_str(o, " count\n");
	for (int i = low; i <= high; i++) {
		int elide = 1, kmin = low, kmax = high;
		int64_t v, bar;

		if (i - RT_HIST_ELISION > kmin)
			kmin = i - RT_HIST_ELISION;
		if (i + RT_HIST_ELISION < kmax)
			kmax = i + RT_HIST_ELISION;
		for (int k = kmin; k <= kmax; k++)
			if (hist[k] != 0)
				elide = 0;
		if (elide) {
			eliding = 1;
			continue;
		}
		if (eliding) {
			rt_out_pad(o, ' ', val_space);
			rt_out_str(o, " ~\n");
			eliding = 0;
		}
		v = row_value(h, i, &prefix, under, over);
		rt_out_pad(o, ' ', val_space - needed_space(v) - (long)(*prefix ? 1 : 0));
		rt_out_str(o, prefix);
		rt_out_long(o, v);
		rt_out_str(o, " |");
		bar = hist[i] / scale;
		rt_out_pad(o, '@', bar);
		rt_out_pad(o, ' ', RT_HIST_WIDTH - bar + 1 + cnt_space - needed_space(hist[i]));
		rt_out_long(o, hist[i]);
		rt_out_putc(o, '\n');
	}
	rt_out_putc(o, '\n');
}
