/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Preprocessor tests: %( %? %: %) conditionals on $#, arch, kernel_v, runtime, literals, && and
 * ||, nesting; @define macros with and without parameters; and the errors of both.
 */
#include "lang_test.h"

/* The -p1 body of "probe begin { BODY }" after preprocessing, args given. */
static void expect_body(const char *body, const char *const *args, unsigned nargs, const char *want)
{
	char text[1024], dump[1024];
	struct parsed r;

	snprintf(text, sizeof(text), "probe begin {\n%s\n}\n", body);
	snprintf(dump, sizeof(dump), "# file t.stp\nprobe begin{\n%s}\n", want);
	parse_text_args(&r, text, args, nargs);
	if (r.err)
		fail_msg("%s", r.diags);
	assert_string_equal(r.dump, dump);
	parsed_release(&r);
}

static void expect_error(const char *text, const char *const *args, unsigned nargs, const char *msg)
{
	struct parsed r;

	parse_text_args(&r, text, args, nargs);
	assert_int_equal(r.err, -EINVAL);
	if (!strstr(r.diags, msg))
		fail_msg("want '%s' in:\n%s", msg, r.diags);
	parsed_release(&r);
}

static void test_argc_conditional(void **state)
{
	static const char *const two[] = {"a", "b"};

	expect_body("%( $# > 1 %? x = 1 %: x = 2 %)", two, 2, "(x) = (1);\n");
	expect_body("%( $# > 1 %? x = 1 %: x = 2 %)", two, 1, "(x) = (2);\n");
	expect_body("%( $# > 1 %? x = 1 %)", two, 1, "");
	expect_body("%( $# == 2 %? x = $2 %: x = $3 %)", (const char *const[]){"1", "7"}, 2,
		    "(x) = (7);\n");
}

static void test_conditions(void **state)
{
	expect_body("%( arch == \"x86_64\" %? a = 1 %: a = 2 %)", NULL, 0, "(a) = (1);\n");
	expect_body("%( arch != \"x86*\" %? a = 1 %: a = 2 %)", NULL, 0, "(a) = (2);\n");
	expect_body("%( kernel_v >= \"3.10\" %? a = 1 %: a = 2 %)", NULL, 0, "(a) = (1);\n");
	expect_body("%( kernel_v < \"3.10\" %? a = 1 %: a = 2 %)", NULL, 0, "(a) = (2);\n");
	expect_body("%( kernel_vr == \"6.1*\" %? a = 1 %)", NULL, 0, "(a) = (1);\n");
	expect_body("%( runtime == \"bpf\" %? a = 1 %: a = 2 %)", NULL, 0, "(a) = (2);\n");
	expect_body("%( systemtap_v >= \"4.0\" %? a = 1 %)", NULL, 0, "(a) = (1);\n");
	expect_body("%( guru_mode == 0 %? a = 1 %)", NULL, 0, "(a) = (1);\n");
	expect_body("%( \"abc\" < \"abd\" %? a = 1 %)", NULL, 0, "(a) = (1);\n");
	expect_body("%( 0x10 == 16 %? a = 1 %)", NULL, 0, "(a) = (1);\n");
	expect_body("%( 1 == 2 || 3 == 3 && 4 == 4 %? a = 1 %: a = 2 %)", NULL, 0, "(a) = (1);\n");
	expect_body("%( 1 == 1 && 3 == 4 %? a = 1 %: a = 2 %)", NULL, 0, "(a) = (2);\n");
	expect_body("%( CONFIG_FOO == \"y\" %? a = 1 %: a = 2 %)", NULL, 0, "(a) = (2);\n");
}

static void test_nested_conditionals(void **state)
{
	expect_body("%( 1 == 1 %? %( 2 == 3 %? a = 1 %: a = 2 %) %: a = 3 %) b = 4", NULL, 0,
		    "(a) = (2);\n(b) = (4);\n");
	expect_body("%( 1 == 2 %? %( 2 == 2 %? a = 1 %: a = 2 %) %: a = 3 %)", NULL, 0,
		    "(a) = (3);\n");
}

static void test_dropped_branch_is_not_checked(void **state)
{
	/* $3 is out of range, but only in the branch that is dropped. */
	expect_body("%( $# > 2 %? x = $3 %: x = 0 %)", (const char *const[]){"1"}, 1,
		    "(x) = (0);\n");
}

static void test_macros(void **state)
{
	struct parsed r;

	parse_text(&r, "@define two %( 2 %)\n"
		       "@define add(a, b) %( ((@a) + (@b)) %)\n"
		       "@define twice(x) %( @add(@x, @x) %)\n"
		       "probe begin { y = @two; z = @add(1, y * 3); w = @twice(f(1, 2)) }\n");
	if (r.err)
		fail_msg("%s", r.diags);
	assert_string_equal(r.dump, "# file t.stp\n"
				    "probe begin{\n"
				    "(y) = (2);\n"
				    "(z) = ((1) + ((y) * (3)));\n"
				    "(w) = ((f(1, 2)) + (f(1, 2)));\n"
				    "}\n");
	parsed_release(&r);
}

static void test_macro_with_conditional_body(void **state)
{
	expect_body("@define pick(a, b) %( %( $# > 0 %? @a %: @b %) %)\n x = @pick(1, 2)",
		    (const char *const[]){"z"}, 1, "(x) = (1);\n");
}

static void test_builtin_choose_defined(void **state)
{
	expect_body("x = @choose_defined($a, 0)", NULL, 0, "(x) = ((@defined($a))?($a):(0));\n");
}

static void test_errors(void **state)
{
	expect_error("probe begin { %( 1 == 1 x = 1 %) }", NULL, 0,
		     "expected '%?' marker for conditional");
	expect_error("probe begin { %( 1 == 1 %? x = 1 }", NULL, 0,
		     "incomplete conditional at end of file");
	expect_error("probe begin { x = 1 %) }", NULL, 0, "incomplete conditional - missing '%('");
	expect_error("probe begin { %( 1 == 1 %? a %: b %: c %) }", NULL, 0,
		     "invalid conditional - duplicate '%:'");
	expect_error("probe begin { %( foo == 1 %? a %) }", NULL, 0, "expected 'arch', 'kernel_v'");
	expect_error("probe begin { %( arch < \"x\" %? a %) }", NULL, 0, "expected '==' or '!='");
	expect_error("probe begin { %( kernel_v == 3 %? a %) }", NULL, 0,
		     "expected string literal");
	expect_error("@define m %( 1 %)\n@define m %( 2 %)\nprobe begin { }", NULL, 0,
		     "attempt to redefine macro '@m' in the same file");
	expect_error("@define m(a) %( @a %)\nprobe begin { x = @m(1, 2) }", NULL, 0,
		     "too many parameters for macro '@m' (expected 1)");
	expect_error("@define m(a, b) %( @a %)\nprobe begin { x = @m(1) }", NULL, 0,
		     "too few parameters for macro '@m' (expected 2)");
	expect_error("@define m(a) %( @a %)\nprobe begin { x = @m }", NULL, 0,
		     "expected '(' in invocation of macro '@m' taking 1 parameter");
	expect_error("@define m %( 1 \nprobe begin { }", NULL, 0,
		     "incomplete macro definition - missing '%)'");
	expect_error("probe begin { x = $2 }", (const char *const[]){"1"}, 1,
		     "command line argument out of range [1-1]");
}

static void test_error_in_macro_names_expansion(void **state)
{
	struct parsed r;

	parse_text(&r, "@define bad %( ) %)\nprobe begin { x = @bad }");
	assert_int_equal(r.err, -EINVAL);
	assert_non_null(strstr(r.diags, "in expansion of macro: operator '@bad' at t.stp:2:19"));
	parsed_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argc_conditional),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_nested_conditionals),
		cmocka_unit_test(test_dropped_branch_is_not_checked),
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_macro_with_conditional_body),
		cmocka_unit_test(test_builtin_choose_defined),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_in_macro_names_expansion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
