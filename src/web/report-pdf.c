/* report-pdf: the compliance report as a PDF made with cairo and pango (A4, Noto CJK): a cover
 * with the 決裁欄 and the signed checkpoint, the summary by chapter, then the clause table whose
 * first column is 条項, its heading repeated on every page, and the ledger entries behind every
 * figure (per clause and per chapter); the Annex A and chapter views likewise. */
#include <cairo-pdf.h>
#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/compliance.h"
#include "web/pdf-lib.h"
#include "web/report-internal.h"

#define PAGE_W   595.0 /* A4 in points */
#define PAGE_H   842.0
#define MARGIN   40.0
#define PAD      3.0
#define FONT     "Noto Sans CJK JP"
#define FONT_PRE "Noto Sans Mono CJK JP"

/*
 * LeakSanitizer (make check builds with it): Debian 12's cairo 1.16 keeps a few per-page arrays
 * of a PDF surface after cairo_surface_finish and cairo_surface_destroy; not ours to free.
 */
/* NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c): the names LeakSanitizer calls */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libcairo.so.2\n";
}
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
/* NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c) */

struct pdf {
	cairo_surface_t *surface;
	cairo_t *cr;
	double y;
	int page;
};

/* Draws text at (x, y) within width (wrapping), returns its height. draw false: measures. */
static double text_at(struct pdf *pdf, const char *font, double size, double x, double y,
                      double width, const char *text, bool draw)
{
	PangoLayout *l = pango_cairo_create_layout(pdf->cr);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	int w, h;

	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	pango_layout_set_font_description(l, fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, text, -1);
	pango_layout_get_size(l, &w, &h);
	if (draw) {
		cairo_move_to(pdf->cr, x, y);
		pango_cairo_show_layout(pdf->cr, l);
	}
	pango_font_description_free(fd);
	g_object_unref(l);
	return (double)h / PANGO_SCALE;
}

static void page_footer(struct pdf *pdf)
{
	char n[32];

	snprintf(n, sizeof(n), "- %d -", pdf->page);
	text_at(pdf, FONT, 8, PAGE_W / 2 - 15, PAGE_H - MARGIN + 10, 60, n, true);
}

static void new_page(struct pdf *pdf)
{
	if (pdf->page)
		cairo_show_page(pdf->cr);
	pdf->page++;
	pdf->y = MARGIN;
	page_footer(pdf);
}

/* A table row: cells[i] in widths[i]; bold for a heading row. Returns the row height. */
static double row_height(struct pdf *pdf, const char *const *cells, const double *widths, int n,
                         double size)
{
	double h = 0;

	for (int i = 0; i < n; i++) {
		double t = text_at(pdf, FONT, size, 0, 0, widths[i] - 2 * PAD, cells[i], false);
		if (t > h)
			h = t;
	}
	return h + 2 * PAD;
}

static void draw_row(struct pdf *pdf, const char *const *cells, const double *widths, int n,
                     double size, bool heading)
{
	double h = row_height(pdf, cells, widths, n, size), x = MARGIN;

	for (int i = 0; i < n; i++) {
		if (heading) {
			cairo_set_source_rgb(pdf->cr, 0.9, 0.9, 0.9);
			cairo_rectangle(pdf->cr, x, pdf->y, widths[i], h);
			cairo_fill(pdf->cr);
			cairo_set_source_rgb(pdf->cr, 0, 0, 0);
		}
		cairo_rectangle(pdf->cr, x, pdf->y, widths[i], h);
		cairo_set_line_width(pdf->cr, 0.5);
		cairo_stroke(pdf->cr);
		text_at(pdf, FONT, size, x + PAD, pdf->y + PAD, widths[i] - 2 * PAD, cells[i],
		        true);
		x += widths[i];
	}
	pdf->y += h;
}

/* Rows of a table, the heading again at the top of each new page. */
static void draw_table(struct pdf *pdf, const char *const *head, const double *widths, int n,
                       double size, size_t rows,
                       void (*cells)(const void *ctx, size_t row, int col, struct strbuf *out),
                       const void *ctx)
{
	struct strbuf *sb = calloc((size_t)n, sizeof(*sb));
	const char **cv = calloc((size_t)n, sizeof(*cv));

	draw_row(pdf, head, widths, n, size, true);
	for (size_t r = 0; r < rows; r++) {
		for (int c = 0; c < n; c++) {
			strbuf_reset(&sb[c]);
			cells(ctx, r, c, &sb[c]);
			cv[c] = sb[c].buf ? sb[c].buf : "";
		}
		if (pdf->y + row_height(pdf, cv, widths, n, size) > PAGE_H - MARGIN - 10) {
			new_page(pdf);
			draw_row(pdf, head, widths, n, size, true);
		}
		draw_row(pdf, cv, widths, n, size, false);
	}
	for (int c = 0; c < n; c++)
		strbuf_release(&sb[c]);
	free(sb);
	free(cv);
}

static void heading(struct pdf *pdf, const char *text, double size)
{
	if (pdf->y + size * 3 > PAGE_H - MARGIN)
		new_page(pdf);
	pdf->y += text_at(pdf, FONT " Bold", size, MARGIN, pdf->y, PAGE_W - 2 * MARGIN, text, true);
	pdf->y += size * 0.6;
}

static void line(struct pdf *pdf, const char *font, double size, const char *text)
{
	pdf->y += text_at(pdf, font, size, MARGIN, pdf->y, PAGE_W - 2 * MARGIN, text, true) + 4;
}

static void cover(struct pdf *pdf, const struct compliance_report *r, const char *subtitle)
{
	struct strbuf t = STRBUF_INIT;
	double w = 80, x;

	pdf->y = 150;
	heading(pdf, REPORT_COMPLIANCE_TITLE, 22);
	if (subtitle)
		heading(pdf, subtitle, 14);
	pdf->y += 20;
	strbuf_addf(&t, "%s（%s）", r->p->title ? r->p->title : r->p->id,
	            r->p->municipality ? r->p->municipality : "");
	line(pdf, FONT, 12, t.buf);
	strbuf_reset(&t);
	strbuf_addstr(&t, "対象期間：");
	report_period(r, &t);
	line(pdf, FONT, 12, t.buf);
	strbuf_reset(&t);
	strbuf_addstr(&t, "作成日：");
	time_format_wareki(&t, r->made_ms, TOKYO_OFFSET_MS);
	line(pdf, FONT, 12, t.buf);
	strbuf_reset(&t);
	strbuf_addf(&t, "ポリシーの版（SHA-256）：%s", r->p->sha256_hex);
	line(pdf, FONT, 8, t.buf);
	pdf->y += 20;

	/* 決裁欄: boxes at the right */
	heading(pdf, "決裁欄", 12);
	x = PAGE_W - MARGIN - w * REPORT_NSIGNERS;
	for (int i = 0; i < REPORT_NSIGNERS; i++) {
		cairo_rectangle(pdf->cr, x + i * w, pdf->y, w, 18);
		cairo_rectangle(pdf->cr, x + i * w, pdf->y + 18, w, 60);
		cairo_set_line_width(pdf->cr, 0.8);
		cairo_stroke(pdf->cr);
		text_at(pdf, FONT, 10, x + i * w + PAD, pdf->y + 2, w - 2 * PAD, report_signers[i],
		        true);
	}
	pdf->y += 100;

	heading(pdf, "署名付きチェックポイント（この報告書の数値はこの時点の台帳から計算した）",
	        10);
	line(pdf, FONT_PRE, 8,
	     r->checkpoint ? r->checkpoint : "まだ署名されたチェックポイントがありません");
	strbuf_release(&t);
}

static void chapter_cells(const void *ctx, size_t row, int col, struct strbuf *out)
{
	const struct compliance_chapters *ch = ctx;

	report_chapter_cell(&ch->rows[row], col, out);
}

/* The PDF's clause table: the columns that fit on A4 portrait. */
static const int pdf_cols[] = { COL_ID,       COL_KIND,        COL_STRENGTH,
	                        COL_ACTS,     COL_REFUSALS,    COL_APPROVALS,
	                        COL_MEDIAN,   COL_DUTIES_DONE, COL_DUTIES_OVERDUE,
	                        COL_FINDINGS, COL_INCIDENTS,   COL_INSPECTION,
	                        COL_RISKS };
#define PDF_NCOLS ((int)(sizeof(pdf_cols) / sizeof(pdf_cols[0])))

static void case_cells(const void *ctx, size_t row, int col, struct strbuf *out)
{
	const struct compliance_report *r = ctx;

	report_case_cell(&r->cases[row], col, out);
}

static void clause_cells(const void *ctx, size_t row, int col, struct strbuf *out)
{
	const struct compliance_report *r = ctx;

	report_cell(&r->rows[row], pdf_cols[col], out);
}

struct ledger_ctx {
	const struct compliance_row *const *rows; /* a clause's, or a control's figures */
	const char *const *ids;                   /* the clause or control each row is */
	size_t *idx;                              /* row * REPORT_NFIGS + figure, per line */
	size_t n;
};

/* idx[line] is row * REPORT_NFIGS + figure: 条項 (or 管理策), 数値, 台帳の記録 */
static void ledger_cells(const void *ctx, size_t row, int col, struct strbuf *out)
{
	const struct ledger_ctx *lc = ctx;
	size_t at = lc->idx[row] / REPORT_NFIGS;
	int fig = (int)(lc->idx[row] % REPORT_NFIGS);

	if (col == 0)
		strbuf_addstr(out, lc->ids[at]);
	else if (col == 1)
		strbuf_addstr(out, report_fig_names[fig]);
	else
		report_fig_entries(lc->rows[at], fig, out);
}

/*
 * The ledger entries behind every figure of n rows (clauses or controls), a line per figure
 * that counted any, under title: the same table for both views.
 */
static void ledger_table(struct pdf *pdf, const char *title, const char *first_col,
                         const struct compliance_row *const *rows, const char *const *ids, size_t n)
{
	static const double ledger_w[3] = { 90, 70, PAGE_W - 2 * MARGIN - 160 };
	const char *head[3] = { first_col, "数値", "台帳の記録" };
	struct ledger_ctx lc = { rows, ids, xcalloc(n ? n * REPORT_NFIGS : 1, sizeof(size_t)), 0 };

	new_page(pdf);
	heading(pdf, title, 14);
	line(pdf, FONT, 9,
	     "義務は実施した行為（期限超過は最後の実施、未実施は「—」）、インシデントは事案の"
	     "最初の行為、自己点検は回答の最新の行為（未回答は点検を始めた行為）、リスクは評価"
	     "の行為。");
	for (size_t i = 0; i < n; i++)
		for (int f = 0; f < REPORT_NFIGS; f++)
			if (report_fig_count(rows[i], f))
				lc.idx[lc.n++] = i * REPORT_NFIGS + (size_t)f;
	draw_table(pdf, head, ledger_w, 3, 7, lc.n, ledger_cells, &lc);
	free(lc.idx);
}

static void cli_cells(const void *ctx, size_t row, int col, struct strbuf *out)
{
	const struct compliance_report *r = ctx;

	report_cli_cell(&r->cli[row], col, out);
}

/* The acts made in a person's name with --as, each named. */
static void cli_acts(struct pdf *pdf, const struct compliance_report *r)
{
	static const double w[REPORT_CLI_NCOLS] = { 75, 140, 110, 40, 30, 75, 45 };
	struct strbuf t = STRBUF_INIT;

	new_page(pdf);
	heading(pdf, REPORT_CLI_HEADING, 14);
	report_cli_note(r, &t);
	line(pdf, FONT, 9, t.buf);
	strbuf_release(&t);
	if (r->n_cli)
		draw_table(pdf, report_cli_columns, w, REPORT_CLI_NCOLS, 7, r->n_cli, cli_cells, r);
}

/* Starts a PDF at path with its first page. Returns 0 or -EIO with err set. */
static int pdf_begin(struct pdf *pdf, const char *path, struct strbuf *err)
{
	if (pdf_lib_load(err) < 0)
		return -EIO;
	pdf->surface = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
	if (cairo_surface_status(pdf->surface) != CAIRO_STATUS_SUCCESS) {
		error_set(err, "cannot write '%s': %s", path,
		          cairo_status_to_string(cairo_surface_status(pdf->surface)));
		cairo_surface_destroy(pdf->surface);
		return -EIO;
	}
	cairo_pdf_surface_set_metadata(pdf->surface, CAIRO_PDF_METADATA_TITLE,
	                               REPORT_COMPLIANCE_TITLE);
	cairo_pdf_surface_set_metadata(pdf->surface, CAIRO_PDF_METADATA_CREATOR, "Mamori");
	pdf->cr = cairo_create(pdf->surface);
	cairo_set_source_rgb(pdf->cr, 0, 0, 0);
	new_page(pdf);
	return 0;
}

/* Finishes the PDF and drops the font caches. Returns 0 or -EIO with err set. */
static int pdf_end(struct pdf *pdf, const char *path, struct strbuf *err)
{
	cairo_status_t st;

	cairo_show_page(pdf->cr);
	cairo_destroy(pdf->cr);
	cairo_surface_finish(pdf->surface);
	st = cairo_surface_status(pdf->surface);
	cairo_surface_destroy(pdf->surface);
	/* the font caches pango, cairo and fontconfig keep for the process: a report is made once
	 * per command, and a server keeps no font state between reports */
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
	if (st != CAIRO_STATUS_SUCCESS) {
		error_set(err, "cannot write '%s': %s", path, cairo_status_to_string(st));
		return -EIO;
	}
	return 0;
}

/* The summary by chapter, each figure counting each unit once. */
static void chapters_table(struct pdf *pdf, const struct compliance_chapters *ch)
{
	static const double chapter_w[REPORT_CHAPTER_NCOLS] = { 55, 34, 44, 34, 32, 32,
		                                                44, 52, 50, 50, 50, 38 };

	new_page(pdf);
	heading(pdf, "章ごとの概要", 14);
	line(pdf, FONT, 9,
	     "章ごとの数は、その章の条項のいずれかを根拠としたものを、いくつの条項を引くものも"
	     "一度だけ数えたもの（条項ごとの数の合計ではない）。その台帳の記録は「台帳の記録（章"
	     "ごと・数値ごとの台帳番号）」に示す。");
	draw_table(pdf, report_chapter_columns, chapter_w, REPORT_CHAPTER_NCOLS, 7, ch->nr,
	           chapter_cells, ch);
}

/* The entries behind every chapter's figures. */
static void chapters_ledger(struct pdf *pdf, const struct compliance_chapters *ch)
{
	const struct compliance_row **rows = xcalloc(ch->nr ? ch->nr : 1, sizeof(*rows));
	const char **ids = xcalloc(ch->nr ? ch->nr : 1, sizeof(*ids));

	for (size_t i = 0; i < ch->nr; i++) {
		rows[i] = &ch->rows[i].figs;
		ids[i] = ch->rows[i].id;
	}
	ledger_table(pdf, "台帳の記録（章ごと・数値ごとの台帳番号）", "章", rows, ids, ch->nr);
	free(rows);
	free(ids);
}

int report_compliance_pdf(const struct compliance_report *r, const char *path, struct strbuf *err)
{
	static const double clause_w[PDF_NCOLS] = { 66, 30, 44, 32, 30, 30, 40,
		                                    30, 34, 32, 46, 65, 36 };
	const char *head[PDF_NCOLS];
	struct compliance_chapters ch = { 0 };
	struct pdf pdf = { 0 };

	if (pdf_begin(&pdf, path, err) < 0)
		return -EIO;
	cover(&pdf, r, NULL);
	compliance_chapters_compute(r, &ch);
	chapters_table(&pdf, &ch);

	new_page(&pdf);
	heading(&pdf, "条項ごとの遵守状況", 14);
	for (int i = 0; i < PDF_NCOLS; i++)
		head[i] = report_columns[pdf_cols[i]];
	draw_table(&pdf, head, clause_w, PDF_NCOLS, 7, r->nr, clause_cells, r);

	/* the cases closed in the period and what was done so they do not recur */
	new_page(&pdf);
	heading(&pdf, "終結したインシデントと再発防止策", 14);
	if (!r->n_cases) {
		line(&pdf, FONT, 10, "対象期間に終結したインシデントはありません。");
	} else {
		static const double case_w[REPORT_CASE_NCOLS] = { 35, 90, 75, 110, 130, 75 };
		draw_table(&pdf, report_case_columns, case_w, REPORT_CASE_NCOLS, 7, r->n_cases,
		           case_cells, r);
	}

	/* every figure's ledger entries: an auditor checks them against the checkpoint */
	{
		const struct compliance_row **rows = xcalloc(r->nr ? r->nr : 1, sizeof(*rows));
		const char **ids = xcalloc(r->nr ? r->nr : 1, sizeof(*ids));

		for (size_t i = 0; i < r->nr; i++) {
			rows[i] = &r->rows[i];
			ids[i] = r->rows[i].clause->id;
		}
		ledger_table(&pdf, "台帳の記録（条項ごと・数値ごとの台帳番号）", "条項", rows, ids,
		             r->nr);
		free(rows);
		free(ids);
	}
	chapters_ledger(&pdf, &ch);
	compliance_chapters_release(&ch);
	cli_acts(&pdf, r);
	return pdf_end(&pdf, path, err);
}

int report_chapters_pdf(const struct compliance_report *r, const char *path, struct strbuf *err)
{
	struct compliance_chapters ch = { 0 };
	struct pdf pdf = { 0 };

	if (pdf_begin(&pdf, path, err) < 0)
		return -EIO;
	cover(&pdf, r, "（章ごとの概要）");
	compliance_chapters_compute(r, &ch);
	chapters_table(&pdf, &ch);
	chapters_ledger(&pdf, &ch);
	compliance_chapters_release(&ch);
	return pdf_end(&pdf, path, err);
}

static void annex_cells(const void *ctx, size_t row, int col, struct strbuf *out)
{
	const struct compliance_annex *an = ctx;

	report_annex_cell(&an->rows[row], col, out);
}

int report_annex_pdf(const struct compliance_report *r, const char *path, struct strbuf *err)
{
	static const double annex_w[REPORT_ANNEX_NCOLS] = { 28, 90, 42, 48, 105, 26,
		                                            26, 26, 34, 34, 56 };
	struct compliance_annex an = { 0 };
	struct strbuf t = STRBUF_INIT;
	struct pdf pdf = { 0 };

	if (pdf_begin(&pdf, path, err) < 0)
		return -EIO;
	cover(&pdf, r, "（ISO/IEC 27001:2022 附属書A 管理策別）");
	compliance_annex_compute(r, &an);
	new_page(&pdf);
	heading(&pdf, "管理策ごとの適用と遵守状況", 14);
	strbuf_addf(&t, "適用する管理策：%zu／%zu。", an.applicable, an.nr);
	report_annex_mapping(r, &t);
	strbuf_addstr(&t, "。管理策の番号と名称は附属書A による。条項との対応は Mamori のもの。");
	line(&pdf, FONT, 9, t.buf);
	draw_table(&pdf, report_annex_columns, annex_w, REPORT_ANNEX_NCOLS, 7, an.nr, annex_cells,
	           &an);
	{
		const struct compliance_row **rows = xcalloc(an.nr ? an.nr : 1, sizeof(*rows));
		const char **ids = xcalloc(an.nr ? an.nr : 1, sizeof(*ids));

		for (size_t i = 0; i < an.nr; i++) {
			rows[i] = &an.rows[i].figs;
			ids[i] = an.rows[i].control->id;
		}
		ledger_table(&pdf, "台帳の記録（管理策ごと・数値ごとの台帳番号）", "管理策", rows,
		             ids, an.nr);
		free(rows);
		free(ids);
	}
	compliance_annex_release(&an);
	strbuf_release(&t);
	return pdf_end(&pdf, path, err);
}
