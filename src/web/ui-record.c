/* ui-record: one record: its fields, its history from the ledger and the actions I may take
 * (taking one, with its decision preview, is ui-record-act.c). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "core/attach.h"
#include "core/history.h"
#include "core/org.h"
#include "core/read.h"
#include "core/records.h"
#include "policy/grants.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "web/access.h"
#include "web/decide.h"
#include "web/forms.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui-record.h"
#include "web/ui.h"

/*
 * Acts a record page shows at a time, the latest first reached: a record transmitted all day
 * had hundreds, each read from the ledger and checked on every view (the soak's reads fell
 * with them).
 */
#define RECORD_HISTORY_PAGE 50

int ui_record_load_visible(struct web_req *r, struct record *rec)
{
	struct strbuf err = STRBUF_INIT, why_log = STRBUF_INIT;
	struct read_why why = { 0 };
	int64_t id = ui_arg_id(r->args[0]);
	int ret;

	if (!id) {
		web_record_not_found(r, "record ids are positive numbers");
		return -ENOENT;
	}
	ret = record_get(r->st, id, rec, &err);
	if (ret == -ENOENT || (ret == 0 && !web_record_visible(r, rec, &why))) {
		/* The same answer whether it does not exist or may not be seen: no oracle. */
		if (ret == 0) {
			web_audit(r, r->user->login, "access.refused", "record");
			record_release(rec);
			strbuf_addf(&why_log, "record %lld hidden from %s (%s): %s", (long long)id,
			            r->user->login, why.reason ? why.reason : "", why.detail);
		} else {
			strbuf_addf(&why_log, "no record %lld", (long long)id);
		}
		web_record_not_found(r, why_log.buf);
		ret = -ENOENT;
	} else if (ret < 0) {
		web_error(r, 503, err.buf);
	}
	strbuf_release(&err);
	strbuf_release(&why_log);
	return ret;
}

/* Access grants as people name them: 区民課、佐藤 花子（sato）、庁内LAN システム管理者. */
static void grants_value(struct web_req *r, const char *v)
{
	struct strbuf *o = &r->out;
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	struct policy_grant g;
	const char *cur = v;
	bool first = true;

	if (!r->profile) {
		html_text(o, v);
		return;
	}
	html_open(o, "ul", "class", "grants", HTML_END);
	while (policy_grants_next(r->profile, &cur, &g, &err) > 0) {
		strbuf_reset(&sb);
		form_grant_label(r, &g, &sb);
		html_elem(o, "li", sb.buf, HTML_END);
		first = false;
	}
	if (first)
		html_elem(o, "li", "—", HTML_END);
	html_close(o, "ul");
	strbuf_release(&sb);
	strbuf_release(&err);
}

/* Ledger entries (a finding's evidence): each a link to the entry, 「12、57」. */
static void entries_value(struct strbuf *o, const char *v)
{
	const char *cur = v, *b;
	bool first = true;
	size_t n;

	while (policy_list_next(&cur, &b, &n)) {
		char url[64], num[24];

		if (n >= sizeof(num))
			continue; /* the door let no such value in */
		memcpy(num, b, n);
		num[n] = '\0';
		snprintf(url, sizeof(url), "/ledger/entry?index=%s", num);
		if (!first)
			strbuf_addstr(o, "、");
		html_elem(o, "a", num, "href", url, "class", "entry", HTML_END);
		first = false;
	}
}

static void field_value(struct web_req *r, const struct policy_field *f, const char *v)
{
	struct strbuf *o = &r->out;

	if (!v) {
		html_text(o, "—");
		return;
	}
	switch (f->type) {
	case FIELD_LEVEL:
		ui_level(r, v);
		break;
	case FIELD_SECTION: {
		char *n = ui_section_name(r, v);
		html_text(o, n);
		free(n);
		break;
	}
	case FIELD_BOOL:
		html_text(o, !strcmp(v, "true") ? _("yes") : _("no"));
		break;
	case FIELD_REF: {
		struct strbuf url = STRBUF_INIT;
		strbuf_addstr(&url, "/records");
		html_url_segment(&url, v);
		page_link(o, url.buf, v);
		strbuf_release(&url);
		break;
	}
	case FIELD_SET: {
		/* 守秘義務、違反時の措置 */
		struct strbuf items = STRBUF_INIT;
		for (const char *p = v; *p; p++) {
			if (*p == ',')
				strbuf_addstr(&items, "、");
			else
				strbuf_addch(&items, *p);
		}
		html_text(o, items.buf);
		strbuf_release(&items);
		break;
	}
	case FIELD_GRANTS:
		grants_value(r, v);
		break;
	case FIELD_ENTRIES:
		entries_value(o, v);
		break;
	default:
		html_text(o, v);
	}
}

/* The name and the shown value of what an act recorded: the action's field or the register's. */
static void recorded_fields(struct web_req *r, const struct policy_action *a, json_t *fields,
                            bool skip_register_fields)
{
	struct strbuf *o = &r->out;
	const char *k;
	json_t *v;

	if (!json_object_size(fields))
		return;
	html_open(o, "dl", "class", "recorded", HTML_END);
	json_object_foreach(fields, k, v)
	{
		bool is_action = false;
		const struct policy_field *f =
		    a ? record_find_field(a->reg, a->fields, a->n_fields, k, &is_action) : NULL;
		if (!json_is_string(v) || (skip_register_fields && f && !is_action))
			continue;
		html_elem(o, "dt", f && f->name ? f->name : k, HTML_END);
		html_open(o, "dd", HTML_END);
		if (f)
			field_value(r, f, json_string_value(v));
		else
			html_text(o, json_string_value(v));
		html_close(o, "dd");
	}
	html_close(o, "dl");
}

/*
 * What the record's present state is about, from the act that brought it there (a take-out:
 * where to, what for, by whom, when): the action's own fields, which the record's fields do
 * not hold.
 */
static void present_state(struct web_req *r, const struct record *rec, const struct history *h)
{
	struct strbuf *o = &r->out;
	const struct history_item *x = history_present(h, r->profile, rec->state);
	const struct policy_action *a = x ? policy_action(r->profile, x->action) : NULL;
	const struct history_item *applied = x;
	bool any = false;
	const char *k;
	json_t *v;

	if (!a)
		return;
	json_object_foreach(x->fields, k, v)
	{
		bool is_action = false;
		const struct policy_field *f =
		    record_find_field(a->reg, a->fields, a->n_fields, k, &is_action);
		any |= f && is_action && !policy_register_field(a->reg, k);
	}
	if (!any)
		return;
	html_open(o, "section", "class", "card present", HTML_END);
	html_open(o, "h2", HTML_END);
	html_text(o, ui_state_name(r, rec->register_id, rec->state));
	html_text(o, _(": "));
	html_text(o, ui_action_name(r, x->action));
	html_close(o, "h2");
	/* who did it: the applicant when an approval applied it, and who approved */
	for (size_t i = 0; x->request_id && i < h->nr; i++)
		if (h->items[i].request_id == x->request_id && h->items[i].kind &&
		    !strncmp(h->items[i].kind, "record.", 7))
			applied = &h->items[i];
	html_open(o, "dl", "class", "props", HTML_END);
	html_elem(o, "dt", _("Applicant"), HTML_END);
	html_open(o, "dd", HTML_END);
	html_text(o, applied->actor_name ? applied->actor_name : applied->actor);
	ui_channel_note(r, applied->via, applied->os_user);
	strbuf_addch(o, ' ');
	page_time(o, applied->at_ms);
	html_close(o, "dd");
	if (applied != x) {
		html_elem(o, "dt", _("Approved by"), HTML_END);
		html_open(o, "dd", HTML_END);
		html_text(o, x->actor_name ? x->actor_name : x->actor);
		ui_channel_note(r, x->via, x->os_user);
		strbuf_addch(o, ' ');
		page_time(o, x->at_ms);
		html_close(o, "dd");
	}
	html_close(o, "dl");
	recorded_fields(r, a, x->fields, true);
	html_close(o, "section");
}

static void history_rows(struct web_req *r, const struct history *h)
{
	struct strbuf *o = &r->out;

	html_elem(o, "h2", _("History"), "id", "history", HTML_END);
	html_open(o, "table", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("When"), HTML_END);
	html_elem(o, "th", _("Who"), HTML_END);
	html_elem(o, "th", _("What"), HTML_END);
	html_elem(o, "th", _("Outcome"), HTML_END);
	html_elem(o, "th", _("Clauses"), HTML_END);
	html_elem(o, "th", _("Ledger"), HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < h->nr; i++) {
		const struct history_item *x = &h->items[i];
		const struct policy_action *a = policy_action(r->profile, x->action);
		char url[48], t[24];

		html_open(o, "tr", HTML_END);
		html_open(o, "td", HTML_END);
		page_time(o, x->at_ms);
		html_close(o, "td");
		html_open(o, "td", "title", x->actor, HTML_END);
		html_text(o, x->actor_name ? x->actor_name : "-");
		ui_channel_note(r, x->via, x->os_user);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		html_text(o, ui_action_name(r, x->action));
		recorded_fields(r, a, x->fields, false);
		if (x->comment) {
			html_open(o, "div", "class", "cite", HTML_END);
			html_text(o, x->comment);
			html_close(o, "div");
		}
		{
			/* The files this act added (attachments, core/attach.h). */
			struct attachment_list files = { 0 };
			if (attachments_of_act(r->st, x->act_id, &files, NULL) == 0)
				ui_attachment_links(r, &files);
			attachment_list_release(&files);
		}
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		html_text(o, !strcmp(x->outcome, "done")      ? _("done")
		             : !strcmp(x->outcome, "pending") ? _("waiting for approval")
		                                              : _("refused"));
		if (x->request_id) {
			snprintf(url, sizeof(url), "/requests/%lld", (long long)x->request_id);
			strbuf_addch(o, ' ');
			page_link(o, url, _("request"));
		}
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		for (const char *c = x->clauses; c && *c;) {
			size_t len = strcspn(c, " ");
			char *one = xstrndup(c, len);
			ui_clause(r, one);
			strbuf_addch(o, ' ');
			free(one);
			c += len + (c[len] ? 1 : 0);
		}
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		snprintf(url, sizeof(url), "/ledger/entry?index=%llu",
		         (unsigned long long)x->ledger_index);
		snprintf(t, sizeof(t), "#%llu", (unsigned long long)x->ledger_index);
		page_link(o, url, t);
		strbuf_addch(o, ' ');
		/* the act log is an index into the ledger: each row is shown as the ledger has it
		 */
		if (x->verified)
			html_elem(o, "span", _("✓ matches the ledger"), "class", "tag", HTML_END);
		else
			html_elem(o, "strong", _("does NOT match the ledger"), "class",
			          "notice error", HTML_END);
		html_close(o, "td");
		html_close(o, "tr");
	}
	html_close(o, "table");
}

/* The way to the record's earlier acts and back to its latest (a page of history at a time). */
static void history_pager(struct web_req *r, int64_t record_id, const struct history *h,
                          int64_t before, bool older)
{
	struct strbuf *o = &r->out;
	char url[80];

	if (!before && !older)
		return;
	html_open(o, "nav", "class", "pager", "aria-label", _("History pages"), HTML_END);
	if (before) {
		snprintf(url, sizeof(url), "/records/%" PRId64 "#history", record_id);
		html_elem(o, "a", _("Latest acts"), "href", url, "rel", "prev", HTML_END);
	}
	if (older && h->nr) {
		snprintf(url, sizeof(url), "/records/%" PRId64 "?before=%" PRId64 "#history",
		         record_id, h->items[0].act_id);
		html_elem(o, "a", _("Earlier acts"), "href", url, "rel", "next", HTML_END);
	}
	html_close(o, "nav");
}

/* The actions the record's register offers from its state, each with a decision preview. */
static void actions(struct web_req *r, const struct record *rec, const struct policy_register *g)
{
	struct strbuf *o = &r->out;
	unsigned shown = 0;

	html_elem(o, "h2", _("What I may do"), "id", "actions", HTML_END);
	html_open(o, "ul", "class", "actions", HTML_END);
	for (unsigned i = 0; i < g->n_actions; i++) {
		const struct policy_action *a = g->actions[i];
		const struct policy_state *st = policy_register_state(g, rec->state);
		struct decide_input in = { 0 };
		struct strbuf sentence = STRBUF_INIT, url = STRBUF_INIT;
		struct decision d;

		if (a->create || !strcmp(a->id, "read"))
			continue;
		if (a->from && st && !((a->from >> st->index) & 1))
			continue;
		web_decide_input(&in, r->user, a->full_name, rec, NULL, NULL, NULL);
		decide_input_grants(&in, r->profile, rec);
		if (policy_decide(r->profile, &in.q, &d, NULL) == 0) {
			web_decision_sentence(r, &d, &sentence);
			strbuf_addf(&url, "/records/%" PRId64 "/act", rec->id);
			html_url_query(&url, "action", a->full_name);
			html_open(o, "li", HTML_END);
			/* an action that waits for the applicant's answers is still offered */
			if (d.effect == EFFECT_DENY && d.reason != REASON_MISSING_CONTEXT)
				html_elem(o, "strong", a->name ? a->name : a->id, HTML_END);
			else
				html_elem(o, "a", a->name ? a->name : a->id, "href", url.buf,
				          HTML_END);
			html_text(o, " — ");
			html_elem(o, "span", sentence.buf, "class",
			          d.effect == EFFECT_ALLOW      ? "decision allow"
			          : d.effect == EFFECT_APPROVAL ? "decision approval"
			                                        : "decision deny cite",
			          HTML_END);
			html_close(o, "li");
			shown++;
		}
		decide_input_release(&in);
		strbuf_release(&sentence);
		strbuf_release(&url);
	}
	html_close(o, "ul");
	if (!shown)
		html_elem(o, "p", _("No action is possible from this record's state."), HTML_END);
}

/* The record's card: its state, its fields (of register g, NULL: none) and its two times. */
static void record_props(struct web_req *r, const struct record *rec,
                         const struct policy_register *g)
{
	struct strbuf *o = &r->out;

	html_open(o, "section", "class", "card", HTML_END);
	html_open(o, "dl", "class", "props", HTML_END);
	html_elem(o, "dt", _("State"), HTML_END);
	html_open(o, "dd", HTML_END);
	html_elem(o, "span", ui_state_name(r, rec->register_id, rec->state), "class", "state",
	          HTML_END);
	html_close(o, "dd");
	for (unsigned i = 0; g && i < g->n_fields; i++) {
		const struct policy_field *f = &g->fields[i];
		html_elem(o, "dt", f->name ? f->name : f->id, HTML_END);
		html_open(o, "dd", HTML_END);
		field_value(r, f, record_field(rec, f->id));
		html_close(o, "dd");
	}
	html_elem(o, "dt", _("Registered"), HTML_END);
	html_open(o, "dd", HTML_END);
	page_time(o, rec->created_ms);
	html_close(o, "dd");
	html_elem(o, "dt", _("Last changed"), HTML_END);
	html_open(o, "dd", HTML_END);
	page_time(o, rec->changed_ms);
	html_close(o, "dd");
	html_close(o, "dl");
	html_close(o, "section");
}

void ui_record(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct record rec = { 0 };
	struct strbuf title = STRBUF_INIT, err = STRBUF_INIT;
	const struct policy_register *g;
	struct history hist = { 0 }, present = { 0 };
	struct ledger *lg = NULL;
	int64_t before = 0;
	bool hist_ok, older = false;

	if (!r->profile) {
		web_error(r, 503, "no profile in force");
		return;
	}
	if (web_query(r, "before") &&
	    parse_int64(web_query(r, "before"), 1, INT64_MAX, &before) < 0) {
		web_error(r, 400, "before must be an act's id");
		return;
	}
	if (ui_record_load_visible(r, &rec) < 0)
		return;
	g = policy_register(r->profile, rec.register_id);
	/* a page of the history, and the acts of the present state wherever they are in it */
	hist_ok = web_thread_ledger(r, &lg, &err) == 0 &&
	          history_record_page(r->st, lg, rec.id, before, RECORD_HISTORY_PAGE, &hist, &older,
	                              &err) == 0 &&
	          history_record_present(r->st, lg, r->profile, rec.id, &present, &err) == 0;
	strbuf_addf(&title, "%s #%" PRId64 " %s", ui_register_name(r, rec.register_id), rec.id,
	            record_title(r->profile, &rec));
	page_begin(r, title.buf, NAV_REGISTERS);
	web_notice_from_query(r);
	record_props(r, &rec, g);
	if (!strcmp(rec.register_id, "policy_review")) {
		char url[64];

		snprintf(url, sizeof(url), "/policy/reviews/%" PRId64, rec.id);
		html_open(o, "p", HTML_END);
		html_elem(o, "a", _("Its inputs, gathered, and the draft replayed"), "href", url,
		          "class", "review-inputs", HTML_END);
		html_close(o, "p");
	}
	if (hist_ok)
		present_state(r, &rec, &present);
	if (g)
		actions(r, &rec, g);
	{
		char owner[40];
		snprintf(owner, sizeof(owner), "record:%" PRId64, rec.id);
		ui_attachments(r, owner, ui_may_attach_record(r, &rec));
	}
	if (hist_ok) {
		history_rows(r, &hist);
		history_pager(r, rec.id, &hist, before, older);
	} else {
		/* The history cut short is not the history: say so. */
		web_log(r, "history of record %lld: %s", (long long)rec.id, err.buf);
		html_elem(o, "p",
		          _("The history cannot be read completely right now. Try again later."),
		          "class", "notice error", "role", "alert", HTML_END);
	}
	page_end(r);
	history_release(&hist);
	history_release(&present);
	strbuf_release(&err);
	record_release(&rec);
	strbuf_release(&title);
}
