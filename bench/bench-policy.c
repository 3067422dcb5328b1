/* bench-policy: decisions/s and latency of policy_decide() on the peers' 100,000 requests
 * (or on bench/policy/gen-requests.py's, unchecked, when the peers are not here). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "policy/policy.h"

/*
 * Same protocol as ../shared/peers/policy/bench.mjs: requests are parsed
 * into their call form before timing (the peers build Cedar entities and
 * Casbin rvals outside timing too); warm-up on the first 10,000; the
 * throughput pass decides all requests in order; latency is sampled on
 * every 5th request, each call timed on its own with CLOCK_MONOTONIC (the
 * timer's own cost is measured and printed, not subtracted). The run counts
 * only if every decision equals the expected outcome.
 *
 * EXPECTED "-" skips the check (a request set without expected outcomes): the output then
 * says "mismatches unchecked".
 *
 * Output: one line per figure, "key value", for bench/run-policy.sh.
 */

#define LAT_EVERY 5
#define PASSES    7

struct req {
	struct decide_request q;
	struct policy_request_storage st;
	char *expected;
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* "allow", "deny" or "approval:role@scope" as the peers write it. */
static void outcome(const struct decision *d, struct strbuf *sb)
{
	strbuf_reset(sb);
	if (d->effect != EFFECT_APPROVAL) {
		strbuf_addstr(sb, d->effect == EFFECT_ALLOW ? "allow" : "deny");
		return;
	}
	for (unsigned i = 0; i < d->n_approvers; i++) {
		const struct policy_approver *a = &d->approvers[i];

		strbuf_addf(sb, "%sapproval:%s@%s", i ? "," : "", a->role->id,
		            policy_scope_kind_name(a->scope));
		if (a->scope_value)
			strbuf_addf(sb, ":%s", a->scope_value);
	}
}

static int64_t median_load_ns(const char *id, int n)
{
	int64_t *t = xcalloc((size_t)n, sizeof(*t));
	struct strbuf err = STRBUF_INIT;
	int64_t m;

	for (int i = 0; i < n; i++) {
		struct profile *p = NULL;
		int64_t t0 = now_ns();

		if (profile_load_named(id, &p, &err) < 0) {
			fprintf(stderr, "bench-policy: %s\n", err.buf);
			exit(1);
		}
		t[i] = now_ns() - t0;
		profile_free(p);
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_i64);
	m = t[n / 2];
	free(t);
	strbuf_release(&err);
	return m;
}

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT, line = STRBUF_INIT, got = STRBUF_INIT, json = STRBUF_INIT;
	struct profile *p = NULL;
	struct req *reqs = NULL;
	size_t nr = 0, alloc = 0, mismatches = 0, nlat = 0;
	FILE *fr, *fe;
	int64_t *lat, pass_ns[PASSES], t0, timer_ns;
	struct decision d;
	volatile unsigned sink = 0;
	bool unchecked;

	if (argc != 4) {
		fprintf(stderr, "usage: bench-policy PROFILE REQUESTS.jsonl EXPECTED.txt|-\n");
		return 2;
	}
	if (profile_load_named(argv[1], &p, &err) < 0) {
		fprintf(stderr, "bench-policy: %s\n", err.buf);
		return 1;
	}
	unchecked = !strcmp(argv[3], "-");
	fr = fopen(argv[2], "r");
	fe = unchecked ? NULL : fopen(argv[3], "r");
	if (!fr || (!fe && !unchecked)) {
		fprintf(stderr,
		        "bench-policy: cannot open the requests or the expected outcomes\n");
		return 1;
	}
	while (strbuf_getline(&line, fr) != EOF) {
		struct req *r;

		ALLOC_GROW(reqs, nr, alloc);
		r = &reqs[nr];
		if (policy_request_parse(line.buf, line.len, &r->q, &r->st, &err) < 0) {
			fprintf(stderr, "bench-policy: request %zu: %s\n", nr + 1, err.buf);
			return 1;
		}
		if (unchecked) {
			r->expected = NULL;
		} else if (strbuf_getline(&line, fe) == EOF) {
			fprintf(stderr, "bench-policy: fewer expected outcomes than requests\n");
			return 1;
		} else {
			r->expected = xstrdup(line.buf);
		}
		nr++;
	}
	fclose(fr);
	if (fe)
		fclose(fe);

	/* correctness first: the figures count only with 0 mismatches */
	for (size_t i = 0; i < nr; i++) {
		if (policy_decide(p, &reqs[i].q, &d, &err) < 0) {
			fprintf(stderr, "bench-policy: request %zu: %s\n", i + 1, err.buf);
			return 1;
		}
		outcome(&d, &got);
		if (reqs[i].expected && strcmp(got.buf, reqs[i].expected)) {
			if (mismatches < 5)
				fprintf(stderr, "bench-policy: request %zu: got %s, expected %s\n",
				        i + 1, got.buf, reqs[i].expected);
			mismatches++;
		}
	}

	/* warm-up, then the throughput passes */
	for (size_t i = 0; i < nr && i < 10000; i++)
		sink += (unsigned)policy_decide(p, &reqs[i].q, &d, NULL) + d.effect;
	for (int k = 0; k < PASSES; k++) {
		t0 = now_ns();
		for (size_t i = 0; i < nr; i++)
			sink += (unsigned)policy_decide(p, &reqs[i].q, &d, NULL) + d.effect;
		pass_ns[k] = now_ns() - t0;
	}
	qsort(pass_ns, PASSES, sizeof(*pass_ns), cmp_i64);

	/* latency: each sampled call timed on its own */
	lat = xcalloc(nr / LAT_EVERY + 1, sizeof(*lat));
	for (size_t i = 0; i < nr; i += LAT_EVERY) {
		t0 = now_ns();
		sink += (unsigned)policy_decide(p, &reqs[i].q, &d, NULL) + d.effect;
		lat[nlat++] = now_ns() - t0;
	}
	qsort(lat, nlat, sizeof(*lat), cmp_i64);
	t0 = now_ns();
	for (int i = 0; i < 100000; i++)
		sink += (unsigned)now_ns();
	timer_ns = (now_ns() - t0) / 100000;

	/* the same requests end to end: JSON in, decision, JSON out */
	{
		int64_t total;

		fr = fopen(argv[2], "r");
		if (!fr)
			return 1;
		t0 = now_ns();
		while (strbuf_getline(&line, fr) != EOF) {
			struct decide_request q;
			struct policy_request_storage st;

			if (policy_request_parse(line.buf, line.len, &q, &st, &err) == 0) {
				if (policy_decide(p, &q, &d, &err) == 0) {
					strbuf_reset(&json);
					policy_decision_json(&d, &q, &json);
				}
				policy_request_storage_release(&st);
			}
		}
		total = now_ns() - t0;
		fclose(fr);
		printf("e2e_per_s %.0f\n", (double)nr / ((double)total / 1e9));
	}

	printf("requests %zu\n", nr);
	if (unchecked)
		printf("mismatches unchecked\n");
	else
		printf("mismatches %zu\n", mismatches);
	printf("throughput_per_s %.0f\n", (double)nr / ((double)pass_ns[PASSES / 2] / 1e9));
	printf("p50_us %.3f\n", (double)lat[nlat / 2] / 1e3);
	printf("p99_us %.3f\n", (double)lat[(size_t)((double)nlat * 0.99)] / 1e3);
	printf("timer_ns %lld\n", (long long)timer_ns);
	printf("load_minato_ms %.2f\n", (double)median_load_ns("minato", 21) / 1e6);
	printf("load_shinjuku_ms %.2f\n", (double)median_load_ns("shinjuku", 21) / 1e6);

	for (size_t i = 0; i < nr; i++) {
		policy_request_storage_release(&reqs[i].st);
		free(reqs[i].expected);
	}
	free(reqs);
	free(lat);
	profile_free(p);
	strbuf_release(&err);
	strbuf_release(&line);
	strbuf_release(&got);
	strbuf_release(&json);
	return mismatches ? 1 : 0;
}
