/* history: what happened to a record or request, read from the act log and checked against the
 * ledger. */
#ifndef MAMORI_CORE_HISTORY_H
#define MAMORI_CORE_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

struct door;

/*
 * One act, as the ledger entry at ledger_index says it (actor, action, decision, clauses,
 * time, profile), cross-checked with the act log: verified is true when the entry decodes
 * and agrees with the act row on actor, action, time and clauses.
 */
struct history_item {
	int64_t act_id, at_ms;
	char *actor;    /* login, or "mamori" */
	char *kind;     /* record.create, record.action, request.approve ... */
	char *action;   /* asset.copy ... */
	char *outcome;  /* done, pending, refused */
	char *decision; /* from the ledger entry */
	char *clauses;  /* space-separated, from the ledger entry */
	char *message;
	char *via, *os_user;
	char *profile_sha256;
	int64_t request_id;
	uint64_t ledger_index;
	bool verified;
};

struct history {
	struct history_item *items;
	size_t nr, alloc;
};

/* Acts on record_id (or, with request_id, on that request), oldest first. */
int history_for_record(struct door *d, int64_t record_id, struct history *ret, struct strbuf *err);
int history_for_request(struct door *d, int64_t request_id, struct history *ret,
                        struct strbuf *err);
void history_release(struct history *h);

/* Recent activity as a dashboard shows it. */
struct activity_item {
	int64_t at_ms;
	char *actor_name; /* NULL for Mamori itself */
	char *action, *outcome;
	int64_t record_id; /* 0 when the act was on no record */
};
struct activity {
	struct activity_item *items;
	size_t nr, alloc;
};
struct reader;
struct store;
/*
 * The latest acts, newest first, that the reader may see (core/read.h): their own, and acts
 * on records they may read; the administrator sees every act.
 */
int activity_recent(struct store *st, const struct reader *rd, int64_t limit, struct activity *ret,
                    struct strbuf *err);
void activity_release(struct activity *a);

#endif
