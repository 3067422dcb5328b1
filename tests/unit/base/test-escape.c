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

/* Text from collected messages made text the door takes, at most max bytes, once for all. */
static void test_clean(void **state)
{
	struct strbuf sb = STRBUF_INIT, again = STRBUF_INIT;
	/* CP932 ユーザ, ESC, LF, TAB, C1, U+202E, a truncated UTF-8 sequence at the end */
	const char in[] = "\x83\x86\x81\x5b\x83\x55 \x1b[0m\n\t\xc2\x9b\xe2\x80\xae税\xe7\xa8";

	text_clean(&sb, in, sizeof(in) - 1, 512);
	assert_string_equal(sb.buf, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd[\xef\xbf\xbdU "
	                            "\\x1b[0m\\x0a\\x09\\u009b\\u202e税\xef\xbf\xbd\xef\xbf\xbd");
	text_clean(&again, sb.buf, sb.len, 512);
	assert_string_equal(again.buf, sb.buf);
	/* Cut at a character within max, "…" included: cleaning that again keeps it. */
	for (size_t max = 3; max < 16; max++) {
		strbuf_reset(&sb);
		strbuf_reset(&again);
		text_clean(&sb, "課税台帳\x01課税台帳", strlen("課税台帳\x01課税台帳"), max);
		assert_true(sb.len <= max);
		assert_true(sb.len >= 3 && !strcmp(sb.buf + sb.len - 3, "…"));
		text_clean(&again, sb.buf, sb.len, max);
		assert_string_equal(again.buf, sb.buf);
	}
	strbuf_reset(&sb);
	text_clean(&sb, "課税台帳", strlen("課税台帳"), 12);
	assert_string_equal(sb.buf, "課税台帳");
	strbuf_release(&sb);
	strbuf_release(&again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specials), cmocka_unit_test(test_nul_and_japanese),
		cmocka_unit_test(test_terminal), cmocka_unit_test(test_spoofs),
		cmocka_unit_test(test_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
