/*
 * test-serve-start: web_serve when an open of the database fails while it starts. Each open
 * from the n-th on fails, for each n up to the door's (the ward's check, the web's key, the
 * store asked its dialect for the checkpoint signer, the door): the server does not start, and
 * web_serve returns the error, said in Japanese too (as cmd_serve says it). It returned 0 at
 * the signer's (web/http-serve.c serve_leader_open), so `mamori serve` exited 0 without a word.
 * Linked with -Wl,--wrap=store_open: on SQLite the file cannot be made to fail there from
 * outside (SQLite opens it through a descriptor that a closed connection left). On PostgreSQL
 * the error also names the signer's connection, with the store's own inside it: this SQLite
 * ward passes for one there (-Wl,--wrap=store_dialect: the ward's check finds PostgreSQL, and
 * the signer's open fails as libpq's connection would), and in Japanese both are said in
 * Japanese (review-small L2: the store's stayed English, error capture kept only the last).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"
#include "tmpdir.h"
#include "web/web.h"

int __real_store_open(const char *dir, unsigned flags, struct store **ret, struct strbuf *err);
int __wrap_store_open(const char *dir, unsigned flags, struct store **ret, struct strbuf *err);

enum store_dialect __real_store_dialect(const struct store *st);
enum store_dialect __wrap_store_dialect(const struct store *st);

static int opens, fail_from; /* store_open calls so far; from which one they fail (0: none) */
static bool pass_for_pg;     /* the ward's first store passes for PostgreSQL's */

enum store_dialect __wrap_store_dialect(const struct store *st)
{
	if (pass_for_pg && opens == 1)
		return STORE_POSTGRESQL;
	return __real_store_dialect(st);
}

int __wrap_store_open(const char *dir, unsigned flags, struct store **ret, struct strbuf *err)
{
	if (fail_from && ++opens >= fail_from && pass_for_pg) {
		/* what store/pg.c says when the server has no connection left */
		error_set(err,
		          "cannot connect to PostgreSQL '%s': %s; check the URL in mamori.conf "
		          "[store] and that the server runs",
		          "db.example", "FATAL:  sorry, too many clients already");
		return -ECONNREFUSED;
	}
	if (fail_from && opens >= fail_from) {
		/* what store_error says when SQLite cannot open the file */
		error_set(err, "cannot open '%s' (%s: %s); check that it exists and is writable",
		          "/ward/mamori.db", "open", "unable to open database file");
		return -EACCES;
	}
	return __real_store_open(dir, flags, ret, err);
}

/* web_serve with the opens from the n-th on failing: its result, its message in err. */
static int serve_failing(struct tmpdir_fixture *f, int n)
{
	struct web_config cfg = { .dir = f->dir, .listen = "127.0.0.1:0" };

	opens = 0;
	fail_from = n;
	strbuf_reset(&f->err);
	int r = web_serve(&cfg, &f->err);
	fail_from = 0;
	return r;
}

static void test_open_fails_at_start(void **state)
{
	static const char said[] = "cannot open '/ward/mamori.db' (open: unable to open database "
	                           "file); check that it exists and is writable";
	struct tmpdir_fixture *f = *state;
	struct strbuf ja = STRBUF_INIT;

	for (int n = 1; n <= 4; n++) {
		int r = serve_failing(f, n);
		print_message("# open %d failing: %d %s\n", n, r, f->err.buf);
		assert_int_equal(r, -EACCES);
		assert_int_equal(opens, n); /* it stopped there */
		assert_string_equal(f->err.buf, said);
	}
	/* in Japanese, as cmd_serve says it (cli_error("%s", err.buf)): all of it */
	assert_int_equal(cli_lang_init("ja"), 0);
	assert_int_equal(serve_failing(f, 3), -EACCES);
	assert_true(cli_say_core_error(&ja, f->err.buf));
	print_message("# %s\n", ja.buf);
	assert_string_equal(ja.buf,
	                    "「/ward/mamori.db」を開けません（open: unable to open database "
	                    "file）。存在して書込み可能か確認してください");
	assert_int_equal(cli_lang_init("en"), 0);
	strbuf_release(&ja);
}

/* On PostgreSQL the signer's open failing names that connection, and the store's reason. */
static void test_signer_fails_on_pg(void **state)
{
	static const char why[] = "cannot connect to PostgreSQL 'db.example': FATAL:  sorry, too "
	                          "many clients already; check the URL in mamori.conf [store] "
	                          "and that the server runs";
	struct tmpdir_fixture *f = *state;
	struct strbuf en = STRBUF_INIT, ja = STRBUF_INIT;

	strbuf_addf(&en,
	            "cannot open the database connection that signs the ledger's checkpoints, so "
	            "the server does not start: %s; start it again once that is fixed",
	            why);
	pass_for_pg = true;
	assert_int_equal(serve_failing(f, 3), -ECONNREFUSED);
	assert_int_equal(opens, 3);
	assert_string_equal(f->err.buf, en.buf);
	/* in Japanese, as cmd_serve says it: the signer's words, then the store's, in Japanese */
	assert_int_equal(cli_lang_init("ja"), 0);
	assert_int_equal(serve_failing(f, 3), -ECONNREFUSED);
	pass_for_pg = false;
	assert_true(cli_say_core_error(&ja, f->err.buf));
	print_message("# %s\n", ja.buf);
	assert_string_equal(
	    ja.buf, "監査ログのチェックポイントに署名するためのデータベース接続ができないため、"
	            "サーバーを起動しません: PostgreSQL「db.example」に接続できません: "
	            "FATAL:  sorry, too many clients already。mamori.conf の [store] の URL "
	            "と、サーバーが動いているかを確認してください。原因を取り除いてから、"
	            "もう一度起動してください");
	assert_int_equal(cli_lang_init("en"), 0);
	strbuf_release(&en);
	strbuf_release(&ja);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_fails_at_start, tmpdir_setup_store,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_signer_fails_on_pg, tmpdir_setup_store,
		                                tmpdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
