/* hooks: a caller's say over the writes of a connection (the door's guard, core/guard.h). */
#include <errno.h>
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
	/* its own DROP TRIGGER passes the DROP/ALTER guard */
	r = store_exec(st, "SELECT set_config('mamori.ddl', 'on', true)", err);
	if (r == 0)
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

/*
 * The DROP/ALTER guard: event triggers (which only a superuser may make) that refuse dropping
 * or altering a domain table, and dropping its door trigger, unless the transaction set
 * mamori.ddl (the migrations and the guard's own installation do). Made by a superuser's
 * connection that finds it missing; absent otherwise (store_ddl_guarded, doctor says so).
 */
#define PG_DDL_TRIGGERS "'mamori_ddl_drop', 'mamori_ddl_alter'"

static int pg_ddl_guard_install(struct store *st, const char *const *tables, struct strbuf *err)
{
	struct strbuf sql = STRBUF_INIT, list = STRBUF_INIT;
	struct query *q;
	int64_t super = 0;
	int r = store_ddl_guarded(st, err);

	if (r != 0)
		return r < 0 ? r : 0;
	r = query_prepare(
	    st, "SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user", &q, err);
	if (r == 0)
		r = query_one_int(q, &super, err);
	if (r < 0 || !super)
		return r == -ENOENT ? 0 : r;
	/* table names come from the caller's constant list, never from input */
	for (size_t i = 0; tables[i]; i++)
		strbuf_addf(&list, "%s'%s'", i ? ", " : "", tables[i]);
	strbuf_addf(
	    &sql,
	    "CREATE OR REPLACE FUNCTION mamori_guard.ddl_guard() RETURNS event_trigger "
	    "LANGUAGE plpgsql AS $$\n"
	    "DECLARE o record;\n"
	    "BEGIN\n"
	    "  IF coalesce(current_setting('mamori.ddl', true), '') = 'on' THEN RETURN; "
	    "END IF;\n"
	    "  IF TG_EVENT = 'sql_drop' THEN\n"
	    "    FOR o IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP\n"
	    "      IF (o.object_type = 'table' AND o.object_name = ANY (ARRAY[%s]))\n"
	    "         OR (o.object_type = 'trigger'\n"
	    "             AND o.object_identity LIKE 'mamori_door_guard on %%') THEN\n"
	    "        RAISE EXCEPTION 'only Mamori''s migrations drop %%', "
	    "o.object_identity\n"
	    "          USING ERRCODE = '42501';\n"
	    "      END IF;\n"
	    "    END LOOP;\n"
	    "  ELSE\n"
	    "    FOR o IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP\n"
	    "      IF o.object_type = 'table' AND (SELECT c.relname FROM pg_catalog.pg_class c"
	    " WHERE c.oid = o.objid) = ANY (ARRAY[%s]) THEN\n"
	    "        RAISE EXCEPTION 'only Mamori''s migrations alter %%', "
	    "o.object_identity\n"
	    "          USING ERRCODE = '42501';\n"
	    "      END IF;\n"
	    "    END LOOP;\n"
	    "  END IF;\n"
	    "END $$",
	    list.buf, list.buf);
	r = store_begin(st, err);
	if (r == 0)
		r = store_exec(st, "SELECT set_config('mamori.ddl', 'on', true)", err);
	/* in a schema of its own: dropping the ward's schema with CASCADE does not take it along */
	if (r == 0)
		r = store_exec(st, "CREATE SCHEMA IF NOT EXISTS mamori_guard", err);
	if (r == 0)
		r = store_exec(st, sql.buf, err);
	if (r == 0)
		r = store_exec(
		    st,
		    "DROP EVENT TRIGGER IF EXISTS mamori_ddl_drop; "
		    "DROP EVENT TRIGGER IF EXISTS mamori_ddl_alter; "
		    "CREATE EVENT TRIGGER mamori_ddl_drop ON sql_drop "
		    "EXECUTE FUNCTION mamori_guard.ddl_guard(); "
		    "CREATE EVENT TRIGGER mamori_ddl_alter ON ddl_command_end "
		    "WHEN TAG IN ('ALTER TABLE') EXECUTE FUNCTION mamori_guard.ddl_guard()",
		    err);
	strbuf_release(&sql);
	strbuf_release(&list);
	if (r < 0) {
		store_rollback(st);
		return r;
	}
	return store_commit(st, err);
}

int store_ddl_guarded(struct store *st, struct strbuf *err)
{
	struct query *q;
	int64_t n = 0;
	int r;

	if (!st->pg)
		return 1; /* the authorizer refuses it on the door's connections (may_write) */
	r = query_prepare(st,
	                  "SELECT count(*) FROM pg_catalog.pg_event_trigger "
	                  "WHERE evtname IN (" PG_DDL_TRIGGERS ") AND evtenabled <> 'D'",
	                  &q, err);
	if (r == 0)
		r = query_one_int(q, &n, err);
	return r < 0 ? r : n == 2;
}

int store_hooks_install(struct store *st, struct store_hooks *h, struct strbuf *err)
{
	if (st->pg) {
		int r = h->tables ? pg_guard_install(st, h->tables, err) : 0;
		return r == 0 && h->tables ? pg_ddl_guard_install(st, h->tables, err) : r;
	}
	sqlite3_set_authorizer(st->db, authorizer, h);
	sqlite3_update_hook(st->db, update_hook, h);
	sqlite3_commit_hook(st->db, commit_hook, h);
	sqlite3_rollback_hook(st->db, rollback_hook, h);
	return 0;
}

int store_hooks_door(struct store *st, bool open, struct strbuf *err)
{
	int r;

	if (!st || !st->pg)
		return 0;
	/* in a transaction the setting is known (store.c follows it): nothing to change */
	if (st->depth > 0 && st->door == open)
		return 0;
	/* one message with any savepoint not sent yet (pg_exec) */
	r = pg_exec(st,
	            open ? "SELECT set_config('mamori.door', 'open', true)"
	                 : "SELECT set_config('mamori.door', '', true)",
	            err);
	if (r == 0 && st->depth > 0)
		st->door = open;
	return r;
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
