/* token: random 128-bit session and API tokens, and their SHA-256 digests for storage. */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "auth/token.h"

_Static_assert(TOKEN_BASE64URL_LEN + 1 ==
                   sodium_base64_ENCODED_LEN(TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
               "base64url length");
_Static_assert(TOKEN_DIGEST_BYTES == crypto_hash_sha256_BYTES, "digest size");

int token_generate(enum token_encoding enc, char ret[TOKEN_MAX_SIZE])
{
	unsigned char raw[TOKEN_BYTES];

	if (sodium_init() < 0)
		return -EIO;
	randombytes_buf(raw, sizeof(raw));
	if (enc == TOKEN_HEX)
		sodium_bin2hex(ret, TOKEN_MAX_SIZE, raw, sizeof(raw));
	else
		sodium_bin2base64(ret, TOKEN_MAX_SIZE, raw, sizeof(raw),
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

bool token_valid(const char *s, enum token_encoding enc)
{
	unsigned char raw[TOKEN_BYTES];
	size_t len = strnlen(s, TOKEN_MAX_SIZE), raw_len = 0;
	const char *end = NULL;
	int rc;

	if (sodium_init() < 0)
		return false;
	if (enc == TOKEN_HEX) {
		if (len != TOKEN_HEX_LEN)
			return false;
		for (size_t i = 0; i < len; i++)
			if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
				return false;
		return true;
	}
	if (len != TOKEN_BASE64URL_LEN)
		return false;
	/* libsodium refuses non-canonical trailing bits, so one token has one spelling. */
	rc = sodium_base642bin(raw, sizeof(raw), s, len, NULL, &raw_len, &end,
	                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return rc == 0 && raw_len == TOKEN_BYTES && end == s + len;
}

void token_digest(const char *token, unsigned char ret[TOKEN_DIGEST_BYTES])
{
	/* No sodium_init() needed: SHA-256 has no CPU-dependent dispatch in libsodium. */
	crypto_hash_sha256(ret, (const unsigned char *)token, strlen(token));
}

void token_digest_hex(const char *token, char ret[TOKEN_DIGEST_HEX_SIZE])
{
	unsigned char d[TOKEN_DIGEST_BYTES];

	token_digest(token, d);
	sodium_bin2hex(ret, TOKEN_DIGEST_HEX_SIZE, d, sizeof(d));
}

bool token_digest_equal(const unsigned char a[TOKEN_DIGEST_BYTES],
                        const unsigned char b[TOKEN_DIGEST_BYTES])
{
	return sodium_memcmp(a, b, TOKEN_DIGEST_BYTES) == 0;
}
