/* ui-logs: the collected logs for people: 監査ログ検索 (search, paging, CSV) and the alerts. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "core/alert.h"
#include "core/read.h"
#include "core/records.h"
#include "ingest/ingest.h"
#include "ingest/logindex.h"
#include "ledger/ledger.h"
#include "monitor/monitor.h"
#include "web/access.h"
#include "web/route.h"
#include "web/ui.h"

#define LOGS_PAGE      50     /* messages a page */
#define LOGS_CSV_MAX   100000 /* messages in one CSV download */
#define ALERTS_PAGE    50
#define ALERTS_ON_CARD 5

/* ---- who may see them ---------------------------------------------------------------- */

bool ui_logs_reader(struct web_req *r)
{
	struct reader *rd = web_reader(r);

	/* The profile's access_log.read, asked without a record: who, not which. */
	return rd && (reader_sees_all(rd) ||
	              read_new_record(rd, "access_log", NULL, NULL, NULL, NULL, NULL));
}

bool ui_alerts_reader(struct web_req *r)
{
	struct reader *rd = web_reader(r);

	return rd && (reader_sees_all(rd) ||
	              read_new_record(rd, ALERT_REGISTER, NULL, NULL, NULL, NULL, NULL));
}

/* ---- the search form and what it asks ------------------------------------------------ */

struct logs_form {
	const char *since, *until, *host, *app, *user, *text;
	struct log_query q;
	int64_t page;
	const char *error; /* a filter that could not be read, for people */
};

static const char *param(struct web_req *r, const char *name)
{
	const char *v = web_query(r, name);
	return v && *v ? v : NULL;
}

static void read_form(struct web_req *r, struct logs_form *f)
{
	int64_t now = time_now_ms();

	memset(f, 0, sizeof(*f));
	f->since = param(r, "since");
	f->until = param(r, "until");
	f->host = param(r, "host");
	f->app = param(r, "app");
	f->user = param(r, "user");
	f->text = param(r, "q");
	f->page = 1;
	if (param(r, "page") && parse_int64(param(r, "page"), 1, 1000000, &f->page) < 0)
		f->page = 1;
	if ((f->since && log_parse_when(f->since, now, TOKYO_OFFSET_MS, &f->q.since_ms) < 0) ||
	    (f->until && log_parse_when(f->until, now, TOKYO_OFFSET_MS, &f->q.until_ms) < 0))
		f->error = _("Write a time as 2026-11-22, 2026-11-22 09:00, or a time ago such as "
		             "1h or 7d.");
	f->q.host = f->host;
	f->q.app = f->app;
	f->q.user = f->user;
	f->q.grep = f->text;
}

/* The form's filters as a query string (for paging and the CSV link). */
static void form_query(const struct logs_form *f, struct strbuf *url)
{
	const char *keys[] = { "since", "until", "host", "app", "user", "q" };
	const char *vals[] = { f->since, f->until, f->host, f->app, f->user, f->text };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (vals[i])
			html_url_query(url, keys[i], vals[i]);
}

static void field(struct web_req *r, const char *name, const char *label, const char *value,
                  const char *hint)
{
	struct strbuf *o = &r->out;
	struct strbuf id = STRBUF_INIT;

	strbuf_addf(&id, "f-%s", name);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", label, "for", id.buf, HTML_END);
	html_void(o, "input", "type", "text", "name", name, "id", id.buf, "value", value,
	          "placeholder", hint, HTML_END);
	html_close(o, "div");
	strbuf_release(&id);
}

static void search_form(struct web_req *r, const struct logs_form *f)
{
	struct strbuf *o = &r->out;

	html_open(o, "form", "method", "get", "action", "/logs", "class", "filters card", "role",
	          "search", HTML_END);
	field(r, "since", _("From"), f->since, "2026-11-22 09:00");
	field(r, "until", _("Until"), f->until, "2026-11-22 18:00");
	field(r, "host", _("Host"), f->host, "web01");
	field(r, "app", _("Program"), f->app, "sshd");
	field(r, "user", _("User"), f->user, NULL);
	field(r, "q", _("Containing"), f->text, NULL);
	html_elem(o, "button", _("Search"), "type", "submit", HTML_END);
	html_close(o, "form");
	html_elem(o, "p",
	          _("Times are Japan time. Give a date (2026-11-22), a date and time (2026-11-22 "
	            "09:00) or a time ago (1h, 7d). The text is also looked for in messages that "
	            "could not be read as syslog."),
	          "class", "hint", HTML_END);
}

static void span_text(struct strbuf *o, struct syslog_span s)
{
	if (s.n)
		html_text_len(o, s.p, s.n);
}

/* A message's time to the second, as the ward writes dates (令和8年11月22日 11:46:05). */
static void log_time(struct strbuf *o, int64_t ms)
{
	struct strbuf iso = STRBUF_INIT, shown = STRBUF_INIT;
	int64_t local = ms + TOKYO_OFFSET_MS;
	int64_t sod = ((local % 86400000) + 86400000) % 86400000 / 1000;

	time_format_rfc3339(&iso, ms);
	if (i18n_lang() == WEB_LANG_JA)
		time_format_wareki(&shown, ms, TOKYO_OFFSET_MS);
	else {
		time_format_local(&shown, ms, TOKYO_OFFSET_MS);
		strbuf_setlen(&shown, 10);
	}
	strbuf_addf(&shown, " %02d:%02d:%02d", (int)(sod / 3600), (int)(sod / 60 % 60),
	            (int)(sod % 60));
	html_open(o, "time", "datetime", iso.buf, HTML_END);
	html_text(o, shown.buf);
	html_close(o, "time");
	strbuf_release(&iso);
	strbuf_release(&shown);
}

static void hit_row(struct web_req *r, const struct log_hit *h, bool ledger_link)
{
	struct strbuf *o = &r->out;
	const struct log_event *ev = &h->ev;

	html_open(o, "tr", HTML_END);
	html_open(o, "td", "class", "nowrap", HTML_END);
	log_time(o, ev->time_ms);
	html_close(o, "td");
	html_elem(o, "td", ev->host, HTML_END);
	html_open(o, "td", HTML_END);
	span_text(o, ev->msg.app);
	if (ev->msg.procid.n) {
		html_text(o, "[");
		span_text(o, ev->msg.procid);
		html_text(o, "]");
	}
	html_close(o, "td");
	html_open(o, "td", HTML_END);
	span_text(o, ev->fields.user);
	html_close(o, "td");
	html_open(o, "td", "class", "message", HTML_END);
	if (ev->msg.format == SYSLOG_RAW) {
		html_elem(o, "span", _("unparsed (kept as received)"), "class", "badge", "title",
		          ev->msg.error, HTML_END);
		html_text(o, " ");
	}
	span_text(o, ev->msg.msg);
	if (ev->payload.flags & LOG_CUT)
		html_elem(o, "span", _("cut at the size limit"), "class", "badge", HTML_END);
	html_close(o, "td");
	html_open(o, "td", "class", "num", HTML_END);
	if (ledger_link) {
		struct strbuf url = STRBUF_INIT;
		strbuf_addf(&url, "/ledger/entry?index=%" PRIu64, h->index);
		html_open(o, "a", "href", url.buf, HTML_END);
		html_textf(o, "%" PRIu64, h->index);
		html_close(o, "a");
		strbuf_release(&url);
	} else {
		html_textf(o, "%" PRIu64, h->index);
	}
	html_close(o, "td");
	html_close(o, "tr");
}

static void pager(struct web_req *r, const struct logs_form *f, uint64_t total)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;
	int64_t last = (int64_t)((total + LOGS_PAGE - 1) / LOGS_PAGE);

	html_open(o, "nav", "class", "pager", "aria-label", _("Pages"), HTML_END);
	if (f->page > 1) {
		strbuf_addstr(&url, "/logs?");
		form_query(f, &url);
		strbuf_addf(&url, "&page=%" PRId64, f->page - 1);
		html_elem(o, "a", _("Previous"), "href", url.buf, "rel", "prev", HTML_END);
	}
	if (f->page < last) {
		strbuf_reset(&url);
		strbuf_addstr(&url, "/logs?");
		form_query(f, &url);
		strbuf_addf(&url, "&page=%" PRId64, f->page + 1);
		html_elem(o, "a", _("Next"), "href", url.buf, "rel", "next", HTML_END);
	}
	html_close(o, "nav");
	strbuf_release(&url);
}

void ui_logs(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT, detail = STRBUF_INIT;
	struct logs_form f;
	struct log_result res = { 0 };
	struct ledger *lg;

	if (!ui_logs_reader(r)) {
		web_error(r, 403, "access_log.read refused");
		goto out;
	}
	read_form(r, &f);
	f.q.limit = LOGS_PAGE;
	f.q.offset = (f.page - 1) * LOGS_PAGE;
	if (!f.error && (web_thread_ledger(r, &lg, &err) < 0 ||
	                 logindex_search(r->st, lg, &f.q, TOKYO_OFFSET_MS, &res, &err) < 0)) {
		web_error(r, 503, err.buf);
		goto out;
	}
	/* Reading people's access logs is itself recorded (MIN-9-3). */
	form_query(&f, &detail);
	web_audit(r, r->user->login, "logs.search", detail.len ? detail.buf : NULL);

	page_begin(r, _("Log search"), NAV_LOGS);
	search_form(r, &f);
	if (f.error) {
		page_notice(r, "error", f.error);
		page_end(r);
		goto out;
	}
	html_open(o, "p", "class", "summary", HTML_END);
	if (res.count == 0) {
		html_text(o, _("No collected message matches."));
	} else {
		unsigned long long first = (unsigned long long)f.q.offset + 1,
		                   last = (unsigned long long)f.q.offset + res.nr;
		html_textf(o, _("%1$llu to %2$llu of %3$llu messages, newest first"), first, last,
		           (unsigned long long)res.count);
	}
	/* the search's own filter, in both encodings, as every other list offers */
	strbuf_addstr(&url, "/logs.csv");
	form_query(&f, &url);
	ui_csv_links(r, url.buf);
	html_close(o, "p");
	if (r->cfg->ingest) {
		/* What the receivers are doing: drops and cuts are shown, never silent. */
		struct ingest_stats st;
		ingest_get_stats(r->cfg->ingest, &st);
		html_open(o, "p", "class", st.udp_drops ? "hint warn" : "hint", HTML_END);
		html_textf(o,
		           _("Since this server started: %1$llu messages received, %2$llu "
		             "connections open, %3$llu UDP datagrams dropped before they could be "
		             "read, %4$llu messages cut at the size limit."),
		           (unsigned long long)st.received, (unsigned long long)st.connections,
		           (unsigned long long)st.udp_drops, (unsigned long long)st.cut);
		html_close(o, "p");
	}
	if (res.nr) {
		bool ledger = ui_ledger_reader(r);
		html_open(o, "table", "class", "logs", HTML_END);
		html_open(o, "tr", HTML_END);
		html_elem(o, "th", _("Time"), HTML_END);
		html_elem(o, "th", _("Host"), HTML_END);
		html_elem(o, "th", _("Program"), HTML_END);
		html_elem(o, "th", _("User"), HTML_END);
		html_elem(o, "th", _("Message"), HTML_END);
		html_elem(o, "th", _("Ledger entry"), "class", "num", HTML_END);
		html_close(o, "tr");
		for (size_t i = 0; i < res.nr; i++)
			hit_row(r, &res.hits[i], ledger);
		html_close(o, "table");
		pager(r, &f, res.count);
	}
	page_end(r);
out:
	log_result_release(&res);
	strbuf_release(&err);
	strbuf_release(&url);
	strbuf_release(&detail);
}

static void span_dup(char *buf, size_t size, struct syslog_span s)
{
	size_t n = s.n < size - 1 ? s.n : size - 1;

	if (n)
		memcpy(buf, s.p, n);
	buf[n] = '\0';
}

/* One hit of the search as a row of the CSV download (the columns of ui_logs_csv's header). */
static void log_csv_row(struct csv_writer *w, const struct log_hit *h)
{
	static const char *const formats[] = { "未解析", "RFC 5424", "RFC 3164", "JSON" };
	const struct log_event *ev = &h->ev;
	struct strbuf idx = STRBUF_INIT, t = STRBUF_INIT, rt = STRBUF_INIT, msg = STRBUF_INIT;
	char app[64], pid[136], user[256], ip[64];
	strbuf_addf(&idx, "%" PRIu64, h->index);
	time_format_local(&t, ev->time_ms, TOKYO_OFFSET_MS);
	time_format_local(&rt, h->received_ms, TOKYO_OFFSET_MS);
	span_dup(app, sizeof(app), ev->msg.app);
	span_dup(pid, sizeof(pid), ev->msg.procid);
	span_dup(user, sizeof(user), ev->fields.user);
	span_dup(ip, sizeof(ip), ev->fields.src_ip);
	if (ev->msg.msg.n)
		strbuf_add(&msg, ev->msg.msg.p, ev->msg.msg.n);
	{
		const char *row[] = { idx.buf,
			              t.buf,
			              rt.buf,
			              ev->host,
			              app,
			              pid,
			              user,
			              ip,
			              syslog_severity_name(ev->msg.pri)
			                  ? syslog_severity_name(ev->msg.pri)
			                  : "",
			              msg.buf ? msg.buf : "",
			              formats[ev->msg.format & 3],
			              ev->payload.via,
			              h->source ? h->source : "" };
		csv_write_row(w, row, ARRAY_SIZE(row));
	}
	strbuf_release(&idx);
	strbuf_release(&t);
	strbuf_release(&rt);
	strbuf_release_secret(&msg);
}

void ui_logs_csv(struct web_req *r)
{
	static const char *const header[] = { "台帳番号", "日時",           "受信日時",
		                              "ホスト",   "プログラム",     "プロセスID",
		                              "利用者",   "送信元アドレス", "重要度",
		                              "内容",     "形式",           "受信経路",
		                              "送信元" };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT, detail = STRBUF_INIT;
	struct csv_writer w;
	struct logs_form f;
	struct log_result res = { 0 };
	struct ledger *lg;
	/* every list's ?encoding=cp932, and this page's older ?cp932=1 */
	unsigned flags =
	    web_query(r, "cp932") ? CSV_WRITE_CP932 | CSV_WRITE_FORMULA_GUARD : ui_csv_flags(r);
	bool cp932 = flags & CSV_WRITE_CP932;

	if (!ui_logs_reader(r)) {
		web_error(r, 403, "access_log.read refused");
		goto out;
	}
	read_form(r, &f);
	if (f.error) {
		web_error(r, 400, f.error);
		goto out;
	}
	f.q.limit = LOGS_CSV_MAX;
	if (web_thread_ledger(r, &lg, &err) < 0 ||
	    logindex_search(r->st, lg, &f.q, TOKYO_OFFSET_MS, &res, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	csv_writer_init(&w, &out, flags);
	csv_write_row(&w, header, ARRAY_SIZE(header));
	for (size_t i = 0; i < res.nr; i++)
		log_csv_row(&w, &res.hits[i]);
	if (csv_writer_finish(&w, &err) < 0) { /* iconv without CP932 */
		web_error(r, 400, err.buf);
		goto out;
	}
	form_query(&f, &detail);
	strbuf_addf(&detail, "%srows=%zu", detail.len ? "&" : "", res.nr);
	/* (a character CP932 has no form for is written as 〓: the audit line counts them, so the
	 * file can be told from the ledger's text; the UTF-8 CSV keeps every character) */
	if (cp932)
		strbuf_addf(&detail, "&cp932&substituted=%zu", w.substituted);
	web_audit(r, r->user->login, "logs.export", detail.buf);
	r->out_secret = true;
	/* and the downloader is told too (the page says it beside the button) */
	ui_csv_reply(r, cp932, w.substituted, "attachment; filename=\"logs.csv\"", &out);
out:
	log_result_release(&res);
	strbuf_release_secret(&out);
	strbuf_release(&err);
	strbuf_release(&detail);
}

/* ---- alerts ------------------------------------------------------------------------- */

static void alert_row(struct web_req *r, const struct alert *a)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;

	strbuf_addf(&url, "/records/%" PRId64, a->id);
	html_open(o, "tr", HTML_END);
	html_open(o, "td", "class", "num", HTML_END);
	html_open(o, "a", "href", url.buf, HTML_END);
	html_textf(o, "%" PRId64, a->id);
	html_close(o, "a");
	html_close(o, "td");
	html_open(o, "td", "class", "nowrap", HTML_END);
	page_time(o, a->time_ms);
	html_close(o, "td");
	html_elem(o, "td", ui_severity_name(a->severity), "class", "severity", HTML_END);
	html_elem(o, "td", a->host ? a->host : "", HTML_END);
	html_open(o, "td", HTML_END);
	html_elem(o, "a", a->summary, "href", url.buf, HTML_END);
	html_close(o, "td");
	html_elem(o, "td", ui_state_name(r, ALERT_REGISTER, a->state), HTML_END);
	html_close(o, "tr");
	strbuf_release(&url);
}

/* The alerts the reader may see, through the one read decision (records of register alert). */
static int visible_alerts(struct web_req *r, const char *state, int64_t offset, int64_t limit,
                          struct alert_list *ret, int64_t *ret_total, struct strbuf *err)
{
	struct record_query q = { .register_id = ALERT_REGISTER,
		                  .state = state,
		                  .sort = "-id",
		                  .offset = offset,
		                  .limit = limit,
		                  .count = true };
	struct record_page page = { 0 };
	int rr = records_query(r->st, web_reader(r), &q, &page, err);

	if (rr < 0)
		return rr;
	for (size_t i = 0; i < page.list.nr; i++) {
		ALLOC_GROW(ret->items, ret->nr + 1, ret->alloc);
		alert_from_record(&page.list.items[i], &ret->items[ret->nr++]);
	}
	*ret_total = page.total;
	record_page_release(&page);
	return 0;
}

/*
 * The analysis is stuck (monitor_unraised: six tries in a row failed, none raised): since
 * when, and what to do, in one sentence for the alert page and the dashboard's card.
 */
static void stuck_notice(struct web_req *r, const struct monitor_unraised *u)
{
	struct strbuf *o = &r->out;
	struct strbuf since = STRBUF_INIT;

	time_format_local(&since, u->stuck_since_ms, TOKYO_OFFSET_MS);
	html_open(o, "p", "class", "notice error", "role", "alert", "id", "alerts-stuck", HTML_END);
	if (u->stuck_code == EPROTO)
		html_textf(
		    o,
		    _("The log analysis has raised no alert since %1$s: %2$u tries in a row "
		      "failed, as the database may be damaged. Check it with 'mamori doctor' "
		      "and, if it says so, restore it from a backup and restart the server. "
		      "Up to %3$u alerts found meanwhile are kept and tried again (each is "
		      "named in the server's log)."),
		    since.buf, u->stuck_tries, u->max_pending);
	else if (u->stuck_code == ENOSPC || u->stuck_code == EDQUOT)
		html_textf(
		    o,
		    _("The log analysis has raised no alert since %1$s: %2$u tries in a row "
		      "failed, as the disk is full. Make room on it; up to %3$u alerts found "
		      "meanwhile are kept and raised then."),
		    since.buf, u->stuck_tries, u->max_pending);
	else
		html_textf(o,
		           _("The log analysis has raised no alert since %1$s: %2$u tries in a row "
		             "failed (see the server's log). Up to %3$u alerts found meanwhile are "
		             "kept and tried again."),
		           since.buf, u->stuck_tries, u->max_pending);
	html_close(o, "p");
	strbuf_release(&since);
}

/* What the analysis found and could not raise: shown, never only in a log. */
static void unraised(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct monitor_unraised u;
	uint64_t held;

	monitor_unraised(r->cfg->monitor, &u);
	if (u.stuck_since_ms && u.stuck_tries)
		stuck_notice(r, &u);
	/* (lost and found again are loaded before dropped: parts of it) */
	held = u.dropped > u.dropped_lost + u.dropped_again
	           ? u.dropped - u.dropped_lost - u.dropped_again
	           : 0;
	if (!u.refused && !u.dropped && !u.waiting && !u.retried)
		return;
	html_open(o, "p", "class", "hint warn", "id", "alerts-unraised", HTML_END);
	if (u.refused)
		html_textf(o,
		           _("Since this server started the log analysis found %llu alerts that "
		             "the door refused to raise (each is in the server's log)."),
		           (unsigned long long)u.refused);
	if (held)
		html_textf(o,
		           _(" %1$llu alerts it found were not kept, with %2$u already waiting to "
		             "be raised: once raising works their messages are analysed again and "
		             "they are raised; a restart of the server raises them too, and only "
		             "it raises those of a correlation (many messages together); either "
		             "must come before the log is 32,768 messages past them."),
		           (unsigned long long)held, u.max_pending);
	if (u.dropped_lost)
		html_textf(o,
		           _(" %1$llu alerts it found were not kept, with %2$u already waiting to "
		             "be raised, and are lost: raising failed until the log was 32,768 "
		             "messages past them, their messages analysed again did not make them "
		             "again, or more than 65,536 were not kept."),
		           (unsigned long long)u.dropped_lost, u.max_pending);
	if (u.dropped_again)
		html_textf(o,
		           _(" %llu alerts it found and did not keep were found again, once "
		             "raising worked, in their messages analysed again."),
		           (unsigned long long)u.dropped_again);
	if (u.waiting)
		html_textf(o,
		           _(" %llu alerts wait to be raised: their raising failed and is tried "
		             "again (see the server's log)."),
		           (unsigned long long)u.waiting);
	if (u.unheld)
		html_textf(o,
		           _(" %llu of them kept failing while 32,768 more messages came: a "
		             "restart would no longer find them, so they are lost if the server "
		             "stops before they are raised."),
		           (unsigned long long)u.unheld);
	if (u.retried)
		html_textf(o,
		           _(" %llu alerts were raised when tried again, after their raising "
		             "had failed."),
		           (unsigned long long)u.retried);
	html_close(o, "p");
}

/* The alerts l of state (or "all") as a table, the page-th page of total, with the CSV links. */
static void alerts_table(struct web_req *r, const struct alert_list *l, const char *state,
                         int64_t page, int64_t total)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT, base = STRBUF_INIT;

	strbuf_addstr(&base, "/registers/" ALERT_REGISTER "/csv");
	if (strcmp(state, "all"))
		html_url_query(&base, "state", state);
	html_open(o, "p", "class", "noprint", HTML_END);
	ui_csv_links(r, base.buf);
	html_close(o, "p");
	strbuf_release(&base);
	html_open(o, "table", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("No."), "class", "num", HTML_END);
	html_elem(o, "th", _("Detected"), HTML_END);
	html_elem(o, "th", _("Severity"), HTML_END);
	html_elem(o, "th", _("Host"), HTML_END);
	html_elem(o, "th", _("Summary"), HTML_END);
	html_elem(o, "th", _("State"), HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < l->nr; i++)
		alert_row(r, &l->items[i]);
	html_close(o, "table");
	html_open(o, "nav", "class", "pager", "aria-label", _("Pages"), HTML_END);
	if (page > 1) {
		strbuf_reset(&url);
		strbuf_addf(&url, "/alerts?state=%s&page=%" PRId64, state, page - 1);
		html_elem(o, "a", _("Previous"), "href", url.buf, "rel", "prev", HTML_END);
	}
	if (page * ALERTS_PAGE < total) {
		strbuf_reset(&url);
		strbuf_addf(&url, "/alerts?state=%s&page=%" PRId64, state, page + 1);
		html_elem(o, "a", _("Next"), "href", url.buf, "rel", "next", HTML_END);
	}
	html_close(o, "nav");
	strbuf_release(&url);
}

void ui_alerts(struct web_req *r)
{
	static const char *const states[] = { "open", "acknowledged", "closed" };
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	struct alert_list l = { 0 };
	const char *state = param(r, "state");
	int64_t page = 1, total = 0;
	bool unread;

	if (!ui_alerts_reader(r)) {
		web_error(r, 403, "alert.read refused");
		goto out;
	}
	if (state && strcmp(state, "all") && strcmp(state, states[0]) && strcmp(state, states[1]) &&
	    strcmp(state, states[2]))
		state = NULL;
	if (!state)
		state = "open";
	if (param(r, "page") && parse_int64(param(r, "page"), 1, 1000000, &page) < 0)
		page = 1;
	/* Not read (a damaged database, say): the page still says what the analysis did, in
	 * Japanese, and the store's own message goes to the server's log (review-alerts L5). */
	unread = visible_alerts(r, strcmp(state, "all") ? state : NULL, (page - 1) * ALERTS_PAGE,
	                        ALERTS_PAGE, &l, &total, &err) < 0;
	if (unread)
		fprintf(stderr, "mamori: the alert page cannot read the alerts: %s\n", err.buf);
	page_begin(r, _("Alerts"), NAV_ALERTS);
	if (unread)
		r->status = 503;
	html_elem(o, "p",
	          _("The log analysis and the file integrity checks raise alerts; the CSIRT and "
	            "the system managers acknowledge them and record what was done."),
	          HTML_END);
	html_open(o, "nav", "class", "tabs", "aria-label", _("Alerts by state"), HTML_END);
	for (size_t i = 0; i <= ARRAY_SIZE(states); i++) {
		const char *s = i < ARRAY_SIZE(states) ? states[i] : "all";
		strbuf_reset(&url);
		strbuf_addf(&url, "/alerts?state=%s", s);
		html_elem(
		    o, "a", i < ARRAY_SIZE(states) ? ui_state_name(r, ALERT_REGISTER, s) : _("All"),
		    "href", url.buf, "aria-current", !strcmp(s, state) ? "page" : NULL, HTML_END);
	}
	html_close(o, "nav");
	if (r->cfg->monitor)
		unraised(r);
	if (unread) {
		html_elem(o, "p", _("The alerts cannot be read now (see the server's log)."),
		          "class", "notice error", "role", "alert", HTML_END);
	} else if (!l.nr) {
		html_elem(o, "p", _("No alerts."), HTML_END);
	} else {
		alerts_table(r, &l, state, page, total);
	}
	if (ui_logs_reader(r))
		html_elem(o, "a", _("Search the collected logs"), "href", "/logs", HTML_END);
	page_end(r);
out:
	alert_list_release(&l);
	strbuf_release(&err);
	strbuf_release(&url);
}

void ui_alerts_card(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct alert_list l = { 0 };
	int64_t total = 0;

	struct monitor_unraised u = { 0 };
	bool unread;

	/* The CSIRT's and the system managers' card: only for who may read alerts. */
	if (!ui_alerts_reader(r))
		return;
	unread = visible_alerts(r, "open", 0, ALERTS_ON_CARD, &l, &total, &err) < 0;
	if (r->cfg->monitor)
		monitor_unraised(r->cfg->monitor, &u);
	/* (not read and not stuck: no card, as before; stuck: the card says so all the same) */
	if (unread && !(u.stuck_since_ms && u.stuck_tries)) {
		strbuf_release(&err);
		return;
	}
	html_open(o, "section", "class", "card alerts", HTML_END);
	html_elem(o, "h2", _("Open alerts"), HTML_END);
	/* The analysis stuck: said where the CSIRT and the system managers look first. */
	if (u.stuck_since_ms && u.stuck_tries)
		stuck_notice(r, &u);
	if (unread) {
		html_elem(o, "p", _("The alerts cannot be read now (see the server's log)."),
		          "class", "notice error", HTML_END);
		html_close(o, "section");
		strbuf_release(&err);
		return;
	}
	html_open(o, "p", "class", total ? "stat warn" : "stat", HTML_END);
	html_textf(o, "%" PRId64, total);
	html_close(o, "p");
	html_open(o, "ul", HTML_END);
	for (size_t i = 0; i < l.nr; i++) {
		char url[48];
		snprintf(url, sizeof(url), "/records/%" PRId64, l.items[i].id);
		html_open(o, "li", HTML_END);
		html_elem(o, "a", l.items[i].summary, "href", url, HTML_END);
		html_close(o, "li");
	}
	html_close(o, "ul");
	html_elem(o, "a", _("All alerts"), "href", "/alerts", HTML_END);
	if (ui_logs_reader(r)) {
		html_text(o, " ");
		html_elem(o, "a", _("Log search"), "href", "/logs", HTML_END);
	}
	html_close(o, "section");
	alert_list_release(&l);
	strbuf_release(&err);
}
