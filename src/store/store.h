/*
 * store: the database of a data directory: open, migrate, transactions, statements (through
 * store/query.h). Nothing here names SQLite: store/sqlite.h is for store/ itself and for tests
 * that reach under it.
 */
#ifndef MAMORI_STORE_STORE_H
#define MAMORI_STORE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

#define STORE_DB_NAME "mamori.db"
/* PRAGMA application_id: 'MMRI', so a foreign SQLite file is recognised as such. */
#define STORE_APPLICATION_ID 0x4d4d5249

struct store;

enum store_open_flags {
	STORE_CREATE = 1 << 0,    /* create the database file (mode 0600) if missing */
	STORE_READONLY = 1 << 1,  /* open read-only; no migrations are applied */
	STORE_NO_MIGRATE = 1 << 2 /* open without applying pending migrations (doctor) */
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

/* Schema version recorded in the database, and the newest this build knows. */
int store_schema_version(struct store *st);
int store_schema_latest(void);

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
 * One read snapshot for several statements (a list page's count, ids and rows): a deferred
 * BEGIN when no transaction is open (*ret_began true), nothing inside one. store_read_end
 * ends what store_read_begin began. The file's shared lock is then taken once, not per
 * statement.
 */
int store_read_begin(struct store *st, bool *ret_began, struct strbuf *err);
void store_read_end(struct store *st, bool began);

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
 * commits a change (0 with *ret, or a negative errno with err); store_total_changes counts the
 * rows this connection changed since it opened. A memo made while both stay the same is good.
 */
int store_data_version(struct store *st, int64_t *ret, struct strbuf *err);
int64_t store_total_changes(struct store *st);
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
};
void store_hooks_install(struct store *st, struct store_hooks *h);
void store_hooks_uninstall(struct store *st);
/*
 * The write-ahead log, for a writer that checkpoints it itself (ledger/writer.c): after
 * store_wal_watch, each commit on st writes the log's size in pages into *pages (which must
 * outlive st) and st no longer checkpoints by itself. store_checkpoint copies the log into the
 * database: passively (never blocking a writer; failures wait for the next round) or, with
 * restart, waiting for readers and starting the log afresh.
 */
void store_wal_watch(struct store *st, int *pages);
void store_checkpoint(struct store *st, bool restart);

/* One embedded migration (generated from schema/NNNN-name.sql). */
struct store_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct store_migration store_migrations[];
extern const int store_migrations_nr;

#endif
