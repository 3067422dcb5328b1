/* bench-logs: the collected logs' benchmarks that need no network: filling a ward with many
 * messages through the real ingest path, and searching them by host and time window. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/*
 * Message k of n's own time: at random in the days (each block of the index then spans them
 * all: the worst case for a search by time), or, ordered, in the order they arrive as a
 * ward's senders send them, each up to a minute before its place.
 */
static int64_t fill_time(uint64_t k, uint64_t n, unsigned days, bool ordered, uint64_t r)
{
	uint64_t span = (uint64_t)days * DAY_MS;

	if (!ordered)
		return END_MS - (int64_t)(r % span);
	return END_MS - (int64_t)(span / n * (n - k) + span % n * (n - k) / n) -
	       (int64_t)(r % 60000);
}

static int fill(const char *dir, uint64_t n, unsigned hosts, unsigned days, bool ordered)
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
			int64_t t = fill_time(done + i, n, days, ordered, r);
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

/* A /proc number: the first long long after key in path (0 when not there). */
static long long proc_value(const char *path, const char *key)
{
	char line[512];
	long long v = 0;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key))) {
			v = atoll(line + strlen(key));
			break;
		}
	if (f)
		fclose(f);
	return v;
}

/*
 * Drops the ward's database from the page cache (its clean pages: nothing here writes), so
 * that what the search reads comes from the disk: the files of this ward only, and no root
 * needed, where drop_caches would empty the cache of every process on the machine. -1 with
 * err when mamori.db cannot be evicted (a PostgreSQL ward has none): a cold row that was not.
 */
static int evict(const char *dir, struct strbuf *err)
{
	static const char *const names[] = { "mamori.db", "mamori.db-wal" };

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		char path[4096];
		int fd, r;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && i > 0 && errno == ENOENT)
			continue; /* no WAL */
		if (fd < 0) {
			strbuf_addf(err, "cannot evict %s from the page cache: %s", path,
			            strerror(errno));
			return -1;
		}
		r = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
		if (r) {
			strbuf_addf(err, "cannot evict %s from the page cache: %s", path,
			            strerror(r));
			return -1;
		}
	}
	return 0;
}

enum cache_mode { CACHE_AS_IS, CACHE_WARM, CACHE_COLD, CACHE_EACH };

/* Searches of one ward: its connection, and what they found and read. */
struct searcher {
	const char *dir;
	unsigned hosts, days;
	enum cache_mode mode;
	struct store *st;
	struct ledger *lg;
	uint64_t hits, bundles;
	struct strbuf err;
};

static void searcher_close(struct searcher *s)
{
	ledger_close(s->lg);
	store_close(s->st);
	s->lg = NULL;
	s->st = NULL;
}

static int searcher_open(struct searcher *s)
{
	searcher_close(s);
	if (store_open(s->dir, STORE_READONLY, &s->st, &s->err) < 0 ||
	    ledger_open(s->st, &s->lg, &s->err) < 0)
		return -1;
	return 0;
}

/*
 * One pass of `queries` searches for one host in a random hour, 100 hits each (the same hosts
 * and hours for the same generator state); their times into lat. In mode each, before each
 * search (untimed), the store is opened again (SQLite's own cache empty) and the ward evicted.
 */
static int search_pass(struct searcher *s, unsigned queries, int64_t *lat)
{
	for (unsigned i = 0; i < queries; i++) {
		char host[32];
		struct log_query q = { .limit = 100 };
		struct log_result res = { 0 };
		uint64_t bundles;
		int64_t t0;
		snprintf(host, sizeof(host), "host%03u", (unsigned)(next() % s->hosts));
		q.host = host;
		q.since_ms = END_MS - (int64_t)(next() % ((uint64_t)s->days * DAY_MS));
		q.until_ms = q.since_ms + 3600000 - 1;
		if (s->mode == CACHE_EACH && (searcher_open(s) < 0 || evict(s->dir, &s->err) < 0))
			return -1;
		bundles = ledger_bundles_read(s->lg);
		t0 = time_mono_ns();
		if (logindex_search(s->st, s->lg, &q, TOKYO_OFFSET_MS, &res, &s->err) < 0)
			return -1;
		lat[i] = time_mono_ns() - t0;
		s->hits += res.count;
		s->bundles += ledger_bundles_read(s->lg) - bundles;
		log_result_release(&res);
	}
	return 0;
}

/*
 * p50 and p99 of `queries` searches for one host in a random hour, 100 hits each, with the
 * page cache as found (as-is), after the same searches once untimed (warm), with the ward's
 * database evicted from it once before them (cold), or before each of them, on a connection
 * opened again (each). On stderr: what the timed searches read, per search: bundles of the
 * ledger, read calls, and bytes that came from the disk.
 */
static int search(const char *dir, unsigned queries, unsigned hosts, unsigned days,
                  enum cache_mode mode)
{
	struct searcher s = { .dir = dir, .hosts = hosts, .days = days, .mode = mode };
	int64_t *lat = calloc(queries ? queries : 1, sizeof(*lat));
	uint64_t rng0 = rng;
	long long syscr, bytes;

	strbuf_init(&s.err, 0);
	if (!lat || !queries || searcher_open(&s) < 0)
		goto fail;
	if (mode == CACHE_WARM) {
		if (search_pass(&s, queries, lat) < 0)
			goto fail;
		rng = rng0;
	}
	if (mode == CACHE_COLD && evict(dir, &s.err) < 0)
		goto fail;
	s.hits = s.bundles = 0;
	syscr = proc_value("/proc/self/io", "syscr:");
	bytes = proc_value("/proc/self/io", "read_bytes:");
	if (search_pass(&s, queries, lat) < 0)
		goto fail;
	fprintf(
	    stderr,
	    "bench-logs search: per search %.1f bundles of the ledger, %.0f read calls, %.2f MB "
	    "from the disk\n",
	    (double)s.bundles / queries,
	    (double)(proc_value("/proc/self/io", "syscr:") - syscr) / queries,
	    (double)(proc_value("/proc/self/io", "read_bytes:") - bytes) / 1e6 / queries);
	qsort(lat, queries, sizeof(*lat), cmp_i64);
	printf("%.1f %.1f %.0f\n", (double)lat[queries / 2] / 1e6,
	       (double)lat[queries * 99 / 100] / 1e6, (double)s.hits / queries);
	free(lat);
	searcher_close(&s);
	strbuf_release(&s.err);
	return 0;
fail:
	fprintf(stderr, "bench-logs search: %s\n", s.err.len ? s.err.buf : "no searches");
	free(lat);
	searcher_close(&s);
	strbuf_release(&s.err);
	return 1;
}

int main(int argc, char **argv)
{
	static const char *const modes[] = { "as-is", "warm", "cold", "each" };

	if ((argc == 6 || (argc == 7 && !strcmp(argv[6], "ordered"))) && !strcmp(argv[1], "fill"))
		return fill(argv[2], strtoull(argv[3], NULL, 10), (unsigned)atoi(argv[4]),
		            (unsigned)atoi(argv[5]), argc == 7);
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "search"))
		for (int m = 0; m < 4; m++)
			if (argc == 6 || !strcmp(argv[6], modes[m]))
				return search(argv[2], (unsigned)atoi(argv[3]),
				              (unsigned)atoi(argv[4]), (unsigned)atoi(argv[5]),
				              (enum cache_mode)m);
	fprintf(
	    stderr,
	    "usage: bench-logs fill DIR N HOSTS DAYS [ordered] | search DIR QUERIES HOSTS DAYS "
	    "[as-is|warm|cold|each]\n"
	    "  fill: prints msg/s into the ledger and msg/s indexed; the messages' own times at\n"
	    "    random over the days, or in the order they arrive (ordered)\n"
	    "  search: prints p50 ms, p99 ms, mean matches; the page cache as found (as-is),\n"
	    "    after the same searches untimed (warm), the ward's database evicted from it\n"
	    "    before them (cold) or before each (each)\n");
	return 2;
}
