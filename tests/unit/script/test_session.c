/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the probe runtime (src/script): sessions made from scripts compiled in this
 * process, each with its own output and message sinks, checked exactly.  Several sessions
 * exist at once and run one after the other, with globals of the same name, so that any state
 * shared between them (the file-scope singletons the runtime had in tools/ustap) shows as a
 * wrong output.  The traced case runs tests/progs' probed (its path is argv[1]) under two
 * sessions in turn, each counting its own hits.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lang/codegen.h"
#include "lang/passes.h"
#include "utrace/script.h"

static const char *probed_path;

/* What a session printed: its output, and its messages as "KIND text" lines. */
struct capture {
	struct strbuf out;
	struct strbuf msgs;
	unsigned flushes;
};

static void put(void *data, const char *buf, size_t len)
{
	struct capture *c = data;

	sb_append(&c->out, buf, len);
}

static void flush(void *data)
{
	struct capture *c = data;

	c->flushes++;
}

static void say(void *data, enum script_msg kind, const char *text)
{
	static const char *const names[] = {
		[SCRIPT_MSG_ERROR] = "ERROR",
		[SCRIPT_MSG_WARNING] = "WARNING",
		[SCRIPT_MSG_FAILURE] = "FAILURE",
		[SCRIPT_MSG_INFO] = "INFO",
	};
	struct capture *c = data;

	sb_printf(&c->msgs, "%s %s\n", names[kind], text);
}

static void fail_report(void *data, const char *text)
{
	fail_msg("the script does not compile: %s", text);
}

static struct vm_program *compile(const char *text)
{
	struct lex_file src = {.name = "t.stp", .text = text, .len = strlen(text)};
	struct passes_opts o = {.last_pass = 5, .report = fail_report};
	struct passes_result r;
	struct vm_program *prog;

	o.limits.maxaction = 1000;
	o.limits.maxstringlen = 512;
	o.limits.maxmapentries = 2048;
	o.limits.maxnesting = 10;
	assert_int_equal(passes_run(&src, &o, &r), 0);
	assert_non_null(r.prog);
	prog = r.prog;
	r.prog = NULL;
	passes_result_release(&r);
	return prog;
}

static struct script_session *session(const struct vm_program *prog, struct capture *c,
				      struct script_opts *o)
{
	struct script_session *s = NULL;

	memset(c, 0, sizeof(*c));
	o->output = put;
	o->flush = flush;
	o->message = say;
	o->data = c;
	assert_int_equal(script_session_new(prog, o, &s), 0);
	assert_non_null(s);
	return s;
}

static void capture_release(struct capture *c)
{
	sb_release(&c->out);
	sb_release(&c->msgs);
}

/* Two sessions alive at once, globals of the same name set apart, run in turn. */
static void test_two_sessions(void **state)
{
	struct vm_program *pa =
		compile("global x = 1\n"
			"probe begin { printf(\"A begin %d\\n\", x); x++; exit() }\n"
			"probe end { printf(\"A end %d\\n\", x) }\n");
	struct vm_program *pb = compile("global x, n\n"
					"probe begin { printf(\"B begin %d\\n\", x); x += 10 }\n"
					"probe timer.ms(5) { if (++n == 3) exit() }\n"
					"probe end { printf(\"B end %d %d\\n\", x, n) }\n");
	struct script_opts oa = {0}, ob = {0};
	struct capture ca, cb;
	struct script_session *a = session(pa, &ca, &oa), *b = session(pb, &cb, &ob);

	(void)state;
	assert_int_equal(script_session_set_global(a, "x", "5"), 0);
	assert_int_equal(script_session_set_global(b, "x", "7"), 0);
	assert_int_equal(script_session_set_global(b, "nosuch", "1"), -ENOENT);
	assert_int_equal(script_session_set_global(b, "x", "seven"), -EINVAL);
	assert_int_equal(script_session_run(b), 0);
	assert_string_equal(sb_str(&ca.out), "");
	assert_int_equal(script_session_run(a), 0);
	assert_string_equal(sb_str(&ca.out), "A begin 5\nA end 6\n");
	assert_string_equal(sb_str(&ca.msgs), "");
	assert_string_equal(sb_str(&cb.out), "B begin 7\nB end 17 3\n");
	assert_string_equal(sb_str(&cb.msgs), "");
	assert_true(cb.flushes >= 5); /* after each handler: begin, three timers, end */
	assert_int_equal(script_session_run(a), -EALREADY);
	script_session_free(a);
	script_session_free(b);
	vm_program_free(pa);
	vm_program_free(pb);
	capture_release(&ca);
	capture_release(&cb);
}

/* A runtime error is one session's: its error probes run, the other session's end probes do. */
static void test_errors_stay_in_their_session(void **state)
{
	struct vm_program *pe =
		compile("global z\n"
			"probe begin { warn(\"careful\"); printf(\"%d\\n\", 1 / z) }\n"
			"probe error { printf(\"error probe\\n\") }\n"
			"probe end { printf(\"not reached\\n\") }\n");
	struct vm_program *pc = compile("probe begin { printf(\"clean\\n\"); exit() }\n"
					"probe error { printf(\"not reached\\n\") }\n"
					"probe end { printf(\"end\\n\") }\n");
	struct script_opts oe = {0}, oc = {0};
	struct capture ce, cc;
	struct script_session *e = session(pe, &ce, &oe), *c = session(pc, &cc, &oc);

	(void)state;
	assert_int_equal(script_session_run(e), 1);
	assert_int_equal(script_session_run(c), 0);
	assert_string_equal(sb_str(&ce.out), "error probe\n");
	assert_string_equal(sb_str(&ce.msgs),
			    "WARNING careful\n"
			    "ERROR division by 0 near operator '/' at t.stp:2:49\n");
	assert_string_equal(sb_str(&cc.out), "clean\nend\n");
	assert_string_equal(sb_str(&cc.msgs), "");
	script_session_free(e);
	script_session_free(c);
	vm_program_free(pe);
	vm_program_free(pc);
	capture_release(&ce);
	capture_release(&cc);
}

/* A session that runs probed CALLS and counts f_push; its output, exactly. */
static void traced_run(const char *calls, const char *want)
{
	char text[8192];
	char *argv[] = {(char *)probed_path, "calls", (char *)calls, NULL};
	struct script_opts o = {.target_argv = argv};
	struct vm_program *prog;
	struct script_session *s;
	struct capture c;
	char info[4200];

	snprintf(text, sizeof(text),
		 "global n\n"
		 "probe process(\"%s\").function(\"f_push\") { n++ }\n"
		 "probe process.end { printf(\"end %%s %%d\\n\", execname(), pid() == target()) }\n"
		 "probe end { printf(\"%%d calls\\n\", n) }\n",
		 probed_path);
	prog = compile(text);
	s = session(prog, &c, &o);
	assert_int_equal(script_session_run(s), 0);
	assert_string_equal(sb_str(&c.out), want);
	/* The one message: how the site runs (-v), which depends on the build of probed. */
	snprintf(info, sizeof(info), "INFO probe process(\"%s\").function(\"f_push\") (%s:0x",
		 probed_path, probed_path);
	assert_memory_equal(sb_str(&c.msgs), info, strlen(info));
	assert_non_null(strchr(sb_str(&c.msgs), '\n'));
	assert_string_equal(strchr(sb_str(&c.msgs), '\n'), "\n");
	script_session_free(s);
	vm_program_free(prog);
	capture_release(&c);
}

/* Two traced sessions in turn, with an untraced one made before and run after both. */
static void test_traced_sessions(void **state)
{
	struct vm_program *pq =
		compile("probe begin { printf(\"quiet %d\\n\", target()); exit() }\n");
	struct script_opts oq = {.target_pid = 4242};
	struct capture cq;
	struct script_session *q = session(pq, &cq, &oq);

	(void)state;
	traced_run("10", "end probed 1\n10 calls\n");
	traced_run("3", "end probed 1\n3 calls\n");
	assert_int_equal(script_session_run(q), 0);
	assert_string_equal(sb_str(&cq.out), "quiet 4242\n");
	assert_string_equal(sb_str(&cq.msgs), "");
	script_session_free(q);
	vm_program_free(pq);
	capture_release(&cq);
}

/* A process probe and no target: said, and the run does not start. */
static void test_no_target(void **state)
{
	char text[4200];
	struct vm_program *prog;
	struct script_opts o = {0};
	struct script_session *s;
	struct capture c;

	(void)state;
	snprintf(text, sizeof(text), "probe process(\"%s\").function(\"f_push\") {}\n",
		 probed_path);
	prog = compile(text);
	s = session(prog, &c, &o);
	assert_int_equal(script_session_run(s), -EINVAL);
	assert_string_equal(sb_str(&c.out), "");
	assert_string_equal(sb_str(&c.msgs),
			    "ERROR process probes need a target process: use -c CMD or -x PID\n");
	script_session_free(s);
	vm_program_free(prog);
	capture_release(&c);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_sessions),
		cmocka_unit_test(test_errors_stay_in_their_session),
		cmocka_unit_test(test_traced_sessions),
		cmocka_unit_test(test_no_target),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-OF-tests/progs/probed\n", argv[0]);
		return 2;
	}
	probed_path = realpath(argv[1], NULL);
	if (!probed_path) {
		perror(argv[1]);
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
