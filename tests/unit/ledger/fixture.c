/* fixture: what the ledger's storage and writer tests share (fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "ledger/ledger.h"
#include "ledger/writer-internal.h"
#include "store/store.h"
#include "fixture.h"
#include "tmpdir.h"

int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (tmpdir_make(f->dir, sizeof(f->dir), "ledger") < 0)
		return -1;
	strbuf_init(&f->err, 0);
	if (tmpdir_store(f->dir, 0, &f->st, &f->err) < 0)
		return -1;
	if (ledger_open(f->st, &f->lg, &f->err) < 0) {
		fprintf(stderr, "setup: %s\n", f->err.buf);
		return -1;
	}
	f->h = merkle_hasher_new();
	*state = f;
	return 0;
}

int teardown(void **state)
{
	struct fixture *f = *state;

	ledger_close(f->lg);
	store_close(f->st);
	if (tmpdir_remove(f->dir) < 0)
		return -1;
	merkle_hasher_free(f->h);
	free(f->leaves);
	strbuf_release(&f->err);
	free(f);
	return 0;
}

void note_entry(struct ledger_entry *e, char *buf, size_t cap, uint64_t i)
{
	snprintf(buf, cap, "entry number %llu", (unsigned long long)i);
	*e = (struct ledger_entry){ .kind = ENTRY_NOTE,
		                    .time_ms = 1000 + (int64_t)i,
		                    .data = (const uint8_t *)buf,
		                    .data_len = strlen(buf) };
}

/* Remembers the leaf hash the ledger should have for entry e. */
void expect(struct fixture *f, const struct ledger_entry *e)
{
	struct strbuf b = STRBUF_INIT;

	assert_int_equal(entry_encode(e, &b, &f->err), 0);
	ALLOC_GROW(f->leaves, f->nr, f->alloc);
	merkle_hash_leaf(f->h, b.buf, b.len, f->leaves[f->nr++]);
	strbuf_release(&b);
}

void append_n(struct fixture *f, size_t n, bool in_txn)
{
	struct ledger_entry *es = xcalloc(n, sizeof(*es));
	char(*bufs)[40] = xcalloc(n, 40);
	uint64_t first = UINT64_MAX;

	for (size_t i = 0; i < n; i++) {
		note_entry(&es[i], bufs[i], 40, f->nr);
		expect(f, &es[i]);
	}
	if (in_txn) {
		assert_int_equal(store_begin(f->st, &f->err), 0);
		assert_int_equal(ledger_append_txn(f->lg, es, n, &first, &f->err), 0);
		assert_int_equal(store_commit(f->st, &f->err), 0);
	} else if (ledger_append(f->lg, es, n, &first, &f->err) != 0) {
		fail_msg("append: %s", f->err.buf);
	}
	assert_true(first == f->nr - n);
	free(es);
	free(bufs);
}

void expected_root(struct fixture *f, uint64_t size, uint8_t out[32])
{
	struct merkle_range r;

	merkle_range_init(&r);
	for (uint64_t i = 0; i < size; i++)
		merkle_range_append(f->h, &r, f->leaves[i], NULL, NULL);
	merkle_range_root(f->h, &r, out);
}

void check_head(struct fixture *f)
{
	uint8_t root[32], want[32];
	uint64_t size;

	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, f->nr);
	expected_root(f, size, want);
	assert_memory_equal(root, want, 32);
}

void check_proofs(struct fixture *f, unsigned samples)
{
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], root[32], root1[32], leaf[32];
	struct merkle_span spans[MERKLE_MAX_PROOF];
	size_t nr;

	for (unsigned k = 0; k < samples; k++) {
		uint64_t size = 1 + (uint64_t)rand() % f->nr, index = (uint64_t)rand() % size;
		uint64_t size1 = 1 + (uint64_t)rand() % size;

		if (k == 0)
			size = f->nr;
		index = index % size;
		expected_root(f, size, root);
		assert_int_equal(ledger_inclusion_proof(f->lg, index, size, proof, &nr, &f->err),
		                 0);
		for (size_t i = 0; i < nr; i++)
			spans[i] = merkle_span_hash(proof[i]);
		assert_int_equal(ledger_leaf_hash(f->lg, index, leaf, &f->err), 0);
		assert_memory_equal(leaf, f->leaves[index], 32);
		if (merkle_verify_inclusion(f->h, index, size, merkle_span_hash(leaf), spans, nr,
		                            merkle_span_hash(root)) != 0)
			fail_msg("inclusion %llu in %llu", (unsigned long long)index,
			         (unsigned long long)size);
		expected_root(f, size1, root1);
		assert_int_equal(ledger_consistency_proof(f->lg, size1, size, proof, &nr, &f->err),
		                 0);
		for (size_t i = 0; i < nr; i++)
			spans[i] = merkle_span_hash(proof[i]);
		assert_int_equal(merkle_verify_consistency(f->h, size1, size, spans, nr,
		                                           merkle_span_hash(root1),
		                                           merkle_span_hash(root)),
		                 0);
		assert_int_equal(ledger_root_at(f->lg, size1, leaf, &f->err), 0);
		assert_memory_equal(leaf, root1, 32);
	}
}
