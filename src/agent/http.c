/* http: a POST over TLS (OpenSSL) whose server certificate must have the pinned SHA-256. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/http.h"
#include "base/cleanup.h"
#include "base/parse.h"
#include "config.h"

static bool is_loopback(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (!strcmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static int parse_pin(struct agent_http *h, const char *pin, struct strbuf *err)
{
	size_t n = 0;

	for (const char *p = pin; *p; p++) {
		if (*p == ':')
			continue;
		int hi = parse_hex_digit(p[0]), lo = p[1] ? parse_hex_digit(p[1]) : -1;
		if (hi < 0 || lo < 0 || n == 32)
			goto bad;
		h->pin[n++] = (uint8_t)(hi * 16 + lo);
		p++;
	}
	if (n != 32)
		goto bad;
	h->has_pin = true;
	return 0;
bad:
	error_set(err,
	          "--pin '%s' is not a SHA-256 (64 hex digits, colons allowed): see "
	          "'openssl x509 -in CERT -noout -fingerprint -sha256'",
	          pin);
	return -EINVAL;
}

int agent_http_init(struct agent_http *h, const char *url, const char *pin, struct strbuf *err)
{
	const char *p, *host, *end;

	memset(h, 0, sizeof(*h));
	h->timeout_ms = 10000;
	if (!strncmp(url, "https://", 8)) {
		h->tls = true;
		p = url + 8;
	} else if (!strncmp(url, "http://", 7)) {
		p = url + 7;
	} else {
		error_set(err, "--server '%s' must start with https://", url);
		return -EINVAL;
	}
	if (*p == '[') { /* [v6]:port */
		end = strchr(p, ']');
		if (!end)
			goto bad;
		host = p + 1;
		snprintf(h->host, sizeof(h->host), "%.*s", (int)(end - host), host);
		p = end + 1;
	} else {
		end = p + strcspn(p, ":/");
		if (end == p || (size_t)(end - p) >= sizeof(h->host))
			goto bad;
		snprintf(h->host, sizeof(h->host), "%.*s", (int)(end - p), p);
		p = end;
	}
	snprintf(h->port, sizeof(h->port), "%s", h->tls ? "443" : "80");
	if (*p == ':') {
		size_t n = strspn(p + 1, "0123456789");
		if (n == 0 || n > 5)
			goto bad;
		snprintf(h->port, sizeof(h->port), "%.*s", (int)n, p + 1);
		p += 1 + n;
	}
	if (*p && *p != '/')
		goto bad;
	if (strlen(p) >= sizeof(h->prefix) || strpbrk(p, " \r\n?#"))
		goto bad;
	snprintf(h->prefix, sizeof(h->prefix), "%s", p);
	if (h->prefix[0] && h->prefix[strlen(h->prefix) - 1] == '/')
		h->prefix[strlen(h->prefix) - 1] = '\0';
	if (!h->tls && !is_loopback(h->host)) {
		error_set(err,
		          "--server '%s': plain http only to this machine (127.0.0.1); use "
		          "https:// with --pin",
		          url);
		return -EINVAL;
	}
	if (h->tls && !pin) {
		error_set(err, "an https server needs --pin: the SHA-256 of its certificate");
		return -EINVAL;
	}
	return pin ? parse_pin(h, pin, err) : 0;
bad:
	error_set(err, "--server '%s' is not a URL like https://mamori.example.lg.jp:8443", url);
	return -EINVAL;
}

int agent_http_token_file(struct agent_http *h, const char *path, struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT_SECRET;
	struct stat st;
	int r;

	if (stat(path, &st) < 0) {
		r = -errno;
		error_set(err, "token file '%s': %s", path, strerror(-r));
		return r;
	}
	if (st.st_mode & 077) {
		error_set(err, "token file '%s' must be readable by its owner only (chmod 600)",
		          path);
		return -EACCES;
	}
	r = strbuf_read_file(&sb, path, 1024);
	if (r < 0) {
		error_set(err, "cannot read token file '%s': %s", path, strerror(-r));
		strbuf_release_secret(&sb);
		return r;
	}
	size_t n = strcspn(sb.buf, "\r\n");
	while (n && (sb.buf[n - 1] == ' ' || sb.buf[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(h->token) ||
	    strspn(sb.buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
	                   "klmnopqrstuvwxyz0123456789-_") < n) {
		error_set(err, "token file '%s' does not hold an API token", path);
		strbuf_release_secret(&sb);
		return -EINVAL;
	}
	memcpy(h->token, sb.buf, n);
	h->token[n] = '\0';
	strbuf_release_secret(&sb);
	return 0;
}

void agent_http_wipe(struct agent_http *h)
{
	explicit_bzero(h->token, sizeof(h->token));
}

/* ---- the connection ---- */

static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r == 0 ? -ETIMEDOUT : 0;
}

static int connect_to(const struct agent_http *h, int *ret_fd, struct strbuf *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int r = getaddrinfo(h->host, h->port, &hints, &res), last = -EHOSTUNREACH;

	if (r != 0) {
		error_set(err, "cannot resolve '%s': %s", h->host, gai_strerror(r));
		return -EHOSTUNREACH;
	}
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
			last = -errno;
			close(fd);
			continue;
		}
		r = wait_fd(fd, POLLOUT, h->timeout_ms);
		int so = 0;
		socklen_t sl = sizeof(so);
		if (r == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) == 0 && so == 0) {
			/* back to blocking, with timeouts */
			struct timeval tv = { .tv_sec = h->timeout_ms / 1000,
				              .tv_usec = (h->timeout_ms % 1000) * 1000 };
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			freeaddrinfo(res);
			*ret_fd = fd;
			return 0;
		}
		last = r < 0 ? r : -so;
		close(fd);
	}
	freeaddrinfo(res);
	error_set(err, "cannot connect to %s port %s: %s", h->host, h->port, strerror(-last));
	return last;
}

struct conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	volatile sig_atomic_t *stop; /* the agent_http's */
};

/*
 * Whether a read or write that gave r (and errno e, taken right after it) is made again: it
 * was interrupted (EINTR, by a signal with a handler, or the kernel's task work) and the agent
 * is not stopping. A timeout (SO_RCVTIMEO, SO_SNDTIMEO: EAGAIN) is not: it ends the request.
 */
static bool again(const struct conn *c, int r, int e)
{
	if (e != EINTR || (c->stop && *c->stop))
		return false;
	if (!c->ssl)
		return r < 0;
	int why = SSL_get_error(c->ssl, r); /* the socket BIO takes EINTR for a retry */
	return why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE;
}

static void conn_close(struct conn *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
}

/* TLS with the pinned certificate: the server's certificate's SHA-256, nothing else trusted. */
static int tls_start(const struct agent_http *h, struct conn *c, struct strbuf *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	X509 *cert;

	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx || !SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION))
		goto tls_fail;
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL); /* the pin below decides */
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl)
		goto tls_fail;
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, h->host, &a4) != 1 && inet_pton(AF_INET6, h->host, &a6) != 1)
		SSL_set_tlsext_host_name(c->ssl, h->host);
	SSL_set_fd(c->ssl, c->fd);
	for (;;) {
		errno = 0;
		int r = SSL_connect(c->ssl), e = errno;
		if (r == 1)
			break;
		if (!again(c, r, e))
			goto tls_fail;
		ERR_clear_error();
	}
	cert = SSL_get1_peer_certificate(c->ssl);
	if (!cert || !X509_digest(cert, EVP_sha256(), md, &n) || n != 32 ||
	    memcmp(md, h->pin, 32)) {
		struct strbuf got = STRBUF_INIT;
		if (cert && n == 32)
			strbuf_addhex(&got, md, 32);
		error_set(
		    err,
		    "the server's certificate is not the pinned one (SHA-256 %s): nothing was "
		    "sent",
		    got.len ? got.buf : "unknown");
		strbuf_release(&got);
		X509_free(cert);
		return -EPERM;
	}
	X509_free(cert);
	return 0;
tls_fail:
	error_set(err, "TLS with %s port %s failed: %s", h->host, h->port,
	          ERR_reason_error_string(ERR_get_error())
	              ? ERR_reason_error_string(ERR_get_error())
	              : "handshake");
	ERR_clear_error();
	return -ECONNABORTED;
}

static int send_all(struct conn *c, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		errno = 0;
		int n = c->ssl ? SSL_write(c->ssl, p, len > 65536 ? 65536 : (int)len)
		               : (int)write(c->fd, p, len > 65536 ? 65536 : len),
		    e = errno;
		if (n <= 0) {
			if (again(c, n, e)) {
				ERR_clear_error();
				continue;
			}
			return -EPIPE;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int recv_all(struct conn *c, struct strbuf *out)
{
	char buf[16384];

	for (;;) {
		errno = 0;
		int n = c->ssl ? SSL_read(c->ssl, buf, sizeof(buf))
		               : (int)read(c->fd, buf, sizeof(buf)),
		    e = errno;
		if (n <= 0 && again(c, n, e)) {
			ERR_clear_error();
			continue;
		}
		if (n <= 0)
			return out->len ? 0 : -ECONNRESET;
		if (out->len + (size_t)n > AGENT_HTTP_MAX_RESPONSE + 65536)
			return -EFBIG;
		strbuf_add(out, buf, (size_t)n);
	}
}

/* Decodes a chunked body in place. */
static int unchunk(struct strbuf *body)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = body->buf, *end = body->buf + body->len;

	for (;;) {
		char *e;
		unsigned long n = strtoul(p, &e, 16);
		const char *nl = strstr(p, "\r\n");
		if (e == p || !nl || (size_t)(end - nl - 2) < n) {
			strbuf_release(&out);
			return -EPROTO;
		}
		if (n == 0)
			break;
		strbuf_add(&out, nl + 2, n);
		p = nl + 2 + n;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
			strbuf_release(&out);
			return -EPROTO;
		}
		p += 2;
	}
	strbuf_release(body);
	*body = out;
	return 0;
}

static int parse_response(struct strbuf *raw, int *ret_status, struct strbuf *ret_body)
{
	const char *hdr_end = strstr(raw->buf, "\r\n\r\n");
	const char *s = raw->buf;
	int status;

	/* "HTTP/1.0 200 ..." or "HTTP/1.1 200 ...": three digits, 100 to 999. */
	if (!hdr_end || strncmp(s, "HTTP/1.", 7) || (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
	    !isdigit((unsigned char)s[9]) || !isdigit((unsigned char)s[10]) ||
	    !isdigit((unsigned char)s[11]) || isdigit((unsigned char)s[12]))
		return -EPROTO;
	status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (status < 100)
		return -EPROTO;
	size_t hlen = (size_t)(hdr_end - raw->buf) + 4;
	struct strbuf body = STRBUF_INIT;
	strbuf_add(&body, raw->buf + hlen, raw->len - hlen);
	bool chunked = false;
	for (const char *l = strstr(raw->buf, "\r\n"); l && l < hdr_end; l = strstr(l + 2, "\r\n"))
		if (!strncasecmp(l + 2, "Transfer-Encoding:", 18) && strstr(l + 2, "chunked") &&
		    strstr(l + 2, "chunked") < hdr_end)
			chunked = true;
	if (chunked && unchunk(&body) < 0) {
		strbuf_release(&body);
		return -EPROTO;
	}
	if (body.len > AGENT_HTTP_MAX_RESPONSE) {
		strbuf_release(&body);
		return -EFBIG;
	}
	*ret_status = status;
	strbuf_add(ret_body, body.buf, body.len);
	strbuf_release(&body);
	return 0;
}

int agent_http_post(const struct agent_http *h, const char *path, const char *content_type,
                    const char *idempotency_key, const void *body, size_t len, int *ret_status,
                    struct strbuf *ret_body, struct strbuf *err)
{
	struct conn c = { .fd = -1, .stop = h->stop };
	struct strbuf req = STRBUF_INIT_SECRET, raw = STRBUF_INIT;
	int r = connect_to(h, &c.fd, err);

	if (r == 0 && h->tls)
		r = tls_start(h, &c, err);
	if (r < 0)
		goto out;
	strbuf_addf(&req,
	            "POST %s%s HTTP/1.1\r\nHost: %s%s%s%s%s\r\nUser-Agent: mamori-agent/%s\r\n"
	            "Authorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	            "Connection: close\r\n\r\n",
	            h->prefix, path, strchr(h->host, ':') ? "[" : "", h->host,
	            strchr(h->host, ':') ? "]" : "", ":", h->port, MAMORI_VERSION, h->token,
	            content_type, len);
	if (idempotency_key) { /* before the blank line that ends the headers */
		strbuf_setlen(&req, req.len - 2);
		strbuf_addf(&req, "Idempotency-Key: %s\r\n\r\n", idempotency_key);
	}
	r = send_all(&c, req.buf, req.len);
	if (r == 0)
		r = send_all(&c, body, len);
	if (r == 0)
		r = recv_all(&c, &raw);
	if (r < 0) {
		error_set(err, "talking to %s port %s: %s", h->host, h->port, strerror(-r));
		goto out;
	}
	r = parse_response(&raw, ret_status, ret_body);
	if (r < 0)
		error_set(err, "the answer from %s port %s is not HTTP", h->host, h->port);
out:
	strbuf_release_secret(&req);
	strbuf_release(&raw);
	conn_close(&c);
	return r;
}
