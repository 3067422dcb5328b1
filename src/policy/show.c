/* show: the profile as staff read it (MIN-9-5-1), in Japanese, as text, Markdown or HTML. */
#include <string.h>

#include "base/cleanup.h"
#include "base/escape.h"
#include "policy/phrase.h"
#include "policy/policy-internal.h"
#include "policy/show.h"

/*
 * One small writer for three formats: the content is built once, in
 * Japanese, as headings, paragraphs and list items; each format only
 * decides the markup. HTML text goes through html_text(), which uses
 * base/escape.h's html_escape: the same escaper as the web's html.c.
 */
struct out {
	struct strbuf *sb;
	enum policy_show_format fmt;
	int list_depth;
};

static void html_text(struct strbuf *sb, const char *s)
{
	html_escape(sb, s, strlen(s));
}

/* Markdown: escape what would start markup inside a line. */
static void md_text(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\`*_[]<>#|", *s))
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *s);
	}
}

static void heading(struct out *o, int level, const char *s, const char *anchor)
{
	switch (o->fmt) {
	case SHOW_TEXT:
		if (level > 1)
			strbuf_addch(o->sb, '\n');
		strbuf_addstr(o->sb, s);
		strbuf_addch(o->sb, '\n');
		if (level <= 2) {
			size_t w = level == 1 ? 60 : 40;

			for (size_t i = 0; i < w; i++)
				strbuf_addstr(o->sb, level == 1 ? "=" : "-");
			strbuf_addch(o->sb, '\n');
		}
		break;
	case SHOW_MD:
		strbuf_addch(o->sb, '\n');
		for (int i = 0; i < level; i++)
			strbuf_addch(o->sb, '#');
		strbuf_addch(o->sb, ' ');
		md_text(o->sb, s);
		strbuf_addstr(o->sb, "\n\n");
		break;
	case SHOW_HTML:
		strbuf_addf(o->sb, "<h%d", level);
		if (anchor) {
			strbuf_addstr(o->sb, " id=\"");
			html_text(o->sb, anchor);
			strbuf_addch(o->sb, '"');
		}
		strbuf_addch(o->sb, '>');
		html_text(o->sb, s);
		strbuf_addf(o->sb, "</h%d>\n", level);
		break;
	}
}

static void para(struct out *o, const char *s)
{
	switch (o->fmt) {
	case SHOW_TEXT:
		strbuf_addstr(o->sb, s);
		strbuf_addch(o->sb, '\n');
		break;
	case SHOW_MD:
		md_text(o->sb, s);
		strbuf_addstr(o->sb, "\n\n");
		break;
	case SHOW_HTML:
		strbuf_addstr(o->sb, "<p>");
		html_text(o->sb, s);
		strbuf_addstr(o->sb, "</p>\n");
		break;
	}
}

static void list_begin(struct out *o)
{
	if (o->fmt == SHOW_HTML)
		strbuf_addstr(o->sb, "<ul>\n");
	o->list_depth++;
}

static void list_end(struct out *o)
{
	o->list_depth--;
	if (o->fmt == SHOW_HTML)
		strbuf_addstr(o->sb, "</ul>\n");
	else if (o->fmt == SHOW_MD && !o->list_depth)
		strbuf_addch(o->sb, '\n');
}

static void item(struct out *o, const char *s)
{
	switch (o->fmt) {
	case SHOW_TEXT:
		for (int i = 0; i < o->list_depth; i++)
			strbuf_addstr(o->sb, "  ");
		strbuf_addstr(o->sb, "・");
		strbuf_addstr(o->sb, s);
		strbuf_addch(o->sb, '\n');
		break;
	case SHOW_MD:
		for (int i = 1; i < o->list_depth; i++)
			strbuf_addstr(o->sb, "  ");
		strbuf_addstr(o->sb, "- ");
		md_text(o->sb, s);
		strbuf_addch(o->sb, '\n');
		break;
	case SHOW_HTML:
		strbuf_addstr(o->sb, "<li>");
		html_text(o->sb, s);
		strbuf_addstr(o->sb, "</li>\n");
		break;
	}
}

static const char *kind_label(enum policy_clause_kind k)
{
	switch (k) {
	case CLAUSE_E:
		return "システムで統制";
	case CLAUSE_R:
		return "記録";
	case CLAUSE_M:
		return "監視・点検";
	case CLAUSE_H:
		return "人による確認（チェックリスト）";
	}
	return "";
}

/* How strongly a carrier carries a clause, in the words of the printed policy. */
static const char *strength_label(enum policy_strength s)
{
	switch (s) {
	case STRENGTH_ENFORCED:
		return "システムで統制";
	case STRENGTH_RECORDED:
		return "記録で担う";
	case STRENGTH_MONITORED:
		return "検知で監視";
	case STRENGTH_NOTED:
		return "注記のみ（担っていない）";
	case STRENGTH_NONE:
		break;
	}
	return "担うものなし";
}

static void show_clause(struct out *o, const struct profile *p,
                        const struct policy_coverage_entry *e)
{
	const struct policy_clause *c = e->clause;
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s %s", c->cite, c->text);
	heading(o, 3, sb.buf, c->id);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s・%s", c->id, kind_label(c->kind));
	if (c->kind != CLAUSE_H)
		strbuf_addf(&sb, "・%s%s", strength_label(e->strength), e->gap ? "（不足）" : "");
	para(o, sb.buf);
	if (e->nr) {
		list_begin(o);
		for (unsigned i = 0; i < e->nr; i++) {
			strbuf_reset(&sb);
			policy_carrier_phrase(&sb, p, &e->carriers[i]);
			strbuf_addf(&sb, "【%s】", strength_label(e->carriers[i].strength));
			item(o, sb.buf);
		}
		list_end(o);
	}
	if (e->unkept)
		para(o, "（この条項が記録を求める項目は任意で、どの規則も読まないため、登録や操作を"
		        "認める規則だけではこの条項を担いません）");
	if (c->reason) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "未対応の理由：%s", c->reason);
		para(o, sb.buf);
	} else if (!e->nr && c->kind != CLAUSE_H) {
		para(o, "（この条項を担う規則・記録簿・定期業務はまだありません）");
	}
	strbuf_release(&sb);
}

/* An unknown clause id, with a suggestion; -1. */
static int unknown_clause(const struct profile *p, const char *clause_id, struct strbuf *err)
{
	const char **ids = xcalloc(p->n_clauses ? p->n_clauses : 1, sizeof(*ids));
	const char *near;

	for (unsigned i = 0; i < p->n_clauses; i++)
		ids[i] = p->clauses[i].id;
	near = suggest(clause_id, ids, p->n_clauses);
	/* one format each way, so that the message has an id a front end can translate */
	if (near)
		error_set(err, "no clause '%s' in profile '%s' (did you mean '%s'?)", clause_id,
		          p->id, near);
	else
		error_set(err, "no clause '%s' in profile '%s'", clause_id, p->id);
	free(ids);
	return -1;
}

/* The title, the ward, the source and the profile's version. */
static void show_head(struct out *o, const struct profile *p, struct strbuf *sb)
{
	heading(o, 1, p->title, NULL);
	strbuf_reset(sb);
	strbuf_addf(sb, "%s", p->municipality);
	if (p->source_document)
		strbuf_addf(sb, "　%s", p->source_document);
	if (p->source_revision)
		strbuf_addf(sb, "（%s）", p->source_revision);
	para(o, sb->buf);
	strbuf_reset(sb);
	strbuf_addf(sb, "プロファイル %s　版 (SHA-256) %s", p->id, p->sha256_hex);
	if (p->effective)
		strbuf_addf(sb, "　施行 %s", p->effective);
	para(o, sb->buf);
	if (p->note)
		para(o, p->note);
}

/* The levels and the roles, before the clauses. */
static void show_levels_roles(struct out *o, const struct profile *p, struct strbuf *sb)
{
	heading(o, 2, "情報の分類", NULL);
	list_begin(o);
	for (unsigned i = 0; i < p->n_levels; i++) {
		strbuf_reset(sb);
		strbuf_addf(sb, "%s：%s", p->levels[i].name,
		            p->levels[i].definition ? p->levels[i].definition : "");
		item(o, sb->buf);
	}
	list_end(o);
	heading(o, 2, "役割", NULL);
	list_begin(o);
	for (unsigned i = 0; i < p->n_roles; i++) {
		const struct policy_role *r = &p->roles[i];

		strbuf_reset(sb);
		strbuf_addf(sb, "%s（%s）", r->name, r->id);
		if (r->holder)
			strbuf_addf(sb, "：%s", r->holder);
		if (r->deputy)
			strbuf_addf(sb, "。事故あるときは%sが代理", r->deputy->name);
		item(o, sb->buf);
	}
	list_end(o);
}

/* 区の選択: what the profile chose where the text is silent. */
static void show_choices(struct out *o, const struct policy_coverage *cov, struct strbuf *sb)
{
	heading(o, 2, "区の選択", NULL);
	para(o, "基準に定めがなく、このプロファイルが区に代わって選んだ事項です。");
	list_begin(o);
	for (unsigned i = 0; i < cov->n_choices; i++) {
		strbuf_reset(sb);
		strbuf_addf(sb, "%s：%s", cov->choices[i].what, cov->choices[i].reason);
		item(o, sb->buf);
	}
	list_end(o);
}

int policy_show(const struct profile *p, const char *clause_id, enum policy_show_format fmt,
                struct strbuf *out, struct strbuf *err)
{
	struct out o = { out, fmt, 0 };
	struct policy_coverage cov;
	struct strbuf sb = STRBUF_INIT;

	if (clause_id && !policy_clause(p, clause_id))
		return unknown_clause(p, clause_id, err);
	policy_coverage_compute(p, &cov);
	if (fmt == SHOW_HTML) {
		strbuf_addstr(out, "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta "
		                   "charset=\"utf-8\">\n<title>");
		html_text(out, p->title);
		strbuf_addstr(out, "</title>\n</head>\n<body>\n");
	}
	show_head(&o, p, &sb);
	if (!clause_id) {
		show_levels_roles(&o, p, &sb);
		heading(&o, 2, "条項と、それを担う規則・記録・定期業務", NULL);
	}
	for (unsigned i = 0; i < cov.nr; i++) {
		const struct policy_coverage_entry *e = &cov.entries[i];

		if (clause_id && strcmp(e->clause->id, clause_id))
			continue;
		show_clause(&o, p, e);
	}
	if (!clause_id)
		show_choices(&o, &cov, &sb);
	if (fmt == SHOW_HTML)
		strbuf_addstr(out, "</body>\n</html>\n");
	policy_coverage_release(&cov);
	strbuf_release(&sb);
	return 0;
}
