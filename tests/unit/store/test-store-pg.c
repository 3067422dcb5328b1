/*
 * test-store-pg: the store on a real PostgreSQL (tests/unit/store/run-pg.sh starts a
 * throwaway cluster and passes its URL in MAMORI_TEST_PG_URL): the schema matches SQLite's
 * table by table, the query API's binds and rows, transactions, and the ledger on PostgreSQL
 * gives the same tree as on SQLite and stays one sequence with two writers at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/bitset.h"
#include "base/cleanup.h"
#include "base/strbuf.h"
#include "core/guard.h"
#include "ledger/entry.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "store/query.h"
#include "store/store.h"

struct fixture {
	const char *url;
	char dir[64];  /* a data directory naming the PostgreSQL store */
	char sdir[64]; /* an SQLite data directory, for comparisons */
	struct store *st;
	struct strbuf err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct strbuf cmd = STRBUF_INIT;
	FILE *conf;
	int r;

	strbuf_init(&f->err, 0);
	*state = f;
	f->url = getenv("MAMORI_TEST_PG_URL");
	if (!f->url)
		return 0;
	snprintf(f->dir, sizeof(f->dir), "/tmp/mamori-pgtest-XXXXXX");
	snprintf(f->sdir, sizeof(f->sdir), "/tmp/mamori-pgtest-XXXXXX");
	if (!mkdtemp(f->dir) || !mkdtemp(f->sdir))
		return -1;
	/* every test starts from an empty database */
	strbuf_addf(&cmd,
	            "psql -X -q -v ON_ERROR_STOP=1 '%s' -c 'DROP SCHEMA public CASCADE' "
	            "-c 'CREATE SCHEMA public' >/dev/null 2>&1",
	            f->url);
	r = system(cmd.buf);
	strbuf_release(&cmd);
	if (r != 0)
		return -1;
	if (store_create_url(f->url, &f->st, &f->err) < 0) {
		fprintf(stderr, "store_create_url: %s\n", f->err.buf);
		return -1;
	}
	strbuf_addf(&cmd, "%s/mamori.conf", f->dir);
	conf = fopen(cmd.buf, "w");
	strbuf_release(&cmd);
	if (!conf)
		return -1;
	fprintf(conf, "[store]\nurl = \"%s\"\n", f->url);
	return fclose(conf) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[256];

	store_close(f->st);
	if (f->url) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", f->dir, f->sdir);
		if (system(cmd) != 0)
			return -1;
	}
	strbuf_release(&f->err);
	free(f);
	return 0;
}

#define NEED_PG(f)                                                                                 \
	do {                                                                                       \
		if (!(f)->url)                                                                     \
			skip();                                                                    \
	} while (0)

/* Table -> sorted column names, one "table.column" line each, as each store lists them. */
static void columns(struct store *st, struct strbuf *out)
{
	struct query *q;
	int r;

	if (store_dialect(st) == STORE_POSTGRESQL)
		r = query_prepare(
		    st,
		    "SELECT table_name || '.' || column_name FROM "
		    "information_schema.columns WHERE table_schema = current_schema() "
		    "AND table_name <> 'records_text' ORDER BY 1",
		    &q, NULL);
	else
		r = query_prepare(
		    st,
		    "SELECT m.name || '.' || c.name FROM sqlite_master m, "
		    "pragma_table_info(m.name) c WHERE m.type = 'table' AND m.name NOT "
		    "LIKE 'sqlite_%' AND m.name NOT LIKE 'records_text%' ORDER BY 1",
		    &q, NULL);
	assert_int_equal(r, 0);
	while ((r = query_step(q, NULL)) > 0)
		strbuf_addf(out, "%s\n", query_text(q, 0));
	assert_int_equal(r, 0);
}

static void test_schema_matches_sqlite(void **state)
{
	struct fixture *f = *state;
	struct strbuf pg = STRBUF_INIT, lite = STRBUF_INIT;
	struct store *sl;

	NEED_PG(f);
	assert_int_equal(store_dialect(f->st), STORE_POSTGRESQL);
	assert_int_equal(store_schema_version(f->st), store_migrations_pg_nr);
	assert_int_equal(store_migrations_pg_nr, store_migrations_nr);
	assert_true(store_server_version(f->st) >= 150000);
	assert_null(strstr(store_location(f->st), "password"));
	assert_int_equal(store_open(f->sdir, STORE_CREATE, &sl, &f->err), 0);
	columns(f->st, &pg);
	columns(sl, &lite);
	assert_true(pg.len > 1000);
	assert_string_equal(pg.buf, lite.buf);
	store_close(sl);
	strbuf_release(&pg);
	strbuf_release(&lite);
}

static void test_open_by_directory(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;

	NEED_PG(f);
	/* a command that does not work on PostgreSQL yet refuses, saying so */
	assert_int_equal(store_open(f->dir, 0, &st, &f->err), -ENOTSUP);
	assert_non_null(strstr(f->err.buf, "does not work on PostgreSQL yet"));
	assert_int_equal(store_open(f->dir, STORE_ANY_BACKEND, &st, &f->err), 0);
	assert_int_equal(store_dialect(st), STORE_POSTGRESQL);
	assert_int_equal(store_schema_version(st), store_migrations_pg_nr);
	store_close(st);
	/* a second ward in the same database is refused */
	assert_int_equal(store_create_url(f->url, &st, &f->err), -EEXIST);
	assert_int_equal(store_url_check("postgresql://u:secret@h/db", &f->err), -EINVAL);
	assert_int_equal(store_url_check("mysql://h/db", &f->err), -EINVAL);
}

static void test_query_api(void **state)
{
	struct fixture *f = *state;
	uint8_t all[256];
	struct query *q;
	const void *b;
	size_t len;
	int64_t v;
	char *s;

	NEED_PG(f);
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	assert_int_equal(store_exec(f->st,
	                            "CREATE TABLE t(id BIGINT GENERATED BY DEFAULT AS IDENTITY "
	                            "PRIMARY KEY, name TEXT UNIQUE, n BIGINT, x DOUBLE PRECISION, "
	                            "b BYTEA)",
	                            &f->err),
	                 0);
	assert_int_equal(
	    query_prepare(f->st, "INSERT INTO t(name, n, x, b) VALUES (?, ?, ?, ?)", &q, &f->err),
	    0);
	query_bind_text(q, 1, "佐藤 '花子' ?");
	query_bind_int(q, 2, INT64_MIN + 1);
	query_bind_double(q, 3, 0.1);
	query_bind_blob(q, 4, all, sizeof(all));
	assert_int_equal(query_run(q, &f->err), 0);
	assert_int_equal(query_changes(f->st), 1);
	assert_int_equal(query_last_id(f->st), 1);
	query_bind_textn(q, 1, "abcdef", 3);
	query_bind_null(q, 2);
	query_bind_int_or_null(q, 3, 0);
	query_bind_blob(q, 4, "", 0);
	assert_int_equal(query_run(q, &f->err), 0);
	assert_int_equal(query_last_id(f->st), 2);
	/* a UNIQUE violation is -EEXIST; text with a NUL byte is refused, not cut short */
	query_bind_text(q, 1, "abc");
	assert_int_equal(query_run(q, &f->err), -EEXIST);
	query_bind_textn(q, 1, "a\0b", 3);
	assert_int_equal(query_run(q, &f->err), -EINVAL);
	/* numbered placeholders, and a '?' inside a string literal stays text */
	assert_int_equal(query_prepare(f->st,
	                               "SELECT name, n, x, b, '?' FROM t WHERE id = ?2 OR n = ?1 "
	                               "ORDER BY id",
	                               &q, &f->err),
	                 0);
	query_bind_int(q, 1, 42);
	query_bind_int(q, 2, 1);
	assert_int_equal(query_step(q, &f->err), 1);
	assert_int_equal(query_columns(q), 5);
	assert_string_equal(query_text(q, 0), "佐藤 '花子' ?");
	assert_true(query_int(q, 1) == INT64_MIN + 1);
	assert_true(query_double(q, 2) == 0.1);
	b = query_blob(q, 3, &len);
	assert_int_equal(len, 256);
	assert_memory_equal(b, all, 256);
	assert_string_equal(query_text(q, 4), "?");
	assert_int_equal(query_step(q, &f->err), 0);
	/* NULLs and the empty blob */
	assert_int_equal(
	    query_prepare(f->st, "SELECT name, n, x, b FROM t WHERE id = 2", &q, &f->err), 0);
	assert_int_equal(query_step(q, &f->err), 1);
	assert_string_equal(query_text(q, 0), "abc");
	assert_true(query_is_null(q, 1));
	assert_null(query_text(q, 1));
	assert_true(query_is_null(q, 2));
	assert_false(query_is_null(q, 3));
	(void)query_blob(q, 3, &len);
	assert_int_equal(len, 0);
	query_done(q);
	assert_int_equal(query_prepare(f->st, "SELECT count(*) FROM t", &q, &f->err), 0);
	assert_int_equal(query_one_int(q, &v, &f->err), 0);
	assert_int_equal(v, 2);
	assert_int_equal(query_prepare(f->st, "SELECT name FROM t WHERE id = ?", &q, &f->err), 0);
	query_bind_int(q, 1, 9);
	assert_int_equal(query_one_text(q, &s, &f->err), -ENOENT);
	query_bind_int(q, 1, 99); /* an index the statement does not have */
	query_bind_int(q, 2, 1);
	assert_int_equal(query_step(q, &f->err), -EINVAL);
	/* SQL PostgreSQL refuses is an error with its message, not a crash */
	assert_true(query_prepare(f->st, "SELEC 1", &q, &f->err) < 0);
	assert_non_null(strstr(f->err.buf, "syntax error"));
}

static void test_transactions(void **state)
{
	struct fixture *f = *state;
	struct query *q;
	int64_t v;

	NEED_PG(f);
	assert_int_equal(store_begin(f->st, &f->err), 0);
	assert_int_equal(
	    store_exec(f->st, "INSERT INTO meta(key, value) VALUES ('a', '1')", &f->err), 0);
	assert_int_equal(store_begin(f->st, &f->err), 0); /* a savepoint */
	assert_int_equal(
	    store_exec(f->st, "INSERT INTO meta(key, value) VALUES ('b', '2')", &f->err), 0);
	store_rollback(f->st);
	assert_int_equal(store_txn_depth(f->st), 1);
	assert_int_equal(store_commit(f->st, &f->err), 0);
	assert_int_equal(store_txn_depth(f->st), 0);
	assert_int_equal(query_prepare(f->st, "SELECT string_agg(key, ',') FROM meta", &q, &f->err),
	                 0);
	assert_int_equal(query_step(q, &f->err), 1);
	assert_string_equal(query_text(q, 0), "a");
	query_done(q);
	/* a failed statement inside a savepoint is undone with it, and the outer level goes on */
	assert_int_equal(store_begin(f->st, &f->err), 0);
	assert_int_equal(store_begin(f->st, &f->err), 0);
	assert_int_equal(
	    store_exec(f->st, "INSERT INTO meta(key, value) VALUES ('a', 'x')", &f->err), -EEXIST);
	store_rollback(f->st);
	assert_int_equal(
	    store_exec(f->st, "INSERT INTO meta(key, value) VALUES ('c', '3')", &f->err), 0);
	assert_int_equal(store_commit(f->st, &f->err), 0);
	assert_int_equal(query_prepare(f->st, "SELECT count(*) FROM meta", &q, &f->err), 0);
	assert_int_equal(query_one_int(q, &v, &f->err), 0);
	assert_int_equal(v, 2);
	/* the ledger's lock only inside a transaction */
	assert_int_equal(store_lock_xact(f->st, STORE_LOCK_LEDGER, &f->err), -EINVAL);
}

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

	/* one byte changed in bundle BUNDLE_PAGE + 1: the second page */
	{
		struct query *q;
		assert_int_equal(query_prepare(f->st,
		                               "UPDATE ledger_bundle SET data = "
		                               "overlay(data placing '\\x58'::bytea from 40) "
		                               "WHERE n = ?",
		                               &q, &f->err),
		                 0);
		query_bind_int(q, 1, BUNDLE_PAGE + 1);
		assert_int_equal(query_step(q, &f->err), 0);
	}
	strbuf_reset(&f->err);
	assert_true(ledger_verify(lg, f->dir, NULL, 0, &res, &f->err) < 0);
	strbuf_addf(&out, "%" PRIu64, (uint64_t)(BUNDLE_PAGE + 1) * 256);
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

/* The text of a one-row, one-column query (owned), or fails the test. */
static char *one_text(struct store *st, const char *sql, struct strbuf *err)
{
	struct query *q;
	char *v = NULL;

	assert_int_equal(query_prepare(st, sql, &q, err), 0);
	if (query_one_text(q, &v, err) < 0)
		fail_msg("%s: %s", sql, err->buf);
	return v;
}

/* SQLite's functions that Mamori's SQL uses give the same answers on PostgreSQL. */
static void test_sqlite_functions(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *sql, *want;
	} cases[] = {
		{ "SELECT json_extract('{\"a\":\"x\",\"n\":3}', '$.a')", "x" },
		{ "SELECT json_extract('{\"a\":\"x\",\"n\":3}', '$.n')", "3" },
		{ "SELECT json_extract('{\"a b\":true}', '$.\"a b\"')", "1" },
		{ "SELECT coalesce(json_extract('{\"a\":null}', '$.a'), 'null')", "null" },
		{ "SELECT coalesce(json_extract('{}', '$.a'), 'none')", "none" },
		{ "SELECT json_extract('{\"a\":[1,{\"b\":\"y\"}]}', '$.a[1].b')", "y" },
		{ "SELECT group_concat(value, ' ') FROM json_each('[\"MIN-1\",\"MIN-2\"]')",
		  "MIN-1 MIN-2" },
		{ "SELECT group_concat(key || '=' || value, ',') FROM json_each('{\"k\":\"v\"}')",
		  "k=v" },
		{ "SELECT instr('abcabc', 'ca')::text", "3" },
		{ "SELECT max(2, 5)::text || min(2, 5)::text", "52" },
		/* LIKE ignores ASCII case as SQLite's does (it is sent as ILIKE); a word that
		 * merely contains LIKE is left alone */
		{ "SELECT ('Zeimu-ABC' LIKE '%abc')::text", "true" },
		{ "SELECT ('a_b' LIKE 'a\\_%' ESCAPE '\\')::text", "true" },
		{ "SELECT count(*)::text FROM (SELECT 1 AS likes) AS t WHERE likes = 1", "1" },
	};
	struct bitset set = BITSET_INIT;
	struct query *q;
	int64_t n = 0;

	NEED_PG(f);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *v = one_text(f->st, cases[i].sql, &f->err);
		if (!v || strcmp(v, cases[i].want))
			fail_msg("%s gave '%s', want '%s'", cases[i].sql, v ? v : "(null)",
			         cases[i].want);
		free(v);
	}
	/* a set of ids made in C, bound for mamori_in_set */
	bitset_put(&set, 0, true);
	bitset_put(&set, 9, true);
	bitset_put(&set, 200, true);
	assert_int_equal(query_prepare(f->st,
	                               "SELECT count(*) FROM generate_series(0, 300) g(id) "
	                               "WHERE mamori_in_set(?, id)",
	                               &q, &f->err),
	                 0);
	query_bind_bitset(q, 1, &set);
	assert_int_equal(query_one_int(q, &n, &f->err), 0);
	assert_int_equal(n, 3);
	bitset_release(&set);
	/* no set (a reader who sees every record binds none) and a truth value for `? OR` */
	assert_int_equal(
	    query_prepare(f->st,
	                  "SELECT count(*) FROM generate_series(0, 300) g(id) "
	                  "WHERE (? IS NULL OR id < 10) AND (? OR mamori_in_set(?, id))",
	                  &q, &f->err),
	    0);
	query_bind_null(q, 1);
	query_bind_bool(q, 2, true);
	query_bind_bitset(q, 3, NULL);
	assert_int_equal(query_one_int(q, &n, &f->err), 0);
	assert_int_equal(n, 301);
	query_bind_null(q, 1);
	query_bind_bool(q, 2, false);
	query_bind_bitset(q, 3, NULL);
	assert_int_equal(query_one_int(q, &n, &f->err), 0);
	assert_int_equal(n, 0);
	/* a parameter whose type only its binding tells ("? IS NULL"), inside a transaction */
	assert_int_equal(store_begin(f->st, &f->err), 0);
	assert_int_equal(query_prepare(f->st,
	                               "SELECT count(*) FROM meta WHERE (? IS NULL OR key = ?)", &q,
	                               &f->err),
	                 0);
	query_bind_null(q, 1);
	query_bind_null(q, 2);
	assert_int_equal(query_one_int(q, &n, &f->err), 0);
	assert_int_equal(store_commit(f->st, &f->err), 0);
}

/* The door's guard on PostgreSQL: a trigger per domain table, open only inside the door. */
static void test_guard_triggers(void **state)
{
	struct fixture *f = *state;
	struct guard g = { 0 };
	struct strbuf e2 = STRBUF_INIT;

	NEED_PG(f);
	assert_int_equal(guard_install(f->st, &g, &f->err), 0);
	/* outside the door: refused, naming the table */
	assert_true(store_exec(f->st,
	                       "INSERT INTO sections(id, name, created_ms) VALUES ('s', 'x', 0)",
	                       &e2) < 0);
	assert_non_null(strstr(e2.buf, "only the door writes sections"));
	/* inside: allowed, and closed again by guard_leave */
	assert_int_equal(store_begin(f->st, &f->err), 0);
	guard_enter(&g);
	assert_int_equal(
	    store_exec(f->st, "INSERT INTO sections(id, name, created_ms) VALUES ('s', 'x', 0)",
	               &f->err),
	    0);
	guard_leave(&g);
	strbuf_reset(&e2);
	assert_true(store_exec(f->st, "DELETE FROM sections", &e2) < 0);
	store_rollback(f->st);
	assert_int_equal(store_begin(f->st, &f->err), 0);
	guard_enter(&g);
	assert_int_equal(
	    store_exec(f->st, "INSERT INTO sections(id, name, created_ms) VALUES ('t', 'y', 0)",
	               &f->err),
	    0);
	guard_leave(&g);
	assert_int_equal(store_commit(f->st, &f->err), 0);
	/* the door's setting does not outlive its transaction */
	strbuf_reset(&e2);
	assert_true(store_exec(f->st, "UPDATE sections SET name = 'z'", &e2) < 0);
	/* every domain table has its trigger; a second install finds them */
	assert_int_equal(guard_install(f->st, &g, &f->err), 0);
	{
		char *v = one_text(f->st,
		                   "SELECT count(*)::text FROM pg_catalog.pg_trigger "
		                   "WHERE tgname = 'mamori_door_guard'",
		                   &f->err);
		size_t want = 0;
		while (guard_domain_table(g.hooks.tables[want]))
			want++;
		assert_int_equal(strtol(v, NULL, 10), (long)want);
		free(v);
	}
	guard_uninstall(f->st);
	strbuf_release(&e2);
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
		cmocka_unit_test_setup_teardown(test_schema_matches_sqlite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_by_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_api, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_same_as_sqlite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_two_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_export_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sqlite_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_triggers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
