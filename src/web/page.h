/* page: the frame every page shares (header, navigation, language switch) and form helpers. */
#ifndef MAMORI_WEB_PAGE_H
#define MAMORI_WEB_PAGE_H

#include <stdint.h>

#include "web/html.h"
#include "web/web.h"

/* Which navigation entry is lit. */
enum page_nav {
	NAV_NONE,
	NAV_HOME,
	NAV_REGISTERS,
	NAV_REQUESTS,
	NAV_INCIDENTS,
	NAV_POLICY,
	NAV_LEDGER,
	NAV_ALERTS,
	NAV_LOGS,
	NAV_ADMIN,
	NAV_TAKEOUTS,
	NAV_DUTIES,
	NAV_FIM,
	NAV_INBOX,
	NAV_AUDITS,
	NAV_INSPECTIONS,
	NAV_RISKS,
};

/* Starts an HTML response: document head, the header with navigation, <main>, <h1>title. */
void page_begin(struct web_req *r, const char *title, enum page_nav nav);
void page_end(struct web_req *r);

/* <form method="post" action=...> with the CSRF field; multipart for file uploads. */
void page_form_begin(struct web_req *r, const char *action, const char *cls, bool multipart);
void page_form_end(struct web_req *r);

/* A labelled input row: <label for=id>label</label><input ...>. type "text", "password" ... */
void page_input(struct web_req *r, const char *type, const char *name, const char *label,
                const char *value, bool required, const char *autocomplete);
void page_submit(struct web_req *r, const char *label, const char *cls);
/*
 * A comment or reason box (name "comment", id given): its label, a textarea of at most
 * CORE_MAX_COMMENT characters with the limit said under it, value shown again.
 */
void page_comment(struct web_req *r, const char *id, const char *label, const char *value,
                  bool required);
/*
 * The comment a form sent, or NULL when it holds nothing (spaces alone are nothing). A comment
 * longer than CORE_MAX_COMMENT characters: NULL with *ret_too_long set (say so, in Japanese:
 * page_comment_too_long).
 */
const char *web_comment(const struct web_req *r, bool *ret_too_long);
/* "The comment has N characters; at most M." in the page's language, into out. */
void page_comment_too_long(const struct web_req *r, struct strbuf *out);
/*
 * Irreversible buttons ask first: a required checkbox "confirm" with this label, so the form
 * is not sent until it is ticked (no script: the CSP allows none). The handler checks it
 * again with web_confirmed.
 */
void page_confirm(struct web_req *r, const char *label);
bool web_confirmed(const struct web_req *r);

/* <p class="notice KIND" role="status|alert">text</p>; kind "ok", "warn", "error". */
void page_notice(struct web_req *r, const char *kind, const char *text);

/*
 * A time as Japanese offices write it, in the ward's zone (Asia/Tokyo):
 * <time datetime="2026-11-22T02:46:44.000Z">令和8年11月22日 11:46</time>;
 * English shows "2026-11-22 11:46 JST".
 */
void page_time(struct strbuf *out, int64_t ms);
void page_date(struct strbuf *out, int64_t ms);
/*
 * A calendar date given as YYYY-MM-DD (a due date) as offices write it, with the ISO date
 * beside it: <time datetime="2026-12-10">令和8年12月10日</time> (2026-12-10). Text that is
 * not such a date is shown as it is.
 */
void page_ymd(struct strbuf *out, const char *ymd);

/* A link: <a href=url>text</a>, url built by the caller with html_url_*. */
void page_link(struct strbuf *out, const char *url, const char *text);

#endif
