/* ui-record: one record: its fields, its history from the ledger, the actions I may take with
 * a decision preview, and taking them. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/org.h"
#include "core/read.h"
#include "core/records.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "web/access.h"
#include "web/decide.h"
#include "web/forms.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui.h"

/* Loads the record of the path argument if the user may see it; else answers 404. */
static int load_visible(struct web_req *r, struct record *rec)
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
	default:
		html_text(o, v);
	}
}

/*
 * The act log is an index into the ledger: each row names its entry. The page shows the row
 * only as the ledger has it, so the entry is read back and compared (who, what, when); a
 * row edited behind the ledger's back shows as not matching.
 */
static bool matches_ledger(struct web_req *r, uint64_t index, const char *login, const char *action,
                           int64_t at_ms)
{
	struct strbuf err = STRBUF_INIT, bytes = STRBUF_INIT;
	struct ledger_entry e = { 0 };
	struct ledger *lg;
	bool ok = false;

	if (web_thread_ledger(r, &lg, &err) == 0 &&
	    ledger_entry_bytes(lg, index, &bytes, &err) == 0 &&
	    entry_decode(bytes.buf, bytes.len, &e, &err) == 0)
		ok = e.actor && e.action && action && !strcmp(e.actor, login ? login : "mamori") &&
		     !strcmp(e.action, action) && e.time_ms == at_ms;
	entry_release(&e);
	strbuf_release(&bytes);
	strbuf_release(&err);
	return ok;
}

static void history(struct web_req *r, const struct record *rec)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	sqlite3_stmt *q;
	int rc;

	q = store_prepare(r->st,
	                  "SELECT a.at_ms, u.login, u.name, a.action, a.outcome, a.clauses, "
	                  "a.comment, a.message, a.ledger_index, a.request_id, a.via "
	                  "FROM acts a LEFT JOIN users u ON u.id = a.actor "
	                  "WHERE a.record_id = ? ORDER BY a.id",
	                  &err);
	if (!q) {
		page_notice(r, "error", _("The history cannot be read just now."));
		web_log(r, "%s", err.buf);
		strbuf_release(&err);
		return;
	}
	sqlite3_bind_int64(q, 1, rec->id);
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
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *outcome = (const char *)sqlite3_column_text(q, 4);
		json_t *cl = json_loads((const char *)sqlite3_column_text(q, 5), 0, NULL);
		html_open(o, "tr", HTML_END);
		html_open(o, "td", HTML_END);
		page_time(o, sqlite3_column_int64(q, 0));
		html_close(o, "td");
		html_elem(o, "td",
		          sqlite3_column_text(q, 2) ? (const char *)sqlite3_column_text(q, 2) : "-",
		          "title", (const char *)sqlite3_column_text(q, 1), HTML_END);
		html_open(o, "td", HTML_END);
		html_text(o, ui_action_name(r, (const char *)sqlite3_column_text(q, 3)));
		if (sqlite3_column_text(q, 6)) {
			html_open(o, "div", "class", "cite", HTML_END);
			html_text(o, (const char *)sqlite3_column_text(q, 6));
			html_close(o, "div");
		}
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		html_text(o, !strcmp(outcome, "done")      ? _("done")
		             : !strcmp(outcome, "pending") ? _("waiting for approval")
		                                           : _("refused"));
		if (sqlite3_column_type(q, 9) != SQLITE_NULL) {
			char url[48];
			snprintf(url, sizeof(url), "/requests/%lld", sqlite3_column_int64(q, 9));
			strbuf_addch(o, ' ');
			page_link(o, url, _("request"));
		}
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		for (size_t i = 0; json_is_array(cl) && i < json_array_size(cl); i++) {
			const char *c = json_string_value(json_array_get(cl, i));
			if (c) {
				ui_clause(r, c);
				strbuf_addch(o, ' ');
			}
		}
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		if (sqlite3_column_type(q, 8) != SQLITE_NULL) {
			char url[48], t[24];
			snprintf(url, sizeof(url), "/ledger/entry?index=%lld",
			         sqlite3_column_int64(q, 8));
			snprintf(t, sizeof(t), "#%lld", sqlite3_column_int64(q, 8));
			page_link(o, url, t);
			strbuf_addch(o, ' ');
			if (matches_ledger(r, (uint64_t)sqlite3_column_int64(q, 8),
			                   (const char *)sqlite3_column_text(q, 1),
			                   (const char *)sqlite3_column_text(q, 3),
			                   sqlite3_column_int64(q, 0)))
				html_elem(o, "span", _("✓ matches the ledger"), "class", "tag",
				          HTML_END);
			else
				html_elem(o, "strong", _("does NOT match the ledger"), "class",
				          "notice error", HTML_END);
		}
		html_close(o, "td");
		html_close(o, "tr");
		json_decref(cl);
	}
	sqlite3_reset(q);
	html_close(o, "table");
	if (rc != SQLITE_DONE) {
		/* The history cut short is not the history: say so. */
		store_error(r->st, rc, "reading the history", &err);
		web_log(r, "%s", err.buf);
		html_elem(o, "p",
		          _("The history cannot be read completely right now. Try again later."),
		          "class", "notice error", "role", "alert", HTML_END);
	}
	strbuf_release(&err);
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
		if (policy_decide(r->profile, &in.q, &d, NULL) == 0) {
			web_decision_sentence(r, &d, &sentence);
			strbuf_addf(&url, "/records/%" PRId64 "/act", rec->id);
			html_url_query(&url, "action", a->full_name);
			html_open(o, "li", HTML_END);
			if (d.effect == EFFECT_DENY)
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

void ui_record(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct record rec = { 0 };
	struct strbuf title = STRBUF_INIT;
	const struct policy_register *g;

	if (!r->profile) {
		web_error(r, 503, "no profile in force");
		return;
	}
	if (load_visible(r, &rec) < 0)
		return;
	g = policy_register(r->profile, rec.register_id);
	strbuf_addf(&title, "%s #%" PRId64 " %s", ui_register_name(r, rec.register_id), rec.id,
	            record_title(r->profile, &rec));
	page_begin(r, title.buf, NAV_REGISTERS);
	web_notice_from_query(r);
	html_open(o, "section", "class", "card", HTML_END);
	html_open(o, "dl", "class", "props", HTML_END);
	html_elem(o, "dt", _("State"), HTML_END);
	html_open(o, "dd", HTML_END);
	html_elem(o, "span", ui_state_name(r, rec.register_id, rec.state), "class", "state",
	          HTML_END);
	html_close(o, "dd");
	for (unsigned i = 0; g && i < g->n_fields; i++) {
		const struct policy_field *f = &g->fields[i];
		html_elem(o, "dt", f->name ? f->name : f->id, HTML_END);
		html_open(o, "dd", HTML_END);
		field_value(r, f, record_field(&rec, f->id));
		html_close(o, "dd");
	}
	html_elem(o, "dt", _("Registered"), HTML_END);
	html_open(o, "dd", HTML_END);
	page_time(o, rec.created_ms);
	html_close(o, "dd");
	html_elem(o, "dt", _("Last changed"), HTML_END);
	html_open(o, "dd", HTML_END);
	page_time(o, rec.changed_ms);
	html_close(o, "dd");
	html_close(o, "dl");
	html_close(o, "section");
	if (g)
		actions(r, &rec, g);
	history(r, &rec);
	page_end(r);
	record_release(&rec);
	strbuf_release(&title);
}

static const struct policy_action *record_action(struct web_req *r, const struct record *rec,
                                                 const char *name)
{
	const struct policy_action *a = name ? policy_action(r->profile, name) : NULL;

	if (!a || strcmp(a->reg->id, rec->register_id) || a->create)
		return NULL;
	return a;
}

static void act_page(struct web_req *r, const struct record *rec, const struct policy_action *a,
                     const char *error, const struct act_result *refused)
{
	struct strbuf *o = &r->out;
	struct strbuf title = STRBUF_INIT, url = STRBUF_INIT, sentence = STRBUF_INIT;
	struct decide_input in = { 0 };
	struct decision d = { .effect = EFFECT_NONE };

	strbuf_addf(&title, "%s: %s #%" PRId64, a->name ? a->name : a->id,
	            ui_register_name(r, rec->register_id), rec->id);
	page_begin(r, title.buf, NAV_REGISTERS);
	if (error)
		page_notice(r, "error", error);
	if (refused)
		web_refusal(r, refused);
	html_open(o, "p", HTML_END);
	strbuf_addf(&url, "/records/%" PRId64, rec->id);
	page_link(o, url.buf, record_title(r->profile, rec));
	strbuf_addch(o, ' ');
	ui_level(r, rec->level);
	html_close(o, "p");
	web_decide_input(&in, r->user, a->full_name, rec, NULL, NULL, NULL);
	if (policy_decide(r->profile, &in.q, &d, NULL) == 0) {
		const struct policy_obligation *ob;
		unsigned it = 0;
		web_decision_sentence(r, &d, &sentence);
		page_notice(r,
		            d.effect == EFFECT_ALLOW      ? "ok"
		            : d.effect == EFFECT_APPROVAL ? "warn"
		                                          : "error",
		            sentence.buf);
		while ((ob = policy_decision_next_obligation(&d, &it))) {
			if (ob->kind == OBLIGATION_NOTE && ob->text)
				html_elem(o, "p", ob->text, "class", "cite", HTML_END);
		}
	}
	decide_input_release(&in);
	strbuf_addstr(&url, "/act");
	page_form_begin(r, url.buf, "card", false);
	html_void(o, "input", "type", "hidden", "name", "action", "value", a->full_name, HTML_END);
	{
		char v[24];
		snprintf(v, sizeof(v), "%" PRId64, rec->version);
		html_void(o, "input", "type", "hidden", "name", "version", "value", v, HTML_END);
	}
	form_fields(r, a->fields, a->n_fields, NULL);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Reason or comment"), "for", "f-comment", HTML_END);
	html_open(o, "textarea", "name", "comment", "id", "f-comment", "maxlength", "4000",
	          HTML_END);
	html_text(o, web_form(r, "comment"));
	html_close(o, "textarea");
	html_close(o, "div");
	page_submit(r, d.effect == EFFECT_APPROVAL ? _("Apply for approval") : _("Do it"), NULL);
	page_form_end(r);
	page_end(r);
	strbuf_release(&title);
	strbuf_release(&url);
	strbuf_release(&sentence);
}

void ui_record_act_form(struct web_req *r)
{
	struct record rec = { 0 };
	const struct policy_action *a;

	if (!r->profile) {
		web_error(r, 503, "no profile in force");
		return;
	}
	if (load_visible(r, &rec) < 0)
		return;
	a = record_action(r, &rec, web_query(r, "action"));
	if (!a)
		web_error(r, 404, "no such action for this record");
	else
		act_page(r, &rec, a, NULL, NULL);
	record_release(&rec);
}

void ui_record_act_post(struct web_req *r)
{
	struct record rec = { 0 };
	const struct policy_action *a;
	struct web_params fields = WEB_PARAMS_INIT;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .kind = ACT_RECORD };
	int64_t version = 0;
	int ret;

	if (!r->profile) {
		web_error(r, 503, "no profile in force");
		return;
	}
	if (load_visible(r, &rec) < 0)
		return;
	a = record_action(r, &rec, web_form(r, "action"));
	if (!a) {
		web_error(r, 404, "no such action for this record");
		goto out;
	}
	version = ui_arg_id(web_form(r, "version"));
	if (form_collect(r, a->fields, a->n_fields, &fields, &err) < 0) {
		r->status = 400;
		act_page(r, &rec, a, err.buf, NULL);
		goto out;
	}
	in.action = a->full_name;
	in.record_id = rec.id;
	in.expect_version = version;
	in.comment =
	    web_form(r, "comment") && *web_form(r, "comment") ? web_form(r, "comment") : NULL;
	ret = web_act(r, &in, &fields, &res, &err);
	if (ret < 0) {
		r->status = web_act_status(ret);
		if (r->status == 503)
			web_error(r, 503, err.buf);
		else
			act_page(r, &rec, a, err.buf, NULL);
		goto out;
	}
	if (res.outcome == ACT_REFUSED) {
		r->status = 403;
		act_page(r, &rec, a, NULL, &res);
		goto out;
	}
	if (res.outcome == ACT_PENDING)
		strbuf_addf(&url, "/requests/%lld?notice=pending", (long long)res.request_id);
	else
		strbuf_addf(&url, "/records/%" PRId64 "?notice=done", rec.id);
	web_redirect(r, url.buf);
out:
	act_result_release(&res);
	web_params_release(&fields);
	record_release(&rec);
	strbuf_release(&err);
	strbuf_release(&url);
}
