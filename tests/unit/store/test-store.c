/* test-store: open/create, migrations, nested transactions, statement cache, error mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "store/query.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "tmpdir.h"

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static void test_missing_without_create(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL;

	assert_int_equal(store_open(f->dir, 0, &st, &f->err), -ENOENT);
	assert_null(st);
	assert_non_null(strstr(f->err.buf, "mamori --dir"));
}

static void test_create_migrates_0600(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL;
	char path[128];
	struct stat sb;

	assert_int_equal(store_open(f->dir, STORE_CREATE, &st, &f->err), 0);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	snprintf(path, sizeof(path), "%s/mamori.db", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	store_close(st);
	/* reopen: nothing left to migrate */
	assert_int_equal(store_open(f->dir, 0, &st, &f->err), 0);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	store_close(st);
}

static int count_meta(struct store *st)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT count(*) FROM meta", NULL);
	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	return sqlite3_column_int(s, 0);
}

static void insert_meta(struct store *st, const char *k)
{
	sqlite3_stmt *s = store_prepare(st, "INSERT INTO meta(key, value) VALUES (?, 'v')", NULL);
	assert_non_null(s);
	sqlite3_bind_text(s, 1, k, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
}

static void test_nested_transactions(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL;

	assert_int_equal(store_open(f->dir, STORE_CREATE, &st, &f->err), 0);
	assert_int_equal(store_begin(st, &f->err), 0);
	insert_meta(st, "a");
	assert_int_equal(store_begin(st, &f->err), 0);
	insert_meta(st, "b");
	store_rollback(st); /* undoes only b */
	assert_int_equal(store_begin(st, &f->err), 0);
	insert_meta(st, "c");
	assert_int_equal(store_commit(st, &f->err), 0);
	assert_int_equal(store_txn_depth(st), 1);
	assert_int_equal(store_commit(st, &f->err), 0);
	assert_int_equal(store_txn_depth(st), 0);
	assert_int_equal(count_meta(st), 2);

	assert_int_equal(store_begin(st, &f->err), 0);
	insert_meta(st, "d");
	store_rollback(st);
	assert_int_equal(count_meta(st), 2);
	assert_int_equal(store_commit(st, &f->err), -EINVAL);
	store_close(st);
}

/* A writer thread: its own connection, one row, committed. */
struct writer_arg {
	struct store *st;
	const char *key;
	int r;
};

static void *gate_writer(void *arg)
{
	struct writer_arg *a = arg;
	struct strbuf err = STRBUF_INIT;

	a->r = store_begin(a->st, &err);
	if (a->r == 0) {
		insert_meta(a->st, a->key);
		a->r = store_commit(a->st, &err);
	}
	strbuf_release(&err);
	return NULL;
}

static void wait_waiting(struct store *st, int n)
{
	for (int i = 0; i < 5000 && store_gate_waiting(st) < n; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	assert_int_equal(store_gate_waiting(st), n);
}

/*
 * The write gate: writers of one database in this process take their turns in the order they
 * asked (a busy SQLite lock lets whoever retries first win: the door's act waited behind the
 * ingest's batches). b asks before c while a writes: b commits before c.
 */
static void test_write_gate_order(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *a = NULL;
	struct writer_arg b = { .key = "b" }, c = { .key = "c" };
	pthread_t tb, tc;
	sqlite3_stmt *s;
	struct strbuf order = STRBUF_INIT;

	assert_int_equal(store_open(f->dir, STORE_CREATE, &a, &f->err), 0);
	assert_int_equal(store_open(f->dir, 0, &b.st, &f->err), 0);
	assert_int_equal(store_open(f->dir, 0, &c.st, &f->err), 0);
	assert_int_equal(store_begin(a, &f->err), 0);
	assert_int_equal(pthread_create(&tb, NULL, gate_writer, &b), 0);
	wait_waiting(a, 1);
	assert_int_equal(pthread_create(&tc, NULL, gate_writer, &c), 0);
	wait_waiting(a, 2);
	insert_meta(a, "a");
	assert_int_equal(store_commit(a, &f->err), 0);
	pthread_join(tb, NULL);
	pthread_join(tc, NULL);
	assert_int_equal(b.r, 0);
	assert_int_equal(c.r, 0);
	s = store_prepare(a, "SELECT key FROM meta WHERE key IN ('a', 'b', 'c') ORDER BY rowid",
	                  NULL);
	assert_non_null(s);
	while (sqlite3_step(s) == SQLITE_ROW)
		strbuf_addstr(&order, (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	assert_string_equal(order.buf, "abc");
	/* A thread holding the gate opens a second transaction of the same database: it does
	 * not wait for itself (SQLite answers busy at once, as without the gate). */
	assert_int_equal(store_begin(a, &f->err), 0);
	assert_int_equal(store_gate_waiting(a), 0);
	store_rollback(a);
	strbuf_release(&order);
	store_close(c.st);
	store_close(b.st);
	store_close(a);
}

static void test_statement_cache_and_constraint(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL;
	static const char sql[] = "SELECT ?1 + 1";

	assert_int_equal(store_open(f->dir, STORE_CREATE, &st, &f->err), 0);
	sqlite3_stmt *a = store_prepare(st, sql, &f->err);
	sqlite3_bind_int(a, 1, 41);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(a, 0), 42);
	sqlite3_stmt *b = store_prepare(st, sql, &f->err);
	assert_ptr_equal(a, b); /* cached, reset, bindings cleared */
	assert_int_equal(sqlite3_step(b), SQLITE_ROW);
	assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);
	assert_null(store_prepare(st, "SELEC nonsense", &f->err));
	assert_true(f->err.len > 0);

	insert_meta(st, "dup");
	sqlite3_stmt *s = store_prepare(st, "INSERT INTO meta(key, value) VALUES (?, 'v')", NULL);
	sqlite3_bind_text(s, 1, "dup", -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	assert_int_equal(store_error(st, rc, "insert", &f->err), -EEXIST);
	store_close(st);
}

static int count_reset(struct store *st)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT count(*) FROM meta", NULL);
	int n;

	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return n;
}

/*
 * A held read snapshot (a web GET): the holder does not see another connection's commit until
 * it lets go; a write, store_exec or store_begin lets go first, so nothing is ever written in
 * a stale snapshot (that would fail with SQLITE_BUSY_SNAPSHOT).
 */
static void test_hold_read(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL, *other = NULL;
	int n;

	assert_int_equal(store_open(f->dir, STORE_CREATE, &st, &f->err), 0);
	assert_int_equal(store_open(f->dir, 0, &other, &f->err), 0);
	n = count_reset(st);
	assert_int_equal(store_hold_read(st, &f->err), 0);
	assert_int_equal(count_reset(st), n);
	insert_meta(other, "x");
	assert_int_equal(count_reset(st), n); /* still the snapshot */
	store_release_read(st);
	assert_int_equal(count_reset(st), n + 1);

	assert_int_equal(store_hold_read(st, &f->err), 0);
	assert_int_equal(count_reset(st), n + 1);
	insert_meta(other, "y");
	insert_meta(st, "z"); /* lets go first: written on the newest data */
	assert_int_equal(count_reset(st), n + 3);

	assert_int_equal(store_hold_read(st, &f->err), 0);
	assert_int_equal(count_reset(st), n + 3);
	insert_meta(other, "w");
	assert_int_equal(store_begin(st, &f->err), 0);
	insert_meta(st, "v");
	assert_int_equal(store_commit(st, &f->err), 0);
	assert_int_equal(count_reset(st), n + 5);

	assert_int_equal(store_hold_read(st, &f->err), 0);
	assert_int_equal(count_reset(st), n + 5);
	insert_meta(other, "u");
	assert_int_equal(store_exec(st, "PRAGMA foreign_keys=ON", &f->err), 0);
	assert_int_equal(count_reset(st), n + 6);
	store_release_read(st); /* nothing held: nothing happens */

	/* a read transaction inside the snapshot (the log search's): it reads in the snapshot */
	{
		bool began = true;
		assert_int_equal(store_hold_read(st, &f->err), 0);
		/* the snapshot starts at the first read */
		assert_int_equal(count_reset(st), n + 6);
		insert_meta(other, "t");
		assert_int_equal(store_read_begin(st, &began, &f->err), 0);
		assert_false(began);
		assert_int_equal(count_reset(st), n + 6);
		store_read_end(st, began);
		assert_int_equal(count_reset(st), n + 6); /* still held */
		store_release_read(st);
		assert_int_equal(count_reset(st), n + 7);
	}
	/* transaction control run as a statement lets go first (a BEGIN in it would fail) */
	{
		sqlite3_stmt *b;
		assert_int_equal(store_hold_read(st, &f->err), 0);
		assert_int_equal(count_reset(st), n + 7);
		insert_meta(other, "s");
		b = store_prepare(st, "BEGIN", &f->err);
		assert_non_null(b);
		assert_int_equal(sqlite3_step(b), SQLITE_DONE);
		sqlite3_reset(b);
		assert_int_equal(count_reset(st), n + 8);
		assert_int_equal(store_exec(st, "COMMIT", &f->err), 0);
	}
	store_close(other);
	store_close(st);
}

/*
 * The write-ahead log under readers that never all pause (web/serve-keep.c): while a snapshot
 * older than the log's end is held, the cut waits its bound and reports busy; once it is let
 * go the file is cut to nothing, and every commit is still there.
 */
static void test_wal_cut(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL, *reader = NULL, *keep = NULL;
	char wal[128];
	struct stat sb;
	int n;

	assert_int_equal(store_open(f->dir, STORE_CREATE, &st, &f->err), 0);
	assert_int_equal(store_open(f->dir, 0, &reader, &f->err), 0);
	assert_int_equal(store_open(f->dir, 0, &keep, &f->err), 0);
	snprintf(wal, sizeof(wal), "%s/mamori.db-wal", f->dir);
	insert_meta(st, "a");
	assert_int_equal(store_hold_read(reader, &f->err), 0);
	n = count_reset(reader);
	insert_meta(st, "b");
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > 0);
	/* not past the bound: nothing to do */
	assert_int_equal(store_wal_cut(keep, sb.st_size, 10), 0);
	/* the reader's snapshot still needs the log */
	assert_int_equal(store_wal_cut(keep, 0, 10), -EBUSY);
	assert_int_equal(count_reset(reader), n);
	store_release_read(reader);
	assert_int_equal(store_wal_cut(keep, 0, 10), 1);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(count_reset(reader), n + 1);
	insert_meta(st, "c");
	assert_int_equal(count_reset(reader), n + 2);
	store_close(keep);
	store_close(reader);
	store_close(st);
}

/*
 * store_db_sync (core/door-ckpt.c): the database file synced through SQLite's own handle, on a
 * connection that never read (the checkpointer's) as on one that wrote; the data stays.
 */
static void test_db_sync(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL, *keep = NULL;

	assert_int_equal(store_open(f->dir, STORE_CREATE, &st, &f->err), 0);
	assert_int_equal(store_open(f->dir, 0, &keep, &f->err), 0);
	assert_int_equal(store_db_sync(keep), 0);
	insert_meta(st, "a");
	assert_int_equal(store_checkpoint(keep, STORE_CHECKPOINT_PASSIVE), 0);
	assert_int_equal(store_db_sync(keep), 0);
	assert_int_equal(store_db_sync(st), 0);
	insert_meta(st, "b");
	assert_int_equal(count_reset(keep), count_reset(st));
	store_close(keep);
	store_close(st);
}

static void test_not_sqlite(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL;
	char junk[4096];

	memset(junk, 'J', sizeof(junk));
	write_file(f->dir, "mamori.db", junk, sizeof(junk));
	assert_int_equal(store_open(f->dir, 0, &st, &f->err), -EPROTO);
	assert_null(st);
	assert_non_null(strstr(f->err.buf, "not an SQLite database"));
}

static void test_foreign_sqlite(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL;
	sqlite3 *db;
	char path[128];

	snprintf(path, sizeof(path), "%s/mamori.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE other(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->dir, 0, &st, &f->err), -EPROTO);
	assert_non_null(strstr(f->err.buf, "not a Mamori one"));
}

static void test_newer_schema_refused(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL;
	char sql[128];

	assert_int_equal(store_open(f->dir, STORE_CREATE, &st, &f->err), 0);
	snprintf(sql, sizeof(sql), "INSERT INTO schema_version(version, name) VALUES (%d, 'x')",
	         store_schema_latest() + 5);
	assert_int_equal(store_exec(st, sql, &f->err), 0);
	store_close(st);
	st = NULL;
	assert_int_equal(store_open(f->dir, 0, &st, &f->err), -ENOTSUP);
	assert_null(st);
	assert_non_null(strstr(f->err.buf, "newer Mamori"));
}

static void test_readonly(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL;

	assert_int_equal(store_open(f->dir, STORE_CREATE, &st, &f->err), 0);
	store_close(st);
	st = NULL;
	assert_int_equal(store_open(f->dir, STORE_READONLY, &st, &f->err), 0);
	int r = store_exec(st, "INSERT INTO meta(key, value) VALUES ('k', 'v')", &f->err);
	assert_int_equal(r, -EROFS);
	store_close(st);
}

/*
 * A record's requests are found through an index (schema/0025): a record's page asks for them
 * (core/history.c), and a scan of every request slowed each page as requests piled up.
 */
static void test_requests_of_a_record_indexed(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL;
	struct query *q;
	bool indexed = false;
	int r;

	assert_int_equal(store_open(f->dir, STORE_CREATE, &st, &f->err), 0);
	assert_int_equal(query_prepare(st,
	                               "EXPLAIN QUERY PLAN SELECT a.id FROM acts a WHERE"
	                               " a.record_id = ?1 OR a.request_id IN"
	                               " (SELECT id FROM requests WHERE record_id = ?1)",
	                               &q, &f->err),
	                 0);
	query_bind_int(q, 1, 7);
	while ((r = query_step(q, &f->err)) > 0) {
		const char *d = query_text(q, 3);
		assert_null(strstr(d, "SCAN requests"));
		if (strstr(d, "requests USING") && strstr(d, "INDEX requests_record"))
			indexed = true;
	}
	assert_int_equal(r, 0);
	assert_true(indexed);
	store_close(st);
}

/* Runs sql on a plain SQLite connection of its own (another process's, without the door). */
static void raw_exec(struct tmpdir_fixture *f, const char *sql)
{
	char path[128];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/mamori.db", f->dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Whether a store opened now finds the identity stamp's triggers (and reads its stamp then). */
static bool stamped_at_open(struct tmpdir_fixture *f, unsigned flags)
{
	struct store *st = NULL;
	bool stamped;

	assert_int_equal(store_open(f->dir, flags, &st, &f->err), 0);
	stamped = store_identity_stamped(st, &f->err) == 1;
	store_close(st);
	return stamped;
}

/* The stamp's number, read by a connection of its own. */
static int64_t raw_stamp(struct tmpdir_fixture *f)
{
	char path[128];
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int64_t n = -1;

	snprintf(path, sizeof(path), "%s/mamori.db", f->dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT n FROM identity_stamp", -1, &stmt, NULL),
	                 SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return n;
}

/* What a store opened without migrating (as doctor's) finds missing, names in names. */
static int missing_at_open(struct tmpdir_fixture *f, struct strbuf *names)
{
	struct store *st = NULL;
	int n;

	strbuf_reset(names);
	assert_int_equal(store_open(f->dir, STORE_NO_MIGRATE, &st, &f->err), 0);
	n = store_identity_triggers_missing(st, names, &f->err);
	store_close(st);
	return n;
}

/* SQLITE_TRACE_STMT: counts the runs of the statement that looks for the stamp's triggers. */
static int trace_lookups(unsigned type, void *ctx, void *p, void *x)
{
	(void)type;
	(void)x;
	if (strstr(sqlite3_sql(p), "type = 'trigger'"))
		++*(int *)ctx;
	return 0;
}

/* Whether a store opened with flags finds the nine at its first identity read, and how many
 * times that read looked for them (*ret_looked). */
static bool first_read_looks(struct tmpdir_fixture *f, unsigned flags, int *ret_looked)
{
	struct store *st = NULL;
	int r;

	*ret_looked = 0;
	assert_int_equal(store_open(f->dir, flags, &st, &f->err), 0);
	sqlite3_trace_v2(store_db(st), SQLITE_TRACE_STMT, trace_lookups, ret_looked);
	r = store_identity_stamped(st, &f->err);
	sqlite3_trace_v2(store_db(st), 0, NULL, NULL);
	store_close(st);
	assert_true(r >= 0);
	return r == 1;
}

/* The store's warnings as a front end gets them (store_set_say): each one's message id, and
 * the lines they make. */
static const char *warned_ids[4];
static size_t warned_n;
static struct strbuf warned = STRBUF_INIT;

static void warn_kept(enum store_say kind, const char *fmt, va_list ap)
{
	assert_int_equal(kind, STORE_SAY_WARNING);
	if (warned_n < ARRAY_SIZE(warned_ids))
		warned_ids[warned_n] = fmt;
	warned_n++;
	strbuf_vaddf(&warned, fmt, ap);
	strbuf_addch(&warned, '\n');
}

/*
 * The identity stamp's nine triggers (schema/0030) are there after the whole chain of
 * migrations, and a store that opens without any one of them (a table rebuilt by a later
 * migration drops its triggers; a trigger changed so that it no longer moves the stamp) says so:
 * core/identity.c then reads no stamp, and nobody acts on an identity kept against it. A store
 * already open sees another process's change of the schema at its next look. An open that
 * migrates makes them again and moves the stamp; one that does not (read-only, doctor's) leaves
 * them as they are.
 */
static void test_identity_stamp_triggers(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct strbuf names = STRBUF_INIT, want = STRBUF_INIT;
	struct store *st = NULL;
	int64_t n;
	int looked;

	/* the constant names the migration that makes them (doctor looks from it on) */
	assert_int_equal(store_migrations[STORE_IDENTITY_STAMP_SCHEMA - 1].version,
	                 STORE_IDENTITY_STAMP_SCHEMA);
	assert_string_equal(store_migrations[STORE_IDENTITY_STAMP_SCHEMA - 1].name,
	                    "identity-stamp");
	store_set_say(warn_kept);
	assert_int_equal(store_open(f->dir, STORE_CREATE, &st, &f->err), 0);
	assert_int_equal(store_identity_stamped(st, &f->err), 1);
	assert_int_equal(store_identity_triggers_missing(st, &names, &f->err), 0);
	assert_int_equal(names.len, 0);
	/* while st is open: another connection drops one, then makes it again */
	raw_exec(f, "DROP TRIGGER identity_stamp_users_delete");
	assert_int_equal(store_identity_stamped(st, &f->err), 0);
	raw_exec(f, "CREATE TRIGGER identity_stamp_users_delete AFTER DELETE ON users BEGIN "
	            "UPDATE identity_stamp SET n = n + 1 WHERE id = 1; END");
	assert_int_equal(store_identity_stamped(st, &f->err), 1);
	store_close(st);
	assert_true(stamped_at_open(f, STORE_READONLY));
	/* an open that may write keeps what it found: its first identity read does not look again
	 * (a change of the schema since is seen all the same: above); one that does not look at
	 * open (read-only, doctor's) looks then */
	assert_true(first_read_looks(f, 0, &looked));
	assert_int_equal(looked, 0);
	assert_true(first_read_looks(f, STORE_READONLY, &looked));
	assert_true(looked > 0);

	raw_exec(f, "DROP TRIGGER identity_stamp_tokens_update");
	assert_false(stamped_at_open(f, STORE_NO_MIGRATE));
	assert_false(stamped_at_open(f, STORE_READONLY));
	assert_int_equal(missing_at_open(f, &names), 1);
	assert_string_equal(names.buf, "identity_stamp_tokens_update");
	/* there, but moving nothing */
	raw_exec(f, "CREATE TRIGGER identity_stamp_tokens_update AFTER UPDATE ON api_tokens BEGIN "
	            "SELECT 1; END");
	assert_false(stamped_at_open(f, STORE_NO_MIGRATE));
	/* there, but on another event */
	raw_exec(f, "DROP TRIGGER identity_stamp_tokens_update; "
	            "CREATE TRIGGER identity_stamp_tokens_update AFTER INSERT ON api_tokens BEGIN "
	            "UPDATE identity_stamp SET n = n + 1 WHERE id = 1; END");
	assert_false(stamped_at_open(f, STORE_NO_MIGRATE));
	assert_int_equal(missing_at_open(f, &names), 1);
	/* an open that migrates makes it again, and moves the stamp (and keeps that they are there)
	 */
	n = raw_stamp(f);
	assert_true(first_read_looks(f, 0, &looked));
	assert_int_equal(looked, 0);
	assert_int_equal(missing_at_open(f, &names), 0);
	assert_int_equal(raw_stamp(f), n + 1);
	assert_true(stamped_at_open(f, 0)); /* nothing missing: the stamp stays */
	assert_int_equal(raw_stamp(f), n + 1);

	/* a table rebuilt (made anew, copied, renamed) loses its triggers with the old table */
	raw_exec(f, "PRAGMA foreign_keys = OFF; BEGIN; "
	            "CREATE TABLE role_assignments_new AS SELECT * FROM role_assignments; "
	            "DROP TABLE role_assignments; "
	            "ALTER TABLE role_assignments_new RENAME TO role_assignments; COMMIT");
	assert_false(stamped_at_open(f, STORE_NO_MIGRATE));
	assert_int_equal(missing_at_open(f, &names), 3);
	assert_string_equal(names.buf, "identity_stamp_roles_insert, identity_stamp_roles_update, "
	                               "identity_stamp_roles_delete");
	/* another connection writing: the open does not wait for it, and makes nothing now */
	{
		char path[128];
		sqlite3 *db = NULL;
		struct timespec t0, t1;

		snprintf(path, sizeof(path), "%s/mamori.db", f->dir);
		assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL),
		                 SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_false(stamped_at_open(f, 0));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* (it waited STORE_BUSY_MS, 5 s, or more) */
		assert_true(t1.tv_sec - t0.tv_sec < 3);
		assert_int_equal(missing_at_open(f, &names), 3);
		assert_int_equal(raw_stamp(f), n + 1);
		assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	assert_true(stamped_at_open(f, 0));
	assert_int_equal(raw_stamp(f), n + 2);
	/* both warnings, once each, went to the front end's function as message ids */
	store_set_say(NULL);
	assert_int_equal(warned_n, 2);
	assert_non_null(strstr(warned_ids[0], "%s lacks the identity stamp's triggers"));
	assert_non_null(strstr(warned_ids[1], "%s lacks some of the identity stamp's triggers"));
	strbuf_addf(&want, "%s/mamori.db lacks the identity stamp's triggers", f->dir);
	assert_int_equal(strncmp(warned.buf, want.buf, want.len), 0);
	strbuf_reset(&want);
	strbuf_addf(&want, "\n%s/mamori.db lacks some of the identity stamp's triggers", f->dir);
	assert_non_null(strstr(warned.buf, want.buf));
	strbuf_release(&want);
	strbuf_release(&warned);
	strbuf_release(&names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_without_create, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_create_migrates_0600, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_nested_transactions, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_statement_cache_and_constraint, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_hold_read, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_write_gate_order, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_wal_cut, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_db_sync, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_not_sqlite, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_foreign_sqlite, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_readonly, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_requests_of_a_record_indexed, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_identity_stamp_triggers, tmpdir_setup,
		                                tmpdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
