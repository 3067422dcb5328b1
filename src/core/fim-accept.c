/* fim-accept: fim accept: a check's changes into the next baseline generation, through the door. */
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

void fim_accept_result_release(struct fim_accept_result *r)
{
	if (r->acted)
		act_result_release(&r->act);
	memset(r, 0, sizeof(*r));
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
		r = fim_open_baseline(d, c, key, &bpath, &base, err);
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
		r = fim_authorise(d, c, actor, ret->generation, NULL, report_id, comment, ctx,
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

/*
 * The new generation's baseline at path, made here and authorised (ret->sha256), read back
 * whole (its digest and signature checked) and installed; the generations before it pruned.
 */
static int accept_install(struct door *d, struct fim_config_row *c, const struct fim_key *key,
                          const char *path, const char *actor, int64_t report_id,
                          struct fim_accept_result *ret, struct strbuf *err)
{
	struct fim_baseline_reader *check = NULL;
	uint8_t want[32];
	char cfg_hex[65];
	int r = fim_unhex(ret->sha256, want);

	if (r == 0)
		r = fim_br_open_file(path, want, fim_key_public(key), &check, err);
	if (r == 0) {
		ret->entries = fim_br_info(check)->count;
		fim_hex(fim_br_info(check)->config_sha256, cfg_hex);
	}
	fim_br_close(check);
	if (r < 0)
		return r;
	struct fim_generation g = { .generation = ret->generation,
		                    .entries = ret->entries,
		                    .config_sha256 = cfg_hex,
		                    .made_by = actor,
		                    .report_id = report_id,
		                    .record_id = ret->acted ? ret->act.record_id : c->record_id,
		                    .at_ms = time_now_ms() };
	memcpy(g.sha256, ret->sha256, 65);
	r = fim_install_generation(d, c, &g, NULL, err);
	if (r == 0) {
		ret->installed = true;
		fim_prune_generations(d, c->id, ret->generation - 1);
	}
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
		c.record_id = fim_find_record(d, &c);
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
		r = fim_authorise(d, &c, actor, ret->generation, ret->sha256, report_id, comment,
		                  ctx, &ret->act, err);
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
	r = accept_install(d, &c, key, path.buf, actor, report_id, ret, err);
out:
	strbuf_release(&path);
	fim_key_free(key);
	fim_config_row_release(&c);
	fim_report_row_release(&rep);
	return r;
}
