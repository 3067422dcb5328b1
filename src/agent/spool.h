/* spool: the agent's batches waiting for the server, on disk, in order, bounded. */
#ifndef MAMORI_AGENT_SPOOL_H
#define MAMORI_AGENT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/*
 * DIR/spool/<20-digit sequence number>.json, each written to a temporary name, synced and
 * renamed, so a crash leaves whole batches or none. The sequence numbers come from
 * DIR/spool/next (synced before a batch takes its number), so a number is never used twice.
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
};

int spool_open(const char *state_dir, size_t max_bytes, size_t max_files, struct agent_spool *ret,
               struct strbuf *err);
void spool_close(struct agent_spool *s);
/* The number the next batch gets (reserved and synced). */
int spool_reserve(struct agent_spool *s, uint64_t *ret_seq, struct strbuf *err);
/*
 * Writes batch seq. Returns 0, or -ENOSPC when the spool is full: the batch is dropped and
 * counted (spool_take_dropped gives the count to put into the next batch).
 */
int spool_put(struct agent_spool *s, uint64_t seq, const char *json, size_t len,
              struct strbuf *err);
/* Drops counted so far, and clears the count (call when a batch carrying it is spooled). */
uint64_t spool_take_dropped(struct agent_spool *s);
/* Undoes spool_take_dropped when that batch could not be spooled. */
void spool_untake_dropped(struct agent_spool *s, uint64_t n);
/* The oldest batch: 1 with seq and its bytes, 0 when empty, negative on error. */
int spool_oldest(struct agent_spool *s, uint64_t *ret_seq, struct strbuf *out, struct strbuf *err);
int spool_remove(struct agent_spool *s, uint64_t seq, struct strbuf *err);

#endif
