/* guard: makes the door the only writer of the domain tables, on every connection core opens. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/guard.h"
#include "store/store.h"

/*
 * The tables of schema/0002-core.sql (test-guard checks) and the door's later tables:
 * attachments (0008), the TOTP credential (0014), API tokens (0015), record_grants (0016),
 * the moves dated ahead (0021).
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
	"user_moves",
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

#define GUARD_OF(h) ((struct guard *)(void *)((char *)(h)-offsetof(struct guard, hooks)))

static void note_table(struct guard *g, const char *table)
{
	snprintf(g->last_table, sizeof(g->last_table), "%s", table);
}

static bool may_write(struct store_hooks *h, const char *table, bool schema)
{
	struct guard *g = GUARD_OF(h);

	/* Schema changes belong to migrations, which run before the guard is installed. */
	if ((schema || !g->open) && guard_domain_table(table)) {
		g->refusals++;
		note_table(g, table);
		return false;
	}
	return true;
}

static void changed(struct store_hooks *h, const char *table)
{
	struct guard *g = GUARD_OF(h);

	if (!g->open && guard_domain_table(table)) {
		g->violated = true;
		note_table(g, table);
	}
}

static bool may_commit(struct store_hooks *h)
{
	struct guard *g = GUARD_OF(h);

	if (g->violated) {
		g->violated = false;
		return false;
	}
	return true;
}

static void rolled_back(struct store_hooks *h)
{
	GUARD_OF(h)->violated = false;
}

int guard_install(struct store *st, struct guard *g, struct strbuf *err)
{
	g->st = st;
	g->open = false;
	g->violated = false;
	g->hooks.may_write = may_write;
	g->hooks.changed = changed;
	g->hooks.may_commit = may_commit;
	g->hooks.rolled_back = rolled_back;
	g->hooks.tables = domain_tables;
	return store_hooks_install(st, &g->hooks, err);
}

void guard_uninstall(struct store *st)
{
	store_hooks_uninstall(st);
}

int guard_protect_reader(struct store *st, struct strbuf *err)
{
	static _Thread_local struct guard reader;

	return guard_install(st, &reader, err);
}
