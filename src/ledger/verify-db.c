/* verify-db: ledger_verify: the ledger in the database, read in one snapshot. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "ledger/verify-internal.h"
#include "store/query.h"
#include "store/store.h"

struct dbctx {
	struct ledger *lg;
	struct strbuf blob;
};

static int db_tile(void *ctx, unsigned level, uint64_t number, struct tile *t, unsigned *layers,
                   struct strbuf *err)
{
	struct dbctx *d = ctx;
	struct query *s = query_get(ledger_store(d->lg),
	                            "SELECT hashes, width FROM ledger_tile WHERE id = ?", err);
	const void *tb;
	size_t tlen = 0;
	int rc, w;

	if (!s)
		return -EIO;
	query_bind_int(s, 1, (int64_t)tile_id(level, number));
	rc = query_step(s, err);
	if (rc == 0 && level == 0) {
		/* the partial tile of level 0 is not stored: it is the tail's entries' */
		rc = tile_from_tail(d->lg, number, t, err);
		if (rc > 0)
			*layers = LEDGER_TILE_HEIGHT;
		return rc;
	}
	if (rc == 0) {
		query_done(s);
		return 0;
	}
	if (rc <= 0) {
		return rc;
	}
	w = (int)query_int(s, 1);
	tb = query_blob(s, 0, &tlen);
	if (tile_decode(tb, tlen, (unsigned)w, t) < 0) {
		query_done(s);
		error_set(err, "tile %u/%" PRIu64 " is damaged (width %d does not fit its hashes)",
		          level, number, w);
		return -EBADMSG;
	}
	query_done(s);
	*layers = LEDGER_TILE_HEIGHT;
	return 1;
}

/* Checks the sealed payloads of one bundle against the seals of its entries. */
static int check_sealed(struct vstate *v, struct ledger *lg, uint64_t n,
                        const uint8_t *seals[LEDGER_TILE_WIDTH], unsigned count,
                        struct ledger_verify_result *res, struct strbuf *blob)
{
	bool seen[LEDGER_TILE_WIDTH] = { false };
	struct sealed_rec rec;
	size_t pos = 0;
	int rc, r;

	strbuf_reset(blob);
	if (count < LEDGER_TILE_WIDTH) {
		/* the partial bundle's records are in its ledger_tail rows */
		rc = tail_seal(lg, n, blob, v->err);
	} else {
		struct query *s = query_get(ledger_store(lg),
		                            "SELECT data FROM ledger_sealed WHERE n = ?", v->err);
		if (!s)
			return -EIO;
		query_bind_int(s, 1, (int64_t)n);
		rc = query_step(s, v->err);
		if (rc > 0) {
			size_t len = 0;
			const void *b = query_blob(s, 0, &len);
			if (len)
				strbuf_add(blob, b, len);
		}
		query_done(s);
	}
	if (rc < 0)
		return rc;
	while ((r = sealed_next((const uint8_t *)blob->buf, blob->len, &pos, &rec)) > 0) {
		uint64_t index = n * LEDGER_TILE_WIDTH + rec.slot;
		uint8_t c[MERKLE_HASH_SIZE];

		if (rec.slot >= count || !seals[rec.slot] || seen[rec.slot])
			return fail(v,
			            "sealed payloads of entries %" PRIu64 "..: a payload for entry "
			            "%" PRIu64 ", which has no seal",
			            n * LEDGER_TILE_WIDTH, index);
		seen[rec.slot] = true;
		if (rec.state == SEALED_ERASED) {
			if (res)
				res->erased++;
			continue;
		}
		entry_seal_commitment(v->h, rec.salt, rec.payload, rec.len, c);
		if (memcmp(c, seals[rec.slot], MERKLE_HASH_SIZE) != 0)
			return fail(v,
			            "entry %" PRIu64 ": its sealed payload does not match the seal",
			            index);
		if (res)
			res->sealed++;
	}
	if (r < 0)
		return fail(v, "the sealed payloads of entries %" PRIu64 ".. are damaged",
		            n * LEDGER_TILE_WIDTH);
	for (unsigned i = 0; i < count; i++)
		if (seals[i] && !seen[i])
			return fail(v,
			            "entry %" PRIu64
			            ": its sealed payload is missing and not marked "
			            "erased",
			            n * LEDGER_TILE_WIDTH + i);
	return 0;
}

/* Reads up to JOB_BUNDLES bundles of the cursor into j; *eof once they run out. */
static int fill_job(struct bundle_cursor *c, struct bjob *j, bool *eof, struct strbuf *err)
{
	int rc = 0;

	bjob_reset(j);
	while (j->nb < JOB_BUNDLES) {
		uint64_t n;
		const void *b;
		size_t len = 0;

		rc = bundle_cursor_next(c, &n, &b, &len, err);
		if (rc <= 0) {
			*eof = true;
			break;
		}
		bjob_add(j, n, b, len);
	}
	return rc;
}

/*
 * Every stored checkpoint and the extra ones given into v, sorted and checked: signature first,
 * roots during the scan. 0 (v.ret may say what failed the check), or a negative errno with err
 * set when they cannot be read or one cannot be taken.
 */
static int db_read_checkpoints(struct vstate *v, struct ledger *lg,
                               const struct note_verifier *keys, size_t nkeys,
                               const struct strbuf *extra, size_t extra_nr, struct strbuf *err)
{
	size_t alloc = 0;
	struct query *s;
	int rc;

	s = query_get(ledger_store(lg), "SELECT size, note FROM ledger_checkpoint ORDER BY size",
	              err);
	if (!s)
		return -EIO;
	while ((rc = query_step(s, err)) > 0 && !v->ret) {
		char label[64];
		uint64_t size = (uint64_t)query_int(s, 0);
		snprintf(label, sizeof(label), "stored checkpoint %" PRIu64, size);
		{
			size_t len = 0;
			const char *note = query_blob(s, 1, &len);
			add_checkpoint(v, len ? note : "", len, keys, nkeys, label, size, &alloc);
		}
	}
	query_done(s);
	if (!v->ret && rc < 0)
		return rc;
	for (size_t i = 0; i < extra_nr && !v->ret; i++)
		add_checkpoint(v, extra[i].buf, extra[i].len, keys, nkeys, "the given checkpoint",
		               UINT64_MAX, &alloc);
	if (v->ret)
		return v->ret;
	if (v->ncp)
		qsort(v->cps, v->ncp, sizeof(*v->cps), cmp_vcp);
	check_checkpoints(v);
	return 0;
}

/* Where the scan of the bundles is: the next bundle number expected, the sealed payloads'
 * buffer, the result the sealed payloads are counted into (may be NULL). */
struct db_scan {
	struct vstate *v;
	struct ledger *lg;
	struct ledger_verify_result *ret;
	uint64_t expect_n;
	struct strbuf sealed_blob;
	bool end; /* a short bundle ended the log */
};

/* The bundles of a finished job, in order, with their sealed payloads (next: the job after it,
 * to see whether anything follows a short bundle). */
static void db_check_job(struct db_scan *sc, struct bjob *cur, const struct bjob *next)
{
	struct vstate *v = sc->v;

	for (unsigned b = 0; b < cur->nb && !v->ret; b++) {
		uint64_t n = cur->n[b];
		char where[64];

		if (n != sc->expect_n || v->n != n * LEDGER_TILE_WIDTH) {
			fail(v, "entries %" PRIu64 "..%" PRIu64 " are missing", v->n,
			     n * LEDGER_TILE_WIDTH - 1);
			break;
		}
		snprintf(where, sizeof(where), "the bundle of entries %" PRIu64 "..",
		         n * LEDGER_TILE_WIDTH);
		if (consume(v, cur, b, where) < 0)
			break;
		check_sealed(v, sc->lg, n, cur->seals[b], cur->count[b], sc->ret, &sc->sealed_blob);
		sc->expect_n = n + 1;
		if (cur->count[b] < LEDGER_TILE_WIDTH && !v->ret) {
			/* A short bundle ends the log: nothing may follow it. */
			uint64_t after = b + 1 < cur->nb ? cur->n[b + 1]
			                 : next->nb      ? next->n[0]
			                                 : 0;
			if (after)
				fail(v, "entries %" PRIu64 "..%" PRIu64 " are missing", v->n,
				     after * LEDGER_TILE_WIDTH - 1);
			sc->end = true;
			break;
		}
	}
}

/* Every bundle in order, through the pipeline (see struct bpipe). Returns what the last read
 * of the bundles returned (negative: it failed, with err set). */
static int db_scan_bundles(struct vstate *v, struct ledger *lg, struct ledger_verify_result *ret,
                           struct strbuf *err)
{
	struct db_scan sc = { v, lg, ret, 0, STRBUF_INIT_SECRET, false };
	struct bundle_cursor c;
	struct bpipe p;
	struct bjob *cur, *next;
	bool eof = false;
	int rc;

	bundle_cursor_init(&c, lg, 0, UINT64_MAX);
	bpipe_init(&p);
	cur = p.jobs[0];
	next = p.jobs[1];
	rc = fill_job(&c, cur, &eof, err);
	if (cur->nb)
		bpipe_submit(&p, cur);
	while (cur->nb && !v->ret) {
		if (eof)
			bjob_reset(next);
		else
			rc = fill_job(&c, next, &eof, err);
		bpipe_wait(&p, cur);
		if (next->nb)
			bpipe_submit(&p, next);
		db_check_job(&sc, cur, next);
		if (v->ret || sc.end)
			break;
		{
			struct bjob *t = cur;
			cur = next;
			next = t;
		}
	}
	bpipe_release(&p);
	bundle_cursor_done(&c);
	strbuf_release_secret(&sc.sealed_blob);
	return rc;
}

/* The head against the entries scanned: their number and their root. */
static void check_head(struct vstate *v, uint64_t head_size,
                       const uint8_t head_root[MERKLE_HASH_SIZE])
{
	if (!v->ret && head_size != v->n) {
		if (head_size > v->n)
			fail(v,
			     "the head records %" PRIu64 " entries but only %" PRIu64
			     " are stored: entries %" PRIu64 "..%" PRIu64 " are missing",
			     head_size, v->n, v->n, head_size - 1);
		else
			fail(v,
			     "the head records %" PRIu64 " entries but %" PRIu64
			     " are stored: entries %" PRIu64 ".. were added without the tree",
			     head_size, v->n, head_size);
	}
	if (!v->ret) {
		uint8_t root[MERKLE_HASH_SIZE];
		merkle_range_root(v->h, &v->range, root);
		if (memcmp(root, head_root, MERKLE_HASH_SIZE) != 0)
			fail(v, "the head's root is not the root of the stored entries");
	}
}

static int verify_db(struct ledger *lg, const char *dir, const struct strbuf *extra,
                     size_t extra_nr, struct ledger_verify_result *ret, struct strbuf *err)
{
	struct vstate v;
	struct dbctx d = { lg, STRBUF_INIT };
	struct note_verifier *keys = NULL;
	size_t nkeys = 0;
	uint64_t head_size;
	uint8_t head_root[MERKLE_HASH_SIZE];
	int rc, r;

	if (ret)
		memset(ret, 0, sizeof(*ret));
	vstate_init(&v, err);
	v.load = db_tile;
	v.ctx = &d;
	r = ledger_trusted_keys(lg, dir, &keys, &nkeys, err);
	if (r < 0)
		goto out;
	r = ledger_head(lg, &head_size, head_root, err);
	if (r < 0)
		goto out;
	r = db_read_checkpoints(&v, lg, keys, nkeys, extra, extra_nr, err);
	if (r < 0)
		goto out;
	rc = db_scan_bundles(&v, lg, ret, err);
	if (!v.ret && rc < 0) {
		r = rc;
		goto out;
	}
	check_head(&v, head_size, head_root);
	beyond_end(&v);
	check_edges(&v);
	fill_result(&v, ret);
	r = v.ret;
out:
	vstate_release(&v);
	free(keys);
	strbuf_release(&d.blob);
	return r;
}

/* One read snapshot for the whole check: the head, the checkpoints and the bundles agree even
 * while a server appends (and on PostgreSQL the bundles are read a page at a time). */
int ledger_verify(struct ledger *lg, const char *dir, const struct strbuf *extra, size_t extra_nr,
                  struct ledger_verify_result *ret, struct strbuf *err)
{
	bool began = false;
	int r = store_read_begin(ledger_store(lg), &began, err);

	if (r < 0) {
		if (ret)
			memset(ret, 0, sizeof(*ret));
		return r;
	}
	r = verify_db(lg, dir, extra, extra_nr, ret, err);
	store_read_end(ledger_store(lg), began);
	return r;
}
