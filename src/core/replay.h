/* replay: a draft profile against the past (docs/audits.md "The policy review"): every decision
 * the door took on a record act in a period is decided again under the profile version that
 * took it and under the draft, on the same input, and the ones that differ are listed. */
#ifndef MAMORI_CORE_REPLAY_H
#define MAMORI_CORE_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

struct profile;
struct store;

/* One past decision the draft decides differently. */
struct replay_change {
	int64_t act_id, request_id, record_id, at_ms;
	char *actor, *action;
	char *recorded; /* the act's outcome: done, pending, refused */
	char *before;   /* under the version that decided it: allow, deny, approval:ROLE@SCOPE+.. */
	char *after; /* under the draft, the same form; "unknown action" when the draft lacks it */
};

struct replay_result {
	size_t replayed;       /* decisions decided again */
	size_t not_reproduced; /* whose replay under their own version differs from the record */
	struct replay_change *items;
	size_t nr;
};

/*
 * Replays the record acts of [from_ms, to_ms) (ordered by act) against draft. The input of
 * each decision is the one the door stored: for an act that asked for approval the request
 * (applicant, the record's level, section and system then, the values given and the context);
 * otherwise the act's values over the record's attributes, without its state then. The person's
 * roles are the ones they held at the act's time. Each act is decided under the profile version
 * it names (kept in the store) and under the draft. Returns 0 or a negative code with err.
 */
int replay_profile(struct store *st, const struct profile *draft, int64_t from_ms, int64_t to_ms,
                   struct replay_result *ret, struct strbuf *err);
void replay_result_release(struct replay_result *r);

#endif
