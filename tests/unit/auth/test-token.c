/* test-token: 128-bit tokens in base64url and hex, their shapes and SHA-256 digests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "auth/token.h"

static void test_generate_base64url(void **state)
{
	char a[TOKEN_MAX_SIZE], b[TOKEN_MAX_SIZE];

	assert_int_equal(token_generate(TOKEN_BASE64URL, a), 0);
	assert_int_equal(token_generate(TOKEN_BASE64URL, b), 0);
	assert_int_equal(strlen(a), TOKEN_BASE64URL_LEN);
	assert_string_not_equal(a, b);
	assert_int_equal(
	    strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
	    TOKEN_BASE64URL_LEN);
	assert_true(token_valid(a, TOKEN_BASE64URL));
	assert_false(token_valid(a, TOKEN_HEX));
}

static void test_generate_hex(void **state)
{
	char a[TOKEN_MAX_SIZE], b[TOKEN_MAX_SIZE];

	assert_int_equal(token_generate(TOKEN_HEX, a), 0);
	assert_int_equal(token_generate(TOKEN_HEX, b), 0);
	assert_int_equal(strlen(a), TOKEN_HEX_LEN);
	assert_string_not_equal(a, b);
	assert_int_equal(strspn(a, "0123456789abcdef"), TOKEN_HEX_LEN);
	assert_true(token_valid(a, TOKEN_HEX));
	assert_false(token_valid(a, TOKEN_BASE64URL));
}

static void test_valid_shapes(void **state)
{
	/* 16 zero bytes; the last character carries 2 bits, so only A, Q, g, w end one. */
	assert_true(token_valid("AAAAAAAAAAAAAAAAAAAAAA", TOKEN_BASE64URL));
	assert_true(token_valid("AAAAAAAAAAAAAAAAAAAAAw", TOKEN_BASE64URL));
	assert_false(token_valid("AAAAAAAAAAAAAAAAAAAAAB", TOKEN_BASE64URL));  /* not canonical */
	assert_false(token_valid("AAAAAAAAAAAAAAAAAAAAA", TOKEN_BASE64URL));   /* short */
	assert_false(token_valid("AAAAAAAAAAAAAAAAAAAAAAA", TOKEN_BASE64URL)); /* long */
	assert_false(token_valid("AAAAAAAAAAAAAAAAAAAA+A", TOKEN_BASE64URL));  /* not url-safe */
	assert_false(token_valid("AAAAAAAAAAAAAAAAAAAA=A", TOKEN_BASE64URL));
	assert_false(token_valid("", TOKEN_BASE64URL));
	assert_true(token_valid("00112233445566778899aabbccddeeff", TOKEN_HEX));
	assert_false(token_valid("00112233445566778899AABBCCDDEEFF", TOKEN_HEX));
	assert_false(token_valid("00112233445566778899aabbccddeef", TOKEN_HEX));
	assert_false(token_valid("00112233445566778899aabbccddeefg", TOKEN_HEX));
	assert_false(token_valid("00112233445566778899aabbccddeeff0", TOKEN_HEX));
}

static void test_digest(void **state)
{
	unsigned char d1[TOKEN_DIGEST_BYTES], d2[TOKEN_DIGEST_BYTES];
	char hex[TOKEN_DIGEST_HEX_SIZE];

	/* FIPS 180-2 test vector. */
	token_digest_hex("abc", hex);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	token_digest("abc", d1);
	token_digest("abc", d2);
	assert_true(token_digest_equal(d1, d2));
	token_digest("abd", d2);
	assert_false(token_digest_equal(d1, d2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_base64url),
		cmocka_unit_test(test_generate_hex),
		cmocka_unit_test(test_valid_shapes),
		cmocka_unit_test(test_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
