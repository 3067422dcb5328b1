/* test-merkle: RFC 6962 vectors (every wantErr case), proof generation, random-size properties. */
/* (test_hasher_engine sets up an ENGINE: that API is deprecated, and the only one) */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "ledger/merkle.h"
#include "ledger/sha256x16.h"

/* An in-memory tree: every perfect subtree hash, level by level. */
struct memtree {
	uint64_t size;
	uint8_t (*level[65])[MERKLE_HASH_SIZE];
	uint64_t count[65];
	unsigned reads;
};

static void memtree_build(struct merkle_hasher *h, struct memtree *t, uint64_t size,
                          const uint8_t (*leaves)[MERKLE_HASH_SIZE])
{
	memset(t, 0, sizeof(*t));
	t->size = size;
	t->count[0] = size;
	t->level[0] = xmalloc((size ? size : 1) * MERKLE_HASH_SIZE);
	memcpy(t->level[0], leaves, size * MERKLE_HASH_SIZE);
	for (int l = 1; l < 65 && t->count[l - 1] >= 2; l++) {
		t->count[l] = t->count[l - 1] / 2;
		t->level[l] = xmalloc(t->count[l] * MERKLE_HASH_SIZE);
		for (uint64_t i = 0; i < t->count[l]; i++)
			merkle_hash_children(h, t->level[l - 1][2 * i], t->level[l - 1][2 * i + 1],
			                     t->level[l][i]);
	}
}

static void memtree_free(struct memtree *t)
{
	for (int l = 0; l < 65; l++)
		free(t->level[l]);
}

static int memtree_get(void *ctx, unsigned height, uint64_t index, uint8_t out[MERKLE_HASH_SIZE])
{
	struct memtree *t = ctx;

	t->reads++;
	if (height > 64 || index >= t->count[height])
		return -ENOENT;
	memcpy(out, t->level[height][index], MERKLE_HASH_SIZE);
	return 0;
}

/* The reference tree of the vectors (tests/vectors/merkle/README.md). */
static const char *const ref_leaves_hex[8] = {
	"",
	"00",
	"10",
	"2021",
	"3031",
	"40414243",
	"5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};
static const char *const ref_roots_hex[8] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = strlen(s) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void ref_tree(struct merkle_hasher *h, struct memtree *t, uint64_t size)
{
	uint8_t leaves[8][MERKLE_HASH_SIZE], buf[32];

	for (int i = 0; i < 8; i++) {
		size_t n = unhex(ref_leaves_hex[i], buf);
		merkle_hash_leaf(h, buf, n, leaves[i]);
	}
	memtree_build(h, t, size, (const uint8_t(*)[MERKLE_HASH_SIZE])leaves);
}

static void test_reference_roots(void **state)
{
	struct merkle_hasher *h = merkle_hasher_new();
	struct merkle_range r;
	uint8_t leaf[MERKLE_HASH_SIZE], root[MERKLE_HASH_SIZE], want[MERKLE_HASH_SIZE], buf[32];
	struct memtree t;

	merkle_range_init(&r);
	merkle_range_root(h, &r, root);
	assert_int_equal(
	    unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want), 32);
	assert_memory_equal(root, want, 32);
	ref_tree(h, &t, 8);
	for (int i = 0; i < 8; i++) {
		struct merkle_range loaded;
		size_t n = unhex(ref_leaves_hex[i], buf);

		merkle_hash_leaf(h, buf, n, leaf);
		assert_int_equal(merkle_range_append(h, &r, leaf, NULL, NULL), 0);
		merkle_range_root(h, &r, root);
		unhex(ref_roots_hex[i], want);
		assert_memory_equal(root, want, 32);
		assert_int_equal(merkle_subtree_hash(h, memtree_get, &t, 0, (uint64_t)i + 1, root),
		                 0);
		assert_memory_equal(root, want, 32);
		assert_int_equal(merkle_range_load(&loaded, (uint64_t)i + 1, memtree_get, &t), 0);
		assert_int_equal(loaded.nr, r.nr);
		assert_memory_equal(loaded.hashes, r.hashes, (size_t)r.nr * MERKLE_HASH_SIZE);
	}
	memtree_free(&t);
	merkle_hasher_free(h);
}

/* Vector files */

struct vector_stats {
	unsigned files, want_err, happy, generated;
};

/*
 * The vectors travel with the tests (tests/vectors/merkle): MAMORI_MERKLE_VECTORS, else
 * $MAMORI_SRCDIR/tests/vectors/merkle/testdata (meson sets MAMORI_SRCDIR; the out-of-tree
 * test points it at a copy), else the source tree this test was built from.
 */
static const char *vectors_dir(void)
{
	static char buf[4096];
	const char *d = getenv("MAMORI_MERKLE_VECTORS");
	const char *src = getenv("MAMORI_SRCDIR");

	if (d)
		return d;
	if (src && *src) {
		snprintf(buf, sizeof(buf), "%s/tests/vectors/merkle/testdata", src);
		return buf;
	}
	return TEST_SRCDIR "/tests/vectors/merkle/testdata";
}

/* Decodes a base64 JSON string; NULL → empty span. Returns a malloc'd buffer. */
static uint8_t *b64(json_t *v, size_t *ret_len)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	size_t cap = strlen(s) + 1;
	uint8_t *out = xmalloc(cap);
	size_t len = 0;

	assert_int_equal(sodium_base642bin(out, cap, s, strlen(s), NULL, &len, NULL,
	                                   sodium_base64_VARIANT_ORIGINAL),
	                 0);
	*ret_len = len;
	return out;
}

/*
 * Numbers are loaded as reals because one vector uses 2^64-1 (leafIdx - 1
 * wrapped around), which jansson's signed integers cannot hold. Every other
 * number in the vectors is small and exact as a double.
 */
static uint64_t json_u64(json_t *v)
{
	double d = json_number_value(v);

	assert_true(json_is_number(v) && d >= 0);
	if (d >= 18446744073709551615.0)
		return UINT64_MAX;
	return (uint64_t)d;
}

struct decoded_proof {
	size_t nr;
	struct merkle_span spans[80];
	uint8_t *bufs[80];
};

static void decode_proof(json_t *arr, struct decoded_proof *p)
{
	memset(p, 0, sizeof(*p));
	if (json_is_null(arr) || !arr)
		return;
	assert_true(json_is_array(arr));
	p->nr = json_array_size(arr);
	assert_true(p->nr < 80);
	for (size_t i = 0; i < p->nr; i++) {
		p->bufs[i] = b64(json_array_get(arr, i), &p->spans[i].len);
		p->spans[i].data = p->bufs[i];
	}
}

static void free_proof(struct decoded_proof *p)
{
	for (size_t i = 0; i < p->nr; i++)
		free(p->bufs[i]);
}

static void run_inclusion(struct merkle_hasher *h, const char *path, json_t *j,
                          struct vector_stats *st)
{
	struct decoded_proof p;
	size_t root_len, leaf_len;
	uint8_t *root = b64(json_object_get(j, "root"), &root_len);
	uint8_t *leaf = b64(json_object_get(j, "leafHash"), &leaf_len);
	uint64_t index = json_u64(json_object_get(j, "leafIdx"));
	uint64_t size = json_u64(json_object_get(j, "treeSize"));
	bool want_err = json_is_true(json_object_get(j, "wantErr"));
	int ret;

	decode_proof(json_object_get(j, "proof"), &p);
	ret = merkle_verify_inclusion(h, index, size, (struct merkle_span){ leaf, leaf_len },
	                              p.spans, p.nr, (struct merkle_span){ root, root_len });
	if (want_err != (ret != 0))
		fail_msg("%s: wantErr=%d but verify returned %d", path, want_err, ret);
	st->want_err += want_err;
	if (!want_err && size <= 8 && leaf_len == 32) {
		/* A happy path of the reference tree: our generator must produce the same proof. */
		struct memtree t;
		uint8_t gen[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
		size_t nr = 0;

		ref_tree(h, &t, size);
		if (memcmp(t.level[0][index], leaf, 32) == 0) {
			assert_int_equal(
			    merkle_inclusion_proof(h, memtree_get, &t, index, size, gen, &nr), 0);
			assert_int_equal(nr, p.nr);
			for (size_t i = 0; i < nr; i++)
				assert_memory_equal(gen[i], p.spans[i].data, 32);
			st->generated++;
		}
		memtree_free(&t);
		st->happy++;
	}
	free_proof(&p);
	free(root);
	free(leaf);
}

static void run_consistency(struct merkle_hasher *h, const char *path, json_t *j,
                            struct vector_stats *st)
{
	struct decoded_proof p;
	size_t len1, len2;
	uint8_t *root1 = b64(json_object_get(j, "root1"), &len1);
	uint8_t *root2 = b64(json_object_get(j, "root2"), &len2);
	uint64_t size1 = json_u64(json_object_get(j, "size1"));
	uint64_t size2 = json_u64(json_object_get(j, "size2"));
	bool want_err = json_is_true(json_object_get(j, "wantErr"));
	int ret;

	decode_proof(json_object_get(j, "proof"), &p);
	ret = merkle_verify_consistency(h, size1, size2, p.spans, p.nr,
	                                (struct merkle_span){ root1, len1 },
	                                (struct merkle_span){ root2, len2 });
	if (want_err != (ret != 0))
		fail_msg("%s: wantErr=%d but verify returned %d", path, want_err, ret);
	st->want_err += want_err;
	if (!want_err && size2 <= 8 && size1 > 0 && len1 == 32) {
		struct memtree t;
		uint8_t gen[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], want[32];
		size_t nr = 0;

		ref_tree(h, &t, size2);
		unhex(ref_roots_hex[size1 - 1], want);
		if (memcmp(want, root1, 32) == 0) {
			assert_int_equal(
			    merkle_consistency_proof(h, memtree_get, &t, size1, size2, gen, &nr),
			    0);
			assert_int_equal(nr, p.nr);
			for (size_t i = 0; i < nr; i++)
				assert_memory_equal(gen[i], p.spans[i].data, 32);
			st->generated++;
		}
		memtree_free(&t);
		st->happy++;
	}
	free_proof(&p);
	free(root1);
	free(root2);
}

static void walk(struct merkle_hasher *h, const char *dir, bool inclusion, struct vector_stats *st)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		print_message("# cannot open vector directory '%s' (set MAMORI_MERKLE_VECTORS)\n",
		              dir);
		fail();
	}
	while ((e = readdir(d))) {
		struct strbuf path = STRBUF_INIT;
		struct stat sb;

		if (e->d_name[0] == '.')
			continue;
		strbuf_addf(&path, "%s/%s", dir, e->d_name);
		assert_int_equal(stat(path.buf, &sb), 0);
		if (S_ISDIR(sb.st_mode)) {
			walk(h, path.buf, inclusion, st);
		} else if (strstr(e->d_name, ".json")) {
			json_error_t jerr;
			json_t *j = json_load_file(path.buf, JSON_DECODE_INT_AS_REAL, &jerr);

			if (!j)
				fail_msg("%s: %s", path.buf, jerr.text);
			if (inclusion)
				run_inclusion(h, path.buf, j, st);
			else
				run_consistency(h, path.buf, j, st);
			json_decref(j);
			st->files++;
		}
		strbuf_release(&path);
	}
	closedir(d);
}

static void test_inclusion_vectors(void **state)
{
	struct merkle_hasher *h = merkle_hasher_new();
	struct vector_stats st = { 0 };
	struct strbuf dir = STRBUF_INIT;

	strbuf_addf(&dir, "%s/inclusion", vectors_dir());
	walk(h, dir.buf, true, &st);
	print_message("# inclusion vectors: %u files, %u wantErr, %u happy, %u regenerated\n",
	              st.files, st.want_err, st.happy, st.generated);
	assert_true(st.files >= 98);
	assert_true(st.want_err >= 90);
	assert_true(st.generated >= 4);
	strbuf_release(&dir);
	merkle_hasher_free(h);
}

static void test_consistency_vectors(void **state)
{
	struct merkle_hasher *h = merkle_hasher_new();
	struct vector_stats st = { 0 };
	struct strbuf dir = STRBUF_INIT;

	strbuf_addf(&dir, "%s/consistency", vectors_dir());
	walk(h, dir.buf, false, &st);
	print_message("# consistency vectors: %u files, %u wantErr, %u happy, %u regenerated\n",
	              st.files, st.want_err, st.happy, st.generated);
	assert_true(st.files >= 98);
	assert_true(st.want_err >= 70);
	assert_true(st.generated >= 4);
	strbuf_release(&dir);
	merkle_hasher_free(h);
}

/* Properties over random trees */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* splitmix64: reproducible, seedable through MAMORI_TEST_SEED */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void random_tree(struct merkle_hasher *h, struct memtree *t, uint64_t size,
                        uint8_t (**ret_leaves)[8])
{
	uint8_t(*data)[8] = xcalloc(size ? size : 1, 8);
	uint8_t(*lh)[MERKLE_HASH_SIZE] = xcalloc(size ? size : 1, MERKLE_HASH_SIZE);

	for (uint64_t i = 0; i < size; i++) {
		uint64_t v = rnd();
		memcpy(data[i], &v, 8);
		merkle_hash_leaf(h, data[i], 8, lh[i]);
	}
	memtree_build(h, t, size, (const uint8_t(*)[MERKLE_HASH_SIZE])lh);
	free(lh);
	*ret_leaves = data;
}

static void root_of(struct merkle_hasher *h, struct memtree *t, uint64_t size, uint8_t out[32])
{
	assert_int_equal(merkle_subtree_hash(h, memtree_get, t, 0, size, out), 0);
}

static void spans_of(uint8_t (*proof)[MERKLE_HASH_SIZE], size_t nr, struct merkle_span *spans)
{
	for (size_t i = 0; i < nr; i++)
		spans[i] = merkle_span_hash(proof[i]);
}

/* A size with one bit flipped, within the stored tree so that its honest root is known. */
static uint64_t flip_size(const struct memtree *t, uint64_t size)
{
	for (;;) {
		uint64_t s2 = size ^ (UINT64_C(1) << (rnd() % 20));
		if (s2 <= t->size)
			return s2;
	}
}

/* Checks one inclusion proof, then that each single-bit change breaks it. */
static void check_inclusion(struct merkle_hasher *h, struct memtree *t, uint8_t (*data)[8],
                            uint64_t index, uint64_t size, const uint8_t root[32], bool mutate)
{
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], leaf[32], bad[32];
	struct merkle_span spans[MERKLE_MAX_PROOF];
	size_t nr = 0;

	assert_int_equal(merkle_inclusion_proof(h, memtree_get, t, index, size, proof, &nr), 0);
	spans_of(proof, nr, spans);
	merkle_hash_leaf(h, data[index], 8, leaf);
	if (merkle_verify_inclusion(h, index, size, merkle_span_hash(leaf), spans, nr,
	                            merkle_span_hash(root)) != 0)
		fail_msg("inclusion %llu/%llu does not verify", (unsigned long long)index,
		         (unsigned long long)size);
	if (!mutate)
		return;
	/* a bit of a proof hash */
	if (nr) {
		size_t i = rnd() % nr;
		unsigned bit = (unsigned)(rnd() % 256);
		proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(merkle_verify_inclusion(h, index, size, merkle_span_hash(leaf),
		                                             spans, nr, merkle_span_hash(root)),
		                     0);
		proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* a bit of the root */
	memcpy(bad, root, 32);
	bad[rnd() % 32] ^= (uint8_t)(1u << (rnd() % 8));
	assert_int_not_equal(merkle_verify_inclusion(h, index, size, merkle_span_hash(leaf), spans,
	                                             nr, merkle_span_hash(bad)),
	                     0);
	/* a bit of the entry */
	{
		uint8_t e[8];
		memcpy(e, data[index], 8);
		e[rnd() % 8] ^= (uint8_t)(1u << (rnd() % 8));
		merkle_hash_leaf(h, e, 8, bad);
		assert_int_not_equal(merkle_verify_inclusion(h, index, size, merkle_span_hash(bad),
		                                             spans, nr, merkle_span_hash(root)),
		                     0);
	}
	/*
	 * A bit of the size, and of the index. The size is only bound to a root
	 * through the path's shape, so the claim is checked against the honest
	 * root of the changed size (a signed checkpoint binds size and root).
	 */
	{
		uint64_t s2 = flip_size(t, size);
		uint64_t i2 = index ^ (UINT64_C(1) << (rnd() % 20));
		uint8_t r2[32];

		root_of(h, t, s2, r2);
		if (merkle_verify_inclusion(h, index, s2, merkle_span_hash(leaf), spans, nr,
		                            merkle_span_hash(r2)) == 0)
			fail_msg("inclusion %llu/%llu verified for size %llu",
			         (unsigned long long)index, (unsigned long long)size,
			         (unsigned long long)s2);
		assert_int_not_equal(merkle_verify_inclusion(h, i2, size, merkle_span_hash(leaf),
		                                             spans, nr, merkle_span_hash(root)),
		                     0);
	}
}

static void check_consistency(struct merkle_hasher *h, struct memtree *t, uint64_t m, uint64_t n,
                              const uint8_t root1[32], const uint8_t root2[32], bool mutate)
{
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], bad[32];
	struct merkle_span spans[MERKLE_MAX_PROOF];
	size_t nr = 0;

	assert_int_equal(merkle_consistency_proof(h, memtree_get, t, m, n, proof, &nr), 0);
	spans_of(proof, nr, spans);
	if (merkle_verify_consistency(h, m, n, spans, nr, merkle_span_hash(root1),
	                              merkle_span_hash(root2)) != 0)
		fail_msg("consistency %llu→%llu does not verify", (unsigned long long)m,
		         (unsigned long long)n);
	if (!mutate)
		return;
	if (nr) {
		size_t i = rnd() % nr;
		unsigned bit = (unsigned)(rnd() % 256);
		proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(merkle_verify_consistency(h, m, n, spans, nr,
		                                               merkle_span_hash(root1),
		                                               merkle_span_hash(root2)),
		                     0);
		proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	memcpy(bad, root1, 32);
	bad[rnd() % 32] ^= (uint8_t)(1u << (rnd() % 8));
	assert_int_not_equal(merkle_verify_consistency(h, m, n, spans, nr, merkle_span_hash(bad),
	                                               merkle_span_hash(root2)),
	                     0);
	memcpy(bad, root2, 32);
	bad[rnd() % 32] ^= (uint8_t)(1u << (rnd() % 8));
	assert_int_not_equal(merkle_verify_consistency(h, m, n, spans, nr, merkle_span_hash(root1),
	                                               merkle_span_hash(bad)),
	                     0);
	if (m != n) {
		uint64_t m2 = flip_size(t, m);
		uint64_t n2 = flip_size(t, n);
		uint8_t r1[32], r2[32];

		root_of(h, t, m2, r1);
		root_of(h, t, n2, r2);
		assert_int_not_equal(merkle_verify_consistency(h, m2, n, spans, nr,
		                                               merkle_span_hash(r1),
		                                               merkle_span_hash(root2)),
		                     0);
		assert_int_not_equal(merkle_verify_consistency(h, m, n2, spans, nr,
		                                               merkle_span_hash(root1),
		                                               merkle_span_hash(r2)),
		                     0);
	}
}

/* Every proof of every tree up to 130 leaves, each with every kind of bit flip. */
static void test_small_trees_exhaustive(void **state)
{
	struct merkle_hasher *h = merkle_hasher_new();
	struct memtree t;
	uint8_t(*data)[8];
	uint8_t(*roots)[32];
	const uint64_t max = 130;

	random_tree(h, &t, 2 * max, &data);
	roots = xcalloc(max + 1, 32);
	for (uint64_t n = 1; n <= max; n++)
		root_of(h, &t, n, roots[n]);
	for (uint64_t n = 1; n <= max; n++) {
		struct merkle_range r;

		assert_int_equal(merkle_range_load(&r, n, memtree_get, &t), 0);
		{
			uint8_t rr[32];
			merkle_range_root(h, &r, rr);
			assert_memory_equal(rr, roots[n], 32);
		}
		for (uint64_t i = 0; i < n; i++)
			check_inclusion(h, &t, data, i, n, roots[n], true);
		for (uint64_t m = 1; m <= n; m++)
			check_consistency(h, &t, m, n, roots[m], roots[n], true);
	}
	free(roots);
	free(data);
	memtree_free(&t);
	merkle_hasher_free(h);
}

/* Random sizes up to 10^5: every inclusion and consistency proof of the tree verifies. */
static void test_random_large_trees(void **state)
{
	struct merkle_hasher *h = merkle_hasher_new();
	const uint64_t max = 100000;
	struct memtree t;
	uint8_t(*data)[8];
	struct merkle_range r;
	uint8_t root[32], root1[32];
	const char *seed = getenv("MAMORI_TEST_SEED");

	if (seed)
		rng_state = strtoull(seed, NULL, 10);
	random_tree(h, &t, 2 * max, &data);
	/* the incremental compact range agrees with the stored tree at every size */
	merkle_range_init(&r);
	for (uint64_t i = 0; i < max; i++) {
		uint8_t leaf[32];
		merkle_hash_leaf(h, data[i], 8, leaf);
		assert_int_equal(merkle_range_append(h, &r, leaf, NULL, NULL), 0);
		if ((i & 1023) == 0 || i == max - 1) {
			merkle_range_root(h, &r, root);
			root_of(h, &t, i + 1, root1);
			assert_memory_equal(root, root1, 32);
		}
	}
	for (int round = 0; round < 3; round++) {
		uint64_t n = 1 + rnd() % max;
		if (round == 0)
			n = max;
		root_of(h, &t, n, root);
		for (uint64_t i = 0; i < n; i++)
			check_inclusion(h, &t, data, i, n, root, (i % 97) == 0);
		for (uint64_t m = 1; m <= n; m++) {
			root_of(h, &t, m, root1);
			check_consistency(h, &t, m, n, root1, root, (m % 89) == 0);
		}
	}
	free(data);
	memtree_free(&t);
	merkle_hasher_free(h);
}

/* Node callbacks from appends name exactly the perfect subtrees, each once. */
static unsigned cb_count;
static struct memtree *cb_tree;

static void count_cb(void *ctx, unsigned height, uint64_t index, const uint8_t hash[32])
{
	assert_true(index < cb_tree->count[height]);
	assert_memory_equal(hash, cb_tree->level[height][index], 32);
	cb_count++;
}

static void test_append_callbacks(void **state)
{
	struct merkle_hasher *h = merkle_hasher_new();
	struct memtree t;
	uint8_t(*data)[8];
	struct merkle_range r;
	const uint64_t n = 1000;

	random_tree(h, &t, n, &data);
	cb_tree = &t;
	cb_count = 0;
	merkle_range_init(&r);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(merkle_range_append(h, &r, t.level[0][i], count_cb, NULL), 0);
	/* a tree of n leaves has sum over levels of floor(n / 2^l) perfect subtrees */
	{
		unsigned want = 0;
		for (uint64_t s = n; s; s >>= 1)
			want += (unsigned)s;
		assert_int_equal(cb_count, want);
	}
	free(data);
	memtree_free(&t);
	merkle_hasher_free(h);
}

/* One run: leaves [s, s + n) of t appended with their nodes hashed ahead. */
static void pre_run(struct merkle_hasher *h, const struct memtree *t, struct merkle_pre *pre,
                    uint64_t s, size_t n)
{
	const uint8_t *leaves[700];
	struct merkle_range r;
	size_t held = 0;
	unsigned want = 0;

	merkle_range_init(&r);
	for (uint64_t i = 0; i < s; i++)
		assert_int_equal(merkle_range_append(h, &r, t->level[0][i], NULL, NULL), 0);
	for (size_t i = 0; i < n; i++)
		leaves[i] = t->level[0][s + i];
	merkle_pre_build(h, pre, s, leaves, n);
	for (unsigned l = 1; l <= pre->top; l++) {
		for (uint64_t i = pre->first[l]; i < pre->end[l]; i++, held++) {
			assert_true(i << l >= s && (i + 1) << l <= s + n);
			assert_memory_equal(pre->hashes[pre->off[l] + (i - pre->first[l])],
			                    t->level[l][i], MERKLE_HASH_SIZE);
		}
	}
	/* (every node within the run: as many as leaf by leaf would make) */
	if (s == 0)
		assert_int_equal(held, n - (size_t)__builtin_popcountll(n));
	/* (each leaf, and a node for each trailing one of its index: count_cb checks each
	 * against the tree) */
	cb_count = 0;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(merkle_range_append_pre(h, &r, leaves[i], pre, count_cb, NULL), 0);
		want += 1 + (unsigned)__builtin_ctzll(~(s + i));
	}
	assert_int_equal(cb_count, want);
	assert_int_equal(r.size, s + n);
}

/*
 * A run's inner nodes hashed ahead, a level at a time (merkle_pre_build, 16 at once where the
 * machine can, and one by one): every node it holds is the tree's, and appending the run with
 * them reports the same nodes as appending leaf by leaf, whatever the run's start and length
 * (bundle edges, runs shorter than SHA256X16_MIN, levels of 15-17 nodes).
 */
static void test_range_append_pre(void **state)
{
	static const uint64_t starts[] = { 0, 1, 2, 3, 7, 16, 17, 255, 256, 300 };
	static const size_t lens[] = { 0, 1, 2, 3, 15, 16, 17, 31, 32, 34, 64, 255, 256, 257, 700 };
	struct merkle_hasher *h = merkle_hasher_new();
	struct merkle_pre pre = { 0 };
	struct memtree t;
	uint8_t(*data)[8];

	(void)state;
	random_tree(h, &t, 1000, &data);
	cb_tree = &t;
	for (int x16 = 0; x16 < 2; x16++) {
		sha256x16_on = x16;
		for (size_t a = 0; a < sizeof(starts) / sizeof(*starts); a++)
			for (size_t b = 0; b < sizeof(lens) / sizeof(*lens); b++)
				pre_run(h, &t, &pre, starts[a], lens[b]);
	}
	sha256x16_on = true;
	merkle_pre_release(&pre);
	free(data);
	memtree_free(&t);
	merkle_hasher_free(h);
}

static void test_bad_arguments(void **state)
{
	struct merkle_hasher *h = merkle_hasher_new();
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], zero[32] = { 0 };
	size_t nr;
	struct memtree t;
	struct merkle_span sp[2] = { merkle_span_hash(zero), merkle_span_hash(zero) };

	ref_tree(h, &t, 8);
	assert_int_equal(merkle_inclusion_proof(h, memtree_get, &t, 8, 8, proof, &nr), -EINVAL);
	assert_int_equal(merkle_consistency_proof(h, memtree_get, &t, 0, 8, proof, &nr), -EINVAL);
	assert_int_equal(merkle_consistency_proof(h, memtree_get, &t, 5, 4, proof, &nr), -EINVAL);
	/* a node the source does not have is reported, not invented */
	assert_int_equal(merkle_inclusion_proof(h, memtree_get, &t, 0, 9, proof, &nr), -ENOENT);
	assert_int_equal(merkle_verify_inclusion(h, 0, 0, sp[0], NULL, 0, sp[0]), -EINVAL);
	assert_int_equal(merkle_verify_inclusion(h, 0, 1, sp[0], sp, MERKLE_MAX_PROOF + 1, sp[0]),
	                 -EINVAL);
	assert_int_equal(merkle_verify_inclusion(h, 0, 1, sp[0], NULL, 0, sp[0]), 0);
	assert_int_equal(merkle_verify_consistency(h, 3, 2, NULL, 0, sp[0], sp[1]), -EINVAL);
	memtree_free(&t);
	merkle_hasher_free(h);
}

/* OpenSSL's allocations, counted (main installs these before OpenSSL allocates anything). */
static unsigned long crypto_allocs;

static void *count_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	crypto_allocs++;
	return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	crypto_allocs++;
	return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/*
 * Both of a hasher's ways (the provider's SHA-256 called directly, EVP when that is not there)
 * give SHA-256 of the concatenation for every length and split; the direct one allocates
 * nothing per hash (OpenSSL 3.0's EVP: a context for each, about 8% of a receiving thread).
 */
static void test_hasher_ways(void **state)
{
	uint8_t data[300], got[MERKLE_HASH_SIZE], want[MERKLE_HASH_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	for (int evp = 0; evp < 2; evp++) {
		struct merkle_hasher *h;
		unsigned long before;

		merkle_dispatch_off = evp;
		h = merkle_hasher_new();
		assert_int_equal(merkle_hasher_direct(h), !evp);
		for (size_t len = 0; len <= sizeof(data); len += len < 130 ? 1 : 17) {
			assert_int_equal(EVP_Digest(data, len, want, NULL, EVP_sha256(), NULL), 1);
			for (size_t k = 0; k <= len; k += k < 70 ? 1 : 23) {
				merkle_sha256_2(h, data, k, data + k, len - k, got);
				assert_memory_equal(got, want, MERKLE_HASH_SIZE);
			}
			merkle_sha256(h, data, len, got);
			assert_memory_equal(got, want, MERKLE_HASH_SIZE);
		}
		before = crypto_allocs;
		for (int i = 0; i < 1000; i++) {
			merkle_hash_leaf(h, data, 110, got);
			merkle_hash_children(h, got, data, got);
			merkle_sha256_2(h, data, 47, data + 47, 253, got);
		}
		if (!evp)
			assert_int_equal(crypto_allocs - before, 0);
#if OPENSSL_VERSION_NUMBER < 0x30500000L
		else /* (3.5 copies into the context it has: then EVP allocates nothing either) */
			assert_true(crypto_allocs - before >= 3000);
#endif
		merkle_hasher_free(h);
	}
}

/* sha256x16 with a wrong answer in lane spoilt_lane (the self-test must see it). */
static unsigned spoilt_lane;
static void x16_spoilt(const struct sha256x16_msg *m, unsigned n, uint8_t out[][32])
{
	sha256x16(m, n, out);
	if (spoilt_lane < n)
		out[spoilt_lane][31] ^= 0x80;
}

/*
 * 16 hashes at once (sha256x16): the same as OpenSSL's for every length a lane takes (0 to
 * SHA256X16_MAX), each lane a different length and its message in three parts cut at places
 * that move, in groups of 1 to 16; a direct hasher may use it only where the machine can.
 */
static void test_x16_same(void **state)
{
	static uint8_t data[3 * SHA256X16_MAX];
	uint8_t got[SHA256X16_LANES][MERKLE_HASH_SIZE], want[MERKLE_HASH_SIZE];
	struct merkle_hasher *h = merkle_hasher_new();
	unsigned lengths = 0;

	(void)state;
	/* (OpenSSL's default provider's SHA-256 only: not where a FIPS module is the source) */
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	bool from_default =
	    md && !strcmp(OSSL_PROVIDER_get0_name(EVP_MD_get0_provider(md)), "default");

	EVP_MD_free(md);
	assert_int_equal(merkle_hasher_x16(h),
	                 sha256x16_can() && merkle_hasher_direct(h) && from_default);
	merkle_hasher_free(h);
	/* where the CPU can, it must: a 16-lane hash that gives a wrong answer turns itself off
	 * (the self-test), which is no reason to skip what follows */
#if defined(__x86_64__) && defined(__GNUC__)
	if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw"))
		skip();
	assert_true(sha256x16_can());
#else
	assert_false(sha256x16_can());
	skip();
#endif
	/* the known answers: given, and a wrong one seen in any lane */
	assert_true(sha256x16_selftest(sha256x16));
	for (spoilt_lane = 0; spoilt_lane < SHA256X16_LANES; spoilt_lane++)
		assert_false(sha256x16_selftest(x16_spoilt));
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131 + (i >> 7));
	for (unsigned g = 0; g <= SHA256X16_MAX + 16; g++) {
		struct sha256x16_msg m[SHA256X16_LANES];
		unsigned n = 1 + g % SHA256X16_LANES;

		for (unsigned l = 0; l < n; l++) {
			size_t len = (g + l * 61) % (SHA256X16_MAX + 1),
			       a = (l * 29 + g) % (len + 1);
			size_t b = (len - a) * l / SHA256X16_LANES;
			const uint8_t *p = data + (g * 7 + l) % SHA256X16_MAX;

			m[l] = (struct sha256x16_msg){ .part = { p, p + a, p + a + b },
				                       .len = { a, b, len - a - b } };
		}
		sha256x16(m, n, got);
		for (unsigned l = 0; l < n; l++) {
			size_t len = m[l].len[0] + m[l].len[1] + m[l].len[2];
			assert_int_equal(
			    EVP_Digest(m[l].part[0], len, want, NULL, EVP_sha256(), NULL), 1);
			assert_memory_equal(got[l], want, MERKLE_HASH_SIZE);
			lengths++;
		}
	}
	assert_true(lengths > 8 * (SHA256X16_MAX + 1));
	/* a message longer than a lane holds is refused (abort), never copied past its lane */
	for (int k = 0; k < 3; k++) {
		struct sha256x16_msg m = { .part = { data, data, data } };
		pid_t pid;
		int st;

		m.len[k] = SHA256X16_MAX + 1;
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }); /* (no core file) */
			signal(SIGABRT, SIG_DFL);
			sha256x16(&m, 1, got);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	}
}

/* An ENGINE's SHA-256: counts its updates. */
static unsigned long engine_updates;

static int engine_sha256_init(EVP_MD_CTX *c)
{
	return SHA256_Init(EVP_MD_CTX_md_data(c));
}

static int engine_sha256_update(EVP_MD_CTX *c, const void *d, size_t n)
{
	engine_updates++;
	return SHA256_Update(EVP_MD_CTX_md_data(c), d, n);
}

static int engine_sha256_final(EVP_MD_CTX *c, unsigned char *out)
{
	return SHA256_Final(out, EVP_MD_CTX_md_data(c));
}

static EVP_MD *engine_md;

static int engine_digests(ENGINE *e, const EVP_MD **d, const int **nids, int nid)
{
	static const int ours[] = { NID_sha256 };

	(void)e;
	if (!d) {
		*nids = ours;
		return 1;
	}
	*d = nid == NID_sha256 ? engine_md : NULL;
	return *d != NULL;
}

/* An ENGINE set as the default for digests hashes for new hashers, as it does for EVP. */
static void test_hasher_engine(void **state)
{
	static const uint8_t abc[MERKLE_HASH_SIZE] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	ENGINE *e = ENGINE_new();
	struct merkle_hasher *h;
	uint8_t out[MERKLE_HASH_SIZE];

	(void)state;
	engine_md = EVP_MD_meth_new(NID_sha256, NID_undef);
	assert_non_null(e);
	assert_non_null(engine_md);
	assert_int_equal(EVP_MD_meth_set_result_size(engine_md, MERKLE_HASH_SIZE), 1);
	assert_int_equal(EVP_MD_meth_set_input_blocksize(engine_md, 64), 1);
	assert_int_equal(EVP_MD_meth_set_app_datasize(engine_md, sizeof(SHA256_CTX)), 1);
	assert_int_equal(EVP_MD_meth_set_init(engine_md, engine_sha256_init), 1);
	assert_int_equal(EVP_MD_meth_set_update(engine_md, engine_sha256_update), 1);
	assert_int_equal(EVP_MD_meth_set_final(engine_md, engine_sha256_final), 1);
	assert_int_equal(ENGINE_set_id(e, "mamori-test"), 1);
	assert_int_equal(ENGINE_set_name(e, "mamori-test"), 1);
	assert_int_equal(ENGINE_set_digests(e, engine_digests), 1);
	assert_int_equal(ENGINE_add(e), 1);
	assert_int_equal(ENGINE_init(e), 1);
	assert_int_equal(ENGINE_set_default_digests(e), 1);

	h = merkle_hasher_new();
	assert_false(merkle_hasher_direct(h));
	assert_false(merkle_hasher_x16(h)); /* (nor 16 at once: the ENGINE hashes) */
	merkle_sha256(h, "abc", 3, out);
	assert_memory_equal(out, abc, MERKLE_HASH_SIZE);
	assert_true(engine_updates > 0);
	merkle_hasher_free(h);

	ENGINE_unregister_digests(e);
	ENGINE_remove(e);
	ENGINE_finish(e);
	ENGINE_free(e);
	EVP_MD_meth_free(engine_md);
	h = merkle_hasher_new(); /* the engine gone: the provider's functions again */
	assert_true(merkle_hasher_direct(h));
	merkle_hasher_free(h);
}

static int x16_reset(void **state)
{
	(void)state;
	sha256x16_on = true;
	return 0;
}

static int dispatch_reset(void **state)
{
	(void)state;
	merkle_dispatch_off = false;
	return 0;
}

/* This binary run again with MAMORI_SHA256X16 set to value (NULL: unset): sha256x16_can()'s
 * answer there (main's --x16-can). */
static bool x16_can_with(const char *value)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (value)
			setenv("MAMORI_SHA256X16", value, 1);
		else
			unsetenv("MAMORI_SHA256X16");
		execl("/proc/self/exe", "test-ledger-merkle", "--x16-can", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && (WEXITSTATUS(st) == 10 || WEXITSTATUS(st) == 11));
	return WEXITSTATUS(st) == 10;
}

/* The operator's switch: MAMORI_SHA256X16=off keeps every hash one by one; any other value,
 * or none, leaves it to the machine. */
static void test_x16_switch(void **state)
{
	bool cpu = false; /* (whatever this process's environment says) */
	const char *off = "off (not x86-64)";

	(void)state;
#if defined(__x86_64__) && defined(__GNUC__)
	cpu = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
	off = "off (no AVX-512F and BW)";
#endif
	for (const char *const *v = (const char *const[]){ "off", "OFF", "0", "no", "False", NULL };
	     *v; v++)
		assert_false(x16_can_with(*v));
	assert_int_equal(x16_can_with(NULL), cpu);
	assert_int_equal(x16_can_with("on"), cpu);
	assert_string_equal(sha256x16_why(), cpu ? "on" : off);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--x16-can")) /* (test_x16_switch) */
		return sha256x16_can() ? 10 : 11;
	unsetenv("MAMORI_SHA256X16"); /* (an operator's switch in this shell is not the tests') */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_roots),
		cmocka_unit_test(test_inclusion_vectors),
		cmocka_unit_test(test_consistency_vectors),
		cmocka_unit_test(test_small_trees_exhaustive),
		cmocka_unit_test(test_random_large_trees),
		cmocka_unit_test(test_append_callbacks),
		cmocka_unit_test_teardown(test_range_append_pre, x16_reset),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test_teardown(test_hasher_ways, dispatch_reset),
		cmocka_unit_test(test_hasher_engine),
		cmocka_unit_test(test_x16_same),
		cmocka_unit_test(test_x16_switch),
	};

	if (CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) != 1) {
		fprintf(stderr, "ledger-merkle: OpenSSL allocated before main\n");
		return 1;
	}
	/* t0005 runs only the vector tests from a copy of tests/ ("*_vectors"). */
	if (getenv("MAMORI_TEST_FILTER"))
		cmocka_set_test_filter(getenv("MAMORI_TEST_FILTER"));
	return cmocka_run_group_tests_name("ledger-merkle", tests, NULL, NULL);
}
