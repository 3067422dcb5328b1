/* duties: the profile's periodic duties, who owes them where, and when each is next due. */
#ifndef MAMORI_CORE_DUTIES_H
#define MAMORI_CORE_DUTIES_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/core.h"

struct profile;
struct store;

struct door;
struct policy_duty;

/*
 * One duty at one scope: the profile's duty for a role held at org, at a section or at a
 * system. It is fulfilled by 'mamori duty done' or by doing its evidence action
 * (check.record, backup.record ...) as a holder of the role there. Never fulfilled, it is
 * first due one interval after the role was first held there.
 */
struct duty_status {
	const struct policy_duty *duty;
	char *scope;          /* "org", "section:zeimu", "system:kokuho" */
	char *section;        /* the section the scope belongs to (a system's section), or NULL */
	struct strv owed_by;  /* logins of the active holders */
	int64_t last_done_ms; /* 0: never */
	char *last_done_by;   /* login, or NULL */
	/* the ledger entry of the act that last fulfilled it ('duty done' or its evidence); -1:
	 * never, or a 'duty done' recorded before the act was linked to it */
	int64_t last_done_ledger;
	int64_t next_due_ms;
	bool due; /* next_due_ms <= now */
};

struct duty_list {
	struct duty_status *items;
	size_t nr, alloc;
};

int duties_compute(struct door *d, int64_t now_ms, struct duty_list *ret, struct strbuf *err);
/*
 * The same on a caller's own connection and profile: a web worker must never use the door's
 * connection (another thread's), only its own (r->st, r->profile).
 */
int duties_compute_on(struct store *st, const struct profile *p, int64_t now_ms,
                      struct duty_list *ret, struct strbuf *err);
void duty_list_release(struct duty_list *l);
/* Soonest due first (overdue ones, being due earliest, come first). */
void duty_list_sort_due(struct duty_list *l);

#endif
