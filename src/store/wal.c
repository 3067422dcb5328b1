/* wal: the write-ahead log's checkpoints, for a writer that runs them itself (ledger/writer.c). */
#include "store/store-internal.h"

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)db;
	(void)name;
	*(int *)arg = pages;
	return SQLITE_OK;
}

/* PostgreSQL checkpoints its own write-ahead log: nothing to watch or run. */
void store_wal_watch(struct store *st, int *pages)
{
	if (st->pg)
		return;
	sqlite3_wal_hook(st->db, wal_hook, pages);
}

void store_checkpoint(struct store *st, bool restart)
{
	if (st->pg)
		return;
	sqlite3_wal_checkpoint_v2(st->db, NULL,
	                          restart ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE,
	                          NULL, NULL);
}
