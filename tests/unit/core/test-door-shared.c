/* test-door-shared: a server's door (DOOR_CHECKPOINTER) is used by many threads, and its
 * connection belongs to the thread leading it: what reads between batches (the server's watch,
 * the inbox and audit pages) waits for the lead or reads on a connection of its own. On
 * PostgreSQL a second thread on the leader's connection read the leader's answers off the
 * socket and both waited for ever (the two-node hang of issue 18). */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

#include "door-threads.h"

#include "base/timeutil.h"

#include "core/act-internal.h"
#include "core/compliance.h"
#include "core/inbox.h"
#include "core/personnel.h"
#include "core/read.h"
#include "ledger/ledger.h"

#define HOLD_MS 1500 /* how long the other thread leads, with a transaction open */

struct holder {
	struct door *d;
	atomic_bool leading, released;
};

/* Leads the door with its transaction open for HOLD_MS, as a batch does, then lets go. */
static void *hold_main(void *arg)
{
	struct holder *h = arg;
	struct timespec ts = { HOLD_MS / 1000, (HOLD_MS % 1000) * 1000000L };

	door_lead(h->d);
	if (store_begin(door_store(h->d), NULL) == 0) {
		atomic_store(&h->leading, true);
		nanosleep(&ts, NULL);
		store_rollback(door_store(h->d));
	}
	atomic_store(&h->released, true);
	door_unlead(h->d);
	return NULL;
}

static void hold(struct holder *h, struct fixture *f, pthread_t *t)
{
	struct timespec ts = { 0, 1000000L };

	h->d = f->d;
	assert_int_equal(pthread_create(t, NULL, hold_main, h), 0);
	while (!atomic_load(&h->leading) && !atomic_load(&h->released))
		nanosleep(&ts, NULL);
	assert_true(atomic_load(&h->leading));
}

static void reopen_shared(struct fixture *f)
{
	door_free(f->d);
	assert_int_equal(door_open(f->dir, DOOR_CHECKPOINTER, &f->d, &f->err), 0);
	fx_section(f, "zeimu", "税務課");
	fx_user(f, "sato", "zeimu");
}

/*
 * The server's main thread looks for moves dated ahead every few seconds while workers lead
 * the door: it waits for the lead (it returned at once, reading inside the leader's
 * transaction, before).
 */
static void test_due_moves_wait_for_the_lead(void **state)
{
	struct fixture *f = *state;
	struct holder h = { 0 };
	size_t applied = 9, failed = 9;
	pthread_t t;

	reopen_shared(f);
	hold(&h, f, &t);
	assert_int_equal(personnel_run_due(f->d, time_now_ms(), &applied, &failed, &f->err), 0);
	assert_true(atomic_load(&h.released));
	assert_int_equal(applied, 0);
	assert_int_equal(failed, 0);
	pthread_join(t, NULL);
}

/*
 * The inbox and the audit report of a web worker read on the worker's own connection while
 * another worker leads a batch (the duties they count read the door's connection before).
 */
static void test_pages_read_their_own(void **state)
{
	struct fixture *f = *state;
	struct holder h = { 0 };
	struct store *st = NULL;
	struct ledger *lg = NULL;
	struct reader *rd = NULL;
	struct inbox b;
	struct compliance_report rep;
	int64_t now = time_now_ms();
	pthread_t t;

	reopen_shared(f);
	assert_int_equal(store_open(f->dir, 0, &st, &f->err), 0);
	assert_int_equal(ledger_open(st, &lg, &f->err), 0);
	assert_int_equal(reader_for_login(st, door_profile(f->d), "sato", now, &rd, &f->err), 0);
	hold(&h, f, &t);
	assert_int_equal(inbox_collect(f->d, st, rd, reader_user_id(rd), now, &b, &f->err), 0);
	/* nothing of the inbox needs the door: done while the other thread still leads it */
	assert_false(atomic_load(&h.released));
	inbox_release(&b);
	assert_int_equal(compliance_compute(f->d, st, lg, false, 0, now + 1, now, &rep, &f->err),
	                 0);
	compliance_release(&rep);
	pthread_join(t, NULL);
	reader_unref(rd);
	ledger_close(lg);
	store_close(st);
}

/* The check itself (builds without NDEBUG): a thread that does not lead a server's door and
 * asks for its connection stops the process. */
static void test_store_asked_without_the_lead(void **state)
{
	struct fixture *f = *state;
	int status = 0;
	pid_t pid;

#ifdef NDEBUG
	skip();
#endif
	reopen_shared(f);
	door_lead(f->d);
	assert_ptr_not_equal(door_store(f->d), NULL); /* the leader's own */
	door_unlead(f->d);
	(void)fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		(void)door_store(f->d);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

#define QUEUED_ACTS 8

/*
 * Callers wait for their own act (each on its own futex word), and the lead goes to the caller
 * of the oldest queued act when it is given back: acts queued while door_lead holds the door
 * all run once it lets go, in one batch, and every caller returns.
 */
static void test_queued_acts_run_when_the_lead_is_given_back(void **state)
{
	struct fixture *f = *state;
	struct thread_act q[QUEUED_ACTS];
	pthread_t t[QUEUED_ACTS];
	size_t queued = 0, last_batch = 0;

	reopen_shared(f);
	door_lead(f->d);
	thread_acts_start(q, t, QUEUED_ACTS, f->d, "待ち行列", 0);
	/* every act queued behind the lead held here */
	door_wait_queued(f->d, QUEUED_ACTS);
	assert_int_equal(thread_acts_finished(q, QUEUED_ACTS), 0);
	door_unlead(f->d);
	/* no caller is left asleep */
	thread_acts_join_done(q, t, QUEUED_ACTS, time_mono_ns() + DOOR_WAIT_NS);
	pthread_mutex_lock(&f->d->mu);
	last_batch = f->d->last_batch;
	queued = f->d->queued;
	pthread_mutex_unlock(&f->d->mu);
	assert_int_equal(last_batch, QUEUED_ACTS);
	assert_int_equal(queued, 0);
	door_lead(f->d); /* the shared door's connection is its leader's */
	assert_int_equal(fx_count(f, "SELECT count(*) FROM records"), QUEUED_ACTS);
	door_unlead(f->d);
}

#define BUSY_CALLERS 8
#define BUSY_ROUNDS  25

/*
 * Callers that come back at once, as a server's do, while another thread takes the lead
 * between batches again and again (the checkpointer, the pages that read on the door's
 * connection): the leader gives the lead to the oldest queued act and wakes its batch's callers
 * after letting the mutex go, so a caller may find its act done or its turn to lead at any
 * moment. Every act is done once and every caller returns (bounded: 60 s).
 */
static void test_callers_come_back_while_others_lead(void **state)
{
	struct fixture *f = *state;
	struct thread_act q[BUSY_CALLERS];
	pthread_t t[BUSY_CALLERS];
	struct timespec ts = { 0, 200000L };
	int64_t until = time_mono_ns() + DOOR_WAIT_NS;
	bool all;

	reopen_shared(f);
	thread_acts_start(q, t, BUSY_CALLERS, f->d, "待ち行列", BUSY_ROUNDS);
	do {
		door_lead(f->d);
		nanosleep(&ts, NULL);
		door_unlead(f->d);
		all = thread_acts_finished(q, BUSY_CALLERS) == BUSY_CALLERS;
	} while (!all && time_mono_ns() < until);
	thread_acts_join_done(q, t, BUSY_CALLERS, until);
	door_lead(f->d);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM records"), BUSY_CALLERS * BUSY_ROUNDS);
	door_unlead(f->d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_due_moves_wait_for_the_lead, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pages_read_their_own, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_store_asked_without_the_lead, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_queued_acts_run_when_the_lead_is_given_back,
		                                fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_callers_come_back_while_others_lead,
		                                fixture_setup, fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
