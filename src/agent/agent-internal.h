/* agent-internal: what the agent's loop (agent.c) and its file integrity part (agent-fim.c) share.
 */
#ifndef MAMORI_AGENT_AGENT_INTERNAL_H
#define MAMORI_AGENT_AGENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "agent/agent.h"
#include "agent/follow.h"
#include "agent/http.h"
#include "agent/spool.h"
#include "base/json.h"
#include "base/strbuf.h"

struct agent {
	const struct agent_opts *o;
	struct agent_http http;
	struct agent_spool spool;    /* file integrity batches: STATE/spool */
	struct agent_spool logspool; /* followed log lines: STATE/spool-logs */
	struct fim_key *key;
	char id[33];
	char host[256];
	char *config;  /* absolute */
	char *fim_dir; /* STATE/fim */
	uint64_t generation;
	char sha256[65]; /* of the baseline in force, "" before the first */
	uint64_t entries;
	char config_sha256[65];
	struct follow_set follow;
	/* STATE/fim's last change (fim/current, a new baseline) is in force but its folder's sync
	 * failed: synced again at each tick until it works (agent-fim.c) */
	bool fim_unsynced;
	/* something this tick did failed or was held (said as it happened): `--once` exits 1 */
	bool tick_failed;
};

/* agent.c: a line on stderr, "mamori agent: TIME MESSAGE"; bytes as lowercase hex (out: 2n+1);
 * a batch's head (its id, number, kind, the agent, the baseline in force); a finished batch
 * spooled (a full spool drops it, counted into the next one). */
void agent_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void agent_hex(const uint8_t *d, size_t n, char *out);
void agent_batch_head(struct agent *a, struct json_writer *w, uint64_t seq, const char *kind,
                      uint64_t dropped);
void agent_spool_batch(struct agent *a, uint64_t seq, const struct strbuf *json, uint64_t dropped);
/* A batch of its head alone, of kind ("heartbeat", "baseline"), numbered and spooled. */
int agent_head_batch(struct agent *a, const char *kind, struct strbuf *err);

/* agent-fim.c: the generation in force read from STATE/fim/current; one tick's check (the first
 * time: baseline generation 1); a generation the server accepted made from its batch's delta;
 * the baseline in force announced again (a "baseline" batch). */
int agent_fim_load(struct agent *a);
int agent_fim_tick(struct agent *a, struct strbuf *err);
int agent_fim_accept(struct agent *a, uint64_t generation, const char *batch, struct strbuf *err);
int agent_baseline_batch(struct agent *a, struct strbuf *err);

#endif
