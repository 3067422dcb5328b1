/* test-agent-logs: agents' readers on web threads beside the door's leader, and log batches
 * taken once (a batch resumed after a run stopped half-way stores only its missing lines). */
#include <pthread.h>

#include "fixture.h"

#include "base/cleanup.h"
#include "core/agent-logs.h"
#include "core/fim.h"
#include "ingest/ingest.h"
#include "ledger/ledger.h"

#define ROUNDS  200
#define READERS 4
#define THREADS 6 /* READERS readers, the others writers */

struct racer {
	struct fixture *f;
	int id;
	int wrong; /* answers that were not the expected ones */
	struct strbuf err;
};

/* A web worker asking who may send results and listing agents, as POSTs and pages do. */
static void *reader(void *arg)
{
	struct racer *x = arg;

	for (int i = 0; i < ROUNDS; i++) {
		struct fim_agent_rows l = { 0 };
		strbuf_reset(&x->err);
		if (fim_agent_may(x->f->d, "admin", &x->err) != 0)
			x->wrong++;
		strbuf_reset(&x->err);
		if (fim_agent_may(x->f->d, "nobody", &x->err) != -EACCES)
			x->wrong++;
		strbuf_reset(&x->err);
		if (fim_agents_list(x->f->d, &l, &x->err) != 0 || l.nr != 0)
			x->wrong++;
		fim_agent_rows_release(&l);
	}
	return NULL;
}

/* Another worker storing log batches: transactions on the door's connection meanwhile. */
static void *writer(void *arg)
{
	struct racer *x = arg;
	struct ledger *lg = NULL;
	struct store *st = NULL;

	if (store_open(x->f->dir, 0, &st, &x->err) < 0 || ledger_open(st, &lg, &x->err) < 0) {
		x->wrong = ROUNDS;
		goto out;
	}
	for (int i = 0; i < ROUNDS; i++) {
		struct log_batch_claim c;
		char key[64];
		snprintf(key, sizeof(key), "w%d-logs-%d", x->id, i);
		strbuf_reset(&x->err);
		if (agent_log_batch_claim(x->f->d, lg, key, 1, &c, &x->err) != 0 ||
		    c.state != LOG_BATCH_NEW ||
		    agent_log_batch_done(x->f->d, key, 3, 0, &x->err) != 0)
			x->wrong++;
		log_batch_claim_release(&c);
	}
out:
	ledger_close(lg);
	store_close(st);
	return NULL;
}

static void readers_beside_the_leader(void **state)
{
	struct fixture *f = *state;
	struct racer x[THREADS];
	pthread_t th[THREADS];

	for (int i = 0; i < THREADS; i++) {
		x[i] = (struct racer){ .f = f, .id = i };
		strbuf_init(&x[i].err, 0);
		assert_int_equal(pthread_create(&th[i], NULL, i < READERS ? reader : writer, &x[i]),
		                 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		if (x[i].wrong)
			fail_msg("thread %d: %d wrong answers (%s)", i, x[i].wrong, x[i].err.buf);
		strbuf_release(&x[i].err);
	}
	assert_int_equal(fx_count(f, "SELECT count(*) FROM agent_log_batches WHERE done = 1"),
	                 (THREADS - READERS) * ROUNDS);
}

/* Lines of batch key, as POST /api/v1/logs submits them. */
static void submit_lines(struct fixture *f, const char *key, uint64_t from, uint64_t to)
{
	struct ingest *g = NULL;
	struct ingest_msg m[8];
	struct ingest_source src = {
		.origin = { .via = "http", .peer = "127.0.0.1:1", .batch = key },
		.name = "http:127.0.0.1"
	};
	size_t n = 0;

	for (uint64_t l = from; l <= to; l++, n++)
		m[n] = (struct ingest_msg){ .data = "{\"message\":\"x\"}", .len = 15, .seq = l };
	if (ingest_open(f->dir, NULL, &g, &f->err) < 0 ||
	    ingest_submit(g, &src, m, n, &f->err) < 0 || ingest_sync(g, &f->err) < 0 ||
	    ingest_close(g, &f->err) < 0)
		fail_msg("ingest: %s", f->err.buf);
}

static void batch_resumed_once(void **state)
{
	struct fixture *f = *state;
	struct log_batch_claim c;
	struct ledger *lg = door_ledger(f->d);

	/* Some other key's lines before: they are not this batch's. */
	submit_lines(f, "other-logs-1", 1, 4);
	assert_int_equal(agent_log_batch_claim(f->d, lg, "a1-logs-7", 1, &c, &f->err), 0);
	assert_int_equal(c.state, LOG_BATCH_NEW);
	log_batch_claim_release(&c);
	/* The same key again while it is being stored: busy, try later. */
	assert_int_equal(agent_log_batch_claim(f->d, lg, "a1-logs-7", 1, &c, &f->err), -EBUSY);
	/* Lines 1 and 2 of 4 reached the ledger, then the run stopped (its claim is let go). */
	submit_lines(f, "a1-logs-7", 1, 2);
	submit_lines(f, "other-logs-2", 1, 3);
	assert_int_equal(agent_log_batch_abandon(f->d, "a1-logs-7", &f->err), 0);
	assert_int_equal(agent_log_batch_claim(f->d, lg, "a1-logs-7", 1, &c, &f->err), 0);
	assert_int_equal(c.state, LOG_BATCH_RESUME);
	assert_int_equal(c.stored, 2);
	assert_true(log_batch_claim_has(&c, 1));
	assert_true(log_batch_claim_has(&c, 2));
	assert_false(log_batch_claim_has(&c, 3));
	assert_false(log_batch_claim_has(&c, 4));
	assert_false(log_batch_claim_has(&c, 0));
	log_batch_claim_release(&c);
	submit_lines(f, "a1-logs-7", 3, 4);
	assert_int_equal(agent_log_batch_done(f->d, "a1-logs-7", 4, 1, &f->err), 0);
	assert_int_equal(agent_log_batch_claim(f->d, lg, "a1-logs-7", 1, &c, &f->err), 0);
	assert_int_equal(c.state, LOG_BATCH_DONE);
	assert_int_equal(c.received, 4);
	assert_int_equal(c.bad, 1);
	log_batch_claim_release(&c);
	/* A malformed key is refused. */
	assert_int_equal(agent_log_batch_claim(f->d, lg, "a b", 1, &c, &f->err), -EINVAL);
	assert_int_equal(agent_log_batch_claim(f->d, lg, "", 1, &c, &f->err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(readers_beside_the_leader, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(batch_resumed_once, fixture_setup,
		                                fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
