/* logindex-internal: the index block's record format, shared by building (logindex.c) and
 * searching (logindex-search.c). Not for callers outside src/ingest/logindex*.c.
 */
#ifndef MAMORI_INGEST_LOGINDEX_INTERNAL_H
#define MAMORI_INGEST_LOGINDEX_INTERNAL_H

#include <stdint.h>
#include <string.h>

/*
 * A block's data is one 20-byte record per message, in ledger order, little-endian:
 *   u32 index - first_index   i64 time_ms   u16 host   u16 app   u16 user   u8 pri   u8 flags
 * host, app and user are 1-based positions in the block's hosts, apps and users lists (0:
 * none); pri is 255 without one; flags are the message's format (low 2 bits) and its
 * enum log_flags shifted by 2.
 */
#define REC_SIZE 20

struct rec {
	uint32_t delta;
	int64_t time_ms;
	uint16_t host, app, user;
	uint8_t pri, flags;
};

static inline void rec_get(const unsigned char *b, struct rec *r)
{
	memcpy(&r->delta, b, 4);
	memcpy(&r->time_ms, b + 4, 8);
	memcpy(&r->host, b + 12, 2);
	memcpy(&r->app, b + 14, 2);
	memcpy(&r->user, b + 16, 2);
	r->pri = b[18];
	r->flags = b[19];
}

#endif
