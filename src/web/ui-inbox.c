/* ui-inbox: 受信箱, what waits for the person now (core/inbox.h), and the same things in the
 * e-mail digest's words (web_notify_compose), from the one catalog. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "core/act.h"
#include "core/core.h"
#include "core/inbox.h"
#include "core/org.h"
#include "web/access.h"
#include "web/html.h"
#include "web/http-internal.h"
#include "web/i18n.h"
#include "web/route.h"
#include "web/ui.h"
#include "web/web.h"

static const char *kind_heading(enum inbox_kind k)
{
	switch (k) {
	case INBOX_APPROVE:
		return _("Requests waiting for my decision");
	case INBOX_DECIDED:
		return _("My requests that were decided");
	case INBOX_DUTY:
		return _("Duties due and overdue");
	case INBOX_TAKEOUT:
		return _("Take-outs past their due date");
	case INBOX_INCIDENT:
		return _("Incidents reported to me");
	case INBOX_DEADLINE:
		return _("Deadlines of those incidents (reports the law requires)");
	case INBOX_RISK_TASK:
		return _("Tasks of risk treatment plans assigned to me");
	case INBOX_MOVE:
		return _("Transfers (人事異動) whose day has come but that were not applied");
	default:
		return "";
	}
}

static const char *register_name(const struct profile *p, const char *id)
{
	const struct policy_register *g = p && id ? policy_register(p, id) : NULL;
	return g && g->name ? g->name : id ? id : "";
}

static const char *action_name(const struct profile *p, const char *id)
{
	const struct policy_action *a = p && id ? policy_action(p, id) : NULL;
	return a && a->name ? a->name : id ? id : "";
}

static const char *state_name(const struct profile *p, const char *reg, const char *state)
{
	const struct policy_register *g = p && reg ? policy_register(p, reg) : NULL;
	const struct policy_state *s = g && state ? policy_register_state(g, state) : NULL;
	return s && s->name ? s->name : state ? state : "";
}

static const char *deadline_name(const struct profile *p, const char *id)
{
	for (unsigned i = 0; p && id && i < p->incidents.n_deadlines; i++)
		if (!strcmp(p->incidents.deadlines[i].id, id))
			return p->incidents.deadlines[i].name;
	return id ? id : "";
}

static const char *role_name(const struct profile *p, const char *id)
{
	const struct policy_role *x = p && id ? policy_role(p, id) : NULL;
	return x && x->name ? x->name : id ? id : "";
}

/* The address of the page that deals with it, from the site's root. */
static void item_url(const struct inbox_item *it, struct strbuf *out)
{
	if (it->kind == INBOX_APPROVE || it->kind == INBOX_DECIDED)
		strbuf_addf(out, "requests/%" PRId64, it->request_id);
	else if (it->kind == INBOX_DUTY)
		strbuf_addstr(out, "duties");
	else if (it->kind == INBOX_RISK_TASK)
		strbuf_addf(out, "risks/%" PRId64 "#plan", it->record_id);
	else if (it->kind == INBOX_MOVE) {
		strbuf_addstr(out, "admin/users");
		html_url_query(out, "q", it->title ? it->title : "");
	} else if (it->kind == INBOX_DEADLINE)
		strbuf_addf(out, "incidents/%" PRId64 "#deadlines", it->record_id);
	else
		strbuf_addf(out, "records/%" PRId64, it->record_id);
}

/* 令和8年12月4日 (2026-12-04): the day as offices write it, with ISO beside it. */
static void add_day(struct strbuf *out, int64_t ms)
{
	struct strbuf iso = STRBUF_INIT;

	time_format_wareki(out, ms, TOKYO_OFFSET_MS);
	time_format_local(&iso, ms, TOKYO_OFFSET_MS);
	strbuf_setlen(&iso, iso.len > 10 ? 10 : iso.len);
	strbuf_addf(out, " (%s)", iso.buf);
	strbuf_release(&iso);
}

/* A case's deadline: its name, the case and when it is (or was) due, in wareki and time. */
static void deadline_text(const struct profile *p, const struct inbox_item *it, struct strbuf *out)
{
	struct strbuf due = STRBUF_INIT, hm = STRBUF_INIT;
	time_format_wareki(&due, it->when_ms, TOKYO_OFFSET_MS);
	time_format_local(&hm, it->when_ms, TOKYO_OFFSET_MS);
	strbuf_addf(&due, " %s", hm.len > 11 ? hm.buf + 11 : hm.buf);
	strbuf_release(&hm);
	strbuf_addf(out,
	            it->overdue ? _("%s of \"%s\": was due by %s (overdue)")
	                        : _("%s of \"%s\": due by %s"),
	            deadline_name(p, it->deadline), it->title, due.buf);
	strbuf_release(&due);
}

/* A move dated ahead (人事異動) that the door refused, or that is late: whose, where and when. */
static void move_text(struct store *st, const struct inbox_item *it, struct strbuf *out)
{
	struct strbuf day = STRBUF_INIT;
	char *where;

	where = it->scope ? org_scope_name(st, it->scope) : NULL;
	add_day(&day, it->when_ms);
	if (!strcmp(it->state, "refused_not_admin"))
		strbuf_addf(out,
		            _("The move of %s to %s on %s was refused by the door: %s, who "
		              "scheduled it, is no longer an administrator. Cancel it on the "
		              "users page and schedule it again."),
		            it->person ? it->person : it->title, where ? where : it->scope, day.buf,
		            it->by ? it->by : "—");
	else if (!strcmp(it->state, "refused"))
		strbuf_addf(out,
		            _("The move of %s to %s on %s was refused by the door (ledger "
		              "entry %lld)."),
		            it->person ? it->person : it->title, where ? where : it->scope, day.buf,
		            (long long)it->ledger_index);
	else
		strbuf_addf(out,
		            _("The move of %s to %s on %s has not been applied although its "
		              "day has come."),
		            it->person ? it->person : it->title, where ? where : it->scope,
		            day.buf);
	free(where);
	strbuf_release(&day);
}

void web_inbox_item_text(const struct profile *p, struct store *st, const struct inbox_item *it,
                         struct strbuf *out)
{
	struct strbuf day = STRBUF_INIT;
	char *where;

	switch (it->kind) {
	case INBOX_APPROVE:
		strbuf_addf(out, _("Request #%lld: %s of %s, applied for by %s"),
		            (long long)it->request_id, action_name(p, it->action), it->title,
		            it->person ? it->person : "—");
		if (it->acting_for)
			strbuf_addf(out, _(" (you decide as the deputy of the %s: 代決)"),
			            role_name(p, it->acting_for));
		break;
	case INBOX_DECIDED:
		strbuf_addf(out, _("Request #%lld: %s of %s is %s"), (long long)it->request_id,
		            action_name(p, it->action), it->title,
		            ui_request_state_name(it->state));
		if (it->person)
			strbuf_addf(out, _(" (decided by %s)"), it->person);
		break;
	case INBOX_DUTY:
		where = it->scope ? org_scope_name(st, it->scope) : NULL;
		add_day(&day, it->when_ms);
		strbuf_addf(out,
		            it->overdue ? _("%s (%s): overdue since %s") : _("%s (%s): due on %s"),
		            it->title, where ? where : _("whole ward"), day.buf);
		free(where);
		break;
	case INBOX_TAKEOUT:
		add_day(&day, it->when_ms - 1);
		strbuf_addf(out, _("%s (%s), taken out by %s, was due back on %s"), it->title,
		            register_name(p, it->register_id), it->person ? it->person : "—",
		            day.buf);
		break;
	case INBOX_INCIDENT:
		strbuf_addf(out, _("%s: %s (%s)"), register_name(p, it->register_id), it->title,
		            state_name(p, it->register_id, it->state));
		break;
	case INBOX_DEADLINE:
		deadline_text(p, it, out);
		break;
	case INBOX_MOVE:
		move_text(st, it, out);
		break;
	case INBOX_RISK_TASK:
		add_day(&day, it->when_ms - 1);
		strbuf_addf(out,
		            it->overdue ? _("%s (risk %lld): was due on %s (overdue)")
		                        : _("%s (risk %lld): due on %s"),
		            it->title, (long long)it->record_id, day.buf);
		break;
	default:
		break;
	}
	strbuf_release(&day);
}

void ui_inbox(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, line = STRBUF_INIT, url = STRBUF_INIT;
	struct reader *rd = web_reader(r);
	struct inbox b = { 0 };

	if (!web_door(r) || !rd) {
		web_error(r, 503, "no profile in force");
		return;
	}
	if (inbox_collect(web_door(r), r->st, rd, r->user->id, time_now_ms(), &b, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	page_begin(r, _("Inbox"), NAV_INBOX);
	html_elem(o, "p",
	          _("What waits for you: requests to decide, your requests that were decided, "
	            "duties due, take-outs past their due date, incidents reported to you and "
	            "their legal "
	            "deadlines. "
	            "The same things reach you by e-mail when the ward has set up a mail server."),
	          "class", "cite", HTML_END);
	if (!b.nr)
		html_elem(o, "p", _("Nothing waits for you."), "class", "empty", HTML_END);
	for (int k = 0; k < INBOX_KINDS; k++) {
		char id[32];
		if (!b.n_kind[k])
			continue;
		snprintf(id, sizeof(id), "inbox-%s", inbox_kind_id((enum inbox_kind)k));
		html_open(o, "section", "class", "card", "aria-labelledby", id, HTML_END);
		strbuf_reset(&line);
		strbuf_addf(&line, _("%s (%zu)"), kind_heading((enum inbox_kind)k), b.n_kind[k]);
		html_elem(o, "h2", line.buf, "id", id, HTML_END);
		html_open(o, "ul", "class", "inbox", HTML_END);
		for (size_t i = 0; i < b.nr; i++) {
			const struct inbox_item *it = &b.items[i];
			if ((int)it->kind != k)
				continue;
			strbuf_reset(&line);
			strbuf_reset(&url);
			web_inbox_item_text(r->profile, r->st, it, &line);
			strbuf_addch(&url, '/');
			item_url(it, &url);
			html_open(o, "li", "class", it->overdue ? "overdue" : NULL, "data-kind",
			          inbox_kind_id(it->kind), HTML_END);
			page_link(o, url.buf, line.buf);
			html_close(o, "li");
		}
		html_close(o, "ul");
		html_close(o, "section");
	}
	page_end(r);
out:
	inbox_release(&b);
	strbuf_release(&err);
	strbuf_release(&line);
	strbuf_release(&url);
}

void web_notify_compose(void *ctx, const struct org_user *u, const struct inbox *b,
                        const bool *fresh, const char *base_url, struct strbuf *subject,
                        struct strbuf *body)
{
	struct door *d = ctx;
	const struct profile *p = door_profile(d);
	struct store *st = door_store(d);
	enum web_lang was = i18n_lang();
	size_t n = 0;

	/* Mail goes out in Japanese, the language the ward's people read first. */
	i18n_set_lang(WEB_LANG_JA);
	for (size_t i = 0; i < b->nr; i++)
		n += fresh[i];
	strbuf_addf(subject, _("[Mamori] %zu new for you"), n);
	strbuf_addf(body, _("%s:\n\nThese wait for you in Mamori (new since the last notice):\n"),
	            u->name);
	for (int k = 0; k < INBOX_KINDS; k++) {
		bool head = false;
		for (size_t i = 0; i < b->nr; i++) {
			const struct inbox_item *it = &b->items[i];
			if ((int)it->kind != k || !fresh[i])
				continue;
			if (!head)
				strbuf_addf(body, "\n■ %s\n", kind_heading((enum inbox_kind)k));
			head = true;
			strbuf_addstr(body, "・");
			web_inbox_item_text(p, st, it, body);
			strbuf_addstr(body, "\n");
			if (base_url) {
				strbuf_addf(body, "  %s", base_url);
				item_url(it, body);
				strbuf_addstr(body, "\n");
			}
		}
	}
	strbuf_addf(body, _("\nYour inbox holds %zu in all.\n"), b->nr);
	if (base_url)
		strbuf_addf(body, "  %sinbox\n", base_url);
	strbuf_addstr(body, _("\nThis message was sent by Mamori; do not reply to it.\n"));
	i18n_set_lang(was);
}
