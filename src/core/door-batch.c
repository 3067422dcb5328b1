/* door-batch: group commit. Concurrent acts queue; one caller at a time leads a batch of them
 * through one write transaction (each act in its own savepoint) and one durable commit. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sodium.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "core/act-internal.h"
#include "core/records-internal.h"
#include "store/store.h"

/* Acts in one group commit at most; a policy change always ends a batch. */
#define DOOR_MAX_BATCH 256
/* How long a new leader waits for the callers of the last batch to come back (ns). */
#define DOOR_GATHER_NS 200000

void door_batch_init(struct door *d)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->gather_cv, &ca);
	pthread_condattr_destroy(&ca);
}

void door_batch_destroy(struct door *d)
{
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	pthread_cond_destroy(&d->gather_cv);
}

/* ---- one batch -------------------------------------------------------------------- */

/* Every act of [head, end) fails with r and why; nothing of theirs was kept. */
static void fail_jobs(struct act_job *head, struct act_job *end, int r, const char *why)
{
	for (struct act_job *j = head; j != end; j = j->next) {
		if (j->ret == 0)
			act_result_release(j->res);
		j->ret = r < 0 ? r : -EIO;
		strbuf_reset(&j->err);
		strbuf_addstr(&j->err, why && *why ? why : "the store failed; retry");
		profile_free(j->new_profile);
		j->new_profile = NULL;
	}
}

/* Undoes every open level: after a failed batch no transaction may stay open. */
static void rollback_all(struct door *d)
{
	while (store_txn_depth(d->st) > 0)
		store_rollback(d->st);
}

/*
 * Runs jobs [head, end) in one transaction: one durable commit for all of them. With
 * all_or_nothing, an act that fails or is not done rolls back the whole batch (*ret_failed).
 * The caller leads the door.
 */
static void run_batch(struct door *d, struct act_job *head, struct act_job *end,
                      bool all_or_nothing, struct act_job **ret_failed)
{
	struct strbuf err = STRBUF_INIT;
	struct act_job *j;
	int r;

	/* a door whose database file failed runs nothing more (door-ckpt.c) */
	r = door_failed(d, &err);
	if (r == 0)
		r = store_begin(d->st, &err);
	if (r == 0)
		r = door_refresh_profile(d, &err);
	if (r < 0) {
		rollback_all(d);
		fail_jobs(head, end, r, err.buf);
		strbuf_release(&err);
		return;
	}
	for (j = head; j != end; j = j->next) {
		act_run_job(d, j);
		if (all_or_nothing && (j->ret < 0 || j->res->outcome != ACT_DONE)) {
			*ret_failed = j;
			rollback_all(d);
			for (struct act_job *k = head; k != j; k = k->next) {
				act_result_release(k->res);
				profile_free(k->new_profile);
				k->new_profile = NULL;
			}
			profile_free(j->new_profile);
			j->new_profile = NULL;
			strbuf_release(&err);
			return;
		}
		if (j->fatal) {
			/* Nothing of the batch is durable: every act in it fails with the cause. */
			r = j->ret;
			strbuf_addstr(&err, j->err.buf);
			rollback_all(d);
			fail_jobs(head, end, r, err.buf);
			strbuf_release(&err);
			return;
		}
	}
	/* the search index, once per RECORDS_TEXT_FOLD changed records (schema/0029) */
	r = records_text_fold(d->st, RECORDS_TEXT_FOLD, &err);
	if (r >= 0)
		r = store_commit(d->st, &err);
	if (r < 0) {
		rollback_all(d);
		fail_jobs(head, end, r, err.buf);
		strbuf_release(&err);
		return;
	}
	door_ckpt_after_commit(d);
	for (j = head; j != end; j = j->next) {
		if (j->new_profile) {
			door_push_profile(d, j->new_profile, j->new_profile_seq);
			j->new_profile = NULL;
		}
	}
	strbuf_release(&err);
}

/* ---- a caller's wait ------------------------------------------------------------------ */

/* act_job.state: a queued act's caller sleeps while it is JOB_WAIT. */
enum job_state {
	JOB_WAIT, /* queued (or running in a batch): sleep */
	JOB_LEAD, /* the oldest queued act when the lead was given back: try to lead */
	JOB_DONE, /* ret, res and err are final; the job is the caller's again */
};

/* Sleeps while *word is JOB_WAIT (a private futex: a wake may come early or for nothing). */
static void job_sleep(atomic_uint *word)
{
	while (atomic_load_explicit(word, memory_order_acquire) == JOB_WAIT)
		(void)syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, JOB_WAIT, NULL, NULL, 0);
}

/*
 * Wakes whoever sleeps on word. The caller may have seen the new state without sleeping,
 * returned and reused the word's memory by then: a private futex wake is only an address (the
 * kernel reads nothing there), and every futex waiter (glibc's, job_sleep) checks its word
 * again after waking, so a wake that comes late costs a spurious wake-up at most.
 */
static void job_wake(atomic_uint *word)
{
	(void)syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* ---- leading ------------------------------------------------------------------------ */

/*
 * One leader at a time uses the door's connection. With d->mu held: take_lead waits for the
 * present leader to finish; give_lead wakes whoever waits (door_lead, and the caller of the
 * oldest queued act). Every leader takes and gives the lead through these two.
 */
static _Thread_local char self_anchor; /* its address tells the threads apart */

static void take_lead(struct door *d)
{
	while (d->leader)
		pthread_cond_wait(&d->cv, &d->mu);
	d->leader = true;
	atomic_store(&d->leader_self, (uintptr_t)&self_anchor);
}

/*
 * Returns the state word to wake (job_wake) once d->mu is let go: the caller of the oldest
 * queued act, who may lead next, or NULL. Woken after the mutex is let go, it does not find
 * the mutex still held by its waker. door_lead's waiters are woken here.
 */
static atomic_uint *give_lead(struct door *d)
{
	atomic_store(&d->leader_self, 0);
	d->leader = false;
	pthread_cond_broadcast(&d->cv);
	if (!d->head)
		return NULL;
	/* queued, so not done: JOB_WAIT or already JOB_LEAD */
	atomic_store_explicit(&d->head->state, JOB_LEAD, memory_order_relaxed);
	return &d->head->state;
}

/* give_lead and let the mutex go, then wake the next leader. */
static void give_lead_unlock(struct door *d)
{
	atomic_uint *next = give_lead(d);

	pthread_mutex_unlock(&d->mu);
	if (next)
		job_wake(next);
}

bool door_leads(struct door *d)
{
	return atomic_load(&d->leader_self) == (uintptr_t)&self_anchor;
}

void door_lead(struct door *d)
{
	pthread_mutex_lock(&d->mu);
	d->lead_asked++;
	take_lead(d);
	d->lead_asked--;
	pthread_mutex_unlock(&d->mu);
}

void door_unlead(struct door *d)
{
	pthread_mutex_lock(&d->mu);
	give_lead_unlock(d);
}

/* Leads one batch of jobs of the caller's own (an import, or its refused row alone). */
static void lead_own_batch(struct door *d, struct act_job *head, bool all_or_nothing,
                           struct act_job **ret_failed)
{
	door_lead(d);
	run_batch(d, head, NULL, all_or_nothing, ret_failed);
	pthread_mutex_lock(&d->mu);
	give_lead_unlock(d);
}

/*
 * Called by a new leader with d->mu held: while fewer acts wait than the last batch held,
 * waits a moment for their callers to come back with their next act (each signals
 * gather_cv as it queues), so a steady load of a few clients commits together.
 */
static void gather(struct door *d)
{
	struct timespec until;

	if (d->queued >= d->last_batch || d->queued >= DOOR_MAX_BATCH)
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += DOOR_GATHER_NS;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	d->gathering = true;
	while (d->queued < d->last_batch && d->queued < DOOR_MAX_BATCH)
		if (pthread_cond_timedwait(&d->gather_cv, &d->mu, &until) == ETIMEDOUT)
			break;
	d->gathering = false;
}

/*
 * With d->mu held and the lead taken: takes whatever is queued, up to DOOR_MAX_BATCH acts (a
 * policy change ends a batch), runs it, gives the lead back (so no caller leads for ever) and
 * wakes the batch's callers (self: the leader's own act, if in it). Returns with d->mu let go.
 */
static void lead_queue(struct door *d, const struct act_job *self)
{
	struct act_job *head, *end;
	size_t n = 0;

	gather(d);
	head = end = d->head;
	while (end && n < DOOR_MAX_BATCH) {
		enum act_kind k = end->in->kind;
		end = end->next;
		n++;
		if (k == ACT_POLICY_APPLY)
			break;
	}
	d->queued -= n;
	d->last_batch = n;
	d->head = end;
	if (!end)
		d->tail = NULL;
	pthread_mutex_unlock(&d->mu);
	run_batch(d, head, end, false, NULL);
	/*
	 * Each caller of the batch, alone and without the mutex: it sees JOB_DONE and returns
	 * without taking the mutex. Its job (on its stack) may be gone as soon as the state is
	 * seen, so the state is the last thing written to it (next is read first); the wake that
	 * follows touches only the word's address (job_wake). Before, the callers were posted
	 * with the mutex held, and one woken before its done flag was set waited for the mutex.
	 * They come before the next leader, whose gather then finds those who act again at once.
	 */
	for (struct act_job *j = head; j != end;) {
		struct act_job *next = j->next;
		atomic_store_explicit(&j->state, JOB_DONE, memory_order_release);
		if (j != self)
			job_wake(&j->state);
		j = next;
	}
	pthread_mutex_lock(&d->mu);
	give_lead_unlock(d);
}

/* ---- the door's entry points ------------------------------------------------------ */

int act_run(struct door *d, const struct act_input *in, struct act_result *ret, struct strbuf *err)
{
	struct act_job job = { 0 };

	memset(ret, 0, sizeof(*ret));
	if (d->readonly || !d->lg) {
		error_set(err, "this door is read-only");
		return -EROFS;
	}
	if (door_failed(d, err))
		return -EIO;
	job.in = in;
	job.res = ret;
	atomic_init(&job.state, JOB_WAIT);
	strbuf_init(&job.err, 0);
	/* Hash a new password now, outside the batch's transaction (invalid input: act_run_job). */
	if (act_validate_input(in, &job.err) == 0) {
		int r = act_password_prepare(d, in, &job.pw, err);
		if (r < 0) {
			strbuf_release(&job.err);
			return r;
		}
	}
	strbuf_reset(&job.err);

	pthread_mutex_lock(&d->mu);
	if (d->tail)
		d->tail->next = &job;
	else
		d->head = &job;
	d->tail = &job;
	d->queued++;
	if (d->gathering)
		pthread_cond_signal(&d->gather_cv);
	/*
	 * Until this act is done: lead a batch of the queue when no one leads (nor waits in
	 * door_lead); else sleep until the leader wakes this caller: this act is done, or it is
	 * the oldest queued one when the lead is given back (give_lead). The mutex is not needed
	 * to return once the act is done.
	 */
	for (;;) {
		unsigned s = atomic_load_explicit(&job.state, memory_order_acquire);

		if (s == JOB_DONE) {
			pthread_mutex_unlock(&d->mu);
			break;
		}
		if (!d->leader && d->head && !d->lead_asked) {
			take_lead(d);
			lead_queue(d, &job); /* lets the mutex go */
		} else {
			/* JOB_LEAD -> JOB_WAIT, unless the leader has just set JOB_DONE */
			if (s == JOB_LEAD &&
			    !atomic_compare_exchange_strong(&job.state, &s, JOB_WAIT))
				continue;
			pthread_mutex_unlock(&d->mu);
			job_sleep(&job.state);
		}
		if (atomic_load_explicit(&job.state, memory_order_acquire) == JOB_DONE)
			break;
		pthread_mutex_lock(&d->mu);
	}
	act_password_release(&job.pw);
	/* after the job's end: a failed act's result was released (and cleared) by then */
	ret->identity_checked = job.identity_checked;
	if (job.ret < 0)
		error_set(err, "%s", job.err.buf);
	strbuf_release(&job.err);
	return job.ret;
}

/*
 * An import row that was refused is evidence of an attempted violation even though nothing
 * of the import stays: record it alone, provided it is still refused (else report the refusal
 * as it was, without a ledger entry).
 */
static void keep_refusal(struct door *d, struct act_job *failed)
{
	struct act_job again = {
		.in = failed->in, .res = failed->res, .refusal_only = true, .pw = failed->pw
	};

	act_result_release(failed->res);
	strbuf_init(&again.err, 0);
	lead_own_batch(d, &again, false, NULL);
	if (again.ret < 0) {
		memset(failed->res, 0, sizeof(*failed->res));
		failed->res->outcome = ACT_REFUSED;
		failed->res->message = xstrdup(again.err.buf);
	}
	strbuf_release(&again.err);
	sodium_memzero(again.pw.hash, sizeof(again.pw.hash));
}

int act_run_all(struct door *d, const struct act_input *in, size_t n, struct act_result *res,
                size_t *ret_failed, struct strbuf *err)
{
	struct act_job *jobs;
	struct act_job *failed = NULL;
	int r = 0;

	if (d->readonly || !d->lg) {
		error_set(err, "this door is read-only");
		return -EROFS;
	}
	if (!n)
		return 0;
	jobs = xcalloc(n, sizeof(*jobs));
	for (size_t i = 0; i < n; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		jobs[i].in = &in[i];
		jobs[i].res = &res[i];
		strbuf_init(&jobs[i].err, 0);
		jobs[i].next = i + 1 < n ? &jobs[i + 1] : NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (act_validate_input(&in[i], &jobs[i].err) == 0)
			r = act_password_prepare(d, &in[i], &jobs[i].pw, err);
		strbuf_reset(&jobs[i].err);
		if (r < 0) {
			*ret_failed = i;
			goto out;
		}
	}
	/* The whole import is one batch of its own. */
	lead_own_batch(d, &jobs[0], true, &failed);
	if (failed && failed->ret == 0 && failed->res->outcome == ACT_REFUSED)
		keep_refusal(d, failed);
	if (failed) {
		*ret_failed = (size_t)(failed - jobs);
		if (failed->ret < 0) {
			r = failed->ret;
			error_set(err, "%s", failed->err.buf);
		} else {
			r = -ECANCELED;
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			if (jobs[i].ret < 0) {
				r = jobs[i].ret;
				*ret_failed = i;
				error_set(err, "%s", jobs[i].err.buf);
				break;
			}
		}
	}
out:
	for (size_t i = 0; i < n; i++) {
		act_password_release(&jobs[i].pw);
		strbuf_release(&jobs[i].err);
	}
	free(jobs);
	return r;
}
