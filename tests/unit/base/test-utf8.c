/* test-utf8: validation edge cases and display width of Japanese text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/utf8.h"

#define VALID(s) utf8_valid((s), sizeof(s) - 1)

static void test_valid(void **state)
{
	assert_true(VALID(""));
	assert_true(VALID("ascii"));
	assert_true(VALID("港区情報安全対策基準"));
	assert_true(VALID("\xf0\x9f\x98\x80"));  /* U+1F600 */
	assert_true(VALID("\xf4\x8f\xbf\xbf"));  /* U+10FFFF */
	assert_false(VALID("\xc0\xaf"));         /* overlong '/' */
	assert_false(VALID("\xe0\x80\xaf"));     /* overlong */
	assert_false(VALID("\xed\xa0\x80"));     /* surrogate U+D800 */
	assert_false(VALID("\xf4\x90\x80\x80")); /* > U+10FFFF */
	assert_false(VALID("\xe6\xb8"));         /* truncated */
	assert_false(VALID("\x80"));             /* lone continuation */
	assert_false(VALID("\xff"));
	assert_false(VALID("\x82\xa0")); /* Shift_JIS あ */
}

static void test_decode_encode(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	uint32_t cp;

	assert_int_equal(utf8_decode("港", 3, &cp), 3);
	assert_int_equal(cp, 0x6e2f);
	assert_int_equal(utf8_encode(&sb, 0x6e2f), 3);
	assert_string_equal(sb.buf, "港");
	assert_int_equal(utf8_encode(&sb, 0xd800), 0);
	assert_int_equal(utf8_encode(&sb, 0x110000), 0);
	assert_int_equal(utf8_decode("\xe6", 1, &cp), -1);
	for (uint32_t c = 0; c < 0x110000; c += 97) {
		if (c >= 0xd800 && c <= 0xdfff)
			continue;
		strbuf_reset(&sb);
		int n = utf8_encode(&sb, c);
		assert_true(n > 0);
		assert_int_equal(utf8_decode(sb.buf, sb.len, &cp), n);
		assert_int_equal(cp, c);
	}
	strbuf_release(&sb);
}

static void test_width(void **state)
{
	assert_int_equal(utf8_strwidth("abc"), 3);
	assert_int_equal(utf8_strwidth("税務課"), 6);
	assert_int_equal(utf8_strwidth("ｶﾀｶﾅ"), 4); /* halfwidth katakana: 1 column each */
	assert_int_equal(utf8_strwidth("ＡＢ"), 4); /* fullwidth latin */
	assert_int_equal(utf8_strwidth("レベル３"), 8);
	assert_int_equal(utf8_strwidth("が"), 2);
	assert_int_equal(utf8_strwidth("か\xe3\x82\x99"), 2); /* combining dakuten: 0 */
	assert_int_equal(utf8_strwidth("Ⅰ"), 1);              /* ambiguous width: narrow */
	assert_int_equal(utf8_width("\xff"
	                            "a",
	                            2),
	                 2);
}

static void test_padding(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_add_padded(&sb, "区民課", 8);
	strbuf_addch(&sb, '|');
	assert_string_equal(sb.buf, "区民課  |");
	strbuf_reset(&sb);
	strbuf_add_padded(&sb, "toolongvalue", 4);
	assert_string_equal(sb.buf, "toolongvalue");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_decode_encode),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_padding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
