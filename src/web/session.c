/* session: browser sessions, CSRF tokens, login throttling and API tokens of the web. */
#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "auth/token.h"
#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/identity.h"
#include "core/org.h"
#include "core/secret.h"
#include "core/sessions.h"
#include "store/store.h"
#include "core/core.h"
#include "web/api-memo.h"
#include "web/clientcert.h"
#include "web/session.h"
#include "web/token-use.h"

/* The server's CSRF key, read once at start (web_session_setup): DIR/web.secret on SQLite, the
 * database's secret 'web' on PostgreSQL (every node of the ward the same; core/secret.h). */
static unsigned char csrf_key[crypto_auth_hmacsha256_KEYBYTES];
_Static_assert(sizeof(csrf_key) == SECRET_WEB_LEN, "the web's key is HMAC-SHA256's");

int web_session_setup(const char *dir, struct strbuf *err)
{
	struct store *st = NULL;
	int r;

	if (sodium_init() < 0) {
		error_set(err, "cannot start libsodium");
		return -EIO;
	}
	r = store_open(dir, STORE_ANY_BACKEND, &st, err);
	if (r < 0)
		return r;
	r = secret_load(st, dir, SECRET_WEB, WEB_SECRET_FILE, csrf_key, sizeof(csrf_key), err);
	if (r == 0)
		r = sessions_check(st, err);
	store_close(st);
	return r;
}

/*
 * struct web_user as web_user_free and web_user_dup know it: every field that owns memory is
 * freed and duplicated by name, the rest copied whole. A field added to struct web_user changes
 * its size (a pointer cannot hide in the padding after the two bools) and fails the assert below
 * until it is handled in both and added here.
 */
struct web_user_known {
	int64_t id;
	char *login, *name, *section, *employment;
	bool must_change, admin;
	char **roles;
	size_t n_roles;
	int64_t roles_until_ms;
};
_Static_assert(sizeof(struct web_user) == sizeof(struct web_user_known),
               "a field added to struct web_user: free it in web_user_free, copy it in "
               "web_user_dup, then add it to struct web_user_known");

void web_user_free(struct web_user *u)
{
	if (!u)
		return;
	free(u->login);
	free(u->name);
	free(u->section);
	free(u->employment);
	for (size_t i = 0; i < u->n_roles; i++)
		free(u->roles[i]);
	free(u->roles);
	free(u);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct web_user *web_user_dup(const struct web_user *u)
{
	struct web_user *c = xcalloc(1, sizeof(*c));

	*c = *u;
	c->login = dup_or_null(u->login);
	c->name = dup_or_null(u->name);
	c->section = dup_or_null(u->section);
	c->employment = dup_or_null(u->employment);
	c->roles = u->n_roles ? xcalloc(u->n_roles, sizeof(*c->roles)) : NULL;
	for (size_t i = 0; i < u->n_roles; i++)
		c->roles[i] = xstrdup(u->roles[i]);
	return c;
}

int web_user_load(struct store *st, int64_t id, struct web_user **ret, struct strbuf *err)
{
	struct org_user ou = { 0 };
	struct strv roles = STRV_INIT;
	struct web_user *u;
	int64_t now, until = INT64_MAX;
	int r;

	now = time_now_ms();
	r = org_user_with_roles(st, NULL, id, now, &ou, &roles, &until, err);
	if (r == 0 && strcmp(ou.status, USER_ACTIVE)) {
		error_set(err, "user '%s' is %s", ou.login, ou.status);
		r = -EPERM;
	}
	if (r < 0) {
		strv_release(&roles);
		org_user_release(&ou);
		return r;
	}
	u = xcalloc(1, sizeof(*u));
	u->id = ou.id;
	u->login = xstrdup(ou.login);
	u->name = xstrdup(ou.name);
	u->section = ou.section ? xstrdup(ou.section) : NULL;
	u->employment = ou.employment ? xstrdup(ou.employment) : NULL;
	u->must_change = ou.must_change;
	u->roles = roles.items;
	u->n_roles = roles.nr;
	u->roles_until_ms = until;
	for (size_t i = 0; i < u->n_roles; i++)
		if (!strncmp(u->roles[i], ROLE_MAMORI_ADMIN "@", sizeof(ROLE_MAMORI_ADMIN)))
			u->admin = true;
	org_user_release(&ou);
	*ret = u;
	return 0;
}

bool web_user_has_role(const struct web_user *u, const char *role, const char *scope)
{
	size_t rl = strlen(role);

	if (!u)
		return false;
	for (size_t i = 0; i < u->n_roles; i++) {
		const char *s = u->roles[i];
		if (strncmp(s, role, rl) || s[rl] != '@')
			continue;
		if (!scope || !strcmp(s + rl + 1, scope))
			return true;
	}
	return false;
}

void web_cookie_attrs(const struct web_req *r, struct strbuf *out)
{
	strbuf_addstr(out, "; Path=/; HttpOnly; SameSite=Strict");
	if (r->tls)
		strbuf_addstr(out, "; Secure");
}

static const char *session_cookie(const struct web_req *r)
{
	return r->tls ? WEB_COOKIE_SESSION_TLS : WEB_COOKIE_SESSION;
}

static const char *pre_cookie(const struct web_req *r)
{
	return r->tls ? WEB_COOKIE_PRE_TLS : WEB_COOKIE_PRE;
}

static void set_cookie(struct web_req *r, const char *name, const char *value, bool clear)
{
	struct strbuf sb = STRBUF_INIT_SECRET;

	strbuf_addf(&sb, "%s=%s", name, clear ? "" : value);
	web_cookie_attrs(r, &sb);
	if (clear)
		strbuf_addstr(&sb, "; Max-Age=0");
	web_header_add(r, "Set-Cookie", sb.buf);
	strbuf_release_secret(&sb);
}

/* A session started with an IC card: the same card on this connection, still active. */
static bool card_still_good(struct web_req *r, const char *card)
{
	char login[CORE_MAX_ID + 1], serial[WEB_CARD_SERIAL_MAX];
	struct strbuf why = STRBUF_INIT, err = STRBUF_INIT;
	bool good = web_client_cert(r, login, sizeof(login), serial, &why) == 1 &&
	            !strcmp(serial, card) && !strcmp(login, r->user->login) &&
	            identity_iccard_check(r->st, login, serial, &why, &err) == 1;

	if (!good)
		web_log(r, "IC card session of '%s' ended: %s%s", r->user->login,
		        why.len ? why.buf : "another card", err.buf);
	strbuf_release(&why);
	strbuf_release(&err);
	return good;
}

int web_session_load(struct web_req *r, struct strbuf *err)
{
	const char *tok = web_params_get(&r->cookies, session_cookie(r));
	char digest[TOKEN_DIGEST_HEX_SIZE];
	int64_t now = time_now_ms(), user_id, created, seen;
	struct session_row row;
	const char *stage, *card;
	int ret;

	if (!tok || !token_valid(tok, TOKEN_BASE64URL)) {
		if (tok)
			set_cookie(r, session_cookie(r), NULL, true);
		return 0;
	}
	token_digest_hex(tok, digest);
	ret = sessions_find(r->st, digest, &row, err);
	if (ret < 0)
		return ret;
	if (ret == 0) {
		set_cookie(r, session_cookie(r), NULL, true);
		return 0;
	}
	user_id = row.user_id;
	created = row.created_ms;
	seen = row.seen_ms;
	stage = row.stage;
	card = row.card_serial;

	/* A session waiting for its second factor lasts WEB_PENDING_MS and opens nothing but
	 * /login/totp: r->user stays NULL. */
	if (strcmp(stage, WEB_STAGE_FULL)) {
		if (now - created > WEB_PENDING_MS ||
		    (strcmp(stage, WEB_STAGE_TOTP) && strcmp(stage, WEB_STAGE_ENROL))) {
			set_cookie(r, session_cookie(r), NULL, true);
			return sessions_delete(r->st, digest, err);
		}
		r->pending_user_id = user_id;
		snprintf(r->pending_stage, sizeof(r->pending_stage), "%s", stage);
		snprintf(r->session_token, sizeof(r->session_token), "%s", tok);
		return 0;
	}
	if (now - seen > r->cfg->idle_timeout_ms || now - created > r->cfg->absolute_timeout_ms) {
		set_cookie(r, session_cookie(r), NULL, true);
		return sessions_delete(r->st, digest, err);
	}
	ret = web_user_load(r->st, user_id, &r->user, err);
	if (ret == -ENOENT || ret == -EPERM) {
		/* Suspended or retired: every session of theirs ends now (MIN-5-5-6-2). */
		set_cookie(r, session_cookie(r), NULL, true);
		return web_sessions_end_user(r->st, user_id, NULL, err);
	}
	if (ret < 0)
		return ret;
	if (card[0] && !card_still_good(r, card)) {
		/* the card is not on this connection, or it was reported lost: the session ends */
		web_user_free(r->user);
		r->user = NULL;
		set_cookie(r, session_cookie(r), NULL, true);
		return sessions_delete(r->st, digest, err);
	}
	snprintf(r->session_token, sizeof(r->session_token), "%s", tok);
	/* Refreshed often enough that a short idle timeout never ends a session in use: at
	 * most once a minute, and at least twenty times per idle timeout. */
	if (now - seen >
	    (r->cfg->idle_timeout_ms / 20 < 60000 ? r->cfg->idle_timeout_ms / 20 : 60000)) {
		if ((ret = sessions_touch(r->st, digest, now, err)) < 0)
			return ret;
	}
	return 0;
}

int web_session_start_stage(struct web_req *r, int64_t user_id, const char *stage,
                            struct strbuf *err)
{
	return web_session_start_card(r, user_id, stage, NULL, err);
}

int web_session_start_card(struct web_req *r, int64_t user_id, const char *stage,
                           const char *card_serial, struct strbuf *err)
{
	char tok[TOKEN_MAX_SIZE], digest[TOKEN_DIGEST_HEX_SIZE];
	int64_t now = time_now_ms();
	int rc;

	if (token_generate(TOKEN_BASE64URL, tok) < 0) {
		error_set(err, "cannot draw a session token");
		return -EIO;
	}
	token_digest_hex(tok, digest);
	/* Sessions nobody came back to are forgotten here, at each login. */
	if (sessions_forget(r->st, now - r->cfg->idle_timeout_ms, now - r->cfg->absolute_timeout_ms,
	                    err) < 0)
		web_log(r, "cannot forget old sessions: %s", err->buf);
	strbuf_reset(err);
	rc = sessions_add(r->st, digest, user_id, now, r->remote, stage, card_serial, err);
	if (rc < 0) {
		sodium_memzero(tok, sizeof(tok));
		return rc;
	}
	set_cookie(r, session_cookie(r), tok, false);
	/* The pre-session cookie has done its job (the login form's CSRF token). */
	if (web_params_get(&r->cookies, pre_cookie(r)))
		set_cookie(r, pre_cookie(r), NULL, true);
	snprintf(r->session_token, sizeof(r->session_token), "%s", tok);
	r->csrf[0] = '\0'; /* forms of this response carry the new session's token */
	sodium_memzero(tok, sizeof(tok));
	if (strcmp(stage, WEB_STAGE_FULL)) {
		r->pending_user_id = user_id;
		snprintf(r->pending_stage, sizeof(r->pending_stage), "%s", stage);
	}
	return 0;
}

int web_session_start(struct web_req *r, int64_t user_id, struct strbuf *err)
{
	return web_session_start_stage(r, user_id, WEB_STAGE_FULL, err);
}

int web_session_promote(struct web_req *r, struct strbuf *err)
{
	char digest[TOKEN_DIGEST_HEX_SIZE];
	int64_t user_id = r->pending_user_id;
	int ret;

	/* A new token for the full session: the pending one never becomes a login. */
	if (r->session_token[0]) {
		token_digest_hex(r->session_token, digest);
		if ((ret = sessions_delete(r->st, digest, err)) < 0)
			return ret;
	}
	r->pending_user_id = 0;
	r->pending_stage[0] = '\0';
	if ((ret = web_sessions_end_user(r->st, user_id, NULL, err)) < 0 ||
	    (ret = web_session_start(r, user_id, err)) < 0)
		return ret;
	return web_user_load(r->st, user_id, &r->user, err);
}

int web_session_pending_secret(struct web_req *r, struct strbuf *sealed, bool set,
                               struct strbuf *err)
{
	char digest[TOKEN_DIGEST_HEX_SIZE];

	if (!r->session_token[0] || !r->pending_user_id) {
		error_set(err, "no session waits for its second factor");
		return -ENOENT;
	}
	token_digest_hex(r->session_token, digest);
	if (set)
		return sessions_pending_secret_set(r->st, digest, sealed->buf, sealed->len, err);
	return sessions_pending_secret_get(r->st, digest, sealed, err);
}

void web_session_end(struct web_req *r)
{
	char digest[TOKEN_DIGEST_HEX_SIZE];
	struct strbuf err = STRBUF_INIT;

	set_cookie(r, session_cookie(r), NULL, true);
	if (!r->session_token[0])
		return;
	token_digest_hex(r->session_token, digest);
	if (sessions_delete(r->st, digest, &err) < 0)
		web_log(r, "cannot end a session: %s", err.buf);
	sodium_memzero(r->session_token, sizeof(r->session_token));
	strbuf_release(&err);
}

int web_session_password_failed(struct web_req *r, int64_t *ret_count, struct strbuf *err)
{
	char digest[TOKEN_DIGEST_HEX_SIZE];

	token_digest_hex(r->session_token, digest);
	return sessions_password_failed(r->st, digest, WEB_PASSWORD_TRIES, ret_count, err);
}

int web_sessions_end_user(struct store *st, int64_t user_id, const char *except_token,
                          struct strbuf *err)
{
	char digest[TOKEN_DIGEST_HEX_SIZE] = "";

	if (except_token && *except_token)
		token_digest_hex(except_token, digest);
	return sessions_end_user(st, user_id, digest, err);
}

/* HMAC-SHA256 under the server's key: without DIR/web.secret nobody computes a token from a
 * cookie, not even a script that could plant one (the pre-session cookie has no prefix). */
static void csrf_derive(const char *token, char out[48])
{
	static const char tag[] = "mamori-csrf-v2";
	unsigned char h[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state s;

	crypto_auth_hmacsha256_init(&s, csrf_key, sizeof(csrf_key));
	crypto_auth_hmacsha256_update(&s, (const unsigned char *)tag, sizeof(tag)); /* with NUL */
	crypto_auth_hmacsha256_update(&s, (const unsigned char *)token, strlen(token));
	crypto_auth_hmacsha256_final(&s, h);
	sodium_bin2base64(out, 48, h, 24, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(h, sizeof(h));
}

void web_secret_key(const char *label, unsigned char key[32])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, csrf_key, sizeof(csrf_key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)label, strlen(label) + 1);
	crypto_auth_hmacsha256_final(&st, key);
	sodium_memzero(&st, sizeof(st));
}

void web_csrf_prepare(struct web_req *r)
{
	const char *pre;
	char tok[TOKEN_MAX_SIZE];

	if (r->csrf[0])
		return;
	if (r->session_token[0]) {
		csrf_derive(r->session_token, r->csrf);
		return;
	}
	pre = web_params_get(&r->cookies, pre_cookie(r));
	if (pre && token_valid(pre, TOKEN_BASE64URL)) {
		csrf_derive(pre, r->csrf);
		return;
	}
	if (token_generate(TOKEN_BASE64URL, tok) < 0)
		return; /* no token: the form will be refused, never accepted */
	set_cookie(r, pre_cookie(r), tok, false);
	csrf_derive(tok, r->csrf);
	sodium_memzero(tok, sizeof(tok));
}

bool web_csrf_check(struct web_req *r)
{
	const char *given = web_form(r, "csrf");
	size_t n;

	web_csrf_prepare(r);
	n = strlen(r->csrf);
	if (!given || !n || strlen(given) != n)
		return false;
	return sodium_memcmp(given, r->csrf, n) == 0;
}

/*
 * A door-only call with this worker's memo of the token reads nothing here: the door reads the
 * stamp in the act's own transaction (web_act), and a stamp that moved runs the call again
 * from its authentication (identity_fresh). Read here, in a snapshot begun after the door's
 * last commit, the stamp alone cost ~8% of the server's CPU per API act (issue 17). True when
 * deferred so; false to read, with *claimed when this call is the one to note the token's use
 * (web/token-use.h), which is noted only after a read that found the token live.
 */
static bool api_deferred(struct web_req *r, struct web_api_memo *memo, const char *digest,
                         int64_t now, bool *claimed)
{
	int64_t id = 0, last = 0;

	if (!memo || !r->door_only || r->identity_fresh ||
	    !web_api_memo_get(memo, digest, WEB_API_MEMO_ANY_STAMP, now, &r->user, &id,
	                      r->api_scope, &last))
		return false;
	if (web_token_use_claim(id, last, now)) {
		*claimed = true;
		web_user_free(r->user);
		r->user = NULL;
		return false;
	}
	r->identity_deferred = true;
	r->identity_stamp = memo->stamp;
	r->api_token_id = id;
	return true;
}

int web_api_authenticate(struct web_req *r, struct strbuf *err)
{
	const char *h = NULL;
	char digest[TOKEN_DIGEST_HEX_SIZE];
	int64_t now = time_now_ms(), id = 0, user_id = 0, last = 0, stamp = -1;
	struct web_api_memo *memo;
	bool claimed = false;
	int ret;

	h = r->authorization;
	if (!h || strncasecmp(h, "Bearer ", 7))
		return -EACCES;
	h += 7;
	while (*h == ' ')
		h++;
	if (!token_valid(h, TOKEN_BASE64URL))
		return -EACCES;
	token_digest_hex(h, digest);
	memo = web_thread_api_memo(r);
	if (api_deferred(r, memo, digest, now, &claimed)) {
		ret = 0;
		goto out;
	}
	/*
	 * The identity stamp first, in the request's snapshot (web_thread_resources holds it for
	 * an API call, a door-only one from here): a worker's memo of this token's identity is used
	 * only at the stamp it was read at, so a change of users, roles or tokens by anyone drops
	 * it (web/api-memo.h).
	 */
	if (r->door_only && store_hold_read(r->st, err) < 0) {
		ret = -EIO;
		goto out;
	}
	ret = memo ? identity_stamp(r->st, &stamp, err) : 0;
	if (ret < 0)
		goto out;
	/* no stamp (nothing to check a memo against), or another: read again, kept if live */
	if (memo && (ret == 0 || stamp != memo->stamp))
		web_api_memo_clear(memo);
	if (ret > 0 &&
	    web_api_memo_get(memo, digest, stamp, now, &r->user, &id, r->api_scope, &last))
		goto used;
	ret = identity_token_find(r->st, digest, &id, &user_id, r->api_scope, &last, err);
	if (ret <= 0) {
		ret = ret == 0 ? -EACCES : ret;
		goto out;
	}
	ret = web_user_load(r->st, user_id, &r->user, err);
	if (ret == -ENOENT || ret == -EPERM)
		ret = -EACCES;
	if (ret < 0)
		goto out;
	if (memo && stamp >= 0)
		web_api_memo_put(memo, digest, stamp, r->user, id, r->api_scope, last);
used:
	r->api_token_id = id;
	ret = 0;
	if ((claimed && now - last > WEB_TOKEN_USE_MS) || web_token_use_claim(id, last, now)) {
		ret = identity_token_used(r->st, id, now, err);
		if (ret == 0 && memo && memo->set && memo->token_id == id)
			memo->last_used_ms = now;
	}
out:
	sodium_memzero(digest, sizeof(digest));
	return ret;
}
