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
#include "ledger/verify-internal.h"
#include "store/query.h"
#include "store/store.h"

int fail(struct vstate *v, const char *fmt, ...)
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

void check_checkpoints(struct vstate *v)
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

void bjob_reset(struct bjob *j)
{
	j->nb = 0;
	j->off[0] = 0;
	strbuf_reset(&j->data);
}

void bjob_add(struct bjob *j, uint64_t n, const void *data, size_t len)
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

void bpipe_init(struct bpipe *p)
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

void bpipe_submit(struct bpipe *p, struct bjob *j)
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

void bpipe_wait(struct bpipe *p, struct bjob *j)
{
	if (!p->started)
		return;
	pthread_mutex_lock(&p->mu);
	while (p->queued == j)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void bpipe_release(struct bpipe *p)
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
int consume(struct vstate *v, struct bjob *j, unsigned b, const char *where)
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
void check_edges(struct vstate *v)
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

int cmp_vcp(const void *a, const void *b)
{
	const struct vcp *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

/* Opens a signed checkpoint with the trusted keys and adds it to the list to check. */
int add_checkpoint(struct vstate *v, const char *note, size_t len, const struct note_verifier *keys,
                   size_t nkeys, const char *label, uint64_t want_size, size_t *alloc)
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

void vstate_init(struct vstate *v, struct strbuf *err)
{
	memset(v, 0, sizeof(*v));
	v->h = merkle_hasher_new();
	v->tiles = xcalloc(TILE_LEVELS, sizeof(*v->tiles));
	v->err = err;
	merkle_range_init(&v->range);
}

void vstate_release(struct vstate *v)
{
	merkle_hasher_free(v->h);
	free(v->tiles);
	free(v->cps);
}

void fill_result(struct vstate *v, struct ledger_verify_result *ret)
{
	if (!ret)
		return;
	ret->entries = v->n;
	ret->bytes = v->bytes;
	ret->checkpoints = v->ncp;
	merkle_range_root(v->h, &v->range, ret->root);
}

void beyond_end(struct vstate *v)
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
