/* store-internal: the connection and its statement cache, shared by store.c and query.c. */
#ifndef MAMORI_STORE_STORE_INTERNAL_H
#define MAMORI_STORE_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/sqlite.h"
#include "store/store.h"

/* One cached statement; its address is stable for the connection's life (struct query). */
struct query {
	struct query *next; /* the hash chain */
	struct store *st;
	const char *sql; /* the caller's constant text: compared by pointer, then text */
	unsigned hash;
	sqlite3_stmt *stmt; /* SQLite: the statement; NULL on PostgreSQL */
	struct pg_stmt *pg; /* PostgreSQL (store/pg-stmt.c): the prepared statement */
	int bind_rc;        /* the first failed binding since the last reset, else SQLITE_OK */
};

#define STORE_CACHE_BUCKETS 256

/* Savepoints inside the outer transaction (store.c names them sp1 .. sp16). */
#define STORE_SAVEPOINTS 16

/* How long a statement waits for another connection's lock before it reports busy. */
#define STORE_BUSY_MS 5000

/* SQLite's default autocheckpoint: a commit that leaves the log this long copies it. */
#define STORE_AUTOCHECKPOINT_PAGES 1000

/* The connection's autocheckpoint, through store_checkpoint and so the latch (wal.c). */
void store_wal_auto(struct store *st);

/* Says a line of kind (fmt an N_() message id) through store_set_say's function (store.c). */
void store_say(enum store_say kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The pointer type of query_bind_bitset, read back by mamori_in_set. */
#define STORE_BITSET_TYPE "mamori_bitset"

struct pg_conn;
struct pg_stmt;

struct store {
	sqlite3 *db;             /* SQLite; NULL on PostgreSQL */
	struct pg_conn *pg;      /* PostgreSQL (store/pg.c); NULL on SQLite */
	char *path;              /* the database file, or the PostgreSQL location for messages */
	char *location;          /* PostgreSQL: the URL without any password */
	int depth;               /* open transaction levels: 0 none, 1 BEGIN, >1 savepoints */
	struct store_gate *gate; /* this database's write gate in this process (gate.c) */
	bool gated;              /* the open transaction holds it */
	bool held_read;          /* SQLite: a read snapshot held by store_hold_read */
	/* SQLite: the identity stamp's triggers were there at the schema version stamp_cookie
	 * (-1: not looked for yet; store_identity_stamped, schema.c) */
	bool stamped;
	int64_t stamp_cookie;
	/*
	 * PostgreSQL: a savepoint is sent with the statement that follows it (store_begin), so
	 * levels sp_sent+1 .. depth are not on the server yet (sp_sent is 1 once BEGIN is);
	 * the door's setting (store_hooks_door) as it is now and as it was when each level
	 * began; the level since which this transaction holds the ledger's lock, 0 if not.
	 */
	int sp_sent;
	const char *released[STORE_SAVEPOINTS]; /* RELEASEs not sent yet, in order (pg_release) */
	int n_released;
	bool door;
	bool door_at[STORE_SAVEPOINTS + 2];
	int ledger_locked;
	struct query *cache[STORE_CACHE_BUCKETS];
};

/*
 * The write gate (gate.c): store_begin queues for it, first come first served, before
 * BEGIN IMMEDIATE. enter returns false when it did not take it (the thread holds one
 * already, or it waited too long): then leave is not called.
 */
struct store_gate;
struct store_gate *store_gate_for(const char *path);
bool store_gate_enter(struct store_gate *g);
void store_gate_leave(struct store_gate *g);
/* The database file failed (wal.c): latch marks it so for the rest of the process (true: the
 * first to; the file at path is kept open, so no other file takes its inode), latched says
 * whether it is (and why); any_latched: whether any database is. */
bool store_gate_latch(struct store_gate *g, const char *path, const char *why);
bool store_gate_latched(struct store_gate *g, struct strbuf *why);
bool store_gate_any_latched(struct strbuf *why);
/* A read-only descriptor of the database file at path (g's), open for the rest of the process
 * and never to be closed (closing it would drop the process's locks on the file), or -1. */
int store_gate_pin(struct store_gate *g, const char *path);

/* The name of the batching VFS (sqlite-batch.c; STORE_BATCH_IO), registered on first use, or
 * NULL (the default VFS) when it cannot be; gather: the one whose database files gather their
 * checkpoints' page writes (STORE_GATHER_CKPT). */
const char *store_batch_vfs(bool gather);

/* The cached statement for sql, reset and unbound; NULL on error, with err set and the negative
 * errno-style code in *ret_err. */
struct query *store_cached(struct store *st, const char *sql, int *ret_err, struct strbuf *err);

/* store-pg.c: a PostgreSQL store's opening and migrations (through the query API). */
int store_pg_open(const char *url, unsigned flags, bool create, struct store **ret,
                  struct strbuf *err);
int store_pg_schema_version(struct store *st);

/* store/pg.c, pg-stmt.c, pg-bind.c: the PostgreSQL side of store.c and query.c (libpq stays
 * inside store/pg*.c). */
int pg_url_check(const char *url, struct strbuf *err);
int pg_open(struct store *st, const char *url, struct strbuf *err);
void pg_close(struct store *st);
/* Runs sql as one message (several statements may be given, ';' between them), after any
 * savepoint not sent yet: one round trip. */
int pg_exec(struct store *st, const char *sql, struct strbuf *err);
struct pg_stmt *pg_prepare(struct store *st, const char *sql, int *ret_err, struct strbuf *err);
void pg_stmt_free(struct pg_stmt *s);
/* The SQLite migrations applied to st (a new copy's empty file). */
int store_sqlite_migrate(struct store *st, struct strbuf *err);
/*
 * schema.c: st's file checked as store_open does (a Mamori database, application_id 'MMRI', or
 * an empty file; a schema not newer than this build) and, unless flags has STORE_READONLY or
 * STORE_NO_MIGRATE, its pending migrations applied, one transaction each.
 */
int store_sqlite_schema(struct store *st, unsigned flags, struct strbuf *err);
/*
 * mamori backup of a PostgreSQL ward: every table of src read in one snapshot (REPEATABLE
 * READ) into the SQLite file path (empty, made by the caller) with SQLite's schema, as
 * store_copy_to makes for a SQLite ward; attachments' bytes (blobs, blob_parts) are left to
 * the backup (core/backup.c carries them). Opened as store_open_copy does (migrate.c).
 */
int store_export_sqlite(struct store *src, const char *path, struct store **ret,
                        struct strbuf *err);
void pg_reset(struct pg_stmt *s, bool clear_bindings);
void pg_bind_int(struct pg_stmt *s, int i, int64_t v);
void pg_bind_bool(struct pg_stmt *s, int i, bool v);
void pg_bind_double(struct pg_stmt *s, int i, double v);
void pg_bind_text(struct pg_stmt *s, int i, const char *text, size_t len);
void pg_bind_text0(struct pg_stmt *s, int i, const char *text);
void pg_bind_blob(struct pg_stmt *s, int i, const void *data, size_t len);
struct bitset;
void pg_bind_bitset(struct pg_stmt *s, int i, const struct bitset *set);
void pg_bind_null(struct pg_stmt *s, int i);
void pg_bind_fail(struct pg_stmt *s, int r);
int pg_step(struct store *st, struct pg_stmt *s, const char *sql, struct strbuf *err);
bool pg_is_null(struct pg_stmt *s, int col);
const char *pg_text(struct pg_stmt *s, int col);
int64_t pg_int(struct pg_stmt *s, int col);
double pg_double(struct pg_stmt *s, int col);
const void *pg_blob(struct pg_stmt *s, int col, size_t *ret_len);
void pg_wipe(struct pg_stmt *s);
int pg_columns(struct pg_stmt *s);
int64_t pg_changes(struct store *st);
int pg_copy_in(struct store *st, const char *sql, const void *data, size_t len, struct strbuf *err);
int pg_server_version(struct store *st);
/* The id the last INSERT sent back (RETURNING id): true with *ret, false when unknown. */
bool pg_last_id(struct store *st, int64_t *ret);
int64_t pg_round_trips(const struct store *st);
/* A transaction is open on the connection (in progress or failed). */
bool pg_in_transaction(struct store *st);

/*
 * store_prefetch_rows's work (store/prefetch.c), for tests: rows whose leaf is cached are asked
 * for too with cached_too, and the page ranges [first, first + n) (1-based) go to fn instead of
 * the kernel when fn is not NULL.
 */
typedef void (*store_prefetch_fn)(void *ctx, uint64_t first, uint64_t n);
void store_prefetch_pages(struct store *st, const char *const *tables, size_t n_tables,
                          const int64_t *rowids, size_t n, bool cached_too, store_prefetch_fn fn,
                          void *ctx);

#endif
