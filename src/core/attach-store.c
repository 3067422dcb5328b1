/* attach-store: the bytes of attachments in the database, for a PostgreSQL store, where every
 * node of a ward finds them (schema/0024: blobs and blob_parts). A SQLite ward keeps them in
 * DIR/attachments (attach.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/attach-internal.h"
#include "core/core.h"
#include "store/query.h"

bool attach_in_database(struct store *st)
{
	return st && store_dialect(st) == STORE_POSTGRESQL;
}

/* size and parts of a stored file: 0, -ENOENT, or a store error. */
static int blob_row(struct store *st, const char *sha256, int64_t *size, int64_t *parts,
                    struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, "SELECT size, parts FROM blobs WHERE sha256 = ?", &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, sha256);
	r = query_step(q, err);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	*size = query_int(q, 0);
	*parts = query_int(q, 1);
	query_done(q);
	return 0;
}

int attach_db_present(struct store *st, const char *sha256, int64_t size, struct strbuf *err)
{
	int64_t have = 0, parts = 0;
	int r = blob_row(st, sha256, &have, &parts, err);

	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : have == size;
}

/*
 * Each part, then the file's row, each in a statement of its own (no transaction: a large file
 * does not hold the ward's writers). A part already there (the same bytes: the same file, the
 * same boundaries) is kept; a file cut off half-way is finished by the next put of it.
 */
int attach_db_put(struct store *st, const char *sha256, const void *data, size_t len,
                  struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	int64_t have = 0, parts = 0;
	struct query *q;
	int r = blob_row(st, sha256, &have, &parts, &why);

	if (r == 0 && have == (int64_t)len)
		goto out;
	if (r == 0) {
		error_set(&why, "the database holds it with %lld bytes, not %zu", (long long)have,
		          len);
		r = -EBADMSG;
	}
	if (r < 0 && r != -ENOENT)
		goto out;
	parts = (int64_t)((len + ATTACH_PART - 1) / ATTACH_PART);
	r = query_prepare(st,
	                  "INSERT INTO blob_parts (sha256, part, data) VALUES (?, ?, ?)"
	                  " ON CONFLICT (sha256, part) DO NOTHING",
	                  &q, &why);
	for (int64_t i = 0; r == 0 && i < parts; i++) {
		size_t off = (size_t)i * ATTACH_PART, n = len - off;
		query_bind_text(q, 1, sha256);
		query_bind_int(q, 2, i);
		query_bind_blob(q, 3, (const char *)data + off, n < ATTACH_PART ? n : ATTACH_PART);
		r = query_run(q, &why);
	}
	if (r == 0)
		r = query_prepare(st,
		                  "INSERT INTO blobs (sha256, size, parts) VALUES (?, ?, ?)"
		                  " ON CONFLICT (sha256) DO NOTHING",
		                  &q, &why);
	if (r == 0) {
		query_bind_text(q, 1, sha256);
		query_bind_int(q, 2, (int64_t)len);
		query_bind_int(q, 3, parts);
		r = query_run(q, &why);
	}
out:
	if (r < 0)
		error_set(err, "cannot store attachment %.12s… in the database: %s", sha256,
		          why.buf);
	strbuf_release(&why);
	return r < 0 ? r : 0;
}

/* The parts in order, into out (the caller checks the whole against its SHA-256). */
int attach_db_read(struct store *st, const char *sha256, struct strbuf *out, struct strbuf *err)
{
	int64_t size = 0, parts = 0;
	struct query *q;
	int r = blob_row(st, sha256, &size, &parts, err);

	if (r == -ENOENT)
		error_set(err, "attachment %.12s… is not in the database", sha256);
	if (r < 0)
		return r;
	if (size <= 0 || size > ATTACH_MAX_LIMIT || parts <= 0 ||
	    parts != (size + (int64_t)ATTACH_PART - 1) / (int64_t)ATTACH_PART) {
		error_set(err, "attachment %.12s… is stored with an impossible size", sha256);
		return -EBADMSG;
	}
	r = query_prepare(st, "SELECT data FROM blob_parts WHERE sha256 = ? AND part = ?", &q, err);
	strbuf_reset(out);
	strbuf_grow(out, (size_t)size);
	for (int64_t i = 0; r == 0 && i < parts; i++) {
		const void *p;
		size_t n = 0;
		query_bind_text(q, 1, sha256);
		query_bind_int(q, 2, i);
		r = query_step(q, err);
		if (r == 0) {
			error_set(err, "attachment %.12s… lacks its part %lld in the database",
			          sha256, (long long)i);
			r = -EBADMSG;
			break;
		}
		if (r < 0)
			break;
		p = query_blob(q, 0, &n);
		if ((int64_t)(out->len + n) > size) {
			query_done(q);
			error_set(err,
			          "attachment %.12s… has more bytes in the database than its size",
			          sha256);
			r = -EBADMSG;
			break;
		}
		strbuf_add(out, p, n);
		query_done(q);
		r = 0;
	}
	return r;
}

int attach_copy(struct store *from, const char *from_dir, struct store *to, int64_t *ret_files,
                struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT;
	struct query *q;
	int r;

	*ret_files = 0;
	if (attach_in_database(from) || !attach_in_database(to)) {
		error_set(err, "attachments move from a SQLite ward into a PostgreSQL store only");
		return -EINVAL;
	}
	r = query_prepare(from,
	                  "SELECT sha256, max(size) FROM attachments GROUP BY sha256"
	                  " ORDER BY sha256",
	                  &q, err);
	while (r == 0 && (r = query_step(q, err)) > 0) {
		char sha[65];
		snprintf(sha, sizeof(sha), "%s", query_text(q, 0) ? query_text(q, 0) : "");
		r = attach_read(from, from_dir, sha, query_int(q, 1), &data, err);
		if (r == 0)
			r = attach_db_put(to, sha, data.buf, data.len, err);
		if (r < 0) {
			query_done(q);
			break;
		}
		(*ret_files)++;
	}
	strbuf_release(&data);
	return r < 0 ? r : 0;
}

int blob_fetch(struct store *st, const char *sha256, struct strbuf *out, struct strbuf *err)
{
	char hex[65];
	int r;

	if (!attach_in_database(st)) {
		error_set(err, "only a PostgreSQL store keeps files in the database");
		return -ENOTSUP;
	}
	if (!attach_valid_sha256(sha256)) {
		error_set(err, "'%s' is not a SHA-256", sha256 ? sha256 : "");
		return -EINVAL;
	}
	r = attach_db_read(st, sha256, out, err);
	if (r < 0)
		return r;
	core_sha256_hex(out->buf, out->len, hex);
	if (strcmp(hex, sha256)) {
		error_set(err, "file %.12s… changed in the database: SHA-256 %s", sha256, hex);
		return -EBADMSG;
	}
	return 0;
}
