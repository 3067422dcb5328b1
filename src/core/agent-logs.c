/* agent-logs: log batches sent with an Idempotency-Key (POST /api/v1/logs), each stored once. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/agent-logs.h"
#include "core/fim-internal.h"
#include "ingest/event.h"
#include "ledger/entry.h"
#include "ledger/ledger.h"
#include "store/query.h"
#include "store/store.h"

/*
 * How a batch is kept once (docs/api.md): its row is written, pending, before any line is
 * submitted, naming where the ledger stood and this server run (boot); every line carries
 * batch=KEY in its sealed header; the row is marked done once every line is durable. A row
 * left pending by another run (the server stopped between a line and the note) makes the
 * next attempt look in the ledger from first_index for the lines that arrived, and store
 * only the others. A row pending in this run is a request storing it right now.
 */

static char boot_id[33];
static pthread_once_t boot_once = PTHREAD_ONCE_INIT;

static void boot_init(void)
{
	uint8_t b[16];
	struct timespec ts;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* No entropy: the time and pid still differ from any earlier run. */
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(boot_id, sizeof(boot_id), "%lld-%ld-%d", (long long)ts.tv_sec, ts.tv_nsec,
		         (int)getpid());
		return;
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(boot_id + 2 * i, 3, "%02x", b[i]);
}

static const char *boot(void)
{
	pthread_once(&boot_once, boot_init);
	return boot_id;
}

static bool key_valid(const char *k)
{
	size_t n = k ? strlen(k) : 0;

	return n >= 1 && n <= 128 &&
	       strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == n;
}

struct claim_txn {
	const char *key;
	int64_t token_id;
	struct log_batch_claim *c;
	uint64_t first_index;
};

static int claim_txn(struct door *d, void *arg, struct strbuf *err)
{
	struct claim_txn *x = arg;
	struct query *q;
	bool done = false;
	char *run = NULL;
	int r = query_prepare(door_store(d),
	                      "SELECT received, bad_lines, done, first_index, boot FROM"
	                      " agent_log_batches WHERE batch = ?",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, x->key);
	r = query_step(q, err);
	if (r < 0)
		return r;
	if (r > 0) {
		x->c->received = (uint64_t)query_int(q, 0);
		x->c->bad = (uint64_t)query_int(q, 1);
		done = query_int(q, 2) != 0;
		x->first_index = (uint64_t)query_int(q, 3);
		run = query_strdup(q, 4);
		query_done(q);
		if (done) {
			x->c->state = LOG_BATCH_DONE;
			free(run);
			return 0;
		}
		r = run && !strcmp(run, boot()) ? -EBUSY : 0;
		free(run);
		if (r < 0) {
			error_set(err, "batch '%s' is being stored right now: send it again later",
			          x->key);
			return r;
		}
		x->c->state = LOG_BATCH_RESUME;
		r = query_prepare(door_store(d),
		                  "UPDATE agent_log_batches SET boot = ? WHERE batch = ?", &q, err);
		if (r < 0)
			return r;
		query_bind_text(q, 1, boot());
		query_bind_text(q, 2, x->key);
		return query_run(q, err);
	}
	/* New: where the ledger stands now is before any of its lines. */
	uint8_t root[MERKLE_HASH_SIZE];
	r = ledger_head(door_ledger(d), &x->first_index, root, err);
	if (r < 0)
		return r;
	x->c->state = LOG_BATCH_NEW;
	r = query_prepare(door_store(d),
	                  "INSERT INTO agent_log_batches(batch, token_id, received, bad_lines,"
	                  " received_ms, done, first_index, boot) VALUES (?, ?, 0, 0, ?, 0, ?, ?)",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_text(q, 1, x->key);
	query_bind_int(q, 2, x->token_id);
	query_bind_int(q, 3, time_now_ms());
	query_bind_int(q, 4, (int64_t)x->first_index);
	query_bind_text(q, 5, boot());
	return query_run(q, err);
}

/* Lines of the batch found in the ledger, by their number (the entry's line). */
struct scan {
	const char *key;
	struct log_batch_claim *c;
};

static void mark_line(struct log_batch_claim *c, uint64_t line)
{
	if (!line || line > (1ull << 32)) /* an NDJSON body has far fewer lines */
		return;
	if (line > c->n_lines) {
		uint64_t n = c->n_lines ? c->n_lines : 1024;
		size_t had = c->lines ? (size_t)(c->n_lines / 8 + 1) : 0;
		while (n < line)
			n *= 2;
		c->lines = xrealloc(c->lines, (size_t)(n / 8 + 1));
		memset(c->lines + had, 0, (size_t)(n / 8 + 1) - had);
		c->n_lines = n;
	}
	if (!(c->lines[line / 8] & (1u << (line % 8)))) {
		c->lines[line / 8] |= (uint8_t)(1u << (line % 8));
		c->stored++;
	}
}

static int scan_item(void *ctx, const struct ledger_range_item *it)
{
	struct scan *s = ctx;
	struct ledger_entry e;
	struct log_payload p;

	if (!it->payload || entry_decode(it->entry, it->len, &e, NULL) < 0)
		return 0;
	if (e.kind == ENTRY_INGEST && e.has_line &&
	    log_payload_parse(it->payload, it->payload_len, NULL, &p) == 0 &&
	    !strcmp(p.batch, s->key))
		mark_line(s->c, e.line);
	entry_release(&e);
	return 0;
}

int agent_log_batch_claim(struct door *d, struct ledger *lg, const char *key, int64_t token_id,
                          struct log_batch_claim *ret, struct strbuf *err)
{
	struct claim_txn x = { .key = key, .token_id = token_id, .c = ret };
	struct scan s = { .key = key, .c = ret };
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!key_valid(key)) {
		error_set(err, "Idempotency-Key must be 1 to 128 letters, digits and '._:-'");
		return -EINVAL;
	}
	r = fim_txn(d, claim_txn, &x, err);
	if (r < 0 || ret->state != LOG_BATCH_RESUME)
		return r;
	r = ledger_read_range(lg, x.first_index, UINT64_MAX, LEDGER_RANGE_PAYLOADS, scan_item, &s,
	                      err);
	if (r < 0) {
		struct strbuf ignored = STRBUF_INIT;
		log_batch_claim_release(ret);
		/* The next attempt looks again (if this fails too, a restart frees it). */
		(void)agent_log_batch_abandon(d, key, &ignored);
		strbuf_release(&ignored);
	}
	return r;
}

bool log_batch_claim_has(const struct log_batch_claim *c, uint64_t lineno)
{
	return c->state == LOG_BATCH_RESUME && lineno && lineno <= c->n_lines &&
	       (c->lines[lineno / 8] & (1u << (lineno % 8)));
}

void log_batch_claim_release(struct log_batch_claim *c)
{
	free(c->lines);
	memset(c, 0, sizeof(*c));
}

struct done_txn {
	const char *key;
	uint64_t received, bad;
	bool done;
};

static int done_txn(struct door *d, void *arg, struct strbuf *err)
{
	struct done_txn *x = arg;
	struct query *q;
	int r;

	if (x->done)
		r = query_prepare(
		    door_store(d),
		    "UPDATE agent_log_batches SET received = ?, bad_lines = ?, done = 1,"
		    " boot = '' WHERE batch = ?",
		    &q, err);
	else
		r = query_prepare(
		    door_store(d),
		    "UPDATE agent_log_batches SET boot = '' WHERE batch = ? AND done = 0", &q, err);
	if (r < 0)
		return r;
	if (x->done) {
		query_bind_int(q, 1, (int64_t)x->received);
		query_bind_int(q, 2, (int64_t)x->bad);
		query_bind_text(q, 3, x->key);
	} else {
		query_bind_text(q, 1, x->key);
	}
	return query_run(q, err);
}

int agent_log_batch_done(struct door *d, const char *key, uint64_t received, uint64_t bad,
                         struct strbuf *err)
{
	struct done_txn x = { .key = key, .received = received, .bad = bad, .done = true };

	return fim_txn(d, done_txn, &x, err);
}

int agent_log_batch_abandon(struct door *d, const char *key, struct strbuf *err)
{
	struct done_txn x = { .key = key };

	return fim_txn(d, done_txn, &x, err);
}
