/* fim-agent: the agents' batches (POST /api/v1/fim/results), the register of agents, silence. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "core/alert.h"
#include "core/fim-internal.h"
#include "store/query.h"
#include "store/store.h"

/* ---- what an agent sends, validated ---- */

struct batch {
	const char *id, *agent, *host, *version, *kind, *config;
	const char *error; /* check: the agent's own baseline did not verify */
	int64_t seq, interval, at_ms, dropped;
	/* baseline in force on the agent */
	bool has_base;
	int64_t generation, entries;
	const char *sha256, *config_sha256;
	json_t *report; /* check: the report's members */
	uint64_t added, removed, changed, problems, scanned;
	bool critical;
};

static bool hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static bool host_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.' || s[i] == '_'))
			return false;
	return strcmp(s, FIM_LOCAL_HOST) != 0; /* 'local' is the Mamori host's own */
}

static bool text_valid(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max || !utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return true;
}

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool int_of(json_t *o, const char *k, int64_t min, int64_t max, int64_t *ret)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return false;
	*ret = json_integer_value(v);
	return true;
}

/* A report list: at most FIM_AGENT_MAX_ITEMS objects, each with a path. */
static bool list_valid(json_t *report, const char *key)
{
	json_t *a = json_object_get(report, key), *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > FIM_AGENT_MAX_ITEMS)
		return false;
	json_array_foreach(a, i, v)
	{
		const char *p = str(v, "path");
		if (!json_is_object(v) || !p || p[0] != '/' || !text_valid(p, 4 * FIM_PATH_MAX))
			return false;
	}
	return true;
}

static int parse_report(struct batch *b, json_t *report, struct strbuf *err)
{
	json_t *sum = json_object_get(report, "summary");
	int64_t v[5];

	if (!json_is_object(report) || !list_valid(report, "added") ||
	    !list_valid(report, "removed") || !list_valid(report, "changed") ||
	    !list_valid(report, "problems") || !json_is_object(sum)) {
		error_set(err,
		          "\"report\" must have the lists added, removed, changed and problems "
		          "(objects with \"path\", at most %d each) and a summary",
		          FIM_AGENT_MAX_ITEMS);
		return -EINVAL;
	}
	if (!int_of(sum, "added", 0, INT64_MAX, &v[0]) ||
	    !int_of(sum, "removed", 0, INT64_MAX, &v[1]) ||
	    !int_of(sum, "changed", 0, INT64_MAX, &v[2]) ||
	    !int_of(sum, "entries", 0, INT64_MAX, &v[3]) ||
	    !int_of(report, "problem_count", 0, INT64_MAX, &v[4])) {
		error_set(err,
		          "\"report\": the summary's counts added, removed, changed, entries and "
		          "problem_count must be numbers");
		return -EINVAL;
	}
	b->added = (uint64_t)v[0];
	b->removed = (uint64_t)v[1];
	b->changed = (uint64_t)v[2];
	b->scanned = (uint64_t)v[3];
	b->problems = (uint64_t)v[4];
	b->critical = json_is_true(json_object_get(sum, "critical"));
	b->report = report;
	return 0;
}

static int parse_batch(json_t *o, struct batch *b, struct strbuf *err)
{
	json_t *agent = json_object_get(o, "agent"), *base = json_object_get(o, "baseline");
	const char *at = str(o, "at");
	char want[96];

	memset(b, 0, sizeof(*b));
	b->id = str(o, "batch");
	b->kind = str(o, "kind");
	b->config = str(o, "config");
	b->agent = str(agent, "id");
	b->host = str(agent, "host");
	b->version = str(agent, "version");
	if (!b->agent || !b->kind || !int_of(o, "seq", 1, INT64_MAX, &b->seq) ||
	    !int_of(agent, "interval", 1, 7 * 86400, &b->interval) || strlen(b->agent) != 32 ||
	    strspn(b->agent, "0123456789abcdef") != 32) {
		error_set(err,
		          "give \"batch\", \"seq\" (from 1), \"kind\" and \"agent\":{\"id\" (32 "
		          "hex digits),\"host\",\"version\",\"interval\" (seconds)}");
		return -EINVAL;
	}
	snprintf(want, sizeof(want), "%s-%" PRId64, b->agent, b->seq);
	if (!b->id || strcmp(b->id, want)) {
		error_set(err, "\"batch\" must be \"%s\" (the agent's id and the sequence number)",
		          want);
		return -EINVAL;
	}
	if (!host_valid(b->host) || !text_valid(b->version, 64)) {
		error_set(err,
		          "\"agent\": \"host\" must be a host name (letters, digits, '.-_', not "
		          "'local') and \"version\" short text");
		return -EINVAL;
	}
	if (!at || time_parse_rfc3339(at, &b->at_ms) < 0) {
		error_set(err, "\"at\" must be an RFC 3339 time");
		return -EINVAL;
	}
	json_t *gap = json_object_get(o, "gap");
	if (gap && !int_of(gap, "dropped", 0, INT64_MAX, &b->dropped)) {
		error_set(err, "\"gap\" must be {\"dropped\":N}");
		return -EINVAL;
	}
	if (!strcmp(b->kind, "heartbeat"))
		return 0;
	if (strcmp(b->kind, "baseline") && strcmp(b->kind, "check")) {
		error_set(err, "\"kind\" must be baseline, check or heartbeat");
		return -EINVAL;
	}
	if (!b->config || b->config[0] != '/' || !text_valid(b->config, FIM_PATH_MAX)) {
		error_set(err, "\"config\" must be the configuration's absolute path");
		return -EINVAL;
	}
	b->sha256 = str(base, "sha256");
	b->config_sha256 = str(base, "config_sha256");
	if (!int_of(base, "generation", 1, INT64_MAX, &b->generation) ||
	    !int_of(base, "entries", 0, INT64_MAX, &b->entries) || !hex64(b->sha256) ||
	    !hex64(b->config_sha256)) {
		error_set(err, "\"baseline\" must be {\"generation\",\"sha256\",\"entries\","
		               "\"config_sha256\"} (digests as 64 lowercase hex digits)");
		return -EINVAL;
	}
	b->has_base = true;
	if (strcmp(b->kind, "check"))
		return 0;
	b->error = str(o, "error");
	if (json_object_get(o, "error") && !text_valid(b->error, 1000)) {
		error_set(err, "\"error\" must be text of at most 1000 bytes");
		return -EINVAL;
	}
	return parse_report(b, json_object_get(o, "report"), err);
}

/* ---- processing, in one transaction ---- */

struct work {
	const struct batch *b;
	const char *login;
	int64_t now;
	bool duplicate;
	int64_t dup_report;
	int64_t missing; /* batches that never arrived or were dropped */
	uint64_t index;  /* the ledger entry this batch made (or the agent's last) */
	struct fim_config_row c;
	bool tampered;
	bool odd_start; /* a first baseline that is not generation 1 */
	char tamper_why[200];
	int64_t report_id;
	uint64_t report_index;
	char result_sha[65];
	struct strbuf report_json;
	char *accept_batch; /* an accepted generation the agent has still to make: its batch */
};

static int upsert_agent(struct door *d, struct work *w, struct strbuf *err)
{
	struct store *st = door_store(d);
	struct query *q;
	int64_t last = 0;
	int r = query_prepare(st, "SELECT last_seq FROM fim_agents WHERE id = ?", &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, w->b->agent);
	r = query_one_int(q, &last, err);
	if (r == -ENOENT) {
		struct strbuf data = STRBUF_INIT;
		struct json_writer jw;
		char subject[48], sha[65];
		uint8_t dg[32];
		jw_init(&jw, &data);
		jw_object_begin(&jw);
		jw_kv_str(&jw, "agent", w->b->agent);
		jw_kv_str(&jw, "host", w->b->host);
		jw_kv_str(&jw, "version", w->b->version);
		jw_kv_str(&jw, "token_of", w->login);
		jw_object_end(&jw);
		fim_sha256(data.buf, data.len, dg);
		fim_hex(dg, sha);
		snprintf(subject, sizeof(subject), "agent/%s", w->b->agent);
		r = fim_append(d, w->login, "fim.agent", subject, NULL, sha, &data, w->now,
		               &w->index, err);
		strbuf_release(&data);
		if (r < 0)
			return r;
		r = query_prepare(
		    st,
		    "INSERT INTO fim_agents(id, host, version, login, interval_s, first_ms,"
		    " last_ms, last_seq, ledger_index) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
		    &q, err);
		if (r < 0)
			return r;
		query_bind_text(q, 1, w->b->agent);
		query_bind_text(q, 2, w->b->host);
		query_bind_text(q, 3, w->b->version);
		query_bind_text(q, 4, w->login);
		query_bind_int(q, 5, w->b->interval);
		query_bind_int(q, 6, w->now);
		query_bind_int(q, 7, w->now);
		query_bind_int(q, 8, (int64_t)w->index);
		if ((r = query_run(q, err)) < 0)
			return r;
		last = 0;
	} else if (r < 0) {
		return r;
	}
	/* Dropped batches used their numbers too: the larger count says it all. */
	if (w->b->seq > last + 1)
		w->missing = w->b->seq - last - 1;
	if (w->b->dropped > w->missing)
		w->missing = w->b->dropped;
	r = query_prepare(st,
	                  "UPDATE fim_agents SET host = ?, version = ?, login = ?, interval_s = ?,"
	                  " last_ms = ?, last_seq = max(last_seq, ?), gaps = gaps + ?,"
	                  " silent_alert = NULL WHERE id = ?",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_text(q, 1, w->b->host);
	query_bind_text(q, 2, w->b->version);
	query_bind_text(q, 3, w->login);
	query_bind_int(q, 4, w->b->interval);
	query_bind_int(q, 5, w->now);
	query_bind_int(q, 6, w->b->seq);
	query_bind_int(q, 7, w->duplicate ? 0 : w->missing);
	query_bind_text(q, 8, w->b->agent);
	return query_run(q, err);
}

static int touch_agent(struct door *d, struct work *w, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(door_store(d),
	                      "UPDATE fim_agents SET last_ms = ?, silent_alert = NULL WHERE id = ?",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, w->now);
	query_bind_text(q, 2, w->b->agent);
	return query_run(q, err);
}

/* The generation the agent names exists with this SHA-256 (fim_generations). */
static int generation_known(struct door *d, int64_t config_id, int64_t generation, const char *sha,
                            bool *ret, struct strbuf *err)
{
	struct query *q;
	char *got = NULL;
	int r = query_prepare(
	    door_store(d),
	    "SELECT sha256 FROM fim_generations WHERE config_id = ? AND generation = ?", &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, config_id);
	query_bind_int(q, 2, generation);
	r = query_one_text(q, &got, err);
	*ret = r == 0 && got && !strcmp(got, sha);
	free(got);
	return r == -ENOENT ? 0 : r;
}

static void tamper(struct work *w, const char *why)
{
	w->tampered = true;
	snprintf(w->tamper_why, sizeof(w->tamper_why), "%s", why);
}

static int store_report(struct door *d, struct work *w, const char *outcome, struct strbuf *err);

/* The generation a batch's head names, as its agent made it. */
static struct fim_generation head_generation(const struct work *w)
{
	const struct batch *b = w->b;
	struct fim_generation g = { .generation = (uint64_t)b->generation,
		                    .entries = (uint64_t)b->entries,
		                    .config_sha256 = b->config_sha256,
		                    .made_by = w->login,
		                    .at_ms = w->now };

	snprintf(g.sha256, sizeof(g.sha256), "%s", b->sha256);
	return g;
}

/* The generation accepted on the server whose baseline the agent has still to announce. */
static bool awaited(const struct work *w)
{
	return w->c.id && !w->c.baseline_sha256[0] && (uint64_t)w->b->generation == w->c.generation;
}

/* A baseline the agent made: the first, or the one of an accepted generation. */
static int take_baseline(struct door *d, struct work *w, struct strbuf *err)
{
	const struct batch *b = w->b;
	struct fim_generation g = head_generation(w);
	bool known = false;
	int r;

	if (!w->c.id) { /* first contact: the agent's first baseline is taken as it is */
		w->c.host = xstrdup(b->host);
		w->c.path = xstrdup(b->config);
		r = fim_install_generation_in(d, &w->c, &g, &w->index, err);
		if (r == 0 && b->generation != 1)
			w->odd_start = true;
		return r;
	}
	r = generation_known(d, w->c.id, b->generation, b->sha256, &known, err);
	if (r < 0 || known) /* reported again: nothing new */
		return r;
	if (awaited(w))
		return fim_install_generation_in(d, &w->c, &g, &w->index, err);
	tamper(w, "the agent's baseline is not one the ledger recorded (made again, or altered)");
	return store_report(d, w, "tampered", err);
}

static void stored_json(const struct work *w, const char *outcome, struct strbuf *out)
{
	const struct batch *b = w->b;
	struct json_writer jw;
	const char *keys[] = { "added", "removed", "changed", "problems" };

	jw_init(&jw, out);
	jw_object_begin(&jw);
	jw_kv_str(&jw, "config", b->config);
	jw_kv_str(&jw, "host", b->host);
	jw_kv_int(&jw, "generation", b->generation);
	jw_kv_str(&jw, "baseline_sha256", b->sha256);
	struct strbuf t = STRBUF_INIT;
	time_format_rfc3339(&t, b->at_ms);
	jw_kv_str(&jw, "at", t.buf);
	strbuf_release(&t);
	jw_kv_str(&jw, "outcome", outcome);
	if (w->tampered)
		jw_kv_str(&jw, "error", w->tamper_why);
	jw_kv_str(&jw, "agent", b->agent);
	jw_kv_str(&jw, "batch", b->id);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		json_t *v = b->report ? json_object_get(b->report, keys[i]) : NULL;
		char *s = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		jw_key(&jw, keys[i]);
		jw_raw(&jw, s ? s : "[]");
		free(s);
	}
	if (b->report) {
		const char *more[] = { "problem_count", "config_changed", "summary", "truncated" };
		for (size_t i = 0; i < ARRAY_SIZE(more); i++) {
			json_t *v = json_object_get(b->report, more[i]);
			char *s =
			    v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)
			      : NULL;
			if (!s)
				continue;
			jw_key(&jw, more[i]);
			jw_raw(&jw, s);
			free(s);
		}
	}
	jw_object_end(&jw);
}

/* A check: against a generation the ledger recorded, or it is a tampered report. */
static int take_check(struct door *d, struct work *w, struct strbuf *err)
{
	const struct batch *b = w->b;
	bool known = false;
	int r = 0;

	if (!w->c.id)
		tamper(w, "no baseline of this configuration was ever recorded");
	else
		r = generation_known(d, w->c.id, b->generation, b->sha256, &known, err);
	if (r < 0)
		return r;
	/*
	 * The accepted generation, checked against before its baseline's own batch came (that batch
	 * dropped from a full spool, not put, refused, or the agent stopped before it): the check's
	 * head is the agent's word for that baseline, as the baseline batch would have been, so the
	 * generation is installed from it and the check taken against it. Otherwise every later
	 * check would be "tampered", for good (the agent announces a generation once).
	 */
	if (!known && awaited(w)) {
		struct fim_generation g = head_generation(w);

		if ((r = fim_install_generation_in(d, &w->c, &g, &w->index, err)) < 0)
			return r;
		known = true;
	}
	if (w->c.id && !known)
		tamper(w, "the agent's baseline is not one the ledger recorded (made again, or "
		          "altered)");
	else if (b->error)
		tamper(w, b->error);
	if (!w->c.id) { /* a report needs its configuration */
		error_set(err,
		          "no baseline of '%s' on '%s' yet: the agent sends its baseline first",
		          b->config, b->host);
		return -ENOENT;
	}
	return store_report(d, w,
	                    w->tampered                            ? "tampered"
	                    : (b->added + b->removed + b->changed) ? "changed"
	                                                           : "clean",
	                    err);
}

static int store_report(struct door *d, struct work *w, const char *outcome, struct strbuf *err)
{
	const struct batch *b = w->b;
	int r;

	strbuf_init(&w->report_json, 0);
	stored_json(w, outcome, &w->report_json);
	struct fim_report_in ri = {
		.config_id = w->c.id,
		.generation = (uint64_t)b->generation,
		.baseline_sha256 = b->sha256,
		.at_ms = b->at_ms,
		.by_login = w->login,
		.via = "agent",
		.outcome = outcome,
		.host = b->host,
		.path = b->config,
		.added = b->added,
		.removed = b->removed,
		.changed = b->changed,
		.problems = b->problems,
		.entries = b->scanned,
		.critical = b->critical,
		.json = w->report_json.buf,
		.batch = b->id,
	};
	r = fim_store_report_in(d, &ri, &w->report_id, &w->report_index, w->result_sha, err);
	if (r == 0)
		w->index = w->report_index;
	return r;
}

/* The generation accepted on the server that the agent has still to make: its report's batch. */
static int pending_accept(struct door *d, const struct fim_config_row *c, char **ret_batch,
                          struct strbuf *err)
{
	struct query *q;
	int r;

	*ret_batch = NULL;
	if (!c->id || c->baseline_sha256[0])
		return 0;
	r = query_prepare(door_store(d),
	                  "SELECT batch FROM fim_reports WHERE config_id = ? AND"
	                  " accepted_generation = ? AND batch IS NOT NULL",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, c->id);
	query_bind_int(q, 2, (int64_t)c->generation);
	r = query_one_text(q, ret_batch, err);
	return r == -ENOENT ? 0 : r;
}

static int batch_txn(struct door *d, void *arg, struct strbuf *err)
{
	struct work *w = arg;
	const struct batch *b = w->b;
	struct query *q;
	int r = query_prepare(door_store(d),
	                      "SELECT coalesce(report_id, 0) FROM fim_batches WHERE "
	                      "batch = ?",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, b->id);
	r = query_one_int(q, &w->dup_report, err);
	if (r == 0)
		w->duplicate = true;
	else if (r != -ENOENT)
		return r;
	if (w->duplicate) /* contact, nothing more: a batch sent again changes nothing */
		return touch_agent(d, w, err);
	if ((r = upsert_agent(d, w, err)) < 0)
		return r;
	if (b->config) {
		r = fim_config_find(d, b->host, "", b->config, &w->c, err);
		if (r < 0 && r != -ENOENT)
			return r;
		r = 0;
	}
	if (!strcmp(b->kind, "baseline"))
		r = take_baseline(d, w, err);
	else if (!strcmp(b->kind, "check"))
		r = take_check(d, w, err);
	if (r < 0)
		return r;
	r = query_prepare(door_store(d),
	                  "INSERT INTO fim_batches(batch, agent, seq, kind, received_ms, report_id)"
	                  " VALUES (?, ?, ?, ?, ?, ?)",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_text(q, 1, b->id);
	query_bind_text(q, 2, b->agent);
	query_bind_int(q, 3, b->seq);
	query_bind_text(q, 4, b->kind);
	query_bind_int(q, 5, w->now);
	query_bind_int_or_null(q, 6, w->report_id);
	if ((r = query_run(q, err)) < 0)
		return r;
	return pending_accept(d, &w->c, &w->accept_batch, err);
}

static void answer(struct work *w, const char *batch, struct strbuf *out)
{
	struct json_writer jw;

	jw_init(&jw, out);
	jw_object_begin(&jw);
	jw_kv_str(&jw, "batch", w->b->id);
	jw_kv_str(&jw, "status", w->duplicate ? "duplicate" : "stored");
	if (w->duplicate ? w->dup_report : w->report_id)
		jw_kv_int(&jw, "report", w->duplicate ? w->dup_report : w->report_id);
	else {
		jw_key(&jw, "report");
		jw_null(&jw);
	}
	jw_key(&jw, "accept");
	if (batch) {
		jw_object_begin(&jw);
		jw_key(&jw, "generation");
		jw_uint(&jw, w->c.generation);
		jw_kv_str(&jw, "batch", batch);
		jw_object_end(&jw);
	} else {
		jw_null(&jw);
	}
	jw_object_end(&jw);
}

/* After the commit: alerts through the door (a change, tampering, batches that went missing). */
static int raise_alerts(struct door *d, struct work *w, struct strbuf *err)
{
	const struct batch *b = w->b;
	int64_t id;
	int r = 0;

	if (w->report_id && (w->tampered || b->added + b->removed + b->changed)) {
		struct strbuf sum = STRBUF_INIT;
		if (!w->tampered)
			strbuf_addf(&sum,
			            "追加%" PRIu64 "件・削除%" PRIu64 "件・変更%" PRIu64 "件%s",
			            b->added, b->removed, b->changed,
			            b->critical ? "、重要ファイルを含む" : "");
		r = fim_alert(d, &w->c, w->report_id, w->report_index, w->tampered, b->critical,
		              sum.buf, b->at_ms, &id, err);
		strbuf_release(&sum);
	} else if (w->odd_start && w->index) {
		r = fim_alert(d, &w->c, 0, w->index, true, false, "", w->now, &id, err);
	}
	if (r == 0 && w->missing > 0 && w->index) {
		struct strbuf sum = STRBUF_INIT;
		strbuf_addf(
		    &sum, "エージェント %s（%s）の送信に欠落：%" PRId64 "件のバッチが届いていない",
		    b->host, b->agent, w->missing);
		struct alert_input a = { .source = ACT_SYSTEM_FIM,
			                 .rule = "agent-gap",
			                 .severity = "medium",
			                 .time_ms = w->now,
			                 .host = b->host,
			                 .summary = sum.buf,
			                 .entries = &w->index,
			                 .n_entries = 1 };
		uint64_t ai;
		r = alert_raise(d, &a, &id, &ai, err);
		if (r == -ENOENT) {
			strbuf_reset(err);
			r = 0;
		}
		strbuf_release(&sum);
	}
	return r;
}

int fim_agent_batch(struct door *d, const char *login, const char *body, size_t len,
                    struct strbuf *out, struct strbuf *err)
{
	json_error_t jerr;
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	struct batch b;
	struct work w = { .b = &b, .login = login, .now = time_now_ms() };
	int r;

	if (!o || !json_is_object(o)) {
		error_set(err, "the body must be one JSON object%s%s", o ? "" : ": ",
		          o ? "" : jerr.text);
		json_decref(o);
		return -EINVAL;
	}
	r = parse_batch(o, &b, err);
	if (r == 0)
		r = fim_txn(d, batch_txn, &w, err);
	if (r == 0 && !w.duplicate)
		r = raise_alerts(d, &w, err);
	if (r == 0)
		answer(&w, w.accept_batch, out);
	free(w.accept_batch);
	strbuf_release(&w.report_json);
	fim_config_row_release(&w.c);
	json_decref(o);
	return r;
}
