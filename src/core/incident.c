/* incident: reporting a case, stepping it through its statuses, and opening one from an alert;
 * every change an act through the door. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "core/act-internal.h"
#include "core/alert.h"
#include "core/incident.h"
#include "core/org.h"
#include "core/read.h"
#include "core/records.h"
#include "store/query.h"

const char *const incident_statuses[] = { "reported",  "escalated", "received",   "investigating",
	                                  "contained", "recovered", "monitoring", "prevention",
	                                  "closed",    NULL };

/* A time may be this far ahead of the door's clock (a PC whose clock runs fast). */
#define INCIDENT_CLOCK_SLACK_MS (5LL * 60 * 1000)

int incident_parse_time(const char *s, int64_t *ret_ms)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n;
	int r;

	if (!s)
		return -EINVAL;
	if (time_parse_rfc3339(s, ret_ms) == 0)
		return 0;
	/* A browser's datetime-local or an office's "2026-11-22T10:30": the ward's own time. */
	n = strlen(s);
	if (n != 16 && n != 19)
		return -EINVAL;
	strbuf_addstr(&sb, s);
	if (n == 16)
		strbuf_addstr(&sb, ":00");
	strbuf_addstr(&sb, "+09:00");
	r = time_parse_rfc3339(sb.buf, ret_ms);
	strbuf_release(&sb);
	return r;
}

static const struct policy_register *incident_register(const struct profile *p, struct strbuf *err)
{
	if (!p || !p->incidents.reg) {
		error_set(err, "the profile in force declares no 'incidents' section; incidents "
		               "are kept in the register it names");
		return NULL;
	}
	return p->incidents.reg;
}

const char *incident_step_action(const struct profile *p, const char *status)
{
	const struct policy_register *reg = p ? p->incidents.reg : NULL;

	for (unsigned i = 0; reg && status && i < reg->n_actions; i++) {
		const struct policy_action *a = reg->actions[i];
		if (!a->create && a->to && !strcmp(a->to->id, status))
			return a->full_name;
	}
	return NULL;
}

/* Normalises a time a person typed to RFC 3339 in the ward's time; checks it is not ahead. */
static int take_time(const char *what, const char *s, int64_t now, struct strbuf *out,
                     int64_t *ret_ms, struct strbuf *err)
{
	int64_t ms;

	if (incident_parse_time(s, &ms) < 0) {
		error_set(err,
		          "%s '%s' is not a time: give RFC 3339 (2026-11-22T10:30:00+09:00) or the "
		          "ward's local time (2026-11-22T10:30)",
		          what, s);
		return -EINVAL;
	}
	if (ms > now + INCIDENT_CLOCK_SLACK_MS) {
		error_set(err, "%s '%s' is in the future", what, s);
		return -EINVAL;
	}
	time_format_rfc3339_offset(out, ms, TOKYO_OFFSET_MS);
	*ret_ms = ms;
	return 0;
}

/*
 * The records a reporter names must exist and be ones they may read (core/read.h): nobody
 * learns of a record through a report. Read on the door's connection between batches.
 */
static int check_records(struct door *d, const struct incident_report *in, struct strbuf *ids,
                         struct strbuf *err)
{
	struct reader *rd = NULL;
	int r = 0;

	if (!in->n_records)
		return 0;
	if (in->n_records > INCIDENT_MAX_RECORDS) {
		error_set(err, "at most %d records in one report", INCIDENT_MAX_RECORDS);
		return -EINVAL;
	}
	door_lead(d);
	r = reader_for_login(door_store(d), door_profile(d), in->actor, d->clock(), &rd, err);
	for (size_t i = 0; r == 0 && i < in->n_records; i++) {
		struct record rec = { 0 };
		struct strbuf ignored = STRBUF_INIT;

		if (record_get(door_store(d), in->records[i], &rec, &ignored) < 0 ||
		    !read_record(rd, &rec, NULL)) {
			error_set(err, "no record %" PRId64 " that '%s' may read", in->records[i],
			          in->actor);
			r = -ENOENT;
		} else {
			strbuf_addf(ids, "%s%" PRId64, ids->len ? " " : "", in->records[i]);
		}
		record_release(&rec);
		strbuf_release(&ignored);
	}
	reader_unref(rd);
	door_unlead(d);
	return r;
}

static int reporter_section(struct door *d, const char *login, char **ret, struct strbuf *err)
{
	struct org_user u = { 0 };
	int r;

	door_lead(d);
	r = org_user_get(door_store(d), login, &u, err);
	door_unlead(d);
	if (r == 0)
		*ret = u.section ? xstrdup(u.section) : NULL;
	org_user_release(&u);
	return r;
}

/* What every report needs: its reporter, a one-line title and when it was found; said. */
static int report_needs(const struct incident_report *in, struct strbuf *err)
{
	if (!in->actor) {
		error_set(err, "a report needs its reporter: give --as LOGIN");
		return -EINVAL;
	}
	if (!in->title || !core_valid_text(in->title, CORE_MAX_NAME)) {
		error_set(err,
		          "a report needs a title: what happened, in one line of at most %d "
		          "bytes",
		          CORE_MAX_NAME);
		return -EINVAL;
	}
	if (!in->found_at) {
		error_set(err, "a report needs the time it was found (--found-at)");
		return -EINVAL;
	}
	return 0;
}

/* The report's times as stored (found, and occurred when given), the one not after the other. */
static int report_times(const struct incident_report *in, int64_t now, struct strbuf *found,
                        struct strbuf *occurred, struct strbuf *err)
{
	int64_t found_ms = 0, occurred_ms = 0;
	int r;

	r = take_time("found at", in->found_at, now, found, &found_ms, err);
	if (r == 0 && in->occurred_at) {
		r = take_time("occurred at", in->occurred_at, now, occurred, &occurred_ms, err);
		if (r == 0 && occurred_ms > found_ms) {
			error_set(err, "it cannot have occurred (%s) after it was found (%s)",
			          occurred->buf, found->buf);
			r = -EINVAL;
		}
	}
	return r;
}

int incident_report(struct door *d, const struct incident_report *in, struct act_result *res,
                    struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	const struct policy_register *reg = incident_register(p, err);
	struct strbuf found = STRBUF_INIT, occurred = STRBUF_INIT, ids = STRBUF_INIT;
	struct strbuf people = STRBUF_INIT;
	struct act_attr f[24];
	struct act_input act = { .kind = ACT_RECORD };
	char *section = NULL, *action = NULL;
	int64_t now = d->clock();
	size_t n = 0;
	int r;

	if (!reg)
		return -ENOTSUP;
	if (report_needs(in, err) < 0)
		return -EINVAL;
	r = report_times(in, now, &found, &occurred, err);
	if (r == 0 && (in->personal_data < -1 || in->personal_data > INCIDENT_MAX_PEOPLE)) {
		error_set(err, "the number of people must be between 0 and %lld",
		          INCIDENT_MAX_PEOPLE);
		r = -EINVAL;
	}
	if (r == 0)
		r = check_records(d, in, &ids, err);
	if (r == 0)
		r = reporter_section(d, in->actor, &section, err);
	if (r < 0)
		goto out;

	f[n++] = (struct act_attr){ "title", in->title };
	f[n++] = (struct act_attr){ "found_at", found.buf };
	if (occurred.len)
		f[n++] = (struct act_attr){ "occurred_at", occurred.buf };
	if (in->place && *in->place)
		f[n++] = (struct act_attr){ "place", in->place };
	if (in->description && *in->description)
		f[n++] = (struct act_attr){ "description", in->description };
	if (in->kind && *in->kind)
		f[n++] = (struct act_attr){ "kind", in->kind };
	if (in->severity && *in->severity)
		f[n++] = (struct act_attr){ "severity", in->severity };
	if (ids.len)
		f[n++] = (struct act_attr){ "records", ids.buf };
	if (section && policy_register_field(reg, "section"))
		f[n++] = (struct act_attr){ "section", section };
	if (in->personal_data >= 0) {
		strbuf_addf(&people, "%" PRId64, in->personal_data);
		f[n++] = (struct act_attr){ "personal_data", people.buf };
	}
	/* Only what is so: an absent flag is "not said", never "no". */
	if (in->sensitive)
		f[n++] = (struct act_attr){ "sensitive", "true" };
	if (in->financial)
		f[n++] = (struct act_attr){ "financial", "true" };
	if (in->wrongful)
		f[n++] = (struct act_attr){ "wrongful", "true" };
	if (in->urgent)
		f[n++] = (struct act_attr){ "urgent", "true" };
	if (in->drill)
		f[n++] = (struct act_attr){ "drill", "true" };
	action = xstrfmt("%s.report", reg->id);
	act.actor = in->actor;
	act.action = action;
	act.system = in->system && *in->system ? in->system : NULL;
	act.fields = f;
	act.n_fields = n;
	act.ctx = in->ctx;
	act.attachments = in->attachments;
	act.n_attachments = in->n_attachments;
	r = act_run(d, &act, res, err);
out:
	free(section);
	free(action);
	strbuf_release(&found);
	strbuf_release(&occurred);
	strbuf_release(&ids);
	strbuf_release(&people);
	return r;
}

int incident_step(struct door *d, int64_t id, const char *status, const char *actor,
                  const struct act_attr *fields, size_t n_fields, const char *comment,
                  const struct act_context *ctx, struct act_result *res, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	const char *action;
	struct act_input act = { .kind = ACT_RECORD };
	bool known = false;

	if (!incident_register(p, err))
		return -ENOTSUP;
	for (size_t i = 0; incident_statuses[i] && !known; i++)
		known = status && !strcmp(status, incident_statuses[i]);
	action = known ? incident_step_action(p, status) : NULL;
	if (!action) {
		struct strbuf list = STRBUF_INIT;
		for (size_t i = 1; incident_statuses[i]; i++)
			strbuf_addf(&list, "%s%s", i > 1 ? ", " : "", incident_statuses[i]);
		error_set(err, "unknown status '%s'; a case steps to one of: %s",
		          status ? status : "", list.buf);
		strbuf_release(&list);
		return -EINVAL;
	}
	act.actor = actor;
	act.action = action;
	act.record_id = id;
	act.fields = fields;
	act.n_fields = n_fields;
	act.comment = comment;
	if (ctx)
		act.ctx = *ctx;
	return act_run(d, &act, res, err);
}

/* ---- opening a case from an alert ----------------------------------------------------- */

static bool detect_severity(const struct profile *p, const char *severity)
{
	for (unsigned i = 0; severity && i < p->incidents.n_detect_severities; i++)
		if (!strcmp(p->incidents.detect_severities[i], severity))
			return true;
	return false;
}

/*
 * The open case an earlier alert of the same rule and host joined within the window: the
 * alert's own link (alert.incident), if that case is not closed. Read between batches.
 */
static int open_case_for(struct door *d, const char *rule, const char *host, int64_t alert_id,
                         int64_t since_ms, int64_t *ret_id, struct strbuf *err)
{
	struct query *q;
	int r;

	*ret_id = 0;
	door_lead(d);
	r = query_prepare(door_store(d),
	                  "SELECT i.id FROM records a JOIN records i"
	                  " ON i.id = CAST(json_extract(a.fields, '$.incident') AS INTEGER)"
	                  " WHERE a.register = 'alert' AND a.id <> ?1"
	                  " AND json_extract(a.fields, '$.rule') = ?2"
	                  " AND coalesce(json_extract(a.fields, '$.host'), '') = ?3"
	                  " AND a.created_ms >= ?4 AND i.register = ?5 AND i.state <> 'closed'"
	                  " ORDER BY a.id DESC LIMIT 1",
	                  &q, err);
	if (r == 0) {
		query_bind_int(q, 1, alert_id);
		query_bind_text(q, 2, rule);
		query_bind_text(q, 3, host ? host : "");
		query_bind_int(q, 4, since_ms);
		query_bind_text(q, 5, door_profile(d)->incidents.reg->id);
		r = query_step(q, err);
		if (r > 0) {
			*ret_id = query_int(q, 0);
			query_done(q);
			r = 0;
		}
	}
	door_unlead(d);
	return r;
}

/*
 * Whether text (a case's `alerts`, which people fill too) names alert id: any run of digits,
 * ASCII or full-width (an IME's "４１"), between anything else ("41 42", "41,42", "41、42",
 * "#41"). Before, only space-separated ids were seen (review-m3 L6).
 */
static bool alerts_name(const char *text, int64_t id)
{
	const unsigned char *p = (const unsigned char *)text;
	int64_t v = -1; /* the run's value so far; -1: not in a run */

	for (;; p++) {
		int digit = -1;
		if (*p >= '0' && *p <= '9') {
			digit = *p - '0';
		} else if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99) {
			digit = p[2] - 0x90; /* ０-９ */
			p += 2;
		}
		if (digit >= 0) {
			/* (past any id: stays past; ids never come near it) */
			v = v < 0 ? digit : v >= INT64_MAX / 10 ? INT64_MAX : v * 10 + digit;
			continue;
		}
		if (v == id)
			return true;
		v = -1;
		if (!*p)
			return false;
	}
}

/*
 * The state a person's report of a case starts in (a create action of the register other than
 * Mamori's detect, and not into detect's own state: `report`, to `reported`), or "" when there
 * is none. Such a case is not yet the CSIRT's, and any staff member may file one naming
 * alerts (review-small2 M1).
 */
static const char *reported_state(const struct policy_register *reg)
{
	const struct policy_action *detect = policy_register_action(reg, "detect");

	for (unsigned i = 0; i < reg->n_actions; i++) {
		const struct policy_action *a = reg->actions[i];
		if (a->create && a->to && a != detect && (!detect || a->to != detect->to))
			return a->to->id;
	}
	return "";
}

/*
 * The case that lists the alert already (its `alerts`), in any state but the one a person's
 * report starts in: its case was opened or joined, and the alert's own link not written (a
 * crash or an error between the acts), or the CSIRT attached it. Then only the link is
 * written: before, the next try opened a second case, or listed the alert twice (review-alerts
 * M1). A report still 報告 does not take it: any staff member may file one naming the alert,
 * and the alert's own case for the CSIRT was then never opened (review-small2 M1). Only cases
 * changed since the alert was made (less the clock's slack: a clock stepped back) are read: a
 * case lists it only after that; before, every case of the ward's history was read, at each
 * serious alert (review-m3 L6). 0: none.
 */
static int case_listing(struct door *d, int64_t alert_id, int64_t *ret_id, struct strbuf *err)
{
	const struct policy_register *reg = door_profile(d)->incidents.reg;
	struct query *q;
	int r;

	*ret_id = 0;
	door_lead(d);
	r = query_prepare(door_store(d),
	                  "SELECT id, json_extract(fields, '$.alerts') FROM records"
	                  " WHERE register = ?1 AND state <> ?3"
	                  " AND changed_ms >= (SELECT created_ms FROM records WHERE id = ?2) - ?4"
	                  " AND json_extract(fields, '$.alerts') IS NOT NULL ORDER BY id DESC",
	                  &q, err);
	if (r == 0) {
		query_bind_text(q, 1, reg->id);
		query_bind_int(q, 2, alert_id);
		query_bind_text(q, 3, reported_state(reg));
		query_bind_int(q, 4, INCIDENT_CLOCK_SLACK_MS);
		while ((r = query_step(q, err)) > 0) {
			if (alerts_name(query_text(q, 1), alert_id)) {
				*ret_id = query_int(q, 0);
				query_done(q);
				r = 0;
				break;
			}
		}
	}
	door_unlead(d);
	return r;
}

/* The alerts a case lists, plus one (not twice: *ret_listed, and out unchanged). */
static int case_alerts(struct door *d, int64_t id, int64_t alert_id, struct strbuf *out,
                       bool *ret_listed, struct strbuf *err)
{
	struct record rec = { 0 };
	const char *have;
	int r;

	*ret_listed = false;
	door_lead(d);
	r = record_get(door_store(d), id, &rec, err);
	door_unlead(d);
	if (r < 0)
		return r;
	have = record_field(&rec, "alerts");
	*ret_listed = have && alerts_name(have, alert_id);
	if (have && *have)
		strbuf_addf(out, "%s ", have);
	strbuf_addf(out, "%" PRId64, alert_id);
	record_release(&rec);
	return 0;
}

static int system_do(struct door *d, const char *source, const char *action, int64_t record_id,
                     const struct act_attr *f, size_t n, const char *system, int64_t *ret_id,
                     struct strbuf *err)
{
	struct act_input act = { .kind = ACT_RECORD };
	struct act_result res = ACT_RESULT_INIT;
	int r;

	act.system_actor = source;
	act.action = action;
	act.record_id = record_id;
	act.system = system;
	act.fields = f;
	act.n_fields = n;
	act.ctx.via = source;
	r = act_run(d, &act, &res, err);
	if (r == 0 && res.outcome != ACT_DONE) {
		/* a refusal (the ward's profile): not -EPROTO, the store's damaged database, which
		 * the analysis keeps and tries again (review-m3 L1) */
		error_set(err, "%s was not done: %s", action, res.message);
		r = -EPERM;
	}
	if (r == 0 && ret_id)
		*ret_id = res.record_id;
	act_result_release(&res);
	return r;
}

int incident_from_alert(struct door *d, int64_t alert_id, const struct alert_input *alert,
                        int64_t *ret_id, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	const struct policy_register *reg = p ? p->incidents.reg : NULL;
	const char *severity = alert_severity_value(alert->severity);
	struct strbuf alerts = STRBUF_INIT, found = STRBUF_INIT, title = STRBUF_INIT;
	struct strbuf aid = STRBUF_INIT, idtext = STRBUF_INIT;
	char *action = NULL;
	int64_t id = 0;
	bool listed;
	int r;

	*ret_id = 0;
	if (!reg || !p->incidents.n_detect_severities || !detect_severity(p, severity))
		return 0;
	r = case_listing(d, alert_id, &id, err);
	listed = id != 0;
	if (r == 0 && !listed)
		r = open_case_for(d, alert->rule, alert->host, alert_id,
		                  alert->time_ms - p->incidents.detect_within_seconds * 1000, &id,
		                  err);
	if (r < 0)
		goto out;
	strbuf_addf(&aid, "%" PRId64, alert_id);
	if (listed) {
		/* its case is there: only the alert's link below */
	} else if (id) {
		struct act_attr f[1];
		r = case_alerts(d, id, alert_id, &alerts, &listed, err);
		f[0] = (struct act_attr){ "alerts", alerts.buf };
		action = xstrfmt("%s.attach_alert", reg->id);
		if (r == 0 && !listed)
			r = system_do(d, alert->source, action, id, f, 1, NULL, NULL, err);
	} else {
		struct act_attr f[8];
		size_t n = 0;
		const struct policy_field *sev = policy_register_field(reg, "severity");
		bool sev_ok = false;

		for (unsigned i = 0; sev && i < sev->n_values && !sev_ok; i++)
			sev_ok = !strcmp(sev->values[i], severity);
		/* A title for people: the alert's summary, cut on a character boundary. */
		strbuf_addstr(&title, alert->summary);
		while (title.len > CORE_MAX_NAME) {
			size_t cut = title.len - 1;
			while (cut > 0 && (title.buf[cut] & 0xC0) == 0x80)
				cut--;
			strbuf_setlen(&title, cut);
		}
		time_format_rfc3339_offset(&found, alert->time_ms, TOKYO_OFFSET_MS);
		f[n++] = (struct act_attr){ "title", title.buf };
		f[n++] = (struct act_attr){ "found_at", found.buf };
		f[n++] = (struct act_attr){ "alerts", aid.buf };
		if (sev_ok)
			f[n++] = (struct act_attr){ "severity", severity };
		if (alert->host && *alert->host && policy_register_field(reg, "place"))
			f[n++] = (struct act_attr){ "place", alert->host };
		action = xstrfmt("%s.detect", reg->id);
		r = system_do(d, alert->source, action, 0, f, n, alert->system, &id, err);
	}
	if (r == 0) {
		struct act_attr f[1];
		strbuf_addf(&idtext, "%" PRId64, id);
		f[0] = (struct act_attr){ "incident", idtext.buf };
		r = system_do(d, alert->source, ALERT_REGISTER ".link_incident", alert_id, f, 1,
		              NULL, NULL, err);
	}
	if (r == 0)
		*ret_id = id;
out:
	free(action);
	strbuf_release(&alerts);
	strbuf_release(&found);
	strbuf_release(&title);
	strbuf_release(&aid);
	strbuf_release(&idtext);
	return r;
}
