/* merkle: RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification (pure). */
#ifndef MAMORI_LEDGER_MERKLE_H
#define MAMORI_LEDGER_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_SIZE 32
/* A proof never has more hashes than the tree has levels (plus one seed for consistency). */
#define MERKLE_MAX_PROOF 65

/*
 * A hasher owns one SHA-256 context: of the provider's implementation called
 * directly, or of EVP (merkle.c says when); the method itself is fetched once
 * per process. A hasher is not thread-safe: one thread at a time.
 * Allocation failure aborts, like every allocation in Mamori.
 */
struct merkle_hasher;
/* Tests only: hashers made while true use EVP, not the provider's functions (merkle.c);
 * merkle_hasher_direct says which way a hasher took. */
extern bool merkle_dispatch_off;

struct merkle_hasher *merkle_hasher_new(void);
void merkle_hasher_free(struct merkle_hasher *h);
bool merkle_hasher_direct(const struct merkle_hasher *h);
/* Whether h's hashes of many independent messages may be made 16 at once (sha256x16.h): a
 * direct hasher of OpenSSL's default provider, on a CPU with AVX-512 (and sha256x16_on). */
bool merkle_hasher_x16(const struct merkle_hasher *h);
/* Why h's hashes are made 16 at once or not: "on", or "off (why)" (serve says it at start). */
const char *merkle_hasher_x16_why(const struct merkle_hasher *h);

/* Leaf hash: SHA-256(0x00 || data). */
void merkle_hash_leaf(struct merkle_hasher *h, const void *data, size_t len,
                      uint8_t out[MERKLE_HASH_SIZE]);
/* Interior node: SHA-256(0x01 || left || right). out may alias left or right. */
void merkle_hash_children(struct merkle_hasher *h, const uint8_t left[MERKLE_HASH_SIZE],
                          const uint8_t right[MERKLE_HASH_SIZE], uint8_t out[MERKLE_HASH_SIZE]);
/* Plain SHA-256 of data (payload commitments, key ids). */
void merkle_sha256(struct merkle_hasher *h, const void *data, size_t len,
                   uint8_t out[MERKLE_HASH_SIZE]);
/* SHA-256 of a then b, as of their concatenation, without copying them together. */
void merkle_sha256_2(struct merkle_hasher *h, const void *a, size_t alen, const void *b,
                     size_t blen, uint8_t out[MERKLE_HASH_SIZE]);
/* The same for a, b and c. */
void merkle_sha256_3(struct merkle_hasher *h, const void *a, size_t alen, const void *b,
                     size_t blen, const void *c, size_t clen, uint8_t out[MERKLE_HASH_SIZE]);
/* The root of the empty tree: SHA-256 of the empty string. */
void merkle_empty_root(uint8_t out[MERKLE_HASH_SIZE]);

/*
 * A compact range [0, size): the hashes of the perfect subtrees along the
 * right edge of the tree, largest first (one per set bit of size). It is
 * all the state needed to append leaves and compute the root.
 */
struct merkle_range {
	uint64_t size;
	int nr;
	uint8_t hashes[64][MERKLE_HASH_SIZE];
};

/* Called for every perfect subtree that an append completes, the leaf itself included. */
typedef void (*merkle_node_cb)(void *ctx, unsigned height, uint64_t index,
                               const uint8_t hash[MERKLE_HASH_SIZE]);

void merkle_range_init(struct merkle_range *r);
/* Returns -EOVERFLOW when the range is full (2^64 - 1 leaves), else 0. */
int merkle_range_append(struct merkle_hasher *h, struct merkle_range *r,
                        const uint8_t leaf_hash[MERKLE_HASH_SIZE], merkle_node_cb cb, void *ctx);

/*
 * The inner nodes of a run of leaves about to be appended, hashed ahead (merkle_pre_build):
 * every node whose subtree lies within the run, level by level, so that a level's nodes,
 * which do not depend on each other, are hashed 16 at once where the hasher may
 * (merkle_hasher_x16); merkle_range_append_pre then takes them instead of hashing each as
 * it completes. Hashes only (nothing secret); the buffer is kept for the next run.
 */
struct merkle_pre {
	uint64_t start, n;           /* the run's leaves: [start, start + n) */
	unsigned top;                /* the highest level with a node (0: none) */
	uint64_t first[64], end[64]; /* level L's nodes: indexes [first[L], end[L]) */
	size_t off[64];              /* ... at hashes[off[L]] on */
	uint8_t (*hashes)[MERKLE_HASH_SIZE];
	size_t alloc;
};
void merkle_pre_release(struct merkle_pre *p);
/* Hashes the nodes of leaves[0..n), the leaves start..start + n - 1 of the tree, into p. */
void merkle_pre_build(struct merkle_hasher *h, struct merkle_pre *p, uint64_t start,
                      const uint8_t *const *leaves, size_t n);
/* merkle_range_append, taking from p (NULL: none) the nodes it holds. */
int merkle_range_append_pre(struct merkle_hasher *h, struct merkle_range *r,
                            const uint8_t leaf_hash[MERKLE_HASH_SIZE], const struct merkle_pre *p,
                            merkle_node_cb cb, void *ctx);
void merkle_range_root(struct merkle_hasher *h, const struct merkle_range *r,
                       uint8_t out[MERKLE_HASH_SIZE]);
/*
 * A source of stored perfect-subtree hashes: the node of the given height
 * covering leaves [index << height, (index + 1) << height). Returns 0 or a
 * negative errno-style code (-ENOENT when the node is not stored).
 */
typedef int (*merkle_node_fn)(void *ctx, unsigned height, uint64_t index,
                              uint8_t out[MERKLE_HASH_SIZE]);

/*
 * Rebuilds the range of a tree of the given size from a node source.
 * Returns 0 or the source's negative error code.
 */
int merkle_range_load(struct merkle_range *r, uint64_t size, merkle_node_fn get, void *ctx);

/* The RFC 6962 hash MTH(D[begin:end]) computed from stored perfect subtrees. */
int merkle_subtree_hash(struct merkle_hasher *h, merkle_node_fn get, void *ctx, uint64_t begin,
                        uint64_t end, uint8_t out[MERKLE_HASH_SIZE]);

/*
 * Proof generation, RFC 6962 section 2.1.1 and 2.1.2, hashes ordered from
 * the leaf to the root. proof must have room for MERKLE_MAX_PROOF hashes.
 * Return 0, -EINVAL for impossible arguments (index >= size, size1 == 0,
 * size1 > size2), or the node source's error.
 */
int merkle_inclusion_proof(struct merkle_hasher *h, merkle_node_fn get, void *ctx, uint64_t index,
                           uint64_t size, uint8_t proof[][MERKLE_HASH_SIZE], size_t *ret_nr);
int merkle_consistency_proof(struct merkle_hasher *h, merkle_node_fn get, void *ctx, uint64_t size1,
                             uint64_t size2, uint8_t proof[][MERKLE_HASH_SIZE], size_t *ret_nr);

/* A byte string of any length, as it arrives from outside (JSON, files). */
struct merkle_span {
	const uint8_t *data;
	size_t len;
};

/*
 * Verification, RFC 9162 sections 2.1.3.2 and 2.1.4.2. Every input is
 * untrusted: hashes of the wrong length, proofs of the wrong length and
 * impossible sizes are rejected. Return 0 when the proof holds, -EINVAL
 * when the inputs are malformed (index >= size, size1 == 0 or > size2,
 * wrong proof length, a hash that is not 32 bytes), -EBADMSG when the
 * computed root differs from the given one.
 *
 * A consistency proof from the empty tree is rejected: it proves nothing.
 */
int merkle_root_from_inclusion(struct merkle_hasher *h, uint64_t index, uint64_t size,
                               struct merkle_span leaf_hash, const struct merkle_span *proof,
                               size_t proof_nr, uint8_t ret_root[MERKLE_HASH_SIZE]);
int merkle_verify_inclusion(struct merkle_hasher *h, uint64_t index, uint64_t size,
                            struct merkle_span leaf_hash, const struct merkle_span *proof,
                            size_t proof_nr, struct merkle_span root);
int merkle_verify_consistency(struct merkle_hasher *h, uint64_t size1, uint64_t size2,
                              const struct merkle_span *proof, size_t proof_nr,
                              struct merkle_span root1, struct merkle_span root2);

/* Convenience for fixed-size hashes held by Mamori itself. */
static inline struct merkle_span merkle_span_hash(const uint8_t hash[MERKLE_HASH_SIZE])
{
	struct merkle_span s = { hash, MERKLE_HASH_SIZE };
	return s;
}

#endif
