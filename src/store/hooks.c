/* hooks: a caller's say over the writes of a connection (the door's guard, core/guard.h). */
#include <stdlib.h>

#include "store/store-internal.h"

static int authorizer(void *ctx, int code, const char *a, const char *b, const char *db,
                      const char *trigger)
{
	struct store_hooks *h = ctx;

	(void)b;
	(void)db;
	(void)trigger;
	switch (code) {
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		return h->may_write(h, a, false) ? SQLITE_OK : SQLITE_DENY;
	case SQLITE_DROP_TABLE:
	case SQLITE_ALTER_TABLE:
		return h->may_write(h, a, true) ? SQLITE_OK : SQLITE_DENY;
	default:
		return SQLITE_OK;
	}
}

static void update_hook(void *ctx, int op, const char *db, const char *table, sqlite3_int64 rowid)
{
	struct store_hooks *h = ctx;

	(void)op;
	(void)db;
	(void)rowid;
	h->changed(h, table);
}

static int commit_hook(void *ctx)
{
	struct store_hooks *h = ctx;

	/* Non-zero turns the COMMIT into a ROLLBACK. */
	return h->may_commit(h) ? 0 : 1;
}

static void rollback_hook(void *ctx)
{
	struct store_hooks *h = ctx;

	h->rolled_back(h);
}

void store_hooks_install(struct store *st, struct store_hooks *h)
{
	/*
	 * The door opens its store without STORE_ANY_BACKEND, so a PostgreSQL store never gets
	 * here; if one ever did, writing without the guard would be worse than stopping.
	 */
	if (st->pg)
		abort();
	sqlite3_set_authorizer(st->db, authorizer, h);
	sqlite3_update_hook(st->db, update_hook, h);
	sqlite3_commit_hook(st->db, commit_hook, h);
	sqlite3_rollback_hook(st->db, rollback_hook, h);
}

void store_hooks_uninstall(struct store *st)
{
	if (st->pg)
		return;
	sqlite3_set_authorizer(st->db, NULL, NULL);
	sqlite3_update_hook(st->db, NULL, NULL);
	sqlite3_commit_hook(st->db, NULL, NULL);
	sqlite3_rollback_hook(st->db, NULL, NULL);
}
