/* test-guard: only the door writes the domain tables; any other writer is refused by SQLite. */
#include "fixture.h"

#include "core/guard.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif

static void test_direct_writes_refused(void **state)
{
	struct fixture *f = *state;
	struct store *st = door_store(f->d);
	static const char *const writes[] = {
		"INSERT INTO sections(id, name, created_ms) VALUES ('rogue', 'x', 0)",
		"UPDATE users SET status = 'suspended' WHERE login = 'admin'",
		"DELETE FROM role_assignments",
		"DELETE FROM acts",
		"UPDATE records SET state = 'x'",
		"INSERT INTO profiles(profile_id, sha256, name, content, applied_ms)"
		" VALUES ('x', 'x', 'x', 'x', 0)",
		"DROP TABLE users",
		NULL,
	};

	for (int i = 0; writes[i]; i++) {
		strbuf_reset(&f->err);
		assert_true(store_exec(st, writes[i], &f->err) < 0);
	}
	assert_int_equal(fx_count(f, "SELECT count(*) FROM sections WHERE id = 'rogue'"), 0);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM users WHERE status = 'active'"), 1);
	assert_true(fx_count(f, "SELECT count(*) FROM role_assignments") > 0);
	assert_true(fx_count(f, "SELECT count(*) FROM acts") > 0);
	/* Non-domain tables stay writable (meta is the store's, ledger_* the ledger's). */
	assert_int_equal(store_exec(st, "INSERT INTO meta(key, value) VALUES ('t', 'v')", &f->err),
	                 0);
	/* The door itself writes. */
	fx_section(f, "zeimu", "税務課");
	assert_int_equal(fx_count(f, "SELECT count(*) FROM sections WHERE id = 'zeimu'"), 1);
}

/*
 * A statement prepared while the door was open and stepped after it closed passes the
 * authorizer (which runs at prepare time); the update hook notices and the commit hook
 * turns the COMMIT into a ROLLBACK.
 */
static void test_stale_statement_rolled_back(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct guard g = { 0 };
	sqlite3_stmt *s = NULL;
	int rc;

	assert_int_equal(store_open(f->dir, 0, &st, &f->err), 0);
	assert_int_equal(guard_install(st, &g, &f->err), 0);
	guard_enter(&g);
	assert_int_equal(sqlite3_prepare_v2(store_db(st),
	                                    "INSERT INTO sections(id, name, created_ms)"
	                                    " VALUES ('stale', 'x', 0)",
	                                    -1, &s, NULL),
	                 SQLITE_OK);
	guard_leave(&g);
	assert_int_equal(store_exec(st, "BEGIN IMMEDIATE", &f->err), 0);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	assert_true(g.violated);
	assert_string_equal(g.last_table, "sections");
	rc = sqlite3_exec(store_db(st), "COMMIT", NULL, NULL, NULL);
	assert_int_not_equal(rc, SQLITE_OK);
	sqlite3_exec(store_db(st), "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(s);
	guard_uninstall(st);
	store_close(st);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM sections WHERE id = 'stale'"), 0);
}

/* A reader connection (the web's per-thread ones) refuses domain writes too. */
static void test_reader_connection(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;

	assert_int_equal(store_open(f->dir, 0, &st, &f->err), 0);
	assert_int_equal(guard_protect_reader(st, &f->err), 0);
	assert_true(store_exec(st, "UPDATE users SET status = 'retired'", &f->err) < 0);
	assert_int_equal(store_exec(st, "INSERT INTO meta(key, value) VALUES ('r', 'v')", &f->err),
	                 0);
	guard_uninstall(st);
	store_close(st);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM users WHERE status = 'retired'"), 0);
}

/* Every table schema/0002-core.sql creates is guarded: a new table cannot be forgotten. */
static void test_every_core_table_guarded(void **state)
{
	struct strbuf sql = STRBUF_INIT;
	const char *p;
	int n = 0;

	(void)state;
	assert_int_equal(strbuf_read_file(&sql, TEST_SRCDIR "/schema/0002-core.sql", 1 << 20), 0);
	for (p = sql.buf; (p = strstr(p, "CREATE TABLE ")); n++) {
		char name[64];
		size_t k = 0;
		p += strlen("CREATE TABLE ");
		while (k < sizeof(name) - 1 && (p[k] == '_' || (p[k] >= 'a' && p[k] <= 'z')))
			name[k] = p[k], k++;
		name[k] = '\0';
		if (!guard_domain_table(name))
			fail_msg("table '%s' of 0002-core.sql is not in guard.c's list", name);
	}
	assert_true(n >= 10);
	assert_false(guard_domain_table("meta"));
	assert_false(guard_domain_table("ledger_bundle"));
	strbuf_release(&sql);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_direct_writes_refused, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_stale_statement_rolled_back, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_reader_connection, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test(test_every_core_table_guarded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
