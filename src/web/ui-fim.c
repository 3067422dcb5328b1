/* ui-fim: 改ざん検知 for people: what is watched, the agents, the latest checks and a report. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/duties.h"
#include "core/fim.h"
#include "core/org.h"
#include "core/read.h"
#include "web/access.h"
#include "web/route.h"
#include "web/ui.h"

#define FIM_RECENT      20  /* checks on the page */
#define FIM_REPORT_ROWS 500 /* paths a report page lists per kind */

/* ---- who may see what ------------------------------------------------------------------ */

bool ui_fim_reader(struct web_req *r)
{
	struct reader *rd = web_reader(r);

	/* The profile's fim.read, asked without a record: who, not which. */
	return rd &&
	       (reader_sees_all(rd) || read_new_record(rd, "fim", NULL, NULL, NULL, NULL, NULL));
}

/* A configuration is seen by whoever may read the register 'fim' for the system it protects. */
static bool config_visible(struct web_req *r, const struct fim_config_row *c)
{
	struct reader *rd = web_reader(r);

	return rd && (reader_sees_all(rd) ||
	              read_new_record(rd, "fim", NULL, NULL, c->system, NULL, NULL));
}

static const struct fim_config_row *config_of(const struct fim_config_rows *l, int64_t id)
{
	for (size_t i = 0; i < l->nr; i++)
		if (l->items[i].id == id)
			return &l->items[i];
	return NULL;
}

/* ---- words ------------------------------------------------------------------------------ */

static const char *outcome_name(const char *outcome)
{
	if (!outcome)
		return _("not checked yet");
	if (!strcmp(outcome, "clean"))
		return _("no change");
	if (!strcmp(outcome, "changed"))
		return _("changed");
	if (!strcmp(outcome, "tampered"))
		return _("baseline tampered with");
	return outcome;
}

static const char *attr_label(const char *a)
{
	static const struct {
		const char *id, *label;
	} names[] = {
		{ "type", N_("type") },
		{ "mode", N_("permissions") },
		{ "uid", N_("owner") },
		{ "gid", N_("group") },
		{ "size", N_("size") },
		{ "blocks", N_("blocks") },
		{ "mtime", N_("modified") },
		{ "atime", N_("accessed") },
		{ "ctime", N_("status changed") },
		{ "inode", N_("inode") },
		{ "nlink", N_("link count") },
		{ "link", N_("link target") },
		{ "sha256", N_("content (SHA-256)") },
		{ "xattrs", N_("extended attributes") },
		{ "acl", N_("ACL") },
		{ "selinux", N_("SELinux label") },
		{ "caps", N_("capabilities") },
		{ "flags", N_("file flags") },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(names[i].id, a))
			return _(names[i].label);
	return a;
}

static const char *type_label(const char *t)
{
	if (!t)
		return "";
	if (!strcmp(t, "file"))
		return _("file");
	if (!strcmp(t, "directory"))
		return _("directory");
	if (!strcmp(t, "symlink"))
		return _("symbolic link");
	return t; /* fifo, socket, chardev ... as the report names them */
}

static void outcome_cell(struct strbuf *o, const char *outcome)
{
	html_elem(o, "td", outcome_name(outcome), "class",
	          outcome && strcmp(outcome, "clean") ? "warn" : NULL, HTML_END);
}

/* The system's name (税務システム), else its id. */
static void system_text(struct web_req *r, const char *id)
{
	struct org_system sys = { 0 };
	struct strbuf err = STRBUF_INIT;

	if (!id)
		return;
	if (org_system_get(r->st, id, &sys, &err) == 0 && sys.name)
		html_text(&r->out, sys.name);
	else
		html_text(&r->out, id);
	org_system_release(&sys);
	strbuf_release(&err);
}

/* A person's name (池田 勝), else the login; " (agent)" when an agent sent it. */
static void person_text(struct web_req *r, const char *login, const char *via)
{
	struct org_user u = { 0 };
	struct strbuf err = STRBUF_INIT;

	if (login && org_user_get(r->st, login, &u, &err) == 0 && u.name)
		html_text(&r->out, u.name);
	else
		html_text(&r->out, login ? login : "");
	if (via && !strcmp(via, "agent"))
		html_text(&r->out, _(" (agent)"));
	org_user_release(&u);
	strbuf_release(&err);
}

static void report_link(struct strbuf *o, int64_t id)
{
	char url[48];

	snprintf(url, sizeof(url), "/fim/reports/%" PRId64, id);
	html_open(o, "a", "href", url, HTML_END);
	html_textf(o, "%" PRId64, id);
	html_close(o, "a");
}

/* Where a configuration's files are: an agent's host, or a Mamori server (its node's name when
 * several serve the ward on PostgreSQL; schema 0028). */
static const char *host_text(const struct fim_config_row *c, struct strbuf *buf)
{
	if (strcmp(c->host, FIM_LOCAL_HOST))
		return c->host;
	if (!c->node || !c->node[0])
		return _("this server");
	strbuf_reset(buf);
	strbuf_addf(buf, _("Mamori server %s"), c->node);
	return buf->buf;
}

/* ---- the overview ----------------------------------------------------------------------- */

static void configs_table(struct web_req *r, const struct fim_config_rows *cl, bool *seen)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, hb = STRBUF_INIT;
	bool any = false;

	html_elem(o, "h2", _("What is watched"), HTML_END);
	for (size_t i = 0; i < cl->nr; i++)
		any |= seen[i];
	if (!any) {
		html_elem(o, "p", _("No baseline yet."), HTML_END);
		return;
	}
	html_open(o, "table", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Host"), HTML_END);
	html_elem(o, "th", _("Configuration"), HTML_END);
	html_elem(o, "th", _("System"), HTML_END);
	html_elem(o, "th", _("Generation"), "class", "num", HTML_END);
	html_elem(o, "th", _("Files"), "class", "num", HTML_END);
	html_elem(o, "th", _("Last check"), HTML_END);
	html_elem(o, "th", _("Result"), HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < cl->nr; i++) {
		const struct fim_config_row *c = &cl->items[i];
		struct fim_report_briefs last = { 0 };
		if (!seen[i])
			continue;
		fim_reports_recent(r->st, c->id, 1, &last, &err);
		html_open(o, "tr", HTML_END);
		html_elem(o, "td", host_text(c, &hb), HTML_END);
		html_elem(o, "td", c->path, "class", "path", HTML_END);
		html_open(o, "td", HTML_END);
		system_text(r, c->system);
		html_close(o, "td");
		html_open(o, "td", "class", "num", HTML_END);
		html_textf(o, "%" PRIu64, c->generation);
		html_close(o, "td");
		html_open(o, "td", "class", "num", HTML_END);
		html_textf(o, "%" PRIu64, c->entries);
		html_close(o, "td");
		html_open(o, "td", "class", "nowrap", HTML_END);
		if (last.nr) {
			page_time(o, last.items[0].at_ms);
			html_text(o, " (");
			report_link(o, last.items[0].id);
			html_text(o, ")");
		}
		html_close(o, "td");
		outcome_cell(o, last.nr ? last.items[0].outcome : NULL);
		html_close(o, "tr");
		fim_report_briefs_release(&last);
	}
	html_close(o, "table");
	strbuf_release(&hb);
	strbuf_release(&err);
}

static void agents_table(struct web_req *r, const struct fim_agent_rows *al,
                         const struct fim_config_rows *cl, const bool *seen, bool all)
{
	struct strbuf *o = &r->out;
	size_t shown = 0;

	html_elem(o, "h2", _("Agents"), HTML_END);
	for (size_t i = 0; i < al->nr; i++) {
		const struct fim_agent_row *a = &al->items[i];
		bool show = all;
		for (size_t k = 0; !show && k < cl->nr; k++)
			show = seen[k] && !strcmp(cl->items[k].host, a->host);
		if (!show)
			continue;
		if (!shown++) {
			html_open(o, "table", HTML_END);
			html_open(o, "tr", HTML_END);
			html_elem(o, "th", _("Host"), HTML_END);
			html_elem(o, "th", _("Version"), HTML_END);
			html_elem(o, "th", _("Token of"), HTML_END);
			html_elem(o, "th", _("Interval (s)"), "class", "num", HTML_END);
			html_elem(o, "th", _("Last contact"), HTML_END);
			html_elem(o, "th", _("Batches lost"), "class", "num", HTML_END);
			html_elem(o, "th", _("State"), HTML_END);
			html_close(o, "tr");
		}
		html_open(o, "tr", HTML_END);
		html_elem(o, "td", a->host, HTML_END);
		html_elem(o, "td", a->version, HTML_END);
		html_elem(o, "td", a->login, HTML_END);
		html_open(o, "td", "class", "num", HTML_END);
		html_textf(o, "%" PRId64, a->interval_s);
		html_close(o, "td");
		html_open(o, "td", "class", "nowrap", HTML_END);
		page_time(o, a->last_ms);
		html_close(o, "td");
		html_open(o, "td", "class", a->gaps ? "num warn" : "num", HTML_END);
		html_textf(o, "%" PRId64, a->gaps);
		html_close(o, "td");
		html_elem(o, "td", a->silent ? _("silent (alert raised)") : _("reporting"), "class",
		          a->silent ? "warn" : NULL, HTML_END);
		html_close(o, "tr");
	}
	if (shown)
		html_close(o, "table");
	else
		html_elem(o, "p", _("No agent has reported."), HTML_END);
}

static void recent_table(struct web_req *r, const struct fim_config_rows *cl, const bool *seen)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, hb = STRBUF_INIT;
	struct fim_report_briefs l = { 0 };
	size_t shown = 0;

	html_elem(o, "h2", _("Latest checks"), HTML_END);
	fim_reports_recent(r->st, 0, FIM_RECENT * 4, &l, &err);
	for (size_t i = 0; i < l.nr && shown < FIM_RECENT; i++) {
		const struct fim_report_brief *b = &l.items[i];
		const struct fim_config_row *c = config_of(cl, b->config_id);
		if (!c || !seen[c - cl->items])
			continue;
		if (!shown++) {
			html_open(o, "table", HTML_END);
			html_open(o, "tr", HTML_END);
			html_elem(o, "th", _("No."), "class", "num", HTML_END);
			html_elem(o, "th", _("Checked"), HTML_END);
			html_elem(o, "th", _("Host"), HTML_END);
			html_elem(o, "th", _("Result"), HTML_END);
			html_elem(o, "th", _("Files added"), "class", "num", HTML_END);
			html_elem(o, "th", _("Files removed"), "class", "num", HTML_END);
			html_elem(o, "th", _("Files changed"), "class", "num", HTML_END);
			html_elem(o, "th", _("By"), HTML_END);
			html_elem(o, "th", _("Accepted"), HTML_END);
			html_close(o, "tr");
		}
		html_open(o, "tr", HTML_END);
		html_open(o, "td", "class", "num", HTML_END);
		report_link(o, b->id);
		html_close(o, "td");
		html_open(o, "td", "class", "nowrap", HTML_END);
		page_time(o, b->at_ms);
		html_close(o, "td");
		html_elem(o, "td", host_text(c, &hb), HTML_END);
		outcome_cell(o, b->outcome);
		html_open(o, "td", "class", "num", HTML_END);
		html_textf(o, "%" PRId64, b->added);
		html_close(o, "td");
		html_open(o, "td", "class", "num", HTML_END);
		html_textf(o, "%" PRId64, b->removed);
		html_close(o, "td");
		html_open(o, "td", "class", "num", HTML_END);
		html_textf(o, "%" PRId64, b->changed);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		person_text(r, b->by_login, b->via);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		if (b->accepted_generation)
			html_textf(o, _("into generation %lld"), (long long)b->accepted_generation);
		html_close(o, "td");
		html_close(o, "tr");
	}
	if (shown)
		html_close(o, "table");
	else
		html_elem(o, "p", _("No check yet."), HTML_END);
	fim_report_briefs_release(&l);
	strbuf_release(&hb);
	strbuf_release(&err);
}

void ui_fim(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct fim_config_rows cl = { 0 };
	struct fim_agent_rows al = { 0 };
	struct reader *rd = web_reader(r);
	bool *seen = NULL;

	if (!ui_fim_reader(r)) {
		web_error(r, 403, "fim.read refused");
		goto out;
	}
	if (fim_configs_read(r->st, &cl, &err) < 0 || fim_agents_read(r->st, &al, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	seen = xcalloc(cl.nr ? cl.nr : 1, sizeof(*seen));
	for (size_t i = 0; i < cl.nr; i++)
		seen[i] = config_visible(r, &cl.items[i]);
	page_begin(r, _("File integrity"), NAV_FIM);
	html_elem(o, "p",
	          _("Configuration files and published files are compared with their baseline, "
	            "here and on the servers through the agents. Every baseline and every check "
	            "is in the ledger; a change raises an alert."),
	          HTML_END);
	configs_table(r, &cl, seen);
	agents_table(r, &al, &cl, seen, rd && reader_sees_all(rd));
	recent_table(r, &cl, seen);
	if (ui_alerts_reader(r))
		html_elem(o, "a", _("Alerts"), "href", "/alerts", HTML_END);
	page_end(r);
out:
	free(seen);
	fim_config_rows_release(&cl);
	fim_agent_rows_release(&al);
	strbuf_release(&err);
}

/* ---- on the duty page --------------------------------------------------------------------- */

void ui_fim_duty_result(struct web_req *r, const struct duty_status *x)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct fim_report_brief b = { 0 };
	struct reader *rd = web_reader(r);
	const char *system = NULL;
	char url[48];

	if (!x->duty || !fim_is_tamper_duty(x->duty) || !rd)
		goto out;
	if (!strncmp(x->scope, "system:", 7))
		system = x->scope + 7;
	else if (strcmp(x->scope, "org"))
		goto out; /* a section's duty: its checks are under its systems */
	if (!reader_sees_all(rd) && !read_new_record(rd, "fim", NULL, NULL, system, NULL, NULL))
		goto out;
	if (fim_report_latest_for_system(r->st, system, &b, &err) <= 0)
		goto out;
	snprintf(url, sizeof(url), "/fim/reports/%" PRId64, b.id);
	html_open(o, "div", "class", "fim-last", HTML_END);
	html_text(o, _("Last check: "));
	html_elem(o, "a", outcome_name(b.outcome), "href", url, "class",
	          strcmp(b.outcome ? b.outcome : "", "clean") ? "warn" : NULL, HTML_END);
	html_text(o, " (");
	page_time(o, b.at_ms);
	html_text(o, ")");
	html_close(o, "div");
out:
	fim_report_brief_release(&b);
	strbuf_release(&err);
}

/* ---- one report ------------------------------------------------------------------------- */

static void paths_section(struct web_req *r, json_t *report, const char *key, const char *title,
                          bool attributes)
{
	struct strbuf *o = &r->out;
	json_t *list = json_object_get(report, key);
	size_t n = json_is_array(list) ? json_array_size(list) : 0;

	html_open(o, "h2", HTML_END);
	html_textf(o, "%s (%zu)", title, n);
	html_close(o, "h2");
	if (!n)
		return;
	html_open(o, "table", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Path"), HTML_END);
	html_elem(o, "th", _("Type"), HTML_END);
	if (attributes)
		html_elem(o, "th", _("What changed"), HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < n && i < FIM_REPORT_ROWS; i++) {
		json_t *it = json_array_get(list, i);
		const char *path = json_string_value(json_object_get(it, "path"));
		html_open(o, "tr", HTML_END);
		html_elem(o, "td", path ? path : "", "class", "path", HTML_END);
		html_elem(o, "td", type_label(json_string_value(json_object_get(it, "type"))),
		          HTML_END);
		if (attributes) {
			json_t *attrs = json_object_get(it, "attributes");
			html_open(o, "td", HTML_END);
			for (size_t k = 0; json_is_array(attrs) && k < json_array_size(attrs);
			     k++) {
				const char *a = json_string_value(json_array_get(attrs, k));
				if (k)
					html_text(o, _(", "));
				html_text(o, a ? attr_label(a) : "");
			}
			html_close(o, "td");
		}
		html_close(o, "tr");
	}
	html_close(o, "table");
	if (n > FIM_REPORT_ROWS) {
		html_open(o, "p", HTML_END);
		html_textf(o, _("... and %zu more (mamori fim show gives all of them)."),
		           n - FIM_REPORT_ROWS);
		html_close(o, "p");
	}
}

static void problems_section(struct web_req *r, json_t *report)
{
	struct strbuf *o = &r->out;
	json_t *list = json_object_get(report, "problems");
	size_t n = json_is_array(list) ? json_array_size(list) : 0;

	if (!n)
		return;
	html_open(o, "h2", HTML_END);
	html_textf(o, "%s (%zu)", _("Could not be checked"), n);
	html_close(o, "h2");
	html_open(o, "ul", HTML_END);
	for (size_t i = 0; i < n && i < FIM_REPORT_ROWS; i++) {
		json_t *it = json_array_get(list, i);
		const char *path = json_string_value(json_object_get(it, "path"));
		const char *what = json_string_value(json_object_get(it, "problem"));
		html_open(o, "li", HTML_END);
		html_elem(o, "span", path ? path : "", "class", "path", HTML_END);
		html_text(o, _(": "));
		html_text(o, what ? what : "");
		html_close(o, "li");
	}
	html_close(o, "ul");
}

/* The report's facts: host, configuration, time, result, generation, by whom, its acceptance
 * and its ledger entry. */
static void report_props(struct web_req *r, const struct fim_report_row *rep,
                         const struct fim_config_row *c)
{
	struct strbuf *o = &r->out;
	struct strbuf hb = STRBUF_INIT;

	html_open(o, "dl", HTML_END);
	html_elem(o, "dt", _("Host"), HTML_END);
	html_elem(o, "dd", host_text(c, &hb), HTML_END);
	html_elem(o, "dt", _("Configuration"), HTML_END);
	html_elem(o, "dd", c->path, "class", "path", HTML_END);
	html_elem(o, "dt", _("Checked"), HTML_END);
	html_open(o, "dd", HTML_END);
	page_time(o, rep->at_ms);
	html_close(o, "dd");
	html_elem(o, "dt", _("Result"), HTML_END);
	html_elem(o, "dd", outcome_name(rep->outcome), "class",
	          rep->outcome && strcmp(rep->outcome, "clean") ? "warn" : NULL, HTML_END);
	html_elem(o, "dt", _("Compared with generation"), HTML_END);
	html_open(o, "dd", HTML_END);
	html_textf(o, "%" PRIu64, rep->generation);
	html_close(o, "dd");
	html_elem(o, "dt", _("By"), HTML_END);
	html_open(o, "dd", HTML_END);
	person_text(r, rep->by_login, rep->via);
	html_close(o, "dd");
	if (rep->accepted_generation) {
		html_elem(o, "dt", _("Accepted"), HTML_END);
		html_open(o, "dd", HTML_END);
		html_textf(o, _("into generation %lld"), (long long)rep->accepted_generation);
		if (rep->accepted_by) {
			html_text(o, _(", by "));
			person_text(r, rep->accepted_by, NULL);
		}
		html_close(o, "dd");
	}
	html_elem(o, "dt", _("Ledger entry"), HTML_END);
	html_open(o, "dd", HTML_END);
	{
		char url[64];
		snprintf(url, sizeof(url), "/ledger/entry?index=%" PRIu64, rep->ledger_index);
		html_open(o, "a", "href", ui_ledger_reader(r) ? url : NULL, HTML_END);
		html_textf(o, "%" PRIu64, rep->ledger_index);
		html_close(o, "a");
	}
	html_text(o, " SHA-256 ");
	html_elem(o, "code", rep->result_sha256, HTML_END);
	html_close(o, "dd");
	html_close(o, "dl");
	strbuf_release(&hb);
}

void ui_fim_report(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, title = STRBUF_INIT;
	struct fim_report_row rep = { 0 };
	struct fim_config_rows cl = { 0 };
	const struct fim_config_row *c = NULL;
	int64_t id = ui_arg_id(r->args[0]);
	json_t *report = NULL;
	int ret;

	if (!ui_fim_reader(r)) {
		web_error(r, 403, "fim.read refused");
		goto out;
	}
	ret = id ? fim_report_read(r->st, id, &rep, &err) : -ENOENT;
	if (ret == 0 && fim_configs_read(r->st, &cl, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	if (ret == 0)
		c = config_of(&cl, rep.config_id);
	if (ret == -ENOENT || (ret == 0 && (!c || !config_visible(r, c)))) {
		/* The same answer whether it does not exist or may not be seen. */
		web_record_not_found(r, "fim report");
		goto out;
	}
	if (ret < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	report = json_loads(rep.report ? rep.report : "{}", 0, NULL);
	strbuf_addf(&title, _("File integrity check %lld"), (long long)rep.id);
	page_begin(r, title.buf, NAV_FIM);
	report_props(r, &rep, c);
	paths_section(r, report, "added", _("Files added"), false);
	paths_section(r, report, "removed", _("Files removed"), false);
	paths_section(r, report, "changed", _("Files changed"), true);
	problems_section(r, report);
	if (rep.outcome && strcmp(rep.outcome, "clean") && !rep.accepted_generation)
		html_elem(o, "p",
		          _("A person the policy allows accepts these changes into a new baseline "
		            "with: mamori fim accept REPORT --as LOGIN --comment TEXT."),
		          HTML_END);
	html_elem(o, "a", _("File integrity"), "href", "/fim", HTML_END);
	page_end(r);
out:
	json_decref(report);
	fim_report_row_release(&rep);
	fim_config_rows_release(&cl);
	strbuf_release(&err);
	strbuf_release(&title);
}
