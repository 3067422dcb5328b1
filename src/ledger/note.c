/* note: C2SP signed notes with Ed25519 keys, and tlog-checkpoint bodies. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sodium.h>

#include "base/cleanup.h"
#include "base/utf8.h"
#include "ledger/note.h"

/* Base64 */

void b64_encode(struct strbuf *out, const void *data, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);

	strbuf_grow(out, n);
	sodium_bin2base64(out->buf + out->len, n, data, len, sodium_base64_VARIANT_ORIGINAL);
	strbuf_setlen(out, out->len + n - 1);
}

int b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *ret_len)
{
	const char *end = NULL;
	size_t n = 0;

	if (len % 4 != 0)
		return -EINVAL;
	/*
	 * The alphabet is checked here: libsodium's decoder takes some bytes above
	 * 0x7f for alphabet characters (found by fuzz-note). Padding only at the end.
	 */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		             (c >= '0' && c <= '9') || c == '+' || c == '/';
		if (!alpha && !(c == '=' && i >= len - 2 && (i == len - 1 || s[len - 1] == '=')))
			return -EINVAL;
	}
	/* libsodium rejects non-zero padding bits, so only the canonical form decodes. */
	if (sodium_base642bin(out, cap, s, len, NULL, &n, &end, sodium_base64_VARIANT_ORIGINAL) !=
	        0 ||
	    end != s + len)
		return -EINVAL;
	*ret_len = n;
	return 0;
}

/* Names and key ids */

/* Unicode white space as Go's unicode.IsSpace, which golang.org/x/mod/sumdb/note uses. */
static bool is_unicode_space(uint32_t cp)
{
	switch (cp) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xA0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202F:
	case 0x205F:
	case 0x3000:
		return true;
	default:
		return cp >= 0x2000 && cp <= 0x200A;
	}
}

bool note_name_valid(const char *name, size_t len)
{
	size_t i = 0;

	if (len == 0 || len > NOTE_MAX_NAME || !utf8_valid(name, len))
		return false;
	while (i < len) {
		uint32_t cp;
		int n = utf8_decode(name + i, len - i, &cp);

		if (n < 1 || cp == '+' || is_unicode_space(cp))
			return false;
		i += (size_t)n;
	}
	return true;
}

uint32_t note_key_id(const char *name, const uint8_t pub[NOTE_PUBKEY_SIZE])
{
	struct merkle_hasher *h = merkle_hasher_new();
	struct strbuf buf = STRBUF_INIT;
	uint8_t sum[MERKLE_HASH_SIZE];

	strbuf_addstr(&buf, name);
	strbuf_addch(&buf, '\n');
	strbuf_addch(&buf, NOTE_ED25519);
	strbuf_add(&buf, pub, NOTE_PUBKEY_SIZE);
	merkle_sha256(h, buf.buf, buf.len, sum);
	strbuf_release(&buf);
	merkle_hasher_free(h);
	return (uint32_t)sum[0] << 24 | (uint32_t)sum[1] << 16 | (uint32_t)sum[2] << 8 | sum[3];
}

/* Ed25519 through OpenSSL */

static int ed25519_public_from_seed(const uint8_t seed[NOTE_SEED_SIZE],
                                    uint8_t pub[NOTE_PUBKEY_SIZE])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, NOTE_SEED_SIZE);
	size_t n = NOTE_PUBKEY_SIZE;
	int ret = 0;

	if (!pk)
		return -EIO;
	if (EVP_PKEY_get_raw_public_key(pk, pub, &n) != 1 || n != NOTE_PUBKEY_SIZE)
		ret = -EIO;
	EVP_PKEY_free(pk); /* OpenSSL clears private key material on free */
	return ret;
}

int note_ed25519_verify(const uint8_t pub[NOTE_PUBKEY_SIZE], const void *msg, size_t len,
                        const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY *pk;
	EVP_MD_CTX *ctx;
	int ok = 0;

	if (sig_len != NOTE_SIG_SIZE)
		return -EBADMSG;
	pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, NOTE_PUBKEY_SIZE);
	if (!pk)
		return -EBADMSG;
	ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1)
		ok = EVP_DigestVerify(ctx, sig, sig_len, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok ? 0 : -EBADMSG;
}

static int ed25519_sign(const uint8_t seed[NOTE_SEED_SIZE], const void *msg, size_t len,
                        uint8_t sig[NOTE_SIG_SIZE])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, NOTE_SEED_SIZE);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = NOTE_SIG_SIZE;
	int ret = -EIO;

	if (pk && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) == 1 &&
	    EVP_DigestSign(ctx, sig, &n, msg, len) == 1 && n == NOTE_SIG_SIZE)
		ret = 0;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ret;
}

/* Keys */

void note_signer_wipe(struct note_signer *s)
{
	explicit_bzero(s, sizeof(*s));
}

int note_signer_generate(const char *name, struct note_signer *ret, struct strbuf *err)
{
	struct note_signer s;

	if (!note_name_valid(name, strlen(name))) {
		error_set(err,
		          "key name '%s' is not valid: it must be non-empty UTF-8 without "
		          "spaces or '+'",
		          name);
		return -EINVAL;
	}
	memset(&s, 0, sizeof(s));
	memcpy(s.v.name, name, strlen(name) + 1);
	if (RAND_priv_bytes(s.seed, sizeof(s.seed)) != 1 ||
	    ed25519_public_from_seed(s.seed, s.v.pub) < 0) {
		note_signer_wipe(&s);
		error_set(err,
		          "cannot generate an Ed25519 key: the OpenSSL random generator failed");
		return -EIO;
	}
	s.v.id = note_key_id(s.v.name, s.v.pub);
	*ret = s;
	note_signer_wipe(&s);
	return 0;
}

static void add_keydata(struct strbuf *out, const uint8_t key[32])
{
	uint8_t buf[33];

	buf[0] = NOTE_ED25519;
	memcpy(buf + 1, key, 32);
	b64_encode(out, buf, sizeof(buf));
	explicit_bzero(buf, sizeof(buf));
}

void note_verifier_format(const struct note_verifier *v, struct strbuf *out)
{
	strbuf_addf(out, "%s+%08" PRIx32 "+", v->name, v->id);
	add_keydata(out, v->pub);
}

void note_signer_format(const struct note_signer *s, struct strbuf *out)
{
	strbuf_addf(out, "PRIVATE+KEY+%s+%08" PRIx32 "+", s->v.name, s->v.id);
	add_keydata(out, s->seed);
}

/* Splits "name+hash+keydata" (the tail of either key form) into a verifier and 32 key bytes. */
static int parse_key_tail(const char *s, size_t len, struct note_verifier *v, uint8_t key[32])
{
	const char *p1 = memchr(s, '+', len), *p2;
	uint8_t raw[34];
	size_t name_len, raw_len = 0;
	uint32_t id = 0;

	if (!p1)
		return -EINVAL;
	name_len = (size_t)(p1 - s);
	p2 = memchr(p1 + 1, '+', len - name_len - 1);
	if (!p2 || p2 - p1 != 9 || !note_name_valid(s, name_len))
		return -EINVAL;
	for (const char *c = p1 + 1; c < p2; c++) {
		int d;
		if (*c >= '0' && *c <= '9')
			d = *c - '0';
		else if (*c >= 'a' && *c <= 'f')
			d = *c - 'a' + 10;
		else if (*c >= 'A' && *c <= 'F')
			d = *c - 'A' + 10;
		else
			return -EINVAL;
		id = id << 4 | (uint32_t)d;
	}
	if (b64_decode(p2 + 1, len - (size_t)(p2 + 1 - s), raw, sizeof(raw), &raw_len) < 0 ||
	    raw_len != 33 || raw[0] != NOTE_ED25519) {
		explicit_bzero(raw, sizeof(raw));
		return -EINVAL;
	}
	memcpy(v->name, s, name_len);
	v->name[name_len] = '\0';
	v->id = id;
	memcpy(key, raw + 1, 32);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

static size_t trim_newline(const char *text, size_t len)
{
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	return len;
}

int note_verifier_parse(const char *text, size_t len, struct note_verifier *ret, struct strbuf *err)
{
	struct note_verifier v;

	len = trim_newline(text, len);
	memset(&v, 0, sizeof(v));
	if (len > 1024 || parse_key_tail(text, len, &v, v.pub) < 0) {
		error_set(err,
		          "not a verifier key: expected '<name>+<8 hex digits>+<base64 Ed25519 "
		          "key>'");
		return -EINVAL;
	}
	if (note_key_id(v.name, v.pub) != v.id) {
		error_set(err, "verifier key '%s': the key id does not match the key", v.name);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

int note_signer_parse(const char *text, size_t len, struct note_signer *ret, struct strbuf *err)
{
	static const char prefix[] = "PRIVATE+KEY+";
	struct note_signer s;
	uint8_t pub[NOTE_PUBKEY_SIZE];
	int r = -EINVAL;

	len = trim_newline(text, len);
	memset(&s, 0, sizeof(s));
	if (len < sizeof(prefix) || len > 1024 || memcmp(text, prefix, sizeof(prefix) - 1) != 0 ||
	    parse_key_tail(text + sizeof(prefix) - 1, len - (sizeof(prefix) - 1), &s.v, s.seed) <
	        0) {
		error_set(err, "not a signer key: expected 'PRIVATE+KEY+<name>+<id>+<base64>'");
		goto out;
	}
	if (ed25519_public_from_seed(s.seed, pub) < 0) {
		error_set(err, "signer key '%s': not a usable Ed25519 key", s.v.name);
		goto out;
	}
	memcpy(s.v.pub, pub, sizeof(pub));
	if (note_key_id(s.v.name, s.v.pub) != s.v.id) {
		error_set(err, "signer key '%s': the key id does not match the key", s.v.name);
		goto out;
	}
	*ret = s;
	r = 0;
out:
	note_signer_wipe(&s);
	return r;
}

/* Signed notes */

void note_release(struct note *n)
{
	strbuf_release(&n->text);
	free(n->sigs);
	n->sigs = NULL;
	n->nr = 0;
}

static const char sig_prefix[] = "\xe2\x80\x94 "; /* em dash U+2014, space */

int note_parse(const char *msg, size_t len, struct note *ret, struct strbuf *err)
{
	struct note n = { STRBUF_INIT, NULL, 0 };
	size_t alloc = 0, split = SIZE_MAX, pos;

	if (len > NOTE_MAX_SIZE) {
		error_set(err, "note is larger than %d bytes", NOTE_MAX_SIZE);
		return -EINVAL;
	}
	if (!utf8_valid(msg, len)) {
		error_set(err, "note is not valid UTF-8");
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)msg[i] < 0x20 && msg[i] != '\n') {
			error_set(err, "note contains a control character at byte %zu", i);
			return -EINVAL;
		}
	}
	/* The signature block follows the last blank line. */
	for (size_t i = len; i >= 2; i--) {
		if (msg[i - 2] == '\n' && msg[i - 1] == '\n') {
			split = i - 2;
			break;
		}
	}
	if (split == SIZE_MAX || split + 2 >= len || msg[len - 1] != '\n') {
		error_set(err, "note has no signature block (a blank line, then '— name signature' "
		               "lines)");
		return -EINVAL;
	}
	strbuf_add(&n.text, msg, split + 1);
	pos = split + 2;
	while (pos < len) {
		const char *line = msg + pos, *nl = memchr(line, '\n', len - pos), *sp;
		size_t line_len = (size_t)(nl - line), name_len;
		struct note_sig sig;
		uint8_t raw[NOTE_SIG_SIZE + 5 + 64];
		size_t raw_len = 0;

		pos += line_len + 1;
		if (line_len < sizeof(sig_prefix) - 1 ||
		    memcmp(line, sig_prefix, sizeof(sig_prefix) - 1) != 0)
			goto bad_sig;
		line += sizeof(sig_prefix) - 1;
		line_len -= sizeof(sig_prefix) - 1;
		sp = memchr(line, ' ', line_len);
		if (!sp)
			goto bad_sig;
		name_len = (size_t)(sp - line);
		if (!note_name_valid(line, name_len))
			goto bad_sig;
		sp++;
		if (b64_decode(sp, line_len - name_len - 1, raw, sizeof(raw), &raw_len) < 0 ||
		    raw_len < 5)
			goto bad_sig;
		if (n.nr >= NOTE_MAX_SIGS) {
			error_set(err, "note has more than %d signatures", NOTE_MAX_SIGS);
			goto fail;
		}
		memset(&sig, 0, sizeof(sig));
		memcpy(sig.name, line, name_len);
		sig.id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 |
		         raw[3];
		sig.sig_len = raw_len - 4;
		memcpy(sig.sig, raw + 4,
		       sig.sig_len > sizeof(sig.sig) ? sizeof(sig.sig) : sig.sig_len);
		ALLOC_GROW(n.sigs, n.nr, alloc);
		n.sigs[n.nr++] = sig;
		continue;
	bad_sig:
		error_set(err,
		          "note signature line %zu is malformed (expected '— <name> <base64>')",
		          n.nr + 1);
		goto fail;
	}
	*ret = n;
	return 0;
fail:
	note_release(&n);
	return -EINVAL;
}

int note_verify(const struct note *n, const struct note_verifier *keys, size_t nkeys,
                struct strbuf *err)
{
	size_t good = 0;

	for (size_t i = 0; i < n->nr; i++) {
		const struct note_sig *s = &n->sigs[i];

		for (size_t k = 0; k < nkeys; k++) {
			if (keys[k].id != s->id || strcmp(keys[k].name, s->name) != 0)
				continue;
			if (note_ed25519_verify(keys[k].pub, n->text.buf, n->text.len, s->sig,
			                        s->sig_len) < 0) {
				error_set(err,
				          "signature by '%s' (key %08" PRIx32 ") does not verify",
				          s->name, s->id);
				return -EBADMSG;
			}
			good++;
		}
	}
	if (!good) {
		if (n->nr)
			error_set(err,
			          "note is not signed by a trusted key (its first signature is "
			          "by '%s', key %08" PRIx32 ")",
			          n->sigs[0].name, n->sigs[0].id);
		else
			error_set(err, "note is not signed by a trusted key");
		return -ENOKEY;
	}
	return 0;
}

int note_sign(const char *text, size_t len, const struct note_signer *s, struct strbuf *out,
              struct strbuf *err)
{
	uint8_t raw[4 + NOTE_SIG_SIZE];

	if (len == 0 || text[len - 1] != '\n') {
		error_set(err, "note text must end with a newline");
		return -EINVAL;
	}
	if (ed25519_sign(s->seed, text, len, raw + 4) < 0) {
		error_set(err, "signing with key '%s' failed in OpenSSL", s->v.name);
		return -EIO;
	}
	raw[0] = (uint8_t)(s->v.id >> 24);
	raw[1] = (uint8_t)(s->v.id >> 16);
	raw[2] = (uint8_t)(s->v.id >> 8);
	raw[3] = (uint8_t)s->v.id;
	strbuf_add(out, text, len);
	strbuf_addch(out, '\n');
	strbuf_addstr(out, sig_prefix);
	strbuf_addstr(out, s->v.name);
	strbuf_addch(out, ' ');
	b64_encode(out, raw, sizeof(raw));
	strbuf_addch(out, '\n');
	return 0;
}

/* Checkpoints */

void checkpoint_format(const struct checkpoint *c, struct strbuf *out)
{
	strbuf_addf(out, "%s\n%" PRIu64 "\n", c->origin, c->size);
	b64_encode(out, c->root, MERKLE_HASH_SIZE);
	strbuf_addch(out, '\n');
}

/* Next line of text[*pos..len) without its newline; -1 if none is newline-terminated. */
static int next_line(const char *text, size_t len, size_t *pos, const char **ret, size_t *ret_len)
{
	const char *nl;

	if (*pos >= len)
		return -1;
	nl = memchr(text + *pos, '\n', len - *pos);
	if (!nl)
		return -1;
	*ret = text + *pos;
	*ret_len = (size_t)(nl - (text + *pos));
	*pos += *ret_len + 1;
	return 0;
}

int checkpoint_parse(const char *text, size_t len, struct checkpoint *ret, struct strbuf *err)
{
	struct checkpoint c;
	const char *line;
	size_t pos = 0, n, root_len = 0;
	uint8_t root[MERKLE_HASH_SIZE + 3];

	memset(&c, 0, sizeof(c));
	if (next_line(text, len, &pos, &line, &n) < 0 || n == 0 || n > NOTE_MAX_NAME ||
	    memchr(line, '\0', n)) {
		error_set(err, "checkpoint: the first line must be the log's origin");
		return -EINVAL;
	}
	memcpy(c.origin, line, n);
	if (next_line(text, len, &pos, &line, &n) < 0 || n == 0 || n > 20 ||
	    (n > 1 && line[0] == '0')) {
		error_set(err, "checkpoint: the second line must be the tree size in decimal");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(line[i] - '0');
		if (line[i] < '0' || line[i] > '9' || c.size > (UINT64_MAX - d) / 10) {
			error_set(err,
			          "checkpoint: the tree size is not a decimal number below 2^64");
			return -EINVAL;
		}
		c.size = c.size * 10 + d;
	}
	if (next_line(text, len, &pos, &line, &n) < 0 ||
	    b64_decode(line, n, root, sizeof(root), &root_len) < 0 ||
	    root_len != MERKLE_HASH_SIZE) {
		error_set(err,
		          "checkpoint: the third line must be the base64 root hash (32 bytes)");
		return -EINVAL;
	}
	memcpy(c.root, root, MERKLE_HASH_SIZE);
	/* Extension lines: allowed, each non-empty and newline-terminated. */
	while (pos < len) {
		if (next_line(text, len, &pos, &line, &n) < 0 || n == 0) {
			error_set(err,
			          "checkpoint: extension lines must be non-empty and end with a "
			          "newline");
			return -EINVAL;
		}
	}
	*ret = c;
	return 0;
}

int checkpoint_open(const char *msg, size_t len, const struct note_verifier *keys, size_t nkeys,
                    struct checkpoint *ret, struct strbuf *err)
{
	struct note n;
	struct checkpoint c;
	int r;

	r = note_parse(msg, len, &n, err);
	if (r < 0)
		return r;
	r = note_verify(&n, keys, nkeys, err);
	if (r == 0)
		r = checkpoint_parse(n.text.buf, n.text.len, &c, err);
	if (r == 0) {
		/* The origin names the log; the key that signs it carries the same name. */
		bool match = false;
		for (size_t i = 0; i < n.nr && !match; i++)
			for (size_t k = 0; k < nkeys; k++)
				if (keys[k].id == n.sigs[i].id &&
				    !strcmp(keys[k].name, n.sigs[i].name) &&
				    !strcmp(keys[k].name, c.origin))
					match = true;
		if (!match) {
			error_set(err, "checkpoint origin '%s' is not the name of its signing key",
			          c.origin);
			r = -EBADMSG;
		}
	}
	note_release(&n);
	if (r == 0)
		*ret = c;
	return r;
}
