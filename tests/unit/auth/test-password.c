/* test-password: Argon2id round trips, the password policy with Japanese text, generation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "auth/password.h"

static const struct password_policy shj = PASSWORD_POLICY_INIT(PASSWORD_CLAUSE_SHINJUKU);
static const struct password_policy min = PASSWORD_POLICY_INIT(PASSWORD_CLAUSE_MINATO);

/* Checks pw for login/name and returns the reason; the message goes to err. */
static enum password_reason check(const struct password_policy *pol, const char *pw,
                                  const char *login, const char *name, struct strbuf *err)
{
	enum password_reason reason = (enum password_reason) - 1;
	int r = password_check(pol, pw, login, name, &reason, err);

	assert_int_equal(r, reason == PASSWORD_OK ? 0 : -EINVAL);
	/* The password itself never appears in the message. */
	if (strlen(pw) >= 4)
		assert_null(strstr(err->buf, pw));
	return reason;
}

static void test_length_counts_code_points(void **state)
{
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(password_length(""), 0);
	assert_int_equal(password_length("abc"), 3);
	assert_int_equal(password_length("港区"), 2);
	assert_int_equal(password_length("\xf0\x9f\x94\x91"), 1); /* U+1F511 */
	assert_int_equal(password_length("\x82\xa0"), -1);        /* Shift_JIS, not UTF-8 */

	/* 11 and 12 code points, ASCII. */
	assert_int_equal(check(&shj, "x7#Qm!2vL@p", NULL, NULL, &err), PASSWORD_TOO_SHORT);
	assert_non_null(strstr(err.buf, "11 characters, at least 12"));
	assert_non_null(strstr(err.buf, "[SHJ-5-3-6]"));
	assert_int_equal(check(&shj, "x7#Qm!2vL@p9", NULL, NULL, &err), PASSWORD_OK);

	/* 11 and 12 code points of Japanese: 33 and 36 bytes, still too short / enough. */
	assert_int_equal(check(&shj, "パスワードは十二文字以", NULL, NULL, &err),
	                 PASSWORD_TOO_SHORT);
	assert_non_null(strstr(err.buf, "11 characters"));
	assert_int_equal(check(&shj, "パスワードは十二文字以上", NULL, NULL, &err), PASSWORD_OK);
	assert_int_equal(check(&shj, "春はあけぼのやうやう白く", NULL, NULL, &err), PASSWORD_OK);

	/* Minato cites its own clause. */
	assert_int_equal(check(&min, "Qz7!x", NULL, NULL, &err), PASSWORD_TOO_SHORT);
	assert_non_null(strstr(err.buf, "5 characters"));
	assert_non_null(strstr(err.buf, "[MIN-5-5-5-1]"));
	strbuf_release(&err);
}

static void test_bad_input(void **state)
{
	struct strbuf err = STRBUF_INIT;
	char long_pw[PASSWORD_MAX_BYTES + 2];

	assert_int_equal(check(&shj, "", NULL, NULL, &err), PASSWORD_EMPTY);
	assert_non_null(strstr(err.buf, "[SHJ-5-3-6]"));
	assert_int_equal(check(&shj, "abc\x82\xa0xyz-Q7#mzzz", NULL, NULL, &err),
	                 PASSWORD_INVALID_UTF8);
	assert_int_equal(check(&shj, "k7Hw2pQx9R\tmN4tZ", NULL, NULL, &err), PASSWORD_CONTROL_CHAR);
	assert_int_equal(check(&shj, "k7Hw2pQx9R\xc2\x85mN4tZ", NULL, NULL, &err),
	                 PASSWORD_CONTROL_CHAR); /* U+0085 NEL */
	memset(long_pw, 'a', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = '\0';
	assert_int_equal(check(&shj, long_pw, NULL, NULL, &err), PASSWORD_TOO_LONG);
	strbuf_release(&err);
}

static void test_weak_refused(void **state)
{
	static const char *const weak[] = {
		"password1234",
		"PASSWORD1234",
		"qwertyuiop123",
		"abcdefghijkl",
		"aaaaaaaaaaaa",
		"123456789012",
		/* full-width, as typed with the IME on: as weak as the ASCII */
		"ｐａｓｓｗｏｒｄ１２３４",
		/* kana in dictionary order and repeats: zxcvbn alone scores these 4 */
		"あいうえおかきくけこさし",
		"アイウエオカキクケコサシ",
		"ねこねこねこねこねこねこ",
		"ああああああああああああ",
		/* an English word in front does not rescue a kana run */
		"passwordあいうえおか",
	};
	struct strbuf err = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
		enum password_reason r = check(&shj, weak[i], "tanaka", "田中 一郎", &err);
		if (r != PASSWORD_TOO_WEAK)
			fail_msg("'%s' gave reason %d, expected too weak", weak[i], r);
		assert_non_null(strstr(err.buf, "too easy to guess"));
		assert_non_null(strstr(err.buf, "[SHJ-5-3-6]"));
	}
	strbuf_release(&err);
}

static void test_strong_accepted(void **state)
{
	static const char *const strong[] = {
		"correcthorsebatterystaple", "Tr0ub4dour&3x",
		"k7Hw2-pQx9R-mN4tZ-8bVcX",   "みなとくやくしょのぱすわーど",
		"春はあけぼのやうやう白く",  "雨ニモマケズ風ニモマケズ",
		"Blue-kite_1947 港の灯り",
	};
	struct strbuf err = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(strong) / sizeof(strong[0]); i++) {
		enum password_reason r = check(&shj, strong[i], "tanaka", "田中 一郎", &err);
		if (r != PASSWORD_OK)
			fail_msg("'%s' refused (%d): %s", strong[i], r, err.buf);
	}
	strbuf_release(&err);
}

static void test_login_and_name(void **state)
{
	struct strbuf err = STRBUF_INIT;

	/* The login, in any ASCII case or full width. */
	assert_int_equal(check(&shj, "xSATOx-9f3kQ#mz", "sato", NULL, &err),
	                 PASSWORD_CONTAINS_LOGIN);
	assert_non_null(strstr(err.buf, "login 'sato'"));
	assert_non_null(strstr(err.buf, "[SHJ-5-3-6]"));
	assert_int_equal(check(&shj, "9f3kQ#mzＳａｔｏ", "sato", NULL, &err),
	                 PASSWORD_CONTAINS_LOGIN);
	assert_int_equal(check(&shj, "9f3kQ#mz-admin!", "Admin", NULL, &err),
	                 PASSWORD_CONTAINS_LOGIN);
	assert_int_equal(check(&shj, "9f3kQ#mz-adm1n!x", "admin", NULL, &err), PASSWORD_OK);

	/* The whole name without its space, or one of its parts. */
	assert_int_equal(check(&min, "佐藤花子のパスワードです", "h-sato", "佐藤 花子", &err),
	                 PASSWORD_CONTAINS_NAME);
	assert_non_null(strstr(err.buf, "name '佐藤 花子'"));
	assert_non_null(strstr(err.buf, "[MIN-5-5-5-1]"));
	assert_int_equal(check(&min, "今日も花子は元気に出勤します", "h-sato", "佐藤　花子", &err),
	                 PASSWORD_CONTAINS_NAME);
	assert_non_null(strstr(err.buf, "name '花子'"));
	/* katakana in the password, hiragana in the name */
	assert_int_equal(check(&shj, "ハナコ-1938-blue-kite", "h-sato", "さとう はなこ", &err),
	                 PASSWORD_CONTAINS_NAME);
	assert_int_equal(check(&shj, "Rainbow-2931-HANAKO", "h-sato", "Sato Hanako", &err),
	                 PASSWORD_CONTAINS_NAME);
	assert_non_null(strstr(err.buf, "name 'Hanako'"));
	assert_int_equal(check(&shj, "Rainbow-2931-satohanako", "h-sato", "Sato Hanako", &err),
	                 PASSWORD_CONTAINS_NAME);
	/* Unrelated passwords for the same person pass. */
	assert_int_equal(check(&shj, "Rainbow-2931-kite", "h-sato", "Sato Hanako", &err),
	                 PASSWORD_OK);
	/* A single-kanji given name is too short a word to refuse on its own. */
	assert_int_equal(check(&shj, "林の中を歩くと心が落ち着く", "k-mori", "森 林", &err),
	                 PASSWORD_OK);
	strbuf_release(&err);
}

static void test_user_inputs_lower_strength(void **state)
{
	const char *const inputs[] = { "港区", "情報政策課", NULL };
	struct password_strength with, without;

	password_strength("港区情報政策課のひと", inputs, &with);
	password_strength("港区情報政策課のひと", NULL, &without);
	assert_true(with.entropy < without.entropy);
	assert_true(with.score < 3);
}

static void test_score_thresholds(void **state)
{
	/* guesses = 2^bits: 10^3 = 9.97, 10^6 = 19.93, 10^8 = 26.58, 10^10 = 33.22 bits */
	assert_int_equal(password_score_from_entropy(0), 0);
	assert_int_equal(password_score_from_entropy(9.9), 0);
	assert_int_equal(password_score_from_entropy(10.0), 1);
	assert_int_equal(password_score_from_entropy(19.9), 1);
	assert_int_equal(password_score_from_entropy(20.0), 2);
	assert_int_equal(password_score_from_entropy(26.5), 2);
	assert_int_equal(password_score_from_entropy(26.6), 3);
	assert_int_equal(password_score_from_entropy(33.2), 3);
	assert_int_equal(password_score_from_entropy(33.3), 4);
	assert_int_equal(password_score_from_entropy(200), 4);
}

static void test_hash_verify(void **state)
{
	char h1[PASSWORD_HASH_SIZE], h2[PASSWORD_HASH_SIZE];
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(password_hash("春はあけぼのやうやう白く", h1, &err), 0);
	assert_true(strncmp(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
	assert_true(password_verify(h1, "春はあけぼのやうやう白く"));
	assert_false(password_verify(h1, "春はあけぼのやうやう白く "));
	assert_false(password_verify(h1, "夏は夜"));
	assert_false(password_verify(h1, ""));
	assert_false(password_needs_rehash(h1));

	/* A new salt every time. */
	assert_int_equal(password_hash("春はあけぼのやうやう白く", h2, &err), 0);
	assert_string_not_equal(h1, h2);
	assert_true(password_verify(h2, "春はあけぼのやうやう白く"));

	/* Malformed and foreign hashes never match and always need a rehash. */
	assert_false(password_verify("", "x"));
	assert_false(password_verify("$argon2id$v=19$m=65536,t=2,p=1$garbage", "x"));
	assert_false(
	    password_verify("$2b$12$abcdefghijklmnopqrstuuC8kP7gp8n9jCzq7xwJ8H3N7GFbL5G2", "x"));
	assert_true(password_needs_rehash("$2b$12$abcdefghijklmnopqrstuu"));
	assert_true(password_needs_rehash(""));
	strbuf_release(&err);
}

static void test_rehash_weaker_parameters(void **state)
{
	char old[crypto_pwhash_STRBYTES];

	/* Other parameters (16 MiB, t=3): valid, but not what we use now. */
	assert_int_equal(sodium_init() >= 0, 1);
	assert_int_equal(crypto_pwhash_str(old, "correcthorsebatterystaple", 25, 3, 16u << 20), 0);
	assert_true(password_verify(old, "correcthorsebatterystaple"));
	assert_true(password_needs_rehash(old));
}

static void test_too_long_password(void **state)
{
	char h[PASSWORD_HASH_SIZE], pw[PASSWORD_MAX_BYTES + 2];
	struct strbuf err = STRBUF_INIT;

	memset(pw, 'x', sizeof(pw) - 1);
	pw[sizeof(pw) - 1] = '\0';
	assert_int_equal(password_hash(pw, h, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "longer than"));
	strbuf_release(&err);
}

static void test_generate(void **state)
{
	char a[PASSWORD_GENERATED_SIZE], b[PASSWORD_GENERATED_SIZE];
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(password_generate(&shj, "admin", "管理者", a), 0);
	assert_int_equal(password_generate(&shj, "admin", "管理者", b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), 23);
	for (size_t i = 0; i < 23; i++) {
		if (i % 6 == 5) {
			assert_int_equal(a[i], '-');
			continue;
		}
		assert_non_null(
		    strchr("23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ", a[i]));
	}
	assert_int_equal(check(&shj, a, "admin", "管理者", &err), PASSWORD_OK);
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length_counts_code_points),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_weak_refused),
		cmocka_unit_test(test_strong_accepted),
		cmocka_unit_test(test_login_and_name),
		cmocka_unit_test(test_user_inputs_lower_strength),
		cmocka_unit_test(test_score_thresholds),
		cmocka_unit_test(test_hash_verify),
		cmocka_unit_test(test_rehash_weaker_parameters),
		cmocka_unit_test(test_too_long_password),
		cmocka_unit_test(test_generate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
