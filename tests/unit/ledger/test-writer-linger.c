/* test-writer-linger: the ledger writer lingering behind a flush of the WAL (a gate that holds
 * flushes), its options, its rate after a pause, its times, and what wakes it (part of
 * ledger-writer: test-writer.c). */
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
void test_writer_linger(void **state)
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
void test_writer_linger_options(void **state)
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
void test_writer_linger_after_pause(void **state)
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
void test_writer_linger_times(void **state)
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
void test_writer_prep_wakes(void **state)
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
