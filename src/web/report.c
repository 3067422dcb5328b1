/* report: the compliance report's HTML and CSV; the cells every format shares (report-pdf.c
 * draws the same cells). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/timeutil.h"
#include "core/compliance.h"
#include "core/core.h"
#include "web/html.h"
#include "web/ui.h"
#include "web/report-internal.h"

const char *const report_columns[REPORT_NCOLS] = {
	"条項",
	"出典",
	"内容",
	"区分",
	"担保",
	"行為",
	"拒否",
	"承認",
	"承認までの中央値",
	"義務の実施",
	"義務の期限超過",
	"未完了の指摘",
	"インシデント",
	"自己点検",
	"リスク",
	"台帳の記録",
	"行為のうち名義・CLI",
	"承認のうち名義・CLI",
};

void report_median(int64_t ms, struct strbuf *out)
{
	double h = (double)ms / 3600000.0;

	if (ms < 0)
		strbuf_addstr(out, "なし");
	else if (h < 48)
		strbuf_addf(out, "%.1f時間", h);
	else
		strbuf_addf(out, "%.1f日", h / 24);
}

void report_cell(const struct compliance_row *x, int col, struct strbuf *out)
{
	const struct policy_clause *c = x->clause;

	switch (col) {
	case COL_ID:
		strbuf_addstr(out, c->id);
		break;
	case COL_CITE:
		strbuf_addstr(out, c->cite ? c->cite : "");
		break;
	case COL_TEXT:
		strbuf_addstr(out, c->text ? c->text : "");
		break;
	case COL_KIND:
		strbuf_addstr(out, compliance_kind_ja(c->kind));
		break;
	case COL_STRENGTH:
		strbuf_addstr(out,
		              c->kind == CLAUSE_H ? "対象外" : compliance_strength_ja(x->strength));
		if (x->gap)
			strbuf_addstr(out, "（不足）");
		break;
	case COL_ACTS:
		strbuf_addf(out, "%" PRId64, x->acts);
		break;
	case COL_REFUSALS:
		strbuf_addf(out, "%" PRId64, x->refusals);
		break;
	case COL_APPROVALS:
		strbuf_addf(out, "%" PRId64, x->approvals);
		break;
	case COL_MEDIAN:
		report_median(x->approval_median_ms, out);
		break;
	case COL_DUTIES_DONE:
		strbuf_addf(out, "%" PRId64, x->duties_done);
		break;
	case COL_DUTIES_OVERDUE:
		strbuf_addf(out, "%" PRId64, x->duties_overdue);
		break;
	case COL_FINDINGS:
		strbuf_addf(out, "%" PRId64, x->findings_open);
		break;
	case COL_INCIDENTS:
		strbuf_addf(out, "%" PRId64, x->incidents);
		if (x->incidents)
			strbuf_addf(out, "（終結 %" PRId64 "）", x->incidents_closed);
		break;
	case COL_INSPECTION:
		if (!x->insp_conform && !x->insp_nonconform && !x->insp_na && !x->insp_unanswered)
			strbuf_addstr(out, "—");
		else
			strbuf_addf(out,
			            "適合 %" PRId64 "、不適合 %" PRId64 "、該当なし %" PRId64
			            "、未回答 %" PRId64,
			            x->insp_conform, x->insp_nonconform, x->insp_na,
			            x->insp_unanswered);
		break;
	case COL_RISKS:
		/* the risks that name it as a measure; of them, where it works now */
		if (!x->risks)
			strbuf_addstr(out, "—");
		else
			strbuf_addf(out, "%" PRId64 "（効いている %" PRId64 "）", x->risks,
			            x->risks_counting);
		break;
	case COL_LEDGER:
		for (size_t i = 0; i < x->n_ledger; i++)
			strbuf_addf(out, "%s%" PRIu64, i ? " " : "", x->ledger[i]);
		break;
	case COL_CLI_ACTS:
		strbuf_addf(out, "%" PRId64, x->cli_acts);
		break;
	case COL_CLI_APPROVALS:
		strbuf_addf(out, "%" PRId64, x->cli_approvals);
		break;
	}
}

const char *const report_fig_names[REPORT_NFIGS] = {
	"行為",
	"拒否",
	"承認",
	"指摘",
	"義務の実施",
	"義務の期限超過",
	"インシデント",
	"自己点検",
	"リスク",
	"行為のうち名義・CLI",
	"承認のうち名義・CLI",
};
const char *const report_fig_anchors[REPORT_NFIGS] = {
	"acts",      "refused",    "approved", "found",    "duties-done",  "duties-overdue",
	"incidents", "inspection", "risks",    "cli-acts", "cli-approved",
};

size_t report_fig_count(const struct compliance_row *x, int fig)
{
	switch (fig) {
	case REPORT_FIG_ACTS:
		return x->n_ledger;
	case REPORT_FIG_REFUSED:
		return x->n_refused;
	case REPORT_FIG_APPROVED:
		return x->n_approved;
	case REPORT_FIG_FOUND:
		return x->n_found;
	case REPORT_FIG_CLI_ACTS:
		return x->n_cli_ledger;
	case REPORT_FIG_CLI_APPROVED:
		return x->n_cli_approved;
	default:
		return x->items[fig - REPORT_FIG_ITEMS].n;
	}
}

const uint64_t *report_fig_array(const struct compliance_row *x, int fig)
{
	switch (fig) {
	case REPORT_FIG_ACTS:
		return x->ledger;
	case REPORT_FIG_REFUSED:
		return x->refused;
	case REPORT_FIG_APPROVED:
		return x->approved;
	case REPORT_FIG_FOUND:
		return x->found;
	case REPORT_FIG_CLI_ACTS:
		return x->cli_ledger;
	case REPORT_FIG_CLI_APPROVED:
		return x->cli_approved;
	}
	return NULL;
}

int64_t report_fig_entry(const struct compliance_row *x, int fig, size_t k, const char **what)
{
	const uint64_t *e = report_fig_array(x, fig);

	if (e) {
		*what = NULL;
		return (int64_t)e[k];
	}
	*what = x->items[fig - REPORT_FIG_ITEMS].v[k].what;
	return x->items[fig - REPORT_FIG_ITEMS].v[k].ledger;
}

void report_csv_fig_heads(struct csv_writer *w, int first, int end)
{
	struct strbuf t = STRBUF_INIT;

	for (int f = first; f < end; f++) {
		strbuf_reset(&t);
		strbuf_addf(&t, "台帳の記録（%s）", report_fig_names[f]);
		csv_write_field(w, t.buf);
	}
	strbuf_release(&t);
}

void report_csv_fig_cells(struct csv_writer *w, const struct compliance_row *x, int first, int end)
{
	struct strbuf t = STRBUF_INIT;

	for (int f = first; f < end; f++) {
		strbuf_reset(&t);
		report_fig_entries(x, f, &t);
		csv_write_field(w, t.buf);
	}
	strbuf_release(&t);
}

void report_fig_entries(const struct compliance_row *x, int fig, struct strbuf *out)
{
	for (size_t k = 0; k < report_fig_count(x, fig); k++) {
		const char *what;
		int64_t e = report_fig_entry(x, fig, k, &what);

		if (k)
			strbuf_addch(out, ' ');
		if (e >= 0)
			strbuf_addf(out, "%" PRId64, e);
		else
			strbuf_addstr(out, "—");
	}
}

const char *const report_cli_columns[REPORT_CLI_NCOLS] = {
	"日時", "名義", "行為", "結果", "申請", "条項", "台帳の記録",
};

void report_cli_cell(const struct compliance_cli_act *x, int col, struct strbuf *out)
{
	switch (col) {
	case 0:
		time_format_local(out, x->at_ms, TOKYO_OFFSET_MS);
		break;
	case 1: /* the person by name (the login is an id), and who really ran the command */
		strbuf_addstr(out, x->name && *x->name ? x->name : "—");
		if (x->title && *x->title)
			strbuf_addf(out, "（%s）", x->title);
		strbuf_addstr(out, " 名義・CLI");
		if (x->os_user && *x->os_user)
			strbuf_addf(out, "（OSユーザー %s）", x->os_user);
		else
			strbuf_addstr(out, "（OSユーザー不明）");
		break;
	case 2:
		strbuf_addstr(out, x->what ? x->what : "");
		if (!x->named && x->action) {
			const char *name = ui_door_act_name(x->action);

			strbuf_addstr(out, name ? name : "その他の操作");
		}
		break;
	case 3:
		strbuf_addstr(out, !x->outcome                      ? ""
		                   : !strcmp(x->outcome, "done")    ? "実施"
		                   : !strcmp(x->outcome, "pending") ? "承認待ち"
		                                                    : "拒否");
		break;
	case 4:
		if (x->request_id)
			strbuf_addf(out, "%" PRId64, x->request_id);
		break;
	case 5:
		strbuf_addstr(out, x->clauses ? x->clauses : "");
		break;
	case 6:
		if (x->ledger >= 0)
			strbuf_addf(out, "%" PRId64, x->ledger);
		break;
	}
}

void report_cli_note(const struct compliance_report *r, struct strbuf *out)
{
	strbuf_addf(out,
	            "コマンドライン（mamori … --as）で本人の名義により行われた行為：%" PRId64
	            "件。データディレクトリを開ける者（OSユーザー）が行ったもので、本人が"
	            "自ら操作したことを示すものではありません。",
	            r->cli_total);
	if (r->cli_total > (int64_t)r->n_cli)
		strbuf_addf(out, "最初の%zu件を示します。", r->n_cli);
}

void report_period(const struct compliance_report *r, struct strbuf *out)
{
	if (r->from_ms != COMPLIANCE_FROM_START)
		time_format_wareki(out, r->from_ms, TOKYO_OFFSET_MS);
	else
		strbuf_addstr(out, "記録の始め");
	strbuf_addstr(out, "から");
	/* to is the start of the day after the last one */
	time_format_wareki(out, r->to_ms - 1, TOKYO_OFFSET_MS);
	strbuf_addstr(out, "まで");
}

void report_head_basis(const struct compliance_report *r, struct strbuf *o)
{
	struct strbuf t = STRBUF_INIT;

	html_elem(o, "dt", "基準", HTML_END);
	strbuf_addf(&t, "%s（%s）", r->p->title ? r->p->title : r->p->id,
	            r->p->municipality ? r->p->municipality : "");
	html_elem(o, "dd", t.buf, HTML_END);
	strbuf_reset(&t);
	html_elem(o, "dt", "対象期間", HTML_END);
	report_period(r, &t);
	html_elem(o, "dd", t.buf, HTML_END);
	strbuf_release(&t);
}

const char *const report_case_columns[REPORT_CASE_NCOLS] = {
	"事案", "件名", "終結日", "発生原因", "再発防止策", "条項",
};

void report_case_cell(const struct compliance_case *k, int col, struct strbuf *out)
{
	switch (col) {
	case 0:
		strbuf_addf(out, "%" PRId64, k->id);
		break;
	case 1:
		strbuf_addstr(out, k->title ? k->title : "");
		break;
	case 2:
		time_format_wareki(out, k->closed_ms, TOKYO_OFFSET_MS);
		break;
	case 3:
		strbuf_addstr(out, k->cause ? k->cause : "（記録なし）");
		break;
	case 4:
		strbuf_addstr(out, k->prevention ? k->prevention : "（記録なし）");
		break;
	default:
		strbuf_addstr(out, k->clauses ? k->clauses : "");
		break;
	}
}

/* The signers' boxes: who drafts, who checks, who decides (決裁欄). */
const char *const report_signers[REPORT_NSIGNERS] = { "起案", "審査", "承認", "決裁" };

void report_figures_url(const struct compliance_report *r, const char *page, const char *id,
                        const char *anchor, struct strbuf *url)
{
	struct strbuf d = STRBUF_INIT;

	strbuf_addf(url, "/report/compliance/%s", page);
	html_url_query(url, "id", id);
	if (r->from_ms != COMPLIANCE_FROM_START) {
		core_format_local_date(&d, r->from_ms);
		html_url_query(url, "from", d.buf);
		strbuf_reset(&d);
	}
	core_format_local_date(&d, r->to_ms - 1);
	html_url_query(url, "to", d.buf);
	if (anchor)
		strbuf_addf(url, "#%s", anchor);
	strbuf_release(&d);
}

void report_row_url(const struct compliance_report *r, const char *clause, struct strbuf *url)
{
	struct strbuf d = STRBUF_INIT;

	strbuf_addstr(url, "/report/compliance");
	if (r->from_ms != COMPLIANCE_FROM_START) {
		core_format_local_date(&d, r->from_ms);
		html_url_query(url, "from", d.buf);
		strbuf_reset(&d);
	}
	core_format_local_date(&d, r->to_ms - 1);
	html_url_query(url, "to", d.buf);
	strbuf_addf(url, "#%s", clause);
	strbuf_release(&d);
}

void report_figure_link(const struct compliance_report *r, const char *page, const char *id,
                        int fig, const char *label, struct strbuf *o)
{
	struct strbuf url = STRBUF_INIT;

	report_figures_url(r, page, id, report_fig_anchors[fig], &url);
	html_elem(o, "a", label, "href", url.buf, "class", "figure", HTML_END);
	strbuf_release(&url);
}

/* The figure behind column c of row x that has entries, or -1 (no list, or none). */
static int column_figure(const struct compliance_row *x, int c)
{
	static const int fig_of[][2] = {
		{ COL_APPROVALS, REPORT_FIG_APPROVED },
		{ COL_FINDINGS, REPORT_FIG_FOUND },
		{ COL_DUTIES_DONE, REPORT_FIG_ITEMS + COMPLIANCE_DUTIES_DONE },
		{ COL_DUTIES_OVERDUE, REPORT_FIG_ITEMS + COMPLIANCE_DUTIES_OVERDUE },
		{ COL_INCIDENTS, REPORT_FIG_ITEMS + COMPLIANCE_INCIDENTS },
		{ COL_INSPECTION, REPORT_FIG_ITEMS + COMPLIANCE_INSPECTION },
		{ COL_RISKS, REPORT_FIG_ITEMS + COMPLIANCE_RISKS },
		{ COL_CLI_ACTS, REPORT_FIG_CLI_ACTS },
		{ COL_CLI_APPROVALS, REPORT_FIG_CLI_APPROVED },
	};

	if (c == COL_ACTS && x->acts)
		return REPORT_FIG_ACTS;
	if (c == COL_REFUSALS && x->refusals)
		return REPORT_FIG_REFUSED;
	for (size_t i = 0; i < sizeof(fig_of) / sizeof(fig_of[0]); i++)
		if (c == fig_of[i][0] && report_fig_count(x, fig_of[i][1]))
			return fig_of[i][1];
	return -1;
}

static void html_ledger_cell(const struct compliance_report *r, const struct compliance_row *x,
                             bool links, struct strbuf *o)
{
	size_t shown = x->n_ledger < 20 ? x->n_ledger : 20;

	for (size_t i = 0; i < shown; i++) {
		char label[24], url[64];

		snprintf(label, sizeof(label), "%" PRIu64, x->ledger[i]);
		if (i)
			strbuf_addch(o, ' ');
		if (links) {
			snprintf(url, sizeof(url), "/ledger/entry?index=%" PRIu64, x->ledger[i]);
			html_elem(o, "a", label, "href", url, HTML_END);
		} else {
			html_text(o, label);
		}
	}
	if (shown < x->n_ledger && links) {
		struct strbuf url = STRBUF_INIT, label = STRBUF_INIT;

		report_figures_url(r, "clause", x->clause->id, "acts", &url);
		strbuf_addf(&label, "…（ほか%zu件）", x->n_ledger - shown);
		strbuf_addch(o, ' ');
		html_elem(o, "a", label.buf, "href", url.buf, HTML_END);
		strbuf_release(&url);
		strbuf_release(&label);
	} else if (shown < x->n_ledger) {
		html_textf(o, " …（ほか%zu件）", x->n_ledger - shown);
	}
}

/* The report's title, its head (basis, when made, the policy's version, the checkpoint) and the
 * signers' boxes. */
static void report_head_html(const struct compliance_report *r, struct strbuf *o)
{
	struct strbuf t = STRBUF_INIT;

	html_elem(o, "h1", REPORT_COMPLIANCE_TITLE, HTML_END);
	html_open(o, "dl", "class", "report-head", HTML_END);
	report_head_basis(r, o);
	html_elem(o, "dt", "作成日時", HTML_END);
	time_format_wareki(&t, r->made_ms, TOKYO_OFFSET_MS);
	html_elem(o, "dd", t.buf, HTML_END);
	strbuf_reset(&t);
	html_elem(o, "dt", "ポリシーの版（SHA-256）", HTML_END);
	html_elem(o, "dd", r->p->sha256_hex, HTML_END);
	html_elem(o, "dt", "署名付きチェックポイント", HTML_END);
	html_open(o, "dd", HTML_END);
	if (r->checkpoint)
		html_elem(o, "pre", r->checkpoint, "class", "checkpoint", HTML_END);
	else
		html_text(o, "まだ署名されたチェックポイントがありません");
	html_close(o, "dd");
	html_close(o, "dl");

	html_elem(o, "h2", "決裁欄", HTML_END);
	html_open(o, "table", "class", "signers", HTML_END);
	html_open(o, "tr", HTML_END);
	for (size_t i = 0; i < REPORT_NSIGNERS; i++)
		html_elem(o, "th", report_signers[i], "scope", "col", HTML_END);
	html_close(o, "tr");
	html_open(o, "tr", HTML_END);
	for (size_t i = 0; i < REPORT_NSIGNERS; i++)
		html_elem(o, "td", "", HTML_END);
	html_close(o, "tr");
	html_close(o, "table");
	strbuf_release(&t);
}

/* The table of the clauses; with ledger_links, each figure links to its ledger entries. */
static void report_clauses_html(const struct compliance_report *r, bool ledger_links,
                                struct strbuf *o)
{
	struct strbuf t = STRBUF_INIT;

	html_elem(o, "h2", "条項ごとの遵守状況", HTML_END);
	html_open(o, "table", "class", "report-clauses", HTML_END);
	html_open(o, "tr", HTML_END);
	for (int c = 0; c < REPORT_NCOLS; c++)
		html_elem(o, "th", report_columns[c], "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < r->nr; i++) {
		const struct compliance_row *x = &r->rows[i];

		html_open(o, "tr", "id", x->clause->id, "class", x->gap ? "gap" : NULL, HTML_END);
		for (int c = 0; c < REPORT_NCOLS; c++) {
			if (c == COL_LEDGER) {
				html_open(o, "td", HTML_END);
				html_ledger_cell(r, x, ledger_links, o);
				html_close(o, "td");
				continue;
			}
			/* every figure counted links to the ledger entries behind it */
			if (ledger_links && column_figure(x, c) >= 0) {
				strbuf_reset(&t);
				report_cell(x, c, &t);
				html_open(o, "td", HTML_END);
				report_figure_link(r, "clause", x->clause->id, column_figure(x, c),
				                   t.buf, o);
				html_close(o, "td");
				continue;
			}
			strbuf_reset(&t);
			report_cell(x, c, &t);
			html_elem(o, c == COL_ID ? "th" : "td", t.buf, "scope",
			          c == COL_ID ? "row" : NULL, HTML_END);
		}
		html_close(o, "tr");
	}
	html_close(o, "table");
	strbuf_release(&t);
}

/* The acts made with the CLI: a note, then their table when there are any. */
static void report_cli_html(const struct compliance_report *r, struct strbuf *o)
{
	struct strbuf t = STRBUF_INIT;

	html_elem(o, "h2", REPORT_CLI_HEADING, "id", "cli", HTML_END);
	report_cli_note(r, &t);
	html_elem(o, "p", t.buf, HTML_END);
	if (r->n_cli) {
		html_open(o, "table", "class", "report-cli", HTML_END);
		html_open(o, "tr", HTML_END);
		for (int c = 0; c < REPORT_CLI_NCOLS; c++)
			html_elem(o, "th", report_cli_columns[c], "scope", "col", HTML_END);
		html_close(o, "tr");
		for (size_t i = 0; i < r->n_cli; i++) {
			html_open(o, "tr", HTML_END);
			for (int c = 0; c < REPORT_CLI_NCOLS; c++) {
				strbuf_reset(&t);
				report_cli_cell(&r->cli[i], c, &t);
				html_elem(o, "td", t.buf, "class", c == 1 ? "cli" : NULL, HTML_END);
			}
			html_close(o, "tr");
		}
		html_close(o, "table");
	}
	strbuf_release(&t);
}

/* The incidents closed in the period; with ledger_links, each links to its page. */
static void report_cases_html(const struct compliance_report *r, bool ledger_links,
                              struct strbuf *o)
{
	struct strbuf t = STRBUF_INIT;

	html_elem(o, "h2", "終結したインシデントと再発防止策", HTML_END);
	if (!r->n_cases)
		html_elem(o, "p", "対象期間に終結したインシデントはありません。", HTML_END);
	else {
		html_open(o, "table", "class", "report-cases", HTML_END);
		html_open(o, "tr", HTML_END);
		for (int c = 0; c < REPORT_CASE_NCOLS; c++)
			html_elem(o, "th", report_case_columns[c], "scope", "col", HTML_END);
		html_close(o, "tr");
		for (size_t i = 0; i < r->n_cases; i++) {
			html_open(o, "tr", HTML_END);
			for (int c = 0; c < REPORT_CASE_NCOLS; c++) {
				strbuf_reset(&t);
				report_case_cell(&r->cases[i], c, &t);
				if (c == 0 && ledger_links) {
					char url[48];

					snprintf(url, sizeof(url), "/incidents/%" PRId64,
					         r->cases[i].id);
					html_open(o, "td", HTML_END);
					html_elem(o, "a", t.buf, "href", url, HTML_END);
					html_close(o, "td");
					continue;
				}
				html_elem(o, "td", t.buf, HTML_END);
			}
			html_close(o, "tr");
		}
		html_close(o, "table");
	}
	strbuf_release(&t);
}

void report_compliance_html_body(const struct compliance_report *r, bool ledger_links,
                                 struct strbuf *o)
{
	report_head_html(r, o);
	report_chapters_html(r, ledger_links, o);
	report_clauses_html(r, ledger_links, o);
	report_cli_html(r, o);
	report_cases_html(r, ledger_links, o);
}

/* A report file's HTML head (its own document, outside the web's pages): the title and the
 * style the three views share, with view_css (a view's own rules) before the checkpoint's. */
void report_html_doc_head(struct strbuf *out, const char *view_css)
{
	struct strbuf css = STRBUF_INIT;

	strbuf_addstr(&css, "body{font-family:Noto Sans CJK JP,sans-serif;margin:2em}"
	                    "table{border-collapse:collapse;margin:1em 0}"
	                    "th,td{border:1px solid #888;padding:.2em .4em;vertical-align:top}");
	strbuf_addstr(&css, view_css);
	strbuf_addstr(&css, "pre.checkpoint{font-size:.8em;margin:0}");
	strbuf_addstr(out, "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">");
	html_elem(out, "title", REPORT_COMPLIANCE_TITLE, HTML_END);
	html_elem(out, "style", css.buf, HTML_END);
	strbuf_addstr(out, "</head><body>");
	strbuf_release(&css);
}

void report_compliance_html(const struct compliance_report *r, struct strbuf *out)
{
	report_html_doc_head(out, "table.signers td{width:6em;height:4em}"
	                          "tr.gap td,tr.gap th{background:#fff3e0}");
	report_compliance_html_body(r, false, out);
	strbuf_addstr(out, "</body></html>\n");
}

int report_compliance_csv(const struct compliance_report *r, bool cp932, struct strbuf *out,
                          size_t *ret_substituted, struct strbuf *err)
{
	struct csv_writer w;
	struct strbuf t = STRBUF_INIT;
	int ret;

	csv_writer_init(&w, out,
	                (cp932 ? CSV_WRITE_CP932 : CSV_WRITE_BOM) | CSV_WRITE_FORMULA_GUARD);
	/* the columns, then the entries behind each figure but the acts' (台帳の記録) */
	for (int c = 0; c < REPORT_NCOLS; c++)
		csv_write_field(&w, report_columns[c]);
	report_csv_fig_heads(&w, REPORT_FIG_REFUSED, REPORT_NFIGS);
	csv_end_row(&w);
	for (size_t i = 0; i < r->nr; i++) {
		for (int c = 0; c < REPORT_NCOLS; c++) {
			strbuf_reset(&t);
			report_cell(&r->rows[i], c, &t);
			csv_write_field(&w, t.buf);
		}
		report_csv_fig_cells(&w, &r->rows[i], REPORT_FIG_REFUSED, REPORT_NFIGS);
		csv_end_row(&w);
	}
	strbuf_release(&t);
	ret = csv_writer_finish(&w, err);
	if (ret_substituted)
		*ret_substituted = w.substituted;
	return ret;
}
