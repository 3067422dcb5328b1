/* migrate: a ward's SQLite database copied into a new PostgreSQL store (mamori migrate). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "store/query.h"
#include "store/sqlite.h"
#include "store/store-internal.h"

/* A list of names (tables, columns) read from the catalogs. */
struct names {
	char **v;
	size_t nr, alloc;
};

static void names_add(struct names *l, const char *s)
{
	ALLOC_GROW(l->v, l->nr, l->alloc);
	l->v[l->nr++] = xstrdup(s ? s : "");
}

static bool names_has(const struct names *l, const char *s)
{
	for (size_t i = 0; i < l->nr; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

static void names_clear(struct names *l)
{
	for (size_t i = 0; i < l->nr; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * The statement cache keeps the caller's text by pointer (store-internal.h): a statement made
 * here from names leaves it before its text is freed (and is finalized: SQLite's, or the one
 * PostgreSQL keeps prepared).
 */
static void uncache(struct store *st, const char *sql)
{
	for (size_t b = 0; b < STORE_CACHE_BUCKETS; b++) {
		for (struct query **p = &st->cache[b]; *p; p = &(*p)->next) {
			if ((*p)->sql == sql) {
				struct query *q = *p;
				*p = q->next;
				pg_stmt_free(q->pg);
				sqlite3_finalize(q->stmt);
				free(q);
				return;
			}
		}
	}
}

/* Tables that are not copied: the schema's own, SQLite's, the records' search text, which
 * PostgreSQL's triggers make again from each record (schema/pg/0018-records-text.sql), and
 * SQLite's identity stamp, which PostgreSQL has not (schema/pg/0030-identity-stamp.sql) and
 * a copy's own triggers move. */
static bool skipped(const char *t)
{
	return !strcmp(t, "schema_version") || !strncmp(t, "sqlite_", 7) ||
	       !strncmp(t, "records_text", 12) || !strcmp(t, "identity_stamp");
}

/* A quoted SQL name; the names come from the schemas, never from people. */
static void add_name(struct strbuf *sb, const char *name)
{
	strbuf_addch(sb, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, '"');
}

/*
 * The target's tables in an order that inserts every row after the rows it references
 * (foreign keys; PostgreSQL checks them at once), parents first.
 */
static int table_order(struct store *dst, struct names *ret, struct strbuf *err)
{
	struct names tables = { 0 }, from = { 0 }, to = { 0 };
	struct query *q;
	int r;

	r = query_prepare(dst,
	                  "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
	                  "ORDER BY tablename",
	                  &q, err);
	if (r == 0)
		while ((r = query_step(q, err)) > 0)
			names_add(&tables, query_text(q, 0));
	if (r == 0)
		r = query_prepare(dst,
		                  "SELECT conrelid::regclass::text, confrelid::regclass::text "
		                  "FROM pg_constraint WHERE contype = 'f' "
		                  "AND connamespace = current_schema()::regnamespace",
		                  &q, err);
	if (r == 0)
		while ((r = query_step(q, err)) > 0) {
			names_add(&from, query_text(q, 0));
			names_add(&to, query_text(q, 1));
		}
	/* repeatedly take the tables whose referenced tables are all taken */
	while (r == 0 && ret->nr < tables.nr) {
		size_t before = ret->nr;
		for (size_t i = 0; i < tables.nr; i++) {
			const char *t = tables.v[i];
			bool ready = !names_has(ret, t);
			for (size_t k = 0; ready && k < from.nr; k++)
				if (!strcmp(from.v[k], t) && strcmp(to.v[k], t) &&
				    !names_has(ret, to.v[k]))
					ready = false;
			if (ready)
				names_add(ret, t);
		}
		if (ret->nr == before) {
			error_set(err, "the PostgreSQL schema's foreign keys form a cycle");
			r = -EPROTO;
		}
	}
	names_clear(&tables);
	names_clear(&from);
	names_clear(&to);
	return r < 0 ? r : 0;
}

/* One table's rows from SQLite into PostgreSQL, column by column as SQLite typed them. */
static int copy_table(struct store *src, struct store *dst, const char *table, int64_t *ret_rows,
                      struct strbuf *err)
{
	struct strbuf sel = STRBUF_INIT, ins = STRBUF_INIT, del = STRBUF_INIT;
	sqlite3_stmt *s = NULL;
	struct query *q;
	int n, rc = SQLITE_DONE, r = 0;

	strbuf_addstr(&sel, "SELECT * FROM ");
	add_name(&sel, table);
	if (sqlite3_prepare_v2(src->db, sel.buf, -1, &s, NULL) != SQLITE_OK) {
		error_set(err, "cannot read '%s': %s", src->path, sqlite3_errmsg(src->db));
		r = -EIO;
		goto out;
	}
	n = sqlite3_column_count(s);
	strbuf_addstr(&ins, "INSERT INTO ");
	add_name(&ins, table);
	strbuf_addch(&ins, '(');
	for (int i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(&ins, ", ");
		add_name(&ins, sqlite3_column_name(s, i));
	}
	strbuf_addstr(&ins, ") VALUES (");
	for (int i = 0; i < n; i++)
		strbuf_addstr(&ins, i ? ", ?" : "?");
	strbuf_addch(&ins, ')');
	/* what the migrations put there (a seed row) gives way to the ward's own */
	strbuf_addstr(&del, "DELETE FROM ");
	add_name(&del, table);
	r = store_exec(dst, del.buf, err);
	if (r == 0)
		r = query_prepare(dst, ins.buf, &q, err);
	while (r == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++) {
			switch (sqlite3_column_type(s, i)) {
			case SQLITE_INTEGER:
				query_bind_int(q, i + 1, sqlite3_column_int64(s, i));
				break;
			case SQLITE_FLOAT:
				query_bind_double(q, i + 1, sqlite3_column_double(s, i));
				break;
			case SQLITE_TEXT:
				query_bind_textn(q, i + 1, (const char *)sqlite3_column_text(s, i),
				                 (size_t)sqlite3_column_bytes(s, i));
				break;
			case SQLITE_BLOB:
				query_bind_blob(q, i + 1, sqlite3_column_blob(s, i),
				                (size_t)sqlite3_column_bytes(s, i));
				break;
			default:
				query_bind_null(q, i + 1);
			}
		}
		r = query_run(q, err);
		if (r == 0)
			(*ret_rows)++;
	}
	if (r == 0 && rc != SQLITE_DONE) {
		error_set(err, "cannot read '%s': %s", src->path, sqlite3_errmsg(src->db));
		r = -EIO;
	}
	if (r < 0) {
		struct strbuf why = STRBUF_INIT;
		strbuf_add(&why, err->buf, err->len);
		error_set(err, "table %s: %s", table, why.buf);
		strbuf_release(&why);
	}
	uncache(dst, ins.buf);
out:
	sqlite3_finalize(s);
	strbuf_release(&sel);
	strbuf_release(&ins);
	strbuf_release(&del);
	return r;
}

/* Identity columns continue after the highest id copied. */
static int identities_after(struct store *dst, struct strbuf *err)
{
	struct names cols = { 0 };
	struct query *q;
	int r = query_prepare(dst,
	                      "SELECT table_name, column_name FROM information_schema.columns "
	                      "WHERE table_schema = current_schema() AND is_identity = 'YES'",
	                      &q, err);

	if (r == 0)
		while ((r = query_step(q, err)) > 0) {
			names_add(&cols, query_text(q, 0));
			names_add(&cols, query_text(q, 1));
		}
	for (size_t i = 0; r == 0 && i + 1 < cols.nr; i += 2) {
		struct strbuf sql = STRBUF_INIT;
		strbuf_addstr(&sql,
		              "SELECT setval(pg_get_serial_sequence(?, ?), coalesce((SELECT max(");
		add_name(&sql, cols.v[i + 1]);
		strbuf_addstr(&sql, ") FROM ");
		add_name(&sql, cols.v[i]);
		strbuf_addstr(&sql, "), 0) + 1, false)");
		r = query_prepare(dst, sql.buf, &q, err);
		if (r == 0) {
			int64_t v;
			query_bind_text(q, 1, cols.v[i]);
			query_bind_text(q, 2, cols.v[i + 1]);
			r = query_one_int(q, &v, err);
			uncache(dst, sql.buf);
		}
		strbuf_release(&sql);
	}
	names_clear(&cols);
	return r < 0 ? r : 0;
}

int store_migrate_to(struct store *src, struct store *dst, struct store_migrate_stats *stats,
                     struct strbuf *err)
{
	struct names order = { 0 };
	int r;

	memset(stats, 0, sizeof(*stats));
	if (!src->db || !dst->pg) {
		error_set(err, "a ward moves from SQLite to PostgreSQL only");
		return -EINVAL;
	}
	if (store_schema_version(src) != store_schema_version(dst)) {
		error_set(err,
		          "'%s' has schema %d and the new store %d: run a mamori command on "
		          "the old directory first (it brings its schema up to date)",
		          src->path, store_schema_version(src), store_schema_version(dst));
		return -EPROTO;
	}
	r = table_order(dst, &order, err);
	/* one transaction: the ward arrives whole or not at all; the door's guard let through */
	if (r == 0)
		r = store_begin(dst, err);
	if (r < 0)
		goto out;
	r = store_hooks_door(dst, true, err);
	for (size_t i = 0; r == 0 && i < order.nr; i++) {
		const char *t = order.v[i];
		if (skipped(t))
			continue;
		r = copy_table(src, dst, t, &stats->rows, err);
		if (r == 0)
			stats->tables++;
	}
	if (r == 0)
		r = identities_after(dst, err);
	if (r == 0)
		r = store_commit(dst, err);
	if (r < 0)
		store_rollback(dst);
out:
	names_clear(&order);
	return r;
}

/* ---- the other way: a PostgreSQL ward into a SQLite file (mamori backup) ---------------- */

/* Tables a backup does not take as rows: the attachments' bytes travel as the backup's files. */
static bool export_skipped(const char *t)
{
	return skipped(t) || !strcmp(t, "blobs") || !strcmp(t, "blob_parts");
}

/* One table: its columns as SQLite declares them, each value bound in that type. */
static int export_table(struct store *src, struct store *dst, const char *table, struct strbuf *err)
{
	struct strbuf sel = STRBUF_INIT, ins = STRBUF_INIT, del = STRBUF_INIT;
	struct names cols = { 0 }, types = { 0 };
	struct query *q, *s = NULL, *w = NULL;
	int r = query_prepare(
	    dst, "SELECT name, upper(type) FROM pragma_table_info(?) ORDER BY cid", &q, err);

	if (r == 0) {
		query_bind_text(q, 1, table);
		while ((r = query_step(q, err)) > 0) {
			names_add(&cols, query_text(q, 0));
			names_add(&types, query_text(q, 1));
		}
	}
	strbuf_addstr(&sel, "SELECT ");
	strbuf_addstr(&ins, "INSERT INTO ");
	add_name(&ins, table);
	strbuf_addstr(&ins, " (");
	for (size_t i = 0; i < cols.nr; i++) {
		strbuf_addstr(&sel, i ? ", " : "");
		add_name(&sel, cols.v[i]);
		strbuf_addstr(&ins, i ? ", " : "");
		add_name(&ins, cols.v[i]);
	}
	strbuf_addstr(&sel, " FROM ");
	add_name(&sel, table);
	strbuf_addstr(&ins, ") VALUES (");
	for (size_t i = 0; i < cols.nr; i++)
		strbuf_addstr(&ins, i ? ", ?" : "?");
	strbuf_addch(&ins, ')');
	strbuf_addstr(&del, "DELETE FROM ");
	add_name(&del, table);
	/* what the migrations put there (a seed row) gives way to the ward's own */
	if (r == 0 && cols.nr)
		r = store_exec(dst, del.buf, err);
	if (r == 0 && cols.nr)
		r = query_prepare(src, sel.buf, &s, err);
	if (r == 0 && cols.nr)
		r = query_prepare(dst, ins.buf, &w, err);
	while (r == 0 && cols.nr && (r = query_step(s, err)) > 0) {
		for (size_t i = 0; i < cols.nr; i++) {
			int c = (int)i, p = c + 1;
			size_t len = 0;
			const void *b;
			if (query_is_null(s, c))
				query_bind_null(w, p);
			else if (strstr(types.v[i], "INT"))
				query_bind_int(w, p, query_int(s, c));
			else if (strstr(types.v[i], "REAL") || strstr(types.v[i], "DOUB"))
				query_bind_double(w, p, query_double(s, c));
			else if (strstr(types.v[i], "BLOB") && (b = query_blob(s, c, &len)))
				query_bind_blob(w, p, b, len);
			else
				query_bind_text(w, p, query_text(s, c));
		}
		r = query_run(w, err);
		if (r < 0)
			query_done(s);
	}
	if (r < 0) {
		struct strbuf why = STRBUF_INIT;
		strbuf_add(&why, err->buf, err->len);
		error_set(err, "table %s: %s", table, why.buf);
		strbuf_release(&why);
	}
	uncache(src, sel.buf);
	uncache(dst, ins.buf);
	names_clear(&cols);
	names_clear(&types);
	strbuf_release(&sel);
	strbuf_release(&ins);
	strbuf_release(&del);
	return r < 0 ? r : 0;
}

int store_export_sqlite(struct store *src, const char *path, struct store **ret, struct strbuf *err)
{
	struct names tables = { 0 };
	struct store *dst = NULL;
	struct query *q;
	bool began = false;
	int r = store_open_copy(path, &dst, err);

	if (r == 0)
		r = store_sqlite_migrate(dst, err);
	if (r == 0 && store_schema_version(dst) != store_schema_version(src)) {
		error_set(err, "the ward has schema %d and this build's copy %d",
		          store_schema_version(src), store_schema_version(dst));
		r = -EPROTO;
	}
	if (r == 0)
		r = query_prepare(dst,
		                  "SELECT name FROM sqlite_master WHERE type = 'table' "
		                  "ORDER BY name",
		                  &q, err);
	if (r == 0)
		while ((r = query_step(q, err)) > 0)
			if (!export_skipped(query_text(q, 0)))
				names_add(&tables, query_text(q, 0));
	/* one snapshot of the ward: every table as of the same moment */
	if (r == 0)
		r = store_read_begin(src, &began, err);
	/* writing a large table into the copy may take longer than a session may stay idle in
	 * a transaction (store/pg.c): not this one */
	if (r == 0)
		r = store_exec(src, "SET LOCAL idle_in_transaction_session_timeout = 0", err);
	if (r == 0)
		r = store_begin(dst, err);
	for (size_t i = 0; r == 0 && i < tables.nr; i++)
		r = export_table(src, dst, tables.v[i], err);
	if (r == 0)
		r = store_commit(dst, err);
	else if (dst && store_txn_depth(dst) > 0)
		store_rollback(dst);
	if (began)
		store_read_end(src, began);
	names_clear(&tables);
	if (r < 0) {
		store_close(dst);
		return r;
	}
	*ret = dst;
	return 0;
}
