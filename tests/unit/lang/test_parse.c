/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parser tests: operator precedence and associativity (through the fully parenthesised -p1
 * print), every statement form, declarations, probe points, and errors: their messages,
 * locations and recovery.
 */
#include "lang_test.h"

/* The -p1 print of expression e inside a function (so that return is allowed). */
static void expect_expr(const char *e, const char *want)
{
	char text[1024], dump[1024];
	struct parsed r;

	snprintf(text, sizeof(text), "function f() {\nx = %s\n}\n", e);
	snprintf(dump, sizeof(dump), "# file t.stp\nfunction f ()\n{\n(x) = (%s);\n}\n", want);
	parse_text(&r, text);
	if (r.err)
		fail_msg("%s: %s", e, r.diags);
	assert_string_equal(r.dump, dump);
	parsed_release(&r);
}

static void expect_stmts(const char *body, const char *want)
{
	char text[2048], dump[2048];
	struct parsed r;

	snprintf(text, sizeof(text), "function f() {\n%s\n}\n", body);
	snprintf(dump, sizeof(dump), "# file t.stp\nfunction f ()\n{\n%s}\n", want);
	parse_text(&r, text);
	if (r.err)
		fail_msg("%s: %s", body, r.diags);
	assert_string_equal(r.dump, dump);
	parsed_release(&r);
}

static void expect_file(const char *text, const char *want)
{
	struct parsed r;

	parse_text(&r, text);
	if (r.err)
		fail_msg("%s: %s", text, r.diags);
	assert_string_equal(r.dump, want);
	parsed_release(&r);
}

static void expect_diags(const char *text, const char *want)
{
	struct parsed r;

	parse_text(&r, text);
	assert_int_equal(r.err, -EINVAL);
	assert_string_equal(r.diags, want);
	parsed_release(&r);
}

static void test_precedence(void **state)
{
	expect_expr("1 + 2 * 3", "(1) + ((2) * (3))");
	expect_expr("1 * 2 + 3", "((1) * (2)) + (3)");
	expect_expr("1 - 2 - 3", "((1) - (2)) - (3)");
	expect_expr("a . b . c", "((a) . (b)) . (c)");
	expect_expr("a . b + c", "(a) . ((b) + (c))");
	expect_expr("a << 1 . b", "(a) << ((1) . (b))");
	expect_expr("a < b << 1", "(a) < ((b) << (1))");
	expect_expr("a & b == c", "(a) & ((b) == (c))");
	expect_expr("a | b ^ c & d", "(a) | ((b) ^ ((c) & (d)))");
	expect_expr("a || b && c | d", "(a) || ((b) && ((c) | (d)))");
	expect_expr("a && b || c && d", "((a) && (b)) || ((c) && (d))");
	expect_expr("a ? b : c ? d : e", "(a)?(b):((c)?(d):(e))");
	expect_expr("a || b ? c : d", "((a) || (b))?(c):(d)");
	expect_expr("-a * b", "(-(a)) * (b)");
	expect_expr("!a && ~b", "(!(a)) && (~(b))");
	expect_expr("- - a", "-(-(a))");
	expect_expr("++a + b--", "(++(a)) + ((b)--)");
	expect_expr("a >>> 2 >> 1", "((a) >>> (2)) >> (1)");
	expect_expr("(1 + 2) * 3", "((1) + (2)) * (3)");
	expect_expr("a % b / c", "((a) % (b)) / (c)");
	expect_expr("a < b == c", "((a) < (b)) == (c)");
}

static void test_assignment(void **state)
{
	static const char *const ops[] = {
		"=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|=", ".=", "<<<"};

	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		char e[64], want[64];

		snprintf(e, sizeof(e), "y %s 1", ops[i]);
		snprintf(want, sizeof(want), "(y) %s (1)", ops[i]);
		expect_expr(e, want);
	}
	expect_expr("y = z = 1", "(y) = ((z) = (1))");
}

static void test_in_and_regex(void **state)
{
	expect_expr("k in arr", "[k] in arr");
	expect_expr("[a, b] in arr", "[a, b] in arr");
	expect_expr("[a, *] in arr", "[a, *] in arr");
	expect_expr("a + 1 in arr && b", "([(a) + (1)] in arr) && (b)");
	expect_expr("!(k in arr)", "!([k] in arr)");
	expect_expr("s =~ \"^a.*\"", "(s) =~ \"^a.*\"");
	expect_expr("s !~ \"x\" \"y\"", "(s) !~ \"xy\"");
}

static void test_values(void **state)
{
	expect_expr("f()", "f()");
	expect_expr("f(1, \"a\", g(2))", "f(1, \"a\", g(2))");
	expect_expr("arr[1, \"k\", x + 1]", "arr[1, \"k\", (x) + (1)]");
	expect_expr("arr[1,2,3,4,5,6,7,8,9]", "arr[1, 2, 3, 4, 5, 6, 7, 8, 9]");
	expect_expr("\"a\\n\" \"b\\\"\"", "\"a\\nb\\\"\"");
	expect_expr("@count(s) + @sum(s[1]) + @min(s) + @max(s) + @avg(s)",
		    "((((@count(s)) + (@sum(s[1]))) + (@min(s))) + (@max(s))) + (@avg(s))");
	expect_expr("@variance(s, 3)", "@variance(s, 3)");
	expect_expr("@hist_log(s)[3]", "@hist_log(s)[3]");
	expect_expr("sprintf(\"%d\\n\", 1)", "sprintf(\"%d\\\\n\", 1)");
	expect_expr("sprint(1)", "sprint(1)");
}

static void test_target_variables(void **state)
{
	expect_expr("$var", "$var");
	expect_expr("$var->member[2]->x", "$var->member[2]->x");
	expect_expr("$p->arr[i + 1]", "$p->arr[(i) + (1)]");
	expect_expr("$$vars", "$$vars");
	expect_expr("$$parms$", "$$parms->$");
	expect_expr("$p$$", "$p->$$");
	expect_expr("$p->next$", "$p->next->$");
	expect_expr("&$var", "&$var");
	expect_expr("&$p->name", "&$p->name");
	expect_expr("@entry($p->x)", "@entry($p->x)");
	expect_expr("@cast(ptr, \"struct pt\", \"/bin/app\")->y",
		    "@cast(ptr, \"struct pt\", \"/bin/app\")->y");
	expect_expr("@cast(ptr, \"pt\")->y", "@cast(ptr, \"pt\")->y");
	expect_expr("@var(\"counter@app.c\")", "@var(\"counter@app.c\")");
	expect_expr("@var(\"x\", \"/lib/l.so\")->a", "@var(\"x\", \"/lib/l.so\")->a");
	expect_expr("@defined($x) ? $x : 0", "(@defined($x))?($x):(0)");
	expect_expr("f()->x", "(f())->x");
	expect_expr("$return", "$return");
}

static void test_statements(void **state)
{
	expect_stmts("if (a) b = 1 else { c = 2; d = 3 }",
		     "if (a) (b) = (1)\nelse {\n(c) = (2);\n(d) = (3);\n}\n;\n");
	expect_stmts("if (a) ;", "if (a) ;\n;\n");
	expect_stmts("while (i < 3) i++", "for (; (i) < (3); ) (i)++;\n");
	expect_stmts("for (i = 0; i < 3; i++) s += i",
		     "for ((i) = (0); (i) < (3); (i)++) (s) += (i);\n");
	expect_stmts("for (;;) break", "for (; 1; ) break;\n");
	expect_stmts("foreach (k in a) continue", "foreach ([k] in a) continue;\n");
	expect_stmts("foreach ([a, b-] in arr limit 5) next",
		     "foreach ([a, b-] in arr limit 5) next;\n");
	expect_stmts("foreach (v = [a, b] in arr+) x = v",
		     "foreach (v = [a, b] in arr+) (x) = (v);\n");
	expect_stmts("foreach (v- = [a] in arr) ;", "foreach (v = [a] in arr-) ;;\n");
	expect_stmts("foreach (k+ in arr) ;", "foreach ([k+] in arr) ;;\n");
	expect_stmts("foreach ([a, b] in arr[1, *]) ;", "foreach ([a, b] in arr[1, *]) ;;\n");
	expect_stmts("foreach (k in s @sum- limit 5) ;", "foreach ([k] in s @sum- limit 5) ;;\n");
	expect_stmts("delete arr[1, *]; delete arr; delete x",
		     "delete arr[1, *];\ndelete arr;\ndelete x;\n");
	expect_stmts("return", "return;\n");
	expect_stmts("return 1 + 2;", "return (1) + (2);\n");
	expect_stmts("try { error(\"x\") } catch { }",
		     "try {\n{\nerror(\"x\");\n}\n} catch {\n{\n}\n}\n;\n");
	expect_stmts("try { } catch (msg) { println(msg) }",
		     "try {\n{\n}\n} catch (msg) {\n{\nprintln(msg);\n}\n}\n;\n");
	expect_stmts("{ { } }", "{\n{\n};\n};\n");
	expect_stmts(";", ";;\n");
	expect_stmts("a = 1 b = 2", "(a) = (1);\n(b) = (2);\n");
	expect_stmts("printf(\"%s %d\\n\", s, 1); print(1, 2); println(); printd(\",\", a, b)",
		     "printf(\"%s %d\\\\n\", s, 1);\nprint(1, 2);\nprintln();\n"
		     "printd(\",\", a, b);\n");
	expect_stmts("print(@hist_linear(s, 0, 100, 10))", "print(@hist_linear(s, 0, 100, 10));\n");
}

static void test_declarations(void **state)
{
	expect_file("global a, b = 5, c[100], d%, e%[10], s = \"x\"; global f = -1\n"
		    "private global p\nprivate q\n",
		    "# file t.stp\nglobal a\nglobal b = 5\nglobal c[100]\nglobal d%\n"
		    "global e%[10]\nglobal s = \"x\"\nglobal f = -1\nglobal p\nglobal q\n");
	expect_file("function f:long (a:string, b:long, c) { return 1 }\n"
		    "function g() { }\nprivate function h(x) { }\nfunction string() { }\n",
		    "# file t.stp\nfunction f (a, b, c)\n{\nreturn 1;\n}\n"
		    "function g ()\n{\n}\nfunction h (x)\n{\n}\nfunction string ()\n{\n}\n");
}

static void test_probe_points(void **state)
{
	expect_file(
		"probe process(\"/bin/ls\").function(\"f*\").call,\n"
		"  process(\"a\").function(\"g\").return, process(123).statement(\"f@x.c:12\")?,\n"
		"  process(\"a\").mark(\"m\")!, process(\"a\").plt(\"p\"),\n"
		"  process(\"a\").library(\"l.so\").function(\"x\"), begin(-1), end(5),\n"
		"  timer.ms(100).randomize(5), syscall.*, foo**bar, process.begin if (x > 1)\n"
		"{ }\n",
		"# file t.stp\nprobe process(\"/bin/ls\").function(\"f*\").call,"
		"process(\"a\").function(\"g\").return,process(123).statement(\"f@x.c:12\")?,"
		"process(\"a\").mark(\"m\")!,process(\"a\").plt(\"p\"),"
		"process(\"a\").library(\"l.so\").function(\"x\"),begin(-1),end(5),"
		"timer.ms(100).randomize(5),syscall.*,foo**bar,process.begin if ((x) > (1)){\n"
		"}\n");
}

static void test_aliases(void **state)
{
	expect_file("probe myprobe = process(\"a\").function(\"f\"), begin { x = 1 }\n"
		    "probe epi += end { }\nprobe myprobe { }\n",
		    "# file t.stp\nprobe myprobe = process(\"a\").function(\"f\"), begin{\n"
		    "(x) = (1);\n}\nprobe epi += end{\n}\nprobe myprobe{\n}\n");
}

static void test_embedded_code(void **state)
{
	struct parsed r;

	parse_text(&r, "%{ #include <x.h> %}\nfunction f:long (x:long) %{ STAP_RETURN(1); %}\n");
	assert_int_equal(r.err, -EINVAL);
	assert_non_null(strstr(r.diags, "parse error: embedded code in unprivileged script; "
					"need stap -g\n\tsaw: embedded-code at t.stp:1:1\n"));
	assert_non_null(strstr(r.diags, "2 parse errors."));
	parsed_release(&r);
}

static void test_error_format(void **state)
{
	expect_diags("probe begin {\n\tfor (i = 0 i < 3; i++) ;\n}\n",
		     "parse error: expected ';'\n"
		     "\tsaw: identifier 'i' at t.stp:2:13\n"
		     "     source: \tfor (i = 0 i < 3; i++) ;\n"
		     "             \t           ^\n"
		     "1 parse error.\n");
	expect_diags("probe begin {", "parse error: expected statement\n"
				      "\tsaw: t.stp EOF\n"
				      "1 parse error.\n");
	expect_diags("probe begin { x = \"abc }\n",
		     "parse error: Could not find matching closing quote\n"
		     "\tat: junk '\"abc }' at t.stp:1:19\n"
		     "     source: probe begin { x = \"abc }\n"
		     "                               ^\n"
		     "1 parse error.\n");
	expect_diags("x = 1\n", "parse error: expected 'probe', 'global', 'private', 'function', "
				"or '%{'\n"
				"\tsaw: identifier 'x' at t.stp:1:1\n"
				"     source: x = 1\n"
				"             ^\n"
				"1 parse error.\n");
}

static void test_recovery_reports_every_error(void **state)
{
	struct parsed r;

	parse_text(&r, "probe begin {\n"
		       "  a = (1\n"
		       "  b = 2\n"
		       "  c = )\n"
		       "}\n"
		       "probe end { return }\n"
		       "global g[0]\n"
		       "function f(a, a) { }\n"
		       "probe timer..ms { }\n");
	assert_int_equal(r.err, -EINVAL);
	/* The skip after the unclosed '(' balances it with line 4's ')'. */
	assert_int_equal(r.dl.errors, 5);
	assert_non_null(strstr(r.diags, "expected ')'\n\tsaw: identifier 'b' at t.stp:3:3"));
	assert_non_null(strstr(r.diags, "found 'return' not in function context"));
	assert_non_null(strstr(r.diags, "array size out of range"));
	assert_non_null(strstr(r.diags, "duplicate parameter names"));
	assert_non_null(strstr(r.diags, "expected identifier or '*'"));
	assert_non_null(strstr(r.diags, "5 parse errors."));
	parsed_release(&r);
}

static void test_misc_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{"probe a? = b { }", "probe point alias name cannot be optional nor sufficient"},
		{"probe a b { }", "expected one of ', { } = +='"},
		{"probe begin { f(1 2) }", "expected one of ') ,'"},
		{"probe begin { a[1 2] }", "expected one of '] ,'"},
		{"probe begin { printf(\"%z\", 1) }", "invalid or missing conversion specifier"},
		{"probe begin { printf(\"%5\", 1) }",
		 "trailing incomplete print format conversion"},
		{"probe begin { x = @hist_log(s) }",
		 "base histogram operator where expression expected"},
		{"probe begin { x = @bogus(s) }", "unknown operator @bogus"},
		{"probe begin { foreach ([a+, b-] in x) ; }", "multiple sort directives"},
		{"probe begin { x = [a, b] }", "unexpected comma-separated expression list"},
		{"probe begin { x = $p$->a }",
		 "-> and [ are not accepted for a pretty-printing variable"},
		{"global a = 1, a", "duplicate global name"},
		{"global a[10] = 1", "only scalar globals can be initialized"},
		{"function f:int () { }", "expected 'string' or 'long'"},
		{"probe begin { else }", "expected statement"},
		{"probe begin { @variance(s, 1, 2) }", "not more than 2 parameters allowed"},
		{"probe begin { x = 1 ", "expected statement"},
		{"probe begin { %{ 1 %} }", "embedded expression code in unprivileged script"},
		{"probe begin { x = \x01 }", "unknown junk token"},
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parsed r;

		parse_text(&r, cases[i].text);
		assert_int_equal(r.err, -EINVAL);
		if (!strstr(r.diags, cases[i].msg))
			fail_msg("%s: want '%s' in:\n%s", cases[i].text, cases[i].msg, r.diags);
		parsed_release(&r);
	}
}

static void test_empty_file(void **state)
{
	struct parsed r;

	parse_text(&r, "# nothing\n");
	assert_int_equal(r.err, -EINVAL);
	assert_string_equal(r.diags, "Input file 't.stp' is empty.\n");
	parsed_release(&r);
	parse_text(&r, "%( 1 == 2 %? probe begin { } %)\n");
	assert_string_equal(r.diags, "Input file 't.stp' is empty after preprocessing.\n");
	parsed_release(&r);
}

static void test_tree_shape(void **state)
{
	struct parsed r;
	const struct ast_stmt *s;
	const struct ast_expr *e;

	parse_text(&r, "probe begin { x[1, 2] <<< $a->b }\nglobal x");
	assert_int_equal(r.err, 0);
	assert_int_equal(r.file->nprobes, 1);
	assert_int_equal(r.file->nglobals, 1);
	s = r.file->probes[0]->body;
	assert_int_equal(s->kind, AST_S_BLOCK);
	assert_int_equal(s->block.n, 1);
	e = s->block.stmts[0]->expr.e;
	assert_int_equal(e->kind, AST_E_ASSIGN);
	assert_int_equal(e->bin.op, TOK_SHL_ACC);
	assert_int_equal(e->bin.left->kind, AST_E_INDEX);
	assert_int_equal(e->bin.left->index.nkeys, 2);
	assert_int_equal(e->bin.right->kind, AST_E_TARGET);
	assert_int_equal(e->bin.right->target.ncomps, 1);
	assert_string_equal(e->bin.right->target.comps[0].name, "b");
	assert_int_equal(e->tok->loc.line, 1);
	assert_int_equal(e->tok->loc.col, 23);
	parsed_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_assignment),
		cmocka_unit_test(test_in_and_regex),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_target_variables),
		cmocka_unit_test(test_statements),
		cmocka_unit_test(test_declarations),
		cmocka_unit_test(test_probe_points),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_embedded_code),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_recovery_reports_every_error),
		cmocka_unit_test(test_misc_errors),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_tree_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
