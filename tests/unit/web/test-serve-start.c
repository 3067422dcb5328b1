/*
 * test-serve-start: web_serve when an open of the database fails while it starts (on
 * PostgreSQL: its connections used up). Each open from the n-th on fails, for each n up to the
 * server's own connection for signing the checkpoints (web/http-serve.c serve_leader_open): the
 * server does not start, and web_serve returns the error. It returned 0 for that connection, so
 * `mamori serve` exited 0 without a word. Its message says what failed and what to do, in
 * Japanese too (as cmd_serve says it). Linked with -Wl,--wrap=store_open: on SQLite the file
 * cannot be made to fail there from outside (SQLite opens it again through a descriptor that a
 * closed connection left).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"
#include "tmpdir.h"
#include "web/web.h"

int __real_store_open(const char *dir, unsigned flags, struct store **ret, struct strbuf *err);
int __wrap_store_open(const char *dir, unsigned flags, struct store **ret, struct strbuf *err);

static int opens, fail_from; /* store_open calls so far; from which one they fail (0: none) */

int __wrap_store_open(const char *dir, unsigned flags, struct store **ret, struct strbuf *err)
{
	if (fail_from && ++opens >= fail_from) {
		/* what store_pg_open says when PostgreSQL has no connection left */
		error_set(err,
		          "cannot connect to PostgreSQL '%s': %s; check the URL in mamori.conf "
		          "[store] and that the server runs",
		          "db.example", "FATAL: sorry, too many clients already");
		return -EIO;
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

static void test_signer_connection_refused(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct strbuf ja = STRBUF_INIT;
	int n, r = 0;

	/* the ward's own opens first (the database, the web's key), then the signer's */
	for (n = 1; n < 10; n++) {
		r = serve_failing(f, n);
		print_message("# open %d failing: %d %s\n", n, r, f->err.buf);
		assert_true(r < 0);
		assert_true(f->err.len > 0);
		if (strstr(f->err.buf, "signs the ledger's checkpoints"))
			break;
	}
	assert_true(n < 10);
	assert_int_equal(r, -EIO);
	assert_string_equal(
	    f->err.buf,
	    "cannot open the database connection that signs the ledger's checkpoints, so the "
	    "server does not start: cannot connect to PostgreSQL 'db.example': FATAL: sorry, too "
	    "many clients already; check the URL in mamori.conf [store] and that the server runs; "
	    "start it again once that is fixed");

	/* in Japanese, as cmd_serve says it (cli_error("%s", err.buf)) */
	assert_int_equal(cli_lang_init("ja"), 0);
	r = serve_failing(f, n);
	assert_int_equal(r, -EIO);
	assert_true(cli_say_core_error(&ja, f->err.buf));
	print_message("# %s\n", ja.buf);
	assert_non_null(strstr(ja.buf, "台帳のチェックポイントに署名するためのデータベース接続を"
	                               "開けないため、サーバーを起動しません: cannot connect to "
	                               "PostgreSQL 'db.example'"));
	assert_non_null(strstr(ja.buf, "。原因を取り除いてから、もう一度起動してください"));
	assert_int_equal(cli_lang_init("en"), 0);
	strbuf_release(&ja);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signer_connection_refused, tmpdir_setup_store,
		                                tmpdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
