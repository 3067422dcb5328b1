/* compare: merges a scan with a baseline in path order; writes baselines and new generations. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "fim/compare.h"

const char *fim_problem_name(enum fim_problem p)
{
	switch (p) {
	case FIM_UNREADABLE:
		return "unreadable";
	case FIM_UNSTABLE:
		return "unstable";
	case FIM_TOO_DEEP:
		return "too_deep";
	case FIM_NO_ENTER:
		return "not_entered";
	case FIM_REPLACED:
		return "replaced";
	default:
		return "none";
	}
}

static void changes_release(struct fim_changes *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		free(c->items[i].path);
		fim_entry_copy_release(&c->items[i].old);
		fim_entry_copy_release(&c->items[i].now);
	}
	free(c->items);
	memset(c, 0, sizeof(*c));
}

void fim_report_release(struct fim_report *r)
{
	changes_release(&r->added);
	changes_release(&r->removed);
	changes_release(&r->changed);
	for (size_t i = 0; i < r->nr_problems; i++)
		free(r->problems[i].path);
	free(r->problems);
	strbuf_release(&r->delta);
	memset(r, 0, sizeof(*r));
}

bool fim_report_changed(const struct fim_report *r)
{
	return r->added.nr || r->removed.nr || r->changed.nr;
}

void fim_report_problem(struct fim_report *r, const char *path, size_t len, enum fim_problem what,
                        int err)
{
	r->problem_count++;
	if (r->nr_problems >= FIM_MAX_PROBLEMS)
		return;
	ALLOC_GROW(r->problems, r->nr_problems, r->alloc_problems);
	r->problems[r->nr_problems++] = (struct fim_problem_item){
		.path = xstrndup(path, len), .path_len = len, .what = what, .err = err
	};
}

static struct fim_change *change_add(struct fim_changes *c, const struct fim_entry *e)
{
	struct fim_change *x;

	ALLOC_GROW(c->items, c->nr, c->alloc);
	x = &c->items[c->nr++];
	memset(x, 0, sizeof(*x));
	x->path = xstrndup(e->path, e->path_len);
	x->path_len = e->path_len;
	x->type = e->type;
	x->critical = (e->attrs & FIM_BIT(FIM_ATTR_CRITICAL)) != 0;
	return x;
}

/* ---- attribute comparison ---- */

static bool digest_differs(const struct fim_entry *a, const struct fim_entry *b, uint8_t flag,
                           const uint8_t *da, const uint8_t *db)
{
	if ((a->digests & flag) != (b->digests & flag))
		return true;
	return (a->digests & flag) && memcmp(da, db, 32);
}

/*
 * The attributes that differ between the baseline's old and the scan's now, among those
 * both record and the rule asks for. raw: every difference; the return value leaves out
 * what a growing file may do.
 */
static uint32_t diff(const struct fim_entry *old, const struct fim_entry *now, uint32_t *raw)
{
	uint32_t want = old->attrs & now->attrs & FIM_RECORDED_MASK, d = 0, grow_ok = 0;
	bool growing = (now->attrs & FIM_BIT(FIM_ATTR_GROWING)) != 0;

#define CHK(attr, cond)                                                                            \
	do {                                                                                       \
		if ((want & FIM_BIT(attr)) && (cond))                                              \
			d |= FIM_BIT(attr);                                                        \
	} while (0)
	CHK(FIM_ATTR_TYPE, old->type != now->type || old->rdev != now->rdev);
	CHK(FIM_ATTR_MODE, old->mode != now->mode);
	CHK(FIM_ATTR_UID, old->uid != now->uid);
	CHK(FIM_ATTR_GID, old->gid != now->gid);
	CHK(FIM_ATTR_SIZE, old->size != now->size);
	CHK(FIM_ATTR_BLOCKS, old->blocks != now->blocks);
	CHK(FIM_ATTR_MTIME, old->mtime_ns != now->mtime_ns);
	CHK(FIM_ATTR_ATIME, old->atime_ns != now->atime_ns);
	CHK(FIM_ATTR_CTIME, old->ctime_ns != now->ctime_ns);
	CHK(FIM_ATTR_INODE, old->ino != now->ino);
	CHK(FIM_ATTR_NLINK, old->nlink != now->nlink);
	CHK(FIM_ATTR_LINK, old->link_len != now->link_len ||
	                       (old->link_len && memcmp(old->link, now->link, old->link_len)));
	/* Only regular files have content; one that could not be read counts as changed. */
	CHK(FIM_ATTR_SHA256,
	    (old->type == FIM_TYPE_FILE || now->type == FIM_TYPE_FILE) &&
	        (digest_differs(old, now, FIM_HAS_SHA256, old->sha256, now->sha256) ||
	         (now->type == FIM_TYPE_FILE && !(now->digests & FIM_HAS_SHA256))));
	CHK(FIM_ATTR_XATTRS, digest_differs(old, now, FIM_HAS_XATTRS, old->xattrs, now->xattrs));
	CHK(FIM_ATTR_ACL, digest_differs(old, now, FIM_HAS_ACL, old->acl, now->acl));
	CHK(FIM_ATTR_SELINUX,
	    digest_differs(old, now, FIM_HAS_SELINUX, old->selinux, now->selinux));
	CHK(FIM_ATTR_CAPS, digest_differs(old, now, FIM_HAS_CAPS, old->caps, now->caps));
	CHK(FIM_ATTR_FLAGS, old->fflags != now->fflags);
#undef CHK
	*raw = d;
	if (growing && now->type == FIM_TYPE_FILE && old->type == FIM_TYPE_FILE) {
		if (now->size > old->size)
			grow_ok |= FIM_BIT(FIM_ATTR_SIZE);
		if (now->blocks > old->blocks)
			grow_ok |= FIM_BIT(FIM_ATTR_BLOCKS);
		if (now->mtime_ns > old->mtime_ns)
			grow_ok |= FIM_BIT(FIM_ATTR_MTIME);
		if (now->atime_ns > old->atime_ns)
			grow_ok |= FIM_BIT(FIM_ATTR_ATIME);
		if (now->ctime_ns > old->ctime_ns)
			grow_ok |= FIM_BIT(FIM_ATTR_CTIME);
		/* The old content must be the start of the new. */
		if (now->size > old->size && now->has_prefix && now->prefix_size == old->size &&
		    (old->digests & FIM_HAS_SHA256) && !memcmp(now->prefix_sha256, old->sha256, 32))
			grow_ok |= FIM_BIT(FIM_ATTR_SHA256);
	}
	return d & ~grow_ok;
}

/* ---- the merge ---- */

struct cmp {
	const struct fim_config *config;
	struct fim_baseline_reader *base;
	struct fim_report *rep;
	struct fim_baseline_writer *delta;
	struct strbuf *err;
	struct fim_entry old; /* the baseline's next entry, an owned copy */
	bool has_old, base_done;
	/* the second reader for growing files' old sizes */
	struct fim_baseline_reader *peek;
	struct fim_entry peek_e;
	bool peek_has, peek_done;
	int peek_err;
};

static int next_old(struct cmp *c)
{
	struct fim_entry e;
	char tag;
	int r;

	if (c->has_old) {
		fim_entry_copy_release(&c->old);
		c->has_old = false;
	}
	if (c->base_done)
		return 0;
	r = fim_br_next(c->base, &tag, &e, c->err);
	if (r < 0)
		return r;
	if (r == 0) {
		c->base_done = true;
		return 0;
	}
	c->rep->baseline_entries++;
	fim_entry_copy(&c->old, &e);
	c->has_old = true;
	return 1;
}

static int removed(struct cmp *c, const struct fim_entry *old)
{
	int r = fim_bw_add(c->delta, 'R', old, c->err);

	c->rep->delta_records++;
	if (!(old->attrs & FIM_BIT(FIM_ATTR_ARF))) {
		struct fim_change *x = change_add(&c->rep->removed, old);
		c->rep->critical |= x->critical;
	}
	return r;
}

static int on_entry(void *arg, const struct fim_entry *now)
{
	struct cmp *c = arg;
	int r;

	if (now->problem)
		fim_report_problem(c->rep, now->path, now->path_len, now->problem, now->err);
	while (c->has_old &&
	       fim_path_cmp(c->old.path, c->old.path_len, now->path, now->path_len) < 0) {
		if ((r = removed(c, &c->old)) < 0 || (r = next_old(c)) < 0)
			return r;
	}
	if (c->has_old &&
	    fim_path_cmp(c->old.path, c->old.path_len, now->path, now->path_len) == 0) {
		uint32_t raw, d = diff(&c->old, now, &raw);
		uint32_t report = d & ~c->config->ignore_changed;
		if (raw || c->old.attrs != now->attrs || c->old.problem != now->problem) {
			if ((r = fim_bw_add(c->delta, 'C', now, c->err)) < 0)
				return r;
			c->rep->delta_records++;
		}
		if (report) {
			struct fim_change *x = change_add(&c->rep->changed, now);
			x->changed = report;
			x->critical |= (c->old.attrs & FIM_BIT(FIM_ATTR_CRITICAL)) != 0;
			c->rep->critical |= x->critical;
			fim_entry_copy(&x->old, &c->old);
			fim_entry_copy(&x->now, now);
		}
		r = next_old(c);
		return r < 0 ? r : 0;
	}
	if ((r = fim_bw_add(c->delta, 'A', now, c->err)) < 0)
		return r;
	c->rep->delta_records++;
	if (!(now->attrs & FIM_BIT(FIM_ATTR_ANF))) {
		struct fim_change *x = change_add(&c->rep->added, now);
		c->rep->critical |= x->critical;
	}
	return 0;
}

static void on_problem(void *arg, const char *path, size_t len, enum fim_problem what, int err)
{
	struct cmp *c = arg;

	fim_report_problem(c->rep, path, len, what, err);
}

static int on_prefix(void *arg, const char *path, size_t len, uint64_t *ret_size)
{
	struct cmp *c = arg;
	struct fim_entry e;
	char tag;

	if (!c->peek || c->peek_err)
		return 0;
	for (;;) {
		if (c->peek_has) {
			int k = fim_path_cmp(c->peek_e.path, c->peek_e.path_len, path, len);
			if (k == 0) {
				*ret_size = c->peek_e.size;
				return c->peek_e.type == FIM_TYPE_FILE &&
				       (c->peek_e.digests & FIM_HAS_SHA256);
			}
			if (k > 0)
				return 0;
			fim_entry_copy_release(&c->peek_e);
			c->peek_has = false;
		}
		if (c->peek_done)
			return 0;
		int r = fim_br_next(c->peek, &tag, &e, NULL);
		if (r <= 0) {
			c->peek_done = true;
			c->peek_err = r;
			return 0;
		}
		fim_entry_copy(&c->peek_e, &e);
		c->peek_has = true;
	}
}

int fim_compare(const struct fim_config *config, struct fim_baseline_reader *base,
                const char *base_path, const struct fim_scan_opts *opts, const struct fim_key *key,
                struct fim_report *report, struct strbuf *err)
{
	const struct fim_baseline_info *bi = fim_br_info(base);
	struct fim_baseline_info h = *bi;
	struct fim_scan_opts o = opts ? *opts : (struct fim_scan_opts){ .threads = -1 };
	struct fim_scan_stats st = { 0 };
	struct cmp c = { .config = config, .base = base, .rep = report, .err = err };
	int r;

	strbuf_init(&report->delta, 0);
	report->config_changed = memcmp(bi->config_sha256, config->sha256, 32) != 0;
	h.kind = FIM_DELTA_KIND;
	memcpy(h.config_sha256, config->sha256, 32);
	c.delta = fim_bw_open_mem(&h);
	if (config->growing && base_path &&
	    fim_br_open_file(base_path, bi->file_sha256, NULL, &c.peek, NULL) < 0)
		c.peek = NULL;
	o.problem = on_problem;
	o.prefix = on_prefix;
	o.arg = &c;
	r = next_old(&c);
	if (r >= 0)
		r = fim_scan(config, &o, on_entry, &c, &st, err);
	while (r >= 0 && c.has_old) {
		r = removed(&c, &c.old);
		if (r >= 0)
			r = next_old(&c);
	}
	report->entries = st.entries;
	report->bytes = st.bytes;
	if (r >= 0)
		r = fim_bw_finish_mem(c.delta, key, &report->delta, err);
	else
		fim_bw_abort(c.delta);
	if (c.has_old)
		fim_entry_copy_release(&c.old);
	if (c.peek_has)
		fim_entry_copy_release(&c.peek_e);
	fim_br_close(c.peek);
	return r < 0 ? r : 0;
}

int fim_apply_delta(struct fim_baseline_reader *base, struct fim_baseline_reader *delta,
                    const struct fim_baseline_info *h, const char *path, const struct fim_key *key,
                    uint8_t ret_sha256[32], uint64_t *ret_count, struct strbuf *err)
{
	struct fim_baseline_info info = *h;
	struct fim_baseline_writer *w;
	struct fim_entry b, d, bc = { 0 };
	char bt, dt;
	bool hb = false;
	int rb, rd, r;

	info.kind = FIM_BASELINE_KIND;
	if (fim_br_info(delta)->kind != FIM_DELTA_KIND) {
		error_set(err, "not a delta");
		return -EINVAL;
	}
	r = fim_bw_open(path, &info, &w, err);
	if (r < 0)
		return r;
	rb = fim_br_next(base, &bt, &b, err);
	if (rb > 0) {
		fim_entry_copy(&bc, &b);
		hb = true;
	}
	rd = rb < 0 ? 0 : fim_br_next(delta, &dt, &d, err);
	r = rb < 0 ? rb : rd < 0 ? rd : 0;
	while (r == 0 && (hb || rd > 0)) {
		int k = !hb       ? 1
		        : rd <= 0 ? -1
		                  : fim_path_cmp(bc.path, bc.path_len, d.path, d.path_len);
		if (k < 0) { /* unchanged */
			r = fim_bw_add(w, 'E', &bc, err);
		} else if (dt == 'R' && k > 0) {
			error_set(err, "the delta removes '%.*s', which the baseline does not have",
			          (int)d.path_len, d.path);
			r = -EBADMSG;
		} else if (dt == 'A' && k == 0) {
			error_set(err, "the delta adds '%.*s', which the baseline has",
			          (int)d.path_len, d.path);
			r = -EBADMSG;
		} else if (dt == 'C' && k > 0) {
			error_set(err, "the delta changes '%.*s', which the baseline does not have",
			          (int)d.path_len, d.path);
			r = -EBADMSG;
		} else if (dt != 'R') {
			r = fim_bw_add(w, 'E', &d, err);
		}
		if (r < 0)
			break;
		if (k <= 0) { /* the baseline's entry is used up */
			fim_entry_copy_release(&bc);
			hb = false;
			rb = fim_br_next(base, &bt, &b, err);
			if (rb < 0) {
				r = rb;
				break;
			}
			if (rb > 0) {
				fim_entry_copy(&bc, &b);
				hb = true;
			}
		}
		if (k >= 0) { /* the delta's record is used up */
			rd = fim_br_next(delta, &dt, &d, err);
			if (rd < 0)
				r = rd;
		}
	}
	if (hb)
		fim_entry_copy_release(&bc);
	if (r == 0 && fim_br_info(delta)->count == 0) {
		error_set(err, "the check found nothing to accept: the baseline stays as it is");
		r = -ENODATA;
	}
	if (r < 0) {
		fim_bw_abort(w);
		return r;
	}
	*ret_count = fim_bw_count(w);
	return fim_bw_finish(w, key, ret_sha256, err);
}

/* ---- output ---- */

static void jw_path(struct json_writer *w, const char *key, const char *path, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	fim_path_escape(&sb, path, len);
	jw_kv_str(w, key, sb.buf);
	strbuf_release(&sb);
}

static void hexkey(struct json_writer *w, const char *key, const uint8_t *d, bool has)
{
	struct strbuf sb = STRBUF_INIT;

	if (!has) {
		jw_key(w, key);
		jw_null(w);
		return;
	}
	strbuf_addhex(&sb, d, 32);
	jw_kv_str(w, key, sb.buf);
	strbuf_release(&sb);
}

/* The values of the changed attributes, one side. */
static void values(struct json_writer *w, const struct fim_entry *e, uint32_t changed)
{
	jw_object_begin(w);
	for (unsigned a = 0; a < FIM_ATTR_COUNT; a++) {
		if (!(changed & FIM_BIT(a)))
			continue;
		const char *k = fim_attr_name(a);
		struct strbuf sb = STRBUF_INIT;
		switch (a) {
		case FIM_ATTR_TYPE:
			jw_kv_str(w, k, fim_type_name(e->type));
			break;
		case FIM_ATTR_MODE:
			strbuf_addf(&sb, "%04o", e->mode);
			jw_kv_str(w, k, sb.buf);
			break;
		case FIM_ATTR_UID:
			jw_kv_int(w, k, e->uid);
			break;
		case FIM_ATTR_GID:
			jw_kv_int(w, k, e->gid);
			break;
		case FIM_ATTR_SIZE:
			jw_key(w, k);
			jw_uint(w, e->size);
			break;
		case FIM_ATTR_BLOCKS:
			jw_key(w, k);
			jw_uint(w, e->blocks);
			break;
		case FIM_ATTR_MTIME:
			jw_kv_int(w, k, e->mtime_ns);
			break;
		case FIM_ATTR_ATIME:
			jw_kv_int(w, k, e->atime_ns);
			break;
		case FIM_ATTR_CTIME:
			jw_kv_int(w, k, e->ctime_ns);
			break;
		case FIM_ATTR_INODE:
			jw_key(w, k);
			jw_uint(w, e->ino);
			break;
		case FIM_ATTR_NLINK:
			jw_key(w, k);
			jw_uint(w, e->nlink);
			break;
		case FIM_ATTR_LINK:
			if (e->link_len)
				jw_path(w, k, e->link, e->link_len);
			else
				jw_kv_str(w, k, NULL);
			break;
		case FIM_ATTR_SHA256:
			hexkey(w, k, e->sha256, e->digests & FIM_HAS_SHA256);
			break;
		case FIM_ATTR_XATTRS:
			hexkey(w, k, e->xattrs, e->digests & FIM_HAS_XATTRS);
			break;
		case FIM_ATTR_ACL:
			hexkey(w, k, e->acl, e->digests & FIM_HAS_ACL);
			break;
		case FIM_ATTR_SELINUX:
			hexkey(w, k, e->selinux, e->digests & FIM_HAS_SELINUX);
			break;
		case FIM_ATTR_CAPS:
			hexkey(w, k, e->caps, e->digests & FIM_HAS_CAPS);
			break;
		case FIM_ATTR_FLAGS:
			jw_kv_int(w, k, e->fflags);
			break;
		}
		strbuf_release(&sb);
	}
	jw_object_end(w);
}

static void changes_json(struct json_writer *w, const char *key, const struct fim_changes *c,
                         bool detail, size_t max)
{
	jw_key(w, key);
	jw_array_begin(w);
	for (size_t i = 0; i < c->nr && i < max; i++) {
		const struct fim_change *x = &c->items[i];
		jw_object_begin(w);
		jw_path(w, "path", x->path, x->path_len);
		jw_kv_str(w, "type", fim_type_name(x->type));
		if (detail) {
			jw_key(w, "attributes");
			jw_array_begin(w);
			for (unsigned a = 0; a < FIM_ATTR_COUNT; a++)
				if (x->changed & FIM_BIT(a))
					jw_string(w, fim_attr_name(a));
			jw_array_end(w);
			jw_key(w, "old");
			values(w, &x->old, x->changed);
			jw_key(w, "new");
			values(w, &x->now, x->changed);
		}
		if (x->critical)
			jw_kv_bool(w, "critical", true);
		jw_object_end(w);
	}
	jw_array_end(w);
}

void fim_report_json(const struct fim_report *r, struct json_writer *w)
{
	fim_report_json_limit(r, w, SIZE_MAX);
}

void fim_report_json_limit(const struct fim_report *r, struct json_writer *w, size_t max)
{
	bool cut =
	    r->added.nr > max || r->removed.nr > max || r->changed.nr > max || r->nr_problems > max;

	changes_json(w, "added", &r->added, false, max);
	changes_json(w, "removed", &r->removed, false, max);
	changes_json(w, "changed", &r->changed, true, max);
	jw_key(w, "problems");
	jw_array_begin(w);
	for (size_t i = 0; i < r->nr_problems && i < max; i++) {
		jw_object_begin(w);
		jw_path(w, "path", r->problems[i].path, r->problems[i].path_len);
		jw_kv_str(w, "problem", fim_problem_name(r->problems[i].what));
		jw_kv_str(w, "error", r->problems[i].err ? strerror(r->problems[i].err) : NULL);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_key(w, "problem_count");
	jw_uint(w, r->problem_count);
	jw_kv_bool(w, "config_changed", r->config_changed);
	jw_key(w, "summary");
	jw_object_begin(w);
	jw_key(w, "entries");
	jw_uint(w, r->entries);
	jw_key(w, "baseline_entries");
	jw_uint(w, r->baseline_entries);
	jw_key(w, "added");
	jw_uint(w, r->added.nr);
	jw_key(w, "removed");
	jw_uint(w, r->removed.nr);
	jw_key(w, "changed");
	jw_uint(w, r->changed.nr);
	jw_kv_bool(w, "critical", r->critical);
	jw_object_end(w);
	if (cut)
		jw_kv_bool(w, "truncated", true);
}

void fim_report_text(const struct fim_report *r, struct strbuf *out)
{
	const struct {
		const char *label;
		const struct fim_changes *c;
	} parts[] = { { "added", &r->added },
		      { "removed", &r->removed },
		      { "changed", &r->changed } };

	for (size_t p = 0; p < ARRAY_SIZE(parts); p++) {
		for (size_t i = 0; i < parts[p].c->nr; i++) {
			const struct fim_change *x = &parts[p].c->items[i];
			strbuf_addf(out, "%s: ", parts[p].label);
			fim_path_escape(out, x->path, x->path_len);
			if (x->changed) {
				bool first = true;
				strbuf_addstr(out, " (");
				for (unsigned a = 0; a < FIM_ATTR_COUNT; a++) {
					if (!(x->changed & FIM_BIT(a)))
						continue;
					strbuf_addf(out, "%s%s", first ? "" : ", ",
					            fim_attr_name(a));
					first = false;
				}
				strbuf_addstr(out, ")");
			}
			if (x->critical)
				strbuf_addstr(out, " [critical]");
			strbuf_addch(out, '\n');
		}
	}
	for (size_t i = 0; i < r->nr_problems; i++) {
		strbuf_addf(out, "problem: ");
		fim_path_escape(out, r->problems[i].path, r->problems[i].path_len);
		strbuf_addf(out, " (%s%s%s)\n", fim_problem_name(r->problems[i].what),
		            r->problems[i].err ? ": " : "",
		            r->problems[i].err ? strerror(r->problems[i].err) : "");
	}
	if (r->problem_count > r->nr_problems)
		strbuf_addf(out, "problem: ... and %" PRIu64 " more\n",
		            r->problem_count - r->nr_problems);
}
