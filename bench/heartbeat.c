/* heartbeat: a 1 ms heartbeat whose late wake-ups say when the host stopped this VM
 * (heartbeat.h). */
#include "heartbeat.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HEARTBEAT_MAX 65536 /* late wake-ups kept (~10 a second over a run of minutes) */

struct heartbeat {
	pthread_t thread;
	int stop;
	bool fifo;
	uint64_t n;
	int64_t end[HEARTBEAT_MAX], late[HEARTBEAT_MAX];
};

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void *heartbeat_main(void *arg)
{
	struct heartbeat *h = arg;

	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		int64_t t0 = mono_ns(), t1;

		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
		t1 = mono_ns();
		if (t1 - t0 - 1000000 > HEARTBEAT_LATE_NS && h->n < HEARTBEAT_MAX) {
			h->end[h->n] = t1;
			h->late[h->n++] = t1 - t0 - 1000000;
		}
	}
	return NULL;
}

struct heartbeat *heartbeat_start(void)
{
	struct heartbeat *h = calloc(1, sizeof(*h));
	pthread_attr_t attr;
	struct sched_param sp = { .sched_priority = 1 };

	if (!h)
		return NULL;
	/* SCHED_FIFO: no thread of the guest delays it, so what is late is the machine's */
	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &sp);
	h->fifo = pthread_create(&h->thread, &attr, heartbeat_main, h) == 0;
	pthread_attr_destroy(&attr);
	if (!h->fifo && pthread_create(&h->thread, NULL, heartbeat_main, h) != 0) {
		free(h);
		return NULL;
	}
	return h;
}

uint64_t heartbeat_phase_stops(const int64_t *end, const int64_t *late, uint64_t n,
                               int64_t *ret_stop_ns)
{
	enum { BINS = (int)(HEARTBEAT_PERIOD_NS / 1000000) };
	uint64_t bins[BINS] = { 0 }, best = 0, stops = 0;
	int at = 0;

	for (uint64_t k = 0; k < n; k++)
		bins[(end[k] % HEARTBEAT_PERIOD_NS) / 1000000]++;
	/* the moment where the most end, with its neighbours (a stop ends within ~0.2 ms of it) */
	for (int b = 0; b < BINS; b++) {
		uint64_t s = bins[(b + BINS - 1) % BINS] + bins[b] + bins[(b + 1) % BINS];
		if (s > best) {
			best = s;
			at = b;
		}
	}
	*ret_stop_ns = 0;
	/* (a few late wake-ups at random moments are no period's) */
	if (best < HEARTBEAT_MIN_STOPS)
		return 0;
	for (uint64_t k = 0; k < n; k++) {
		int b = (int)((end[k] % HEARTBEAT_PERIOD_NS) / 1000000);
		int d = abs(b - at);
		if (d <= 1 || d == BINS - 1) {
			stops++;
			*ret_stop_ns += late[k];
		}
	}
	return stops;
}

struct heartbeat_sum heartbeat_stop(struct heartbeat *h, int64_t from, int64_t until)
{
	struct heartbeat_sum s = { 0 };
	uint64_t m = 0;

	if (!h)
		return s;
	__atomic_store_n(&h->stop, 1, __ATOMIC_RELEASE);
	pthread_join(h->thread, NULL);
	for (uint64_t k = 0; k < h->n; k++)
		if (h->end[k] >= from && h->end[k] < until) {
			h->end[m] = h->end[k];
			h->late[m++] = h->late[k];
		}
	s.late = m;
	s.stops = heartbeat_phase_stops(h->end, h->late, m, &s.stop_ns);
	s.ran = true;
	s.fifo = h->fifo;
	free(h);
	return s;
}
