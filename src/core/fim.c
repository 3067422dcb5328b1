/* fim: fim init, check and accept on the Mamori host: baselines, reports, the door, the ledger. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "core/alert.h"
#include "core/fim-internal.h"
#include "core/org.h"
#include "core/records.h"
#include "fim/config.h"

void fim_init_result_release(struct fim_init_result *r)
{
	if (r->acted)
		act_result_release(&r->act);
	strbuf_release(&r->warnings);
	fim_diags_release(&r->diags);
	memset(r, 0, sizeof(*r));
}

void fim_check_result_release(struct fim_check_result *r)
{
	for (size_t i = 0; i < r->nr_duties; i++) {
		free(r->duties[i].duty);
		free(r->duties[i].scope);
		act_result_release(&r->duties[i].act);
	}
	free(r->duties);
	strbuf_release(&r->json);
	strbuf_release(&r->text);
	strbuf_release(&r->warnings);
	fim_diags_release(&r->diags);
	memset(r, 0, sizeof(*r));
}

void fim_accept_result_release(struct fim_accept_result *r)
{
	if (r->acted)
		act_result_release(&r->act);
	memset(r, 0, sizeof(*r));
}

/*
 * The configuration, parsed; errors and warnings as "file:line: ..." lines, and as the parser
 * gave them in *keep, so that a front end can say them in its reader's language.
 */
static int load_config(const char *path, struct fim_config **ret, struct strbuf *warnings,
                       struct fim_diags *keep, struct strbuf *err)
{
	struct fim_diags diags = { 0 };
	struct strbuf all = STRBUF_INIT;
	int r = fim_config_load(path, 0, ret, &diags, err);

	if (r < 0 && diags.errors) {
		for (size_t i = 0; i < diags.nr; i++)
			if (diags.items[i].error)
				strbuf_addf(&all, "%s%s:%u: %s", all.len ? "\n" : "",
				            diags.items[i].file, diags.items[i].line,
				            diags.items[i].message);
		error_set(err, "%s", all.buf);
	}
	for (size_t i = 0; warnings && i < diags.nr; i++)
		if (!diags.items[i].error)
			strbuf_addf(warnings, "%s:%u: warning: %s\n", diags.items[i].file,
			            diags.items[i].line, diags.items[i].message);
	strbuf_release(&all);
	fim_diags_release(keep);
	*keep = diags;
	return r;
}

static int absolute(const char *path, char **ret, struct strbuf *err)
{
	char *abs = realpath(path, NULL);

	if (!abs) {
		int r = -errno;
		error_set(err, "configuration '%s': %s", path, strerror(-r));
		return r;
	}
	*ret = abs;
	return 0;
}

/* The door act that authorises a new generation: fim.register, or fim.accept on the record. */
static int authorise(struct door *d, const struct fim_config_row *c, const char *actor,
                     uint64_t generation, const char *sha256, int64_t report_id,
                     const char *comment, const struct act_context *ctx, struct act_result *res,
                     struct strbuf *err)
{
	char gen[24], rep[24];
	struct act_attr f[5];
	size_t n = 0;

	snprintf(gen, sizeof(gen), "%" PRIu64, generation);
	snprintf(rep, sizeof(rep), "%" PRId64, report_id);
	if (!c->record_id) {
		f[n++] = (struct act_attr){ "host", c->host };
		f[n++] = (struct act_attr){ "config", c->path };
	}
	f[n++] = (struct act_attr){ "generation", gen };
	if (sha256 && *sha256)
		f[n++] = (struct act_attr){ "sha256", sha256 };
	if (report_id)
		f[n++] = (struct act_attr){ "report", rep };
	struct act_input in = {
		.kind = ACT_RECORD,
		.actor = actor,
		.action = c->record_id ? "fim.accept" : "fim.register",
		.record_id = c->record_id,
		.system = c->record_id ? NULL : c->system,
		.fields = f,
		.n_fields = n,
		.comment = comment,
		.ctx = *ctx,
	};
	return act_run(d, &in, res, err);
}

static int64_t find_record(struct door *d, const struct fim_config_row *c);

/* ---- init ---- */

static int check_system(struct door *d, const char *system, struct strbuf *err)
{
	struct org_system s = { 0 };
	int r;

	if (!system)
		return 0;
	r = org_system_get(door_store(d), system, &s, err);
	if (r == -ENOENT)
		error_set(err, "no information system '%s' (see 'mamori system list')", system);
	org_system_release(&s);
	return r;
}

struct fim_init_early {
	char *abs;
	struct fim_config *cfg;
	struct strbuf warnings;
	struct fim_diags diags;
	struct fim_baseline_walk *walk;
};

struct fim_init_early *fim_init_early_start(const struct fim_init_input *in)
{
	struct fim_init_early *e = xcalloc(1, sizeof(*e));
	struct fim_scan_opts o = { .threads = in->threads };
	struct strbuf err = STRBUF_INIT;
	int r;

	strbuf_init(&e->warnings, 0);
	r = absolute(in->config, &e->abs, &err);
	if (r == 0)
		r = load_config(e->abs, &e->cfg, &e->warnings, &e->diags, &err);
	if (r == 0)
		r = fim_baseline_walk_start(e->cfg, &o, &e->walk, &err);
	strbuf_release(&err);
	if (r < 0) {
		fim_init_early_abort(e);
		return NULL;
	}
	return e;
}

void fim_init_early_abort(struct fim_init_early *e)
{
	if (!e)
		return;
	fim_baseline_walk_abort(e->walk); /* before the configuration it reads */
	fim_config_free(e->cfg);
	free(e->abs);
	strbuf_release(&e->warnings);
	fim_diags_release(&e->diags);
	free(e);
}

int fim_init(struct door *d, const struct fim_init_input *in, struct fim_init_result *ret,
             struct strbuf *err)
{
	struct fim_config_row c = { 0 };
	struct fim_config *cfg = NULL;
	struct fim_key *key = NULL;
	struct strbuf path = STRBUF_INIT;
	struct fim_scan_stats st = { 0 };
	struct fim_baseline_walk *walk = NULL;
	char *abs = NULL, cfg_hex[65], node[FIM_NODE_MAX + 1];
	uint8_t sha[32];
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (in->early) { /* read and walking already */
		struct fim_init_early *e = in->early;
		abs = e->abs;
		cfg = e->cfg;
		walk = e->walk;
		ret->warnings = e->warnings;
		ret->diags = e->diags;
		free(e);
	} else {
		strbuf_init(&ret->warnings, 0);
		r = absolute(in->config, &abs, err);
		if (r == 0)
			r = load_config(abs, &cfg, &ret->warnings, &ret->diags, err);
	}
	if (r == 0)
		r = check_system(d, in->system, err);
	if (r == 0)
		r = fim_node(d, node, err);
	if (r == 0) {
		r = fim_config_find_local(d, node, abs, &c, err);
		if (r == -ENOENT) {
			c.host = xstrdup(FIM_LOCAL_HOST);
			c.node = xstrdup(node);
			c.path = xstrdup(abs);
			c.system = in->system ? xstrdup(in->system) : NULL;
			r = 0;
		} else if (r == 0 && !in->actor) {
			error_set(
			    err,
			    "'%s' has a baseline already (generation %" PRIu64 "): a new "
			    "generation needs --as LOGIN, with the same authority as 'fim accept'",
			    abs, c.generation);
			r = -EEXIST;
		}
	}
	if (r == 0 && in->actor) {
		struct org_user u = { 0 };
		r = org_user_get(door_store(d), in->actor, &u, err);
		if (r == -ENOENT)
			error_set(err, "no user '%s'", in->actor);
		org_user_release(&u);
	}
	if (r == 0)
		r = fim_door_key(d, &key, err);
	if (r < 0)
		goto out;
	/* A new configuration gets its id when installed: write under a temporary name. */
	if (c.id)
		r = fim_generation_path(d, c.id, c.generation + 1, &path, err);
	else
		r = fim_generation_path(d, 0, (uint64_t)getpid(), &path, err);
	struct fim_baseline_info h = { .generation = c.generation + 1,
		                       .created_ms = time_now_ms() };
	snprintf(h.host, sizeof(h.host), "%s", c.host);
	snprintf(h.config, sizeof(h.config), "%s", c.path);
	struct fim_scan_opts o = { .threads = in->threads };
	if (r == 0 && walk) {
		r = fim_baseline_walk_finish(walk, &h, path.buf, key, sha, &st, err);
		walk = NULL; /* freed either way */
	} else if (r == 0) {
		r = fim_write_baseline(cfg, &o, &h, path.buf, key, sha, &st, err);
	}
	if (r < 0)
		goto out;
	fim_hex(sha, ret->sha256);
	fim_hex(cfg->sha256, cfg_hex);
	/* PostgreSQL: into the database before anything names it, so any node finds it */
	r = fim_baseline_share(d, path.buf, ret->sha256, err);
	if (r < 0) {
		unlink(path.buf);
		goto out;
	}
	ret->generation = h.generation;
	ret->entries = st.entries;
	ret->bytes = st.bytes;
	if (in->actor) {
		if (c.id && !c.record_id)
			c.record_id = find_record(d, &c);
		ret->acted = true;
		r = authorise(d, &c, in->actor, h.generation, ret->sha256, 0,
		              c.id ? "mamori fim init: a new generation" : "mamori fim init",
		              &in->ctx, &ret->act, err);
		if (r < 0) {
			ret->acted = false;
			unlink(path.buf);
			goto out;
		}
		if (ret->act.outcome != ACT_DONE) {
			unlink(path.buf);
			goto out;
		}
	}
	struct fim_generation g = { .generation = h.generation,
		                    .entries = st.entries,
		                    .config_sha256 = cfg_hex,
		                    .made_by = in->actor,
		                    .record_id = ret->acted ? ret->act.record_id : c.record_id,
		                    .at_ms = h.created_ms };
	memcpy(g.sha256, ret->sha256, 65);
	bool fresh = c.id == 0;
	r = fim_install_generation(d, &c, &g, &ret->ledger_index, err);
	if (r < 0) {
		unlink(path.buf);
		goto out;
	}
	if (fresh) { /* move the file to its configuration's folder */
		struct strbuf final = STRBUF_INIT;
		r = fim_generation_path(d, c.id, h.generation, &final, err);
		if (r == 0 && rename(path.buf, final.buf) < 0) {
			r = -errno;
			error_set(err, "cannot put '%s' in place: %s", final.buf, strerror(-r));
		}
		strbuf_release(&final);
	}
	ret->config_id = c.id;
	fim_prune_generations(d, c.id, h.generation - 1);
out:
	fim_baseline_walk_abort(walk); /* before the configuration it reads */
	strbuf_release(&path);
	fim_key_free(key);
	fim_config_free(cfg);
	fim_config_row_release(&c);
	free(abs);
	return r;
}

/* ---- check ---- */

static int find_config(struct door *d, const char *config, struct fim_config_row *ret,
                       struct strbuf *err)
{
	char *abs = NULL, node[FIM_NODE_MAX + 1];
	int r = fim_node(d, node, err);

	if (r < 0)
		return r;
	if (!config)
		return fim_config_only_local(d, node, ret, err);
	r = absolute(config, &abs, err);
	if (r == 0) {
		r = fim_config_find_local(d, node, abs, ret, err);
		if (r == -ENOENT)
			error_set(err,
			          "'%s' has no baseline: run 'mamori fim init --config %s' first",
			          abs, config);
	}
	free(abs);
	return r;
}

/* The report as stored: {"config","host","generation","baseline_sha256","at","outcome",...}. */
static void report_json(const struct fim_config_row *c, int64_t at_ms, const char *outcome,
                        const struct fim_report *rep, const char *error, struct strbuf *out)
{
	struct strbuf t = STRBUF_INIT;
	struct json_writer w;

	time_format_rfc3339(&t, at_ms);
	jw_init(&w, out);
	jw_object_begin(&w);
	jw_kv_str(&w, "config", c->path);
	jw_kv_str(&w, "host", c->host);
	if (c->node && c->node[0])
		jw_kv_str(&w, "node", c->node);
	jw_key(&w, "generation");
	jw_uint(&w, c->generation);
	jw_kv_str(&w, "baseline_sha256", c->baseline_sha256);
	jw_kv_str(&w, "at", t.buf);
	jw_kv_str(&w, "outcome", outcome);
	if (error)
		jw_kv_str(&w, "error", error);
	if (rep) {
		fim_report_json(rep, &w);
	} else {
		const char *keys[] = { "added", "removed", "changed", "problems" };
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			jw_key(&w, keys[i]);
			jw_array_begin(&w);
			jw_array_end(&w);
		}
	}
	jw_object_end(&w);
	strbuf_release(&t);
}

static void summary(const struct fim_report *rep, int64_t id, struct strbuf *out)
{
	if (!rep)
		strbuf_addf(out, "基準ファイルが改ざんされている（検査結果 %" PRId64 "）", id);
	else if (!fim_report_changed(rep))
		strbuf_addf(out, "変更なし（検査結果 %" PRId64 "、%" PRIu64 "件を確認）", id,
		            rep->entries);
	else
		strbuf_addf(out,
		            "変更あり：追加%zu件・削除%zu件・変更%zu件（検査結果 %" PRId64 "）%s",
		            rep->added.nr, rep->removed.nr, rep->changed.nr, id,
		            rep->critical ? "、重要ファイルを含む" : "");
}

/*
 * Opens the baseline in force after checking it three ways: the file's SHA-256 is the one
 * stored, the ledger entry that installed it records that SHA-256, and the signature is this
 * data directory's key's. Any failure is tampering, described in err.
 */
static int open_baseline(struct door *d, const struct fim_config_row *c, const struct fim_key *key,
                         struct strbuf *path, struct fim_baseline_reader **ret, struct strbuf *err)
{
	uint8_t want[32];
	int r = fim_generation_path(d, c->id, c->generation, path, err);

	if (r < 0)
		return r;
	if (fim_unhex(c->baseline_sha256, want) < 0) {
		error_set(err, "the stored digest of the baseline is not a SHA-256");
		return -EBADMSG;
	}
	r = fim_ledger_confirms(d, c->ledger_index, c->id, c->baseline_sha256, err);
	if (r == 0)
		r = fim_baseline_fetch(d, path->buf, c->baseline_sha256, err);
	if (r == 0)
		r = fim_br_open_file(path->buf, want, fim_key_public(key), ret, err);
	if (r == -ENOENT)
		error_set(err, "baseline '%s' is missing: it was removed", path->buf);
	return r == -EIO ? r : (r < 0 ? -EBADMSG : 0);
}

struct check_state {
	struct fim_config_row c;
	struct fim_config *cfg;
	struct fim_key *key;
	struct fim_duty_plan *plan;
	struct fim_report rep;
	struct strbuf path, tamper;
	bool tampered;
};

static int run_compare(struct door *d, const struct fim_check_input *in, struct check_state *s,
                       struct fim_check_result *ret, struct strbuf *err)
{
	struct fim_baseline_reader *base = NULL;
	int r = open_baseline(d, &s->c, s->key, &s->path, &base, &s->tamper);

	if (r == -EBADMSG) {
		s->tampered = true;
		return 0;
	}
	if (r < 0) {
		error_set(err, "%s", s->tamper.buf);
		return r;
	}
	struct fim_scan_opts o = { .threads = in->threads };
	r = fim_compare(s->cfg, base, s->path.buf, &o, s->key, &s->rep, err);
	if (r == -EBADMSG) { /* the file changed under us while it was read */
		s->tampered = true;
		strbuf_addstr(&s->tamper, err->buf);
		r = 0;
	}
	fim_br_close(base);
	(void)ret;
	return r;
}

/*
 * A change, or a baseline that did not verify, raises an alert through the door as the
 * system actor 'fim' (register alert, Monitoring 1), with the report's ledger entry.
 * Incidents (issue 15) are not here yet: when they are, a change to a file the configuration
 * marks critical (severity critical below) is where one gets opened from this alert.
 */
int fim_alert(struct door *d, const struct fim_config_row *c, int64_t report_id,
              uint64_t report_index, bool tampered, bool critical, const char *summary,
              int64_t at_ms, int64_t *ret_alert, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	uint64_t alert_index;
	int r;

	strbuf_addf(&text, "%s：%s %s（検査結果 %" PRId64 "）",
	            tampered ? "改ざん検知の基準ファイルが改ざんされている"
	                     : "ファイルの変更を検知",
	            c->host, c->path, report_id);
	if (!tampered)
		strbuf_addf(&text, "　%s", summary);
	struct alert_input a = {
		.source = ACT_SYSTEM_FIM,
		.rule = tampered ? "fim-baseline-tampered" : "fim-changed",
		/* 緊急 opens an incident (incidents.detect); a plain change does not */
		.severity = tampered || critical ? "critical" : "medium",
		.time_ms = at_ms,
		.host = c->host,
		.system = c->system,
		.summary = text.buf,
		.entries = &report_index,
		.n_entries = 1,
	};
	r = alert_raise(d, &a, ret_alert, &alert_index, err);
	if (r == -ENOENT) { /* a profile without the alert register: the report stays the signal */
		strbuf_reset(err);
		*ret_alert = 0;
		r = 0;
	}
	strbuf_release(&text);
	return r;
}

int fim_check(struct door *d, const struct fim_check_input *in, struct fim_check_result *ret,
              struct strbuf *err)
{
	struct check_state s = { 0 };
	int64_t at = time_now_ms();
	struct strbuf sum = STRBUF_INIT;
	int r;

	memset(ret, 0, sizeof(*ret));
	strbuf_init(&ret->json, 0);
	strbuf_init(&ret->text, 0);
	strbuf_init(&ret->warnings, 0);
	strbuf_init(&s.path, 0);
	strbuf_init(&s.tamper, 0);
	r = find_config(d, in->config, &s.c, err);
	if (r == 0)
		r = load_config(s.c.path, &s.cfg, &ret->warnings, &ret->diags, err);
	if (r == 0 && in->actor)
		r = fim_duty_plan(d, in->actor, in->scope, s.c.system, &s.plan, err);
	if (r == 0)
		r = fim_door_key(d, &s.key, err);
	if (r == 0)
		r = run_compare(d, in, &s, ret, err);
	if (r < 0)
		goto out;
	ret->outcome = s.tampered ? "tampered" : fim_report_changed(&s.rep) ? "changed" : "clean";
	ret->changed = strcmp(ret->outcome, "clean") != 0;
	report_json(&s.c, at, ret->outcome, s.tampered ? NULL : &s.rep,
	            s.tampered ? s.tamper.buf : NULL, &ret->json);
	struct fim_report_in ri = {
		.config_id = s.c.id,
		.generation = s.c.generation,
		.baseline_sha256 = s.c.baseline_sha256,
		.at_ms = at,
		.by_login = in->actor,
		.via = "cli",
		.outcome = ret->outcome,
		.host = s.c.host,
		.path = s.c.path,
		.added = s.rep.added.nr,
		.removed = s.rep.removed.nr,
		.changed = s.rep.changed.nr,
		.problems = s.rep.problem_count,
		.entries = s.rep.entries,
		.critical = s.rep.critical,
		.json = ret->json.buf,
		.delta = s.tampered ? NULL : s.rep.delta.buf,
		.delta_len = s.tampered ? 0 : s.rep.delta.len,
	};
	r = fim_store_report(d, &ri, &ret->report_id, &ret->ledger_index, ret->result_sha256, err);
	if (r < 0)
		goto out;
	if (s.tampered)
		strbuf_addf(&ret->text, "tampered: %s\n", s.tamper.buf);
	else
		fim_report_text(&s.rep, &ret->text);
	summary(s.tampered ? NULL : &s.rep, ret->report_id, &sum);
	if (ret->changed) {
		struct strbuf what = STRBUF_INIT; /* the alert names the report itself */
		if (!s.tampered)
			strbuf_addf(&what, "追加%zu件・削除%zu件・変更%zu件%s", s.rep.added.nr,
			            s.rep.removed.nr, s.rep.changed.nr,
			            s.rep.critical ? "、重要ファイルを含む" : "");
		r = fim_alert(d, &s.c, ret->report_id, ret->ledger_index, s.tampered,
		              s.rep.critical, what.buf, at, &ret->alert_id, err);
		strbuf_release(&what);
	}
	if (r == 0 && s.plan)
		r = fim_duty_record(d, s.plan, ret->report_id, sum.buf, &in->ctx, ret, err);
out:
	strbuf_release(&sum);
	strbuf_release(&s.path);
	strbuf_release(&s.tamper);
	fim_report_release(&s.rep);
	fim_duty_plan_free(s.plan);
	fim_key_free(s.key);
	fim_config_free(s.cfg);
	fim_config_row_release(&s.c);
	return r;
}

/* ---- accept ---- */

/*
 * The configuration's record in register fim when the table does not know it yet: one that an
 * approved fim.register created.
 */
static int64_t find_record(struct door *d, const struct fim_config_row *c)
{
	struct record_filter f = { .register_id = "fim" };
	struct record_list l = { 0 };
	struct strbuf err = STRBUF_INIT;
	int64_t id = 0;

	if (records_list(door_store(d), &f, &l, &err) == 0)
		for (size_t i = 0; i < l.nr && !id; i++) {
			const char *host = record_field(&l.items[i], "host");
			const char *path = record_field(&l.items[i], "config");
			if (host && path && !strcmp(host, c->host) && !strcmp(path, c->path))
				id = l.items[i].id;
		}
	record_list_release(&l);
	strbuf_release(&err);
	return id;
}

/* The record already shows this acceptance: an approved request applied it. */
static bool record_accepted(struct door *d, int64_t record_id, int64_t report_id,
                            uint64_t generation, char ret_sha[65])
{
	struct strbuf err = STRBUF_INIT;
	struct record rec = { 0 };
	bool yes = false;
	char want_rep[24], want_gen[24];

	if (!record_id || record_get(door_store(d), record_id, &rec, &err) < 0)
		goto out;
	snprintf(want_rep, sizeof(want_rep), "%" PRId64, report_id);
	snprintf(want_gen, sizeof(want_gen), "%" PRIu64, generation);
	const char *rep = record_field(&rec, "report"), *gen = record_field(&rec, "generation");
	const char *sha = record_field(&rec, "sha256");
	yes = rep && gen && !strcmp(rep, want_rep) && !strcmp(gen, want_gen);
	if (yes)
		snprintf(ret_sha, 65, "%s", sha ? sha : "");
	record_release(&rec);
out:
	strbuf_release(&err);
	return yes;
}

/* Writes generation+1 from the baseline in force and the report's delta. */
static int make_generation(struct door *d, const struct fim_config_row *c, int64_t report_id,
                           const struct fim_key *key, const char *path, uint8_t sha[32],
                           uint64_t *entries, struct strbuf *err)
{
	struct fim_baseline_reader *base = NULL, *delta = NULL;
	struct strbuf bpath = STRBUF_INIT, dbytes = STRBUF_INIT;
	int r = fim_report_delta(d, report_id, &dbytes, err);

	if (r == -ENOENT)
		error_set(err, "report %" PRId64 " has no changes to accept", report_id);
	if (r == 0)
		r = open_baseline(d, c, key, &bpath, &base, err);
	if (r == 0)
		r = fim_br_open_mem(dbytes.buf, dbytes.len, fim_key_public(key), 0, &delta, err);
	if (r == 0) {
		struct fim_baseline_info h = *fim_br_info(base);
		h.generation = c->generation + 1;
		h.created_ms = time_now_ms();
		memcpy(h.config_sha256, fim_br_info(delta)->config_sha256, 32);
		r = fim_apply_delta(base, delta, &h, path, key, sha, entries, err);
	}
	fim_br_close(base);
	fim_br_close(delta);
	strbuf_release(&bpath);
	strbuf_release(&dbytes);
	return r;
}

static int accept_checks(const struct fim_report_row *rep, const struct fim_config_row *c,
                         struct strbuf *err)
{
	if (!strcmp(rep->outcome, "tampered")) {
		error_set(err,
		          "report %" PRId64
		          " found the baseline tampered with: it cannot be accepted; "
		          "make a new baseline with 'mamori fim init --config %s --as LOGIN'",
		          rep->id, c->path);
		return -EINVAL;
	}
	if (rep->accepted_generation) {
		error_set(
		    err, "report %" PRId64 " was accepted already (generation %" PRIu64 ", by %s)",
		    rep->id, rep->accepted_generation, rep->accepted_by ? rep->accepted_by : "?");
		return -EEXIST;
	}
	if (rep->generation != c->generation) {
		error_set(err,
		          "report %" PRId64 " compared with generation %" PRIu64
		          ", but generation %" PRIu64
		          " is in force now: run 'mamori fim check' again and accept that report",
		          rep->id, rep->generation, c->generation);
		return -ESTALE;
	}
	return 0;
}

/*
 * An agent's report: the agent keeps its baseline and the check's delta, so here the door
 * decides and the acceptance is remembered; the agent makes the generation when it hears of
 * it (the answer to its next batch) and reports the new baseline, whose SHA-256 is then
 * ledgered.
 */
static int accept_agent(struct door *d, struct fim_config_row *c, int64_t report_id,
                        const char *actor, const char *comment, const struct act_context *ctx,
                        struct fim_accept_result *ret, struct strbuf *err)
{
	char sha[65];
	int r;

	if (!record_accepted(d, c->record_id, report_id, ret->generation, sha)) {
		ret->acted = true;
		r = authorise(d, c, actor, ret->generation, NULL, report_id, comment, ctx,
		              &ret->act, err);
		if (r < 0) {
			ret->acted = false;
			return r;
		}
		if (ret->act.outcome != ACT_DONE)
			return 0;
	}
	r = fim_pending_generation(d, c, ret->generation, actor, report_id,
	                           ret->acted ? ret->act.record_id : c->record_id, err);
	if (r == 0)
		ret->installed = true;
	return r;
}

int fim_accept(struct door *d, int64_t report_id, const char *actor, const char *comment,
               const struct act_context *ctx, struct fim_accept_result *ret, struct strbuf *err)
{
	struct fim_report_row rep = { 0 };
	struct fim_config_row c = { 0 };
	struct fim_key *key = NULL;
	struct strbuf path = STRBUF_INIT;
	uint8_t sha[32];
	int r;

	memset(ret, 0, sizeof(*ret));
	r = fim_report_get(d, report_id, &rep, err);
	if (r == 0)
		r = fim_config_get(d, rep.config_id, &c, err);
	if (r == 0)
		r = accept_checks(&rep, &c, err);
	if (r == 0)
		r = fim_door_key(d, &key, err);
	if (r == 0)
		r = fim_generation_path(d, c.id, c.generation + 1, &path, err);
	if (r < 0)
		goto out;
	ret->generation = c.generation + 1;
	if (!c.record_id)
		c.record_id = find_record(d, &c);
	if (strcmp(c.host, FIM_LOCAL_HOST)) {
		r = accept_agent(d, &c, report_id, actor, comment, ctx, ret, err);
		goto out;
	}
	bool approved = record_accepted(d, c.record_id, report_id, ret->generation, ret->sha256) &&
	                ret->sha256[0];
	if (approved) {
		/* PostgreSQL: what another node prepared is in the database */
		struct strbuf why = STRBUF_INIT;
		(void)fim_baseline_fetch(d, path.buf, ret->sha256, &why);
		strbuf_release(&why);
	}
	if (approved && access(path.buf, R_OK) == 0) {
		/* approved since: install what was prepared */
	} else {
		r = make_generation(d, &c, report_id, key, path.buf, sha, &ret->entries, err);
		if (r < 0)
			goto out;
		fim_hex(sha, ret->sha256);
		r = fim_baseline_share(d, path.buf, ret->sha256, err);
		if (r < 0) {
			unlink(path.buf);
			goto out;
		}
		ret->acted = true;
		r = authorise(d, &c, actor, ret->generation, ret->sha256, report_id, comment, ctx,
		              &ret->act, err);
		if (r < 0) {
			ret->acted = false;
			unlink(path.buf);
			goto out;
		}
		if (ret->act.outcome == ACT_REFUSED)
			unlink(path.buf);
		if (ret->act.outcome != ACT_DONE)
			goto out; /* pending: installed by 'fim accept' again once approved */
	}
	struct fim_baseline_reader *check = NULL;
	uint8_t want[32];
	r = fim_unhex(ret->sha256, want);
	if (r == 0)
		r = fim_br_open_file(path.buf, want, fim_key_public(key), &check, err);
	char cfg_hex[65];
	if (r == 0) {
		ret->entries = fim_br_info(check)->count;
		fim_hex(fim_br_info(check)->config_sha256, cfg_hex);
	}
	fim_br_close(check);
	if (r < 0)
		goto out;
	struct fim_generation g = { .generation = ret->generation,
		                    .entries = ret->entries,
		                    .config_sha256 = cfg_hex,
		                    .made_by = actor,
		                    .report_id = report_id,
		                    .record_id = ret->acted ? ret->act.record_id : c.record_id,
		                    .at_ms = time_now_ms() };
	memcpy(g.sha256, ret->sha256, 65);
	r = fim_install_generation(d, &c, &g, NULL, err);
	if (r == 0) {
		ret->installed = true;
		fim_prune_generations(d, c.id, ret->generation - 1);
	}
out:
	strbuf_release(&path);
	fim_key_free(key);
	fim_config_row_release(&c);
	fim_report_row_release(&rep);
	return r;
}
