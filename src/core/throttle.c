/* throttle: login throttling by login and by client address, and aggregated audit counts. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "store/query.h"
#include "core/throttle.h"
#include "store/store.h"

/*
 * Throttle keys share one table: a known login is its own key; a login nobody has is
 * "?" and what was typed (ASCII-lowercased, cut to 64 bytes), and only while fewer than
 * THROTTLE_MAX_UNKNOWN such rows exist; a client address is "@" and the address.
 * Valid logins start with [a-z0-9], so the three never meet.
 */
static void throttle_key(const char *login, bool known, char key[66])
{
	size_t i = 0, o = 0;

	if (!known)
		key[o++] = '?';
	for (; i < 64 && login[i]; i++)
		key[o++] = ascii_lower(login[i]);
	key[o] = '\0';
}

static int64_t lock_for(int64_t failures)
{
	int64_t shift;

	if (failures < THROTTLE_LOCK_AFTER)
		return 0;
	shift = failures - THROTTLE_LOCK_AFTER;
	return shift > 20 || (THROTTLE_LOCK_BASE_MS << shift) > THROTTLE_LOCK_MAX_MS
	           ? THROTTLE_LOCK_MAX_MS
	           : THROTTLE_LOCK_BASE_MS << shift;
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
	query_bind_int(q, 1, now - THROTTLE_ADDR_FORGET_MS);
	return query_run(q, err);
}

/* True when login succeeded from remote within THROTTLE_KNOWN_MS. */
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
	query_bind_int(q, 3, now - THROTTLE_KNOWN_MS);
	r = query_one_int(q, &n, err);
	*ret = n > 0;
	return r < 0 && r != -ENOENT ? r : 0;
}

int throttle_reserve(struct store *st, const char *login, bool known, const char *remote,
                     int64_t now, int64_t *ret_wait_ms, int64_t *ret_failures, struct strbuf *err)
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
		count_login = n < THROTTLE_MAX_UNKNOWN;
	}
	/* The attempt counts as a failure until the password proves right (throttle_ok). */
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
	if (af >= THROTTLE_ADDR_LOCK_AFTER && au <= now) {
		au = now + THROTTLE_ADDR_LOCK_MS;
		if (THROTTLE_ADDR_LOCK_MS > wait)
			wait = THROTTLE_ADDR_LOCK_MS;
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

int throttle_ok(struct store *st, const char *login, const char *remote, struct strbuf *err)
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

int throttle_locks_list(struct store *st, int64_t now, struct throttle_lock **ret, size_t *ret_nr,
                        struct strbuf *err)
{
	struct throttle_lock *v = NULL;
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
		throttle_locks_free(v, nr);
		return r;
	}
	*ret = v;
	*ret_nr = nr;
	return 0;
}

void throttle_locks_free(struct throttle_lock *v, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(v[i].key);
	free(v);
}

int throttle_lock_lift(struct store *st, const char *key, struct strbuf *err)
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

int throttle_audit_step(struct store *st, const char *const keys[2], int64_t now, bool *ret_due,
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
		if (now - last[i] < THROTTLE_AUDIT_EVERY_MS)
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
