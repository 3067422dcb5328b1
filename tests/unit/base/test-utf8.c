/* test-utf8: validation edge cases and display width of Japanese text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
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

/* utf8_valid one character at a time, the way it reads what is not ASCII. */
static bool valid_slowly(const char *s, size_t len)
{
	uint32_t cp;

	for (size_t i = 0; i < len;) {
		int n = utf8_decode(s + i, len - i, &cp);
		if (n < 0)
			return false;
		i += (size_t)n;
	}
	return true;
}

/*
 * utf8_valid skips ASCII 32 and 8 bytes at a time: a character that is not ASCII, good or bad,
 * at every place of a run of every length up to 100 (every place in a 32- or 8-byte step, and
 * after it), and one cut by the end.
 */
static void test_valid_ascii_runs(void **state)
{
	static const char *const odd[] = { "\xff",     "\x80", "\xc0\xaf",
		                           "\xe6\xb8", "港",   "\xf0\x9f\x98\x80" };
	char buf[128];

	(void)state;
	for (size_t len = 0; len <= 100; len++) {
		memset(buf, 'a', len);
		assert_true(utf8_valid(buf, len));
		for (size_t k = 0; k < sizeof(odd) / sizeof(odd[0]); k++) {
			size_t n = strlen(odd[k]);
			for (size_t at = 0; at + n <= len; at++) {
				memset(buf, 'a', len);
				memcpy(buf + at, odd[k], n);
				assert_int_equal(utf8_valid(buf, len), valid_slowly(buf, len));
				/* cut by the end: only its first byte is in */
				if (n > 1)
					assert_false(utf8_valid(buf, at + 1));
			}
		}
	}
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
		cmocka_unit_test(test_valid),         cmocka_unit_test(test_valid_ascii_runs),
		cmocka_unit_test(test_decode_encode), cmocka_unit_test(test_width),
		cmocka_unit_test(test_padding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
