/* arrival-probe: when a receiver under test has taken a stream whole, for bench/run-syslog.sh.
 *
 *   arrival-probe [-v] [-i MS] [-s SECONDS] ledger DB N
 *       N more entries durable in the ledger of the database DB (a Mamori data directory's
 *       mamori.db) than when the probe started
 *   arrival-probe [-v] [-i MS] [-s SECONDS] lines FILE N
 *       N lines appended to FILE (rsyslog's output file) since the probe started (whatever
 *       it held then ends with a whole line: no writer is midway through a line)
 *
 * It takes its starting count, prints "ready" on a line of its own, then looks every MS
 * milliseconds (default 5) until the N have arrived or nothing has arrived for SECONDS
 * (default 10), and prints one line: the wall-clock time (seconds since the epoch, as
 * `date +%s.%N`) at which it saw the N, or the last growth if they never came; how many
 * arrived; and the CPU seconds the probe itself took while it watched (after "ready"). -v
 * also traces each growth on stderr (the time and the count so far) and, for a ledger, how
 * long its reads held a read transaction.
 *
 * Why a probe that runs beside the sender: loggen returns only at a tick of its main thread,
 * every 0.5 s, so timing a receiver "until loggen exits, then until the count is reached"
 * rounds its time up to that tick whenever it has finished before it (docs/logs.md, the
 * benchmark section). Both receivers are watched by this program with the same interval, and
 * each look is cheap: one prepared SELECT of one row on a read-only connection, its read
 * transaction ended at once (sqlite3_reset: the WAL's read mark is held only while it runs,
 * and a WAL restart by the writer waits at most for that), or reading only the bytes appended
 * since the last look and counting their newlines.
 *
 * The ledger's head row is written by the commit; the syncer makes that commit durable with a
 * flush of the WAL just after it. So once the head holds the N, the probe flushes the WAL
 * itself and takes the time after: by then every entry counted is on the disk, whichever flush
 * got there first (a bound on Mamori's time from above, never below). A commit already copied
 * out of a WAL that was started afresh is in the database file, which the checkpointer synced
 * before the WAL could start again.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum { READ_CHUNK = 1 << 20 };

struct probe {
	/* ledger mode */
	sqlite3 *db;
	sqlite3_stmt *head;
	unsigned long busy;    /* looks that failed (the database busy, or an error) */
	char last_error[160];  /* the last failure's message */
	unsigned long looks;   /* and all of them */
	double held, held_max; /* seconds in a read transaction: in all, the longest */
	/* lines mode */
	const char *path;
	int fd;
	char *buf;
	uint64_t lines;
	bool started; /* past the start: a file that appears now is read from its beginning */
};

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(const struct rusage *ru)
{
	return (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) +
	       (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e6;
}

/* Opens the database read-only and prepares the head's SELECT. 0 or -1 (message on stderr). */
static int ledger_open(struct probe *p)
{
	if (sqlite3_open_v2(p->path, &p->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(p->db, "SELECT size FROM ledger_head WHERE id = 1", -1, &p->head,
	                       NULL) != SQLITE_OK) {
		fprintf(stderr, "arrival-probe: cannot read the ledger in '%s': %s\n", p->path,
		        sqlite3_errmsg(p->db));
		return -1;
	}
	return 0;
}

static void ledger_close(struct probe *p)
{
	sqlite3_finalize(p->head);
	sqlite3_close(p->db);
	p->head = NULL;
	p->db = NULL;
}

/*
 * The ledger's size now, or the last one seen if this look failed: the database busy this
 * instant, or an error, after which the connection is opened afresh for the next look (the
 * failures are counted and told on stderr: a stall they caused is not the server's).
 */
static uint64_t ledger_count(struct probe *p, uint64_t last)
{
	uint64_t size = last;
	double t = now_mono();
	int rc = sqlite3_step(p->head);

	if (rc == SQLITE_ROW)
		size = (uint64_t)sqlite3_column_int64(p->head, 0);
	else {
		p->busy++;
		snprintf(p->last_error, sizeof(p->last_error), "%s", sqlite3_errmsg(p->db));
	}
	sqlite3_reset(p->head); /* ends the read transaction: the WAL's read mark is free */
	if (rc != SQLITE_ROW && rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
		ledger_close(p);
		if (ledger_open(p) < 0)
			exit(1);
	}
	t = now_mono() - t;
	p->held += t;
	if (t > p->held_max)
		p->held_max = t;
	p->looks++;
	return size;
}

/* Lines appended to the file since the probe started: only the new bytes are read. */
static uint64_t lines_count(struct probe *p)
{
	ssize_t n;

	if (p->fd < 0) {
		p->fd = open(p->path, O_RDONLY | O_CLOEXEC);
		if (p->fd < 0)
			return 0; /* not written yet: every line will be new */
		if (!p->started && lseek(p->fd, 0, SEEK_END) < 0)
			return 0;
	}
	while ((n = read(p->fd, p->buf, READ_CHUNK)) > 0) {
		const char *s = p->buf, *end = p->buf + n;

		while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
			p->lines++;
			s++;
		}
	}
	return p->lines;
}

/* Flushes FILE to the disk (0 if it does not exist). */
static int flush_file(const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = fdatasync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int usage(void)
{
	fprintf(stderr,
	        "usage: arrival-probe [-v] [-i MS] [-s SECONDS] ledger DB N | lines FILE N\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct probe p = { .fd = -1 };
	long interval_ms = 5, stall_s = 10;
	uint64_t base, target, count, last;
	double reached, last_growth;
	struct timespec tick;
	struct rusage ru;
	double cpu0;
	bool ledger, trace = false;
	char *end;
	int c;

	while ((c = getopt(argc, argv, "vi:s:")) != -1) {
		switch (c) {
		case 'v':
			trace = true;
			break;
		case 'i':
			interval_ms = strtol(optarg, &end, 10);
			if (*end || interval_ms < 1 || interval_ms > 1000)
				return usage();
			break;
		case 's':
			stall_s = strtol(optarg, &end, 10);
			if (*end || stall_s < 1 || stall_s > 3600)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 3)
		return usage();
	ledger = strcmp(argv[optind], "ledger") == 0;
	if (!ledger && strcmp(argv[optind], "lines") != 0)
		return usage();
	p.path = argv[optind + 1];
	errno = 0;
	target = strtoull(argv[optind + 2], &end, 10);
	if (errno || *end || target == 0)
		return usage();

	if (ledger) {
		if (ledger_open(&p) < 0)
			return 1;
		base = ledger_count(&p, 0);
	} else {
		p.buf = malloc(READ_CHUNK);
		if (!p.buf)
			return 1;
		base = lines_count(&p); /* 0: from the end of what is there */
		p.started = true;
	}
	getrusage(RUSAGE_SELF, &ru);
	cpu0 = cpu_seconds(&ru);
	printf("ready\n");
	fflush(stdout);

	target += base;
	last = base;
	last_growth = now_mono();
	reached = now_real();
	clock_gettime(CLOCK_MONOTONIC, &tick);
	for (;;) {
		count = ledger ? ledger_count(&p, last) : lines_count(&p);
		if (count > last) {
			last = count;
			last_growth = now_mono();
			reached = now_real();
			if (trace)
				fprintf(stderr, "%.6f %llu\n", reached,
				        (unsigned long long)(last - base));
		}
		if (count >= target || now_mono() - last_growth >= (double)stall_s)
			break;
		tick.tv_nsec += interval_ms * 1000000L;
		if (tick.tv_nsec >= 1000000000L) {
			tick.tv_sec += tick.tv_nsec / 1000000000L;
			tick.tv_nsec %= 1000000000L;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL) == EINTR)
			;
	}
	if (ledger) {
		/* durable: the WAL flushed, then the time taken */
		char wal[4096];
		int r;

		snprintf(wal, sizeof(wal), "%s-wal", p.path);
		r = flush_file(wal);
		if (r < 0) {
			fprintf(stderr, "arrival-probe: cannot flush '%s': %s\n", p.path,
			        strerror(-r));
			return 1;
		}
		/* (after a stall the last growth stands: the syncer's flush came long before) */
		if (last >= target) {
			double seen = reached;

			reached = now_real();
			if (trace)
				fprintf(stderr, "flushed %.6f (+%.3f ms)\n", reached,
				        (reached - seen) * 1e3);
		}
		if (trace)
			fprintf(
			    stderr,
			    "looks %lu, failed %lu, in a read transaction %.1f us each, %.1f at "
			    "most\n",
			    p.looks, p.busy, p.looks ? p.held / (double)p.looks * 1e6 : 0.0,
			    p.held_max * 1e6);
		if (p.busy)
			fprintf(stderr, "arrival-probe: %lu of %lu looks failed (the last: %s)\n",
			        p.busy, p.looks, p.last_error);
		if (last < target) {
			/* stalled: what a fresh connection sees, in case this one was stuck */
			uint64_t seen = last;

			ledger_close(&p);
			if (ledger_open(&p) == 0 && (seen = ledger_count(&p, last)) != last)
				fprintf(stderr,
				        "arrival-probe: stalled at %llu, but a fresh connection "
				        "reads %llu\n",
				        (unsigned long long)(last - base),
				        (unsigned long long)(seen - base));
		}
		ledger_close(&p);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("%.6f %llu %.3f\n", reached, (unsigned long long)(last - base),
	       cpu_seconds(&ru) - cpu0);
	free(p.buf);
	if (p.fd >= 0)
		close(p.fd);
	return 0;
}
