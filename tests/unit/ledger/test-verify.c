/* test-verify: ledger_verify and ledger_verify_offline catch tampering and name the place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "ledger/ledger.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "tmpdir.h"

struct fixture {
	char dir[64], exp[96];
	struct store *st;
	struct ledger *lg;
	struct strbuf err, cp_small, cp_big;
};

static void append_notes(struct fixture *f, unsigned n, unsigned tag)
{
	struct ledger_entry *es = xcalloc(n, sizeof(*es));
	char(*bufs)[32] = xcalloc(n, 32);

	for (unsigned i = 0; i < n; i++) {
		snprintf(bufs[i], 32, "note %u.%u", tag, i);
		es[i] = (struct ledger_entry){ .kind = ENTRY_NOTE,
			                       .time_ms = i,
			                       .data = (const uint8_t *)bufs[i],
			                       .data_len = strlen(bufs[i]) };
	}
	if (ledger_append(f->lg, es, n, NULL, &f->err) != 0)
		fail_msg("append: %s", f->err.buf);
	free(es);
	free(bufs);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (tmpdir_make(f->dir, sizeof(f->dir), "verify") < 0)
		return -1;
	snprintf(f->exp, sizeof(f->exp), "%s/export", f->dir);
	strbuf_init(&f->err, 0);
	strbuf_init(&f->cp_small, 0);
	strbuf_init(&f->cp_big, 0);
	if (tmpdir_store(f->dir, 0, &f->st, &f->err) < 0 ||
	    ledger_open(f->st, &f->lg, &f->err) < 0 ||
	    ledger_init_keys(f->dir, "verify", &f->err) < 0)
		return -1;
	append_notes(f, 300, 1);
	if (ledger_checkpoint_sign(f->lg, f->dir, &f->cp_small, &f->err) < 0)
		return -1;
	append_notes(f, 400, 2);
	if (ledger_checkpoint_sign(f->lg, f->dir, &f->cp_big, &f->err) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ledger_close(f->lg);
	store_close(f->st);
	if (tmpdir_remove(f->dir) < 0)
		return -1;
	strbuf_release(&f->err);
	strbuf_release(&f->cp_small);
	strbuf_release(&f->cp_big);
	free(f);
	return 0;
}

static void expect_fail(struct fixture *f, const char *want)
{
	struct ledger_verify_result res;

	assert_int_equal(ledger_verify(f->lg, f->dir, NULL, 0, &res, &f->err), -EBADMSG);
	if (!strstr(f->err.buf, want))
		fail_msg("verify said '%s', not '%s'", f->err.buf, want);
}

static void sql(struct fixture *f, const char *q)
{
	if (store_exec(f->st, q, &f->err) < 0)
		fail_msg("%s: %s", q, f->err.buf);
}

/* Flips one bit of a stored blob, as someone with write access to the file would. */
static void flip_bit(struct fixture *f, const char *select, const char *update, int64_t key,
                     size_t offset)
{
	sqlite3_stmt *s = store_prepare(f->st, select, &f->err);
	struct strbuf blob = STRBUF_INIT;

	sqlite3_bind_int64(s, 1, key);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	strbuf_add(&blob, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
	sqlite3_reset(s);
	assert_true(offset < blob.len);
	blob.buf[offset] ^= 1;
	s = store_prepare(f->st, update, &f->err);
	sqlite3_bind_blob(s, 1, blob.buf, (int)blob.len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, key);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_reset(s);
	strbuf_release(&blob);
}

static void test_intact(void **state)
{
	struct fixture *f = *state;
	struct ledger_verify_result res;
	struct strbuf extra[2] = { STRBUF_INIT, STRBUF_INIT };

	strbuf_add(&extra[0], f->cp_small.buf, f->cp_small.len);
	strbuf_add(&extra[1], f->cp_big.buf, f->cp_big.len);
	assert_int_equal(ledger_verify(f->lg, f->dir, extra, 2, &res, &f->err), 0);
	assert_int_equal(res.entries, 700);
	assert_int_equal(res.checkpoints, 2); /* the given ones are the stored ones: counted once */
	strbuf_release(&extra[0]);
	strbuf_release(&extra[1]);
}

static void test_changed_entry(void **state)
{
	struct fixture *f = *state;

	/* byte 5 of the bundle is inside entry 256's time field */
	flip_bit(f, "SELECT data FROM ledger_bundle WHERE n = ?",
	         "UPDATE ledger_bundle SET data = ? WHERE n = ?", 1, 5);
	expect_fail(f, "entry 256 does not match its stored hash");
}

/* The partial bundle 2 is the second append's row in ledger_tail; its leaves' hashes are not
 * stored (schema/0026), so the head's root and the checkpoints are what hold it. */
static void test_changed_tail_entry(void **state)
{
	struct fixture *f = *state;

	flip_bit(f, "SELECT data FROM ledger_tail WHERE idx = ?",
	         "UPDATE ledger_tail SET data = ? WHERE idx = ?", 512, 5);
	expect_fail(f, "one of entries 300..699 was changed");
}

static void test_missing_tail(void **state)
{
	struct fixture *f = *state;

	sql(f, "DELETE FROM ledger_tail WHERE idx >= 512");
	expect_fail(f, "entries 512..699 are missing");
}

static void test_swapped_rows(void **state)
{
	struct fixture *f = *state;

	sql(f, "UPDATE ledger_bundle SET n = -1 WHERE n = 0; UPDATE ledger_bundle SET n = 0 WHERE "
	       "n = 1; UPDATE ledger_bundle SET n = 1 WHERE n = -1");
	expect_fail(f, "entry 0 does not match");
}

static void test_tile_and_head(void **state)
{
	struct fixture *f = *state;

	sql(f, "UPDATE ledger_tile SET hashes = zeroblob(length(hashes)) WHERE id = 1");
	expect_fail(f, "entry 256 does not match");
}

static void test_replaced_checkpoint(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *s =
	    store_prepare(f->st, "UPDATE ledger_checkpoint SET note = ? WHERE size = 300", &f->err);

	/* the later checkpoint's (valid) note filed as the earlier one */
	sqlite3_bind_text(s, 1, f->cp_big.buf, (int)f->cp_big.len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_reset(s);
	expect_fail(f, "stored checkpoint 300 is filed under size 300 but is for size 700");
}

static void test_rolled_back_copy(void **state)
{
	struct fixture *f = *state;
	struct ledger_verify_result res;
	struct strbuf extra = STRBUF_INIT;

	/*
	 * Cut back to 256 entries in a way that is consistent with itself: bundles,
	 * tiles, head and later checkpoints all rewritten. The root of 256 entries is
	 * the first node of the level-1 tile.
	 */
	sql(f, "DELETE FROM ledger_bundle WHERE n >= 1; DELETE FROM ledger_tail; "
	       "DELETE FROM ledger_tile WHERE id IN (1, 2); "
	       "UPDATE ledger_tile SET width = 1, hashes = substr(hashes, 1, 32) WHERE id = "
	       "72057594037927936; DELETE FROM ledger_checkpoint WHERE size > 256; "
	       "UPDATE ledger_head SET size = 256, root = (SELECT hashes FROM ledger_tile WHERE id "
	       "= 72057594037927936), range = (SELECT hashes FROM ledger_tile WHERE id = "
	       "72057594037927936)");
	/* alone it looks whole... */
	assert_int_equal(ledger_verify(f->lg, f->dir, NULL, 0, &res, &f->err), 0);
	assert_int_equal(res.entries, 256);
	/* ...the auditor's checkpoint of 700 entries is what catches it */
	strbuf_add(&extra, f->cp_big.buf, f->cp_big.len);
	assert_int_equal(ledger_verify(f->lg, f->dir, &extra, 1, &res, &f->err), -EBADMSG);
	assert_non_null(strstr(f->err.buf, "beyond the end of the log, which has 256 entries"));
	strbuf_release(&extra);
}

static void test_export_offline(void **state)
{
	struct fixture *f = *state;
	struct ledger_verify_result res;
	struct strbuf extra = STRBUF_INIT, path = STRBUF_INIT, data = STRBUF_INIT;
	FILE *fp;

	assert_int_equal(ledger_export(f->lg, f->dir, f->exp, &f->err), 0);
	assert_int_equal(ledger_export(f->lg, f->dir, f->exp, &f->err), -EEXIST);
	strbuf_add(&extra, f->cp_small.buf, f->cp_small.len);
	assert_int_equal(ledger_verify_offline(f->exp, &extra, 1, &res, &f->err), 0);
	assert_int_equal(res.entries, 700);
	/* a changed byte in the second bundle */
	strbuf_addf(&path, "%s/tile/entries/001", f->exp);
	assert_int_equal(strbuf_read_file(&data, path.buf, 0), 0);
	data.buf[10] ^= 1;
	fp = fopen(path.buf, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data.buf, 1, data.len, fp), data.len);
	fclose(fp);
	assert_int_equal(ledger_verify_offline(f->exp, NULL, 0, &res, &f->err), -EBADMSG);
	assert_non_null(strstr(f->err.buf, "entry 256 does not match"));
	strbuf_release(&extra);
	strbuf_release(&path);
	strbuf_release(&data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_tail_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swapped_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tile_and_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replaced_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rolled_back_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_offline, setup, teardown),
	};
	return cmocka_run_group_tests_name("ledger-verify", tests, NULL, NULL);
}
