/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the VM and its runtime: printf conversions, maps (insert, lookup, deletion
 * with backward shift, overflow, wrapping), aggregates and stap's histogram rendering compared
 * with the text of the language reference, and whole scripts compiled and run against a host
 * that captures output and errors.
 */
#include <sys/mman.h>

#include "lang_test.h"

#include "lang/codegen.h"
#include "lang/format_parse.h"
#include "lang/regexes.h"
#include "lang/sema/sema.h"
#include "vm/rt/stat.h"
#include "vm/vm.h"

static char *fmt(const char *f, const vm_val *args)
{
	struct arena a = {0};
	const char *err = NULL;
	struct rt_format *rf = rt_format_parse(&a, f, strlen(f), &err);
	static char buf[512];
	struct rt_out o = {buf, 0, sizeof(buf), 0};

	assert_non_null(rf);
	assert_int_equal(rt_format_run(rf, args, &o, NULL, NULL), 0);
	rt_out_finish(&o);
	arena_release(&a);
	return buf;
}

static void test_printf_conversions(void **state)
{
	vm_val v[8];

	(void)state;
	v[0].s = "left";
	v[1].l = 42;
	v[2].l = 255;
	v[3].l = 8;
	v[4].l = 65;
	v[5].l = 4096;
	v[6].l = -1;
	/* The verified line of stap-language.md 1.6, with %u as the kernel runtime prints it. */
	assert_string_equal(fmt("%-10s|%5d|%x|%o|%c|%p|%u|%%", v),
			    "left      |   42|ff|10|A|0x1000|18446744073709551615|%");
	assert_string_equal(fmt("[%05d] [%-5d] [%+d] [% d]", (vm_val[]){{-42}, {7}, {7}, {7}}),
			    "[-0042] [7    ] [+7] [ 7]");
	assert_string_equal(fmt("[%#x] [%#o] [%X] [%.4d] [%*d] [%-*d]",
				(vm_val[]){{255}, {8}, {0xbeef}, {3}, {5}, {1}, {3}, {2}}),
			    "[0xff] [010] [BEEF] [0003] [    1] [2  ]");
	assert_string_equal(
		fmt("[%.3s] [%8s] [%-8s]", (vm_val[]){{.s = "abcdef"}, {.s = "r"}, {.s = "l"}}),
		"[abc] [       r] [l       ]");
	assert_string_equal(fmt("%#s", (vm_val[]){{.s = "a\n\"b\""}}), "a\\n\\\"b\\\"");
}

static void test_format_errors(void **state)
{
	struct arena a = {0};
	const char *err = NULL;

	(void)state;
	assert_null(rt_format_parse(&a, "%", 1, &err));
	assert_string_equal(err, "trailing incomplete print format conversion");
	assert_null(rt_format_parse(&a, "%q", 2, &err));
	assert_string_equal(err, "invalid or missing conversion specifier");
	arena_release(&a);
}

static void test_map_basics(void **state)
{
	uint8_t kt[2] = {VM_T_LONG, VM_T_STR};
	struct rt_map_layout l;
	struct rt_map *m;
	vm_val keys[2];
	char name[16];

	(void)state;
	rt_map_layout_init(&l, 2, kt, VM_T_LONG, 8, 32, 100, false);
	m = calloc(1, rt_map_bytes(&l));
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		keys[0].l = i % 7;
		keys[1].s = name;
		assert_true(rt_map_insert(m, &l, keys) >= 0);
	}
	assert_int_equal(m->count, 100);
	keys[0].l = 0;
	keys[1].s = "overflow";
	assert_int_equal(rt_map_insert(m, &l, keys), -E2BIG);
	/* Delete every other entry; the rest must still be found (backward shift). */
	for (int i = 0; i < 100; i += 2) {
		snprintf(name, sizeof(name), "k%d", i);
		keys[0].l = i % 7;
		keys[1].s = name;
		int64_t slot = rt_map_find(m, &l, keys);

		assert_true(slot >= 0);
		rt_map_delete(m, &l, (uint32_t)slot);
	}
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		keys[0].l = i % 7;
		keys[1].s = name;
		assert_int_equal(rt_map_find(m, &l, keys) >= 0, i % 2 == 1);
	}
	assert_int_equal(m->count, 50);
	free(m);
}

static void test_map_wrap(void **state)
{
	uint8_t kt[1] = {VM_T_LONG};
	struct rt_map_layout l;
	struct rt_map *m;
	vm_val k;

	(void)state;
	rt_map_layout_init(&l, 1, kt, VM_T_LONG, 8, 32, 3, true);
	m = calloc(1, rt_map_bytes(&l));
	for (k.l = 0; k.l < 5; k.l++)
		assert_true(rt_map_insert(m, &l, &k) >= 0);
	assert_int_equal(m->count, 3);
	k.l = 1;
	assert_true(rt_map_find(m, &l, &k) < 0);
	k.l = 2;
	assert_true(rt_map_find(m, &l, &k) >= 0);
	free(m);
}

static void test_stat_extractors(void **state)
{
	struct rt_hist h;
	struct rt_stat *s;
	int64_t v;

	(void)state;
	rt_hist_init(&h, RT_HIST_NONE, 0, 0, 0);
	s = calloc(1, rt_stat_size(&h));
	assert_int_equal(rt_stat_get(s, RT_STAT_COUNT, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rt_stat_get(s, RT_STAT_MIN, 0, &v), -ENODATA);
	for (int i = 1; i <= 5; i++)
		rt_stat_add(s, &h, 0, i * 3);
	rt_stat_get(s, RT_STAT_SUM, 0, &v);
	assert_int_equal(v, 45);
	rt_stat_get(s, RT_STAT_MIN, 0, &v);
	assert_int_equal(v, 3);
	rt_stat_get(s, RT_STAT_MAX, 0, &v);
	assert_int_equal(v, 15);
	rt_stat_get(s, RT_STAT_AVG, 0, &v);
	assert_int_equal(v, 9);
	rt_stat_get(s, RT_STAT_VARIANCE, 0, &v);
	/* stap's integer Welford with a truncated running mean (bit shift 0), not the exact 22.5. */
	assert_int_equal(v, 35);
	free(s);
}

static void test_hist_log_buckets(void **state)
{
	(void)state;
	assert_int_equal(rt_hist_log_bucket(0), 64);
	assert_int_equal(rt_hist_log_bucket(1), 65);
	assert_int_equal(rt_hist_log_bucket(3), 66);
	assert_int_equal(rt_hist_log_bucket(4), 67);
	assert_int_equal(rt_hist_log_bucket(-1), 63);
	assert_int_equal(rt_hist_log_value(67), 4);
	assert_int_equal(rt_hist_log_value(63), -1);
	assert_int_equal(rt_hist_log_value(62), -2);
}

/* Verbatim from stap-language.md section 1.4 (doc/langref.tex), plus the closing blank line. */
static const char spec_hist[] = "value |-------------------------------------------------- count\n"
				"    0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1650\n"
				"  200 |                                                      8\n"
				"  400 |                                                      0\n"
				"  600 |                                                      0\n"
				"      ~\n"
				" 1000 |                                                      0\n"
				" 1200 |                                                      0\n"
				" 1400 |                                                      1\n"
				" 1600 |                                                      0\n"
				" 1800 |                                                      0\n"
				"\n";

static void test_hist_linear_spec(void **state)
{
	struct rt_hist h;
	struct rt_stat *s;
	char buf[8192];
	struct rt_out o = {buf, 0, sizeof(buf), 0};

	(void)state;
	rt_hist_init(&h, RT_HIST_LINEAR, 0, 10240, 200);
	s = calloc(1, rt_stat_size(&h));
	for (int i = 0; i < 1650; i++)
		rt_stat_add(s, &h, 0, i % 200);
	for (int i = 0; i < 8; i++)
		rt_stat_add(s, &h, 0, 250);
	rt_stat_add(s, &h, 0, 1400);
	rt_hist_print(s, &h, &o);
	rt_out_finish(&o);
	assert_string_equal(buf, spec_hist);
	free(s);
}

static void test_hist_log_render(void **state)
{
	struct rt_hist h;
	struct rt_stat *s;
	char buf[8192];
	struct rt_out o = {buf, 0, sizeof(buf), 0};

	(void)state;
	rt_hist_init(&h, RT_HIST_LOG, 0, 0, 0);
	s = calloc(1, rt_stat_size(&h));
	rt_stat_add(s, &h, 0, 1);
	rt_stat_add(s, &h, 0, 2);
	rt_stat_add(s, &h, 0, 3);
	rt_stat_add(s, &h, 0, 1000);
	rt_hist_print(s, &h, &o);
	rt_out_finish(&o);
	assert_string_equal(buf, "value |-------------------------------------------------- count\n"
				 "    0 |                                                   0\n"
				 "    1 |@                                                  1\n"
				 "    2 |@@                                                 2\n"
				 "    4 |                                                   0\n"
				 "    8 |                                                   0\n"
				 "      ~\n"
				 "  128 |                                                   0\n"
				 "  256 |                                                   0\n"
				 "  512 |@                                                  1\n"
				 " 1024 |                                                   0\n"
				 " 2048 |                                                   0\n"
				 "\n");
	free(s);
}

/* A host that captures output and errors. */
struct capture {
	struct strbuf out;
	struct strbuf err;
	struct vm_regexes *regexes;
	bool exited;
};

static void cap_output(void *d, const char *b, size_t n)
{
	sb_append(&((struct capture *)d)->out, b, n);
}

static void cap_warn(void *d, const char *m)
{
	sb_printf(&((struct capture *)d)->err, "WARNING: %s\n", m);
}

static int64_t cap_clock(void *d, bool mono)
{
	(void)d;
	return mono ? 5000 : 1700000000000000000ll;
}

static void cap_control(void *d, enum vm_control w)
{
	(void)w;
	((struct capture *)d)->exited = true;
}

static void cap_error(void *d, const char *msg, const char *where)
{
	sb_printf(&((struct capture *)d)->err, "ERROR: %s near %s\n", msg, where);
}

static int cap_regex(void *d, uint32_t re, const char *s, struct vm_submatch *m, unsigned nm)
{
	return vm_regexes_match(((struct capture *)d)->regexes, re, s, m, nm);
}

static uint64_t cap_random(void *d)
{
	(void)d;
	return 42;
}

static const struct vm_host cap_host = {cap_output, cap_warn,  cap_clock, cap_control,
					cap_error,  cap_regex, cap_random};

/* Compiles text and runs each begin probe, then each end probe; returns vm_run's last error. */
static int run_script(const char *text, struct capture *cap)
{
	struct parsed r;
	struct sema_limits lim = {1000, 512, 2048, 10};
	struct sema_program *sp;
	struct vm_program *prog;
	struct diag_list dl = {0};
	struct vm vm;
	size_t size;
	void *region;
	int rc = 0;

	memset(cap, 0, sizeof(*cap));
	parse_text(&r, text);
	assert_int_equal(r.err, 0);
	assert_int_equal(sema_elaborate(r.file, &lim, &dl, &sp), 0);
	assert_int_equal(codegen(sp, &dl, &prog), 0);
	assert_int_equal(vm_program_check(prog), 0);
	assert_int_equal(vm_regexes_compile(prog, &cap->regexes), 0);
	size = vm_region_size(prog);
	region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(region != MAP_FAILED);
	assert_int_equal(vm_init(&vm, prog, region, size, &cap_host, cap), 0);
	for (int kind = VM_PROBE_BEGIN; kind <= VM_PROBE_END; kind++)
		for (uint32_t i = 0; i < prog->nprobes; i++)
			if ((int)prog->probes[i].kind == kind) {
				struct vm_hit_ctx ctx = {.probe = &prog->probes[i], .pid = 7};
				int r2 = vm_run(&vm, &prog->chunks[prog->probes[i].handler], &ctx);

				if (r2 < 0)
					rc = r2;
			}
	vm_autoprint(&vm);
	munmap(region, size);
	vm_regexes_free(cap->regexes);
	vm_program_free(prog);
	diag_release(&dl);
	parsed_release(&r);
	return rc;
}

static void test_run_script(void **state)
{
	struct capture c;

	(void)state;
	assert_int_equal(
		run_script("global a, n\n"
			   "probe begin { for (i = 0; i < 5; i++) a[i % 2] += i;\n"
			   "  foreach (k- in a) printf(\"%d=%d \", k, a[k]);\n"
			   "  n = pid(); println(gettimeofday_s(), \" \", pp()); exit() }\n"
			   "probe end { println(\"end\") }",
			   &c),
		0);
	assert_string_equal(sb_str(&c.out), "1=4 0=6 1700000000 begin\nend\nn=0x7\n");
	assert_true(c.exited);
	sb_release(&c.out);
	sb_release(&c.err);
}

static void test_run_errors(void **state)
{
	struct capture c;

	(void)state;
	assert_int_equal(run_script("probe begin { x = 0; println(\"a\"); y = 1 / x }", &c),
			 -ECANCELED);
	assert_string_equal(sb_str(&c.out), "a\n");
	assert_string_equal(sb_str(&c.err), "ERROR: division by 0 near operator '/' at "
					    "t.stp:1:42\n");
	sb_release(&c.out);
	sb_release(&c.err);
	assert_int_equal(run_script("probe begin { while (1) ; }", &c), -ECANCELED);
	assert_string_equal(sb_str(&c.err), "ERROR: MAXACTION exceeded near operator ';' at "
					    "t.stp:1:25\n");
	sb_release(&c.out);
	sb_release(&c.err);
	assert_int_equal(run_script("probe begin { try { error(\"boom\") } catch (m) "
				    "{ println(\"got \", m) } }",
				    &c),
			 0);
	assert_string_equal(sb_str(&c.out), "got boom\n");
	sb_release(&c.out);
	sb_release(&c.err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printf_conversions), cmocka_unit_test(test_format_errors),
		cmocka_unit_test(test_map_basics),	   cmocka_unit_test(test_map_wrap),
		cmocka_unit_test(test_stat_extractors),	   cmocka_unit_test(test_hist_log_buckets),
		cmocka_unit_test(test_hist_linear_spec),   cmocka_unit_test(test_hist_log_render),
		cmocka_unit_test(test_run_script),	   cmocka_unit_test(test_run_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
