/* inspect: what the store says about itself (its consistency check, its change stamps), and its
 * cache. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/query.h"
#include "store/store-internal.h"

int store_check_integrity(struct store *st, struct strbuf *problems, struct strbuf *err)
{
	struct query *q;
	int r;

	if (st->pg) {
		error_set(err,
		          "the store's own check is SQLite's; check PostgreSQL with pg_amcheck");
		return -ENOTSUP;
	}
	r = query_prepare(st, "PRAGMA integrity_check(20)", &q, err);
	if (r < 0)
		return r;
	strbuf_reset(problems);
	while ((r = query_step(q, err)) > 0) {
		const char *t = query_text(q, 0);

		if (!t || !strcmp(t, "ok"))
			continue;
		if (problems->len)
			strbuf_addstr(problems, "; ");
		strbuf_addstr(problems, t);
	}
	return r;
}

int store_data_version(struct store *st, int64_t *ret, struct strbuf *err)
{
	struct query *q;
	int r;

	/*
	 * PostgreSQL: the write-ahead log's insert position, which every commit that changed
	 * anything moves (other databases' and PostgreSQL's own writes too: a memo is dropped
	 * more often than needed, never kept past a change). A standby has none: -EIO, and the
	 * caller keeps no memo.
	 */
	r = query_prepare(st,
	                  st->pg ? "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint"
	                         : "PRAGMA data_version",
	                  &q, err);
	if (r < 0)
		return r;
	return query_one_int(q, ret, err);
}

int64_t store_total_changes(struct store *st)
{
	if (st->pg)
		return 0; /* a web reader's connection writes nothing; the log's position moves */
	return sqlite3_total_changes64(st->db);
}

int store_cache_kib(struct store *st, int kib, struct strbuf *err)
{
	char sql[64];

	if (st->pg)
		return 0;
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", kib);
	return store_exec(st, sql, err);
}

void store_memory_limit(int64_t bytes)
{
	(void)sqlite3_soft_heap_limit64(bytes);
}

int64_t store_memory_used(void)
{
	return sqlite3_memory_used();
}
