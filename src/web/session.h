/* session: browser sessions, CSRF tokens, login throttling and API tokens of the web. */
#ifndef MAMORI_WEB_SESSION_H
#define MAMORI_WEB_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "web/web.h"

/*
 * Cookies. With TLS the session cookie carries the __Host- prefix, so the
 * browser sends it only over HTTPS to this exact host (RFC 6265bis 4.1.3.2);
 * browsers refuse such a cookie without Secure, so over plain HTTP (a
 * loopback address for trying Mamori out) the name has no prefix.
 */
#define WEB_COOKIE_SESSION_TLS "__Host-mamori_session"
#define WEB_COOKIE_SESSION     "mamori_session"
#define WEB_COOKIE_PRE_TLS     "__Host-mamori_pre"
#define WEB_COOKIE_PRE         "mamori_pre"
#define WEB_COOKIE_LANG        "mamori_lang"

/* Login throttling (ASVS 6.3.1): from the WEB_LOCK_AFTER-th consecutive failure on, a
 * login waits WEB_LOCK_BASE_MS, doubling with each further failure, at most WEB_LOCK_MAX_MS
 * (capped low enough that locking someone out on purpose costs the attacker effort). */
#define WEB_LOCK_AFTER   5
#define WEB_LOCK_BASE_MS (30 * 1000LL)
#define WEB_LOCK_MAX_MS  (15 * 60 * 1000LL)
/* A client address is locked for WEB_ADDR_LOCK_MS once WEB_ADDR_LOCK_AFTER different logins
 * failed from it within WEB_ADDR_FORGET_MS (a spray; one person's typos behind a ward's proxy
 * count once). Logins that succeeded from the address within WEB_KNOWN_MS may still try, and
 * any success from the address lifts its lock. */
#define WEB_ADDR_LOCK_AFTER 30
#define WEB_ADDR_LOCK_MS    (15 * 60 * 1000LL)
#define WEB_ADDR_FORGET_MS  (60 * 60 * 1000LL)
#define WEB_KNOWN_MS        (90 * 24 * 3600 * 1000LL)
/* Unauthenticated failures reach the ledger at most once per this per login and per address. */
#define WEB_AUDIT_EVERY_MS (60 * 1000LL)
/* Wrong current passwords in one session (POST /password) before the session ends. */
#define WEB_PASSWORD_TRIES 5
/* Rows kept for logins nobody has; beyond this only the address counts them. */
#define WEB_THROTTLE_MAX_UNKNOWN 1024

/* Session timeouts when `mamori serve` is not told otherwise. */
#define WEB_IDLE_TIMEOUT_MS     (30 * 60 * 1000LL)
#define WEB_ABSOLUTE_TIMEOUT_MS (10 * 60 * 60 * 1000LL)

/* The server's secret for CSRF tokens, beside the database (0600, made at first start). */
#define WEB_SECRET_FILE "web.secret"

/* Checks the web's tables exist (the migration ran) and loads the CSRF key before serving. */
int web_session_setup(const char *dir, struct strbuf *err);

/* Loads a user with the roles held now; -ENOENT when not there. */
int web_user_load(struct store *st, int64_t id, struct web_user **ret, struct strbuf *err);
void web_user_free(struct web_user *u);
/* True when the user holds role at scope (scope NULL: at any scope). */
bool web_user_has_role(const struct web_user *u, const char *role, const char *scope);

/*
 * Reads the session cookie: when it names a live session of an active user, sets r->user
 * and r->session_token. An expired session is deleted and the cookie cleared. Returns 0,
 * or a store error.
 */
int web_session_load(struct web_req *r, struct strbuf *err);
/* A new session (a new token: never one the browser had before) with its cookie. */
int web_session_start(struct web_req *r, int64_t user_id, struct strbuf *err);
/*
 * Session stages (web_sessions.stage): full, or waiting for the second factor after a right
 * password: totp (a code is asked) or enrol (the authenticator is being set up). A waiting
 * session sets r->pending_user_id and r->pending_stage, never r->user, so it opens nothing
 * but /login/totp (and /logout); it ends WEB_PENDING_MS after the password.
 */
#define WEB_STAGE_FULL  "full"
#define WEB_STAGE_TOTP  "totp"
#define WEB_STAGE_ENROL "enrol"
#define WEB_PENDING_MS  (5 * 60 * 1000LL)
/* The same for a login with an IC card: the session stays bound to the card whose serial is
 * card_serial (web/clientcert.h): each request must bring it, and it must stay active. */
int web_session_start_card(struct web_req *r, int64_t user_id, const char *stage,
                           const char *card_serial, struct strbuf *err);
int web_session_start_stage(struct web_req *r, int64_t user_id, const char *stage,
                            struct strbuf *err);
/* The second factor was given: the waiting session ends and a full one (a new token)
 * starts; the person's other sessions end; r->user is loaded. */
int web_session_promote(struct web_req *r, struct strbuf *err);
/* The sealed secret an enrolment shows (set) or checks (get: appended to sealed, empty
 * when none was drawn yet), kept on the waiting session. */
int web_session_pending_secret(struct web_req *r, struct strbuf *sealed, bool set,
                               struct strbuf *err);
/* Ends this request's session (logout) and clears the cookie. */
void web_session_end(struct web_req *r);
/* Counts a wrong current password typed in this session; ret_count: how many so far. */
int web_session_password_failed(struct web_req *r, int64_t *ret_count, struct strbuf *err);
/* Ends every session of a user (suspension, password change elsewhere). */
int web_sessions_end_user(struct store *st, int64_t user_id, const char *except_token,
                          struct strbuf *err);

/*
 * CSRF: the token forms carry is derived from the session token (or, before login, from a
 * random pre-session cookie set here), as HMAC-SHA256(DIR/web.secret, "mamori-csrf-v2" 0
 * token): a page of another site can neither read the cookie nor compute the token, and
 * knowing a cookie (one it managed to plant) is not enough without the server's secret.
 */
void web_csrf_prepare(struct web_req *r);
/* A 32-byte key for label derived from DIR/web.secret (HMAC-SHA256): what the server seals
 * with (the TOTP secrets), so a copy of the database alone opens nothing. */
void web_secret_key(const char *label, unsigned char key[32]);
/* True when the form's "csrf" field matches (constant-time). */
bool web_csrf_check(struct web_req *r);

/*
 * Throttling. web_throttle_wait gives how long the login must still wait (0: may try).
 * web_throttle_fail counts a failure and returns the new wait; web_throttle_clear forgets.
 */
/*
 * web_throttle_reserve checks and counts an attempt in one transaction, before the password
 * is verified, so parallel guesses cannot slip past the lock: 1 when the login or the client
 * address is locked (ret_wait_ms: how long still; nothing counted), 0 when the attempt may
 * go on and is counted as a failure (ret_wait_ms: the lock that failure imposes,
 * ret_failures: the login's count). web_throttle_ok takes it back after a right password.
 */
int web_throttle_reserve(struct store *st, const char *login, bool known, const char *remote,
                         int64_t now, int64_t *ret_wait_ms, int64_t *ret_failures,
                         struct strbuf *err);
int web_throttle_ok(struct store *st, const char *login, const char *remote, struct strbuf *err);

/* The locks in force, for the administrator (key: a login, "?typed" for a login nobody has,
 * "@address"; failures: the login's, or the number of different logins for an address). */
struct web_lock {
	char *key;
	bool address;
	int64_t failures, last_ms, until_ms;
};
int web_locks_list(struct store *st, int64_t now, struct web_lock **ret, size_t *ret_nr,
                   struct strbuf *err);
void web_locks_free(struct web_lock *v, size_t nr);
/* Lifts a lock (and forgets its failures) by its key as listed. */
int web_lock_lift(struct store *st, const char *key, struct strbuf *err);

/*
 * Aggregation of unauthenticated failures (web_audit_failure): counts one for each key (the
 * login's 'L:' key and the address's 'A:' key) inside the caller's transaction; ret_due is
 * true when neither had a ledger entry in the last WEB_AUDIT_EVERY_MS (then the counts are
 * reset and ret_counts are how many the entry stands for).
 */
int web_audit_pending_step(struct store *st, const char *const keys[2], int64_t now, bool *ret_due,
                           int64_t ret_counts[2], struct strbuf *err);

/*
 * API tokens: "Authorization: Bearer <token>". Sets r->user and r->api_token_id when the
 * token is live and its user active. Returns 0 (authenticated), -EACCES (missing, unknown
 * or revoked token) or a store error.
 */
int web_api_authenticate(struct web_req *r, struct strbuf *err);

/* The cookie attributes for this request ("; Path=/; HttpOnly; SameSite=Strict[; Secure]"). */
void web_cookie_attrs(const struct web_req *r, struct strbuf *out);

#endif
