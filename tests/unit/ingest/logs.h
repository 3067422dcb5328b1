/* logs: what the log tests on a ward's door share (test-pipeline.c, test-follow.c): the
 * ledger's head, the analysed mark and a bulk of messages collected without analysis. Include
 * after ../core/fixture.h. */
#ifndef MAMORI_TEST_INGEST_LOGS_H
#define MAMORI_TEST_INGEST_LOGS_H

#include <stdint.h>

struct fixture;

/* The ledger's size: the index of the next entry. */
uint64_t head(struct fixture *f);

/* log_state.analysed: where a restart's analysis starts again. */
uint64_t analysed_mark(struct fixture *f);

/* n messages of host bulk01 ("... n=SEQ") from tcp:192.0.2.9 through an ingest without
 * analysis (as `log import` with no server), in batches of up to 1,000, synced and closed. */
void submit_bulk(struct fixture *f, unsigned n);

#endif
