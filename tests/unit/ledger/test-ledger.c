/* test-ledger: appends in SQLite across tile boundaries, proofs from storage, checkpoints, group
 * commit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "ledger/ledger.h"
#include "ledger/writer-internal.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	struct store *st;
	struct ledger *lg;
	struct strbuf err;
	/* the expected tree, kept in memory */
	struct merkle_hasher *h;
	uint8_t (*leaves)[MERKLE_HASH_SIZE];
	size_t nr, alloc;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/mamori-ledger-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	strbuf_init(&f->err, 0);
	if (store_open(f->dir, STORE_CREATE, &f->st, &f->err) < 0 ||
	    ledger_open(f->st, &f->lg, &f->err) < 0) {
		fprintf(stderr, "setup: %s\n", f->err.buf);
		return -1;
	}
	f->h = merkle_hasher_new();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	ledger_close(f->lg);
	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	merkle_hasher_free(f->h);
	free(f->leaves);
	strbuf_release(&f->err);
	free(f);
	return 0;
}

static void note_entry(struct ledger_entry *e, char *buf, size_t cap, uint64_t i)
{
	snprintf(buf, cap, "entry number %llu", (unsigned long long)i);
	*e = (struct ledger_entry){ .kind = ENTRY_NOTE,
		                    .time_ms = 1000 + (int64_t)i,
		                    .data = (const uint8_t *)buf,
		                    .data_len = strlen(buf) };
}

/* Remembers the leaf hash the ledger should have for entry e. */
static void expect(struct fixture *f, const struct ledger_entry *e)
{
	struct strbuf b = STRBUF_INIT;

	assert_int_equal(entry_encode(e, &b, &f->err), 0);
	ALLOC_GROW(f->leaves, f->nr, f->alloc);
	merkle_hash_leaf(f->h, b.buf, b.len, f->leaves[f->nr++]);
	strbuf_release(&b);
}

static void append_n(struct fixture *f, size_t n, bool in_txn)
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

static void expected_root(struct fixture *f, uint64_t size, uint8_t out[32])
{
	struct merkle_range r;

	merkle_range_init(&r);
	for (uint64_t i = 0; i < size; i++)
		merkle_range_append(f->h, &r, f->leaves[i], NULL, NULL);
	merkle_range_root(f->h, &r, out);
}

static void check_head(struct fixture *f)
{
	uint8_t root[32], want[32];
	uint64_t size;

	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, f->nr);
	expected_root(f, size, want);
	assert_memory_equal(root, want, 32);
}

static void check_proofs(struct fixture *f, unsigned samples)
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

static void test_empty(void **state)
{
	struct fixture *f = *state;
	uint8_t root[32], empty[32];
	uint64_t size = 1;
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, 0);
	merkle_empty_root(empty);
	assert_memory_equal(root, empty, 32);
	assert_int_equal(ledger_entry_bytes(f->lg, 0, &out, &f->err), -ENOENT);
	assert_int_equal(ledger_checkpoint_get(f->lg, UINT64_MAX, &out, &f->err), -ENOENT);
	strbuf_release(&out);
}

/* Batches of awkward sizes across bundle and tile boundaries, up to level-2 tiles. */
static void test_append_across_tiles(void **state)
{
	struct fixture *f = *state;
	static const size_t batches[] = { 1,   1,    254,          1, 1,   255, 256,
		                          257, 3000, 65536 - 4032, 1, 1000 };

	for (size_t i = 0; i < ARRAY_SIZE(batches); i++) {
		append_n(f, batches[i], i % 2);
		check_head(f);
	}
	assert_true(f->nr > 65536);
	check_proofs(f, 200);
	/* every entry reads back exactly */
	for (uint64_t i = 0; i < f->nr; i += 97) {
		struct strbuf b = STRBUF_INIT;
		uint8_t leaf[32];
		assert_int_equal(ledger_entry_bytes(f->lg, i, &b, &f->err), 0);
		merkle_hash_leaf(f->h, b.buf, b.len, leaf);
		assert_memory_equal(leaf, f->leaves[i], 32);
		strbuf_release(&b);
	}
}

static void test_rollback_is_noticed(void **state)
{
	struct fixture *f = *state;
	char buf[40];
	struct ledger_entry e;
	uint64_t first;

	append_n(f, 300, false);
	/* an append inside a transaction the caller then rolls back */
	note_entry(&e, buf, sizeof(buf), 999999);
	assert_int_equal(store_begin(f->st, &f->err), 0);
	assert_int_equal(ledger_append_txn(f->lg, &e, 1, &first, &f->err), 0);
	assert_int_equal(first, 300);
	store_rollback(f->st);
	/* the next append builds on the database, not on the rolled-back cache */
	append_n(f, 5, true);
	check_head(f);
	check_proofs(f, 20);
}

static void test_two_connections(void **state)
{
	struct fixture *f = *state;
	struct store *st2;
	struct ledger *lg2, *saved = f->lg;
	struct store *saved_st = f->st;

	assert_int_equal(store_open(f->dir, 0, &st2, &f->err), 0);
	assert_int_equal(ledger_open(st2, &lg2, &f->err), 0);
	for (int round = 0; round < 6; round++) {
		f->lg = round % 2 ? lg2 : saved;
		f->st = round % 2 ? st2 : saved_st;
		append_n(f, 100 + (size_t)round * 50, round % 3 == 0);
	}
	f->lg = saved;
	f->st = saved_st;
	check_head(f);
	check_proofs(f, 30);
	ledger_close(lg2);
	store_close(st2);
}

static void test_sealed_payloads(void **state)
{
	struct fixture *f = *state;
	const char *secret = "192.0.2.7 tanaka GET /kokuho/records/1234";
	struct ledger_entry e = { .kind = ENTRY_INGEST,
		                  .time_ms = 5,
		                  .source = "proxy",
		                  .has_line = true,
		                  .line = 1,
		                  .payload = secret,
		                  .payload_len = strlen(secret) };
	struct strbuf bytes = STRBUF_INIT, payload = STRBUF_INIT;
	struct ledger_entry got;
	uint8_t salt[ENTRY_SALT_SIZE], c[32];
	bool erased;
	uint64_t first;

	append_n(f, 10, false);
	assert_int_equal(ledger_append(f->lg, &e, 1, &first, &f->err), 0);
	assert_int_equal(first, 10);
	assert_int_equal(ledger_entry_bytes(f->lg, 10, &bytes, &f->err), 0);
	assert_null(memmem(bytes.buf, bytes.len, "tanaka", 6)); /* not in the entry itself */
	assert_int_equal(entry_decode(bytes.buf, bytes.len, &got, &f->err), 0);
	assert_non_null(got.sealed);
	assert_int_equal(ledger_sealed_payload(f->lg, 10, salt, &payload, &erased, &f->err), 1);
	assert_false(erased);
	assert_int_equal(payload.len, strlen(secret));
	assert_memory_equal(payload.buf, secret, payload.len);
	entry_seal_commitment(f->h, salt, payload.buf, payload.len, c);
	assert_memory_equal(c, got.sealed, 32);
	/* an entry without one */
	strbuf_reset(&payload);
	assert_int_equal(ledger_sealed_payload(f->lg, 3, salt, &payload, &erased, &f->err), 0);
	/* the caller may not forge a seal */
	e.payload = NULL;
	e.sealed = c;
	assert_int_equal(ledger_append(f->lg, &e, 1, &first, &f->err), -EINVAL);
	entry_release(&got);
	strbuf_release(&bytes);
	strbuf_release_secret(&payload);
}

static void test_checkpoints(void **state)
{
	struct fixture *f = *state;
	struct strbuf note = STRBUF_INIT, note2 = STRBUF_INIT;
	struct note_verifier v;
	struct checkpoint cp;
	struct stat sb;
	char path[128];
	uint8_t root[32];

	/* no key yet */
	assert_int_equal(ledger_checkpoint_sign(f->lg, f->dir, &note, &f->err), -ENOENT);
	assert_int_equal(ledger_init_keys(f->dir, "minato", &f->err), 0);
	assert_int_equal(ledger_init_keys(f->dir, "minato", &f->err), -EEXIST);
	assert_int_equal(ledger_init_keys(f->dir, "bad/ward", &f->err), -EINVAL);
	snprintf(path, sizeof(path), "%s/%s", f->dir, LEDGER_KEY_FILE);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(ledger_load_verifier(f->dir, &v, &f->err), 0);
	assert_int_equal(strncmp(v.name, "minato/mamori/", 14), 0);
	assert_int_equal(strlen(v.name), 14 + 36);

	/* the empty tree can be checkpointed, then a grown one */
	assert_int_equal(ledger_checkpoint_sign(f->lg, f->dir, &note, &f->err), 0);
	assert_int_equal(checkpoint_open(note.buf, note.len, &v, 1, &cp, &f->err), 0);
	assert_int_equal(cp.size, 0);
	append_n(f, 1000, false);
	strbuf_reset(&note);
	assert_int_equal(ledger_checkpoint_sign(f->lg, f->dir, &note, &f->err), 0);
	assert_int_equal(checkpoint_open(note.buf, note.len, &v, 1, &cp, &f->err), 0);
	assert_int_equal(cp.size, 1000);
	expected_root(f, 1000, root);
	assert_memory_equal(cp.root, root, 32);
	/* signing again without growth returns the same checkpoint */
	assert_int_equal(ledger_checkpoint_sign(f->lg, f->dir, &note2, &f->err), 0);
	assert_string_equal(note.buf, note2.buf);
	strbuf_reset(&note2);
	assert_int_equal(ledger_checkpoint_get(f->lg, 0, &note2, &f->err), 0);
	assert_int_equal(checkpoint_open(note2.buf, note2.len, &v, 1, &cp, &f->err), 0);
	assert_int_equal(cp.size, 0);

	/* a rolled-back copy: the head says 500 entries: never signed */
	assert_int_equal(store_exec(f->st, "UPDATE ledger_head SET size = 500", &f->err), 0);
	strbuf_reset(&note2);
	assert_int_equal(ledger_checkpoint_sign(f->lg, f->dir, &note2, &f->err), -EBADMSG);
	strbuf_release(&note);
	strbuf_release(&note2);
}

static void test_key_file_mode_refused(void **state)
{
	struct fixture *f = *state;
	struct note_signer s;
	char path[128];

	assert_int_equal(ledger_init_keys(f->dir, "ward", &f->err), 0);
	snprintf(path, sizeof(path), "%s/%s", f->dir, LEDGER_KEY_FILE);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(ledger_load_signer(f->dir, &s, &f->err), -EPERM);
	assert_non_null(strstr(f->err.buf, "chmod 600"));
}

struct producer {
	struct ledger_writer *w;
	int id;
	unsigned n;
	uint64_t *indexes;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	struct strbuf err = STRBUF_INIT;
	uint64_t *tickets = xcalloc(p->n, sizeof(*tickets));

	for (unsigned i = 0; i < p->n; i++) {
		char buf[48];
		struct ledger_entry e;
		snprintf(buf, sizeof(buf), "producer %d entry %u", p->id, i);
		e = (struct ledger_entry){ .kind = ENTRY_NOTE,
			                   .time_ms = i,
			                   .data = (const uint8_t *)buf,
			                   .data_len = strlen(buf) };
		if (ledger_writer_submit(p->w, &e, &tickets[i], &err) != 0)
			abort();
	}
	for (unsigned i = 0; i < p->n; i++)
		if (ledger_writer_wait(p->w, tickets[i], &p->indexes[i], &err) != 0)
			abort();
	free(tickets);
	strbuf_release(&err);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_group_commit(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer *w;
	struct ledger_writer_options opt = { .max_entries = 500, .max_delay_us = 200 };
	struct producer p[3];
	pthread_t th[3];
	uint64_t *all, size;
	uint8_t root[32];
	const unsigned per = 3000;
	struct strbuf note = STRBUF_INIT;

	assert_int_equal(ledger_init_keys(f->dir, "ward", &f->err), 0);
	append_n(f, 7, false); /* the writer continues an existing log */
	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	for (int i = 0; i < 3; i++) {
		p[i] = (struct producer){ w, i, per, xcalloc(per, sizeof(uint64_t)) };
		assert_int_equal(pthread_create(&th[i], NULL, produce, &p[i]), 0);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(ledger_writer_durable(w), 3 * per);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	/* every acknowledged entry got its own index, and each index holds its entry */
	all = xcalloc(3 * per, sizeof(*all));
	for (int i = 0; i < 3; i++) {
		for (unsigned k = 0; k < per; k++) {
			struct strbuf b = STRBUF_INIT;
			char want[48];
			struct ledger_entry got;
			assert_int_equal(ledger_entry_bytes(f->lg, p[i].indexes[k], &b, &f->err),
			                 0);
			assert_int_equal(entry_decode(b.buf, b.len, &got, &f->err), 0);
			snprintf(want, sizeof(want), "producer %d entry %u", i, k);
			assert_int_equal(got.data_len, strlen(want));
			assert_memory_equal(got.data, want, got.data_len);
			entry_release(&got);
			strbuf_release(&b);
			all[i * per + k] = p[i].indexes[k];
		}
		free(p[i].indexes);
	}
	qsort(all, 3 * per, sizeof(*all), cmp_u64);
	for (unsigned k = 0; k < 3 * per; k++)
		assert_int_equal(all[k], 7 + k);
	free(all);
	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, 7 + 3 * per);
	/* stop signed a final checkpoint for the whole log */
	assert_int_equal(ledger_checkpoint_get(f->lg, UINT64_MAX, &note, &f->err), 0);
	{
		struct note_verifier v;
		struct checkpoint cp;
		assert_int_equal(ledger_load_verifier(f->dir, &v, &f->err), 0);
		assert_int_equal(checkpoint_open(note.buf, note.len, &v, 1, &cp, &f->err), 0);
		assert_int_equal(cp.size, size);
		assert_memory_equal(cp.root, root, 32);
	}
	strbuf_release(&note);
}

/* A producer that prepares its entries in chunks of 100 and queues each chunk at once. */
static void *produce_prepared(void *arg)
{
	struct producer *p = arg;
	struct strbuf err = STRBUF_INIT;
	struct ledger_prep *lp = ledger_prep_new();
	uint64_t *tickets = xcalloc(p->n, sizeof(*tickets));

	for (unsigned i = 0; i < p->n;) {
		unsigned chunk = p->n - i < 100 ? p->n - i : 100;
		uint64_t first;
		for (unsigned k = 0; k < chunk; k++) {
			char buf[48];
			struct ledger_entry e = { .kind = ENTRY_INGEST,
				                  .time_ms = i + k,
				                  .source = "tcp:192.0.2.7",
				                  .has_line = true,
				                  .line = i + k + 1 };
			size_t len;
			snprintf(buf, sizeof(buf), "producer %d entry %u", p->id, i + k);
			e.payload = buf;
			e.payload_len = strlen(buf);
			if (ledger_prep_add(lp, &e, &err) != 0)
				abort();
			/* the payload as the writer will seal it, for the analysis */
			if (ledger_prep_count(lp) != k + 1 ||
			    memcmp(ledger_prep_payload(lp, k, &len), buf, strlen(buf)) != 0 ||
			    len != strlen(buf))
				abort();
		}
		if (ledger_writer_submit_prep(p->w, lp, &first, &err) != 0)
			abort();
		ledger_prep_reset(lp);
		for (unsigned k = 0; k < chunk; k++)
			tickets[i + k] = first + k;
		i += chunk;
	}
	for (unsigned i = 0; i < p->n; i++)
		if (ledger_writer_wait(p->w, tickets[i], &p->indexes[i], &err) != 0)
			abort();
	ledger_prep_free(lp);
	free(tickets);
	strbuf_release(&err);
	return NULL;
}

/* An outer range read whose callback reads each entry again by itself (nested). */
struct nested {
	struct ledger *lg;
	unsigned seen, same;
};

static int inner_item(void *ctx, const struct ledger_range_item *it)
{
	const struct ledger_range_item *outer = ctx;

	return it->len == outer->len && !memcmp(it->entry, outer->entry, it->len) &&
	               it->payload_len == outer->payload_len &&
	               !memcmp(it->payload, outer->payload, it->payload_len)
	           ? 1
	           : 2;
}

static int outer_item(void *ctx, const struct ledger_range_item *it)
{
	struct nested *n = ctx;
	struct strbuf err = STRBUF_INIT;
	struct ledger_range_item outer = *it;
	int r =
	    ledger_read_range(n->lg, it->index, 1, LEDGER_RANGE_PAYLOADS, inner_item, &outer, &err);

	strbuf_release(&err);
	n->seen++;
	n->same += r == 1;
	return 0;
}

/*
 * Submitters that prepare (encode, seal, hash) in their own threads and queue whole chunks:
 * each chunk's entries get consecutive tickets and indexes, every index holds its entry and
 * its sealed payload, and the writer finds each ticket's index among many small batches.
 */
static void test_group_commit_prepared(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer *w;
	struct ledger_writer_options opt = { .max_entries = 37, .max_delay_us = 200 };
	struct producer p[3];
	pthread_t th[3];
	uint64_t size;
	uint8_t root[32];
	const unsigned per = 1500;

	append_n(f, 5, false);
	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	for (int i = 0; i < 3; i++) {
		p[i] = (struct producer){ w, i, per, xcalloc(per, sizeof(uint64_t)) };
		assert_int_equal(pthread_create(&th[i], NULL, produce_prepared, &p[i]), 0);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	assert_true(ledger_writer_commits(w) >= 3 * per / 100);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	for (int i = 0; i < 3; i++) {
		for (unsigned k = 0; k < per; k++) {
			struct strbuf b = STRBUF_INIT;
			uint8_t salt[ENTRY_SALT_SIZE];
			bool erased = true;
			char want[48];
			snprintf(want, sizeof(want), "producer %d entry %u", i, k);
			/* a chunk of 100 lands in one run of indexes */
			if (k % 100)
				assert_int_equal(p[i].indexes[k], p[i].indexes[k - 1] + 1);
			assert_int_equal(ledger_sealed_payload(f->lg, p[i].indexes[k], salt, &b,
			                                       &erased, &f->err),
			                 1);
			assert_false(erased);
			assert_int_equal(b.len, strlen(want));
			assert_memory_equal(b.buf, want, b.len);
			strbuf_release_secret(&b);
		}
		free(p[i].indexes);
	}
	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, 5 + 3 * per);
	assert_int_equal(ledger_verify(f->lg, f->dir, NULL, 0, NULL, &f->err), 0);
	/* reads inside a read's callback (the ledger's kept buffers are in use: their own) */
	{
		struct nested n = { f->lg, 0, 0 };
		for (int round = 0; round < 2; round++)
			assert_int_equal(ledger_read_range(f->lg, 200, 700, LEDGER_RANGE_PAYLOADS,
			                                   outer_item, &n, &f->err),
			                 0);
		assert_int_equal(n.seen, 1400);
		assert_int_equal(n.same, 1400);
	}
}

/*
 * A commit that fails (here a trigger, as a full disk would) is never acknowledged: its
 * callers get the error and the writer goes on with the next batch once the fault is gone.
 * A fault that never goes away stops the writer after 64 failed batches.
 */
static void test_writer_failure(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer *w;
	struct ledger_writer_options opt = { .max_delay_us = 100 };
	struct ledger_entry e = { .kind = ENTRY_NOTE, .data = (const uint8_t *)"x", .data_len = 1 };
	uint64_t t1, t2, t3, index, size;
	uint8_t root[32];
	int failed = 0;

	append_n(f, 3, false);
	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	assert_int_equal(ledger_writer_append(w, &e, &index, &f->err), 0);
	assert_int_equal(index, 3);
	expect(f, &e);
	assert_int_equal(store_exec(f->st,
	                            "CREATE TRIGGER no_space BEFORE INSERT ON ledger_head "
	                            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
	                            &f->err),
	                 0);
	assert_int_equal(ledger_writer_submit(w, &e, &t1, &f->err), 0);
	assert_int_not_equal(ledger_writer_wait(w, t1, &index, &f->err), 0);
	assert_non_null(strstr(f->err.buf, "full"));
	/* the next batch meets the same fault and is refused the same way */
	assert_int_equal(ledger_writer_submit(w, &e, &t2, &f->err), 0);
	assert_int_not_equal(ledger_writer_wait(w, t2, &index, &f->err), 0);
	assert_int_equal(store_exec(f->st, "DROP TRIGGER no_space", &f->err), 0);
	/* the fault gone, the same writer appends again, right after what was acknowledged */
	strbuf_reset(&f->err);
	assert_int_equal(ledger_writer_submit(w, &e, &t3, &f->err), 0);
	assert_int_equal(ledger_writer_next_ticket(w), t3 + 1);
	assert_int_equal(ledger_writer_wait(w, t3, &index, &f->err), 0);
	assert_int_equal(index, 4);
	expect(f, &e);
	/* the last ticket held, the first did not: a range with both is refused */
	assert_int_not_equal(ledger_writer_wait_range(w, t1, t3, &f->err), 0);
	assert_non_null(strstr(f->err.buf, "full"));
	strbuf_reset(&f->err);
	assert_int_equal(ledger_writer_wait_range(w, t3, t3, &f->err), 0);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, 5);
	append_n(f, 2, true);
	check_head(f);
	assert_int_equal(f->nr, 7);

	/* A fault that stays: after 64 failed batches the writer refuses everything. */
	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	assert_int_equal(store_exec(f->st,
	                            "CREATE TRIGGER no_space BEFORE INSERT ON ledger_head "
	                            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
	                            &f->err),
	                 0);
	for (int i = 0; i < 70 && ledger_writer_submit(w, &e, &t1, &f->err) == 0; i++)
		failed += ledger_writer_wait(w, t1, NULL, &f->err) != 0;
	assert_int_equal(failed, 65);
	assert_int_not_equal(ledger_writer_submit(w, &e, &t2, &f->err), 0);
	assert_int_not_equal(ledger_writer_stop(w, &f->err), 0);
	assert_int_equal(store_exec(f->st, "DROP TRIGGER no_space", &f->err), 0);
	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, 7);
}

static int flush_fails; /* the next flushes of the WAL that fail */

static int flaky_flush(int fd)
{
	if (__atomic_load_n(&flush_fails, __ATOMIC_ACQUIRE) > 0) {
		__atomic_sub_fetch(&flush_fails, 1, __ATOMIC_ACQ_REL);
		errno = EIO;
		return -1;
	}
	return fdatasync(fd);
}

/*
 * A flush of the WAL that fails: what it covered is refused (the kernel may have dropped it),
 * and the writer acknowledges again only after a full checkpoint; what it acknowledges is in
 * the log, in order, and the log verifies.
 */
static void test_writer_flush_failure(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer *w;
	struct ledger_writer_options opt = { .max_delay_us = 100, .flush = flaky_flush };
	struct ledger_entry e = { .kind = ENTRY_NOTE, .data = (const uint8_t *)"y", .data_len = 1 };
	struct ledger_verify_result res;
	uint64_t t1, t2, index, size;
	uint8_t root[32];

	append_n(f, 2, false);
	assert_int_equal(ledger_init_keys(f->dir, "ward", &f->err), 0);
	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	assert_int_equal(ledger_writer_append(w, &e, &index, &f->err), 0);
	assert_int_equal(index, 2);
	expect(f, &e);
	assert_int_equal(ledger_writer_syncs(w), 1);
	__atomic_store_n(&flush_fails, 1, __ATOMIC_RELEASE);
	assert_int_equal(ledger_writer_submit(w, &e, &t1, &f->err), 0);
	assert_int_equal(ledger_writer_wait(w, t1, &index, &f->err), -EIO);
	assert_non_null(strstr(f->err.buf, "fsync"));
	/* committed, so in the log (a refused entry may be there; an acknowledged one must) */
	expect(f, &e);
	/* the next batch: a full checkpoint first, then acknowledged as usual */
	strbuf_reset(&f->err);
	assert_int_equal(ledger_writer_submit(w, &e, &t2, &f->err), 0);
	assert_int_equal(ledger_writer_wait(w, t2, &index, &f->err), 0);
	assert_int_equal(index, 4);
	expect(f, &e);
	assert_int_not_equal(ledger_writer_wait_range(w, t1, t2, &f->err), 0);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, 5);
	check_head(f);
	assert_int_equal(ledger_verify(f->lg, f->dir, NULL, 0, &res, &f->err), 0);
	assert_int_equal(res.entries, 5);
}

/* A flush of the WAL that waits while the gate is closed (flush_in counts flushes begun). */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_closed;
static unsigned flush_in;

static int gated_flush(int fd)
{
	pthread_mutex_lock(&gate_mu);
	flush_in++;
	pthread_cond_broadcast(&gate_cv);
	while (gate_closed)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	return fdatasync(fd);
}

static void gate_set(bool closed)
{
	pthread_mutex_lock(&gate_mu);
	gate_closed = closed;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

/* Waits until n flushes have begun. */
static void gate_wait_flushes(unsigned n)
{
	pthread_mutex_lock(&gate_mu);
	while (flush_in < n)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
}

static void submit_n(struct ledger_writer *w, struct fixture *f, unsigned from, unsigned n,
                     uint64_t *ret_last)
{
	for (unsigned i = from; i < from + n; i++) {
		char buf[48];
		struct ledger_entry e;
		note_entry(&e, buf, sizeof(buf), i);
		assert_int_equal(ledger_writer_submit(w, &e, ret_last, &f->err), 0);
		expect(f, &e);
	}
}

/*
 * While a flush runs, fewer than 64 entries wait for it to end, however long it takes (they
 * could not be durable sooner) and go in one commit; from 64 on they are committed without
 * waiting for it, so the next flush has them as soon as this one ends.
 */
static void test_writer_linger(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer *w;
	struct ledger_writer_options opt = { .flush = gated_flush };
	uint64_t last, commits, index;
	struct ledger_entry e;
	char buf[48];

	flush_in = 0;
	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	note_entry(&e, buf, sizeof(buf), 0);
	assert_int_equal(ledger_writer_append(w, &e, &index, &f->err), 0);
	expect(f, &e);
	/* a flush that does not end: one entry, committed, waits in it */
	gate_set(true);
	commits = ledger_writer_commits(w);
	submit_n(w, f, 1, 1, &last);
	gate_wait_flushes(2);
	assert_int_equal(ledger_writer_commits(w), commits + 1);
	/* 60 entries in two bursts far more than max_delay_us (1 ms) apart: not committed */
	submit_n(w, f, 2, 30, &last);
	nanosleep(&(struct timespec){ 0, 20 * 1000000L }, NULL);
	submit_n(w, f, 32, 30, &last);
	nanosleep(&(struct timespec){ 0, 20 * 1000000L }, NULL);
	assert_int_equal(ledger_writer_commits(w), commits + 1);
	/* 64 and more waiting: committed while the flush still runs */
	submit_n(w, f, 62, 196, &last);
	for (int i = 0; i < 5000 && ledger_writer_commits(w) < commits + 2; i++)
		nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
	assert_true(ledger_writer_commits(w) >= commits + 2);
	assert_true(ledger_writer_durable(w) < last);
	/* the flush ends: all acknowledged, in order */
	gate_set(false);
	assert_int_equal(ledger_writer_wait(w, last, &index, &f->err), 0);
	assert_int_equal(index, 257);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	check_head(f);
}

/* The writer's commits, as its on_commit callback reports them. */
struct commits_seen {
	uint64_t first[8], n[8];
	unsigned nr;
};

static void saw_commit(void *ctx, uint64_t first_index, uint64_t n)
{
	struct commits_seen *c = ctx;

	if (c->nr < 8) {
		c->first[c->nr] = first_index;
		c->n[c->nr] = n;
	}
	c->nr++;
}

/*
 * A batch that reaches the end of a bundle (256 entries) is committed up to that end and its
 * other entries go first into the next batch, so a bundle's entries are not stored twice (in
 * a tail row, then in the bundle's row): 600 entries queued at once behind 5 are committed as
 * 507 (up to index 512) and then 93, in order, each with its sealed payload.
 */
static void test_writer_commits_to_bundle_end(void **state)
{
	struct fixture *f = *state;
	struct commits_seen seen = { 0 };
	struct ledger_writer_options opt = { .on_commit = saw_commit, .on_commit_ctx = &seen };
	struct ledger_prep *lp = ledger_prep_new();
	struct ledger_writer *w;
	uint64_t first, index;
	const unsigned n = 600;

	append_n(f, 5, false);
	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	for (unsigned i = 0; i < n; i++) {
		char buf[48];
		struct ledger_entry e = { .kind = ENTRY_INGEST,
			                  .time_ms = 2000 + i,
			                  .source = "tcp:192.0.2.7",
			                  .has_line = true,
			                  .line = i + 1 };
		snprintf(buf, sizeof(buf), "message %u", i);
		e.payload = buf;
		e.payload_len = strlen(buf);
		assert_int_equal(ledger_prep_add(lp, &e, &f->err), 0);
	}
	/* one submission: the idle writer takes all 600 at once */
	assert_int_equal(ledger_writer_submit_prep(w, lp, &first, &f->err), 0);
	assert_int_equal(ledger_writer_wait(w, first + n - 1, &index, &f->err), 0);
	assert_int_equal(index, 5 + n - 1);
	assert_int_equal(ledger_writer_wait(w, first, &index, &f->err), 0);
	assert_int_equal(index, 5);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	assert_int_equal(seen.nr, 2);
	assert_int_equal(seen.first[0], 5);
	assert_int_equal(seen.n[0], 507);
	assert_int_equal(seen.first[1], 512);
	assert_int_equal(seen.n[1], 93);
	for (unsigned i = 0; i < n; i++) {
		struct strbuf b = STRBUF_INIT;
		uint8_t salt[ENTRY_SALT_SIZE];
		bool erased = true;
		char want[48];
		snprintf(want, sizeof(want), "message %u", i);
		assert_int_equal(ledger_sealed_payload(f->lg, 5 + i, salt, &b, &erased, &f->err),
		                 1);
		assert_false(erased);
		assert_int_equal(b.len, strlen(want));
		assert_memory_equal(b.buf, want, b.len);
		strbuf_release_secret(&b);
	}
	assert_int_equal(ledger_verify(f->lg, f->dir, NULL, 0, NULL, &f->err), 0);
	ledger_prep_free(lp);
}

/*
 * Under constant appends the checkpointer syncs the database file each time the WAL grew by
 * CKPT_PRESYNC_PAGES (writer.c), so that the writer's restart does not sync everything the
 * passive copies wrote while every entry waits. Appends 2 KiB entries (a bounded number) until
 * it has done so once; every entry stays acknowledged, in order, and in the ledger.
 */
static void test_writer_syncs_database_ahead(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer *w;
	struct ledger_writer_options opt = { .max_entries = 500, .max_delay_us = 200 };
	char *buf = xmalloc(2048);
	uint64_t ticket = 0, n = 0, size, idx;
	uint8_t root[32];

	assert_int_equal(ledger_init_keys(f->dir, "ward", &f->err), 0);
	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	memset(buf, 'x', 2048);
	/* 16 MiB of WAL (CKPT_PRESYNC_PAGES) is ~6,000 such entries: 30,000 is ample */
	while (ledger_writer_presyncs(w) < 1 && n < 30000) {
		for (int i = 0; i < 1000; i++, n++) {
			struct ledger_entry e = { .kind = ENTRY_NOTE,
				                  .time_ms = (int64_t)n,
				                  .data = (const uint8_t *)buf,
				                  .data_len = 2048 };
			assert_int_equal(ledger_writer_submit(w, &e, &ticket, &f->err), 0);
		}
		assert_int_equal(ledger_writer_wait(w, ticket, &idx, &f->err), 0);
		assert_int_equal(idx, n - 1);
	}
	assert_true(ledger_writer_presyncs(w) >= 1);
	assert_int_equal(ledger_writer_durable(w), n);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, n);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_across_tiles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_is_noticed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_payloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_file_mode_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit_prepared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_flush_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_linger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_commits_to_bundle_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_syncs_database_ahead, setup, teardown),
	};
	return cmocka_run_group_tests_name("ledger-ledger", tests, NULL, NULL);
}
