/* fim-reports: the stored results of fim checks (table fim_reports), with their ledger entries. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "core/act-internal.h"
#include "core/fim-internal.h"
#include "store/query.h"
#include "store/store.h"

struct store_report {
	const struct fim_report_in *in;
	int64_t id;
	uint64_t index;
	char sha[65];
};

static int report_txn(struct door *d, void *arg, struct strbuf *err)
{
	struct store_report *x = arg;
	const struct fim_report_in *in = x->in;
	struct strbuf data = STRBUF_INIT;
	struct json_writer w;
	struct query *q;
	int r = query_prepare(door_store(d),
	                      "INSERT INTO fim_reports(config_id, generation, at_ms, by_login, via,"
	                      " outcome, added, removed, changed, problems, entries, critical,"
	                      " result_sha256, report, delta, ledger_index, batch)"
	                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, in->config_id);
	query_bind_int(q, 2, (int64_t)in->generation);
	query_bind_int(q, 3, in->at_ms);
	query_bind_text(q, 4, in->by_login);
	query_bind_text(q, 5, in->via);
	query_bind_text(q, 6, in->outcome);
	query_bind_int(q, 7, (int64_t)in->added);
	query_bind_int(q, 8, (int64_t)in->removed);
	query_bind_int(q, 9, (int64_t)in->changed);
	query_bind_int(q, 10, (int64_t)in->problems);
	query_bind_int(q, 11, (int64_t)in->entries);
	query_bind_int(q, 12, in->critical);
	query_bind_text(q, 13, x->sha);
	query_bind_text(q, 14, in->json);
	if (in->delta)
		query_bind_blob(q, 15, in->delta, in->delta_len);
	else
		query_bind_null(q, 15);
	query_bind_text(q, 16, in->batch);
	if ((r = query_run(q, err)) < 0)
		return r;
	x->id = query_last_id(door_store(d));
	jw_init(&w, &data);
	jw_object_begin(&w);
	jw_kv_int(&w, "report", x->id);
	jw_kv_str(&w, "host", in->host);
	jw_kv_str(&w, "config", in->path);
	jw_key(&w, "generation");
	jw_uint(&w, in->generation);
	jw_kv_str(&w, "outcome", in->outcome);
	jw_key(&w, "added");
	jw_uint(&w, in->added);
	jw_key(&w, "removed");
	jw_uint(&w, in->removed);
	jw_key(&w, "changed");
	jw_uint(&w, in->changed);
	jw_key(&w, "problems");
	jw_uint(&w, in->problems);
	jw_key(&w, "entries");
	jw_uint(&w, in->entries);
	jw_object_end(&w);
	char subject[32];
	snprintf(subject, sizeof(subject), "fim/%" PRId64, in->config_id);
	r = fim_append(d, in->by_login, "fim.check", subject,
	               in->baseline_sha256 && in->baseline_sha256[0] ? in->baseline_sha256 : NULL,
	               x->sha, &data, in->at_ms, &x->index, err);
	strbuf_release(&data);
	if (r < 0)
		return r;
	r = query_prepare(door_store(d), "UPDATE fim_reports SET ledger_index = ? WHERE id = ?", &q,
	                  err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, (int64_t)x->index);
	query_bind_int(q, 2, x->id);
	return query_run(q, err);
}

int fim_store_report_in(struct door *d, const struct fim_report_in *in, int64_t *ret_id,
                        uint64_t *ret_index, char ret_sha[65], struct strbuf *err)
{
	struct store_report x = { .in = in };
	uint8_t sha[32];
	int r;

	fim_sha256(in->json, strlen(in->json), sha);
	fim_hex(sha, x.sha);
	r = report_txn(d, &x, err);
	if (r < 0)
		return r;
	*ret_id = x.id;
	*ret_index = x.index;
	memcpy(ret_sha, x.sha, 65);
	return 0;
}

int fim_store_report(struct door *d, const struct fim_report_in *in, int64_t *ret_id,
                     uint64_t *ret_index, char ret_sha[65], struct strbuf *err)
{
	struct store_report x = { .in = in };
	uint8_t sha[32];
	int r;

	fim_sha256(in->json, strlen(in->json), sha);
	fim_hex(sha, x.sha);
	r = fim_txn(d, report_txn, &x, err);
	if (r < 0)
		return r;
	*ret_id = x.id;
	*ret_index = x.index;
	memcpy(ret_sha, x.sha, 65);
	return 0;
}

int fim_report_delta(struct door *d, int64_t id, struct strbuf *out, struct strbuf *err)
{
	struct query *q;
	const void *b;
	size_t len;
	int r = query_prepare(door_store(d), "SELECT delta FROM fim_reports WHERE id = ?", &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, id);
	r = query_step(q, err);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	b = query_blob(q, 0, &len);
	if (!b) {
		query_done(q);
		return -ENOENT;
	}
	strbuf_add(out, b, len);
	query_done(q);
	return 0;
}

void fim_report_row_release(struct fim_report_row *r)
{
	free(r->outcome);
	free(r->report);
	free(r->by_login);
	free(r->via);
	free(r->accepted_by);
	memset(r, 0, sizeof(*r));
}

int fim_report_get(struct door *d, int64_t id, struct fim_report_row *ret, struct strbuf *err)
{
	return fim_report_read(door_store(d), id, ret, err);
}

int fim_report_read(struct store *st, int64_t id, struct fim_report_row *ret, struct strbuf *err)
{
	struct query *q;
	int r =
	    query_prepare(st,
	                  "SELECT id, config_id, generation, ledger_index, at_ms, outcome, report,"
	                  " by_login, via, result_sha256, accepted_generation, accepted_by"
	                  " FROM fim_reports WHERE id = ?",
	                  &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, id);
	r = query_step(q, err);
	if (r <= 0) {
		if (r == 0)
			error_set(err, "no file integrity report %" PRId64, id);
		return r < 0 ? r : -ENOENT;
	}
	memset(ret, 0, sizeof(*ret));
	ret->id = query_int(q, 0);
	ret->config_id = query_int(q, 1);
	ret->generation = (uint64_t)query_int(q, 2);
	ret->ledger_index = (uint64_t)query_int(q, 3);
	ret->at_ms = query_int(q, 4);
	ret->outcome = query_strdup(q, 5);
	ret->report = query_strdup(q, 6);
	ret->by_login = query_strdup(q, 7);
	ret->via = query_strdup(q, 8);
	snprintf(ret->result_sha256, sizeof(ret->result_sha256), "%s",
	         query_text(q, 9) ? query_text(q, 9) : "");
	ret->accepted_generation = (uint64_t)query_int(q, 10);
	ret->accepted_by = query_strdup(q, 11);
	query_done(q);
	return 0;
}

void fim_report_row_json(const struct fim_report_row *r, struct strbuf *out)
{
	const char *body = r->report && r->report[0] == '{' ? r->report + 1 : "}";

	strbuf_addf(out, "{\"id\":%" PRId64 "%s", r->id, *body == '}' ? "" : ",");
	/* the stored object without its closing brace, then what the row adds */
	strbuf_add(out, body, strlen(body) - 1);
	strbuf_addf(out, ",\"result_sha256\":\"%s\",\"ledger_index\":%" PRIu64 "}",
	            r->result_sha256, r->ledger_index);
}
