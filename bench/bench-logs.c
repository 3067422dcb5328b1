/* bench-logs: the collected logs' benchmarks that need no network: filling a ward with many
 * messages through the real ingest path, and searching them by host and time window. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "ingest/follow.h"
#include "ingest/ingest.h"
#include "ingest/logindex.h"
#include "ledger/ledger.h"
#include "store/store.h"

#define BATCH  4096
#define DAY_MS 86400000LL

/* A deterministic generator, so fill and search agree on what is there. */
static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Messages are spread over `days` days ending at this instant (2026-11-22 00:00 UTC). */
#define END_MS 1795305600000LL

static int fill(const char *dir, uint64_t n, unsigned hosts, unsigned days)
{
	struct strbuf err = STRBUF_INIT;
	struct ingest *g = NULL;
	struct ingest_source src = { .origin = { .via = "tcp", .peer = "127.0.0.1:1" },
		                     .name = "tcp:127.0.0.1" };
	static char text[BATCH][320];
	struct ingest_msg m[BATCH];
	struct follower_options fo = { .offset_ms = TOKYO_OFFSET_MS };
	int64_t t0 = time_mono_ns(), t1;
	uint64_t done = 0;

	if (ingest_open(dir, NULL, &g, &err) < 0)
		goto fail;
	while (done < n) {
		size_t k = n - done < BATCH ? (size_t)(n - done) : BATCH;
		for (size_t i = 0; i < k; i++) {
			uint64_t r = next();
			int64_t t = END_MS - (int64_t)(r % ((uint64_t)days * DAY_MS));
			struct strbuf ts = STRBUF_INIT;
			time_format_rfc3339(&ts, t);
			m[i].len = (size_t)snprintf(
			    text[i], sizeof(text[i]),
			    "<38>1 %s host%03u sshd %u - - Accepted publickey "
			    "for user%u from 192.0.2.%u port %u ssh2: ED25519 "
			    "SHA256:bench%016" PRIx64,
			    ts.buf, (unsigned)(r >> 40) % hosts, (unsigned)(r >> 20) % 30000,
			    (unsigned)(r >> 8) % 500, (unsigned)r % 250,
			    1024 + (unsigned)(r >> 32) % 60000, r);
			m[i].data = text[i];
			m[i].flags = 0;
			m[i].seq = done + i + 1;
			strbuf_release(&ts);
		}
		if (ingest_submit(g, &src, m, k, &err) < 0)
			goto fail;
		done += k;
	}
	if (ingest_sync(g, &err) < 0 || ingest_close(g, &err) < 0)
		goto fail;
	g = NULL;
	t1 = time_mono_ns();
	if (follower_catch_up(dir, &fo, &err) < 0)
		goto fail;
	printf("%.0f %.0f\n", (double)n * 1e9 / (double)(t1 - t0),
	       (double)n * 1e9 / (double)(time_mono_ns() - t1));
	strbuf_release(&err);
	return 0;
fail:
	fprintf(stderr, "bench-logs fill: %s\n", err.buf);
	ingest_close(g, NULL);
	strbuf_release(&err);
	return 1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* p50 and p99 of `queries` searches for one host in a random hour, 100 hits each. */
static int search(const char *dir, unsigned queries, unsigned hosts, unsigned days)
{
	struct strbuf err = STRBUF_INIT;
	struct store *st = NULL;
	struct ledger *lg = NULL;
	int64_t *lat = calloc(queries, sizeof(*lat));
	uint64_t hits = 0;

	if (!lat || store_open(dir, STORE_READONLY, &st, &err) < 0 ||
	    ledger_open(st, &lg, &err) < 0)
		goto fail;
	for (unsigned i = 0; i < queries; i++) {
		char host[32];
		struct log_query q = { .limit = 100 };
		struct log_result res = { 0 };
		int64_t t0;
		snprintf(host, sizeof(host), "host%03u", (unsigned)(next() % hosts));
		q.host = host;
		q.since_ms = END_MS - (int64_t)(next() % ((uint64_t)days * DAY_MS));
		q.until_ms = q.since_ms + 3600000 - 1;
		t0 = time_mono_ns();
		if (logindex_search(st, lg, &q, TOKYO_OFFSET_MS, &res, &err) < 0)
			goto fail;
		lat[i] = time_mono_ns() - t0;
		hits += res.count;
		log_result_release(&res);
	}
	qsort(lat, queries, sizeof(*lat), cmp_i64);
	printf("%.1f %.1f %.0f\n", (double)lat[queries / 2] / 1e6,
	       (double)lat[queries * 99 / 100] / 1e6, (double)hits / queries);
	free(lat);
	ledger_close(lg);
	store_close(st);
	return 0;
fail:
	fprintf(stderr, "bench-logs search: %s\n", err.buf);
	free(lat);
	ledger_close(lg);
	store_close(st);
	strbuf_release(&err);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "fill"))
		return fill(argv[2], strtoull(argv[3], NULL, 10), (unsigned)atoi(argv[4]),
		            (unsigned)atoi(argv[5]));
	if (argc == 6 && !strcmp(argv[1], "search"))
		return search(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]),
		              (unsigned)atoi(argv[5]));
	fprintf(stderr, "usage: bench-logs fill DIR N HOSTS DAYS | search DIR QUERIES HOSTS DAYS\n"
	                "  fill: prints msg/s into the ledger and msg/s indexed\n"
	                "  search: prints p50 ms, p99 ms, mean matches\n");
	return 2;
}
