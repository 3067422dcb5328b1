/* test-writer-restart: the ledger writer restarts its WAL only right after a fresh round of the
 * checkpointer (the whole WAL copied, then the database file synced), so that the restart, on
 * the acknowledgements' path, copies and syncs only what was committed meanwhile (writer.c,
 * CKPT_RESTART_PAGES; the test's restart size is small through opt.restart_pages). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
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
#include "tmpdir.h"

static int setup(void **state)
{
	struct tmpdir_fixture *f;
	struct store *st = NULL;
	struct ledger *lg = NULL;

	if (tmpdir_setup(state) < 0)
		return -1;
	f = *state;
	/* the tables, made once by a connection of its own */
	if (tmpdir_store(f->dir, 0, &st, &f->err) < 0)
		return -1;
	if (ledger_open(st, &lg, &f->err) < 0 || ledger_init_keys(f->dir, "ward", &f->err) < 0) {
		fprintf(stderr, "setup: %s\n", f->err.buf);
		return -1;
	}
	ledger_close(lg);
	store_close(st);
	return 0;
}

/* Appends n 2 KiB notes from number *next on, then waits until the last is durable. */
static void append_some(struct tmpdir_fixture *f, struct ledger_writer *w, uint64_t *next, int n)
{
	static char buf[2048];
	uint64_t ticket = 0, idx = 0;

	memset(buf, 'r', sizeof(buf));
	for (int i = 0; i < n; i++, (*next)++) {
		struct ledger_entry e = { .kind = ENTRY_NOTE,
			                  .time_ms = (int64_t)*next,
			                  .data = (const uint8_t *)buf,
			                  .data_len = sizeof(buf) };
		assert_int_equal(ledger_writer_submit(w, &e, &ticket, &f->err), 0);
	}
	assert_int_equal(ledger_writer_wait(w, ticket, &idx, &f->err), 0);
	assert_int_equal(idx, *next - 1);
}

/*
 * Waits (at most 60 s) until the writer's request for a fresh round, if one is out, is
 * answered. Between two chunks of appends nothing is committed, so the round's answer comes
 * before the WAL can grow to twice the restart size, past which the writer restarts without
 * it: on a loaded machine the checkpointer's copy and sync could otherwise lag the appends
 * every time, and the test would count no fresh restart although the writer waits as it
 * should. A writer that does not wait for the round still restarts without it, and fails.
 */
static void wait_round(struct ledger_writer *w)
{
	const struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < 60000; i++) {
		bool asked;

		pthread_mutex_lock(&w->mu);
		asked = w->fresh_asked;
		pthread_mutex_unlock(&w->mu);
		if (!asked)
			return;
		nanosleep(&ms, NULL);
	}
}

/*
 * Under constant appends past a restart size of 256 pages (~1 MiB, ~400 such entries), the
 * WAL is restarted, and right after a fresh round (a bounded number of appends until one such
 * restart happened); every restart went through, every entry is acknowledged in order and in
 * the ledger, and the WAL stays near the restart size instead of growing with the appends.
 */
static void test_restart_after_fresh_round(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct ledger_writer_options opt = { .max_entries = 100,
		                             .max_delay_us = 200,
		                             .restart_pages = 256 };
	struct ledger_writer *w;
	struct store *st;
	struct ledger *lg;
	uint64_t n = 0, all = 0, fresh = 0, size;
	uint8_t root[32];
	struct stat sb;
	char wal[128];

	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	/* each restart takes ~400 entries: 40,000 are ample for two; at least 4,000, whose
	 * ~2,000 pages a WAL never restarted would hold */
	while ((fresh < 2 || n < 4000) && n < 40000) {
		append_some(f, w, &n, 200);
		wait_round(w);
		ledger_writer_restarts(w, &all, &fresh);
	}
	assert_true(fresh >= 2);
	assert_true(all >= fresh);
	assert_int_equal(ledger_writer_durable(w), n);
	/* restarted: the WAL file was reused from its start, so it is smaller than the half page
	 * per 2 KiB entry that a WAL never restarted would hold (looked at while the writer runs:
	 * its last connection's close removes the file) */
	snprintf(wal, sizeof(wal), "%s/mamori.db-wal", f->dir);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true((uint64_t)sb.st_size / 4096 < n / 2);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	assert_int_equal(store_open(f->dir, 0, &st, &f->err), 0);
	assert_int_equal(ledger_open(st, &lg, &f->err), 0);
	assert_int_equal(ledger_head(lg, &size, root, &f->err), 0);
	assert_int_equal(size, n);
	ledger_close(lg);
	store_close(st);
}

/* Without the test's option the restart size is the default's: a short run never restarts. */
static void test_default_restart_size(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct ledger_writer_options opt = { .max_entries = 100, .max_delay_us = 200 };
	struct ledger_writer *w;
	uint64_t n = 0, all = 1, fresh = 1;

	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	append_some(f, w, &n, 1000);
	ledger_writer_restarts(w, &all, &fresh);
	assert_int_equal(all, 0);
	assert_int_equal(fresh, 0);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_restart_after_fresh_round, setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_default_restart_size, setup, tmpdir_teardown),
	};
	return cmocka_run_group_tests_name("ledger-writer-restart", tests, NULL, NULL);
}
