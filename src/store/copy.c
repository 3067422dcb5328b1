/* copy: a consistent copy of the database in a new file (mamori backup), opened as it is. */
#include <errno.h>

#include "base/cleanup.h"
#include "store/store-internal.h"

int store_open_copy(const char *path, struct store **ret, struct strbuf *err)
{
	sqlite3 *db = NULL;
	struct store *st;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);

	if (rc != SQLITE_OK) {
		error_set(err, "cannot open '%s': %s", path,
		          db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -EIO;
	}
	sqlite3_extended_result_codes(db, 1);
	st = xcalloc(1, sizeof(*st));
	st->db = db;
	st->path = xstrdup(path);
	*ret = st;
	return 0;
}

int store_copy_to(struct store *st, const char *path, struct store **ret, struct strbuf *err)
{
	struct store *dst = NULL;
	sqlite3_backup *b;
	int r, rc;

	if (st->pg)
		return store_export_sqlite(st, path, ret, err);
	r = store_open_copy(path, &dst, err);
	if (r < 0)
		return r;
	b = sqlite3_backup_init(dst->db, "main", st->db, "main");
	if (!b) {
		error_set(err, "cannot start the backup: %s", sqlite3_errmsg(dst->db));
		store_close(dst);
		return -EIO;
	}
	/* One step copies every page under one read transaction: a consistent snapshot. */
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		r = store_error(dst, rc, "the backup failed", err);
		store_close(dst);
		return r;
	}
	*ret = dst;
	return 0;
}
