/* secret: the random keys a ward's servers share, in the database (PostgreSQL) or in a file of
 * the data directory (SQLite). */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "core/secret.h"
#include "store/query.h"
#include "store/store.h"

static bool in_database(struct store *st)
{
	return st && store_dialect(st) == STORE_POSTGRESQL;
}

/* DIR/file: read, or made (0600, random) when missing. */
static int file_load(const char *dir, const char *file, void *key, size_t len, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT_SECRET;
	int r, fd;

	strbuf_addf(&path, "%s/%s", dir, file);
	r = strbuf_read_file(&data, path.buf, 4096);
	if (r == -ENOENT) {
		randombytes_buf(key, len);
		fd = open(path.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, key, len) != (ssize_t)len || fsync(fd) < 0) {
			int e = errno ? errno : EIO;
			error_set(err, "cannot create '%s': %s", path.buf, strerror(e));
			r = -e;
		} else {
			r = 0;
		}
		if (fd >= 0)
			close(fd);
	} else if (r < 0 || data.len != len) {
		error_set(err, "cannot read '%s': %s; remove it and a new one is made at start",
		          path.buf, r < 0 ? strerror(-r) : "it is not of the right length");
		r = r < 0 ? r : -EINVAL;
	} else {
		memcpy(key, data.buf, len);
	}
	strbuf_release_secret(&data);
	strbuf_release(&path);
	return r;
}

/* The row name, whatever its length (at most SECRET_FILE_MAX): 0, -ENOENT, or an error. */
static int row_bytes(struct store *st, const char *name, struct strbuf *out, struct strbuf *err)
{
	struct query *q;
	const void *v;
	size_t n = 0;
	int r = query_prepare(st, "SELECT value FROM secrets WHERE name = ?", &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, name);
	r = query_step(q, err);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	v = query_blob(q, 0, &n);
	strbuf_reset(out);
	if (v && n <= SECRET_FILE_MAX)
		strbuf_add(out, v, n);
	else
		error_set(err, "the database's secret '%s' is too large", name);
	r = v && n <= SECRET_FILE_MAX ? 0 : -EINVAL;
	query_wipe(q);
	return r;
}

/* The row name: 0 with key, -ENOENT when there is none, -EINVAL of another length. */
static int row_read(struct store *st, const char *name, void *key, size_t len, struct strbuf *err)
{
	struct strbuf v = STRBUF_INIT_SECRET;
	int r = row_bytes(st, name, &v, err);

	if (r == 0 && v.len == len) {
		memcpy(key, v.buf, len);
	} else if (r == 0 || r == -EINVAL) {
		error_set(err,
		          "the database's secret '%s' is not of the right length; delete its row "
		          "(DELETE FROM secrets WHERE name = '%s') and a new one is made at start",
		          name, name);
		r = -EINVAL;
	}
	strbuf_release_secret(&v);
	return r;
}

static int row_insert(struct store *st, const char *name, const void *key, size_t len,
                      struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "INSERT INTO secrets (name, value) VALUES (?, ?)"
	                      " ON CONFLICT (name) DO NOTHING",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, name);
	query_bind_blob(q, 2, key, len);
	return query_run(q, err);
}

int secret_load(struct store *st, const char *dir, const char *name, const char *file, void *key,
                size_t len, struct strbuf *err)
{
	unsigned char fresh[SECRET_MAX_LEN];
	int r;

	if (len == 0 || len > SECRET_MAX_LEN) {
		error_set(err, "a secret of %zu bytes", len);
		return -EINVAL;
	}
	if (!in_database(st))
		return file_load(dir, file, key, len, err);
	r = row_read(st, name, key, len, err);
	if (r != -ENOENT)
		return r;
	/* The first node to ask makes it; a node asking at the same moment reads the winner's. */
	randombytes_buf(fresh, len);
	r = row_insert(st, name, fresh, len, err);
	sodium_memzero(fresh, sizeof(fresh));
	if (r == 0)
		r = row_read(st, name, key, len, err);
	if (r == -ENOENT) {
		error_set(err, "the database's secret '%s' vanished while it was made", name);
		r = -EIO;
	}
	return r;
}

int secret_file_share(struct store *st, const char *name, const char *path, bool *ret_have,
                      struct strbuf *err)
{
	struct strbuf row = STRBUF_INIT_SECRET, file = STRBUF_INIT_SECRET;
	int rr, rf, r = 0, fd;

	*ret_have = true;
	rr = row_bytes(st, name, &row, err);
	rf = strbuf_read_file(&file, path, SECRET_FILE_MAX);
	if (rr < 0 && rr != -ENOENT) {
		r = rr;
	} else if (rf < 0 && rf != -ENOENT) {
		error_set(err, "cannot read '%s': %s", path, strerror(-rf));
		r = rf;
	} else if (rr == -ENOENT && rf == -ENOENT) {
		*ret_have = false;
	} else if (rr == -ENOENT) {
		/* the first node's key into the database; a node that raced us wins, then differs
		 */
		r = row_insert(st, name, file.buf, file.len, err);
		if (r == 0)
			r = row_bytes(st, name, &row, err);
		rr = 0;
	} else if (rf == -ENOENT) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, row.buf, row.len) != (ssize_t)row.len || fsync(fd) < 0) {
			int e = errno ? errno : EIO;
			error_set(err, "cannot create '%s': %s", path, strerror(e));
			r = -e;
		}
		if (fd >= 0)
			close(fd);
		if (r == 0)
			strbuf_add(&file, row.buf, row.len);
	}
	if (r == 0 && *ret_have &&
	    (row.len != file.len || sodium_memcmp(row.buf, file.buf, row.len) != 0)) {
		error_set(err,
		          "'%s' differs from the ward's (the database's secret '%s'): every node "
		          "needs the same; remove this node's file and it is written from the "
		          "database",
		          path, name);
		r = -EEXIST;
	}
	strbuf_release_secret(&row);
	strbuf_release_secret(&file);
	return r;
}

int secret_to_file(struct store *st, const char *dir, const char *name, const char *file,
                   size_t len, struct strbuf *err)
{
	unsigned char key[SECRET_MAX_LEN];
	struct strbuf path = STRBUF_INIT;
	struct query *q;
	int fd, r;

	if (len == 0 || len > SECRET_MAX_LEN) {
		error_set(err, "a secret of %zu bytes", len);
		return -EINVAL;
	}
	r = row_read(st, name, key, len, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	strbuf_addf(&path, "%s/%s", dir, file);
	fd = open(path.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, key, len) != (ssize_t)len || fsync(fd) < 0) {
		int e = errno ? errno : EIO;
		error_set(err, "cannot create '%s': %s", path.buf, strerror(e));
		r = -e;
	}
	if (fd >= 0)
		close(fd);
	sodium_memzero(key, sizeof(key));
	strbuf_release(&path);
	if (r == 0)
		r = query_prepare(st, "DELETE FROM secrets WHERE name = ?", &q, err);
	if (r == 0) {
		query_bind_text(q, 1, name);
		r = query_run(q, err);
	}
	return r < 0 ? r : 1;
}

int secret_migrate(const char *dir, const char *file, struct store *dst, const char *name,
                   size_t len, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT_SECRET;
	int r;

	if (!in_database(dst)) {
		error_set(err, "secrets move into a PostgreSQL store only");
		return -EINVAL;
	}
	strbuf_addf(&path, "%s/%s", dir, file);
	r = strbuf_read_file(&data, path.buf, 4096);
	if (r == -ENOENT) {
		r = 0;
	} else if (r < 0 || data.len != len) {
		error_set(err, "cannot read '%s': %s", path.buf,
		          r < 0 ? strerror(-r) : "it is not of the right length");
		r = r < 0 ? r : -EINVAL;
	} else {
		r = row_insert(dst, name, data.buf, len, err);
		if (r == 0 && query_changes(dst) != 1) {
			error_set(err, "the database already holds a secret '%s'", name);
			r = -EEXIST;
		}
		r = r < 0 ? r : 1;
	}
	strbuf_release_secret(&data);
	strbuf_release(&path);
	return r;
}
