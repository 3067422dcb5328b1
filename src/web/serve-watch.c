/* serve-watch: what the server does through the door every few seconds (the file integrity
 * agents' silence, 人事異動 dated ahead), on a thread of its own. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/fim.h"
#include "core/personnel.h"
#include "web/http-internal.h"

/*
 * Both wait for the door's lead. On the thread that takes the signals they kept SIGTERM
 * unanswered for as long as a batch was stuck (the PostgreSQL hang of issue 18): here the
 * signal thread stays free, and a watch that does not come back by the end of the grace
 * period is left behind (web_serve then stops without it).
 */
#define WATCH_MS 5000

struct serve_watch {
	struct door *d;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC */
	bool stop, done;
};

/* Raises an alert for each file integrity agent that stopped reporting (core/fim.h). */
static void watch_agents(struct door *d)
{
	struct strbuf err = STRBUF_INIT;

	if (fim_agents_watch(d, time_now_ms(), &err) < 0)
		fprintf(stderr, "mamori: warning: watching the agents: %s\n", err.buf);
	strbuf_release(&err);
}

/* 人事異動 dated ahead: the moves whose day has come are applied through the door. */
static void run_due_moves(struct door *d)
{
	struct strbuf err = STRBUF_INIT;
	size_t applied = 0, failed = 0;

	if (personnel_run_due(d, time_now_ms(), &applied, &failed, &err) < 0 || failed)
		fprintf(stderr, "mamori: warning: moves dated ahead: %s\n", err.buf);
	strbuf_release(&err);
}

static void *watch_main(void *arg)
{
	struct serve_watch *w = arg;

	pthread_setname_np(pthread_self(), "mamori-watch");
	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += WATCH_MS / 1000;
		while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &until) != ETIMEDOUT)
			;
		if (w->stop)
			break;
		pthread_mutex_unlock(&w->mu);
		watch_agents(w->d);
		run_due_moves(w->d);
		pthread_mutex_lock(&w->mu);
	}
	w->done = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int serve_watch_start(struct door *d, struct serve_watch **ret, struct strbuf *err)
{
	struct serve_watch *w = xcalloc(1, sizeof(*w));
	pthread_condattr_t ca;

	w->d = d;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		error_set(err, "cannot start the server's watch thread");
		return -EAGAIN;
	}
	*ret = w;
	return 0;
}

bool serve_watch_stop(struct serve_watch *w, int64_t deadline_ns)
{
	struct timespec until = { (time_t)(deadline_ns / 1000000000LL),
		                  (long)(deadline_ns % 1000000000LL) };
	bool done;

	if (!w)
		return true;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	while (!w->done && pthread_cond_timedwait(&w->cv, &w->mu, &until) != ETIMEDOUT)
		;
	done = w->done;
	pthread_mutex_unlock(&w->mu);
	if (!done)
		return false; /* inside the door still: left as it is, the process ends */
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
	return true;
}
