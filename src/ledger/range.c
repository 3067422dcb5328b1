/* range: reading runs of entries with their sealed payloads, and erasing payloads (retention). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "store/query.h"
#include "store/store.h"

void bundle_cursor_init(struct bundle_cursor *c, struct ledger *lg, uint64_t from, uint64_t end)
{
	memset(c, 0, sizeof(*c));
	c->lg = lg;
	c->next = from;
	c->end = end;
	strbuf_init(&c->tail, 0);
}

/* After the full bundles: the partial one, from ledger_tail, once. */
static int tail_next(struct bundle_cursor *c, uint64_t *n, const void **data, size_t *len,
                     struct strbuf *err)
{
	int r = 0;

	c->eof = true;
	if (!c->tail_read) {
		c->tail_read = true;
		strbuf_reset(&c->tail);
		r = tail_load(c->lg, c->next, c->end, n, &c->tail, NULL, err);
		if (r > 0) {
			*data = c->tail.buf;
			*len = c->tail.len;
			c->next = *n + 1;
		}
	}
	return r;
}

int bundle_cursor_next(struct bundle_cursor *c, uint64_t *n, const void **data, size_t *len,
                       struct strbuf *err)
{
	for (;;) {
		int r;

		if (c->eof)
			return 0;
		if (!c->q) {
			if (c->next >= c->end)
				return tail_next(c, n, data, len, err);
			r = query_prepare(
			    ledger_store(c->lg),
			    "SELECT n, data FROM ledger_bundle WHERE n >= ? AND n < ? "
			    "ORDER BY n LIMIT ?",
			    &c->q, err);
			if (r < 0)
				return r;
			query_bind_int(c->q, 1, (int64_t)c->next);
			query_bind_int(c->q, 2, c->end > INT64_MAX ? INT64_MAX : (int64_t)c->end);
			query_bind_int(c->q, 3, BUNDLE_PAGE);
			c->rows = 0;
		}
		r = query_step(c->q, err);
		if (r < 0) {
			c->q = NULL;
			c->eof = true;
			return r;
		}
		if (r == 0) {
			/* a short page is the last one of the full bundles */
			c->q = NULL;
			if (c->rows < BUNDLE_PAGE)
				return tail_next(c, n, data, len, err);
			continue;
		}
		c->rows++;
		*n = (uint64_t)query_int(c->q, 0);
		*data = query_blob(c->q, 1, len);
		c->next = *n + 1;
		return 1;
	}
}

void bundle_cursor_done(struct bundle_cursor *c)
{
	query_done(c->q);
	c->q = NULL;
	c->eof = true;
	strbuf_release(&c->tail);
}

/* Reads the bundle n of entries (and, with payloads, its sealed payloads). 1, 0 missing, -errno. */
static int read_bundle(struct ledger *lg, uint64_t n, struct strbuf *entries, struct strbuf *sealed,
                       struct strbuf *err)
{
	lg->rd_bundles++;
	return bundle_load(lg, n, entries, sealed, err);
}

uint64_t ledger_bundles_read(const struct ledger *lg)
{
	return lg->rd_bundles;
}

void ledger_prefetch_bundles(struct ledger *lg, const uint64_t *bundles, size_t n)
{
	static const char *const tables[] = { "ledger_bundle", "ledger_sealed" };
	int64_t *rowids = xcalloc(n ? n : 1, sizeof(*rowids));
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (bundles[i] <= (uint64_t)INT64_MAX)
			rowids[k++] = (int64_t)bundles[i];
	store_prefetch_rows(ledger_store(lg), tables, 2, rowids, k);
	free(rowids);
}

int ledger_read_range(struct ledger *lg, uint64_t first, uint64_t n, unsigned flags,
                      ledger_range_fn fn, void *ctx, struct strbuf *err)
{
	struct strbuf own_entries = STRBUF_INIT, own_sealed = STRBUF_INIT_SECRET;
	struct strbuf *ep = &own_entries, *sp = &own_sealed;
	bool kept = ledger_read_bufs_take(lg, &ep, &sp);
	uint64_t end = first + n, index = first;
	int r = 0;

	if (end < first)
		end = UINT64_MAX;
	while (index < end) {
		uint64_t b = index / LEDGER_TILE_WIDTH;
		struct ledger_range_item items[LEDGER_TILE_WIDTH];
		struct sealed_rec rec;
		size_t pos = 0, len;
		const uint8_t *e;
		unsigned count = 0;
		int rs;

		strbuf_reset(ep);
		if (sp->len)
			explicit_bzero(sp->buf, sp->len);
		strbuf_reset(sp);
		r = read_bundle(lg, b, ep, (flags & LEDGER_RANGE_PAYLOADS) ? sp : NULL, err);
		if (r <= 0)
			break; /* 0: the end of the log */
		memset(items, 0, sizeof(items));
		while ((r = bundle_next((const uint8_t *)ep->buf, ep->len, &pos, &e, &len)) > 0) {
			items[count].index = b * LEDGER_TILE_WIDTH + count;
			items[count].entry = e;
			items[count].len = len;
			count++;
		}
		pos = 0;
		rs = r;
		while (rs >= 0 &&
		       (rs = sealed_next((const uint8_t *)sp->buf, sp->len, &pos, &rec)) > 0) {
			if (rec.slot >= count)
				continue; /* a payload whose entry is not committed yet */
			items[rec.slot].erased = rec.state == SEALED_ERASED;
			items[rec.slot].payload = rec.payload;
			items[rec.slot].payload_len = rec.len;
		}
		if (rs < 0) {
			error_set(err,
			          "the ledger's bundle %" PRIu64 " is damaged; run 'mamori ledger "
			          "verify'",
			          b);
			r = -EBADMSG;
			break;
		}
		for (unsigned i = (unsigned)(index % LEDGER_TILE_WIDTH); i < count && index < end;
		     i++, index++) {
			r = fn(ctx, &items[i]);
			if (r != 0)
				goto out;
		}
		if (count < LEDGER_TILE_WIDTH)
			break; /* the last, partial bundle */
	}
	if (r > 0)
		r = 0;
out:
	if (kept)
		ledger_read_bufs_give(lg);
	strbuf_release(&own_entries);
	strbuf_release_secret(&own_sealed);
	return r;
}

/* The sealed records in old with entries [from, to] of bundle b erased (only entries of that
 * kind, unless kind is 0) into out; adds the count. 1 when something changed, 0, -EBADMSG. */
static int erase_records(const struct strbuf *old, uint64_t b, uint64_t from, uint64_t to, int kind,
                         const unsigned char kinds[LEDGER_TILE_WIDTH], uint64_t *count,
                         struct strbuf *out)
{
	struct sealed_rec rec;
	size_t pos = 0;
	bool changed = false;
	int r;

	while ((r = sealed_next((const uint8_t *)old->buf, old->len, &pos, &rec)) > 0) {
		uint64_t index = b * LEDGER_TILE_WIDTH + rec.slot;
		if (rec.state == SEALED_PRESENT && index >= from && index <= to &&
		    (!kind || kinds[rec.slot] == kind)) {
			strbuf_addch(out, (int)rec.slot);
			strbuf_addch(out, SEALED_ERASED);
			(*count)++;
			changed = true;
		} else if (rec.state == SEALED_ERASED) {
			strbuf_addch(out, (int)rec.slot);
			strbuf_addch(out, SEALED_ERASED);
		} else {
			sealed_add(out, rec.slot, rec.salt, rec.payload, rec.len);
		}
	}
	return r < 0 ? -EBADMSG : changed;
}

/* One stored blob of sealed records: a full bundle's ledger_sealed row or a ledger_tail row. */
struct seal_row {
	int64_t key;
	struct strbuf data;
};

/* Bundle b's rows of sealed records: its ledger_sealed row, or else its rows in ledger_tail. */
static int seal_rows(struct ledger *lg, uint64_t b, struct seal_row **ret, size_t *ret_nr,
                     bool *ret_tail, struct strbuf *err)
{
	struct seal_row *rows = NULL;
	size_t nr = 0, alloc = 0;
	struct query *q;
	int r;

	*ret_tail = false;
	for (int tail = 0; tail < 2 && nr == 0; tail++) {
		r = tail ? query_prepare(ledger_store(lg),
		                         "SELECT idx, sealed FROM ledger_tail WHERE idx >= ? AND "
		                         "idx < ? AND sealed IS NOT NULL ORDER BY idx",
		                         &q, err)
		         : query_prepare(ledger_store(lg),
		                         "SELECT n, data FROM ledger_sealed WHERE n >= ? AND n < ?",
		                         &q, err);
		if (r < 0)
			break;
		query_bind_int(q, 1, (int64_t)(tail ? b * LEDGER_TILE_WIDTH : b));
		query_bind_int(q, 2, (int64_t)(tail ? (b + 1) * LEDGER_TILE_WIDTH : b + 1));
		while ((r = query_step(q, err)) > 0) {
			size_t len = 0;
			const void *blob = query_blob(q, 1, &len);
			ALLOC_GROW(rows, nr + 1, alloc);
			rows[nr].key = query_int(q, 0);
			strbuf_init_secret(&rows[nr].data, 0);
			strbuf_add(&rows[nr].data, blob, len);
			nr++;
		}
		if (r < 0)
			break;
		*ret_tail = tail && nr;
	}
	*ret = rows;
	*ret_nr = nr;
	return r;
}

/*
 * Rewrites the sealed payloads of bundle b with entries [from, to] erased (only entries of
 * that kind, unless kind is 0); adds the count.
 */
static int erase_bundle(struct ledger *lg, uint64_t b, uint64_t from, uint64_t to, int kind,
                        uint64_t *count, struct strbuf *err)
{
	struct strbuf out = STRBUF_INIT_SECRET, entries = STRBUF_INIT;
	unsigned char kinds[LEDGER_TILE_WIDTH] = { 0 };
	struct seal_row *rows = NULL;
	size_t nr = 0;
	bool tail;
	int r = 0;

	if (kind) {
		const uint8_t *e;
		size_t len, epos = 0;
		unsigned slot = 0;
		r = read_bundle(lg, b, &entries, NULL, err);
		if (r < 0)
			return r;
		while (slot < LEDGER_TILE_WIDTH &&
		       bundle_next((const uint8_t *)entries.buf, entries.len, &epos, &e, &len) > 0)
			kinds[slot++] = len > 1 ? e[1] : 0;
		strbuf_release(&entries);
	}
	r = seal_rows(lg, b, &rows, &nr, &tail, err);
	for (size_t i = 0; r >= 0 && i < nr; i++) {
		struct query *q;

		strbuf_release_secret(&out);
		r = erase_records(&rows[i].data, b, from, to, kind, kinds, count, &out);
		if (r == -EBADMSG) {
			error_set(err,
			          "the ledger's bundle %" PRIu64 " is damaged; run 'mamori ledger "
			          "verify'",
			          b);
			break;
		}
		if (r == 0)
			continue;
		r = tail ? query_prepare(ledger_store(lg),
		                         "UPDATE ledger_tail SET sealed = ? WHERE idx = ?", &q, err)
		         : query_prepare(ledger_store(lg),
		                         "UPDATE ledger_sealed SET data = ? WHERE n = ?", &q, err);
		if (r == 0) {
			query_bind_blob(q, 1, out.buf, out.len);
			query_bind_int(q, 2, rows[i].key);
			r = query_run(q, err);
		}
	}
	for (size_t i = 0; i < nr; i++)
		strbuf_release_secret(&rows[i].data);
	free(rows);
	strbuf_release_secret(&out);
	return r < 0 ? r : 0;
}

int ledger_erase_payloads(struct ledger *lg, uint64_t from, uint64_t to, int kind,
                          const char *actor, int64_t now_ms, const char *reason,
                          uint64_t *ret_count, uint64_t *ret_index, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT;
	struct json_writer w;
	struct ledger_entry e = { 0 };
	struct query *q;
	uint64_t count = 0, index = 0;
	int r;

	if (from > to) {
		error_set(err, "nothing to erase");
		return -EINVAL;
	}
	r = store_begin(ledger_store(lg), err);
	if (r < 0)
		return r;
	/* Deleted pages are overwritten with zeros, not left readable in the file. */
	r = query_prepare(ledger_store(lg), "PRAGMA secure_delete = ON", &q, err);
	if (r == 0)
		r = query_step(q, err) >= 0 ? 0 : -EIO;
	for (uint64_t b = from / LEDGER_TILE_WIDTH; r >= 0 && b <= to / LEDGER_TILE_WIDTH; b++)
		r = erase_bundle(lg, b, from, to, kind, &count, err);
	if (r >= 0 && count > 0) {
		jw_init(&w, &data);
		jw_object_begin(&w);
		jw_key(&w, "erased");
		jw_object_begin(&w);
		jw_key(&w, "from");
		jw_uint(&w, from);
		jw_key(&w, "to");
		jw_uint(&w, to);
		jw_key(&w, "payloads");
		jw_uint(&w, count);
		jw_object_end(&w);
		if (reason)
			jw_kv_str(&w, "reason", reason);
		jw_object_end(&w);
		e.kind = ENTRY_RETENTION;
		e.time_ms = now_ms;
		e.actor = actor;
		e.has_ref = true;
		e.ref = from;
		e.data = (const uint8_t *)data.buf;
		e.data_len = data.len;
		r = ledger_append_txn(lg, &e, 1, &index, err);
	}
	if (r >= 0)
		r = store_commit(ledger_store(lg), err);
	else
		store_rollback(ledger_store(lg));
	strbuf_release(&data);
	if (r < 0)
		return r;
	if (ret_count)
		*ret_count = count;
	if (ret_index)
		*ret_index = count ? index : UINT64_MAX;
	return 0;
}
