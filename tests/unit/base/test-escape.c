/* test-escape: the one HTML escaper: every special character, NUL, and UTF-8 untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/escape.h"

static void test_specials(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	static const char in[] = "<a href=\"x\" title='y'>&amp;</a>";

	html_escape(&sb, in, sizeof(in) - 1);
	assert_string_equal(sb.buf,
	                    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
	strbuf_release(&sb);
}

static void test_nul_and_japanese(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	html_escape(&sb, "税務課\0<", 11);
	assert_string_equal(sb.buf, "税務課\xef\xbf\xbd&lt;");
	strbuf_reset(&sb);
	html_escape(&sb, "", 0);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
}

static void test_terminal(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const char in[] = "a\x1b[2Jb\tc\nd\x7f\xc2\x9b"
	                  "31m\xe2\x80\xae"
	                  "evil\xff税";

	term_escape(&sb, in, sizeof(in) - 1);
	assert_string_equal(sb.buf, "a\\x1b[2Jb\tc\nd\\x7f\\u009b31m\\u202eevil\\xff税");
	strbuf_reset(&sb);
	/* JSON stays JSON: "\u009b" inside a string is the same character. */
	term_escape(&sb, "{\"t\":\"\xc2\x9b\"}", strlen("{\"t\":\"\xc2\x9b\"}"));
	assert_string_equal(sb.buf, "{\"t\":\"\\u009b\"}");
	strbuf_release(&sb);
}

static void test_spoofs(void **state)
{
	assert_false(text_spoofs("住民税課税台帳 (令和8年度)"));
	assert_false(text_spoofs(""));
	assert_true(text_spoofs("invoice\xe2\x80\xaegpj.exe")); /* U+202E */
	assert_true(text_spoofs("sa\xe2\x80\x8bto"));           /* U+200B zero width */
	assert_true(text_spoofs("\xef\xbb\xbfname"));           /* U+FEFF */
	assert_true(text_spoofs("\xe2\x81\xa6x\xe2\x81\xa9"));  /* U+2066, U+2069 */
	assert_true(text_spoofs("\xc2\x9b"));                   /* C1 */
	assert_true(text_spoofs("\xff"));                       /* not UTF-8 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specials),
		cmocka_unit_test(test_nul_and_japanese),
		cmocka_unit_test(test_terminal),
		cmocka_unit_test(test_spoofs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
