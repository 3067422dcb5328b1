/*
 * fault-writer: the ledger's group-commit writer (ledger_writer_*) for t0703, run under the fault
 * shim. "fault-writer DIR write N" appends N notes "note K" from four threads, each waiting
 * for its entry, and prints "ack K INDEX" for every acknowledged one (stdout, flushed at once);
 * "fault-writer DIR check ACKS" reads every acknowledged index back and prints how many are
 * missing or different ("lost M"). Exit 0 when every call succeeded (write) or nothing is
 * lost (check).
 * For t0708: with FAULT_WRITER_KEEP_WAL=1, write leaves what it appended in the WAL (a
 * connection that does not checkpoint on close is open while the writer stops, so no other
 * does either). "fault-writer DIR ckpt ACKS" copies the WAL into the database file as the
 * writer's checkpointer does (a passive checkpoint on a STORE_GATHER_CKPT connection), prints
 * "ckpt ok" or "ckpt failed", then, with the WAL index kept as it is (a connection stays open
 * throughout), checks ACKS as check does. FAULT_WB_WINDOW=BYTES sets the checkpoint's
 * writeback window (store/sqlite-batch-db.c; 1 MiB), so that a small WAL's copy starts some.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "ledger/entry.h"
#include "ledger/ledger.h"
#include "store/sqlite-batch-internal.h"
#include "store/store.h"

#define THREADS 4

static struct ledger_writer *w;
static long n_total;
static int failures;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *appender(void *arg)
{
	long first = (long)(intptr_t)arg;
	struct strbuf err = STRBUF_INIT;

	for (long k = first; k < n_total; k += THREADS) {
		char text[64];
		struct ledger_entry e = { .kind = ENTRY_NOTE,
			                  .time_ms = k,
			                  .actor = "fault-writer" };
		uint64_t index = 0;
		int r;

		snprintf(text, sizeof(text), "note %ld", k);
		e.data = (const uint8_t *)text;
		e.data_len = strlen(text);
		r = ledger_writer_append(w, &e, &index, &err);
		pthread_mutex_lock(&mu);
		if (r == 0)
			printf("ack %ld %" PRIu64 "\n", k, index);
		else
			failures++;
		fflush(stdout);
		pthread_mutex_unlock(&mu);
		if (r < 0)
			fprintf(stderr, "fault-writer: note %ld: %s\n", k, err.buf);
	}
	strbuf_release(&err);
	return NULL;
}

/* A connection that never checkpoints on close (NULL on failure, with a message). */
static struct store *keeper(const char *dir)
{
	struct strbuf err = STRBUF_INIT;
	struct store *st = NULL;

	if (store_open(dir, 0, &st, &err) < 0)
		fprintf(stderr, "fault-writer: %s\n", err.buf);
	else
		store_no_checkpoint_on_close(st);
	strbuf_release(&err);
	return st;
}

static int do_write(const char *dir, long n)
{
	struct ledger_writer_options opt = { .max_delay_us = 2000 };
	struct strbuf err = STRBUF_INIT;
	pthread_t t[THREADS];
	const char *rp = getenv("FAULT_WRITER_RESTART_PAGES");
	const char *kw = getenv("FAULT_WRITER_KEEP_WAL");
	struct store *keep = NULL;
	int r;

	if (kw && !strcmp(kw, "1") && !(keep = keeper(dir)))
		return 1;

	/* a small WAL restart size: the checkpointer's rounds and the restart within a short run */
	if (rp && *rp)
		opt.restart_pages = (unsigned)strtoul(rp, NULL, 10);

	if (ledger_writer_start(dir, &opt, &w, &err) < 0) {
		fprintf(stderr, "fault-writer: %s\n", err.buf);
		return 1;
	}
	n_total = n;
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, appender, (void *)(intptr_t)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	r = ledger_writer_stop(w, &err);
	if (r < 0)
		fprintf(stderr, "fault-writer: stop: %s\n", err.buf);
	store_close(keep);
	strbuf_release(&err);
	return failures || r < 0 ? 1 : 0;
}

static int do_check(const char *dir, const char *acks)
{
	struct strbuf err = STRBUF_INIT, bytes = STRBUF_INIT;
	struct store *st = NULL;
	struct ledger *lg = NULL;
	FILE *f = fopen(acks, "r");
	long k, lost = 0, n = 0;
	uint64_t index;

	if (!f || store_open(dir, STORE_READONLY, &st, &err) < 0 ||
	    ledger_open(st, &lg, &err) < 0) {
		fprintf(stderr, "fault-writer: %s\n", err.len ? err.buf : strerror(errno));
		return 2;
	}
	while (fscanf(f, "ack %ld %" SCNu64 "\n", &k, &index) == 2) {
		struct ledger_entry e;
		char want[64];

		n++;
		snprintf(want, sizeof(want), "note %ld", k);
		strbuf_reset(&bytes);
		if (ledger_entry_bytes(lg, index, &bytes, &err) < 0 ||
		    entry_decode(bytes.buf, bytes.len, &e, &err) < 0) {
			printf("missing %ld at %" PRIu64 ": %s\n", k, index, err.buf);
			lost++;
			continue;
		}
		if (e.data_len != strlen(want) || memcmp(e.data, want, e.data_len)) {
			printf("different %ld at %" PRIu64 "\n", k, index);
			lost++;
		}
		entry_release(&e);
	}
	(void)fclose(f);
	printf("acknowledged %ld lost %ld\n", n, lost);
	ledger_close(lg);
	store_close(st);
	strbuf_release(&bytes);
	strbuf_release(&err);
	return lost ? 1 : 0;
}

static int do_ckpt(const char *dir, const char *acks)
{
	struct strbuf err = STRBUF_INIT;
	struct store *keep = keeper(dir), *c = NULL;
	const char *wb = getenv("FAULT_WB_WINDOW");
	char *end = NULL;
	int r;

	if (wb) {
		unsigned long n = strtoul(wb, &end, 10);
		if (n == 0 || *end) {
			fprintf(stderr, "fault-writer: FAULT_WB_WINDOW=%s: not a number of bytes\n",
			        wb);
			return 2;
		}
		batch_wb_window = n;
	}
	if (!keep || store_open(dir, STORE_BATCH_IO | STORE_GATHER_CKPT, &c, &err) < 0) {
		fprintf(stderr, "fault-writer: %s\n", err.buf);
		return 2;
	}
	store_no_checkpoint_on_close(c);
	printf("ckpt %s\n", store_checkpoint(c, STORE_CHECKPOINT_PASSIVE) == 0 ? "ok" : "failed");
	fflush(stdout);
	store_close(c);
	r = do_check(dir, acks);
	store_close(keep);
	strbuf_release(&err);
	return r;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[2], "write"))
		return do_write(argv[1], strtol(argv[3], NULL, 10));
	if (argc == 4 && !strcmp(argv[2], "check"))
		return do_check(argv[1], argv[3]);
	if (argc == 4 && !strcmp(argv[2], "ckpt"))
		return do_ckpt(argv[1], argv[3]);
	fprintf(stderr,
	        "usage: fault-writer DIR write N | fault-writer DIR check ACKS | fault-writer DIR "
	        "ckpt ACKS\n");
	return 2;
}
