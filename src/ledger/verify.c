/* verify: re-hash every entry, rebuild the tree, check tiles, head and signed checkpoints. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "store/query.h"
#include "store/store.h"

/* A checkpoint to hold the rebuilt tree against, with the words that name it in messages. */
struct vcp {
	uint64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	char label[96];
};

/* The tile of each level that the scan is comparing against. */
struct vtile {
	bool loaded;
	uint64_t number;
	unsigned layers; /* node layers the source keeps: 8 in the database, 1 in an export */
	struct tile t;
};

/*
 * A source of tiles: fills t (fixed layout) and the number of layers it
 * holds; returns 1, 0 when missing, or -errno with err.
 */
typedef int (*tile_loader)(void *ctx, unsigned level, uint64_t number, struct tile *t,
                           unsigned *layers, struct strbuf *err);

struct vstate {
	struct merkle_hasher *h;
	struct merkle_range range;
	uint64_t n, bytes;
	struct vtile *tiles; /* TILE_LEVELS */
	tile_loader load;
	void *ctx;
	int ret;
	struct strbuf *err;
	struct vcp *cps;
	size_t ncp, next_cp;
	bool matched;        /* some checkpoint matched */
	uint64_t last_good;  /* size of the last checkpoint that matched */
	uint64_t good_below; /* size of the last one that matched below last_good */
};

static int fail(struct vstate *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct vstate *v, const char *fmt, ...)
{
	va_list ap;

	if (v->ret)
		return v->ret;
	strbuf_reset(v->err);
	va_start(ap, fmt);
	strbuf_vaddf(v->err, fmt, ap);
	va_end(ap);
	v->ret = -EBADMSG;
	return v->ret;
}

static void verify_node(void *ctx, unsigned height, uint64_t index,
                        const uint8_t hash[MERKLE_HASH_SIZE])
{
	struct vstate *v = ctx;
	unsigned level, j = height % LEDGER_TILE_HEIGHT;
	uint64_t number, first = index << height, last = ((index + 1) << height) - 1;
	unsigned pos = tile_node_pos(height, index, &level, &number);
	struct vtile *vt = &v->tiles[level];

	if (v->ret)
		return;
	if (!vt->loaded || vt->number != number) {
		int r = v->load(v->ctx, level, number, &vt->t, &vt->layers, v->err);
		if (r < 0) {
			v->ret = r;
			return;
		}
		if (r == 0) {
			fail(v,
			     "tile %u/%" PRIu64 " is missing: the hashes of entries %" PRIu64
			     "..%" PRIu64 " are gone",
			     level, number, first, last);
			return;
		}
		vt->loaded = true;
		vt->number = number;
	}
	if (j >= vt->layers)
		return;
	if ((index & ((256u >> j) - 1)) >= (vt->t.width >> j)) {
		fail(v,
		     "tile %u/%" PRIu64
		     " holds hashes of fewer entries than the log has (entry %" PRIu64 " onwards)",
		     level, number, first);
		return;
	}
	if (memcmp(vt->t.hashes[pos], hash, MERKLE_HASH_SIZE) != 0) {
		if (height == 0)
			fail(v,
			     "entry %" PRIu64
			     " does not match its stored hash: the entry was changed "
			     "or moved",
			     index);
		else
			fail(v,
			     "tile %u/%" PRIu64 ": the stored hash over entries %" PRIu64
			     "..%" PRIu64 " does not match them: the tile was changed",
			     level, number, first, last);
	}
}

static void check_checkpoints(struct vstate *v)
{
	while (!v->ret && v->next_cp < v->ncp && v->cps[v->next_cp].size == v->n) {
		struct vcp *c = &v->cps[v->next_cp];
		uint8_t root[MERKLE_HASH_SIZE];

		merkle_range_root(v->h, &v->range, root);
		if (memcmp(root, c->root, MERKLE_HASH_SIZE) != 0) {
			/* The entries between the last good checkpoint below this one and it. */
			bool forked = v->matched && v->last_good == c->size;
			uint64_t lo = forked ? v->good_below : v->last_good;

			if (c->size == 0)
				fail(v, "%s does not have the empty tree's root", c->label);
			else
				fail(
				    v,
				    "%s does not match the entries: one of entries %" PRIu64
				    "..%" PRIu64 " was changed, removed or reordered%s",
				    c->label, lo, c->size - 1,
				    forked
				        ? " (another checkpoint of the same size matches them: two "
				          "different histories were signed)"
				        : "");
			return;
		}
		if (!v->matched || c->size > v->last_good)
			v->good_below = v->matched ? v->last_good : 0;
		v->last_good = c->size;
		v->matched = true;
		v->next_cp++;
	}
}

/*
 * Bundles are checked in a two-stage pipeline: a worker thread validates and
 * leaf-hashes the next group of bundles while this thread reads rows and
 * builds the tree over the current group. Leaf hashing is most of the work,
 * so two cores verify nearly twice as fast; groups of JOB_BUNDLES keep the
 * hand-overs between the threads rare. Results are consumed strictly in
 * order, so the first bad entry is still the one reported.
 */
#define JOB_BUNDLES 16

enum bjob_err { BJOB_OK, BJOB_INVALID, BJOB_TRUNCATED, BJOB_TOO_MANY };

struct bjob {
	unsigned nb;                 /* bundles in the job */
	uint64_t n[JOB_BUNDLES];     /* their numbers */
	size_t off[JOB_BUNDLES + 1]; /* where each starts in data */
	struct strbuf data;          /* their bytes (a copy: the row cursor moves on) */
	unsigned count[JOB_BUNDLES]; /* entries that passed, per bundle */
	uint8_t leaves[JOB_BUNDLES][LEDGER_TILE_WIDTH][MERKLE_HASH_SIZE];
	size_t lens[JOB_BUNDLES][LEDGER_TILE_WIDTH];
	const uint8_t *seals[JOB_BUNDLES][LEDGER_TILE_WIDTH];
	enum bjob_err err; /* what stopped bundle err_at after count[err_at] entries */
	unsigned err_at;
	struct strbuf why;
};

struct bpipe {
	pthread_t thread;
	bool started, stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct bjob *queued; /* handed to the worker, until it is done */
	struct merkle_hasher *h;
	struct bjob *jobs[2];
};

static void bjob_reset(struct bjob *j)
{
	j->nb = 0;
	j->off[0] = 0;
	strbuf_reset(&j->data);
}

static void bjob_add(struct bjob *j, uint64_t n, const void *data, size_t len)
{
	j->n[j->nb] = n;
	strbuf_add(&j->data, data, len);
	j->off[++j->nb] = j->data.len;
}

static void bjob_run(struct merkle_hasher *h, struct bjob *j)
{
	j->err = BJOB_OK;
	strbuf_reset(&j->why);
	for (unsigned b = 0; b < j->nb; b++)
		j->count[b] = 0;
	for (unsigned b = 0; b < j->nb; b++) {
		const uint8_t *data = (const uint8_t *)j->data.buf + j->off[b], *e;
		size_t pos = 0, len, size = j->off[b + 1] - j->off[b];
		int r;

		j->err_at = b;
		while ((r = bundle_next(data, size, &pos, &e, &len)) > 0) {
			unsigned k = j->count[b];
			if (k == LEDGER_TILE_WIDTH) {
				j->err = BJOB_TOO_MANY;
				return;
			}
			if (entry_validate(e, len, &j->seals[b][k], &j->why) < 0) {
				j->err = BJOB_INVALID;
				return;
			}
			merkle_hash_leaf(h, e, len, j->leaves[b][k]);
			j->lens[b][k] = len;
			j->count[b]++;
		}
		if (r < 0) {
			j->err = BJOB_TRUNCATED;
			return;
		}
	}
}

static void *bpipe_main(void *arg)
{
	struct bpipe *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct bjob *j;

		while (!p->queued && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->queued)
			break;
		j = p->queued;
		pthread_mutex_unlock(&p->mu);
		bjob_run(p->h, j);
		pthread_mutex_lock(&p->mu);
		p->queued = NULL;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void bpipe_init(struct bpipe *p)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->h = merkle_hasher_new();
	for (int i = 0; i < 2; i++) {
		p->jobs[i] = xcalloc(1, sizeof(struct bjob));
		strbuf_init(&p->jobs[i]->data, 0);
		strbuf_init(&p->jobs[i]->why, 0);
	}
	/* Without a thread the jobs simply run inline in bpipe_submit. */
	p->started = pthread_create(&p->thread, NULL, bpipe_main, p) == 0;
}

static void bpipe_submit(struct bpipe *p, struct bjob *j)
{
	if (!p->started) {
		bjob_run(p->h, j);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->queued = j;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void bpipe_wait(struct bpipe *p, struct bjob *j)
{
	if (!p->started)
		return;
	pthread_mutex_lock(&p->mu);
	while (p->queued == j)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

static void bpipe_release(struct bpipe *p)
{
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		while (p->queued)
			pthread_cond_wait(&p->cv, &p->mu);
		p->stop = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
	}
	for (int i = 0; i < 2; i++) {
		strbuf_release(&p->jobs[i]->data);
		strbuf_release(&p->jobs[i]->why);
		free(p->jobs[i]);
	}
	merkle_hasher_free(p->h);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
}

/* Adds bundle b of a finished job to the tree, in order; then reports what stopped it. */
static int consume(struct vstate *v, struct bjob *j, unsigned b, const char *where)
{
	for (unsigned i = 0; i < j->count[b] && !v->ret; i++) {
		if (merkle_range_append(v->h, &v->range, j->leaves[b][i], verify_node, v) < 0)
			return fail(v, "the log is full");
		v->n++;
		v->bytes += j->lens[b][i];
		check_checkpoints(v);
	}
	if (v->ret || j->err == BJOB_OK || j->err_at != b)
		return v->ret;
	switch (j->err) {
	case BJOB_INVALID:
		return fail(v, "entry %" PRIu64 " is not a valid entry: %s", v->n, j->why.buf);
	case BJOB_TRUNCATED:
		return fail(v, "entry %" PRIu64 " is truncated: %s is damaged", v->n, where);
	case BJOB_TOO_MANY:
		return fail(v, "%s holds more than %d entries", where, LEDGER_TILE_WIDTH);
	case BJOB_OK:
		break;
	}
	return 0;
}

/* After the scan: the edge tiles must cover exactly the entries, no more. */
static void check_edges(struct vstate *v)
{
	for (unsigned level = 0; level < TILE_LEVELS && !v->ret; level++) {
		uint64_t base = level * 8 < 64 ? v->n >> (level * 8) : 0;
		unsigned w = (unsigned)(base & 0xff);
		struct vtile *vt = &v->tiles[level];

		if (!w)
			continue;
		if (vt->loaded && vt->number == base >> 8 && vt->t.width > w)
			fail(v,
			     "tile %u/%" PRIu64
			     " has hashes of %u entries where the log has %u: entries "
			     "are missing",
			     level, base >> 8, vt->t.width, w);
	}
}

static int cmp_vcp(const void *a, const void *b)
{
	const struct vcp *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

/* Opens a signed checkpoint with the trusted keys and adds it to the list to check. */
static int add_checkpoint(struct vstate *v, const char *note, size_t len,
                          const struct note_verifier *keys, size_t nkeys, const char *label,
                          uint64_t want_size, size_t *alloc)
{
	struct checkpoint c;
	struct strbuf why = STRBUF_INIT;
	struct vcp *p;

	if (checkpoint_open(note, len, keys, nkeys, &c, &why) < 0) {
		fail(v, "%s: %s", label, why.buf);
		strbuf_release(&why);
		return v->ret;
	}
	strbuf_release(&why);
	if (want_size != UINT64_MAX && c.size != want_size)
		return fail(v, "%s is filed under size %" PRIu64 " but is for size %" PRIu64, label,
		            want_size, c.size);
	/* The same checkpoint twice (the export's latest is also in checkpoints/) counts once. */
	for (size_t i = 0; i < v->ncp; i++)
		if (v->cps[i].size == c.size && !memcmp(v->cps[i].root, c.root, MERKLE_HASH_SIZE))
			return 0;
	ALLOC_GROW(v->cps, v->ncp, *alloc);
	p = &v->cps[v->ncp++];
	p->size = c.size;
	memcpy(p->root, c.root, MERKLE_HASH_SIZE);
	snprintf(p->label, sizeof(p->label), "%s (size %" PRIu64 ")", label, c.size);
	return 0;
}

static void vstate_init(struct vstate *v, struct strbuf *err)
{
	memset(v, 0, sizeof(*v));
	v->h = merkle_hasher_new();
	v->tiles = xcalloc(TILE_LEVELS, sizeof(*v->tiles));
	v->err = err;
	merkle_range_init(&v->range);
}

static void vstate_release(struct vstate *v)
{
	merkle_hasher_free(v->h);
	free(v->tiles);
	free(v->cps);
}

static void fill_result(struct vstate *v, struct ledger_verify_result *ret)
{
	if (!ret)
		return;
	ret->entries = v->n;
	ret->bytes = v->bytes;
	ret->checkpoints = v->ncp;
	merkle_range_root(v->h, &v->range, ret->root);
}

static void beyond_end(struct vstate *v)
{
	if (!v->ret && v->next_cp < v->ncp) {
		struct vcp *c = &v->cps[v->next_cp];
		fail(v,
		     "%s is beyond the end of the log, which has %" PRIu64
		     " entries: entries %" PRIu64 "..%" PRIu64
		     " are missing (the log was truncated or rolled back)",
		     c->label, v->n, v->n, c->size - 1);
	}
}

/* The database */

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
	struct query *s =
	    query_get(ledger_store(lg), "SELECT data FROM ledger_sealed WHERE n = ?", v->err);
	bool seen[LEDGER_TILE_WIDTH] = { false };
	struct sealed_rec rec;
	size_t pos = 0;
	int rc, r;

	if (!s)
		return -EIO;
	strbuf_reset(blob);
	query_bind_int(s, 1, (int64_t)n);
	rc = query_step(s, v->err);
	if (rc > 0) {
		size_t len = 0;
		const void *b = query_blob(s, 0, &len);
		if (len)
			strbuf_add(blob, b, len);
	}
	query_done(s);
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

static int verify_db(struct ledger *lg, const char *dir, const struct strbuf *extra,
                     size_t extra_nr, struct ledger_verify_result *ret, struct strbuf *err)
{
	struct vstate v;
	struct dbctx d = { lg, STRBUF_INIT };
	struct note_verifier *keys = NULL;
	struct strbuf sealed_blob = STRBUF_INIT_SECRET;
	size_t nkeys = 0, alloc = 0;
	uint64_t head_size, expect_n = 0;
	uint8_t head_root[MERKLE_HASH_SIZE];
	struct query *s;
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

	/* Every stored checkpoint: signature first, roots during the scan. */
	s = query_get(ledger_store(lg), "SELECT size, note FROM ledger_checkpoint ORDER BY size",
	              err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	while ((rc = query_step(s, err)) > 0 && !v.ret) {
		char label[64];
		uint64_t size = (uint64_t)query_int(s, 0);
		snprintf(label, sizeof(label), "stored checkpoint %" PRIu64, size);
		{
			size_t len = 0;
			const char *note = query_blob(s, 1, &len);
			add_checkpoint(&v, len ? note : "", len, keys, nkeys, label, size, &alloc);
		}
	}
	query_done(s);
	if (!v.ret && rc < 0) {
		r = rc;
		goto out;
	}
	for (size_t i = 0; i < extra_nr && !v.ret; i++)
		add_checkpoint(&v, extra[i].buf, extra[i].len, keys, nkeys, "the given checkpoint",
		               UINT64_MAX, &alloc);
	if (v.ret) {
		r = v.ret;
		goto out;
	}
	if (v.ncp)
		qsort(v.cps, v.ncp, sizeof(*v.cps), cmp_vcp);
	check_checkpoints(&v);

	/* Every bundle in order, through the pipeline (see struct bpipe). */
	{
		struct bundle_cursor c;
		struct bpipe p;
		struct bjob *cur, *next;
		bool eof = false, end = false;

		bundle_cursor_init(&c, lg, 0, UINT64_MAX);
		bpipe_init(&p);
		cur = p.jobs[0];
		next = p.jobs[1];
		rc = fill_job(&c, cur, &eof, err);
		if (cur->nb)
			bpipe_submit(&p, cur);
		while (cur->nb && !v.ret) {
			if (eof)
				bjob_reset(next);
			else
				rc = fill_job(&c, next, &eof, err);
			bpipe_wait(&p, cur);
			if (next->nb)
				bpipe_submit(&p, next);
			for (unsigned b = 0; b < cur->nb && !v.ret; b++) {
				uint64_t n = cur->n[b];
				char where[64];

				if (n != expect_n || v.n != n * LEDGER_TILE_WIDTH) {
					fail(&v, "entries %" PRIu64 "..%" PRIu64 " are missing",
					     v.n, n * LEDGER_TILE_WIDTH - 1);
					break;
				}
				snprintf(where, sizeof(where),
				         "the bundle of entries %" PRIu64 "..",
				         n * LEDGER_TILE_WIDTH);
				if (consume(&v, cur, b, where) < 0)
					break;
				check_sealed(&v, lg, n, cur->seals[b], cur->count[b], ret,
				             &sealed_blob);
				expect_n = n + 1;
				if (cur->count[b] < LEDGER_TILE_WIDTH && !v.ret) {
					/* A short bundle ends the log: nothing may follow it. */
					uint64_t after = b + 1 < cur->nb ? cur->n[b + 1]
					                 : next->nb      ? next->n[0]
					                                 : 0;
					if (after)
						fail(&v,
						     "entries %" PRIu64 "..%" PRIu64 " are missing",
						     v.n, after * LEDGER_TILE_WIDTH - 1);
					end = true;
					break;
				}
			}
			if (v.ret || end)
				break;
			{
				struct bjob *t = cur;
				cur = next;
				next = t;
			}
		}
		bpipe_release(&p);
		bundle_cursor_done(&c);
	}
	if (!v.ret && rc < 0) {
		r = rc;
		goto out;
	}
	if (!v.ret && head_size != v.n) {
		if (head_size > v.n)
			fail(&v,
			     "the head records %" PRIu64 " entries but only %" PRIu64
			     " are stored: entries %" PRIu64 "..%" PRIu64 " are missing",
			     head_size, v.n, v.n, head_size - 1);
		else
			fail(&v,
			     "the head records %" PRIu64 " entries but %" PRIu64
			     " are stored: entries %" PRIu64 ".. were added without the tree",
			     head_size, v.n, head_size);
	}
	if (!v.ret) {
		uint8_t root[MERKLE_HASH_SIZE];
		merkle_range_root(v.h, &v.range, root);
		if (memcmp(root, head_root, MERKLE_HASH_SIZE) != 0)
			fail(&v, "the head's root is not the root of the stored entries");
	}
	beyond_end(&v);
	check_edges(&v);
	fill_result(&v, ret);
	r = v.ret;
out:
	vstate_release(&v);
	free(keys);
	strbuf_release(&d.blob);
	strbuf_release_secret(&sealed_blob);
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

/* An export directory, through a file system interface a fuzzer can replace */

struct fsctx {
	const struct ledger_vfs *fs;
	uint64_t size;              /* the tree size of the export */
	struct strbuf path, data;   /* the entry bundle being scanned */
	struct strbuf tpath, tdata; /* the tile being loaded */
};

static void export_path(struct strbuf *out, const char *kind, uint64_t n, unsigned partial)
{
	strbuf_addf(out, "tile/%s/", kind);
	tlog_tile_path(out, n);
	if (partial)
		strbuf_addf(out, ".p/%u", partial);
}

static int fs_tile(void *ctx, unsigned level, uint64_t number, struct tile *t, unsigned *layers,
                   struct strbuf *err)
{
	struct fsctx *c = ctx;
	uint64_t base = level * 8 < 64 ? c->size >> (level * 8) : 0;
	unsigned width = number < (base >> 8) ? LEDGER_TILE_WIDTH : (unsigned)(base & 0xff);
	char kind[4];
	int r;

	if (width == 0)
		return 0; /* beyond the export: the scan reports it */
	snprintf(kind, sizeof(kind), "%u", level);
	strbuf_reset(&c->tpath);
	strbuf_reset(&c->tdata);
	export_path(&c->tpath, kind, number, width == LEDGER_TILE_WIDTH ? 0 : width);
	r = c->fs->read(c->fs->ctx, c->tpath.buf, LEDGER_TILE_WIDTH * MERKLE_HASH_SIZE, &c->tdata);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		error_set(err, "cannot read '%s': %s", c->tpath.buf, strerror(-r));
		return r;
	}
	if (c->tdata.len != (size_t)width * MERKLE_HASH_SIZE) {
		error_set(err, "'%s' has %zu bytes; %u hashes are %zu", c->tpath.buf, c->tdata.len,
		          width, (size_t)width * MERKLE_HASH_SIZE);
		return -EBADMSG;
	}
	memcpy(t->hashes, c->tdata.buf, c->tdata.len);
	t->width = width;
	*layers = 1; /* C2SP tiles keep only their base row */
	return 1;
}

int ledger_verify_fs(const struct ledger_vfs *fs, const struct strbuf *extra, size_t extra_nr,
                     struct ledger_verify_result *ret, struct strbuf *err)
{
	struct vstate v;
	struct fsctx c = { fs, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	struct strbuf keytext = STRBUF_INIT, note = STRBUF_INIT;
	struct note_verifier *keys = NULL;
	struct checkpoint latest;
	char **names = NULL;
	size_t nkeys = 0, kalloc = 0, calloc_ = 0, nnames = 0;
	int r;

	if (ret)
		memset(ret, 0, sizeof(*ret));
	vstate_init(&v, err);
	v.load = fs_tile;
	v.ctx = &c;

	/* Trusted keys: key.pub, one verifier key a line. */
	r = fs->read(fs->ctx, "key.pub", 64 * 1024, &keytext);
	if (r < 0) {
		error_set(err, "cannot read the export's key.pub: %s", strerror(-r));
		goto out;
	}
	for (size_t pos = 0; pos < keytext.len;) {
		char *nl = memchr(keytext.buf + pos, '\n', keytext.len - pos);
		size_t len = nl ? (size_t)(nl - (keytext.buf + pos)) : keytext.len - pos;
		struct note_verifier k;

		if (len && note_verifier_parse(keytext.buf + pos, len, &k, err) < 0) {
			r = -EBADMSG;
			goto out;
		}
		if (len) {
			ALLOC_GROW(keys, nkeys, kalloc);
			keys[nkeys++] = k;
		}
		pos += len + 1;
	}
	if (!nkeys) {
		error_set(err, "the export's key.pub holds no verifier key");
		r = -EBADMSG;
		goto out;
	}

	/* The latest checkpoint fixes the size of the export. */
	r = fs->read(fs->ctx, "checkpoint", NOTE_MAX_SIZE, &note);
	if (r < 0) {
		error_set(err, "cannot read the export's checkpoint: %s", strerror(-r));
		goto out;
	}
	if (add_checkpoint(&v, note.buf, note.len, keys, nkeys, "the export's checkpoint",
	                   UINT64_MAX, &calloc_) < 0) {
		r = v.ret;
		goto out;
	}
	latest.size = v.cps[0].size;
	c.size = latest.size;
	r = fs->list(fs->ctx, "checkpoints", &names, &nnames);
	if (r < 0 && r != -ENOENT) {
		error_set(err, "cannot list the export's checkpoints: %s", strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < nnames && !v.ret; i++) {
		uint64_t size = 0;
		char label[128], path[80];
		const char *p = names[i];

		if (!*p || strlen(p) > 20 || (p[0] == '0' && p[1])) {
			fail(&v, "checkpoints/%.40s: not named by a tree size", p);
			break;
		}
		for (; *p; p++) {
			if (*p < '0' || *p > '9' || size > (UINT64_MAX - 9) / 10) {
				fail(&v, "checkpoints/%.40s: not named by a tree size", names[i]);
				break;
			}
			size = size * 10 + (uint64_t)(*p - '0');
		}
		if (v.ret)
			break;
		if (size > latest.size) {
			fail(&v,
			     "checkpoints/%s is beyond the export's checkpoint (size %" PRIu64 ")",
			     names[i], latest.size);
			break;
		}
		snprintf(path, sizeof(path), "checkpoints/%s", names[i]);
		strbuf_reset(&note);
		r = fs->read(fs->ctx, path, NOTE_MAX_SIZE, &note);
		if (r < 0) {
			error_set(err, "cannot read '%s': %s", path, strerror(-r));
			goto out;
		}
		snprintf(label, sizeof(label), "checkpoint %s", path);
		add_checkpoint(&v, note.buf, note.len, keys, nkeys, label, size, &calloc_);
	}
	for (size_t i = 0; i < extra_nr && !v.ret; i++)
		add_checkpoint(&v, extra[i].buf, extra[i].len, keys, nkeys, "the given checkpoint",
		               UINT64_MAX, &calloc_);
	if (v.ret) {
		r = v.ret;
		goto out;
	}
	if (v.ncp)
		qsort(v.cps, v.ncp, sizeof(*v.cps), cmp_vcp);
	check_checkpoints(&v);

	/* Entry bundles 0 .. up to the export's size, through the pipeline (struct bpipe). */
	{
		struct bpipe p;
		uint64_t nbundles = (c.size + LEDGER_TILE_WIDTH - 1) / LEDGER_TILE_WIDTH,
		         next_n = 0;
		struct bjob *cur, *next;
		uint64_t missing = UINT64_MAX; /* first bundle whose file is missing */

		bpipe_init(&p);
		cur = p.jobs[0];
		next = p.jobs[1];
		/* Fills a job with the next files; stops at a missing one. */
#define WANT(n)                                                                                    \
	(c.size - (n)*LEDGER_TILE_WIDTH >= LEDGER_TILE_WIDTH                                       \
	     ? (unsigned)LEDGER_TILE_WIDTH                                                         \
	     : (unsigned)(c.size - (n)*LEDGER_TILE_WIDTH))
		for (int k = 0; k < 2 && !v.ret; k++) {
			struct bjob *j = k == 0 ? cur : next;
			bjob_reset(j);
			while (j->nb < JOB_BUNDLES && next_n < nbundles && missing == UINT64_MAX) {
				unsigned want = WANT(next_n);
				strbuf_reset(&c.path);
				strbuf_reset(&c.tdata);
				export_path(&c.path, "entries", next_n,
				            want == LEDGER_TILE_WIDTH ? 0 : want);
				r = fs->read(fs->ctx, c.path.buf,
				             (size_t)LEDGER_TILE_WIDTH * (2 + ENTRY_MAX_SIZE),
				             &c.tdata);
				if (r == -ENOENT) {
					missing = next_n;
					break;
				}
				if (r < 0) {
					error_set(err, "cannot read '%s': %s", c.path.buf,
					          strerror(-r));
					bpipe_release(&p);
					goto out;
				}
				bjob_add(j, next_n++, c.tdata.buf, c.tdata.len);
			}
			if (k == 0 && cur->nb)
				bpipe_submit(&p, cur);
		}
		while ((cur->nb || missing != UINT64_MAX) && !v.ret) {
			bpipe_wait(&p, cur);
			if (next->nb)
				bpipe_submit(&p, next);
			for (unsigned b = 0; b < cur->nb && !v.ret; b++) {
				char where[64];
				unsigned want = WANT(cur->n[b]);

				snprintf(where, sizeof(where), "entry bundle %" PRIu64, cur->n[b]);
				if (consume(&v, cur, b, where) < 0)
					break;
				if (cur->count[b] != want)
					fail(&v,
					     "entries %" PRIu64 "..%" PRIu64
					     " are missing (%s is short)",
					     v.n, cur->n[b] * LEDGER_TILE_WIDTH + want - 1, where);
			}
			if (v.ret)
				break;
			if (!cur->nb && !next->nb && missing != UINT64_MAX) {
				fail(&v, "entries %" PRIu64 "..%" PRIu64 " are missing ('%s')",
				     missing * LEDGER_TILE_WIDTH,
				     missing * LEDGER_TILE_WIDTH + WANT(missing) - 1, c.path.buf);
				break;
			}
			/* The finished job takes the next files while the worker hashes. */
			{
				struct bjob *t = cur;
				cur = next;
				next = t;
			}
			bjob_reset(next);
			while (next->nb < JOB_BUNDLES && next_n < nbundles &&
			       missing == UINT64_MAX) {
				unsigned want = WANT(next_n);
				strbuf_reset(&c.path);
				strbuf_reset(&c.tdata);
				export_path(&c.path, "entries", next_n,
				            want == LEDGER_TILE_WIDTH ? 0 : want);
				r = fs->read(fs->ctx, c.path.buf,
				             (size_t)LEDGER_TILE_WIDTH * (2 + ENTRY_MAX_SIZE),
				             &c.tdata);
				if (r == -ENOENT) {
					missing = next_n;
					break;
				}
				if (r < 0) {
					error_set(err, "cannot read '%s': %s", c.path.buf,
					          strerror(-r));
					bpipe_release(&p);
					goto out;
				}
				bjob_add(next, next_n++, c.tdata.buf, c.tdata.len);
			}
		}
#undef WANT
		bpipe_release(&p);
	}
	beyond_end(&v);
	check_edges(&v);
	fill_result(&v, ret);
	r = v.ret;
out:
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	vstate_release(&v);
	free(keys);
	strbuf_release(&keytext);
	strbuf_release(&note);
	strbuf_release(&c.path);
	strbuf_release(&c.data);
	strbuf_release(&c.tpath);
	strbuf_release(&c.tdata);
	return r;
}
