/* password: Argon2id hashing, the password policy (length, strength, no login/name) and generation.
 */
#ifndef MAMORI_AUTH_PASSWORD_H
#define MAMORI_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"

/*
 * Argon2id cost, libsodium crypto_pwhash_str (the encoded string carries the
 * parameters, so they can be raised later; password_needs_rehash tells when).
 * We use the OWASP Password Storage Cheat Sheet's configuration m=19 MiB
 * (19456 KiB), t=2, p=1 (libsodium always uses p=1 for crypto_pwhash_str).
 * OWASP rates its listed configurations as equally strong; this one keeps a
 * login's memory small, so a web server answering a few logins at once stays
 * within its memory budget (issue 6: RSS <= 64 MB); 64 MiB per login did not.
 */
#define PASSWORD_OPSLIMIT 2ULL
#define PASSWORD_MEMLIMIT (19UL * 1024 * 1024)

/* Length of an encoded hash including its NUL (crypto_pwhash_STRBYTES). */
#define PASSWORD_HASH_SIZE 128

/* Longest password accepted anywhere (bytes), so nobody can make us hash megabytes. */
#define PASSWORD_MAX_BYTES 1024

/*
 * Hashes password into ret_hash (NUL-terminated "$argon2id$v=19$m=19456,t=2,p=1$...").
 * Returns 0, -EINVAL (password too long), or -ENOMEM (Argon2 could not get its memory).
 */
int password_hash(const char *password, char ret_hash[PASSWORD_HASH_SIZE], struct strbuf *err);

/*
 * True only when password matches the encoded hash. A malformed or foreign
 * hash, or an over-long password, is simply "no match": callers must not
 * tell the difference to the person logging in.
 */
bool password_verify(const char *hash, const char *password);

/*
 * True when hash was made with other parameters than the current ones (or is
 * not an Argon2id string): after a successful login, hash the password again.
 */
bool password_needs_rehash(const char *hash);

/* Why a password was refused by password_check(). */
enum password_reason {
	PASSWORD_OK = 0,
	PASSWORD_EMPTY,
	PASSWORD_INVALID_UTF8,
	PASSWORD_CONTROL_CHAR,
	PASSWORD_TOO_SHORT,
	PASSWORD_TOO_LONG,
	PASSWORD_CONTAINS_LOGIN,
	PASSWORD_CONTAINS_NAME,
	PASSWORD_TOO_WEAK,
};

/*
 * The rules a password must meet. The wards' texts say *that* passwords must
 * be hard to guess and strictly managed, not how long; the figures are ours
 * (OWASP ASVS), the clause cited in refusals is the ward's.
 *
 *   min_length  code points, not bytes (12: "パスワードは十二文字以上" counts as 12)
 *   min_score   zxcvbn score 0..4 (3 = at least 10^8 guesses)
 *   clause      clause id cited in every refusal, e.g. PASSWORD_CLAUSE_SHINJUKU
 */
struct password_policy {
	size_t min_length;
	int min_score;
	const char *clause;
};

/* 新宿区 第5 3 (6): passwords must be 想像することが困難な文字列. */
#define PASSWORD_CLAUSE_SHINJUKU "SHJ-5-3-6"
/* 港区 5(5)5)①: ユーザーID・パスワードを厳重に管理 (4(1)4)① is each person's duty, not the
 * system's). */
#define PASSWORD_CLAUSE_MINATO "MIN-5-5-5-1"

#define PASSWORD_POLICY_INIT(c)                                                                    \
	{                                                                                          \
		.min_length = 12, .min_score = 3, .clause = (c)                                    \
	}

/*
 * Strength estimate used by the policy.
 *
 * zxcvbn (libzxcvbn, Tony Evans' C port) returns entropy in bits; with
 * guesses = 2^entropy the score follows zxcvbn's guess thresholds:
 *   0: < 10^3   1: < 10^6   2: < 10^8   3: < 10^10   4: >= 10^10 guesses
 * i.e. score 3 needs >= log2(10^8) = 26.58 bits and score 4 >= 33.22 bits.
 *
 * zxcvbn knows English words and keyboards only, and counts each byte of a
 * Japanese character as random: "あいうえおかきくけこさし" scores 239 bits. So
 * for text with non-ASCII characters we also estimate per code point
 * (kana 5 bits, kanji 8 bits, other 6 bits; runs of one character or of
 * evenly spaced ones such as あいうえお cost one character plus log2(run);
 * a word from user_inputs costs log2(2 * number of inputs)) and keep the
 * smaller of the two estimates. Full-width ASCII (ＡＢＣ１２３, typed with the
 * IME on) is folded to ASCII first, so "ｐａｓｓｗｏｒｄ" is as weak as "password".
 * user_inputs (NULL-terminated, may be NULL) are words specific to this
 * person or ward (login, name, ward, section) that count as known words.
 */
struct password_strength {
	double entropy; /* bits */
	int score;      /* 0..4 */
};
void password_strength(const char *password, const char *const *user_inputs,
                       struct password_strength *ret);
/* Maps entropy in bits to the zxcvbn score 0..4 (thresholds above). */
int password_score_from_entropy(double bits);

/*
 * Checks password against policy for the user (login and display_name may
 * be NULL). Returns 0 when acceptable; otherwise -EINVAL, sets *ret_reason
 * (may be NULL) and err to a message that says why and cites the clause:
 *   "password is too short: 11 characters, at least 12 are needed [SHJ-5-3-6]"
 * The password itself never appears in the message.
 * Containing the login or the display name is checked case-insensitively
 * for ASCII, after folding full-width ASCII, ignoring spaces in the name
 * ("Sato Hanako", "佐藤 花子": both "佐藤花子" and "satohanako" are refused).
 */
int password_check(const struct password_policy *policy, const char *password, const char *login,
                   const char *display_name, enum password_reason *ret_reason, struct strbuf *err);

/* Number of code points in a UTF-8 string, or -1 when it is not valid UTF-8. */
long password_length(const char *password);

/*
 * Generates a random password of 20 characters from an alphabet without
 * look-alikes (no 0/O, 1/l/I), written as four groups of five joined by '-'
 * so that it can be read out and typed: "k7Hw2-pQx9R-...". It is regenerated
 * until it passes policy for login/display_name (a random one always does in
 * practice). ret must hold PASSWORD_GENERATED_SIZE bytes. Returns 0 or -EAGAIN.
 * The caller prints it once and wipes it with sodium_memzero.
 */
#define PASSWORD_GENERATED_SIZE 24
int password_generate(const struct password_policy *policy, const char *login,
                      const char *display_name, char ret[PASSWORD_GENERATED_SIZE]);

#endif
