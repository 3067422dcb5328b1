/* receive-stream: the TCP (RFC 6587) and TLS (RFC 5425) receivers' connections, framed and
 * handed to ingest by the worker threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
#include "base/timeutil.h"
#include "ingest/framing.h"
#include "ingest/ingest.h"
#include "ingest/receive-internal.h"
#include "ingest/receive.h"

/* ---- TCP and TLS: framed streams ------------------------------------------------------ */

unsigned receive_reads_per_event = READS_PER_EVENT;
unsigned receive_lowat_ms = LOWAT_MS;

/* With c->w->mu held: takes c off its worker's list. */
static void conn_unlink_locked(struct conn *c)
{
	struct worker *w = c->w;

	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->n_conns--;
}

/* Takes a busy connection off its worker's lw list (the worker's thread alone uses it). */
static void lw_unlink(struct worker *wk, struct conn *c)
{
	if (c->lw_prev)
		c->lw_prev->lw_next = c->lw_next;
	else
		wk->lw_head = c->lw_next;
	if (c->lw_next)
		c->lw_next->lw_prev = c->lw_prev;
	else
		wk->lw_tail = c->lw_prev;
	c->lw_next = c->lw_prev = NULL;
}

/* Puts a busy connection, just read, at the end of its worker's lw list. */
static void lw_append(struct worker *wk, struct conn *c)
{
	c->lw_next = NULL;
	c->lw_prev = wk->lw_tail;
	if (wk->lw_tail)
		wk->lw_tail->lw_next = c;
	else
		wk->lw_head = c;
	wk->lw_tail = c;
}

/* Closes a connection already off its worker's list. */
static void conn_free(struct receiver *rx, struct conn *c)
{
	epoll_ctl(c->w->ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->again)
		c->w->n_again--;
	if (c->lowat) {
		atomic_fetch_sub(&c->w->n_lowat, 1);
		lw_unlink(c->w, c);
	}
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->fd);
	atomic_fetch_sub(&rx->n_conns, 1);
	ingest_count_connection(rx->g, -1, false);
	if (c->buf)
		explicit_bzero(c->buf, c->cap);
	free(c->buf);
	free(c->subject);
	free(c);
}

static void conn_close(struct receiver *rx, struct conn *c)
{
	pthread_mutex_lock(&c->w->mu);
	conn_unlink_locked(c);
	pthread_mutex_unlock(&c->w->mu);
	conn_free(rx, c);
}

/* Hands the batch of frames to ingest (it copies them). */
static void submit_batch(struct worker *wk)
{
	struct receiver *rx = wk->rx;
	struct conn *c = wk->batch_conn;
	struct ingest_source src = { .origin = { .via = c->ssl ? "tls" : "tcp",
		                                 .peer = c->peer,
		                                 .tls_subject = c->subject },
		                     .name = c->name };
	struct strbuf err = STRBUF_INIT;

	if (wk->nbatch && !wk->submit_failed &&
	    ingest_submit(rx->g, &src, wk->batch, wk->nbatch, &err) < 0) {
		fprintf(stderr, "mamori: syslog over %s stops: %s\n", src.origin.via, err.buf);
		wk->submit_failed = true;
		atomic_store(&rx->stopping, true);
	}
	wk->nbatch = 0;
	strbuf_release(&err);
}

static void on_frame(void *ctx, const char *msg, size_t len, unsigned flags)
{
	struct worker *wk = ctx;
	struct conn *c = wk->batch_conn;
	struct ingest_msg *m;

	if (wk->nbatch == MAX_BATCH)
		submit_batch(wk);
	m = &wk->batch[wk->nbatch++];
	m->data = msg;
	m->len = len;
	m->flags = ((flags & FRAME_CUT) ? LOG_CUT : 0) | ((flags & FRAME_OCTET) ? LOG_OCTET : 0);
	m->seq = ++c->seq;
}

/* Moves the buffer to one of cap bytes, wiping the old one (messages are personal data). */
static void conn_grow(struct conn *c, size_t cap)
{
	char *buf = xmalloc(cap);

	memcpy(buf, c->buf, c->len);
	explicit_bzero(c->buf, c->cap);
	free(c->buf);
	c->buf = buf;
	c->cap = cap;
}

/* Frames what the connection's buffer holds and hands them to ingest. */
static int conn_frames(struct receiver *rx, struct conn *c, bool eof)
{
	struct worker *wk = c->w;
	size_t used;

	wk->nbatch = 0;
	wk->batch_conn = c;
	used = framer_feed(&c->fr, c->buf, c->len, eof, on_frame, wk);
	submit_batch(wk);
	if (used) {
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
	/* A frame that does not fit yet: grow, up to the limit and room for its count. */
	if (c->len == c->cap && c->cap < rx->max + 64)
		conn_grow(c, c->cap * 2 < rx->max + 64 ? c->cap * 2 : rx->max + 64);
	return wk->submit_failed ? -1 : 0;
}

static void subject_of(struct conn *c)
{
	X509 *cert = SSL_get1_peer_certificate(c->ssl);
	BIO *bio;
	char *p;
	long n;

	if (!cert)
		return;
	bio = BIO_new(BIO_s_mem());
	if (bio && X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(bio, &p);
		if (n > 0 && n < 1024)
			c->subject = xstrndup(p, (size_t)n);
	}
	BIO_free(bio);
	X509_free(cert);
}

/* Reads a turn's worth; *got: the bytes read. Returns -1 when the connection is to be closed. */
static int conn_read_some(struct receiver *rx, struct conn *c, size_t *got_all)
{
	for (unsigned i = 0; i < receive_reads_per_event; i++) {
		size_t room = c->cap - c->len;
		ssize_t n;

		if (c->ssl) {
			/* SSL_read gives one record (16 KiB at most): take every record that
			 * is there before framing, as one read() would. */
			size_t got = 0;
			int k = 0;
			while (got < room) {
				k = SSL_read(c->ssl, c->buf + c->len + got, (int)(room - got));
				if (k <= 0)
					break;
				got += (size_t)k;
			}
			if (k <= 0) {
				int e = SSL_get_error(c->ssl, k);
				if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
					ERR_clear_error();
					c->len += got;
					conn_frames(rx, c, true);
					return -1;
				}
				if (got == 0)
					return 0;
			}
			n = (ssize_t)got;
		} else {
			n = read(c->fd, c->buf + c->len, room);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return 0;
			if (n <= 0) {
				conn_frames(rx, c, true);
				return -1;
			}
		}
		*got_all += (size_t)n;
		c->len += (size_t)n;
		if (conn_frames(rx, c, false) < 0)
			return -1;
		/* A busy sender: fewer, larger reads (a quiet one keeps a small buffer). */
		if ((size_t)n == room && c->cap < CONN_BUF_BUSY)
			conn_grow(c, c->cap * 2);
		if ((size_t)n < room && !(c->ssl && SSL_pending(c->ssl)))
			return 0; /* drained */
	}
	/*
	 * TLS reads ahead (one read() takes many records, not two for each): whole records may
	 * be left in OpenSSL's buffer with none in the socket, which epoll would not report: the
	 * worker comes back for them (read_again).
	 */
	if (c->ssl && !c->again && SSL_has_pending(c->ssl)) {
		c->again = true;
		c->w->n_again++;
	}
	return 0;
}

/*
 * After a turn of a plain TCP connection that read got bytes (swept: read_lowat's, not an
 * event's). A sender that brought LOWAT_RAISE bytes per LOWAT_MS, over at least LOWAT_MS, or
 * LOWAT_BYTES in less (a stream: at once, as one that a stall of its sender made not busy is
 * read segment by segment until then), is busy: its connection wakes the worker only once
 * LOWAT_BYTES wait (or at its end: the kernel reports a closed or reset connection whatever the
 * mark), and the worker reads it as it is once it was not read for LOWAT_MS (read_lowat); if
 * that found less than LOWAT_DROP per LOWAT_MS it is not busy any more. Under a stream of one
 * sender at full rate the worker woke every ~27 messages, and the ledger writer it hands them to as
 * often (docs/logs.md). The rates differ by half so that a sender between them keeps its state; a
 * burst after a quiet time is not a rate. A setsockopt that fails leaves the connection as it was
 * (unmarked: woken for every segment, as before; marked: read at every look). Rates in double: no
 * overflow.
 */
static void conn_lowat(struct conn *c, size_t got, bool swept)
{
	struct worker *wk = c->w;
	int64_t now = time_mono_ns();
	double el = (double)(now - c->last_read_ns), ms = receive_lowat_ms * 1e6;
	bool busy;
	int mark;

	if (c->lowat) {
		busy = !swept || (double)got * ms >= LOWAT_DROP * el;
		lw_unlink(wk, c);
	} else {
		c->win_bytes += got;
		if (el < ms && c->win_bytes < LOWAT_BYTES)
			return;
		busy = el < ms || (double)c->win_bytes * ms >= LOWAT_RAISE * el;
		c->win_bytes = 0;
	}
	c->last_read_ns = now;
	mark = busy ? LOWAT_BYTES : 1;
	if (busy != c->lowat &&
	    setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &mark, sizeof(mark)) == 0) {
		c->lowat = busy;
		if (busy) {
			atomic_fetch_add(&wk->n_lowat, 1);
			atomic_fetch_add(&wk->lowat_raised, 1);
		} else {
			atomic_fetch_sub(&wk->n_lowat, 1);
		}
	}
	if (c->lowat)
		lw_append(wk, c);
}

/* Returns -1 when the connection is to be closed. */
static int conn_read(struct receiver *rx, struct conn *c)
{
	size_t got = 0;
	int r = conn_read_some(rx, c, &got);

	if (r == 0 && !c->ssl)
		conn_lowat(c, got, false);
	return r;
}

static int conn_handshake(struct receiver *rx, struct conn *c)
{
	int k = SSL_accept(c->ssl), e;
	struct epoll_event ev = { .data.ptr = c };

	if (k == 1) {
		c->handshaking = false;
		subject_of(c);
		ev.events = EPOLLIN;
		epoll_ctl(c->w->ep, EPOLL_CTL_MOD, c->fd, &ev);
		return conn_read(rx, c);
	}
	e = SSL_get_error(c->ssl, k);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		ev.events = e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT;
		epoll_ctl(c->w->ep, EPOLL_CTL_MOD, c->fd, &ev);
		return 0;
	}
	ERR_clear_error();
	return -1; /* no certificate, a wrong one, not TLS: refused */
}

static void accept_one(struct receiver *rx, int lfd, bool tls)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct epoll_event ev = { .events = EPOLLIN };
	struct worker *wk = &rx->workers[0];
	struct conn *c;
	int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
	unsigned max = rx->cfg.max_connections ? rx->cfg.max_connections : 1024;

	if (fd < 0)
		return;
	if (atomic_load(&rx->n_conns) >= max) {
		close(fd);
		ingest_count_connection(rx->g, 0, true);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->fr.max = rx->max;
	c->cap = CONN_BUF_START;
	c->buf = xmalloc(c->cap);
	c->started_ms = time_now_ms();
	c->last_read_ns = time_mono_ns(); /* (its rate is measured from here: conn_lowat) */
	receive_addr_text((struct sockaddr *)&ss, sl, c->peer, sizeof(c->peer));
	ingest_source_name(c->name, sizeof(c->name), tls ? "tls" : "tcp", c->peer);
	if (tls) {
		c->ssl = SSL_new(rx->ctx);
		if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
			SSL_free(c->ssl);
			close(fd);
			free(c->buf);
			free(c);
			return;
		}
		c->handshaking = true;
	}
	/* To the worker with the fewest connections (read without its lock: a hint). */
	for (unsigned i = 1; i < rx->n_workers; i++)
		if (rx->workers[i].n_conns < wk->n_conns)
			wk = &rx->workers[i];
	c->w = wk;
	atomic_fetch_add(&rx->n_conns, 1);
	ingest_count_connection(rx->g, 1, false);
	pthread_mutex_lock(&wk->mu);
	c->next = wk->conns;
	if (wk->conns)
		wk->conns->prev = c;
	wk->conns = c;
	wk->n_conns++;
	pthread_mutex_unlock(&wk->mu);
	ev.data.ptr = c;
	epoll_ctl(wk->ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Closes TLS connections that have not finished their handshake in time. */
static void sweep(struct worker *wk)
{
	int64_t now = time_now_ms();
	struct conn *late = NULL;

	pthread_mutex_lock(&wk->mu);
	for (struct conn *c = wk->conns, *next; c; c = next) {
		next = c->next;
		if (c->handshaking && now - c->started_ms > HANDSHAKE_MS) {
			conn_unlink_locked(c);
			c->next = late;
			late = c;
		}
	}
	pthread_mutex_unlock(&wk->mu);
	while (late) {
		struct conn *c = late;
		late = c->next;
		conn_free(wk->rx, c);
	}
}

/*
 * Closes every connection of the worker (its thread has stopped), a plain TCP one after a last
 * read of what its socket holds: under a busy sender's mark that can be up to LOWAT_BYTES
 * (about 250 messages) the kernel has not reported (conn_lowat).
 */
void receive_close_all(struct worker *wk)
{
	while (wk->conns) {
		struct conn *c = wk->conns;
		size_t got = 0;
		if (!c->ssl && !c->handshaking)
			(void)conn_read_some(wk->rx, c, &got);
		conn_close(wk->rx, c);
	}
}

/* The connections that stopped with records in OpenSSL's buffer (conn_read), read again. */
static void read_again(struct worker *wk)
{
	struct conn *todo[64];
	size_t n = 0;

	pthread_mutex_lock(&wk->mu);
	for (struct conn *c = wk->conns; c && n < ARRAY_SIZE(todo); c = c->next)
		if (c->again)
			todo[n++] = c;
	pthread_mutex_unlock(&wk->mu);
	/* only this thread closes its connections: they are still there */
	for (size_t i = 0; i < n; i++) {
		todo[i]->again = false;
		wk->n_again--;
		if (conn_read(wk->rx, todo[i]) < 0)
			conn_close(wk->rx, todo[i]);
	}
}

/*
 * The worker's busy connections not read for LOWAT_MS are read as they are (their LOWAT_BYTES
 * did not come: what came must not wait for more), and leave the busy state if that was slow
 * (conn_lowat). Its lw list is in the order they were read, so the look stops at the first
 * that was read since (or at one read at or after `now`: conn_lowat put it at the end).
 */
static void read_lowat(struct worker *wk)
{
	int64_t now = time_mono_ns(), ms = (int64_t)receive_lowat_ms * 1000000;
	struct conn *c;

	while ((c = wk->lw_head) && now - c->last_read_ns >= ms && c->last_read_ns < now &&
	       !atomic_load(&wk->rx->stopping)) {
		size_t got = 0;
		if (conn_read_some(wk->rx, c, &got) < 0)
			conn_close(wk->rx, c);
		else
			conn_lowat(c, got, true);
	}
}

/* epoll_wait's timeout: at once for TLS records left in OpenSSL, at the first busy connection's
 * look (read_lowat), else in a second (sweep). */
static int wait_ms(const struct worker *wk)
{
	int64_t due;

	if (wk->n_again)
		return 0;
	if (!wk->lw_head)
		return 1000;
	due = wk->lw_head->last_read_ns + (int64_t)receive_lowat_ms * 1000000 - time_mono_ns();
	return due <= 0 ? 0 : (int)((due + 999999) / 1000000);
}

void *receive_stream_main(void *arg)
{
	struct worker *wk = arg;
	struct receiver *rx = wk->rx;
	struct epoll_event evs[64];
	int64_t last_sweep = time_now_ms();
	char name[16];

	snprintf(name, sizeof(name), "mamori-rx-tcp%u", (unsigned)(wk - rx->workers));
	pthread_setname_np(pthread_self(), name);

	while (!atomic_load(&rx->stopping)) {
		int n = epoll_wait(wk->ep, evs, 64, wait_ms(wk));

		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &rx->tcp_fd) {
				accept_one(rx, rx->tcp_fd, false);
			} else if (p == &rx->tls_fd) {
				accept_one(rx, rx->tls_fd, true);
			} else if (p == &rx->stop_fd) {
				break;
			} else {
				struct conn *c = p;
				int r = c->handshaking ? conn_handshake(rx, c) : conn_read(rx, c);
				if (r < 0 || (evs[i].events & (EPOLLERR | EPOLLHUP) &&
				              !(evs[i].events & EPOLLIN)))
					conn_close(rx, c);
			}
			if (atomic_load(&rx->stopping))
				break;
		}
		if (wk->n_again && !atomic_load(&rx->stopping))
			read_again(wk);
		if (wk->lw_head && !atomic_load(&rx->stopping))
			read_lowat(wk);
		if (time_now_ms() - last_sweep > 1000) {
			sweep(wk);
			last_sweep = time_now_ms();
		}
	}
	receive_close_all(wk);
	return NULL;
}
