/* entry: the versioned canonical byte encoding of one ledger entry (docs/ledger.md). */
#ifndef MAMORI_LEDGER_ENTRY_H
#define MAMORI_LEDGER_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/json.h"
#include "base/strbuf.h"
#include "ledger/merkle.h"

#define ENTRY_VERSION     1
#define ENTRY_MAX_SIZE    65535     /* a 16-bit length in an entry bundle */
#define ENTRY_MAX_TEXT    4096      /* bytes of one text field */
#define ENTRY_MAX_PAYLOAD (1 << 20) /* bytes of a sealed payload */
#define ENTRY_SALT_SIZE   32
#define ENTRY_HEADER_SIZE 10 /* version, kind, time */

/* What an entry records. The numbers are part of the format: never renumber. */
enum entry_kind {
	ENTRY_CHANGE = 1,       /* a record changed through the door */
	ENTRY_DECISION = 2,     /* a decision without a change: refusal, approval request */
	ENTRY_LOGIN = 3,        /* a login, logout or failed login */
	ENTRY_INGEST = 4,       /* one line of another system's access log */
	ENTRY_RETENTION = 5,    /* a sealed payload erased (retention, personal data) */
	ENTRY_KEY_ROTATION = 6, /* the checkpoint signing key changed */
	ENTRY_NOTE = 7,         /* free text: an operator's note, a test, a benchmark */
	ENTRY_INTEGRITY = 8,    /* file integrity: a baseline generation or a check's result */
};

/*
 * One entry. Strings are NUL-terminated UTF-8 and NULL when absent;
 * digests are 32 bytes or NULL. Field tags in the encoding follow the
 * order of the members below.
 *
 * payload is not part of the entry bytes: when it is set, the ledger draws
 * a salt, sets sealed to the commitment (entry_seal_commitment) and keeps
 * salt and payload beside the tree (ledger_sealed), where they can later be
 * erased without changing the entry.
 */
struct ledger_entry {
	enum entry_kind kind;
	int64_t time_ms; /* UTC milliseconds since the epoch, >= 0 */

	const char *actor;      /* tag 1: who (login, "system", "ingest") */
	const char *action;     /* tag 2: what ("record.update", "login.fail") */
	const char *subject;    /* tag 3: which record ("media/42") */
	const uint8_t *before;  /* tag 4: SHA-256 of the record before */
	const uint8_t *after;   /* tag 5: SHA-256 of the record after */
	const char *decision;   /* tag 6: "allow", "deny", "approval:role@scope" */
	const char *clauses;    /* tag 7: clause ids separated by single spaces */
	const uint8_t *profile; /* tag 8: SHA-256 of the profile in force */
	const char *source;     /* tag 9: ingest source name */
	bool has_line;          /* tag 10: ingest line number (u64) */
	uint64_t line;
	const uint8_t *data; /* tag 11: public bytes (note text, a public log line) */
	size_t data_len;
	const uint8_t *sealed; /* tag 12: commitment to a sealed payload */
	bool has_ref;          /* tag 13: another entry's index (u64), e.g. what was erased */
	uint64_t ref;
	const char *key; /* tag 14: a verifier key (key rotation) */

	/* Not encoded: see above. */
	const void *payload;
	size_t payload_len;

	/* Owned storage of a decoded entry (entry_release). */
	char *owned_;
};

/* The name used in JSON and the CLI for a kind ("change", "key_rotation"); NULL if unknown. */
const char *entry_kind_name(int kind);

/*
 * Appends the canonical bytes of e to out. Checks what the format requires
 * (per kind, see docs/ledger.md) and the size limits. e->sealed must be set
 * if e->payload is. Returns 0 or -EINVAL with a message.
 */
int entry_encode(const struct ledger_entry *e, struct strbuf *out, struct strbuf *err);
/*
 * The same with sealed in place of e->sealed (which is not looked at, NULL or not): the ledger
 * encodes a submitted entry with the seal it made without copying the entry (176 bytes, read with
 * 16-byte loads right after the submitter's 8-byte stores of line and payload: a failed store
 * forwarding each, 4% of a receiving thread).
 */
int entry_encode_sealed(const struct ledger_entry *e, const uint8_t *sealed, struct strbuf *out,
                        struct strbuf *err);

/*
 * Decodes canonical bytes: any other encoding of the same values, unknown
 * versions, kinds or tags, or trailing bytes are rejected. Strings in ret
 * are owned by it: release with entry_release. Returns 0 or -EINVAL.
 */
int entry_decode(const void *buf, size_t len, struct ledger_entry *ret, struct strbuf *err);
void entry_release(struct ledger_entry *e);
/*
 * Checks that buf is a canonical entry, as entry_decode, without copying
 * anything; ret_sealed (if not NULL) points at the sealed commitment in buf
 * or is NULL. For verifying many entries fast.
 */
int entry_validate(const void *buf, size_t len, const uint8_t **ret_sealed, struct strbuf *err);

/* The commitment to a sealed payload: SHA-256("mamori-seal-v1" || 0x00 || salt || payload). */
void entry_seal_commitment(struct merkle_hasher *h, const uint8_t salt[ENTRY_SALT_SIZE],
                           const void *payload, size_t len, uint8_t out[MERKLE_HASH_SIZE]);
/* The same for the payload head || payload, given in two pieces (not joined first). */
/*
 * The first part of a seal's SHA-256 (entry_seal_commitment_head): the domain, the salt and the
 * head when it has at most ENTRY_SEAL_HEAD_JOIN bytes, written into start; returns its length.
 * The seal is SHA-256 of that, then the head if it was longer, then the payload.
 */
#define ENTRY_SEAL_HEAD_JOIN 64
#define ENTRY_SEAL_START_MAX (15 + ENTRY_SALT_SIZE + ENTRY_SEAL_HEAD_JOIN)
size_t entry_seal_start(uint8_t start[ENTRY_SEAL_START_MAX], const uint8_t salt[ENTRY_SALT_SIZE],
                        const void *head, size_t head_len);
void entry_seal_commitment_head(struct merkle_hasher *h, const uint8_t salt[ENTRY_SALT_SIZE],
                                const void *head, size_t head_len, const void *payload, size_t len,
                                uint8_t out[MERKLE_HASH_SIZE]);
/* Draws a fresh salt. Returns 0 or -EIO. */
int entry_new_salt(uint8_t salt[ENTRY_SALT_SIZE]);

/*
 * Writes the decoded fields of e as JSON object members (the caller opens
 * and closes the object). Digests are hex, data is "data" when it is UTF-8
 * text and "data_base64" otherwise.
 */
void entry_to_json(const struct ledger_entry *e, struct json_writer *w);

#endif
