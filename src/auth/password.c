/* password: Argon2id hashing, the password policy (length, strength, no login/name) and generation.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>
#include <zxcvbn.h>

#include "auth/password.h"
#include "base/cleanup.h"
#include "base/utf8.h"

_Static_assert(PASSWORD_HASH_SIZE == crypto_pwhash_STRBYTES, "hash buffer size");
_Static_assert(PASSWORD_OPSLIMIT >= 2, "OWASP: t >= 2 with m >= 19 MiB");
_Static_assert(PASSWORD_MEMLIMIT >= 19UL * 1024 * 1024, "OWASP: m >= 19 MiB");

/* Longest password in code points; PASSWORD_MAX_BYTES bounds the bytes. */
#define PASSWORD_MAX_CODEPOINTS 256

static int sodium_ready(void)
{
	/* sodium_init() is idempotent and thread-safe; 1 means "already done". */
	return sodium_init() < 0 ? -EIO : 0;
}

int password_hash(const char *password, char ret_hash[PASSWORD_HASH_SIZE], struct strbuf *err)
{
	char hash[PASSWORD_HASH_SIZE];
	size_t len = strlen(password);

	if (sodium_ready() < 0) {
		error_set(err, "cannot initialise libsodium");
		return -EIO;
	}
	if (len > PASSWORD_MAX_BYTES) {
		error_set(err, "password is longer than %d bytes", PASSWORD_MAX_BYTES);
		return -EINVAL;
	}
	if (crypto_pwhash_str(hash, password, len, PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT) != 0) {
		error_set(err, "cannot hash the password: Argon2id needs %lu MiB of memory",
		          PASSWORD_MEMLIMIT >> 20);
		return -ENOMEM;
	}
	memcpy(ret_hash, hash, sizeof(hash));
	return 0;
}

bool password_verify(const char *hash, const char *password)
{
	size_t len = strlen(password);

	if (sodium_ready() < 0 || len > PASSWORD_MAX_BYTES)
		return false;
	if (strnlen(hash, PASSWORD_HASH_SIZE) >= PASSWORD_HASH_SIZE)
		return false;
	if (strncmp(hash, crypto_pwhash_argon2id_STRPREFIX,
	            strlen(crypto_pwhash_argon2id_STRPREFIX)) != 0)
		return false;
	return crypto_pwhash_str_verify(hash, password, len) == 0;
}

bool password_needs_rehash(const char *hash)
{
	if (sodium_ready() < 0)
		return true;
	if (strnlen(hash, PASSWORD_HASH_SIZE) >= PASSWORD_HASH_SIZE)
		return true;
	/* 0: current parameters; 1: other parameters; -1: not an Argon2id string. */
	return crypto_pwhash_str_needs_rehash(hash, PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT) != 0;
}

int password_score_from_entropy(double bits)
{
	/* guesses = 2^bits; thresholds 10^3, 10^6, 10^8, 10^10 guesses (zxcvbn). */
	static const double thresholds[] = { 3, 6, 8, 10 };
	double log10_guesses = bits * log10(2.0);
	int score = 0;

	for (size_t i = 0; i < ARRAY_SIZE(thresholds); i++)
		if (log10_guesses >= thresholds[i])
			score = (int)i + 1;
	return score;
}

long password_length(const char *password)
{
	size_t len = strlen(password), i = 0;
	long n = 0;

	while (i < len) {
		uint32_t cp;
		int k = utf8_decode(password + i, len - i, &cp);
		if (k < 0)
			return -1;
		i += (size_t)k;
		n++;
	}
	return n;
}

/*
 * Folding for comparisons and strength: full-width ASCII (U+FF01..U+FF5E) to
 * ASCII, the ideographic space to a space, katakana to hiragana, and with
 * FOLD_CASE ASCII lower case. Every fold keeps or shrinks the UTF-8 length.
 */
enum {
	FOLD_CASE = 1 << 0,            /* ASCII lower case (not for zxcvbn: it scores capitals) */
	FOLD_DROP_SEPARATORS = 1 << 1, /* leave out spaces, '・', '.' (names) */
};

static uint32_t fold_cp(uint32_t cp, unsigned flags)
{
	if (cp >= 0xff01 && cp <= 0xff5e)
		cp = cp - 0xff01 + 0x21;
	else if (cp == 0x3000)
		cp = ' ';
	else if (cp >= 0x30a1 && cp <= 0x30f6)
		cp -= 0x60;
	if ((flags & FOLD_CASE) && cp >= 'A' && cp <= 'Z')
		cp += 'a' - 'A';
	return cp;
}

/* A folded secret: code points and their UTF-8 text, both wiped on release. */
struct folded {
	uint32_t *cp;
	size_t ncp;
	char *text;
	size_t text_size;
};

static void folded_release(struct folded *f)
{
	if (f->cp) {
		sodium_memzero(f->cp, f->ncp * sizeof(*f->cp));
		free(f->cp);
	}
	if (f->text) {
		sodium_memzero(f->text, f->text_size);
		free(f->text);
	}
	memset(f, 0, sizeof(*f));
}

static void put_utf8(char *out, size_t *pos, uint32_t cp)
{
	if (cp < 0x80) {
		out[(*pos)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*pos)++] = (char)(0xc0 | (cp >> 6));
		out[(*pos)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*pos)++] = (char)(0xe0 | (cp >> 12));
		out[(*pos)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*pos)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*pos)++] = (char)(0xf0 | (cp >> 18));
		out[(*pos)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*pos)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*pos)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/* Folds s into f (see fold_cp); invalid UTF-8 bytes are left out. */
static void fold(const char *s, unsigned flags, struct folded *f)
{
	size_t len = strlen(s), i = 0, pos = 0;

	f->ncp = 0;
	f->cp = xcalloc(len + 1, sizeof(*f->cp));
	f->text_size = len + 1;
	f->text = xcalloc(f->text_size, 1);
	while (i < len) {
		uint32_t cp;
		int k = utf8_decode(s + i, len - i, &cp);
		if (k < 0) {
			i++;
			continue;
		}
		i += (size_t)k;
		cp = fold_cp(cp, flags);
		if ((flags & FOLD_DROP_SEPARATORS) && (cp == ' ' || cp == 0x30fb || cp == '.'))
			continue;
		f->cp[f->ncp++] = cp;
		put_utf8(f->text, &pos, cp);
	}
	f->text[pos] = '\0';
}

static bool cp_contains(const uint32_t *hay, size_t nhay, const uint32_t *needle, size_t nneedle)
{
	if (nneedle == 0 || nneedle > nhay)
		return false;
	for (size_t i = 0; i + nneedle <= nhay; i++)
		if (memcmp(hay + i, needle, nneedle * sizeof(*hay)) == 0)
			return true;
	return false;
}

static bool all_ascii(const uint32_t *cp, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cp[i] >= 0x80)
			return false;
	return true;
}

/* Shortest word worth refusing: 3 letters of ASCII, 2 characters otherwise. */
static bool long_enough_word(const uint32_t *cp, size_t n)
{
	return n >= (all_ascii(cp, n) ? 3u : 2u);
}

/* Bits per non-ASCII character, see password.h. */
static double cp_bits(uint32_t cp)
{
	if ((cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0xff65 && cp <= 0xff9f))
		return 5.0; /* kana, half-width kana */
	if ((cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
	    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x3134f))
		return 8.0; /* kanji */
	return 6.0;
}

struct word {
	uint32_t *cp;
	size_t n;
};

/*
 * Estimate for a run of non-ASCII code points: known words, repeated units
 * (ねこねこねこ), evenly spaced runs (あいうえお, 一二三 is not one: its
 * code points are not evenly spaced), else each character on its own.
 */
static double estimate_nonascii(const uint32_t *cp, size_t n, const struct word *words,
                                size_t nwords)
{
	double bits = 0;
	size_t i = 0;

	while (i < n) {
		size_t best = 0;
		double best_bits = 0;

		for (size_t w = 0; w < nwords; w++) {
			if (words[w].n > best && words[w].n <= n - i &&
			    memcmp(cp + i, words[w].cp, words[w].n * sizeof(*cp)) == 0) {
				best = words[w].n;
				best_bits = log2(2.0 * (double)nwords);
			}
		}
		for (size_t unit = 1; unit <= 8 && !best; unit++) {
			size_t reps = 1;
			while (i + (reps + 1) * unit <= n &&
			       memcmp(cp + i, cp + i + reps * unit, unit * sizeof(*cp)) == 0)
				reps++;
			if (reps >= 2) {
				double ub = 0;
				for (size_t k = 0; k < unit; k++)
					ub += cp_bits(cp[i + k]);
				best = reps * unit;
				best_bits = ub + log2((double)reps);
			}
		}
		if (!best && n - i >= 3) {
			int64_t d = (int64_t)cp[i + 1] - (int64_t)cp[i];
			if (d != 0 && d >= -2 && d <= 2) {
				size_t len = 2;
				while (i + len < n &&
				       (int64_t)cp[i + len] - (int64_t)cp[i + len - 1] == d)
					len++;
				if (len >= 3) {
					best = len;
					best_bits = cp_bits(cp[i]) + log2((double)len);
				}
			}
		}
		if (!best) {
			best = 1;
			best_bits = cp_bits(cp[i]);
		}
		bits += best_bits;
		i += best;
	}
	return bits;
}

/* zxcvbn on the ASCII code points cp[0..n) (already folded). */
static double zxcvbn_ascii(const uint32_t *cp, size_t n, const char **user_inputs)
{
	char *s = xcalloc(n + 1, 1);
	double bits;

	for (size_t i = 0; i < n; i++)
		s[i] = (char)cp[i];
	bits = ZxcvbnMatch(s, user_inputs, NULL);
	sodium_memzero(s, n + 1);
	free(s);
	return bits;
}

void password_strength(const char *password, const char *const *user_inputs,
                       struct password_strength *ret)
{
	struct folded pw = { 0 };
	struct folded *folded_inputs = NULL;
	struct word *words = NULL;
	const char **ascii_inputs = NULL;
	size_t ninputs = 0, nwords = 0, nascii = 0;
	double full, segmented = 0;

	while (user_inputs && user_inputs[ninputs])
		ninputs++;
	folded_inputs = xcalloc(ninputs + 1, sizeof(*folded_inputs));
	words = xcalloc(ninputs + 1, sizeof(*words));
	ascii_inputs = xcalloc(ninputs + 1, sizeof(*ascii_inputs));
	for (size_t k = 0; k < ninputs; k++) {
		fold(user_inputs[k], FOLD_CASE | FOLD_DROP_SEPARATORS, &folded_inputs[k]);
		if (all_ascii(folded_inputs[k].cp, folded_inputs[k].ncp)) {
			if (folded_inputs[k].ncp)
				ascii_inputs[nascii++] = folded_inputs[k].text;
		} else if (long_enough_word(folded_inputs[k].cp, folded_inputs[k].ncp)) {
			words[nwords].cp = folded_inputs[k].cp;
			words[nwords++].n = folded_inputs[k].ncp;
		}
	}
	ascii_inputs[nascii] = NULL;

	fold(password, 0, &pw);
	full = ZxcvbnMatch(pw.text, ascii_inputs, NULL);
	segmented = full;
	if (!all_ascii(pw.cp, pw.ncp)) {
		/* Score ASCII stretches with zxcvbn and the rest per code point. */
		segmented = 0;
		for (size_t i = 0; i < pw.ncp;) {
			size_t j = i;
			bool ascii = pw.cp[i] < 0x80;
			while (j < pw.ncp && (pw.cp[j] < 0x80) == ascii)
				j++;
			if (ascii)
				segmented += zxcvbn_ascii(pw.cp + i, j - i, ascii_inputs);
			else
				segmented += estimate_nonascii(pw.cp + i, j - i, words, nwords);
			i = j;
		}
	}
	ret->entropy = segmented < full ? segmented : full;
	ret->score = password_score_from_entropy(ret->entropy);

	folded_release(&pw);
	for (size_t k = 0; k < ninputs; k++)
		folded_release(&folded_inputs[k]);
	free(folded_inputs);
	free(words);
	free(ascii_inputs);
}

static void refuse(struct strbuf *err, const char *clause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void refuse(struct strbuf *err, const char *clause, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	error_vset(err, fmt, ap); /* its message id is kept for a front end (base/strbuf.h) */
	va_end(ap);
	if (clause && *clause)
		strbuf_addf(err, " [%s]", clause);
}

/*
 * Whether the password (folded) contains the name, or one of its parts
 * (split at spaces, '・' and '.'), long enough to be a word. Sets *ret_part
 * to a static-lifetime-free copy of the part found (caller frees).
 */
static bool contains_name(const struct folded *pw, const char *name, char **ret_part)
{
	struct folded whole = { 0 };
	bool found = false;
	const char *p = name;

	fold(name, FOLD_CASE | FOLD_DROP_SEPARATORS, &whole);
	if (long_enough_word(whole.cp, whole.ncp) &&
	    cp_contains(pw->cp, pw->ncp, whole.cp, whole.ncp)) {
		*ret_part = xstrdup(name);
		folded_release(&whole);
		return true;
	}
	folded_release(&whole);

	while (*p && !found) {
		size_t n = strcspn(p, " .");
		const char *sep = strstr(p, "\u3000");
		const char *dot = strstr(p, "\u30fb");
		if (sep && (size_t)(sep - p) < n)
			n = (size_t)(sep - p);
		if (dot && (size_t)(dot - p) < n)
			n = (size_t)(dot - p);
		if (n > 0) {
			char *part = xstrndup(p, n);
			struct folded fp = { 0 };
			fold(part, FOLD_CASE | FOLD_DROP_SEPARATORS, &fp);
			if (long_enough_word(fp.cp, fp.ncp) &&
			    cp_contains(pw->cp, pw->ncp, fp.cp, fp.ncp)) {
				*ret_part = part;
				found = true;
			} else {
				free(part);
			}
			folded_release(&fp);
		}
		p += n;
		if (*p == ' ' || *p == '.')
			p++;
		else if (*p)
			p += 3; /* U+3000 and U+30FB are three bytes */
	}
	return found;
}

/*
 * The password as text: not empty, UTF-8 without control characters, within the limits in
 * bytes and characters (a Japanese character counts as one), at least the policy's length.
 * PASSWORD_OK, or why not with err set.
 */
static enum password_reason check_text(const struct password_policy *policy, const char *password,
                                       struct strbuf *err)
{
	const char *clause = policy->clause;
	size_t len = strlen(password), i = 0, ncp = 0;

	if (len == 0) {
		refuse(err, clause, "password is empty: at least %zu characters are needed",
		       policy->min_length);
		return PASSWORD_EMPTY;
	}
	if (len > PASSWORD_MAX_BYTES) {
		error_set(err, "password is too long: at most %d bytes are accepted",
		          PASSWORD_MAX_BYTES);
		return PASSWORD_TOO_LONG;
	}
	while (i < len) {
		uint32_t cp;
		int k = utf8_decode(password + i, len - i, &cp);
		if (k < 0) {
			error_set(err, "password is not valid UTF-8 text");
			return PASSWORD_INVALID_UTF8;
		}
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			error_set(err, "password contains a control character (such as a tab or "
			               "newline); use letters, digits, symbols or spaces");
			return PASSWORD_CONTROL_CHAR;
		}
		i += (size_t)k;
		ncp++;
	}
	if (ncp > PASSWORD_MAX_CODEPOINTS) {
		error_set(err, "password is too long: %zu characters, at most %d are accepted", ncp,
		          PASSWORD_MAX_CODEPOINTS);
		return PASSWORD_TOO_LONG;
	}
	if (ncp < policy->min_length) {
		refuse(err, clause,
		       "password is too short: %zu character%s, at least %zu are needed "
		       "(a Japanese character counts as one)",
		       ncp, ncp == 1 ? "" : "s", policy->min_length);
		return PASSWORD_TOO_SHORT;
	}
	return PASSWORD_OK;
}

int password_check(const struct password_policy *policy, const char *password, const char *login,
                   const char *display_name, enum password_reason *ret_reason, struct strbuf *err)
{
	const char *clause = policy->clause;
	enum password_reason reason;
	struct folded pw = { 0 };

	reason = check_text(policy, password, err);
	if (reason != PASSWORD_OK)
		goto out;
	fold(password, FOLD_CASE, &pw);
	if (login && *login) {
		struct folded fl = { 0 };
		fold(login, FOLD_CASE, &fl);
		if (long_enough_word(fl.cp, fl.ncp) && cp_contains(pw.cp, pw.ncp, fl.cp, fl.ncp))
			reason = PASSWORD_CONTAINS_LOGIN;
		folded_release(&fl);
		if (reason) {
			refuse(err, clause,
			       "password contains the login '%s'; choose one that does not", login);
			goto out;
		}
	}
	if (display_name && *display_name) {
		_cleanup_free_ char *part = NULL;
		if (contains_name(&pw, display_name, &part)) {
			reason = PASSWORD_CONTAINS_NAME;
			refuse(err, clause,
			       "password contains the name '%s'; choose one that does not", part);
			goto out;
		}
	}
	{
		const char *inputs[3] = { NULL, NULL, NULL };
		struct password_strength st;
		size_t n = 0;
		if (login && *login)
			inputs[n++] = login;
		if (display_name && *display_name)
			inputs[n++] = display_name;
		password_strength(password, inputs, &st);
		if (st.score < policy->min_score) {
			reason = PASSWORD_TOO_WEAK;
			refuse(err, clause,
			       "password is too easy to guess (strength %d of 4, at least %d is "
			       "needed); use a longer phrase of unrelated words, or mix in digits "
			       "and symbols",
			       st.score, policy->min_score);
			goto out;
		}
	}
out:
	folded_release(&pw);
	if (ret_reason)
		*ret_reason = reason;
	return reason == PASSWORD_OK ? 0 : -EINVAL;
}

int password_generate(const struct password_policy *policy, const char *login,
                      const char *display_name, char ret[PASSWORD_GENERATED_SIZE])
{
	/* 56 symbols without 0/O/o, 1/l/I: 20 of them carry 116 bits. */
	static const char alphabet[] = "23456789"
	                               "abcdefghijkmnpqrstuvwxyz"
	                               "ABCDEFGHJKLMNPQRSTUVWXYZ";
	char buf[PASSWORD_GENERATED_SIZE];

	if (sodium_ready() < 0)
		return -EIO;
	for (int attempt = 0; attempt < 16; attempt++) {
		size_t pos = 0;
		for (int i = 0; i < 20; i++) {
			if (i > 0 && i % 5 == 0)
				buf[pos++] = '-';
			buf[pos++] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
		}
		buf[pos] = '\0';
		if (password_check(policy, buf, login, display_name, NULL, NULL) == 0) {
			memcpy(ret, buf, sizeof(buf));
			sodium_memzero(buf, sizeof(buf));
			return 0;
		}
	}
	sodium_memzero(buf, sizeof(buf));
	return -EAGAIN;
}
