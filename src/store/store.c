/* store: the SQLite database of a data directory: open, transactions, statements (its schema
 * and migrations: schema.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bitset.h"
#include "base/cleanup.h"
#include "base/conf.h"
#include "base/fsdir.h"
#include "store/query.h"
#include "store/store-internal.h"

int store_error(struct store *st, int rc, const char *what, struct strbuf *err)
{
	const char *msg = st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
	const char *path = st && st->path ? st->path : "database";

	/* SQLite reports some failed writes of a full disk as I/O errors: say what it was. */
	if ((rc & 0xff) == SQLITE_IOERR && st && st->db && sqlite3_system_errno(st->db) == ENOSPC)
		rc = SQLITE_FULL;
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		error_set(err,
		          "'%s' is corrupt or not an SQLite database (%s: %s); restore it from a "
		          "backup ('mamori restore') or run 'mamori doctor'",
		          path, what, msg);
		return -EPROTO;
	case SQLITE_READONLY:
		error_set(err, "'%s' is read-only (%s: %s); check the file system and permissions",
		          path, what, msg);
		return -EROFS;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		error_set(err, "cannot open '%s' (%s: %s); check that it exists and is writable",
		          path, what, msg);
		return -EACCES;
	case SQLITE_FULL:
		error_set(err, "the disk holding '%s' is full (%s); free some space and retry",
		          path, what);
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		error_set(err, "'%s' is busy (%s: %s); another mamori is writing, retry shortly",
		          path, what, msg);
		return -EBUSY;
	case SQLITE_CONSTRAINT:
		error_set(err, "%s: %s", what, msg);
		return -EEXIST;
	case SQLITE_NOMEM:
		error_set(err, "out of memory (%s)", what);
		return -ENOMEM;
	case SQLITE_IOERR:
		error_set(err, "I/O error on '%s' (%s: %s); check the disk", path, what, msg);
		return -EIO;
	default:
		error_set(err, "database error on '%s' (%s: %s)", path, what, msg);
		return -EIO;
	}
}

int store_exec(struct store *st, const char *sql, struct strbuf *err)
{
	int rc;

	if (st->pg)
		return pg_exec(st, sql, err);
	store_release_read(st); /* any SQL: it may write */
	rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : store_error(st, rc, "exec", err);
}

/* FNV-1a over the SQL text: the same literal may have different addresses in two files. */
static unsigned sql_hash(const char *sql)
{
	unsigned h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/*
 * Whether a statement must end a held read snapshot first: anything that may write, and
 * transaction control (sqlite3_stmt_readonly calls BEGIN and COMMIT read-only, but a BEGIN
 * inside the snapshot fails and a COMMIT would end it under its holder).
 */
static bool ends_held_read(sqlite3_stmt *stmt, const char *sql)
{
	static const char *const txn[] = { "BEGIN",    "COMMIT",    "END",
		                           "ROLLBACK", "SAVEPOINT", "RELEASE" };

	if (!sqlite3_stmt_readonly(stmt))
		return true;
	while (*sql == ' ' || *sql == '\t' || *sql == '\n')
		sql++;
	for (size_t i = 0; i < sizeof(txn) / sizeof(txn[0]); i++)
		if (!strncasecmp(sql, txn[i], strlen(txn[i])))
			return true;
	return false;
}

struct query *store_cached(struct store *st, const char *sql, int *ret_err, struct strbuf *err)
{
	unsigned h = sql_hash(sql);
	struct query **bucket = &st->cache[h % STORE_CACHE_BUCKETS];
	sqlite3_stmt *stmt;
	struct query *q;
	int rc;

	for (q = *bucket; q; q = q->next) {
		if (q->hash == h && (q->sql == sql || !strcmp(q->sql, sql))) {
			if (q->pg) {
				pg_reset(q->pg, true);
				return q;
			}
			sqlite3_reset(q->stmt);
			sqlite3_clear_bindings(q->stmt);
			q->bind_rc = SQLITE_OK;
			if (st->held_read && ends_held_read(q->stmt, sql))
				store_release_read(st);
			return q;
		}
	}
	if (st->pg) {
		struct pg_stmt *ps = pg_prepare(st, sql, ret_err, err);
		if (!ps)
			return NULL;
		q = xcalloc(1, sizeof(*q));
		q->st = st;
		q->sql = sql;
		q->hash = h;
		q->pg = ps;
		q->next = *bucket;
		*bucket = q;
		return q;
	}
	rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
	if (rc != SQLITE_OK) {
		*ret_err = store_error(st, rc, "prepare", err);
		return NULL;
	}
	if (st->held_read && ends_held_read(stmt, sql))
		store_release_read(st);
	q = xcalloc(1, sizeof(*q));
	q->st = st;
	q->sql = sql;
	q->hash = h;
	q->stmt = stmt;
	q->next = *bucket;
	*bucket = q;
	return q;
}

sqlite3_stmt *store_prepare(struct store *st, const char *sql, struct strbuf *err)
{
	int r;
	struct query *q;

	if (st->pg) {
		error_set(err, "this part of Mamori does not work on PostgreSQL yet (it still "
		               "speaks SQLite); see docs/operations.md");
		return NULL;
	}
	q = store_cached(st, sql, &r, err);

	return q ? q->stmt : NULL;
}

/*
 * Transaction statements are run through the statement cache: the door opens and releases a
 * savepoint per act, and parsing "SAVEPOINT spN" again each time was a visible share of an
 * act's cost. The names are literals so the cache can key on them.
 */
static const char *const sp_open[STORE_SAVEPOINTS] = {
	"SAVEPOINT sp1",  "SAVEPOINT sp2",  "SAVEPOINT sp3",  "SAVEPOINT sp4",
	"SAVEPOINT sp5",  "SAVEPOINT sp6",  "SAVEPOINT sp7",  "SAVEPOINT sp8",
	"SAVEPOINT sp9",  "SAVEPOINT sp10", "SAVEPOINT sp11", "SAVEPOINT sp12",
	"SAVEPOINT sp13", "SAVEPOINT sp14", "SAVEPOINT sp15", "SAVEPOINT sp16",
};
static const char *const sp_release[STORE_SAVEPOINTS] = {
	"RELEASE sp1",  "RELEASE sp2",  "RELEASE sp3",  "RELEASE sp4",
	"RELEASE sp5",  "RELEASE sp6",  "RELEASE sp7",  "RELEASE sp8",
	"RELEASE sp9",  "RELEASE sp10", "RELEASE sp11", "RELEASE sp12",
	"RELEASE sp13", "RELEASE sp14", "RELEASE sp15", "RELEASE sp16",
};
/*
 * PostgreSQL: the same as one message each (store_rollback, pg_release). Constant text: the
 * connection's owner check (pg-owner.h) keeps a pointer to the statement being run.
 */
#define SP_EACH(X)                                                                                 \
	X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16)
#define SP_UNDO(n)  "ROLLBACK TO sp" #n "; RELEASE sp" #n,
#define SP_CLOSE(n) "SELECT set_config('mamori.door', '', true); RELEASE sp" #n,
static const char *const sp_undo[STORE_SAVEPOINTS] = { SP_EACH(SP_UNDO) };
static const char *const sp_release_closing[STORE_SAVEPOINTS] = { SP_EACH(SP_CLOSE) };
/* BEGIN and the writers' lock (STORE_LOCK_WRITER, 0x4d4d524900000001) in one message */
#define PG_BEGIN_WRITER "BEGIN; SELECT pg_advisory_xact_lock(5570198787613261825)"
static const char *const sp_rollback[STORE_SAVEPOINTS] = {
	"ROLLBACK TO sp1",  "ROLLBACK TO sp2",  "ROLLBACK TO sp3",  "ROLLBACK TO sp4",
	"ROLLBACK TO sp5",  "ROLLBACK TO sp6",  "ROLLBACK TO sp7",  "ROLLBACK TO sp8",
	"ROLLBACK TO sp9",  "ROLLBACK TO sp10", "ROLLBACK TO sp11", "ROLLBACK TO sp12",
	"ROLLBACK TO sp13", "ROLLBACK TO sp14", "ROLLBACK TO sp15", "ROLLBACK TO sp16",
};

/* Runs one cached statement without results; 0 or a negative errno with err set. */
static int run_cached(struct store *st, const char *sql, struct strbuf *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (st->pg) {
		struct query *q;
		int r = query_prepare(st, sql, &q, err);
		return r < 0 ? r : query_run(q, err);
	}
	stmt = store_prepare(st, sql, err);
	if (!stmt)
		return -EIO;
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_error(st, rc, sql, err);
}

/* Leaves the write gate when the outer transaction held it. */
static void gate_leave(struct store *st)
{
	if (st->gated) {
		st->gated = false;
		store_gate_leave(st->gate);
	}
}

int store_begin(struct store *st, struct strbuf *err)
{
	int r;

	store_release_read(st);
	if (st->depth > STORE_SAVEPOINTS) {
		error_set(err, "transactions nested more than %d deep", STORE_SAVEPOINTS + 1);
		return -EINVAL;
	}
	if (st->pg && st->depth == 0) {
		/*
		 * SQLite's BEGIN IMMEDIATE excludes every other writer, and the code above relies
		 * on it: on PostgreSQL a write transaction takes the writers' advisory lock first
		 * (READ COMMITTED: every statement after it sees what the last writer committed).
		 * Both go in one message, one round trip; a lock not granted (lock_timeout) leaves
		 * the transaction failed, and it is rolled back.
		 */
		r = pg_exec(st, PG_BEGIN_WRITER, err);
		if (r == 0 || pg_in_transaction(st)) {
			st->depth = st->sp_sent = 1;
			st->door = false;
			st->ledger_locked = 0;
		}
		if (r < 0 && st->depth)
			store_rollback(st);
		return r;
	}
	if (st->pg) {
		/*
		 * A savepoint goes to the server with the next statement (pg.c), in the same
		 * message when that is a plain one (the door opening, store_hooks_door): the door's
		 * act paid a round trip for it alone. One nothing ran in is never sent.
		 */
		st->depth++;
		st->door_at[st->depth] = st->door;
		return 0;
	}
	if (st->depth == 0)
		st->gated = store_gate_enter(st->gate);
	r = run_cached(st, st->depth == 0 ? "BEGIN IMMEDIATE" : sp_open[st->depth - 1], err);
	if (r == 0)
		st->depth++;
	else if (st->depth == 0)
		gate_leave(st);
	return r;
}

int store_read_begin(struct store *st, bool *ret_began, struct strbuf *err)
{
	int r = 0;

	*ret_began = false;
	if (st->pg) {
		if (st->depth == 0) {
			r = run_cached(
			    st, "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
			    err);
			*ret_began = r == 0;
		}
		return r;
	}
	if (st->depth == 0 && sqlite3_get_autocommit(st->db)) {
		r = run_cached(st, "BEGIN", err);
		*ret_began = r == 0;
	}
	return r;
}

int store_hold_read(struct store *st, struct strbuf *err)
{
	int r;

	/* PostgreSQL: each statement reads committed data; nothing is held there yet */
	if (st->pg || st->held_read || st->depth > 0 || !sqlite3_get_autocommit(st->db))
		return 0;
	r = run_cached(st, "BEGIN", err);
	st->held_read = r == 0;
	return r;
}

void store_release_read(struct store *st)
{
	if (!st || !st->held_read)
		return;
	st->held_read = false;
	/* nothing was written in it (a write ends it first): COMMIT only lets go */
	if (run_cached(st, "COMMIT", NULL) < 0 && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

void store_read_end(struct store *st, bool began)
{
	struct strbuf err = STRBUF_INIT;

	/* a read-only transaction: COMMIT cannot lose anything; on failure roll back */
	if (began && st->pg) {
		if (run_cached(st, "COMMIT", &err) < 0)
			pg_exec(st, "ROLLBACK", NULL);
		strbuf_release(&err);
		return;
	}
	if (began && run_cached(st, "COMMIT", &err) < 0 && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	strbuf_release(&err);
}

/*
 * PostgreSQL: RELEASE of the innermost savepoint, sent at the head of the next message (the
 * next act's savepoint and the door's opening, or COMMIT; pg.c): releasing cannot fail short of
 * a lost connection, which that message reports. The door's setting goes back to what it was
 * when the level began, in the same message (the door's act opened it for the act alone;
 * store_hooks_door then has nothing to send). A savepoint never sent needs nothing. At most one
 * RELEASE waits per level closed since the last message, so released[] cannot overflow.
 */
static void pg_release(struct store *st)
{
	int level = st->depth;

	if (st->sp_sent >= level) {
		bool close = st->door && !st->door_at[level];

		/* sent with the next message (pg.c): the next act's savepoint, or COMMIT */
		st->released[st->n_released++] =
		    close ? sp_release_closing[level - 2] : sp_release[level - 2];
		st->sp_sent = level - 1;
		if (close)
			st->door = false;
	}
	if (st->ledger_locked == level)
		st->ledger_locked = level - 1;
	st->depth--;
}

int store_commit(struct store *st, struct strbuf *err)
{
	int r;

	if (st->depth <= 0) {
		error_set(err, "commit without a transaction");
		return -EINVAL;
	}
	if (st->pg && st->depth > 1) {
		pg_release(st);
		return 0;
	}
	/* PostgreSQL: COMMIT in one message with any RELEASE not sent yet */
	r = st->pg ? pg_exec(st, "COMMIT", err)
	           : run_cached(st, st->depth == 1 ? "COMMIT" : sp_release[st->depth - 2], err);
	if (st->pg)
		st->n_released = 0;
	if (st->pg && r == 0) {
		st->sp_sent = 0;
		st->door = false;
		st->ledger_locked = 0;
	}
	if (r < 0) {
		/* A failed COMMIT (disk full, I/O) leaves the transaction open: undo it. */
		store_rollback(st);
		return r;
	}
	st->depth--;
	if (st->depth == 0)
		gate_leave(st);
	return 0;
}

void store_rollback(struct store *st)
{
	if (st->depth <= 0)
		return;
	if (st->depth == 1 && st->pg) {
		st->n_released = 0; /* undone with the rest */
		pg_exec(st, "ROLLBACK", NULL);
		st->sp_sent = 0;
		st->door = false;
		st->ledger_locked = 0;
	} else if (st->pg) {
		int level = st->depth;

		/* undone and let go in one message; a savepoint never sent has nothing to undo */
		if (st->sp_sent >= level) {
			pg_exec(st, sp_undo[level - 2], NULL);
			st->sp_sent = level - 1;
		}
		st->door = st->door_at[level]; /* the setting is undone with the savepoint */
		if (st->ledger_locked >= level)
			st->ledger_locked = 0; /* PostgreSQL lets the subtransaction's locks go */
	} else if (st->depth == 1) {
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	} else {
		run_cached(st, sp_rollback[st->depth - 2], NULL);
		run_cached(st, sp_release[st->depth - 2], NULL);
	}
	st->depth--;
	if (st->depth == 0)
		gate_leave(st);
}

int64_t store_round_trips(const struct store *st)
{
	return st->pg ? pg_round_trips(st) : 0;
}

int store_txn_depth(struct store *st)
{
	return st->depth;
}

sqlite3 *store_db(struct store *st)
{
	return st->db;
}

typedef void (*store_say_fn)(enum store_say kind, const char *fmt, va_list ap);
static _Atomic(store_say_fn) say_fn;

void store_set_say(void (*say)(enum store_say kind, const char *fmt, va_list ap))
{
	atomic_store(&say_fn, say);
}

void store_say(enum store_say kind, const char *fmt, ...)
{
	static const char *const prefix[] = { [STORE_SAY_WARNING] = "mamori: warning: ",
		                              [STORE_SAY_ERROR] = "mamori: error: ",
		                              [STORE_SAY_STOPPING] = "mamori: stopping: " };
	store_say_fn say = atomic_load(&say_fn);
	va_list ap;

	va_start(ap, fmt);
	if (say) {
		say(kind, fmt, ap);
	} else {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, prefix[kind]);
		strbuf_vaddf(&sb, fmt, ap);
		strbuf_addch(&sb, '\n');
		(void)fputs(sb.buf, stderr);
		strbuf_release(&sb);
	}
	va_end(ap);
}

/* mamori_in_set(set, id): whether id is in a bitset bound with query_bind_bitset. */
static void in_set(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct bitset *set = sqlite3_value_pointer(argv[0], STORE_BITSET_TYPE);

	(void)argc;
	sqlite3_result_int(ctx, set && sqlite3_value_type(argv[1]) == SQLITE_INTEGER &&
	                            bitset_has(set, sqlite3_value_int64(argv[1])));
}

/*
 * The configuration may name a PostgreSQL store: then that is the ward's store, even if a stray
 * mamori.db sits beside it (path). (With a database file there, a configuration that cannot be
 * read is left to the commands that read it.) 1 when the store is PostgreSQL's, opened into
 * *ret; 0 when it is the file; or a negative errno with err set.
 */
static int open_configured_pg(const char *dir, const char *path, unsigned flags, struct store **ret,
                              struct strbuf *err)
{
	struct stat sb;
	bool file = stat(path, &sb) == 0 || errno != ENOENT;
	char *url = NULL;
	struct strbuf why = STRBUF_INIT;
	int r = store_configured_url(dir, &url, file ? &why : err);

	strbuf_release(&why);
	if (r < 0 && file)
		r = 0;
	if (r == 0 && !url)
		return 0;
	if (r == 0 && !(flags & STORE_ANY_BACKEND)) {
		error_set(err,
		          "the data directory '%s' keeps its data in PostgreSQL, and this command "
		          "does not work on PostgreSQL yet; what does is listed in "
		          "docs/operations.md (PostgreSQL)",
		          dir);
		r = -ENOTSUP;
	} else if (r == 0) {
		r = store_pg_open(url, flags, false, ret, err);
	}
	free(url);
	return r < 0 ? r : 1;
}

/*
 * The database file at path: there and a regular file, or, with STORE_CREATE, made empty (mode
 * 0600 whatever the umask). 0, or a negative errno with err set.
 */
static int file_ready(const char *dir, const char *path, unsigned flags, struct strbuf *err)
{
	struct stat sb;
	int r, fd;

	if (stat(path, &sb) == 0) {
		if (S_ISREG(sb.st_mode))
			return 0;
		error_set(err, "'%s' is not a regular file", path);
		return -EPROTO;
	}
	if (errno != ENOENT || !(flags & STORE_CREATE)) {
		r = -errno;
		if (errno == ENOENT)
			error_set(
			    err,
			    "no Mamori database in '%s'; create one with 'mamori --dir %s init'",
			    dir, dir);
		else
			error_set(err, "cannot access '%s': %s", path, strerror(errno));
		return r;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		error_set(err, "cannot create '%s': %s", path, strerror(errno));
		return r;
	}
	close(fd);
	return 0;
}

/*
 * SQLite's unix VFS syncs the directory as it makes the database's log (-wal) and ignores a
 * failure (unixSync, DIRSYNC), so a commit could be acknowledged while the log's name would not
 * survive a power loss. The log is made by the first connection's first transaction (the last
 * connection to close removes it): the connection that made it (the log was not there before it
 * opened) syncs the directory here, and a failure fails the open (init undoes itself, a command
 * does nothing, serve does not start). Whether the log is there: wal_there(path).
 */
static bool wal_there(const char *path)
{
	struct strbuf wal = STRBUF_INIT;
	struct stat sb;
	bool there;

	strbuf_addf(&wal, "%s-wal", path);
	there = stat(wal.buf, &sb) == 0;
	strbuf_release(&wal);
	return there;
}

static int log_name_durable(const char *dir, const char *path, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	int r = fs_sync_dir(dir, &why);

	if (r < 0)
		error_set(err,
		          "%s; the database's new log '%s-wal' might not survive a power loss, so "
		          "nothing is done on it: check the disk",
		          why.buf, path);
	strbuf_release(&why);
	return r;
}

int store_open(const char *dir, unsigned flags, struct store **ret, struct strbuf *err)
{
	const char *vfs;
	struct store *st;
	struct strbuf path = STRBUF_INIT;
	bool had_log;
	int rc, r;

	strbuf_addf(&path, "%s/%s", dir, STORE_DB_NAME);
	r = open_configured_pg(dir, path.buf, flags, ret, err);
	if (r == 0)
		r = file_ready(dir, path.buf, flags, err);
	if (r != 0) {
		strbuf_release(&path);
		return r < 0 ? r : 0; /* 1: PostgreSQL's store */
	}
	st = xcalloc(1, sizeof(*st));
	st->path = strbuf_detach(&path, NULL);
	had_log = (flags & STORE_READONLY) || wal_there(st->path);
	/* (NULL: the default VFS; store/sqlite-batch.c when it cannot be registered too) */
	vfs = (flags & (STORE_BATCH_IO | STORE_GATHER_CKPT))
	          ? store_batch_vfs(flags & STORE_GATHER_CKPT)
	          : NULL;
	rc = sqlite3_open_v2(
	    st->path, &st->db,
	    (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE, vfs);
	if (rc != SQLITE_OK) {
		r = store_error(st, rc, "open", err);
		goto fail;
	}
	st->gate = store_gate_for(st->path);
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	store_wal_auto(st);
	rc = sqlite3_create_function_v2(st->db, "mamori_in_set", 2, SQLITE_UTF8 | SQLITE_INNOCUOUS,
	                                NULL, in_set, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = store_error(st, rc, "registering mamori_in_set", err);
		goto fail;
	}
	if (!(flags & STORE_READONLY)) {
		/* The first statement that reads the header detects a non-database file. */
		rc = sqlite3_exec(st->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			r = store_error(st, rc, "setting WAL mode", err);
			goto fail;
		}
	}
	r = store_exec(st, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", err);
	if (r < 0)
		goto fail;
	r = store_sqlite_schema(st, flags, err);
	if (r == 0 && !had_log && wal_there(st->path)) /* made by this connection */
		r = log_name_durable(dir, st->path, err);
	if (r < 0)
		goto fail;
	*ret = st;
	return 0;
fail:
	store_close(st);
	return r;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	while (st->depth > 0)
		store_rollback(st);
	for (size_t i = 0; i < STORE_CACHE_BUCKETS; i++) {
		struct query *q = st->cache[i];
		while (q) {
			struct query *next = q->next;
			if (q->pg)
				pg_stmt_free(q->pg);
			else
				sqlite3_finalize(q->stmt);
			free(q);
			q = next;
		}
	}
	if (st->pg) {
		pg_close(st);
	} else {
		/* the database file failed: the log is what recovery needs (wal.c) */
		if (st->db && store_db_failed(st, NULL) < 0)
			store_no_checkpoint_on_close(st);
		sqlite3_close_v2(st->db);
	}
	free(st->location);
	free(st->path);
	free(st);
}
