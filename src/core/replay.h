/* replay: a draft profile against the past (docs/audits.md "The policy review"): every decision
 * the door took on a record act in a period is decided again, on the very request the door
 * decided (sealed beside the act's ledger entry), under the profile in force and under the draft,
 * and the ones whose outcome, approvers or clauses differ are listed. */
#ifndef MAMORI_CORE_REPLAY_H
#define MAMORI_CORE_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

struct door;
struct ledger;
struct profile;
struct store;

/* One past decision the draft decides differently from the profile in force. */
struct replay_change {
	int64_t act_id, request_id, record_id, at_ms;
	uint64_t ledger_index;
	char *actor, *action;
	char *recorded; /* the act's outcome: done, pending, refused */
	char *then;     /* under the version that decided it: allow, deny, approval:ROLE@SCOPE+.. */
	char *before;   /* under the profile in force, the same form */
	char *after; /* under the draft, the same form; "unknown action" when the draft lacks it */
	char *before_clauses, *after_clauses; /* "MIN-3-3-3,MIN-3-3-4": the clauses it cites */
};

struct replay_result {
	size_t replayed; /* decisions decided again */
	/*
	 * Record acts whose request the ledger does not hold: made before Mamori sealed each
	 * decision's request (version 0.x), or whose payload a retention erased. They are not
	 * replayed, and the count says so.
	 */
	size_t without_request;
	struct replay_change *items;
	size_t nr;
};

/*
 * Replays the record acts of people in [from_ms, to_ms) (ordered by act) against draft: each
 * act's sealed decision request (ledger payload "request") is decided under the version the
 * act names (kept in the store), under the profile in force (door_profile) and under the draft;
 * an act is listed when the draft's decision — effect, approvers (role@scope) or the clauses
 * cited — differs from the profile in force's. Returns 0 or a negative code with err.
 */
int replay_profile(struct door *d, const struct profile *draft, int64_t from_ms, int64_t to_ms,
                   struct replay_result *ret, struct strbuf *err);
/* The same with a store and ledger of the caller's (a web worker's) and the profile in force. */
int replay_profile_in(struct store *st, struct ledger *lg, const struct profile *current,
                      const struct profile *draft, int64_t from_ms, int64_t to_ms,
                      struct replay_result *ret, struct strbuf *err);
void replay_result_release(struct replay_result *r);

/*
 * The same review clause by clause: each clause of the profile in force (its order), then each
 * only the draft has, that the draft changes or whose decisions change: what changed in the
 * clause itself ("added", "removed", "cite", "text", "quote", "law", "kind", "iso27001"; none
 * when only its decisions change) and the changed decisions citing it before or after (act ids,
 * r's order). Clauses neither changed nor cited by a changed decision are left out.
 */
struct replay_clause {
	char *id;
	char *changes; /* "text,kind", or "" */
	int64_t *acts;
	size_t n_acts;
};
void replay_clauses(const struct profile *current, const struct profile *draft,
                    const struct replay_result *r, struct replay_clause **ret, size_t *ret_n);
void replay_clauses_release(struct replay_clause *v, size_t n);

#endif
