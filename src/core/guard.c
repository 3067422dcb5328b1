/* guard: makes the door the only writer of the domain tables, on every connection core opens. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/guard.h"
#include "store/store.h"

/*
 * The tables of schema/0002-core.sql (test-guard checks) and the door's later tables:
 * attachments (0008), the TOTP credential (0014), API tokens (0015), record_grants (0016).
 * Keep in step with them.
 */
static const char *const domain_tables[] = {
	"profiles",
	"sections",
	"systems",
	"users",
	"role_assignments",
	"records",
	"requests",
	"acts",
	"duty_log",
	"request_approvers",
	"attachments",
	"user_totp",
	"user_recovery_codes",
	"api_tokens",
	"record_grants",
	NULL,
};

bool guard_domain_table(const char *name)
{
	if (!name)
		return false;
	for (int i = 0; domain_tables[i]; i++)
		if (!strcmp(domain_tables[i], name))
			return true;
	return false;
}

static int authorizer(void *ctx, int code, const char *a, const char *b, const char *db,
                      const char *trigger)
{
	struct guard *g = ctx;

	(void)b;
	(void)db;
	(void)trigger;
	switch (code) {
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		if (!g->open && guard_domain_table(a)) {
			g->refusals++;
			snprintf(g->last_table, sizeof(g->last_table), "%s", a);
			return SQLITE_DENY;
		}
		return SQLITE_OK;
	case SQLITE_DROP_TABLE:
	case SQLITE_ALTER_TABLE:
		/* Schema changes belong to migrations, which run before the guard is installed. */
		if (guard_domain_table(a)) {
			g->refusals++;
			snprintf(g->last_table, sizeof(g->last_table), "%s", a);
			return SQLITE_DENY;
		}
		return SQLITE_OK;
	default:
		return SQLITE_OK;
	}
}

static void update_hook(void *ctx, int op, const char *db, const char *table, sqlite3_int64 rowid)
{
	struct guard *g = ctx;

	(void)op;
	(void)db;
	(void)rowid;
	if (!g->open && guard_domain_table(table)) {
		g->violated = true;
		snprintf(g->last_table, sizeof(g->last_table), "%s", table);
	}
}

static int commit_hook(void *ctx)
{
	struct guard *g = ctx;

	/* Non-zero turns the COMMIT into a ROLLBACK. */
	if (g->violated) {
		g->violated = false;
		return 1;
	}
	return 0;
}

static void rollback_hook(void *ctx)
{
	struct guard *g = ctx;

	g->violated = false;
}

void guard_install(struct store *st, struct guard *g)
{
	sqlite3 *db = store_db(st);

	g->open = false;
	g->violated = false;
	sqlite3_set_authorizer(db, authorizer, g);
	sqlite3_update_hook(db, update_hook, g);
	sqlite3_commit_hook(db, commit_hook, g);
	sqlite3_rollback_hook(db, rollback_hook, g);
}

void guard_uninstall(struct store *st)
{
	sqlite3 *db = store_db(st);

	sqlite3_set_authorizer(db, NULL, NULL);
	sqlite3_update_hook(db, NULL, NULL);
	sqlite3_commit_hook(db, NULL, NULL);
	sqlite3_rollback_hook(db, NULL, NULL);
}

void guard_protect_reader(struct store *st)
{
	static _Thread_local struct guard reader;

	guard_install(st, &reader);
}
