/* retention: erasing collected messages at the end of the profile's retention.access_log. */
#ifndef MAMORI_INGEST_RETENTION_H
#define MAMORI_INGEST_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

struct store;
struct ledger;
struct profile;

#define LOG_RETENTION_REGISTER "access_log" /* the profile's retention key for collected logs */

/* What retention would do, or did. */
struct log_retention {
	int64_t keep_seconds; /* the profile's retention.access_log */
	int64_t cutoff_ms;    /* messages received before this go */
	uint64_t messages;    /* messages in the index blocks that go */
	uint64_t blocks;
	uint64_t first, last; /* their ledger indexes (when messages > 0) */
	uint64_t erased;      /* payloads erased (apply) */
	uint64_t entry;       /* the retention entry's index (apply, when erased > 0) */
};

/*
 * Plans: every whole block of the index whose messages were all received before now minus
 * the profile's retention.access_log. -ENOENT (err set) when the profile keeps collected
 * logs for ever (no retention.access_log).
 */
int log_retention_plan(struct store *st, const struct profile *p, int64_t now_ms,
                       struct log_retention *ret, struct strbuf *err);
/*
 * Erases the planned messages' sealed payloads (ledger_erase_payloads: only ingest entries;
 * the entries and the tree stay and verify; a retention entry records it) and deletes their
 * index blocks, so they can no longer be searched. Returns 0 or -errno.
 */
int log_retention_apply(struct store *st, struct ledger *lg, struct log_retention *plan,
                        int64_t now_ms, struct strbuf *err);

#endif
