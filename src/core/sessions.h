/* sessions: the web's browser sessions as stored (web_sessions), by the digest of their token. */
#ifndef MAMORI_CORE_SESSIONS_H
#define MAMORI_CORE_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "store/store.h"

/*
 * web/session.c keeps the cookies, tokens and timeouts; the rows are read and written here
 * (schema/0004-web.sql and the columns 0007, 0014 and 0020 added). A session is found by the
 * hex SHA-256 of its cookie's token (auth/token.h token_digest_hex): the token itself is never
 * stored. None of this goes through the door: sessions are not domain data and not in the
 * ledger (a login is, by the web's act).
 */
struct session_row {
	int64_t user_id;
	int64_t created_ms, seen_ms;
	char stage[8];        /* "full", or the second factor it waits for ("totp", "enrol") */
	char card_serial[72]; /* the IC card's certificate serial (hex), "" when none */
};

/* Checks the table is there (the web's migrations ran). */
int sessions_check(struct store *st, struct strbuf *err);
/* 1 with row set, 0 when no session has this digest, or a negative errno. */
int sessions_find(struct store *st, const char *digest, struct session_row *row,
                  struct strbuf *err);
/* A new session (card_serial NULL: none). */
int sessions_add(struct store *st, const char *digest, int64_t user_id, int64_t now,
                 const char *remote, const char *stage, const char *card_serial,
                 struct strbuf *err);
int sessions_touch(struct store *st, const char *digest, int64_t now, struct strbuf *err);
int sessions_delete(struct store *st, const char *digest, struct strbuf *err);
/* Forgets sessions last seen before seen_before or begun before created_before. */
int sessions_forget(struct store *st, int64_t seen_before, int64_t created_before,
                    struct strbuf *err);
/* Ends every session of the user but the one with except_digest ("" or NULL: all). */
int sessions_end_user(struct store *st, int64_t user_id, const char *except_digest,
                      struct strbuf *err);
/* The sealed secret of a session enrolling its second factor: set, or appended to sealed. */
int sessions_pending_secret_set(struct store *st, const char *digest, const void *sealed,
                                size_t len, struct strbuf *err);
int sessions_pending_secret_get(struct store *st, const char *digest, struct strbuf *sealed,
                                struct strbuf *err);
/*
 * Counts one more wrong current password in the session; ret_count is the new count, or
 * fallback when the session is gone.
 */
int sessions_password_failed(struct store *st, const char *digest, int64_t fallback,
                             int64_t *ret_count, struct strbuf *err);

#endif
