/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `utrace -U SPEC`: function probes, ltrace style, on top of uprobes.
 *
 * SPEC is FUNC, FUNC+OFF, FUNC%return, LIB:FUNC, PATH:0xOFFSET, or a glob over function names
 * ('str*').  FUNC+OFF and PATH:0xOFFSET must fall on an instruction boundary of a known
 * function, decoding it from its start; an int3 in the middle of an instruction would corrupt it.
 * FUNC without a library names a function of the traced program itself; LIB is a path or a
 * library name (libc, libc.so.6) found where the dynamic linker would find it.  Each match
 * becomes a uprobe (entry) or a uretprobe (%return) whose handler prints
 *
 *   [pid N] FUNC(0x1, 0x2, 0x3, 0x4, 0x5, 0x6)     the six argument registers
 *   [pid N] FUNC = 0x2a                            rax at the return
 *
 * With -c the hits are counted per function instead, with the time from entry to return (a
 * return probe of its own times each call), in ltrace -c's table.  -v prints the decision for every site (emulated,
 * boosted, stepped, or refused and why).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probes.h"
#include "trace.h"
#include "utrace/resolve.h"
#include "utrace/uprobe.h"

struct site {
	char *name;
	char *path;
	uint64_t offset;
	bool ret;
	bool timer; /* a return probe of -c's own, only to time its entry site's calls */
	struct uprobe_consumer uc;
	unsigned long hits;
	uint64_t ns;
	struct site *next;
};

/* Entry times per thread and depth, for -c with return probes. */
struct pending {
	pid_t tid;
	struct site *site;
	struct timespec start;
};

static struct site *sites;
static const struct trace_opts *popts;
static struct pending stack[4096];
static int nstack;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct site *site_for(struct site *entry_or_ret, bool ret)
{
	struct site *s;

	for (s = sites; s; s = s->next)
		if (s->ret == ret && s->offset == entry_or_ret->offset &&
		    !strcmp(s->path, entry_or_ret->path))
			return s;
	return NULL;
}

static int on_entry(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	struct site *s = uc->data;
	const struct user_regs_struct *r = hit->regs;
	char line[512];

	s->hits++;
	if (site_for(s, true) && nstack < (int)(sizeof(stack) / sizeof(stack[0]))) {
		stack[nstack].tid = hit->tid;
		stack[nstack].site = s;
		clock_gettime(CLOCK_MONOTONIC, &stack[nstack].start);
		nstack++;
	}
	if (popts->count && !popts->count_too)
		return 0;
	snprintf(line, sizeof(line), "%s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)", s->name,
		 r->rdi, r->rsi, r->rdx, r->rcx, r->r8, r->r9);
	trace_print_tid_line(hit->tid, line);
	return 0;
}

static int on_return(struct uprobe_consumer *uc, struct uprobe_hit *hit)
{
	struct site *s = uc->data, *entry = site_for(s, false);
	char line[512];
	int i;

	if (!s->timer)
		s->hits++;
	for (i = nstack - 1; entry && i >= 0; i--) {
		if (stack[i].tid == hit->tid && stack[i].site == entry) {
			uint64_t start = (uint64_t)stack[i].start.tv_sec * 1000000000ULL +
					 (uint64_t)stack[i].start.tv_nsec;

			entry->ns += now_ns() - start;
			memmove(&stack[i], &stack[i + 1],
				(size_t)(nstack - i - 1) * sizeof(stack[0]));
			nstack--;
			break;
		}
	}
	if (s->timer || (popts->count && !popts->count_too))
		return 0;
	snprintf(line, sizeof(line), "%s = %#llx", s->name, hit->regs->rax);
	trace_print_tid_line(hit->tid, line);
	return 0;
}

static struct site *site_new(const char *name, const char *path, uint64_t offset, bool ret)
{
	struct site *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->name = strdup(name);
	s->path = strdup(path);
	s->offset = offset;
	s->ret = ret;
	s->uc.data = s;
	s->uc.handler = on_entry;
	s->uc.ret_handler = on_return;
	if (!s->name || !s->path) {
		free(s->name);
		free(s->path);
		free(s);
		return NULL;
	}
	return s;
}

/*
 * ltrace -c times every call, asked for its return or not: with -c or -C an entry site gets a
 * return probe of its own, which times and neither counts nor prints.  A FUNC%return the user
 * names later takes that probe over instead of adding a second one.
 */
static void add_timer(struct site *entry)
{
	struct site *t;

	if (site_for(entry, true))
		return;
	t = site_new(entry->name, entry->path, entry->offset, true);
	if (!t)
		return;
	t->timer = true;
	if (uretprobe_register(t->path, t->offset, &t->uc) < 0) {
		free(t->name);
		free(t->path);
		free(t);
		return;
	}
	t->next = sites;
	sites = t;
}

static int add_site(const char *name, const char *path, uint64_t offset, bool ret)
{
	struct site *s, key = {.path = (char *)path, .offset = offset};
	char reason[128];
	enum uprobe_tier tier;
	int r;

	s = ret ? site_for(&key, true) : NULL;
	if (s && s->timer) {
		char *copy = strdup(name);

		if (!copy)
			return -ENOMEM;
		free(s->name);
		s->name = copy;
		s->timer = false;
		return 0;
	}
	s = site_new(name, path, offset, ret);
	if (!s)
		return -ENOMEM;
	r = uprobe_describe(path, offset, &tier, reason, sizeof(reason));
	if (r < 0)
		snprintf(reason, sizeof(reason), "%s", strerror(-r));
	if (popts->verbose)
		fprintf(stderr, "utrace: probe %s%s (%s:0x%" PRIx64 "): %s\n", name,
			ret ? "%return" : "", path, offset, reason);
	r = ret ? uretprobe_register(path, offset, &s->uc) : uprobe_register(path, offset, &s->uc);
	if (r < 0) {
		if (!popts->verbose)
			fprintf(stderr, "utrace: probe %s%s (%s:0x%" PRIx64 "): %s\n", name,
				ret ? "%return" : "", path, offset,
				r == -EOPNOTSUPP ? reason : strerror(-r));
		free(s->name);
		free(s->path);
		free(s);
		return r;
	}
	s->next = sites;
	sites = s;
	if (!ret && (popts->count || popts->count_too))
		add_timer(s);
	return 0;
}

struct glob_ctx {
	const char *path;
	bool ret;
	int added, failed;
};

static int add_function(const char *name, uint64_t off, void *data)
{
	struct glob_ctx *g = data;

	if (add_site(name, g->path, off, g->ret) == 0)
		g->added++;
	else
		g->failed++;
	return 0;
}

/* FUNC+OFF. */
static int add_at_offset(const char *spec_text, const struct uprobe_file *f, char *func, bool ret)
{
	char *plus = strchr(func, '+'), *end, why[512];
	uint64_t off, file_off;
	int r;

	*plus = '\0';
	off = strtoull(plus + 1, &end, 0);
	if (*end || plus[1] == '\0') {
		fprintf(stderr, "utrace: -U %s: bad offset '%s'\n", spec_text, plus + 1);
		return -EINVAL;
	}
	r = uprobe_file_func_offset(f, func, off, &file_off, why, sizeof(why));
	if (r < 0 && why[0])
		fprintf(stderr, "utrace: -U %s: %s\n", spec_text, why);
	return r < 0 ? r : add_site(spec_text, uprobe_file_path(f), file_off, ret);
}

/* PATH:0xOFFSET, a file offset. */
static int add_at_file_offset(const char *spec_text, const struct uprobe_file *f, const char *hex,
			      bool ret)
{
	uint64_t file_off, probe_off;
	char *end, why[512];
	int r;

	errno = 0;
	file_off = strtoull(hex, &end, 16);
	if (*end || errno || !hex[2]) {
		fprintf(stderr, "utrace: -U %s: bad offset '%s'\n", spec_text, hex);
		return -EINVAL;
	}
	r = uprobe_file_check_offset(f, file_off, &probe_off, why, sizeof(why));
	if (r < 0 && why[0])
		fprintf(stderr, "utrace: -U %s: %s\n", spec_text, why);
	return r < 0 ? r : add_site(spec_text, uprobe_file_path(f), probe_off, ret);
}

int probes_add(const char *spec_text, const char *exe, const struct trace_opts *opts)
{
	char *spec = strdup(spec_text), *colon, *pct, *lib = NULL, *func = spec, *path = NULL;
	struct glob_ctx g = {0};
	struct uprobe_file *f = NULL;
	int r = 0;
	bool ret = false;

	popts = opts;
	pct = strstr(spec, "%return");
	if (pct && !pct[7]) {
		*pct = '\0';
		ret = true;
	}
	colon = strrchr(spec, ':');
	if (colon) {
		*colon = '\0';
		lib = spec;
		func = colon + 1;
	}
	if (lib && strchr(lib, '/'))
		path = strdup(lib);
	else if (lib && uprobe_find_library(lib, &path) < 0) {
		fprintf(stderr, "utrace: -U %s: library '%s' not found\n", spec_text, lib);
		r = -ENOENT;
		goto out;
	} else if (!lib) {
		path = strdup(exe);
	}
	r = uprobe_file_open(path, &f);
	if (r < 0) {
		fprintf(stderr, "utrace: -U %s: cannot read %s: %s\n", spec_text, path,
			strerror(-r));
		goto out;
	}
	if (!strncmp(func, "0x", 2)) {
		r = add_at_file_offset(spec_text, f, func, ret);
		goto out;
	}
	g.path = uprobe_file_path(f);
	g.ret = ret;
	if (strchr(func, '+')) {
		r = add_at_offset(spec_text, f, func, ret);
		goto out;
	}
	r = uprobe_file_functions(f, func, add_function, &g);
	if (r < 0 || (!g.added && !g.failed)) {
		char *why = uprobe_file_explain(f, func, r < 0 ? r : -ENOENT);

		fprintf(stderr, "utrace: -U %s: %s\n", spec_text, why ? why : "no such function");
		free(why);
		r = -ENOENT;
		goto out;
	}
	r = g.added ? 0 : -EOPNOTSUPP;
out:
	uprobe_file_free(f);
	free(path);
	free(spec);
	return r;
}

static int by_hits(const void *a, const void *b)
{
	const struct site *x = *(struct site *const *)a, *y = *(struct site *const *)b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return x->hits < y->hits ? 1 : x->hits > y->hits ? -1 : 0;
}

void probes_summary(FILE *out)
{
	struct site *s, **v;
	uint64_t total_ns = 0;
	unsigned long total_calls = 0;
	int n = 0, i;

	for (s = sites; s; s = s->next)
		if (!s->ret && s->hits)
			n++;
	if (!sites)
		return;
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v)
		return;
	n = 0;
	for (s = sites; s; s = s->next) {
		if (s->ret || !s->hits)
			continue; /* ltrace -c lists the functions that were called */
		v[n++] = s;
		total_ns += s->ns;
		total_calls += s->hits;
	}
	qsort(v, (size_t)n, sizeof(*v), by_hits);
	fprintf(out, "%% time     seconds  usecs/call     calls function\n");
	fprintf(out, "------ ----------- ----------- --------- --------------------\n");
	for (i = 0; i < n; i++)
		fprintf(out, "%6.2f %11.6f %11lu %9lu %s\n",
			total_ns ? 100.0 * (double)v[i]->ns / (double)total_ns : 0.0,
			(double)v[i]->ns / 1e9,
			v[i]->hits ? (unsigned long)(v[i]->ns / 1000 / v[i]->hits) : 0UL,
			v[i]->hits, v[i]->name);
	fprintf(out, "------ ----------- ----------- --------- --------------------\n");
	fprintf(out, "100.00 %11.6f %11s %9lu total\n", (double)total_ns / 1e9, "", total_calls);
	free(v);
}

bool probes_any(void)
{
	return sites != NULL;
}
