/* fim-store: the file integrity tables, their ledger entries and the baseline files on disk. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/conf.h"
#include "base/fsdir.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "core/act-internal.h"
#include "core/attach.h"
#include "core/fim-internal.h"
#include "core/secret.h"
#include "ledger/entry.h"
#include "ledger/ledger.h"
#include "store/query.h"
#include "store/store.h"

void fim_hex(const uint8_t d[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

int fim_unhex(const char *hex, uint8_t out[32])
{
	if (!hex || strlen(hex) != 64)
		return -EINVAL;
	for (int i = 0; i < 32; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = hex[2 * i + k];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= c - '0';
			else if (c >= 'a' && c <= 'f')
				v |= c - 'a' + 10;
			else
				return -EINVAL;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* ---- files ---- */

static int mkdir_private(const char *path, struct strbuf *err)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		int r = -errno;
		error_set(err, "cannot create '%s': %s", path, strerror(-r));
		return r;
	}
	return 0;
}

int fim_door_key(struct door *d, struct fim_key **ret, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	int r;

	bool pg = store_dialect(door_store(d)) == STORE_POSTGRESQL, have = true;
	struct fim_key *k = NULL;

	strbuf_addf(&path, "%s/fim", door_dir(d));
	r = mkdir_private(path.buf, err);
	if (r == 0)
		strbuf_addstr(&path, "/fim.key");
	/* PostgreSQL: every node signs and checks with the ward's one key (secrets, 'fim') */
	if (r == 0 && pg)
		r = secret_file_share(door_store(d), SECRET_FIM, path.buf, &have, err);
	if (r == 0)
		r = fim_key_load(path.buf, true, &k, err);
	if (r == 0 && pg && !have)
		r = secret_file_share(door_store(d), SECRET_FIM, path.buf, &have, err);
	if (r == 0)
		*ret = k;
	else
		fim_key_free(k);
	strbuf_release(&path);
	return r;
}

int fim_baseline_share(struct door *d, const char *path, const char *sha256, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT;
	int r;

	if (store_dialect(door_store(d)) != STORE_POSTGRESQL)
		return 0;
	r = strbuf_read_file(&data, path, (size_t)ATTACH_MAX_LIMIT);
	if (r < 0)
		error_set(err, "cannot read '%s': %s", path, strerror(-r));
	else
		r = attach_put_raw(door_store(d), NULL, sha256, data.buf, data.len, err);
	strbuf_release(&data);
	return r < 0 ? r : 0;
}

int fim_baseline_fetch(struct door *d, const char *path, const char *sha256, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT, tmp = STRBUF_INIT;
	struct stat sb;
	int fd, r;

	if (store_dialect(door_store(d)) != STORE_POSTGRESQL || lstat(path, &sb) == 0)
		return 0;
	r = blob_fetch(door_store(d), sha256, &data, err);
	if (r < 0)
		goto out;
	strbuf_addf(&tmp, "%s.fetch", path);
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, data.buf, data.len) != (ssize_t)data.len || fsync(fd) < 0 ||
	    rename(tmp.buf, path) < 0) {
		r = errno ? -errno : -EIO;
		error_set(err, "cannot write '%s': %s", path, strerror(-r));
		unlink(tmp.buf);
	}
	if (fd >= 0)
		close(fd);
out:
	strbuf_release(&data);
	strbuf_release(&tmp);
	return r;
}

int fim_generation_path(struct door *d, int64_t config_id, uint64_t generation, struct strbuf *out,
                        struct strbuf *err)
{
	int r;

	strbuf_addf(out, "%s/fim", door_dir(d));
	r = mkdir_private(out->buf, err);
	if (r == 0) {
		strbuf_addf(out, "/%" PRId64, config_id);
		r = mkdir_private(out->buf, err);
	}
	strbuf_addf(out, "/%" PRIu64 ".base", generation);
	return r;
}

void fim_prune_generations(struct door *d, int64_t config_id, uint64_t keep)
{
	struct strbuf dir = STRBUF_INIT;
	struct dirent *de;
	DIR *dp;

	strbuf_addf(&dir, "%s/fim/%" PRId64, door_dir(d), config_id);
	dp = opendir(dir.buf);
	while (dp && (de = readdir(dp))) {
		char *end;
		unsigned long long g = strtoull(de->d_name, &end, 10);
		if (end != de->d_name && !strcmp(end, ".base") && g < keep) {
			struct strbuf p = STRBUF_INIT;
			strbuf_addf(&p, "%s/%s", dir.buf, de->d_name);
			unlink(p.buf);
			strbuf_release(&p);
		}
	}
	if (dp)
		closedir(dp);
	strbuf_release(&dir);
}

/* ---- configurations ---- */

void fim_config_row_release(struct fim_config_row *c)
{
	free(c->host);
	free(c->path);
	free(c->system);
	free(c->node);
	memset(c, 0, sizeof(*c));
}

void fim_config_rows_release(struct fim_config_rows *l)
{
	for (size_t i = 0; i < l->nr; i++)
		fim_config_row_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

#define CONFIG_COLUMNS                                                                             \
	"id, host, path, system, generation, baseline_sha256, config_sha256, entries,"             \
	" ledger_index, record_id, changed_ms, node"

static void config_row(struct query *q, struct fim_config_row *c)
{
	const char *s;

	memset(c, 0, sizeof(*c));
	c->id = query_int(q, 0);
	c->host = query_strdup(q, 1);
	c->path = query_strdup(q, 2);
	c->system = query_strdup(q, 3);
	c->generation = (uint64_t)query_int(q, 4);
	s = query_text(q, 5);
	snprintf(c->baseline_sha256, sizeof(c->baseline_sha256), "%s", s ? s : "");
	s = query_text(q, 6);
	snprintf(c->config_sha256, sizeof(c->config_sha256), "%s", s ? s : "");
	c->entries = (uint64_t)query_int(q, 7);
	c->ledger_index = (uint64_t)query_int(q, 8);
	c->record_id = query_int(q, 9);
	c->changed_ms = query_int(q, 10);
	c->node = query_strdup(q, 11);
	if (!c->node)
		c->node = xstrdup("");
}

static int one_config(struct query *q, struct fim_config_row *ret, struct strbuf *err)
{
	int r = query_step(q, err);

	if (r < 0)
		return r;
	if (r == 0)
		return -ENOENT;
	config_row(q, ret);
	query_done(q);
	return 0;
}

static bool node_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > FIM_NODE_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_'))
			return false;
	return true;
}

int fim_node(struct door *d, char node[FIM_NODE_MAX + 1], struct strbuf *err)
{
	struct conf c = CONF_INIT;
	char host[256] = "";
	const char *name;
	int r;

	node[0] = '\0';
	if (store_dialect(door_store(d)) != STORE_POSTGRESQL)
		return 0;
	r = conf_load(door_dir(d), &c, err);
	if (r < 0)
		goto out;
	name = conf_get(&c, "node", "name");
	if (name && !node_valid(name)) {
		error_set(err,
		          "mamori.conf [node] name '%s' may only have letters, digits and '.-_' "
		          "(at most %d): give each server of the ward its own such name",
		          name, FIM_NODE_MAX);
		r = -EINVAL;
		goto out;
	}
	if (!name) {
		if (gethostname(host, sizeof(host) - 1) < 0)
			host[0] = '\0';
		char *dot = strchr(host, '.');
		if (dot)
			*dot = '\0';
		if (!node_valid(host)) {
			error_set(
			    err,
			    "this server's host name '%s' cannot name it among the ward's "
			    "servers: set mamori.conf [node] name (letters, digits and '.-_')",
			    host);
			r = -EINVAL;
			goto out;
		}
		snprintf(node, FIM_NODE_MAX + 1, "%s", host);
	} else {
		snprintf(node, FIM_NODE_MAX + 1, "%s", name);
	}
out:
	conf_release(&c);
	return r;
}

int fim_config_find(struct door *d, const char *host, const char *node, const char *path,
                    struct fim_config_row *ret, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(door_store(d),
	                      "SELECT " CONFIG_COLUMNS
	                      " FROM fim_configs WHERE host = ? AND node = ? AND path = ?",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, host);
	query_bind_text(q, 2, node);
	query_bind_text(q, 3, path);
	return one_config(q, ret, err);
}

int fim_config_find_local(struct door *d, const char *node, const char *path,
                          struct fim_config_row *ret, struct strbuf *err)
{
	int r = fim_config_find(d, FIM_LOCAL_HOST, node, path, ret, err);

	if (r == -ENOENT && node[0])
		r = fim_config_find(d, FIM_LOCAL_HOST, "", path, ret, err);
	return r;
}

int fim_config_get(struct door *d, int64_t id, struct fim_config_row *ret, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(door_store(d),
	                      "SELECT " CONFIG_COLUMNS " FROM fim_configs WHERE id = ?", &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, id);
	return one_config(q, ret, err);
}

int fim_configs_list(struct door *d, struct fim_config_rows *ret, struct strbuf *err)
{
	return fim_configs_read(door_store(d), ret, err);
}

int fim_configs_read(struct store *st, struct fim_config_rows *ret, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, "SELECT " CONFIG_COLUMNS " FROM fim_configs ORDER BY host, path",
	                      &q, err);

	if (r < 0)
		return r;
	while ((r = query_step(q, err)) > 0) {
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		config_row(q, &ret->items[ret->nr++]);
	}
	return r;
}

static bool is_local(const struct fim_config_row *c, const char *node)
{
	return !strcmp(c->host, FIM_LOCAL_HOST) && (!c->node[0] || !strcmp(c->node, node));
}

int fim_config_only_local(struct door *d, const char *node, struct fim_config_row *ret,
                          struct strbuf *err)
{
	struct fim_config_rows l = { 0 };
	struct fim_config_row *hit = NULL;
	size_t n = 0;
	int r = fim_configs_list(d, &l, err);

	for (size_t i = 0; r == 0 && i < l.nr; i++)
		if (is_local(&l.items[i], node)) {
			hit = &l.items[i];
			n++;
		}
	if (r == 0 && n == 0) {
		error_set(err, "no file integrity baseline here yet: run 'mamori fim init --config "
		               "FILE' first");
		r = -ENOENT;
	} else if (r == 0 && n > 1) {
		strbuf_reset(err);
		strbuf_addstr(err,
		              "several configurations have baselines; say which with --config:");
		for (size_t i = 0; i < l.nr; i++)
			if (is_local(&l.items[i], node))
				strbuf_addf(err, " '%s'", l.items[i].path);
		r = -EEXIST;
	} else if (r == 0) {
		*ret = *hit;
		memset(hit, 0, sizeof(*hit));
	}
	fim_config_rows_release(&l);
	return r;
}

/* ---- transactions with the ledger ---- */

/*
 * Runs fn in one store transaction on the door's connection, between the door's batches,
 * so its rows and its ledger entry commit together.
 */
int fim_txn(struct door *d, int (*fn)(struct door *, void *, struct strbuf *), void *arg,
            struct strbuf *err)
{
	struct store *st;
	int r;

	door_lead(d);
	st = door_store(d); /* the leader's */
	r = store_begin(st, err);
	if (r == 0) {
		r = fn(d, arg, err);
		if (r == 0)
			r = store_commit(st, err);
		else
			store_rollback(st);
		if (r == 0)
			d->appended = true;
	}
	door_unlead(d);
	return r;
}

int fim_led(struct door *d, int (*fn)(struct door *, void *, struct strbuf *), void *arg,
            struct strbuf *err)
{
	int r;

	door_lead(d);
	r = fn(d, arg, err);
	door_unlead(d);
	return r;
}

int fim_append(struct door *d, const char *actor, const char *action, const char *subject,
               const char *before_hex, const char *after_hex, const struct strbuf *data,
               int64_t at_ms, uint64_t *ret_index, struct strbuf *err)
{
	uint8_t before[32], after[32];
	struct ledger_entry e = {
		.kind = ENTRY_INTEGRITY,
		.time_ms = at_ms,
		.actor = actor ? actor : "system",
		.action = action,
		.subject = subject,
		.data = (const uint8_t *)data->buf,
		.data_len = data->len,
	};

	if (before_hex && fim_unhex(before_hex, before) == 0)
		e.before = before;
	if (fim_unhex(after_hex, after) < 0) {
		error_set(err, "internal error: not a digest");
		return -EINVAL;
	}
	e.after = after;
	return ledger_append_txn(door_ledger(d), &e, 1, ret_index, err);
}

struct install {
	struct fim_config_row *config;
	const struct fim_generation *g;
	struct strbuf
	    placed; /* a new configuration's baseline's path in its folder (empty: none) */
	bool moved; /* g->moved_from was moved to placed */
	uint64_t index;
};

/*
 * A new configuration's baseline moved from its temporary name into its folder once the
 * configuration has its id, and both folders synced, before the install commits: a move that
 * fails or is not durable rolls the install back, so no generation is installed without its
 * file (fim_install_generation removes the moved file and the new folder when the install
 * fails after it).
 */
static int place_baseline(struct door *d, struct install *x, struct strbuf *err)
{
	const char *from = x->g->moved_from;
	int r = fim_generation_path(d, x->config->id, x->g->generation, &x->placed, err);

	if (r < 0)
		strbuf_reset(&x->placed); /* no folder made */
	if (r == 0 && rename(from, x->placed.buf) < 0) {
		r = -errno;
		error_set(err,
		          "cannot move the new baseline into place as '%s': %s; nothing was "
		          "installed: run 'mamori fim init' again once that is fixed",
		          x->placed.buf, strerror(-r));
		return r;
	}
	x->moved = r == 0;
	if (r == 0)
		r = fs_sync_parent(x->placed.buf, err);
	if (r == 0)
		r = fs_sync_parent(from, err);
	if (r < 0 && err) { /* the folder not made, or not synced */
		struct strbuf why = STRBUF_INIT;
		strbuf_addstr(&why, err->buf);
		error_set(
		    err,
		    "%s; nothing was installed: run 'mamori fim init' again once that is fixed",
		    why.buf);
		strbuf_release(&why);
	}
	return r;
}

/* A new configuration's row (its id into x->config), its baseline moved into its folder. */
static int config_insert(struct door *d, struct install *x, struct strbuf *err)
{
	struct fim_config_row *c = x->config;
	const struct fim_generation *g = x->g;
	struct query *q;
	int r = query_prepare(door_store(d),
	                      "INSERT INTO fim_configs(host, path, system, generation,"
	                      " baseline_sha256, config_sha256, entries, ledger_index, record_id,"
	                      " created_ms, changed_ms, node)"
	                      " VALUES (?, ?, ?, 0, '', '', 0, 0, NULL, ?, ?, ?)",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, c->host);
	query_bind_text(q, 2, c->path);
	query_bind_text(q, 3, c->system);
	query_bind_int(q, 4, g->at_ms);
	query_bind_int(q, 5, g->at_ms);
	query_bind_text(q, 6, c->node ? c->node : "");
	if ((r = query_run(q, err)) < 0)
		return r;
	c->id = query_last_id(door_store(d));
	if (g->moved_from)
		r = place_baseline(d, x, err);
	return r;
}

/* The generation's fim.baseline ledger entry (its index into x->index). */
static int baseline_entry(struct door *d, struct install *x, struct strbuf *err)
{
	struct fim_config_row *c = x->config;
	const struct fim_generation *g = x->g;
	struct strbuf data = STRBUF_INIT;
	struct json_writer w;
	char subject[32];
	int r;

	jw_init(&w, &data);
	jw_object_begin(&w);
	jw_kv_str(&w, "host", c->host);
	if (c->node && c->node[0])
		jw_kv_str(&w, "node", c->node);
	jw_kv_str(&w, "config", c->path);
	jw_key(&w, "generation");
	jw_uint(&w, g->generation);
	jw_key(&w, "entries");
	jw_uint(&w, g->entries);
	jw_kv_str(&w, "config_sha256", g->config_sha256);
	if (g->report_id)
		jw_kv_int(&w, "report", g->report_id);
	jw_object_end(&w);
	snprintf(subject, sizeof(subject), "fim/%" PRId64, c->id);
	r = fim_append(d, g->made_by, "fim.baseline", subject,
	               c->baseline_sha256[0] ? c->baseline_sha256 : NULL, g->sha256, &data,
	               g->at_ms, &x->index, err);
	strbuf_release(&data);
	return r;
}

static int install_txn(struct door *d, void *arg, struct strbuf *err)
{
	struct install *x = arg;
	struct fim_config_row *c = x->config;
	const struct fim_generation *g = x->g;
	struct query *q;
	int r;

	if (!c->id && (r = config_insert(d, x, err)) < 0)
		return r;
	if ((r = baseline_entry(d, x, err)) < 0)
		return r;
	r = query_prepare(door_store(d),
	                  "UPDATE fim_configs SET generation = ?, baseline_sha256 = ?,"
	                  " config_sha256 = ?, entries = ?, ledger_index = ?,"
	                  " record_id = coalesce(?, record_id), changed_ms = ? WHERE id = ?",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, (int64_t)g->generation);
	query_bind_text(q, 2, g->sha256);
	query_bind_text(q, 3, g->config_sha256);
	query_bind_int(q, 4, (int64_t)g->entries);
	query_bind_int(q, 5, (int64_t)x->index);
	query_bind_int_or_null(q, 6, g->record_id);
	query_bind_int(q, 7, g->at_ms);
	query_bind_int(q, 8, c->id);
	if ((r = query_run(q, err)) < 0)
		return r;
	r = query_prepare(
	    door_store(d),
	    "INSERT INTO fim_generations(config_id, generation, sha256, entries,"
	    " made_ms, made_by, report_id, ledger_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, c->id);
	query_bind_int(q, 2, (int64_t)g->generation);
	query_bind_text(q, 3, g->sha256);
	query_bind_int(q, 4, (int64_t)g->entries);
	query_bind_int(q, 5, g->at_ms);
	query_bind_text(q, 6, g->made_by);
	query_bind_int_or_null(q, 7, g->report_id);
	query_bind_int(q, 8, (int64_t)x->index);
	if ((r = query_run(q, err)) < 0)
		return r;
	if (!g->report_id)
		return 0;
	r = query_prepare(door_store(d),
	                  "UPDATE fim_reports SET accepted_generation = ?, accepted_by = ?,"
	                  " accepted_ms = ? WHERE id = ?",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, (int64_t)g->generation);
	query_bind_text(q, 2, g->made_by);
	query_bind_int(q, 3, g->at_ms);
	query_bind_int(q, 4, g->report_id);
	return query_run(q, err);
}

static void installed(struct fim_config_row *config, const struct fim_generation *g, uint64_t index)
{
	config->generation = g->generation;
	snprintf(config->baseline_sha256, sizeof(config->baseline_sha256), "%s", g->sha256);
	snprintf(config->config_sha256, sizeof(config->config_sha256), "%s", g->config_sha256);
	config->entries = g->entries;
	config->ledger_index = index;
	if (g->record_id)
		config->record_id = g->record_id;
}

int fim_install_generation_in(struct door *d, struct fim_config_row *config,
                              const struct fim_generation *g, uint64_t *ret_index,
                              struct strbuf *err)
{
	struct install x = { .config = config, .g = g };
	int r;

	assert(!g->moved_from); /* the caller's transaction may still fail: not moved here */
	r = install_txn(d, &x, err);

	if (r == 0) {
		installed(config, g, x.index);
		if (ret_index)
			*ret_index = x.index;
	}
	return r;
}

int fim_install_generation(struct door *d, struct fim_config_row *config,
                           const struct fim_generation *g, uint64_t *ret_index, struct strbuf *err)
{
	struct install x = { .config = config, .g = g, .placed = STRBUF_INIT };
	int64_t id = config->id;
	int r = fim_txn(d, install_txn, &x, err);

	if (r < 0) {
		config->id = id; /* rolled back */
		if (x.moved)
			unlink(x.placed.buf); /* moved, then the install failed */
		if (x.placed.len) { /* the new folder, unless something else is in it (an id SQLite
			             * hands out again) */
			*strrchr(x.placed.buf, '/') = '\0';
			rmdir(x.placed.buf);
		}
		strbuf_release(&x.placed);
		return r;
	}
	strbuf_release(&x.placed);
	installed(config, g, x.index);
	if (ret_index)
		*ret_index = x.index;
	return 0;
}

struct pending {
	struct fim_config_row *c;
	uint64_t generation;
	const char *by;
	int64_t report_id, record_id, at;
};

static int pending_txn(struct door *d, void *arg, struct strbuf *err)
{
	struct pending *x = arg;
	struct query *q;
	int r = query_prepare(door_store(d),
	                      "UPDATE fim_configs SET generation = ?, baseline_sha256 = '',"
	                      " record_id = coalesce(?, record_id), changed_ms = ? WHERE id = ?",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, (int64_t)x->generation);
	query_bind_int_or_null(q, 2, x->record_id);
	query_bind_int(q, 3, x->at);
	query_bind_int(q, 4, x->c->id);
	if ((r = query_run(q, err)) < 0)
		return r;
	r = query_prepare(door_store(d),
	                  "UPDATE fim_reports SET accepted_generation = ?, accepted_by = ?,"
	                  " accepted_ms = ? WHERE id = ?",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, (int64_t)x->generation);
	query_bind_text(q, 2, x->by);
	query_bind_int(q, 3, x->at);
	query_bind_int(q, 4, x->report_id);
	return query_run(q, err);
}

int fim_pending_generation(struct door *d, struct fim_config_row *c, uint64_t generation,
                           const char *by, int64_t report_id, int64_t record_id, struct strbuf *err)
{
	struct pending x = { .c = c,
		             .generation = generation,
		             .by = by,
		             .report_id = report_id,
		             .record_id = record_id,
		             .at = time_now_ms() };
	int r = fim_txn(d, pending_txn, &x, err);

	if (r == 0) {
		c->generation = generation;
		c->baseline_sha256[0] = '\0';
		if (record_id)
			c->record_id = record_id;
	}
	return r;
}

int fim_ledger_confirms(struct door *d, uint64_t index, int64_t config_id, const char *sha256,
                        struct strbuf *err)
{
	struct strbuf bytes = STRBUF_INIT, e_err = STRBUF_INIT;
	struct ledger_entry e = { 0 };
	char subject[32], hex[65];
	int r;

	snprintf(subject, sizeof(subject), "fim/%" PRId64, config_id);
	r = ledger_entry_bytes(door_ledger(d), index, &bytes, &e_err);
	if (r == 0)
		r = entry_decode(bytes.buf, bytes.len, &e, &e_err);
	if (r == 0) {
		if (e.after)
			fim_hex(e.after, hex);
		if (e.kind != ENTRY_INTEGRITY || !e.subject || strcmp(e.subject, subject) ||
		    !e.after || strcmp(hex, sha256) || !e.action ||
		    strcmp(e.action, "fim.baseline"))
			r = -EBADMSG;
		entry_release(&e);
	}
	if (r < 0)
		error_set(err,
		          "ledger entry %" PRIu64
		          " does not record this baseline (%s): the table of "
		          "baselines was altered",
		          index, r == -EBADMSG ? "another digest or subject" : e_err.buf);
	strbuf_release(&bytes);
	strbuf_release(&e_err);
	return r < 0 ? -EBADMSG : 0;
}
