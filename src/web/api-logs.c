/* api-logs: POST /api/v1/logs: other systems send their logs as NDJSON (optionally gzip). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "core/agent-logs.h"
#include "ingest/ingest.h"
#include "ingest/ndjson.h"
#include "web/api.h"
#include "web/route.h"

#define LOGS_BATCH      1024 /* lines handed to ingest at once */
#define LOGS_MAX_ERRORS 100  /* line errors listed in the answer; the rest are counted */

struct post {
	struct web_req *r;
	struct ingest_source src;
	struct ingest_msg batch[LOGS_BATCH];
	size_t nbatch;
	uint64_t received, bad;
	uint64_t skipped; /* lines of a resumed batch already stored by an earlier attempt */
	const struct log_batch_claim *claim;
	struct json_writer *errs;
	int failed;
	struct strbuf err;
};

static int flush(struct post *p)
{
	if (p->nbatch && !p->failed)
		p->failed = ingest_submit(p->r->cfg->ingest, &p->src, p->batch, p->nbatch, &p->err);
	p->nbatch = 0;
	return p->failed;
}

static int on_line(void *ctx, const struct ndjson_line *l)
{
	struct post *p = ctx;
	struct ingest_msg *m;

	if (p->claim && log_batch_claim_has(p->claim, l->lineno)) {
		/* Stored by an attempt that the server's stop cut short: counted, not again. */
		p->received++;
		p->skipped++;
		p->bad += l->error != NULL;
		return 0;
	}
	m = &p->batch[p->nbatch++];
	m->data = l->p;
	m->len = l->n;
	m->seq = l->lineno;
	m->flags = (l->cut ? LOG_CUT : 0) | (l->error ? LOG_BAD_LINE : 0);
	p->received++;
	if (l->error) {
		/* Stored all the same, raw and flagged: the client learns what to fix. */
		if (p->bad++ < LOGS_MAX_ERRORS) {
			jw_object_begin(p->errs);
			jw_key(p->errs, "line");
			jw_uint(p->errs, l->lineno);
			jw_kv_str(p->errs, "error", l->error);
			jw_object_end(p->errs);
		}
	}
	return p->nbatch == LOGS_BATCH ? flush(p) : 0;
}

static bool ndjson_type(const char *ct)
{
	static const char *const types[] = { "application/x-ndjson", "application/jsonl",
		                             "application/json", "text/plain", NULL };

	for (size_t i = 0; ct && types[i]; i++) {
		size_t n = strlen(types[i]);
		if (!strncasecmp(ct, types[i], n) && (ct[n] == '\0' || ct[n] == ';'))
			return true;
	}
	return false;
}

/* Claims the Idempotency-Key (core/agent-logs.h); answers the request itself on an error. */
static int claim_batch(struct web_req *r, struct log_batch_claim *c, struct strbuf *err)
{
	struct ledger *lg = NULL;
	int ret = web_door(r) ? web_thread_ledger(r, &lg, err) : -EINVAL;

	if (ret == 0)
		ret = agent_log_batch_claim(web_door(r), lg, r->idempotency_key, r->api_token_id, c,
		                            err);
	if (ret == -EBUSY) {
		web_header_add(r, "Retry-After", "5");
		web_api_error(r, 503, err->buf);
	} else if (ret == -EINVAL) {
		web_api_error(r, 400, err->len ? err->buf : "no data directory profile yet");
	} else if (ret < 0) {
		web_error(r, 503, err->buf);
	}
	return ret;
}

/* The batch was stored before: what it received then, nothing stored now. */
static void answer_duplicate(struct web_req *r, const struct log_batch_claim *c)
{
	struct json_writer w;

	api_begin(r, &w, 200);
	jw_object_begin(&w);
	jw_key(&w, "received");
	jw_uint(&w, c->received);
	jw_key(&w, "stored");
	jw_uint(&w, 0);
	jw_key(&w, "bad_lines");
	jw_uint(&w, c->bad);
	jw_key(&w, "errors");
	jw_raw(&w, "[]");
	jw_kv_bool(&w, "duplicate", true);
	jw_object_end(&w);
}

/*
 * The body as lines: *body and *len as sent, or gunzipped into plain (Content-Encoding: gzip);
 * -1 with r answered (400, 413 for too large, 415 for another encoding).
 */
static int decoded_body(struct web_req *r, const char **body, size_t *len, struct strbuf *plain,
                        struct strbuf *err)
{
	if (r->content_encoding && !strcasecmp(r->content_encoding, "gzip")) {
		int ret = ndjson_gunzip(*body, *len, NDJSON_MAX_BODY, plain, err);
		if (ret < 0) {
			web_api_error(r, ret == -EFBIG ? 413 : 400, err->buf);
			return -1;
		}
		*body = plain->buf;
		*len = plain->len;
	} else if (r->content_encoding && strcasecmp(r->content_encoding, "identity")) {
		web_api_error(r, 415, "the only Content-Encoding accepted is gzip");
		return -1;
	}
	return 0;
}

/* Where the lines come from: HTTP, the client's address, the token and its owner (into client),
 * and the source's name (into name). */
static void post_source(struct post *p, struct strbuf *client, char *name, size_t size)
{
	struct web_req *r = p->r;

	strbuf_addf(client, "token %" PRId64 " %s", r->api_token_id, r->user->login);
	ingest_source_name(name, size, "http", r->remote);
	p->src.origin.via = "http";
	p->src.origin.peer = r->remote;
	p->src.origin.client = client->buf;
	p->src.name = name;
}

/* 200: how many lines were received, stored and bad, the errors (a JSON array) and whether
 * the batch was resumed. */
static void logs_answer(struct web_req *r, const struct post *p, const char *errors, bool resumed)
{
	struct json_writer w;

	api_begin(r, &w, 200);
	jw_object_begin(&w);
	jw_key(&w, "received");
	jw_uint(&w, p->received);
	jw_key(&w, "stored");
	jw_uint(&w, p->received - p->skipped);
	jw_key(&w, "bad_lines");
	jw_uint(&w, p->bad);
	jw_key(&w, "errors");
	jw_raw(&w, errors);
	if (resumed)
		jw_kv_bool(&w, "resumed", true);
	jw_object_end(&w);
}

void api_logs_post(struct web_req *r)
{
	struct strbuf plain = STRBUF_INIT, errs = STRBUF_INIT, client = STRBUF_INIT;
	struct json_writer ew;
	struct post p = { .r = r };
	struct log_batch_claim claim = { 0 };
	bool claimed = false;
	char name[96];
	const char *body = r->body.buf;
	size_t len = r->body.len;
	uint64_t mark;
	int ret;

	strbuf_init(&p.err, 0);
	if (!r->cfg->ingest) {
		web_error(r, 503, "log collection is not running");
		goto out;
	}
	if (!ndjson_type(r->content_type)) {
		web_api_error(r, 415,
		              "send application/x-ndjson: one JSON object per line (optionally "
		              "with Content-Encoding: gzip)");
		goto out;
	}
	if (decoded_body(r, &body, &len, &plain, &p.err) < 0)
		goto out;
	if (r->idempotency_key) { /* an agent's batch sent again: answered, not stored twice */
		ret = claim_batch(r, &claim, &p.err);
		if (ret < 0)
			goto out;
		if (claim.state == LOG_BATCH_DONE) {
			answer_duplicate(r, &claim);
			goto out;
		}
		claimed = true;
		p.claim = &claim;
		p.src.origin.batch = r->idempotency_key;
	}
	post_source(&p, &client, name, sizeof(name));
	jw_init(&ew, &errs);
	jw_array_begin(&ew);
	p.errs = &ew;
	mark = ingest_mark(r->cfg->ingest);
	ndjson_each(body, len, NDJSON_MAX_LINE, on_line, &p);
	flush(&p);
	jw_array_end(&ew);
	if (!p.failed && p.received)
		/* Every line, not only the last: lines can land in different writer batches. */
		p.failed = ingest_sync_since(r->cfg->ingest, mark, &p.err);
	if (p.failed) {
		web_error(r, 503, p.err.buf);
		goto out;
	}
	if (!p.received) {
		web_api_error(r, 400, "the body has no lines: send one JSON object per line");
		goto out;
	}
	if (claimed) {
		if (agent_log_batch_done(web_door(r), r->idempotency_key, p.received, p.bad,
		                         &p.err) < 0) {
			web_error(r, 503, p.err.buf);
			goto out;
		}
		claimed = false;
	}
	/* Answered once every line is durable in the ledger. */
	logs_answer(r, &p, errs.buf, claim.state == LOG_BATCH_RESUME);
out:
	if (claimed) { /* not stored in full: the next attempt looks for what was */
		struct strbuf e = STRBUF_INIT;
		if (agent_log_batch_abandon(web_door(r), r->idempotency_key, &e) < 0)
			fprintf(stderr, "mamori: log batch '%s': %s\n", r->idempotency_key, e.buf);
		strbuf_release(&e);
	}
	log_batch_claim_release(&claim);
	strbuf_release_secret(&plain);
	strbuf_release(&errs);
	strbuf_release(&client);
	strbuf_release(&p.err);
}
