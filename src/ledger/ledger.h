/* ledger: the append-only Merkle log of Mamori: append, group commit, proofs, checkpoints. */
#ifndef MAMORI_LEDGER_LEDGER_H
#define MAMORI_LEDGER_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "ledger/entry.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "store/store.h"

#define LEDGER_TILE_HEIGHT 8
#define LEDGER_TILE_WIDTH  256 /* base nodes in a full tile, entries in a full bundle */
#define LEDGER_TILE_HASHES 510 /* 256 + 128 + ... + 2: layers 0..7 of a full tile */

/* Files in the data directory. */
#define LEDGER_KEY_FILE "ledger.key" /* signer key, mode 0600: never printed or logged */
#define LEDGER_PUB_FILE "ledger.pub" /* verifier key */

/*
 * One connection's view of the ledger. Appends cache the right edge of
 * the tree (last bundle, partial tiles, compact range) and check it
 * against ledger_head at the start of every write transaction, so several
 * processes and connections may append to the same database. A ledger is
 * used by one thread at a time.
 */
struct ledger;

/* Opens the ledger on an open store (which it does not own). Returns 0 or -errno. */
int ledger_open(struct store *st, struct ledger **ret, struct strbuf *err);
void ledger_close(struct ledger *lg);
struct store *ledger_store(struct ledger *lg);

/*
 * Appends entries inside the caller's open store transaction (the door
 * uses this to ledger a change in the same transaction as the change).
 * The entries become durable when the caller commits; if the caller rolls
 * back they vanish with it and the ledger notices on its next use.
 * ret_first gets the index of the first entry. Returns 0 or -errno; on
 * failure the caller must roll back.
 */
int ledger_append_txn(struct ledger *lg, const struct ledger_entry *entries, size_t nr,
                      uint64_t *ret_first, struct strbuf *err);
/* The same in a transaction of its own: durable when it returns 0. */
int ledger_append(struct ledger *lg, const struct ledger_entry *entries, size_t nr,
                  uint64_t *ret_first, struct strbuf *err);

/* The committed tree head. */
int ledger_head(struct ledger *lg, uint64_t *ret_size, uint8_t ret_root[MERKLE_HASH_SIZE],
                struct strbuf *err);
/* The root of the tree of the first size entries, from the stored tiles. */
int ledger_root_at(struct ledger *lg, uint64_t size, uint8_t ret_root[MERKLE_HASH_SIZE],
                   struct strbuf *err);

/* Entry bytes exactly as hashed (appended to out). -ENOENT when index is beyond the log. */
int ledger_entry_bytes(struct ledger *lg, uint64_t index, struct strbuf *out, struct strbuf *err);
int ledger_leaf_hash(struct ledger *lg, uint64_t index, uint8_t ret[MERKLE_HASH_SIZE],
                     struct strbuf *err);

/*
 * A sealed payload beside entry index: 1 with salt and payload (appended to
 * out, which the caller releases with strbuf_release_secret), 0 when the
 * entry has none or it was erased (ret_erased says which).
 */
int ledger_sealed_payload(struct ledger *lg, uint64_t index, uint8_t ret_salt[ENTRY_SALT_SIZE],
                          struct strbuf *out, bool *ret_erased, struct strbuf *err);

/* Runs of entries (src/ledger/range.c) */

/* One entry of a run: its exact bytes and, for LEDGER_RANGE_PAYLOADS, its sealed payload. */
struct ledger_range_item {
	uint64_t index;
	const uint8_t *entry;
	size_t len;
	const void *payload; /* NULL: no sealed payload, or it was erased */
	size_t payload_len;
	bool erased;
};
#define LEDGER_RANGE_PAYLOADS 1u /* also read sealed payloads (personal data: wipe copies) */
/* Returns 0 to go on; anything else stops the walk and is returned by ledger_read_range. */
typedef int (*ledger_range_fn)(void *ctx, const struct ledger_range_item *item);
/*
 * Calls fn for the committed entries [first, first + n) in order (fewer when the log ends
 * sooner; n may be UINT64_MAX), reading each bundle of 256 entries and its sealed payloads
 * once. The item's pointers are valid during the call only. Returns 0, what fn returned,
 * or -errno (-EBADMSG: a damaged bundle).
 */
int ledger_read_range(struct ledger *lg, uint64_t first, uint64_t n, unsigned flags,
                      ledger_range_fn fn, void *ctx, struct strbuf *err);
/* The bundles ledger_read_range has read on lg so far, full or partial: what a reader costs,
 * for tests and benchmarks. */
uint64_t ledger_bundles_read(const struct ledger *lg);
/*
 * Before reading the full bundles bundles[0..n) (their entries and sealed payloads): has their
 * pages read from the disk all at once (store_prefetch_rows). A hint; nothing on PostgreSQL.
 */
void ledger_prefetch_bundles(struct ledger *lg, const uint64_t *bundles, size_t n);

/*
 * Erases the sealed payloads of entries [from, to] of that kind (enum entry_kind; 0: any)
 * (personal data at the end of its
 * retention, docs/ledger.md "Sealed payloads") in one transaction of its own: salts and
 * payloads are deleted with SQLite's secure_delete and marked erased, the entries and the
 * tree stay as they are, and one retention entry (actor, ref = from, data
 * {"erased":{"from","to","payloads"},"reason"}) records it. Entries without a payload, or
 * already erased, are skipped. ret_count gets the payloads erased, ret_index the retention
 * entry's index (UINT64_MAX when nothing was erased and so nothing appended).
 */
int ledger_erase_payloads(struct ledger *lg, uint64_t from, uint64_t to, int kind,
                          const char *actor, int64_t now_ms, const char *reason,
                          uint64_t *ret_count, uint64_t *ret_index, struct strbuf *err);

/* Proofs from the stored tiles, RFC order; proof has room for MERKLE_MAX_PROOF hashes. */
int ledger_inclusion_proof(struct ledger *lg, uint64_t index, uint64_t size,
                           uint8_t proof[][MERKLE_HASH_SIZE], size_t *ret_nr, struct strbuf *err);
int ledger_consistency_proof(struct ledger *lg, uint64_t size1, uint64_t size2,
                             uint8_t proof[][MERKLE_HASH_SIZE], size_t *ret_nr, struct strbuf *err);

/* Keys (src/ledger/keys.c) */

/*
 * Creates the checkpoint key pair in dir: LEDGER_KEY_FILE (0600, created
 * exclusively) and LEDGER_PUB_FILE. The key name, which is also the log's
 * origin, is "<ward_id>/mamori/<random instance uuid>". Returns 0,
 * -EEXIST (a key is there already), -EINVAL (bad ward id) or -errno.
 */
int ledger_init_keys(const char *dir, const char *ward_id, struct strbuf *err);
/* Reads dir's verifier key. */
int ledger_load_verifier(const char *dir, struct note_verifier *ret, struct strbuf *err);
/* Reads dir's signer key; wipe it with note_signer_wipe as soon as it has signed. */
int ledger_load_signer(const char *dir, struct note_signer *ret, struct strbuf *err);
/* Every verifier key recorded in the database plus dir's; appends to *keys. */
int ledger_trusted_keys(struct ledger *lg, const char *dir, struct note_verifier **keys, size_t *nr,
                        struct strbuf *err);

/* Checkpoints */

/*
 * Signs a checkpoint for the committed tree, unless the latest checkpoint
 * already covers it, and appends the latest signed note to ret_note (if
 * not NULL). Refuses (-EBADMSG) to sign a tree that is smaller than the
 * last checkpoint or whose prefix does not have the last checkpoint's
 * root: a checkpoint is never signed for a tree inconsistent with the one
 * before. Returns 0 or -errno.
 */
int ledger_checkpoint_sign(struct ledger *lg, const char *dir, struct strbuf *ret_note,
                           struct strbuf *err);
/* The stored checkpoint of the given size, or the latest for size UINT64_MAX. -ENOENT if none. */
int ledger_checkpoint_get(struct ledger *lg, uint64_t size, struct strbuf *ret_note,
                          struct strbuf *err);

/* Group commit (src/ledger/writer.c) */

/*
 * A background thread with its own connection that appends batches: it
 * takes whatever has been submitted, up to max_entries or max_bytes, commits
 * it, and a second thread acknowledges it once an fdatasync of the WAL that
 * began after the commit has returned (the next batch is appended meanwhile).
 * While a flush is running, fewer than linger_min (64) entries wait for it to end, more at
 * most max_delay_us, and linger_entries (256) are committed at once; otherwise, when entries
 * come fast, a batch waits at most max_delay_us for linger_min of them, and at a slow rate not
 * at all. Every checkpoint_ms it signs a checkpoint for the durable tree when the data
 * directory has the signer key.
 */
struct ledger_writer_options {
	size_t max_entries;    /* default 16384 */
	size_t max_bytes;      /* default 8 MiB */
	unsigned max_delay_us; /* default 1000 (see above) */
	/* A batch's growth under a stream (see above): 0 for 64 and 256 (writer-internal.h,
	 * LINGER_MIN and LINGER_ENTRIES). The log ingest, whose senders wait for no
	 * acknowledgement, asks for larger ones (ingest.c). */
	size_t linger_min, linger_entries;
	size_t max_queue_bytes; /* submitters wait beyond this; default 64 MiB */
	unsigned checkpoint_ms; /* 0: default 60000 (a minute); UINT32_MAX: never */
	/*
	 * Called by the writer thread after each commit, outside its locks, with the index of
	 * the first entry and the number of entries just committed (visible to readers; durable
	 * a flush later): followers (the log analysis) wake up on it. Must return quickly.
	 */
	void (*on_commit)(void *ctx, uint64_t first_index, uint64_t n);
	void *on_commit_ctx;
	/* Tests and bench-ledger only: called instead of fdatasync(fd) on the WAL (NULL:
	 * fdatasync); 0, or -1 with errno as fdatasync (-1 without errno is taken as EIO). */
	int (*flush)(int fd);
	/* Tests only: the WAL size in pages past which the writer restarts it (0, or anything
	 * larger than the default: 32,768, ledger/writer-restart.c CKPT_RESTART_PAGES). */
	unsigned restart_pages;
	/* Tests only: idle this long, the writer frees its batches' buffers (0: a second,
	 * writer.c WRITER_IDLE_MS). */
	unsigned idle_ms;
};

struct ledger_writer;

/*
 * About the most the group-commit writer's WAL holds while nothing keeps it from restarting it
 * (ledger/writer-restart.c: past 32,768 pages it restarts once its checkpointer's copies have
 * caught up, and tries at every commit past 40,960 pages of 4 KiB), with a batch of
 * max_bytes (8 MiB) on top, twice. Not a bound: a reader in an old snapshot holds it back, and
 * so, for what is committed meanwhile, does the checkpointer's own copy under way. Whoever
 * cuts a server's WAL as a backstop (web/serve-keep.c) cuts only well above it.
 */
#define LEDGER_WRITER_WAL_BYTES ((int64_t)40960 * 4096 + ((int64_t)16 << 20))

int ledger_writer_start(const char *dir, const struct ledger_writer_options *opts,
                        struct ledger_writer **ret, struct strbuf *err);
/*
 * Queues one entry (encoded and hashed in the caller's thread) and returns
 * a ticket at once. Returns 0 or -errno (invalid entry, writer failed).
 */
int ledger_writer_submit(struct ledger_writer *w, const struct ledger_entry *e,
                         uint64_t *ret_ticket, struct strbuf *err);
/*
 * Many entries from one submitter: each is encoded, sealed and hashed by ledger_prep_add in
 * the submitter's own thread, holding no lock of the writer's (several receivers prepare at
 * once), and ledger_writer_submit_prep queues them all, in order, under one lock. A
 * ledger_prep belongs to one thread at a time.
 */
struct ledger_prep;
struct ledger_prep *ledger_prep_new(void);
void ledger_prep_free(struct ledger_prep *lp);
/* Prepares e (its payload copied). Returns 0 or -errno (an invalid entry) with err. */
int ledger_prep_add(struct ledger_prep *lp, const struct ledger_entry *e, struct strbuf *err);
/*
 * The same for an entry whose payload is head (head_len bytes) followed by e->payload (NULL:
 * nothing more): sealed and stored as one payload, copied once, never joined in a buffer first.
 */
int ledger_prep_add_head(struct ledger_prep *lp, const struct ledger_entry *e, const void *head,
                         size_t head_len, struct strbuf *err);
/*
 * The same for the n entries e[i], each with its head heads[i] (head_lens[i] bytes; 0: none),
 * in order: their seals and leaves are hashed 16 at once where the CPU can (AVX-512: about
 * half the time of one by one), the same bytes either way. Returns 0, or the first refused
 * entry's error; *ret_added says how many were added (those before it).
 */
int ledger_prep_add_many(struct ledger_prep *lp, const struct ledger_entry *e,
                         const void *const *heads, const size_t *head_lens, size_t n,
                         size_t *ret_added, struct strbuf *err);
/* Entries prepared and not yet submitted; the sealed payload of the i-th of them. */
size_t ledger_prep_count(const struct ledger_prep *lp);
const char *ledger_prep_payload(const struct ledger_prep *lp, size_t i, size_t *ret_len);
/* Forgets what was prepared (wiped). */
void ledger_prep_reset(struct ledger_prep *lp);
/*
 * Queues every prepared entry, in order; *ret_first_ticket gets the first's ticket (the
 * others follow it). lp keeps them (ledger_prep_payload) until ledger_prep_reset. Waits
 * while the queue is full. Returns 0 or -errno (the writer failed or is stopping).
 */
int ledger_writer_submit_prep(struct ledger_writer *w, struct ledger_prep *lp,
                              uint64_t *ret_first_ticket, struct strbuf *err);
/*
 * Waits until the entry of ticket is durable and returns its index (if
 * ret_index is not NULL). Returns 0, or the error that made its batch fail (a full disk, an
 * I/O error: only that batch's entries are refused, the writer goes on with the next; after
 * 64 failed batches it refuses everything).
 */
int ledger_writer_wait(struct ledger_writer *w, uint64_t ticket, uint64_t *ret_index,
                       struct strbuf *err);
/*
 * ledger_writer_wait, and how many tickets from ticket on (*ret_run, at least 1 when the index
 * is known) are durable in the same batch: ticket + k is then at index + k for k < *ret_run,
 * with no further wait (one lock for a run of tickets instead of one each). *ret_index is
 * UINT64_MAX and *ret_run 0 when the batch is no longer remembered or on an error.
 */
int ledger_writer_wait_run(struct ledger_writer *w, uint64_t ticket, uint64_t *ret_index,
                           uint64_t *ret_run, struct strbuf *err);
/*
 * Waits until every ticket from first to last is decided. Returns 0 when each is durable, or
 * the error of a failed batch that held one of them: entries submitted one after another can
 * land in different batches, so acknowledging several needs every one checked, not the last.
 */
int ledger_writer_wait_range(struct ledger_writer *w, uint64_t first, uint64_t last,
                             struct strbuf *err);
/*
 * Without waiting: an index that ticket's entry is at or past. Its own index once its batch
 * is committed (durable or not yet); before that, the end of the writer's last commit (batches
 * are committed in ticket order, so it lands there or later). UINT64_MAX when not known:
 * nothing committed yet, its batch refused, or no longer remembered.
 */
uint64_t ledger_writer_index_floor(struct ledger_writer *w, uint64_t ticket);
/* The ticket the next submit gets (to wait for a range of submits with wait_range). */
uint64_t ledger_writer_next_ticket(struct ledger_writer *w);
/* Submit and wait. */
int ledger_writer_append(struct ledger_writer *w, const struct ledger_entry *e, uint64_t *ret_index,
                         struct strbuf *err);
/* Tickets below the returned value are decided: durable, unless their batch failed
 * (ledger_writer_wait says which). For observers measuring latency. */
uint64_t ledger_writer_durable(struct ledger_writer *w);
/* Batches committed so far (entries per commit = durable / commits). */
uint64_t ledger_writer_commits(struct ledger_writer *w);
/* Flushes of the disk that made entries durable (entries per flush = durable / syncs). */
uint64_t ledger_writer_syncs(struct ledger_writer *w);
/* Whether w stopped for good (a failed WAL flush it could not recover from, a failed sync or
 * copy of the database file): 0, or the negative errno with why set. */
int ledger_writer_failed(struct ledger_writer *w, struct strbuf *why);
/* Commits what is queued, signs a final checkpoint, stops the thread and frees w. */
int ledger_writer_stop(struct ledger_writer *w, struct strbuf *err);

/* Verification (src/ledger/verify.c) */

struct ledger_verify_result {
	uint64_t entries;     /* entries re-hashed */
	uint64_t bytes;       /* entry bytes re-hashed */
	uint64_t checkpoints; /* checkpoints checked */
	uint64_t sealed;      /* sealed payloads checked */
	uint64_t erased;      /* sealed payloads found erased */
	uint8_t root[MERKLE_HASH_SIZE];
};

/*
 * Re-hashes every entry, rebuilds the tree and checks it against the
 * stored tiles, the head, every stored checkpoint (signature and root)
 * and each extra signed checkpoint (an auditor's copy) in extra[0..nr).
 * Returns 0 when everything holds; otherwise -EBADMSG with err naming the
 * first bad entry index or checkpoint.
 */
int ledger_verify(struct ledger *lg, const char *dir, const struct strbuf *extra, size_t extra_nr,
                  struct ledger_verify_result *ret, struct strbuf *err);
/* The same over an export directory (ledger_export), without the database. */
int ledger_verify_offline(const char *export_dir, const struct strbuf *extra, size_t extra_nr,
                          struct ledger_verify_result *ret, struct strbuf *err);

/* Writes a self-contained export (docs/ledger.md, "Export") into dir, which must not exist. */
int ledger_export(struct ledger *lg, const char *data_dir, const char *dir, struct strbuf *err);

#endif
