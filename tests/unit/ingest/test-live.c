/*
 * test-live: the analysis on arrival's floor (live_floor), the ledger index below which every
 * message the writer took has been analysed: known while the oldest message still waits for
 * the disk (the follower then takes the analysed messages from the handoff instead of parsing
 * them again), and never above a message not yet analysed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "ingest/event.h"
#include "ingest/live.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "tmpdir.h"

/* A flush of the WAL that waits while its gate is closed (flushes_begun counts them). */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool flush_closed, hook_closed;
static unsigned flushes_begun, hooks_entered, hooks_done;
static uint64_t seen[512];
static unsigned wrong_source; /* messages analysed with another source than "tcp:192.0.2.7" */
/* prep_messages' messages: each one's text is "m N" at index N + 1 (texts_checked), else
 * counted in wrong_text */
static bool texts_checked;
static unsigned wrong_text;

static int gated_flush(int fd)
{
	pthread_mutex_lock(&gate_mu);
	flushes_begun++;
	pthread_cond_broadcast(&gate_cv);
	while (flush_closed)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	return fdatasync(fd);
}

/* The analysis' event hook: records the index, and waits while its gate is closed. */
static void on_event(void *ctx, const struct log_event *ev, bool replay)
{
	(void)ctx;
	(void)replay;
	pthread_mutex_lock(&gate_mu);
	hooks_entered++;
	pthread_cond_broadcast(&gate_cv);
	while (hook_closed)
		pthread_cond_wait(&gate_cv, &gate_mu);
	if (hooks_done < sizeof(seen) / sizeof(seen[0]))
		seen[hooks_done] = ev->index;
	wrong_source += strcmp(ev->source, "tcp:192.0.2.7") != 0;
	if (texts_checked) {
		char want[32];
		int n = snprintf(want, sizeof(want), "m %llu", (unsigned long long)ev->index - 1);
		wrong_text += ev->msg.msg.n != (size_t)n || memcmp(ev->msg.msg.p, want, (size_t)n);
	}
	hooks_done++;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

static void gates_reset(void)
{
	pthread_mutex_lock(&gate_mu);
	flush_closed = hook_closed = texts_checked = false;
	flushes_begun = hooks_entered = hooks_done = wrong_source = wrong_text = 0;
	pthread_mutex_unlock(&gate_mu);
}

static void set_gate(bool *gate, bool closed)
{
	pthread_mutex_lock(&gate_mu);
	*gate = closed;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

/* Waits until *counter reaches n (the threads it waits for make progress without a clock). */
static void wait_count(const unsigned *counter, unsigned n)
{
	pthread_mutex_lock(&gate_mu);
	while (*counter < n)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
}

static unsigned count_of(const unsigned *counter)
{
	unsigned n;

	pthread_mutex_lock(&gate_mu);
	n = *counter;
	pthread_mutex_unlock(&gate_mu);
	return n;
}

/* Message i from tcp:192.0.2.7 (line i + 1), its text "WORD i", written into buf. */
static struct ledger_entry message(char buf[64], unsigned i, const char *word)
{
	struct ledger_entry e = { .kind = ENTRY_INGEST,
		                  .time_ms = 1795315560000LL + i,
		                  .source = "tcp:192.0.2.7",
		                  .has_line = true,
		                  .line = i + 1 };

	snprintf(buf, 64, "<38>1 2026-11-22T02:46:00Z web01 sshd 1 - - %s %u", word, i);
	e.payload = buf;
	e.payload_len = strlen(buf);
	return e;
}

/* Submits message i as the receivers do: to the writer, then its ticket to the analysis. */
static uint64_t submit(struct tmpdir_fixture *f, struct ledger_writer *w, struct live *l,
                       unsigned i)
{
	char buf[64];
	struct ledger_entry e = message(buf, i, "message");
	uint64_t ticket;

	assert_int_equal(ledger_writer_submit(w, &e, &ticket, &f->err), 0);
	live_add(l, ticket, e.time_ms, e.source, buf, e.payload_len);
	return ticket;
}

/* One entry before the analysis starts (index 0): the messages then begin at index 1. */
static struct ledger_writer *start_writer(struct tmpdir_fixture *f)
{
	struct ledger_writer_options opt = { .flush = gated_flush };
	struct ledger_writer *w;
	struct ledger_entry e = { .kind = ENTRY_NOTE,
		                  .time_ms = 1000,
		                  .data = (const uint8_t *)"before",
		                  .data_len = 6 };
	uint64_t index;

	gates_reset();
	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	assert_int_equal(ledger_writer_append(w, &e, &index, &f->err), 0);
	assert_int_equal(index, 0);
	return w;
}

/*
 * The oldest message waiting is committed but not durable (the disk's flush does not end): the
 * analysis waits for it, and the floor is already its index. Before that fix the floor stayed
 * unknown (0) until the flush ended, so while the analysis kept up with the disk the follower
 * took nothing from the handoff and parsed what overflowed it again.
 */
static void floor_known_before_durable(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct ledger_writer *w = start_writer(f);
	struct log_hooks h = { .event = on_event };
	struct live *l;
	uint64_t t1, t2, next, index, commits;
	unsigned begun;

	assert_int_equal(live_start(w, &h, NULL, 0, &l, &f->err), 0);
	assert_int_equal(live_floor(l), UINT64_MAX); /* nothing waits */
	set_gate(&flush_closed, true);
	begun = count_of(&flushes_begun);
	commits = ledger_writer_commits(w);
	t1 = submit(f, w, l, 1);
	/* a flush begins only after a commit: t1's batch is committed, and waits in it */
	wait_count(&flushes_begun, begun + 1);
	assert_int_equal(ledger_writer_commits(w), commits + 1);
	assert_true(ledger_writer_durable(w) <= t1);
	assert_int_equal(ledger_writer_index_floor(w, t1), 1);
	assert_int_equal(live_floor(l), 1);
	/* a ticket not committed yet: the end of the last commit, where it lands or later */
	next = ledger_writer_next_ticket(w);
	assert_int_equal(ledger_writer_index_floor(w, next), 2);
	t2 = submit(f, w, l, 2);
	assert_int_equal(t2, next);
	/* committed or not (it may wait for the flush), t1 is the oldest not analysed */
	assert_int_equal(live_floor(l), 1);
	assert_int_equal(count_of(&hooks_entered), 0); /* analysed only once durable */
	set_gate(&flush_closed, false);
	assert_int_equal(ledger_writer_wait(w, t2, &index, &f->err), 0);
	assert_int_equal(index, 2);
	wait_count(&hooks_done, 2);
	/* next_done moves just after the hook: ask until it has */
	for (int i = 0; i < 10000 && live_floor(l) != UINT64_MAX; i++)
		nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
	assert_int_equal(live_floor(l), UINT64_MAX);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 2);
	live_stop(l);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
}

/*
 * Every message durable and committed, the analysis held inside the first one: the floor is
 * that message's index, not the end of what is committed; as the analysis goes on it follows
 * the oldest message not analysed, never above it (300 messages cross a bundle's end, where
 * the writer cuts its batch).
 */
static void floor_never_above_unanalysed(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct ledger_writer *w = start_writer(f);
	struct log_hooks h = { .event = on_event };
	const unsigned n = 300;
	struct live *l;
	uint64_t first = 0, last = 0, index;

	set_gate(&hook_closed, true);
	assert_int_equal(live_start(w, &h, NULL, 0, &l, &f->err), 0);
	for (unsigned i = 0; i < n; i++) {
		last = submit(f, w, l, i);
		if (i == 0)
			first = last;
	}
	assert_int_equal(ledger_writer_wait(w, last, &index, &f->err), 0);
	assert_int_equal(index, n);
	wait_count(&hooks_entered, 1);
	assert_int_equal(ledger_writer_index_floor(w, first), 1);
	assert_int_equal(ledger_writer_index_floor(w, last), n);
	assert_int_equal(live_floor(l), 1);
	set_gate(&hook_closed, false);
	/*
	 * While it goes on: every message below the floor was analysed when it was asked (done
	 * after the call), and the floor is known, at least where the analysis was before the
	 * call (message i is at index i + 1; the last one analysed may not be counted yet).
	 */
	for (;;) {
		unsigned before = count_of(&hooks_done);
		uint64_t floor = live_floor(l);
		unsigned after = count_of(&hooks_done);
		if (floor == UINT64_MAX)
			break;
		assert_true(floor - 1 <= after);
		assert_true(floor >= 1 && floor >= before);
	}
	assert_int_equal(count_of(&hooks_done), n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(seen[i], i + 1);
	live_stop(l);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
}

/* Adds n messages to lp as a receiver's submission (from tcp:192.0.2.7, lines 1 to n). */
static void prep_messages(struct tmpdir_fixture *f, struct ledger_prep *lp, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		char buf[64];
		struct ledger_entry e = message(buf, i, "m");
		assert_int_equal(ledger_prep_add(lp, &e, &f->err), 0);
	}
}

/*
 * One submission of more messages than a queue holds (as the receivers hand them over,
 * live_add_prep, under one lock, in runs as long as the queue takes): it waits for the
 * analysis to take the full queue and goes on in the other, where its source is added again.
 * Each message is analysed once, with its source and its own text, and no queue held more
 * than LIVE_QUEUE_MAX (the analysis took both full ones: the most it took is that).
 */
static void prep_spans_queues(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct ledger_writer *w = start_writer(f);
	struct log_hooks h = { .event = on_event };
	struct ledger_prep *lp = ledger_prep_new();
	const unsigned n = 2 * LIVE_QUEUE_MAX + 1000; /* both queues full, and more */
	struct live *l;
	uint64_t first, index;

	assert_int_equal(live_start(w, &h, NULL, 0, &l, &f->err), 0);
	prep_messages(f, lp, n);
	set_gate(&texts_checked, true);
	assert_int_equal(ledger_writer_submit_prep(w, lp, &first, &f->err), 0);
	live_add_prep(l, first, 1795315560000LL, "tcp:192.0.2.7", lp, n);
	assert_int_equal(ledger_writer_wait(w, first + n - 1, &index, &f->err), 0);
	wait_count(&hooks_done, n);
	assert_int_equal(count_of(&wrong_source), 0);
	assert_int_equal(count_of(&wrong_text), 0);
	assert_int_equal(live_most_queued(l), LIVE_QUEUE_MAX);
	for (unsigned i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		assert_int_equal(seen[i], i + 1);
	live_stop(l);
	ledger_prep_free(lp);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
}

/* The follower's wake (live_next.wake): counted. */
static unsigned wakes;

static void count_wake(void *ctx, uint64_t first_index, uint64_t n)
{
	(void)ctx;
	(void)first_index;
	(void)n;
	pthread_mutex_lock(&gate_mu);
	wakes++;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

/*
 * A steady stream, a message every 2 ms (far fewer than a block's 4,096): the follower is
 * woken while it flows, within WAKE_MS (20 ms) of the first message analysed since the last
 * wake, not only once it stops; and again for what came after. Before, the 20 ms counted from
 * the last queue, so a stream faster than 50 messages a second woke it only at 4,096 (the
 * follower then ran on its own 1-s timer).
 */
static void woken_while_streaming(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct ledger_writer *w = start_writer(f);
	struct log_hooks h = { .event = on_event };
	struct live_next next = { .wake = count_wake };
	struct live *l;
	unsigned sent = 0, before;

	pthread_mutex_lock(&gate_mu);
	wakes = 0;
	pthread_mutex_unlock(&gate_mu);
	assert_int_equal(live_start(w, &h, &next, 0, &l, &f->err), 0);
	/* (bounded: 2,000 messages, 4 s on an idle machine; woken after a few) */
	while (count_of(&wakes) == 0 && sent < 2000) {
		submit(f, w, l, sent++);
		nanosleep(&(struct timespec){ 0, 2000000L }, NULL);
	}
	assert_true(count_of(&wakes) >= 1);
	assert_true(sent < 2000);
	/* what came after the wake is woken for too, the stream stopped (live still running) */
	before = count_of(&wakes);
	submit(f, w, l, sent++);
	wait_count(&wakes, before + 1);
	wait_count(&hooks_done, sent);
	live_stop(l);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(floor_known_before_durable, tmpdir_setup_store,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(floor_never_above_unanalysed, tmpdir_setup_store,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(prep_spans_queues, tmpdir_setup_store,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(woken_while_streaming, tmpdir_setup_store,
		                                tmpdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
