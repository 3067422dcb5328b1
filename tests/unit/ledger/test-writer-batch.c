/* test-writer-batch: the ledger writer's batches: commits cut at bundle ends, many prepared
 * entries at once, the database synced ahead for the checkpointer, rounds asked by growth, and
 * the rows a batch stores the same as gathered ones (part of ledger-writer: test-writer.c). */
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
#include <time.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "base/timeutil.h"
#include "ledger/ledger.h"
#include "ledger/sha256x16.h"
#include "ledger/writer-internal.h"
#include "store/query.h"
#include "store/store.h"
#include "fixture.h"
#include "test-writer.h"

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
void test_writer_commits_to_bundle_end(void **state)
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
 * ledger_prep_add_many's edges (not submitted): a run of fewer than SHA256X16_MIN messages is
 * hashed one by one (a 16-lane pass costs as much for 1 lane: review-pace M1), SHA256X16_MIN of
 * them 16 at once (seals, then leaves) where the machine can; an entry refused by its encoding
 * in the middle of a run (a source with a control character): those before it are added, it
 * is told, and no salt is left in the prepared entries from it on.
 */
static void prep_many_edges(struct fixture *f, const char *data, const char *head)
{
	struct ledger_prep *lp = ledger_prep_new();
	struct ledger_entry es[SHA256X16_LANES];
	const void *heads[SHA256X16_LANES];
	size_t hl[SHA256X16_LANES], added;
	static const uint8_t no_salt[ENTRY_SALT_SIZE];
	unsigned long calls;
	bool x16;

	for (unsigned i = 0; i < SHA256X16_LANES; i++) {
		es[i] = (struct ledger_entry){ .kind = ENTRY_INGEST,
			                       .time_ms = 3000,
			                       .source = "tcp:192.0.2.7",
			                       .has_line = true,
			                       .line = i + 1,
			                       .payload = data,
			                       .payload_len = 256 };
		heads[i] = head;
		hl[i] = 9;
	}
	x16 = merkle_hasher_x16(lp->hasher); /* (its self-test first) */
	calls = sha256x16_calls;
	assert_int_equal(
	    ledger_prep_add_many(lp, es, heads, hl, SHA256X16_MIN - 1, &added, &f->err), 0);
	assert_int_equal(added, SHA256X16_MIN - 1);
	assert_int_equal(sha256x16_calls, calls);
	assert_int_equal(ledger_prep_add_many(lp, es, heads, hl, SHA256X16_MIN, &added, &f->err),
	                 0);
	assert_int_equal(sha256x16_calls, calls + (x16 ? 2 : 0));
	es[11].source = "tcp:192.0.2.7\x01";
	assert_int_equal(ledger_prep_add_many(lp, es, heads, hl, SHA256X16_LANES, &added, &f->err),
	                 -EINVAL);
	assert_int_equal(added, 11);
	assert_non_null(strstr(f->err.buf, "'source'"));
	for (unsigned i = 11; i < SHA256X16_LANES; i++)
		assert_memory_equal(lp->many[i].salt, no_salt, ENTRY_SALT_SIZE);
	assert_int_equal(ledger_prep_count(lp), 2 * SHA256X16_MIN - 1 + 11);
	ledger_prep_free(lp);
}

/*
 * ledger_prep_add_many (the receivers' way: seals and leaves 16 at once where the CPU can, one
 * by one where not, and a lane's longest messages one by one too): payloads of 1 to 1,200
 * bytes with heads of 0, 9, 64, 65 and 120 bytes (joined to the salt up to 64, apart past it),
 * then one refused (too long): those before it are added, and it is told. Every seal and leaf
 * is checked by ledger_verify, every payload read back as head and message.
 */
void test_prep_add_many(void **state)
{
	static const size_t head_lens[] = { 0, 9, 64, 65, 120 };
	static char data[1300], heads_data[128];
	struct fixture *f = *state;
	struct ledger_entry es[41];
	const void *heads[41];
	size_t hl[41], added, n = 0;
	struct ledger_writer *w;
	uint64_t first, index;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < sizeof(heads_data); i++)
		heads_data[i] = (char)('A' + i % 26);
	assert_int_equal(ledger_writer_start(f->dir, NULL, &w, &f->err), 0);
	prep_many_edges(f, data, heads_data);
	for (int x16 = 1; x16 >= 0; x16--) {
		struct ledger_prep *lp = ledger_prep_new();

		sha256x16_on = x16;
		for (size_t i = 0; i < 40; i++) {
			es[i] = (struct ledger_entry){ .kind = ENTRY_INGEST,
				                       .time_ms = 3000 + (int64_t)i,
				                       .source = "tcp:192.0.2.7",
				                       .has_line = true,
				                       .line = i + 1,
				                       .payload = data + i,
				                       .payload_len = 1 + i * 30 };
			heads[i] = heads_data;
			hl[i] = head_lens[i % 5];
		}
		es[40] = es[39];
		es[40].payload_len = ENTRY_MAX_PAYLOAD + 1;
		heads[40] = NULL;
		hl[40] = 0;
		assert_int_equal(ledger_prep_add_many(lp, es, heads, hl, 41, &added, &f->err),
		                 -EINVAL);
		assert_int_equal(added, 40);
		assert_non_null(strstr(f->err.buf, "sealed payload is"));
		assert_int_equal(ledger_writer_submit_prep(w, lp, &first, &f->err), 0);
		assert_int_equal(ledger_writer_wait(w, first + 39, &index, &f->err), 0);
		assert_int_equal(index, n + 39);
		for (size_t i = 0; i < 40; i++) {
			struct strbuf b = STRBUF_INIT;
			uint8_t salt[ENTRY_SALT_SIZE];
			bool erased = true;

			assert_int_equal(
			    ledger_sealed_payload(f->lg, n + i, salt, &b, &erased, &f->err), 1);
			assert_int_equal(b.len, hl[i] + es[i].payload_len);
			assert_memory_equal(b.buf, heads_data, hl[i]);
			assert_memory_equal(b.buf + hl[i], data + i, es[i].payload_len);
			strbuf_release_secret(&b);
		}
		n += 40;
		ledger_prep_free(lp);
	}
	sha256x16_on = true;
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	assert_int_equal(ledger_verify(f->lg, f->dir, NULL, 0, NULL, &f->err), 0);
}

/*
 * Under constant appends the checkpointer syncs the database file each time the WAL grew by
 * CKPT_PRESYNC_PAGES (writer-restart.c), so that the writer's restart does not sync everything the
 * passive copies wrote while every entry waits. Appends 2 KiB entries (a bounded number) until
 * it has done so once; every entry stays acknowledged, in order, and in the ledger.
 */
void test_writer_syncs_database_ahead(void **state)
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
	/* the count moves once the checkpointer has synced and copied on its own thread, which a
	 * loaded disk can make slower than the appends: wait for it (bounded), not race it */
	for (int i = 0; i < 6000 && ledger_writer_presyncs(w) < 1; i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000000L }, NULL);
	assert_true(ledger_writer_presyncs(w) >= 1);
	assert_int_equal(ledger_writer_durable(w), n);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, n);
	free(buf);
}

/*
 * Past CKPT_PASSIVE_PAGES the writer asks its checkpointer for a copy once the WAL has grown by
 * CKPT_ROUND_PAGES (512) since it last asked, not after every commit (writer-restart.c). 12,000
 * entries of 2 KiB in commits of at most 8 (~16 pages each, a bundle's whole row every 32nd) grow
 * the WAL some 20,000 pages past 4,096: ~40 rounds asked for in ~1,500 commits, where asking after
 * every commit past 4,096 pages asked ~1,250 (counted once each way). The counts follow from
 * the commits' sizes, not from timing. Every entry stays acknowledged and in the ledger.
 */
void test_writer_asks_rounds_by_growth(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer *w;
	struct ledger_writer_options opt = { .max_entries = 8, .max_delay_us = 200 };
	char *buf = xmalloc(2048);
	uint64_t ticket = 0, n = 0, size, commits, rounds;
	uint8_t root[32];

	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	memset(buf, 'r', 2048);
	while (n < 12000) {
		for (int i = 0; i < 200; i++, n++) {
			struct ledger_entry e = { .kind = ENTRY_NOTE,
				                  .time_ms = (int64_t)n,
				                  .data = (const uint8_t *)buf,
				                  .data_len = 2048 };
			assert_int_equal(ledger_writer_submit(w, &e, &ticket, &f->err), 0);
		}
		assert_int_equal(ledger_writer_wait(w, ticket, NULL, &f->err), 0);
	}
	commits = ledger_writer_commits(w);
	rounds = ledger_writer_rounds_asked(w);
	/* 12,000 entries in commits of at most 8: 1,500 commits or more */
	assert_true(commits >= 1500);
	/* the WAL passed 4,096 pages, so it asked at least once; at most once per 512 pages,
	 * at most ~25 pages a commit: one round per 20 commits at the most */
	assert_true(rounds >= 1);
	assert_true(rounds * 20 <= commits);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, n);
	free(buf);
}

/*
 * The stored rows are the same whichever way entries reach ledger_append_items: as the writer
 * hands them (batch_add_prepared's stored form, framed and rec, a full bundle written from the
 * batch) or gathered from separate pieces (unframed items, salt and payload apart: the way of
 * every other caller, and of the writer before). Entries of every kind and size, batches cut
 * where the writer cuts them (batch_move_tail), notes appended between them (bundles begun by
 * an earlier append), an erasure: every row of both ledgers compared byte for byte
 * (review-pace L2; the reviewer's scratch test).
 */
/* The gathered way's pieces of an entry (ledger_item points at them). */
struct same_own {
	uint8_t *bytes, *leaf, *salt;
};

struct same_rows {
	struct ledger *la, *lb;
	struct merkle_hasher *h;
	uint64_t seq;
	char pay[70000];
};

/* Entry seq of the comparison into b (the writer's form) and, apart, into *ib. */
static void same_prepare(struct same_rows *sr, struct prepared_entry *p, struct batch *b,
                         struct ledger_item *ib, struct same_own *own, struct strbuf *err)
{
	struct ledger_entry e;
	char note[64];
	int r;

	snprintf(note, sizeof(note), "note %llu", (unsigned long long)sr->seq);
	if (sr->seq % 3 == 0) {
		e = (struct ledger_entry){ .kind = ENTRY_NOTE,
			                   .time_ms = (int64_t)sr->seq,
			                   .data = (const uint8_t *)note,
			                   .data_len = strlen(note) };
		r = ledger_prepare(sr->h, &e, p, err);
	} else {
		size_t len = 1 + (sr->seq * 7919) % (sr->seq % 101 == 1 ? 60000 : 400);
		e = (struct ledger_entry){ .kind = ENTRY_INGEST,
			                   .time_ms = (int64_t)sr->seq,
			                   .source = "tcp:192.0.2.1",
			                   .has_line = true,
			                   .line = sr->seq,
			                   .payload = sr->pay + sr->seq % 50,
			                   .payload_len = len };
		r = sr->seq % 2 ? ledger_prepare_head(sr->h, &e, "HEAD<13>", 8, p, err)
		                : ledger_prepare(sr->h, &e, p, err);
	}
	assert_int_equal(r, 0);
	batch_add_prepared(b, p);
	memset(ib, 0, sizeof(*ib));
	own->bytes = xmalloc(p->bytes.len + 1);
	memcpy(own->bytes, p->bytes.buf, p->bytes.len);
	ib->bytes = own->bytes;
	ib->len = p->bytes.len;
	own->leaf = xmalloc(MERKLE_HASH_SIZE);
	memcpy(own->leaf, p->leaf, MERKLE_HASH_SIZE);
	ib->leaf = own->leaf;
	own->salt = NULL;
	if (p->sealed) {
		own->salt = xmalloc(ENTRY_SALT_SIZE + p->head_len + p->payload_len + 1);
		memcpy(own->salt, p->salt, ENTRY_SALT_SIZE);
		if (p->head_len)
			memcpy(own->salt + ENTRY_SALT_SIZE, p->head, p->head_len);
		memcpy(own->salt + ENTRY_SALT_SIZE + p->head_len, p->payload, p->payload_len);
		ib->salt = own->salt;
		ib->payload = own->salt + ENTRY_SALT_SIZE;
		ib->payload_len = p->head_len + p->payload_len;
	}
	sr->seq++;
}

/* Appends items in one transaction of lg's; the first index. */
static uint64_t same_append(struct ledger *lg, const struct ledger_item *items, size_t nr)
{
	struct strbuf err = STRBUF_INIT;
	uint64_t first = 0;

	assert_int_equal(store_begin(ledger_store(lg), &err), 0);
	assert_int_equal(ledger_append_items(lg, items, nr, &first, &err), 0);
	assert_int_equal(store_commit(ledger_store(lg), &err), 0);
	strbuf_release(&err);
	return first;
}

/* n entries to both ledgers: a with the writer's batch cut at cut, b gathered. */
static void same_batch(struct same_rows *sr, size_t n, size_t cut, struct strbuf *err)
{
	struct batch *b = batch_new(), *t = batch_new(), *bs[2];
	struct ledger_item *ib = xcalloc(n, sizeof(*ib));
	struct same_own *own = xcalloc(n, sizeof(*own));
	struct prepared_entry p;
	size_t at = 0;

	strbuf_init(&p.bytes, 0);
	for (size_t i = 0; i < n; i++)
		same_prepare(sr, &p, b, &ib[i], &own[i], err);
	batch_move_tail(b, cut, t); /* the writer's cut: the tail is committed after */
	bs[0] = b;
	bs[1] = t;
	for (int k = 0; k < 2; k++) {
		struct batch *x = bs[k];
		struct ledger_item *ia = xcalloc(x->nr + 1, sizeof(*ia));
		for (size_t i = 0; i < x->nr; i++) { /* as commit_batch makes them */
			struct item *it = &x->items[i];
			ia[i].bytes = (const uint8_t *)x->bytes.buf + it->off;
			ia[i].len = it->len;
			ia[i].leaf = it->leaf;
			ia[i].framed = true;
			if (it->seal_off != SIZE_MAX) {
				ia[i].rec = (uint8_t *)x->sealed.buf + it->seal_off;
				ia[i].salt = ia[i].rec + 2;
				ia[i].payload = ia[i].rec + SEALED_HEAD;
				ia[i].payload_len = it->payload_len;
			}
		}
		if (x->nr)
			assert_true(same_append(sr->la, ia, x->nr) ==
			            same_append(sr->lb, ib + at, x->nr));
		at += x->nr;
		free(ia);
	}
	for (size_t i = 0; i < n; i++) {
		free(own[i].bytes);
		free(own[i].leaf);
		free(own[i].salt);
	}
	free(own);
	free(ib);
	batch_free(b);
	batch_free(t);
	prepared_release(&p);
}

/* Every row of the ledger's tables, in key order, into out (lengths before blobs). */
static void same_dump(struct ledger *lg, struct strbuf *out)
{
	static const char *const sql[][2] = {
		{ "SELECT n, data FROM ledger_bundle ORDER BY n", "ib" },
		{ "SELECT n, data FROM ledger_sealed ORDER BY n", "ib" },
		{ "SELECT idx, data, sealed FROM ledger_tail ORDER BY idx", "ibb" },
		{ "SELECT id, width, hashes FROM ledger_tile ORDER BY id", "iib" },
		{ "SELECT size, root, range FROM ledger_head", "ibb" },
	};
	struct strbuf err = STRBUF_INIT;

	for (size_t s = 0; s < sizeof(sql) / sizeof(sql[0]); s++) {
		struct query *q;
		int r;
		assert_int_equal(query_prepare(ledger_store(lg), sql[s][0], &q, &err), 0);
		while ((r = query_step(q, &err)) > 0) {
			for (int c = 0; sql[s][1][c]; c++) {
				int64_t v = query_int(q, c);
				size_t len = 0;
				const void *d = NULL;
				if (sql[s][1][c] == 'b' && !query_is_null(q, c))
					d = query_blob(q, c, &len);
				strbuf_addf(out, "%c%lld:%zu:", sql[s][1][c], (long long)v, len);
				if (len)
					strbuf_add(out, d, len);
			}
		}
		assert_int_equal(r, 0);
	}
	strbuf_release(&err);
}

void test_batch_rows_same(void **state)
{
	struct fixture *f = *state, *g = NULL;
	struct same_rows *sr = xcalloc(1, sizeof(*sr));
	struct strbuf da = STRBUF_INIT, db = STRBUF_INIT;
	static const size_t sizes[][2] = {
		{ 1, 1 },     { 7, 7 }, { 248, 200 },  { 256, 256 }, { 300, 256 }, { 513, 500 },
		{ 255, 255 }, { 2, 1 }, { 1000, 999 }, { 1, 0 },     { 37, 20 },   { 600, 512 }
	};

	assert_int_equal(setup((void **)&g), 0);
	sr->la = f->lg;
	sr->lb = g->lg;
	sr->h = merkle_hasher_new();
	for (size_t i = 0; i < sizeof(sr->pay); i++)
		sr->pay[i] = (char)('a' + i % 26);
	for (size_t r = 0; r < 2; r++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			same_batch(sr, sizes[i][0], sizes[i][1], &f->err);
			if (i % 4 == 2) { /* notes between: a bundle begun by an earlier append */
				struct ledger_entry e;
				char buf[32];
				note_entry(&e, buf, sizeof(buf), sr->seq++);
				assert_int_equal(ledger_append(sr->la, &e, 1, NULL, &f->err), 0);
				assert_int_equal(ledger_append(sr->lb, &e, 1, NULL, &f->err), 0);
			}
			if (i == 5) { /* erased records, read back for a bundle that fills later */
				uint64_t c1, c2, x1, x2, size;
				uint8_t root[32];
				assert_int_equal(ledger_head(sr->la, &size, root, &f->err), 0);
				assert_int_equal(ledger_erase_payloads(sr->la, size - 40, size - 1,
				                                       0, "t", 7, "t", &c1, &x1,
				                                       &f->err),
				                 0);
				assert_int_equal(ledger_erase_payloads(sr->lb, size - 40, size - 1,
				                                       0, "t", 7, "t", &c2, &x2,
				                                       &f->err),
				                 0);
				assert_true(c1 == c2 && c1 > 0);
			}
		}
	}
	same_dump(sr->la, &da);
	same_dump(sr->lb, &db);
	assert_int_equal(da.len, db.len);
	assert_memory_equal(da.buf, db.buf, da.len);
	assert_int_equal(ledger_verify(sr->la, f->dir, NULL, 0, NULL, &f->err), 0);
	merkle_hasher_free(sr->h);
	strbuf_release(&da);
	strbuf_release(&db);
	free(sr);
	teardown((void **)&g);
}
