/* schema: a SQLite database's schema: its version, read and checked when the store opens, and
 * the migrations embedded from schema/ (store_migrations[]) that bring it up to date. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>

#include "base/cleanup.h"
#include "base/msgid.h"
#include "store/store-internal.h"

int store_schema_latest(void)
{
	return store_migrations_nr;
}

static int table_exists(struct store *st, const char *name)
{
	sqlite3_stmt *stmt;
	int found = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
	                       -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		found = 1;
	else if (rc != SQLITE_DONE)
		found = -1;
	sqlite3_finalize(stmt);
	return found;
}

int store_schema_version(struct store *st)
{
	sqlite3_stmt *stmt;
	int v = 0;

	if (st->pg)
		return store_pg_schema_version(st);
	if (table_exists(st, "schema_version") != 1)
		return 0;
	if (sqlite3_prepare_v2(st->db, "SELECT coalesce(max(version), 0) FROM schema_version", -1,
	                       &stmt, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	else
		v = -1;
	sqlite3_finalize(stmt);
	return v;
}

static int pragma_int(struct store *st, const char *sql, int *ret, struct strbuf *err)
{
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);

	if (rc != SQLITE_OK)
		return store_error(st, rc, sql, err);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*ret = sqlite3_column_int(stmt, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_OK || rc == SQLITE_DONE ? 0 : store_error(st, rc, sql, err);
}

/* Applies one migration in its own transaction: all of it or none of it. */
static int apply_migration(struct store *st, const struct store_migration *m, struct strbuf *err)
{
	sqlite3_stmt *stmt;
	int r, rc;

	r = store_begin(st, err);
	if (r < 0)
		return r;
	r = store_exec(st,
	               "CREATE TABLE IF NOT EXISTS schema_version ("
	               " version INTEGER PRIMARY KEY NOT NULL,"
	               " name TEXT NOT NULL,"
	               " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
	               ") STRICT",
	               err);
	if (r == 0) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", STORE_APPLICATION_ID);
		r = store_exec(st, sql, err);
	}
	if (r == 0) {
		rc = sqlite3_exec(st->db, m->sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			struct strbuf why = STRBUF_INIT;
			r = store_error(st, rc, "migration", &why);
			error_set(err, "migration %04d-%s failed: %s", m->version, m->name,
			          why.buf);
			strbuf_release(&why);
		}
	}
	if (r == 0) {
		rc = sqlite3_prepare_v2(st->db,
		                        "INSERT INTO schema_version(version, name) VALUES (?, ?)",
		                        -1, &stmt, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int(stmt, 1, m->version);
			sqlite3_bind_text(stmt, 2, m->name, -1, SQLITE_STATIC);
			rc = sqlite3_step(stmt);
			sqlite3_finalize(stmt);
		}
		if (rc != SQLITE_DONE && rc != SQLITE_OK)
			r = store_error(st, rc, "recording the schema version", err);
	}
	if (r < 0) {
		store_rollback(st);
		return r;
	}
	return store_commit(st, err);
}

/*
 * The identity stamp's triggers (schema/0030): each change of users, role_assignments or
 * api_tokens moves the stamp by one of these, and a server worker keeps a token's identity, and
 * the door acts on it, only while the stamp stays (core/identity.h identity_stamp). Rebuilding
 * one of the three tables (a migration that makes a new table, copies and renames) drops its
 * triggers without a word, and the stamp would stand still while people are suspended and
 * tokens revoked: so each connection looks for all nine, as 0030 makes them, when it first
 * reads the stamp and again whenever the schema changed since it looked (another process's
 * migration while a server runs), and without them identity_stamp says there is no stamp
 * (every call reads its identity afresh).
 */
static const struct {
	const char *name, *table, *event;
} stamp_triggers[] = {
	{ "identity_stamp_users_insert", "users", "INSERT" },
	{ "identity_stamp_users_update", "users", "UPDATE" },
	{ "identity_stamp_users_delete", "users", "DELETE" },
	{ "identity_stamp_roles_insert", "role_assignments", "INSERT" },
	{ "identity_stamp_roles_update", "role_assignments", "UPDATE" },
	{ "identity_stamp_roles_delete", "role_assignments", "DELETE" },
	{ "identity_stamp_tokens_insert", "api_tokens", "INSERT" },
	{ "identity_stamp_tokens_update", "api_tokens", "UPDATE" },
	{ "identity_stamp_tokens_delete", "api_tokens", "DELETE" },
};

/* A schema past 0030 without the triggers is a migration gone wrong: said once a process (in
 * the reader's language: store_set_say). */
static void stamp_missing_warn(const struct store *st)
{
	static atomic_bool warned;

	if (!atomic_exchange(&warned, true))
		store_say(
		    STORE_SAY_WARNING,
		    N_("%s lacks the identity stamp's triggers (schema/0030): nothing keeps an "
		       "API token's identity, and every call reads it again; 'mamori doctor' "
		       "says how to make them again"),
		    st->path);
}

/* How many of stamp_triggers are not there, each on its table, after its event, moving the
 * stamp (their names added to names, when given, ", " between); a negative errno with err set
 * when SQLite could not say. */
static int stamp_triggers_missing(struct store *st, struct strbuf *names, struct strbuf *err)
{
	static const char sql[] = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
	                          "AND name = ?1 AND tbl_name = ?2 "
	                          "AND instr(upper(sql), 'AFTER ' || ?3 || ' ON') > 0 "
	                          "AND instr(sql, 'UPDATE identity_stamp SET n = n + 1') > 0";
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
	int missing = 0;

	for (size_t i = 0; rc == SQLITE_OK && i < ARRAY_SIZE(stamp_triggers); i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_text(stmt, 1, stamp_triggers[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, stamp_triggers[i].table, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, stamp_triggers[i].event, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		if (rc != SQLITE_ROW)
			break;
		rc = SQLITE_OK;
		if (sqlite3_column_int(stmt, 0) == 1)
			continue;
		missing++;
		if (names)
			strbuf_addf(names, "%s%s", names->len ? ", " : "", stamp_triggers[i].name);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_OK
	           ? missing
	           : store_error(st, rc, "looking for the identity stamp's triggers", err);
}

/* 1 when all of stamp_triggers are there; 0 when one is not; a negative errno with err set
 * when SQLite could not say. */
static int stamp_triggers_present(struct store *st, struct strbuf *err)
{
	int r = stamp_triggers_missing(st, NULL, err);

	return r < 0 ? r : r == 0;
}

int store_identity_triggers_missing(struct store *st, struct strbuf *names, struct strbuf *err)
{
	if (st->pg || store_schema_version(st) < STORE_IDENTITY_STAMP_SCHEMA)
		return 0;
	return stamp_triggers_missing(st, names, err);
}

/* The schema's version (PRAGMA schema_version: moved by every change of the schema, by any
 * connection), or a negative errno with err set. */
static int schema_cookie(struct store *st, int64_t *ret, struct strbuf *err)
{
	sqlite3_stmt *stmt = store_prepare(st, "PRAGMA schema_version", err);
	int rc;

	if (!stmt)
		return -EIO;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 0 : store_error(st, rc, "PRAGMA schema_version", err);
}

/* How long the remake's try waits for another writer: a steady writer (a server's door commits
 * every few ms) leaves the lock free within it, and an open is not held up seconds
 * (review-tidy2: at 0 the try failed 8 times in 10 beside a writer holding the lock 20 ms in
 * 25). */
#define STAMP_REMAKE_BUSY_MS 100

/* The remake could not run (another writer held the database): said once a process (in the
 * reader's language: store_set_say). */
static void stamp_remake_warn(const struct store *st)
{
	static atomic_bool warned;

	if (!atomic_exchange(&warned, true))
		store_say(
		    STORE_SAY_WARNING,
		    N_("%s lacks some of the identity stamp's triggers (schema/0030) and they "
		       "could not be made again now (another connection was writing, most "
		       "likely); the next open that may write tries again ('mamori doctor' "
		       "names them)"),
		    st->path);
}

/*
 * At an open that migrates (not a read-only one, nor doctor's or backup's), at schema v: a
 * schema past 0030 that lacks one of the triggers (a migration that rebuilt a table, or a
 * hand's DROP) gets them again as 0030 makes them (it drops and makes all nine: it must stay
 * idempotent, and a later migration that changes the triggers must change this and
 * stamp_triggers[] with them), and the stamp moves in the same transaction, so that no
 * identity a server kept before they went is used again (the changes made while they were
 * gone moved nothing). Tried once, without waiting long: BEGIN IMMEDIATE with a busy wait of
 * STAMP_REMAKE_BUSY_MS and no place in the write gate's queue (an open must not wait seconds behind
 * another writer for this), the nine looked for again inside it (another open may have just made
 * them: then nothing is done). When it cannot run now, it is said once a process and the next such
 * open tries again; nothing fails meanwhile (the stamp is not used: store_identity_stamped).
 * Returns the schema's version at which all nine were found there or made, read in the same
 * snapshot as the look, so that the connection's first store_identity_stamped need not look
 * again while the schema stays so; -1 when they are not all there, or it is not known.
 */
static int64_t stamp_triggers_remake(struct store *st, int v)
{
	const struct store_migration *m = &store_migrations[STORE_IDENTITY_STAMP_SCHEMA - 1];
	struct strbuf err = STRBUF_INIT;
	int64_t cookie = -1;
	int n, rc;

	/* the look and the schema's version in one read snapshot (a BEGIN fails only inside a
	 * transaction, where the remake's BEGIN IMMEDIATE would fail too) */
	if (v < STORE_IDENTITY_STAMP_SCHEMA ||
	    sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	n = schema_cookie(st, &cookie, &err) < 0 ? -1 : stamp_triggers_missing(st, NULL, &err);
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		/* (never left open: the connection's next store_begin would fail) */
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		n = -1;
	}
	if (n != 0)
		cookie = -1;
	if (n <= 0)
		goto out;
	sqlite3_busy_timeout(st->db, STAMP_REMAKE_BUSY_MS);
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	if (rc != SQLITE_OK) {
		stamp_remake_warn(st);
		goto out;
	}
	n = stamp_triggers_missing(st, NULL, &err);
	if (n > 0)
		rc = sqlite3_exec(st->db, m->sql, NULL, NULL, NULL);
	if (n > 0 && rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, "UPDATE identity_stamp SET n = n + 1 WHERE id = 1", NULL,
		                  NULL, NULL);
	/* (the version as this transaction leaves it: its own DDL moved it) */
	if (n >= 0 && rc == SQLITE_OK && schema_cookie(st, &cookie, &err) < 0)
		cookie = -1;
	if (n >= 0 && rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (n < 0 || rc != SQLITE_OK) {
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		stamp_remake_warn(st);
		cookie = -1;
	}
out:
	strbuf_release(&err);
	return cookie;
}

int store_identity_stamped(struct store *st, struct strbuf *err)
{
	int64_t cookie = 0;
	int r;

	if (st->pg)
		return 0;
	r = schema_cookie(st, &cookie, err);
	if (r == 0 && cookie != st->stamp_cookie) {
		r = stamp_triggers_present(st, err);
		if (r >= 0) {
			st->stamped = r == 1;
			st->stamp_cookie = cookie;
		}
		if (r == 0 && store_schema_version(st) >= STORE_IDENTITY_STAMP_SCHEMA)
			stamp_missing_warn(st);
	}
	return r < 0 ? r : st->stamped;
}

int store_sqlite_migrate(struct store *st, struct strbuf *err)
{
	return store_sqlite_schema(st, 0, err);
}

int store_sqlite_schema(struct store *st, unsigned flags, struct strbuf *err)
{
	int app_id = 0, v, r;

	r = pragma_int(st, "PRAGMA application_id", &app_id, err);
	if (r < 0)
		return r;
	v = store_schema_version(st);
	if (v < 0)
		return store_error(st, SQLITE_CORRUPT, "reading schema_version", err);
	if (app_id != STORE_APPLICATION_ID) {
		int user_tables = 0;
		r = pragma_int(st, "SELECT count(*) FROM sqlite_master", &user_tables, err);
		if (r < 0)
			return r;
		if (app_id != 0 || user_tables > 0) {
			error_set(
			    err,
			    "'%s' is an SQLite database but not a Mamori one; point --dir at a "
			    "Mamori data directory or create one with 'mamori init'",
			    st->path);
			return -EPROTO;
		}
	}
	if (v > store_migrations_nr) {
		error_set(err,
		          "'%s' was written by a newer Mamori (schema %d; this build knows up to "
		          "%d); upgrade mamori or restore an older backup",
		          st->path, v, store_migrations_nr);
		return -ENOTSUP;
	}
	for (int i = v; i < store_migrations_nr && !(flags & (STORE_READONLY | STORE_NO_MIGRATE));
	     i++) {
		r = apply_migration(st, &store_migrations[i], err);
		if (r < 0)
			return r;
	}
	/* read-only or not migrated (doctor): as it is, looked for at the first identity_stamp;
	 * else the remake's finding kept, when all nine are there */
	st->stamp_cookie = -1;
	if (!(flags & (STORE_READONLY | STORE_NO_MIGRATE)))
		st->stamp_cookie =
		    stamp_triggers_remake(st, store_migrations_nr); /* (all applied) */
	st->stamped = st->stamp_cookie >= 0;
	return 0;
}
