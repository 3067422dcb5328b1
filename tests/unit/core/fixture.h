/* fixture: a fresh ward (Minato profile, an administrator) in a temporary directory for core tests.
 */
#ifndef MAMORI_TEST_CORE_FIXTURE_H
#define MAMORI_TEST_CORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/timeutil.h"
#include "core/act.h"
#include "core/read.h"
#include "core/records.h"
#include "core/setup.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "tmpdir.h"

struct fixture {
	char dir[64];
	struct strbuf err;
	struct door *d;
};

static inline int fixture_setup_profile(void **state, const char *profile)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct setup_options so = { .profile = profile };
	struct strbuf shown = STRBUF_INIT;

	if (tmpdir_make(f->dir, sizeof(f->dir), "core") < 0)
		return -1;
	strbuf_init(&f->err, 0);
	if (tmpdir_store(f->dir, 0, NULL, &f->err) < 0)
		return -1;
	if (setup_ward(f->dir, &so, &shown, &f->err) < 0) {
		fprintf(stderr, "setup_ward: %s\n", f->err.buf);
		return -1;
	}
	strbuf_release_secret(&shown);
	if (door_open(f->dir, 0, &f->d, &f->err) < 0)
		return -1;
	*state = f;
	return 0;
}

static inline int fixture_setup(void **state)
{
	return fixture_setup_profile(state, "minato");
}

static inline int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	door_free(f->d);
	if (tmpdir_remove(f->dir) < 0)
		return -1;
	strbuf_release(&f->err);
	free(f);
	return 0;
}

/* Runs an act and returns its outcome (fails the test on an error). */
static inline enum act_outcome fx_act(struct fixture *f, struct act_input *in,
                                      struct act_result *res)
{
	struct act_result local = ACT_RESULT_INIT;
	struct act_result *r = res ? res : &local;
	enum act_outcome o;

	if (!in->ctx.via)
		in->ctx.via = "test";
	if (act_run(f->d, in, r, &f->err) < 0)
		fail_msg("act %s failed: %s", act_kind_action(in->kind), f->err.buf);
	o = r->outcome;
	if (!res)
		act_result_release(&local);
	return o;
}

static inline void fx_admin(struct fixture *f, enum act_kind kind, const char *target,
                            const struct act_attr *fields, size_t n)
{
	struct act_input in = { .kind = kind, .actor = "admin", .target = target };
	struct act_result res = ACT_RESULT_INIT;

	in.fields = fields;
	in.n_fields = n;
	if (fx_act(f, &in, &res) != ACT_DONE)
		fail_msg("%s %s not done: %s", act_kind_action(kind), target, res.message);
	act_result_release(&res);
}

static inline void fx_section(struct fixture *f, const char *id, const char *name)
{
	struct act_attr a[] = { { "name", name } };
	fx_admin(f, ACT_SECTION_ADD, id, a, 1);
}

static inline void fx_user(struct fixture *f, const char *login, const char *section)
{
	struct act_attr a[] = { { "name", login }, { "section", section } };
	fx_admin(f, ACT_USER_ADD, login, a, 2);
}

static inline void fx_grant(struct fixture *f, const char *login, const char *role)
{
	struct act_attr a[] = { { "role", role } };
	fx_admin(f, ACT_ROLE_GRANT, login, a, 1);
}

/* A record of 税務課's asset register ("課税台帳", access controlled) at level by actor, which
 * must be done at once; its id. */
static inline int64_t fx_asset(struct fixture *f, const char *actor, const char *level)
{
	struct act_attr fields[] = { { "title", "課税台帳" }, { "access_controlled", "true" } };
	struct act_input in = { .kind = ACT_RECORD, .actor = actor, .register_id = "asset" };
	struct act_result res = ACT_RESULT_INIT;
	int64_t id;

	in.fields = fields;
	in.n_fields = 2;
	in.level = level;
	in.section = "zeimu";
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	id = res.record_id;
	act_result_release(&res);
	return id;
}

/* How many records of register reg whose text holds text (NULL: all) login may read, now; the
 * page lists every one of them. */
static inline int64_t fx_search(struct fixture *f, const char *login, const char *reg,
                                const char *text)
{
	struct reader *rd = NULL;
	struct record_query q = { .register_id = reg, .text = text, .count = true };
	struct record_page pg = { 0 };
	int64_t n;

	if (reader_for_login(door_store(f->d), door_profile(f->d), login, time_now_ms(), &rd,
	                     &f->err) < 0)
		fail_msg("reader %s: %s", login, f->err.buf);
	if (records_query(door_store(f->d), rd, &q, &pg, &f->err) < 0)
		fail_msg("query: %s", f->err.buf);
	n = pg.total;
	assert_int_equal((int64_t)pg.list.nr, n);
	record_page_release(&pg);
	reader_unref(rd);
	return n;
}

/* A row count by a one-column query. */
static inline int64_t fx_count(struct fixture *f, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(store_db(door_store(f->d)), sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

#endif
