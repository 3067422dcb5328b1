/* agent-logs: log batches sent with an Idempotency-Key (POST /api/v1/logs), each stored once. */
#ifndef MAMORI_CORE_AGENT_LOGS_H
#define MAMORI_CORE_AGENT_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

struct door;
struct ledger;

enum log_batch_state {
	LOG_BATCH_NEW,    /* never seen: store every line */
	LOG_BATCH_DONE,   /* stored before: answer with received/bad, store nothing */
	LOG_BATCH_RESUME, /* a run that stopped half-way stored some lines: store the others */
};

struct log_batch_claim {
	enum log_batch_state state;
	uint64_t received, bad; /* DONE: what the first time received */
	uint64_t stored;        /* RESUME: lines of the batch already in the ledger */
	uint8_t *lines;         /* RESUME: bit n set: line n (1-based) is in the ledger */
	uint64_t n_lines;       /* bits in lines */
};

/*
 * Claims the batch key (1..128 letters, digits and "._:-") for storing, noting it before any
 * line is stored. A batch that a server run stopped storing half-way (a crash between its
 * lines and its note) is looked for in the ledger from where it stood then (entries whose
 * payload names batch=KEY: lg, the caller's own ledger connection), and only the lines not
 * found are to be stored. Returns 0, -EINVAL for a malformed key, -EBUSY when this server is
 * storing the same key right now (the sender tries again later).
 */
int agent_log_batch_claim(struct door *d, struct ledger *lg, const char *key, int64_t token_id,
                          struct log_batch_claim *ret, struct strbuf *err);
/* RESUME: whether line lineno is already stored. */
bool log_batch_claim_has(const struct log_batch_claim *c, uint64_t lineno);
void log_batch_claim_release(struct log_batch_claim *c);
/* Once every line is durable: the batch is done, with what it received in all. */
int agent_log_batch_done(struct door *d, const char *key, uint64_t received, uint64_t bad,
                         struct strbuf *err);
/* Storing failed: the next attempt looks for what reached the ledger. */
int agent_log_batch_abandon(struct door *d, const char *key, struct strbuf *err);

#endif
