/* http: the HTTP server on libmicrohttpd: limits, security headers, graceful shutdown. */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/conf.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "core/act.h"
#include "core/fim.h"
#include "core/attach.h"
#include "core/guard.h"
#include "core/personnel.h"
#include "core/profile-store.h"
#include "core/read.h"
#include "ledger/ledger.h"
#include "ledger/signer.h"
#include "policy/policy.h"
#include "store/store.h"
#include "web/http-internal.h"
#include "web/mhd-lib.h"
#include "web/html.h"
#include "web/page.h"
#include "web/session.h"
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

/*
 * Worker threads without --threads, and each pooled store connection's SQLite page cache (KiB):
 * small, since lists come from memory (core/record-order.c) and the OS caches the file for all;
 * each cache fills as the ward's tables grow, so its size bounds what the server grows by
 * (1 MiB each: the soak grew by 4 MiB in ten minutes, most of it these caches).
 */
#define WEB_DEFAULT_THREADS  32
#define WEB_THREAD_CACHE_KIB 256
/*
 * SQLite's memory for the whole server (every worker's connection: page caches, schemas,
 * statements): past it each connection reuses its own cached pages instead of growing. Without
 * it the workers' caches grew with the ward (1 MiB each, 32 workers) and the soak's RSS with
 * them.
 */
#define WEB_STORE_MEMORY_BYTES (8 * 1024 * 1024)

/* A request's worker resources, pooled (web_server.pool): one request uses one at a time. */
struct web_thread {
	struct store *st;
	struct ledger *lg; /* opened on first use, on st */
	/* A memo of read results (web_cache_*), valid while the database is unchanged: the
	 * data_version pragma (other connections' commits) and this connection's own changes. */
	int64_t data_version, total_changes;
	int64_t cache_until_ms; /* and until the first role change of the users it holds */
	struct web_params cache;
	size_t cache_bytes; /* dropped whole beyond the thread's share of WEB_CACHE_BYTES */
};

const char *web_cache_get(struct web_req *r, const char *key)
{
	struct web_thread *t = r->thread;

	return t ? web_params_get(&t->cache, key) : NULL;
}

void web_cache_put(struct web_req *r, const char *key, const char *value)
{
	struct web_thread *t = r->thread;

	/* Only while nothing changed since this request began: a value computed before a write
	 * of this very request must not outlive it. */
	if (t && store_total_changes(t->st) == t->total_changes) {
		web_params_add(&t->cache, key, value);
		t->cache_bytes += strlen(key) + strlen(value);
		if (r->user && r->user->roles_until_ms < t->cache_until_ms)
			t->cache_until_ms = r->user->roles_until_ms;
		/* what the reader reads may change at a known time (an audit's period) */
		if (r->reader && reader_valid_until(r->reader) < t->cache_until_ms)
			t->cache_until_ms = reader_valid_until(r->reader);
	}
}

struct door *web_door(struct web_req *r)
{
	/* what the door commits next must be visible to this request's own reads */
	store_release_read(r->st);
	return r->server->door;
}

struct reader_cache *web_readers(struct web_req *r)
{
	return r->server->readers;
}

int web_thread_ledger(struct web_req *r, struct ledger **ret, struct strbuf *err)
{
	struct web_thread *t = r->thread;
	int rc;

	if (!t) {
		error_set(err, "no store for this request");
		return -EIO;
	}
	if (!t->lg) {
		rc = ledger_open(t->st, &t->lg, err);
		if (rc < 0)
			return rc;
	}
	*ret = t->lg;
	return 0;
}

static void thread_release(struct web_thread *t)
{
	if (t) {
		web_params_release(&t->cache);
		ledger_close(t->lg);
		store_close(t->st);
		free(t);
	}
}

/* The most recently given back resources, or new ones (NULL with err). */
static struct web_thread *thread_take(struct web_server *s, struct strbuf *err)
{
	struct web_thread *t = NULL;

	pthread_mutex_lock(&s->pool_lock);
	if (s->n_pool)
		t = s->pool[--s->n_pool];
	pthread_mutex_unlock(&s->pool_lock);
	if (t)
		return t;
	t = xcalloc(1, sizeof(*t));
	if (store_open(s->cfg->dir, STORE_ANY_BACKEND, &t->st, err) < 0) {
		free(t);
		return NULL;
	}
	/* Reads only: the domain tables are the door's alone (core/guard.h). */
	/* many connections: a small page cache each (the OS caches the file for all) */
	if (guard_protect_reader(t->st, err) < 0 ||
	    store_cache_kib(t->st, WEB_THREAD_CACHE_KIB, err) < 0) {
		thread_release(t);
		return NULL;
	}
	return t;
}

void web_thread_done(struct web_req *r)
{
	struct web_server *s = r->server;
	struct web_thread *t = r->thread;

	if (!t)
		return;
	/* no snapshot outlives its request */
	store_release_read(t->st);
	r->thread = NULL;
	r->st = NULL;
	pthread_mutex_lock(&s->pool_lock);
	ALLOC_GROW(s->pool, s->n_pool, s->alloc_pool);
	s->pool[s->n_pool++] = t;
	pthread_mutex_unlock(&s->pool_lock);
}

/* Loads the newest stored profile if it changed since the last look. */
static int refresh_profile(struct web_server *s, struct store *st, struct strbuf *err)
{
	int64_t seq = 0;
	int r = profile_stored_newest(st, &seq, err);

	if (r < 0 || !seq)
		return r; /* 0 and no seq: no profile stored yet */
	pthread_mutex_lock(&s->profile_lock);
	if (seq != s->profile_seq) {
		struct profile *p = NULL;

		r = profile_stored_load(st, &p, &seq, err, err);
		if (r == -ENOENT)
			r = 0;
		if (r < 0 || !p)
			goto out;
		if (s->profile) {
			ALLOC_GROW(s->old_profiles, s->n_old, s->alloc_old);
			s->old_profiles[s->n_old++] = s->profile;
		}
		s->profile = p;
		s->profile_seq = seq;
	}
out:
	pthread_mutex_unlock(&s->profile_lock);
	return r;
}

int web_thread_resources(struct web_req *r, struct strbuf *err)
{
	struct web_server *s = r->server;
	struct web_thread *t = r->thread;
	int ret;

	if (!t) {
		t = thread_take(s, err);
		if (!t)
			return -EIO;
		r->thread = t;
	}
	r->st = t->st;
	/* A GET reads in one snapshot (store_hold_read), released when the request ends
	 * (route_dispatch) or before anything writes; the version below is then that snapshot's. */
	if ((r->method == WEB_GET || r->method == WEB_HEAD) && store_hold_read(t->st, err) < 0)
		return -EIO;
	{
		int64_t dv = -1, tc = store_total_changes(t->st);
		if (store_data_version(t->st, &dv, err) < 0) {
			dv = -1; /* the memo is dropped: nothing read before can be trusted */
			strbuf_reset(err);
		}
		if (dv < 0 || dv != t->data_version || tc != t->total_changes ||
		    t->cache.nr > 512 || t->cache_bytes > s->cache_share ||
		    time_now_ms() >= t->cache_until_ms) {
			web_params_release(&t->cache);
			t->cache_bytes = 0;
			t->cache_until_ms = INT64_MAX;
			t->data_version = dv;
			t->total_changes = tc;
		}
	}
	ret = refresh_profile(s, t->st, err);
	pthread_mutex_lock(&s->profile_lock);
	r->profile = s->profile;
	pthread_mutex_unlock(&s->profile_lock);
	return ret;
}

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
static size_t keep_raw(void *cls, struct MHD_Connection *c, char *s)
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

void web_error(struct web_req *r, int status, const char *detail)
{
	const char *text = status_text(status);

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
		json_error_body(r, status, text);
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

const char *web_form(const struct web_req *r, const char *name)
{
	return web_params_get(&r->form, name);
}

const char *web_query(const struct web_req *r, const char *name)
{
	return web_params_get(&r->query, name);
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

static enum MHD_Result send_response(struct web_req *r)
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
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
		const union MHD_ConnectionInfo *ci;
		const char *cl;

		r = xcalloc(1, sizeof(*r));
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
		snprintf(r->remote, sizeof(r->remote), "-");
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci && ci->client_addr) {
			char host[INET6_ADDRSTRLEN] = "";
			const struct sockaddr *sa = ci->client_addr;
			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET,
				          &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
				          host, sizeof(host));
			else if (sa->sa_family == AF_INET6)
				inet_ntop(
				    AF_INET6,
				    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
				    host, sizeof(host));
			snprintf(r->remote, sizeof(r->remote), "%s", host);
		}
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
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl) {
			const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
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
	if (*upload_data_size) {
		const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_TYPE);
		/* Over WEB_MAX_UPLOAD only what Content-Length announced and was reserved. */
		size_t limit =
		    r->body_reserved ? (size_t)r->body_reserved
		    : (ct && !strncasecmp(ct, "multipart/", 10)) || !strcmp(url, WEB_LOGS_PATH)
		        ? WEB_MAX_UPLOAD
		        : WEB_MAX_BODY;
		if (r->body.len + *upload_data_size > limit) {
			/* Chunked and over the limit: discard; answered 413 at the end. */
			r->status = 413;
		} else if (!r->status) {
			strbuf_add(&r->body, upload_data, *upload_data_size);
		}
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

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
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

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	time_format_rfc3339(&sb, time_now_ms());
	strbuf_addstr(&sb, " microhttpd: ");
	strbuf_vaddf(&sb, fmt, ap);
	if (sb.len && sb.buf[sb.len - 1] != '\n')
		strbuf_addch(&sb, '\n');
	fputs(sb.buf, stderr);
	strbuf_release(&sb);
}

/*
 * Checkpoints while serving: the web's own audit entries (logins, failures) are appended by
 * per-thread ledgers the door never sees, so the serving thread signs a checkpoint for the
 * durable head itself, at most once a minute and at shutdown, whenever the head is beyond the
 * latest checkpoint (ledger_checkpoint_sign does nothing when it is not). Without the signer
 * key (a read-only copy of a ward) nothing is signed.
 */
#define WEB_CHECKPOINT_MS 60000
#define WEB_WATCH_MS      5000 /* how often the file integrity agents' silence is looked at */
#define WEB_KEEP_MS       1000 /* how often the WAL and malloc are kept small (serve-keep.c) */

/* Raises an alert for each file integrity agent that stopped reporting (core/fim.h). */
static void serve_watch_agents(struct door *d)
{
	struct strbuf err = STRBUF_INIT;

	if (d && fim_agents_watch(d, time_now_ms(), &err) < 0)
		fprintf(stderr, "mamori: warning: watching the agents: %s\n", err.buf);
	strbuf_release(&err);
}

/* 人事異動 dated ahead: the moves whose day has come are applied through the door. */
static void serve_run_due_moves(struct door *d)
{
	struct strbuf err = STRBUF_INIT;
	size_t applied = 0, failed = 0;

	if (d && (personnel_run_due(d, time_now_ms(), &applied, &failed, &err) < 0 || failed))
		fprintf(stderr, "mamori: warning: moves dated ahead: %s\n", err.buf);
	strbuf_release(&err);
}

/*
 * Several servers on one PostgreSQL database: one signs the checkpoints, the one holding the
 * session lock STORE_LOCK_CHECKPOINT on a connection of its own. A leader that dies loses it
 * with its connection and another server takes it at its next round. On SQLite, true.
 */
static bool checkpoint_leader(struct web_server *s, bool quiet)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	if (!s->leader_st || s->leader)
		return true;
	r = store_lock_try(s->leader_st, STORE_LOCK_CHECKPOINT, &err);
	if (r < 0)
		fprintf(stderr, "mamori: warning: cannot ask who signs checkpoints: %s\n", err.buf);
	s->leader = r == 1;
	if (s->leader)
		printf("mamori: this server signs the ledger's checkpoints\n");
	else if (!quiet)
		printf("mamori: another server signs the ledger's checkpoints; this one takes over "
		       "if that one stops\n");
	(void)fflush(stdout);
	strbuf_release(&err);
	return s->leader;
}

static void serve_checkpoint(struct web_server *s, const char *dir)
{
	struct strbuf err = STRBUF_INIT, path = STRBUF_INIT;
	struct store *st = NULL;
	struct ledger *lg = NULL;

	if (!ledger_can_sign(dir) || !checkpoint_leader(s, true))
		goto out;
	if (store_open(dir, STORE_ANY_BACKEND, &st, &err) < 0 || ledger_open(st, &lg, &err) < 0 ||
	    ledger_checkpoint_sign(lg, dir, NULL, &err) < 0)
		fprintf(stderr, "mamori: warning: cannot sign a ledger checkpoint: %s\n", err.buf);
out:
	ledger_close(lg);
	store_close(st);
	strbuf_release(&path);
	strbuf_release(&err);
}

/* [totp] roles: each "role" or "role@scope"; checked for shape here, against the profile by
 * mamori doctor (a role the profile lacks is simply never held). */
static int identity_setup(struct web_server *s, const struct conf *c, struct strbuf *err)
{
	const char *roles = conf_get(c, "totp", "roles"), *issuer = conf_get(c, "totp", "issuer");
	const char *ca;
	int r;

	if (roles && conf_split_list(roles, &s->totp_roles, &s->n_totp_roles) < 0) {
		error_set(err, "%s: [totp] roles: cannot read the list", c->name);
		return -EINVAL;
	}
	for (size_t i = 0; i < s->n_totp_roles; i++) {
		const char *v = s->totp_roles[i];
		if (!*v || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-@:") != strlen(v)) {
			error_set(err,
			          "%s: [totp] roles: '%s' is not a role or role@scope "
			          "(ciso@org, security_officer, mamori_admin)",
			          c->name, v);
			return -EINVAL;
		}
	}
	if (issuer && (!*issuer || strlen(issuer) > 64 || strchr(issuer, ':'))) {
		error_set(err, "%s: [totp] issuer: one name of at most 64 bytes, without ':'",
		          c->name);
		return -EINVAL;
	}
	s->totp_issuer = xstrdup(issuer ? issuer : "Mamori");
	/* [ldap]: checked now (a password file others may read, ldap:// without StartTLS stop the
	 * server); the directory itself is asked at each login, so it may be down at start */
	r = dir_conf_load(c, &s->directory, err);
	if (r < 0)
		return r;
	s->has_directory = r > 0;
	/* [iccard]: client certificates need TLS (the server's own certificate) */
	ca = conf_get(c, "iccard", "ca_file");
	if (ca && !s->tls) {
		error_set(err,
		          "%s: [iccard] ca_file: IC card login needs HTTPS: give --tls-cert and "
		          "--tls-key",
		          c->name);
		return -EINVAL;
	}
	if (ca && (r = strbuf_read_file(&s->iccard_trust, ca, 1 << 20)) < 0) {
		error_set(err, "%s: [iccard] ca_file '%s': %s", c->name, ca, strerror(-r));
		return r;
	}
	if (ca && !strstr(s->iccard_trust.buf, "-----BEGIN CERTIFICATE-----")) {
		error_set(err, "%s: [iccard] ca_file '%s' holds no PEM certificate", c->name, ca);
		return -EINVAL;
	}
	return 0;
}

bool web_iccard_enabled(const struct web_req *r)
{
	return r->server && r->server->iccard_trust.len > 0;
}

static void identity_release(struct web_server *s)
{
	for (size_t i = 0; i < s->n_totp_roles; i++)
		free(s->totp_roles[i]);
	free(s->totp_roles);
	free(s->totp_issuer);
	dir_conf_release(&s->directory);
	strbuf_release(&s->iccard_trust);
}

const struct dir_conf *web_directory(const struct web_req *r)
{
	return r->server && r->server->has_directory ? &r->server->directory : NULL;
}

bool web_totp_role_listed(const struct web_req *r, const char *role_at_scope)
{
	const struct web_server *s = r->server;
	size_t rl = strcspn(role_at_scope, "@");

	for (size_t i = 0; i < s->n_totp_roles; i++) {
		const char *v = s->totp_roles[i];
		if (strchr(v, '@') ? !strcmp(v, role_at_scope)
		                   : (strlen(v) == rl && !strncmp(v, role_at_scope, rl)))
			return true;
	}
	return false;
}

const char *web_totp_issuer(const struct web_req *r)
{
	return r->server->totp_issuer ? r->server->totp_issuer : "Mamori";
}

int web_serve(const struct web_config *cfg, struct strbuf *err)
{
	struct web_server s = { .cfg = cfg, .iccard_trust = STRBUF_INIT };
	struct serve_keep *keep = NULL;
	struct strbuf cert = STRBUF_INIT, key = STRBUF_INIT_SECRET;
	struct sockaddr_storage addr = { 0 };
	char host[256];
	unsigned port, threads = cfg->threads;
	/*
	 * poll, not epoll: a worker blocks while its act waits for the door's commit, and the
	 * connections a worker holds wait behind it. With epoll a worker accepts up to ten
	 * connections at once, so 32 API clients landed on 4 workers and the door's batches held
	 * 4 acts; with poll each wake-up accepts one (32 clients: 22-32 workers, 11-15 acts a
	 * batch).
	 */
	unsigned flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	sigset_t set;
	int sig, r;

	r = parse_listen(cfg->listen, &addr, host, sizeof(host), &port, err);
	if (r < 0)
		return r;
	if (mhd_lib_load(err) < 0)
		return -ENOENT;
	if (!!cfg->tls_cert != !!cfg->tls_key) {
		error_set(err, "--tls-cert and --tls-key go together: give both, or neither");
		return -EINVAL;
	}
	if (cfg->tls_cert) {
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
			error_set(err, "this libmicrohttpd has no TLS support");
			return -ENOTSUP;
		}
		if ((r = strbuf_read_file(&cert, cfg->tls_cert, 1 << 20)) < 0) {
			error_set(err, "cannot read --tls-cert '%s': %s", cfg->tls_cert,
			          strerror(-r));
			goto out;
		}
		if ((r = strbuf_read_file(&key, cfg->tls_key, 1 << 20)) < 0) {
			error_set(err, "cannot read --tls-key '%s': %s", cfg->tls_key,
			          strerror(-r));
			goto out;
		}
		flags |= MHD_USE_TLS;
		s.tls = true;
	} else if (!is_loopback(&addr)) {
		fprintf(stderr,
		        "mamori: warning: serving '%s' without TLS: passwords and session "
		        "cookies cross the network in clear; give --tls-cert and --tls-key\n",
		        cfg->listen);
	}
	/*
	 * A worker that runs an act waits for its durable commit, and the door commits the acts
	 * of every waiting worker at once (core/door-batch.c): the more workers wait together,
	 * the fewer commits. So there are many more workers than CPUs; each holds little memory
	 * (its store connection's page cache is kept small: web_thread_resources).
	 */
	if (threads == 0)
		threads = WEB_DEFAULT_THREADS;
	/*
	 * glibc gives threads up to 8 malloc arenas per CPU, each keeping what its threads freed:
	 * with 32 workers that is most of the server's resident memory. Workers mostly wait (for
	 * the door's commit, for the network), so a few arenas are contended little.
	 */
	mallopt(M_ARENA_MAX, 4);
	/*
	 * A fixed threshold: blocks from 256 KiB (a login's Argon2id memory, 19 MiB; large pages
	 * and exports) are mapped and given back when freed. glibc's moving threshold otherwise
	 * rises to the largest block freed, and the next ones stay in the heap: after the first
	 * login the server kept 19 MiB more whenever a login had just run.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	store_memory_limit(WEB_STORE_MEMORY_BYTES);
	s.cache_share = WEB_CACHE_BYTES / threads;
	if (s.cache_share < WEB_CACHE_MIN_BYTES)
		s.cache_share = WEB_CACHE_MIN_BYTES;

	/* Check the data directory once before accepting anyone. */
	{
		struct store *st = NULL;
		r = store_open(cfg->dir, STORE_ANY_BACKEND, &st, err);
		store_close(st);
		if (r < 0)
			goto out;
	}
	/* mamori.conf: a broken file stops the server rather than run without what it says. */
	{
		struct conf c = CONF_INIT;
		r = conf_load(cfg->dir, &c, err);
		if (r == 0)
			r = identity_setup(&s, &c, err);
		conf_release(&c);
		if (r < 0)
			goto out;
	}
	if ((r = web_session_setup(cfg->dir, err)) < 0)
		goto out;
	if ((r = attach_max_bytes(cfg->dir, &s.upload_max, err)) < 0)
		goto out;
	/* PostgreSQL: the checkpoint signer's lock lives on a connection of its own */
	{
		struct store *st = NULL;
		if (store_open(cfg->dir, STORE_ANY_BACKEND, &st, err) < 0)
			goto out;
		if (store_dialect(st) == STORE_POSTGRESQL) {
			s.leader_st = st;
			(void)checkpoint_leader(&s, false);
		} else {
			store_close(st);
		}
	}
	r = door_open(cfg->dir, DOOR_CHECKPOINTER, &s.door, err);
	if (r == -ENOENT) {
		fprintf(stderr,
		        "mamori: warning: %s; pages that change anything answer 503 until "
		        "a profile is applied\n",
		        err->buf);
		strbuf_reset(err);
	} else if (r < 0) {
		goto out;
	}
	{
		struct strbuf kerr = STRBUF_INIT;
		if (serve_keep_open(cfg->dir, &keep, &kerr) < 0)
			fprintf(stderr,
			        "mamori: warning: the write-ahead log will not be kept small: %s\n",
			        kerr.buf);
		strbuf_release(&kerr);
	}

	/* Signals are taken by this thread with sigwait; workers inherit the blocked mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	(void)signal(SIGPIPE, SIG_IGN); /* cannot fail for SIGPIPE */

	pthread_mutex_init(&s.pool_lock, NULL);
	pthread_mutex_init(&s.profile_lock, NULL);
	pthread_mutex_init(&s.conns_lock, NULL);
	s.profile_seq = -1;
	s.readers = reader_cache_new();
	/* Room for other addresses: one address holds at most max_per_address connections. */
	unsigned total = cfg->max_connections ? cfg->max_connections : 1024u;
	unsigned per_address = cfg->max_per_address ? cfg->max_per_address : 32u;
	if (per_address > total)
		per_address = total;
	s.daemon = MHD_start_daemon(
	    flags, (uint16_t)port, NULL, NULL, on_request, &s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
	    NULL, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, total, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_address,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)WEB_MAX_HEADER_BYTES, MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, &s, MHD_OPTION_STRICT_FOR_CLIENT, 0,
	    MHD_OPTION_UNESCAPE_CALLBACK, keep_raw, NULL, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	    s.tls ? MHD_OPTION_HTTPS_PRIORITIES : MHD_OPTION_END, WEB_TLS_PRIORITIES,
	    MHD_OPTION_HTTPS_MEM_CERT, cert.buf, MHD_OPTION_HTTPS_MEM_KEY, key.buf,
	    s.iccard_trust.len ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, s.iccard_trust.buf,
	    MHD_OPTION_END);
	if (!s.daemon) {
		error_set(err,
		          "cannot listen on '%s': the address may be in use or not this "
		          "machine's (see the microhttpd message above)",
		          cfg->listen);
		r = -EADDRINUSE;
		goto out_key;
	}
	{
		const union MHD_DaemonInfo *di =
		    MHD_get_daemon_info(s.daemon, MHD_DAEMON_INFO_BIND_PORT);
		bool v6 = addr.ss_family == AF_INET6;
		hosts_setup(&s.hosts, cfg, host, v6, di ? di->port : port);
		atomic_store(&s.hosts_ready, true); /* workers read hosts only from here on */
		printf("mamori: listening on %s://%s%s%s:%u/\n", s.tls ? "https" : "http",
		       v6 ? "[" : "", host, v6 ? "]" : "", di ? di->port : port);
		(void)fflush(stdout); /* the line tests wait for; a closed stdout is not fatal */
	}
	atomic_store(&s.sweeping, true);
	if (pthread_create(&s.sweeper, NULL, sweeper_main, &s) != 0) {
		atomic_store(&s.sweeping, false);
		fprintf(stderr, "mamori: warning: no header deadline: cannot start its thread\n");
	}

	{
		int64_t next = time_mono_ns() + WEB_CHECKPOINT_MS * 1000000LL;
		int64_t watch = time_mono_ns() + WEB_WATCH_MS * 1000000LL;
		int64_t kept = time_mono_ns() + WEB_KEEP_MS * 1000000LL;
		for (;;) {
			int64_t left = next - time_mono_ns();
			struct timespec ts;
			if (left <= 0) {
				serve_checkpoint(&s, cfg->dir);
				next = time_mono_ns() + WEB_CHECKPOINT_MS * 1000000LL;
				continue;
			}
			if (watch - time_mono_ns() <= 0) {
				serve_watch_agents(s.door);
				serve_run_due_moves(s.door);
				watch = time_mono_ns() + WEB_WATCH_MS * 1000000LL;
			}
			if (kept - time_mono_ns() <= 0) {
				serve_keep_tick(keep);
				kept = time_mono_ns() + WEB_KEEP_MS * 1000000LL;
			}
			if (left > watch - time_mono_ns())
				left = watch - time_mono_ns() > 0 ? watch - time_mono_ns() : 1;
			if (left > kept - time_mono_ns())
				left = kept - time_mono_ns() > 0 ? kept - time_mono_ns() : 1;
			ts.tv_sec = (time_t)(left / 1000000000LL);
			ts.tv_nsec = (long)(left % 1000000000LL);
			sig = sigtimedwait(&set, NULL, &ts);
			if (sig == SIGTERM || sig == SIGINT)
				break;
		}
	}
	fprintf(stderr, "mamori: %s received: finishing requests in flight, then stopping\n",
	        sig == SIGTERM ? "SIGTERM" : "SIGINT");
	atomic_store(&s.stopping, true);
	MHD_quiesce_daemon(s.daemon);
	{
		int64_t deadline =
		    time_mono_ns() +
		    (cfg->shutdown_grace_ms ? cfg->shutdown_grace_ms : 10000) * 1000000LL;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		while (atomic_load(&s.in_flight) > 0 && time_mono_ns() < deadline)
			nanosleep(&ts, NULL);
		if (atomic_load(&s.in_flight) > 0)
			fprintf(stderr,
			        "mamori: %d requests still running after the grace period\n",
			        atomic_load(&s.in_flight));
	}
	if (atomic_exchange(&s.sweeping, false))
		pthread_join(s.sweeper, NULL);
	MHD_stop_daemon(s.daemon);
	serve_checkpoint(&s, cfg->dir);
	if (s.door) {
		struct strbuf cerr = STRBUF_INIT;
		if (door_checkpoint(s.door, &cerr) < 0)
			fprintf(stderr, "mamori: warning: %s\n", cerr.buf);
		strbuf_release(&cerr);
	}
	fprintf(stderr, "mamori: stopped\n");
	r = 0;
out_key:
	for (size_t i = 0; i < s.n_pool; i++)
		thread_release(s.pool[i]);
	free(s.pool);
	pthread_mutex_destroy(&s.pool_lock);
	serve_keep_free(keep);
	door_free(s.door);
	reader_cache_free(s.readers);
	pthread_mutex_destroy(&s.profile_lock);
	pthread_mutex_destroy(&s.conns_lock);
	hosts_release(&s.hosts);
	if (s.profile)
		profile_free(s.profile);
	for (size_t i = 0; i < s.n_old; i++)
		profile_free(s.old_profiles[i]);
	free(s.old_profiles);
out:
	store_close(s.leader_st); /* a leader gives up the lock with it */
	identity_release(&s);
	strbuf_release_secret(&key);
	strbuf_release(&cert);
	return r;
}
