/* http: the HTTP server on libmicrohttpd: a request's intake and limits (the serving loop:
 * http-serve.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "core/read.h"
#include "web/http-internal.h"
#include "web/mhd-lib.h"
#include "web/session.h"
#include "web/web.h"

static void req_free(struct web_req *r)
{
	if (!r)
		return;
	if (r->out_file)
		close(r->out_fd);
	free(r->path);
	free(r->args_buf);
	web_params_release(&r->query);
	web_params_release(&r->form);
	web_params_release(&r->cookies);
	web_parts_release(&r->parts);
	/* Request bodies carry passwords; a response body left here may carry a token. */
	strbuf_release_secret(&r->body);
	strbuf_release_secret(&r->out);
	for (size_t i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	web_user_free(r->user);
	reader_unref(r->reader);
	explicit_bzero(r->session_token, sizeof(r->session_token));
	explicit_bzero(r->csrf, sizeof(r->csrf));
	free(r->log_detail);
	free(r);
}

static enum web_method method_of(const char *m)
{
	if (!strcmp(m, "GET"))
		return WEB_GET;
	if (!strcmp(m, "HEAD"))
		return WEB_HEAD;
	if (!strcmp(m, "POST"))
		return WEB_POST;
	if (!strcmp(m, "PUT"))
		return WEB_PUT;
	if (!strcmp(m, "DELETE"))
		return WEB_DELETE;
	return WEB_OTHER;
}

/* MHD decodes URLs by default; Mamori decodes itself, strictly (web/parse.c). */
size_t keep_raw(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

struct arg_walk {
	struct web_req *r;
	struct strbuf name, value, err;
	int ret;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
	struct arg_walk *w = cls;

	strbuf_reset(&w->name);
	strbuf_reset(&w->value);
	if (w->r->query.nr >= WEB_MAX_PARAMS) {
		error_set(&w->err, "too many query parameters");
		w->ret = -E2BIG;
		return MHD_NO;
	}
	if (!*key)
		return MHD_YES;
	if (web_percent_decode(key, strlen(key), true, &w->name, &w->err) < 0 ||
	    (value && web_percent_decode(value, strlen(value), true, &w->value, &w->err) < 0)) {
		w->ret = -EINVAL;
		return MHD_NO;
	}
	if (w->name.len > WEB_MAX_NAME || w->value.len > WEB_MAX_VALUE) {
		error_set(&w->err, "a query parameter is too long");
		w->ret = -E2BIG;
		return MHD_NO;
	}
	web_params_add(&w->r->query, w->name.buf, w->value.buf);
	return MHD_YES;
}

const char *web_form(const struct web_req *r, const char *name)
{
	return web_params_get(&r->form, name);
}

const char *web_query(const struct web_req *r, const char *name)
{
	return web_params_get(&r->query, name);
}

/* Validates and decodes the request before any handler sees it. */
static int prepare(struct web_req *r, const char *url)
{
	struct strbuf path = STRBUF_INIT, err = STRBUF_INIT;
	const char *h;
	int status = 0;

	if (strlen(url) > WEB_MAX_PATH || url[0] != '/') {
		web_error(r, url[0] != '/' ? 400 : 414, "path too long or relative");
		goto out;
	}
	if (web_percent_decode(url, strlen(url), false, &path, &err) < 0 ||
	    memchr(path.buf, '\n', path.len) || memchr(path.buf, '\r', path.len)) {
		web_error(r, 400, err.len ? err.buf : "line break in path");
		goto out;
	}
	r->path = strbuf_detach(&path, NULL);
	{
		struct arg_walk w = { .r = r,
			              .name = STRBUF_INIT,
			              .value = STRBUF_INIT,
			              .err = STRBUF_INIT,
			              .ret = 0 };
		MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &w);
		if (w.ret < 0)
			web_error(r, w.ret == -E2BIG ? 413 : 400, w.err.buf);
		status = w.ret;
		strbuf_release(&w.name);
		strbuf_release(&w.value);
		strbuf_release(&w.err);
		if (status < 0)
			goto out;
	}
	h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
	if (h && web_parse_cookies(h, &r->cookies, &err) < 0) {
		web_error(r, 400, err.buf);
		status = -EINVAL;
		goto out;
	}
	r->content_type =
	    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	r->content_encoding =
	    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
	r->idempotency_key =
	    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key");
	r->authorization =
	    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
out:
	strbuf_release(&path);
	strbuf_release(&err);
	return r->status ? -EINVAL : 0;
}

/* Decodes the body by its content type (forms, multipart); JSON is left to the API handlers. */
static int decode_body(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT, boundary = STRBUF_INIT;
	const char *ct = r->content_type;
	int ret = 0;

	if (!ct || r->method != WEB_POST)
		return 0;
	if (!strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
		ret = web_parse_urlencoded(r->body.buf, r->body.len, &r->form, &err);
		if (ret < 0)
			web_error(r, ret == -E2BIG ? 413 : 400, err.buf);
	} else if (!strncasecmp(ct, "multipart/form-data", 19)) {
		ret = web_multipart_boundary(ct, &boundary, &err);
		if (ret == 0)
			ret = web_parse_multipart(r->body.buf, r->body.len, boundary.buf, &r->parts,
			                          &err);
		/* The small fields of a multipart form (csrf) are read like form fields. */
		for (size_t i = 0; ret == 0 && i < r->parts.nr; i++) {
			const struct web_part *p = &r->parts.items[i];
			if (p->filename || memchr(p->data, '\0', p->len))
				continue;
			if (p->len > WEB_MAX_VALUE || !utf8_valid(p->data, p->len)) {
				error_set(&err, "multipart field '%s' is too long or not UTF-8",
				          p->name);
				ret = -EINVAL;
				break;
			}
			char *v = xstrndup(p->data, p->len);
			web_params_add(&r->form, p->name, v);
			free(v);
		}
		if (ret < 0)
			web_error(r, ret == -E2BIG ? 413 : 400, err.buf);
	}
	strbuf_release(&err);
	strbuf_release(&boundary);
	return ret;
}

/* The client's address into r->remote ("-" when libmicrohttpd does not say). */
static void req_remote(struct web_req *r, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	snprintf(r->remote, sizeof(r->remote), "-");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		char host[INET6_ADDRSTRLEN] = "";
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET,
			          &((const struct sockaddr_in *)(const void *)sa)->sin_addr, host,
			          sizeof(host));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
			          &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, host,
			          sizeof(host));
		snprintf(r->remote, sizeof(r->remote), "%s", host);
	}
}

/* A request's start, at its head: its object (in *con_cls), counted in flight until
 * on_completed. */
static struct web_req *req_start(struct web_server *s, struct MHD_Connection *conn,
                                 const char *method, void **con_cls)
{
	struct web_req *r = xcalloc(1, sizeof(*r));

	*con_cls = r;
	atomic_fetch_add(&s->in_flight, 1);
	conn_mark(s, conn, true);
	r->server = s;
	r->cfg = s->cfg;
	r->conn = conn;
	r->start_ns = time_mono_ns();
	strbuf_init_secret(&r->body, 0); /* passwords, tokens */
	strbuf_init(&r->out, 0);
	r->method = method_of(method);
	r->method_name = method;
	r->tls = s->tls;
	r->lang = WEB_LANG_JA;
	req_remote(r, conn);
	return r;
}

/* The head's checks before any body is read: framing, the query's size, the announced
 * Content-Length (a large body's bytes reserved). Answers at once when one fails. */
static enum MHD_Result req_head(struct web_req *r, const char *url, const char *version,
                                bool params_cut)
{
	struct web_server *s = r->server;
	const char *cl;

	if (check_framing(r, version) < 0) {
		r->path = xstrdup("-");
		i18n_set_lang(r->lang);
		return send_response(r);
	}
	if (params_cut) {
		r->path = xstrdup(url);
		i18n_set_lang(r->lang);
		web_error(r, 414, "too many query parameters");
		return send_response(r);
	}
	cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_TYPE);
		size_t limit = web_body_limit(s, url, ct);
		char *end;
		errno = 0;
		unsigned long long n = strtoull(cl, &end, 10);
		if (errno || *end || n > limit) {
			r->path = xstrdup("-");
			i18n_set_lang(r->lang);
			web_error(r, 413, "body over the limit (Content-Length)");
			return send_response(r);
		}
		if (n > WEB_MAX_UPLOAD && web_body_reserve(s, r, (int64_t)n) < 0) {
			r->path = xstrdup("-");
			i18n_set_lang(r->lang);
			web_error(r, 503, "too many large uploads at once");
			web_header_add(r, "Retry-After", "10");
			return send_response(r);
		}
	}
	return MHD_YES;
}

/* A piece of the body: kept up to the limit, else discarded (answered 413 at the end). */
static void req_body_add(struct web_req *r, struct MHD_Connection *conn, const char *url,
                         const char *upload_data, size_t upload_data_size)
{
	const char *ct =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	/* Over WEB_MAX_UPLOAD only what Content-Length announced and was reserved. */
	size_t limit = r->body_reserved ? (size_t)r->body_reserved
	               : (ct && !strncasecmp(ct, "multipart/", 10)) || !strcmp(url, WEB_LOGS_PATH)
	                   ? WEB_MAX_UPLOAD
	                   : WEB_MAX_BODY;
	if (r->body.len + upload_data_size > limit) {
		/* Chunked and over the limit: discard; answered 413 at the end. */
		r->status = 413;
	} else if (!r->status) {
		strbuf_add(&r->body, upload_data, upload_data_size);
	}
}

enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                           const char *method, const char *version, const char *upload_data,
                           size_t *upload_data_size, void **con_cls)
{
	struct web_server *s = cls;
	struct web_req *r = *con_cls;
	bool params_cut = false;

	if ((void *)r == (void *)&too_many_params) {
		params_cut = true;
		r = NULL;
	}
	if (!r) {
		r = req_start(s, conn, method, con_cls);
		return req_head(r, url, version, params_cut);
	}
	if (*upload_data_size) {
		req_body_add(r, conn, url, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}

	i18n_set_lang(r->lang);
	if (r->status == 413) {
		r->status = 0;
		r->path = xstrdup(url);
		web_error(r, 413, "chunked body over the limit");
		return send_response(r);
	}
	if (prepare(r, url) == 0 && decode_body(r) == 0)
		route_dispatch(r);
	return send_response(r);
}

void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                  enum MHD_RequestTerminationCode toe)
{
	struct web_server *s = cls;
	struct web_req *r = *con_cls;

	if (!r || (void *)r == (void *)&too_many_params) {
		*con_cls = NULL;
		return;
	}
	conn_mark(s, conn, false); /* a kept-alive connection awaits its next head afresh */
	web_body_release(s, r);
	req_free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&s->in_flight, 1);
}
