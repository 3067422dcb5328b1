/* session: browser sessions, CSRF tokens, login throttling and API tokens of the web. */
#ifndef MAMORI_WEB_SESSION_H
#define MAMORI_WEB_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/secret.h"
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

/* Wrong current passwords in one session (POST /password) before the session ends. */
#define WEB_PASSWORD_TRIES 5

/* Session timeouts when `mamori serve` is not told otherwise. */
#define WEB_IDLE_TIMEOUT_MS     (30 * 60 * 1000LL)
#define WEB_ABSOLUTE_TIMEOUT_MS (10 * 60 * 60 * 1000LL)

/* The server's secret for CSRF tokens, made at first start: beside a SQLite database (0600), in
 * a PostgreSQL store's table secrets (core/secret.h), where every node finds it. */
#define WEB_SECRET_FILE SECRET_WEB_FILE

/* Checks the web's tables exist (the migration ran) and loads the CSRF key before serving. */
int web_session_setup(const char *dir, struct strbuf *err);

/* Loads a user with the roles held now; -ENOENT when not there. */
int web_user_load(struct store *st, int64_t id, struct web_user **ret, struct strbuf *err);
void web_user_free(struct web_user *u);
/* A deep copy of u (web_user_free). */
struct web_user *web_user_dup(const struct web_user *u);
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
 * API tokens: "Authorization: Bearer <token>". Sets r->user and r->api_token_id when the
 * token is live and its user active. Returns 0 (authenticated), -EACCES (missing, unknown
 * or revoked token) or a store error.
 */
int web_api_authenticate(struct web_req *r, struct strbuf *err);

/* The cookie attributes for this request ("; Path=/; HttpOnly; SameSite=Strict[; Secure]"). */
void web_cookie_attrs(const struct web_req *r, struct strbuf *out);

#endif
