/* store-pg: a data directory whose store is PostgreSQL: where it is, opening, migrations. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/conf.h"
#include "store/query.h"
#include "store/store-internal.h"

enum store_dialect store_dialect(const struct store *st)
{
	return st->pg ? STORE_POSTGRESQL : STORE_SQLITE;
}

const char *store_location(const struct store *st)
{
	return st->pg ? st->location : st->path;
}

int store_server_version(struct store *st)
{
	return st->pg ? pg_server_version(st) : 0;
}

int store_url_check(const char *url, struct strbuf *err)
{
	return pg_url_check(url, err);
}

int store_configured_url(const char *dir, char **ret_url, struct strbuf *err)
{
	struct conf c = CONF_INIT;
	const char *url;
	int r;

	*ret_url = NULL;
	r = conf_load(dir, &c, err);
	if (r < 0)
		return r;
	url = conf_get(&c, "store", "url");
	if (url) {
		r = pg_url_check(url, err);
		if (r < 0 && err) {
			struct strbuf why = STRBUF_INIT;
			strbuf_add(&why, err->buf, err->len);
			error_set(err, "%s/%s [store] url: %s", dir, CONF_FILE, why.buf);
			strbuf_release(&why);
		} else if (r == 0) {
			*ret_url = xstrdup(url);
		}
	}
	conf_release(&c);
	return r;
}

int store_lock_try(struct store *st, int64_t key, struct strbuf *err)
{
	struct query *q;
	int64_t got = 0;
	int r;

	if (!st->pg)
		return 1;
	r = query_prepare(st, "SELECT pg_try_advisory_lock(?)::int", &q, err);
	if (r == 0) {
		query_bind_int(q, 1, key);
		r = query_one_int(q, &got, err);
	}
	return r < 0 ? r : got != 0;
}

int store_lock_xact(struct store *st, int64_t key, struct strbuf *err)
{
	struct query *q;
	int r;

	if (!st->pg)
		return 0;
	if (st->depth < 1) {
		error_set(err, "a transaction lock outside a transaction (a bug in the caller)");
		return -EINVAL;
	}
	/* held until the transaction ends (or the savepoint it was taken in is rolled back) */
	if (key == STORE_LOCK_LEDGER && st->ledger_locked)
		return 0;
	r = query_prepare(st, "SELECT pg_advisory_xact_lock(?)", &q, err);
	if (r == 0) {
		query_bind_int(q, 1, key);
		r = query_run(q, err);
	}
	if (r == 0 && key == STORE_LOCK_LEDGER)
		st->ledger_locked = st->depth;
	return r;
}

int store_copy_in(struct store *st, const char *sql, const void *data, size_t len,
                  struct strbuf *err)
{
	if (!st->pg) {
		error_set(err, "COPY is PostgreSQL's (a bug in the caller)");
		return -ENOTSUP;
	}
	return pg_copy_in(st, sql, data, len, err);
}

static int pg_schema_version(struct store *st, int *ret, struct strbuf *err)
{
	struct query *q;
	int64_t v = 0;
	int r;

	*ret = 0;
	r = query_prepare(st, "SELECT to_regclass('schema_version') IS NOT NULL", &q, err);
	if (r == 0)
		r = query_one_int(q, &v, err);
	if (r < 0 || !v)
		return r;
	r = query_prepare(st, "SELECT coalesce(max(version), 0) FROM schema_version", &q, err);
	if (r == 0)
		r = query_one_int(q, &v, err);
	if (r == 0)
		*ret = (int)v;
	return r;
}

int store_pg_schema_version(struct store *st)
{
	int v;

	return pg_schema_version(st, &v, NULL) < 0 ? -1 : v;
}

/* One migration in its own transaction, under the writers' lock: two nodes starting at once
 * apply it once (the second finds it applied). */
static int pg_apply(struct store *st, const struct store_migration *m, struct strbuf *err)
{
	struct query *q;
	int v, r = store_begin(st, err);

	if (r < 0)
		return r;
	r = store_exec(st,
	               "CREATE TABLE IF NOT EXISTS schema_version ("
	               " version BIGINT PRIMARY KEY NOT NULL,"
	               " name TEXT NOT NULL,"
	               " applied_at TEXT NOT NULL DEFAULT "
	               "(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))"
	               ")",
	               err);
	if (r == 0)
		r = pg_schema_version(st, &v, err);
	if (r == 0 && v >= m->version) {
		store_rollback(st);
		return 0;
	}
	/* a migration may drop and alter the door's tables: the DROP/ALTER guard lets it */
	if (r == 0)
		r = store_exec(st, "SELECT set_config('mamori.ddl', 'on', true)", err);
	if (r == 0) {
		struct strbuf why = STRBUF_INIT;
		r = store_exec(st, m->sql, &why);
		if (r < 0)
			error_set(err, "migration %04d-%s failed on PostgreSQL: %s", m->version,
			          m->name, why.buf);
		strbuf_release(&why);
	}
	if (r == 0)
		r = query_prepare(st, "INSERT INTO schema_version(version, name) VALUES (?, ?)", &q,
		                  err);
	if (r == 0) {
		query_bind_int(q, 1, m->version);
		query_bind_text(q, 2, m->name);
		r = query_run(q, err);
	}
	if (r < 0) {
		store_rollback(st);
		return r;
	}
	return store_commit(st, err);
}

/*
 * SQLite's functions that Mamori's SQL uses, in PostgreSQL: json_extract(json, '$.key') (the
 * value as text: strings without quotes, true/false as 1/0, objects and arrays as JSON),
 * json_each(json) (key and value of an object's members or an array's elements), instr(a, b),
 * group_concat(x, sep), the two-argument max/min; and mamori_in_set (store.c's C function).
 */
#define PG_FUNCTIONS_VERSION "mamori functions 1"
static const char *const pg_function_sql[] = {
	"CREATE OR REPLACE FUNCTION mamori_in_set(s bytea, id bigint) "
	"RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
	"SELECT CASE WHEN id >= 0 AND id < length(s)::bigint * 8 "
	"THEN get_bit(s, id) = 1 ELSE false END $$",
	"CREATE OR REPLACE FUNCTION mamori_json_path(p text) RETURNS text[] "
	"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
	"SELECT CASE WHEN p = '$' THEN ARRAY[]::text[] ELSE string_to_array("
	"regexp_replace(regexp_replace(substr(p, 3), '\\[([0-9]+)\\]', '.\\1', 'g'), "
	"'\"', '', 'g'), '.') END $$",
	"CREATE OR REPLACE FUNCTION json_extract(j text, p text) RETURNS text "
	"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
	"SELECT CASE jsonb_typeof(v) WHEN 'string' THEN v #>> '{}' WHEN 'null' THEN NULL "
	"WHEN 'boolean' THEN CASE WHEN v = 'true'::jsonb THEN '1' ELSE '0' END "
	"ELSE v::text END "
	"FROM (SELECT j::jsonb #> mamori_json_path(p) AS v) x $$",
	"CREATE OR REPLACE FUNCTION json_each(j text) RETURNS TABLE(key text, value text) "
	"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
	"SELECT (e.o - 1)::text, CASE jsonb_typeof(e.v) WHEN 'string' THEN e.v #>> '{}' "
	"WHEN 'null' THEN NULL ELSE e.v::text END FROM jsonb_array_elements("
	"CASE WHEN jsonb_typeof(j::jsonb) = 'array' THEN j::jsonb ELSE '[]'::jsonb END) "
	"WITH ORDINALITY e(v, o) "
	"UNION ALL SELECT m.key, m.value FROM jsonb_each_text("
	"CASE WHEN jsonb_typeof(j::jsonb) = 'object' THEN j::jsonb ELSE '{}'::jsonb END) m $$",
	"CREATE OR REPLACE FUNCTION instr(a text, b text) RETURNS bigint "
	"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT strpos(a, b)::bigint $$",
	"CREATE OR REPLACE FUNCTION max(a bigint, b bigint) RETURNS bigint "
	"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT greatest(a, b) $$",
	"CREATE OR REPLACE FUNCTION min(a bigint, b bigint) RETURNS bigint "
	"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT least(a, b) $$",
	"CREATE OR REPLACE FUNCTION mamori_concat(acc text, v text, sep text) RETURNS text "
	"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE WHEN v IS NULL THEN acc "
	"WHEN acc IS NULL THEN v ELSE acc || sep || v END $$",
	"DROP AGGREGATE IF EXISTS group_concat(text, text)",
	"CREATE AGGREGATE group_concat(text, text) (SFUNC = mamori_concat, STYPE = text)",
	/* the set's version: a build that changes a function above raises it (pg_functions) */
	"COMMENT ON FUNCTION mamori_in_set(bytea, bigint) IS '" PG_FUNCTIONS_VERSION "'",
};

/*
 * SQL functions SQLite gets from store.c in C, made in PostgreSQL's database once (they are
 * the same for every connection): mamori_in_set(set, id), a set of ids bound as bytea by
 * query_bind_bitset (pg_bind_bitset numbers the bits as get_bit does).
 */
static int pg_functions(struct store *st, struct strbuf *err)
{
	struct query *q;
	int64_t n = 0;
	int r = query_prepare(st,
	                      "SELECT count(*) FROM pg_catalog.pg_proc "
	                      "WHERE proname = 'mamori_in_set' "
	                      "AND pronamespace = current_schema()::regnamespace "
	                      "AND obj_description(oid, 'pg_proc') = '" PG_FUNCTIONS_VERSION "'",
	                      &q, err);

	if (r == 0)
		r = query_one_int(q, &n, err);
	if (r < 0 || n > 0)
		return r;
	r = store_begin(st, err);
	for (size_t i = 0; r == 0 && i < sizeof(pg_function_sql) / sizeof(*pg_function_sql); i++)
		r = store_exec(st, pg_function_sql[i], err);
	if (r < 0) {
		store_rollback(st);
		return r;
	}
	return store_commit(st, err);
}

static int pg_migrate(struct store *st, unsigned flags, bool create, struct strbuf *err)
{
	struct query *q;
	int64_t tables = 0;
	int v, r;

	r = pg_schema_version(st, &v, err);
	if (r < 0)
		return r;
	if (v == 0) {
		r = query_prepare(st,
		                  "SELECT count(*) FROM pg_catalog.pg_tables "
		                  "WHERE schemaname = current_schema()",
		                  &q, err);
		if (r == 0)
			r = query_one_int(q, &tables, err);
		if (r < 0)
			return r;
		if (tables > 0) {
			error_set(
			    err,
			    "the PostgreSQL database '%s' holds tables but no Mamori schema; "
			    "give Mamori a database of its own (CREATE DATABASE ... OWNER ...)",
			    st->location);
			return -EPROTO;
		}
		if (!create) {
			error_set(err,
			          "the PostgreSQL database '%s' has no Mamori schema; create it "
			          "with 'mamori --dir DIR init --store URL'",
			          st->location);
			return -ENOENT;
		}
	} else if (create) {
		error_set(err,
		          "the PostgreSQL database '%s' already holds a Mamori ward (schema %d); "
		          "one database per ward: give init an empty database",
		          st->location, v);
		return -EEXIST;
	}
	if (v > store_migrations_pg_nr) {
		error_set(err,
		          "'%s' was written by a newer Mamori (schema %d; this build knows up to "
		          "%d); upgrade mamori",
		          st->location, v, store_migrations_pg_nr);
		return -ENOTSUP;
	}
	if (flags & (STORE_READONLY | STORE_NO_MIGRATE))
		return 0;
	for (int i = v; i < store_migrations_pg_nr; i++) {
		r = pg_apply(st, &store_migrations_pg[i], err);
		if (r < 0)
			return r;
	}
	return pg_functions(st, err);
}

int store_pg_open(const char *url, unsigned flags, bool create, struct store **ret,
                  struct strbuf *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int r = pg_open(st, url, err);

	st->path = xstrdup(st->location ? st->location : "PostgreSQL");
	if (r == 0 && create) {
		/* A new ward's schema is made whole or not at all (PostgreSQL's DDL is
		 * transactional): a failed init leaves the database empty for the next try. */
		r = store_begin(st, err);
		if (r == 0)
			r = pg_migrate(st, flags, create, err);
		if (r == 0)
			r = store_commit(st, err);
		else
			store_rollback(st);
	} else if (r == 0) {
		r = pg_migrate(st, flags, create, err);
	}
	if (r < 0) {
		store_close(st);
		return r;
	}
	*ret = st;
	return 0;
}

int store_create_url(const char *url, struct store **ret, struct strbuf *err)
{
	return store_pg_open(url, 0, true, ret, err);
}
