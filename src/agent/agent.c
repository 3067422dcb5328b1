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

#include "agent/agent-internal.h"
#include "base/cleanup.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "config.h"
#include "fim/compare.h"

/* How agent_say says a message (agent_opts.say): set once by agent_run; one agent a process. */
static void (*say_in)(struct strbuf *out, const char *fmt, va_list ap);

void agent_say(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT, t = STRBUF_INIT;
	va_list ap;

	time_format_rfc3339(&t, time_now_ms());
	va_start(ap, fmt);
	if (say_in)
		say_in(&sb, fmt, ap);
	else
		strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	fprintf(stderr, "mamori agent: %s %s\n", t.buf, sb.buf);
	strbuf_release(&sb);
	strbuf_release(&t);
}

void agent_hex(const uint8_t *d, size_t n, char *out)
{
	static const char h[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = h[d[i] >> 4];
		out[2 * i + 1] = h[d[i] & 15];
	}
	out[2 * n] = '\0';
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
		agent_hex(raw, 16, a->id);
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

/* ---- batches ---- */

void agent_batch_head(struct agent *a, struct json_writer *w, uint64_t seq, const char *kind,
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

/*
 * Spools a finished batch; a full spool drops it (counted into the next one). A batch left
 * stuck (its put and its removal failed) keeps the drop count it carries until it is removed
 * (spool_held gives it back then): a restart sends it with the count, once.
 */
void agent_spool_batch(struct agent *a, uint64_t seq, const struct strbuf *json, uint64_t dropped)
{
	struct strbuf err = STRBUF_INIT;

	if (spool_put(&a->spool, seq, SPOOL_FIM, json->buf, json->len, &err) < 0) {
		if (a->spool.stuck)
			a->spool.stuck_dropped = dropped;
		else
			spool_untake_dropped(&a->spool, dropped);
		agent_say("%s", err.buf);
		a->tick_failed = true;
	}
	strbuf_release(&err);
}

int agent_head_batch(struct agent *a, const char *kind, struct strbuf *err)
{
	struct strbuf json = STRBUF_INIT;
	struct json_writer w;
	uint64_t seq, dropped;
	int r = spool_reserve(&a->spool, &seq, err);

	if (r < 0)
		return r;
	dropped = spool_take_dropped(&a->spool);
	jw_init(&w, &json);
	agent_batch_head(a, &w, seq, kind, dropped);
	jw_object_end(&w);
	agent_spool_batch(a, seq, &json, dropped);
	strbuf_release(&json);
	return 0;
}

static int heartbeat(struct agent *a, struct strbuf *err)
{
	return agent_head_batch(a, "heartbeat", err);
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
 * Whether spool s is held (spool_held: a batch that could not be spooled is still there, its
 * removal tried again now): the tick failed, and the hold is said once a tick however often
 * it is asked (before sending, before taking, after).
 */
static bool spool_is_held(struct agent *a, struct agent_spool *s)
{
	struct strbuf err = STRBUF_INIT;
	bool held = spool_held(s, &err) < 0;

	if (held) {
		if (!s->held_said)
			agent_say("%s", err.buf);
		s->held_said = true;
		a->tick_failed = true;
	}
	strbuf_release(&err);
	return held;
}

/*
 * New lines of the followed files, one batch a tick: the offsets are staged with the batch's
 * number, the batch spooled, then the offsets committed (follow.h), so a crash anywhere
 * neither loses a line nor sends one twice; while a commit that failed is not completed, no
 * batch is taken (and none sent: agent_run). A full spool leaves the lines in the files: the
 * offsets go back and the lines are read again once the spool has room.
 */
static int logs_tick(struct agent *a, struct strbuf *err)
{
	struct lines x = { .a = a };
	uint64_t seq;
	int r = follow_recommit(&a->follow, err); /* a batch is taken only after the last one */

	if (r < 0) {
		struct strbuf why = STRBUF_INIT;
		strbuf_addstr(&why, err->buf);
		error_set(err,
		          "%s; the followed log lines are held (not read or sent) until this "
		          "succeeds: check the disk",
		          why.buf);
		strbuf_release(&why);
		return r;
	}
	if (spool_is_held(a, &a->logspool)) /* nothing read: said (once a tick), the tick failed */
		return 0;
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
			if (r == -ENOSPC) /* said once the spool has room: the lines wait */
				error_set(err,
				          "the log spool is full: %zu new log lines wait in the "
				          "followed files",
				          x.n);
		}
	}
	strbuf_release(&x.ndjson);
	strbuf_release(&x.t);
	return r;
}

/* ---- sending ---- */

/* Moves a batch the server refused for good aside, so the ones after it can go; -1 when it
 * cannot leave the spool (said: sending stops, or it would go again and again). */
static int set_aside(struct agent *a, struct agent_spool *s, uint64_t seq, enum spool_kind kind,
                     const struct strbuf *json, int status, const struct strbuf *body)
{
	struct strbuf p = STRBUF_INIT, err = STRBUF_INIT;
	FILE *f;
	int r;

	strbuf_addf(&p, "%s/rejected", a->o->state_dir);
	mkdir(p.buf, 0700);
	strbuf_addf(&p, "/%s%020" PRIu64 "%s", kind == SPOOL_LOGS ? "logs-" : "", seq,
	            kind == SPOOL_LOGS ? ".ndjson" : ".json");
	f = fopen(p.buf, "w");
	if (f) {
		bool kept = fwrite(json->buf, 1, json->len, f) == json->len;
		kept = fclose(f) == 0 && kept;
		if (!kept)
			agent_say("cannot write '%s': %m", p.buf);
	}
	agent_say("the server refused batch %" PRIu64 " (HTTP %d: %.*s); kept in '%s'", seq, status,
	          (int)(body->len > 300 ? 300 : body->len), body->buf, p.buf);
	r = spool_remove(s, seq, kind, &err);
	if (r < 0)
		agent_say("%s", err.buf);
	strbuf_release(&p);
	strbuf_release(&err);
	return r < 0 ? -1 : 0;
}

static void handle_answer(struct agent *a, const struct strbuf *body)
{
	json_t *o = json_loadb(body->buf, body->len, 0, NULL);
	json_t *acc = json_object_get(o, "accept");
	struct strbuf err = STRBUF_INIT;

	if (json_is_object(acc) && json_is_integer(json_object_get(acc, "generation")) &&
	    json_is_string(json_object_get(acc, "batch"))) {
		if (agent_fim_accept(
		        a, (uint64_t)json_integer_value(json_object_get(acc, "generation")),
		        json_string_value(json_object_get(acc, "batch")), &err) < 0) {
			agent_say("%s", err.buf);
			a->tick_failed = true;
		}
	}
	json_decref(o);
	strbuf_release(&err);
}

/*
 * Sends a spool oldest first; stops at the first batch the server did not take now, or once a
 * batch is stuck (a 409's re-announcement: it must not go, nor its drop count twice). A log
 * batch carries "<agent id>-logs-<seq>" as its Idempotency-Key, so that one sent again after
 * a lost answer is stored once.
 */
static void send_spool(struct agent *a, struct agent_spool *s)
{
	struct strbuf json = STRBUF_INIT, body = STRBUF_INIT, err = STRBUF_INIT;
	enum spool_kind kind;
	uint64_t seq;
	int status, r;

	if (spool_is_held(a, s)) /* a batch not spooled is still there: it must not go */
		return;
	while (!*a->o->stop && !s->stuck) { /* nor one left stuck in this loop (a 409's) */
		char key[64];
		strbuf_reset(&json);
		strbuf_reset(&body);
		r = spool_oldest(s, &seq, &kind, &json, &err);
		if (r <= 0)
			break;
		if (spool_sendable(s, seq, &err) < 0) {
			agent_say("%s", err.buf);
			a->tick_failed = true;
			break;
		}
		snprintf(key, sizeof(key), "%s-logs-%" PRIu64, a->id, seq);
		if (kind == SPOOL_LOGS)
			r = agent_http_post(&a->http, "/api/v1/logs", "application/x-ndjson", key,
			                    json.buf, json.len, &status, &body, &err);
		else
			r = agent_http_post(&a->http, "/api/v1/fim/results", "application/json",
			                    NULL, json.buf, json.len, &status, &body, &err);
		if (r < 0) {
			agent_say("server not reached, batch %" PRIu64
			          " and later wait in the spool: %s",
			          seq, err.buf);
			break;
		}
		if (status >= 200 && status < 300) {
			if (kind == SPOOL_FIM)
				handle_answer(a, &body);
			if (spool_remove(s, seq, kind, &err) < 0) { /* else sent again and again */
				agent_say("%s", err.buf);
				a->tick_failed = true;
				break;
			}
		} else if (status == 400 || status == 403 || status == 409 || status == 413 ||
		           status == 415) {
			if (set_aside(a, s, seq, kind, &json, status, &body) < 0) {
				a->tick_failed = true;
				break;
			}
			/* the server lacks our baseline: announced again */
			if (kind == SPOOL_FIM && status == 409 && a->sha256[0] &&
			    agent_baseline_batch(a, &err) < 0) {
				agent_say(
				    "the server lacks this agent's baseline (HTTP 409), and it "
				    "could not be announced again: %s",
				    err.buf);
				a->tick_failed = true;
			}
		} else {
			agent_say("the server answered HTTP %d to batch %" PRIu64
			          "; trying again later",
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
	/* A run before may have stopped with a commit or a removal not yet durable: both held
	 * until synced, here once, else retried by the first tick (follow_recommit, spool_reserve).
	 */
	a->follow.uncommitted = true;
	a->logspool.unsynced = true;
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
		r = agent_fim_load(a);
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
	int r;

	say_in = o->say;
	r = start(&a, err);

	if (r == 0) {
		if (a.config)
			agent_say("agent %s on %s: checks '%s' every %" PRId64 " s, sends to %s",
			          a.id, a.host, a.config, o->interval_s, o->server);
		else
			agent_say("agent %s on %s: heartbeats every %" PRId64 " s to %s", a.id,
			          a.host, o->interval_s, o->server);
		while (!*o->stop) {
			struct strbuf tick = STRBUF_INIT;
			a.tick_failed = false;
			a.spool.held_said = a.logspool.held_said = false;
			/* what waits goes first, so a spool that was full has room for this tick's
			 */
			send_spool(&a, &a.spool);
			if (a.follow.nr && !a.follow.uncommitted) /* follow.h */
				send_spool(&a, &a.logspool);
			/* a held spool takes nothing: its hold said once this tick */
			if (!spool_is_held(&a, &a.spool) &&
			    (a.config ? agent_fim_tick(&a, &tick) : heartbeat(&a, &tick)) < 0) {
				agent_say("%s", tick.buf);
				a.tick_failed = true;
			}
			strbuf_reset(&tick);
			if (a.follow.nr && logs_tick(&a, &tick) < 0) {
				agent_say("%s", tick.buf);
				a.tick_failed = true;
			}
			strbuf_release(&tick);
			send_spool(&a, &a.spool);
			if (a.follow.nr && !a.follow.uncommitted) /* follow.h */
				send_spool(&a, &a.logspool);
			if (o->once)
				break;
			sleep_interval(&a);
		}
		if (o->once && a.tick_failed) {
			error_set(err, "this run's one tick (--once) failed or was held: see the "
			               "agent's messages above");
			r = -EAGAIN;
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
