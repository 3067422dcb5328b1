/* verify-fs: ledger_verify_fs: an exported C2SP tlog-tiles directory, through a file system
 * interface a fuzzer can replace. */
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

/* Entries in bundle n of an export of c->size entries (the last one may be partial). */
static unsigned bundle_want(const struct fsctx *c, uint64_t n)
{
	uint64_t left = c->size - n * LEDGER_TILE_WIDTH;

	return left >= LEDGER_TILE_WIDTH ? (unsigned)LEDGER_TILE_WIDTH : (unsigned)left;
}

/*
 * Fills job j with the entry bundle files from *next_n on, up to JOB_BUNDLES or nbundles; a
 * missing file stops it and is noted in *missing (the pipeline reports it in order).
 */
static int fill_job(struct fsctx *c, struct bjob *j, uint64_t *next_n, uint64_t nbundles,
                    uint64_t *missing, struct strbuf *err)
{
	while (j->nb < JOB_BUNDLES && *next_n < nbundles && *missing == UINT64_MAX) {
		unsigned want = bundle_want(c, *next_n);
		int r;

		strbuf_reset(&c->path);
		strbuf_reset(&c->tdata);
		export_path(&c->path, "entries", *next_n, want == LEDGER_TILE_WIDTH ? 0 : want);
		r = c->fs->read(c->fs->ctx, c->path.buf,
		                (size_t)LEDGER_TILE_WIDTH * (2 + ENTRY_MAX_SIZE), &c->tdata);
		if (r == -ENOENT) {
			*missing = *next_n;
			break;
		}
		if (r < 0) {
			error_set(err, "cannot read '%s': %s", c->path.buf, strerror(-r));
			return r;
		}
		bjob_add(j, (*next_n)++, c->tdata.buf, c->tdata.len);
	}
	return 0;
}

/* The trusted keys: key.pub, one verifier key a line (*ret_keys: free it). 0, or a negative
 * errno with err set (*ret_keys and *ret_nkeys untouched). */
static int read_keys(const struct ledger_vfs *fs, struct note_verifier **ret_keys,
                     size_t *ret_nkeys, struct strbuf *err)
{
	struct strbuf keytext = STRBUF_INIT;
	struct note_verifier *keys = NULL;
	size_t nkeys = 0, kalloc = 0;
	int r;

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
	*ret_keys = keys;
	*ret_nkeys = nkeys;
	keys = NULL;
	r = 0;
out:
	free(keys);
	strbuf_release(&keytext);
	return r;
}

/* The tree size a file of checkpoints/ is named by (decimal, no leading zero, at most 20
 * digits, no overflow): 0, or -1 when the name is not one. */
static int size_of_name(const char *p, uint64_t *ret)
{
	uint64_t size = 0;

	if (!*p || strlen(p) > 20 || (p[0] == '0' && p[1]))
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || size > (UINT64_MAX - 9) / 10)
			return -1;
		size = size * 10 + (uint64_t)(*p - '0');
	}
	*ret = size;
	return 0;
}

/*
 * The checkpoints into v, sorted and checked: the latest one (it fixes c->size, the size of
 * the export), those of checkpoints/ and the extra ones given. 0 (v.ret may say what failed
 * the check), or a negative errno with err set when one cannot be read or taken.
 */
static int fs_read_checkpoints(struct vstate *v, struct fsctx *c, const struct note_verifier *keys,
                               size_t nkeys, const struct strbuf *extra, size_t extra_nr,
                               struct strbuf *err)
{
	const struct ledger_vfs *fs = c->fs;
	struct strbuf note = STRBUF_INIT;
	struct checkpoint latest;
	char **names = NULL;
	size_t calloc_ = 0, nnames = 0;
	int r;

	/* The latest checkpoint fixes the size of the export. */
	r = fs->read(fs->ctx, "checkpoint", NOTE_MAX_SIZE, &note);
	if (r < 0) {
		error_set(err, "cannot read the export's checkpoint: %s", strerror(-r));
		goto out;
	}
	if (add_checkpoint(v, note.buf, note.len, keys, nkeys, "the export's checkpoint",
	                   UINT64_MAX, &calloc_) < 0) {
		r = v->ret;
		goto out;
	}
	latest.size = v->cps[0].size;
	c->size = latest.size;
	r = fs->list(fs->ctx, "checkpoints", &names, &nnames);
	if (r < 0 && r != -ENOENT) {
		error_set(err, "cannot list the export's checkpoints: %s", strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < nnames && !v->ret; i++) {
		uint64_t size = 0;
		char label[128], path[80];

		if (size_of_name(names[i], &size) < 0) {
			fail(v, "checkpoints/%.40s: not named by a tree size", names[i]);
			break;
		}
		if (size > latest.size) {
			fail(v,
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
		add_checkpoint(v, note.buf, note.len, keys, nkeys, label, size, &calloc_);
	}
	for (size_t i = 0; i < extra_nr && !v->ret; i++)
		add_checkpoint(v, extra[i].buf, extra[i].len, keys, nkeys, "the given checkpoint",
		               UINT64_MAX, &calloc_);
	if (v->ret) {
		r = v->ret;
		goto out;
	}
	if (v->ncp)
		qsort(v->cps, v->ncp, sizeof(*v->cps), cmp_vcp);
	check_checkpoints(v);
	r = 0;
out:
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	strbuf_release(&note);
	return r;
}

/* The entries of a finished job, in order (a short bundle: the entries it lacks are missing). */
static void fs_check_job(struct vstate *v, const struct fsctx *c, struct bjob *cur)
{
	for (unsigned b = 0; b < cur->nb && !v->ret; b++) {
		char where[64];
		unsigned want = bundle_want(c, cur->n[b]);

		snprintf(where, sizeof(where), "entry bundle %" PRIu64, cur->n[b]);
		if (consume(v, cur, b, where) < 0)
			break;
		if (cur->count[b] != want)
			fail(v, "entries %" PRIu64 "..%" PRIu64 " are missing (%s is short)", v->n,
			     cur->n[b] * LEDGER_TILE_WIDTH + want - 1, where);
	}
}

/*
 * Entry bundles 0 .. up to the export's size, through the pipeline (struct bpipe): one job is
 * checked here while the worker hashes the next. 0 (v.ret says what failed), or a negative
 * errno with err set when a file cannot be read.
 */
static int fs_scan_bundles(struct vstate *v, struct fsctx *c, struct strbuf *err)
{
	struct bpipe p;
	uint64_t nbundles = (c->size + LEDGER_TILE_WIDTH - 1) / LEDGER_TILE_WIDTH, next_n = 0;
	struct bjob *cur, *next;
	uint64_t missing = UINT64_MAX; /* first bundle whose file is missing */
	int r = 0;

	bpipe_init(&p);
	cur = p.jobs[0];
	next = p.jobs[1];
	for (int k = 0; k < 2 && !v->ret; k++) {
		struct bjob *j = k == 0 ? cur : next;
		bjob_reset(j);
		r = fill_job(c, j, &next_n, nbundles, &missing, err);
		if (r < 0)
			goto out;
		if (k == 0 && cur->nb)
			bpipe_submit(&p, cur);
	}
	while ((cur->nb || missing != UINT64_MAX) && !v->ret) {
		bpipe_wait(&p, cur);
		if (next->nb)
			bpipe_submit(&p, next);
		fs_check_job(v, c, cur);
		if (v->ret)
			break;
		if (!cur->nb && !next->nb && missing != UINT64_MAX) {
			fail(v, "entries %" PRIu64 "..%" PRIu64 " are missing ('%s')",
			     missing * LEDGER_TILE_WIDTH,
			     missing * LEDGER_TILE_WIDTH + bundle_want(c, missing) - 1,
			     c->path.buf);
			break;
		}
		/* The finished job takes the next files while the worker hashes. */
		{
			struct bjob *t = cur;
			cur = next;
			next = t;
		}
		bjob_reset(next);
		r = fill_job(c, next, &next_n, nbundles, &missing, err);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	bpipe_release(&p);
	return r;
}

int ledger_verify_fs(const struct ledger_vfs *fs, const struct strbuf *extra, size_t extra_nr,
                     struct ledger_verify_result *ret, struct strbuf *err)
{
	struct vstate v;
	struct fsctx c = { fs, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	struct note_verifier *keys = NULL;
	size_t nkeys = 0;
	int r;

	if (ret)
		memset(ret, 0, sizeof(*ret));
	vstate_init(&v, err);
	v.load = fs_tile;
	v.ctx = &c;
	if ((r = read_keys(fs, &keys, &nkeys, err)) < 0)
		goto out;
	if ((r = fs_read_checkpoints(&v, &c, keys, nkeys, extra, extra_nr, err)) < 0)
		goto out;
	if ((r = fs_scan_bundles(&v, &c, err)) < 0)
		goto out;
	beyond_end(&v);
	check_edges(&v);
	fill_result(&v, ret);
	r = v.ret;
out:
	vstate_release(&v);
	free(keys);
	strbuf_release(&c.path);
	strbuf_release(&c.data);
	strbuf_release(&c.tpath);
	strbuf_release(&c.tdata);
	return r;
}
