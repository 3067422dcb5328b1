/* note: C2SP signed notes with Ed25519 keys, and tlog-checkpoint bodies. */
#ifndef MAMORI_LEDGER_NOTE_H
#define MAMORI_LEDGER_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "ledger/merkle.h"

/* Limits on what is accepted from outside. */
#define NOTE_MAX_SIZE    (64 * 1024) /* a whole signed note */
#define NOTE_MAX_SIGS    100         /* signature lines, as golang.org/x/mod/sumdb/note */
#define NOTE_MAX_NAME    256         /* bytes of a key name */
#define NOTE_ED25519     0x01        /* algorithm byte of Ed25519 keys */
#define NOTE_SIG_SIZE    64
#define NOTE_PUBKEY_SIZE 32
#define NOTE_SEED_SIZE   32

/*
 * A verifier key: who signs, the 4-byte key id, the Ed25519 public key.
 * Text form "<name>+<8 hex digits id>+<base64(0x01 || public key)>".
 */
struct note_verifier {
	char name[NOTE_MAX_NAME + 1];
	uint32_t id;
	uint8_t pub[NOTE_PUBKEY_SIZE];
};

/*
 * A signer key: secret. Text form "PRIVATE+KEY+<name>+<id>+<base64(0x01 ||
 * seed)>" as golang.org/x/mod/sumdb/note. Wipe with note_signer_wipe.
 */
struct note_signer {
	struct note_verifier v;
	uint8_t seed[NOTE_SEED_SIZE];
};

/* A parsed, not yet verified, signature line. */
struct note_sig {
	char name[NOTE_MAX_NAME + 1];
	uint32_t id;
	uint8_t sig[NOTE_SIG_SIZE + 1];
	size_t sig_len; /* > NOTE_SIG_SIZE means "too long to be Ed25519" */
};

/* A signed note split into its text (ending in a newline) and signatures. */
struct note {
	struct strbuf text;
	struct note_sig *sigs;
	size_t nr;
};

/* A tlog-checkpoint body (C2SP tlog-checkpoint v1.0.0). */
struct checkpoint {
	char origin[NOTE_MAX_NAME + 1];
	uint64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
};

/* Key names: non-empty UTF-8 without Unicode white space or '+'. */
bool note_name_valid(const char *name, size_t len);
/* First 4 bytes (big-endian) of SHA-256(name || "\n" || 0x01 || pub). */
uint32_t note_key_id(const char *name, const uint8_t pub[NOTE_PUBKEY_SIZE]);

/* Creates a fresh Ed25519 key pair named name. Returns 0 or -EINVAL / -EIO. */
int note_signer_generate(const char *name, struct note_signer *ret, struct strbuf *err);
int note_signer_parse(const char *text, size_t len, struct note_signer *ret, struct strbuf *err);
/* Appends the secret text form to out: callers release out with strbuf_release_secret. */
void note_signer_format(const struct note_signer *s, struct strbuf *out);
void note_signer_wipe(struct note_signer *s);

int note_verifier_parse(const char *text, size_t len, struct note_verifier *ret,
                        struct strbuf *err);
void note_verifier_format(const struct note_verifier *v, struct strbuf *out);

/*
 * Splits a signed note: valid UTF-8 without control characters other than
 * newline, the text, a blank line, then 1..NOTE_MAX_SIGS lines "— <name>
 * <base64(key id || signature)>". Signatures are not checked here. Returns
 * 0 or -EINVAL with a message.
 */
int note_parse(const char *msg, size_t len, struct note *ret, struct strbuf *err);
void note_release(struct note *n);

/*
 * Checks the note's signatures against trusted keys. Succeeds when at
 * least one signature is by a trusted key and every signature by a trusted
 * key (same name and id) verifies; signatures by unknown keys are ignored.
 * Returns 0, -EBADMSG (a bad signature), -ENOKEY (none by a trusted key).
 */
int note_verify(const struct note *n, const struct note_verifier *keys, size_t nkeys,
                struct strbuf *err);

/* Signs text (which must end in a newline) and appends the signed note to out. */
int note_sign(const char *text, size_t len, const struct note_signer *s, struct strbuf *out,
              struct strbuf *err);

/* Raw Ed25519 through OpenSSL; 0 when valid, -EBADMSG otherwise. */
int note_ed25519_verify(const uint8_t pub[NOTE_PUBKEY_SIZE], const void *msg, size_t len,
                        const uint8_t *sig, size_t sig_len);

/*
 * A checkpoint body: origin line, decimal size (no leading zeros), base64
 * root of 32 bytes, each newline-terminated; further non-empty extension
 * lines are allowed and ignored. Returns 0 or -EINVAL.
 */
int checkpoint_parse(const char *text, size_t len, struct checkpoint *ret, struct strbuf *err);
void checkpoint_format(const struct checkpoint *c, struct strbuf *out);

/*
 * Parses a signed checkpoint, verifies it with the given keys and checks
 * that the origin equals the signer's key name. Returns 0, -EINVAL
 * (malformed), -EBADMSG (bad signature or origin), -ENOKEY.
 */
int checkpoint_open(const char *msg, size_t len, const struct note_verifier *keys, size_t nkeys,
                    struct checkpoint *ret, struct strbuf *err);

/* Standard base64 (RFC 4648 with padding). Decoding is strict: no spaces, canonical padding. */
void b64_encode(struct strbuf *out, const void *data, size_t len);
int b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *ret_len);

#endif
