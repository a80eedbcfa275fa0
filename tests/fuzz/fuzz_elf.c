/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the ELF reader (src/sym/): any bytes as a file, opened with
 * sym_file_open, then every query utrace and ustap make of a file, with the
 * names and addresses taken from the file itself: its identity (soname, build-id, debug file),
 * segments and vaddr <-> offset both ways, symbols (at, lookup, glob, addr_lookup,
 * addr_to_name, explain), PLT entries, SDT notes and their arguments, probe specs resolved
 * with the x86 instruction-boundary check as utrace runs it, and /proc/PID/maps arithmetic on
 * a maps text made from the segments.  The file lives in a directory of its own next to
 * FZ_DEBUG_FILE (the seed program's separate debug file, seed_pie.debug), so a stripped
 * seed's .gnu_debuglink leads the reader into a debug file and its build-id check.
 *
 * Whatever the bytes, nothing may crash, hang, leak or read out of bounds.  Besides, what
 * sym.h promises is checked where it is unconditional: symbols come in address order, every
 * listed name is found again by sym_lookup, a "*" glob sees them all, a containing symbol
 * contains the address, every SDT site is found by its provider and name.
 */
#include <fcntl.h>
#include <string.h>

#include "arch/x86_64/x86.h"
#include "sym/sym.h"
#include "util/strbuf.h"

#include "fuzz_util.h"

/* Per-file caps on the quadratic parts, so one input stays in milliseconds. */
#define MAX_SYMS  512
#define MAX_SPECS 16

static int boundary_check(const uint8_t *code, size_t len, uint64_t off, void *data)
{
	(void)data;
	return x86_boundary_check(code, len, (size_t)off);
}

static int count_symbol(const struct sym_symbol *s, void *data)
{
	FUZZ_CHECK(s->name);
	(*(int *)data)++;
	return 0;
}

static int count_note(const struct sym_sdt_note *n, void *data)
{
	FUZZ_CHECK(n->provider && n->name);
	(*(int *)data)++;
	return 0;
}

static void query_identity(const struct sym_file *f, struct strbuf *sb)
{
	const char *s[] = {sym_file_path(f), sym_file_soname(f), sym_file_build_id(f),
			   sym_file_debug_path(f)};

	FUZZ_CHECK(s[0]);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (s[i])
			sb_printf(sb, "%s;", s[i]);
	sb_printf(sb, "%u %u", sym_file_type(f), sym_file_machine(f));
}

static void query_address(const struct sym_file *f, uint64_t vaddr, struct strbuf *sb)
{
	const struct sym_symbol *s;
	uint64_t off, back;

	for (unsigned flags = 0; flags <= SYM_NEED_EXEC; flags += SYM_NEED_EXEC)
		if (sym_vaddr_to_offset(f, vaddr, flags, &off) == 0)
			(void)sym_offset_to_vaddr(f, off, flags, &back);
	if (sym_addr_lookup(f, vaddr, &s, &off) == 0) {
		FUZZ_CHECK(vaddr - s->addr == off);
		FUZZ_CHECK(!s->size || off < s->size);
		sym_format_name(s, true, sb);
	}
	(void)sym_addr_to_name(f, vaddr, sb);
}

static void query_segments(const struct sym_file *f, struct strbuf *sb)
{
	size_t n = sym_file_segment_count(f);
	uint8_t buf[16];

	FUZZ_CHECK(!sym_file_segment(f, n));
	for (size_t i = 0; i < n; i++) {
		const struct sym_segment *s = sym_file_segment(f, i);
		uint64_t v;

		FUZZ_CHECK(s);
		query_address(f, s->vaddr, sb);
		query_address(f, s->vaddr + s->filesz - 1, sb);
		query_address(f, s->vaddr + s->filesz, sb);
		query_address(f, s->vaddr + s->memsz, sb);
		(void)sym_offset_to_vaddr(f, s->offset, 0, &v);
		(void)sym_offset_to_vaddr(f, s->offset + s->filesz, SYM_NEED_EXEC, &v);
		(void)sym_file_read(f, s->offset, buf, sizeof(buf));
	}
}

static void query_symbols(const struct sym_file *f, struct strbuf *sb)
{
	size_t n = sym_count(f);
	uint64_t last = 0;
	int seen = 0;

	FUZZ_CHECK(!sym_at(f, n));
	FUZZ_CHECK(!n || sym_file_has_symbols(f));
	for (size_t i = 0; i < n; i++) {
		const struct sym_symbol *s = sym_at(f, i), *found;

		FUZZ_CHECK(s && s->name);
		FUZZ_CHECK(s->addr >= last);
		last = s->addr;
		if (i >= MAX_SYMS)
			continue;
		FUZZ_CHECK(sym_lookup(f, s->name, &found) == 0 && !strcmp(found->name, s->name));
		sb_reset(sb);
		sym_format_name(s, true, sb);
		(void)sym_lookup(f, sb_str(sb), &found);
		query_address(f, s->addr, sb);
		query_address(f, s->addr + s->size / 2, sb);
		query_address(f, s->addr + s->size, sb);
	}
	if (sym_glob(f, "*", count_symbol, &seen) >= 0)
		FUZZ_CHECK((size_t)seen == n);
	else
		FUZZ_CHECK(!sym_file_has_symbols(f));
	(void)sym_glob(f, "seed_*", NULL, NULL);
	(void)sym_glob(f, "*@*", NULL, NULL);
	(void)sym_glob(f, "*@plt", count_symbol, &seen);
	(void)sym_glob(f, "[", NULL, NULL);
	sb_reset(sb);
	for (int err = 0; err <= 4; err++) {
		static const int errs[] = {-ENOENT, -ERANGE, -EACCES, -EILSEQ, -ENOMEM};

		sym_explain(f, n ? sym_at(f, 0)->name : "main", errs[err], sb);
	}
}

static void query_plt(const struct sym_file *f, struct strbuf *sb)
{
	size_t n = sym_plt_count(f);

	FUZZ_CHECK(!sym_plt_at(f, n));
	for (size_t i = 0; i < n && i < MAX_SYMS; i++) {
		const struct sym_symbol *s = sym_plt_at(f, i), *found;

		FUZZ_CHECK(s && s->name);
		FUZZ_CHECK(sym_plt_lookup(f, s->name, &found) == 0);
		sb_reset(sb);
		sym_format_name(s, false, sb);
		FUZZ_CHECK(sym_lookup(f, sb_str(sb), &found) == 0);
		query_address(f, s->addr, sb);
	}
}

static void check_args(const struct sym_sdt_arg *v, size_t n, struct strbuf *sb)
{
	for (size_t i = 0; i < n; i++) {
		const char *reg = sym_reg_name(v[i].reg, v[i].reg_width);

		FUZZ_CHECK(v[i].size == 1 || v[i].size == 2 || v[i].size == 4 || v[i].size == 8 ||
			   v[i].size == 16);
		sb_printf(sb, "%d %s %s", v[i].kind, reg ? reg : "-",
			  v[i].disp_sym ? v[i].disp_sym : "-");
	}
}

static void query_sdt(const struct sym_file *f, struct strbuf *sb)
{
	size_t n = sym_sdt_count(f);
	int seen = 0;

	FUZZ_CHECK(!sym_sdt_at(f, n));
	for (size_t i = 0; i < n; i++) {
		const struct sym_sdt_note *note = sym_sdt_at(f, i), *found;
		struct sym_sdt_arg *args;
		size_t nargs;

		FUZZ_CHECK(note && note->provider && note->name && note->args);
		FUZZ_CHECK(sym_sdt_find(f, note->provider, note->name, &found) == 0);
		FUZZ_CHECK(sym_sdt_find(f, NULL, note->name, &found) == 0);
		if (note->args_err < 0) {
			FUZZ_CHECK(!note->argv);
			continue;
		}
		check_args(note->argv, note->nargs, sb);
		FUZZ_CHECK(sym_sdt_parse_args(note->args, &args, &nargs) == 0);
		FUZZ_CHECK(nargs == note->nargs);
		sym_sdt_args_free(args, nargs);
		query_address(f, note->pc, sb);
	}
	FUZZ_CHECK(sym_sdt_glob(f, NULL, "*", count_note, &seen) == (int)n && seen == (int)n);
	(void)sym_sdt_glob(f, "seed", "t*", NULL, NULL);
	(void)sym_sdt_glob(f, "[", "*", NULL, NULL);
}

static void resolve_one(const struct sym_file *f, const char *text, struct strbuf *sb)
{
	struct sym_spec spec;
	struct sym_location loc;
	int r;

	if (sym_spec_parse(text, &spec) < 0)
		return;
	r = sym_resolve(f, &spec, boundary_check, NULL, &loc);
	if (r < 0)
		sym_explain(f, text, r, sb);
	(void)sym_resolve(f, &spec, NULL, NULL, &loc);
	sym_spec_release(&spec);
}

static void query_specs(const struct sym_file *f, struct strbuf *sb)
{
	static const char *const fixed[] = {"main",
					    "main+1",
					    "main+0x4",
					    "seed_walk+0x10",
					    "puts@plt",
					    "seed_lib_compute@@SEEDLIB_2",
					    "seed_lib_compute@SEEDLIB_1",
					    "libc:main",
					    "0x1000"};
	size_t n = sym_count(f);
	char text[256];

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		resolve_one(f, fixed[i], sb);
	for (size_t i = 0; i < n && i < MAX_SPECS; i++) {
		const struct sym_symbol *s = sym_at(f, i * (n / MAX_SPECS + 1) % n);

		snprintf(text, sizeof(text), "%.200s+%llu", s->name,
			 (unsigned long long)(s->size / 2));
		resolve_one(f, text, sb);
		snprintf(text, sizeof(text), "0x%llx", (unsigned long long)s->addr + 1);
		resolve_one(f, text, sb);
		if (s->version) {
			snprintf(text, sizeof(text), "%.100s@@%.100s", s->name, s->version);
			resolve_one(f, text, sb);
		}
	}
	for (size_t i = 0; i < sym_plt_count(f) && i < MAX_SPECS; i++) {
		snprintf(text, sizeof(text), "%.200s@plt", sym_plt_at(f, i)->name);
		resolve_one(f, text, sb);
	}
}

/* What /proc/PID/maps would show with every PT_LOAD mapped at bias. */
static void query_maps(const struct sym_file *f, uint64_t bias, struct strbuf *sb)
{
	struct strbuf text = {0};
	struct sym_maps *m;
	const char *path;
	uint64_t v, off;

	for (size_t i = 0; i < sym_file_segment_count(f); i++) {
		const struct sym_segment *s = sym_file_segment(f, i);

		sb_printf(&text, "%llx-%llx r%c%cp %llx 00:2a 7 %s\n",
			  (unsigned long long)((s->vaddr & ~0xfffULL) + bias),
			  (unsigned long long)(s->vaddr + s->memsz + bias),
			  s->flags & 2 ? 'w' : '-', s->flags & 1 ? 'x' : '-',
			  (unsigned long long)(s->offset & ~0xfffULL), sym_file_path(f));
	}
	sb_printf(&text, "7ffd0000-7ffd1000 rw-p 00000000 00:00 0 [stack]\n");
	if (sym_maps_parse(sb_str(&text), &m) == 0) {
		if (sym_maps_load_bias(m, f, &v) == 0)
			sb_printf(sb, "%llx", (unsigned long long)v);
		for (size_t i = 0; i < sym_file_segment_count(f); i++) {
			const struct sym_segment *s = sym_file_segment(f, i);

			if (sym_maps_offset_to_addr(m, f, s->offset, &v) == 0 &&
			    sym_maps_addr_to_offset(m, v, &path, &off) == 0)
				FUZZ_CHECK(path);
			(void)sym_maps_find_addr(m, s->vaddr + bias);
		}
		for (size_t i = 0; i < m->count; i++)
			(void)sym_mapping_is_file(&m->v[i], f);
		sym_maps_free(m);
	}
	sb_release(&text);
}

static char dir[] = "/tmp/fuzz_elf.XXXXXX";
static char path[sizeof(dir) + 16], debug[sizeof(dir) + 32];

static void remove_dir(void)
{
	unlink(path);
	unlink(debug);
	rmdir(dir);
}

/* dir/input, next to a link to the debug file its stripped seed names; -1 if not made. */
static int input_file(void)
{
	const char *base = strrchr(FZ_DEBUG_FILE, '/');
	int fd;

	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/input", dir);
	snprintf(debug, sizeof(debug), "%s/%s", dir, base ? base + 1 : FZ_DEBUG_FILE);
	if (symlink(FZ_DEBUG_FILE, debug) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		atexit(remove_dir);
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -2;
	struct strbuf sb = {0};
	struct sym_file *f;
	int err = 0;

	if (fd == -2)
		fd = input_file();
	FUZZ_CHECK(fd >= 0);
	if (!fuzz_rewrite(fd, data, size))
		return 0;
	f = sym_file_open(path, &err);
	if (!f) {
		FUZZ_CHECK(err < 0);
		return 0;
	}
	query_identity(f, &sb);
	query_segments(f, &sb);
	query_symbols(f, &sb);
	query_plt(f, &sb);
	query_sdt(f, &sb);
	query_specs(f, &sb);
	query_maps(f, 0x555555554000ULL, &sb);
	query_maps(f, 0, &sb);
	sb_release(&sb);
	sym_file_free(f);
	/* The next input is rewritten in place, maybe within the same mtime tick: load it anew. */
	sym_file_cache_drop();
	return 0;
}
