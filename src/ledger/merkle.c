/* merkle: RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification (pure). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/provider.h>

#include "base/cleanup.h"
#include "ledger/merkle.h"
#include "ledger/sha256x16.h"

bool merkle_dispatch_off;

struct merkle_hasher {
	/* The provider's SHA-256 context, always started (sha256_impl); NULL when the hasher
	 * uses EVP (below). */
	void *pctx;
	EVP_MD_CTX *ctx;
	/* SHA-256 freshly initialised, copied into ctx for each hash: on OpenSSL 3.0 each
	 * EVP_DigestInit_ex2 frees and allocates the provider's context, a copy only copies
	 * the state (73-byte hashes 0.53-0.60 -> 0.33-0.49 us here). */
	EVP_MD_CTX *init;
};

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

/*
 * The provider's own SHA-256 functions, found once. OpenSSL 3.0's EVP frees the provider's
 * context and allocates a new one for every hash, whichever way it is started again
 * (EVP_DigestInit_ex2 on the same context, EVP_MD_CTX_copy_ex from an initialised one; 3.1
 * reuses the context on EVP_DigestInit_ex2, 3.5 on a copy): a malloc, a free and a cleanse of
 * the context for each of a collected message's two hashes, 8% of a receiving thread. Called
 * directly, the implementation EVP fetched (OSSL_PROVIDER_query_operation: public, not
 * deprecated) keeps one context per hasher. It is started again right after each hash, which
 * for OpenSSL's providers clears it whole: between hashes it holds nothing of the bytes hashed
 * (a seal's salt), nor their digest. Hashers use EVP instead when the provider has two
 * implementations of that name (which one EVP took is not known), lacks one of the five
 * functions, does not give SHA-256's known answer, or when an ENGINE is the default for
 * SHA-256 (digest_engine).
 */
static struct {
	OSSL_FUNC_digest_newctx_fn *newctx;
	OSSL_FUNC_digest_init_fn *init;
	OSSL_FUNC_digest_update_fn *update;
	OSSL_FUNC_digest_final_fn *final;
	OSSL_FUNC_digest_freectx_fn *freectx;
	void *provctx;
	bool ok;
	bool from_default; /* OpenSSL's default provider's (not a FIPS module's, say) */
} sha256_impl;

/* Whether the colon-separated names hold name. */
static bool names_have(const char *names, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = names; p;) {
		if (!strncmp(p, name, n) && (p[n] == ':' || p[n] == '\0'))
			return true;
		p = strchr(p, ':');
		if (p)
			p++;
	}
	return false;
}

/* One hash on a started context, started again after it (see above). */
static bool impl_hash(void *pctx, const void *a, size_t alen, const void *b, size_t blen,
                      const void *c, size_t clen, uint8_t out[MERKLE_HASH_SIZE])
{
	size_t n = 0;

	return (!alen || sha256_impl.update(pctx, a, alen) == 1) &&
	       (!blen || sha256_impl.update(pctx, b, blen) == 1) &&
	       (!clen || sha256_impl.update(pctx, c, clen) == 1) &&
	       sha256_impl.final(pctx, out, &n, MERKLE_HASH_SIZE) == 1 && n == MERKLE_HASH_SIZE &&
	       sha256_impl.init(pctx, NULL) == 1;
}

/* A started context of the implementation, or NULL. */
static void *impl_ctx_new(void)
{
	void *pctx = sha256_impl.newctx(sha256_impl.provctx);

	if (pctx && sha256_impl.init(pctx, NULL) != 1) {
		sha256_impl.freectx(pctx);
		pctx = NULL;
	}
	return pctx;
}

static void impl_take(const OSSL_DISPATCH *d)
{
	for (; d && d->function_id; d++) {
		switch (d->function_id) {
		case OSSL_FUNC_DIGEST_NEWCTX:
			sha256_impl.newctx = OSSL_FUNC_digest_newctx(d);
			break;
		case OSSL_FUNC_DIGEST_INIT:
			sha256_impl.init = OSSL_FUNC_digest_init(d);
			break;
		case OSSL_FUNC_DIGEST_UPDATE:
			sha256_impl.update = OSSL_FUNC_digest_update(d);
			break;
		case OSSL_FUNC_DIGEST_FINAL:
			sha256_impl.final = OSSL_FUNC_digest_final(d);
			break;
		case OSSL_FUNC_DIGEST_FREECTX:
			sha256_impl.freectx = OSSL_FUNC_digest_freectx(d);
			break;
		default:
			break;
		}
	}
}

static void impl_find(void)
{
	static const uint8_t abc_sha256[MERKLE_HASH_SIZE] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	const OSSL_PROVIDER *prov = EVP_MD_get0_provider(sha256_md);
	const char *name = EVP_MD_get0_name(sha256_md);
	const OSSL_ALGORITHM *algs, *found = NULL;
	uint8_t out[MERKLE_HASH_SIZE];
	unsigned matches = 0;
	int no_cache = 0;
	void *pctx;

	if (!prov || !name ||
	    !(algs = OSSL_PROVIDER_query_operation(prov, OSSL_OP_DIGEST, &no_cache)))
		return;
	/* the implementation fetched, by its names: the only one of them, or none is taken */
	for (const OSSL_ALGORITHM *a = algs; a->algorithm_names; a++) {
		if (names_have(a->algorithm_names, name) &&
		    names_have(a->algorithm_names, "SHA2-256")) {
			found = a;
			matches++;
		}
	}
	if (matches == 1)
		impl_take(found->implementation);
	OSSL_PROVIDER_unquery_operation(prov, OSSL_OP_DIGEST, algs);
	sha256_impl.provctx = OSSL_PROVIDER_get0_provider_ctx(prov);
	sha256_impl.from_default = !strcmp(OSSL_PROVIDER_get0_name(prov), "default");
	if (!sha256_impl.newctx || !sha256_impl.init || !sha256_impl.update || !sha256_impl.final ||
	    !sha256_impl.freectx)
		return;
	pctx = impl_ctx_new();
	if (!pctx)
		return;
	sha256_impl.ok =
	    impl_hash(pctx, "a", 1, "b", 1, "c", 1, out) && !memcmp(out, abc_sha256, sizeof(out));
	sha256_impl.freectx(pctx);
}

/*
 * Whether an ENGINE is the default for SHA-256 (ENGINE_set_default_digests, or openssl.cnf's
 * default_algorithms): EVP then hashes with it, and so do hashers made meanwhile (the API is
 * deprecated, and the only way to ask).
 */
static bool digest_engine(void)
{
#ifndef OPENSSL_NO_ENGINE
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	ENGINE *e = ENGINE_get_digest_engine(NID_sha256);

	if (e)
		ENGINE_finish(e); /* (the functional reference it gave) */
#pragma GCC diagnostic pop
	return e != NULL;
#else
	return false;
#endif
}

/*
 * Fetching the method once matters: EVP_get_digestbyname/EVP_sha256 go
 * through the provider lookup on every EVP_DigestInit, which costs about as
 * much as hashing a 64-byte node.
 */
static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (sha256_md)
		impl_find();
}

static const EVP_MD *sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	if (!sha256_md)
		abort(); /* OpenSSL without SHA-256: nothing sensible can run */
	return sha256_md;
}

struct merkle_hasher *merkle_hasher_new(void)
{
	struct merkle_hasher *h = xcalloc(1, sizeof(*h));
	const EVP_MD *md = sha256();

	if (sha256_impl.ok && !merkle_dispatch_off && !digest_engine()) {
		h->pctx = impl_ctx_new();
		if (!h->pctx)
			abort();
		return h;
	}
	h->ctx = EVP_MD_CTX_new();
	h->init = EVP_MD_CTX_new();
	if (!h->ctx || !h->init || EVP_DigestInit_ex2(h->init, md, NULL) != 1 ||
	    EVP_MD_CTX_copy_ex(h->ctx, h->init) != 1)
		abort();
	return h;
}

bool merkle_hasher_direct(const struct merkle_hasher *h)
{
	return h->pctx != NULL;
}

bool merkle_hasher_x16(const struct merkle_hasher *h)
{
	/* (a hasher that uses EVP, or another provider's SHA-256, keeps to it) */
	return h->pctx && sha256_impl.from_default && sha256x16_on && sha256x16_can();
}

const char *merkle_hasher_x16_why(const struct merkle_hasher *h)
{
	if (!h->pctx)
		return "off (SHA-256 through EVP: an ENGINE, or the provider's functions not "
		       "found)";
	if (!sha256_impl.from_default)
		return "off (SHA-256 not from OpenSSL's default provider)";
	return sha256x16_why();
}

void merkle_hasher_free(struct merkle_hasher *h)
{
	if (!h)
		return;
	if (h->pctx)
		sha256_impl.freectx(h->pctx); /* (OpenSSL's providers wipe it) */
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_CTX_free(h->init);
	free(h);
}

static void digest3(struct merkle_hasher *h, const void *a, size_t alen, const void *b, size_t blen,
                    const void *c, size_t clen, uint8_t out[MERKLE_HASH_SIZE])
{
	unsigned int n = 0;

	if (h->pctx) {
		if (!impl_hash(h->pctx, a, alen, b, blen, c, clen, out))
			abort(); /* SHA-256 of bytes in memory cannot fail */
		return;
	}
	if (EVP_MD_CTX_copy_ex(h->ctx, h->init) != 1 ||
	    (alen && EVP_DigestUpdate(h->ctx, a, alen) != 1) ||
	    (blen && EVP_DigestUpdate(h->ctx, b, blen) != 1) ||
	    (clen && EVP_DigestUpdate(h->ctx, c, clen) != 1) ||
	    EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != MERKLE_HASH_SIZE)
		abort(); /* only fails on allocation failure inside OpenSSL */
}

void merkle_hash_leaf(struct merkle_hasher *h, const void *data, size_t len,
                      uint8_t out[MERKLE_HASH_SIZE])
{
	static const uint8_t prefix = 0x00;

	digest3(h, &prefix, 1, data, len, NULL, 0, out);
}

void merkle_hash_children(struct merkle_hasher *h, const uint8_t left[MERKLE_HASH_SIZE],
                          const uint8_t right[MERKLE_HASH_SIZE], uint8_t out[MERKLE_HASH_SIZE])
{
	uint8_t buf[1 + 2 * MERKLE_HASH_SIZE];

	buf[0] = 0x01;
	memcpy(buf + 1, left, MERKLE_HASH_SIZE);
	memcpy(buf + 1 + MERKLE_HASH_SIZE, right, MERKLE_HASH_SIZE);
	digest3(h, buf, sizeof(buf), NULL, 0, NULL, 0, out);
}

void merkle_sha256(struct merkle_hasher *h, const void *data, size_t len,
                   uint8_t out[MERKLE_HASH_SIZE])
{
	digest3(h, data, len, NULL, 0, NULL, 0, out);
}

void merkle_sha256_2(struct merkle_hasher *h, const void *a, size_t alen, const void *b,
                     size_t blen, uint8_t out[MERKLE_HASH_SIZE])
{
	digest3(h, a, alen, b, blen, NULL, 0, out);
}

void merkle_sha256_3(struct merkle_hasher *h, const void *a, size_t alen, const void *b,
                     size_t blen, const void *c, size_t clen, uint8_t out[MERKLE_HASH_SIZE])
{
	digest3(h, a, alen, b, blen, c, clen, out);
}

void merkle_empty_root(uint8_t out[MERKLE_HASH_SIZE])
{
	static const uint8_t empty[MERKLE_HASH_SIZE] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
		0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
		0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
	};
	memcpy(out, empty, MERKLE_HASH_SIZE);
}

/* Compact ranges */

void merkle_range_init(struct merkle_range *r)
{
	memset(r, 0, sizeof(*r));
}

int merkle_range_append(struct merkle_hasher *h, struct merkle_range *r,
                        const uint8_t leaf_hash[MERKLE_HASH_SIZE], merkle_node_cb cb, void *ctx)
{
	return merkle_range_append_pre(h, r, leaf_hash, NULL, cb, ctx);
}

/* The node at height, index when p holds it, else NULL. */
static const uint8_t *pre_node(const struct merkle_pre *p, unsigned height, uint64_t index)
{
	if (!p || height > p->top || index < p->first[height] || index >= p->end[height])
		return NULL;
	return p->hashes[p->off[height] + (index - p->first[height])];
}

int merkle_range_append_pre(struct merkle_hasher *h, struct merkle_range *r,
                            const uint8_t leaf_hash[MERKLE_HASH_SIZE], const struct merkle_pre *p,
                            merkle_node_cb cb, void *ctx)
{
	uint8_t cur[MERKLE_HASH_SIZE];
	uint64_t index = r->size;
	unsigned height = 0;

	if (r->size == UINT64_MAX)
		return -EOVERFLOW;
	memcpy(cur, leaf_hash, MERKLE_HASH_SIZE);
	if (cb)
		cb(ctx, 0, index, cur);
	/* Each trailing one bit of the old size is a left sibling waiting for cur. */
	for (uint64_t bits = r->size; bits & 1; bits >>= 1) {
		const uint8_t *ahead = pre_node(p, height + 1, index >> 1);

		r->nr--;
		if (ahead)
			memcpy(cur, ahead, MERKLE_HASH_SIZE);
		else
			merkle_hash_children(h, r->hashes[r->nr], cur, cur);
		height++;
		index >>= 1;
		if (cb)
			cb(ctx, height, index, cur);
	}
	memcpy(r->hashes[r->nr++], cur, MERKLE_HASH_SIZE);
	r->size++;
	return 0;
}

void merkle_pre_release(struct merkle_pre *p)
{
	free(p->hashes);
	memset(p, 0, sizeof(*p));
}

/* The children of level L's node index (both in the run): level L - 1's, or leaves. */
static const uint8_t *pre_child(const struct merkle_pre *p, const uint8_t *const *leaves,
                                unsigned level, uint64_t index)
{
	return level == 1 ? leaves[index - p->start] : pre_node(p, level - 1, index);
}

/* Level L's nodes [from, to) (at most 16), into p: at once, or one by one (fewer than
 * SHA256X16_MIN, or a hasher that may not). */
static void pre_hash(struct merkle_hasher *h, struct merkle_pre *p, const uint8_t *const *leaves,
                     unsigned level, uint64_t from, uint64_t to, bool x16)
{
	static const uint8_t one = 0x01;
	struct sha256x16_msg m[SHA256X16_LANES];
	unsigned k = (unsigned)(to - from);

	if (!x16 || k < SHA256X16_MIN) {
		for (uint64_t i = from; i < to; i++)
			merkle_hash_children(h, pre_child(p, leaves, level, 2 * i),
			                     pre_child(p, leaves, level, 2 * i + 1),
			                     p->hashes[p->off[level] + (i - p->first[level])]);
		return;
	}
	for (unsigned j = 0; j < k; j++)
		m[j] = (struct sha256x16_msg){
			.part = { &one, pre_child(p, leaves, level, 2 * (from + j)),
			          pre_child(p, leaves, level, 2 * (from + j) + 1) },
			.len = { 1, MERKLE_HASH_SIZE, MERKLE_HASH_SIZE },
		};
	sha256x16(m, k, p->hashes + p->off[level] + (from - p->first[level]));
}

void merkle_pre_build(struct merkle_hasher *h, struct merkle_pre *p, uint64_t start,
                      const uint8_t *const *leaves, size_t n)
{
	bool x16 = merkle_hasher_x16(h);
	size_t total = 0;

	p->start = start;
	p->n = n;
	p->top = 0;
	if (n > UINT64_MAX - start)
		return; /* (the append refuses it) */
	/* level L's nodes lie within the run: their first leaf at start or later, their last
	 * before start + n */
	for (unsigned level = 1; level < 64; level++) {
		uint64_t first = (start >> level) + ((start & ((UINT64_C(1) << level) - 1)) != 0);
		uint64_t end = (start + n) >> level;

		if (end <= first)
			break;
		p->first[level] = first;
		p->end[level] = end;
		p->off[level] = total;
		total += end - first;
		p->top = level;
	}
	ALLOC_GROW(p->hashes, total, p->alloc);
	for (unsigned level = 1; level <= p->top; level++)
		for (uint64_t i = p->first[level]; i < p->end[level]; i += SHA256X16_LANES)
			pre_hash(h, p, leaves, level, i,
			         p->end[level] - i < SHA256X16_LANES ? p->end[level]
			                                             : i + SHA256X16_LANES,
			         x16);
}

void merkle_range_root(struct merkle_hasher *h, const struct merkle_range *r,
                       uint8_t out[MERKLE_HASH_SIZE])
{
	uint8_t acc[MERKLE_HASH_SIZE];

	if (r->nr == 0) {
		merkle_empty_root(out);
		return;
	}
	memcpy(acc, r->hashes[r->nr - 1], MERKLE_HASH_SIZE);
	for (int i = r->nr - 2; i >= 0; i--)
		merkle_hash_children(h, r->hashes[i], acc, acc);
	memcpy(out, acc, MERKLE_HASH_SIZE);
}

int merkle_range_load(struct merkle_range *r, uint64_t size, merkle_node_fn get, void *ctx)
{
	struct merkle_range tmp;
	uint64_t start = 0;

	merkle_range_init(&tmp);
	for (int height = 63; height >= 0; height--) {
		int ret;

		if (!(size & (UINT64_C(1) << height)))
			continue;
		ret = get(ctx, (unsigned)height, start >> height, tmp.hashes[tmp.nr]);
		if (ret < 0)
			return ret;
		tmp.nr++;
		start += UINT64_C(1) << height;
	}
	tmp.size = size;
	*r = tmp;
	return 0;
}

/* Proof generation */

/* The largest power of two strictly less than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

int merkle_subtree_hash(struct merkle_hasher *h, merkle_node_fn get, void *ctx, uint64_t begin,
                        uint64_t end, uint8_t out[MERKLE_HASH_SIZE])
{
	uint64_t n = end - begin, k;
	uint8_t left[MERKLE_HASH_SIZE], right[MERKLE_HASH_SIZE];
	int ret;

	if (end < begin)
		return -EINVAL;
	if (n == 0) {
		merkle_empty_root(out);
		return 0;
	}
	if ((n & (n - 1)) == 0 && (begin & (n - 1)) == 0) {
		unsigned height = (unsigned)__builtin_ctzll(n);
		return get(ctx, height, begin >> height, out);
	}
	k = split_point(n);
	ret = merkle_subtree_hash(h, get, ctx, begin, begin + k, left);
	if (ret < 0)
		return ret;
	ret = merkle_subtree_hash(h, get, ctx, begin + k, end, right);
	if (ret < 0)
		return ret;
	merkle_hash_children(h, left, right, out);
	return 0;
}

struct proof_out {
	uint8_t (*hashes)[MERKLE_HASH_SIZE];
	size_t nr;
};

/* PATH(index, D[lo:hi]) of RFC 6962 2.1.1, with absolute indexes. */
static int inclusion_path(struct merkle_hasher *h, merkle_node_fn get, void *ctx, uint64_t index,
                          uint64_t lo, uint64_t hi, struct proof_out *out)
{
	uint64_t k;
	int ret;

	if (hi - lo <= 1)
		return 0;
	k = split_point(hi - lo);
	if (index < lo + k) {
		ret = inclusion_path(h, get, ctx, index, lo, lo + k, out);
		if (ret < 0)
			return ret;
		ret = merkle_subtree_hash(h, get, ctx, lo + k, hi, out->hashes[out->nr]);
	} else {
		ret = inclusion_path(h, get, ctx, index, lo + k, hi, out);
		if (ret < 0)
			return ret;
		ret = merkle_subtree_hash(h, get, ctx, lo, lo + k, out->hashes[out->nr]);
	}
	if (ret < 0)
		return ret;
	out->nr++;
	return 0;
}

int merkle_inclusion_proof(struct merkle_hasher *h, merkle_node_fn get, void *ctx, uint64_t index,
                           uint64_t size, uint8_t proof[][MERKLE_HASH_SIZE], size_t *ret_nr)
{
	struct proof_out out = { proof, 0 };
	int ret;

	if (index >= size)
		return -EINVAL;
	ret = inclusion_path(h, get, ctx, index, 0, size, &out);
	if (ret < 0)
		return ret;
	*ret_nr = out.nr;
	return 0;
}

/* SUBPROOF(m, D[lo:hi], b) of RFC 6962 2.1.2, with m as an absolute size. */
static int consistency_sub(struct merkle_hasher *h, merkle_node_fn get, void *ctx, uint64_t m,
                           uint64_t lo, uint64_t hi, int whole, struct proof_out *out)
{
	uint64_t k;
	int ret;

	if (m == hi) {
		if (whole)
			return 0;
		ret = merkle_subtree_hash(h, get, ctx, lo, hi, out->hashes[out->nr]);
		if (ret < 0)
			return ret;
		out->nr++;
		return 0;
	}
	k = split_point(hi - lo);
	if (m <= lo + k) {
		ret = consistency_sub(h, get, ctx, m, lo, lo + k, whole, out);
		if (ret < 0)
			return ret;
		ret = merkle_subtree_hash(h, get, ctx, lo + k, hi, out->hashes[out->nr]);
	} else {
		ret = consistency_sub(h, get, ctx, m, lo + k, hi, 0, out);
		if (ret < 0)
			return ret;
		ret = merkle_subtree_hash(h, get, ctx, lo, lo + k, out->hashes[out->nr]);
	}
	if (ret < 0)
		return ret;
	out->nr++;
	return 0;
}

int merkle_consistency_proof(struct merkle_hasher *h, merkle_node_fn get, void *ctx, uint64_t size1,
                             uint64_t size2, uint8_t proof[][MERKLE_HASH_SIZE], size_t *ret_nr)
{
	struct proof_out out = { proof, 0 };
	int ret;

	if (size1 == 0 || size1 > size2)
		return -EINVAL;
	if (size1 < size2) {
		ret = consistency_sub(h, get, ctx, size1, 0, size2, 1, &out);
		if (ret < 0)
			return ret;
	}
	*ret_nr = out.nr;
	return 0;
}

/* Verification */

static bool span_is_hash(struct merkle_span s)
{
	return s.data && s.len == MERKLE_HASH_SIZE;
}

static bool span_equal_hash(struct merkle_span s, const uint8_t hash[MERKLE_HASH_SIZE])
{
	return span_is_hash(s) && memcmp(s.data, hash, MERKLE_HASH_SIZE) == 0;
}

int merkle_root_from_inclusion(struct merkle_hasher *h, uint64_t index, uint64_t size,
                               struct merkle_span leaf_hash, const struct merkle_span *proof,
                               size_t proof_nr, uint8_t ret_root[MERKLE_HASH_SIZE])
{
	uint8_t r[MERKLE_HASH_SIZE];
	uint64_t fn, sn;

	if (index >= size || !span_is_hash(leaf_hash) || proof_nr > MERKLE_MAX_PROOF)
		return -EINVAL;
	for (size_t i = 0; i < proof_nr; i++)
		if (!span_is_hash(proof[i]))
			return -EINVAL;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash.data, MERKLE_HASH_SIZE);
	for (size_t i = 0; i < proof_nr; i++) {
		if (sn == 0)
			return -EINVAL; /* proof longer than the path */
		if ((fn & 1) || fn == sn) {
			merkle_hash_children(h, proof[i].data, r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_hash_children(h, r, proof[i].data, r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return -EINVAL; /* proof shorter than the path */
	memcpy(ret_root, r, MERKLE_HASH_SIZE);
	return 0;
}

int merkle_verify_inclusion(struct merkle_hasher *h, uint64_t index, uint64_t size,
                            struct merkle_span leaf_hash, const struct merkle_span *proof,
                            size_t proof_nr, struct merkle_span root)
{
	uint8_t calc[MERKLE_HASH_SIZE];
	int ret;

	ret = merkle_root_from_inclusion(h, index, size, leaf_hash, proof, proof_nr, calc);
	if (ret < 0)
		return ret;
	return span_equal_hash(root, calc) ? 0 : -EBADMSG;
}

int merkle_verify_consistency(struct merkle_hasher *h, uint64_t size1, uint64_t size2,
                              const struct merkle_span *proof, size_t proof_nr,
                              struct merkle_span root1, struct merkle_span root2)
{
	uint8_t fr[MERKLE_HASH_SIZE], sr[MERKLE_HASH_SIZE];
	uint64_t fn, sn;
	size_t start;

	if (size1 == 0 || size1 > size2 || proof_nr > MERKLE_MAX_PROOF)
		return -EINVAL;
	if (size1 == size2) {
		if (proof_nr)
			return -EINVAL;
		if (!root1.data || !root2.data || root1.len != root2.len ||
		    memcmp(root1.data, root2.data, root1.len) != 0)
			return -EBADMSG;
		return 0;
	}
	if (proof_nr == 0)
		return -EINVAL;
	for (size_t i = 0; i < proof_nr; i++)
		if (!span_is_hash(proof[i]))
			return -EINVAL;
	if (!span_is_hash(root1) || !span_is_hash(root2))
		return -EBADMSG;

	/* When size1 is a power of two, its root is the first node of the path. */
	if ((size1 & (size1 - 1)) == 0) {
		memcpy(fr, root1.data, MERKLE_HASH_SIZE);
		start = 0;
	} else {
		memcpy(fr, proof[0].data, MERKLE_HASH_SIZE);
		start = 1;
	}
	memcpy(sr, fr, MERKLE_HASH_SIZE);
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (size_t i = start; i < proof_nr; i++) {
		const uint8_t *c = proof[i].data;

		if (sn == 0)
			return -EINVAL;
		if ((fn & 1) || fn == sn) {
			merkle_hash_children(h, c, fr, fr);
			merkle_hash_children(h, c, sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_hash_children(h, sr, c, sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return -EINVAL;
	if (!span_equal_hash(root1, fr) || !span_equal_hash(root2, sr))
		return -EBADMSG;
	return 0;
}
