/* test-door-ckpt: a long-running door (DOOR_CHECKPOINTER) checkpoints its write-ahead log on a
 * thread of its own: its commits no longer checkpoint, and the log still starts afresh while
 * readers never all pause (the web's GETs). */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

#include "door-threads.h"

#include "core/act-internal.h"

/* Readers on two connections of their own, one always inside a read transaction. */
struct readers {
	char path[128];
	atomic_bool stop;
	atomic_long rounds;
};

static void *readers_main(void *arg)
{
	struct readers *rd = arg;
	sqlite3 *db[2] = { NULL, NULL };

	for (int i = 0; i < 2; i++)
		if (sqlite3_open_v2(rd->path, &db[i], SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
			return NULL;
	sqlite3_exec(db[0], "BEGIN; SELECT count(*) FROM records", NULL, NULL, NULL);
	for (int i = 1; !atomic_load(&rd->stop); i ^= 1) {
		/* the other one begins before this one ends: the log always has a reader */
		sqlite3_exec(db[i], "BEGIN; SELECT count(*) FROM records", NULL, NULL, NULL);
		usleep(300);
		sqlite3_exec(db[i ^ 1], "COMMIT", NULL, NULL, NULL);
		atomic_fetch_add(&rd->rounds, 1);
	}
	for (int i = 0; i < 2; i++) {
		sqlite3_exec(db[i], "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db[i]);
	}
	return NULL;
}

static int64_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static void add_asset(struct fixture *f, int i)
{
	char title[64];
	struct act_attr fields[] = { { "title", title }, { "access_controlled", "true" } };
	struct act_input in = { .kind = ACT_RECORD, .actor = "sato", .register_id = "asset" };

	snprintf(title, sizeof(title), "課税台帳 %d", i);
	in.fields = fields;
	in.n_fields = 2;
	in.level = "2";
	in.section = "zeimu";
	assert_int_equal(fx_act(f, &in, NULL), ACT_DONE);
}

static void add_people(struct fixture *f)
{
	fx_section(f, "zeimu", "税務課");
	fx_user(f, "sato", "zeimu");
}

/* The log's size in pages after the last commit, as the door's connection reports it. */
static int wal_pages(struct fixture *f)
{
	return f->d->wal_pages;
}

/*
 * 1,500 acts with a reader always in the log: the door's commits report the log's size (its
 * own checkpoints are off) and the log starts afresh again and again, so neither the pages
 * reported nor the file grow with the acts (the acts write ~100 MiB of log in all).
 */
static void test_log_kept_small(void **state)
{
	struct fixture *f = *state;
	struct readers rd = { 0 };
	char wal[160];
	pthread_t t;
	int max_pages = 0, restarts = 0, last = 0;

	door_free(f->d);
	assert_int_equal(door_open(f->dir, DOOR_CHECKPOINTER, &f->d, &f->err), 0);
	add_people(f);
	snprintf(rd.path, sizeof(rd.path), "%s/%s", f->dir, STORE_DB_NAME);
	snprintf(wal, sizeof(wal), "%s-wal", rd.path);
	assert_int_equal(pthread_create(&t, NULL, readers_main, &rd), 0);
	for (int i = 0; i < 1500; i++) {
		add_asset(f, i);
		if (wal_pages(f) > max_pages)
			max_pages = wal_pages(f);
		if (wal_pages(f) < last)
			restarts++;
		last = wal_pages(f);
	}
	atomic_store(&rd.stop, true);
	pthread_join(t, NULL);
	print_message("# max_pages %d restarts %d wal %lld rounds %ld\n", max_pages, restarts,
	              (long long)file_size(wal), atomic_load(&rd.rounds));
	assert_true(atomic_load(&rd.rounds) > 100);
	/* the commits report the log's size: SQLite's own checkpoints are off */
	assert_true(max_pages > 1000);
	/* restarted past 4,096 pages (plus what the acts wrote during the passive copy before) */
	assert_true(restarts >= 2);
	assert_true(max_pages < 12288);
	assert_true(file_size(wal) < (int64_t)12288 * (4096 + 24));
}

/* ---- door_lead before the queue (the checkpointer's restart) ------------------------------ */

#define QUEUED 8

struct race {
	struct thread_act acts[QUEUED];
	atomic_int done_at_lead; /* acts returned when the door_lead thread got the lead */
	struct door *d;
};

static void *lead_main(void *arg)
{
	struct race *rc = arg;

	door_lead(rc->d);
	atomic_store(&rc->done_at_lead, thread_acts_finished(rc->acts, QUEUED));
	door_unlead(rc->d);
	return NULL;
}

static bool lead_asked(const struct door *d, size_t n)
{
	return d->lead_asked == n;
}

/*
 * A thread that asks for the lead (the checkpointer, to restart the log) gets it before the
 * acts queued meanwhile: under constant acts it waited behind batch after batch (up to 2 s
 * at load 25), while the log grew past the size it meant to restart at.
 */
static void test_lead_before_the_queue(void **state)
{
	struct fixture *f = *state;
	struct race rc = { 0 };
	pthread_t acts[QUEUED], leader;

	door_free(f->d);
	assert_int_equal(door_open(f->dir, DOOR_CHECKPOINTER, &f->d, &f->err), 0);
	add_people(f);
	rc.d = f->d;
	atomic_store(&rc.done_at_lead, -1);
	door_lead(f->d);
	thread_acts_start(rc.acts, acts, QUEUED, f->d, "課税台帳", 0);
	door_wait_queued(f->d, QUEUED);
	assert_int_equal(pthread_create(&leader, NULL, lead_main, &rc), 0);
	door_wait_for(f->d, lead_asked, 1, "threads asking for the lead");
	door_unlead(f->d);
	pthread_join(leader, NULL);
	thread_acts_join_done(rc.acts, acts, QUEUED, time_mono_ns() + DOOR_WAIT_NS);
	assert_int_equal(atomic_load(&rc.done_at_lead), 0);
}

/* Without the flag (the CLI, one act and gone) SQLite checkpoints as before. */
static void test_without_flag(void **state)
{
	struct fixture *f = *state;

	add_people(f);
	for (int i = 0; i < 20; i++)
		add_asset(f, i);
	assert_int_equal(wal_pages(f), 0);
	assert_null(f->d->ckpt);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_log_kept_small),
		T(test_without_flag),
		T(test_lead_before_the_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
