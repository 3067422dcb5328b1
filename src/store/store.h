/*
 * store: the database of a data directory: open, migrate, transactions, statements (through
 * store/query.h). Nothing here names SQLite: store/sqlite.h is for store/ itself and for tests
 * that reach under it.
 */
#ifndef MAMORI_STORE_STORE_H
#define MAMORI_STORE_STORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

#define STORE_DB_NAME "mamori.db"
/* PRAGMA application_id: 'MMRI', so a foreign SQLite file is recognised as such. */
#define STORE_APPLICATION_ID 0x4d4d5249

struct store;

/*
 * What the store says on stderr besides its errors (err): each line a message id (N_(): English,
 * catalogued in po/) with its arguments, without "mamori: " and its kind, for the front end to
 * say in its reader's language (mamori serve's workers go through the same function). Until one
 * is set, or with NULL, they are printed on stderr in English: "mamori: warning: ..." (the
 * identity stamp's triggers: something a person should know that fails nothing), "mamori:
 * error: ..." (the database file's latch, store/wal.c: the process goes on and stops soon after)
 * and "mamori: stopping: ..." (a checkpoint that cannot write, store/sqlite-batch-db.c: the
 * process aborts right after). Set before any store is opened.
 */
enum store_say {
	STORE_SAY_WARNING,
	STORE_SAY_ERROR,
	STORE_SAY_STOPPING,
};
void store_set_say(void (*say)(enum store_say kind, const char *fmt, va_list ap));

enum store_open_flags {
	STORE_CREATE = 1 << 0,     /* create the database file (mode 0600) if missing */
	STORE_READONLY = 1 << 1,   /* open read-only; no migrations are applied */
	STORE_NO_MIGRATE = 1 << 2, /* open without applying pending migrations (doctor) */
	/*
	 * The caller works on PostgreSQL too. Without it, a data directory whose mamori.conf
	 * names a PostgreSQL store ([store] url) is refused with -ENOTSUP and a message saying
	 * the command does not work on PostgreSQL yet (docs/operations.md lists what does).
	 */
	STORE_ANY_BACKEND = 1 << 3,
	/*
	 * SQLite: this connection appends in bulk (the ledger's group-commit writer, its
	 * checkpointer, the log follower): its WAL frames are written in runs, not two calls a
	 * page, and its checkpoints read the WAL ahead (store/sqlite-batch.c). The same bytes,
	 * the same guarantees, fewer system calls; any connection may use it, from any thread
	 * (its state is the connection's), and a failed write fails its transaction's commit.
	 * Not with PRAGMA locking_mode=EXCLUSIVE (the WAL's write lock is never released, so a
	 * failed write would fail every later one until the connection closes). No effect on
	 * PostgreSQL.
	 */
	STORE_BATCH_IO = 1 << 4,
	/*
	 * SQLite, implies STORE_BATCH_IO: this connection's checkpoints also write the database
	 * file's pages in runs of up to 96 KiB, not a call a page (the ledger writer's
	 * checkpointer). A run that cannot be written fails the checkpoint, except the last one,
	 * written when SQLite no longer takes an error (SQLITE_FCNTL_CKPT_DONE): it is tried
	 * again page by page, and if that fails too the PROCESS STOPS (abort, with a message on
	 * stderr) before SQLite could record the pages as copied. Nothing acknowledged is lost:
	 * it is durable in the WAL, and the next start copies it again (store/sqlite-batch.c).
	 */
	STORE_GATHER_CKPT = 1 << 5
};

/* Where a data directory keeps its data (mamori.conf [store] url; docs/operations.md). */
enum store_dialect {
	STORE_SQLITE,    /* DIR/mamori.db, the default */
	STORE_POSTGRESQL /* a PostgreSQL database named by a postgresql:// URL */
};

/*
 * Opens DIR/mamori.db: WAL, synchronous=FULL, foreign_keys=ON, busy
 * timeout, then applies pending migrations, each in its own transaction
 * (never half-applied). Returns 0 or a negative errno-style code with a
 * message for people in err: -ENOENT (no database), -EPROTO (not a Mamori
 * or not an SQLite file, or corrupt), -EROFS/-EACCES, -ENOSPC, -ENOTSUP
 * (schema newer than this build).
 */
int store_open(const char *dir, unsigned flags, struct store **ret, struct strbuf *err);
void store_close(struct store *st);
enum store_dialect store_dialect(const struct store *st);
/* For people: the database file's path, or the PostgreSQL URL without any password. */
const char *store_location(const struct store *st);
/*
 * The PostgreSQL URL a data directory's mamori.conf names ([store] url) in *ret_url (owned),
 * or NULL for SQLite. 0, or a negative errno with err (a broken configuration, a URL with a
 * password or not postgresql://).
 */
int store_configured_url(const char *dir, char **ret_url, struct strbuf *err);
/* Checks a postgresql:// URL as init accepts it: 0, or -EINVAL with err saying why. */
int store_url_check(const char *url, struct strbuf *err);
/*
 * Creates the PostgreSQL schema (the migrations of schema/, in PostgreSQL's dialect) in the
 * database url names and opens it: mamori init --store. The database must exist and be empty
 * of Mamori tables (-EEXIST otherwise: one ward, one database).
 */
int store_create_url(const char *url, struct store **ret, struct strbuf *err);
/*
 * mamori migrate: copies every table of src (SQLite, its schema current) into dst (a new
 * PostgreSQL store made by store_create_url, empty) in one transaction, parents before the
 * rows that reference them, identity columns continued after the highest id; the records'
 * search text is made again by PostgreSQL. 0 with stats, or a negative errno with err (dst
 * then holds nothing of it).
 */
struct store_migrate_stats {
	int64_t tables, rows;
};
int store_migrate_to(struct store *src, struct store *dst, struct store_migrate_stats *stats,
                     struct strbuf *err);
/* PostgreSQL's server version (150018), 0 on SQLite. */
int store_server_version(struct store *st);

/*
 * A transaction-scoped lock on key (PostgreSQL: pg_advisory_xact_lock, released by commit or
 * rollback): the writers of one shared thing (the ledger's sequence) take turns across nodes.
 * On SQLite a write transaction already excludes every other writer: nothing to do.
 */
#define STORE_LOCK_WRITER 0x4d4d524900000001LL /* every write transaction (store_begin) */
#define STORE_LOCK_LEDGER 0x4d4d524900000002LL /* the ledger's sequence */
int store_lock_xact(struct store *st, int64_t key, struct strbuf *err);
/*
 * A session lock (PostgreSQL's pg_try_advisory_lock): 1 when this connection holds key (now or
 * already), 0 when another does, or a negative errno. Held until the connection closes, so a
 * process that dies gives it up. SQLite (one server per file): always 1.
 */
#define STORE_LOCK_CHECKPOINT 0x4d4d524900000003LL /* the server that signs checkpoints */
int store_lock_try(struct store *st, int64_t key, struct strbuf *err);
/*
 * Bulk rows by COPY ... FROM STDIN (PostgreSQL only; -ENOTSUP on SQLite): sql is the COPY
 * statement (a literal), data the whole COPY stream in the format it names.
 */
int store_copy_in(struct store *st, const char *sql, const void *data, size_t len,
                  struct strbuf *err);

/* Schema version recorded in the database, and the newest this build knows. */
int store_schema_version(struct store *st);
int store_schema_latest(void);
/* The schema version whose migration made the identity stamp and its nine triggers
 * (schema/0030-identity-stamp.sql): before it there are none to look for. */
#define STORE_IDENTITY_STAMP_SCHEMA 30
/*
 * 1 when the identity stamp's nine triggers (schema/0030) are all there, so that the stamp
 * moves with every change of users, roles and tokens; 0 on PostgreSQL and on a schema without
 * them (before 0030, or a migration that rebuilt a table and lost its triggers: then a warning,
 * once a process: store_set_say); a negative errno with err set when SQLite could not say. Looked
 * for again whenever the schema changed since the last look (PRAGMA schema_version, read in
 * the caller's transaction or snapshot), so another process's migration is seen at once.
 */
int store_identity_stamped(struct store *st, struct strbuf *err);
/*
 * How many of those nine triggers a SQLite schema past 0030 lacks (0 on PostgreSQL and before
 * 0030), their names added to names (when not NULL, ", " between); a negative errno with err
 * set when SQLite could not say. Says nothing (mamori doctor does). An open that migrates makes
 * missing ones again, as 0030 makes them, and moves the stamp, when it can without waiting for
 * another writer (else a warning, once a process: store_set_say, and the next such open tries).
 */
int store_identity_triggers_missing(struct store *st, struct strbuf *names, struct strbuf *err);

/*
 * Transactions nest: the outermost store_begin is BEGIN IMMEDIATE, inner
 * ones are SAVEPOINTs. store_commit releases the innermost level;
 * store_rollback undoes it. Every begin must be paired with exactly one
 * commit or rollback.
 */
int store_begin(struct store *st, struct strbuf *err);
int store_commit(struct store *st, struct strbuf *err);
void store_rollback(struct store *st);
int store_txn_depth(struct store *st);
/*
 * Round trips to the PostgreSQL server this connection has made (statements, prepares, COPY),
 * 0 on SQLite: what an act costs on a server across the network (tests, bench/run-nodes.sh).
 */
int64_t store_round_trips(const struct store *st);
/*
 * One read snapshot for several statements (a list page's count, ids and rows): a deferred
 * BEGIN when no transaction is open (*ret_began true), nothing inside one. store_read_end
 * ends what store_read_begin began. The file's shared lock is then taken once, not per
 * statement.
 */
int store_read_begin(struct store *st, bool *ret_began, struct strbuf *err);
void store_read_end(struct store *st, bool began);
/*
 * A read snapshot held across a whole request (a web GET): every statement reads in it, so the
 * file's and the WAL's shared locks are taken once, not per statement (with 32 workers they
 * were a third of a cached page's CPU). Released by store_release_read, and by the store
 * itself before anything that may write: a statement that is not read-only, store_exec,
 * store_begin. The holder sees no commit made after the snapshot began. On PostgreSQL it holds
 * nothing yet (0): each statement reads what was committed before it.
 */
int store_hold_read(struct store *st, struct strbuf *err);
void store_release_read(struct store *st);

/* Runs SQL without results (DDL, pragmas). */
int store_exec(struct store *st, const char *sql, struct strbuf *err);
/*
 * The database's own consistency check (doctor): 0 with problems empty when the database is
 * sound, or with what is wrong in problems ("; " between items, at most 20); a negative
 * errno-style code with err when the check could not run.
 */
int store_check_integrity(struct store *st, struct strbuf *problems, struct strbuf *err);
/*
 * Change stamps, for memos of what was read: store_data_version moves when another connection
 * commits a change (0 with *ret, or a negative errno with err: then keep no memo at all; on
 * PostgreSQL the write-ahead log's insert position, which any commit moves); store_total_changes
 * counts the rows this connection changed since it opened (0 on PostgreSQL). A memo made while
 * both stay the same is good.
 */
int store_data_version(struct store *st, int64_t *ret, struct strbuf *err);
int64_t store_total_changes(struct store *st);
/*
 * The connection's own page cache, in KiB: SQLite's cache_size (a server with many reader
 * connections keeps each small; the OS caches the file for all). Nothing on PostgreSQL.
 */
int store_cache_kib(struct store *st, int kib, struct strbuf *err);
/*
 * Before reading the rows rowids[0..n) of each of the rowid tables: asks the kernel for the pages
 * that hold them (each row's leaf and overflow pages, these taken to lie together as appended
 * rows' do), all at once, so that the reads that follow wait for the disk together rather than
 * one row after another, and the kernel's read-ahead does not read past each row (SQLite reads
 * a row's overflow pages one by one, which the kernel takes for a file read in sequence: ~280 KB
 * read for a row of 72 KB). Rows whose leaf is in the page cache already are left alone. A hint:
 * it never fails, and skips what it cannot find (store/prefetch.c). Nothing on PostgreSQL.
 */
void store_prefetch_rows(struct store *st, const char *const *tables, size_t n_tables,
                         const int64_t *rowids, size_t n);
/*
 * SQLite's memory in this process, every connection together (page caches, schemas,
 * statements): store_memory_limit sets a soft limit past which each connection reuses its own
 * cached pages instead of taking more memory (sqlite3_soft_heap_limit64; 0: none);
 * store_memory_used says how much is in use now. Nothing on PostgreSQL (its memory is the
 * server's).
 */
void store_memory_limit(int64_t bytes);
int64_t store_memory_used(void);
/*
 * Copies (mamori backup, restore). store_copy_to writes one consistent snapshot of the database
 * into path (an empty file the caller made) and opens the copy as it is (no migrations, its
 * journal unchanged: it stays one file); -ENOSPC when the disk is full. store_open_copy opens
 * such a copy. Close either with store_close.
 */
int store_copy_to(struct store *st, const char *path, struct store **ret, struct strbuf *err);
int store_open_copy(const char *path, struct store **ret, struct strbuf *err);
/*
 * A copy's manifest: the SHA-256 of every table's rows (in the table's b-tree order, each value
 * with its type), written into the copy once it is complete (the table STORE_MANIFEST_TABLE), so
 * that a restore finds any change to the copy's content, wherever the bytes sit in the file. The
 * integrity check covers the file's structure and the ledger its own tables; the manifest
 * covers everything else (records, acts, users ...). store_manifest_check: -EBADMSG naming the
 * first table that differs; a copy without a manifest passes unless required.
 */
#define STORE_MANIFEST_TABLE "backup_manifest"
int store_manifest_write(struct store *st, struct strbuf *err);
int store_manifest_check(struct store *st, bool required, struct strbuf *err);
/*
 * A caller's say over the writes of a connection (the door's guard, core/guard.h). The store
 * asks may_write when a statement that writes table is prepared (schema: it drops or alters the
 * table), false refuses it; it tells changed for every row a statement changes; it asks
 * may_commit at COMMIT, false turns it into a ROLLBACK; it tells rolled_back after a rollback.
 * h stays the caller's and must outlive the hooks (embed it, container_of to get back).
 */
struct store_hooks {
	bool (*may_write)(struct store_hooks *h, const char *table, bool schema);
	void (*changed)(struct store_hooks *h, const char *table);
	bool (*may_commit)(struct store_hooks *h);
	void (*rolled_back)(struct store_hooks *h);
	/*
	 * PostgreSQL asks no callbacks: the tables listed here (NULL-terminated) get a trigger
	 * that refuses INSERT, UPDATE, DELETE and TRUNCATE unless the transaction opened the
	 * door with store_hooks_door(st, true) (made once per database, checked per connection).
	 */
	const char *const *tables;
};
int store_hooks_install(struct store *st, struct store_hooks *h, struct strbuf *err);
void store_hooks_uninstall(struct store *st);
/*
 * Whether DROP and ALTER of the guarded tables are refused outside migrations: 1 or 0, or a
 * negative errno. SQLite: 1 (the door's connections refuse them, may_write). PostgreSQL: 1 when
 * the event triggers mamori_ddl_drop and mamori_ddl_alter are there; store_hooks_install makes
 * them when its connection is a superuser's (only a superuser may make an event trigger:
 * `init --store` as one), else they stay absent and doctor says so (docs/operations.md).
 */
int store_ddl_guarded(struct store *st, struct strbuf *err);
/* PostgreSQL: opens or closes the door for the rest of the transaction; SQLite: nothing. */
int store_hooks_door(struct store *st, bool open, struct strbuf *err);
/*
 * The write-ahead log, for a writer that checkpoints it itself (ledger/writer*.c): after
 * store_wal_watch, each commit on st writes the log's size in pages into *pages (which must
 * outlive st) and st no longer checkpoints by itself. store_checkpoint copies the log into the
 * database: passively (never blocking a writer; failures wait for the next round), with
 * restart waiting for readers and starting the log afresh, or full (all of it, synced). It
 * returns 0 when the whole log is in the database, -EBUSY when part is not yet, -EIO.
 * Truncate is restart that also cuts the log's file to nothing. store_checkpoint_wait is
 * store_checkpoint waiting at most wait_ms (not the store's usual 5 s) for readers and
 * writers (core/door-ckpt.c: the door's restarts between its batches). store_checkpoint_done
 * is store_checkpoint also saying in *ret_done how many of the log's frames, from its start,
 * are in the database file after it (0 when it failed or on PostgreSQL).
 * store_wal_cut: when the log's file is larger than max_bytes, a truncating checkpoint that
 * waits at most wait_ms for readers (and holds writers that long): 1 when cut, 0 when not
 * needed (or not SQLite in WAL mode), -EBUSY to try later, -EIO. For a server whose readers
 * never all pause, so that no writer finds the moment to start the log afresh by itself and
 * the file grows by every commit (web/serve-keep.c).
 * store_db_sync: makes durable (fsync) what passive checkpoints wrote into the database file.
 * SQLite syncs that file only at the end of a checkpoint that copied the whole log, which
 * under constant commits is the restart's, so that one sync would write every page the
 * passive ones copied while the writers wait (core/door-ckpt.c syncs first, outside the
 * door). 0, or -EIO; nothing on PostgreSQL.
 * store_wal_path: the log's file (free it) when st is SQLite in WAL mode, else NULL. With
 * store_wal_sync_deferred(st, true), commits no longer wait for the disk: the caller makes the
 * log durable itself (fdatasync of that file) before it acknowledges anything.
 * On PostgreSQL, which checkpoints its own log, these do nothing (the path is NULL; deferring
 * is -ENOTSUP).
 */
enum store_checkpoint_mode {
	STORE_CHECKPOINT_PASSIVE,
	STORE_CHECKPOINT_RESTART,
	STORE_CHECKPOINT_FULL,
	STORE_CHECKPOINT_TRUNCATE,
};
void store_wal_watch(struct store *st, int *pages);
int store_checkpoint(struct store *st, enum store_checkpoint_mode mode);
int store_checkpoint_wait(struct store *st, enum store_checkpoint_mode mode, int wait_ms);
int store_checkpoint_done(struct store *st, enum store_checkpoint_mode mode, int *ret_done);
int store_db_sync(struct store *st);
/* After a failed sync of the database file: closing st will not checkpoint (and so will not
 * reset or remove the WAL, which recovery needs). No-op on PostgreSQL or NULL. */
void store_no_checkpoint_on_close(struct store *st);
/*
 * The database file's latch (store/wal.c): once a sync of a database file, or a checkpoint
 * into it, failed with an I/O error (a full disk is not one) on any connection of this
 * process, none of
 * this process's connections to it checkpoints it again: store_checkpoint*, store_wal_cut and
 * store_db_sync refuse with -EIO, commits no longer checkpoint by themselves and store_close
 * closes without the checkpoint; the next start recovers from the WAL. store_db_failed: 0, or
 * -EIO with why set, for st's database; store_any_db_failed: the same for any database of
 * this process (mamori serve stops on it).
 */
int store_db_failed(struct store *st, struct strbuf *why);
int store_any_db_failed(struct strbuf *why);
char *store_wal_path(struct store *st);
int store_wal_sync_deferred(struct store *st, bool deferred, struct strbuf *err);
int store_wal_cut(struct store *st, int64_t max_bytes, int wait_ms);

/* One embedded migration (generated from schema/NNNN-name.sql). */
struct store_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct store_migration store_migrations[];
extern const int store_migrations_nr;
/* The same migrations, numbered alike, in PostgreSQL's dialect (scripts/embed-schema.py). */
extern const struct store_migration store_migrations_pg[];
extern const int store_migrations_pg_nr;

#endif
