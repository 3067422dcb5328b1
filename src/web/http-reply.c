/* http-reply: writing responses: errors, redirects, security headers, the queued response. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "web/http-internal.h"
#include "web/mhd-lib.h"
#include "web/html.h"
#include "web/page.h"
#include "web/web.h"

/*
 * Headers every response carries. The stylesheet is the only resource
 * and is served from 'self'; there is no script at all.
 */
static const char *const security_headers[][2] = {
	{ "Content-Security-Policy",
	  "default-src 'self'; script-src 'none'; object-src 'none'; "
	  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Frame-Options", "DENY" },
	{ "Cross-Origin-Opener-Policy", "same-origin" },
	{ "Cross-Origin-Resource-Policy", "same-origin" },
	{ "Permissions-Policy", "camera=(), microphone=(), geolocation=()" },
};

void web_log(const struct web_req *r, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	time_format_rfc3339(&sb, time_now_ms());
	strbuf_addf(&sb, " %s %s %s: ", r->remote, r->method_name ? r->method_name : "-",
	            r->path ? r->path : "-");
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addch(&sb, '\n');
	fputs(sb.buf, stderr);
	strbuf_release(&sb);
}

void web_header_add(struct web_req *r, const char *name, const char *value)
{
	ALLOC_GROW(r->headers, r->n_headers, r->alloc_headers);
	r->headers[r->n_headers].name = xstrdup(name);
	r->headers[r->n_headers].value = xstrdup(value);
	r->n_headers++;
}

void web_out_secret(struct web_req *r)
{
	r->out_secret = true;
	r->out.secret = 1;
}

void web_send_file(struct web_req *r, int fd, uint64_t size)
{
	if (r->out_file)
		close(r->out_fd);
	strbuf_reset(&r->out);
	r->out_file = true;
	r->out_fd = fd;
	r->out_size = size;
}

void web_reply_reset(struct web_req *r)
{
	r->status = 0;
	r->content_type_out = NULL;
	if (r->out_file)
		close(r->out_fd);
	r->out_file = false;
	explicit_bzero(r->out.buf, r->out.len);
	strbuf_reset(&r->out);
	for (size_t i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	r->n_headers = 0;
	free(r->log_detail);
	r->log_detail = NULL;
}

static const char *status_text(int status)
{
	switch (status) {
	case 400:
		return N_("Bad request");
	case 401:
		return N_("Please log in");
	case 403:
		return N_("Forbidden");
	case 404:
		return N_("Not found");
	case 405:
		return N_("Method not allowed");
	case 409:
		return N_("Conflict");
	case 413:
		return N_("Request too large");
	case 414:
		return N_("Address too long");
	case 415:
		return N_("Unsupported media type");
	case 421:
		return N_("This server does not answer to that name");
	case 422:
		return N_("The request could not be processed");
	case 429:
		return N_("Too many requests");
	case 431:
		return N_("Request headers too large");
	case 503:
		return N_("Service unavailable");
	default:
		return N_("Internal error");
	}
}

void web_json_begin(struct web_req *r)
{
	strbuf_reset(&r->out);
	/* an act's answer (~300-500 bytes) in one allocation, not 64, 128, 256, 512 */
	strbuf_grow(&r->out, 480);
	r->content_type_out = "application/json";
	if (!r->status)
		r->status = 200;
}

static void json_error_body(struct web_req *r, int status, const char *message)
{
	struct strbuf msg = STRBUF_INIT;

	web_json_begin(r);
	r->status = status;
	strbuf_addstr(&r->out, "{\"error\":{\"status\":");
	strbuf_addf(&r->out, "%d,\"message\":", status);
	json_quote(&msg, message, strlen(message));
	strbuf_add(&r->out, msg.buf, msg.len);
	strbuf_addstr(&r->out, "}}");
	strbuf_release(&msg);
}

void web_api_error(struct web_req *r, int status, const char *message)
{
	json_error_body(r, status, message);
}

static void error_body(struct web_req *r, int status);

/* TRANSLATORS: a 503's message once the server stops for good (web_failed_for_good). */
const char web_failed_text[] =
    N_("Mamori has stopped recording changes: the disk did not confirm a write of its database. "
       "What was recorded before is kept: the server's write-ahead log is not touched, and the "
       "server recovers from it when it is started again. Nothing more can be recorded until "
       "then: tell the system's administrator to check the disk and restart Mamori.");

bool web_failed_for_good(struct web_req *r)
{
	return r->server && server_failed(r->server, NULL) < 0;
}

void web_error(struct web_req *r, int status, const char *detail)
{
	const char *text = status_text(status);
	bool stopped = status == 503 && web_failed_for_good(r);

	if (detail) {
		free(r->log_detail);
		r->log_detail = xstrdup(detail);
	}
	/* Previously added headers (a Set-Cookie, a Location) would contradict the error. */
	for (size_t i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	r->n_headers = 0;
	if (r->api) {
		json_error_body(r, status, stopped ? _(web_failed_text) : text);
		if (status == 401)
			web_header_add(r, "WWW-Authenticate", "Bearer realm=\"mamori\"");
		return;
	}
	r->status = status;
	r->content_type_out = "text/html; charset=utf-8";
	strbuf_reset(&r->out);
	if (r->user && status != 401) {
		/* Someone logged in keeps the menus: the way on is one click away. */
		struct strbuf title = STRBUF_INIT;

		strbuf_addf(&title, "%d %s", status, _(text));
		page_begin(r, title.buf, NAV_NONE);
		strbuf_release(&title);
		error_body(r, status);
		page_end(r);
		return;
	}
	html_document_begin(&r->out, i18n_lang_code(r->lang), _(text), "/static/mamori.css");
	html_elem(&r->out, "a", _("Skip to the main content"), "href", "#main", "class",
	          "skip-link", HTML_END);
	html_open(&r->out, "main", "class", "error", "id", "main", "tabindex", "-1", HTML_END);
	html_open(&r->out, "h1", HTML_END);
	html_textf(&r->out, "%d ", status);
	html_text(&r->out, _(text));
	html_close(&r->out, "h1");
	error_body(r, status);
	html_close(&r->out, "main");
	html_document_end(&r->out);
}

/* What an error page says below its heading, and the way back. */
static void error_body(struct web_req *r, int status)
{
	if (status == 401)
		html_elem(&r->out, "p", _("Your session has ended. Please log in again."),
		          HTML_END);
	else if (status == 503 && web_failed_for_good(r))
		html_elem(&r->out, "p", _(web_failed_text), HTML_END);
	else if (status >= 500)
		html_elem(
		    &r->out, "p",
		    _("Something went wrong on the server. The details are in the server log; "
		      "please tell your administrator the time it happened."),
		    HTML_END);
	else if (status == 403)
		html_elem(&r->out, "p",
		          _("You are not allowed to do this. If your work needs it, ask the ward's "
		            "information security office."),
		          HTML_END);
	else if (status == 404)
		html_elem(&r->out, "p",
		          _("There is no page at this address. Use the menu or go back to the "
		            "start page."),
		          HTML_END);
	html_open(&r->out, "p", HTML_END);
	html_elem(&r->out, "a", _("Back to the start page"), "href", "/", HTML_END);
	html_close(&r->out, "p");
}

void web_redirect(struct web_req *r, const char *location)
{
	if (!location || location[0] != '/' || location[1] == '/' || location[1] == '\\' ||
	    !html_url_safe(location))
		location = "/";
	r->status = 303;
	strbuf_reset(&r->out);
	web_header_add(r, "Location", location);
}

static void add_headers(struct web_req *r, struct MHD_Response *resp)
{
	for (size_t i = 0; i < ARRAY_SIZE(security_headers); i++)
		MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
	if (r->tls)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	MHD_add_response_header(resp, "Cache-Control",
	                        r->cacheable ? "public, max-age=3600" : "no-store");
	if (r->content_type_out)
		MHD_add_response_header(resp, "Content-Type", r->content_type_out);
	for (size_t i = 0; i < r->n_headers; i++)
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	if (atomic_load(&r->server->stopping))
		MHD_add_response_header(resp, "Connection", "close");
}

/* microhttpd's free for a body that carries a secret (text: it ends at its NUL). */
static void free_secret_body(void *p)
{
	if (p)
		explicit_bzero(p, strlen(p));
	free(p);
}

enum MHD_Result send_response(struct web_req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len = r->out.len;
	char *body;

	if (!r->status)
		r->status = 200;
	if (r->method == WEB_HEAD) {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	} else if (r->out_file) {
		resp = MHD_create_response_from_fd64(r->out_size, r->out_fd);
		if (resp)
			r->out_file = false; /* microhttpd closes it with the response */
	} else {
		body = strbuf_detach(&r->out, &len);
		if (r->out_secret)
			resp = MHD_create_response_from_buffer_with_free_callback(len, body,
			                                                          free_secret_body);
		else
			resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			if (r->out_secret)
				explicit_bzero(body, len);
			free(body);
		}
	}
	if (!resp)
		return MHD_NO;
	add_headers(r, resp);
	ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	if (r->cfg->verbose || r->status >= 500 || r->log_detail)
		web_log(r, "%d %.1f ms%s%s", r->status,
		        (double)(time_mono_ns() - r->start_ns) / 1e6, r->log_detail ? ": " : "",
		        r->log_detail ? r->log_detail : "");
	return ret;
}
