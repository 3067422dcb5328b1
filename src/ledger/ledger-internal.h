/* ledger-internal: struct ledger, tile and bundle layouts shared by the ledger files (ledger*.c,
 * writer*.c, verify.c, export.c). */
#ifndef MAMORI_LEDGER_LEDGER_INTERNAL_H
#define MAMORI_LEDGER_LEDGER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ledger/ledger.h"
#include "ledger/sha256x16.h"

#define TILE_LEVELS 8 /* 8 levels of height 8 cover 2^64 leaves */

static inline uint64_t tile_id(unsigned level, uint64_t number)
{
	return (uint64_t)level << 56 | number;
}

/* Offset (in hashes) of layer j in the fixed in-memory layout of a tile. */
static inline unsigned tile_layer_offset(unsigned j)
{
	return 512 - (512u >> j);
}

/* Hashes a tile of width w stores: layer j keeps w >> j of them. */
static inline size_t tile_stored_count(unsigned w)
{
	size_t n = 0;

	for (unsigned j = 0; j < LEDGER_TILE_HEIGHT; j++)
		n += w >> j;
	return n;
}

/* A tile in the fixed layout: layer j at tile_layer_offset(j). */
struct tile {
	uint64_t number;
	unsigned width; /* base nodes present, 0..256 */
	uint8_t hashes[LEDGER_TILE_HASHES][MERKLE_HASH_SIZE];
};

/* Compact stored form <-> fixed layout. Decoding checks the blob length. */
void tile_encode(const struct tile *t, struct strbuf *out);
int tile_decode(const void *blob, size_t len, unsigned width, struct tile *t);

/* The position of node (height, index) in tile (level, number): returns the fixed offset. */
static inline unsigned tile_node_pos(unsigned height, uint64_t index, unsigned *ret_level,
                                     uint64_t *ret_number)
{
	unsigned j = height % LEDGER_TILE_HEIGHT;

	*ret_level = height / LEDGER_TILE_HEIGHT;
	*ret_number = index >> (LEDGER_TILE_HEIGHT - j);
	return tile_layer_offset(j) + (unsigned)(index & ((256u >> j) - 1));
}

/*
 * Walks the entries of a bundle: on each call sets *entry and *len to the
 * next one and returns 1, returns 0 at the end, -EINVAL if malformed.
 */
int bundle_next(const uint8_t *data, size_t size, size_t *pos, const uint8_t **entry, size_t *len);

/* Sealed payload records of a bundle. */
#define SEALED_PRESENT 0
#define SEALED_ERASED  1
struct sealed_rec {
	unsigned slot;
	int state;
	const uint8_t *salt;
	const uint8_t *payload;
	size_t len;
};
int sealed_next(const uint8_t *data, size_t size, size_t *pos, struct sealed_rec *rec);
/* A present sealed record as stored: slot, SEALED_PRESENT, salt, the payload's length (4 bytes,
 * big-endian), then the payload. */
#define SEALED_HEAD (2 + ENTRY_SALT_SIZE + 4)
static inline void sealed_head(uint8_t out[SEALED_HEAD], unsigned slot,
                               const uint8_t salt[ENTRY_SALT_SIZE], size_t len)
{
	out[0] = (uint8_t)slot;
	out[1] = SEALED_PRESENT;
	memcpy(out + 2, salt, ENTRY_SALT_SIZE);
	out[2 + ENTRY_SALT_SIZE] = (uint8_t)(len >> 24);
	out[3 + ENTRY_SALT_SIZE] = (uint8_t)((len >> 16) & 0xff);
	out[4 + ENTRY_SALT_SIZE] = (uint8_t)((len >> 8) & 0xff);
	out[5 + ENTRY_SALT_SIZE] = (uint8_t)(len & 0xff);
}
void sealed_add(struct strbuf *out, unsigned slot, const uint8_t salt[ENTRY_SALT_SIZE],
                const void *payload, size_t len);

/*
 * A prepared entry: canonical bytes, leaf hash and, if sealed, salt and payload. The payload
 * is head (head_len bytes, ledger_prepare_head) then payload (payload_len bytes).
 */
struct prepared_entry {
	struct strbuf bytes;
	uint8_t leaf[MERKLE_HASH_SIZE];
	bool sealed;
	uint8_t salt[ENTRY_SALT_SIZE];
	const void *head;
	size_t head_len;
	const void *payload;
	size_t payload_len;
};

/*
 * Encodes, seals and hashes e into p, whose bytes buffer the caller has
 * initialised (it is reset, so one prepared_entry can be reused). The
 * payload is referenced, not copied.
 */
int ledger_prepare(struct merkle_hasher *h, const struct ledger_entry *e, struct prepared_entry *p,
                   struct strbuf *err);
/*
 * The same for an entry whose payload is head (head_len bytes) followed by e->payload (NULL:
 * none), given in two pieces so that the caller need not join them. Only batch_add_prepared
 * knows the head: ledger_prepare's callers leave it to this.
 */
int ledger_prepare_head(struct merkle_hasher *h, const struct ledger_entry *e, const void *head,
                        size_t head_len, struct prepared_entry *p, struct strbuf *err);
/*
 * ledger_prepare_head for the n entries e[i] (payload heads[i], head_lens[i]) into p[i], n at
 * most SHA256X16_LANES (sha256x16.h): their seals and leaves are hashed 16 at once where h may
 * (merkle_hasher_x16), else one by one; the same bytes either way. 0, or the first entry's
 * error; *ret_done says how many were prepared (those before it).
 */
int ledger_prepare_many(struct merkle_hasher *h, const struct ledger_entry *e,
                        const void *const *heads, const size_t *head_lens, unsigned n,
                        struct prepared_entry *p, unsigned *ret_done, struct strbuf *err);
void prepared_release(struct prepared_entry *p);

/*
 * The raw append of already prepared pieces, inside an open transaction:
 * entry bytes, leaf hash and optional sealed record (salt + payload).
 * A caller that keeps them in their stored form (the writer's batches) says so, and the append
 * then writes a full bundle's entries and sealed records from the caller's memory when they
 * lie back to back there, rather than gathering them into buffers of its own first:
 * - framed: the two bytes before bytes are len, big-endian (a bundle's form);
 * - rec: the sealed record as stored (SEALED_HEAD bytes, then the payload; salt and payload
 *   point into it), whose first byte, the slot, the append writes; NULL: made from salt and
 *   payload.
 */
struct ledger_item {
	const uint8_t *bytes;
	size_t len;
	const uint8_t *leaf;
	const uint8_t *salt; /* NULL when not sealed */
	const void *payload;
	size_t payload_len;
	bool framed;
	uint8_t *rec;
};
int ledger_append_items(struct ledger *lg, const struct ledger_item *items, size_t nr,
                        uint64_t *ret_first, struct strbuf *err);
/*
 * An append's buffers for its inner nodes hashed ahead (32 bytes a leaf and 8 for its pointer,
 * grown to the largest append: ~1.3 MiB after one of 16,384 entries): what they keep, and
 * their release (the next append grows them again). The writer frees them with its batches'
 * (writer.c: idle, or under a trickle).
 */
size_t ledger_pre_kept(const struct ledger *lg);
void ledger_pre_release(struct ledger *lg);

/* Node source over the stored tiles (merkle_node_fn) for a ledger; call ledger_read_begin first. */
void ledger_read_begin(struct ledger *lg, struct strbuf *err);
int ledger_node(void *lg, unsigned height, uint64_t index, uint8_t out[MERKLE_HASH_SIZE]);
struct merkle_hasher *ledger_hasher(struct ledger *lg);
/*
 * ledger_read_range's buffers for a bundle's entries and sealed payloads, kept by the ledger
 * between calls (a search reads a bundle per hit: fresh 128 KiB buffers each time cost page
 * faults and unmapping). false when in use (a read inside a read's callback): then the caller
 * uses its own. give wipes the payloads and keeps the room.
 */
bool ledger_read_bufs_take(struct ledger *lg, struct strbuf **entries, struct strbuf **sealed);
void ledger_read_bufs_give(struct ledger *lg);

/*
 * The stored bundles with numbers in [from, end), in order, a page of BUNDLE_PAGE rows at a time
 * (PostgreSQL hands over a statement's whole result at once: the whole log would not fit in
 * memory). bundle_next gives 1 with *n and the bundle's bytes (valid until the next call), 0
 * after the last, or a negative errno with err. The caller wants one read snapshot around it
 * (store_read_begin) when the log may grow meanwhile.
 */
#define BUNDLE_PAGE 64
struct query;
struct bundle_cursor {
	struct ledger *lg;
	struct query *q;
	uint64_t next, end;
	unsigned rows; /* rows of the current page so far */
	bool eof, tail_read;
	struct strbuf tail; /* the partial bundle, from ledger_tail, once the full ones are read */
};
void bundle_cursor_init(struct bundle_cursor *c, struct ledger *lg, uint64_t from, uint64_t end);
int bundle_cursor_next(struct bundle_cursor *c, uint64_t *n, const void **data, size_t *len,
                       struct strbuf *err);
void bundle_cursor_done(struct bundle_cursor *c);

/* Files of an export, behind an interface so that a fuzzer can serve them from memory. */
struct ledger_vfs {
	void *ctx;
	/* Reads path (relative to the export) into out: 0, -ENOENT, -EFBIG (over limit), -errno. */
	int (*read)(void *ctx, const char *path, size_t limit, struct strbuf *out);
	/* Names in a directory, as a malloc'd array of malloc'd strings: 0, -ENOENT, -errno. */
	int (*list)(void *ctx, const char *dir, char ***ret_names, size_t *ret_nr);
};
int ledger_verify_fs(const struct ledger_vfs *fs, const struct strbuf *extra, size_t extra_nr,
                     struct ledger_verify_result *ret, struct strbuf *err);

/* C2SP tlog-tiles path of tile index n: "x001/x234/067". */
void tlog_tile_path(struct strbuf *out, uint64_t n);

/*
 * Entries prepared for the group-commit writer, in submission (ticket) order: the writer's
 * queue (writer.c) and a submitter's ledger_prep (batch.c) share the layout.
 */
struct batch {
	/* entries, back to back, each after its length (2 bytes, big-endian: a bundle's form) */
	struct strbuf bytes;
	/* sealed records, back to back, as stored (SEALED_HEAD, its slot 0 until the writer's
	 * append sets it; personal data: wiped) */
	struct strbuf sealed;
	struct item {
		size_t off, len; /* the entry's bytes, after its length */
		uint8_t leaf[MERKLE_HASH_SIZE];
		size_t seal_off, payload_len; /* the record's start; SIZE_MAX: not sealed */
	} * items;
	size_t nr, alloc;
	uint64_t first_ticket;
	int64_t first_ns; /* when the oldest entry arrived */
};

struct batch *batch_new(void);
void batch_reset(struct batch *b);
void batch_free(struct batch *b);
/* Appends one prepared entry (its bytes, leaf, salt and payload copied). */
void batch_add_prepared(struct batch *b, const struct prepared_entry *p);
/* Appends every entry of src to dst, in order. */
void batch_append(struct batch *dst, const struct batch *src);
/* Moves src's entries from keep on into dst (empty), in order, with their tickets and age:
 * src keeps its first keep entries. */
void batch_move_tail(struct batch *src, size_t keep, struct batch *dst);
/* The bytes a batch (empty) keeps allocated; frees them (batch_shrink). */
size_t batch_kept(const struct batch *b);
void batch_shrink(struct batch *b);
/* The bytes a batch holds (what the writer's queue limits). */
static inline size_t batch_bytes(const struct batch *b)
{
	return b->bytes.len + b->sealed.len;
}

/* A submitter's entries, encoded and hashed before they meet the writer's lock (ledger.h). */
struct ledger_prep {
	struct merkle_hasher *hasher;
	struct prepared_entry scratch;
	struct prepared_entry many[SHA256X16_LANES]; /* ledger_prep_add_many's */
	struct batch *b;
};

/* A small per-call cache of tiles read while answering one query. */
#define READ_CACHE 8

struct ledger {
	struct store *st;
	struct merkle_hasher *h;

	/* The right edge of the tree, valid when it matches ledger_head. */
	bool valid;
	uint64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	struct merkle_range range;
	struct strbuf bundle; /* entries of bundle size >> 8 (the partial bundle, ledger_tail) */
	/* The append in progress: its entries of that bundle start at bundle offset chunk_off,
	 * index chunk_first; sealed holds their sealed records (the earlier rows' stay in the
	 * store, where an erasure may have changed them). */
	struct strbuf sealed;
	size_t chunk_off;
	uint64_t chunk_first;
	/* What follows bundle's and sealed's bytes there, still in the caller's memory, as long as
	 * the caller's entries and records lie back to back in their stored form (ledger_item):
	 * a full bundle of one caller's is written from there (bundle_full). */
	struct ledger_run {
		const uint8_t *p;
		size_t len;
	} brun, srun;
	/* PostgreSQL: the rows of this append, as COPY binary streams, and their first keys */
	struct strbuf copy_bundle, copy_sealed;
	uint64_t copy_bundle_first, copy_sealed_first;
	struct tile *edge[TILE_LEVELS];
	bool edge_dirty[TILE_LEVELS];

	/* An append's inner nodes, hashed ahead (merkle_pre_build), from its leaves */
	struct merkle_pre pre;
	const uint8_t **pre_leaves;
	size_t pre_leaves_alloc;

	/* An error from inside merkle_range_append's callback. */
	int cb_ret;
	struct strbuf *cb_err;

	/* The partial level-0 tile last made from the tail (tile_from_tail) by a read: entries
	 * never change, so its nodes stay right for as long as the log lives (a proof at the
	 * log's right edge needs them every time). width 0: none. */
	struct tile *tail_tile;

	/* Tiles read by the current query. */
	struct tile *rcache[READ_CACHE];
	uint64_t rcache_id[READ_CACHE];
	bool rcache_used[READ_CACHE];
	unsigned rcache_next;
	struct strbuf *read_err;

	/* ledger_read_range's buffers, kept between calls (ledger_read_bufs_take) */
	struct strbuf rd_entries, rd_sealed;
	bool rd_busy;
	uint64_t rd_bundles; /* bundles ledger_read_range has read (ledger_bundles_read) */
};

/*
 * Bundle n's entries (and, when sealed is not NULL, its sealed records) into the buffers: from
 * ledger_bundle / ledger_sealed when the bundle is full, else joined from its ledger_tail rows,
 * read in one statement (so in one snapshot even outside a transaction). 1 found, 0 missing,
 * -EBADMSG when the tail's rows do not follow each other, -errno.
 */
int bundle_load(struct ledger *lg, uint64_t n, struct strbuf *entries, struct strbuf *sealed,
                struct strbuf *err);
/*
 * The partial bundle from ledger_tail, if it is numbered n or later (below end): 1 with *ret_n
 * and its entries (and sealed records, if sealed is not NULL), 0 when there is none,
 * -EBADMSG when its rows do not follow each other or span two bundles.
 */
int tail_load(struct ledger *lg, uint64_t n, uint64_t end, uint64_t *ret_n, struct strbuf *entries,
              struct strbuf *sealed, struct strbuf *err);

/* Writing the tail, inside the append's transaction: a row of entries from index first (with
 * their sealed records, NULL when empty); bundle n's sealed records from its rows, in order,
 * into out; and deleting bundle n's rows once it is written whole. 0 or -errno. */
int tail_insert(struct ledger *lg, uint64_t first, const void *data, size_t len,
                const struct strbuf *sealed, struct strbuf *err);
int tail_seal(struct ledger *lg, uint64_t n, struct strbuf *out, struct strbuf *err);
int tail_drop(struct ledger *lg, uint64_t n, struct strbuf *err);

/*
 * The partial tile of level 0 is not stored: it is made from the partial bundle's entries when
 * read (a commit wrote it whole, ~4 overflow pages, at every append). tile_from_entries fills t
 * from a bundle's entries (-EBADMSG when malformed); tile_from_tail does it from ledger_tail's
 * rows for bundle number: 1 made, 0 no such rows, -errno.
 */
int tile_from_entries(struct merkle_hasher *h, const void *data, size_t len, uint64_t number,
                      struct tile *t);
int tile_from_tail(struct ledger *lg, uint64_t number, struct tile *t, struct strbuf *err);

/* ledger.c, for ledger-read.c: one blob column of a row by key into out (1 found, 0 missing,
 * -errno); the error for a damaged stored part. */
int read_blob(struct ledger *lg, const char *sql, int64_t key, struct strbuf *out, int *ret_width,
              struct strbuf *err);
int damaged(struct strbuf *err, const char *what, uint64_t n);

#endif
