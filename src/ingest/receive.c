/* receive: the syslog receivers of `mamori serve`: UDP (RFC 5426), TCP (RFC 6587), TLS (RFC 5425).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/listen.h"
#include "base/timeutil.h"
#include "ingest/ingest.h"
#include "ingest/receive-internal.h"
#include "ingest/receive.h"

/* UDP_RCVBUF: datagrams wait there while the ledger or the scheduler holds the receiver up
 * (docs/logs.md); 8 MiB (about 13,000 datagrams) lost a third of a 100k/s stream at load 15. */
#define UDP_BATCH  64 /* datagrams per recvmmsg */
#define UDP_RCVBUF (64 << 20)

/* ---- sockets ------------------------------------------------------------------------ */

void receive_addr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];
	int n;

	if (getnameinfo(sa, len, host, sizeof(host), port, sizeof(port),
	                NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, size, "?");
		return;
	}
	/* Numeric hosts are short (at most 45 bytes for IPv6); a truncation is harmless. */
	if (sa->sa_family == AF_INET6)
		n = snprintf(buf, size, "[%.64s]:%.8s", host, port);
	else
		n = snprintf(buf, size, "%.64s:%.8s", host, port);
	(void)n;
}

static int bind_socket(const char *spec, const char *what, int type, int *ret_fd, char *addr,
                       size_t addr_size, struct strbuf *err)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = type };
	struct addrinfo *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const char *colon, *h = spec;
	char host[256], port[8];
	size_t hlen;
	unsigned long p;
	char *end;
	int fd, one = 1, rc;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':')
			goto bad;
		h = spec + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			goto bad;
		hlen = (size_t)(colon - spec);
	}
	p = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || p > 65535 || hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, sizeof(port), "%lu", p);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || !res) {
		error_set(err, "cannot use --syslog-%s '%s': %s", what, spec, gai_strerror(rc));
		return -EINVAL;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(res);
		error_set(err, "cannot open a socket for --syslog-%s: %m", what);
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) < 0)) {
		int e = errno;
		char option[32];
		snprintf(option, sizeof(option), "--syslog-%s", what);
		close(fd);
		e = listen_error(err, option, spec, res->ai_addr, e);
		freeaddrinfo(res);
		return e;
	}
	freeaddrinfo(res);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		receive_addr_text((struct sockaddr *)&ss, sl, addr, addr_size);
	*ret_fd = fd;
	return 0;
bad:
	error_set(err, "cannot read --syslog-%s '%s': write ADDRESS:PORT (or [ADDRESS]:PORT)", what,
	          spec);
	return -EINVAL;
}

/* ---- UDP (RFC 5426): one message per datagram ----------------------------------------- */

/* Drops are never silent: said on stderr (at most once a minute) and counted in the stats. */
static void warn_drops(int64_t *warned_ms, uint32_t total)
{
	int64_t now = time_now_ms();

	if (now - *warned_ms < 60000)
		return;
	*warned_ms = now;
	fprintf(
	    stderr,
	    "mamori: warning: %u syslog datagrams over UDP have been dropped by the kernel "
	    "before Mamori could read them (the senders are faster than the ledger); TCP or TLS "
	    "slow senders down instead of losing messages\n",
	    total);
}

static void *udp_main(void *arg)
{
	struct receiver *rx = arg;
	size_t cap = rx->max + 1;
	char *bufs = xmalloc(UDP_BATCH * cap);
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	char ctl[UDP_BATCH][CMSG_SPACE(sizeof(uint32_t))];
	struct ingest_msg im[UDP_BATCH];
	struct strbuf err = STRBUF_INIT;
	uint32_t drops_seen = 0;
	uint64_t seq = 0;
	int64_t warned_ms = 0;

	pthread_setname_np(pthread_self(), "mamori-rx-udp");

	while (!atomic_load(&rx->stopping)) {
		int n;

		for (int i = 0; i < UDP_BATCH; i++) {
			iov[i].iov_base = bufs + (size_t)i * cap;
			iov[i].iov_len = cap;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
			msgs[i].msg_hdr.msg_control = ctl[i];
			msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
		}
		n = recvmmsg(rx->udp_fd, msgs, UDP_BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0)
			continue; /* the receive timeout: look at stopping again */
		for (int i = 0; i < n;) {
			struct ingest_source src = { .origin = { .via = "udp" } };
			char peer[96], name[112];
			int j = i, k = 0;

			receive_addr_text((struct sockaddr *)&from[i], msgs[i].msg_hdr.msg_namelen,
			                  peer, sizeof(peer));
			ingest_source_name(name, sizeof(name), "udp", peer);
			src.origin.peer = peer;
			src.name = name;
			/* A run of datagrams from the same sender is one submission. */
			while (j < n &&
			       msgs[j].msg_hdr.msg_namelen == msgs[i].msg_hdr.msg_namelen &&
			       !memcmp(&from[j], &from[i], msgs[i].msg_hdr.msg_namelen)) {
				char *p = iov[j].iov_base;
				size_t len = msgs[j].msg_len;
				unsigned flags = 0;
				struct cmsghdr *c;

				for (c = CMSG_FIRSTHDR(&msgs[j].msg_hdr); c;
				     c = CMSG_NXTHDR(&msgs[j].msg_hdr, c)) {
					if (c->cmsg_level == SOL_SOCKET &&
					    c->cmsg_type == SO_RXQ_OVFL) {
						uint32_t d;
						memcpy(&d, CMSG_DATA(c), sizeof(d));
						if (d > drops_seen) {
							ingest_count_udp_drops(rx->g,
							                       d - drops_seen);
							drops_seen = d;
							warn_drops(&warned_ms, d);
						}
					}
				}
				if (len > rx->max) {
					len = rx->max;
					flags |= LOG_CUT;
				}
				/* Senders that end a datagram with LF or NUL: not part of the
				 * message. */
				while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\0' ||
				                   p[len - 1] == '\r'))
					len--;
				if (len > 0) {
					im[k].data = p;
					im[k].len = len;
					im[k].flags = flags;
					im[k].seq = ++seq;
					k++;
				}
				j++;
			}
			if (k > 0 && ingest_submit(rx->g, &src, im, (size_t)k, &err) < 0) {
				fprintf(stderr, "mamori: syslog over UDP stops: %s\n", err.buf);
				atomic_store(&rx->stopping, true);
				break;
			}
			i = j;
		}
	}
	/* Datagrams are personal data: do not leave them in freed memory. */
	explicit_bzero(bufs, UDP_BATCH * cap);
	free(bufs);
	strbuf_release(&err);
	return NULL;
}

/* ---- starting and stopping --------------------------------------------------------------- */

static int tls_setup(struct receiver *rx, struct strbuf *err)
{
	const struct receiver_config *c = &rx->cfg;

	if (!c->tls_cert || !c->tls_key) {
		error_set(err, "--syslog-tls needs --tls-cert and --tls-key");
		return -EINVAL;
	}
	rx->ctx = SSL_CTX_new(TLS_server_method());
	if (!rx->ctx) {
		error_set(err, "cannot set up TLS");
		return -ENOMEM;
	}
	/* TLS 1.2 and later with forward secrecy and AEAD ciphers, as the web server. */
	SSL_CTX_set_min_proto_version(rx->ctx, TLS1_2_VERSION);
	SSL_CTX_set_cipher_list(rx->ctx, "ECDHE+AESGCM:ECDHE+CHACHA20");
	SSL_CTX_set_options(rx->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* a sender's records (one a message) read 64 KiB at a time, not header and body apart */
	SSL_CTX_set_read_ahead(rx->ctx, 1);
	SSL_CTX_set_default_read_buffer_len(rx->ctx, 64 * 1024);
	/*
	 * No TLS 1.3 session tickets. OpenSSL sends two after the handshake; a sender that never
	 * reads (loggen, many devices) then closes its socket with them unread, which its kernel
	 * answers with a reset, not a FIN, and a reset discards what still waited in our socket
	 * buffer: the tail of its stream (3.5-5% of a 250k loggen burst). A syslog sender holds
	 * its connection open: nothing needs resuming.
	 */
	SSL_CTX_set_num_tickets(rx->ctx, 0);
	if (SSL_CTX_use_certificate_chain_file(rx->ctx, c->tls_cert) != 1) {
		error_set(err, "cannot read --tls-cert '%s' (a PEM certificate chain)",
		          c->tls_cert);
		return -EINVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(rx->ctx, c->tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(rx->ctx) != 1) {
		error_set(err, "cannot read --tls-key '%s', or it is not the certificate's key",
		          c->tls_key);
		return -EINVAL;
	}
	if (c->tls_client_ca) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(c->tls_client_ca);
		if (!names || SSL_CTX_load_verify_locations(rx->ctx, c->tls_client_ca, NULL) != 1) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			error_set(err, "cannot read --tls-client-ca '%s' (PEM CA certificates)",
			          c->tls_client_ca);
			return -EINVAL;
		}
		SSL_CTX_set_client_CA_list(rx->ctx, names);
		SSL_CTX_set_verify(rx->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
		                   NULL);
	}
	ERR_clear_error();
	return 0;
}

static void add_fd(struct worker *wk, int *fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = fd };

	epoll_ctl(wk->ep, EPOLL_CTL_ADD, *fd, &ev);
}

/* As many workers as processors, from 2 to STREAM_WORKERS. */
static unsigned workers_wanted(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 2 ? 2 : n > STREAM_WORKERS ? STREAM_WORKERS : (unsigned)n;
}

int receiver_start(const struct receiver_config *cfg, struct ingest *g, struct receiver **ret,
                   struct strbuf *err)
{
	struct receiver *rx = xcalloc(1, sizeof(*rx));
	int r = 0;

	rx->cfg = *cfg;
	rx->g = g;
	rx->max = cfg->max_message ? cfg->max_message : FRAME_DEFAULT_MAX;
	rx->udp_fd = rx->tcp_fd = rx->tls_fd = rx->stop_fd = -1;
	for (unsigned i = 0; i < STREAM_WORKERS; i++) {
		rx->workers[i].rx = rx;
		rx->workers[i].ep = -1;
		pthread_mutex_init(&rx->workers[i].mu, NULL);
	}
	if (cfg->tls_client_ca && !cfg->tls) {
		error_set(err, "--tls-client-ca is for --syslog-tls: give that too");
		r = -EINVAL;
		goto fail;
	}
	if (cfg->tls && (r = tls_setup(rx, err)) < 0)
		goto fail;
	if (cfg->udp) {
		struct timeval tv = { 0, 250000 };
		int one = 1, size = UDP_RCVBUF;
		r = bind_socket(cfg->udp, "udp", SOCK_DGRAM, &rx->udp_fd, rx->udp_addr,
		                sizeof(rx->udp_addr), err);
		if (r < 0)
			goto fail;
		if (setsockopt(rx->udp_fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
			setsockopt(rx->udp_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		setsockopt(rx->udp_fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
		setsockopt(rx->udp_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	if (cfg->tcp || cfg->tls) {
		rx->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		rx->n_workers = workers_wanted();
		for (unsigned i = 0; i < rx->n_workers && rx->stop_fd >= 0; i++) {
			rx->workers[i].ep = epoll_create1(EPOLL_CLOEXEC);
			if (rx->workers[i].ep < 0)
				break;
			/* (never read: it wakes every worker once written) */
			add_fd(&rx->workers[i], &rx->stop_fd);
		}
		if (rx->stop_fd < 0 || rx->workers[rx->n_workers - 1].ep < 0) {
			error_set(err, "cannot set up the syslog receivers: %m");
			r = -errno;
			goto fail;
		}
	}
	if (cfg->tcp) {
		r = bind_socket(cfg->tcp, "tcp", SOCK_STREAM, &rx->tcp_fd, rx->tcp_addr,
		                sizeof(rx->tcp_addr), err);
		if (r < 0)
			goto fail;
		fcntl(rx->tcp_fd, F_SETFL, O_NONBLOCK);
		add_fd(&rx->workers[0], &rx->tcp_fd);
	}
	if (cfg->tls) {
		r = bind_socket(cfg->tls, "tls", SOCK_STREAM, &rx->tls_fd, rx->tls_addr,
		                sizeof(rx->tls_addr), err);
		if (r < 0)
			goto fail;
		fcntl(rx->tls_fd, F_SETFL, O_NONBLOCK);
		add_fd(&rx->workers[0], &rx->tls_fd);
	}
	if (rx->udp_fd >= 0) {
		if (pthread_create(&rx->udp_thread, NULL, udp_main, rx) != 0) {
			error_set(err, "cannot start the UDP receiver");
			r = -EAGAIN;
			goto fail;
		}
		rx->udp_started = true;
	}
	for (unsigned i = 0; i < rx->n_workers; i++) {
		if (pthread_create(&rx->workers[i].thread, NULL, receive_stream_main,
		                   &rx->workers[i]) != 0) {
			error_set(err, "cannot start the TCP receiver");
			r = -EAGAIN;
			goto fail;
		}
		rx->workers[i].started = true;
	}
	*ret = rx;
	return 0;
fail:
	receiver_stop(rx);
	return r;
}

const char *receiver_address(struct receiver *rx, const char *kind)
{
	if (!strcmp(kind, "udp"))
		return rx->udp_fd >= 0 ? rx->udp_addr : NULL;
	if (!strcmp(kind, "tcp"))
		return rx->tcp_fd >= 0 ? rx->tcp_addr : NULL;
	if (!strcmp(kind, "tls"))
		return rx->tls_fd >= 0 ? rx->tls_addr : NULL;
	return NULL;
}

void receiver_stop(struct receiver *rx)
{
	uint64_t one = 1;

	if (!rx)
		return;
	atomic_store(&rx->stopping, true);
	if (rx->stop_fd >= 0 && write(rx->stop_fd, &one, sizeof(one)) < 0)
		(void)0;
	if (rx->udp_started)
		pthread_join(rx->udp_thread, NULL);
	for (unsigned i = 0; i < STREAM_WORKERS; i++)
		if (rx->workers[i].started)
			pthread_join(rx->workers[i].thread, NULL);
	for (unsigned i = 0; i < STREAM_WORKERS; i++)
		receive_close_all(&rx->workers[i]);
	if (rx->udp_fd >= 0)
		close(rx->udp_fd);
	if (rx->tcp_fd >= 0)
		close(rx->tcp_fd);
	if (rx->tls_fd >= 0)
		close(rx->tls_fd);
	if (rx->stop_fd >= 0)
		close(rx->stop_fd);
	for (unsigned i = 0; i < STREAM_WORKERS; i++) {
		if (rx->workers[i].ep >= 0)
			close(rx->workers[i].ep);
		pthread_mutex_destroy(&rx->workers[i].mu);
	}
	SSL_CTX_free(rx->ctx);
	free(rx);
}
