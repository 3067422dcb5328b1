/* session: browser sessions, CSRF tokens, login throttling and API tokens of the web. */
#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "auth/token.h"
#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/org.h"
#include "store/store.h"
#include "web/session.h"

int web_session_setup(const char *dir, struct strbuf *err)
{
	struct store *st = NULL;
	sqlite3_stmt *q;
	int r;

	if (sodium_init() < 0) {
		error_set(err, "cannot start libsodium");
		return -EIO;
	}
	r = store_open(dir, 0, &st, err);
	if (r < 0)
		return r;
	q = store_prepare(st, "SELECT count(*) FROM web_sessions", err);
	if (!q)
		r = -EPROTO;
	store_close(st);
	return r;
}

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

int web_user_load(struct store *st, int64_t id, struct web_user **ret, struct strbuf *err)
{
	struct org_user ou = { 0 };
	struct strv roles = STRV_INIT;
	struct web_user *u;
	int r;

	r = org_user_get_id(st, id, &ou, err);
	if (r < 0)
		return r;
	if (strcmp(ou.status, USER_ACTIVE)) {
		error_set(err, "user '%s' is %s", ou.login, ou.status);
		org_user_release(&ou);
		return -EPERM;
	}
	r = org_user_roles(st, id, time_now_ms(), &roles, err);
	if (r < 0) {
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
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s=%s", name, clear ? "" : value);
	web_cookie_attrs(r, &sb);
	if (clear)
		strbuf_addstr(&sb, "; Max-Age=0");
	web_header_add(r, "Set-Cookie", sb.buf);
	strbuf_release_secret(&sb);
}

int web_session_load(struct web_req *r, struct strbuf *err)
{
	const char *tok = web_params_get(&r->cookies, session_cookie(r));
	char digest[TOKEN_DIGEST_HEX_SIZE];
	int64_t now = time_now_ms(), user_id, created, seen;
	sqlite3_stmt *q;
	int rc, ret;

	if (!tok || !token_valid(tok, TOKEN_BASE64URL)) {
		if (tok)
			set_cookie(r, session_cookie(r), NULL, true);
		return 0;
	}
	token_digest_hex(tok, digest);
	q = store_prepare(r->st,
	                  "SELECT user_id, created_ms, seen_ms FROM web_sessions "
	                  "WHERE token_sha256 = ?",
	                  err);
	if (!q)
		return -EIO;
	sqlite3_bind_text(q, 1, digest, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		set_cookie(r, session_cookie(r), NULL, true);
		return 0;
	}
	if (rc != SQLITE_ROW)
		return store_error(r->st, rc, "reading a session", err);
	user_id = sqlite3_column_int64(q, 0);
	created = sqlite3_column_int64(q, 1);
	seen = sqlite3_column_int64(q, 2);
	sqlite3_reset(q);

	if (now - seen > r->cfg->idle_timeout_ms || now - created > r->cfg->absolute_timeout_ms) {
		q = store_prepare(r->st, "DELETE FROM web_sessions WHERE token_sha256 = ?", err);
		if (!q)
			return -EIO;
		sqlite3_bind_text(q, 1, digest, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
		set_cookie(r, session_cookie(r), NULL, true);
		return rc == SQLITE_DONE ? 0 : store_error(r->st, rc, "ending a session", err);
	}
	ret = web_user_load(r->st, user_id, &r->user, err);
	if (ret == -ENOENT || ret == -EPERM) {
		/* Suspended or retired: every session of theirs ends now (MIN-5-5-6-2). */
		set_cookie(r, session_cookie(r), NULL, true);
		return web_sessions_end_user(r->st, user_id, NULL, err);
	}
	if (ret < 0)
		return ret;
	snprintf(r->session_token, sizeof(r->session_token), "%s", tok);
	if (now - seen > 60 * 1000) {
		q = store_prepare(
		    r->st, "UPDATE web_sessions SET seen_ms = ? WHERE token_sha256 = ?", err);
		if (!q)
			return -EIO;
		sqlite3_bind_int64(q, 1, now);
		sqlite3_bind_text(q, 2, digest, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
		if (rc != SQLITE_DONE)
			return store_error(r->st, rc, "refreshing a session", err);
	}
	return 0;
}

int web_session_start(struct web_req *r, int64_t user_id, struct strbuf *err)
{
	char tok[TOKEN_MAX_SIZE], digest[TOKEN_DIGEST_HEX_SIZE];
	int64_t now = time_now_ms();
	sqlite3_stmt *q;
	int rc;

	if (token_generate(TOKEN_BASE64URL, tok) < 0) {
		error_set(err, "cannot draw a session token");
		return -EIO;
	}
	token_digest_hex(tok, digest);
	/* Sessions nobody came back to are forgotten here, at each login. */
	q = store_prepare(r->st, "DELETE FROM web_sessions WHERE seen_ms < ? OR created_ms < ?",
	                  err);
	if (q) {
		sqlite3_bind_int64(q, 1, now - r->cfg->idle_timeout_ms);
		sqlite3_bind_int64(q, 2, now - r->cfg->absolute_timeout_ms);
		(void)sqlite3_step(q);
		sqlite3_reset(q);
	}
	q = store_prepare(r->st,
	                  "INSERT INTO web_sessions(token_sha256, user_id, created_ms, seen_ms, "
	                  "remote) VALUES (?, ?, ?, ?, ?)",
	                  err);
	if (!q) {
		sodium_memzero(tok, sizeof(tok));
		return -EIO;
	}
	sqlite3_bind_text(q, 1, digest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, user_id);
	sqlite3_bind_int64(q, 3, now);
	sqlite3_bind_int64(q, 4, now);
	sqlite3_bind_text(q, 5, r->remote, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		sodium_memzero(tok, sizeof(tok));
		return store_error(r->st, rc, "starting a session", err);
	}
	set_cookie(r, session_cookie(r), tok, false);
	/* The pre-session cookie has done its job (the login form's CSRF token). */
	if (web_params_get(&r->cookies, pre_cookie(r)))
		set_cookie(r, pre_cookie(r), NULL, true);
	snprintf(r->session_token, sizeof(r->session_token), "%s", tok);
	r->csrf[0] = '\0'; /* forms of this response carry the new session's token */
	sodium_memzero(tok, sizeof(tok));
	return 0;
}

void web_session_end(struct web_req *r)
{
	char digest[TOKEN_DIGEST_HEX_SIZE];
	struct strbuf err = STRBUF_INIT;
	sqlite3_stmt *q;

	set_cookie(r, session_cookie(r), NULL, true);
	if (!r->session_token[0])
		return;
	token_digest_hex(r->session_token, digest);
	q = store_prepare(r->st, "DELETE FROM web_sessions WHERE token_sha256 = ?", &err);
	if (q) {
		sqlite3_bind_text(q, 1, digest, -1, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_DONE)
			web_log(r, "cannot end a session: %s", sqlite3_errmsg(store_db(r->st)));
		sqlite3_reset(q);
	} else {
		web_log(r, "cannot end a session: %s", err.buf);
	}
	sodium_memzero(r->session_token, sizeof(r->session_token));
	strbuf_release(&err);
}

int web_sessions_end_user(struct store *st, int64_t user_id, const char *except_token,
                          struct strbuf *err)
{
	char digest[TOKEN_DIGEST_HEX_SIZE] = "";
	sqlite3_stmt *q;
	int rc;

	if (except_token && *except_token)
		token_digest_hex(except_token, digest);
	q = store_prepare(st, "DELETE FROM web_sessions WHERE user_id = ? AND token_sha256 != ?",
	                  err);
	if (!q)
		return -EIO;
	sqlite3_bind_int64(q, 1, user_id);
	sqlite3_bind_text(q, 2, digest, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : store_error(st, rc, "ending sessions", err);
}

static void csrf_derive(const char *token, char out[48])
{
	static const char tag[] = "mamori-csrf-v1";
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state s;

	crypto_hash_sha256_init(&s);
	crypto_hash_sha256_update(&s, (const unsigned char *)tag, sizeof(tag)); /* with its NUL */
	crypto_hash_sha256_update(&s, (const unsigned char *)token, strlen(token));
	crypto_hash_sha256_final(&s, h);
	sodium_bin2base64(out, 48, h, 24, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(h, sizeof(h));
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
 * Throttle keys share one table: a known login is its own key; a login nobody has is
 * "?" and what was typed (ASCII-lowercased, cut to 64 bytes), and only while fewer than
 * WEB_THROTTLE_MAX_UNKNOWN such rows exist; a client address is "@" and the address.
 * Valid logins start with [a-z0-9], so the three never meet.
 */
static void throttle_key(const char *login, bool known, char key[66])
{
	size_t i = 0, o = 0;

	if (!known)
		key[o++] = '?';
	for (; i < 64 && login[i]; i++)
		key[o++] = (login[i] >= 'A' && login[i] <= 'Z') ? (char)(login[i] + 32) : login[i];
	key[o] = '\0';
}

static int64_t lock_for(int64_t failures, int64_t after)
{
	int64_t shift;

	if (failures < after)
		return 0;
	shift = failures - after;
	return shift > 20 || (WEB_LOCK_BASE_MS << shift) > WEB_LOCK_MAX_MS
	           ? WEB_LOCK_MAX_MS
	           : WEB_LOCK_BASE_MS << shift;
}

/* Reads one bucket: its failures (0 when absent) and until when it is locked. */
static int bucket_get(struct store *st, const char *key, int64_t *ret_failures, int64_t *ret_last,
                      int64_t *ret_until, struct strbuf *err)
{
	sqlite3_stmt *q = store_prepare(
	    st, "SELECT failures, last_ms, locked_until_ms FROM web_login_throttle WHERE login = ?",
	    err);
	int rc;

	*ret_failures = *ret_last = *ret_until = 0;
	if (!q)
		return -EIO;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*ret_failures = sqlite3_column_int64(q, 0);
		*ret_last = sqlite3_column_int64(q, 1);
		*ret_until = sqlite3_column_int64(q, 2);
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
	           ? 0
	           : store_error(st, rc, "reading failed logins", err);
}

static int bucket_put(struct store *st, const char *key, int64_t failures, int64_t now,
                      int64_t until, struct strbuf *err)
{
	sqlite3_stmt *q = store_prepare(
	    st,
	    "INSERT INTO web_login_throttle(login, failures, last_ms, locked_until_ms) "
	    "VALUES (?, ?, ?, ?) ON CONFLICT(login) DO UPDATE SET "
	    "failures = excluded.failures, last_ms = excluded.last_ms, "
	    "locked_until_ms = excluded.locked_until_ms",
	    err);
	int rc;

	if (!q)
		return -EIO;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, failures);
	sqlite3_bind_int64(q, 3, now);
	sqlite3_bind_int64(q, 4, until);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : store_error(st, rc, "counting a failed login", err);
}

int web_throttle_reserve(struct store *st, const char *login, bool known, const char *remote,
                         int64_t now, int64_t *ret_wait_ms, int64_t *ret_failures,
                         struct strbuf *err)
{
	char key[66], addr[80];
	sqlite3_stmt *q;
	int64_t lf, ll, lu, af, al, au, wait;
	bool count_login = true;
	int rc, ret;

	throttle_key(login, known, key);
	snprintf(addr, sizeof(addr), "@%s", remote && *remote ? remote : "-");
	/* BEGIN IMMEDIATE: the check and the count are one step, so parallel guesses queue. */
	if (store_begin(st, err) < 0)
		return -EIO;
	/* Forget what is old, so a spray of made-up logins cannot grow the table for ever. */
	q = store_prepare(
	    st, "DELETE FROM web_login_throttle WHERE last_ms < ? AND locked_until_ms < ?", err);
	if (!q)
		goto fail;
	sqlite3_bind_int64(q, 1, now - 24 * 3600 * 1000LL);
	sqlite3_bind_int64(q, 2, now);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		store_error(st, rc, "forgetting old failed logins", err);
		goto fail;
	}
	if (bucket_get(st, key, &lf, &ll, &lu, err) < 0 ||
	    bucket_get(st, addr, &af, &al, &au, err) < 0)
		goto fail;
	if (lu > now || au > now) {
		/* Locked: refused without looking at the password, and not counted. */
		store_rollback(st);
		*ret_wait_ms = (lu > au ? lu : au) - now;
		if (ret_failures)
			*ret_failures = lf;
		return 1;
	}
	if (!known && lf == 0) {
		/* A new row for a login nobody has only while there are few of them. */
		q = store_prepare(st,
		                  "SELECT count(*) FROM web_login_throttle "
		                  "WHERE login >= '?' AND login < '@'",
		                  err);
		if (!q)
			goto fail;
		rc = sqlite3_step(q);
		count_login =
		    rc == SQLITE_ROW && sqlite3_column_int64(q, 0) < WEB_THROTTLE_MAX_UNKNOWN;
		sqlite3_reset(q);
	}
	/* The attempt counts as a failure until the password proves right (web_throttle_ok). */
	if (al < now - WEB_ADDR_FORGET_MS)
		af = 0;
	af++;
	lf++;
	wait = lock_for(lf, WEB_LOCK_AFTER);
	{
		int64_t aw = lock_for(af, WEB_ADDR_LOCK_AFTER);
		if ((ret = bucket_put(st, addr, af, now, aw ? now + aw : 0, err)) < 0)
			goto fail;
		if (aw > wait)
			wait = aw;
	}
	if (count_login &&
	    (ret = bucket_put(st, key, lf, now, now + lock_for(lf, WEB_LOCK_AFTER), err)) < 0)
		goto fail;
	if (store_commit(st, err) < 0)
		return -EIO;
	*ret_wait_ms = wait;
	if (ret_failures)
		*ret_failures = lf;
	return 0;
fail:
	store_rollback(st);
	return -EIO;
}

int web_throttle_ok(struct store *st, const char *login, const char *remote, struct strbuf *err)
{
	char key[66], addr[80];
	sqlite3_stmt *q;
	int rc;

	throttle_key(login, true, key);
	snprintf(addr, sizeof(addr), "@%s", remote && *remote ? remote : "-");
	q = store_prepare(st, "DELETE FROM web_login_throttle WHERE login = ?", err);
	if (!q)
		return -EIO;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return store_error(st, rc, "clearing failed logins", err);
	/* The address bucket only takes back this attempt: one good password does not
	 * forgive a spray of guesses from the same place. */
	q = store_prepare(st,
	                  "UPDATE web_login_throttle SET failures = max(failures - 1, 0) "
	                  "WHERE login = ?",
	                  err);
	if (!q)
		return -EIO;
	sqlite3_bind_text(q, 1, addr, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : store_error(st, rc, "counting a good login", err);
}

int web_api_authenticate(struct web_req *r, struct strbuf *err)
{
	const char *h = NULL;
	char digest[TOKEN_DIGEST_HEX_SIZE];
	int64_t now = time_now_ms(), id, user_id, last;
	sqlite3_stmt *q;
	int rc, ret;

	h = r->authorization;
	if (!h || strncasecmp(h, "Bearer ", 7))
		return -EACCES;
	h += 7;
	while (*h == ' ')
		h++;
	if (!token_valid(h, TOKEN_BASE64URL))
		return -EACCES;
	token_digest_hex(h, digest);
	q = store_prepare(r->st,
	                  "SELECT id, user_id, coalesce(last_used_ms, 0) FROM api_tokens "
	                  "WHERE token_sha256 = ? AND revoked_ms IS NULL",
	                  err);
	if (!q)
		return -EIO;
	sqlite3_bind_text(q, 1, digest, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(q);
		return rc == SQLITE_DONE ? -EACCES : store_error(r->st, rc, "reading a token", err);
	}
	id = sqlite3_column_int64(q, 0);
	user_id = sqlite3_column_int64(q, 1);
	last = sqlite3_column_int64(q, 2);
	sqlite3_reset(q);
	ret = web_user_load(r->st, user_id, &r->user, err);
	if (ret == -ENOENT || ret == -EPERM)
		return -EACCES;
	if (ret < 0)
		return ret;
	r->api_token_id = id;
	if (now - last > 60 * 1000) {
		q = store_prepare(r->st, "UPDATE api_tokens SET last_used_ms = ? WHERE id = ?",
		                  err);
		if (!q)
			return -EIO;
		sqlite3_bind_int64(q, 1, now);
		sqlite3_bind_int64(q, 2, id);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
		if (rc != SQLITE_DONE)
			return store_error(r->st, rc, "noting a token's use", err);
	}
	return 0;
}
