/* report-internal: the cells the compliance report's formats share (report.c, report-pdf.c). */
#ifndef MAMORI_WEB_REPORT_INTERNAL_H
#define MAMORI_WEB_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/compliance.h"
#include "web/report.h"

struct compliance_row;
struct compliance_case;

enum {
	COL_ID,
	COL_CITE,
	COL_TEXT,
	COL_KIND,
	COL_STRENGTH,
	COL_ACTS,
	COL_REFUSALS,
	COL_APPROVALS,
	COL_MEDIAN,
	COL_DUTIES_DONE,
	COL_DUTIES_OVERDUE,
	COL_FINDINGS,
	COL_INCIDENTS,
	COL_INSPECTION,
	COL_RISKS,
	COL_LEDGER,
	COL_CLI_ACTS,
	COL_CLI_APPROVALS,
	REPORT_NCOLS
};
/* The column headings, Japanese; the first is 条項. */
extern const char *const report_columns[REPORT_NCOLS];
/* One cell of a clause's row, appended to out. */
void report_cell(const struct compliance_row *x, int col, struct strbuf *out);
/* A median duration for people: "2.5時間", "3.0日", "なし" for none (ms < 0). */
void report_median(int64_t ms, struct strbuf *out);
/* The period in the office's style: "令和8年4月1日から令和8年12月4日まで". */
void report_period(const struct compliance_report *r, struct strbuf *out);
/* The head's first two pairs, shared by every view of the report: 基準 (the profile's title and
 * municipality) and 対象期間, as <dt>/<dd> inside the caller's <dl class="report-head">. */
void report_head_basis(const struct compliance_report *r, struct strbuf *o);

/*
 * The summary by chapter (report-chapter.c; MIN-9, SHJ-7 ..., compliance_chapters): 章, 条項数,
 * 担保の不足, then the chapter's figures, each unit once: 行為, 拒否, 承認, 義務の実施,
 * 義務の期限超過, 未完了の指摘, インシデント, 自己点検の不適合, リスク.
 */
#define REPORT_CHAPTER_NCOLS 12
extern const char *const report_chapter_columns[REPORT_CHAPTER_NCOLS];
struct compliance_chapter_row;
void report_chapter_cell(const struct compliance_chapter_row *c, int col, struct strbuf *out);
/* The figure (REPORT_FIG_*) behind summary column col, or -1 (章, 条項数, 担保の不足). */
int report_chapter_figure(int col);
/* Figure fig of a group's joined row (a chapter's or a control's figs): the number counted. */
int64_t report_group_figure(const struct compliance_row *f, int fig);
/*
 * The summary's heading, note and table; links: 章 links to the chapter's page and each figure
 * that counted any to its list there (report_figure_link, page "chapter").
 */
void report_chapters_html(const struct compliance_report *r, bool links, struct strbuf *o);

/* The acts made in a person's name with --as (compliance_report.cli), one row each: 日時, 名義
 * ("池田 勝（zeimu-kacho） 名義・CLI（OSユーザー root）"), 行為, 結果, 申請, 条項, 台帳の記録. */
#define REPORT_CLI_NCOLS 7
extern const char *const report_cli_columns[REPORT_CLI_NCOLS];
struct compliance_cli_act;
void report_cli_cell(const struct compliance_cli_act *x, int col, struct strbuf *out);
/* The heading of that list and the sentence that says what it means (with how many). */
#define REPORT_CLI_HEADING "名義・CLIによる行為"
void report_cli_note(const struct compliance_report *r, struct strbuf *out);
/* The closed cases' table: 事案, 件名, 終結日, 発生原因, 再発防止策, 条項. */
#define REPORT_CASE_NCOLS 6
extern const char *const report_case_columns[REPORT_CASE_NCOLS];
void report_case_cell(const struct compliance_case *k, int col, struct strbuf *out);

/* The report by Annex A control (report-annex.c): 管理策, 名称, 分類, 適用, 条項 (a derived
 * mapping marked REPORT_ANNEX_DERIVED), 行為, 拒否, 承認, 義務の期限超過, 未完了の指摘,
 * インシデント・不適合. */
#define REPORT_ANNEX_NCOLS   11
#define REPORT_ANNEX_DERIVED "＊"
extern const char *const report_annex_columns[REPORT_ANNEX_NCOLS];
struct compliance_annex_row;
void report_annex_cell(const struct compliance_annex_row *a, int col, struct strbuf *out);
/* How many clauses are mapped one by one and how many derived, as a sentence. */
void report_annex_mapping(const struct compliance_report *r, struct strbuf *out);

/*
 * The ledger entries behind each figure of a clause's row: the acts (every one), of them the
 * refused, the approvals, the findings recorded, then the items of compliance_row.items (a
 * duty, a case, an answer, a risk; compliance.h says which entry stands for each), then the
 * acts and approvals made in a person's name from the command line (a clause's only: a
 * control's or a chapter's figures end before REPORT_FIG_CLI_ACTS).
 */
enum {
	REPORT_FIG_ACTS,
	REPORT_FIG_REFUSED,
	REPORT_FIG_APPROVED,
	REPORT_FIG_FOUND,
	REPORT_FIG_ITEMS, /* + enum compliance_list */
	REPORT_FIG_CLI_ACTS = REPORT_FIG_ITEMS + COMPLIANCE_NLISTS,
	REPORT_FIG_CLI_APPROVED,
	REPORT_NFIGS
};
/* Each figure's name ("拒否", "義務の実施" ...) and the anchor of its list on the clause page. */
extern const char *const report_fig_names[REPORT_NFIGS];
extern const char *const report_fig_anchors[REPORT_NFIGS];
/* How many entries (items) figure fig of x has. */
size_t report_fig_count(const struct compliance_row *x, int fig);
/* Its entries, space-separated; an item without one as "—" (a duty never fulfilled). */
void report_fig_entries(const struct compliance_row *x, int fig, struct strbuf *out);
/* The entries of a figure that counts acts (not items), ascending; NULL for items or none. */
const uint64_t *report_fig_array(const struct compliance_row *x, int fig);
/* Item k of figure fig: its entry (-1: none) and, for items, what it is (else NULL). */
int64_t report_fig_entry(const struct compliance_row *x, int fig, size_t k, const char **what);

/*
 * The page that lists the entries behind a row's figures: page "clause" (a clause's row),
 * "control" (an Annex A control's, compliance_annex_row.figs) or "chapter" (a chapter's,
 * compliance_chapter_row.figs), id the clause, the control or the chapter:
 * /report/compliance/PAGE?id=ID&from=…&to=… (the report's period), #anchor when given.
 */
void report_figures_url(const struct compliance_report *r, const char *page, const char *id,
                        const char *anchor, struct strbuf *url);
/* The clause's row in the per-clause report of the same period: /report/compliance?…#CLAUSE
 * (or any anchor of that page: "chapter-MIN-9", a chapter's row in the summary). */
void report_row_url(const struct compliance_report *r, const char *clause, struct strbuf *url);
/* label as a link to figure fig's list on that page (class "figure"), the one HTML writer's. */
void report_figure_link(const struct compliance_report *r, const char *page, const char *id,
                        int fig, const char *label, struct strbuf *o);
/* CSV: a column 台帳の記録（NAME） per figure first..end-1, and a row's cells for them (its
 * entries, space-separated; an item without one as —), for the clause and the control views. */
struct csv_writer;
void report_csv_fig_heads(struct csv_writer *w, int first, int end);
void report_csv_fig_cells(struct csv_writer *w, const struct compliance_row *x, int first, int end);

/* A report file's own HTML document: doctype, title, the shared style plus view_css, <body>. */
void report_html_doc_head(struct strbuf *out, const char *view_css);

/* The 決裁欄's boxes. */
#define REPORT_NSIGNERS 4
extern const char *const report_signers[REPORT_NSIGNERS];

#endif
