/* door-batch: group commit. Concurrent acts queue; one caller at a time leads a batch of them
 * through one write transaction (each act in its own savepoint) and one durable commit. */
#include <errno.h>
#include <semaphore.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

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

static void give_lead(struct door *d)
{
	atomic_store(&d->leader_self, 0);
	d->leader = false;
	/* door_lead's waiters, then the caller of the oldest queued act, who may lead next (a
	 * caller waits on its own act's semaphore: no herd of callers retaking the mutex) */
	pthread_cond_broadcast(&d->cv);
	if (d->head)
		sem_post(&d->head->wake);
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
	give_lead(d);
	pthread_mutex_unlock(&d->mu);
}

/* Leads one batch of jobs of the caller's own (an import, or its refused row alone). */
static void lead_own_batch(struct door *d, struct act_job *head, bool all_or_nothing,
                           struct act_job **ret_failed)
{
	door_lead(d);
	run_batch(d, head, NULL, all_or_nothing, ret_failed);
	pthread_mutex_lock(&d->mu);
	give_lead(d);
	pthread_mutex_unlock(&d->mu);
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
 * policy change ends a batch), runs it, marks its jobs done and gives the lead back, so no
 * caller leads for ever.
 */
static void lead_queue(struct door *d)
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
	pthread_mutex_lock(&d->mu);
	/*
	 * Each caller is woken alone and returns without the mutex. Its job (on its stack) may be
	 * gone as soon as done is seen, so done is the last thing written to it: next is read
	 * first and the post comes before (a caller woken by the post before done is set takes
	 * the mutex, held here, and then sees done). Before, one broadcast woke every waiting
	 * caller, those of the next batch too, and each took the mutex again in turn.
	 */
	for (struct act_job *j = head; j != end;) {
		struct act_job *next = j->next;
		sem_post(&j->wake);
		atomic_store_explicit(&j->done, true, memory_order_release);
		j = next;
	}
	give_lead(d);
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
	atomic_init(&job.done, false);
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

	sem_init(&job.wake, 0, 0);
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
	 * door_lead); else sleep until the leader posts: this act is done, or this caller's act
	 * is the oldest queued one when the lead is given back (give_lead).
	 */
	while (!atomic_load_explicit(&job.done, memory_order_acquire)) {
		if (!d->leader && d->head && !d->lead_asked) {
			take_lead(d);
			lead_queue(d);
			continue;
		}
		pthread_mutex_unlock(&d->mu);
		while (sem_wait(&job.wake) < 0 && errno == EINTR)
			;
		if (atomic_load_explicit(&job.done, memory_order_acquire))
			goto done; /* the mutex is not needed to return */
		pthread_mutex_lock(&d->mu);
	}
	pthread_mutex_unlock(&d->mu);
done:
	sem_destroy(&job.wake);
	act_password_release(&job.pw);
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
