/* report-chapter: the compliance report's summary by chapter (章ごとの概要): its cells, the HTML
 * table whose figures link to the chapter's page (/report/compliance/chapter, the ledger entries
 * behind them), and the view by chapter as a whole HTML document and CSV (docs/audits.md). */
#include <inttypes.h>
#include <string.h>

#include "base/csv.h"
#include "core/compliance.h"
#include "web/html.h"
#include "web/report-internal.h"

const char *const report_chapter_columns[REPORT_CHAPTER_NCOLS] = {
	"章",           "条項数",       "担保の不足",       "行為",
	"拒否",         "承認",         "義務の実施",       "義務の期限超過",
	"未完了の指摘", "インシデント", "自己点検の不適合", "リスク",
};

/* The figure behind each column (-1: none): the lists of the chapter's page. */
static const int chapter_figs[REPORT_CHAPTER_NCOLS] = {
	-1,
	-1,
	-1,
	REPORT_FIG_ACTS,
	REPORT_FIG_REFUSED,
	REPORT_FIG_APPROVED,
	REPORT_FIG_ITEMS + COMPLIANCE_DUTIES_DONE,
	REPORT_FIG_ITEMS + COMPLIANCE_DUTIES_OVERDUE,
	REPORT_FIG_FOUND,
	REPORT_FIG_ITEMS + COMPLIANCE_INCIDENTS,
	REPORT_FIG_ITEMS + COMPLIANCE_INSPECTION,
	REPORT_FIG_ITEMS + COMPLIANCE_RISKS,
};

int report_chapter_figure(int col)
{
	return col >= 0 && col < REPORT_CHAPTER_NCOLS ? chapter_figs[col] : -1;
}

int64_t report_group_figure(const struct compliance_row *f, int fig)
{
	switch (fig) {
	case REPORT_FIG_ACTS:
		return f->acts;
	case REPORT_FIG_REFUSED:
		return f->refusals;
	case REPORT_FIG_APPROVED:
		return f->approvals;
	case REPORT_FIG_FOUND:
		return f->findings_open;
	case REPORT_FIG_ITEMS + COMPLIANCE_DUTIES_DONE:
		return f->duties_done;
	case REPORT_FIG_ITEMS + COMPLIANCE_DUTIES_OVERDUE:
		return f->duties_overdue;
	case REPORT_FIG_ITEMS + COMPLIANCE_INCIDENTS:
		return f->incidents;
	case REPORT_FIG_ITEMS + COMPLIANCE_INSPECTION:
		return f->insp_nonconform;
	case REPORT_FIG_ITEMS + COMPLIANCE_RISKS:
		return f->risks;
	}
	return 0;
}

void report_chapter_cell(const struct compliance_chapter_row *c, int col, struct strbuf *out)
{
	int fig = report_chapter_figure(col);

	if (col == 0)
		strbuf_addstr(out, c->id);
	else if (col == 1)
		strbuf_addf(out, "%zu", c->n_rows);
	else if (col == 2)
		strbuf_addf(out, "%" PRId64, c->gaps);
	else if (fig >= 0)
		strbuf_addf(out, "%" PRId64, report_group_figure(&c->figs, fig));
}

void report_chapters_html(const struct compliance_report *r, bool links, struct strbuf *o)
{
	struct compliance_chapters ch = { 0 };
	struct strbuf t = STRBUF_INIT, url = STRBUF_INIT;

	compliance_chapters_compute(r, &ch);
	html_elem(o, "h2", "章ごとの概要", "id", "chapters", HTML_END);
	html_elem(o, "p",
	          "章ごとの数は、その章の条項のいずれかを根拠とした行為・承認・義務・指摘・事案・"
	          "自己点検の回答・リスクを、いくつの条項を引くものも一度だけ数えたものです"
	          "（条項ごとの数の合計ではありません）。",
	          "class", "note", HTML_END);
	html_open(o, "table", "class", "report-chapters", HTML_END);
	html_open(o, "tr", HTML_END);
	for (int c = 0; c < REPORT_CHAPTER_NCOLS; c++)
		html_elem(o, "th", report_chapter_columns[c], "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < ch.nr; i++) {
		const struct compliance_chapter_row *x = &ch.rows[i];

		strbuf_reset(&t);
		strbuf_addf(&t, "chapter-%s", x->id);
		html_open(o, "tr", "id", t.buf, HTML_END);
		for (int c = 0; c < REPORT_CHAPTER_NCOLS; c++) {
			int fig = report_chapter_figure(c);

			strbuf_reset(&t);
			report_chapter_cell(x, c, &t);
			if (c == 0 && links) {
				/* the chapter's page: its clauses and every list behind its figures
				 */
				strbuf_reset(&url);
				report_figures_url(r, "chapter", x->id, NULL, &url);
				html_open(o, "th", "scope", "row", HTML_END);
				html_elem(o, "a", t.buf, "href", url.buf, "class", "chapter",
				          HTML_END);
				html_close(o, "th");
			} else if (links && fig >= 0 && report_group_figure(&x->figs, fig) &&
			           report_fig_count(&x->figs, fig)) {
				html_open(o, "td", HTML_END);
				report_figure_link(r, "chapter", x->id, fig, t.buf, o);
				html_close(o, "td");
			} else {
				html_elem(o, c ? "td" : "th", t.buf, "scope", c ? NULL : "row",
				          HTML_END);
			}
		}
		html_close(o, "tr");
	}
	html_close(o, "table");
	strbuf_release(&t);
	strbuf_release(&url);
	compliance_chapters_release(&ch);
}

void report_chapters_html_doc(const struct compliance_report *r, struct strbuf *out)
{
	report_html_doc_head(out, "");
	html_elem(out, "h1", REPORT_COMPLIANCE_TITLE "（章ごとの概要）", HTML_END);
	html_open(out, "dl", "class", "report-head", HTML_END);
	report_head_basis(r, out);
	html_elem(out, "dt", "ポリシーの版（SHA-256）", HTML_END);
	html_elem(out, "dd", r->p->sha256_hex, HTML_END);
	html_elem(out, "dt", "署名付きチェックポイント", HTML_END);
	html_open(out, "dd", HTML_END);
	if (r->checkpoint)
		html_elem(out, "pre", r->checkpoint, "class", "checkpoint", HTML_END);
	else
		html_text(out, "まだ署名されたチェックポイントがありません");
	html_close(out, "dd");
	html_close(out, "dl");
	report_chapters_html(r, false, out);
	strbuf_addstr(out, "</body></html>\n");
}

int report_chapters_csv(const struct compliance_report *r, bool cp932, struct strbuf *out,
                        size_t *ret_substituted, struct strbuf *err)
{
	struct compliance_chapters ch = { 0 };
	struct strbuf t = STRBUF_INIT;
	struct csv_writer w;
	int ret;

	compliance_chapters_compute(r, &ch);
	csv_writer_init(&w, out,
	                (cp932 ? CSV_WRITE_CP932 : CSV_WRITE_BOM) | CSV_WRITE_FORMULA_GUARD);
	/* the columns, then the entries behind every figure, as the other views' CSV have them */
	for (int c = 0; c < REPORT_CHAPTER_NCOLS; c++)
		csv_write_field(&w, report_chapter_columns[c]);
	report_csv_fig_heads(&w, REPORT_FIG_ACTS, REPORT_FIG_CLI_ACTS);
	csv_end_row(&w);
	for (size_t i = 0; i < ch.nr; i++) {
		for (int c = 0; c < REPORT_CHAPTER_NCOLS; c++) {
			strbuf_reset(&t);
			report_chapter_cell(&ch.rows[i], c, &t);
			csv_write_field(&w, t.buf);
		}
		report_csv_fig_cells(&w, &ch.rows[i].figs, REPORT_FIG_ACTS, REPORT_FIG_CLI_ACTS);
		csv_end_row(&w);
	}
	ret = csv_writer_finish(&w, err);
	if (ret_substituted)
		*ret_substituted = w.substituted;
	strbuf_release(&t);
	compliance_chapters_release(&ch);
	return ret;
}
