/* test-parse: the web's parsers refuse what is malformed and keep what is not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "web/parse.h"

static int form(const char *s, struct web_params *p)
{
	struct strbuf err = STRBUF_INIT;
	int r = web_parse_urlencoded(s, strlen(s), p, &err);
	strbuf_release(&err);
	return r;
}

static void test_urlencoded(void **state)
{
	struct web_params p = WEB_PARAMS_INIT;

	assert_int_equal(form("a=1&b=x+y&c=%E6%B8%AF%E5%8C%BA&&d&e=", &p), 0);
	assert_int_equal(p.nr, 5);
	assert_string_equal(web_params_get(&p, "a"), "1");
	assert_string_equal(web_params_get(&p, "b"), "x y");
	assert_string_equal(web_params_get(&p, "c"), "港区");
	assert_string_equal(web_params_get(&p, "d"), "");
	assert_string_equal(web_params_get(&p, "e"), "");
	assert_null(web_params_get(&p, "f"));
	web_params_release(&p);

	assert_int_equal(form("k=1&k=2&k=3", &p), 0);
	assert_int_equal(web_params_count(&p, "k"), 3);
	web_params_release(&p);

	/* bad percent-encoding, invalid UTF-8, NUL, no name */
	assert_int_equal(form("a=%", &p), -EINVAL);
	web_params_release(&p);
	assert_int_equal(form("a=%4", &p), -EINVAL);
	web_params_release(&p);
	assert_int_equal(form("a=%zz", &p), -EINVAL);
	web_params_release(&p);
	assert_int_equal(form("a=%ff%fe", &p), -EINVAL);
	web_params_release(&p);
	assert_int_equal(form("a=%00", &p), -EINVAL);
	web_params_release(&p);
	assert_int_equal(form("a=%C0%AF", &p), -EINVAL); /* overlong */
	web_params_release(&p);
	assert_int_equal(form("=1", &p), -EINVAL);
	web_params_release(&p);
	/* line breaks are fine in values (textarea), not in names */
	assert_int_equal(form("a=x%0D%0Ay", &p), 0);
	web_params_release(&p);
	assert_int_equal(form("a%0A=1", &p), -EINVAL);
	web_params_release(&p);
}

static void test_limits(void **state)
{
	struct web_params p = WEB_PARAMS_INIT;
	struct strbuf s = STRBUF_INIT;

	for (int i = 0; i <= WEB_MAX_PARAMS; i++)
		strbuf_addf(&s, "k%d=v&", i);
	assert_int_equal(form(s.buf, &p), -E2BIG);
	web_params_release(&p);

	strbuf_reset(&s);
	strbuf_addstr(&s, "a=");
	for (int i = 0; i <= WEB_MAX_VALUE; i++)
		strbuf_addch(&s, 'x');
	assert_int_equal(form(s.buf, &p), -E2BIG);
	web_params_release(&p);

	strbuf_reset(&s);
	for (int i = 0; i <= WEB_MAX_NAME; i++)
		strbuf_addch(&s, 'n');
	strbuf_addstr(&s, "=1");
	assert_int_equal(form(s.buf, &p), -E2BIG);
	web_params_release(&p);
	strbuf_release(&s);
}

static void test_cookies(void **state)
{
	struct web_params p = WEB_PARAMS_INIT;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(web_parse_cookies("a=1; mamori_session=abc-_; q=\"quoted\"; bad name=x; "
	                                   "noval; c=semi\\colon; e=",
	                                   &p, &err),
	                 0);
	assert_string_equal(web_params_get(&p, "a"), "1");
	assert_string_equal(web_params_get(&p, "mamori_session"), "abc-_");
	assert_string_equal(web_params_get(&p, "q"), "quoted");
	assert_null(web_params_get(&p, "bad name"));
	assert_null(web_params_get(&p, "noval"));
	assert_null(web_params_get(&p, "c")); /* backslash is not a cookie-octet */
	assert_string_equal(web_params_get(&p, "e"), "");
	web_params_release(&p);
	strbuf_release(&err);
}

static void test_multipart(void **state)
{
	static const char body[] = "--XyZ\r\n"
	                           "Content-Disposition: form-data; name=\"csrf\"\r\n\r\n"
	                           "tok\r\n"
	                           "--XyZ\r\n"
	                           "Content-Disposition: form-data; name=\"file\"; "
	                           "filename=\"users;1.csv\"\r\n"
	                           "Content-Type: text/csv\r\n\r\n"
	                           "login,name\r\nsato,\x8d\xb2\x93\xa1\r\n"
	                           "--XyZ--\r\n";
	struct web_parts parts = { .nr = 0 };
	struct strbuf b = STRBUF_INIT, err = STRBUF_INIT;
	const struct web_part *f;

	assert_int_equal(web_multipart_boundary("multipart/form-data; boundary=XyZ", &b, &err), 0);
	assert_string_equal(b.buf, "XyZ");
	assert_int_equal(
	    web_multipart_boundary("multipart/form-data; charset=x; boundary=\"a b\"", &b, &err),
	    -EINVAL);
	assert_int_equal(web_multipart_boundary("text/plain", &b, &err), -EINVAL);
	assert_int_equal(web_multipart_boundary("multipart/form-data", &b, &err), -EINVAL);
	assert_int_equal(web_multipart_boundary("multipart/form-data; boundary=XyZ", &b, &err), 0);

	assert_int_equal(web_parse_multipart(body, sizeof(body) - 1, b.buf, &parts, &err), 0);
	assert_int_equal(parts.nr, 2);
	assert_string_equal(parts.items[0].name, "csrf");
	assert_int_equal(parts.items[0].len, 3);
	f = web_parts_get(&parts, "file");
	assert_non_null(f);
	assert_string_equal(f->filename, "users;1.csv");
	assert_string_equal(f->content_type, "text/csv");
	assert_int_equal(f->len, strlen("login,name\r\nsato,\x8d\xb2\x93\xa1"));
	web_parts_release(&parts);

	/* truncated: no closing boundary */
	assert_int_equal(web_parse_multipart(body, 60, b.buf, &parts, &err), -EINVAL);
	/* no name */
	static const char noname[] = "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--";
	assert_int_equal(web_parse_multipart(noname, sizeof(noname) - 1, b.buf, &parts, &err),
	                 -EINVAL);
	/* does not start with the boundary */
	assert_int_equal(web_parse_multipart("junk", 4, b.buf, &parts, &err), -EINVAL);
	strbuf_release(&b);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urlencoded),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_multipart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
