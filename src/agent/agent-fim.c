/* agent-fim: the agent's file integrity: its generations in STATE/fim (current, baselines, the
 * deltas of recent checks), the first baseline, each check, and a generation the server accepted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent-internal.h"
#include "base/cleanup.h"
#include "base/fsdir.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "fim/compare.h"

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
int agent_fim_load(struct agent *a)
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
	a->fim_unsynced = a->sha256[0] != '\0'; /* a run before may have failed to sync it */
	strbuf_release(&p);
	strbuf_release(&sb);
	return r == -ENOENT ? 0 : r;
}

/*
 * fim/current written whole, synced, renamed into place and its folder synced: the baseline
 * the agent checks against next survives a power loss with its name (fim_write_baseline's and
 * fim_apply_delta's new baseline is in the same folder, so the folder's sync keeps it too).
 */
static int save_current(struct agent *a, struct strbuf *err)
{
	struct strbuf p = STRBUF_INIT, tmp = STRBUF_INIT;
	FILE *f;
	int r = 0;

	current_path(a, &p);
	strbuf_addf(&tmp, "%s.tmp", p.buf);
	errno = 0;
	f = fopen(tmp.buf, "w");
	if (!f ||
	    fprintf(f, "%" PRIu64 " %s %" PRIu64 " %s\n", a->generation, a->sha256, a->entries,
	            a->config_sha256) < 0 ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0)
		r = errno ? -errno : -EIO;
	if (f && fclose(f) != 0 && r == 0) /* closed whatever happened */
		r = errno ? -errno : -EIO;
	if (r == 0 && rename(tmp.buf, p.buf) < 0)
		r = -errno;
	if (r < 0) {
		error_set(err, "cannot write '%s': %s", p.buf, strerror(-r));
		unlink(tmp.buf);
	} else if (fs_sync_parent(p.buf, err) < 0) {
		/* The new generation is in force (the rename is made): it is announced all the
		 * same, or the server would take every later check for tampering; the sync is tried
		 * again at each tick (sync_pending). */
		agent_say("%s", err->buf);
		a->fim_unsynced = true;
		a->tick_failed = true;
	}
	strbuf_release(&p);
	strbuf_release(&tmp);
	return r;
}

/* A failed sync of STATE/fim tried again (before a tick's check, and at start): said while it
 * fails; the check goes on (it reads the files, which are there). */
static void sync_pending(struct agent *a)
{
	struct strbuf err = STRBUF_INIT;

	if (a->fim_unsynced && fs_sync_dir(a->fim_dir, &err) < 0) {
		agent_say("%s", err.buf);
		a->tick_failed = true;
	} else
		a->fim_unsynced = false;
	strbuf_release(&err);
}

/* The first baseline, or a new generation's: kind "baseline". */
int agent_baseline_batch(struct agent *a, struct strbuf *err)
{
	return agent_head_batch(a, "baseline", err);
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
		agent_hex(sha, 32, a->sha256);
		agent_hex(cfg->sha256, 32, a->config_sha256);
		a->entries = st.entries;
		r = save_current(a, err);
	}
	if (r == 0) {
		agent_say("baseline generation 1 of '%s': %" PRIu64 " entries", a->config,
		          st.entries);
		r = agent_baseline_batch(a, err);
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
	agent_batch_head(a, &w, seq, "check", dropped);
	if (why.len) { /* the local baseline did not verify: say so, the server decides */
		jw_kv_str(&w, "error", why.buf);
		agent_say("check of '%s': %s", a->config, why.buf);
	} else {
		struct strbuf d = STRBUF_INIT;
		delta_path(a, seq, &d);
		FILE *f = fopen(d.buf, "w");
		if (!f || fwrite(rep.delta.buf, 1, rep.delta.len, f) != rep.delta.len ||
		    fclose(f) != 0) {
			agent_say("cannot keep the delta '%s': %s", d.buf, strerror(errno));
			a->tick_failed = true;
		}
		strbuf_release(&d);
		prune_deltas(a, seq);
		agent_say("check of '%s': %zu added, %zu removed, %zu changed", a->config,
		          rep.added.nr, rep.removed.nr, rep.changed.nr);
	}
	jw_key(&w, "report");
	jw_object_begin(&w);
	fim_report_json_limit(&rep, &w, 1000);
	jw_object_end(&w);
	jw_object_end(&w);
	agent_spool_batch(a, seq, &json, dropped);
	r = 0;
out:
	fim_br_close(base);
	fim_report_release(&rep);
	strbuf_release(&path);
	strbuf_release(&json);
	strbuf_release(&why);
	return r;
}

int agent_fim_tick(struct agent *a, struct strbuf *err)
{
	struct fim_config *cfg = NULL;
	int r = fim_config_load(a->config, 0, &cfg, NULL, err);

	if (r < 0)
		return r;
	sync_pending(a);
	r = a->sha256[0] ? check_batch(a, cfg, err) : first_baseline(a, cfg, err);
	fim_config_free(cfg);
	return r;
}

/* ---- acceptance: the server accepted a check; its delta makes the next generation ---- */

int agent_fim_accept(struct agent *a, uint64_t generation, const char *batch, struct strbuf *err)
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
			agent_hex(sha, 32, a->sha256);
			agent_hex(h.config_sha256, 32, a->config_sha256);
			a->entries = count;
			r = save_current(a, err);
		}
	}
	fim_br_close(base);
	fim_br_close(delta);
	if (r == 0) {
		agent_say("accepted on the server: baseline generation %" PRIu64
		          " made from batch %s",
		          generation, batch);
		if (generation >= 3) { /* keep this one and the previous */
			struct strbuf old = STRBUF_INIT;
			base_path(a, generation - 2, &old);
			unlink(old.buf);
			strbuf_release(&old);
		}
		r = agent_baseline_batch(a, err);
	}
	strbuf_release(&bpath);
	strbuf_release(&dpath);
	strbuf_release(&npath);
	strbuf_release(&dbytes);
	return r;
}
