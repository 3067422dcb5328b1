/* token: random 128-bit session and API tokens, and their SHA-256 digests for storage. */
#ifndef MAMORI_AUTH_TOKEN_H
#define MAMORI_AUTH_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A token is 16 random bytes (randombytes_buf) written as base64url without
 * padding (22 characters, for cookies and Authorization headers) or as lower
 * case hex (32 characters). Only SHA-256(token text) is stored: a copy of the
 * database does not let anyone log in. Lookups compare digests, so no
 * comparison ever runs over the secret itself.
 */
#define TOKEN_BYTES           16
#define TOKEN_BASE64URL_LEN   22
#define TOKEN_HEX_LEN         32
#define TOKEN_MAX_SIZE        (TOKEN_HEX_LEN + 1)
#define TOKEN_DIGEST_BYTES    32
#define TOKEN_DIGEST_HEX_SIZE (2 * TOKEN_DIGEST_BYTES + 1)

enum token_encoding {
	TOKEN_BASE64URL,
	TOKEN_HEX,
};

/*
 * Writes a new token, NUL-terminated, into ret (TOKEN_MAX_SIZE bytes).
 * Returns 0 or -EIO when libsodium cannot start. Wipe ret with
 * sodium_memzero once it has been sent.
 */
int token_generate(enum token_encoding enc, char ret[TOKEN_MAX_SIZE]);

/*
 * True when s has exactly the shape of a token in that encoding (length and
 * alphabet; for base64url also canonical final bits). Check this before
 * hashing input from a cookie or header, so junk is refused early.
 */
bool token_valid(const char *s, enum token_encoding enc);

/* SHA-256 of the token's text, raw or as 64 lower case hex digits. */
void token_digest(const char *token, unsigned char ret[TOKEN_DIGEST_BYTES]);
void token_digest_hex(const char *token, char ret[TOKEN_DIGEST_HEX_SIZE]);

/* Constant-time comparison of two digests. */
bool token_digest_equal(const unsigned char a[TOKEN_DIGEST_BYTES],
                        const unsigned char b[TOKEN_DIGEST_BYTES]);

#endif
