/* schema: a SQLite database's schema: its version, read and checked when the store opens, and
 * the migrations embedded from schema/ (store_migrations[]) that bring it up to date. */
#include <errno.h>
#include <stdio.h>

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
	if (flags & (STORE_READONLY | STORE_NO_MIGRATE))
		return 0;
	for (int i = v; i < store_migrations_nr; i++) {
		r = apply_migration(st, &store_migrations[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}
