/* test-json: the writer's output is valid, stable and escaped; jansson parses it back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "base/json.h"

static void test_object_and_array(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb);
	jw_object_begin(&w);
	jw_kv_str(&w, "name", "港区");
	jw_kv_int(&w, "n", -42);
	jw_kv_bool(&w, "ok", true);
	jw_key(&w, "list");
	jw_array_begin(&w);
	jw_uint(&w, 18446744073709551615ULL);
	jw_null(&w);
	jw_string(&w, NULL);
	jw_object_begin(&w);
	jw_object_end(&w);
	jw_array_end(&w);
	jw_key(&w, "raw");
	jw_raw(&w, "[1,2]");
	jw_object_end(&w);
	assert_string_equal(sb.buf, "{\"name\":\"港区\",\"n\":-42,\"ok\":true,\"list\":"
	                            "[18446744073709551615,null,null,{}],\"raw\":[1,2]}");
	strbuf_release(&sb);
}

static void test_escaping(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	json_quote(&sb, "a\"b\\c\n\t\x01\x7f", 9);
	assert_string_equal(sb.buf, "\"a\\\"b\\\\c\\n\\t\\u0001\x7f\"");
	strbuf_reset(&sb);
	/* invalid UTF-8 becomes U+FFFD so the output stays valid JSON */
	json_quote(&sb, "x\xff\xc3", 3);
	assert_string_equal(sb.buf, "\"x\xef\xbf\xbd\xef\xbf\xbd\"");
	strbuf_release(&sb);
}

static void test_roundtrip_with_jansson(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	json_error_t jerr;

	jw_init(&w, &sb);
	jw_object_begin(&w);
	jw_kv_str(&w, "k", "\"quoted\" and 日本語 and \x1f");
	jw_object_end(&w);
	json_t *root = json_loads(sb.buf, 0, &jerr);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "k")),
	                    "\"quoted\" and 日本語 and \x1f");
	json_decref(root);
	strbuf_release(&sb);
}

static void test_embedded_nul(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb);
	jw_string_len(&w, "a\0b", 3);
	assert_string_equal(sb.buf, "\"a\\u0000b\"");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_and_array),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_roundtrip_with_jansson),
		cmocka_unit_test(test_embedded_nul),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
