/* report: the compliance report (遵守状況報告書) as HTML, CSV and PDF (docs/audits.md). The web
 * page and `mamori report compliance` both render a core/compliance.h report through these. */
#ifndef MAMORI_WEB_REPORT_H
#define MAMORI_WEB_REPORT_H

#include <stdbool.h>

#include "base/strbuf.h"

struct compliance_report;

/* The report's title, as every format writes it. */
#define REPORT_COMPLIANCE_TITLE "情報セキュリティ対策基準 遵守状況報告書"

/*
 * The report's body as HTML through the one HTML writer (web/html.c): the heading, the period,
 * the profile and the signed checkpoint, the 決裁欄, the summary by chapter and the table whose
 * first column is 条項. ledger_links: each count links to the web's ledger entries
 * (/ledger/entry?index=N); otherwise they are listed as numbers (a file read offline).
 */
void report_compliance_html_body(const struct compliance_report *r, bool ledger_links,
                                 struct strbuf *out);
/* A whole HTML document (for a file): the body with its own small stylesheet. */
void report_compliance_html(const struct compliance_report *r, struct strbuf *out);

/*
 * CSV, one row per clause, the clause id in a column of its own; with a UTF-8 BOM, or in CP932
 * when cp932 (characters CP932 lacks become 〓: *ret_substituted says how many). Returns 0 or a
 * negative code with err set.
 */
int report_compliance_csv(const struct compliance_report *r, bool cp932, struct strbuf *out,
                          size_t *ret_substituted, struct strbuf *err);

/*
 * The report by ISO/IEC 27001:2022 Annex A control (適用宣言書 / Statement of Applicability):
 * one row per control with its theme, whether it applies under the profile (a clause maps to
 * it), the clauses and their figures summed. HTML body (the same head and 決裁欄), a whole
 * document, and CSV (one row per control, 管理策 in a column of its own) like the clause view.
 */
void report_annex_html_body(const struct compliance_report *r, bool links, struct strbuf *out);
void report_annex_html(const struct compliance_report *r, struct strbuf *out);
int report_annex_csv(const struct compliance_report *r, bool cp932, struct strbuf *out,
                     size_t *ret_substituted, struct strbuf *err);

/*
 * The summary by chapter on its own (章ごとの概要: one row per chapter, each figure counting
 * each unit once, with the ledger entries behind every figure): a whole HTML document, CSV (章
 * in a column of its own, then 台帳の記録（…） per figure) and, below, a PDF.
 */
void report_chapters_html_doc(const struct compliance_report *r, struct strbuf *out);
int report_chapters_csv(const struct compliance_report *r, bool cp932, struct strbuf *out,
                        size_t *ret_substituted, struct strbuf *err);

/* A PDF (A4, cairo and pango, Noto CJK) written to path. Returns 0 or -errno with err set. */
int report_compliance_pdf(const struct compliance_report *r, const char *path, struct strbuf *err);
/* The Annex A view as a PDF: the same cover (決裁欄, checkpoint), then one row per control. */
int report_annex_pdf(const struct compliance_report *r, const char *path, struct strbuf *err);
/* The chapter view as a PDF: the same cover, the summary, the entries behind its figures. */
int report_chapters_pdf(const struct compliance_report *r, const char *path, struct strbuf *err);

#endif
