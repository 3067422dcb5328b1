/* manifest: the digest of a copy's content (mamori backup), so a restore finds any change to it. */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/cleanup.h"
#include "store/store-internal.h"

/* The names of the copy's tables (store/ has no strv: core/core.h is above it). */
struct names {
	char **items;
	size_t nr, alloc;
};
#define NAMES_INIT                                                                                 \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

static void names_push(struct names *n, const char *name)
{
	ALLOC_GROW(n->items, n->nr, n->alloc);
	n->items[n->nr++] = xstrdup(name);
}

static bool names_has(const struct names *n, const char *name)
{
	for (size_t i = 0; i < n->nr; i++)
		if (!strcmp(n->items[i], name))
			return true;
	return false;
}

static void names_release(struct names *n)
{
	for (size_t i = 0; i < n->nr; i++)
		free(n->items[i]);
	free(n->items);
	memset(n, 0, sizeof(*n));
}

/* Tables, sorted by name, except SQLite's own and the manifest. */
static int table_names(sqlite3 *db, struct names *ret, struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    db,
	    "SELECT name FROM sqlite_master WHERE type = 'table'"
	    " AND name NOT LIKE 'sqlite_%' AND name != '" STORE_MANIFEST_TABLE "' ORDER BY name",
	    -1, &s, NULL);

	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			names_push(ret, (const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		error_set(err, "cannot list the copy's tables: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

static void hash_u64(EVP_MD_CTX *ctx, uint64_t v)
{
	unsigned char b[8];

	for (int i = 7; i >= 0; i--) {
		b[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	EVP_DigestUpdate(ctx, b, sizeof(b));
}

/* SHA-256 (hex) of a table's rows, and their number. */
static int table_digest(sqlite3 *db, const char *name, char hex[65], int64_t *ret_rows,
                        struct strbuf *err)
{
	static const char digits[] = "0123456789abcdef";
	struct strbuf sql = STRBUF_INIT;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	sqlite3_stmt *s = NULL;
	unsigned char md[32];
	unsigned int mdlen = 0;
	int64_t rows = 0;
	int rc;

	/* Names come from sqlite_master and are plain identifiers; quote them anyway. */
	if (strchr(name, '"')) {
		error_set(err, "an unexpected table name in the copy: %s", name);
		EVP_MD_CTX_free(ctx);
		return -EBADMSG;
	}
	/* A full scan walks the table's b-tree: rowid or primary key order, the same for the
	 * same content (WITHOUT ROWID tables have no rowid to order by). */
	strbuf_addf(&sql, "SELECT * FROM \"%s\"", name);
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		error_set(err, "out of memory");
		return -ENOMEM;
	}
	rc = sqlite3_prepare_v2(db, sql.buf, -1, &s, NULL);
	strbuf_release(&sql);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		int n;
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW)
			break;
		n = sqlite3_column_count(s);
		hash_u64(ctx, (uint64_t)n);
		for (int i = 0; i < n; i++) {
			int type = sqlite3_column_type(s, i);
			unsigned char t = (unsigned char)type;
			EVP_DigestUpdate(ctx, &t, 1);
			if (type == SQLITE_INTEGER) {
				hash_u64(ctx, (uint64_t)sqlite3_column_int64(s, i));
			} else if (type != SQLITE_NULL) {
				/* text of a float too: its printed form is exact enough to compare
				 */
				const void *p = type == SQLITE_BLOB
				                    ? sqlite3_column_blob(s, i)
				                    : (const void *)sqlite3_column_text(s, i);
				int len = sqlite3_column_bytes(s, i);
				hash_u64(ctx, (uint64_t)len);
				if (len > 0)
					EVP_DigestUpdate(ctx, p, (size_t)len);
			}
		}
		rows++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
		error_set(err, "cannot read table '%s' of the copy: %s", name, sqlite3_errmsg(db));
		EVP_MD_CTX_free(ctx);
		return -EBADMSG;
	}
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	*ret_rows = rows;
	return 0;
}

int store_manifest_write(struct store *st, struct strbuf *err)
{
	sqlite3 *db = st->db;

	if (st->pg) {
		error_set(err, "backup manifests are SQLite's (a bug in the caller)");
		return -ENOTSUP;
	}
	struct names names = NAMES_INIT;
	sqlite3_stmt *ins = NULL;
	int r, rc;

	r = table_names(db, &names, err);
	if (r < 0)
		goto out;
	rc = sqlite3_exec(db,
	                  "CREATE TABLE " STORE_MANIFEST_TABLE " (name TEXT PRIMARY KEY NOT NULL,"
	                  " rows INTEGER NOT NULL, sha256 TEXT NOT NULL) STRICT",
	                  NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "INSERT INTO " STORE_MANIFEST_TABLE " VALUES (?, ?, ?)",
		                        -1, &ins, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < names.nr; i++) {
		char hex[65];
		int64_t rows = 0;
		r = table_digest(db, names.items[i], hex, &rows, err);
		if (r < 0)
			goto out;
		sqlite3_bind_text(ins, 1, names.items[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, rows);
		sqlite3_bind_text(ins, 3, hex, -1, SQLITE_STATIC);
		rc = sqlite3_step(ins) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(ins);
	}
	if (rc != SQLITE_OK) {
		error_set(err, "cannot write the backup's manifest: %s", sqlite3_errmsg(db));
		r = -EIO;
	}
out:
	sqlite3_finalize(ins);
	names_release(&names);
	return r;
}

int store_manifest_check(struct store *st, bool required, struct strbuf *err)
{
	sqlite3 *db = st->db;
	struct names names = NAMES_INIT;
	sqlite3_stmt *s = NULL;
	int64_t listed = 0;
	int r, rc;

	if (st->pg) {
		error_set(err, "backup manifests are SQLite's (a bug in the caller)");
		return -ENOTSUP;
	}

	rc = sqlite3_prepare_v2(db, "SELECT name, rows, sha256 FROM " STORE_MANIFEST_TABLE, -1, &s,
	                        NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(s);
		if (!required)
			return 0;
		error_set(err, "the copy has no manifest of its content");
		return -EBADMSG;
	}
	r = table_names(db, &names, err);
	while (r == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		const char *want = (const char *)sqlite3_column_text(s, 2);
		char hex[65];
		int64_t rows = 0;
		listed++;
		if (!name || !want || !names_has(&names, name)) {
			error_set(err, "the copy lacks table '%s' its manifest lists",
			          name ? name : "?");
			r = -EBADMSG;
			break;
		}
		r = table_digest(db, name, hex, &rows, err);
		if (r == 0 && (strcmp(hex, want) || rows != sqlite3_column_int64(s, 1))) {
			error_set(err,
			          "table '%s' of the copy changed since the backup was made (%lld "
			          "rows, manifest %lld)",
			          name, (long long)rows, (long long)sqlite3_column_int64(s, 1));
			r = -EBADMSG;
		}
	}
	if (r == 0 && rc != SQLITE_DONE) {
		error_set(err, "cannot read the copy's manifest: %s", sqlite3_errmsg(db));
		r = -EBADMSG;
	}
	if (r == 0 && listed != (int64_t)names.nr) {
		error_set(err, "the copy has tables its manifest does not list");
		r = -EBADMSG;
	}
	sqlite3_finalize(s);
	names_release(&names);
	return r;
}
