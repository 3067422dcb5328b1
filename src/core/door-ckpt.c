/* door-ckpt: a long-running door's write-ahead log, checkpointed off its commits
 * (DOOR_CHECKPOINTER: mamori serve). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/act-internal.h"
#include "store/store.h"

/*
 * SQLite's autocheckpoint runs inside the commit that takes the log past 1,000 pages: it
 * copies the whole log into the database file and syncs it while every act of that batch
 * waits (API acts at 32 clients: commits of 40-100 ms, the p99). Instead the door's
 * connection only reports the log's size after each commit (store_wal_watch) and a thread
 * of its own, on its own connection, copies the log past DOOR_CKPT_PAGES (passive: it never
 * blocks a commit).
 *
 * The log's file starts afresh only when a commit begins while all of it is in the database
 * and no reader reads from it; under constant acts the passive copy is always a commit
 * behind, so the file would grow until web/serve-keep.c cuts it (a truncating checkpoint
 * that holds the door up to 100 ms). So past DOOR_RESTART_PAGES the thread takes the door
 * between two batches, copies the few pages committed since its passive copy and waits at
 * most DOOR_RESTART_WAIT_MS for the readers still in the log; the next commit then starts it
 * afresh. That is a short copy and one sync of the database file, once every few MiB.
 *
 * SQLite syncs the database file only at the end of a checkpoint that copied the whole log:
 * under constant commits the passive copies never do, so that sync fell to the restart and
 * wrote every page they had copied (up to 16 MiB) while the door waited: 0.2-51 ms, once per
 * ~1,400 API acts, the acts' p99. So the thread syncs the file first (store_db_sync) and
 * copies passively once more, outside the door; inside it the restart has only a few
 * batches' pages to copy and sync.
 */
#define DOOR_CKPT_PAGES      1000
#define DOOR_RESTART_PAGES   4096
#define DOOR_RESTART_WAIT_MS 10
/* After a restart that readers prevented, the next try waits this long (ms). */
#define DOOR_RESTART_BACKOFF_MS 100

/*
 * A copy into the database file or a sync of it that failed stops the door for good
 * (door_failed), as it stops the ledger writer (ledger/writer-restart.c): Linux reports a failed
 * writeback once per open file description, so a sync tried again could succeed with the
 * pages lost, and the restart after it would reset the log that still holds them. Nothing
 * more is acknowledged, neither the thread nor the door's connection checkpoints again (not
 * when they close either), and the next start recovers from the log.
 */
#define DOOR_DB_FAILED                                                                             \
	"the disk did not confirm a write of the database file; nothing more is acknowledged "     \
	"until Mamori is restarted"

struct door_ckpt {
	struct store *st; /* the thread's own connection */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool wanted, stop;
	int pages;        /* the log's size after the last commit the door reported */
	int64_t retry_ms; /* no restart before this (monotonic ms) */
};

/* A checkpoint's result: done, or stopped by a reader or a commit (busy), is no failure. */
static bool ckpt_failed(int r)
{
	return r < 0 && r != -EBUSY;
}

/* One round after a commit that left pages in the log; false: the database file failed. */
static bool ckpt_round(struct door *d, struct door_ckpt *k, int pages)
{
	int64_t now;
	int r;

	/* busy (readers in the way, commits meanwhile): the next commit asks again */
	if (ckpt_failed(store_checkpoint(k->st, STORE_CHECKPOINT_PASSIVE)))
		return false;
	now = time_mono_ns() / 1000000;
	if (pages < DOOR_RESTART_PAGES || now < k->retry_ms)
		return true;
	/* The database file's sync outside the door, then a copy of what was committed
	 * meanwhile: inside, the restart copies and syncs only that. door_lead comes before the
	 * next batch (door-batch.c). */
	if (store_db_sync(k->st) < 0 ||
	    ckpt_failed(store_checkpoint(k->st, STORE_CHECKPOINT_PASSIVE)))
		return false;
	door_lead(d);
	r = store_checkpoint_wait(k->st, STORE_CHECKPOINT_RESTART, DOOR_RESTART_WAIT_MS);
	door_unlead(d);
	if (ckpt_failed(r))
		return false;
	k->retry_ms = r == 0 ? 0 : now + DOOR_RESTART_BACKOFF_MS;
	return true;
}

static void *ckpt_main(void *arg)
{
	struct door *d = arg;
	struct door_ckpt *k = d->ckpt;
	bool ok = true;

	pthread_setname_np(pthread_self(), "mamori-doorckpt");
	pthread_mutex_lock(&k->mu);
	for (;;) {
		int pages;

		while ((!k->wanted || !ok) && !k->stop)
			pthread_cond_wait(&k->cv, &k->mu);
		if (k->stop)
			break;
		k->wanted = false;
		pages = k->pages;
		pthread_mutex_unlock(&k->mu);
		ok = ckpt_round(d, k, pages);
		if (!ok) {
			store_no_checkpoint_on_close(k->st);
			atomic_store(&d->failed, -EIO);
		}
		pthread_mutex_lock(&k->mu);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

int door_failed(struct door *d, struct strbuf *why)
{
	int r = d ? atomic_load(&d->failed) : 0;

	if (r)
		error_set(why, DOOR_DB_FAILED);
	return r;
}

int door_ckpt_start(struct door *d, struct strbuf *err)
{
	struct door_ckpt *k;
	int r;

	if (store_dialect(d->st) != STORE_SQLITE)
		return 0; /* PostgreSQL checkpoints its own log */
	k = xcalloc(1, sizeof(*k));
	/* STORE_BATCH_IO: a checkpoint reads the log 96 KiB at a time, not a call per frame;
	 * database writes and syncs pass through (store/sqlite-batch.c) */
	r = store_open(d->dir, STORE_BATCH_IO, &k->st, err);
	if (r < 0) {
		free(k);
		return r;
	}
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	d->ckpt = k;
	if (pthread_create(&k->thread, NULL, ckpt_main, d) != 0) {
		d->ckpt = NULL;
		pthread_mutex_destroy(&k->mu);
		pthread_cond_destroy(&k->cv);
		store_close(k->st);
		free(k);
		error_set(err, "cannot start the door's checkpointer thread");
		return -EAGAIN;
	}
	/* From here on the door's commits no longer checkpoint by themselves. */
	store_wal_watch(d->st, &d->wal_pages);
	return 0;
}

void door_ckpt_after_commit(struct door *d)
{
	struct door_ckpt *k = d->ckpt;

	if (!k || d->wal_pages < DOOR_CKPT_PAGES)
		return;
	pthread_mutex_lock(&k->mu);
	k->pages = d->wal_pages;
	k->wanted = true;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
}

void door_ckpt_stop(struct door *d)
{
	struct door_ckpt *k = d->ckpt;

	if (!k)
		return;
	pthread_mutex_lock(&k->mu);
	k->stop = true;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->thread, NULL);
	d->ckpt = NULL;
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
	store_close(k->st);
	free(k);
}
