/* fim: fim init on the Mamori host, and what init, check and accept share (core/fim-check.c,
 * core/fim-accept.c): the configuration read, the door act for a generation, the baseline opened.
 */
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

/*
 * The configuration, parsed; errors and warnings as "file:line: ..." lines, and as the parser
 * gave them in *keep, so that a front end can say them in its reader's language.
 */
int fim_load_config(const char *path, struct fim_config **ret, struct strbuf *warnings,
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

int fim_absolute(const char *path, char **ret, struct strbuf *err)
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
int fim_authorise(struct door *d, const struct fim_config_row *c, const char *actor,
                  uint64_t generation, const char *sha256, int64_t report_id, const char *comment,
                  const struct act_context *ctx, struct act_result *res, struct strbuf *err)
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

/*
 * The configuration's record in register fim when the table does not know it yet: one that an
 * approved fim.register created.
 */
int64_t fim_find_record(struct door *d, const struct fim_config_row *c)
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

/*
 * Opens the baseline in force after checking it three ways: the file's SHA-256 is the one
 * stored, the ledger entry that installed it records that SHA-256, and the signature is this
 * data directory's key's. Any failure is tampering, described in err.
 */
int fim_open_baseline(struct door *d, const struct fim_config_row *c, const struct fim_key *key,
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
	r = fim_absolute(in->config, &e->abs, &err);
	if (r == 0)
		r = fim_load_config(e->abs, &e->cfg, &e->warnings, &e->diags, &err);
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

/*
 * The configuration read for fim_init: taken over from the early start (read, its walk under
 * way: *walk) or read now. The warnings and diagnostics go to ret either way.
 */
static int init_read(const struct fim_init_input *in, struct fim_init_result *ret, char **abs,
                     struct fim_config **cfg, struct fim_baseline_walk **walk, struct strbuf *err)
{
	int r = 0;

	if (in->early) { /* read and walking already */
		struct fim_init_early *e = in->early;
		*abs = e->abs;
		*cfg = e->cfg;
		*walk = e->walk;
		ret->warnings = e->warnings;
		ret->diags = e->diags;
		free(e);
	} else {
		strbuf_init(&ret->warnings, 0);
		r = fim_absolute(in->config, abs, err);
		if (r == 0)
			r = fim_load_config(*abs, cfg, &ret->warnings, &ret->diags, err);
	}
	return r;
}

/*
 * The configuration's row on this node, or a new one (id 0) when it has none; a configuration
 * with a baseline already needs an actor for its new generation, and the actor must exist.
 */
static int init_row(struct door *d, const struct fim_init_input *in, const char *abs,
                    struct fim_config_row *c, struct strbuf *err)
{
	char node[FIM_NODE_MAX + 1];
	int r = check_system(d, in->system, err);

	if (r == 0)
		r = fim_node(d, node, err);
	if (r == 0) {
		r = fim_config_find_local(d, node, abs, c, err);
		if (r == -ENOENT) {
			c->host = xstrdup(FIM_LOCAL_HOST);
			c->node = xstrdup(node);
			c->path = xstrdup(abs);
			c->system = in->system ? xstrdup(in->system) : NULL;
			r = 0;
		} else if (r == 0 && !in->actor) {
			error_set(
			    err,
			    "'%s' has a baseline already (generation %" PRIu64 "): a new "
			    "generation needs --as LOGIN, with the same authority as 'fim accept'",
			    abs, c->generation);
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
	return r;
}

/*
 * With an actor, the door act that authorises the generation (ret->acted, ret->act). *go: the
 * generation may be installed (no actor, or the act is done); when not, or when the act fails,
 * the new baseline at path is removed and the caller stops.
 */
static int init_act(struct door *d, const struct fim_init_input *in, struct fim_config_row *c,
                    uint64_t generation, const char *path, struct fim_init_result *ret, bool *go,
                    struct strbuf *err)
{
	int r;

	*go = true;
	if (!in->actor)
		return 0;
	if (c->id && !c->record_id)
		c->record_id = fim_find_record(d, c);
	ret->acted = true;
	r = fim_authorise(d, c, in->actor, generation, ret->sha256, 0,
	                  c->id ? "mamori fim init: a new generation" : "mamori fim init", &in->ctx,
	                  &ret->act, err);
	if (r < 0)
		ret->acted = false;
	*go = r >= 0 && ret->act.outcome == ACT_DONE;
	if (!*go)
		unlink(path);
	return r;
}

/*
 * The generation installed (a new configuration gets its row and id, and its baseline is moved
 * from its temporary name into its folder in the same transaction), and the generations before
 * it pruned. The baseline is removed when the install fails.
 */
static int init_install(struct door *d, struct fim_config_row *c, struct fim_generation *g,
                        const char *path, struct fim_init_result *ret, struct strbuf *err)
{
	int r;

	if (c->id == 0)
		g->moved_from = path;
	r = fim_install_generation(d, c, g, &ret->ledger_index, err);
	if (r < 0) {
		unlink(path);
		return r;
	}
	ret->config_id = c->id;
	fim_prune_generations(d, c->id, g->generation - 1);
	return 0;
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
	char *abs = NULL, cfg_hex[65];
	uint8_t sha[32];
	bool go;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = init_read(in, ret, &abs, &cfg, &walk, err);
	if (r == 0)
		r = init_row(d, in, abs, &c, err);
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
	r = init_act(d, in, &c, h.generation, path.buf, ret, &go, err);
	if (r < 0 || !go)
		goto out;
	struct fim_generation g = { .generation = h.generation,
		                    .entries = st.entries,
		                    .config_sha256 = cfg_hex,
		                    .made_by = in->actor,
		                    .record_id = ret->acted ? ret->act.record_id : c.record_id,
		                    .at_ms = h.created_ms };
	memcpy(g.sha256, ret->sha256, 65);
	r = init_install(d, &c, &g, path.buf, ret, err);
out:
	fim_baseline_walk_abort(walk); /* before the configuration it reads */
	strbuf_release(&path);
	fim_key_free(key);
	fim_config_free(cfg);
	fim_config_row_release(&c);
	free(abs);
	return r;
}
