/* ui-attach: attachments in the browser: the list and upload form of a record, request or duty,
 * adding files (POST /attachments), and serving one (GET /attachments/ID) as a download. */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "core/attach.h"
#include "core/records.h"
#include "core/requests.h"
#include "web/access.h"
#include "web/http-internal.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui.h"

/* ---- large bodies ------------------------------------------------------------------------ */

/* Bytes a multipart body may carry beside its file: the form's small fields and headers. */
#define UPLOAD_OVERHEAD (64 * 1024)
/* Large bodies held at once, at least: a few attachments can always be uploaded. */
#define UPLOAD_BUDGET_MIN (64LL * 1024 * 1024)

static bool is_upload_path(const char *url)
{
	return url && (!strcmp(url, "/attachments") || !strcmp(url, "/duties/done"));
}

size_t web_body_limit(const struct web_server *s, const char *url, const char *ct)
{
	bool multipart = ct && !strncasecmp(ct, "multipart/", 10);

	if (url && !strcmp(url, WEB_LOGS_PATH))
		return WEB_MAX_LOG_BODY; /* collected logs (api-logs.c) */

	if (multipart && is_upload_path(url) && s->upload_max + UPLOAD_OVERHEAD > WEB_MAX_UPLOAD)
		return (size_t)(s->upload_max + UPLOAD_OVERHEAD);
	return multipart ? WEB_MAX_UPLOAD : WEB_MAX_BODY;
}

int web_body_reserve(struct web_server *s, struct web_req *r, int64_t bytes)
{
	int64_t budget = 3 * (s->upload_max + UPLOAD_OVERHEAD);
	long long now;

	if (budget < UPLOAD_BUDGET_MIN)
		budget = UPLOAD_BUDGET_MIN;
	now = atomic_fetch_add(&s->large_bodies, bytes) + bytes;
	if (now > budget) {
		atomic_fetch_sub(&s->large_bodies, bytes);
		return -EBUSY;
	}
	r->body_reserved = bytes;
	return 0;
}

void web_body_release(struct web_server *s, struct web_req *r)
{
	if (r && r->body_reserved) {
		atomic_fetch_sub(&s->large_bodies, r->body_reserved);
		r->body_reserved = 0;
	}
}

/* ---- who may see an owner's files --------------------------------------------------------- */

static int64_t owner_number(const char *id)
{
	int64_t n = 0;

	for (const char *p = id; *p; p++) {
		if (*p < '0' || *p > '9' || n > INT64_MAX / 10)
			return 0;
		n = n * 10 + (*p - '0');
	}
	return n;
}

/*
 * May the user see what owner holds? The same answer as for the owner itself: the record's
 * read decision, the request's parties, the duty's holders (and those who see everything).
 */
static bool owner_visible(struct web_req *r, const char *owner)
{
	char kind[16];
	const char *id = NULL;
	bool ok = false;

	if (attach_owner_parse(owner, kind, sizeof(kind), &id) < 0)
		return false;
	if (!strcmp(kind, "record")) {
		struct record rec = { 0 };
		if (record_get(r->st, owner_number(id), &rec, NULL) == 0)
			ok = web_record_visible(r, &rec, NULL);
		record_release(&rec);
	} else if (!strcmp(kind, "request")) {
		struct request q = { 0 };
		if (request_get(r->st, owner_number(id), &q, NULL) == 0)
			ok = ui_request_visible(r, &q);
		request_release(&q);
	} else if (!strcmp(kind, "duty")) {
		const char *at = strchr(id, '@');
		ok = ui_ledger_reader(r);
		for (size_t i = 0; !ok && at && i < r->user->n_roles; i++) {
			const char *ra = strchr(r->user->roles[i], '@');
			size_t dl = (size_t)(at - id);
			const struct policy_duty *duty;
			char did[80];
			if (!ra || dl >= sizeof(did))
				continue;
			memcpy(did, id, dl);
			did[dl] = '\0';
			duty = r->profile ? policy_duty(r->profile, did) : NULL;
			ok = duty && !strcmp(ra + 1, at + 1) &&
			     (size_t)(ra - r->user->roles[i]) == strlen(duty->role->id) &&
			     !strncmp(r->user->roles[i], duty->role->id, strlen(duty->role->id));
		}
	}
	return ok;
}

bool ui_may_attach_record(const struct web_req *r, const struct record *rec)
{
	if (r->user->admin)
		return true;
	for (size_t i = 0; i < r->user->n_roles; i++) {
		const char *scope = strchr(r->user->roles[i], '@');
		if (!scope++)
			continue;
		if (!strcmp(scope, "org") ||
		    (rec->section && !strncmp(scope, "section:", 8) &&
		     !strcmp(scope + 8, rec->section)) ||
		    (rec->system && !strncmp(scope, "system:", 7) &&
		     !strcmp(scope + 7, rec->system)))
			return true;
	}
	return false;
}

/* The incident an owner string names ("record:N" of the incident register), else 0. */
static int64_t owner_incident(struct web_req *r, const char *owner)
{
	char kind[16];
	const char *id = NULL;
	struct record rec = { 0 };
	int64_t n = 0;

	if (!r->profile || !r->profile->incidents.reg ||
	    attach_owner_parse(owner, kind, sizeof(kind), &id) < 0 || strcmp(kind, "record"))
		return 0;
	if (record_get(r->st, owner_number(id), &rec, NULL) == 0 &&
	    !strcmp(rec.register_id, r->profile->incidents.reg->id))
		n = rec.id;
	record_release(&rec);
	return n;
}

/* Where to go back to after adding a file to owner. */
static void owner_url(struct web_req *r, const char *owner, struct strbuf *url)
{
	char kind[16];
	const char *id = NULL;

	if (attach_owner_parse(owner, kind, sizeof(kind), &id) < 0) {
		strbuf_addstr(url, "/");
	} else if (owner_incident(r, owner)) {
		strbuf_addstr(url, "/incidents"); /* back to the case */
		html_url_segment(url, id);
	} else if (!strcmp(kind, "record")) {
		strbuf_addstr(url, "/records");
		html_url_segment(url, id);
	} else if (!strcmp(kind, "request")) {
		strbuf_addstr(url, "/requests");
		html_url_segment(url, id);
	} else {
		strbuf_addstr(url, "/duties");
	}
}

/* ---- the list and the form --------------------------------------------------------------- */

static void size_text(struct strbuf *o, int64_t size)
{
	if (size >= 1024 * 1024)
		html_textf(o, "%.1f MB", (double)size / (1024.0 * 1024.0));
	else if (size >= 1024)
		html_textf(o, "%.0f KB", (double)size / 1024.0);
	else
		html_textf(o, _("%lld bytes"), (long long)size);
}

void ui_attachment_links(struct web_req *r, const struct attachment_list *l)
{
	struct strbuf *o = &r->out;

	for (size_t i = 0; i < l->nr; i++) {
		const struct attachment *a = &l->items[i];
		char url[48];
		snprintf(url, sizeof(url), "/attachments/%" PRId64, a->id);
		html_open(o, "div", "class", "attachment", HTML_END);
		html_text(o, "📎 ");
		html_elem(o, "a", a->name, "href", url, "download", "", HTML_END);
		html_close(o, "div");
	}
}

void ui_attachments(struct web_req *r, const char *owner, bool may_add)
{
	struct strbuf *o = &r->out;
	struct attachment_list l = { 0 };
	struct strbuf err = STRBUF_INIT;

	html_open(o, "section", "class", "attachments", "aria-labelledby", "attachments-h",
	          HTML_END);
	html_elem(o, "h2", _("Attachments"), "id", "attachments-h", HTML_END);
	if (attachments_list(r->st, owner, &l, &err) < 0) {
		web_log(r, "%s", err.buf);
		page_notice(r, "error", _("The attachments cannot be read just now."));
	} else if (!l.nr) {
		html_elem(o, "p", _("No files yet."), HTML_END);
	} else {
		html_open(o, "table", HTML_END);
		html_open(o, "tr", HTML_END);
		html_elem(o, "th", _("File"), "scope", "col", HTML_END);
		html_elem(o, "th", _("Size"), "scope", "col", HTML_END);
		html_elem(o, "th", _("Added by"), "scope", "col", HTML_END);
		html_elem(o, "th", _("Added"), "scope", "col", HTML_END);
		html_elem(o, "th", _("SHA-256"), "scope", "col", HTML_END);
		html_close(o, "tr");
		for (size_t i = 0; i < l.nr; i++) {
			const struct attachment *a = &l.items[i];
			char url[48];
			snprintf(url, sizeof(url), "/attachments/%" PRId64, a->id);
			html_open(o, "tr", HTML_END);
			html_open(o, "td", HTML_END);
			html_elem(o, "a", a->name, "href", url, "download", "", HTML_END);
			html_close(o, "td");
			html_open(o, "td", "class", "num", HTML_END);
			size_text(o, a->size);
			html_close(o, "td");
			html_elem(o, "td", a->added_by_name ? a->added_by_name : "—", HTML_END);
			html_open(o, "td", HTML_END);
			page_time(o, a->added_ms);
			html_close(o, "td");
			html_elem(
			    o, "td", a->sha256, "class", "hash", "title",
			    _("The file's SHA-256, also in the ledger entry of the act that added "
			      "it"),
			    HTML_END);
			html_close(o, "tr");
		}
		html_close(o, "table");
	}
	if (may_add) {
		struct strbuf limit = STRBUF_INIT;
		page_form_begin(r, "/attachments", "card upload", true);
		html_void(o, "input", "type", "hidden", "name", "owner", "value", owner, HTML_END);
		html_open(o, "div", "class", "field", HTML_END);
		html_elem(o, "label", _("Add a file"), "for", "f-file", HTML_END);
		html_void(o, "input", "type", "file", "id", "f-file", "name", "file", "required",
		          "", "aria-describedby", "f-file-hint", HTML_END);
		strbuf_addf(&limit,
		            _("PDF, Word, Excel, PowerPoint, images or text; at most %lld MB. Its "
		              "SHA-256 is recorded in the ledger."),
		            (long long)(r->server->upload_max / (1024 * 1024)));
		html_elem(o, "p", limit.buf, "id", "f-file-hint", "class", "hint", HTML_END);
		html_close(o, "div");
		html_open(o, "div", "class", "field", HTML_END);
		html_elem(o, "label", _("What it is (optional)"), "for", "f-attach-comment",
		          HTML_END);
		html_void(o, "input", "type", "text", "id", "f-attach-comment", "name", "comment",
		          "maxlength", "200", HTML_END);
		html_close(o, "div");
		page_submit(r, _("Add the file"), NULL);
		page_form_end(r);
		strbuf_release(&limit);
	}
	html_close(o, "section");
	attachment_list_release(&l);
	strbuf_release(&err);
}

/* ---- adding ------------------------------------------------------------------------------- */

void ui_attachment_post(struct web_req *r)
{
	const struct web_part *file = web_parts_get(&r->parts, "file");
	const char *owner = web_form(r, "owner"), *comment = web_form(r, "comment");
	const char *evidence = web_form(r, "action");
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .kind = ACT_ATTACH };
	struct act_attachment att;
	struct attach_blob blob;
	const char *base = NULL;
	int ret;

	if (!owner || !owner_visible(r, owner)) {
		web_error(r, 404, "no such owner, or not visible to this user");
		goto out;
	}
	owner_url(r, owner, &url);
	/* No file chosen, an empty one, or a name that cannot be kept: back to the page the form
	 * was on, saying so (a bare 400 page left the person with only the start page). */
	if (!file || !file->filename || !file->len || !attach_valid_name(file->filename, &base)) {
		web_log(r, "attachment not taken: %s",
		        !file || !file->filename ? "no file"
		        : !file->len             ? "empty"
		                                 : "its name");
		strbuf_addstr(&url, "?notice=attach-bad");
		web_redirect(r, url.buf);
		goto out;
	}
	ret = attach_put(r->st, door_dir(web_door(r)), base, file->data, file->len,
	                 r->server->upload_max, &blob, &err);
	if (ret == -EFBIG || ret == -EMEDIUMTYPE || ret == -EINVAL) {
		strbuf_addstr(&url, ret == -EFBIG         ? "?notice=attach-too-big"
		                    : ret == -EMEDIUMTYPE ? "?notice=attach-kind"
		                                          : "?notice=attach-bad");
		web_redirect(r, url.buf);
		goto out;
	} else if (ret < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	att = (struct act_attachment){ .sha256 = blob.sha256,
		                       .size = blob.size,
		                       .name = base,
		                       .media_type = blob.media_type };
	in.target = owner;
	/* evidence of an incident: the case's own action takes it in, as the profile decides */
	if (evidence && !strcmp(evidence, "incident.evidence_add") && owner_incident(r, owner)) {
		char *action = xstrfmt("%s.evidence_add", r->profile->incidents.reg->id);
		in.kind = ACT_RECORD;
		in.target = NULL;
		in.action = action;
		in.record_id = owner_incident(r, owner);
		in.attachments = &att;
		in.n_attachments = 1;
		in.comment = comment && *comment ? comment : NULL;
		ret = web_act(r, &in, NULL, &res, &err);
		free(action);
		goto acted;
	}
	in.attachments = &att;
	in.n_attachments = 1;
	in.comment = comment && *comment ? comment : NULL;
	ret = web_act(r, &in, NULL, &res, &err);
acted:
	if (ret < 0) {
		r->status = web_act_status(ret);
		web_error(r, r->status, err.buf);
		goto out;
	}
	strbuf_addstr(&url,
	              res.outcome == ACT_DONE ? "?notice=attached" : "?notice=attach-refused");
	web_redirect(r, url.buf);
out:
	act_result_release(&res);
	strbuf_release(&err);
	strbuf_release(&url);
}

/* ---- serving ------------------------------------------------------------------------------ */

/* RFC 6266 / RFC 8187: filename*=UTF-8''<percent-encoded>, and an ASCII fallback. */
static void content_disposition(const char *name, struct strbuf *out)
{
	strbuf_addstr(out, "attachment; filename=\"");
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		strbuf_addch(out, c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '_');
	}
	strbuf_addstr(out, "\"; filename*=UTF-8''");
	html_url_encode(out, name);
}

void ui_attachment_get(struct web_req *r)
{
	struct attachment a = { 0 };
	struct strbuf err = STRBUF_INIT, data = STRBUF_INIT, cd = STRBUF_INIT;
	int64_t id = ui_arg_id(r->args[0]);
	int ret;

	ret = id ? attachment_get(r->st, id, &a, &err) : -ENOENT;
	if (ret == 0 && !owner_visible(r, a.owner)) {
		web_audit(r, r->user->login, "access.refused", "attachment");
		ret = -ENOENT;
	}
	if (ret == -ENOENT) {
		web_error(r, 404, "no such attachment, or not visible to this user");
		goto out;
	} else if (ret < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	ret = attach_read(r->st, door_dir(web_door(r)), a.sha256, a.size, &data, &err);
	if (ret < 0) {
		/* A missing or changed file is never served: the ledger says what it was. */
		web_error(r, 503, err.buf);
		goto out;
	}
	r->status = 200;
	r->content_type_out = "application/octet-stream";
	content_disposition(a.name, &cd);
	/* Always a download, never rendered in the page's origin (nosniff is on every answer). */
	web_header_add(r, "Content-Disposition", cd.buf);
	web_header_add(r, "X-Mamori-SHA256", a.sha256);
	strbuf_reset(&r->out);
	strbuf_add(&r->out, data.buf, data.len);
out:
	attachment_release(&a);
	strbuf_release(&err);
	strbuf_release(&data);
	strbuf_release(&cd);
}
