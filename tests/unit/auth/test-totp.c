/* test-totp: RFC 6238 codes through liboath, replay refused within the step, recovery codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "auth/totp.h"

/* RFC 6238 appendix B: the SHA-1 secret "12345678901234567890"; the 8-digit codes there end
 * in these 6 digits (a 6-digit code is the same number modulo 10^6). */
static const uint8_t rfc_secret[TOTP_SECRET_BYTES] = "12345678901234567890";

static void test_rfc6238_vectors(void **state)
{
	static const struct {
		int64_t t;
		const char *code;
	} v[] = {
		{ 59, "287082" },         { 1111111109, "081804" }, { 1111111111, "050471" },
		{ 1234567890, "005924" }, { 2000000000, "279037" }, { 20000000000, "353130" },
	};
	char out[TOTP_DIGITS + 1];
	int64_t step = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(totp_code(rfc_secret, v[i].t, out), 0);
		assert_string_equal(out, v[i].code);
		assert_int_equal(totp_verify(rfc_secret, v[i].code, v[i].t, 0, &step), 0);
		assert_int_equal(step, v[i].t / TOTP_STEP);
	}
}

static void test_window_and_replay(void **state)
{
	char now_code[TOTP_DIGITS + 1], next[TOTP_DIGITS + 1], old[TOTP_DIGITS + 1];
	int64_t t = 1234567890, step = 0, last;

	totp_code(rfc_secret, t, now_code);
	totp_code(rfc_secret, t + TOTP_STEP, next);
	totp_code(rfc_secret, t - 3 * TOTP_STEP, old);
	assert_int_equal(totp_verify(rfc_secret, now_code, t, 0, &step), 0);
	last = step;
	/* The same code again, within its 30 seconds: refused. */
	assert_int_equal(totp_verify(rfc_secret, now_code, t + 5, last, &step), -EACCES);
	/* The next step's code (clock drift of one step) is fine, and moves last on. */
	assert_int_equal(totp_verify(rfc_secret, next, t, last, &step), 0);
	assert_int_equal(step, last + 1);
	last = step;
	/* Now the current one is older than the last accepted: refused too. */
	assert_int_equal(totp_verify(rfc_secret, now_code, t, last, &step), -EACCES);
	/* Outside the window, and malformed input. */
	assert_int_equal(totp_verify(rfc_secret, old, t, 0, &step), -EACCES);
	assert_int_equal(totp_verify(rfc_secret, "12345", t, 0, &step), -EINVAL);
	assert_int_equal(totp_verify(rfc_secret, "12345a", t, 0, &step), -EINVAL);
	assert_int_equal(totp_verify(rfc_secret, "1234567", t, 0, &step), -EINVAL);
	assert_int_equal(totp_verify(rfc_secret, NULL, t, 0, &step), -EINVAL);
}

static void test_secret_and_uri(void **state)
{
	uint8_t a[TOTP_SECRET_BYTES], b[TOTP_SECRET_BYTES];
	struct strbuf b32 = STRBUF_INIT, uri = STRBUF_INIT;

	totp_secret_new(a);
	totp_secret_new(b);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(totp_secret_base32(rfc_secret, &b32), 0);
	assert_string_equal(b32.buf, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	totp_uri(&uri, "港区 Mamori", "sato", b32.buf);
	assert_string_equal(uri.buf, "otpauth://totp/%E6%B8%AF%E5%8C%BA%20Mamori:sato?secret="
	                             "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=%E6%B8%AF%E5%8C%BA%"
	                             "20Mamori&algorithm=SHA1&digits=6&period=30");
	strbuf_release(&b32);
	strbuf_release(&uri);
}

static void test_recovery_codes(void **state)
{
	char c[TOTP_RECOVERY_SIZE], d[TOTP_RECOVERY_SIZE], h1[65], h2[65];

	totp_recovery_new(c);
	totp_recovery_new(d);
	assert_int_equal(strlen(c), 19);
	assert_true(c[4] == '-' && c[9] == '-' && c[14] == '-');
	assert_string_not_equal(c, d);
	assert_int_equal(totp_recovery_digest(c, h1), 0);
	assert_int_equal(strlen(h1), 64);
	/* As typed from paper: capitals, spaces, no dashes: the same code. */
	{
		char typed[40];
		size_t o = 0;
		for (const char *p = c; *p; p++)
			if (*p != '-') {
				typed[o++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
				if (o % 5 == 4)
					typed[o++] = ' ';
			}
		typed[o] = '\0';
		assert_int_equal(totp_recovery_digest(typed, h2), 0);
		assert_string_equal(h1, h2);
	}
	assert_int_equal(totp_recovery_digest(d, h2), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(totp_recovery_digest("abcd-efgh-ijkl-mnop", h2), -EINVAL); /* i, l, o */
	assert_int_equal(totp_recovery_digest("abcd-efgh", h2), -EINVAL);
	assert_int_equal(totp_recovery_digest("", h2), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_window_and_replay),
		cmocka_unit_test(test_secret_and_uri),
		cmocka_unit_test(test_recovery_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
