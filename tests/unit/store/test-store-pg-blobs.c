/*
 * test-store-pg-blobs: what every node of a PostgreSQL ward needs, in the database (issue 18):
 * attachments' bytes (content-addressed, in parts of 1 MiB, SHA-256 checked on read, a put cut
 * off half-way finished by the next one) and the web's key (made once by whichever node asks
 * first, the same for every connection, never a file). A SQLite ward keeps both in its data
 * directory, as before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "base/strbuf.h"
#include "core/attach.h"
#include "core/core.h"
#include "core/secret.h"
#include "store/query.h"
#include "store/store.h"

#include "pg-fixture.h"

static int64_t count(struct store *st, const char *sql)
{
	struct query *q;
	int64_t n = -1;

	assert_int_equal(query_prepare(st, sql, &q, NULL), 0);
	assert_int_equal(query_one_int(q, &n, NULL), 0);
	return n;
}

/* A PDF of len bytes whose content depends on seed. */
static char *pdf(size_t len, unsigned seed)
{
	char *b = malloc(len);

	assert_non_null(b);
	for (size_t i = 0; i < len; i++)
		b[i] = (char)('0' + (i * 7 + seed) % 10);
	memcpy(b, "%PDF-1.4\n", 9);
	return b;
}

static void test_attachments_in_database(void **state)
{
	struct fixture *f = *state;
	const size_t len = (5u << 20) / 2; /* 2.5 MiB: three parts */
	struct attach_blob blob;
	struct strbuf out = STRBUF_INIT;
	char *data, path[256];
	struct stat sb;

	NEED_PG(f);
	data = pdf(len, 1);
	assert_int_equal(attach_put(f->st, f->dir, "scan.pdf", data, len, 20 << 20, &blob, &f->err),
	                 0);
	assert_int_equal(blob.size, (int64_t)len);
	assert_int_equal(count(f->st, "SELECT count(*) FROM blob_parts"), 3);
	assert_int_equal(count(f->st, "SELECT parts FROM blobs"), 3);
	snprintf(path, sizeof(path), "%s/attachments", f->dir);
	assert_int_not_equal(stat(path, &sb), 0); /* nothing in the data directory */

	assert_int_equal(attach_present(f->st, f->dir, blob.sha256, blob.size, &f->err), 1);
	assert_int_equal(attach_present(f->st, f->dir, blob.sha256, blob.size - 1, &f->err), 0);
	assert_int_equal(attach_read(f->st, f->dir, blob.sha256, blob.size, &out, &f->err), 0);
	assert_int_equal(out.len, len);
	assert_memory_equal(out.buf, data, len);

	/* the same bytes again: stored once */
	assert_int_equal(attach_put_raw(f->st, f->dir, blob.sha256, data, len, &f->err), 0);
	assert_int_equal(count(f->st, "SELECT count(*) FROM blob_parts"), 3);
	/* bytes that do not hash to the name given are refused */
	assert_int_equal(attach_put_raw(f->st, f->dir, blob.sha256, data, len - 1, &f->err),
	                 -EBADMSG);

	/* a byte changed in the database is found on read */
	assert_int_equal(store_exec(f->st,
	                            "UPDATE blob_parts SET data = overlay(data placing 'X'::bytea "
	                            "from 100) WHERE part = 1",
	                            &f->err),
	                 0);
	assert_int_equal(attach_read(f->st, f->dir, blob.sha256, blob.size, &out, &f->err),
	                 -EBADMSG);
	assert_non_null(strstr(f->err.buf, "changed in the database"));
	/* a missing part too */
	assert_int_equal(store_exec(f->st, "DELETE FROM blob_parts WHERE part = 2", &f->err), 0);
	strbuf_reset(&f->err);
	assert_int_equal(attach_read(f->st, f->dir, blob.sha256, blob.size, &out, &f->err),
	                 -EBADMSG);
	assert_non_null(strstr(f->err.buf, "lacks its part 2"));

	/* a put cut off before its blobs row: not there; the next put finishes it */
	assert_int_equal(store_exec(f->st, "DELETE FROM blobs; DELETE FROM blob_parts", &f->err),
	                 0);
	assert_int_equal(attach_put_raw(f->st, f->dir, blob.sha256, data, len, &f->err), 0);
	assert_int_equal(
	    store_exec(f->st, "DELETE FROM blobs; DELETE FROM blob_parts WHERE part = 2", &f->err),
	    0);
	assert_int_equal(attach_present(f->st, f->dir, blob.sha256, blob.size, &f->err), 0);
	assert_int_equal(attach_read(f->st, f->dir, blob.sha256, blob.size, &out, &f->err),
	                 -ENOENT);
	assert_int_equal(attach_put_raw(f->st, f->dir, blob.sha256, data, len, &f->err), 0);
	assert_int_equal(attach_read(f->st, f->dir, blob.sha256, blob.size, &out, &f->err), 0);
	assert_memory_equal(out.buf, data, len);

	/* a SQLite ward (no store given) keeps the file in its directory, as before */
	assert_int_equal(attach_put_raw(NULL, f->sdir, blob.sha256, data, len, &f->err), 0);
	snprintf(path, sizeof(path), "%s/attachments/%.2s/%s", f->sdir, blob.sha256,
	         blob.sha256 + 2);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, (off_t)len);
	assert_int_equal(attach_present(NULL, f->sdir, blob.sha256, blob.size, &f->err), 1);
	free(data);
	strbuf_release(&out);
}

static void test_web_key_shared(void **state)
{
	struct fixture *f = *state;
	unsigned char a[SECRET_WEB_LEN], b[SECRET_WEB_LEN], c[SECRET_WEB_LEN];
	unsigned char zero[SECRET_WEB_LEN] = { 0 };
	struct store *other = NULL;
	char path[128];
	struct stat sb;

	NEED_PG(f);
	/* the first asks: made; another connection (another node) gets the same */
	assert_int_equal(
	    secret_load(f->st, f->dir, SECRET_WEB, SECRET_WEB_FILE, a, sizeof(a), &f->err), 0);
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_int_equal(store_open(f->dir, STORE_ANY_BACKEND, &other, &f->err), 0);
	assert_int_equal(
	    secret_load(other, f->dir, SECRET_WEB, SECRET_WEB_FILE, b, sizeof(b), &f->err), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(count(f->st, "SELECT count(*) FROM secrets"), 1);
	snprintf(path, sizeof(path), "%s/%s", f->dir, SECRET_WEB_FILE);
	assert_int_not_equal(stat(path, &sb), 0);
	/* a row of another length is refused, saying what to remove */
	assert_int_equal(store_exec(other, "UPDATE secrets SET value = '\\x0102'::bytea", &f->err),
	                 0);
	assert_int_equal(
	    secret_load(other, f->dir, SECRET_WEB, SECRET_WEB_FILE, b, sizeof(b), &f->err),
	    -EINVAL);
	assert_non_null(strstr(f->err.buf, "DELETE FROM secrets"));
	store_close(other);

	/* SQLite: DIR/web.secret (0600), made once */
	assert_int_equal(
	    secret_load(NULL, f->sdir, SECRET_WEB, SECRET_WEB_FILE, b, sizeof(b), &f->err), 0);
	snprintf(path, sizeof(path), "%s/%s", f->sdir, SECRET_WEB_FILE);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(
	    secret_load(NULL, f->sdir, SECRET_WEB, SECRET_WEB_FILE, c, sizeof(c), &f->err), 0);
	assert_memory_equal(b, c, sizeof(b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attachments_in_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_web_key_shared, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
