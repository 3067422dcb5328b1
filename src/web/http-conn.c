/* http-conn: connections before a handler runs: framing, Host, limits, the header deadline. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "web/http-internal.h"
#include "web/mhd-lib.h"

struct hdr_walk {
	struct web_hdr items[WEB_MAX_HEADERS];
	size_t nr;
	bool too_many;
};

static enum MHD_Result collect_hdr(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
	struct hdr_walk *w = cls;

	if (w->nr >= WEB_MAX_HEADERS) {
		w->too_many = true;
		return MHD_NO;
	}
	w->items[w->nr++] = (struct web_hdr){ key, value ? value : "", key_size, value_size };
	return MHD_YES;
}

/*
 * The header block, before anything else: framing a proxy could read otherwise is 400
 * (web_framing_check), a Host this server is not is 421 (--allowed-host).
 */
int check_framing(struct web_req *r, const char *version)
{
	struct hdr_walk w = { .nr = 0 };
	struct strbuf why = STRBUF_INIT;
	const char *host = NULL;
	size_t host_len = 0;
	int ret = 0;

	MHD_get_connection_values_n(r->conn, MHD_HEADER_KIND, collect_hdr, &w);
	if (w.too_many) {
		web_error(r, 431, "too many header fields");
		ret = -E2BIG;
	} else if (web_framing_check(w.items, w.nr, &host, &host_len, &why) < 0 ||
	           web_framing_layout(version, w.items, w.nr, &why) < 0) {
		web_error(r, 400, why.buf);
		ret = -EINVAL;
	} else if (!atomic_load(&r->server->hosts_ready)) {
		/* Before the port is known (a request racing the "listening" line). */
		web_error(r, 503, "the server is starting");
		ret = -EAGAIN;
	} else if (!web_host_allowed(&r->server->hosts, host, host_len)) {
		strbuf_addf(&why, "Host '%.*s' is not an --allowed-host",
		            (int)(host_len > 200 ? 200 : host_len), host);
		web_error(r, 421, why.buf);
		ret = -EPERM;
	}
	strbuf_release(&why);
	return ret;
}

static struct conn_track *conn_track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

void conn_mark(struct web_server *s, struct MHD_Connection *conn, bool in_request)
{
	struct conn_track *t = conn_track_of(conn);

	if (!t)
		return;
	pthread_mutex_lock(&s->conns_lock);
	t->in_request = in_request;
	t->since_ns = time_mono_ns();
	pthread_mutex_unlock(&s->conns_lock);
}

void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                   enum MHD_ConnectionNotificationCode code)
{
	struct web_server *s = cls;
	struct conn_track *t = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		t = xcalloc(1, sizeof(*t));
		t->fd = ci ? ci->connect_fd : -1;
		t->since_ns = time_mono_ns();
		web_accept_started(s->accept, t->fd);
		pthread_mutex_lock(&s->conns_lock);
		t->next = s->conns;
		if (s->conns)
			s->conns->prev = t;
		s->conns = t;
		pthread_mutex_unlock(&s->conns_lock);
		*socket_context = t;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && t) {
		/* microhttpd calls this before it closes the socket: after it, the sweeper
		 * never touches this descriptor number again. */
		pthread_mutex_lock(&s->conns_lock);
		if (t->prev)
			t->prev->next = t->next;
		else
			s->conns = t->next;
		if (t->next)
			t->next->prev = t->prev;
		pthread_mutex_unlock(&s->conns_lock);
		const union MHD_ConnectionInfo *ai =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		web_accept_closed(s->accept, t->fd, ai ? ai->client_addr : NULL);
		free(t);
		*socket_context = NULL;
	}
}

/* Shuts down connections whose request head is later than the deadline; microhttpd then
 * sees the end of the stream and closes them as usual. */
void *sweeper_main(void *p)
{
	struct web_server *s = p;
	int64_t limit = s->cfg->header_timeout_ms * 1000000LL;
	struct timespec ts = { 0, 200 * 1000 * 1000 };

	while (atomic_load(&s->sweeping)) {
		int64_t now = time_mono_ns();
		pthread_mutex_lock(&s->conns_lock);
		for (struct conn_track *t = s->conns; t; t = t->next) {
			if (!t->in_request && !t->swept && t->fd >= 0 &&
			    now - t->since_ns > limit) {
				shutdown(t->fd, SHUT_RDWR);
				t->swept = true; /* fd stays: its end is counted off by it */
			}
		}
		pthread_mutex_unlock(&s->conns_lock);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* Stands in for the request object when the query had too many parameters (on_uri). */
char too_many_params;

/*
 * Called with the raw URI before libmicrohttpd splits the query into its connection memory:
 * thousands of parameters would exhaust it, and 0.9.75 then drops the connection without an
 * answer. Such a query is cut at '?' here (the buffer is microhttpd's own, parsed in place)
 * and answered 414 at once. (0.9.75 has already noted where the query starts when it calls
 * this, and cuts at '?' itself afterwards: what follows is emptied here.)
 */
void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	const char *q = strchr(uri, '?');
	size_t n = 0;

	for (const char *p = q; p && *p; p++)
		n += *p == '&' || *p == ';';
	if (q && n >= WEB_MAX_PARAMS) {
		/* microhttpd found the '?' before this call and parses what follows it. */
		char *cut = (char *)(uintptr_t)q;
		cut[1] = '\0';
		return &too_many_params;
	}
	return NULL;
}

/* "127.0.0.1:8080", "[::1]:8080", "localhost:8080" → a socket address. */
int parse_listen(const char *listen, struct sockaddr_storage *ret, char *host, size_t host_size,
                 unsigned *ret_port, struct strbuf *err)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
		                  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	const char *colon, *h = listen;
	size_t hlen;
	char port[8];
	int rc;

	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (!close || close[1] != ':') {
			error_set(err, "cannot read --listen '%s': write [ADDRESS]:PORT for IPv6",
			          listen);
			return -EINVAL;
		}
		h = listen + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon) {
			error_set(err,
			          "cannot read --listen '%s': write ADDRESS:PORT, such as "
			          "127.0.0.1:8080",
			          listen);
			return -EINVAL;
		}
		hlen = (size_t)(colon - listen);
	}
	char *end;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || p > 65535 || hlen == 0 || hlen >= host_size) {
		error_set(err,
		          "cannot read --listen '%s': the port must be 0..65535 and the address "
		          "non-empty",
		          listen);
		return -EINVAL;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, sizeof(port), "%lu", p);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || !res) {
		error_set(err, "cannot use --listen address '%s': %s", host, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(ret, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	*ret_port = (unsigned)p;
	return 0;
}

bool is_loopback(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >>
		        24) == 127;
	if (sa->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
	return false;
}

/* The names a client may use: --allowed-host, or the listen address and localhost. */
void hosts_setup(struct web_hosts *h, const struct web_config *cfg, const char *host, bool v6,
                 unsigned port)
{
	h->port = port;
	if (cfg->n_allowed_hosts) {
		for (size_t i = 0; i < cfg->n_allowed_hosts; i++) {
			const char *n = cfg->allowed_hosts[i];
			struct strbuf sb = STRBUF_INIT;
			/* An IPv6 literal is written in brackets in Host (RFC 9110 7.2). */
			if (strchr(n, ':') && n[0] != '[')
				strbuf_addf(&sb, "[%s]", n);
			else
				strbuf_addstr(&sb, n);
			ALLOC_GROW(h->names, h->nr, h->alloc);
			h->names[h->nr++] = strbuf_detach(&sb, NULL);
		}
		return;
	}
	ALLOC_GROW(h->names, h->nr, h->alloc);
	h->names[h->nr++] = xstrdup("localhost");
	ALLOC_GROW(h->names, h->nr, h->alloc);
	if (v6) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "[%s]", host);
		h->names[h->nr++] = strbuf_detach(&sb, NULL);
	} else {
		h->names[h->nr++] = xstrdup(host);
	}
}

void hosts_release(struct web_hosts *h)
{
	for (size_t i = 0; i < h->nr; i++)
		free(h->names[i]);
	free(h->names);
	memset(h, 0, sizeof(*h));
}
