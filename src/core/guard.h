/* guard: makes the door the only writer of the domain tables, on every connection core opens. */
#ifndef MAMORI_CORE_GUARD_H
#define MAMORI_CORE_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/*
 * The store's write hooks (store_hooks_install) on the connection:
 *  - an authorizer that refuses to prepare INSERT, UPDATE or DELETE on a domain table
 *    unless the door is open (guard_enter .. guard_leave), and
 *  - an update hook that notes any row change to a domain table made while the door is
 *    closed (a statement prepared earlier and reused), with a commit hook that then turns
 *    the COMMIT into a ROLLBACK.
 * Together they make "nothing but the door writes the domain tables" a property the
 * database enforces, not a convention (tests/unit/core/test-guard.c). On PostgreSQL a trigger
 * on each domain table does the same (store_hooks.tables; tests/unit/store/test-store-pg.c).
 */
struct guard {
	struct store_hooks hooks; /* set by guard_install */
	struct store *st;
	bool open;         /* the door is running an act */
	bool violated;     /* a domain row changed outside the door in this transaction */
	uint64_t refusals; /* statements refused by the authorizer */
	char last_table[64];
};

/* 0, or a negative errno with err (PostgreSQL: the guard's triggers could not be made). */
int guard_install(struct store *st, struct guard *g, struct strbuf *err);
/*
 * For a connection that only reads (a web server's per-thread connection): the same hooks
 * with a guard that is never open, so nothing on it can write the domain tables. The guard
 * lives in thread-local storage: use it for connections used by one thread.
 */
int guard_protect_reader(struct store *st, struct strbuf *err);
void guard_uninstall(struct store *st);
/*
 * On PostgreSQL these also open and close the door for the transaction (store_hooks_door); a
 * failure there needs no answer: the triggers then refuse the act's writes.
 */
static inline void guard_enter(struct guard *g)
{
	g->open = true;
	(void)store_hooks_door(g->st, true, NULL);
}
static inline void guard_leave(struct guard *g)
{
	g->open = false;
	(void)store_hooks_door(g->st, false, NULL);
}
/* True when name is one of the domain tables (schema/0002-core.sql). */
bool guard_domain_table(const char *name);

#endif
