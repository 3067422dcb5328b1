/* notify: one e-mail digest per person per round, of what is new in their inbox. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/conf.h"
#include "core/act.h"
#include "core/inbox.h"
#include "core/notify.h"
#include "core/org.h"
#include "core/read.h"
#include "core/smtp.h"
#include "store/query.h"

/* Rows older than this are forgotten: an inbox key never lives that long. */
#define SENT_KEEP_MS (400LL * 86400 * 1000)

int notify_config_read(const char *dir, int64_t *interval_s, char **base_url, struct strbuf *err)
{
	struct conf c = CONF_INIT;
	const char *u;
	int r = conf_load(dir, &c, err);

	*base_url = NULL;
	if (r == 0)
		r = conf_get_int(&c, "notify", "interval", NOTIFY_INTERVAL_MIN, NOTIFY_INTERVAL_MAX,
		                 NOTIFY_INTERVAL_DEFAULT, interval_s, err);
	u = r == 0 ? conf_get(&c, "notify", "base_url") : NULL;
	if (u && strncmp(u, "https://", 8) && strncmp(u, "http://", 7)) {
		strbuf_addf(err, "[notify] base_url '%s' must start with https:// or http://", u);
		r = -EINVAL;
	} else if (u) {
		size_t n = strlen(u);
		*base_url = n && u[n - 1] == '/' ? xstrdup(u) : xstrfmt("%s/", u);
	}
	conf_release(&c);
	return r;
}

static int was_sent(struct store *st, int64_t user_id, const char *key, bool *ret,
                    struct strbuf *err)
{
	struct query *q;
	int64_t n = 0;
	int r = query_prepare(st, "SELECT count(*) FROM notify_sent WHERE user_id = ? AND key = ?",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, user_id);
	query_bind_text(q, 2, key);
	r = query_one_int(q, &n, err);
	*ret = n > 0;
	return r;
}

static int remember(struct store *st, int64_t user_id, const struct inbox *b, const bool *fresh,
                    int64_t now, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "INSERT INTO notify_sent (user_id, key, sent_ms) "
	                      "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
	                      &q, err);

	for (size_t i = 0; r == 0 && i < b->nr; i++) {
		if (!fresh[i])
			continue;
		query_bind_int(q, 1, user_id);
		query_bind_text(q, 2, b->items[i].key);
		query_bind_int(q, 3, now);
		r = query_run(q, err);
	}
	return r;
}

static int forget_old(struct store *st, int64_t now, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, "DELETE FROM notify_sent WHERE sent_ms < ?", &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, now - SENT_KEEP_MS);
	return query_run(q, err);
}

/* One person's digest: 1 when sent (or would be), 0 when nothing new, < 0 a store error. */
static int one_person(struct door *d, const struct notify_options *o, const struct org_user *u,
                      int64_t now, struct notify_result *res, struct strbuf *err)
{
	struct store *st = door_store(d);
	struct reader *rd = NULL;
	struct inbox b = { 0 };
	struct strbuf subject = STRBUF_INIT, body = STRBUF_INIT, msg = STRBUF_INIT;
	struct strbuf serr = STRBUF_INIT;
	bool *fresh = NULL;
	size_t n_fresh = 0;
	int r = reader_for_login(st, door_profile(d), u->login, now, &rd, err);

	if (r == 0)
		r = inbox_collect(d, st, rd, u->id, now, &b, err);
	if (r == 0 && b.nr)
		fresh = xcalloc(b.nr, sizeof(*fresh));
	for (size_t i = 0; r == 0 && i < b.nr; i++) {
		bool sent = false;
		r = was_sent(st, u->id, b.items[i].key, &sent, err);
		fresh[i] = !sent;
		n_fresh += !sent;
	}
	if (r < 0 || !n_fresh)
		goto out;
	if (!u->email) {
		res->no_email++;
		goto out;
	}
	o->compose(o->ctx, u, &b, fresh, o->base_url, &subject, &body);
	res->digests++;
	res->items += (unsigned)n_fresh;
	r = 1;
	if (o->dry_run || !o->smtp || !o->smtp->host) {
		if (o->sent) {
			char local[] = "mamori@localhost";
			struct smtp_config none = { .from = local };
			smtp_message(&msg, o->smtp && o->smtp->host ? o->smtp : &none, u->email,
			             u->name, subject.buf, body.buf, now);
			o->sent(o->ctx, u->email, msg.buf);
		}
		goto out;
	}
	smtp_message(&msg, o->smtp, u->email, u->name, subject.buf, body.buf, now);
	if (smtp_send(o->smtp, u->email, msg.buf, msg.len, &serr) < 0) {
		res->failed++;
		res->digests--;
		res->items -= (unsigned)n_fresh;
		if (!err->len)
			strbuf_add(err, serr.buf, serr.len);
		goto out;
	}
	if (o->sent)
		o->sent(o->ctx, u->email, msg.buf);
	r = remember(st, u->id, &b, fresh, now, err);
	if (r == 0)
		r = 1;
out:
	free(fresh);
	inbox_release(&b);
	reader_unref(rd);
	strbuf_release(&subject);
	strbuf_release(&body);
	strbuf_release(&msg);
	strbuf_release(&serr);
	return r;
}

int notify_round(struct door *d, const struct notify_options *o, int64_t now_ms,
                 struct notify_result *res, struct strbuf *err)
{
	struct store *st = door_store(d);
	struct org_users users = { 0 };
	int r;

	memset(res, 0, sizeof(*res));
	if (!door_profile(d)) {
		strbuf_addstr(err, "no profile is applied: apply one first (mamori policy apply)");
		return -ENOENT;
	}
	r = org_users_list(st, NULL, USER_ACTIVE, &users, err);
	for (size_t i = 0; r >= 0 && i < users.nr; i++) {
		const struct org_user *u = &users.items[i];
		if (o->only_login && strcmp(o->only_login, u->login))
			continue;
		res->people += u->email != NULL;
		/* A send failure is told in err but is no reason to stop the others' digests. */
		r = one_person(d, o, u, now_ms, res, err);
	}
	if (r >= 0 && !o->dry_run)
		r = forget_old(st, now_ms, err);
	org_users_release(&users);
	return r < 0 ? r : 0;
}
