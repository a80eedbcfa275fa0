/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lexer tests: every token kind, numbers in all bases, string escapes, comments, line/column
 * tracking, script argument pasting and the junk tokens of lexical errors.
 */
#include "lang_test.h"

#include "lang/lex.h"

struct lexed {
	struct arena arena;
	struct lexer lx;
	struct lex_file f;
};

static void lex_start(struct lexed *l, const char *text, const char *const *args, unsigned nargs)
{
	memset(l, 0, sizeof(*l));
	l->f.name = "t.stp";
	l->f.text = text;
	l->f.len = strlen(text);
	assert_int_equal(lex_init(&l->lx, &l->arena, &l->f, args, nargs), 0);
}

static void lex_end(struct lexed *l)
{
	lex_release(&l->lx);
	arena_release(&l->arena);
}

/* The single token of text (then EOF). */
static const struct token *lex_one(struct lexed *l, const char *text)
{
	const struct token *t;

	lex_start(l, text, NULL, 0);
	t = lex_next(&l->lx);
	assert_int_equal(lex_next(&l->lx)->kind, TOK_EOF);
	return t;
}

static void test_every_operator_and_keyword(void **state)
{
	unsigned seen = 0;

	for (int k = 0; k < TOK__COUNT; k++) {
		enum tok_class c = tok_class((enum tok)k);
		struct lexed l;
		const struct token *t;

		if ((c != TC_OPERATOR && c != TC_KEYWORD) || k == TOK_ATWORD || k == TOK_OP_OTHER)
			continue;
		t = lex_one(&l, tok_spelling((enum tok)k));
		assert_int_equal(t->kind, k);
		assert_string_equal(t->text, tok_spelling((enum tok)k));
		lex_end(&l);
		seen++;
	}
	assert_true(seen > 70);
}

static void test_identifiers(void **state)
{
	static const struct {
		const char *text;
		enum tok kind;
	} cases[] = {
		{"foo", TOK_IDENT},	   {"_x1", TOK_IDENT},	    {"$var", TOK_IDENT},
		{"$$vars", TOK_IDENT},	   {"$var$$", TOK_IDENT},   {"@count", TOK_ATWORD},
		{"@hist_log", TOK_ATWORD}, {"probe", TOK_KW_PROBE}, {"probes", TOK_IDENT},
		{"limit", TOK_KW_LIMIT},   {"long", TOK_KW_LONG},   {"catch", TOK_KW_CATCH},
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lexed l;
		const struct token *t = lex_one(&l, cases[i].text);

		assert_int_equal(t->kind, cases[i].kind);
		assert_string_equal(t->text, cases[i].text);
		lex_end(&l);
	}
}

static void test_numbers(void **state)
{
	static const char *const nums[] = {"0", "123", "0x7f", "0X7F", "017", "12ab"};

	for (unsigned i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		struct lexed l;
		const struct token *t = lex_one(&l, nums[i]);

		assert_int_equal(t->kind, TOK_NUMBER);
		assert_string_equal(t->text, nums[i]);
		lex_end(&l);
	}
}

static void test_number_values_in_parser(void **state)
{
	struct parsed r;

	parse_text(&r, "probe begin { a = 0x7f + 017 + 123 + 0 }\nglobal g = -9223372036854775808");
	assert_int_equal(r.err, 0);
	assert_non_null(strstr(r.dump, "(a) = ((((127) + (15)) + (123)) + (0))"));
	assert_non_null(strstr(r.dump, "global g = -9223372036854775808"));
	parsed_release(&r);

	parse_text(&r, "probe begin { a = 12ab }");
	assert_int_equal(r.err, -EINVAL);
	assert_non_null(strstr(r.diags, "number invalid or out of range"));
	parsed_release(&r);

	parse_text(&r, "probe begin { a = 99999999999999999999 }");
	assert_non_null(strstr(r.diags, "number invalid or out of range"));
	parsed_release(&r);
}

static void test_string_escapes(void **state)
{
	struct lexed l;
	const struct token *t = lex_one(&l, "\"a\\nb\\\"c\\\\d\\x41\\101\\q\\t\"");
	struct arena a = {0};
	const char *v;
	size_t n;

	assert_int_equal(t->kind, TOK_STRING);
	/* Escapes are kept as written, except \" and unknown ones such as \q. */
	assert_string_equal(t->text, "a\\nb\"c\\\\d\\x41\\101q\\t");
	v = ast_string_decode(&a, t->text, t->len, &n);
	assert_int_equal(n, 11);
	assert_memory_equal(v, "a\nb\"c\\dAAq\t", 11);
	arena_release(&a);
	lex_end(&l);
}

static void test_comments_and_spacing(void **state)
{
	struct lexed l;
	const struct token *t;

	lex_start(&l, "a # shell\nb // c++\nc /* c\n multi */d e*f", NULL, 0);
	t = lex_next(&l.lx);
	assert_string_equal(t->text, "a");
	t = lex_next(&l.lx);
	assert_string_equal(t->text, "b");
	assert_int_equal(t->loc.line, 2);
	assert_true(t->space_before);
	t = lex_next(&l.lx);
	assert_string_equal(t->text, "c");
	assert_int_equal(t->loc.line, 3);
	t = lex_next(&l.lx);
	assert_string_equal(t->text, "d");
	assert_int_equal(t->loc.line, 4);
	assert_int_equal(t->loc.col, 10);
	assert_true(t->space_before);
	t = lex_next(&l.lx);
	assert_string_equal(t->text, "e");
	t = lex_next(&l.lx);
	assert_int_equal(t->kind, TOK_STAR);
	assert_false(t->space_before);
	t = lex_next(&l.lx);
	assert_string_equal(t->text, "f");
	assert_false(t->space_before);
	assert_int_equal(lex_next(&l.lx)->kind, TOK_EOF);
	lex_end(&l);
}

static void test_line_col(void **state)
{
	struct lexed l;
	const struct token *t;

	lex_start(&l, "probe begin {\n\tx = 1\n}\n", NULL, 0);
	t = lex_next(&l.lx);
	assert_int_equal(t->loc.line, 1);
	assert_int_equal(t->loc.col, 1);
	t = lex_next(&l.lx);
	assert_int_equal(t->loc.col, 7);
	t = lex_next(&l.lx);
	assert_int_equal(t->loc.col, 13);
	t = lex_next(&l.lx);
	assert_string_equal(t->text, "x");
	assert_int_equal(t->loc.line, 2);
	assert_int_equal(t->loc.col, 2);
	t = lex_next(&l.lx);
	assert_int_equal(t->loc.col, 4);
	t = lex_next(&l.lx);
	t = lex_next(&l.lx);
	assert_int_equal(t->kind, TOK_RBRACE);
	assert_int_equal(t->loc.line, 3);
	assert_int_equal(t->loc.col, 1);
	lex_end(&l);
}

static void test_longest_match(void **state)
{
	static const enum tok want[] = {TOK_IDENT,	TOK_SHL_ACC, TOK_ASSIGN, TOK_IDENT,
					TOK_SHR_ASSIGN, TOK_IDENT,   TOK_ARROW,	 TOK_IDENT,
					TOK_DEC,	TOK_MINUS,   TOK_IDENT,	 TOK_PP_OPEN,
					TOK_PP_CLOSE,	TOK_EOF};
	struct lexed l;

	lex_start(&l, "a<<<=b>>=c->d---e%(%)", NULL, 0);
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(lex_next(&l.lx)->kind, want[i]);
	lex_end(&l);
}

static void test_embedded(void **state)
{
	struct lexed l;
	const struct token *t = lex_one(&l, "%{ return 1; %}");

	assert_int_equal(t->kind, TOK_EMBEDDED);
	assert_string_equal(t->text, " return 1; ");
	lex_end(&l);
}

static void test_junk(void **state)
{
	static const struct {
		const char *text;
		enum tok_junk why;
	} cases[] = {
		{"\"abc", TOK_JUNK_UNCLOSED_QUOTE},
		{"\"abc\ndef\"", TOK_JUNK_UNCLOSED_QUOTE},
		{"/* never closed", TOK_JUNK_UNCLOSED_COMMENT},
		{"%{ code", TOK_JUNK_UNCLOSED_EMBEDDED},
		{"\x80", TOK_JUNK_UNKNOWN},
		{"$1", TOK_JUNK_INVALID_ARG},
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lexed l;
		const struct token *t;

		lex_start(&l, cases[i].text, NULL, 0);
		t = lex_next(&l.lx);
		assert_int_equal(t->kind, TOK_JUNK);
		assert_int_equal(t->junk, cases[i].why);
		lex_end(&l);
	}
}

static void test_backquote_is_an_operator(void **state)
{
	struct lexed l;
	const struct token *t = lex_one(&l, "`");

	assert_int_equal(t->kind, TOK_OP_OTHER);
	assert_int_equal(tok_class(t->kind), TC_OPERATOR);
	lex_end(&l);
}

static void test_script_arguments(void **state)
{
	static const char *const args[] = {"10", "foo bar", "a\"b"};
	struct lexed l;
	const struct token *t;

	lex_start(&l, "x $1 @2 $# @# $2 @3", args, 3);
	t = lex_next(&l.lx);
	t = lex_next(&l.lx);
	assert_int_equal(t->kind, TOK_NUMBER);
	assert_string_equal(t->text, "10");
	assert_int_equal(t->loc.col, 3);
	t = lex_next(&l.lx);
	assert_int_equal(t->kind, TOK_STRING);
	assert_string_equal(t->text, "foo bar");
	assert_int_equal(t->loc.col, 6);
	t = lex_next(&l.lx);
	assert_int_equal(t->kind, TOK_NUMBER);
	assert_string_equal(t->text, "3");
	t = lex_next(&l.lx);
	assert_int_equal(t->kind, TOK_STRING);
	assert_string_equal(t->text, "3");
	t = lex_next(&l.lx);
	assert_string_equal(t->text, "foo");
	assert_int_equal(t->loc.col, 15);
	t = lex_next(&l.lx);
	assert_string_equal(t->text, "bar");
	assert_int_equal(t->loc.col, 15);
	t = lex_next(&l.lx);
	assert_int_equal(t->kind, TOK_STRING);
	assert_string_equal(t->text, "a\"b");
	assert_int_equal(t->loc.col, 18);
	assert_int_equal(lex_next(&l.lx)->kind, TOK_EOF);
	lex_end(&l);
}

static void test_nested_argument(void **state)
{
	static const char *const args[] = {"$2", "x"};
	struct lexed l;
	const struct token *t;

	lex_start(&l, "$1", args, 2);
	t = lex_next(&l.lx);
	assert_int_equal(t->kind, TOK_JUNK);
	assert_int_equal(t->junk, TOK_JUNK_NESTED_ARG);
	lex_end(&l);
}

static void test_quote(void **state)
{
	struct arena a = {0};

	assert_string_equal(lex_quote(&a, "a\"b\\c\n", 6), "\"a\\\"b\\\\c\\012\"");
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_operator_and_keyword),
		cmocka_unit_test(test_identifiers),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_number_values_in_parser),
		cmocka_unit_test(test_string_escapes),
		cmocka_unit_test(test_comments_and_spacing),
		cmocka_unit_test(test_line_col),
		cmocka_unit_test(test_longest_match),
		cmocka_unit_test(test_embedded),
		cmocka_unit_test(test_junk),
		cmocka_unit_test(test_backquote_is_an_operator),
		cmocka_unit_test(test_script_arguments),
		cmocka_unit_test(test_nested_argument),
		cmocka_unit_test(test_quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
