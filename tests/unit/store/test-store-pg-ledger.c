/*
 * test-store-pg-ledger: the ledger on a real PostgreSQL (tests/unit/store/run-pg.sh starts a
 * throwaway cluster and passes its URL in MAMORI_TEST_PG_URL): it gives the same tree as on
 * SQLite, verifies and exports a page at a time, takes the group-commit writer's batches, and
 * stays one sequence with two writers at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "ledger/entry.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "store/query.h"
#include "store/store.h"

#include "pg-fixture.h"

/* Entry i: a note, every fifth an ingest line with a sealed payload. */
static void make_entry(struct ledger_entry *e, char *buf, size_t cap, uint64_t i)
{
	snprintf(buf, cap, "entry %llu %s", (unsigned long long)i, i % 3 ? "ward" : "区民課 ログ");
	if (i % 5 == 0)
		*e = (struct ledger_entry){ .kind = ENTRY_INGEST,
			                    .time_ms = 1000 + (int64_t)i,
			                    .source = "proxy",
			                    .has_line = true,
			                    .line = i,
			                    .payload = buf,
			                    .payload_len = strlen(buf) };
	else
		*e = (struct ledger_entry){ .kind = ENTRY_NOTE,
			                    .time_ms = 1000 + (int64_t)i,
			                    .data = (const uint8_t *)buf,
			                    .data_len = strlen(buf) };
}

static void append_range(struct ledger *lg, uint64_t from, size_t n, struct strbuf *err)
{
	struct ledger_entry *es = xcalloc(n, sizeof(*es));
	char(*bufs)[48] = xcalloc(n, 48);
	uint64_t first;

	for (size_t i = 0; i < n; i++)
		make_entry(&es[i], bufs[i], 48, from + i);
	if (ledger_append(lg, es, n, &first, err) < 0)
		fail_msg("append: %s", err->buf);
	assert_true(first == from);
	free(es);
	free(bufs);
}

/* The same prepared entries (one salt for each sealed one) appended to both ledgers. */
static void append_both(struct ledger *a, struct ledger *b, uint64_t from, size_t n,
                        struct strbuf *err)
{
	struct merkle_hasher *h = merkle_hasher_new();
	struct prepared_entry *p = xcalloc(n, sizeof(*p));
	struct ledger_item *items = xcalloc(n, sizeof(*items));
	char(*bufs)[48] = xcalloc(n, 48);
	struct ledger *both[2] = { a, b };

	for (size_t i = 0; i < n; i++) {
		struct ledger_entry e;
		make_entry(&e, bufs[i], 48, from + i);
		strbuf_init(&p[i].bytes, 0);
		assert_int_equal(ledger_prepare(h, &e, &p[i], err), 0);
		items[i] = (struct ledger_item){ .bytes = (const uint8_t *)p[i].bytes.buf,
			                         .len = p[i].bytes.len,
			                         .leaf = p[i].leaf,
			                         .salt = p[i].sealed ? p[i].salt : NULL,
			                         .payload = p[i].payload,
			                         .payload_len = p[i].payload_len };
	}
	for (int k = 0; k < 2; k++) {
		struct store *st = ledger_store(both[k]);
		uint64_t first = 0;
		assert_int_equal(store_begin(st, err), 0);
		if (ledger_append_items(both[k], items, n, &first, err) < 0)
			fail_msg("append: %s", err->buf);
		assert_int_equal(store_commit(st, err), 0);
		assert_true(first == from);
	}
	for (size_t i = 0; i < n; i++)
		prepared_release(&p[i]);
	free(p);
	free(items);
	free(bufs);
	merkle_hasher_free(h);
}

static void test_ledger_same_as_sqlite(void **state)
{
	struct fixture *f = *state;
	static const size_t batches[] = { 1, 7, 248, 256, 1, 300, 4096, 513, 255, 2 };
	struct ledger *pl, *sl;
	struct store *ss;
	uint8_t proot[32], sroot[32];
	uint64_t psize, ssize, at = 0;
	struct merkle_hasher *h = merkle_hasher_new();

	NEED_PG(f);
	assert_int_equal(store_open(f->sdir, STORE_CREATE, &ss, &f->err), 0);
	assert_int_equal(ledger_open(f->st, &pl, &f->err), 0);
	assert_int_equal(ledger_open(ss, &sl, &f->err), 0);
	for (size_t b = 0; b < ARRAY_SIZE(batches); b++) {
		append_both(pl, sl, at, batches[b], &f->err);
		at += batches[b];
		assert_int_equal(ledger_head(pl, &psize, proot, &f->err), 0);
		assert_int_equal(ledger_head(sl, &ssize, sroot, &f->err), 0);
		assert_true(psize == at && ssize == at);
		assert_memory_equal(proot, sroot, 32);
	}
	/* entries, sealed payloads and proofs read back from PostgreSQL */
	for (uint64_t i = 0; i < at; i += 97) {
		struct strbuf pb = STRBUF_INIT, sb = STRBUF_INIT, pay = STRBUF_INIT_SECRET;
		uint8_t proof[64][32], leaf[32], salt[ENTRY_SALT_SIZE];
		struct merkle_span spans[64];
		size_t nr;
		bool erased;

		assert_int_equal(ledger_entry_bytes(pl, i, &pb, &f->err), 0);
		assert_int_equal(ledger_entry_bytes(sl, i, &sb, &f->err), 0);
		assert_int_equal(pb.len, sb.len);
		assert_memory_equal(pb.buf, sb.buf, pb.len);
		merkle_hash_leaf(h, pb.buf, pb.len, leaf);
		assert_int_equal(ledger_inclusion_proof(pl, i, at, proof, &nr, &f->err), 0);
		for (size_t k = 0; k < nr; k++)
			spans[k] = (struct merkle_span){ proof[k], 32 };
		assert_int_equal(merkle_verify_inclusion(h, i, at, (struct merkle_span){ leaf, 32 },
		                                         spans, nr,
		                                         (struct merkle_span){ proot, 32 }),
		                 0);
		assert_int_equal(ledger_sealed_payload(pl, i, salt, &pay, &erased, &f->err),
		                 i % 5 == 0 ? 1 : 0);
		if (i % 5 == 0)
			assert_non_null(strstr(pay.buf, "entry "));
		strbuf_release(&pb);
		strbuf_release(&sb);
		strbuf_release_secret(&pay);
	}
	/* a rolled-back append leaves nothing, and the next one builds on the committed tree */
	assert_int_equal(store_begin(f->st, &f->err), 0);
	{
		char buf[48];
		struct ledger_entry e;
		make_entry(&e, buf, sizeof(buf), at);
		assert_int_equal(ledger_append_txn(pl, &e, 1, NULL, &f->err), 0);
	}
	store_rollback(f->st);
	append_both(pl, sl, at, 3, &f->err);
	append_range(pl, at + 3, 2, &f->err); /* ledger_append's own transaction */
	assert_int_equal(ledger_head(pl, &psize, proot, &f->err), 0);
	assert_int_equal(ledger_head(sl, &ssize, sroot, &f->err), 0);
	assert_true(psize == at + 5 && ssize == at + 3);
	assert_int_equal(ledger_root_at(pl, at + 3, proot, &f->err), 0);
	assert_memory_equal(proot, sroot, 32);
	ledger_close(pl);
	ledger_close(sl);
	store_close(ss);
	merkle_hasher_free(h);
}

/*
 * verify and export read the bundles a page at a time (a PostgreSQL result is held whole in
 * memory): a log of more than one page (BUNDLE_PAGE bundles) verifies, exports and verifies
 * offline, and a damaged bundle on the second page is found.
 */
static void test_ledger_verify_export_pages(void **state)
{
	struct fixture *f = *state;
	const uint64_t n = BUNDLE_PAGE * 256 + 300;
	struct ledger_verify_result res, off;
	struct strbuf out = STRBUF_INIT;
	struct ledger *lg;
	char exp[96];

	NEED_PG(f);
	assert_int_equal(ledger_init_keys(f->dir, "test", &f->err), 0);
	assert_int_equal(ledger_open(f->st, &lg, &f->err), 0);
	for (uint64_t at = 0; at < n; at += 4096)
		append_range(lg, at, n - at < 4096 ? (size_t)(n - at) : 4096, &f->err);
	assert_int_equal(ledger_verify(lg, f->dir, NULL, 0, &res, &f->err), 0);
	assert_int_equal(res.entries, n);
	snprintf(exp, sizeof(exp), "%s/export", f->dir);
	if (ledger_export(lg, f->dir, exp, &f->err) < 0)
		fail_msg("export: %s", f->err.buf);
	assert_int_equal(ledger_verify_offline(exp, NULL, 0, &off, &f->err), 0);
	assert_int_equal(off.entries, n);
	assert_memory_equal(off.root, res.root, MERKLE_HASH_SIZE);

	/* one byte changed in bundle BUNDLE_PAGE, the second page, inside its first entry's time
	 * (BUNDLE_PAGE + 1 is the partial bundle, whose entries are in ledger_tail) */
	{
		struct query *q;
		assert_int_equal(query_prepare(f->st,
		                               "UPDATE ledger_bundle SET data = "
		                               "overlay(data placing '\\x58'::bytea from 6) "
		                               "WHERE n = ?",
		                               &q, &f->err),
		                 0);
		query_bind_int(q, 1, BUNDLE_PAGE);
		assert_int_equal(query_step(q, &f->err), 0);
	}
	strbuf_reset(&f->err);
	assert_true(ledger_verify(lg, f->dir, NULL, 0, &res, &f->err) < 0);
	strbuf_addf(&out, "%" PRIu64, (uint64_t)BUNDLE_PAGE * 256);
	if (!strstr(f->err.buf, out.buf))
		fail_msg("the failure should name entries %s..: %s", out.buf, f->err.buf);
	strbuf_release(&out);
	ledger_close(lg);
}

/* The group-commit writer on PostgreSQL: each batch acknowledged by its durable commit. */
static void test_writer(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer_options opt = { .checkpoint_ms = UINT32_MAX };
	struct ledger_verify_result res;
	struct ledger_writer *w;
	struct ledger *lg;
	uint64_t first, size;
	uint8_t root[32];
	const uint64_t n = 3000;

	NEED_PG(f);
	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	first = ledger_writer_next_ticket(w);
	for (uint64_t i = 0; i < n; i++) {
		char buf[48];
		struct ledger_entry e;
		uint64_t t;
		make_entry(&e, buf, sizeof(buf), i);
		assert_int_equal(ledger_writer_submit(w, &e, &t, &f->err), 0);
	}
	assert_int_equal(ledger_writer_wait_range(w, first, first + n - 1, &f->err), 0);
	assert_true(ledger_writer_durable(w) >= first + n);
	assert_true(ledger_writer_commits(w) >= 1);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	assert_int_equal(ledger_open(f->st, &lg, &f->err), 0);
	assert_int_equal(ledger_head(lg, &size, root, &f->err), 0);
	assert_int_equal(size, n);
	assert_int_equal(ledger_verify(lg, f->dir, NULL, 0, &res, &f->err), 0);
	assert_int_equal(res.entries, n);
	ledger_close(lg);
}

struct writer_arg {
	const char *dir;
	int id, batches, per;
	int failed;
};

/* One node: its own connection, appending batches of its own entries. */
static void *writer(void *arg)
{
	struct writer_arg *a = arg;
	struct strbuf err = STRBUF_INIT;
	struct store *st;
	struct ledger *lg;

	if (store_open(a->dir, STORE_ANY_BACKEND, &st, &err) < 0 ||
	    ledger_open(st, &lg, &err) < 0) {
		a->failed = 1;
		return NULL;
	}
	for (int b = 0; b < a->batches && !a->failed; b++) {
		struct ledger_entry *es = xcalloc((size_t)a->per, sizeof(*es));
		char(*bufs)[48] = xcalloc((size_t)a->per, 48);
		for (int i = 0; i < a->per; i++) {
			snprintf(bufs[i], 48, "node %d batch %d entry %d", a->id, b, i);
			es[i] = (struct ledger_entry){ .kind = ENTRY_NOTE,
				                       .time_ms = 1,
				                       .data = (const uint8_t *)bufs[i],
				                       .data_len = strlen(bufs[i]) };
		}
		if (ledger_append(lg, es, (size_t)a->per, NULL, &err) < 0)
			a->failed = 1;
		free(es);
		free(bufs);
	}
	ledger_close(lg);
	store_close(st);
	strbuf_release(&err);
	return NULL;
}

static void test_ledger_two_writers(void **state)
{
	struct fixture *f = *state;
	struct writer_arg a[2] = { { f->dir, 1, 40, 37, 0 }, { f->dir, 2, 40, 37, 0 } };
	pthread_t t[2];
	struct ledger *lg;
	struct merkle_hasher *h = merkle_hasher_new();
	struct merkle_range range;
	uint8_t root[32], want[32];
	uint64_t size;
	unsigned seen[2] = { 0, 0 };

	NEED_PG(f);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer, &a[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_false(a[0].failed || a[1].failed);
	/* one sequence: every entry once, batches whole, the root the entries' own */
	assert_int_equal(ledger_open(f->st, &lg, &f->err), 0);
	assert_int_equal(ledger_head(lg, &size, root, &f->err), 0);
	assert_int_equal(size, 2 * 40 * 37);
	merkle_range_init(&range);
	for (uint64_t i = 0; i < size; i++) {
		struct strbuf b = STRBUF_INIT;
		struct ledger_entry e;
		uint8_t leaf[32];
		int node = 0, batch = 0, n = 0;
		assert_int_equal(ledger_entry_bytes(lg, i, &b, &f->err), 0);
		merkle_hash_leaf(h, b.buf, b.len, leaf);
		merkle_range_append(h, &range, leaf, NULL, NULL);
		assert_int_equal(entry_decode(b.buf, b.len, &e, &f->err), 0);
		{
			char text[64] = { 0 };
			memcpy(text, e.data, e.data_len < 63 ? e.data_len : 63);
			assert_int_equal(
			    sscanf(text, "node %d batch %d entry %d", &node, &batch, &n), 3);
		}
		assert_int_equal(n, (int)(i % 37)); /* batches never interleave */
		seen[node - 1]++;
		entry_release(&e);
		strbuf_release(&b);
	}
	assert_int_equal(seen[0], 40 * 37);
	assert_int_equal(seen[1], 40 * 37);
	merkle_range_root(h, &range, want);
	assert_memory_equal(root, want, 32);
	ledger_close(lg);
	merkle_hasher_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ledger_same_as_sqlite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_two_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_export_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
