/* heartbeat: whether this machine's host stopped it (bench-ledger paced's "host stops" rows).
 *
 * This VM's host caps its CPU in periods of 100 ms (a CPU quota that counts the guest's CPUs and
 * the host's own work for its disk): once a period's share is spent, both virtual CPUs stop until
 * the next period begins, 3-10 ms at a time (docs/ledger.md, "The host's CPU quota"). Nothing in
 * the guest sees it but time passing: a thread that sleeps 1 ms and wakes late by more than
 * HEARTBEAT_LATE_NS was stopped, and a stop by the host's quota ends at the same moment of every
 * period, where other lateness (the thread waiting for a CPU behind the guest's own threads) ends
 * anywhere. So the lateness that ends within a millisecond either side of the one moment of a
 * 100 ms period where the most of it ends is counted as the host's.
 */
#ifndef MAMORI_BENCH_HEARTBEAT_H
#define MAMORI_BENCH_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>

#define HEARTBEAT_LATE_NS   (3 * 1000000LL)
#define HEARTBEAT_PERIOD_NS (100 * 1000000LL)
#define HEARTBEAT_MIN_STOPS 3 /* fewer at the period's moment count as none */

struct heartbeat;

struct heartbeat_sum {
	uint64_t late;   /* wake-ups late by over HEARTBEAT_LATE_NS */
	uint64_t stops;  /* of them, those that end at the period's moment: the host's stops */
	int64_t stop_ns; /* their lateness summed */
	bool ran;        /* the heartbeat ran (else nothing is known) */
	bool fifo;       /* it ran SCHED_FIFO (else at the default policy: less sure) */
};

/* Starts the heartbeat's thread (SCHED_FIFO when this process may); NULL if it cannot start. */
struct heartbeat *heartbeat_start(void);
/* Stops it and sums the wake-ups late by over HEARTBEAT_LATE_NS that ended in [from, until)
 * (CLOCK_MONOTONIC ns); frees h. */
struct heartbeat_sum heartbeat_stop(struct heartbeat *h, int64_t from, int64_t until);
/* The stops of lateness ends at[] (ns), n of them, by phase (the pure part, for tests). */
uint64_t heartbeat_phase_stops(const int64_t *end, const int64_t *late, uint64_t n,
                               int64_t *ret_stop_ns);

#endif
