/* history: what happened to a record or request, read from the act log and checked against the
 * ledger. */
#ifndef MAMORI_CORE_HISTORY_H
#define MAMORI_CORE_HISTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

struct door;
struct profile;

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
	int64_t record_id; /* 0 for an act on no record (a request creating one) */
	uint64_t ledger_index;
	bool verified;
	json_t *fields;   /* object: what the act recorded, field id -> value ({} if nothing) */
	char *comment;    /* the actor's comment, or NULL */
	char *actor_name; /* the actor's display name, NULL for Mamori itself */
};

struct history {
	struct history_item *items;
	size_t nr, alloc;
};

struct store;
struct ledger;
/*
 * Acts on record_id (and on requests about it), or on request_id, oldest first, read on the
 * caller's connection and ledger (a web thread's own). What an act recorded stays visible here
 * for whoever may read the record; sealing for erasure concerns the ledger's payload.
 */
int history_record(struct store *st, struct ledger *lg, int64_t record_id, struct history *ret,
                   struct strbuf *err);
int history_request(struct store *st, struct ledger *lg, int64_t request_id, struct history *ret,
                    struct strbuf *err);
/*
 * A page of a record's history (what history_record gives, a part of it): its latest `limit`
 * acts with ids below `before` (0: the latest of all), oldest first; *older says whether
 * earlier acts remain (the next page's `before` is items[0].act_id). A record acted on all day
 * has hundreds of acts, each read from the ledger and checked: its page reads a page of them.
 */
int history_record_page(struct store *st, struct ledger *lg, int64_t record_id, int64_t before,
                        size_t limit, struct history *ret, bool *older, struct strbuf *err);
/*
 * What history_present needs without the whole history: the latest done act on the record
 * that created it or moved it to a state under profile p, with the acts of the request it
 * applied (the applicant's and the approver's); nothing when there is none.
 */
int history_record_present(struct store *st, struct ledger *lg, const struct profile *p,
                           int64_t record_id, struct history *ret, struct strbuf *err);

/*
 * The act that brought the record into its present state (the last done act whose action
 * creates it or moves it into this state), from its history; NULL if none. Its recorded
 * fields that are not the register's own describe the present state: where it is, who has
 * it, until when.
 */
const struct history_item *history_present(const struct history *h, const struct profile *p,
                                           const char *state);

/* The same on the door's connection (the CLI). */
int history_for_record(struct door *d, int64_t record_id, struct history *ret, struct strbuf *err);
int history_for_request(struct door *d, int64_t request_id, struct history *ret,
                        struct strbuf *err);
void history_release(struct history *h);

/* Recent activity as a dashboard shows it. */
struct activity_item {
	int64_t at_ms;
	char *actor_name;    /* NULL for Mamori itself */
	char *via, *os_user; /* how it came in (acts.via), the OS user for "cli" */
	char *action, *outcome;
	int64_t record_id; /* 0 when the act was on no record */
};
struct activity {
	struct activity_item *items;
	size_t nr, alloc;
};
struct reader;
/*
 * The latest acts, newest first, that the reader may see (core/read.h): their own, and acts
 * on records they may read; the administrator sees every act.
 */
int activity_recent(struct store *st, const struct reader *rd, int64_t limit, struct activity *ret,
                    struct strbuf *err);
void activity_release(struct activity *a);

#endif
