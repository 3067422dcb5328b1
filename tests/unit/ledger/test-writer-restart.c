/* test-writer-restart: the ledger writer restarts its WAL once it has passed its restart size
 * (writer-restart.c, CKPT_RESTART_PAGES; the test's restart size is small through
 * opt.restart_pages, and the checkpointer's thresholds scale with it, so its copies and syncs run
 * beside the restarts), so the WAL file stays near that size instead of growing with the appends.
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
#include <sys/stat.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "base/timeutil.h"
#include "ledger/ledger.h"
#include "ledger/writer-internal.h"
#include "store/sqlite.h"
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

/* Appends n notes of len bytes (at most 2 KiB) from number *next on, then waits until the last
 * is durable. */
static void append_sized(struct tmpdir_fixture *f, struct ledger_writer *w, uint64_t *next, int n,
                         size_t len)
{
	static char buf[2048];
	uint64_t ticket = 0, idx = 0;

	memset(buf, 'r', sizeof(buf));
	for (int i = 0; i < n; i++, (*next)++) {
		struct ledger_entry e = { .kind = ENTRY_NOTE,
			                  .time_ms = (int64_t)*next,
			                  .data = (const uint8_t *)buf,
			                  .data_len = len };
		assert_int_equal(ledger_writer_submit(w, &e, &ticket, &f->err), 0);
	}
	assert_int_equal(ledger_writer_wait(w, ticket, &idx, &f->err), 0);
	assert_int_equal(idx, *next - 1);
}

/* The checkpoint sequence in a WAL file's header: how many times SQLite restarted it. */
static uint32_t wal_restarts_said(const char *path)
{
	uint8_t h[32];
	FILE *fp = fopen(path, "rb");

	assert_non_null(fp);
	assert_int_equal(fread(h, 1, sizeof(h), fp), sizeof(h));
	fclose(fp);
	/* the magic, 0x377f0682 or 0x377f0683 */
	assert_int_equal((uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 |
	                     (h[3] & 0xfe),
	                 0x377f0682);
	return (uint32_t)h[12] << 24 | (uint32_t)h[13] << 16 | (uint32_t)h[14] << 8 | h[15];
}

/* Appends n 2 KiB notes. */
static void append_some(struct tmpdir_fixture *f, struct ledger_writer *w, uint64_t *next, int n)
{
	append_sized(f, w, next, n, 2048);
}

/*
 * Under constant appends past a restart size of 256 pages (~1 MiB, ~400 such entries), the
 * WAL is restarted (a bounded number of appends until two restarts happened) while the
 * checkpointer is asked for copies (past 32 pages, every 4; whether a restart meets one under
 * way is timing, and not asserted); every entry is acknowledged in order and in the ledger, which
 * verifies, and the WAL stays near the restart size instead of growing with the appends.
 */
static void test_restart(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct ledger_writer_options opt = { .max_entries = 100,
		                             .max_delay_us = 200,
		                             .restart_pages = 256 };
	struct ledger_writer *w;
	struct store *st;
	struct ledger *lg;
	uint64_t n = 0, size;
	uint8_t root[32];
	struct stat sb;
	char wal[128];

	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	/* each restart takes ~400 entries: 40,000 are ample for two; at least 4,000, whose
	 * ~2,000 pages a WAL never restarted would hold */
	while ((ledger_writer_restarts(w) < 2 || n < 4000) && n < 40000)
		append_some(f, w, &n, 200);
	assert_true(ledger_writer_restarts(w) >= 2);
	assert_true(ledger_writer_rounds_asked(w) >= 2);
	assert_int_equal(ledger_writer_durable(w), n);
	/* restarted: the WAL file was reused from its start, which SQLite counts in the file's
	 * header (its checkpoint sequence, bytes 12-15, big-endian, one more at each restart) when
	 * it writes the first frame after a restart (looked at while the writer runs: its last
	 * connection's close removes the file). Not its size: a checkpointer thread starved while
	 * holding the checkpoint lock makes every restart meanwhile busy, and the WAL grows with
	 * the appends until it runs again (a loaded landing check saw it pass n / 2 pages). */
	snprintf(wal, sizeof(wal), "%s/mamori.db-wal", f->dir);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(wal_restarts_said(wal) >= 2);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
	assert_int_equal(store_open(f->dir, 0, &st, &f->err), 0);
	assert_int_equal(ledger_open(st, &lg, &f->err), 0);
	assert_int_equal(ledger_head(lg, &size, root, &f->err), 0);
	assert_int_equal(size, n);
	assert_int_equal(ledger_verify(lg, f->dir, NULL, 0, NULL, &f->err), 0);
	ledger_close(lg);
	store_close(st);
}

/*
 * A reader in an old snapshot (a `ledger verify`, an export) keeps the WAL from restarting: the
 * writer's restart waits for it at most CKPT_RESTART_WAIT_MS and then backs off, not the store's
 * 5 s busy timeout: with such a reader open, 2,000 appends past the restart size are made (within
 * a bounded 20 s), no restart goes through, no restart tried took 2.5 s (one waiting the 5 s
 * did before), at most one back-off per 100 ms began; after the reader ends the WAL starts
 * afresh (the writer's restart or SQLite's own reset, within bounded appends).
 */
static void test_restart_beside_old_reader(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct ledger_writer_options opt = { .max_entries = 100,
		                             .max_delay_us = 200,
		                             .restart_pages = 256 };
	struct ledger_writer *w;
	struct store *rd;
	sqlite3_stmt *s;
	uint64_t n = 0, resets;
	int64_t t0;

	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	append_some(f, w, &n, 200);
	/* a read transaction whose snapshot stays at this point */
	assert_int_equal(store_open(f->dir, 0, &rd, &f->err), 0);
	assert_int_equal(store_exec(rd, "BEGIN", &f->err), 0);
	s = store_prepare(rd, "SELECT size FROM ledger_head", &f->err);
	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	sqlite3_reset(s);
	t0 = time_mono_ns();
	while (n < 2200 && time_mono_ns() - t0 < 20 * 1000000000LL)
		append_some(f, w, &n, 100);
	assert_true(n >= 2200);
	assert_int_equal(ledger_writer_restarts(w), 0);
	pthread_mutex_lock(&w->mu);
	assert_true(w->restarts_busy >= 1);
	assert_true(w->restart_longest_ns < 2500 * 1000000LL);
	/* a retry at every commit would have waited behind the reader each time: at most one
	 * back-off per CKPT_RESTART_BACKOFF_MS (load only lowers the count) */
	assert_true(w->restart_backoffs >= 1);
	assert_true(w->restart_backoffs <= (uint64_t)((time_mono_ns() - t0) / 100000000) + 2);
	resets = w->wal_resets;
	pthread_mutex_unlock(&w->mu);
	assert_int_equal(store_exec(rd, "COMMIT", &f->err), 0);
	store_close(rd);
	/* the WAL starts afresh once the reader is gone: by the writer's restart after its
	 * back-off, or by SQLite at a write once the checkpointer has copied it all (bounded) */
	for (int i = 0; i < 400; i++) {
		bool fresh;

		append_some(f, w, &n, 100);
		pthread_mutex_lock(&w->mu);
		fresh = w->wal_resets > resets;
		pthread_mutex_unlock(&w->mu);
		if (fresh)
			break;
	}
	pthread_mutex_lock(&w->mu);
	assert_true(w->wal_resets > resets);
	pthread_mutex_unlock(&w->mu);
	assert_int_equal(ledger_writer_durable(w), n);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
}

/*
 * Past the restart size the restart waits while the checkpointer's copy is under way or has left
 * more than CKPT_RESTART_LEFT (it would otherwise copy, on the acknowledgements' path, everything
 * committed meanwhile): with the checkpointer held as it takes a copy (counted as under way,
 * before it copies: it holds no lock of SQLite's, so a restart would go through), appends pass
 * the restart size (256 pages) and no restart is made; once it is let go, the WAL starts afresh
 * within bounded appends (the writer's restart, or SQLite's own reset after a copy that caught
 * up), and every entry is kept.
 */
static void test_restart_waits_for_copy(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct ledger_writer_options opt = { .max_entries = 20,
		                             .max_delay_us = 200,
		                             .restart_pages = 256 };
	struct ledger_writer *w;
	uint64_t n = 0, waited = 0, restarts, resets;
	bool fresh = false;

	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	pthread_mutex_lock(&w->mu);
	w->ckpt_hold = true;
	pthread_mutex_unlock(&w->mu);
	/* 20 entries of 200 bytes at a time (a few pages; the commit that fills a bundle writes
	 * ~20 more), so that the WAL is seen between its restart size and the quarter more past
	 * which the restart no longer waits (64 pages) */
	while (waited == 0 && n < 5000) {
		append_sized(f, w, &n, 20, 200);
		pthread_mutex_lock(&w->mu);
		waited = w->restarts_waited;
		restarts = w->restarts;
		pthread_mutex_unlock(&w->mu);
	}
	assert_true(waited >= 1);
	assert_int_equal(restarts, 0);
	pthread_mutex_lock(&w->mu);
	resets = w->wal_resets;
	w->ckpt_hold = false;
	pthread_cond_broadcast(&w->ckpt_cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < 500 && !fresh; i++) {
		append_sized(f, w, &n, 20, 200);
		pthread_mutex_lock(&w->mu);
		fresh = w->wal_resets > resets;
		pthread_mutex_unlock(&w->mu);
	}
	assert_true(fresh);
	assert_int_equal(ledger_writer_durable(w), n);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
}

/* Without the test's option the restart size is the default's: a short run never restarts. */
static void test_default_restart_size(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct ledger_writer_options opt = { .max_entries = 100, .max_delay_us = 200 };
	struct ledger_writer *w;
	uint64_t n = 0;

	assert_int_equal(ledger_writer_start(f->dir, &opt, &w, &f->err), 0);
	append_some(f, w, &n, 1000);
	assert_int_equal(ledger_writer_restarts(w), 0);
	assert_int_equal(ledger_writer_stop(w, &f->err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_restart, setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_restart_beside_old_reader, setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_restart_waits_for_copy, setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_default_restart_size, setup, tmpdir_teardown),
	};
	return cmocka_run_group_tests_name("ledger-writer-restart", tests, NULL, NULL);
}
