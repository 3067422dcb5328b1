/* test-html: every context escapes what could break out of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "web/html.h"

static void test_text(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	html_text(&sb, "<script>alert('x')</script> & \"港\"");
	assert_string_equal(sb.buf, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
	                            "&quot;港&quot;");
	strbuf_reset(&sb);
	html_text_len(&sb, "a\0b", 3);
	assert_string_equal(sb.buf, "a\xef\xbf\xbd"
	                            "b");
	strbuf_reset(&sb);
	html_textf(&sb, "%d<%s", 3, "b");
	assert_string_equal(sb.buf, "3&lt;b");
	strbuf_release(&sb);
}

static void test_attrs(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	html_open(&sb, "input", "value", "\" onfocus=\"x", "required", NULL, "name", "q", HTML_END);
	assert_string_equal(sb.buf, "<input value=\"&quot; onfocus=&quot;x\" name=\"q\">");
	strbuf_reset(&sb);
	html_elem(&sb, "a", "t", "href", "javascript:alert(1)", HTML_END);
	assert_string_equal(sb.buf, "<a href=\"#\">t</a>");
	strbuf_reset(&sb);
	html_elem(&sb, "a", "t", "href", "//evil.example/", HTML_END);
	assert_string_equal(sb.buf, "<a href=\"#\">t</a>");
	strbuf_reset(&sb);
	html_elem(&sb, "a", "t", "href", "/records/1?x=1&y=2", HTML_END);
	assert_string_equal(sb.buf, "<a href=\"/records/1?x=1&amp;y=2\">t</a>");
	strbuf_reset(&sb);
	html_elem(&sb, "a", "t", "href", " javascript:x", HTML_END);
	assert_string_equal(sb.buf, "<a href=\"#\">t</a>");
	strbuf_release(&sb);
}

static void test_url(void **state)
{
	struct strbuf u = STRBUF_INIT;

	strbuf_addstr(&u, "/registers");
	html_url_segment(&u, "a/b c");
	html_url_query(&u, "section", "税務課");
	html_url_query(&u, "q", "x&y=z");
	assert_string_equal(u.buf, "/registers/a%2Fb%20c?section=%E7%A8%8E%E5%8B%99%E8%AA%B2"
	                           "&q=x%26y%3Dz");
	assert_true(html_url_safe(u.buf));
	assert_false(html_url_safe("data:text/html,x"));
	assert_false(html_url_safe("/\\evil"));
	assert_false(html_url_safe("/a\nb"));
	assert_true(html_url_safe("https://example.jp/"));
	strbuf_release(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_attrs),
		cmocka_unit_test(test_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
