/* ledger: append to the Merkle log in the store (SQLite or PostgreSQL), read entries and proofs,
 * sign checkpoints. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "ledger/signer.h"
#include "store/query.h"

struct store *ledger_store(struct ledger *lg)
{
	return lg->st;
}

struct merkle_hasher *ledger_hasher(struct ledger *lg)
{
	return lg->h;
}

int ledger_open(struct store *st, struct ledger **ret, struct strbuf *err)
{
	struct ledger *lg = xcalloc(1, sizeof(*lg));

	lg->st = st;
	lg->h = merkle_hasher_new();
	strbuf_init(&lg->bundle, 0);
	strbuf_init_secret(&lg->sealed, 0);
	strbuf_init(&lg->copy_bundle, 0);
	strbuf_init_secret(&lg->copy_sealed, 0);
	strbuf_init(&lg->rd_entries, 0);
	strbuf_init_secret(&lg->rd_sealed, 0);
	/* The tiles (16 KiB each) are made when first needed: the edge by the first append, the
	 * read cache by reads; a web request that opens a ledger to read one entry needs none. */
	*ret = lg;
	return 0;
}

void ledger_close(struct ledger *lg)
{
	if (!lg)
		return;
	merkle_hasher_free(lg->h);
	strbuf_release(&lg->bundle);
	strbuf_release_secret(&lg->sealed);
	strbuf_release(&lg->copy_bundle);
	strbuf_release_secret(&lg->copy_sealed);
	strbuf_release(&lg->rd_entries);
	strbuf_release_secret(&lg->rd_sealed);
	for (int i = 0; i < TILE_LEVELS; i++)
		free(lg->edge[i]);
	for (int i = 0; i < READ_CACHE; i++)
		free(lg->rcache[i]);
	free(lg->tail_tile);
	ledger_pre_release(lg);
	free(lg);
}

bool ledger_read_bufs_take(struct ledger *lg, struct strbuf **entries, struct strbuf **sealed)
{
	if (lg->rd_busy)
		return false;
	lg->rd_busy = true;
	*entries = &lg->rd_entries;
	*sealed = &lg->rd_sealed;
	return true;
}

void ledger_read_bufs_give(struct ledger *lg)
{
	strbuf_reset(&lg->rd_entries);
	if (lg->rd_sealed.len)
		explicit_bzero(lg->rd_sealed.buf, lg->rd_sealed.len);
	strbuf_reset(&lg->rd_sealed);
	lg->rd_busy = false;
}

/* Loading and saving the right edge */

/* Runs a write prepared by the caller; a failure makes the cached edge invalid. */
static int run_write(struct ledger *lg, struct query *q, struct strbuf *err)
{
	int r = query_run(q, err);

	if (r < 0)
		lg->valid = false;
	return r;
}

static int read_head(struct ledger *lg, bool *ret_found, uint64_t *ret_size,
                     uint8_t root[MERKLE_HASH_SIZE], struct strbuf *range, struct strbuf *err)
{
	struct query *q;
	const void *blob;
	size_t len;
	int r = query_prepare(lg->st, "SELECT size, root, range FROM ledger_head WHERE id = 1", &q,
	                      err);

	if (r < 0)
		return r;
	r = query_step(q, err);
	if (r == 0) {
		*ret_found = false;
		*ret_size = 0;
		merkle_empty_root(root);
		return 0;
	}
	if (r < 0) {
		lg->valid = false;
		return r;
	}
	blob = query_blob(q, 1, &len);
	if (query_int(q, 0) < 0 || len != MERKLE_HASH_SIZE) {
		query_done(q);
		error_set(err, "the ledger head is damaged; run 'mamori ledger verify'");
		return -EBADMSG;
	}
	*ret_found = true;
	*ret_size = (uint64_t)query_int(q, 0);
	memcpy(root, blob, MERKLE_HASH_SIZE);
	if (range) {
		blob = query_blob(q, 2, &len);
		strbuf_add(range, blob, len);
	}
	query_done(q);
	return 0;
}

/* Reads one blob column of a row by key into out; returns 1 found, 0 missing, -errno. */
int read_blob(struct ledger *lg, const char *sql, int64_t key, struct strbuf *out, int *ret_width,
              struct strbuf *err)
{
	struct query *q;
	const void *blob;
	size_t len;
	int r = query_prepare(lg->st, sql, &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, key);
	r = query_step(q, err);
	if (r <= 0)
		return r;
	blob = query_blob(q, 0, &len);
	strbuf_add(out, blob, len);
	if (ret_width)
		*ret_width = (int)query_int(q, 1);
	query_done(q);
	return 1;
}

int damaged(struct strbuf *err, const char *what, uint64_t n)
{
	error_set(err, "the ledger's %s %" PRIu64 " is damaged; run 'mamori ledger verify'", what,
	          n);
	return -EBADMSG;
}

/* The partial bundle (the entries past the last full one) into lg->bundle, checked whole. 0, or
 * a negative errno with err set. */
static int load_bundle(struct ledger *lg, struct strbuf *err)
{
	uint64_t n = lg->size >> 8, got = 0;
	size_t pos = 0, count = 0, len;
	const uint8_t *e;
	int r;

	strbuf_reset(&lg->bundle);
	if (!(lg->size & 0xff))
		return 0;
	r = tail_load(lg, n, n + 1, &got, &lg->bundle, NULL, err);
	if (r < 0)
		return r;
	while ((r = bundle_next((const uint8_t *)lg->bundle.buf, lg->bundle.len, &pos, &e, &len)) >
	       0)
		count++;
	if (r < 0 || count != (lg->size & 0xff))
		return damaged(err, "entry bundle", n);
	return 0;
}

static int load_state(struct ledger *lg, struct strbuf *err)
{
	struct strbuf range = STRBUF_INIT, blob = STRBUF_INIT;
	uint8_t check[MERKLE_HASH_SIZE];
	bool found;
	int r;

	lg->valid = false;
	r = read_head(lg, &found, &lg->size, lg->root, &range, err);
	if (r < 0)
		goto out;
	merkle_range_init(&lg->range);
	if (range.len != (size_t)__builtin_popcountll(lg->size) * MERKLE_HASH_SIZE) {
		r = damaged(err, "head of size", lg->size);
		goto out;
	}
	lg->range.size = lg->size;
	lg->range.nr = __builtin_popcountll(lg->size);
	memcpy(lg->range.hashes, range.buf, range.len);
	merkle_range_root(lg->h, &lg->range, check);
	if (memcmp(check, lg->root, MERKLE_HASH_SIZE) != 0) {
		r = damaged(err, "head of size", lg->size);
		goto out;
	}
	r = load_bundle(lg, err);
	if (r < 0)
		goto out;

	for (unsigned level = 0; level < TILE_LEVELS; level++) {
		uint64_t base = level * 8 < 64 ? lg->size >> (level * 8) : 0;
		int width = 0;
		struct tile *t;

		if (!lg->edge[level])
			lg->edge[level] = xcalloc(1, sizeof(struct tile));
		t = lg->edge[level];

		t->number = base >> 8;
		t->width = (unsigned)(base & 0xff);
		lg->edge_dirty[level] = false;
		if (t->width == 0)
			continue;
		if (level == 0) {
			/* not stored: made from the partial bundle's entries */
			unsigned want = t->width;
			if (tile_from_entries(lg->h, lg->bundle.buf, lg->bundle.len, t->number, t) <
			        0 ||
			    t->width != want) {
				r = damaged(err, "entry bundle", t->number);
				goto out;
			}
			continue;
		}
		strbuf_reset(&blob);
		r = read_blob(lg, "SELECT hashes, width FROM ledger_tile WHERE id = ?",
		              (int64_t)tile_id(level, t->number), &blob, &width, err);
		if (r < 0)
			goto out;
		if (r == 0 || (unsigned)width != t->width ||
		    tile_decode(blob.buf, blob.len, (unsigned)width, t) < 0) {
			r = damaged(err, "tile at level", level);
			goto out;
		}
	}
	lg->valid = true;
	r = 0;
out:
	strbuf_release(&range);
	strbuf_release(&blob);
	return r;
}

/* Upserts in the SQL both stores speak (SQLite 3.24+ and PostgreSQL: ON CONFLICT DO UPDATE). */
static int write_tile(struct ledger *lg, unsigned level, const struct tile *t, struct strbuf *err)
{
	struct strbuf blob = STRBUF_INIT;
	struct query *q;
	int r = query_prepare(lg->st,
	                      "INSERT INTO ledger_tile(id, width, hashes) VALUES (?, ?, ?) "
	                      "ON CONFLICT (id) DO UPDATE SET width = excluded.width, "
	                      "hashes = excluded.hashes",
	                      &q, err);

	if (r < 0)
		return r;
	if (t->width == LEDGER_TILE_WIDTH) {
		/* A full tile's stored form is its fixed layout. */
		query_bind_blob(q, 3, t->hashes, sizeof(t->hashes));
	} else {
		tile_encode(t, &blob);
		query_bind_blob(q, 3, blob.buf, blob.len);
	}
	query_bind_int(q, 1, (int64_t)tile_id(level, t->number));
	query_bind_int(q, 2, (int)t->width);
	r = run_write(lg, q, err);
	strbuf_release(&blob);
	return r;
}

/* The COPY binary stream's header (PostgreSQL's "PGCOPY\n\377\r\n\0", no flags, no
 * extension) and one row of (n BIGINT, data BYTEA). */
static void copy_row(struct strbuf *copy, uint64_t n, const void *data, size_t len)
{
	static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
	uint8_t b[8];

	if (!copy->len)
		strbuf_add(copy, header, sizeof(header));
	strbuf_add(copy, "\0\2\0\0\0\10", 6); /* 2 fields; the first 8 bytes */
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(n >> (56 - 8 * i));
	strbuf_add(copy, b, 8);
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)((uint32_t)len >> (24 - 8 * i));
	strbuf_add(copy, b, 4);
	strbuf_add(copy, data, len);
}

static int write_row(struct ledger *lg, const char *table, uint64_t n, const void *data, size_t len,
                     struct strbuf *err)
{
	bool bundle = !strcmp(table, "bundle");
	struct query *q;
	int r;

	if (store_dialect(lg->st) == STORE_POSTGRESQL) {
		/* gathered for one COPY per table at the end of the append (copy_flush) */
		struct strbuf *copy = bundle ? &lg->copy_bundle : &lg->copy_sealed;
		if (!copy->len)
			*(bundle ? &lg->copy_bundle_first : &lg->copy_sealed_first) = n;
		copy_row(copy, n, data, len);
		return 0;
	}
	r = bundle ? query_prepare(lg->st,
	                           "INSERT INTO ledger_bundle(n, data) VALUES (?, ?) "
	                           "ON CONFLICT (n) DO UPDATE SET data = excluded.data",
	                           &q, err)
	           : query_prepare(lg->st,
	                           "INSERT INTO ledger_sealed(n, data) VALUES (?, ?) "
	                           "ON CONFLICT (n) DO UPDATE SET data = excluded.data",
	                           &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, (int64_t)n);
	query_bind_blob(q, 2, data, len);
	return run_write(lg, q, err);
}

/*
 * PostgreSQL: the bundles (and sealed payloads) this append wrote, by COPY. Rows from the
 * first one written on are deleted first: only the last, partial bundle can exist there (the
 * tree never shrinks, and the ledger's lock is held), and COPY cannot replace a row.
 */
static int copy_flush(struct ledger *lg, struct strbuf *err)
{
	static const char trailer[2] = { '\377', '\377' };
	struct query *q;
	int r = 0;

	if (lg->copy_bundle.len) {
		strbuf_add(&lg->copy_bundle, trailer, 2);
		r = query_prepare(lg->st, "DELETE FROM ledger_bundle WHERE n >= ?", &q, err);
		if (r == 0) {
			query_bind_int(q, 1, (int64_t)lg->copy_bundle_first);
			r = run_write(lg, q, err);
		}
		if (r == 0)
			r = store_copy_in(lg->st,
			                  "COPY ledger_bundle(n, data) FROM STDIN (FORMAT binary)",
			                  lg->copy_bundle.buf, lg->copy_bundle.len, err);
	}
	if (r == 0 && lg->copy_sealed.len) {
		strbuf_add(&lg->copy_sealed, trailer, 2);
		r = query_prepare(lg->st, "DELETE FROM ledger_sealed WHERE n >= ?", &q, err);
		if (r == 0) {
			query_bind_int(q, 1, (int64_t)lg->copy_sealed_first);
			r = run_write(lg, q, err);
		}
		if (r == 0)
			r = store_copy_in(lg->st,
			                  "COPY ledger_sealed(n, data) FROM STDIN (FORMAT binary)",
			                  lg->copy_sealed.buf, lg->copy_sealed.len, err);
	}
	strbuf_reset(&lg->copy_bundle);
	strbuf_release_secret(&lg->copy_sealed);
	if (r < 0)
		lg->valid = false;
	return r;
}

/* merkle_node_cb: files every completed perfect subtree into its tile. */
static void on_node(void *ctx, unsigned height, uint64_t index,
                    const uint8_t hash[MERKLE_HASH_SIZE])
{
	struct ledger *lg = ctx;
	unsigned level, j = height % LEDGER_TILE_HEIGHT;
	uint64_t number;
	unsigned pos = tile_node_pos(height, index, &level, &number);
	struct tile *t = lg->edge[level];

	if (j == 0 && (index & 0xff) == 0) {
		t->number = number;
		t->width = 0;
	}
	memcpy(t->hashes[pos], hash, MERKLE_HASH_SIZE);
	if (j == 0)
		t->width = (unsigned)(index & 0xff) + 1;
	lg->edge_dirty[level] = true;
	if (j == LEDGER_TILE_HEIGHT - 1 && (index & 1)) {
		/* The tile's last node: it is complete and never changes again. */
		if (lg->cb_ret == 0)
			lg->cb_ret = write_tile(lg, level, t, lg->cb_err);
		lg->edge_dirty[level] = false;
	}
}

static int write_head(struct ledger *lg, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(lg->st,
	                      "INSERT INTO ledger_head(id, size, root, range) VALUES (1, ?, ?, ?) "
	                      "ON CONFLICT (id) DO UPDATE SET size = excluded.size, "
	                      "root = excluded.root, range = excluded.range",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, (int64_t)lg->size);
	query_bind_blob(q, 2, lg->root, MERKLE_HASH_SIZE);
	query_bind_blob(q, 3, lg->range.hashes, lg->range.nr * MERKLE_HASH_SIZE);
	return run_write(lg, q, err);
}

/* Wipes the sealed records gathered by an append, keeping the room: growing the buffer again
 * copied and wiped it at each doubling (perf: the writer's memset). */
static void wipe_sealed(struct ledger *lg)
{
	if (lg->sealed.len)
		explicit_bzero(lg->sealed.buf, lg->sealed.len);
	strbuf_reset(&lg->sealed);
	lg->srun.len = 0;
}

/* What r holds (the caller's memory) is copied after buf's bytes, and r is empty again. */
static void run_take(struct strbuf *buf, struct ledger_run *r)
{
	if (r->len)
		strbuf_add(buf, r->p, r->len);
	r->len = 0;
}

/* len bytes at p follow buf's and r's: r grows when they follow r's in memory, else what r
 * held is copied to buf and r starts again at p. */
static void run_add(struct strbuf *buf, struct ledger_run *r, const uint8_t *p, size_t len)
{
	if (r->len && r->p + r->len == p) {
		r->len += len;
		return;
	}
	run_take(buf, r);
	r->p = p;
	r->len = len;
}

/* The bytes buf and r hold together, in one piece: r's memory when buf has none, else buf. */
static const void *run_whole(struct strbuf *buf, struct ledger_run *r, size_t *ret_len)
{
	if (!buf->len) {
		*ret_len = r->len;
		return r->p;
	}
	run_take(buf, r);
	*ret_len = buf->len;
	return buf->buf;
}

/*
 * Bundle n has just filled: it is written whole to ledger_bundle, its sealed records (those of
 * the earlier appends' rows, as stored: an erasure may have changed them, then this append's)
 * to ledger_sealed, and its rows in ledger_tail are deleted. A bundle all of this append's,
 * the usual case under a steady stream, is written as gathered, from the caller's memory when
 * its entries and records lie there back to back (the writer's batches: ledger_item), not
 * copied into a buffer of its own and wiped.
 */
static int bundle_full(struct ledger *lg, uint64_t n, struct strbuf *err)
{
	bool earlier = lg->chunk_first > n * LEDGER_TILE_WIDTH;
	struct strbuf seal = STRBUF_INIT_SECRET;
	const void *bundle, *rec;
	size_t bundle_len, rec_len;
	int r = 0;

	bundle = run_whole(&lg->bundle, &lg->brun, &bundle_len);
	if (earlier) {
		r = tail_seal(lg, n, &seal, err);
		strbuf_add(&seal, lg->sealed.buf, lg->sealed.len);
		run_take(&seal, &lg->srun);
		rec = seal.buf;
		rec_len = seal.len;
	} else {
		rec = run_whole(&lg->sealed, &lg->srun, &rec_len);
	}
	if (r == 0)
		r = write_row(lg, "bundle", n, bundle, bundle_len, err);
	if (r == 0 && rec_len)
		r = write_row(lg, "sealed", n, rec, rec_len, err);
	if (r == 0 && earlier)
		r = tail_drop(lg, n, err);
	strbuf_release_secret(&seal);
	strbuf_reset(&lg->bundle);
	lg->brun.len = 0;
	wipe_sealed(lg);
	lg->chunk_off = 0;
	lg->chunk_first = lg->size;
	return r;
}

/* Makes the cached edge match the database's head (inside a write transaction). */
static int sync_state(struct ledger *lg, struct strbuf *err)
{
	uint8_t root[MERKLE_HASH_SIZE];
	uint64_t size;
	bool found;
	int r;

	if (lg->valid) {
		r = read_head(lg, &found, &size, root, NULL, err);
		if (r < 0)
			return r;
		if (size == lg->size && memcmp(root, lg->root, MERKLE_HASH_SIZE) == 0)
			return 0;
	}
	return load_state(lg, err);
}

/*
 * The caller's sealed records (ledger_item.rec) get their slots, the first at index first, in a
 * loop of their own: the caller's memory was last written by another thread (a receiver), and
 * each store waits for its line, which inside the append's loop held up the hashing after it
 * (perf: the writer's tree hashes took 30% of the thread instead of 22%).
 */
static void set_slots(const struct ledger_item *items, size_t nr, uint64_t first)
{
	for (size_t i = 0; i < nr; i++)
		if (items[i].rec)
			items[i].rec[0] = (uint8_t)((first + i) & 0xff);
}

/*
 * Before the append of items[0..nr) at index first: their slots set (set_slots), and the inner
 * nodes within them hashed ahead, a level at a time, 16 at once where the hasher may
 * (merkle_pre_build: each was a hash of its own as its last leaf came, a fifth of the writer).
 */
static void items_ready(struct ledger *lg, const struct ledger_item *items, size_t nr,
                        uint64_t first)
{
	set_slots(items, nr, first);
	ALLOC_GROW(lg->pre_leaves, nr, lg->pre_leaves_alloc);
	for (size_t i = 0; i < nr; i++)
		lg->pre_leaves[i] = items[i].leaf;
	merkle_pre_build(lg->h, &lg->pre, first, lg->pre_leaves, nr);
}

size_t ledger_pre_kept(const struct ledger *lg)
{
	return lg->pre.alloc * MERKLE_HASH_SIZE + lg->pre_leaves_alloc * sizeof(*lg->pre_leaves);
}

void ledger_pre_release(struct ledger *lg)
{
	merkle_pre_release(&lg->pre);
	free(lg->pre_leaves);
	lg->pre_leaves = NULL;
	lg->pre_leaves_alloc = 0;
}

/* An item's entry and sealed record join the bundle's (in the caller's memory while they can). */
static void gather(struct ledger *lg, const struct ledger_item *it, unsigned slot)
{
	if (it->framed) {
		run_add(&lg->bundle, &lg->brun, it->bytes - 2, it->len + 2);
	} else {
		run_take(&lg->bundle, &lg->brun);
		strbuf_addch(&lg->bundle, (int)(it->len >> 8));
		strbuf_addch(&lg->bundle, (int)(it->len & 0xff));
		strbuf_add(&lg->bundle, it->bytes, it->len);
	}
	if (it->rec) {
		run_add(&lg->sealed, &lg->srun, it->rec, SEALED_HEAD + it->payload_len);
	} else if (it->salt) {
		run_take(&lg->sealed, &lg->srun);
		sealed_add(&lg->sealed, slot, it->salt, it->payload, it->payload_len);
	}
}

int ledger_append_items(struct ledger *lg, const struct ledger_item *items, size_t nr,
                        uint64_t *ret_first, struct strbuf *err)
{
	uint64_t first;
	int r;

	if (store_txn_depth(lg->st) < 1) {
		error_set(err, "ledger append outside a transaction (a bug in the caller)");
		return -EINVAL;
	}
	/* The sequence is assigned under the ledger's lock: on PostgreSQL several nodes append. */
	r = store_lock_xact(lg->st, STORE_LOCK_LEDGER, err);
	if (r < 0)
		return r;
	r = sync_state(lg, err);
	if (r < 0)
		return r;
	first = lg->size;
	if (nr > UINT64_MAX - first) {
		error_set(err, "the ledger is full");
		return -EOVERFLOW;
	}
	lg->cb_ret = 0;
	lg->cb_err = err;
	lg->chunk_off = lg->bundle.len;
	lg->chunk_first = lg->size;
	lg->brun.len = lg->srun.len = 0;
	items_ready(lg, items, nr, first);
	for (size_t i = 0; i < nr; i++) {
		const struct ledger_item *it = &items[i];
		unsigned slot = (unsigned)(lg->size & 0xff);

		if (it->len > ENTRY_MAX_SIZE) {
			lg->valid = false;
			error_set(err, "entry of %zu bytes is too large", it->len);
			r = -EINVAL;
			goto fail_r;
		}
		gather(lg, it, slot);
		merkle_range_append_pre(lg->h, &lg->range, it->leaf, &lg->pre, on_node, lg);
		lg->size++;
		if (lg->cb_ret < 0)
			goto fail;
		if (slot == 0xff && (r = bundle_full(lg, (lg->size - 1) >> 8, err)) < 0)
			goto fail_r;
	}
	/* This append's entries of the partial bundle (kept: the caller's memory is not): one row
	 * of its own (schema/0026). */
	run_take(&lg->bundle, &lg->brun);
	run_take(&lg->sealed, &lg->srun);
	if (lg->size > lg->chunk_first &&
	    (r = tail_insert(lg, lg->chunk_first, lg->bundle.buf + lg->chunk_off,
	                     lg->bundle.len - lg->chunk_off, &lg->sealed, err)) < 0)
		goto fail_r;
	wipe_sealed(lg);
	if (store_dialect(lg->st) == STORE_POSTGRESQL && (r = copy_flush(lg, err)) < 0)
		goto fail_r;
	/* The partial tiles: level 0's is made from the tail when read (a full one was written
	 * by on_node); the others change only when a bundle fills. */
	for (unsigned level = 1; level < TILE_LEVELS; level++) {
		if (!lg->edge_dirty[level])
			continue;
		if (lg->edge[level]->width && (r = write_tile(lg, level, lg->edge[level], err)) < 0)
			goto fail_r;
		lg->edge_dirty[level] = false;
	}
	lg->edge_dirty[0] = false;
	merkle_range_root(lg->h, &lg->range, lg->root);
	r = write_head(lg, err);
	if (r < 0)
		goto fail_r;
	if (ret_first)
		*ret_first = first;
	return 0;
fail:
	r = lg->cb_ret;
fail_r:
	lg->valid = false; /* (brun is set again by the next append) */
	wipe_sealed(lg);
	strbuf_reset(&lg->copy_bundle);
	strbuf_release_secret(&lg->copy_sealed);
	return r;
}

int ledger_append_txn(struct ledger *lg, const struct ledger_entry *entries, size_t nr,
                      uint64_t *ret_first, struct strbuf *err)
{
	struct prepared_entry *p = xcalloc(nr ? nr : 1, sizeof(*p));
	struct ledger_item *items = xcalloc(nr ? nr : 1, sizeof(*items));
	size_t done = 0;
	int r = 0;

	for (; done < nr; done++) {
		strbuf_init(&p[done].bytes, 0);
		r = ledger_prepare(lg->h, &entries[done], &p[done], err);
		if (r < 0)
			break;
		items[done] = (struct ledger_item){
			.bytes = (const uint8_t *)p[done].bytes.buf,
			.len = p[done].bytes.len,
			.leaf = p[done].leaf,
			.salt = p[done].sealed ? p[done].salt : NULL,
			.payload = p[done].payload,
			.payload_len = p[done].payload_len,
		};
	}
	if (r == 0)
		r = ledger_append_items(lg, items, nr, ret_first, err);
	for (size_t i = 0; i < done + (done < nr); i++)
		prepared_release(&p[i]);
	free(p);
	free(items);
	return r;
}

int ledger_append(struct ledger *lg, const struct ledger_entry *entries, size_t nr,
                  uint64_t *ret_first, struct strbuf *err)
{
	int r = store_begin(lg->st, err);

	if (r < 0)
		return r;
	r = ledger_append_txn(lg, entries, nr, ret_first, err);
	if (r == 0)
		r = store_commit(lg->st, err);
	if (r < 0) {
		store_rollback(lg->st);
		lg->valid = false;
	}
	return r;
}

/* Reading */

int ledger_head(struct ledger *lg, uint64_t *ret_size, uint8_t ret_root[MERKLE_HASH_SIZE],
                struct strbuf *err)
{
	bool found;

	return read_head(lg, &found, ret_size, ret_root, NULL, err);
}
