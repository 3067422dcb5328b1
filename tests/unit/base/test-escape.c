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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specials),
		cmocka_unit_test(test_nul_and_japanese),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
