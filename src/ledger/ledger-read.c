/* ledger-read: nodes, proofs, entries and sealed payloads read from the stored tree. */
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

void ledger_read_begin(struct ledger *lg, struct strbuf *err)
{
	for (int i = 0; i < READ_CACHE; i++)
		lg->rcache_used[i] = false;
	lg->rcache_next = 0;
	lg->read_err = err;
}

static int read_tile(struct ledger *lg, unsigned level, uint64_t number, struct tile **ret)
{
	uint64_t id = tile_id(level, number);
	struct strbuf blob = STRBUF_INIT;
	struct tile *t;
	int width = 0, r;

	for (int i = 0; i < READ_CACHE; i++) {
		if (lg->rcache_used[i] && lg->rcache_id[i] == id) {
			*ret = lg->rcache[i];
			return 0;
		}
	}
	if (!lg->rcache[lg->rcache_next])
		lg->rcache[lg->rcache_next] = xcalloc(1, sizeof(struct tile));
	t = lg->rcache[lg->rcache_next];
	r = read_blob(lg, "SELECT hashes, width FROM ledger_tile WHERE id = ?", (int64_t)id, &blob,
	              &width, lg->read_err);
	if (r == 0 && level == 0) {
		/* the partial tile of level 0 is made from the tail; if the bundle filled since
		 * the read above, its tile is stored now */
		r = tile_from_tail(lg, number, t, lg->read_err);
		if (r == 0)
			r = read_blob(lg, "SELECT hashes, width FROM ledger_tile WHERE id = ?",
			              (int64_t)id, &blob, &width, lg->read_err);
		else if (r > 0)
			width = 0;
	}
	if (r == 0) {
		r = -ENOENT;
	} else if (r > 0 && width == 0) {
		r = 0; /* made from the tail */
		if (!lg->tail_tile)
			lg->tail_tile = xmalloc(sizeof(*t));
		memcpy(lg->tail_tile, t, sizeof(*t));
	} else if (r > 0) {
		r = tile_decode(blob.buf, blob.len, (unsigned)width, t) < 0
		        ? damaged(lg->read_err, "tile", id)
		        : 0;
	}
	strbuf_release(&blob);
	if (r < 0)
		return r;
	t->number = number;
	lg->rcache_used[lg->rcache_next] = true;
	lg->rcache_id[lg->rcache_next] = id;
	lg->rcache_next = (lg->rcache_next + 1) % READ_CACHE;
	*ret = t;
	return 0;
}

int ledger_node(void *ctx, unsigned height, uint64_t index, uint8_t out[MERKLE_HASH_SIZE])
{
	struct ledger *lg = ctx;
	unsigned level, j = height % LEDGER_TILE_HEIGHT;
	uint64_t number;
	unsigned pos = tile_node_pos(height, index, &level, &number);
	struct tile *t;
	int r;

	if (height >= 64)
		return -ENOENT;
	t = lg->tail_tile;
	if (level == 0 && t && t->width && t->number == number &&
	    (index & ((256u >> j) - 1)) < (t->width >> j)) {
		memcpy(out, t->hashes[pos], MERKLE_HASH_SIZE);
		return 0;
	}
	r = read_tile(lg, level, number, &t);
	if (r < 0)
		return r;
	/* Layer j of a tile of width w has w >> j nodes. */
	if ((index & ((256u >> j) - 1)) >= (t->width >> j))
		return -ENOENT;
	memcpy(out, t->hashes[pos], MERKLE_HASH_SIZE);
	return 0;
}

static int node_error(int r, struct strbuf *err, const char *what)
{
	if (r == -ENOENT)
		error_set(err,
		          "%s: the ledger is missing hashes it should have; run 'mamori ledger "
		          "verify'",
		          what);
	return r;
}

int ledger_root_at(struct ledger *lg, uint64_t size, uint8_t ret_root[MERKLE_HASH_SIZE],
                   struct strbuf *err)
{
	ledger_read_begin(lg, err);
	return node_error(merkle_subtree_hash(lg->h, ledger_node, lg, 0, size, ret_root), err,
	                  "computing a root");
}

static int check_size(struct ledger *lg, uint64_t size, struct strbuf *err)
{
	uint8_t root[MERKLE_HASH_SIZE];
	uint64_t head;
	int r = ledger_head(lg, &head, root, err);

	if (r < 0)
		return r;
	if (size > head) {
		error_set(err,
		          "the ledger has %" PRIu64 " entries; there is no tree of size %" PRIu64,
		          head, size);
		return -ENOENT;
	}
	return 0;
}

int ledger_inclusion_proof(struct ledger *lg, uint64_t index, uint64_t size,
                           uint8_t proof[][MERKLE_HASH_SIZE], size_t *ret_nr, struct strbuf *err)
{
	int r = check_size(lg, size, err);

	if (r < 0)
		return r;
	if (index >= size) {
		error_set(err, "entry %" PRIu64 " is not in a tree of size %" PRIu64, index, size);
		return -ENOENT;
	}
	ledger_read_begin(lg, err);
	return node_error(
	    merkle_inclusion_proof(lg->h, ledger_node, lg, index, size, proof, ret_nr), err,
	    "inclusion proof");
}

int ledger_consistency_proof(struct ledger *lg, uint64_t size1, uint64_t size2,
                             uint8_t proof[][MERKLE_HASH_SIZE], size_t *ret_nr, struct strbuf *err)
{
	int r = check_size(lg, size2, err);

	if (r < 0)
		return r;
	if (size1 == 0 || size1 > size2) {
		error_set(err,
		          "a consistency proof needs 0 < old size <= new size (got %" PRIu64
		          " and %" PRIu64 ")",
		          size1, size2);
		return -EINVAL;
	}
	ledger_read_begin(lg, err);
	return node_error(
	    merkle_consistency_proof(lg->h, ledger_node, lg, size1, size2, proof, ret_nr), err,
	    "consistency proof");
}

int ledger_leaf_hash(struct ledger *lg, uint64_t index, uint8_t ret[MERKLE_HASH_SIZE],
                     struct strbuf *err)
{
	int r = check_size(lg, index == UINT64_MAX ? index : index + 1, err);

	if (r < 0)
		return r;
	ledger_read_begin(lg, err);
	return node_error(ledger_node(lg, 0, index, ret), err, "leaf hash");
}

int ledger_entry_bytes(struct ledger *lg, uint64_t index, struct strbuf *out, struct strbuf *err)
{
	struct strbuf blob = STRBUF_INIT;
	size_t pos = 0, len = 0;
	const uint8_t *e = NULL;
	int r;

	r = bundle_load(lg, index >> 8, &blob, NULL, err);
	if (r == 0) {
		error_set(err, "there is no entry %" PRIu64 " in the ledger", index);
		r = -ENOENT;
	}
	for (unsigned slot = 0; r > 0 && slot <= (index & 0xff); slot++) {
		r = bundle_next((const uint8_t *)blob.buf, blob.len, &pos, &e, &len);
		if (r == 0) {
			error_set(err, "there is no entry %" PRIu64 " in the ledger", index);
			r = -ENOENT;
		} else if (r < 0) {
			r = damaged(err, "entry bundle", index >> 8);
		}
	}
	if (r > 0) {
		strbuf_add(out, e, len);
		r = 0;
	}
	strbuf_release(&blob);
	return r;
}

int ledger_sealed_payload(struct ledger *lg, uint64_t index, uint8_t ret_salt[ENTRY_SALT_SIZE],
                          struct strbuf *out, bool *ret_erased, struct strbuf *err)
{
	struct strbuf blob = STRBUF_INIT_SECRET, entries = STRBUF_INIT;
	struct sealed_rec rec;
	size_t pos = 0;
	int r;

	*ret_erased = false;
	r = bundle_load(lg, index >> 8, &entries, &blob, err);
	strbuf_release(&entries);
	while (r > 0) {
		r = sealed_next((const uint8_t *)blob.buf, blob.len, &pos, &rec);
		if (r < 0) {
			r = damaged(err, "sealed payloads of bundle", index >> 8);
			break;
		}
		if (r > 0 && rec.slot == (index & 0xff)) {
			if (rec.state == SEALED_ERASED) {
				*ret_erased = true;
				r = 0;
			} else {
				memcpy(ret_salt, rec.salt, ENTRY_SALT_SIZE);
				strbuf_add(out, rec.payload, rec.len);
				r = 1;
			}
			break;
		}
	}
	strbuf_release_secret(&blob);
	return r;
}
