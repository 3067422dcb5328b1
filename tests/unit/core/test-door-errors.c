/* test-door-errors: the door's error paths leave no transaction open and lose nothing. A fault
 * is injected with a trigger created by another connection (as another process would see it),
 * so the door meets a genuine SQLite error in the middle of an act. */
#include <pthread.h>

#include "fixture.h"
#include "door-threads.h"

#include <dirent.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "core/backup.h"
#include "core/records-internal.h"
#include "core/requests.h"

static int64_t fake_now;
static int64_t fake_clock(void)
{
	return fake_now;
}

/* Runs sql on a connection of its own (not the door's). Returns the SQLite result code. */
static int other_exec(struct fixture *f, const char *sql)
{
	char path[128];
	sqlite3 *db = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", f->dir, STORE_DB_NAME);
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* Counts rows on another connection: only what is committed. */
static int64_t other_count(struct fixture *f, const char *sql)
{
	char path[128];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t n = -1;

	snprintf(path, sizeof(path), "%s/%s", f->dir, STORE_DB_NAME);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/*
 * An approval of an expired request is refused and closes the request (a refusal's side
 * effect, in a savepoint of its own). When closing fails, the act fails, and the batch's
 * transaction must be gone: the next act is durable and another connection can write.
 */
static void test_refusal_side_effect_fails(void **state)
{
	struct fixture *f = *state;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input ap = { .kind = ACT_APPROVE, .actor = "suzuki", .ctx.via = "test" };
	struct act_input copy = { .kind = ACT_RECORD, .actor = "sato", .action = "asset.copy" };
	int64_t rec, acts, records;

	fx_section(f, "zeimu", "税務課");
	fx_user(f, "sato", "zeimu");
	fx_user(f, "suzuki", "zeimu");
	fx_grant(f, "suzuki", "security_officer@section:zeimu");
	rec = fx_asset(f, "sato", "3");
	fake_now = time_now_ms();
	door_set_clock(f->d, fake_clock);
	copy.record_id = rec;
	assert_int_equal(fx_act(f, &copy, &res), ACT_PENDING);
	ap.request_id = res.request_id;
	act_result_release(&res);
	fake_now += 15LL * 24 * 3600 * 1000; /* the request has expired */

	assert_int_equal(other_exec(f, "CREATE TRIGGER fault_close BEFORE UPDATE OF state ON "
	                               "requests WHEN NEW.state = 'expired' BEGIN SELECT "
	                               "RAISE(ABORT, 'injected fault'); END"),
	                 SQLITE_OK);
	acts = other_count(f, "SELECT count(*) FROM acts");
	assert_true(act_run(f->d, &ap, &res, &f->err) < 0);
	assert_non_null(strstr(f->err.buf, "injected fault"));
	/* Nothing of the failed act is kept, and no transaction is left open. */
	assert_int_equal(store_txn_depth(door_store(f->d)), 0);
	assert_int_equal(other_count(f, "SELECT count(*) FROM acts"), acts);
	assert_int_equal(other_count(f, "SELECT count(*) FROM requests WHERE state = 'pending'"),
	                 1);
	/* Another process can write (no BEGIN IMMEDIATE held by the door) ... */
	assert_int_equal(other_exec(f, "DROP TRIGGER fault_close"), SQLITE_OK);
	/* ... and the door's next act is committed, visible to another connection at once. */
	records = other_count(f, "SELECT count(*) FROM records");
	fx_asset(f, "sato", "2");
	assert_int_equal(other_count(f, "SELECT count(*) FROM records"), records + 1);
	assert_int_equal(other_count(f, "SELECT count(*) FROM acts"), acts + 1);
	/* With the fault cleared the approval is refused and the request closed, as usual. */
	strbuf_reset(&f->err);
	assert_int_equal(fx_act(f, &ap, &res), ACT_REFUSED);
	act_result_release(&res);
	assert_int_equal(other_count(f, "SELECT count(*) FROM requests WHERE state = 'expired'"),
	                 1);
	door_set_clock(f->d, NULL);
}

/*
 * The search index's fold (schema/0029, core/records-text.c) runs in the transaction of the
 * batch that notes the 64th record: when it fails, that batch fails whole (its act is not
 * acknowledged, nothing of it is kept, no transaction stays open) and the records noted
 * before stay noted; with the fault gone the next act folds them all.
 */
static void test_text_fold_fails(void **state)
{
	struct fixture *f = *state;
	struct act_attr fields[] = { { "title", "課税台帳" }, { "access_controlled", "true" } };
	struct act_input in = { .kind = ACT_RECORD, .actor = "sato", .register_id = "asset" };
	struct act_result res = ACT_RESULT_INIT;
	int64_t acts;

	fx_section(f, "zeimu", "税務課");
	fx_user(f, "sato", "zeimu");
	for (int i = 0; i < RECORDS_TEXT_FOLD - 1; i++)
		fx_asset(f, "sato", "2");
	assert_int_equal(other_count(f, "SELECT count(*) FROM records_text_pending"),
	                 RECORDS_TEXT_FOLD - 1);
	assert_int_equal(other_exec(f, "CREATE TRIGGER fault_fold BEFORE DELETE ON "
	                               "records_text_pending BEGIN SELECT "
	                               "RAISE(ABORT, 'injected fault'); END"),
	                 SQLITE_OK);
	acts = other_count(f, "SELECT count(*) FROM acts");
	in.fields = fields;
	in.n_fields = 2;
	in.level = "2";
	in.section = "zeimu";
	in.ctx.via = "test";
	assert_true(act_run(f->d, &in, &res, &f->err) < 0);
	assert_non_null(strstr(f->err.buf, "injected fault"));
	assert_int_equal(store_txn_depth(door_store(f->d)), 0);
	assert_int_equal(other_count(f, "SELECT count(*) FROM acts"), acts);
	assert_int_equal(other_count(f, "SELECT count(*) FROM records"), RECORDS_TEXT_FOLD - 1);
	assert_int_equal(other_count(f, "SELECT count(*) FROM records_text"), 0);
	assert_int_equal(other_count(f, "SELECT count(*) FROM records_text_pending"),
	                 RECORDS_TEXT_FOLD - 1);
	assert_int_equal(other_exec(f, "DROP TRIGGER fault_fold"), SQLITE_OK);
	fx_asset(f, "sato", "2");
	assert_int_equal(other_count(f, "SELECT count(*) FROM records_text"), RECORDS_TEXT_FOLD);
	assert_int_equal(other_count(f, "SELECT count(*) FROM records_text_pending"), 0);
	assert_int_equal(other_count(f, "SELECT count(*) FROM acts"), acts + 1);
}

/* Files in dir whose name starts with prefix. */
static int count_prefixed(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

/* A backup whose act cannot be recorded fails, and its file does not stay behind. */
static void test_backup_act_fails(void **state)
{
	struct fixture *f = *state;
	struct backup_info bi = { 0 };
	struct act_context ctx = { .via = "test" };
	char file[128];
	int64_t acts;

	snprintf(file, sizeof(file), "%s/backup-1.db", f->dir);
	acts = other_count(f, "SELECT count(*) FROM acts");
	assert_int_equal(other_exec(f, "CREATE TRIGGER fault_act BEFORE INSERT ON acts BEGIN "
	                               "SELECT RAISE(ABORT, 'injected fault'); END"),
	                 SQLITE_OK);
	assert_true(backup_take(f->d, file, "admin", &ctx, &bi, &f->err) < 0);
	assert_non_null(strstr(f->err.buf, "injected fault"));
	backup_info_release(&bi);
	assert_int_equal(access(file, F_OK), -1);
	assert_int_equal(count_prefixed(f->dir, "backup-1.db"), 0); /* no .partial-* either */
	assert_int_equal(other_count(f, "SELECT count(*) FROM acts"), acts);
	assert_int_equal(store_txn_depth(door_store(f->d)), 0);
	/* Cleared, the same backup is taken and ledgered. */
	assert_int_equal(other_exec(f, "DROP TRIGGER fault_act"), SQLITE_OK);
	strbuf_reset(&f->err);
	assert_int_equal(backup_take(f->d, file, "admin", &ctx, &bi, &f->err), 0);
	assert_int_equal(bi.act.outcome, ACT_DONE);
	backup_info_release(&bi);
	assert_int_equal(access(file, F_OK), 0);
	assert_int_equal(other_count(f, "SELECT count(*) FROM acts"), acts + 1);
}

/* Restore errors keep their own code and say what was wrong. */
static void test_restore_errors(void **state)
{
	struct fixture *f = *state;
	struct backup_info bi = { 0 };
	struct act_context ctx = { .via = "test" };
	char file[128], dir[160];

	snprintf(file, sizeof(file), "%s/b.db", f->dir);
	assert_int_equal(backup_take(f->d, file, "admin", &ctx, &bi, &f->err), 0);
	backup_info_release(&bi);
	snprintf(dir, sizeof(dir), "%s/no/such/parent", f->dir);
	strbuf_reset(&f->err);
	assert_int_equal(backup_restore(file, dir, NULL, 0, &bi, &f->err), -ENOENT);
	assert_non_null(strstr(f->err.buf, strerror(ENOENT)));
	strbuf_reset(&f->err);
	assert_int_equal(backup_restore(file, file, NULL, 0, &bi, &f->err), -ENOTDIR);
	assert_non_null(strstr(f->err.buf, "not a directory"));
	snprintf(dir, sizeof(dir), "%s/restored", f->dir);
	strbuf_reset(&f->err);
	assert_int_equal(backup_restore(file, dir, NULL, 0, &bi, &f->err), 0);
	assert_true(bi.ledger_size > 0);
}

/*
 * An act whose caller authenticated its actor at an identity stamp and did not read it again
 * (act_input.check_identity: an API act on a worker's memo) is done only while the stamp is
 * the same in the act's own transaction: after users, roles or tokens changed on another
 * connection (another process), nothing is done or ledgered and act_run says -EKEYEXPIRED,
 * for the caller to authenticate afresh.
 */
static void test_identity_checked_in_the_act(void **state)
{
	struct fixture *f = *state;
	struct act_attr fields[] = { { "title", "台帳" }, { "access_controlled", "true" } };
	struct act_input in = { .kind = ACT_RECORD,
		                .actor = "sato",
		                .register_id = "asset",
		                .level = "2",
		                .section = "zeimu",
		                .ctx.via = "test" };
	struct act_result res = ACT_RESULT_INIT;
	int64_t acts, records;

	fx_section(f, "zeimu", "税務課");
	fx_user(f, "sato", "zeimu");
	in.fields = fields;
	in.n_fields = 2;
	in.check_identity = true;
	in.identity_stamp = other_count(f, "SELECT n FROM identity_stamp");
	assert_true(in.identity_stamp >= 0);
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE); /* unchanged */
	act_result_release(&res);
	acts = other_count(f, "SELECT count(*) FROM acts");
	records = other_count(f, "SELECT count(*) FROM records");

	assert_int_equal(other_exec(f, "UPDATE users SET name = '佐藤（改）' WHERE login = 'sato'"),
	                 SQLITE_OK);
	assert_int_equal(act_run(f->d, &in, &res, &f->err), -EKEYEXPIRED);
	assert_int_equal(other_count(f, "SELECT count(*) FROM acts"), acts);
	assert_int_equal(other_count(f, "SELECT count(*) FROM records"), records);
	/* the batch let go: another connection writes */
	assert_int_equal(other_exec(f, "UPDATE users SET name = '佐藤' WHERE login = 'sato'"),
	                 SQLITE_OK);
	assert_int_equal(act_run(f->d, &in, &res, &f->err), -EKEYEXPIRED); /* moved again */

	/* read afresh: done; and an act that asks for no check is done whatever the stamp */
	in.identity_stamp = other_count(f, "SELECT n FROM identity_stamp");
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	act_result_release(&res);
	in.check_identity = false;
	in.identity_stamp = 0;
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	act_result_release(&res);
	assert_int_equal(other_count(f, "SELECT count(*) FROM records"), records + 2);
}

/* An act run by a thread of its own, queued on the door (door-threads.h) while the test leads. */
struct queued_act {
	struct door *d;
	struct act_input in;
	int ret;
	enum act_outcome outcome;
	bool identity_checked;
	atomic_bool finished;
};

static void *queued_act_main(void *arg)
{
	struct queued_act *q = arg;
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT;

	q->ret = act_run(q->d, &q->in, &res, &err);
	q->outcome = res.outcome;
	q->identity_checked = res.identity_checked;
	act_result_release(&res);
	strbuf_release(&err);
	atomic_store(&q->finished, true);
	return NULL;
}

/* Starts q's thread and waits until its act is the queue's n-th. */
static void queue_act(struct fixture *f, struct queued_act *q, pthread_t *t, size_t n)
{
	q->d = f->d;
	q->ret = -1;
	atomic_init(&q->finished, false);
	assert_int_equal(pthread_create(t, NULL, queued_act_main, q), 0);
	door_wait_queued(f->d, n);
}

static void join_acts(struct queued_act *q, pthread_t *t, size_t n)
{
	struct timespec ts = { 0, 1000000L };
	int64_t until = time_mono_ns() + DOOR_WAIT_NS;

	for (size_t i = 0; i < n; i++) {
		while (!atomic_load(&q[i].finished) && time_mono_ns() < until)
			nanosleep(&ts, NULL);
		assert_true(atomic_load(&q[i].finished));
		pthread_join(t[i], NULL);
	}
}

static const struct act_attr batch_fields[] = { { "title", "台帳" },
	                                        { "access_controlled", "true" } };

/* sato's record act, checked at stamp (the caller's identity as it kept it) */
static struct act_input checked_record(int64_t stamp)
{
	return (struct act_input){ .kind = ACT_RECORD,
		                   .actor = "sato",
		                   .register_id = "asset",
		                   .level = "2",
		                   .section = "zeimu",
		                   .fields = batch_fields,
		                   .n_fields = 2,
		                   .ctx.via = "test",
		                   .check_identity = true,
		                   .identity_stamp = stamp };
}

/*
 * One batch of three acts, good, stale, good (the second kept its identity at a stamp that has
 * moved since): the stale one alone is undone (in its own savepoint) and says -EKEYEXPIRED, and
 * the other two are done and ledgered in the same commit.
 */
static void test_identity_checked_in_a_batch(void **state)
{
	struct fixture *f = *state;
	struct queued_act q[3] = { 0 };
	pthread_t t[3];
	int64_t stamp, acts, records;

	fx_section(f, "zeimu", "税務課");
	fx_user(f, "sato", "zeimu");
	stamp = other_count(f, "SELECT n FROM identity_stamp");
	acts = other_count(f, "SELECT count(*) FROM acts");
	records = other_count(f, "SELECT count(*) FROM records");

	door_lead(f->d);
	for (size_t i = 0; i < 3; i++) {
		q[i].in = checked_record(i == 1 ? stamp - 1 : stamp);
		queue_act(f, &q[i], &t[i], i + 1);
	}
	door_unlead(f->d);
	join_acts(q, t, 3);
	assert_int_equal(f->d->last_batch, 3); /* one batch */
	assert_int_equal(q[0].ret, 0);
	assert_int_equal(q[0].outcome, ACT_DONE);
	assert_true(q[0].identity_checked);
	assert_int_equal(q[1].ret, -EKEYEXPIRED);
	assert_false(q[1].identity_checked);
	assert_int_equal(q[2].ret, 0);
	assert_int_equal(q[2].outcome, ACT_DONE);
	assert_true(q[2].identity_checked);
	assert_int_equal(other_count(f, "SELECT count(*) FROM acts"), acts + 2);
	assert_int_equal(other_count(f, "SELECT count(*) FROM records"), records + 2);
}

/*
 * A token revoked by the first act of a batch: a later act of the same batch, checked at the
 * stamp its caller kept before, sees the revocation's move in the batch's own transaction and
 * is not done (its caller then reads the token afresh: revoked).
 */
static void test_identity_revoked_earlier_in_the_batch(void **state)
{
	struct fixture *f = *state;
	static const char digest[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct act_attr a[] = { { "label", "連携" }, { "scope", "api" } };
	struct act_input issue = { .kind = ACT_TOKEN_ISSUE, .actor = "admin", .target = "sato" };
	struct act_result res = ACT_RESULT_INIT;
	struct queued_act q[2] = { 0 };
	pthread_t t[2];
	char target[24];
	int64_t stamp, records;

	fx_section(f, "zeimu", "税務課");
	fx_user(f, "sato", "zeimu");
	issue.fields = a;
	issue.n_fields = 2;
	issue.blob = digest;
	issue.blob_len = 64;
	assert_int_equal(fx_act(f, &issue, &res), ACT_DONE);
	snprintf(target, sizeof(target), "%lld", (long long)res.token_id);
	act_result_release(&res);
	stamp = other_count(f, "SELECT n FROM identity_stamp");
	records = other_count(f, "SELECT count(*) FROM records");

	door_lead(f->d);
	q[0].in = (struct act_input){
		.kind = ACT_TOKEN_REVOKE, .actor = "admin", .target = target, .ctx.via = "test"
	};
	queue_act(f, &q[0], &t[0], 1);
	q[1].in = checked_record(stamp);
	queue_act(f, &q[1], &t[1], 2);
	door_unlead(f->d);
	join_acts(q, t, 2);
	assert_int_equal(f->d->last_batch, 2); /* one batch */
	assert_int_equal(q[0].ret, 0);
	assert_int_equal(q[0].outcome, ACT_DONE);
	assert_int_equal(q[1].ret, -EKEYEXPIRED);
	assert_false(q[1].identity_checked);
	assert_int_equal(other_count(f, "SELECT count(*) FROM api_tokens WHERE revoked_ms IS NULL"),
	                 0);
	assert_int_equal(other_count(f, "SELECT count(*) FROM records"), records);
	assert_true(other_count(f, "SELECT n FROM identity_stamp") > stamp);
}

/*
 * A database whose stamp's triggers are not all there (store/schema.c) keeps no stamp for the
 * door either: an act checked at any stamp is not done, so its caller reads its identity afresh
 * (fails safe); an act that asks for no check is done as ever. So for a door open before the
 * trigger went (another process's migration while the server runs). A door opened after makes
 * them again (an open that migrates) and moves the stamp, so that an identity kept before is
 * not acted on: only one read at the new stamp is.
 */
static void test_identity_without_triggers(void **state)
{
	struct fixture *f = *state;
	struct act_input in;
	struct act_result res = ACT_RESULT_INIT;
	struct door *d = NULL;
	int64_t stamp;

	fx_section(f, "zeimu", "税務課");
	fx_user(f, "sato", "zeimu");
	stamp = other_count(f, "SELECT n FROM identity_stamp");
	in = checked_record(stamp);
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE); /* with its triggers */
	assert_true(res.identity_checked);
	act_result_release(&res);
	assert_int_equal(other_exec(f, "DROP TRIGGER identity_stamp_users_update"), SQLITE_OK);
	assert_int_equal(act_run(f->d, &in, &res, &f->err), -EKEYEXPIRED);
	assert_false(res.identity_checked);
	in.check_identity = false;
	assert_int_equal(act_run(f->d, &in, &res, &f->err), 0);
	assert_int_equal(res.outcome, ACT_DONE);
	act_result_release(&res);
	in.check_identity = true;
	assert_int_equal(door_open(f->dir, 0, &d, &f->err), 0);
	assert_int_equal(other_count(f, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
	                                "AND name = 'identity_stamp_users_update'"),
	                 1);
	assert_int_equal(other_count(f, "SELECT n FROM identity_stamp"), stamp + 1);
	assert_int_equal(act_run(d, &in, &res, &f->err), -EKEYEXPIRED);
	assert_false(res.identity_checked);
	assert_int_equal(act_run(f->d, &in, &res, &f->err), -EKEYEXPIRED);
	in = checked_record(stamp + 1);
	assert_int_equal(act_run(d, &in, &res, &f->err), 0);
	assert_int_equal(res.outcome, ACT_DONE);
	assert_true(res.identity_checked);
	act_result_release(&res);
	door_free(d);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_refusal_side_effect_fails),
		T(test_text_fold_fails),
		T(test_backup_act_fails),
		T(test_restore_errors),
		T(test_identity_checked_in_the_act),
		T(test_identity_checked_in_a_batch),
		T(test_identity_revoked_earlier_in_the_batch),
		T(test_identity_without_triggers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
