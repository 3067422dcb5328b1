/* session: browser sessions, CSRF tokens, login throttling and API tokens of the web. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "auth/token.h"
#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/org.h"
#include "store/query.h"
#include "store/store.h"
#include "web/session.h"

/* The server's CSRF key (DIR/web.secret), read once at start (web_session_setup). */
static unsigned char csrf_key[crypto_auth_hmacsha256_KEYBYTES];

/* Reads DIR/web.secret, creating it (0600, random) the first time. */
static int csrf_key_load(const char *dir, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT_SECRET;
	int r, fd;

	strbuf_addf(&path, "%s/%s", dir, WEB_SECRET_FILE);
	r = strbuf_read_file(&data, path.buf, 4096);
	if (r == -ENOENT) {
		randombytes_buf(csrf_key, sizeof(csrf_key));
		fd = open(path.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, csrf_key, sizeof(csrf_key)) != (ssize_t)sizeof(csrf_key) ||
		    fsync(fd) < 0) {
			int e = errno ? errno : EIO;
			error_set(err, "cannot create '%s': %s", path.buf, strerror(e));
			r = -e;
		} else {
			r = 0;
		}
		if (fd >= 0)
			close(fd);
	} else if (r < 0 || data.len != sizeof(csrf_key)) {
		error_set(err, "cannot read '%s': %s; remove it and a new one is made at start",
		          path.buf, r < 0 ? strerror(-r) : "it is not 32 bytes");
		r = r < 0 ? r : -EINVAL;
	} else {
		memcpy(csrf_key, data.buf, sizeof(csrf_key));
	}
	strbuf_release_secret(&data);
	strbuf_release(&path);
	return r;
}

int web_session_setup(const char *dir, struct strbuf *err)
{
	struct store *st = NULL;
	sqlite3_stmt *q;
	int r;

	if (sodium_init() < 0) {
		error_set(err, "cannot start libsodium");
		return -EIO;
	}
	if ((r = csrf_key_load(dir, err)) < 0)
		return r;
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
	int64_t now, until = INT64_MAX;
	int r;

	r = org_user_get_id(st, id, &ou, err);
	if (r < 0)
		return r;
	if (strcmp(ou.status, USER_ACTIVE)) {
		error_set(err, "user '%s' is %s", ou.login, ou.status);
		org_user_release(&ou);
		return -EPERM;
	}
	now = time_now_ms();
	r = org_user_roles(st, id, now, &roles, err);
	if (r == 0)
		r = org_roles_next_change(st, id, now, &until, err);
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
	/* Refreshed often enough that a short idle timeout never ends a session in use: at
	 * most once a minute, and at least twenty times per idle timeout. */
	if (now - seen >
	    (r->cfg->idle_timeout_ms / 20 < 60000 ? r->cfg->idle_timeout_ms / 20 : 60000)) {
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

int web_session_password_failed(struct web_req *r, int64_t *ret_count, struct strbuf *err)
{
	char digest[TOKEN_DIGEST_HEX_SIZE];
	struct query *q;
	int ret;

	token_digest_hex(r->session_token, digest);
	ret = query_prepare(r->st,
	                    "UPDATE web_sessions SET password_failures = password_failures + 1 "
	                    "WHERE token_sha256 = ? RETURNING password_failures",
	                    &q, err);
	if (ret < 0)
		return ret;
	query_bind_text(q, 1, digest);
	ret = query_one_int(q, ret_count, err);
	if (ret == -ENOENT)
		*ret_count = WEB_PASSWORD_TRIES; /* the session is gone already */
	return ret == -ENOENT ? 0 : ret;
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

static int64_t lock_for(int64_t failures)
{
	int64_t shift;

	if (failures < WEB_LOCK_AFTER)
		return 0;
	shift = failures - WEB_LOCK_AFTER;
	return shift > 20 || (WEB_LOCK_BASE_MS << shift) > WEB_LOCK_MAX_MS
	           ? WEB_LOCK_MAX_MS
	           : WEB_LOCK_BASE_MS << shift;
}

/* Reads one bucket: its failures (0 when absent) and until when it is locked. */
static int bucket_get(struct store *st, const char *key, int64_t *ret_failures, int64_t *ret_until,
                      struct strbuf *err)
{
	struct query *q;
	int r;

	*ret_failures = *ret_until = 0;
	r = query_prepare(
	    st, "SELECT failures, locked_until_ms FROM web_login_throttle WHERE login = ?", &q,
	    err);
	if (r < 0)
		return r;
	query_bind_text(q, 1, key);
	r = query_step(q, err);
	if (r > 0) {
		*ret_failures = query_int(q, 0);
		*ret_until = query_int(q, 1);
		query_done(q);
	}
	return r < 0 ? r : 0;
}

static int bucket_put(struct store *st, const char *key, int64_t failures, int64_t now,
                      int64_t until, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(
	    st,
	    "INSERT INTO web_login_throttle(login, failures, last_ms, locked_until_ms) "
	    "VALUES (?, ?, ?, ?) ON CONFLICT(login) DO UPDATE SET "
	    "failures = excluded.failures, last_ms = excluded.last_ms, "
	    "locked_until_ms = excluded.locked_until_ms",
	    &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, key);
	query_bind_int(q, 2, failures);
	query_bind_int(q, 3, now);
	query_bind_int(q, 4, until);
	return query_run(q, err);
}

static int run1(struct store *st, const char *sql, const char *a, const char *b, int64_t n,
                struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, sql, &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, a);
	if (b)
		query_bind_text(q, 2, b);
	if (n)
		query_bind_int(q, b ? 3 : 2, n);
	return query_run(q, err);
}

/* Forgets what is old, so a spray of made-up logins cannot grow the tables for ever. */
static int throttle_forget(struct store *st, int64_t now, struct strbuf *err)
{
	struct query *q;
	int r;

	r = query_prepare(
	    st, "DELETE FROM web_login_throttle WHERE last_ms < ? AND locked_until_ms < ?", &q,
	    err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, now - 24 * 3600 * 1000LL);
	query_bind_int(q, 2, now);
	if ((r = query_run(q, err)) < 0)
		return r;
	r = query_prepare(st, "DELETE FROM web_login_addr_fail WHERE last_ms < ?", &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, now - WEB_ADDR_FORGET_MS);
	return query_run(q, err);
}

/* True when login succeeded from remote within WEB_KNOWN_MS. */
static int login_known_at(struct store *st, const char *key, const char *remote, int64_t now,
                          bool *ret, struct strbuf *err)
{
	struct query *q;
	int64_t n = 0;
	int r = query_prepare(st,
	                      "SELECT count(*) FROM web_login_known "
	                      "WHERE login = ? AND remote = ? AND last_ok_ms >= ?",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, key);
	query_bind_text(q, 2, remote);
	query_bind_int(q, 3, now - WEB_KNOWN_MS);
	r = query_one_int(q, &n, err);
	*ret = n > 0;
	return r < 0 && r != -ENOENT ? r : 0;
}

int web_throttle_reserve(struct store *st, const char *login, bool known, const char *remote,
                         int64_t now, int64_t *ret_wait_ms, int64_t *ret_failures,
                         struct strbuf *err)
{
	char key[66], addr[80];
	struct query *q;
	int64_t lf, lu, af, au, wait;
	bool count_login = true, familiar = false;
	int r;

	throttle_key(login, known, key);
	if (!remote || !*remote)
		remote = "-";
	snprintf(addr, sizeof(addr), "@%s", remote);
	/* BEGIN IMMEDIATE: the check and the count are one step, so parallel guesses queue. */
	if ((r = store_begin(st, err)) < 0)
		return r;
	if ((r = throttle_forget(st, now, err)) < 0 ||
	    (r = bucket_get(st, key, &lf, &lu, err)) < 0 ||
	    (r = bucket_get(st, addr, &af, &au, err)) < 0 ||
	    (r = login_known_at(st, key, remote, now, &familiar, err)) < 0)
		goto fail;
	/* Locked: refused without looking at the password, and not counted. A login that has
	 * succeeded from this address before is not held by the address's lock. */
	if (lu > now || (au > now && !familiar)) {
		store_rollback(st);
		*ret_wait_ms = (lu > now ? lu : au) - now;
		if (ret_failures)
			*ret_failures = lf;
		return 1;
	}
	if (!known && lf == 0) {
		/* A new row for a login nobody has only while there are few of them. */
		int64_t n = 0;
		r = query_prepare(st,
		                  "SELECT count(*) FROM web_login_throttle "
		                  "WHERE login >= '?' AND login < '@'",
		                  &q, err);
		if (r < 0 || (r = query_one_int(q, &n, err)) < 0)
			goto fail;
		count_login = n < WEB_THROTTLE_MAX_UNKNOWN;
	}
	/* The attempt counts as a failure until the password proves right (web_throttle_ok). */
	lf++;
	wait = lock_for(lf);
	if (count_login && (r = bucket_put(st, key, lf, now, wait ? now + wait : 0, err)) < 0)
		goto fail;
	/* The address: how many DIFFERENT logins failed from it lately. */
	if ((r = run1(st,
	              "INSERT INTO web_login_addr_fail(remote, login, last_ms) VALUES (?, ?, ?) "
	              "ON CONFLICT(remote, login) DO UPDATE SET last_ms = excluded.last_ms",
	              remote, key, now, err)) < 0)
		goto fail;
	r = query_prepare(st, "SELECT count(*) FROM web_login_addr_fail WHERE remote = ?", &q, err);
	if (r < 0)
		goto fail;
	query_bind_text(q, 1, remote);
	if ((r = query_one_int(q, &af, err)) < 0)
		goto fail;
	if (af >= WEB_ADDR_LOCK_AFTER && au <= now) {
		au = now + WEB_ADDR_LOCK_MS;
		if (WEB_ADDR_LOCK_MS > wait)
			wait = WEB_ADDR_LOCK_MS;
	}
	if ((r = bucket_put(st, addr, af, now, au > now ? au : 0, err)) < 0)
		goto fail;
	if ((r = store_commit(st, err)) < 0)
		return r;
	*ret_wait_ms = wait;
	if (ret_failures)
		*ret_failures = lf;
	return 0;
fail:
	store_rollback(st);
	return r;
}

int web_throttle_ok(struct store *st, const char *login, const char *remote, struct strbuf *err)
{
	char key[66], addr[80];
	int64_t now = time_now_ms();
	int r;

	throttle_key(login, true, key);
	if (!remote || !*remote)
		remote = "-";
	snprintf(addr, sizeof(addr), "@%s", remote);
	if ((r = store_begin(st, err)) < 0)
		return r;
	/* The login is forgiven; so is the address: a person logged in from there, so the
	 * failures behind it were not a spray that only an attacker makes (its lock lifts). */
	if ((r = run1(st, "DELETE FROM web_login_throttle WHERE login = ? OR login = ?", key, addr,
	              0, err)) < 0 ||
	    (r = run1(st, "DELETE FROM web_login_addr_fail WHERE remote = ?", remote, NULL, 0,
	              err)) < 0 ||
	    (r = run1(st,
	              "INSERT INTO web_login_known(login, remote, last_ok_ms) VALUES (?, ?, ?) "
	              "ON CONFLICT(login, remote) DO UPDATE SET last_ok_ms = excluded.last_ok_ms",
	              key, remote, now, err)) < 0) {
		store_rollback(st);
		return r;
	}
	return store_commit(st, err);
}

int web_locks_list(struct store *st, int64_t now, struct web_lock **ret, size_t *ret_nr,
                   struct strbuf *err)
{
	struct web_lock *v = NULL;
	size_t nr = 0, alloc = 0;
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT login, failures, last_ms, locked_until_ms "
	                      "FROM web_login_throttle WHERE locked_until_ms > ? "
	                      "ORDER BY locked_until_ms DESC LIMIT 500",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, now);
	while ((r = query_step(q, err)) > 0) {
		ALLOC_GROW(v, nr, alloc);
		v[nr].key = query_strdup(q, 0);
		v[nr].failures = query_int(q, 1);
		v[nr].last_ms = query_int(q, 2);
		v[nr].until_ms = query_int(q, 3);
		v[nr].address = v[nr].key[0] == '@';
		nr++;
	}
	if (r < 0) {
		web_locks_free(v, nr);
		return r;
	}
	*ret = v;
	*ret_nr = nr;
	return 0;
}

void web_locks_free(struct web_lock *v, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(v[i].key);
	free(v);
}

int web_lock_lift(struct store *st, const char *key, struct strbuf *err)
{
	int r;

	if ((r = store_begin(st, err)) < 0)
		return r;
	if ((r = run1(st, "DELETE FROM web_login_throttle WHERE login = ?", key, NULL, 0, err)) <
	        0 ||
	    (r = run1(st,
	              key[0] == '@' ? "DELETE FROM web_login_addr_fail WHERE remote = ?"
	                            : "DELETE FROM web_login_addr_fail WHERE login = ?",
	              key[0] == '@' ? key + 1 : key, NULL, 0, err)) < 0) {
		store_rollback(st);
		return r;
	}
	return store_commit(st, err);
}

int web_audit_pending_step(struct store *st, const char *const keys[2], int64_t now, bool *ret_due,
                           int64_t ret_counts[2], struct strbuf *err)
{
	int64_t last[2] = { 0, 0 }, pending[2] = { 0, 0 };
	bool due = true;
	int r;

	for (int i = 0; i < 2; i++) {
		struct query *q;
		r = query_prepare(
		    st, "SELECT pending, last_entry_ms FROM web_audit_pending WHERE key = ?", &q,
		    err);
		if (r < 0)
			return r;
		query_bind_text(q, 1, keys[i]);
		r = query_step(q, err);
		if (r < 0)
			return r;
		if (r > 0) {
			pending[i] = query_int(q, 0);
			last[i] = query_int(q, 1);
			query_done(q);
		}
		pending[i]++;
		if (now - last[i] < WEB_AUDIT_EVERY_MS)
			due = false;
	}
	for (int i = 0; i < 2; i++) {
		struct query *q;
		r = query_prepare(
		    st,
		    "INSERT INTO web_audit_pending(key, pending, total, last_entry_ms) "
		    "VALUES (?, ?, 1, ?) ON CONFLICT(key) DO UPDATE SET pending = "
		    "excluded.pending, "
		    "total = total + 1, last_entry_ms = excluded.last_entry_ms",
		    &q, err);
		if (r < 0)
			return r;
		query_bind_text(q, 1, keys[i]);
		query_bind_int(q, 2, due ? 0 : pending[i]);
		query_bind_int(q, 3, due ? now : last[i]);
		if ((r = query_run(q, err)) < 0)
			return r;
		ret_counts[i] = pending[i];
	}
	*ret_due = due;
	return 0;
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
	                  "SELECT id, user_id, coalesce(last_used_ms, 0), scope FROM api_tokens "
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
	snprintf(r->api_scope, sizeof(r->api_scope), "%s",
	         sqlite3_column_text(q, 3) ? (const char *)sqlite3_column_text(q, 3) : "");
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
