/* agent: the agent's loop: check, spool, send in order, apply accepted generations. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/follow.h"
#include "agent/http.h"
#include "agent/spool.h"
#include "base/cleanup.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "config.h"
#include "fim/compare.h"

struct agent {
	const struct agent_opts *o;
	struct agent_http http;
	struct agent_spool spool;    /* file integrity batches: STATE/spool */
	struct agent_spool logspool; /* followed log lines: STATE/spool-logs */
	struct fim_key *key;
	char id[33];
	char host[256];
	char *config;  /* absolute */
	char *fim_dir; /* STATE/fim */
	uint64_t generation;
	char sha256[65]; /* of the baseline in force, "" before the first */
	uint64_t entries;
	char config_sha256[65];
	struct follow_set follow;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT, t = STRBUF_INIT;
	va_list ap;

	time_format_rfc3339(&t, time_now_ms());
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	fprintf(stderr, "mamori agent: %s %s\n", t.buf, sb.buf);
	strbuf_release(&sb);
	strbuf_release(&t);
}

static void hex(const uint8_t *d, size_t n, char *out)
{
	static const char h[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = h[d[i] >> 4];
		out[2 * i + 1] = h[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static int unhex(const char *s, uint8_t out[32])
{
	if (strlen(s) != 64)
		return -EINVAL;
	for (int i = 0; i < 32; i++) {
		int hi = parse_hex_digit(s[2 * i]), lo = parse_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* ---- the state directory ---- */

static int load_id(struct agent *a, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	int r;

	strbuf_addf(&path, "%s/agent.id", a->o->state_dir);
	r = strbuf_read_file(&sb, path.buf, 64);
	if (r == 0 && sb.len >= 32 && strspn(sb.buf, "0123456789abcdef") == 32) {
		memcpy(a->id, sb.buf, 32);
		a->id[32] = '\0';
	} else if (r == -ENOENT) {
		uint8_t raw[16];
		FILE *f;
		if (RAND_bytes(raw, sizeof(raw)) != 1) {
			error_set(err, "cannot draw the agent's id");
			r = -EIO;
			goto out;
		}
		hex(raw, 16, a->id);
		f = fopen(path.buf, "wx");
		if (!f || fprintf(f, "%s\n", a->id) < 0 || fclose(f) != 0) {
			r = -errno;
			error_set(err, "cannot write '%s': %s", path.buf, strerror(errno));
			goto out;
		}
		r = 0;
	} else {
		error_set(err, "'%s' is not an agent id: remove it to make a new one", path.buf);
		r = -EINVAL;
	}
out:
	strbuf_release(&path);
	strbuf_release(&sb);
	return r;
}

static void current_path(const struct agent *a, struct strbuf *p)
{
	strbuf_addf(p, "%s/current", a->fim_dir);
}

static void base_path(const struct agent *a, uint64_t gen, struct strbuf *p)
{
	strbuf_addf(p, "%s/%" PRIu64 ".base", a->fim_dir, gen);
}

static void delta_path(const struct agent *a, uint64_t seq, struct strbuf *p)
{
	strbuf_addf(p, "%s/delta-%020" PRIu64, a->fim_dir, seq);
}

/* fim/current: "GENERATION SHA256 ENTRIES CONFIG_SHA256". */
static int load_current(struct agent *a)
{
	struct strbuf p = STRBUF_INIT, sb = STRBUF_INIT;
	char sha[65] = "", cfg[65] = "", gen_s[21] = "", entries_s[21] = "";
	uint64_t gen = 0, entries = 0;
	int r;

	current_path(a, &p);
	r = strbuf_read_file(&sb, p.buf, 512);
	if (r == 0 && sscanf(sb.buf, "%20s %64s %20s %64s", gen_s, sha, entries_s, cfg) == 4 &&
	    parse_uint64(gen_s, UINT64_MAX, &gen) == 0 &&
	    parse_uint64(entries_s, UINT64_MAX, &entries) == 0 && strlen(sha) == 64 &&
	    strlen(cfg) == 64) {
		a->generation = gen;
		memcpy(a->sha256, sha, 65);
		memcpy(a->config_sha256, cfg, 65);
		a->entries = entries;
	} else {
		a->generation = 0;
		a->sha256[0] = '\0';
	}
	strbuf_release(&p);
	strbuf_release(&sb);
	return r == -ENOENT ? 0 : r;
}

static int save_current(struct agent *a, struct strbuf *err)
{
	struct strbuf p = STRBUF_INIT, tmp = STRBUF_INIT;
	FILE *f;
	int r = 0;

	current_path(a, &p);
	strbuf_addf(&tmp, "%s.tmp", p.buf);
	f = fopen(tmp.buf, "w");
	if (!f ||
	    fprintf(f, "%" PRIu64 " %s %" PRIu64 " %s\n", a->generation, a->sha256, a->entries,
	            a->config_sha256) < 0 ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0 ||
	    rename(tmp.buf, p.buf) < 0) {
		r = -errno;
		error_set(err, "cannot write '%s': %s", p.buf, strerror(errno));
	}
	strbuf_release(&p);
	strbuf_release(&tmp);
	return r;
}

/* ---- batches ---- */

static void batch_head(struct agent *a, struct json_writer *w, uint64_t seq, const char *kind,
                       uint64_t dropped)
{
	struct strbuf t = STRBUF_INIT;
	char id[64];

	snprintf(id, sizeof(id), "%s-%" PRIu64, a->id, seq);
	time_format_rfc3339(&t, time_now_ms());
	jw_object_begin(w);
	jw_kv_str(w, "batch", id);
	jw_key(w, "seq");
	jw_uint(w, seq);
	jw_kv_str(w, "kind", kind);
	jw_kv_str(w, "at", t.buf);
	jw_key(w, "agent");
	jw_object_begin(w);
	jw_kv_str(w, "id", a->id);
	jw_kv_str(w, "host", a->host);
	jw_kv_str(w, "version", MAMORI_VERSION);
	jw_kv_int(w, "interval", a->o->interval_s);
	jw_object_end(w);
	if (dropped) {
		jw_key(w, "gap");
		jw_object_begin(w);
		jw_key(w, "dropped");
		jw_uint(w, dropped);
		jw_object_end(w);
	}
	if (a->config)
		jw_kv_str(w, "config", a->config);
	if (a->sha256[0]) {
		jw_key(w, "baseline");
		jw_object_begin(w);
		jw_key(w, "generation");
		jw_uint(w, a->generation);
		jw_kv_str(w, "sha256", a->sha256);
		jw_key(w, "entries");
		jw_uint(w, a->entries);
		jw_kv_str(w, "config_sha256", a->config_sha256);
		jw_object_end(w);
	}
	strbuf_release(&t);
}

/* Spools a finished batch; a full spool drops it (counted into the next one). */
static void spool_batch(struct agent *a, uint64_t seq, const struct strbuf *json, uint64_t dropped)
{
	struct strbuf err = STRBUF_INIT;

	if (spool_put(&a->spool, seq, SPOOL_FIM, json->buf, json->len, &err) < 0) {
		spool_untake_dropped(&a->spool, dropped);
		say("%s", err.buf);
	}
	strbuf_release(&err);
}

static int heartbeat(struct agent *a, struct strbuf *err)
{
	struct strbuf json = STRBUF_INIT;
	struct json_writer w;
	uint64_t seq, dropped;
	int r = spool_reserve(&a->spool, &seq, err);

	if (r < 0)
		return r;
	dropped = spool_take_dropped(&a->spool);
	jw_init(&w, &json);
	batch_head(a, &w, seq, "heartbeat", dropped);
	jw_object_end(&w);
	spool_batch(a, seq, &json, dropped);
	strbuf_release(&json);
	return 0;
}

/* The first baseline, or a new generation's: kind "baseline". */
static int baseline_batch(struct agent *a, struct strbuf *err)
{
	struct strbuf json = STRBUF_INIT;
	struct json_writer w;
	uint64_t seq, dropped;
	int r = spool_reserve(&a->spool, &seq, err);

	if (r < 0)
		return r;
	dropped = spool_take_dropped(&a->spool);
	jw_init(&w, &json);
	batch_head(a, &w, seq, "baseline", dropped);
	jw_object_end(&w);
	spool_batch(a, seq, &json, dropped);
	strbuf_release(&json);
	return 0;
}

static int first_baseline(struct agent *a, const struct fim_config *cfg, struct strbuf *err)
{
	struct fim_baseline_info h = { .generation = 1, .created_ms = time_now_ms() };
	struct strbuf path = STRBUF_INIT;
	struct fim_scan_opts o = { .threads = a->o->threads };
	struct fim_scan_stats st;
	uint8_t sha[32];
	int r;

	snprintf(h.host, sizeof(h.host), "%s", a->host);
	snprintf(h.config, sizeof(h.config), "%s", a->config);
	base_path(a, 1, &path);
	r = fim_write_baseline(cfg, &o, &h, path.buf, a->key, sha, &st, err);
	if (r == 0) {
		a->generation = 1;
		hex(sha, 32, a->sha256);
		hex(cfg->sha256, 32, a->config_sha256);
		a->entries = st.entries;
		r = save_current(a, err);
	}
	if (r == 0) {
		say("baseline generation 1 of '%s': %" PRIu64 " entries", a->config, st.entries);
		r = baseline_batch(a, err);
	}
	strbuf_release(&path);
	return r;
}

/* Keeps the deltas of the last AGENT_MAX_DELTAS checks. */
static void prune_deltas(struct agent *a, uint64_t seq)
{
	struct strbuf p = STRBUF_INIT;

	if (seq <= AGENT_MAX_DELTAS)
		return;
	delta_path(a, seq - AGENT_MAX_DELTAS, &p);
	unlink(p.buf);
	strbuf_release(&p);
}

static int check_batch(struct agent *a, const struct fim_config *cfg, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, json = STRBUF_INIT, why = STRBUF_INIT;
	struct fim_baseline_reader *base = NULL;
	struct fim_report rep = { 0 };
	struct fim_scan_opts o = { .threads = a->o->threads };
	struct json_writer w;
	uint64_t seq, dropped;
	uint8_t want[32];
	int r;

	base_path(a, a->generation, &path);
	r = unhex(a->sha256, want);
	if (r == 0)
		r = fim_br_open_file(path.buf, want, fim_key_public(a->key), &base, &why);
	if (r == 0)
		r = fim_compare(cfg, base, path.buf, &o, a->key, &rep, &why);
	if (r < 0 && r != -EBADMSG && r != -ENOENT) {
		error_set(err, "%s", why.buf);
		goto out;
	}
	r = spool_reserve(&a->spool, &seq, err);
	if (r < 0)
		goto out;
	dropped = spool_take_dropped(&a->spool);
	jw_init(&w, &json);
	batch_head(a, &w, seq, "check", dropped);
	if (why.len) { /* the local baseline did not verify: say so, the server decides */
		jw_kv_str(&w, "error", why.buf);
		say("check of '%s': %s", a->config, why.buf);
	} else {
		struct strbuf d = STRBUF_INIT;
		delta_path(a, seq, &d);
		FILE *f = fopen(d.buf, "w");
		if (!f || fwrite(rep.delta.buf, 1, rep.delta.len, f) != rep.delta.len ||
		    fclose(f) != 0)
			say("cannot keep the delta '%s': %s", d.buf, strerror(errno));
		strbuf_release(&d);
		prune_deltas(a, seq);
		say("check of '%s': %zu added, %zu removed, %zu changed", a->config, rep.added.nr,
		    rep.removed.nr, rep.changed.nr);
	}
	jw_key(&w, "report");
	jw_object_begin(&w);
	fim_report_json_limit(&rep, &w, 1000);
	jw_object_end(&w);
	jw_object_end(&w);
	spool_batch(a, seq, &json, dropped);
	r = 0;
out:
	fim_br_close(base);
	fim_report_release(&rep);
	strbuf_release(&path);
	strbuf_release(&json);
	strbuf_release(&why);
	return r;
}

static int fim_tick(struct agent *a, struct strbuf *err)
{
	struct fim_config *cfg = NULL;
	int r = fim_config_load(a->config, 0, &cfg, NULL, err);

	if (r < 0)
		return r;
	r = a->sha256[0] ? check_batch(a, cfg, err) : first_baseline(a, cfg, err);
	fim_config_free(cfg);
	return r;
}

/* ---- followed log files: NDJSON lines for POST /api/v1/logs ---- */

struct lines {
	struct agent *a;
	struct strbuf ndjson;
	struct strbuf t;
	size_t n;
};

static void on_line(void *arg, const struct follow_file *ff, const char *line, size_t len, bool cut)
{
	struct lines *x = arg;
	const char *base = strrchr(ff->path, '/');
	struct json_writer w;

	jw_init(&w, &x->ndjson);
	jw_object_begin(&w);
	jw_kv_str(&w, "time", x->t.buf);
	jw_kv_str(&w, "host", x->a->host);
	jw_kv_str(&w, "program", base ? base + 1 : ff->path);
	jw_key(&w, "message");
	jw_string_len(&w, line, len);
	jw_kv_str(&w, "file", ff->path);
	jw_kv_str(&w, "agent", x->a->id);
	if (cut)
		jw_kv_bool(&w, "cut", true);
	jw_object_end(&w);
	strbuf_addch(&x->ndjson, '\n');
	x->n++;
}

/*
 * New lines of the followed files, one batch a tick: the offsets are staged with the batch's
 * number, the batch spooled, then the offsets committed (follow.h), so a crash anywhere
 * neither loses a line nor sends one twice. A full spool leaves the lines in the files: the
 * offsets go back and the lines are read again once the spool has room.
 */
static int logs_tick(struct agent *a, struct strbuf *err)
{
	struct lines x = { .a = a };
	uint64_t seq;
	int r = 0;

	strbuf_init(&x.ndjson, 0);
	strbuf_init(&x.t, 0);
	time_format_rfc3339(&x.t, time_now_ms());
	follow_read(&a->follow, on_line, &x);
	if (x.n) {
		r = spool_reserve(&a->logspool, &seq, err);
		if (r == 0)
			r = follow_stage(&a->follow, seq, err);
		if (r == 0)
			r = spool_put(&a->logspool, seq, SPOOL_LOGS, x.ndjson.buf, x.ndjson.len,
			              err);
		if (r == 0)
			r = follow_commit(&a->follow, err);
		else {
			follow_rewind(&a->follow);
			if (r == -ENOSPC) { /* said once the spool has room: the lines wait */
				strbuf_reset(err);
				strbuf_addf(err,
				            "the log spool is full: %zu new log lines wait in the "
				            "followed files",
				            x.n);
			}
		}
	}
	strbuf_release(&x.ndjson);
	strbuf_release(&x.t);
	return r;
}

/* ---- acceptance: the server accepted a check; its delta makes the next generation ---- */

static int apply_accept(struct agent *a, uint64_t generation, const char *batch, struct strbuf *err)
{
	struct strbuf bpath = STRBUF_INIT, dpath = STRBUF_INIT, npath = STRBUF_INIT;
	struct strbuf dbytes = STRBUF_INIT;
	struct fim_baseline_reader *base = NULL, *delta = NULL;
	const char *dash = strrchr(batch, '-');
	uint8_t want[32], sha[32];
	uint64_t count = 0;
	int r = 0;

	if (generation != a->generation + 1)
		return 0; /* done already, or not ours to make */
	if (!dash || strncmp(batch, a->id, 32) || dash != batch + 32) {
		error_set(err, "the server accepted batch '%s', which is not this agent's", batch);
		return -EINVAL;
	}
	delta_path(a, strtoull(dash + 1, NULL, 10), &dpath);
	base_path(a, a->generation, &bpath);
	base_path(a, generation, &npath);
	r = strbuf_read_file(&dbytes, dpath.buf, 1u << 30);
	if (r < 0)
		error_set(err,
		          "the delta of accepted batch '%s' is gone (%s): the next generation "
		          "cannot be made here",
		          batch, strerror(-r));
	if (r == 0)
		r = unhex(a->sha256, want);
	if (r == 0)
		r = fim_br_open_file(bpath.buf, want, fim_key_public(a->key), &base, err);
	if (r == 0)
		r = fim_br_open_mem(dbytes.buf, dbytes.len, fim_key_public(a->key), 0, &delta, err);
	if (r == 0) {
		struct fim_baseline_info h = *fim_br_info(base);
		h.generation = generation;
		h.created_ms = time_now_ms();
		memcpy(h.config_sha256, fim_br_info(delta)->config_sha256, 32);
		r = fim_apply_delta(base, delta, &h, npath.buf, a->key, sha, &count, err);
		if (r == 0) {
			a->generation = generation;
			hex(sha, 32, a->sha256);
			hex(h.config_sha256, 32, a->config_sha256);
			a->entries = count;
			r = save_current(a, err);
		}
	}
	fim_br_close(base);
	fim_br_close(delta);
	if (r == 0) {
		say("accepted on the server: baseline generation %" PRIu64 " made from batch %s",
		    generation, batch);
		if (generation >= 3) { /* keep this one and the previous */
			struct strbuf old = STRBUF_INIT;
			base_path(a, generation - 2, &old);
			unlink(old.buf);
			strbuf_release(&old);
		}
		r = baseline_batch(a, err);
	}
	strbuf_release(&bpath);
	strbuf_release(&dpath);
	strbuf_release(&npath);
	strbuf_release(&dbytes);
	return r;
}

/* ---- sending ---- */

/* Moves a batch the server refused for good aside, so the ones after it can go. */
static void set_aside(struct agent *a, struct agent_spool *s, uint64_t seq, enum spool_kind kind,
                      const struct strbuf *json, int status, const struct strbuf *body)
{
	struct strbuf p = STRBUF_INIT, err = STRBUF_INIT;
	FILE *f;

	strbuf_addf(&p, "%s/rejected", a->o->state_dir);
	mkdir(p.buf, 0700);
	strbuf_addf(&p, "/%s%020" PRIu64 "%s", kind == SPOOL_LOGS ? "logs-" : "", seq,
	            kind == SPOOL_LOGS ? ".ndjson" : ".json");
	f = fopen(p.buf, "w");
	if (f) {
		bool kept = fwrite(json->buf, 1, json->len, f) == json->len;
		kept = fclose(f) == 0 && kept;
		if (!kept)
			say("cannot write '%s': %m", p.buf);
	}
	say("the server refused batch %" PRIu64 " (HTTP %d: %.*s); kept in '%s'", seq, status,
	    (int)(body->len > 300 ? 300 : body->len), body->buf, p.buf);
	spool_remove(s, seq, kind, &err);
	strbuf_release(&p);
	strbuf_release(&err);
}

static void handle_answer(struct agent *a, const struct strbuf *body)
{
	json_t *o = json_loadb(body->buf, body->len, 0, NULL);
	json_t *acc = json_object_get(o, "accept");
	struct strbuf err = STRBUF_INIT;

	if (json_is_object(acc) && json_is_integer(json_object_get(acc, "generation")) &&
	    json_is_string(json_object_get(acc, "batch"))) {
		if (apply_accept(a,
		                 (uint64_t)json_integer_value(json_object_get(acc, "generation")),
		                 json_string_value(json_object_get(acc, "batch")), &err) < 0)
			say("%s", err.buf);
	}
	json_decref(o);
	strbuf_release(&err);
}

/*
 * Sends a spool oldest first; stops at the first batch the server did not take now. A log
 * batch carries "<agent id>-logs-<seq>" as its Idempotency-Key, so that one sent again after
 * a lost answer is stored once.
 */
static void send_spool(struct agent *a, struct agent_spool *s)
{
	struct strbuf json = STRBUF_INIT, body = STRBUF_INIT, err = STRBUF_INIT;
	enum spool_kind kind;
	uint64_t seq;
	int status, r;

	while (!*a->o->stop) {
		char key[64];
		strbuf_reset(&json);
		strbuf_reset(&body);
		r = spool_oldest(s, &seq, &kind, &json, &err);
		if (r <= 0)
			break;
		snprintf(key, sizeof(key), "%s-logs-%" PRIu64, a->id, seq);
		if (kind == SPOOL_LOGS)
			r = agent_http_post(&a->http, "/api/v1/logs", "application/x-ndjson", key,
			                    json.buf, json.len, &status, &body, &err);
		else
			r = agent_http_post(&a->http, "/api/v1/fim/results", "application/json",
			                    NULL, json.buf, json.len, &status, &body, &err);
		if (r < 0) {
			say("server not reached, batch %" PRIu64 " and later wait in the spool: %s",
			    seq, err.buf);
			break;
		}
		if (status >= 200 && status < 300) {
			if (kind == SPOOL_FIM)
				handle_answer(a, &body);
			spool_remove(s, seq, kind, &err);
		} else if (status == 400 || status == 403 || status == 409 || status == 413 ||
		           status == 415) {
			set_aside(a, s, seq, kind, &json, status, &body);
			if (kind == SPOOL_FIM && status == 409 && a->sha256[0])
				baseline_batch(a,
				               &err); /* the server lacks our baseline: resend it */
		} else {
			say("the server answered HTTP %d to batch %" PRIu64 "; trying again later",
			    status, seq);
			break;
		}
	}
	strbuf_release(&json);
	strbuf_release(&body);
	strbuf_release(&err);
}

/* ---- the loop ---- */

static bool log_batch_spooled(void *arg, uint64_t seq)
{
	return spool_has(arg, seq, SPOOL_LOGS);
}

static int start_follow(struct agent *a, struct strbuf *err)
{
	const struct agent_opts *o = a->o;
	int r = spool_open(o->state_dir, "spool-logs", o->spool_max_bytes, o->spool_max_files,
	                   &a->logspool, err);

	if (r == 0)
		r = follow_settle(o->state_dir, log_batch_spooled, &a->logspool, err);
	if (r == 0)
		follow_open(&a->follow, o->state_dir, o->follow, o->n_follow);
	return r;
}

static int start(struct agent *a, struct strbuf *err)
{
	const struct agent_opts *o = a->o;
	struct strbuf p = STRBUF_INIT;
	int r;

	if (mkdir(o->state_dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		error_set(err, "cannot create '%s': %s", o->state_dir, strerror(-r));
		return r;
	}
	if (o->host)
		snprintf(a->host, sizeof(a->host), "%s", o->host);
	else if (gethostname(a->host, sizeof(a->host) - 1) < 0 || !a->host[0]) {
		error_set(err, "cannot tell this host's name: give --host NAME");
		return -EIO;
	}
	if (strspn(a->host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
	        strlen(a->host) ||
	    !strcmp(a->host, "local")) {
		error_set(err,
		          "host name '%s' has characters the server refuses: give --host NAME "
		          "(letters, digits, '.-_')",
		          a->host);
		return -EINVAL;
	}
	r = agent_http_init(&a->http, o->server, o->pin, err);
	a->http.stop = o->stop; /* a SIGTERM ends a request; any other interruption resumes it */
	if (r == 0)
		r = agent_http_token_file(&a->http, o->token_file, err);
	if (r == 0)
		r = load_id(a, err);
	if (r == 0)
		r = spool_open(o->state_dir, "spool", o->spool_max_bytes, o->spool_max_files,
		               &a->spool, err);
	if (r == 0 && o->n_follow)
		r = start_follow(a, err);
	if (r < 0 || !o->fim_config)
		return r;
	a->config = realpath(o->fim_config, NULL);
	if (!a->config) {
		r = -errno;
		error_set(err, "configuration '%s': %s", o->fim_config, strerror(-r));
		return r;
	}
	strbuf_addf(&p, "%s/fim", o->state_dir);
	if (mkdir(p.buf, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		error_set(err, "cannot create '%s': %s", p.buf, strerror(-r));
		strbuf_release(&p);
		return r;
	}
	a->fim_dir = strbuf_detach(&p, NULL);
	p = (struct strbuf)STRBUF_INIT;
	strbuf_addf(&p, "%s/fim.key", a->fim_dir);
	r = fim_key_load(p.buf, true, &a->key, err);
	strbuf_release(&p);
	if (r == 0)
		r = load_current(a);
	return r;
}

static void sleep_interval(const struct agent *a)
{
	int64_t until = time_mono_ns() + a->o->interval_s * 1000000000LL;

	while (!*a->o->stop) {
		int64_t left = until - time_mono_ns();
		if (left <= 0)
			break;
		struct timespec ts = { .tv_sec = left > 200000000 ? 0 : left / 1000000000,
			               .tv_nsec =
			                   left > 200000000 ? 200000000 : left % 1000000000 };
		nanosleep(&ts, NULL);
	}
}

int agent_run(const struct agent_opts *o, struct strbuf *err)
{
	struct agent a = { .o = o };
	int r = start(&a, err);

	if (r == 0) {
		say("agent %s on %s: %s every %" PRId64 " s to %s", a.id, a.host,
		    a.config ? a.config : "heartbeats", o->interval_s, o->server);
		while (!*o->stop) {
			struct strbuf tick = STRBUF_INIT;
			/* what waits goes first, so a spool that was full has room for this tick's
			 */
			send_spool(&a, &a.spool);
			if (a.follow.nr)
				send_spool(&a, &a.logspool);
			if ((a.config ? fim_tick(&a, &tick) : heartbeat(&a, &tick)) < 0)
				say("%s", tick.buf);
			strbuf_reset(&tick);
			if (a.follow.nr && logs_tick(&a, &tick) < 0)
				say("%s", tick.buf);
			strbuf_release(&tick);
			send_spool(&a, &a.spool);
			if (a.follow.nr)
				send_spool(&a, &a.logspool);
			if (o->once)
				break;
			sleep_interval(&a);
		}
	}
	agent_http_wipe(&a.http);
	follow_close(&a.follow);
	spool_close(&a.spool);
	spool_close(&a.logspool);
	fim_key_free(a.key);
	free(a.config);
	free(a.fim_dir);
	return r;
}
