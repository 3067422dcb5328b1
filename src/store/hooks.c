/* hooks: a caller's say over the writes of a connection (the door's guard, core/guard.h). */
#include <stdlib.h>

#include "store/query.h"
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

/*
 * PostgreSQL: a statement trigger on each guarded table refuses INSERT, UPDATE and DELETE
 * unless the transaction has opened the door (store_hooks_door: the transaction-local setting
 * mamori.door). The triggers are made once per database (under the writers' lock, by whichever
 * connection finds one missing) and checked once per connection.
 */
static const char pg_guard_function[] =
    "CREATE OR REPLACE FUNCTION mamori_door_guard() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "  IF coalesce(current_setting('mamori.door', true), '') <> 'open' THEN\n"
    "    RAISE EXCEPTION 'only the door writes %', TG_TABLE_NAME\n"
    "      USING ERRCODE = '42501', HINT = 'Mamori''s domain tables change only through its "
    "acts';\n"
    "  END IF;\n"
    "  RETURN NULL;\n"
    "END $$";

static int pg_guard_count(struct store *st, const char *const *tables, int64_t *ret,
                          struct strbuf *err)
{
	struct query *q;
	int r;

	*ret = 0;
	for (size_t i = 0; tables[i]; i++) {
		int64_t n = 0;
		r = query_prepare(st,
		                  "SELECT count(*) FROM pg_catalog.pg_trigger t "
		                  "JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
		                  "WHERE t.tgname = 'mamori_door_guard' AND c.relname = ? "
		                  "AND c.relnamespace = current_schema()::regnamespace",
		                  &q, err);
		if (r == 0) {
			query_bind_text(q, 1, tables[i]);
			r = query_one_int(q, &n, err);
		}
		if (r < 0)
			return r;
		*ret += n;
	}
	return 0;
}

static int pg_guard_install(struct store *st, const char *const *tables, struct strbuf *err)
{
	struct strbuf sql = STRBUF_INIT;
	int64_t have = 0;
	size_t want = 0;
	int r;

	while (tables[want])
		want++;
	r = pg_guard_count(st, tables, &have, err);
	if (r < 0 || have == (int64_t)want)
		return r;
	r = store_begin(st, err);
	if (r < 0)
		return r;
	r = store_exec(st, pg_guard_function, err);
	for (size_t i = 0; r == 0 && tables[i]; i++) {
		strbuf_reset(&sql);
		/* table names come from the caller's constant list, never from input */
		strbuf_addf(&sql,
		            "DROP TRIGGER IF EXISTS mamori_door_guard ON \"%s\"; "
		            "CREATE TRIGGER mamori_door_guard BEFORE INSERT OR UPDATE OR DELETE "
		            "OR TRUNCATE ON \"%s\" FOR EACH STATEMENT "
		            "EXECUTE FUNCTION mamori_door_guard()",
		            tables[i], tables[i]);
		r = store_exec(st, sql.buf, err);
	}
	strbuf_release(&sql);
	if (r < 0) {
		store_rollback(st);
		return r;
	}
	return store_commit(st, err);
}

int store_hooks_install(struct store *st, struct store_hooks *h, struct strbuf *err)
{
	if (st->pg)
		return h->tables ? pg_guard_install(st, h->tables, err) : 0;
	sqlite3_set_authorizer(st->db, authorizer, h);
	sqlite3_update_hook(st->db, update_hook, h);
	sqlite3_commit_hook(st->db, commit_hook, h);
	sqlite3_rollback_hook(st->db, rollback_hook, h);
	return 0;
}

int store_hooks_door(struct store *st, bool open, struct strbuf *err)
{
	struct query *q;
	int r;

	if (!st || !st->pg)
		return 0;
	r = query_prepare(st, "SELECT set_config('mamori.door', ?, true)", &q, err);
	if (r < 0)
		return r;
	query_bind_text(q, 1, open ? "open" : "");
	r = query_step(q, err);
	query_done(q);
	return r < 0 ? r : 0;
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
