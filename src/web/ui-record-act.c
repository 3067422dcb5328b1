/* ui-record-act: taking an action on a record (/records/N/act): the form with the decision
 * preview and the questions it depends on, and the act through the door. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/records.h"
#include "web/access.h"
#include "web/decide.h"
#include "web/forms.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui-record.h"
#include "web/ui.h"

static const struct policy_action *record_action(struct web_req *r, const struct record *rec,
                                                 const char *name)
{
	const struct policy_action *a = name ? policy_action(r->profile, name) : NULL;

	if (!a || strcmp(a->reg->id, rec->register_id) || a->create)
		return NULL;
	return a;
}

/* Form names of the context questions: "c.KEY", apart from fields ("f.") and the token. */
#define CONTEXT_PREFIX "c."

/* The context keys an action's decision depends on: those it requires and its rules read. */
static uint64_t context_asked(struct web_req *r, const struct policy_action *a)
{
	return a->read ? 0 : a->context_required | policy_action_context_read(r->profile, a);
}

/*
 * The questions the decision depends on (MIN-4-1-2-3's private device, SHJ-5-2-2's
 * recipient ...): one select per context key, in the profile's own words. A key the action
 * requires starts unanswered and must be answered; a key with a default (the ward's choice)
 * starts at it.
 */
static void context_questions(struct web_req *r, const struct policy_action *a)
{
	const struct profile *p = r->profile;
	struct strbuf *o = &r->out;
	struct strbuf name = STRBUF_INIT, id = STRBUF_INIT, label = STRBUF_INIT;
	uint64_t asked = context_asked(r, a);

	for (unsigned k = 0; k < p->n_context_keys; k++) {
		const struct policy_context_key *c = &p->context_keys[k];
		bool required = (a->context_required >> k) & 1;
		const char *v;

		if (!((asked >> k) & 1))
			continue;
		strbuf_reset(&name);
		strbuf_addf(&name, CONTEXT_PREFIX "%s", c->id);
		strbuf_reset(&id);
		strbuf_addf(&id, "c-%s", c->id);
		strbuf_reset(&label);
		strbuf_addstr(&label, c->name);
		if (required)
			strbuf_addstr(&label, _(" (required)"));
		v = web_form(r, name.buf);
		if (!v && !required && c->default_value >= 0)
			v = c->values[c->default_value];
		html_open(o, "div", "class", "field", HTML_END);
		html_elem(o, "label", label.buf, "for", id.buf, HTML_END);
		html_open(o, "select", "name", name.buf, "id", id.buf, "required",
		          required ? "" : NULL, HTML_END);
		if (required)
			html_elem(o, "option", _("(choose)"), "value", "", HTML_END);
		for (unsigned i = 0; i < c->n_values; i++)
			html_elem(o, "option", c->value_names[i], "value", c->values[i], "selected",
			          v && !strcmp(v, c->values[i]) ? "" : NULL, HTML_END);
		html_close(o, "select");
		html_close(o, "div");
	}
	strbuf_release(&name);
	strbuf_release(&id);
	strbuf_release(&label);
}

/* The answers of the form, as the act's context (borrowed from the form). */
static size_t context_answers(struct web_req *r, const struct policy_action *a,
                              struct act_attr *out, size_t max)
{
	const struct profile *p = r->profile;
	struct strbuf name = STRBUF_INIT;
	uint64_t asked = context_asked(r, a);
	size_t n = 0;

	for (unsigned k = 0; k < p->n_context_keys && n < max; k++) {
		const char *v;

		if (!((asked >> k) & 1))
			continue;
		strbuf_reset(&name);
		strbuf_addf(&name, CONTEXT_PREFIX "%s", p->context_keys[k].id);
		v = web_form(r, name.buf);
		if (v && *v) {
			out[n].key = p->context_keys[k].id;
			out[n++].value = v;
		}
	}
	strbuf_release(&name);
	return n;
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
	decide_input_grants(&in, r->profile, rec);
	{
		struct act_attr answers[POLICY_MAX_CONTEXT_KEYS];
		size_t n = context_answers(r, a, answers, ARRAY_SIZE(answers));

		for (size_t i = 0; i < n; i++)
			decide_input_context_add(&in, answers[i].key, answers[i].value);
	}
	if (policy_decide(r->profile, &in.q, &d, NULL) == 0) {
		const struct policy_obligation *ob;
		/* as the door does: someone never allowed hears that, not about the state */
		if (d.effect == EFFECT_DENY && d.reason == REASON_STATE) {
			struct decision stateless;
			const char *state = in.q.state;
			in.q.state = NULL;
			if (policy_decide(r->profile, &in.q, &stateless, NULL) == 0 &&
			    stateless.effect == EFFECT_DENY && !stateless.missing)
				d = stateless;
			in.q.state = state;
		}
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
	context_questions(r, a);
	{
		/* the grants the record holds now: ticked, so the officer edits, not retypes */
		struct web_params now = { 0 };
		for (unsigned i = 0; i < a->n_fields; i++)
			if (a->fields[i].type == FIELD_GRANTS && record_field(rec, a->fields[i].id))
				web_params_add(&now, a->fields[i].id,
				               record_field(rec, a->fields[i].id));
		form_fields(r, a->fields, a->n_fields, &now);
		web_params_release(&now);
	}
	page_comment(r, "f-comment", _("Reason or comment"), web_form(r, "comment"), false);
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
	if (ui_record_load_visible(r, &rec) < 0)
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
	struct act_attr answers[POLICY_MAX_CONTEXT_KEYS];
	int64_t version = 0;
	bool too_long;
	int ret;

	if (!r->profile) {
		web_error(r, 503, "no profile in force");
		return;
	}
	if (ui_record_load_visible(r, &rec) < 0)
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
	in.ctx.attrs = answers;
	in.ctx.n_attrs = context_answers(r, a, answers, ARRAY_SIZE(answers));
	in.expect_version = version;
	in.comment = web_comment(r, &too_long);
	if (too_long) {
		page_comment_too_long(r, &err);
		r->status = 400;
		act_page(r, &rec, a, err.buf, NULL);
		goto out;
	}
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
	else if (r->profile->incidents.reg &&
	         !strcmp(rec.register_id, r->profile->incidents.reg->id))
		strbuf_addf(&url, "/incidents/%" PRId64 "?notice=done",
		            rec.id); /* back to the case */
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
