/* door-threads: acts queued on one door by threads of their own while the test leads it, and
 * waiting for the door to reach a state (test-act, test-door-ckpt, test-door-shared). Include
 * after fixture.h. */
#ifndef MAMORI_TEST_CORE_DOOR_THREADS_H
#define MAMORI_TEST_CORE_DOOR_THREADS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "base/timeutil.h"
#include "core/act-internal.h"

#define DOOR_WAIT_NS (60 * 1000000000LL) /* bounds every wait: then the test fails, not hangs */

/* One act of a thread: a level-2 record of 税務課 created by sato (fixture people). */
struct thread_act {
	struct door *d;
	const char *title;
	int rounds;               /* acts to run one after another (0: one) */
	int ret;                  /* act_run's (the last one's) */
	enum act_outcome outcome; /* the act's, when ret is 0 */
	atomic_bool finished;     /* act_run has returned */
};

static void *thread_act_main(void *arg)
{
	struct thread_act *q = arg;
	struct act_attr fields[] = { { "title", q->title }, { "access_controlled", "true" } };
	struct act_input in = { .kind = ACT_RECORD, .actor = "sato", .register_id = "asset" };
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT;

	in.fields = fields;
	in.n_fields = 2;
	in.level = "2";
	in.section = "zeimu";
	in.ctx.via = "test";
	for (int i = 0; i < (q->rounds ? q->rounds : 1); i++) {
		q->ret = act_run(q->d, &in, &res, &err);
		q->outcome = res.outcome;
		act_result_release(&res);
		if (q->ret < 0 || q->outcome != ACT_DONE)
			break;
	}
	strbuf_release(&err);
	atomic_store(&q->finished, true);
	return NULL;
}

/* Starts n threads, each running rounds acts (0: one) titled title on d (q[i], t[i]). */
static inline void thread_acts_start(struct thread_act *q, pthread_t *t, int n, struct door *d,
                                     const char *title, int rounds)
{
	for (int i = 0; i < n; i++) {
		q[i] = (struct thread_act){ .d = d, .title = title, .rounds = rounds, .ret = -1 };
		assert_int_equal(pthread_create(&t[i], NULL, thread_act_main, &q[i]), 0);
	}
}

/* How many of the n acts have returned. */
static inline int thread_acts_finished(struct thread_act *q, int n)
{
	int done = 0;

	for (int i = 0; i < n; i++)
		done += atomic_load(&q[i].finished);
	return done;
}

/* Waits for each of the n threads to return (until the monotonic time until, in ns), joins it
 * and checks that its acts were done. */
static inline void thread_acts_join_done(struct thread_act *q, pthread_t *t, int n, int64_t until)
{
	struct timespec ts = { 0, 1000000L };

	for (int i = 0; i < n; i++) {
		while (!atomic_load(&q[i].finished) && time_mono_ns() < until)
			nanosleep(&ts, NULL);
		assert_true(atomic_load(&q[i].finished));
		pthread_join(t[i], NULL);
		assert_int_equal(q[i].ret, 0);
		assert_int_equal(q[i].outcome, ACT_DONE);
	}
}

/* Waits until check(d, n) holds, called with d->mu held (DOOR_WAIT_NS at most, then the test
 * fails naming what). */
static inline void door_wait_for(struct door *d, bool (*check)(const struct door *, size_t),
                                 size_t n, const char *what)
{
	struct timespec ts = { 0, 1000000L };
	int64_t until = time_mono_ns() + DOOR_WAIT_NS;
	bool ok;

	do {
		pthread_mutex_lock(&d->mu);
		ok = check(d, n);
		pthread_mutex_unlock(&d->mu);
		if (ok)
			return;
		nanosleep(&ts, NULL);
	} while (time_mono_ns() < until);
	fail_msg("the door never reached the expected state: %s %zu", what, n);
}

static inline bool door_queued_is(const struct door *d, size_t n)
{
	return d->queued == n;
}

/* Waits until n acts are queued on d. */
static inline void door_wait_queued(struct door *d, size_t n)
{
	door_wait_for(d, door_queued_is, n, "acts queued");
}

#endif
