/* bench-ledger: durable appends with ack latency, proof latency on a large tree, full verify,
 * and the storage ceiling they are measured against (bench/run-ledger.sh prints the rows).
 *
 *   bench-ledger append DIR N WINDOW   group-committed 256-byte entries, WINDOW in flight
 *                                      prints: rate, ack p50 and p99 (ms), entries per
 *                                      commit and per flush of the disk
 *   bench-ledger paced DIR N WINDOW    on one writer: the maximum rate now (a closed loop,
 *                                      WINDOW in flight), then 80% of it offered (open
 *                                      loop; at most N entries in all): prints the maximum,
 *                                      offered and achieved rates, ack p50 and p99 (ms),
 *                                      entries per commit and per flush, warm-up p99,
 *                                      others' CPU beside the measured part (cores: mean,
 *                                      most in 250 ms), the checkpointer's CPU per measured
 *                                      entry (us), this machine's speed after the 80% run
 *                                      beside before the maximum (ratio of CPU times), the
 *                                      WAL's longest flush in the measured part (ms),
 *                                      the measured part's length as run (whole s:
 *                                      shorter when the N entries ran out), the host's
 *                                      stops of this VM a second and their ms a second
 *                                      (heartbeat.h), the process's CPU per entry (us)
 *                                      and context switches per entry; a 4th
 *                                      argument STALL_MS injects one stall (a diagnostic)
 *   bench-ledger paced-seconds         the measured part's length (PACED_MEASURE_S)
 *   bench-ledger fsync DIR BYTES N     the disk alone: N times BYTES written + fdatasync
 *   bench-ledger ceiling DIR N BATCH   the same rows into SQLite, no hashing, no thread
 *   bench-ledger build DIR N           a tree of N small entries through the real append
 *                                      code, in large unsynced transactions (bench only)
 *   bench-ledger proof DIR SAMPLES     inclusion proofs of random entries from storage
 *   bench-ledger verify DIR            ledger_verify over everything
 *   bench-ledger batches DIR N BATCH   durable appends of BATCH entries, one transaction each
 *                                      (ledger_append), on the data directory's store: SQLite
 *                                      or PostgreSQL (init --store)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "ledger/writer-internal.h"
#include "store/sqlite.h"
#include "store/store.h"

#include "heartbeat.h"

/*
 * The paced run's parts (bench_paced): the closed loop's warm-up and its measurement of the
 * maximum rate R, then the open loop at 0.8 R: its warm-up and its measured part.
 *
 * The measured part is PACED_MEASURE_S long (3 s until 2026-12-07) because of the virtual
 * disk's stalls: about one flush a minute takes 17-70 ms (once, 169 ms), with or without our
 * load (docs/ledger.md, "How long the 80% run measures"). A stall of S ms holds every entry due
 * during it, and the backlog then drains, so the entries due over c (S - L) ms from its start
 * wait more than L ms: c = 1 if all were acknowledged at its end, 5 (the model's worst) if the
 * backlog drained with the 20% of headroom alone; measured for real stalls, 1.5-2.8 (a 68.1 ms
 * stall gave p99 57.2 ms over 3 s: c = 30 / (68.1 - 57.2)). The p99 counts 1% of the measured
 * entries, those due over 10 ms of each second measured whatever the rate, so one stall
 * decides the row (p99 over 10 ms) once c (S - 10) passes that, less what the run's other slow
 * moments take (a tenth): over 3 s (27 ms) any stall over 20-35 ms could; over 20 s (180 ms),
 * at the c measured for real stalls (up to 2.8), none up to 10 + 180 / 2.8 = 74 ms can (at the
 * model's worst, c 5, none up to 46 ms): all seen but one (169 ms: that run's p99 was 64.9 ms);
 * over 10 s, none up to 42 ms. A 70 ms stall injected (paced's STALL_MS: the syncer's flush
 * alone, c = 1, the least a real stall does): p99 42.6-43.7 ms over 3 s (4 of 4 runs), 5.0-7.9
 * ms over 20 s (11 of 11). (A build with -DPACED_MEASURE_S=3 measures as before.)
 */
#ifndef PACED_MEASURE_S
#define PACED_MEASURE_S 20
#endif
#define PACED_WARMSAT_NS (2000 * 1000000LL)
#define PACED_SAT_NS     (4000 * 1000000LL)
#define PACED_WARM_NS    (1000 * 1000000LL)
#define PACED_MEASURE_NS (PACED_MEASURE_S * 1000000000LL)
/*
 * The open loop's submitter sleeps at least PACED_QUANTUM_NS each time it has submitted every
 * entry then due, and then submits every entry that came due meanwhile, each counted from its
 * own due time (so the wait it adds, up to the quantum, is in the row). Until 2026-12-07 it slept
 * until the next entry was due, 1.5-2 us at 80% of the maximum rate, which the timer's slack made
 * ~55 us: ~8,000 sleeps and wake-ups a second, 40% of the process's context switches and a
 * quarter of the submitter's CPU, on a VM whose host stops it for the rest of each 100 ms period
 * once the VM has spent its CPU quota (docs/ledger.md, "The host's CPU quota"). 0.5 ms is how
 * often a receiver reading 64 KiB at a time wakes for a stream of 256-byte messages at the
 * 80% run's 500,000-650,000 a second.
 */
#define PACED_QUANTUM_NS (500 * 1000LL)

static void die(const char *what, const struct strbuf *err)
{
	fprintf(stderr, "bench-ledger: %s: %s\n", what, err ? err->buf : "");
	exit(1);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int64_t pct(int64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1));
	return v[i];
}

/*
 * The 256-byte entry: a note whose data fills it (10 header + 3 field header + 243):
 * "bench entry I ." and then its letter. Made without snprintf: the submitter makes one per
 * entry on the cores the writer needs (snprintf was a tenth of its CPU at 80% of the maximum
 * rate), and the entries' bytes are what they were.
 */
static void entry256(struct ledger_entry *e, char *buf, uint64_t i)
{
	char digits[20];
	size_t n = 0, at = sizeof("bench entry ") - 1;
	uint64_t v = i;

	memset(buf, 'a' + (int)(i % 26), 243);
	memcpy(buf, "bench entry ", at);
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		buf[at++] = digits[--n];
	buf[at++] = ' ';
	buf[at] = '.';
	*e = (struct ledger_entry){ .kind = ENTRY_NOTE,
		                    .time_ms = (int64_t)i,
		                    .data = (const uint8_t *)buf,
		                    .data_len = 243 };
}

/*
 * ---- detail (BENCH_LEDGER_DETAIL set: on stderr) ----
 * What decides the paced row: the closed loop's rate per 250 ms (how steady R is), each thread's
 * CPU and run-queue wait (schedstat) in both parts, how far the submitter fell behind its due
 * times, and the worst latency per 10 ms of due time.
 */
struct tstat {
	pid_t tid;
	char comm[32];
	long long cpu_ticks, run_ns, wait_ns;
	long long minflt, nvcsw, nivcsw; /* minor faults, voluntary and forced switches */
};

#define TSTAT_MAX 32

/* This process's threads: their names, CPU ticks (utime + stime) and run-queue wait in ns. */
static size_t tstat_read(struct tstat *t)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	size_t n = 0;

	while (d && n < TSTAT_MAX && (de = readdir(d))) {
		char path[320], line[1024], *l, *r;
		long long ut = 0, st = 0, run = 0, wait = 0, mf = 0, vcs = 0, ivcs = 0;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat", de->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		l = fgets(line, sizeof(line), f) ? strchr(line, '(') : NULL;
		r = l ? strrchr(line, ')') : NULL;
		fclose(f);
		if (!r)
			continue;
		/* after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt
		 * cmajflt utime stime */
		if (sscanf(r + 2, "%*c %*d %*d %*d %*d %*d %*u %lld %*u %*u %*u %lld %lld", &mf,
		           &ut, &st) != 3)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", de->d_name);
		if ((f = fopen(path, "r"))) {
			if (fscanf(f, "%lld %lld", &run, &wait) != 2)
				wait = 0;
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", de->d_name);
		if ((f = fopen(path, "r"))) {
			char sl[256];
			while (fgets(sl, sizeof(sl), f)) {
				sscanf(sl, "voluntary_ctxt_switches: %lld", &vcs);
				sscanf(sl, "nonvoluntary_ctxt_switches: %lld", &ivcs);
			}
			fclose(f);
		}
		t[n].tid = (pid_t)atoi(de->d_name);
		t[n].minflt = mf;
		t[n].nvcsw = vcs;
		t[n].nivcsw = ivcs;
		snprintf(t[n].comm, sizeof(t[n].comm), "%.*s", (int)(r - l - 1), l + 1);
		t[n].cpu_ticks = ut + st;
		t[n].run_ns = run;
		t[n].wait_ns = wait;
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* Each thread's share of one CPU and its run-queue wait between the snapshots a and b. */
static void tstat_print(const char *what, const struct tstat *a, size_t na, const struct tstat *b,
                        size_t nb, double secs)
{
	fprintf(stderr, "detail %s, %.2f s, threads:", what, secs);
	for (size_t j = 0; j < nb; j++)
		for (size_t i = 0; i < na; i++)
			if (a[i].tid == b[j].tid)
				fprintf(stderr,
				        " %s cpu %.0f%% rq-wait %.0f ms switches %lld+%lld faults "
				        "%lld;",
				        b[j].comm,
				        100.0 * (double)(b[j].cpu_ticks - a[i].cpu_ticks) /
				            (double)sysconf(_SC_CLK_TCK) / secs,
				        (double)(b[j].wait_ns - a[i].wait_ns) / 1e6,
				        b[j].nvcsw - a[i].nvcsw, b[j].nivcsw - a[i].nivcsw,
				        b[j].minflt - a[i].minflt);
	fprintf(stderr, "\n");
}

/*
 * Each thread's CPU per 100 ms of the measured part, beside the machine's busy time on both
 * cores (/proc/stat: in clock ticks, so give or take 20 ms a sample) and the bytes this process
 * read from the disk (/proc/self/io): a thread whose work suddenly costs more (the
 * checkpointer's copies into new page-cache pages on a quiet machine: docs/ledger.md), or
 * another process on a core, shows here.
 */
#define SAMPLE_NS   (100 * 1000000LL)
#define SAMPLES_MAX ((size_t)(PACED_MEASURE_NS / SAMPLE_NS) + 10)

struct sampler {
	pthread_t thread;
	int stop;
	size_t n, nt;
	struct tstat t0[TSTAT_MAX];
	long long run[SAMPLES_MAX][TSTAT_MAX], busy[SAMPLES_MAX + 1], read0;
};

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

/* Both cores' busy time so far, in clock ticks (/proc/stat: all but idle and iowait). */
static long long machine_busy(void)
{
	long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2],
	                 &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		memset(v, 0, sizeof(v));
	if (f)
		fclose(f);
	return v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	s->nt = tstat_read(s->t0);
	s->busy[0] = machine_busy();
	s->read0 = proc_value("/proc/self/io", "read_bytes:");
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE) && s->n < SAMPLES_MAX) {
		struct tstat t[TSTAT_MAX];
		size_t nt;

		next.tv_nsec += SAMPLE_NS;
		next.tv_sec += next.tv_nsec / 1000000000L;
		next.tv_nsec %= 1000000000L;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		nt = tstat_read(t);
		for (size_t i = 0; i < s->nt; i++)
			for (size_t j = 0; j < nt; j++)
				if (t[j].tid == s->t0[i].tid)
					s->run[s->n][i] = t[j].run_ns;
		s->busy[++s->n] = machine_busy();
	}
	return NULL;
}

/* Stops the sampler and prints what it saw. */
static void sampler_print(struct sampler *s)
{
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(s->thread, NULL);
	fprintf(stderr, "detail 80%%: CPU ms per 100 ms of the measured part:");
	for (size_t i = 0; i < s->nt; i++) {
		fprintf(stderr, " %s", s->t0[i].comm);
		for (size_t k = 0; k < s->n; k++)
			fprintf(stderr, " %.0f",
			        (double)(s->run[k][i] - (k ? s->run[k - 1][i] : s->t0[i].run_ns)) /
			            1e6);
		fprintf(stderr, ";");
	}
	fprintf(stderr, " machine busy (both cores)");
	for (size_t k = 0; k < s->n; k++)
		fprintf(stderr, " %.0f",
		        (double)(s->busy[k + 1] - s->busy[k]) * 1000 /
		            (double)sysconf(_SC_CLK_TCK));
	fprintf(stderr, "; read from the disk by this process %.1f MB\n",
	        (double)(proc_value("/proc/self/io", "read_bytes:") - s->read0) / 1e6);
}

/*
 * The WAL's flushes in the paced run (the writer's syncer's fdatasync, through the writer's
 * flush option, timed here; always, not only with the detail): every flush that ended after
 * the measured part began is kept (flushes.from), and once the writer stopped, those that
 * overlap the measured part (from its start to its last acknowledgement: one begun in the
 * warm-up that stalls holds measured entries too) give how many, the longest, when it began
 * and how many took over 5 ms. At 80% of the maximum rate a flush that takes S ms holds every
 * entry due meanwhile, so one over ~15-20 ms in a measured 3 s could miss the row however
 * quick the rest (over 20 s, one over ~74 ms still can: PACED_MEASURE_S): a run then says
 * whether its tail was the disk's (one fdatasync of the WAL alone took 68 ms on a quiet
 * machine, another 169 ms: docs/ledger.md, "What an acknowledgement waits on in a pause" and
 * "How long the 80% run measures").
 */
#define FLUSH_MAX (PACED_MEASURE_S * 8192) /* (2,500 a second at 80%) */
static struct {
	int64_t from; /* the measured part's start (0: not yet) */
	/* paced's STALL_MS: the first flush begun from stall_at on waits stall_ns first (set
	 * before from) */
	int64_t stall_at, stall_ns;
	/* written by the syncer thread alone, read once the writer stopped */
	bool stalled;
	size_t n;
	int64_t t0[FLUSH_MAX], d[FLUSH_MAX];
} flushes;

/*
 * `paced DIR N WINDOW STALL_MS` (a diagnostic: run-ledger.sh never passes it): one flush of
 * the WAL halfway through the measured part waits STALL_MS ms before its fdatasync. It stalls
 * the syncer's flush alone: the writer goes on committing into the page cache, and the next
 * flush takes the whole backlog, so it drains at c = 1, the least a real stall of the disk
 * (which holds the writer's and the checkpointer's I/O too) can do to the row (docs/ledger.md,
 * "How long the 80% run measures"). Called by the syncer thread alone.
 */
static void injected_stall(int64_t t0)
{
	int64_t ns = flushes.stall_ns;
	int64_t from = __atomic_load_n(&flushes.from, __ATOMIC_ACQUIRE);

	if (!ns || flushes.stalled || !from || t0 < flushes.stall_at)
		return;
	flushes.stalled = true;
	nanosleep(&(struct timespec){ (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) },
	          NULL);
}

static int timed_flush(int fd)
{
	int64_t t0 = time_mono_ns(), d, from;
	int r, e;

	injected_stall(t0);
	r = fdatasync(fd);
	e = errno; /* (the writer reads errno after a failure) */

	/* (read after the flush: one begun in the warm-up that ends in the measured part counts) */
	from = __atomic_load_n(&flushes.from, __ATOMIC_ACQUIRE);
	d = time_mono_ns() - t0;
	if (from && t0 + d >= from && flushes.n < FLUSH_MAX) {
		flushes.t0[flushes.n] = t0;
		flushes.d[flushes.n++] = d;
	}
	errno = e;
	return r;
}

struct flush_sum {
	uint64_t n, over5;
	int64_t longest, longest_at;
};

/* The flushes kept that overlap [from, until). */
static struct flush_sum flushes_in(int64_t until)
{
	struct flush_sum f = { 0 };

	for (size_t k = 0; k < flushes.n; k++) {
		if (flushes.t0[k] >= until)
			continue;
		f.n++;
		f.over5 += flushes.d[k] > 5000000;
		if (flushes.d[k] > f.longest) {
			f.longest = flushes.d[k];
			f.longest_at = flushes.t0[k];
		}
	}
	return f;
}

/*
 * Others' CPU beside the measured part (always, not only with the detail): every OTHERS_NS the
 * busy time of both cores minus this process's own (/proc/stat, /proc/self/stat), in cores. At
 * 80% of the maximum rate the bench's threads take 1.2-1.4 of the two cores, so another
 * process on a core slows the row, and the row then says so beside its latency
 * (docs/ledger.md). The kernel's work outside this process's threads (interrupts, the disk's
 * writeback workers) counts as others'.
 */
#define OTHERS_NS  (250 * 1000000LL)
#define OTHERS_MAX ((size_t)(PACED_MEASURE_NS / OTHERS_NS) + 4)

struct others {
	pthread_t thread;
	int stop;
	size_t n;
	long long busy[OTHERS_MAX + 1], self[OTHERS_MAX + 1];
	/* the writer's checkpointer thread's CPU (schedstat, ns) at the start and the stop, or -1
	 */
	long long ckpt0, ckpt1;
};

/*
 * The writer's checkpointer thread's CPU so far, in ns (schedstat), or -1. Beside the measured
 * part's entries it is the row "checkpointer CPU per entry": its copies into page-cache pages
 * that the host had taken back cost four times as much (docs/ledger.md, "The slow run on a
 * quiet machine"), so a run in that regime says so.
 */
static long long ckpt_run_ns(void)
{
	struct tstat t[TSTAT_MAX];
	size_t n = tstat_read(t);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].comm, "mamori-ckpt"))
			return t[i].run_ns;
	return -1;
}

/* This process's CPU so far, all its threads, in clock ticks (utime + stime). */
static long long self_ticks(void)
{
	char line[1024], *r = NULL;
	long long ut = 0, st = 0;
	FILE *f = fopen("/proc/self/stat", "r");

	if (f && fgets(line, sizeof(line), f))
		r = strrchr(line, ')');
	if (f)
		fclose(f);
	/* after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime */
	if (!r ||
	    sscanf(r + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &ut, &st) != 2)
		return 0;
	return ut + st;
}

static void *others_main(void *arg)
{
	struct others *s = arg;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	s->busy[0] = machine_busy();
	s->self[0] = self_ticks();
	s->ckpt0 = ckpt_run_ns();
	while (s->n < OTHERS_MAX) {
		next.tv_nsec += OTHERS_NS;
		next.tv_sec += next.tv_nsec / 1000000000L;
		next.tv_nsec %= 1000000000L;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		/* (a slice cut short by the stop is not counted) */
		if (__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
			break;
		s->n++;
		s->busy[s->n] = machine_busy();
		s->self[s->n] = self_ticks();
	}
	return NULL;
}

/* Stops the watch: others' mean over its whole slices and their most in one, in cores. */
static void others_stop(struct others *s, double *ret_mean, double *ret_most)
{
	double tick_s = 1.0 / (double)sysconf(_SC_CLK_TCK), slice_s = (double)OTHERS_NS / 1e9;

	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(s->thread, NULL);
	s->ckpt1 = ckpt_run_ns();
	*ret_mean = *ret_most = 0;
	for (size_t k = 1; k <= s->n; k++) {
		double c = (double)(s->busy[k] - s->busy[k - 1] - (s->self[k] - s->self[k - 1])) *
		           tick_s / slice_s;
		if (c > *ret_most)
			*ret_most = c;
		*ret_mean += c / (double)s->n;
	}
}

/*
 * The writer's WAL restarts in the measured part (detail; its counters, writer-internal.h):
 * done, refused busy (the checkpointer's copy held the lock), the commits after which a
 * restart waited for the checkpointer's copies, and the longest, which is on the
 * acknowledgements' path (a checkpointer that fell behind leaves the restart more to copy).
 */
struct restarts {
	uint64_t done, busy, waited;
};

static void restarts_mark(struct ledger_writer *w, struct restarts *m)
{
	pthread_mutex_lock(&w->mu);
	*m = (struct restarts){ w->restarts, w->restarts_busy, w->restarts_waited };
	w->restart_longest_ns = 0;
	pthread_mutex_unlock(&w->mu);
}

static void restarts_print(struct ledger_writer *w, const struct restarts *m)
{
	pthread_mutex_lock(&w->mu);
	fprintf(stderr,
	        "detail 80%%: WAL restarts in the measured part %" PRIu64
	        " (the longest %.1f ms), refused busy %" PRIu64
	        ", commits after which the restart waited for the checkpointer %" PRIu64 "\n",
	        w->restarts - m->done, (double)w->restart_longest_ns / 1e6,
	        w->restarts_busy - m->busy, w->restarts_waited - m->waited);
	pthread_mutex_unlock(&w->mu);
}

/*
 * This machine's speed: the thread CPU time of a fixed piece of integer work (the least of
 * SPEED_TRIES), timed before the maximum rate is measured and again after the 80% run. A
 * virtual CPU that its host makes slower meanwhile (other guests, the host's own work: on this
 * VM loggen took 1.2-1.7 times its usual CPU in some minutes) makes 80% of the maximum measured
 * before more than 80% of what the machine then does; the row of their ratio says so.
 */
#define SPEED_TRIES 5
#define SPEED_STEPS 2000000

static int64_t speed_probe(void)
{
	int64_t best = INT64_MAX;

	for (int t = 0; t < SPEED_TRIES; t++) {
		struct timespec a, b;
		volatile uint64_t sink;
		uint64_t x = 88172645463325252ULL + (uint64_t)t;

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		for (int k = 0; k < SPEED_STEPS; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		sink = x;
		(void)sink;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		if ((int64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec) < best)
			best =
			    (int64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
	}
	return best;
}

/* ---- append and paced: one writer, one observer of the acknowledgements ---- */

struct run {
	struct ledger_writer *w;
	int64_t *submit_ns, *lat; /* per ticket: when submitted (or due), and its ack latency */
	uint64_t n;               /* tickets the observer waits for (paced: lowered at the end) */
	uint64_t submitted;       /* tickets submitted so far */
	int64_t *ack_ns;          /* per ticket: when acknowledged */
	pthread_t observer;
	int64_t t0, t1; /* the run's start and the last acknowledgement */
	/* pauses of over 5 ms between acknowledgements while some were awaited, from stall_from
	 * on (paced: the measured part; the observer's: when each ended and how long, the first
	 * 256) */
	int64_t stall_from, stall_end[256], stall_len[256];
	size_t n_stalls;
	struct strbuf err;
	char buf[256];
};

static void *observe(void *arg)
{
	struct run *o = arg;
	struct strbuf err = STRBUF_INIT;
	uint64_t seen = 0;
	int64_t last = 0; /* the last advance, or when the observer began awaiting one */

	while (seen < __atomic_load_n(&o->n, __ATOMIC_ACQUIRE)) {
		uint64_t d;
		if (seen >= __atomic_load_n(&o->submitted, __ATOMIC_ACQUIRE)) {
			/* only submitted tickets are waited for (paced: the last count is not
			 * known) */
			nanosleep(&(struct timespec){ 0, 20000 }, NULL);
			last = 0;
			continue;
		}
		if (!last)
			last = time_mono_ns();
		if (ledger_writer_wait(o->w, seen, NULL, &err) < 0)
			die("wait", &err);
		d = ledger_writer_durable(o->w);
		if (d > __atomic_load_n(&o->submitted, __ATOMIC_ACQUIRE))
			d = __atomic_load_n(&o->submitted, __ATOMIC_ACQUIRE);
		int64_t now = time_mono_ns();
		if (d > seen) {
			int64_t from = __atomic_load_n(&o->stall_from, __ATOMIC_ACQUIRE);
			if (now - last > 5000000 && from && now >= from &&
			    o->n_stalls < sizeof(o->stall_end) / sizeof(o->stall_end[0])) {
				o->stall_end[o->n_stalls] = now;
				o->stall_len[o->n_stalls++] = now - last;
			}
			last = now;
		}
		for (; seen < d; seen++) {
			o->lat[seen] = now - __atomic_load_n(&o->submit_ns[seen], __ATOMIC_ACQUIRE);
			o->ack_ns[seen] = now;
		}
	}
	strbuf_release(&err);
	return NULL;
}

/*
 * n times zero, its pages touched now: a large calloc maps pages that are only made at their
 * first write, and the submitter and the observer wrote these arrays as the run went, ~4,000
 * page faults a second at 80% of the maximum rate on the cores the writer needs (on this VM a
 * first touch can fault in the host: docs/ledger.md, "The slow run on a quiet machine").
 */
static int64_t *ticket_array(uint64_t n)
{
	int64_t *a;

	if (n > SIZE_MAX / sizeof(int64_t))
		die("too many entries for this machine", NULL);
	a = xmalloc(n * sizeof(int64_t));

	memset(a, 0, n * sizeof(int64_t));
	return a;
}

/* The writer on DIR and the observer of n entries' acknowledgements; the clock starts. */
static void run_start(struct run *o, const char *dir, uint64_t n, bool timed)
{
	struct ledger_writer_options opt = { .flush = timed ? timed_flush : NULL };

	memset(o, 0, sizeof(*o));
	strbuf_init(&o->err, 0);
	if (ledger_writer_start(dir, &opt, &o->w, &o->err) < 0)
		die("writer", &o->err);
	o->n = n;
	o->submit_ns = ticket_array(n);
	o->lat = ticket_array(n);
	o->ack_ns = ticket_array(n);
	if (pthread_create(&o->observer, NULL, observe, o) != 0)
		die("cannot start the observer thread", NULL);
	o->t0 = time_mono_ns();
}

/*
 * Submits entry i (its 256 bytes made here), noting when: now, or when it was due if that
 * was earlier (an open loop whose submitter fell behind counts the delay as latency). The
 * open loop submits only entries already due and gives due_ns itself (its clock was read
 * just before); the closed loop gives 0 and the clock is read here.
 */
static void run_submit_due(struct run *o, uint64_t i, int64_t due_ns)
{
	struct ledger_entry e;
	uint64_t ticket;

	entry256(&e, o->buf, i);
	__atomic_store_n(&o->submit_ns[i], due_ns ? due_ns : time_mono_ns(), __ATOMIC_RELEASE);
	if (ledger_writer_submit(o->w, &e, &ticket, &o->err) < 0)
		die("submit", &o->err);
	__atomic_store_n(&o->submitted, i + 1, __ATOMIC_RELEASE);
}

static void run_submit(struct run *o, uint64_t i)
{
	run_submit_due(o, i, 0);
}

/*
 * Waits for every acknowledgement and stops the writer (its commits and flushes in
 * ret_commits and ret_syncs). The latencies of the first `warm` entries and of the rest are
 * then sorted apart: lat[0, warm) and lat[warm, n).
 */
static void run_finish(struct run *o, uint64_t warm, uint64_t *ret_commits, uint64_t *ret_syncs)
{
	pthread_join(o->observer, NULL);
	o->t1 = time_mono_ns();
	*ret_commits = ledger_writer_commits(o->w);
	*ret_syncs = ledger_writer_syncs(o->w);
	if (ledger_writer_stop(o->w, &o->err) < 0)
		die("stop", &o->err);
	if (warm)
		qsort(o->lat, warm, sizeof(int64_t), cmp_i64);
	qsort(o->lat + warm, o->n - warm, sizeof(int64_t), cmp_i64);
}

static void run_release(struct run *o)
{
	free(o->submit_ns);
	free(o->lat);
	free(o->ack_ns);
	strbuf_release(&o->err);
}

/*
 * Prints the rate, ack p50 and p99 in ms, and the mean batch per commit and per flush of
 * the disk (the ceiling run commits durably in batches of the latter).
 */
static void run_print(const struct run *o, uint64_t warm, uint64_t commits, uint64_t syncs)
{
	printf("%.0f %.3f %.3f %.0f %.0f", (double)o->n / ((double)(o->t1 - o->t0) / 1e9),
	       (double)pct(o->lat + warm, o->n - warm, 0.50) / 1e6,
	       (double)pct(o->lat + warm, o->n - warm, 0.99) / 1e6,
	       (double)o->n / (double)(commits ? commits : 1),
	       (double)o->n / (double)(syncs ? syncs : 1));
	if (warm)
		printf(" %.3f", (double)pct(o->lat, warm, 0.99) / 1e6);
	printf("\n");
}

/* A closed loop: at most `window` entries waiting for their acknowledgement. */
static int bench_append(const char *dir, uint64_t n, uint64_t window)
{
	struct run o;
	uint64_t commits, syncs;

	run_start(&o, dir, n, false);
	for (uint64_t i = 0; i < n; i++) {
		if (i >= window && ledger_writer_wait(o.w, i - window, NULL, &o.err) < 0)
			die("wait", &o.err);
		run_submit(&o, i);
	}
	run_finish(&o, 0, &commits, &syncs);
	run_print(&o, 0, commits, syncs);
	run_release(&o);
	return 0;
}

static double rusage_s(const struct rusage *r)
{
	return (double)(r->ru_utime.tv_sec + r->ru_stime.tv_sec) +
	       (double)(r->ru_utime.tv_usec + r->ru_stime.tv_usec) / 1e6;
}

/*
 * The rest of the paced line, over the measured part (secs long, nm entries): the host's stops
 * of this VM per second and the ms a second they took (heartbeat.h; "- -" when the heartbeat
 * could not start), and what the process spent on each entry: its CPU (every thread's: the
 * submitter, the writer, the syncer, the checkpointer, the observer) in us, and its context
 * switches (on this VM a switch costs CPU that the host counts against the VM's quota too:
 * docs/ledger.md, "The host's CPU quota").
 */
static void paced_print_cost(const struct rusage *a, const struct rusage *b,
                             struct heartbeat_sum hs, double secs, size_t nm)
{
	double n = (double)(nm ? nm : 1);

	if (hs.ran)
		printf(" %.1f %.1f", (double)hs.stops / secs, (double)hs.stop_ns / 1e6 / secs);
	else
		printf(" - -");
	printf(" %.3f %.4f\n", (rusage_s(b) - rusage_s(a)) * 1e6 / n,
	       (double)(b->ru_nvcsw + b->ru_nivcsw - a->ru_nvcsw - a->ru_nivcsw) / n);
}

/*
 * The ack latency at 80% of the maximum rate, measured as it says, on one writer: first a
 * closed loop (WINDOW in flight), PACED_WARMSAT_NS of warm-up and then PACED_SAT_NS measuring
 * the maximum rate R at this moment (long enough to hold WAL restarts: over 2 s the rate was
 * up to a fifth above what the writer then sustained);
 * then an open loop offers 0.8 R: every entry due by now, then a sleep until the next one
 * is. PACED_WARM_NS of it are a warm-up, then PACED_MEASURE_NS are measured. Latency runs from
 * when an entry was due (its submit call, or earlier when the submitter fell behind) to its
 * acknowledgement. Prints: R, the rate offered, the rate achieved (the measured entries over
 * the time from the first one's due time to the last one's acknowledgement: below the
 * offered rate, the writer fell behind and the latency measures a backlog), ack p50 and p99
 * (ms), entries per commit and per flush over the whole run, the warm-up's p99, and others'
 * CPU beside the measured part (cores, its mean and its most in 250 ms: "Others' CPU").
 * (Before, the rate was 80% of the best of two earlier saturated runs in other processes, and
 * at load 20 the paced run could not reach it: the rows measured a backlog, 421 ms.)
 */
static int bench_paced(const char *dir, uint64_t cap, uint64_t window, uint64_t stall_ms)
{
	struct run o;
	uint64_t i = 0, sat_n, warm_end = 0, m_end, commits, syncs;
	int64_t t_sat, t2, due = 0;
	double max_rate = 0, rate, measured_s;
	int64_t speed0 = 0, speed1;

	/* BENCH_LEDGER_DETAIL: threads at two moments, entries per 250 ms of the measured closed
	 * loop, the submitter's lag behind its due times and its wake-up lateness */
	bool detail = getenv("BENCH_LEDGER_DETAIL") != NULL;
	struct tstat ta[TSTAT_MAX], tb[TSTAT_MAX];
	size_t na = 0;
	uint64_t slice_n[PACED_SAT_NS / 250000000] = { 0 }, lagged = 0;
	int64_t max_lag = 0, max_late = 0, t_meas = 0, due0 = 0;
	struct restarts rs = { 0 };
	/* the submitter's largest lag per 10 ms of due time in the measured part */
	int64_t lag10[PACED_MEASURE_NS / 10000000 + 1] = { 0 };
	struct sampler *smp = NULL;
	struct others oth = { 0 };
	double oth_mean = 0, oth_most = 0;
	struct heartbeat *hb = NULL;
	struct rusage ru0, ru1;

	flushes.stall_ns = (int64_t)stall_ms * 1000000LL;
	if (stall_ms)
		fprintf(stderr, "bench-ledger paced: a stall of %" PRIu64 " ms injected\n",
		        stall_ms);
	run_start(&o, dir, cap, true);
	/* the closed loop's first PACED_SAT_NS fill a fresh WAL and its first checkpoints (not
	 * counted), the next PACED_SAT_NS give the maximum rate */
	for (int round = 0; round < 2; round++) {
		uint64_t i0 = i;
		int64_t s0, now;

		if (round)
			speed0 = speed_probe();
		s0 = time_mono_ns();
		if (detail && round)
			na = tstat_read(ta);
		while (i < cap &&
		       (now = time_mono_ns()) - s0 < (round ? PACED_SAT_NS : PACED_WARMSAT_NS)) {
			if (i >= window && ledger_writer_wait(o.w, i - window, NULL, &o.err) < 0)
				die("wait", &o.err);
			if (round)
				slice_n[(now - s0) / 250000000]++;
			run_submit(&o, i++);
		}
		if (detail && round) {
			tstat_print("maximum rate (closed loop)", ta, na, tb, tstat_read(tb),
			            (double)(time_mono_ns() - s0) / 1e9);
			fprintf(stderr, "detail maximum rate per 250 ms (k/s):");
			for (size_t k = 0; k < sizeof(slice_n) / sizeof(slice_n[0]); k++)
				fprintf(stderr, " %.0f", (double)slice_n[k] * 4 / 1000);
			fprintf(stderr, "\n");
		}
		if (ledger_writer_wait(o.w, i - 1, NULL, &o.err) < 0)
			die("wait", &o.err);
		t_sat = time_mono_ns() - s0;
		max_rate = (double)(i - i0) / ((double)t_sat / 1e9);
	}
	sat_n = i;
	rate = 0.8 * max_rate;

	t2 = time_mono_ns();
	for (;;) {
		uint64_t k = i - sat_n;
		int64_t now = time_mono_ns();

		due = t2 + (int64_t)((double)k * 1e9 / rate);
		if (due - t2 >= PACED_WARM_NS + PACED_MEASURE_NS || i >= cap)
			break;
		if (!warm_end && due - t2 >= PACED_WARM_NS) {
			warm_end = i;
			flushes.stall_at = now + PACED_MEASURE_NS / 2;
			__atomic_store_n(&flushes.from, now, __ATOMIC_RELEASE);
			if (pthread_create(&oth.thread, NULL, others_main, &oth) != 0)
				die("cannot start the thread that watches others' CPU", NULL);
			hb = heartbeat_start();
			getrusage(RUSAGE_SELF, &ru0);
			if (detail) {
				na = tstat_read(ta);
				t_meas = now;
				due0 = due;
				__atomic_store_n(&o.stall_from, due, __ATOMIC_RELEASE);
				restarts_mark(o.w, &rs);
				smp = xcalloc(1, sizeof(*smp));
				if (pthread_create(&smp->thread, NULL, sampler_main, smp) != 0)
					die("cannot start the sampler thread", NULL);
			}
		}
		if (due > now) {
			/* (at least PACED_QUANTUM_NS: every entry due meanwhile counts its wait) */
			int64_t nap = due - now > PACED_QUANTUM_NS ? due - now : PACED_QUANTUM_NS;
			nanosleep(&(struct timespec){ (time_t)(nap / 1000000000LL),
			                              (long)(nap % 1000000000LL) },
			          NULL);
			if (detail && warm_end) {
				/* (late beside the wake-up asked for) */
				int64_t late = time_mono_ns() - (now + nap);
				if (late > max_late)
					max_late = late;
			}
			continue;
		}
		if (detail && warm_end) {
			if (now - due > max_lag)
				max_lag = now - due;
			lagged += now - due > 1000000;
			if ((due - due0) / 10000000 < (int64_t)(sizeof(lag10) / sizeof(lag10[0])) &&
			    now - due > lag10[(due - due0) / 10000000])
				lag10[(due - due0) / 10000000] = now - due;
		}
		run_submit_due(&o, i++, due);
	}
	m_end = i;
	/* the measured part's length as run: shorter when the N entries ran out (the rows that
	 * name it say so too) */
	measured_s = due - t2 - PACED_WARM_NS < PACED_MEASURE_NS
	                 ? (double)(due - t2 - PACED_WARM_NS) / 1e9
	                 : (double)PACED_MEASURE_S;
	if (warm_end)
		others_stop(&oth, &oth_mean, &oth_most);
	if (warm_end && measured_s < PACED_MEASURE_S)
		fprintf(stderr,
		        "bench-ledger paced: the %" PRIu64 " entries ran out after %.2f s of the "
		        "%d s measured (raise N)\n",
		        cap, measured_s, PACED_MEASURE_S);
	if (detail && warm_end) {
		tstat_print("80% (measured part)", ta, na, tb, tstat_read(tb),
		            (double)(time_mono_ns() - t_meas) / 1e9);
		sampler_print(smp);
		free(smp);
		fprintf(stderr,
		        "detail 80%%: measured %.2f s of %.2f s; the submitter at most %.3f ms "
		        "behind its "
		        "due times, %" PRIu64
		        " entries submitted over 1 ms late, woken at most %.3f ms "
		        "late\n",
		        (double)(due - t_meas) / 1e9, (double)PACED_MEASURE_NS / 1e9,
		        (double)max_lag / 1e6, lagged, (double)max_late / 1e6);
		restarts_print(o.w, &rs);
	}
	if (!warm_end)
		die("the paced run did not reach its measured part (raise N)", NULL);
	__atomic_store_n(&o.n, m_end, __ATOMIC_RELEASE);
	pthread_join(o.observer, NULL);
	getrusage(RUSAGE_SELF, &ru1);
	speed1 = speed_probe();
	commits = ledger_writer_commits(o.w);
	syncs = ledger_writer_syncs(o.w);
	if (ledger_writer_stop(o.w, &o.err) < 0)
		die("stop", &o.err);
	{
		int64_t first_due = o.submit_ns[warm_end];
		int64_t last_ack = o.ack_ns[m_end - 1];
		double achieved =
		    (double)(m_end - warm_end) / ((double)(last_ack - first_due) / 1e9);
		size_t nw = warm_end - sat_n, nm = m_end - warm_end;
		struct flush_sum fl = flushes_in(last_ack);
		char longest[32] = "-"; /* (no flush counted: not a WAL, say so) */

		if (fl.n)
			snprintf(longest, sizeof(longest), "%.1f", (double)fl.longest / 1e6);

		if (detail) {
			/* the worst latency per 10 ms of due time, where it passed 5 ms */
			int64_t bucket = -1, worst = 0;

			fprintf(stderr,
			        "detail 80%%: the first measured entry due at %.6f s "
			        "(CLOCK_MONOTONIC)\n",
			        (double)first_due / 1e9);
			fprintf(stderr,
			        "detail 80%% timeline (ms of due time: worst latency ms / the "
			        "submitter's largest lag ms):");
			for (uint64_t k = warm_end; k <= m_end; k++) {
				int64_t b =
				    k < m_end ? (o.submit_ns[k] - first_due) / 10000000 : -2;
				if (b != bucket) {
					if (bucket >= 0 && worst > 5000000)
						fprintf(stderr, " %" PRId64 ":%.1f/%.1f",
						        bucket * 10, (double)worst / 1e6,
						        bucket < (int64_t)(sizeof(lag10) /
						                           sizeof(lag10[0]))
						            ? (double)lag10[bucket] / 1e6
						            : 0.0);
					bucket = b;
					worst = 0;
				}
				if (k < m_end && o.lat[k] > worst)
					worst = o.lat[k];
			}
			fprintf(stderr, "\n");
			/* the acknowledgements' own pauses: a stall of the writer, the flush or the
			 * disk, not of the submitter */
			fprintf(stderr,
			        "detail 80%%: acknowledgements paused over 5 ms while awaited "
			        "(ms of due time when the pause ended: its length ms):");
			for (size_t k = 0; k < o.n_stalls; k++)
				if (o.stall_end[k] >= first_due)
					fprintf(stderr, " %.0f:%.1f",
					        (double)(o.stall_end[k] - first_due) / 1e6,
					        (double)o.stall_len[k] / 1e6);
			fprintf(stderr, "\n");
			fprintf(
			    stderr,
			    "detail 80%%: the WAL's flushes (fdatasync) over the measured part, "
			    "to its last acknowledgement %" PRIu64 ", over 5 ms %" PRIu64
			    ", the longest %s ms (begun at %.0f ms of due time)\n",
			    fl.n, fl.over5, longest,
			    fl.n ? (double)(fl.longest_at - first_due) / 1e6 : 0.0);
		}
		qsort(o.lat + sat_n, nw, sizeof(int64_t), cmp_i64);
		qsort(o.lat + warm_end, nm, sizeof(int64_t), cmp_i64);
		printf("%.0f %.0f %.0f %.3f %.3f %.0f %.0f %.3f %.2f %.2f %.3f %.2f %s %d",
		       max_rate, rate, achieved, (double)pct(o.lat + warm_end, nm, 0.50) / 1e6,
		       (double)pct(o.lat + warm_end, nm, 0.99) / 1e6,
		       (double)m_end / (double)(commits ? commits : 1),
		       (double)m_end / (double)(syncs ? syncs : 1),
		       (double)pct(o.lat + sat_n, nw, 0.99) / 1e6, oth_mean, oth_most,
		       oth.ckpt0 >= 0 && oth.ckpt1 >= oth.ckpt0
		           ? (double)(oth.ckpt1 - oth.ckpt0) / 1e3 / (double)(nm ? nm : 1)
		           : -1.0,
		       (double)speed1 / (double)(speed0 > 0 ? speed0 : 1), longest,
		       (int)measured_s);
		paced_print_cost(&ru0, &ru1, heartbeat_stop(hb, first_due, last_ack),
		                 (double)(last_ack - first_due) / 1e9, nm);
	}
	run_release(&o);
	return 0;
}

/* ---- fsync: what the disk itself takes to confirm a write ---- */

static int bench_fsync(const char *dir, uint64_t bytes, uint64_t n)
{
	struct strbuf path = STRBUF_INIT;
	int64_t *lat = xcalloc(n, sizeof(int64_t));
	char *buf = xmalloc(bytes);
	uint64_t off = 0;
	int fd;

	memset(buf, 'w', bytes);
	strbuf_addf(&path, "%s/fsync-probe", dir);
	fd = open(path.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("open the probe file", NULL);
	for (uint64_t i = 0; i < n; i++) {
		int64_t t0;

		/* like the WAL: appended, and rewritten from the start once it is large */
		if (off + bytes > (64u << 20))
			off = 0;
		if (pwrite(fd, buf, bytes, (off_t)off) != (ssize_t)bytes)
			die("write the probe file", NULL);
		off += bytes;
		t0 = time_mono_ns();
		if (fdatasync(fd) < 0)
			die("fdatasync", NULL);
		lat[i] = time_mono_ns() - t0;
	}
	close(fd);
	unlink(path.buf);
	qsort(lat, n, sizeof(int64_t), cmp_i64);
	printf("%.3f %.3f\n", (double)pct(lat, n, 0.50) / 1e6, (double)pct(lat, n, 0.99) / 1e6);
	free(lat);
	free(buf);
	strbuf_release(&path);
	return 0;
}

/* ---- ceiling: the same rows, no hashing ---- */

static void ceiling_step(sqlite3_stmt *s, const char *what)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		die(what, NULL);
	sqlite3_reset(s);
}

/*
 * The rows the ledger writes (docs/ledger.md), without hashing: a bundle that fills is written
 * whole with its full tile and its tail rows deleted; the entries a commit adds to the partial
 * bundle go in as one ledger_tail row; then the head.
 */
static int bench_ceiling(const char *dir, uint64_t n, uint64_t batch)
{
	struct strbuf err = STRBUF_INIT, bundle = STRBUF_INIT;
	static uint8_t tile[LEDGER_TILE_HASHES * MERKLE_HASH_SIZE], head[64 * 32];
	struct store *st;
	char buf[256];
	int64_t t0;

	if (store_open(dir, STORE_CREATE, &st, &err) < 0)
		die("store", &err);
	memset(tile, 7, sizeof(tile));
	t0 = time_mono_ns();
	for (uint64_t i = 0; i < n;) {
		uint64_t chunk_first = i;
		size_t chunk_off = bundle.len;

		if (store_begin(st, &err) < 0)
			die("begin", &err);
		for (uint64_t k = 0; k < batch && i < n; k++, i++) {
			struct ledger_entry e;
			sqlite3_stmt *s;
			entry256(&e, buf, i);
			strbuf_addch(&bundle, 1);
			strbuf_addch(&bundle, 0);
			strbuf_add(&bundle, "\x01\x07", 2);
			strbuf_add(&bundle, buf, 254);
			if ((i & 255) != 255)
				continue;
			s = store_prepare(st, "INSERT INTO ledger_bundle(n, data) VALUES (?, ?)",
			                  &err);
			sqlite3_bind_int64(s, 1, (int64_t)(i >> 8));
			sqlite3_bind_blob(s, 2, bundle.buf, (int)bundle.len, SQLITE_STATIC);
			ceiling_step(s, "insert bundle");
			s = store_prepare(
			    st, "INSERT INTO ledger_tile(id, width, hashes) VALUES (?, 256, ?)",
			    &err);
			sqlite3_bind_int64(s, 1, (int64_t)(i >> 8));
			sqlite3_bind_blob(s, 2, tile, (int)sizeof(tile), SQLITE_STATIC);
			ceiling_step(s, "insert tile");
			if (chunk_first > (i & ~(uint64_t)255)) {
				s = store_prepare(
				    st, "DELETE FROM ledger_tail WHERE idx >= ? AND idx < ?", &err);
				sqlite3_bind_int64(s, 1, (int64_t)(i & ~(uint64_t)255));
				sqlite3_bind_int64(s, 2, (int64_t)i + 1);
				ceiling_step(s, "delete tail");
			}
			strbuf_reset(&bundle);
			chunk_first = i + 1;
			chunk_off = 0;
		}
		if (i > chunk_first) {
			sqlite3_stmt *s = store_prepare(
			    st, "INSERT INTO ledger_tail(idx, data, sealed) VALUES (?, ?, NULL)",
			    &err);
			sqlite3_bind_int64(s, 1, (int64_t)chunk_first);
			sqlite3_bind_blob(s, 2, bundle.buf + chunk_off,
			                  (int)(bundle.len - chunk_off), SQLITE_STATIC);
			ceiling_step(s, "insert tail");
		}
		{
			sqlite3_stmt *s =
			    store_prepare(st,
			                  "INSERT OR REPLACE INTO ledger_head(id, size, root, "
			                  "range) VALUES (1, ?, ?, ?)",
			                  &err);
			sqlite3_bind_int64(s, 1, (int64_t)i);
			sqlite3_bind_blob(s, 2, head, 32, SQLITE_STATIC);
			sqlite3_bind_blob(s, 3, head, 32 * __builtin_popcountll(i), SQLITE_STATIC);
			if (sqlite3_step(s) != SQLITE_DONE)
				die("insert head", NULL);
			sqlite3_reset(s);
		}
		if (store_commit(st, &err) < 0)
			die("commit", &err);
	}
	printf("%.0f\n", (double)n / ((double)(time_mono_ns() - t0) / 1e9));
	store_close(st);
	strbuf_release(&bundle);
	strbuf_release(&err);
	return 0;
}

/* ---- build: a large tree through the real append code, unsynced ---- */

static int bench_build(const char *dir, uint64_t n)
{
	const uint64_t per = 1 << 20;
	struct strbuf err = STRBUF_INIT;
	struct merkle_hasher *h = merkle_hasher_new();
	struct ledger_item *items = xcalloc(per, sizeof(*items));
	uint8_t(*bytes)[24] = xcalloc(per, 24), (*leaves)[32] = xcalloc(per, 32);
	struct store *st;
	struct ledger *lg;

	if (store_open(dir, STORE_CREATE, &st, &err) < 0 || ledger_open(st, &lg, &err) < 0)
		die("open", &err);
	/* Bench only: durability is not what this part measures. */
	if (store_exec(st, "PRAGMA synchronous=OFF", &err) < 0)
		die("pragma", &err);
	for (uint64_t i = 0; i < n;) {
		uint64_t k = 0;
		for (; k < per && i + k < n; k++) {
			/* a canonical note entry of 21 bytes: header, data field of 8 bytes */
			uint64_t v = i + k;
			uint8_t *b = bytes[k];
			memset(b, 0, 10);
			b[0] = 1;
			b[1] = ENTRY_NOTE;
			b[10] = 11;
			b[11] = 0;
			b[12] = 8;
			memcpy(b + 13, &v, 8);
			merkle_hash_leaf(h, b, 21, leaves[k]);
			items[k] = (struct ledger_item){ .bytes = b, .len = 21, .leaf = leaves[k] };
		}
		if (store_begin(st, &err) < 0 ||
		    ledger_append_items(lg, items, k, NULL, &err) < 0 || store_commit(st, &err) < 0)
			die("append", &err);
		i += k;
	}
	store_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)", &err);
	ledger_close(lg);
	store_close(st);
	merkle_hasher_free(h);
	free(items);
	free(bytes);
	free(leaves);
	strbuf_release(&err);
	return 0;
}

/* ---- proof ---- */

static int bench_proof(const char *dir, uint64_t samples)
{
	struct strbuf err = STRBUF_INIT;
	struct store *st;
	struct ledger *lg;
	uint8_t root[32], proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], leaf[32];
	struct merkle_span spans[MERKLE_MAX_PROOF];
	int64_t *lat = xcalloc(samples, sizeof(int64_t));
	uint64_t size, x = 88172645463325252ULL;
	size_t nr;

	if (store_open(dir, 0, &st, &err) < 0 || ledger_open(st, &lg, &err) < 0 ||
	    ledger_head(lg, &size, root, &err) < 0)
		die("open", &err);
	for (uint64_t s = 0; s < samples; s++) {
		uint64_t index;
		int64_t t0;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		index = x % size;
		t0 = time_mono_ns();
		if (ledger_inclusion_proof(lg, index, size, proof, &nr, &err) < 0)
			die("proof", &err);
		lat[s] = time_mono_ns() - t0;
		/* Outside the timing: the proof is checked, so nothing is skipped by mistake. */
		if (ledger_leaf_hash(lg, index, leaf, &err) < 0)
			die("leaf", &err);
		for (size_t i = 0; i < nr; i++)
			spans[i] = merkle_span_hash(proof[i]);
		if (merkle_verify_inclusion(ledger_hasher(lg), index, size, merkle_span_hash(leaf),
		                            spans, nr, merkle_span_hash(root)) != 0)
			die("a proof does not verify", NULL);
	}
	qsort(lat, samples, sizeof(int64_t), cmp_i64);
	printf("%" PRIu64 " %.1f %.1f\n", size, (double)pct(lat, samples, 0.5) / 1e3,
	       (double)pct(lat, samples, 0.99) / 1e3);
	free(lat);
	ledger_close(lg);
	store_close(st);
	strbuf_release(&err);
	return 0;
}

static int bench_verify(const char *dir)
{
	struct strbuf err = STRBUF_INIT;
	struct ledger_verify_result res;
	struct store *st;
	struct ledger *lg;
	int64_t t0;
	double secs;

	if (store_open(dir, 0, &st, &err) < 0 || ledger_open(st, &lg, &err) < 0)
		die("open", &err);
	t0 = time_mono_ns();
	if (ledger_verify(lg, dir, NULL, 0, &res, &err) < 0)
		die("verify", &err);
	secs = (double)(time_mono_ns() - t0) / 1e9;
	printf("%.1f %" PRIu64 "\n", (double)res.bytes / secs / 1e6, res.entries);
	ledger_close(lg);
	store_close(st);
	strbuf_release(&err);
	return 0;
}

/* ---- batches: one durable transaction per BATCH entries, on either store ---- */

static int bench_batches(const char *dir, uint64_t n, uint64_t batch)
{
	struct strbuf err = STRBUF_INIT;
	struct ledger_entry *es = xcalloc(batch, sizeof(*es));
	char *bufs = malloc(batch * 256);
	struct store *st;
	struct ledger *lg;
	int64_t t0;

	if (!bufs) {
		free(es);
		die("out of memory", NULL);
		return 1;
	}

	if (store_open(dir, STORE_ANY_BACKEND, &st, &err) < 0 || ledger_open(st, &lg, &err) < 0)
		die("open", &err);
	t0 = time_mono_ns();
	for (uint64_t i = 0; i < n;) {
		uint64_t k = 0;
		for (; k < batch && i + k < n; k++) {
			char one[256];
			entry256(&es[k], one, i + k);
			memcpy(bufs + k * 256, one, 243);
			es[k].data = (const uint8_t *)(bufs + k * 256);
		}
		if (ledger_append(lg, es, k, NULL, &err) < 0)
			die("append", &err);
		i += k;
	}
	printf("%.0f\n", (double)n / ((double)(time_mono_ns() - t0) / 1e9));
	ledger_close(lg);
	store_close(st);
	free(es);
	free(bufs);
	strbuf_release(&err);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t a = 0, b = 0;

	if (argc >= 4)
		parse_uint64(argv[3], UINT64_MAX, &a);
	if (argc >= 5)
		parse_uint64(argv[4], UINT64_MAX, &b);
	if (argc == 5 && !strcmp(argv[1], "append") && a && b)
		return bench_append(argv[2], a, b);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "paced") && a && b) {
		uint64_t stall_ms = 0;
		if (argc == 6 && parse_uint64(argv[5], 60000, &stall_ms) < 0)
			return 2;
		return bench_paced(argv[2], a, b, stall_ms);
	}
	if (argc == 2 && !strcmp(argv[1], "paced-seconds")) {
		printf("%d\n", PACED_MEASURE_S);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "fsync") && a && b)
		return bench_fsync(argv[2], a, b);
	if (argc == 5 && !strcmp(argv[1], "ceiling") && a && b)
		return bench_ceiling(argv[2], a, b);
	if (argc == 4 && !strcmp(argv[1], "build") && a)
		return bench_build(argv[2], a);
	if (argc == 4 && !strcmp(argv[1], "proof") && a)
		return bench_proof(argv[2], a);
	if (argc == 5 && !strcmp(argv[1], "batches") && a && b)
		return bench_batches(argv[2], a, b);
	if (argc == 3 && !strcmp(argv[1], "verify"))
		return bench_verify(argv[2]);
	fprintf(stderr, "usage: see the comment at the top of bench/bench-ledger.c\n");
	return 2;
}
