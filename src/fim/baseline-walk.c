/* baseline-walk: a baseline's walk in a thread of its own, started before its header is known. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fmtargs.h"
#include "fim/compare.h"

struct fim_baseline_walk {
	const struct fim_config *config;
	struct fim_scan_opts opts;
	struct fim_baseline_writer *w;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool begun;  /* the header is written: records go to the file */
	bool cancel; /* abort: the next entry stops the walk */
	/* the walk's outcome, read after the join */
	int r;
	struct fim_scan_stats st;
	struct strbuf err;
	const char *err_fmt; /* err's format and arguments, for the caller's language */
	struct fmtargs err_args;
};

/*
 * Each entry, in the walk's thread: into the writer, which keeps it in memory until the
 * header is known. Past FIM_WALK_WAITING bytes waiting, the walk waits for the header.
 */
static int walk_entry(void *arg, const struct fim_entry *e)
{
	struct fim_baseline_walk *x = arg;
	int r;

	pthread_mutex_lock(&x->mu);
	while (!x->begun && !x->cancel && fim_bw_buffered(x->w) >= FIM_WALK_WAITING)
		pthread_cond_wait(&x->cv, &x->mu);
	if (x->cancel) {
		error_set(&x->err, "baseline: the walk was stopped");
		r = -ECANCELED;
	} else {
		r = fim_bw_add(x->w, 'E', e, &x->err);
	}
	pthread_mutex_unlock(&x->mu);
	return r;
}

static void *walk_thread(void *arg)
{
	struct fim_baseline_walk *x = arg;

	error_capture_begin();
	x->r = fim_scan(x->config, &x->opts, walk_entry, x, &x->st, &x->err);
	x->err_fmt = error_capture_end(&x->err, &x->err_args);
	return NULL;
}

static void walk_free(struct fim_baseline_walk *x)
{
	if (x->w)
		fim_bw_abort(x->w);
	pthread_mutex_destroy(&x->mu);
	pthread_cond_destroy(&x->cv);
	strbuf_release(&x->err);
	fmtargs_release(&x->err_args);
	free(x);
}

int fim_baseline_walk_start(const struct fim_config *config, const struct fim_scan_opts *opts,
                            struct fim_baseline_walk **ret, struct strbuf *err)
{
	struct fim_baseline_walk *x = xcalloc(1, sizeof(*x));
	int e;

	x->config = config;
	x->opts = opts ? *opts : (struct fim_scan_opts){ .threads = -1 };
	x->w = fim_bw_open_later();
	strbuf_init(&x->err, 0);
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cv, NULL);
	e = pthread_create(&x->thread, NULL, walk_thread, x);
	if (e) {
		error_set(err, "cannot start the walk's thread: %s", strerror(e));
		walk_free(x);
		return -EAGAIN;
	}
	*ret = x;
	return 0;
}

void fim_baseline_walk_abort(struct fim_baseline_walk *x)
{
	if (!x)
		return;
	pthread_mutex_lock(&x->mu);
	x->cancel = true;
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
	pthread_join(x->thread, NULL);
	walk_free(x);
}

int fim_baseline_walk_finish(struct fim_baseline_walk *x, const struct fim_baseline_info *h,
                             const char *path, const struct fim_key *key, uint8_t ret_sha256[32],
                             struct fim_scan_stats *ret_stats, struct strbuf *err)
{
	struct fim_baseline_info info = *h;
	struct fim_baseline_writer *w;
	int r;

	info.kind = FIM_BASELINE_KIND;
	memcpy(info.config_sha256, x->config->sha256, 32);
	pthread_mutex_lock(&x->mu);
	r = fim_bw_begin(x->w, path, &info, err);
	if (r == 0)
		x->begun = true;
	else
		x->cancel = true;
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
	pthread_join(x->thread, NULL);
	if (r == 0 && x->r < 0) {
		r = x->r;
		if (x->err_fmt)
			error_set_captured(err, x->err_fmt, &x->err_args);
		else
			error_set(err, "%s", x->err.buf);
	}
	if (ret_stats)
		*ret_stats = x->st;
	w = x->w;
	x->w = NULL;
	walk_free(x);
	if (r < 0) {
		fim_bw_abort(w);
		return r;
	}
	return fim_bw_finish(w, key, ret_sha256, err);
}

int fim_write_baseline(const struct fim_config *config, const struct fim_scan_opts *opts,
                       const struct fim_baseline_info *h, const char *path,
                       const struct fim_key *key, uint8_t ret_sha256[32],
                       struct fim_scan_stats *ret_stats, struct strbuf *err)
{
	struct fim_baseline_walk *x;
	int r = fim_baseline_walk_start(config, opts, &x, err);

	if (r < 0)
		return r;
	return fim_baseline_walk_finish(x, h, path, key, ret_sha256, ret_stats, err);
}
