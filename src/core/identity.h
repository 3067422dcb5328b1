/* identity: what login needs beyond the password: the TOTP credential and its use. */
#ifndef MAMORI_CORE_IDENTITY_H
#define MAMORI_CORE_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

struct store;

/*
 * The TOTP credential (schema 0014) is written only by the door: ACT_TOTP_ENROL (the person,
 * with the sealed secret as blob and the recovery codes' digests as fields "recovery"),
 * ACT_TOTP_RESET (an administrator). Sealing is the web's (a key from DIR/web.secret): core
 * keeps the bytes as given. What a login does with it is login state, kept here beside it:
 * the last accepted step (so a code is accepted once) and the recovery codes used up.
 */

/*
 * Reads user_id's credential: 1 with the sealed secret appended to ret_sealed (a secret
 * strbuf) and the last accepted step (0: none yet), 0 when the person has none.
 */
int identity_totp_get(struct store *st, int64_t user_id, struct strbuf *ret_sealed,
                      int64_t *ret_last_step, struct strbuf *err);
/* True when the person has a TOTP credential (-errno on a store error). */
int identity_totp_enrolled(struct store *st, int64_t user_id, struct strbuf *err);
/*
 * Accepts step as used: 0, or -EACCES when a step not earlier than it was accepted already
 * (two tabs racing with one code: only one wins).
 */
int identity_totp_step(struct store *st, int64_t user_id, int64_t step, struct strbuf *err);
/*
 * Uses up a recovery code by its digest (hex SHA-256, auth/totp.h): 0, or -EACCES when the
 * person has no such code or it was used. ret_left: the unused codes that remain.
 */
int identity_recovery_use(struct store *st, int64_t user_id, const char *hex, int64_t now_ms,
                          int64_t *ret_left, struct strbuf *err);

/*
 * API tokens (issued and revoked by the door: ACT_TOKEN_ISSUE / ACT_TOKEN_REVOKE). Finds the
 * live token whose hex SHA-256 is digest: 1 with its number, its person and its scope
 * ("api" | "logs", in scope[16]) and when it was last noted as used (0: never), 0 when there
 * is none (unknown or revoked).
 */
int identity_token_find(struct store *st, const char *digest, int64_t *ret_id, int64_t *ret_user_id,
                        char scope[16], int64_t *ret_last_used_ms, struct strbuf *err);
/* Notes that token id was used at now_ms (login state, not a credential: no ledger entry). */
int identity_token_used(struct store *st, int64_t id, int64_t now_ms, struct strbuf *err);
/*
 * The identity stamp (schema/0030): a number every change of users, role_assignments and
 * api_tokens moves in its own transaction. 1 with it in *ret, read in st's current snapshot;
 * 0 when the store keeps none (PostgreSQL, or a database without the stamp's triggers:
 * store_identity_stamped): whoever memoises an identity must read it again.
 * While two reads give the same number, the three tables are the same in both snapshots.
 */
int identity_stamp(struct store *st, int64_t *ret, struct strbuf *err);

/* Every API token issued, newest first (the administrators' list; never the secret). */
struct identity_token {
	int64_t id;
	char *login, *name; /* whose rights it carries */
	char *label;        /* what it is for */
	char *scope;        /* "api" | "logs" */
	int64_t created_ms;
	int64_t last_used_ms; /* 0: never used */
	int64_t revoked_ms;   /* 0: live */
};
struct identity_token_list {
	struct identity_token *items;
	size_t nr;
};
int identity_tokens_list(struct store *st, struct identity_token_list *ret, struct strbuf *err);
void identity_token_list_release(struct identity_token_list *l);

/*
 * IC cards (the profile's iccard register, MIN-5-5-6): a TLS client certificate logs login in
 * when the card whose card_id is serial (the certificate's serial number in hex, as `openssl
 * x509 -serial` prints it; case does not matter) is held by login and is active (利用中). 1 when
 * it is; 0 when not, with why saying which for the server's log (no such card, another
 * person's, reported lost: 利用停止, returned, disposed); -errno on a store error.
 */
int identity_iccard_check(struct store *st, const char *login, const char *serial,
                          struct strbuf *why, struct strbuf *err);

#endif
