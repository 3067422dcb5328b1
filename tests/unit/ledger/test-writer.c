/* test-writer: the ledger's group-commit writer: many submitters, prepared chunks, failed commits
 * and flushes; with test-writer-linger.c (lingering behind a flush), test-writer-batch.c (bundle
 * ends, the checkpointer's presync, the rows a batch stores) and test-writer-memory.c (what the
 * writer keeps between bursts), one test program (ledger-writer). */
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

/*
 * The payload of producer id's entry k: 20 to 169 bytes. Producers other than 0 give it as a
 * head and the rest (ledger_prep_add_head), cut at every place in turn: heads joined with the
 * salt for hashing (up to 64 bytes), longer ones hashed as a third piece, and every 11th all
 * head.
 */
static size_t prepared_text(int id, unsigned k, char buf[176], size_t *ret_cut)
{
	size_t len = 20 + k % 150;
	int n = snprintf(buf, 176, "producer %d entry %u ", id, k);

	for (size_t i = (size_t)n; i < len; i++)
		buf[i] = (char)('a' + i % 26);
	buf[len] = '\0';
	*ret_cut = !id ? 0 : k % 11 == 5 ? len : (k * 7) % (len + 1);
	return len;
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
			char buf[176];
			struct ledger_entry e = { .kind = ENTRY_INGEST,
				                  .time_ms = i + k,
				                  .source = "tcp:192.0.2.7",
				                  .has_line = true,
				                  .line = i + k + 1 };
			size_t len, cut, want = prepared_text(p->id, i + k, buf, &cut);
			/* (a whole head: the rest is NULL, no payload of its own) */
			e.payload = cut < want ? buf + cut : NULL;
			e.payload_len = want - cut;
			if ((cut ? ledger_prep_add_head(lp, &e, buf, cut, &err)
			         : ledger_prep_add(lp, &e, &err)) != 0)
				abort();
			/* the payload as the writer will seal it, for the analysis */
			if (ledger_prep_count(lp) != k + 1 ||
			    memcmp(ledger_prep_payload(lp, k, &len), buf, want) != 0 || len != want)
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
	/* The same indexes by runs, each within one batch (a batch takes at most one chunk of 100
	 * when it holds more than max_entries). */
	for (unsigned i = 0, k; i < p->n; i += k) {
		uint64_t index, run;
		if (ledger_writer_wait_run(p->w, tickets[i], &index, &run, &err) != 0 ||
		    index != p->indexes[i] || run == 0 || run > 100)
			abort();
		for (k = 1; k < run && i + k < p->n && tickets[i + k] == tickets[i] + k; k++)
			if (p->indexes[i + k] != index + k)
				abort();
	}
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
 * its sealed payload (given whole or as a head and the rest: ledger_verify checks each seal
 * against the payload stored), and the writer finds each ticket's index among many small
 * batches.
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
			char want[176];
			size_t cut, want_len = prepared_text(i, k, want, &cut);
			/* a chunk of 100 lands in one run of indexes */
			if (k % 100)
				assert_int_equal(p[i].indexes[k], p[i].indexes[k - 1] + 1);
			assert_int_equal(ledger_sealed_payload(f->lg, p[i].indexes[k], salt, &b,
			                                       &erased, &f->err),
			                 1);
			assert_false(erased);
			assert_int_equal(b.len, want_len);
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
	uint64_t t1, t2, t3, index, size, run;
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
	/*
	 * A run (the analysis' one lock per batch) ends with its batch: the ticket before t1
	 * (index 3) and t3 (index 4) are durable with consecutive indexes, yet t1 and t2 between
	 * them were refused, so neither run reaches past itself.
	 */
	assert_int_equal(ledger_writer_wait_run(w, t1 - 1, &index, &run, &f->err), 0);
	assert_int_equal(index, 3);
	assert_int_equal(run, 1);
	assert_int_not_equal(ledger_writer_wait_run(w, t1, &index, &run, &f->err), 0);
	assert_int_equal(index, UINT64_MAX);
	assert_int_equal(run, 0);
	strbuf_reset(&f->err);
	assert_int_equal(ledger_writer_wait_run(w, t3, &index, &run, &f->err), 0);
	assert_int_equal(index, 4);
	assert_int_equal(run, 1);
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

static int flush_fails;       /* the next flushes of the WAL that fail */
static int flush_errno = EIO; /* what they say (0: nothing) */

static int flaky_flush(int fd)
{
	if (__atomic_load_n(&flush_fails, __ATOMIC_ACQUIRE) > 0) {
		__atomic_sub_fetch(&flush_fails, 1, __ATOMIC_ACQ_REL);
		errno = __atomic_load_n(&flush_errno, __ATOMIC_ACQUIRE);
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
	/* a flush that fails without saying why (errno 0) is refused all the same, as EIO */
	strbuf_reset(&f->err);
	__atomic_store_n(&flush_errno, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&flush_fails, 1, __ATOMIC_RELEASE);
	assert_int_equal(ledger_writer_submit(w, &e, &t1, &f->err), 0);
	assert_int_equal(ledger_writer_wait(w, t1, &index, &f->err), -EIO);
	__atomic_store_n(&flush_errno, EIO, __ATOMIC_RELEASE);
	expect(f, &e);
	strbuf_reset(&f->err);
	assert_int_equal(ledger_writer_submit(w, &e, &t2, &f->err), 0);
	assert_int_equal(ledger_writer_wait(w, t2, &index, &f->err), 0);
	assert_int_equal(index, 6);
	expect(f, &e);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, 7);
	check_head(f);
	assert_int_equal(ledger_verify(f->lg, f->dir, NULL, 0, &res, &f->err), 0);
	assert_int_equal(res.entries, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit_prepared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_flush_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_linger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_linger_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_linger_after_pause, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_prep_wakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_linger_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_commits_to_bundle_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prep_add_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_syncs_database_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_asks_rounds_by_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_frees_when_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_frees_under_trickle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_keeps_steady, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_rows_same, setup, teardown),
	};
	return cmocka_run_group_tests_name("ledger-writer", tests, NULL, NULL);
}
