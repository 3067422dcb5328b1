/* serve-keep: what a long-running server keeps in bounds itself: the write-ahead log's file and
 * the memory malloc holds after bursts (web/http-serve.c's main loop calls serve_keep_tick). */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "web/http-internal.h"

/*
 * The log's file past this is cut back. SQLite starts the log afresh only when a writer
 * begins while the log is wholly copied into the database and no reader still reads from it;
 * with a GET always reading somewhere, the door's own (passive) checkpoints copy the log but
 * the writer never finds that moment, so the file grew by every act (68 MB in six minutes of
 * the soak). A truncating checkpoint takes the writers' lock, waits for the readers that
 * began before it (new ones read the database alone) and empties the file. The door's own
 * checkpointer (core/door-ckpt.c) starts the log afresh past 16 MiB between its batches, so
 * this cut is the backstop for when it cannot (readers holding on). A server that collects
 * logs has the log collection's ledger writer start it afresh past about 128-160 MiB
 * (LEDGER_WRITER_WAL_BYTES): its bound is KEEP_WAL_BYTES_LOGS. At 64 MiB, below the writer's
 * size, the keeper tried to cut the writer's log nearly every second, holding the writers'
 * lock while it copied what the writer's checkpointer had not yet (a page a call) and waited
 * for the readers, and nearly always gave up (docs/logs.md, "Cost per message"). Every
 * `mamori serve` opens the log collection (POST /api/v1/logs, whether or not a syslog
 * receiver runs: web/http-serve.c passes cfg->ingest), so every server's bound is
 * KEEP_WAL_BYTES_LOGS; KEEP_WAL_BYTES is left for a keeper opened without it, which serve
 * does not build.
 */
#define KEEP_WAL_BYTES      ((int64_t)64 * 1024 * 1024)
#define KEEP_WAL_BYTES_LOGS ((int64_t)256 * 1024 * 1024)
_Static_assert(KEEP_WAL_BYTES_LOGS > LEDGER_WRITER_WAL_BYTES,
               "the backstop is above the writer's log");
/* How long the truncating checkpoint waits for readers before it tries again next tick; the
 * door's commits wait at most this long behind it. */
#define KEEP_BUSY_MS 100
/* Free memory is handed back to the system at most this often (malloc_trim). */
#define KEEP_TRIM_MS 5000

struct serve_keep {
	struct store *st; /* its own connection: waits only KEEP_BUSY_MS for readers */
	int64_t trimmed_ms;
	int64_t wal_bytes; /* KEEP_WAL_BYTES, or KEEP_WAL_BYTES_LOGS beside log collection */
};

int serve_keep_open(const char *dir, bool logs, struct serve_keep **ret, struct strbuf *err)
{
	struct serve_keep *k = xcalloc(1, sizeof(*k));
	int r;

	k->wal_bytes = logs ? KEEP_WAL_BYTES_LOGS : KEEP_WAL_BYTES;
	r = store_open(dir, 0, &k->st, err);
	if (r < 0) {
		serve_keep_free(k);
		return r;
	}
	k->trimmed_ms = time_mono_ns() / 1000000;
	*ret = k;
	return 0;
}

void serve_keep_free(struct serve_keep *k)
{
	if (!k)
		return;
	store_close(k->st);
	free(k);
}

int64_t serve_keep_wal_bytes(const struct serve_keep *k)
{
	return k->wal_bytes;
}

void serve_keep_tick(struct serve_keep *k)
{
	int64_t now = time_mono_ns() / 1000000;

	if (!k)
		return;
	/* -EBUSY (a reader held on, or the door's checkpoint ran): the next tick tries again */
	(void)store_wal_cut(k->st, k->wal_bytes, KEEP_BUSY_MS);
	/*
	 * What the workers freed stays in malloc's arenas, scattered between live blocks, until
	 * handed back: after a burst of large pages or exports the server would keep its peak
	 * size (the soak's RSS rose by what bursts left behind).
	 */
	if (now - k->trimmed_ms >= KEEP_TRIM_MS) {
		malloc_trim(0);
		k->trimmed_ms = now;
	}
}
