/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of vm_probe_in_agent (src/vm/in_agent.c): small scripts against two test
 * programs, compiled through pass 3, and the verdict and reason for the first process probe
 * of each, one case per class of handler: counting, printf of a marker's $arg1 and of DWARF
 * parameters, user_string, probefunc() of a .function, @var of the probed module (the pc
 * gives its bias) against one of another module (the tracer's), usymname, ubacktrace, =~, a
 * function that calls usymname two calls down, recursion that needs nothing, guru-mode
 * writes to a register (guru's twice, -O2: its parameter in rdi) and to memory (points, -O0:
 * on the stack), a .return probe, the entry half of @entry and a begin probe.
 *
 * usage: test_vm_in_agent POINTS GREETER GURU
 */
#include "../lang/lang_test.h"

#include "lang/codegen.h"
#include "lang/sema/sema.h"
#include "vm/vm.h"

static const char *points_exe, *greeter_exe, *guru_exe;

static char *with_programs(const char *s)
{
	struct strbuf sb = {0};

	for (; *s; s++) {
		if (!strncmp(s, "@POINTS", 7)) {
			sb_append(&sb, points_exe, strlen(points_exe));
			s += 6;
		} else if (!strncmp(s, "@GREETER", 8)) {
			sb_append(&sb, greeter_exe, strlen(greeter_exe));
			s += 7;
		} else if (!strncmp(s, "@GURU", 5)) {
			sb_append(&sb, guru_exe, strlen(guru_exe));
			s += 4;
		} else {
			sb_putc(&sb, *s);
		}
	}
	return sb.buf;
}

struct verdict {
	int in_agent;
	char why[128];
};

/*
 * Compiles script and judges its first probe that is a process probe of event (event < 0:
 * its first probe), with a reason buffer of len bytes.
 */
static struct verdict judge_len(const char *script, int event, size_t len)
{
	struct sema_limits lim = {.maxaction = 1000,
				  .maxstringlen = 512,
				  .maxmapentries = 2048,
				  .maxnesting = 10,
				  .guru = true};
	char *text = with_programs(script);
	struct verdict v = {-1, ""};
	struct sema_program *sp;
	struct vm_program *prog = NULL;
	struct diag_list dl = {0};
	struct parsed parsed;

	parse_text(&parsed, text);
	if (parsed.err || sema_elaborate(parsed.file, &lim, &dl, &sp) < 0 ||
	    codegen(sp, &dl, &prog) < 0) {
		struct strbuf sb = {0};

		diag_render(&dl, &sb);
		fail_msg("does not compile: %s\n%s%s", script, parsed.diags, sb_str(&sb));
	}
	for (uint32_t i = 0; i < prog->nprobes; i++) {
		const struct vm_probe *p = &prog->probes[i];

		if (event < 0 || (p->kind == VM_PROBE_PROCESS && (int)p->event == event)) {
			v.in_agent = vm_probe_in_agent(prog, p, len ? v.why : NULL, len);
			break;
		}
	}
	vm_program_free(prog);
	diag_release(&dl);
	parsed_release(&parsed);
	free(text);
	return v;
}

static struct verdict judge(const char *script, int event)
{
	return judge_len(script, event, sizeof(((struct verdict *)0)->why));
}

#define FUNCTION VM_PROC_FUNCTION

static void yes(const char *script, int event)
{
	struct verdict v = judge(script, event);

	if (v.in_agent != 1)
		fail_msg("not in the agent (%d, \"%s\"): %s", v.in_agent, v.why, script);
	assert_string_equal(v.why, "");
}

static void no(const char *script, int event, const char *why)
{
	struct verdict v = judge(script, event);

	if (v.in_agent != 0)
		fail_msg("in the agent (%d): %s", v.in_agent, script);
	assert_string_equal(v.why, why);
}

static void test_agent_can(void **state)
{
	(void)state;
	yes("global n\nprobe process(\"@POINTS\").function(\"area\") { n++ }", FUNCTION);
	yes("probe process(\"@GREETER\").mark(\"greeted\") { printf(\"%d %d\\n\", $arg1, $arg2) }",
	    VM_PROC_MARK);
	yes("probe process(\"@POINTS\").function(\"area\") { printf(\"%d %d\\n\", $scale, $p->x) }",
	    FUNCTION);
	yes("probe process(\"@GREETER\").function(\"greet\") { println(user_string($who)) }",
	    FUNCTION);
	yes("probe process(\"@POINTS\").function(\"area\") { println(probefunc(), pp(), tid()) }",
	    FUNCTION);
	yes("probe process(\"@POINTS\").function(\"area\") { println(@var(\"total@points.c\")) }",
	    FUNCTION);
	yes("global a\nfunction f(n) { if (n > 0) return f(n - 1) + g(); return 0 }\n"
	    "function g() { return f(0) }\n"
	    "probe process(\"@POINTS\").function(\"area\") { a[tid()] <<< f(3) }",
	    FUNCTION);
	yes("probe process(\"@GURU\").function(\"twice\") { $v = $v * 2; $v++ }", FUNCTION);
}

static void test_tracer_needed(void **state)
{
	(void)state;
	no("probe process(\"@POINTS\").function(\"area\") { println(usymname(uaddr())) }", FUNCTION,
	   "usymname() needs the tracer");
	no("probe process(\"@POINTS\").function(\"area\") { println(ubacktrace()) }", FUNCTION,
	   "ubacktrace() needs the tracer");
	no("probe process(\"@POINTS\").function(\"area\") { if (execname() =~ \"^po\") next }",
	   FUNCTION, "regex matching needs the tracer");
	no("function inner() { return usymname(uaddr()) }\n"
	   "function outer() { return strlen(inner()) }\n"
	   "probe process(\"@POINTS\").function(\"area\") { n = outer(); printf(\"%d\\n\", n) }",
	   FUNCTION, "usymname() needs the tracer (in function inner)");
	no("probe process(\"@POINTS\").function(\"area\") { $scale = 3 }", FUNCTION,
	   "guru-mode writes need the tracer");
	no("probe process(\"@GREETER\").mark(\"greeted\") { "
	   "println(@var(\"total@points.c\", \"@POINTS\")) }",
	   VM_PROC_MARK, "a global target variable needs the tracer");
	no("probe process(\"@POINTS\").function(\"area\").return { println($return) }",
	   VM_PROC_RETURN, "return probes need the tracer");
	no("global n\n"
	   "probe process(\"@POINTS\").function(\"area\").return { n += @entry($scale) }",
	   FUNCTION, "@entry needs the tracer's return probes");
	no("probe begin { println(1) }", -1, "not a probe at an address");
}

/* A short buffer gets a prefix, NUL-terminated; a zero-sized one is left alone. */
static void test_why_truncated(void **state)
{
	static const char text[] =
		"probe process(\"@POINTS\").function(\"area\") { println(ubacktrace()) }";
	struct verdict v = judge_len(text, FUNCTION, 8);

	(void)state;
	assert_int_equal(v.in_agent, 0);
	assert_string_equal(v.why, "ubacktr");
	v = judge_len(text, FUNCTION, 0);
	assert_int_equal(v.in_agent, 0);
	assert_string_equal(v.why, "");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agent_can),
		cmocka_unit_test(test_tracer_needed),
		cmocka_unit_test(test_why_truncated),
	};

	if (argc != 4) {
		fprintf(stderr, "usage: %s POINTS GREETER GURU\n", argv[0]);
		return 2;
	}
	points_exe = argv[1];
	greeter_exe = argv[2];
	guru_exe = argv[3];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
