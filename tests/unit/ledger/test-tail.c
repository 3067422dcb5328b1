/* test-tail: the partial bundle as one ledger_tail row per append (schema/0026): what a commit
 * writes, reads of every kind across appends and bundle boundaries, erasure in the tail, damage,
 * and the migration of a ward whose partial bundle was one row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "ledger/ledger.h"
#include "store/query.h"
#include "store/store.h"
#include "tmpdir.h"

struct fixture {
	char dir[64], exp[96];
	struct store *st;
	struct ledger *lg;
	struct strbuf err;
	uint64_t next; /* entries appended so far */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (tmpdir_make(f->dir, sizeof(f->dir), "tail") < 0)
		return -1;
	snprintf(f->exp, sizeof(f->exp), "%s/export", f->dir);
	strbuf_init(&f->err, 0);
	if (tmpdir_store(f->dir, 0, &f->st, &f->err) < 0)
		return -1;
	if (ledger_open(f->st, &f->lg, &f->err) < 0 ||
	    ledger_init_keys(f->dir, "tail", &f->err) < 0) {
		fprintf(stderr, "setup: %s\n", f->err.buf);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ledger_close(f->lg);
	store_close(f->st);
	if (tmpdir_remove(f->dir) < 0)
		return -1;
	strbuf_release(&f->err);
	free(f);
	return 0;
}

/* Entry i's text and, for every third entry, its sealed payload (about 300 bytes, as an act's). */
static void entry_text(uint64_t i, char *buf, size_t cap)
{
	snprintf(buf, cap, "note %llu", (unsigned long long)i);
}

static void payload_text(uint64_t i, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "{\"who\":\"person %llu\",\"pad\":\"", (unsigned long long)i);

	for (; n < 300 && (size_t)n + 3 < cap; n++)
		buf[n] = (char)('a' + (i + (uint64_t)n) % 26);
	buf[n++] = '"';
	buf[n++] = '}';
	buf[n] = 0;
}

static bool is_sealed(uint64_t i)
{
	return i % 3 == 0;
}

/* Appends n entries in one transaction. */
static void append(struct fixture *f, unsigned n)
{
	struct ledger_entry *es = xcalloc(n, sizeof(*es));
	char(*text)[32] = xcalloc(n, 32);
	char(*pay)[400] = xcalloc(n, 400);

	for (unsigned k = 0; k < n; k++) {
		uint64_t i = f->next + k;
		entry_text(i, text[k], sizeof(text[k]));
		es[k] = (struct ledger_entry){ .kind = ENTRY_NOTE,
			                       .time_ms = (int64_t)i,
			                       .data = (const uint8_t *)text[k],
			                       .data_len = strlen(text[k]) };
		if (is_sealed(i)) {
			payload_text(i, pay[k], sizeof(pay[k]));
			es[k].payload = pay[k];
			es[k].payload_len = strlen(pay[k]);
		}
	}
	if (ledger_append(f->lg, es, n, NULL, &f->err) != 0)
		fail_msg("append: %s", f->err.buf);
	f->next += n;
	free(es);
	free(text);
	free(pay);
}

static int64_t count(struct fixture *f, const char *sql)
{
	struct query *q;
	int64_t v = -1;

	assert_int_equal(query_prepare(f->st, sql, &q, &f->err), 0);
	assert_int_equal(query_one_int(q, &v, &f->err), 0);
	return v;
}

static void sql(struct fixture *f, const char *q)
{
	if (store_exec(f->st, q, &f->err) < 0)
		fail_msg("%s: %s", q, f->err.buf);
}

/* Every entry and payload read back one by one, then as one range. */
static unsigned range_seen;
static int on_item(void *ctx, const struct ledger_range_item *it)
{
	char want[400];

	(void)ctx;
	assert_int_equal(it->index, range_seen);
	entry_text(it->index, want, sizeof(want));
	assert_non_null(memmem(it->entry, it->len, want, strlen(want)));
	if (is_sealed(it->index) && !it->erased) {
		payload_text(it->index, want, sizeof(want));
		assert_int_equal(it->payload_len, strlen(want));
		assert_memory_equal(it->payload, want, it->payload_len);
	}
	range_seen++;
	return 0;
}

static void check_all(struct fixture *f)
{
	struct ledger_verify_result res;

	for (uint64_t i = 0; i < f->next; i++) {
		struct strbuf b = STRBUF_INIT, p = STRBUF_INIT;
		uint8_t salt[ENTRY_SALT_SIZE];
		char want[400];
		bool erased = true;
		int r;

		if (ledger_entry_bytes(f->lg, i, &b, &f->err) < 0)
			fail_msg("entry %llu: %s", (unsigned long long)i, f->err.buf);
		entry_text(i, want, sizeof(want));
		assert_non_null(memmem(b.buf, b.len, want, strlen(want)));
		r = ledger_sealed_payload(f->lg, i, salt, &p, &erased, &f->err);
		assert_int_equal(r, is_sealed(i) ? 1 : 0);
		if (r == 1) {
			payload_text(i, want, sizeof(want));
			assert_int_equal(p.len, strlen(want));
			assert_memory_equal(p.buf, want, p.len);
		}
		strbuf_release(&b);
		strbuf_release(&p);
	}
	range_seen = 0;
	assert_int_equal(
	    ledger_read_range(f->lg, 0, UINT64_MAX, LEDGER_RANGE_PAYLOADS, on_item, NULL, &f->err),
	    0);
	assert_int_equal(range_seen, f->next);
	if (ledger_verify(f->lg, f->dir, NULL, 0, &res, &f->err) < 0)
		fail_msg("verify: %s", f->err.buf);
	assert_int_equal(res.entries, f->next);
	assert_int_equal(res.sealed, (f->next + 2) / 3);
	assert_int_equal(tmpdir_remove(f->exp), 0);
	if (ledger_export(f->lg, f->dir, f->exp, &f->err) < 0)
		fail_msg("export: %s", f->err.buf);
	if (ledger_verify_offline(f->exp, NULL, 0, &res, &f->err) < 0)
		fail_msg("offline: %s", f->err.buf);
	assert_int_equal(res.entries, f->next);
}

/*
 * A commit writes its own entries, not the partial bundle again: one sealed entry appended to a
 * bundle of 250 writes 2 pages of log (its tail row, the head). Rewriting the bundle, its
 * payloads and the partial tile (as before schema/0026) wrote 23 here, and 60-80 in a busy
 * ward's door commit.
 */
static void test_commit_pages(void **state)
{
	struct fixture *f = *state;
	int pages = 0, before, most = 0;

	store_wal_watch(f->st, &pages);
	for (int i = 0; i < 250; i++)
		append(f, 1);
	for (int i = 0; i < 5; i++) {
		before = pages;
		append(f, 1);
		if (pages - before > most)
			most = pages - before;
	}
	print_message("# most pages of log for one entry at slot 250..254: %d\n", most);
	assert_true(most > 0);
	assert_true(most <= 4);
	check_all(f);
}

/* Appends of many sizes across three bundle boundaries: every read agrees, and only the partial
 * bundle is in the tail, one row per append. */
static void test_reads_across_bundles(void **state)
{
	struct fixture *f = *state;
	static const unsigned sizes[] = { 1, 7, 30, 255, 2, 256, 100, 1, 1, 60 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		append(f, sizes[i]);
		check_all(f);
		assert_int_equal(count(f, "SELECT count(*) FROM ledger_bundle"), f->next / 256);
		assert_int_equal(count(f, "SELECT coalesce(min(idx), -1) FROM ledger_tail"),
		                 f->next % 256 ? (int64_t)(f->next & ~(uint64_t)0xff) : -1);
	}
	/* 713 entries: 2 full bundles and 201 in the tail, rows of the last five appends */
	assert_int_equal(f->next, 713);
	assert_int_equal(count(f, "SELECT count(*) FROM ledger_tail"), 5);
	/* a second connection reads the same */
	{
		struct store *st2;
		struct ledger *lg2;
		struct strbuf b = STRBUF_INIT;
		assert_int_equal(store_open(f->dir, 0, &st2, &f->err), 0);
		assert_int_equal(ledger_open(st2, &lg2, &f->err), 0);
		assert_int_equal(ledger_entry_bytes(lg2, 712, &b, &f->err), 0);
		assert_non_null(memmem(b.buf, b.len, "note 712", 8));
		assert_int_equal(ledger_entry_bytes(lg2, 713, &b, &f->err), -ENOENT);
		strbuf_release(&b);
		ledger_close(lg2);
		store_close(st2);
	}
}

/* Checks the inclusion proof of index in the tree of size, read through lg, against the root
 * the writer's side computes (ledger_root_at through the fixture's ledger). */
static void proof_holds(struct fixture *f, struct ledger *lg, uint64_t index, uint64_t size)
{
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], leaf[MERKLE_HASH_SIZE];
	uint8_t root[MERKLE_HASH_SIZE];
	struct merkle_span spans[MERKLE_MAX_PROOF];
	struct merkle_hasher *h = merkle_hasher_new();
	struct strbuf b = STRBUF_INIT;
	size_t nr = 0;

	if (ledger_inclusion_proof(lg, index, size, proof, &nr, &f->err) < 0 ||
	    ledger_entry_bytes(f->lg, index, &b, &f->err) < 0 ||
	    ledger_root_at(f->lg, size, root, &f->err) < 0)
		fail_msg("proof of %llu in %llu: %s", (unsigned long long)index,
		         (unsigned long long)size, f->err.buf);
	merkle_hash_leaf(h, b.buf, b.len, leaf);
	for (size_t i = 0; i < nr; i++)
		spans[i] = merkle_span_hash(proof[i]);
	assert_int_equal(merkle_verify_inclusion(h, index, size, merkle_span_hash(leaf), spans, nr,
	                                         merkle_span_hash(root)),
	                 0);
	merkle_hasher_free(h);
	strbuf_release(&b);
}

/*
 * Proofs at the log's right edge need the partial level-0 tile, made from the tail and kept by
 * the reading connection: after more appends (and the bundle filling) its proofs still hold,
 * for old sizes and new.
 */
static void test_proofs_at_the_edge(void **state)
{
	struct fixture *f = *state;
	struct store *st2;
	struct ledger *lg2;

	assert_int_equal(store_open(f->dir, 0, &st2, &f->err), 0);
	assert_int_equal(ledger_open(st2, &lg2, &f->err), 0);
	append(f, 300);
	append(f, 3);
	for (uint64_t i = 250; i < 303; i += 13)
		proof_holds(f, lg2, i, 303);
	append(f, 40);
	for (uint64_t i = 255; i < 343; i += 11) {
		proof_holds(f, lg2, i, 343);
		if (i < 303)
			proof_holds(f, lg2, i, 303);
	}
	append(f, 200); /* bundle 1 fills: its full tile is stored */
	for (uint64_t i = 0; i < 543; i += 37) {
		proof_holds(f, lg2, i, 543);
		if (i < 343)
			proof_holds(f, lg2, i, 343);
	}
	proof_holds(f, lg2, 542, 543);
	ledger_close(lg2);
	store_close(st2);
}

/* A payload erased while its bundle is partial stays erased when later appends add to the
 * bundle and when it fills (the appends used to write the bundle's payloads from memory). */
static void test_erase_in_tail(void **state)
{
	struct fixture *f = *state;
	struct strbuf p = STRBUF_INIT;
	uint8_t salt[ENTRY_SALT_SIZE];
	uint64_t erased = 0, at = 0;
	bool gone = false;
	struct ledger_verify_result res;

	append(f, 10);
	append(f, 10);
	assert_int_equal(
	    ledger_erase_payloads(f->lg, 12, 12, 0, "tester", 5, "test", &erased, &at, &f->err), 0);
	assert_int_equal(erased, 1);
	f->next++; /* the retention entry */
	append(f, 5);
	assert_int_equal(ledger_sealed_payload(f->lg, 12, salt, &p, &gone, &f->err), 0);
	assert_true(gone);
	append(f, 256 - 26);
	assert_int_equal(count(f, "SELECT count(*) FROM ledger_tail"), 0);
	gone = false;
	assert_int_equal(ledger_sealed_payload(f->lg, 12, salt, &p, &gone, &f->err), 0);
	assert_true(gone);
	assert_int_equal(p.len, 0);
	/* the others are still there */
	assert_int_equal(ledger_sealed_payload(f->lg, 9, salt, &p, &gone, &f->err), 1);
	assert_int_equal(ledger_verify(f->lg, f->dir, NULL, 0, &res, &f->err), 0);
	assert_int_equal(res.erased, 1);
	strbuf_release(&p);
}

/* Rows of the tail that do not follow each other are damage, named. */
static void test_tail_damaged(void **state)
{
	struct fixture *f = *state;
	struct strbuf b = STRBUF_INIT;
	struct ledger_verify_result res;

	append(f, 256);
	append(f, 3);
	append(f, 4);
	append(f, 5);
	sql(f, "DELETE FROM ledger_tail WHERE idx = 259");
	assert_int_equal(ledger_entry_bytes(f->lg, 265, &b, &f->err), -EBADMSG);
	assert_non_null(strstr(f->err.buf, "bundle 1 is damaged"));
	strbuf_reset(&f->err);
	assert_true(ledger_verify(f->lg, f->dir, NULL, 0, &res, &f->err) < 0);
	assert_non_null(strstr(f->err.buf, "bundle 1 is damaged"));
	/* an append notices too, and writes nothing */
	{
		struct ledger_entry e = { .kind = ENTRY_NOTE,
			                  .time_ms = 1,
			                  .data = (const uint8_t *)"x",
			                  .data_len = 1 };
		struct ledger *lg2;
		assert_int_equal(ledger_open(f->st, &lg2, &f->err), 0);
		assert_int_equal(ledger_append(lg2, &e, 1, NULL, &f->err), -EBADMSG);
		ledger_close(lg2);
	}
	strbuf_release(&b);
}

/*
 * schema/0026 on a ward written before it: the partial bundle and its payloads as one row each
 * in ledger_bundle / ledger_sealed. Made here by putting the tail back into that layout and
 * the schema back to 25; opening the store again migrates it.
 */
static void test_migration(void **state)
{
	struct fixture *f = *state;
	struct strbuf data = STRBUF_INIT, seal = STRBUF_INIT;
	struct query *q, *ins;
	int r;

	append(f, 300);
	append(f, 7);
	append(f, 9);
	assert_int_equal(
	    query_prepare(f->st, "SELECT data, sealed FROM ledger_tail ORDER BY idx", &q, &f->err),
	    0);
	while ((r = query_step(q, &f->err)) > 0) {
		size_t len = 0;
		const void *b = query_blob(q, 0, &len);
		strbuf_add(&data, b, len);
		if (!query_is_null(q, 1)) {
			b = query_blob(q, 1, &len);
			strbuf_add(&seal, b, len);
		}
	}
	assert_int_equal(r, 0);
	/* back to schema 25: the migrations after it run again on open (each is idempotent) */
	sql(f, "DROP TABLE ledger_tail; DELETE FROM schema_version WHERE version >= 26");
	assert_int_equal(
	    query_prepare(f->st, "INSERT INTO ledger_bundle(n, data) VALUES (1, ?)", &ins, &f->err),
	    0);
	query_bind_blob(ins, 1, data.buf, data.len);
	assert_int_equal(query_run(ins, &f->err), 0);
	assert_int_equal(
	    query_prepare(f->st, "INSERT INTO ledger_sealed(n, data) VALUES (1, ?)", &ins, &f->err),
	    0);
	query_bind_blob(ins, 1, seal.buf, seal.len);
	assert_int_equal(query_run(ins, &f->err), 0);
	ledger_close(f->lg);
	store_close(f->st);

	if (store_open(f->dir, 0, &f->st, &f->err) < 0 || ledger_open(f->st, &f->lg, &f->err) < 0)
		fail_msg("reopen: %s", f->err.buf);
	assert_int_equal(count(f, "SELECT max(version) FROM schema_version"), store_migrations_nr);
	assert_int_equal(count(f, "SELECT count(*) FROM ledger_bundle"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM ledger_sealed WHERE n = 1"), 0);
	assert_int_equal(count(f, "SELECT idx FROM ledger_tail"), 256);
	check_all(f);
	append(f, 240); /* fills bundle 1 from the migrated row */
	check_all(f);
	assert_int_equal(count(f, "SELECT count(*) FROM ledger_bundle"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM ledger_tail"), 1);
	strbuf_release(&data);
	strbuf_release(&seal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads_across_bundles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proofs_at_the_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_erase_in_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
