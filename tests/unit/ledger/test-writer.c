/* test-writer: the ledger's group-commit writer: many submitters, prepared chunks, failed commits
 * and flushes, lingering behind a flush, bundle ends, the checkpointer's presync. */
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

/*
 * A writer asked for larger batches (linger_min, linger_entries: the log ingest's) keeps
 * entries waiting behind a flush until linger_min of them, not 64, and commits linger_entries
 * at once without waiting for it. Values past a batch's size are cut to it.
 */
static void test_writer_linger_options(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer *w;
	struct ledger_writer_options opt = { .flush = gated_flush,
		                             .linger_min = 512,
		                             .linger_entries = 1024 };
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
	/* 300 entries, more than the default's 64, fewer than 512: they wait for the flush */
	submit_n(w, f, 2, 300, &last);
	nanosleep(&(struct timespec){ 0, 30 * 1000000L }, NULL);
	assert_int_equal(ledger_writer_commits(w), commits + 1);
	/* 1,024 and more waiting: committed while the flush still runs */
	submit_n(w, f, 302, 800, &last);
	for (int i = 0; i < 5000 && ledger_writer_commits(w) < commits + 2; i++)
		nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
	assert_true(ledger_writer_commits(w) >= commits + 2);
	assert_true(ledger_writer_durable(w) < last);
	gate_set(false);
	assert_int_equal(ledger_writer_wait(w, last, &index, &f->err), 0);
	assert_int_equal(index, 1101);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	check_head(f);
	/* past a batch's size they are cut to it, linger_min to linger_entries */
	opt = (struct ledger_writer_options){ .max_entries = 100,
		                              .linger_min = (size_t)1 << 62,
		                              .linger_entries = (size_t)1 << 62 };
	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	assert_int_equal(w->opt.linger_entries, 100);
	assert_int_equal(w->opt.linger_min, 100);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
}

/* Sets the rate the writer lingers on, as if its last batch was taken ago_ns before now. */
static void rate_set(struct ledger_writer *w, int64_t ns_per_entry, int64_t ago_ns)
{
	pthread_mutex_lock(&w->mu);
	w->ns_per_entry = ns_per_entry;
	w->last_take_ns = time_mono_ns() - ago_ns;
	pthread_mutex_unlock(&w->mu);
}

/*
 * The rate a writer lingers on is the last batches': an entry that comes after a pause (longer
 * than max_delay_us) is committed at once, not kept until the deadline for the linger_min
 * entries the stream before it would have brought (review-pace LOW 6: up to 10 ms for the log
 * ingest's first entry after a stream); one that comes right after a take, as in a stream,
 * still waits for them.
 */
static void test_writer_linger_after_pause(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer *w;
	struct ledger_writer_options opt = { .linger_min = 1024,
		                             .linger_entries = 4096,
		                             .max_delay_us = 2000000 };
	uint64_t last, commits, index;
	struct ledger_entry e;
	int64_t t0;
	char buf[48];

	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	note_entry(&e, buf, sizeof(buf), 0);
	assert_int_equal(ledger_writer_append(w, &e, &index, &f->err), 0);
	expect(f, &e);
	/* a stream of an entry every 3 us, whose last batch was taken 3 s ago (past the 2 s) */
	rate_set(w, 3000, 3000 * 1000000LL);
	t0 = time_mono_ns();
	submit_n(w, f, 1, 1, &last);
	assert_int_equal(ledger_writer_wait(w, last, &index, &f->err), 0);
	assert_true(time_mono_ns() - t0 < 1000 * 1000000LL);
	/* one every 100 us, taken just now: the entry waits (here up to 2 s) */
	rate_set(w, 100000, 0);
	commits = ledger_writer_commits(w);
	submit_n(w, f, 2, 1, &last);
	nanosleep(&(struct timespec){ 0, 200 * 1000000L }, NULL);
	assert_int_equal(ledger_writer_commits(w), commits);
	assert_int_equal(ledger_writer_wait(w, last, &index, &f->err), 0);
	assert_int_equal(index, 2);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	check_head(f);
}

/*
 * A submission short of linger_min wakes a writer lingering on a rate once that rate no longer
 * brings linger_min by the deadline (a stream that slowed in mid-batch): with linger_min 1,024,
 * a 4-s deadline and an entry every 2 ms learnt just now, a second entry 2.3 s after the first
 * has both committed at once, not at the deadline (review-pace s42 LOW 1: such a submission
 * did not wake it). A rate too slow for linger_min entries' time to be held in 64 bits commits
 * at once (LOW 2: the product overflowed, which UBSan reports), and the rate kept after a take
 * is at most the deadline's.
 */
static void test_writer_linger_times(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer *w;
	struct ledger_writer_options opt = { .linger_min = 1024,
		                             .linger_entries = 4096,
		                             .max_delay_us = 4000000 };
	uint64_t last, commits, index;
	struct ledger_entry e;
	int64_t t0, per;
	char buf[48];

	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	note_entry(&e, buf, sizeof(buf), 0);
	assert_int_equal(ledger_writer_append(w, &e, &index, &f->err), 0);
	expect(f, &e);
	rate_set(w, 2000000, 0); /* 1,024 by the deadline until ~1.95 s */
	commits = ledger_writer_commits(w);
	submit_n(w, f, 1, 1, &last);
	nanosleep(&(struct timespec){ 2, 300 * 1000000L }, NULL);
	assert_int_equal(ledger_writer_commits(w), commits); /* (no wake: the deadline's 4 s) */
	t0 = time_mono_ns();
	submit_n(w, f, 2, 1, &last);
	assert_int_equal(ledger_writer_wait(w, last, &index, &f->err), 0);
	assert_true(time_mono_ns() - t0 < 1000 * 1000000LL);
	rate_set(w, INT64_MAX / 512, 0);
	t0 = time_mono_ns();
	submit_n(w, f, 3, 1, &last);
	assert_int_equal(ledger_writer_wait(w, last, &index, &f->err), 0);
	assert_true(time_mono_ns() - t0 < 1000 * 1000000LL);
	pthread_mutex_lock(&w->mu);
	per = w->ns_per_entry;
	pthread_mutex_unlock(&w->mu);
	assert_true(per > 0 && per <= 4000000 * 1000LL);
	assert_int_equal(index, 3);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	check_head(f);
}

/* Submits n notes from..from+n-1 at once (ledger_writer_submit_prep), as a receiver does. */
static void prep_notes(struct ledger_writer *w, struct fixture *f, unsigned from, unsigned n,
                       uint64_t *ret_last)
{
	struct ledger_prep *lp = ledger_prep_new();
	uint64_t first;

	for (unsigned i = from; i < from + n; i++) {
		char buf[48];
		struct ledger_entry e;
		note_entry(&e, buf, sizeof(buf), i);
		assert_int_equal(ledger_prep_add(lp, &e, &f->err), 0);
		expect(f, &e);
	}
	assert_int_equal(ledger_writer_submit_prep(w, lp, &first, &f->err), 0);
	*ret_last = first + n - 1;
	ledger_prep_free(lp);
}

static uint64_t linger_waits(struct ledger_writer *w)
{
	uint64_t n;

	pthread_mutex_lock(&w->mu);
	n = w->linger_waits;
	pthread_mutex_unlock(&w->mu);
	return n;
}

/*
 * A lingering writer is woken by a submission only when the batch reaches a size it waits for
 * (linger_min here, behind a flush), not by each of the submissions short of it: ten of five
 * entries behind a flush that does not end leave it asleep (each woke it before: a receiver
 * submits every ~250 messages of a stream), the one that reaches 64 has them committed.
 */
static void test_writer_prep_wakes(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer *w;
	struct ledger_writer_options opt = { .flush = gated_flush };
	uint64_t last, commits, waits, index;
	struct ledger_entry e;
	char buf[48];

	flush_in = 0;
	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	note_entry(&e, buf, sizeof(buf), 0);
	assert_int_equal(ledger_writer_append(w, &e, &index, &f->err), 0);
	expect(f, &e);
	gate_set(true);
	commits = ledger_writer_commits(w);
	submit_n(w, f, 1, 1, &last);
	gate_wait_flushes(2);
	assert_int_equal(ledger_writer_commits(w), commits + 1);
	prep_notes(w, f, 2, 5, &last); /* wakes the idle writer, which lingers behind the flush */
	nanosleep(&(struct timespec){ 0, 20 * 1000000L }, NULL);
	waits = linger_waits(w);
	for (unsigned i = 0; i < 9; i++) { /* (apart: a woken writer waits again between) */
		prep_notes(w, f, 7 + 5 * i, 5, &last);
		nanosleep(&(struct timespec){ 0, 5 * 1000000L }, NULL);
	}
	nanosleep(&(struct timespec){ 0, 20 * 1000000L }, NULL);
	assert_true(linger_waits(w) - waits <= 1); /* (a spurious wake) */
	assert_int_equal(ledger_writer_commits(w), commits + 1);
	prep_notes(w, f, 52, 20, &last); /* 70: past linger_min */
	for (int i = 0; i < 5000 && ledger_writer_commits(w) < commits + 2; i++)
		nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
	assert_int_equal(ledger_writer_commits(w), commits + 2);
	gate_set(false);
	assert_int_equal(ledger_writer_wait(w, last, &index, &f->err), 0);
	assert_int_equal(index, 71);
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
static void test_prep_add_many(void **state)
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
static void test_writer_asks_rounds_by_growth(void **state)
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

/* n collected messages of len bytes of buf into lp. */
static void prep_n(struct ledger_prep *lp, int n, const char *buf, size_t len)
{
	struct strbuf err = STRBUF_INIT;

	for (int i = 0; i < n; i++) {
		struct ledger_entry e = { .kind = ENTRY_INGEST,
			                  .time_ms = i,
			                  .source = "idle",
			                  .has_line = true,
			                  .line = (uint64_t)i,
			                  .payload = buf,
			                  .payload_len = len };
		assert_int_equal(ledger_prep_add(lp, &e, &err), 0);
	}
	strbuf_release(&err);
}

/* What the writer's ledger's pre-hash buffers keep (ledger_pre_kept after its last commit or
 * free). */
static size_t pre_kept(struct ledger_writer *w)
{
	size_t n;

	pthread_mutex_lock(&w->mu);
	n = w->lg_kept;
	pthread_mutex_unlock(&w->mu);
	return n;
}

/* A writer after one submission of 3 MiB (3,000 entries of 1,024 bytes): one batch held it,
 * and its buffers stay (as its spare). */
struct burst {
	struct ledger_writer *w;
	struct ledger_prep *lp;
	char buf[1024];
};

static void burst_start(struct fixture *f, struct ledger_writer_options *opt, struct burst *b)
{
	uint64_t first = 0;

	b->lp = ledger_prep_new();
	assert_int_equal(ledger_writer_start(f->dir, opt, &b->w, &f->err), 0);
	memset(b->buf, 'i', sizeof(b->buf));
	prep_n(b->lp, 3000, b->buf, 1024);
	assert_int_equal(ledger_writer_submit_prep(b->w, b->lp, &first, &f->err), 0);
	assert_int_equal(ledger_writer_wait(b->w, first + 2999, NULL, &f->err), 0);
	assert_true(ledger_writer_kept(b->w) > 3000 * 1024);
	/* (its first commit, all but at most 255 entries, to a bundle end: a node hashed ahead and
	 * a leaf's pointer, 40 bytes, for nearly each) */
	assert_true(pre_kept(b->w) >= 2700 * 40);
}

/* n more entries of 100 bytes, durable when it returns. */
static void burst_more(struct fixture *f, struct burst *b, unsigned n)
{
	uint64_t first = 0;

	ledger_prep_reset(b->lp);
	prep_n(b->lp, n, b->buf, 100);
	assert_int_equal(ledger_writer_submit_prep(b->w, b->lp, &first, &f->err), 0);
	assert_int_equal(ledger_writer_wait(b->w, first + n - 1, NULL, &f->err), 0);
}

/* Stops the writer: the ledger holds the burst and `more` entries after it, and verifies. */
static void burst_end(struct fixture *f, struct burst *b, uint64_t more)
{
	uint64_t size;
	uint8_t root[32];

	assert_int_equal(ledger_writer_stop(b->w, &f->err), 0);
	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, 3000 + more);
	assert_int_equal(ledger_verify(f->lg, f->dir, NULL, 0, NULL, &f->err), 0);
	ledger_prep_free(b->lp);
}

/*
 * A burst grows the writer's batches to megabytes; idle for opt.idle_ms, it frees them (past
 * WRITER_KEEP_BYTES), and takes the next entries as before. The idle time is set long while the
 * burst's memory is looked at, then short, so nothing here depends on timing but a bound of
 * 60 s.
 */
static void test_writer_frees_when_idle(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer_options opt = { .idle_ms = 600000 };
	struct burst b;
	int waited = 0;

	burst_start(f, &opt, &b);
	pthread_mutex_lock(&b.w->mu);
	b.w->opt.idle_ms = 20;
	pthread_cond_signal(&b.w->work); /* (its wait began with the long time) */
	pthread_mutex_unlock(&b.w->mu);
	while (ledger_writer_kept(b.w) > WRITER_KEEP_BYTES && waited++ < 6000)
		nanosleep(&(struct timespec){ 0, 10 * 1000000L }, NULL);
	/* everything freed at once, the ledger's pre-hash buffers too (review-pace N1) */
	assert_int_equal(ledger_writer_kept(b.w), 0);
	burst_more(f, &b, 10); /* and it goes on */
	burst_end(f, &b, 10);
}

/*
 * After a burst, a trickle that never leaves the writer idle for opt.idle_ms (an entry, its
 * commit, 5 ms, the next; idle_ms 300): the burst's buffers are freed all the same, after a
 * commit once no batch of more than a quarter of WRITER_KEEP_BYTES was committed for idle_ms
 * (review-pace L1: they were kept until the trickle stopped). Bounded by 60 s; the entries all
 * go in.
 */
static void test_writer_frees_under_trickle(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer_options opt = { .idle_ms = 600000 };
	struct burst b;
	unsigned sent = 0;

	/* (idle_ms long while the burst's memory is looked at: a slow flush and a test thread off
	 * its core for 300 ms would let the idle free come first, review-ack-api2 K4; the first
	 * entry of the trickle wakes the writer's long wait) */
	burst_start(f, &opt, &b);
	pthread_mutex_lock(&b.w->mu);
	b.w->opt.idle_ms = 300;
	pthread_mutex_unlock(&b.w->mu);
	/* (each entry committed before kept is asked: it counts every batch but one being freed) */
	while (ledger_writer_kept(b.w) > WRITER_KEEP_BYTES && sent < 12000) {
		burst_more(f, &b, 1);
		sent++;
		nanosleep(&(struct timespec){ 0, 5 * 1000000L }, NULL);
	}
	assert_true(ledger_writer_kept(b.w) <= WRITER_KEEP_BYTES);
	/* with the burst's batch, the ledger's pre-hash buffers (no commit since) */
	assert_int_equal(pre_kept(b.w), 0);
	burst_end(f, &b, sent);
}

/*
 * A steady stream of batches whose content is under WRITER_KEEP_BYTES but whose buffers keep
 * more (2,000 entries of 300 bytes: about 0.8 MiB, kept past 1 MiB by the doublings): they are
 * not freed and grown again at every commit (review-mends L1: judged by content against
 * WRITER_KEEP_BYTES itself, no batch counted as large, so each was freed once idle_ms had
 * passed since the last large one: here, none since the writer started, which counts as
 * idle_ms ago whatever the host's uptime: review-train2 L1). idle_ms is long, so the idle free
 * plays no part.
 */
static void test_writer_keeps_steady(void **state)
{
	struct fixture *f = *state;
	struct ledger_writer_options opt = { .idle_ms = 600000 };
	struct ledger_prep *lp = ledger_prep_new();
	struct ledger_writer *w;
	char buf[300];
	uint64_t first = 0;

	memset(buf, 's', sizeof(buf));
	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	for (int i = 0; i < 6; i++) {
		ledger_prep_reset(lp);
		prep_n(lp, 2000, buf, sizeof(buf));
		assert_int_equal(ledger_writer_submit_prep(w, lp, &first, &f->err), 0);
		assert_int_equal(ledger_writer_wait(w, first + 1999, NULL, &f->err), 0);
		/* (committed: kept counts the batch it was in) */
		assert_true(ledger_writer_kept(w) > WRITER_KEEP_BYTES);
	}
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	assert_int_equal(ledger_verify(f->lg, f->dir, NULL, 0, NULL, &f->err), 0);
	ledger_prep_free(lp);
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

static void test_batch_rows_same(void **state)
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
