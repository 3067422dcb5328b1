/* logs: the log tests' shared helpers (logs.h). */
#include "../core/fixture.h"

#include <stdio.h>

#include "logs.h"

#include "ingest/ingest.h"
#include "ingest/logindex.h"
#include "ledger/ledger.h"

uint64_t head(struct fixture *f)
{
	uint8_t root[MERKLE_HASH_SIZE];
	uint64_t size = 0;

	if (ledger_head(door_ledger(f->d), &size, root, &f->err) < 0)
		fail_msg("head: %s", f->err.buf);
	return size;
}

uint64_t analysed_mark(struct fixture *f)
{
	uint64_t indexed = 0, analysed = 0;

	assert_int_equal(logindex_state(door_store(f->d), &indexed, &analysed, &f->err), 0);
	return analysed;
}

#define BULK_BATCH 1000

void submit_bulk(struct fixture *f, unsigned n)
{
	static char text[BULK_BATCH][96];
	static struct ingest_msg m[BULK_BATCH];
	static uint64_t seq; /* the messages' lines, never repeated in a process */
	struct ingest *g = NULL;
	struct ingest_source src = { .origin = { .via = "tcp", .peer = "192.0.2.9:1" },
		                     .name = "tcp:192.0.2.9" };

	assert_int_equal(ingest_open(f->dir, NULL, &g, &f->err), 0);
	while (n) {
		unsigned k = n < BULK_BATCH ? n : BULK_BATCH;

		for (unsigned i = 0; i < k; i++) {
			m[i].seq = ++seq;
			m[i].len =
			    (size_t)snprintf(text[i], sizeof(text[i]),
			                     "<13>1 2026-11-22T02:46:00Z bulk01 app - - - n=%llu",
			                     (unsigned long long)m[i].seq);
			m[i].data = text[i];
			m[i].flags = 0;
		}
		if (ingest_submit(g, &src, m, k, &f->err) < 0)
			fail_msg("ingest: %s", f->err.buf);
		n -= k;
	}
	assert_int_equal(ingest_sync(g, &f->err), 0);
	assert_int_equal(ingest_close(g, &f->err), 0);
}
