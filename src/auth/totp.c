/* totp: one-time codes (RFC 6238, liboath) and recovery codes, the second login factor. */
#include <errno.h>
#include <liboath/oath.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "auth/totp.h"

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_ok;

static void oath_start(void)
{
	oath_ok = oath_init() == OATH_OK;
}

void totp_secret_new(uint8_t secret[TOTP_SECRET_BYTES])
{
	randombytes_buf(secret, TOTP_SECRET_BYTES);
}

int totp_secret_base32(const uint8_t secret[TOTP_SECRET_BYTES], struct strbuf *out)
{
	char *b32 = NULL;
	size_t len = 0;

	pthread_once(&oath_once, oath_start);
	if (!oath_ok ||
	    oath_base32_encode((const char *)secret, TOTP_SECRET_BYTES, &b32, &len) != OATH_OK)
		return -EIO;
	/* 160 bits are 32 base32 characters exactly: no padding to strip. */
	strbuf_add(out, b32, len);
	sodium_memzero(b32, len);
	free(b32);
	return 0;
}

static void uri_escape(struct strbuf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			strbuf_addch(out, (char)*p);
		else
			strbuf_addf(out, "%%%02X", *p);
	}
}

void totp_uri(struct strbuf *out, const char *issuer, const char *login, const char *base32)
{
	strbuf_addstr(out, "otpauth://totp/");
	uri_escape(out, issuer);
	strbuf_addch(out, ':');
	uri_escape(out, login);
	strbuf_addf(out, "?secret=%s&issuer=", base32);
	uri_escape(out, issuer);
	strbuf_addf(out, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS, TOTP_STEP);
}

int totp_verify(const uint8_t secret[TOTP_SECRET_BYTES], const char *code, int64_t now_s,
                int64_t last_step, int64_t *ret_step)
{
	int pos = 0, r;
	int64_t step;

	if (!code || strlen(code) != TOTP_DIGITS || strspn(code, "0123456789") != TOTP_DIGITS)
		return -EINVAL;
	pthread_once(&oath_once, oath_start);
	if (!oath_ok)
		return -EIO;
	r = oath_totp_validate2((const char *)secret, TOTP_SECRET_BYTES, (time_t)now_s, TOTP_STEP,
	                        0, TOTP_WINDOW, &pos, code);
	if (r < 0)
		return -EACCES;
	step = now_s / TOTP_STEP + pos;
	if (step <= last_step)
		return -EACCES; /* this code, or a later one, was used already */
	*ret_step = step;
	return 0;
}

int totp_code(const uint8_t secret[TOTP_SECRET_BYTES], int64_t now_s, char out[TOTP_DIGITS + 1])
{
	pthread_once(&oath_once, oath_start);
	if (!oath_ok || oath_totp_generate((const char *)secret, TOTP_SECRET_BYTES, (time_t)now_s,
	                                   TOTP_STEP, 0, TOTP_DIGITS, out) != OATH_OK)
		return -EIO;
	return 0;
}

/* Without 0/o, 1/l/i: what people copy from paper. */
static const char recovery_alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";

void totp_recovery_new(char out[TOTP_RECOVERY_SIZE])
{
	size_t o = 0;

	for (int i = 0; i < 16; i++) {
		if (i && i % 4 == 0)
			out[o++] = '-';
		out[o++] = recovery_alphabet[randombytes_uniform(sizeof(recovery_alphabet) - 1)];
	}
	out[o] = '\0';
}

int totp_recovery_digest(const char *typed, char hex[65])
{
	char norm[17];
	size_t n = 0;
	unsigned char h[crypto_hash_sha256_BYTES];

	for (const char *p = typed; p && *p; p++) {
		char c = *p;
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (n >= 16 || !strchr(recovery_alphabet, c) || !c)
			return -EINVAL;
		norm[n++] = c;
	}
	if (n != 16)
		return -EINVAL;
	norm[n] = '\0';
	crypto_hash_sha256(h, (const unsigned char *)norm, n);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	sodium_memzero(norm, sizeof(norm));
	return 0;
}
