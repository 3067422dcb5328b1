/* test-escape: the one HTML escaper: every special character, NUL, and UTF-8 untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/cleanup.h"
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

/* Text from collected messages made text the door takes, one to one, at most max bytes. */
static void test_clean(void **state)
{
	struct strbuf sb = STRBUF_INIT, other = STRBUF_INIT;
	/* CP932 ユーザ, ESC, LF, TAB, C1, U+202E, U+200B, a backslash, a cut UTF-8 sequence */
	const char in[] = "\x83\x86\x81\x5b\x83\x55 \x1b[0m\n\t\xc2\x9b\xe2\x80\xae"
	                  "a\xe2\x80\x8b"
	                  "b\\税\xe7\xa8";
	/* where a character of the cleaned text below begins (the cut falls on one of these) */
	static const size_t starts[] = { 0, 3, 6, 9, 12, 16, 19, 22, 25, 28 };

	text_clean(&sb, in, sizeof(in) - 1, 512);
	assert_string_equal(sb.buf, "\\x83\\x86\\x81[\\x83U \\x1b[0m\\x0a\\x09\\u009b\\u202e"
	                            "a\\u200bb\\\\税\\xe7\\xa8");
	assert_false(text_spoofs(sb.buf)); /* a case's title (core_valid_name) takes it */
	/* One to one: what was escaped differs from the same text sent as it is. */
	strbuf_reset(&other);
	text_clean(&other, sb.buf, sb.len, 512);
	assert_string_not_equal(other.buf, sb.buf);
	strbuf_reset(&sb);
	strbuf_reset(&other);
	text_clean(&sb, "\x83\x86", 2, 512);    /* CP932 ユ */
	text_clean(&other, "\x8e\x52", 2, 512); /* CP932 山: not the same key */
	assert_string_not_equal(sb.buf, other.buf);
	/* Cut before a character within max, "…" included, never inside an escape. */
	for (size_t max = 3; max < 16; max++) {
		const char *ell;
		size_t kept, k = 0;
		strbuf_reset(&sb);
		text_clean(&sb, "課税台帳\x01課税台帳", strlen("課税台帳\x01課税台帳"), max);
		assert_true(sb.len <= max);
		ell = sb.buf + sb.len - 3;
		assert_true(sb.len >= 3 && !strcmp(ell, "…"));
		kept = (size_t)(ell - sb.buf);
		while (k < ARRAY_SIZE(starts) && starts[k] != kept)
			k++;
		assert_true(k < ARRAY_SIZE(starts));
		assert_true(!strncmp(sb.buf, "課税台帳\\x01課税台帳", kept));
	}
	strbuf_reset(&sb);
	text_clean(&sb, "課税台帳", strlen("課税台帳"), 12);
	assert_string_equal(sb.buf, "課税台帳");
	strbuf_release(&sb);
	strbuf_release(&other);
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
