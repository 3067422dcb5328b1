/* ui-risk-heat: the risk register's heat maps (likelihood × impact, inherent and residual side
 * by side): server-drawn SVG images with words for those who cannot see the colours. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/core.h"
#include "core/org.h"
#include "core/records.h"
#include "core/risk.h"
#include "web/access.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui-risk.h"
#include "web/ui.h"

#define CELL 44 /* a heat map cell, in SVG units */
#define AXIS 30 /* room for the axes' numbers */

/* The heat band of a value on the profile's scales: its CSS class. */
static const char *heat_class(const struct profile *p, int64_t likelihood, int64_t impact)
{
	int64_t v = likelihood * impact;
	int64_t top = p->risk.likelihood_max * p->risk.impact_max;

	if (v > p->risk.accept_up_to)
		return "heat heat-4";
	if (v * 2 > p->risk.accept_up_to)
		return "heat heat-3";
	if (v * 5 > top)
		return "heat heat-2";
	return "heat heat-1";
}

static void svg_text(struct strbuf *o, int64_t x, int64_t y, const char *cls, const char *text)
{
	char xs[24], ys[24];

	snprintf(xs, sizeof(xs), "%" PRId64, x);
	snprintf(ys, sizeof(ys), "%" PRId64, y);
	html_elem(o, "text", text, "x", xs, "y", ys, "class", cls, "text-anchor", "middle",
	          HTML_END);
}

/* How many of the risks sit in each cell (count[(likelihood - 1) × impact_max + impact - 1]),
 * before the measures or after them, and the same in words (desc). */
static void heat_counts(const struct profile *p, const struct risk_list *l, bool residual,
                        size_t *count, struct strbuf *desc)
{
	int64_t lmax = p->risk.likelihood_max, imax = p->risk.impact_max;

	for (size_t i = 0; i < l->nr; i++) {
		const struct risk *rk = &l->items[i];
		int64_t lk = residual ? rk->now.likelihood_after : rk->likelihood;
		if (residual && rk->residual > rk->now.residual && rk->impact > 0)
			lk = (rk->residual + rk->impact - 1) / rk->impact; /* the owner raised it */
		if (lk >= 1 && lk <= lmax && rk->impact >= 1 && rk->impact <= imax)
			count[(lk - 1) * imax + (rk->impact - 1)]++;
	}
	for (int64_t lk = lmax; lk >= 1; lk--)
		for (int64_t im = 1; im <= imax; im++)
			if (count[(lk - 1) * imax + (im - 1)]) {
				if (desc->len)
					strbuf_addstr(desc, _(", "));
				strbuf_addf(desc, _("likelihood %lld × impact %lld: %zu"),
				            (long long)lk, (long long)im,
				            count[(lk - 1) * imax + (im - 1)]);
			}
	if (!desc->len)
		strbuf_addstr(desc, _("No risks."));
}

/*
 * One heat map: a cell per likelihood (rows, high at the top) and impact (columns), holding how
 * many of the risks sit there, before the measures (residual false) or after them. The SVG is
 * an image with a title and a description saying the same in words; each cell has its own
 * title, so nothing needs a script or the colours.
 */
static void heat_map(struct web_req *r, const struct risk_list *l, bool residual, const char *id)
{
	const struct profile *p = r->profile;
	struct strbuf *o = &r->out;
	int64_t lmax = p->risk.likelihood_max, imax = p->risk.impact_max;
	size_t *count = xcalloc((size_t)(lmax * imax), sizeof(*count));
	struct strbuf desc = STRBUF_INIT, t = STRBUF_INIT, title_id = STRBUF_INIT,
	              desc_id = STRBUF_INIT, box = STRBUF_INIT;
	const char *title = residual ? _("Residual risk (after the measures that work)")
	                             : _("Inherent risk (before the measures)");

	heat_counts(p, l, residual, count, &desc);
	strbuf_addf(&title_id, "%s-title", id);
	strbuf_addf(&desc_id, "%s-desc", id);
	html_open(o, "figure", "class", "heat-map", "id", id, HTML_END);
	strbuf_addf(&box, "0 0 %" PRId64 " %" PRId64, AXIS + imax * CELL + 4,
	            lmax * CELL + AXIS + 4);
	html_open(o, "svg", "xmlns", "http://www.w3.org/2000/svg", "viewBox", box.buf, "role",
	          "img", "aria-labelledby", title_id.buf, "aria-describedby", desc_id.buf,
	          HTML_END);
	html_elem(o, "title", title, "id", title_id.buf, HTML_END);
	html_elem(o, "desc", desc.buf, "id", desc_id.buf, HTML_END);
	for (int64_t lk = lmax; lk >= 1; lk--) {
		int64_t y = (lmax - lk) * CELL;
		strbuf_reset(&t);
		strbuf_addf(&t, "%" PRId64, lk);
		svg_text(o, AXIS / 2, y + CELL / 2 + 5, "axis", t.buf);
		for (int64_t im = 1; im <= imax; im++) {
			size_t n = count[(lk - 1) * imax + (im - 1)];
			char xs[24], ys[24], ws[24];
			int64_t x = AXIS + (im - 1) * CELL;

			snprintf(xs, sizeof(xs), "%" PRId64, x);
			snprintf(ys, sizeof(ys), "%" PRId64, y);
			snprintf(ws, sizeof(ws), "%d", CELL - 2);
			html_open(o, "g", "class", heat_class(p, lk, im), HTML_END);
			strbuf_reset(&t);
			strbuf_addf(&t, _("likelihood %lld × impact %lld: %zu"), (long long)lk,
			            (long long)im, n);
			html_elem(o, "title", t.buf, HTML_END);
			/* in SVG a void tag does not close itself: an explicit end tag */
			html_open(o, "rect", "x", xs, "y", ys, "width", ws, "height", ws, HTML_END);
			html_close(o, "rect");
			if (n) {
				strbuf_reset(&t);
				strbuf_addf(&t, "%zu", n);
				svg_text(o, x + CELL / 2, y + CELL / 2 + 6, "count", t.buf);
			}
			html_close(o, "g");
		}
	}
	for (int64_t im = 1; im <= imax; im++) {
		strbuf_reset(&t);
		strbuf_addf(&t, "%" PRId64, im);
		svg_text(o, AXIS + (im - 1) * CELL + CELL / 2, lmax * CELL + 20, "axis", t.buf);
	}
	html_close(o, "svg");
	html_open(o, "figcaption", HTML_END);
	html_text(o, title);
	html_text(o, _(" (rows: likelihood, columns: impact)"));
	html_close(o, "figcaption");
	html_close(o, "figure");
	free(count);
	strbuf_release(&desc);
	strbuf_release(&t);
	strbuf_release(&title_id);
	strbuf_release(&desc_id);
	strbuf_release(&box);
}

void ui_risk_heat_maps(struct web_req *r, const struct risk_list *l)
{
	html_open(&r->out, "div", "class", "heat-maps", HTML_END);
	heat_map(r, l, false, "heat-inherent");
	heat_map(r, l, true, "heat-residual");
	html_close(&r->out, "div");
}
