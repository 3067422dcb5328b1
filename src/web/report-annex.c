/* report-annex: the compliance report read by ISO/IEC 27001:2022 Annex A control, so a ward that
 * also certifies reads it as a Statement of Applicability (docs/audits.md). */
#include <inttypes.h>
#include <string.h>

#include "base/csv.h"
#include "base/timeutil.h"
#include "core/compliance.h"
#include "web/html.h"
#include "web/report-internal.h"

const char *const report_annex_columns[REPORT_ANNEX_NCOLS] = {
	"管理策",
	"名称",
	"分類",
	"適用",
	"条項",
	"行為",
	"拒否",
	"承認",
	"義務の期限超過",
	"未完了の指摘",
	"インシデント・不適合",
};

void report_annex_cell(const struct compliance_annex_row *a, int col, struct strbuf *out)
{
	switch (col) {
	case 0:
		strbuf_addstr(out, a->control->id);
		break;
	case 1:
		strbuf_addstr(out, a->control->name);
		break;
	case 2:
		strbuf_addstr(out, a->control->theme);
		break;
	case 3:
		strbuf_addstr(out, a->n_rows ? (a->gap ? "適用（担保に不足あり）" : "適用")
		                             : "この基準に対応する条項なし");
		break;
	case 4:
		for (size_t i = 0; i < a->n_rows; i++)
			strbuf_addf(out, "%s%s%s", i ? " " : "", a->rows[i]->clause->id,
			            a->rows[i]->clause->annex_derived ? REPORT_ANNEX_DERIVED : "");
		break;
	case 5:
		strbuf_addf(out, "%" PRId64, a->acts);
		break;
	case 6:
		strbuf_addf(out, "%" PRId64, a->refusals);
		break;
	case 7:
		strbuf_addf(out, "%" PRId64, a->approvals);
		break;
	case 8:
		strbuf_addf(out, "%" PRId64, a->duties_overdue);
		break;
	case 9:
		strbuf_addf(out, "%" PRId64, a->findings_open);
		break;
	default:
		strbuf_addf(out, "インシデント %" PRId64 "、不適合 %" PRId64, a->incidents,
		            a->insp_nonconform);
		break;
	}
}

void report_annex_mapping(const struct compliance_report *r, struct strbuf *out)
{
	size_t reviewed = 0, derived = 0;

	for (size_t i = 0; i < r->nr; i++) {
		const struct policy_clause *c = r->rows[i].clause;

		if (c->n_annex && c->annex_derived)
			derived++;
		else if (c->n_annex)
			reviewed++;
	}
	strbuf_addf(out,
	            "条項を一つずつ本文と照らして対応付けたもの %zu 条項、条項の主題と語から"
	            "導いたもの %zu 条項（" REPORT_ANNEX_DERIVED "、一つずつの確認の前）",
	            reviewed, derived);
}

/* The figures of columns 5.. as each figure's columns are filled: the figure behind each. */
static const int annex_figs[][2] = {
	{ 5, REPORT_FIG_ACTS },
	{ 6, REPORT_FIG_REFUSED },
	{ 7, REPORT_FIG_APPROVED },
	{ 8, REPORT_FIG_ITEMS + COMPLIANCE_DUTIES_OVERDUE },
	{ 9, REPORT_FIG_FOUND },
	{ 10, REPORT_FIG_ITEMS + COMPLIANCE_INCIDENTS },
	{ 10, REPORT_FIG_ITEMS + COMPLIANCE_INSPECTION },
};

/*
 * Column c's figure of control a, linked to the control's page (its ledger entries) when it
 * counted any: the same page and lists as a clause's. インシデント・不適合 links each half.
 */
static void figure_links(const struct compliance_report *r, const struct compliance_annex_row *a,
                         int c, struct strbuf *o)
{
	struct strbuf t = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(annex_figs) / sizeof(annex_figs[0]); i++) {
		int fig = annex_figs[i][1];
		int64_t n;

		if (annex_figs[i][0] != c)
			continue;
		n = report_group_figure(&a->figs, fig);
		strbuf_reset(&t);
		if (c == 10)
			strbuf_addstr(&t, fig == REPORT_FIG_ITEMS + COMPLIANCE_INCIDENTS
			                      ? "インシデント "
			                      : "、不適合 ");
		strbuf_addf(&t, "%" PRId64, n);
		if (n && report_fig_count(&a->figs, fig))
			report_figure_link(r, "control", a->control->id, fig, t.buf, o);
		else
			html_text(o, t.buf);
	}
	strbuf_release(&t);
}

void report_annex_html_body(const struct compliance_report *r, bool links, struct strbuf *o)
{
	struct compliance_annex an = { 0 };
	struct strbuf t = STRBUF_INIT;

	compliance_annex_compute(r, &an);
	html_elem(o, "h1", REPORT_COMPLIANCE_TITLE "（ISO/IEC 27001:2022 附属書A 管理策別）",
	          HTML_END);
	html_open(o, "dl", "class", "report-head", HTML_END);
	report_head_basis(r, o);
	html_elem(o, "dt", "ポリシーの版（SHA-256）", HTML_END);
	html_elem(o, "dd", r->p->sha256_hex, HTML_END);
	html_elem(o, "dt", "適用する管理策", HTML_END);
	strbuf_addf(&t, "%zu／%zu", an.applicable, an.nr);
	html_elem(o, "dd", t.buf, "id", "annex-applicable", HTML_END);
	html_elem(o, "dt", "条項との対応", HTML_END);
	strbuf_reset(&t);
	report_annex_mapping(r, &t);
	html_elem(o, "dd", t.buf, "id", "annex-mapping", HTML_END);
	html_elem(o, "dt", "署名付きチェックポイント", HTML_END);
	html_open(o, "dd", HTML_END);
	if (r->checkpoint)
		html_elem(o, "pre", r->checkpoint, "class", "checkpoint", HTML_END);
	else
		html_text(o, "まだ署名されたチェックポイントがありません");
	html_close(o, "dd");
	html_close(o, "dl");
	html_elem(o, "p",
	          "管理策の番号と名称は JIS Q 27001:2023（ISO/IEC 27001:2022）附属書A "
	          "による。条項との対応は Mamori のもの（プロファイルの各条項の対応付け）。",
	          "class", "cite", HTML_END);
	html_open(o, "table", "class", "report-annex", HTML_END);
	html_open(o, "tr", HTML_END);
	for (int c = 0; c < REPORT_ANNEX_NCOLS; c++)
		html_elem(o, "th", report_annex_columns[c], "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < an.nr; i++) {
		const struct compliance_annex_row *a = &an.rows[i];

		html_open(o, "tr", "id", a->control->id, "class",
		          a->n_rows ? NULL : "not-applicable", HTML_END);
		for (int c = 0; c < REPORT_ANNEX_NCOLS; c++) {
			if (c == 4 && links) {
				html_open(o, "td", HTML_END);
				for (size_t k = 0; k < a->n_rows; k++) {
					/* its row in the clause view of the same period */
					strbuf_reset(&t);
					report_row_url(r, a->rows[k]->clause->id, &t);
					if (k)
						strbuf_addch(o, ' ');
					html_elem(o, "a", a->rows[k]->clause->id, "href", t.buf,
					          HTML_END);
					if (a->rows[k]->clause->annex_derived)
						html_text(o, REPORT_ANNEX_DERIVED);
				}
				html_close(o, "td");
				continue;
			}
			if (c >= 5 && links) {
				html_open(o, "td", HTML_END);
				figure_links(r, a, c, o);
				html_close(o, "td");
				continue;
			}
			strbuf_reset(&t);
			report_annex_cell(a, c, &t);
			html_elem(o, c ? "td" : "th", t.buf, "scope", c ? NULL : "row", HTML_END);
		}
		html_close(o, "tr");
	}
	html_close(o, "table");
	strbuf_release(&t);
	compliance_annex_release(&an);
}

void report_annex_html(const struct compliance_report *r, struct strbuf *out)
{
	report_html_doc_head(out, "tr.not-applicable td,tr.not-applicable th{color:#666}");
	report_annex_html_body(r, false, out);
	strbuf_addstr(out, "</body></html>\n");
}

int report_annex_csv(const struct compliance_report *r, bool cp932, struct strbuf *out,
                     size_t *ret_substituted, struct strbuf *err)
{
	struct compliance_annex an = { 0 };
	struct strbuf t = STRBUF_INIT;
	struct csv_writer w;
	int ret;

	compliance_annex_compute(r, &an);
	csv_writer_init(&w, out,
	                (cp932 ? CSV_WRITE_CP932 : CSV_WRITE_BOM) | CSV_WRITE_FORMULA_GUARD);
	/* the columns, then the entries behind each figure, as the clause view's CSV has them */
	for (int c = 0; c < REPORT_ANNEX_NCOLS; c++)
		csv_write_field(&w, report_annex_columns[c]);
	report_csv_fig_heads(&w, REPORT_FIG_ACTS, REPORT_FIG_ITEMS);
	report_csv_fig_heads(&w, REPORT_FIG_ITEMS + COMPLIANCE_DUTIES_OVERDUE,
	                     REPORT_FIG_ITEMS + COMPLIANCE_RISKS);
	csv_end_row(&w);
	for (size_t i = 0; i < an.nr; i++) {
		for (int c = 0; c < REPORT_ANNEX_NCOLS; c++) {
			strbuf_reset(&t);
			report_annex_cell(&an.rows[i], c, &t);
			csv_write_field(&w, t.buf);
		}
		report_csv_fig_cells(&w, &an.rows[i].figs, REPORT_FIG_ACTS, REPORT_FIG_ITEMS);
		report_csv_fig_cells(&w, &an.rows[i].figs,
		                     REPORT_FIG_ITEMS + COMPLIANCE_DUTIES_OVERDUE,
		                     REPORT_FIG_ITEMS + COMPLIANCE_RISKS);
		csv_end_row(&w);
	}
	ret = csv_writer_finish(&w, err);
	if (ret_substituted)
		*ret_substituted = w.substituted;
	strbuf_release(&t);
	compliance_annex_release(&an);
	return ret;
}
