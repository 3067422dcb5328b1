/* bench-core: acts per second through the door on a mixed load, with durable commits. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/setup.h"
#include "store/store.h"

/*
 * Usage: bench-core DIR THREADS ITERATIONS [--checkpointer]
 * DIR must not exist. A Minato ward is set up in it (one section, a security officer and
 * one staff member per thread); then each thread repeats ITERATIONS times the mixed load
 * the issue names: a record add (done), an action needing approval (a level 2 copy:
 * pending), and the approval of that request by the section's security officer (done,
 * applying the copy). Every act goes through act_run: decision, separation of duties,
 * the change, one ledger entry, a durable commit (WAL, synchronous=FULL),
 * group-committed across threads. Prints: acts/s, p50 ms, p99 ms, acts. With
 * --checkpointer the door is opened as `mamori serve` opens it (DOOR_CHECKPOINTER: a
 * thread of its own checkpoints the log, not the committing batch).
 */

struct worker {
	struct door *d;
	char login[32];
	int iterations;
	int64_t *lat; /* ns per act */
	size_t nlat;
	int errors;
};

static int timed(struct worker *w, struct act_input *in, struct act_result *res)
{
	struct strbuf err = STRBUF_INIT;
	int64_t t0 = time_mono_ns();
	int r = act_run(w->d, in, res, &err);

	w->lat[w->nlat++] = time_mono_ns() - t0;
	if (r < 0) {
		fprintf(stderr, "bench-core: %s\n", err.buf);
		w->errors++;
	}
	strbuf_release(&err);
	return r;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct act_attr fields[] = { { "title", "ベンチマーク台帳" },
		                     { "access_controlled", "true" } };

	for (int i = 0; i < w->iterations; i++) {
		struct act_input add = { .kind = ACT_RECORD,
			                 .actor = w->login,
			                 .register_id = "asset" };
		struct act_input copy = { .kind = ACT_RECORD,
			                  .actor = w->login,
			                  .action = "asset.copy" };
		struct act_input approve = { .kind = ACT_APPROVE, .actor = "so" };
		struct act_result res = ACT_RESULT_INIT;

		add.fields = fields;
		add.n_fields = 2;
		add.level = "2";
		add.section = "zeimu";
		add.ctx.via = "api";
		if (timed(w, &add, &res) < 0 || res.outcome != ACT_DONE) {
			w->errors++;
			act_result_release(&res);
			continue;
		}
		copy.record_id = res.record_id;
		copy.ctx.via = "api";
		act_result_release(&res);
		if (timed(w, &copy, &res) < 0 || res.outcome != ACT_PENDING) {
			w->errors++;
			act_result_release(&res);
			continue;
		}
		approve.request_id = res.request_id;
		approve.ctx.via = "api";
		act_result_release(&res);
		if (timed(w, &approve, &res) < 0 || res.outcome != ACT_DONE)
			w->errors++;
		act_result_release(&res);
	}
	return NULL;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int admin(struct door *d, enum act_kind kind, const char *target, const struct act_attr *f,
                 size_t n)
{
	struct act_input in = { .kind = kind, .actor = "admin", .target = target };
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT;
	int r;

	in.fields = f;
	in.n_fields = n;
	in.ctx.via = "api";
	r = act_run(d, &in, &res, &err);
	if (r < 0 || res.outcome != ACT_DONE) {
		fprintf(stderr, "bench-core: setup %s %s: %s\n", act_kind_action(kind), target,
		        r < 0 ? err.buf : res.message);
		r = -1;
	}
	act_result_release(&res);
	strbuf_release(&err);
	return r;
}

int main(int argc, char **argv)
{
	struct setup_options so = { .profile = "minato" };
	struct strbuf err = STRBUF_INIT, shown = STRBUF_INIT;
	struct store *st = NULL;
	struct door *d = NULL;
	struct worker *w;
	pthread_t *th;
	int threads, iterations, errors = 0;
	unsigned flags = 0;
	int64_t *all, t0, t1;
	size_t n = 0;

	if (argc == 5 && !strcmp(argv[4], "--checkpointer")) {
		flags = DOOR_CHECKPOINTER;
		argc--;
	}
	if (argc != 4 || (threads = atoi(argv[2])) < 1 || threads > 256 ||
	    (iterations = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: bench-core DIR THREADS ITERATIONS [--checkpointer]\n");
		return 2;
	}
	if (mkdir(argv[1], 0700) < 0 || store_open(argv[1], STORE_CREATE, &st, &err) < 0) {
		fprintf(stderr, "bench-core: cannot create '%s': %s\n", argv[1], err.buf);
		return 1;
	}
	store_close(st);
	if (setup_ward(argv[1], &so, &shown, &err) < 0 || door_open(argv[1], flags, &d, &err) < 0) {
		fprintf(stderr, "bench-core: %s\n", err.buf);
		return 1;
	}
	strbuf_release_secret(&shown);
	{
		struct act_attr sec[] = { { "name", "税務課" } };
		struct act_attr so_f[] = { { "name", "課長" }, { "section", "zeimu" } };
		struct act_attr role[] = { { "role", "security_officer@section:zeimu" } };
		if (admin(d, ACT_SECTION_ADD, "zeimu", sec, 1) < 0 ||
		    admin(d, ACT_USER_ADD, "so", so_f, 2) < 0 ||
		    admin(d, ACT_ROLE_GRANT, "so", role, 1) < 0)
			return 1;
	}
	w = xcalloc((size_t)threads, sizeof(*w));
	th = xcalloc((size_t)threads, sizeof(*th));
	for (int i = 0; i < threads; i++) {
		struct act_attr f[] = { { "name", "職員" }, { "section", "zeimu" } };
		w[i].d = d;
		snprintf(w[i].login, sizeof(w[i].login), "staff-%d", i);
		w[i].iterations = iterations;
		w[i].lat = xcalloc((size_t)iterations * 3, sizeof(int64_t));
		if (admin(d, ACT_USER_ADD, w[i].login, f, 2) < 0)
			return 1;
	}
	t0 = time_mono_ns();
	for (int i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, work, &w[i]);
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	t1 = time_mono_ns();
	all = xcalloc((size_t)threads * (size_t)iterations * 3, sizeof(int64_t));
	for (int i = 0; i < threads; i++) {
		memcpy(all + n, w[i].lat, w[i].nlat * sizeof(int64_t));
		n += w[i].nlat;
		errors += w[i].errors;
		free(w[i].lat);
	}
	qsort(all, n, sizeof(*all), cmp64);
	printf("%.0f %.3f %.3f %zu\n", (double)n / ((double)(t1 - t0) / 1e9),
	       (double)all[n / 2] / 1e6, (double)all[(size_t)((double)n * 0.99)] / 1e6, n);
	door_free(d);
	free(all);
	free(w);
	free(th);
	strbuf_release(&err);
	if (errors) {
		fprintf(stderr, "bench-core: %d acts failed or had an unexpected outcome\n",
		        errors);
		return 1;
	}
	return 0;
}
