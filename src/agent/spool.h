/* spool: the agent's batches waiting for the server, on disk, in order, bounded. */
#ifndef MAMORI_AGENT_SPOOL_H
#define MAMORI_AGENT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/*
 * DIR/NAME/<20-digit sequence number>.json (.ndjson for log lines), each written to a
 * temporary name, synced and renamed, so a crash leaves whole batches or none. The agent keeps
 * two: "spool" (file integrity results, whose numbers the server checks for gaps) and
 * "spool-logs" (followed log lines). The sequence numbers come from DIR/NAME/next, synced
 * once a batch is spooled (or dropped): a number is never used by two batches that reach the
 * spool, and an agent stopped between taking a number and spooling its batch takes the same
 * number again (no gap where nothing was lost).
 * When the spool holds max_bytes or max_files, a new batch is dropped, not an old one (the
 * oldest are kept, as the texts want the record of what happened first), and the drop is
 * counted in DIR/spool/dropped until a batch that fits carries the count to the server.
 */
struct agent_spool {
	char *dir;
	uint64_t next_seq;
	uint64_t dropped;
	size_t max_bytes, max_files;
	size_t bytes, files;
	/* a batch removed after a failed put, the removal not yet synced: spool_reserve syncs
	 * the directory first (else a power loss could bring the batch back beside a new one
	 * holding the same lines) */
	bool unsynced;
	/* a batch whose put failed once its name was made (the directory's sync failed) and
	 * whose removal failed too: whole, but not spooled (a log batch's lines are read again),
	 * so it must not go; spool_reserve and spool_held remove it first, and while they cannot
	 * the spool takes and sends nothing */
	char *stuck;
	/* the drop count the stuck batch carries (gap.dropped): given back to the count
	 * (spool_untake_dropped) once the batch is removed, not before: a restart finds the batch
	 * and sends it with the count, which the file "dropped" then does not hold again */
	uint64_t stuck_dropped;
	/* the agent said the hold this tick (agent.c: said once a tick, however often asked) */
	bool held_said;
	uint64_t next_durable; /* the number the file "next" holds (written and synced) */
};

int spool_open(const char *state_dir, const char *name, size_t max_bytes, size_t max_files,
               struct agent_spool *ret, struct strbuf *err);
void spool_close(struct agent_spool *s);
/* The number the next batch gets (kept by spool_put); -errno with err set while a batch not
 * spooled cannot be removed (spool_held) or its removal synced. */
int spool_reserve(struct agent_spool *s, uint64_t *ret_seq, struct strbuf *err);
/* Whether the spool is held: a batch whose put failed is still there under its name (its
 * removal failed): tries to remove it again; -errno with err set (nothing may be sent from the
 * spool, nor taken into it) while that fails, else 0. */
int spool_held(struct agent_spool *s, struct strbuf *err);
/* What a batch is: file integrity results (JSON) or followed log lines (NDJSON). */
enum spool_kind { SPOOL_FIM = 0, SPOOL_LOGS = 1 };

/*
 * Writes batch seq. Returns 0, or -ENOSPC when the spool is full: the batch is dropped and
 * counted (spool_take_dropped gives the count to put into the next batch).
 */
int spool_put(struct agent_spool *s, uint64_t seq, enum spool_kind kind, const char *data,
              size_t len, struct strbuf *err);
/* Drops counted so far, and clears the count (call when a batch carrying it is spooled). */
uint64_t spool_take_dropped(struct agent_spool *s);
/* Undoes spool_take_dropped when that batch could not be spooled. */
void spool_untake_dropped(struct agent_spool *s, uint64_t n);
/* The oldest batch: 1 with seq, kind and its bytes, 0 when empty, negative on error. */
int spool_oldest(struct agent_spool *s, uint64_t *ret_seq, enum spool_kind *ret_kind,
                 struct strbuf *out, struct strbuf *err);
int spool_remove(struct agent_spool *s, uint64_t seq, enum spool_kind kind, struct strbuf *err);
/*
 * Whether batch seq may be sent: once it is sent and removed, only the file "next" keeps its
 * number from being given again after a restart (the server would take the new batch as a
 * duplicate and drop it), so "next" is written again first when it does not hold a number past
 * seq. 0, or -errno with err set (then the batch must wait).
 */
int spool_sendable(struct agent_spool *s, uint64_t seq, struct strbuf *err);
/* Whether batch seq is in the spool. */
bool spool_has(const struct agent_spool *s, uint64_t seq, enum spool_kind kind);

#endif
