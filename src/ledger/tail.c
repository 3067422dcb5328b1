/* tail: the last, partial bundle of entries, stored as one ledger_tail row per append
 * (schema/0026), and the reading of any bundle whether full or partial. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/cleanup.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "store/query.h"

/* Rows of one partial bundle, joined in order: each must start where the one before ended. */
struct join {
	uint64_t n;     /* the bundle */
	unsigned count; /* entries joined so far */
	bool any;
};

static int join_row(struct join *j, uint64_t idx, const void *data, size_t len, const void *seal,
                    size_t seal_len, struct strbuf *entries, struct strbuf *sealed,
                    struct strbuf *err)
{
	const uint8_t *e;
	size_t pos = 0, elen;
	unsigned k = 0;
	int r;

	if (!j->any) {
		j->n = idx / LEDGER_TILE_WIDTH;
		j->any = true;
	}
	if (idx != j->n * LEDGER_TILE_WIDTH + j->count)
		return damaged(err, "entry bundle", j->n);
	while ((r = bundle_next(data, len, &pos, &e, &elen)) > 0)
		k++;
	/* a row holds at least one entry, and a full bundle is never left in the tail */
	if (r < 0 || k == 0 || j->count + k >= LEDGER_TILE_WIDTH)
		return damaged(err, "entry bundle", j->n);
	j->count += k;
	if (entries)
		strbuf_add(entries, data, len);
	if (sealed && seal_len)
		strbuf_add(sealed, seal, seal_len);
	return 0;
}

int bundle_load(struct ledger *lg, uint64_t n, struct strbuf *entries, struct strbuf *sealed,
                struct strbuf *err)
{
	struct join j = { 0 };
	struct query *q;
	bool full = false;
	int r;

	r = sealed ? query_prepare(lg->st,
	                           "SELECT 0, b.n * 256, b.data, s.data FROM ledger_bundle b "
	                           "LEFT JOIN ledger_sealed s ON s.n = b.n WHERE b.n = ? "
	                           "UNION ALL SELECT 1, idx, data, sealed FROM ledger_tail "
	                           "WHERE idx >= ? AND idx < ? ORDER BY 2, 1",
	                           &q, err)
	           : query_prepare(lg->st,
	                           "SELECT 0, n * 256, data FROM ledger_bundle WHERE n = ? "
	                           "UNION ALL SELECT 1, idx, data FROM ledger_tail "
	                           "WHERE idx >= ? AND idx < ? ORDER BY 2, 1",
	                           &q, err);
	if (r < 0)
		return r;
	/* By index, the full row before a tail row of the same index: SQLite merges the two
	 * searches as they come (ORDER BY 1, 2 sorted the tail's rows in a temporary b-tree). */
	query_bind_int(q, 1, (int64_t)n);
	query_bind_int(q, 2, (int64_t)(n * LEDGER_TILE_WIDTH));
	query_bind_int(q, 3, (int64_t)((n + 1) * LEDGER_TILE_WIDTH));
	while ((r = query_step(q, err)) > 0) {
		size_t len = 0, slen = 0;
		const void *data = query_blob(q, 2, &len);
		const void *seal = sealed && !query_is_null(q, 3) ? query_blob(q, 3, &slen) : NULL;

		if (query_int(q, 0) == 0) {
			/* the full bundle: rows left in the tail beside it are not read */
			strbuf_add(entries, data, len);
			if (seal && slen)
				strbuf_add(sealed, seal, slen);
			full = true;
			query_done(q);
			break;
		}
		r = join_row(&j, (uint64_t)query_int(q, 1), data, len, seal, slen, entries, sealed,
		             err);
		if (r < 0) {
			query_done(q);
			return r;
		}
	}
	if (r < 0)
		return r;
	return full || j.any;
}

int tail_load(struct ledger *lg, uint64_t n, uint64_t end, uint64_t *ret_n, struct strbuf *entries,
              struct strbuf *sealed, struct strbuf *err)
{
	struct join j = { 0 };
	struct query *q;
	int r;

	if (n >= end || n > (uint64_t)INT64_MAX / LEDGER_TILE_WIDTH)
		return 0;
	r = query_prepare(lg->st,
	                  "SELECT idx, data, sealed FROM ledger_tail WHERE idx >= ? AND idx < ? "
	                  "ORDER BY idx",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, (int64_t)(n * LEDGER_TILE_WIDTH));
	query_bind_int(q, 2,
	               end > (uint64_t)INT64_MAX / LEDGER_TILE_WIDTH
	                   ? INT64_MAX
	                   : (int64_t)(end * LEDGER_TILE_WIDTH));
	while ((r = query_step(q, err)) > 0) {
		size_t len = 0, slen = 0;
		const void *data = query_blob(q, 1, &len);
		const void *seal = sealed && !query_is_null(q, 2) ? query_blob(q, 2, &slen) : NULL;

		r = join_row(&j, (uint64_t)query_int(q, 0), data, len, seal, slen, entries, sealed,
		             err);
		if (r < 0) {
			query_done(q);
			return r;
		}
	}
	if (r < 0)
		return r;
	*ret_n = j.n;
	return j.any;
}

int tail_insert(struct ledger *lg, uint64_t first, const void *data, size_t len,
                const struct strbuf *sealed, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(lg->st, "INSERT INTO ledger_tail(idx, data, sealed) VALUES (?, ?, ?)",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, (int64_t)first);
	query_bind_blob(q, 2, data, len);
	if (sealed->len)
		query_bind_blob(q, 3, sealed->buf, sealed->len);
	else
		query_bind_null(q, 3);
	return query_run(q, err);
}

int tail_seal(struct ledger *lg, uint64_t n, struct strbuf *out, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(lg->st,
	                      "SELECT sealed FROM ledger_tail WHERE idx >= ? AND idx < ? "
	                      "AND sealed IS NOT NULL ORDER BY idx",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, (int64_t)(n * LEDGER_TILE_WIDTH));
	query_bind_int(q, 2, (int64_t)((n + 1) * LEDGER_TILE_WIDTH));
	while ((r = query_step(q, err)) > 0) {
		size_t len = 0;
		const void *b = query_blob(q, 0, &len);
		strbuf_add(out, b, len);
	}
	return r;
}

int tail_drop(struct ledger *lg, uint64_t n, struct strbuf *err)
{
	struct query *q;
	int r =
	    query_prepare(lg->st, "DELETE FROM ledger_tail WHERE idx >= ? AND idx < ?", &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, (int64_t)(n * LEDGER_TILE_WIDTH));
	query_bind_int(q, 2, (int64_t)((n + 1) * LEDGER_TILE_WIDTH));
	return query_run(q, err);
}

/* merkle_node_cb for tile_from_entries: a tree of the tile's own leaves, numbered from 0. */
static void tile_node(void *ctx, unsigned height, uint64_t index,
                      const uint8_t hash[MERKLE_HASH_SIZE])
{
	struct tile *t = ctx;

	if (height >= LEDGER_TILE_HEIGHT)
		return;
	memcpy(t->hashes[tile_layer_offset(height) + (unsigned)index], hash, MERKLE_HASH_SIZE);
	if (height == 0)
		t->width = (unsigned)index + 1;
}

int tile_from_entries(struct merkle_hasher *h, const void *data, size_t len, uint64_t number,
                      struct tile *t)
{
	struct merkle_range range;
	const uint8_t *e;
	size_t pos = 0, elen;
	int r;

	merkle_range_init(&range);
	t->number = number;
	t->width = 0;
	while ((r = bundle_next(data, len, &pos, &e, &elen)) > 0 && t->width < LEDGER_TILE_WIDTH) {
		uint8_t leaf[MERKLE_HASH_SIZE];
		merkle_hash_leaf(h, e, elen, leaf);
		merkle_range_append(h, &range, leaf, tile_node, t);
	}
	return r < 0 ? -EBADMSG : 0;
}

int tile_from_tail(struct ledger *lg, uint64_t number, struct tile *t, struct strbuf *err)
{
	struct strbuf entries = STRBUF_INIT;
	uint64_t n = 0;
	int r = tail_load(lg, number, number + 1, &n, &entries, NULL, err);

	if (r > 0 && tile_from_entries(lg->h, entries.buf, entries.len, number, t) < 0)
		r = damaged(err, "entry bundle", number);
	strbuf_release(&entries);
	return r;
}
